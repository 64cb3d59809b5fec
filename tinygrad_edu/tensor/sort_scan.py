"""Sorting and scanning: sort, topk, median, quantile, mode, cumsum, cumprod, cummax, diff.

Every value these return is *picked* from the input: ``take_along_dim(x, indices)``, with the
indices from the ``argsort`` op (``ops/sort.py``) or a numpy scan. So their gradients are
``take_along_dim``'s: each value's gradient goes back to the element it came from (the one
``indices`` names). ``quantile`` interpolates between two picked values. The running sums and
products are registered ops with their own backward (``ops/scan.py``).

Methods that return values and indices return a named tuple ``(values, indices)`` of a type
named after the method (``RESULTS`` in ``reduce.py``: PyTorch's ``torch.return_types.sort``,
...), a subclass of ``MaxMin``, the result type of ``max(dim)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import OPS, apply_op, relabel
from ..checks import (
    NOT_BOOL,
    NUMBERS,
    check_dtypes,
    check_floating,
    check_scalar,
    dim_index,
    int_arg,
)
from ..ops.scan import cumextreme_indices
from .base import TensorBase
from .dim_args import numpy_names
from .reduce import RESULTS, MaxMin

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")

#: PyTorch's node names for the values these methods return (``stable=`` given: SortBackward1;
#: ``median()`` without dim: MedianBackward0)
_NODE_NAMES = {"sort": "SortBackward0", "topk": "TopkBackward0", "kthvalue": "KthvalueBackward0",
               "median": "MedianBackward1", "nanmedian": "NanmedianBackward1",
               "mode": "ModeBackward0", "cummax": "CummaxBackward0", "cummin": "CumminBackward0"}


class SortScanMixin(TensorBase):
    """Sorting, order statistics and running (cumulative) reductions."""

    # ------------------------------------------------------------------ helpers

    def _dim(self, dim: Any, name: str) -> int:
        return dim_index(dim, self.ndim, name)

    def _pick(self, index: Any, dim: int) -> Any:
        """Values at ``index`` along ``dim`` (gradient goes back to those elements)."""
        return apply_op(OPS["take_along_dim"], self, index, dim=dim)

    def _as_1d(self) -> Any:
        """A 0-d tensor as one element of a 1-d one (torch treats it so along dim 0/-1)."""
        return self.reshape(1) if self.ndim == 0 else self  # type: ignore[attr-defined]

    def _selected(self, name: str, index: Any, dim: int, keepdim: bool) -> MaxMin:
        """``name``'s (values, indices) at ``index`` (one per slice, dim kept), squeezed unless
        keepdim; a 0-d input gives 0-d results."""
        values = self._as_1d()._pick(index, dim)
        if not keepdim or self.ndim == 0:
            values, index = values.squeeze(dim), index.squeeze(dim)  # type: ignore[attr-defined]
        return RESULTS[name](relabel(values, _NODE_NAMES[name], self), index)

    # ------------------------------------------------------------------ sorting

    @numpy_names
    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """Indices that sort along ``dim`` (int64). Always stable: ties keep their order."""
        d = self._dim(dim, "argsort")
        idx = apply_op(OPS["argsort"], self._as_1d(), dim=d, descending=bool(descending))
        return idx.reshape(()) if self.ndim == 0 else idx  # type: ignore[attr-defined]

    @numpy_names
    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool | None = None
             ) -> MaxMin:
        """(values, indices) sorted along ``dim``; values = take_along_dim(self, indices).

        Example:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([3.0, 1.0, 2.0], requires_grad=True)
            >>> values, indices = x.sort()
            >>> indices
            tensor([1, 2, 0])
            >>> (values * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
            >>> x.grad  # each sorted value's gradient goes back to where it came from
            tensor([100.,   1.,  10.])
        """
        d = self._dim(dim, "sort")
        index = apply_op(OPS["argsort"], self._as_1d(), dim=d, descending=bool(descending))
        out = self._selected("sort", index, d, keepdim=True)
        if stable is not None:  # PyTorch's sort with a stable= argument is another overload
            relabel(out.values, "SortBackward1", self)
        return out

    def msort(self) -> Any:
        """Sorted along dim 0 (values only)."""
        return self.sort(0).values

    @numpy_names
    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True  # noqa: A002
             ) -> MaxMin:
        """The ``k`` largest (or smallest) values along ``dim`` and their indices, in order."""
        k = int_arg(k, "topk", "k")
        check_dtypes("topk", NOT_BOOL, self)
        d = self._dim(dim, "topk")
        n = self._as_1d().shape[d]
        if not 0 <= k <= n:
            raise RuntimeError(f"topk(): selected index k out of range: k={k} for a dim of "
                               f"size {n}")
        order = apply_op(OPS["argsort"], self._as_1d(), dim=d, descending=bool(largest))
        index = order._wrap(np.take(order._data, np.arange(k), axis=d))
        return self._selected("topk", index, d, keepdim=True)

    @numpy_names
    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> MaxMin:
        """The ``k``-th smallest value along ``dim`` (k counts from 1) and its index.

        Among equal values the index may differ from PyTorch's, which is not stable here.
        """
        k = int_arg(k, "kthvalue", "k")
        check_dtypes("kthvalue", NUMBERS, self)
        d = self._dim(dim, "kthvalue")
        n = self._as_1d().shape[d]
        if not 1 <= k <= n:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}: "
                             f"k={k}, size {n}")
        return self._order_statistic("kthvalue", np.asarray(k - 1), d, keepdim)

    def _order_statistic(self, name: str, position: Any, d: int, keepdim: bool) -> MaxMin:
        """(values, indices) of the element at sorted ``position`` (an int array broadcast
        against the slices) along ``d``."""
        x = self._as_1d()
        order = apply_op(OPS["argsort"], x, dim=d)._data
        pos = np.expand_dims(np.broadcast_to(position, _without(order.shape, d)), d)
        index = self._wrap(np.take_along_axis(order, pos, axis=d))
        return self._selected(name, index, d, keepdim)

    # ------------------------------------------------------------------ medians and modes

    @numpy_names
    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The lower median (the smaller middle value for an even count); NaN if any is NaN.

        With ``dim``: (values, indices). Without: a 0-d tensor, whose gradient is shared
        evenly among the elements equal to it (PyTorch's rule, as for ``max()``).
        """
        return self._median("median", dim, keepdim, skip_nan=False)

    @numpy_names
    def nanmedian(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The lower median of the values that are not NaN (NaN when all are)."""
        return self._median("nanmedian", dim, keepdim, skip_nan=True)

    def _median(self, name: str, dim: Any, keepdim: bool, skip_nan: bool) -> Any:
        check_dtypes(name, NUMBERS, self)
        if dim is None:
            if self.numel() == 0:
                return self._wrap(np.array(np.nan, dtype=self.dtype))
            flat = self.reshape(-1)  # type: ignore[attr-defined]
            pick = flat._median(name, 0, False, skip_nan).values
            ties = flat == pick.detach()  # the median's gradient is shared among its copies
            out = pick if self.dtype.kind == "f" and np.isnan(pick._data) else \
                flat.masked_fill(~ties, _lowest(self.dtype)).amax()  # type: ignore
            return relabel(out, "NanmedianBackward0" if skip_nan else "MedianBackward0", self)
        d = self._dim(dim, name)
        x = self._as_1d()
        n = x.shape[d]
        if n == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        nans = np.isnan(x._data).sum(axis=d) if self.dtype.kind == "f" else 0
        if skip_nan:
            position = np.maximum((n - nans - 1) // 2, 0)
        else:  # NaN sorts last: a slice with a NaN gives its first NaN
            position = np.where(nans > 0, n - nans, (n - 1) // 2)
        return self._order_statistic(name, position, d, keepdim)

    @numpy_names
    def mode(self, dim: int = -1, keepdim: bool = False) -> MaxMin:
        """The most frequent value along ``dim`` (the smallest on a tie) and the index of
        its last occurrence."""
        d = self._dim(dim, "mode")
        x = self._as_1d()
        if x.shape[d] == 0:
            raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
        rows = np.moveaxis(x._data, d, -1)
        index = np.empty(rows.shape[:-1], dtype=np.int64)
        for at in np.ndindex(rows.shape[:-1]):
            values, counts = np.unique(rows[at], return_counts=True)
            best = values[np.argmax(counts)]  # unique sorts: the first maximum is the smallest
            index[at] = np.nonzero(rows[at] == best)[0][-1]
        return self._selected("mode", self._wrap(np.expand_dims(index, d)), d, keepdim)

    # ------------------------------------------------------------------ quantiles

    @numpy_names
    def quantile(self, q: Any, dim: Any = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Any:
        """The ``q``-quantiles along ``dim`` (all elements when None), interpolating between
        the two sorted values around rank q * (n - 1). NaN if a slice holds a NaN.

        ``q`` is a number or a 1-d tensor; for a 1-d q the result has q's dim first.
        """
        return self._quantile("quantile", q, dim, keepdim, interpolation, skip_nan=False)

    @numpy_names
    def nanquantile(self, q: Any, dim: Any = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Any:
        """``quantile`` of the values that are not NaN."""
        return self._quantile("nanquantile", q, dim, keepdim, interpolation, skip_nan=True)

    def _quantile(self, name: str, q: Any, dim: Any, keepdim: bool, interpolation: str,
                  skip_nan: bool) -> Any:
        if self.dtype.kind != "f":
            raise RuntimeError(f"{name}() input tensor must be either float or double dtype, "
                               f"got {self.dtype}")
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"{name}() interpolation must be one of {_INTERPOLATIONS}, got "
                             f"{interpolation!r}")
        if not isinstance(q, TensorBase):
            check_scalar(q, "q", name)
        qs = np.asarray(q._data if isinstance(q, TensorBase) else q, dtype=np.float64)
        if qs.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor, got {qs.ndim} dims")
        if np.any((qs < 0) | (qs > 1)):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        x = self.reshape(-1) if dim is None else self._as_1d()  # type: ignore[attr-defined]
        d = 0 if dim is None else self._dim(dim, name)
        if x.shape[d] == 0:
            raise RuntimeError(f"{name}() input tensor must be non-empty")
        last = x.permute(*[a for a in range(x.ndim) if a != d], d)  # type: ignore[attr-defined]
        values = last.sort(-1).values
        out = _interpolate(values, qs.reshape(-1), interpolation, skip_nan)  # (..., Q)
        if keepdim:
            kept = [1 if dim is None or a == d else n for a, n in enumerate(self.shape)]
            out = out.reshape(*kept, len(qs.reshape(-1)))
        out = out.permute(out.ndim - 1, *range(out.ndim - 1))  # q's dim first
        return out.squeeze(0) if qs.ndim == 0 else out

    # ------------------------------------------------------------------ scans

    @numpy_names
    def cumsum(self, dim: int, *, dtype: Any = None) -> Any:
        """Running sum along ``dim``: out[i] = x[0] + ... + x[i] (ints and bools as int64)."""
        return self._scan("cumsum", dim, dtype)

    @numpy_names
    def cumprod(self, dim: int, *, dtype: Any = None) -> Any:
        """Running product along ``dim`` (exact gradient also where x has zeros)."""
        return self._scan("cumprod", dim, dtype)

    @numpy_names
    def logcumsumexp(self, dim: int) -> Any:
        """Running log(sum(exp(x))) along ``dim``, computed without overflow."""
        check_floating(self.dtype, f"logcumsumexp(): expected floating point input, got "
                                   f"{self.dtype}")
        return self._scan("logcumsumexp", dim, None)

    def _scan(self, name: str, dim: int, dtype: Any) -> Any:
        d = self._dim(dim, name)
        x = self if dtype is None else self.type(dtype)  # type: ignore[attr-defined]
        out = apply_op(OPS[name], x._as_1d(), dim=d)
        return out.reshape(()) if self.ndim == 0 else out

    @numpy_names
    def cummax(self, dim: int) -> MaxMin:
        """Running maximum along ``dim`` and the index where it was reached (the latest on
        a tie); the gradient goes to that element."""
        return self._cum_extreme("cummax", dim, largest=True)

    @numpy_names
    def cummin(self, dim: int) -> MaxMin:
        """Running minimum along ``dim`` and its index (see ``cummax``)."""
        return self._cum_extreme("cummin", dim, largest=False)

    def _cum_extreme(self, name: str, dim: int, largest: bool) -> MaxMin:
        d = self._dim(dim, name)
        x = self._as_1d()
        index = self._wrap(cumextreme_indices(x._data, d, largest))
        values = x._pick(index, d)
        if self.ndim == 0:
            values, index = values.reshape(()), index.reshape(())  # type: ignore[attr-defined]
        return RESULTS[name](relabel(values, _NODE_NAMES[name], self), index)

    @numpy_names
    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:
        """The n-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], n times
        (``prepend``/``append`` are joined to x first); for bools, x[i + 1] != x[i]."""
        from .shape import cat

        if self.ndim == 0:
            raise RuntimeError("diff(): expects input to be at least one-dimensional")
        d = self._dim(dim, "diff")
        x = cat([t for t in (prepend, self, append) if t is not None], d) \
            if prepend is not None or append is not None else self
        cut = (slice(None),) * d
        for _ in range(n):
            if x.shape[d] == 0:
                break
            later, earlier = x[cut + (slice(1, None),)], x[cut + (slice(None, -1),)]  # type: ignore
            x = later != earlier if x.dtype.kind == "b" else later - earlier
        return x


def _without(shape: tuple[int, ...], d: int) -> tuple[int, ...]:
    return shape[:d] + shape[d + 1:]


def _lowest(dtype: Any) -> Any:
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _interpolate(values: Any, qs: Any, how: str, skip_nan: bool) -> Any:
    """Quantiles of sorted rows ``values`` (..., n) at ``qs`` (Q,): a (..., Q) tensor.

    rank = q * (count - 1), with count the non-NaN values for ``skip_nan`` (NaN sorts last);
    without it a row holding NaN takes its last value, NaN. ``linear`` interpolation is
    lo + (hi - lo) * (rank - floor(rank)), a weighted sum of two picked values, so its
    gradient splits dout between them with weights (1 - w) and w. It is computed from the
    nearer end, as PyTorch's ``lerp`` does.
    """
    data = values._data
    n = data.shape[-1]
    nans = np.isnan(data).sum(axis=-1, keepdims=True)
    count = n - nans if skip_nan else np.full_like(nans, n)
    # in the values' dtype, as PyTorch computes ranks and weights (an all-NaN row, with
    # skip_nan, takes NaN from 0)
    rank = np.asarray(qs, dtype=data.dtype) * np.maximum(count - 1, 0).astype(data.dtype)
    if not skip_nan:
        rank = np.where(nans > 0, n - 1, rank)
    lo = np.floor(rank).astype(np.int64)
    hi = np.ceil(rank).astype(np.int64)
    if how == "nearest":
        lo = hi = np.round(rank).astype(np.int64)  # half to even, as torch's round
    shape = data.shape[:-1] + (len(qs),)
    lo_v = values._pick(values._wrap(np.broadcast_to(lo, shape).copy()), values.ndim - 1)
    if how in ("lower", "nearest"):
        return lo_v
    hi_v = values._pick(values._wrap(np.broadcast_to(hi, shape).copy()), values.ndim - 1)
    if how == "higher":
        return hi_v
    weight = np.broadcast_to(np.asarray(0.5 if how == "midpoint" else rank - lo,
                                        dtype=data.dtype), shape)
    # PyTorch's lerp, from the nearer end: lo + (hi - lo) * w below 0.5, else
    # hi - (hi - lo) * (1 - w); the same rounding (a midpoint of values of opposite signs
    # loses digits, and which end it starts from shows in float32)
    below = weight < 0.5
    base = apply_op(OPS["where"], values._wrap(np.ascontiguousarray(below)), lo_v, hi_v)
    coef = values._wrap(np.where(below, weight, weight - 1).astype(data.dtype))
    return base + (hi_v - lo_v) * coef
