"""Adafactor: Adam's second moment in factored form, so a matrix costs memory per row and column."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags, lerp_, load_state_entry


class Adafactor(Optimizer):
    """Adafactor (PyTorch's ``torch.optim.Adafactor``), Shazeer and Stern, 2018.

    Adam keeps, for every weight, a running average ``v`` of its squared gradient: as much
    memory as the model itself. For a matrix ``G`` (rows r, columns c), Adafactor keeps only
    the running averages of the row means ``R = mean_c(G^2)`` (r numbers) and of the column
    means ``C = mean_r(G^2)`` (c numbers), and estimates ``v`` by their outer product divided
    by the overall mean: ``v_hat = R C^T / mean(R)`` (the best rank-1 fit in the sense of
    the I-divergence). A vector (or a 0-d parameter) keeps an ordinary running average.

    There is no momentum and no fixed decay rate: the weight of the newest gradient,
    ``t^beta2_decay``, starts at 1 and shrinks with the step count. The step is relative to
    the parameter's size (its root mean square, at least ``eps2``) and its update is clipped
    so that its RMS is at most ``d``.

    Algorithm::

        input: gamma (lr), tau (beta2_decay), epsilon_1, epsilon_2 (eps), d, lambda (weight
               decay), theta_0 (params), f(theta) (objective), maximize
        initialize: R_0 <- 0 (second moment row factor), C_0 <- 0 (column factor),
                    V_0 <- 0 (second moment, for vectors)
        for t = 1, 2, ... do
            G_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            beta2_t <- 1 - t^tau
            rho_t <- min(gamma, 1 / sqrt(t))
            alpha_t <- max(epsilon_2, RMS(theta_{t-1})) * rho_t
            theta_{t-1} <- theta_{t-1} - gamma * lambda * theta_{t-1}
            if G_t is a matrix (the last two dimensions are factored):
                R_t <- beta2_t R_{t-1} + (1 - beta2_t) mean over columns of G_t^2
                C_t <- beta2_t C_{t-1} + (1 - beta2_t) mean over rows of G_t^2
                V_hat_t <- R_t C_t / max(mean(R_t), epsilon_1)
            else:
                V_hat_t <- V_t <- beta2_t V_{t-1} + (1 - beta2_t) G_t^2
            U_t <- G_t / sqrt(max(V_hat_t, epsilon_1^2))
            theta_t <- theta_{t-1} - alpha_t * U_t / max(1, RMS(U_t) / d)
        return theta_t

    ``epsilon_1`` defaults (``None``) to the machine epsilon of the parameter's dtype. The
    state entries are ``step``, and ``row_var``/``col_var`` (shapes ``(..., r, 1)`` and
    ``(..., 1, c)``) or ``variance``, as in PyTorch.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: gamma, the largest relative step (the step is also at most ``1 / sqrt(t)``).
        beta2_decay: tau, the exponent of the newest gradient's weight ``t^tau`` (<= 0).
        eps: (epsilon_1, epsilon_2): the floor of the second moment estimate (None: the
            dtype's eps) and of the parameter RMS that scales the step.
        d: the largest RMS of the update before it is scaled down (clipping threshold).
        weight_decay: lambda, decoupled weight decay (as AdamW: the parameter shrinks by
            ``lr * weight_decay`` of itself each step).
        maximize: ascend the objective instead of descending it.
        foreach: PyTorch's implementation switch, accepted for compatibility.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import Adafactor
        >>> w = tg.tensor([[3.0, -4.0]], requires_grad=True)
        >>> opt = Adafactor([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()  # alpha = RMS(w) * 0.1 = 0.354; U has RMS 1: w moves by 0.354 per entry
        >>> w
        tensor([[ 2.6464, -3.6464]], requires_grad=True)
    """

    numeric_options = frozenset({"lr", "beta2_decay", "d", "weight_decay"})  # eps is a pair

    def __init__(self, params: Params, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        check_flags(type(self).__name__)
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": tuple(eps), "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        eps1, eps2 = options["eps"]
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Learning rate should be >= 0 but is: {options['lr']}")
        if not 0.0 >= options["beta2_decay"]:
            raise ValueError(f"beta2_decay should be <= 0 but is: {options['beta2_decay']}")
        if eps1 is not None and not 0.0 <= eps1:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps1}")
        if not 0.0 <= eps2:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps2}")
        if not 1.0 <= options["d"]:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {options['d']}")
        if not 0.0 <= options["weight_decay"]:
            raise ValueError(f"weight_decay should be >= 0 but is: {options['weight_decay']}")

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        like = param.numpy(force=True)
        if like.ndim <= 1:
            return {"step": 0.0, "variance": Tensor(np.zeros_like(like))}
        return {"step": 0.0,
                "row_var": Tensor(np.zeros(like.shape[:-1] + (1,), dtype=like.dtype)),
                "col_var": Tensor(np.zeros(like.shape[:-2] + (1, like.shape[-1]),
                                           dtype=like.dtype))}

    def _load_state_value(self, name: str, value: Any, param: Tensor) -> Any:
        """A saved ``row_var``/``col_var`` has its factor's shape, not the parameter's."""
        shape = param.shape
        factors = {"row_var": (*shape[:-1], 1), "col_var": (*shape[:-2], 1, *shape[-1:])}
        return load_state_entry(name, value, param, self.scalar_state,
                           factors.get(name) if len(shape) > 1 else None)

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        lr, (eps1, eps2) = group["lr"], group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(param.dtype).eps)
        g = -grad if group["maximize"] else grad
        state["step"] += 1
        t = state["step"]
        newest = t ** group["beta2_decay"]  # 1 - beta2_t
        alpha = max(eps2, _rms(param)) * min(lr, 1 / t**0.5)
        if group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        if "variance" in state:
            variance = state["variance"].numpy()
            lerp_(variance, g * g, newest)
            estimate = variance.copy()
        else:
            row_var, col_var = state["row_var"].numpy(), state["col_var"].numpy()
            lerp_(row_var, np.mean(g * g, axis=-1, keepdims=True), newest)
            lerp_(col_var, np.mean(g * g, axis=-2, keepdims=True), newest)
            overall = np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
            estimate = row_var * col_var / overall
        update = g / np.sqrt(np.maximum(estimate, eps1 * eps1))
        param -= (alpha / max(1.0, _rms(update) / group["d"])) * update


def _rms(x: Array) -> float:
    """Root mean square of all entries (0 for an empty array, as ``norm / sqrt(numel)``)."""
    return float(np.sqrt(np.sum(np.square(x, dtype=np.float64)) / max(x.size, 1)))
