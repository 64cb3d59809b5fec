"""``nn.utils`` gradient clipping and flattening parameters into one vector."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor
from ...tensor.functions import cat

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters: Iterable[Tensor] | Tensor) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _check_foreach(foreach: bool | None, name: str) -> None:
    """``foreach`` picks PyTorch's fused multi-tensor kernels; here every choice is one loop."""
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(f"{name}: foreach must be a bool or None, got {foreach!r}")


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` seen as one long vector, a 0-d Tensor.

    (PyTorch takes the norm of the per-tensor norms, which is the same number.) ``inf`` gives
    the largest absolute value. Usually called on the gradients:
    ``get_total_norm([p.grad for p in params])``.
    """
    _check_foreach(foreach, "get_total_norm")
    if isinstance(norm_type, bool) or not isinstance(norm_type, int | float | np.number):
        raise TypeError(f"get_total_norm: norm_type must be a number, got {norm_type!r}")
    if not norm_type > 0:
        raise ValueError(f"get_total_norm: norm_type must be positive (or inf), got {norm_type}")
    arrays = [t.detach().numpy() for t in _as_list(tensors) if t is not None]
    if not arrays:
        return Tensor(np.zeros((), dtype=np.float32))
    if norm_type == float("inf"):
        total = max((float(np.abs(a).max()) for a in arrays if a.size), default=0.0)
    else:
        total = float(sum(float(np.sum(np.abs(a.astype(np.float64)) ** norm_type))
                          for a in arrays) ** (1.0 / norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {float(norm_type)} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return Tensor(np.asarray(total, dtype=arrays[0].dtype))


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                          total_norm: Tensor | float, foreach: bool | None = None) -> None:
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place.

    ``total_norm`` is usually ``get_total_norm`` of the gradients (computed once, perhaps
    across several groups of parameters).
    """
    _check_foreach(foreach, "clip_grads_with_norm_")
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p in _as_list(parameters):
        if p.grad is not None:
            with p.grad.mutate() as g:
                g *= np.asarray(coef, dtype=g.dtype)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    ``get_total_norm`` of the gradients, then ``clip_grads_with_norm_``.

    Returns:
        The joint norm before clipping, a 0-d Tensor.
    """
    params = _as_list(parameters)  # once: a generator can only be walked once
    for arg, v in (("max_norm", max_norm), ("norm_type", norm_type)):
        if isinstance(v, bool) or not isinstance(v, int | float | np.number):
            raise TypeError(f"clip_grad_norm_: {arg} must be a number, got {v!r}")
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive (or inf), got {norm_type}")
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    _check_foreach(foreach, "clip_grad_value_")
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
