"""``tinygrad_edu.nn.utils``: gradient clipping and flattening parameters into one vector."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from ..tensor.functions import cat

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _as_list(parameters: Iterable[Tensor] | Tensor) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    Returns:
        The joint norm before clipping, a 0-d Tensor.
    """
    params = _as_list(parameters)  # once: a generator can only be walked once
    for arg, v in (("max_norm", max_norm), ("norm_type", norm_type)):
        if isinstance(v, bool) or not isinstance(v, int | float | np.number):
            raise TypeError(f"clip_grad_norm_: {arg} must be a number, got {v!r}")
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive (or inf), got {norm_type}")
    grads = [p.grad.numpy() for p in params if p.grad is not None]
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    if norm_type == float("inf"):
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = float(sum(float(np.sum(np.abs(g) ** norm_type)) for g in grads)
                      ** (1.0 / norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} for "
                           f"gradients is non-finite ({total}), so it cannot be clipped")
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p in params:
        if p.grad is not None:
            with p.grad.mutate() as g:
                g *= np.asarray(coef, dtype=g.dtype)
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    for p in _as_list(parameters):
        if p.grad is not None:
            with p.grad.mutate() as g:
                np.clip(g, -clip_value, clip_value, out=g)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy slices of ``vec`` into the parameters, in order."""
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: expected a vector of {total} elements, got "
                           f"shape {vec.shape}")
    start = 0
    with no_grad():
        for p in params:
            p.copy_(vec[start:start + p.numel()].reshape(p.shape))
            start += p.numel()
