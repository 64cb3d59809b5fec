"""Distance and similarity functions: PyTorch's ``cosine_similarity`` and ``pairwise_distance``.

Composites of Tensor operations (broadcasting, norms, sums); autograd derives the gradients.
"""

from __future__ import annotations

import numpy as np

from ...checks import FLOATING_CHECKED, check_scalar, common_floating, int_arg
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


def _broadcast(x1: Tensor, x2: Tensor, name: str) -> tuple[Tensor, Tensor]:
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise RuntimeError(f"{name}: the size of x1 {tuple(x1.shape)} must match the size of x2 "
                           f"{tuple(x2.shape)} (or broadcast with it)") from None
    return x1.expand(*shape), x2.expand(*shape)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / (max(||x1||, eps) max(||x2||, eps)) along ``dim`` (inputs broadcast).

    Each vector is divided by its (clamped) norm first and the unit vectors' dot product is
    taken, as PyTorch does; the clamp, done without gradient in PyTorch, leaves the gradient of
    the norm as if unclamped.
    """
    check_tensor(x1, "cosine_similarity")
    check_tensor(x2, "cosine_similarity")
    dim = int_arg(dim, "cosine_similarity", "dim")
    check_scalar(eps, "eps", "cosine_similarity")
    eps = float(eps) if isinstance(eps, bool | np.bool_) else eps  # True is 1, as in PyTorch
    if not eps >= 0:  # NaN too
        raise RuntimeError(f"cosine_similarity: eps must be non-negative, got: {eps}")
    a, b = common_floating("cosine_similarity", *_broadcast(x1, x2, "cosine_similarity"),
                           rule=FLOATING_CHECKED, args=("x1", "x2"))
    if a.ndim == 0:
        raise IndexError("cosine_similarity: Dimension specified as 1 but tensor has no "
                         "dimensions")
    norms = []
    for v in (a, b):
        n = v.norm(2, dim, keepdim=True)
        norms.append(n + (n.clamp(min=eps) - n).detach())  # clamp the value, not the gradient
    return ((a / norms[0]) * (b / norms[1])).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dimension (eps keeps the norm off 0, its kink)."""
    check_tensor(x1, "pairwise_distance")
    check_tensor(x2, "pairwise_distance")
    check_scalar(p, "p", "pairwise_distance")
    check_scalar(eps, "eps", "pairwise_distance")
    a, b = _broadcast(x1, x2, "pairwise_distance")
    if a.ndim == 0:
        return ((a - b + eps).abs() if p != 0 else (a - b + eps != 0).type(a.dtype))
    return (a - b + eps).norm(p, a.ndim - 1, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """p-norm distances between all pairs of rows i < j of an (N, M) input, as a flat (N (N-1)
    / 2,) tensor in row order (the upper triangle of ``cdist(x, x)``)."""
    check_tensor(input, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], k=1)
    diff = input[Tensor(i)] - input[Tensor(j)]
    return diff.norm(p, 1)
