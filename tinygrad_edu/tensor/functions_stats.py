"""``torch.*`` functions for statistics and searching: ``var_mean``, ``std_mean``, ``cov``,
``corrcoef``, ``searchsorted``, ``bucketize``.

They take several results or several tensors, so they are composed here from Tensor methods
(``var``, ``mean``, ``sum``, matrix products) rather than being one method call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import relabel
from .arithmetic import matmul
from .core import Tensor, tensor_arg
from .dim_args import write_out

__all__ = ["bucketize", "corrcoef", "cov", "searchsorted", "std_mean", "var_mean"]


def _moments(name: str, input: Any, dim: Any, unbiased: Any, keepdim: bool,  # noqa: A002
             correction: Any) -> tuple[Tensor, Tensor]:
    x = tensor_arg(input, f"{name}_mean")
    spread = getattr(x, name)(dim, unbiased, keepdim, correction=correction)
    node = "VarMeanBackward0" if name == "var" else "StdMeanBackward0"  # PyTorch's node name
    return relabel(spread, node, x), relabel(x.mean(dim, keepdim), node, x)


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None, axis: Any = None,
             keepdims: Any = None) -> tuple[Tensor, Tensor]:
    """(variance, mean) over ``dim`` in one call (``correction=1`` by default)."""
    return _moments("var", input, axis if axis is not None else dim, unbiased,
                    keepdims if keepdims is not None else keepdim, correction)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None, axis: Any = None,
             keepdims: Any = None) -> tuple[Tensor, Tensor]:
    """(standard deviation, mean) over ``dim`` in one call."""
    return _moments("std", input, axis if axis is not None else dim, unbiased,
                    keepdims if keepdims is not None else keepdim, correction)


def cov(input: Tensor, *, correction: int = 1, fweights: Any = None,  # noqa: A002
        aweights: Any = None) -> Tensor:
    """Covariance of the rows (variables) of a 2-d input whose columns are observations.

    With weights w = fweights * aweights: the weighted mean, and the normaliser
    sum(w) - correction * sum(w * aweights) / sum(w) (sum(w) - correction without aweights).
    """
    x = tensor_arg(input, "cov")
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.ndim} dimensions")
    if x.dtype.kind == "b":
        raise RuntimeError("cov(): bool dtype is not supported for input")
    ndim = x.ndim
    x = x.reshape(1, -1) if ndim < 2 else x
    x = x if x.dtype.kind == "f" else x.float()
    n = x.shape[1]
    w = None
    for given in (fweights, aweights):
        if given is not None:
            weight = tensor_arg(given, "cov", "fweights/aweights").type(x.dtype)
            w = weight if w is None else w * weight
    if w is None:
        mean = x.mean(1, keepdim=True)
        norm_factor: Any = n - correction
    else:
        total = w.sum()
        mean = (x * w).sum(1, keepdim=True) / total
        aw = tensor_arg(aweights, "cov", "aweights") if aweights is not None else None
        norm_factor = total - correction * ((w * aw.type(x.dtype)).sum() / total) \
            if aweights is not None else total - correction
    centered = x - mean
    weighted = centered if w is None else centered * w
    c = matmul(weighted, centered.t()) / norm_factor
    return c.reshape(()) if ndim < 2 else c


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson correlation of the rows: cov[i, j] / sqrt(cov[i, i] * cov[j, j]), in [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clamp(-1, 1)


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False,  # noqa: A002
                 right: bool = False, side: str | None = None, sorter: Any = None,
                 out: Any = None) -> Tensor:
    """For each value, the index at which inserting it keeps the (last dim of the) sorted
    sequence sorted: the first such index, or the last with ``right=True``/``side='right'``."""
    seq = tensor_arg(sorted_sequence, "searchsorted", "sorted_sequence")
    values = np.asarray(input._data if isinstance(input, Tensor) else input)
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right' and must "
                               f"agree with right={right}, got {side!r}")
        right = side == "right"
    data = seq._data
    if sorter is not None:
        data = np.take_along_axis(data, tensor_arg(sorter, "searchsorted", "sorter")._data, axis=-1)
    if data.ndim == 1:
        found = _binary_search(data.reshape(1, -1), values.reshape(1, -1), right)
    else:
        if data.shape[:-1] != values.shape[:-1]:
            raise RuntimeError(f"searchsorted(): boundaries {data.shape} and input "
                               f"{values.shape} must have the same leading dims")
        rows = data.reshape(int(np.prod(data.shape[:-1])), data.shape[-1])
        found = _binary_search(rows, values.reshape(rows.shape[0], -1), right)
    found = found.reshape(values.shape)
    result = seq._wrap(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))
    return result if out is None else write_out("searchsorted", result, out, (), "same")


def _binary_search(rows: Any, values: Any, right: bool) -> Any:
    """For each value of ``values`` (R, M), the insertion index in its row of ``rows`` (R, N):
    PyTorch's plain binary search, step by step for all values at once. On a sorted row it is
    numpy's ``searchsorted``; on one that is not, it gives PyTorch's answer (numpy's search
    reuses the bounds of the previous value, and answers differently)."""
    n = rows.shape[1]
    lo = np.zeros(values.shape, dtype=np.int64)
    hi = np.full(values.shape, n, dtype=np.int64)
    while (active := lo < hi).any():
        mid = (lo + hi) // 2
        at = np.take_along_axis(rows, np.minimum(mid, n - 1), axis=1)
        # go right unless at >= v (at > v with ``right``): a NaN value goes right, as in PyTorch
        go = ~(at > values) if right else ~(at >= values)
        lo = np.where(active & go, mid + 1, lo)
        hi = np.where(active & ~go, mid, hi)
    return lo


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,  # noqa: A002
              right: bool = False, out: Any = None) -> Tensor:
    """The bucket of each value: i with boundaries[i-1] < v <= boundaries[i] (``right``:
    boundaries[i-1] <= v < boundaries[i])."""
    if tensor_arg(boundaries, "bucketize", "boundaries").ndim != 1:
        raise RuntimeError("bucketize(): boundaries tensor must be 1 dimension")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)
