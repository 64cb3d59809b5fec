"""Rprop: resilient backpropagation, one step size per weight driven by the gradient's sign."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags


class Rprop(Optimizer):
    """Rprop (PyTorch's ``torch.optim.Rprop``), Riedmiller and Braun (1993).

    Rprop ignores the gradient's magnitude and uses only its sign. Each weight has its own
    step size: it grows by ``eta_plus`` while the gradient keeps its sign (we are still going
    downhill) and shrinks by ``eta_minus`` when the sign flips (we jumped over a minimum); in
    that case the weight does not move on this step and its gradient is forgotten, so the next
    step counts as a fresh start. Meant for full-batch training: mini-batch noise flips signs.

    Algorithm::

        input: theta_0 (params), f(theta) (objective), eta_0 (lr, initial step size),
               (eta_-, eta_+) (etas), (Gamma_min, Gamma_max) (step sizes), maximize
        initialize: g_0^prev <- 0, eta_0 <- lr (one per coordinate)
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            for each coordinate i:
                if g_t,i * g_{t-1,i}^prev > 0:  eta_t,i <- min(eta_{t-1,i} * eta_+, Gamma_max)
                elif g_t,i * g_{t-1,i}^prev < 0:
                    eta_t,i <- max(eta_{t-1,i} * eta_-, Gamma_min)
                    g_t,i <- 0
                else:  eta_t,i <- eta_{t-1,i}
            theta_t <- theta_{t-1} - eta_t * sign(g_t)
            g_t^prev <- g_t
        return theta_t

    The state entries are ``step``, ``prev`` (g^prev) and ``step_size`` (eta), as in PyTorch.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: the initial step size of every coordinate.
        etas: (eta_minus, eta_plus), the factors that shrink and grow a step size
            (0 < eta_minus < 1 < eta_plus).
        step_sizes: (Gamma_min, Gamma_max), the bounds of a step size.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import Rprop
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = Rprop([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()  # steps of 0.1, then 0.1 * 1.2 (same sign again)
        >>> w
        tensor([ 0.7800, -1.7800], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes),
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        etas = options["etas"]
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Invalid learning rate: {options['lr']}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        like = param.numpy(force=True)
        return {"step": 0.0, "prev": Tensor(np.zeros_like(like)),
                "step_size": Tensor(np.full_like(like, group["lr"]))}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        eta_minus, eta_plus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        prev, step_size = state["prev"].numpy(), state["step_size"].numpy()
        agreement = np.sign(g * prev)  # +1: same sign as last step, -1: flipped, 0: a zero
        factor = np.where(agreement > 0, eta_plus, np.where(agreement < 0, eta_minus, 1.0))
        factor = factor.astype(step_size.dtype)  # PyTorch multiplies in the parameter's dtype
        step_size *= factor
        np.clip(step_size, step_size_min, step_size_max, out=step_size)
        g = np.where(agreement < 0, 0, g)  # after a flip: no move, and forget the gradient
        param += -(np.sign(g) * step_size)
        prev[...] = g
