"""Muon: momentum whose update matrix is orthogonalized by a Newton-Schulz iteration."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, lerp_


def _bf16(x: Array) -> Array:
    """``x`` rounded to bfloat16 (kept in float32): PyTorch runs the iteration in bfloat16."""
    return np.asarray(x, dtype=np.float32).astype(dtypes.bfloat16.np_dtype).astype(np.float32)


def newton_schulz(g: Array, coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
                  steps: int = 5, eps: float = 1e-7) -> Array:
    """An approximately orthogonal matrix with ``g``'s singular vectors: ``U S' V^T``.

    With ``g = U S V^T``, the odd polynomial ``p(X) = a X + b X X^T X + c (X X^T)^2 X``
    maps it to ``U p(S) V^T``: it acts on each singular value alone. Scaled so that every
    singular value is at most 1 (dividing by the Frobenius norm), a few steps of ``p``, whose
    coefficients make it steep at 0, push all of them towards 1: the result is close to the
    orthogonal factor ``U V^T``, with singular values roughly in [0.7, 1.2] (which does not
    hurt training). The iteration runs in bfloat16, rounding after every operation as
    PyTorch does, on the wide orientation (fewer rows than columns: ``X X^T`` is smaller).
    """
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if g.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    tall = g.shape[0] > g.shape[1]
    x = _bf16(g.T if tall else g)
    x = _bf16(x / max(float(_bf16(np.sqrt(np.sum(x * x)))), eps))
    for _ in range(steps):
        gram = _bf16(x @ x.T)
        gram_update = _bf16(b * gram + c * (gram @ gram))
        x = _bf16(a * x + gram_update @ x)
    return x.T if tall else x


def _adjusted_lr(lr: float, how: str | None, shape: tuple[int, ...]) -> float:
    """The learning rate scaled so that updates of different shapes have comparable RMS."""
    rows, cols = shape[:2]
    if how is None or how == "original":  # Keller Jordan's: sqrt(max(1, rows / cols))
        return lr * math.sqrt(max(1, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))  # "match_rms_adamw" (Moonshot's)


class Muon(Optimizer):
    """Muon (PyTorch's ``torch.optim.Muon``): MomentUm Orthogonalized by Newton-Schulz.

    For the weight matrices of hidden layers. SGD with momentum steps along ``B``, the
    running average of gradients; the few largest singular directions of ``B`` dominate that
    step. Muon steps along ``B``'s orthogonal factor instead (every singular value set to
    about 1, see ``newton_schulz``), so rare directions move as fast as common ones.
    Biases, embeddings and other non-2-d parameters belong to another optimizer (AdamW).

    Algorithm::

        input: gamma (lr), lambda (weight decay), mu (momentum), nesterov, (a, b, c)
               (ns_coefficients), epsilon, k (ns_steps), theta_0 (params), f(theta)
        initialize: B_0 <- 0 (momentum buffer)
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})
            B_t <- mu B_{t-1} + (1 - mu) g_t
            B~_t <- (1 - mu) g_t + mu B_t if nesterov else B_t
            O_t <- NS_k^(a,b,c)(B~_t; epsilon)
            theta_t <- theta_{t-1} - gamma lambda theta_{t-1}   (decoupled weight decay)
            theta_t <- theta_t - AdjustLR(gamma; shape(theta)) O_t
        return theta_t

    ``AdjustLR`` multiplies the lr by ``sqrt(max(1, rows / cols))`` (``adjust_lr_fn=None`` or
    ``"original"``) or by ``0.2 sqrt(max(rows, cols))`` (``"match_rms_adamw"``, so that the lr
    and weight decay tuned for AdamW carry over). The state entry is ``momentum_buffer``.

    Args:
        params: the 2-d Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        weight_decay: lambda, decoupled weight decay.
        momentum: mu.
        nesterov: look ahead along the momentum (the default).
        ns_coefficients: (a, b, c) of the Newton-Schulz polynomial.
        eps: floor of the norm the iteration divides by.
        ns_steps: number of Newton-Schulz steps (< 100).
        adjust_lr_fn: None / ``"original"`` or ``"match_rms_adamw"``.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import Muon
        >>> w = tg.zeros(2, 2, requires_grad=True)
        >>> opt = Muon([w], lr=0.1, weight_decay=0.0)
        >>> w.grad = tg.tensor([[10.0, 0.0], [0.0, 0.1]])
        >>> opt.step()  # both directions move by about lr, although the gradients differ 100x
        >>> (w.detach().numpy().diagonal() < -0.05).all().item()
        True
    """

    def __init__(self, params: Params, lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
                 eps: float = 1e-7, ns_steps: int = 5, adjust_lr_fn: str | None = None) -> None:
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                    "nesterov": nesterov, "ns_coefficients": tuple(ns_coefficients), "eps": eps,
                    "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Learning rate should be >= 0 but is: {options['lr']}")
        if not 0.0 <= options["momentum"]:
            raise ValueError(f"momentum should be >= 0 but is: {options['momentum']}")
        if not 0.0 <= options["weight_decay"]:
            raise ValueError(f"weight decay should be >= 0 but is: {options['weight_decay']}")
        if options["adjust_lr_fn"] not in (None, "original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {options['adjust_lr_fn']} is not "
                             "supported")
        for p in options.get("params", ()):
            if p.ndim != 2:
                raise ValueError("Muon only supports 2D parameters whereas we found a parameter "
                                 f"with size: {p.shape}")

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        return {"momentum_buffer": Tensor(np.zeros_like(param.numpy(force=True)))}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        momentum = group["momentum"]
        buf = state["momentum_buffer"].numpy()
        lerp_(buf, grad, 1 - momentum)
        if group["nesterov"]:
            direction = grad.copy()
            lerp_(direction, buf, momentum)
        else:
            direction = buf
        ortho = newton_schulz(direction, group["ns_coefficients"], group["ns_steps"],
                              group["eps"])
        param *= 1 - group["lr"] * group["weight_decay"]
        param -= _adjusted_lr(group["lr"], group["adjust_lr_fn"], param.shape) * ortho
