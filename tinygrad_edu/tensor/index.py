"""Indexing by index tensors: index_select, scatter and its relatives, masked_select,
take/put, and the index-producing functions nonzero, unique, bincount and histc.

Reading values is ``getitem`` or ``take_along_dim`` (their backward adds dout back to where
values were read). Writing values is the ``scatter``/``scatter_add``/``scatter_reduce`` ops
(``ops/index.py``), whose backward gathers dout from where values were written. The
``index_*`` methods are scatters with a 1-d index repeated along the other dims. Each method
has an in-place twin ending in ``_`` (``scatter_``, ``index_add_``, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import OPS, apply_op, relabel
from ..checks import check_floating, dim_index
from .base import TensorBase
from .convert import as_tensor_like
from .dim_args import numpy_names

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def check_index(name: str, index: Any, ndim: int | None = None) -> None:
    """An index must be an integer tensor (of ``ndim`` dims when given): anything but a
    tensor is PyTorch's TypeError, a tensor of another dtype its RuntimeError."""
    if not isinstance(index, TensorBase):
        raise TypeError(f"{name}(): argument 'index' must be a Tensor, not "
                        f"{type(index).__name__}")
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index, got "
                           f"{index.dtype}")
    if ndim is not None and index.ndim != ndim:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"self tensor ({ndim}), got {index.ndim}")


def check_scatter(name: str, x: Any, d: int, index: Any, src: Any) -> None:
    """PyTorch's scatter rules: index no larger than src anywhere, nor than x off ``d``,
    and every index within x's size along ``d``."""
    check_index(name, index, x.ndim)
    for a in range(x.ndim):
        if src is not None and index.shape[a] > src.shape[a] or a != d and \
                index.shape[a] > x.shape[a]:
            raise RuntimeError(f"{name}(): Expected index {list(index.shape)} to be no larger "
                               f"than self {list(x.shape)} apart from dimension {d} and to be "
                               f"no larger size than src "
                               f"{list(src.shape) if src is not None else '-'}")
    _check_range(index._data, x.shape[d] if x.ndim else 1, d)


def check_same_dtype(name: str, x: Any, src: Any) -> None:
    """Writes need src of x's dtype (PyTorch does not convert it)."""
    if not isinstance(src, TensorBase):
        raise TypeError(f"{name}(): expected src/source to be a Tensor, got "
                        f"{type(src).__name__}")
    if src.dtype != x.dtype:
        raise RuntimeError(f"{name}(): expected self and src/source to have the same dtype, but "
                           f"got {x.dtype} and {src.dtype}")


def _check_range(index: Any, n: int, d: int) -> None:
    if index.size and (index.min() < -n or index.max() >= n):
        bad = index.max() if index.max() >= n else index.min()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")


