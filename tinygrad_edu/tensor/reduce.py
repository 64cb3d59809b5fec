"""Reductions and the statistics built from them: sum, max, mean, var, softmax, ...

``sum``, ``prod``, ``amax``/``amin``, ``argmax``/``argmin`` and ``softmax``/``log_softmax`` call
registered ops (``tinygrad_edu/ops/reduce.py``, ``ops/loss.py``); ``mean``, ``var``, ``std``,
``logsumexp``, ``nansum``/``nanmean``, ``aminmax`` and ``norm`` are composed from ops here, so
autograd derives their gradients. Every ``dim``/``keepdim`` may also be spelled ``axis``/
``keepdims`` (NumPy's names, which PyTorch accepts): ``x.sum(axis=1)``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..autograd import OPS, apply_op, relabel
from ..checks import check_floating, dim_index, dims_tuple, reduction_dims
from .arithmetic import where
from .base import TensorBase
from .dim_args import numpy_names


class MaxMin(NamedTuple):
    """``(values, indices)`` returned by ``max(dim)``, ``min(dim)``, ``sort``, ``topk``,
    ``median(dim)``, ``cummax``, ... (PyTorch's ``torch.return_types``)."""

    values: Any
    indices: Any


class AMinMax(NamedTuple):
    """``(min, max)`` returned by ``aminmax``."""

    min: Any
    max: Any


def _return_type_repr(self: Any) -> str:
    parts = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self, strict=True))
    return f"torch.return_types.{type(self).__name__}(\n{parts})"


def return_type(name: str, base: type = MaxMin) -> Any:
    """The named-tuple type of ``name``'s result (``sort`` -> (values, indices)), printed as
    PyTorch prints ``torch.return_types.sort``."""
    return type(name, (base,), {"__slots__": (), "__repr__": _return_type_repr,
                                "__doc__": f"The result of ``{name}``: {base.__doc__}"})


RESULTS = {name: return_type(name) for name in (
    "max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax",
    "cummin")}
