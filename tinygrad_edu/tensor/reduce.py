"""Reductions and the statistics built from them: sum, max, mean, var, softmax, ...

``sum``, ``prod``, ``amax``/``amin``, ``argmax``/``argmin`` and ``softmax``/``log_softmax`` call
registered ops (``tinygrad_edu/ops/reduce.py``, ``ops/loss.py``); ``mean``, ``var``, ``std`` and
``logsumexp`` are composed from ops here, so autograd derives their gradients.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..autograd import OPS, apply_op, relabel
from ..checks import dim_index, dims_tuple
from .arithmetic import where
from .base import TensorBase


class MaxMin(NamedTuple):
    """``(values, indices)`` returned by ``max(dim)`` and ``min(dim)``."""

    values: Any
    indices: Any


def _count(x: Any, dims: tuple[int, ...] | None) -> int:
    if dims is None:
        return x.numel()
    return int(np.prod([x.shape[d] for d in dims]))


def resolve_correction(unbiased: bool | None, correction: int | None) -> int:
    """PyTorch's two spellings of Bessel's correction: unbiased=True means correction=1."""
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


class ReduceMixin(TensorBase):
    """Reductions over dims, and statistics composed from them."""

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
        """Sum over ``dim`` (an int, a tuple of ints, or None for all)."""
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind == "b":
            x = x.long()
        return apply_op(OPS["sum"], x, dim=dims_tuple(dim, self.ndim, "sum"), keepdim=keepdim)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Product over ``dim`` (an int or None for all)."""
        return apply_op(OPS["prod"], self, dim=dims_tuple(dim, self.ndim, "prod"),
                        keepdim=keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Any:
        """Maximum over ``dim`` (all dims by default); ties share the gradient."""
        return self._extreme("amax", dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Any:
        """Minimum over ``dim`` (all dims by default); ties share the gradient."""
        return self._extreme("amin", dim, keepdim)

    def _extreme(self, name: str, dim: Any, keepdim: bool) -> Any:
        if self.numel() == 0:
            raise RuntimeError(f"{name}: expected a non-empty tensor, got shape {self.shape}")
        dims = dims_tuple(None if dim == () else dim, self.ndim, name)
        return apply_op(OPS[name], self, dim=dims, keepdim=keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """max(): the largest value; max(dim): (values, indices); max(tensor): elementwise."""
        return self._max_min("max", "amax", "argmax", dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """min(): the smallest value; min(dim): (values, indices); min(tensor): elementwise."""
        return self._max_min("min", "amin", "argmin", dim, keepdim)

    def _max_min(self, name: str, full: str, arg: str, dim: Any, keepdim: bool) -> Any:
        if isinstance(dim, TensorBase):
            return self.maximum(dim) if name == "max" else self.minimum(dim)  # type: ignore
        if dim is None:
            return self._extreme(full, None, False)
        d = dim_index(dim, self.ndim, name)
        index = apply_op(OPS[arg], self, dim=d, keepdim=True)
        values = apply_op(OPS["take_along_dim"], self, index, dim=d)
        if not keepdim:
            values, index = values.squeeze(d), index.squeeze(d)
        return MaxMin(values, index)

    def gather(self, dim: int, index: Any) -> Any:
        """out[i][j] = self[index[i][j]][j] for dim 0 (PyTorch's gather; index is int64)."""
        return self.take_along_dim(index, dim)

    def take_along_dim(self, indices: Any, dim: int) -> Any:
        """Pick values along ``dim`` at ``indices`` (broadcast against self on other dims)."""
        d = dim_index(dim, self.ndim, "take_along_dim")
        if indices.dtype.kind not in "iu" or indices.ndim != self.ndim:
            raise RuntimeError(f"take_along_dim: expected int64 indices with {self.ndim} dims, "
                               f"got {indices.dtype} of shape {indices.shape}")
        n = self.shape[d]
        if indices.numel() and (indices._data.min() < -n or indices._data.max() >= n):
            raise IndexError(f"take_along_dim: index out of range for dimension {d} with size "
                             f"{n}")
        return apply_op(OPS["take_along_dim"], self, indices, dim=d)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Index of the largest value (flattened when ``dim`` is None)."""
        d = None if dim is None else dim_index(dim, self.ndim, "argmax")
        return apply_op(OPS["argmax"], self, dim=d, keepdim=keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Index of the smallest value (flattened when ``dim`` is None)."""
        d = None if dim is None else dim_index(dim, self.ndim, "argmin")
        return apply_op(OPS["argmin"], self, dim=d, keepdim=keepdim)

    def all(self) -> Any:
        """True when every element is nonzero."""
        return self._wrap(np.asarray(self._data.all()))

    def any(self) -> Any:
        """True when some element is nonzero."""
        return self._wrap(np.asarray(self._data.any()))

    # ------------------------------------------------------------------ statistics

    def mean(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Arithmetic mean over ``dim``: sum(x) / n."""
        if self.dtype.kind != "f":
            raise RuntimeError(f"mean: could not infer output dtype; input dtype must be "
                               f"floating point, got {self.dtype}; call .float() first")
        dims = dims_tuple(dim, self.ndim, "mean")
        return relabel(self.sum(dims, keepdim) / _count(self, dims),  # PyTorch's node name
                       "MeanBackward0" if dim is None else "MeanBackward1")

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Any:
        """Variance, sum((x - mean)**2) / (n - correction); ``correction=1`` by default."""
        corr = resolve_correction(unbiased, correction)
        dims = dims_tuple(dim, self.ndim, "var")
        centered = self - self.mean(dims, True)
        return (centered * centered).sum(dims, keepdim) / max(_count(self, dims) - corr, 0)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Any:
        """Standard deviation, the square root of ``var`` (gradient 0 where it is 0)."""
        v = self.var(dim, unbiased, keepdim, correction=correction)
        zero = v == 0  # sqrt's gradient is inf at 0; PyTorch's std gives 0 there
        return where(zero, v * 0, where(zero, v._wrap(np.ones((), v.dtype)), v).sqrt())

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Any:
        """log(sum(exp(x))) = m + log(sum(exp(x - m))) with m = max(x): no overflow."""
        dims = dims_tuple(dim, self.ndim, "logsumexp")
        m = self.amax(dims, keepdim=True).detach()  # type: ignore[attr-defined]
        m = m.masked_fill(~((m == m) & (m.abs() != float("inf"))), 0.0)  # inf/nan: no shift
        out = (self - m).exp().sum(dims, keepdim=True).log() + m
        return out if keepdim else out.squeeze(dims if dims is not None else None)

    def softmax(self, dim: int) -> Any:
        """exp(x) / sum(exp(x)) along ``dim``."""
        return apply_op(OPS["softmax"], self._floating(),
                        dim=dim_index(dim, self.ndim, "softmax"))

    def log_softmax(self, dim: int) -> Any:
        """x - logsumexp(x) along ``dim``, computed stably."""
        return apply_op(OPS["log_softmax"], self._floating(),
                        dim=dim_index(dim, self.ndim, "log_softmax"))