class IndexMixin(TensorBase):
    """Reading and writing at positions given by index tensors."""

    # ------------------------------------------------------------------ reading

    @numpy_names
    def index_select(self, dim: int, index: Any) -> Any:
        """The slices at ``index`` (1-d) along ``dim``: x[:, index] for dim 1."""
        d = dim_index(dim, self.ndim, "index_select")
        check_index("index_select", index)
        if index.ndim > 1:
            raise IndexError(f"index_select(): Index is supposed to be a vector, got "
                             f"{index.ndim} dims")
        idx = index._data.reshape(-1)
        n = self.shape[d] if self.ndim else 1
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"index_select(): index out of range in self (size {n} along "
                             f"dim {d})")
        if self.ndim == 0:
            if idx.size != 1:
                raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                                   f"{idx.size} value(s)")
            out = self.reshape(1)[idx].reshape(())  # type: ignore[attr-defined]
        else:
            out = self[(slice(None),) * d + (idx,)]  # type: ignore[index]
        return relabel(out, "IndexSelectBackward0", self)  # PyTorch's node name

    def masked_select(self, mask: Any) -> Any:
        """The elements where ``mask`` (broadcast with self) is True, as a 1-d tensor."""
        mask = as_tensor_like(mask, self)
        if mask.dtype.kind != "b":
            raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
        shape = np.broadcast_shapes(self.shape, mask.shape)
        x = self.expand(*shape) if self.shape != shape else self  # type: ignore[attr-defined]
        out = x[np.broadcast_to(mask._data, shape).copy()]  # type: ignore[index]
        return relabel(out, "MaskedSelectBackward0", self)  # PyTorch's node name

    def take(self, index: Any) -> Any:
        """Elements of the flattened tensor at ``index`` (any shape; the result has it)."""
        check_index("take", index)
        n = self.numel()
        idx = index._data
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"take(): out of range: tried to access index "
                             f"{idx.max() if idx.max() >= n else idx.min()} on a tensor of "
                             f"{n} elements.")
        return relabel(self.reshape(-1)[idx], "TakeBackward0", self)  # type: ignore

    # ------------------------------------------------------------------ scatter

    @numpy_names
    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Any:
        """out = copy of self with out[index[i][j]][j] = src[i][j] (dim 0); ``src`` may be a
        number (or pass ``value=``). The legacy ``reduce='add'``/``'multiply'`` combines
        instead of overwriting."""
        if src is None:
            src = value
        d = dim_index(dim, self.ndim, "scatter")
        if not isinstance(src, TensorBase):
            check_index("scatter", index, self.ndim)
            src = self._wrap(np.full(index.shape, src, dtype=self.dtype))
        check_scatter("scatter", self, d, index, src)
        check_same_dtype("scatter", self, src)
        if reduce is not None:
            legacy = {"add": "sum", "multiply": "prod"}
            if reduce not in legacy:
                raise RuntimeError(f"scatter(): reduce argument must be either add or "
                                   f"multiply, got {reduce!r}")
            return apply_op(OPS["scatter_reduce"], self, index, src, dim=d,
                            reduce=legacy[reduce], include_self=True)
        return apply_op(OPS["scatter"], self, index, src, dim=d)

    @numpy_names
    def scatter_add(self, dim: int, index: Any, src: Any) -> Any:
        """out = copy of self with out[index[i][j]][j] += src[i][j] (dim 0).

        Example (counting labels per class, a common use):
            >>> import tinygrad_edu as tg
            >>> labels = tg.tensor([[0, 2, 2, 1]])
            >>> tg.zeros(1, 3).scatter_add(1, labels, tg.ones(1, 4))
            tensor([[1., 1., 2.]])
        """
        d = dim_index(dim, self.ndim, "scatter_add")
        check_scatter("scatter_add", self, d, index, src)
        check_same_dtype("scatter_add", self, src)
        return apply_op(OPS["scatter_add"], self, index, src, dim=d)

    @numpy_names
    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *,
                       include_self: bool = True) -> Any:
        """Combine src into self at ``index`` with ``reduce`` (sum, prod, mean, amax, amin)."""
        if reduce not in _REDUCTIONS:
            raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, "
                               f"mean, amax or amin, got {reduce}")
        d = dim_index(dim, self.ndim, "scatter_reduce")
        check_scatter("scatter_reduce", self, d, index, src)
        check_same_dtype("scatter_reduce", self, src)
        return apply_op(OPS["scatter_reduce"], self, index, src, dim=d,
                        reduce=reduce, include_self=bool(include_self))

    def _spread(self, name: str, dim: int, index: Any, source: Any) -> tuple[int, Any]:
        """A 1-d ``index`` along ``dim`` as a scatter index of source's shape."""
        d = dim_index(dim, self.ndim, name)
        check_index(name, index)
        check_same_dtype(name, self, source)
        idx = index._data.reshape(-1)
        n = source.shape[d] if source.ndim else 1
        if idx.size != n:
            raise RuntimeError(f"{name}(): Number of indices ({idx.size}) should be equal to "
                               f"source.size(dim): ({n}), for dim: {d}")
        _check_range(idx, self.shape[d] if self.ndim else 1, d)
        view = [1] * source.ndim
        if source.ndim:
            view[d] = n
        return d, self._wrap(np.broadcast_to(idx.reshape(view), source.shape).copy())

    @numpy_names
    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        """out = copy of self with out[:, index[k]] += alpha * source[:, k] (dim 1)."""
        d, spread = self._spread("index_add", dim, index, source)
        src = source if alpha == 1 else source * alpha
        out = apply_op(OPS["scatter_add"], self, spread, src, dim=d)
        return relabel(out, "IndexAddBackward0", self)  # PyTorch's node name

    @numpy_names
    def index_copy(self, dim: int, index: Any, source: Any) -> Any:
        """out = copy of self with out[:, index[k]] = source[:, k] (dim 1)."""
        d, spread = self._spread("index_copy", dim, index, source)
        return apply_op(OPS["scatter"], self, spread, source, dim=d)

    @numpy_names
    def index_fill(self, dim: int, index: Any, value: Any) -> Any:
        """out = copy of self with the slices at ``index`` along ``dim`` set to ``value``."""
        d = dim_index(dim, self.ndim, "index_fill")
        check_index("index_fill", index)
        idx = index._data.reshape(-1)
        _check_range(idx, self.shape[d] if self.ndim else 1, d)
        mask = np.zeros(self.shape[d] if self.ndim else 1, dtype=bool)
        mask[idx] = True
        shape = [1] * self.ndim
        if self.ndim:
            shape[d] = mask.size
        return self.masked_fill(self._wrap(mask.reshape(shape)), value)  # type: ignore

    def masked_scatter(self, mask: Any, source: Any) -> Any:
        """out = copy of self with the positions where ``mask`` is True filled, in order, by
        the first elements of ``source``."""
        mask = as_tensor_like(mask, self)
        if mask.dtype.kind != "b":
            raise RuntimeError(f"masked_scatter: expected BoolTensor for mask, got {mask.dtype}")
        check_same_dtype("masked_scatter", self, source)
        key = np.broadcast_to(mask._data, self.shape)
        count = int(key.sum())
        if source.numel() < count:
            raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones "
                               f"in mask ({source.numel()} < {count})")
        values = source.reshape(-1)[:count]
        return apply_op(OPS["index_put"], self, values, key=key.copy())

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        """out = copy of self with flat positions ``index`` set to (or, with ``accumulate``,
        increased by) ``source``."""
        check_index("put", index)
        check_same_dtype("put", self, source)
        _check_range(index._data, self.numel(), 0)
        if index.numel() != source.numel():
            raise RuntimeError(f"put(): Expected source and index to have the same number of "
                               f"elements, but got source {source.numel()} and index "
                               f"{index.numel()}")
        flat = self.reshape(-1)  # type: ignore[attr-defined]
        op = OPS["scatter_add" if accumulate else "scatter"]
        out = apply_op(op, flat, index.reshape(-1), source.reshape(-1), dim=0)
        return out.reshape(self.shape)

    # ------------------------------------------------------------------ in place

    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Any:
        """In place: ``scatter``."""
        return self._inplace("scatter_", lambda t: t.scatter(  # type: ignore[attr-defined]
            dim, index, src, value=value, reduce=reduce))

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Any:
        """In place: ``scatter_add``."""
        return self._inplace("scatter_add_",  # type: ignore[attr-defined]
                             lambda t: t.scatter_add(dim, index, src))

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Any:
        """In place: ``scatter_reduce``."""
        return self._inplace("scatter_reduce_", lambda t: t.scatter_reduce(  # type: ignore
            dim, index, src, reduce, include_self=include_self))

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        """In place: ``index_add``."""
        return self._inplace("index_add_",  # type: ignore[attr-defined]
                             lambda t: t.index_add(dim, index, source, alpha=alpha))

    def index_copy_(self, dim: int, index: Any, source: Any) -> Any:
        """In place: ``index_copy``."""
        return self._inplace("index_copy_",  # type: ignore[attr-defined]
                             lambda t: t.index_copy(dim, index, source))

    def index_fill_(self, dim: int, index: Any, value: Any) -> Any:
        """In place: ``index_fill``."""
        return self._inplace("index_fill_",  # type: ignore[attr-defined]
                             lambda t: t.index_fill(dim, index, value))

    def masked_scatter_(self, mask: Any, source: Any) -> Any:
        """In place: ``masked_scatter``."""
        return self._inplace("masked_scatter_",  # type: ignore[attr-defined]
                             lambda t: t.masked_scatter(mask, source))

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        """In place: ``put``."""
        return self._inplace("put_",  # type: ignore[attr-defined]
                             lambda t: t.put(index, source, accumulate))

    # ------------------------------------------------------------------ index-valued results

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """Indices of the nonzero elements: an (N, ndim) int64 tensor, or with ``as_tuple``
        one 1-d tensor per dim (what ``x[mask]`` uses)."""
        if as_tuple:
            data = self._data.reshape(1) if self.ndim == 0 else self._data
            return tuple(self._wrap(i.astype(np.int64)) for i in np.nonzero(data))
        return self._wrap(np.argwhere(self._data).astype(np.int64))

    def argwhere(self) -> Any:
        """Same as ``nonzero()``."""
        return self.nonzero()

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        """The distinct elements (or slices along ``dim``), sorted; optionally each element's
        position in them (``return_inverse``) and how often each occurs (``return_counts``).
        Always sorted (PyTorch leaves the order unspecified when ``sorted=False``)."""
        if dim is None:
            values, inverse, counts = np.unique(self._data.reshape(-1), return_inverse=True,
                                                return_counts=True, equal_nan=False)
            inverse = inverse.reshape(self.shape)
        else:
            d = dim_index(dim, self.ndim, "unique")
            values, inverse, counts = np.unique(self._data, return_inverse=True,
                                                return_counts=True, axis=d)
            inverse = inverse.reshape(-1)
        return self._unique_result(values, inverse, counts, return_inverse, return_counts)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: int | None = None) -> Any:
        """Collapse each run of equal consecutive elements (or slices along ``dim``) to one."""
        if dim is None:
            data, d = self._data.reshape(-1), 0
        else:
            data, d = self._data, dim_index(dim, self.ndim, "unique_consecutive")
        rest = int(np.prod(np.delete(data.shape, d)))
        if rest == 0 and data.shape[d] != 0:
            raise RuntimeError(f"unique_consecutive: there are 0 sized dimensions in shape "
                               f"{self.shape}, and they aren't selected (dim={dim}), so unique "
                               "cannot be applied")
        rows = np.moveaxis(data, d, 0).reshape(data.shape[d], rest)
        starts = np.ones(rows.shape[0], dtype=bool)
        starts[1:] = np.any(rows[1:] != rows[:-1], axis=1)
        inverse = np.cumsum(starts) - 1
        counts = np.diff(np.append(np.nonzero(starts)[0], rows.shape[0]))
        values = np.compress(starts, data, axis=d)
        if dim is None:
            inverse = inverse.reshape(self.shape)
        return self._unique_result(values, inverse, counts, return_inverse, return_counts)

    def _unique_result(self, values: Any, inverse: Any, counts: Any, with_inverse: bool,
                       with_counts: bool) -> Any:
        out = [self._wrap(values.astype(self.dtype))]
        if with_inverse:
            out.append(self._wrap(inverse.astype(np.int64)))
        if with_counts:
            out.append(self._wrap(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Any:
        """How often each value 0, 1, ... occurs in a 1-d non-negative integer tensor (or the
        sum of ``weights`` per value)."""
        data = self._data
        if self.ndim != 1 or data.dtype.kind not in "iub" or (data.size and data.min() < 0):
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        if minlength < 0:
            raise RuntimeError("bincount(): minlength should be >= 0")
        if weights is None:
            return self._wrap(np.bincount(data, minlength=minlength).astype(np.int64))
        w = as_tensor_like(weights, self)
        if w.shape != self.shape:
            raise RuntimeError("bincount(): weights should be 1-d and have the same length as "
                               "input")
        dtype = w.dtype if w.dtype.kind == "f" else np.float64
        return self._wrap(np.bincount(data, w._data, minlength=minlength).astype(dtype))

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Any:  # noqa: A002
        """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are
        0); elements outside are ignored, the last bin includes max."""
        check_floating(self.dtype, f"histc(): expected a floating point input, got {self.dtype}")
        if bins <= 0:
            raise RuntimeError(f"histc(): bins must be > 0, but got {bins}")
        lo, hi = float(min), float(max)
        if lo == hi and self.numel():
            lo, hi = float(self._data.min()), float(self._data.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"histc(): range of [{lo}, {hi}] is not finite (the data's "
                               "range when min and max are both 0)")
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        if lo > hi:
            raise RuntimeError(f"histc(): max must be larger than min, got min={lo}, max={hi}")
        data = self._data.reshape(-1)
        data = data[(data >= lo) & (data <= hi)]
        pos = ((data - lo) * bins / (hi - lo)).astype(np.int64)
        counts = np.bincount(np.minimum(pos, bins - 1), minlength=bins)
        return self._wrap(counts.astype(self.dtype))