RESULTS["aminmax"] = return_type("aminmax", AMinMax)


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

    @numpy_names
    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
        """Sum over ``dim`` (an int, a tuple of ints, or None for all)."""
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind == "b":
            x = x.long()
        return apply_op(OPS["sum"], x, dim=reduction_dims(dim, self.ndim, "sum"), keepdim=keepdim)

    @numpy_names
    def prod(self, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Any:
        """Product over ``dim`` (an int or None for all); ints and bools multiply as int64."""
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind in "biu" and dtype is None:
            x = x.long()
        return apply_op(OPS["prod"], x, dim=dims_tuple(dim, self.ndim, "prod"),
                        keepdim=keepdim)

    @numpy_names
    def amax(self, dim: Any = (), keepdim: bool = False) -> Any:
        """Maximum over ``dim`` (all dims by default); ties share the gradient."""
        return self._extreme("amax", dim, keepdim)

    @numpy_names
    def amin(self, dim: Any = (), keepdim: bool = False) -> Any:
        """Minimum over ``dim`` (all dims by default); ties share the gradient."""
        return self._extreme("amin", dim, keepdim)

    def _extreme(self, name: str, dim: Any, keepdim: bool) -> Any:
        dims = reduction_dims(dim, self.ndim, name)
        if self.numel() == 0:  # PyTorch's errors; reducing a non-empty dim of rows is fine
            if dims is None:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                                   f"input.numel() == 0 (shape {self.shape}). Specify the "
                                   "reduction dim with the 'dim' argument.")
            empty = [d for d in dims if self.shape[d] == 0]
            if empty:
                raise IndexError(f"{name}(): Expected reduction dim {empty[0]} to have non-zero "
                                 f"size (shape {self.shape}).")
        return apply_op(OPS[name], self, dim=dims, keepdim=keepdim)

    @numpy_names
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """max(): the largest value; max(dim): (values, indices); max(tensor): elementwise."""
        return self._max_min("max", "amax", "argmax", dim, keepdim)

    @numpy_names
    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """min(): the smallest value; min(dim): (values, indices); min(tensor): elementwise."""
        return self._max_min("min", "amin", "argmin", dim, keepdim)

    def _max_min(self, name: str, full: str, arg: str, dim: Any, keepdim: bool) -> Any:
        if isinstance(dim, TensorBase):
            return self.maximum(dim) if name == "max" else self.minimum(dim)  # type: ignore
        base = name.capitalize()  # PyTorch's node names: max() MaxBackward1, max(dim) 0
        if dim is None:
            return relabel(self._extreme(full, None, False), f"{base}Backward1", self)
        d = dim_index(dim, self.ndim, name)
        index = apply_op(OPS[arg], self, dim=d, keepdim=True)
        values = apply_op(OPS["take_along_dim"], self, index, dim=d)
        if not keepdim:
            values, index = values.squeeze(d), index.squeeze(d)
        return RESULTS[name](relabel(values, f"{base}Backward0", self), index)

    @numpy_names
    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Any:
        """out[i][j] = self[index[i][j]][j] for dim 0 (PyTorch's gather; index is int64).

        ``sparse_grad`` is accepted for PyTorch's signature; gradients are always dense here.
        """
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

    @numpy_names
    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Index of the largest value (flattened when ``dim`` is None)."""
        d = None if dim is None else dim_index(dim, self.ndim, "argmax")
        self._check_arg_reduction("argmax", d)
        return apply_op(OPS["argmax"], self, dim=d, keepdim=keepdim)

    def _check_arg_reduction(self, name: str, dim: int | None) -> None:
        """An index of the largest/smallest value needs a value to point at (torch's errors)."""
        if dim is None and self.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0. (input of shape {self.shape})")
        if dim is not None and self.ndim and self.shape[dim] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size. "
                             f"(input of shape {self.shape})")

    @numpy_names
    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Index of the smallest value (flattened when ``dim`` is None)."""
        d = None if dim is None else dim_index(dim, self.ndim, "argmin")
        self._check_arg_reduction("argmin", d)
        return apply_op(OPS["argmin"], self, dim=d, keepdim=keepdim)

    @numpy_names
    def all(self, dim: Any = None, keepdim: bool = False) -> Any:
        """True where every element over ``dim`` (an int, a tuple, or None: all) is nonzero."""
        dims = dims_tuple(dim, self.ndim, "all")
        return self._truth(self._data.all(axis=dims, keepdims=keepdim))

    @numpy_names
    def any(self, dim: Any = None, keepdim: bool = False) -> Any:
        """True where some element over ``dim`` is nonzero."""
        dims = dims_tuple(dim, self.ndim, "any")
        return self._truth(self._data.any(axis=dims, keepdims=keepdim))

    def _truth(self, result: Any) -> Any:
        """all/any give bool, except uint8 for a uint8 input (as PyTorch)."""
        return self._wrap(np.asarray(result, dtype=np.uint8 if self.dtype == np.uint8 else bool))

    @numpy_names
    def count_nonzero(self, dim: Any = None) -> Any:
        """How many elements over ``dim`` are nonzero (int64)."""
        dims = reduction_dims(dim, self.ndim, "count_nonzero")
        return self._wrap(np.asarray(np.count_nonzero(self._data, axis=dims), dtype=np.int64))

    @numpy_names
    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> AMinMax:
        """(min, max) over ``dim`` (all elements when None)."""
        if self.numel() == 0:
            raise RuntimeError(f"aminmax(): cannot compute aminmax over an empty tensor of "
                               f"shape {self.shape}")
        dims: Any = () if dim is None else dim_index(dim, self.ndim, "aminmax")
        return RESULTS["aminmax"](relabel(self.amin(dims, keepdim), "AminmaxBackward0", self),
                                  relabel(self.amax(dims, keepdim), "AminmaxBackward0", self))

    @numpy_names
    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        """Sum over ``dim`` treating NaN as 0 (NaN elements get no gradient)."""
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind == "f":
            x = where(x != x, x._wrap(np.zeros((), x.dtype)), x)  # x != x only for NaN
        return relabel(x.sum(dim, keepdim), "NansumBackward0", self)  # PyTorch's node name

    @numpy_names
    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        """Mean over ``dim`` of the elements that are not NaN."""
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind != "f":
            raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                               f"{x.dtype}")
        count = (x == x).sum(dim, keepdim)  # the elements that are not NaN
        return x.nansum(dim, keepdim) / count.type(x.dtype)

    # ------------------------------------------------------------------ statistics

    @numpy_names
    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        """Arithmetic mean over ``dim``: sum(x) / n."""
        if dtype is not None:
            return self.type(dtype).mean(dim, keepdim)
        if self.dtype.kind != "f":
            raise RuntimeError(f"mean: could not infer output dtype; input dtype must be "
                               f"floating point, got {self.dtype}; call .float() first")
        dims = reduction_dims(dim, self.ndim, "mean")
        return relabel(self.sum(dims, keepdim) / _count(self, dims),  # PyTorch's node name
                       "MeanBackward0" if dim is None else "MeanBackward1")

    @numpy_names
    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Any:
        """Variance, sum((x - mean)**2) / (n - correction); ``correction=1`` by default."""
        corr = resolve_correction(unbiased, correction)
        dims = reduction_dims(dim, self.ndim, "var")
        centered = self - self.mean(dims, True)
        out = (centered * centered).sum(dims, keepdim) / max(_count(self, dims) - corr, 0)
        return relabel(out, "VarBackward0", self)  # PyTorch's node name

    @numpy_names
    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Any:
        """Standard deviation, the square root of ``var`` (gradient 0 where it is 0)."""
        v = self.var(dim, unbiased, keepdim, correction=correction)
        zero = v == 0  # sqrt's gradient is inf at 0; PyTorch's std gives 0 there
        out = where(zero, v * 0, where(zero, v._wrap(np.ones((), v.dtype)), v).sqrt())
        return relabel(out, "StdBackward0", self)  # PyTorch's node name

    @numpy_names
    def logsumexp(self, dim: Any, keepdim: bool = False) -> Any:
        """log(sum(exp(x))) = m + log(sum(exp(x - m))) with m = max(x): no overflow."""
        if dim is None:  # unlike the other reductions, PyTorch's logsumexp needs its dims
            raise TypeError("logsumexp(): argument 'dim' must be an int or a tuple of ints, "
                            "not NoneType")
        dims = dims_tuple(dim, self.ndim, "logsumexp")
        x = self._floating()  # integers and bools give a float result, as in PyTorch
        m = x.amax(dims, keepdim=True).detach()  # type: ignore[attr-defined]
        m = m.masked_fill(~((m == m) & (m.abs() != float("inf"))), 0.0)  # inf/nan: no shift
        out = (x - m).exp().sum(dims, keepdim=True).log() + m
        out = out if keepdim else out.squeeze(dims if dims is not None else None)
        return relabel(out, "LogsumexpBackward0", self)  # PyTorch's node name

    @numpy_names
    def softmax(self, dim: int) -> Any:
        """exp(x) / sum(exp(x)) along ``dim``."""
        return apply_op(OPS["softmax"], self,
                        dim=dim_index(dim, self.ndim, "softmax"))

    @numpy_names
    def log_softmax(self, dim: int) -> Any:
        """x - logsumexp(x) along ``dim``, computed stably."""
        return apply_op(OPS["log_softmax"], self,
                        dim=dim_index(dim, self.ndim, "log_softmax"))

    # ------------------------------------------------------------------ norms

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
             ) -> Any:
        """The p-norm over ``dim`` (all elements when None): (sum |x|**p) ** (1/p).

        p = 2 or "fro": sqrt(sum x**2), gradient x / norm, and 0 where the norm is 0 (as
        PyTorch); p = 1: sum |x|; p = inf / -inf: max / min |x|; p = 0: the count of nonzeros.
        """
        if dtype is not None and np.dtype(dtype).itemsize < self.dtype.itemsize:
            raise RuntimeError(f"norm(): the dtype of the input ({self.dtype}) should be "
                               f"convertible without narrowing to the specified dtype ({dtype})")
        x = self if dtype is None else self.type(dtype)
        check_floating(x.dtype, f"norm(): Expected a floating point tensor as input. Got "
                                f"{x.dtype}")
        if p == "nuc":
            raise NotImplementedError("norm(): p='nuc' (the nuclear norm) needs singular "
                                      "values; use tg.linalg.matrix_norm(x, 'nuc')")
        if isinstance(p, str) and p != "fro":
            raise RuntimeError(f"norm(): unsupported p {p!r}; expected a number, 'fro' or 'nuc'")
        order = 2.0 if p == "fro" else float(p)
        dims = reduction_dims(dim, self.ndim, "norm")
        if p == "fro" and isinstance(dim, list | tuple) and len(dim) > 2:
            raise RuntimeError(f"norm(): p='fro' (a matrix norm) needs dim to be an int or a "
                               f"2-tuple, got {dim}")
        # PyTorch computes every such norm with linalg.vector_norm: one node of that name
        return relabel(x._p_norm(order, dims, keepdim), "LinalgVectorNormBackward0", self)

    def _p_norm(self, order: float, dims: tuple[int, ...] | None, keepdim: bool) -> Any:
        """The ``order``-norm over ``dims``, composed from ops (see ``norm``)."""
        x = self
        if order == float("inf"):
            return x.abs().amax(() if dims is None else dims, keepdim)  # type: ignore
        if order == float("-inf"):
            return x.abs().amin(() if dims is None else dims, keepdim)  # type: ignore
        if order == 0:  # a count: gradient 0 (x * 0 keeps it in the graph, as in PyTorch)
            count = (x != 0).sum(dims, keepdim).type(x.dtype)  # type: ignore[attr-defined]
            return count + (x * 0).sum(dims, keepdim)  # type: ignore[attr-defined]
        if order == 1:
            return x.abs().sum(dims, keepdim)  # type: ignore[attr-defined]
        total = (x * x if order == 2 else x.abs() ** order).sum(dims, keepdim)  # type: ignore
        return _root(total, order)

    def dist(self, other: Any, p: float = 2) -> Any:
        """The p-norm of ``self - other`` (broadcast)."""
        return relabel((self - other).norm(p), "DistBackward0", self)  # type: ignore[operator]


def _root(total: Any, order: float) -> Any:
    """total ** (1/order), with gradient 0 where total is 0 (the norm's kink at x = 0)."""
    zero = total == 0
    safe = where(zero, total._wrap(np.ones((), total.dtype)), total)
    root = safe.sqrt() if order == 2 else safe ** (1.0 / order)
    return where(zero, total * 0, root)
