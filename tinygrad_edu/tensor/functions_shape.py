"""``torch.*`` functions for shapes, matrices and tensor facts.

Thin calls into the Tensor methods of ``shape.py``, ``rearrange.py`` and ``matrix.py`` and the
functions of ``linalg.py``; the few that take several tensors (``meshgrid``, ``block_diag``,
``hstack``, ...) are composed here from ``cat``, ``pad``, ``reshape`` and ``expand``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from . import shape
from .core import Tensor, tensor_arg
from .einsum import einsum
from .linalg import broadcast_shapes, cdist
from .size import Size

__all__ = [
    "Size", "addbmm", "addmm", "addmv", "as_strided", "atleast_1d", "atleast_2d", "atleast_3d",
    "baddbmm", "block_diag", "bmm", "broadcast_shapes", "broadcast_tensors", "broadcast_to",
    "cartesian_prod", "cdist", "cholesky", "column_stack", "cross", "det", "diag", "diag_embed",
    "diagonal", "dot", "dstack", "einsum", "flip", "fliplr", "flipud", "ger", "hstack", "inner",
    "inverse", "kron", "logdet", "matrix_power", "meshgrid", "mm", "moveaxis", "movedim", "mv",
    "narrow", "outer", "pinverse", "repeat_interleave", "roll", "rot90", "row_stack", "slogdet",
    "swapaxes", "swapdims", "t", "tile", "trace", "tril", "triu", "unbind", "unflatten", "vdot",
    "vstack",
]


def _method(name: str) -> Any:
    def call(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return getattr(tensor_arg(input, name), name)(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = f"Same as ``Tensor.{name}``."
    return call


addbmm = _method("addbmm")
addmm = _method("addmm")
addmv = _method("addmv")
as_strided = _method("as_strided")
baddbmm = _method("baddbmm")
bmm = _method("bmm")
broadcast_to = _method("broadcast_to")
cholesky = _method("cholesky")
cross = _method("cross")
det = _method("det")
diag = _method("diag")
diag_embed = _method("diag_embed")
diagonal = _method("diagonal")
dot = _method("dot")
flip = _method("flip")
fliplr = _method("fliplr")
flipud = _method("flipud")
ger = _method("ger")
inner = _method("inner")
inverse = _method("inverse")
kron = _method("kron")
logdet = _method("logdet")
matrix_power = _method("matrix_power")
mm = _method("mm")
movedim = moveaxis = _method("movedim")
mv = _method("mv")
narrow = _method("narrow")
outer = _method("outer")
pinverse = _method("pinverse")
roll = _method("roll")
rot90 = _method("rot90")
slogdet = _method("slogdet")
swapaxes = _method("swapaxes")
swapdims = _method("swapdims")
t = _method("t")
tile = _method("tile")
trace = _method("trace")
tril = _method("tril")
triu = _method("triu")
unbind = _method("unbind")
unflatten = _method("unflatten")
vdot = _method("vdot")


_COUNTS_FORM: Any = object()  # repeat_interleave(counts): no repeats given (None is an error)


def repeat_interleave(input: Any, repeats: Any = _COUNTS_FORM,  # noqa: A002
                      dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """``Tensor.repeat_interleave``; with one tensor of counts, ``repeat_interleave(counts)``
    gives each index i repeated counts[i] times."""
    if repeats is _COUNTS_FORM:
        counts = tensor_arg(input, "repeat_interleave")
        return Tensor(range(counts.shape[0]) if counts.ndim else [0]).repeat_interleave(
            counts, 0, output_size=output_size)
    return tensor_arg(input, "repeat_interleave").repeat_interleave(repeats, dim,
                                                                   output_size=output_size)


def _tensors(args: Sequence[Any], name: str) -> list[Tensor]:
    """``f(a, b)`` and ``f([a, b])`` alike."""
    items = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    if not all(isinstance(x, Tensor) for x in items):
        raise TypeError(f"{name}(): expected Tensors, got "
                        f"{[type(x).__name__ for x in items]}")
    return items


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape."""
    ts = _tensors(tensors, "broadcast_tensors")
    target = broadcast_shapes(*[x.shape for x in ts])
    return tuple(x.expand(*target) for x in ts)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids: output i holds tensors[i]'s values along dim i, repeated along the
    others. ``indexing='xy'`` swaps the first two dims (Cartesian, as numpy's default)."""
    ts = _tensors(tensors, "meshgrid")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    if any(x.ndim > 1 for x in ts):
        raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list")
    if len({x.dtype for x in ts}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    flat = [x.reshape(-1) for x in ts]
    swap = indexing == "xy" and len(flat) >= 2
    order = [1, 0, *range(2, len(flat))] if swap else list(range(len(flat)))
    sizes = [flat[i].shape[0] for i in order]
    out = []
    for i, x in enumerate(flat):
        view = [1] * len(flat)
        view[order.index(i)] = x.shape[0]
        out.append(x.reshape(*view).expand(*sizes))
    return tuple(out)


def cartesian_prod(*tensors: Any) -> Tensor:
    """All combinations of one element from each 1-D tensor, one per row (itertools.product)."""
    ts = _tensors(tensors, "cartesian_prod")
    for i, t in enumerate(ts):
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expected 1-D tensors, but tensor {i} has shape "
                               f"{list(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return shape.cat([g.reshape(-1, 1) for g in grids], 1)


def block_diag(*tensors: Any) -> Tensor:
    """A block-diagonal matrix: the tensors (0-d, 1-d as a row, or 2-d) down the diagonal."""
    ts = _tensors(tensors, "block_diag")
    mats = []
    for i, x in enumerate(ts):
        if x.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions."
                               f" Input {i} has {x.ndim} dimensions")
        mats.append(x.reshape(1, 1) if x.ndim == 0 else x.reshape(1, -1) if x.ndim == 1 else x)
    dtype = mats[0].dtype if mats else dtypes.float32
    for m in mats[1:]:
        dtype = dtypes.promote(dtype, False, m.dtype, False)
    width = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        right = width - left - m.shape[1]
        rows.append(shape.pad(m.type(dtype), (left, right)))
        left += m.shape[1]
    if not rows:
        return Tensor(np.zeros((1, 0), dtype=dtype))
    return shape.cat(rows, 0)


def _atleast(ndim: int, tensors: tuple[Any, ...]) -> Any:
    def lift(x: Tensor) -> Tensor:
        if x.ndim >= ndim:
            return x
        if ndim == 1 or x.ndim == 0:
            return x.reshape(*(1,) * ndim)
        if ndim == 2:
            return x.unsqueeze(0)
        return x.unsqueeze(0).unsqueeze(-1) if x.ndim == 1 else x.unsqueeze(-1)

    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    given = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], list | tuple) else tensors
    ts = [tensor_arg(x, f"atleast_{ndim}d") for x in given]
    out = tuple(lift(x) for x in ts)
    return out[0] if single else out


def atleast_1d(*tensors: Any) -> Any:
    """The tensor(s) with at least one dim (a scalar becomes shape (1,))."""
    return _atleast(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """At least two dims: a vector (n,) becomes (1, n)."""
    return _atleast(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """At least three dims: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1)."""
    return _atleast(3, tensors)


def _joined(tensors: Sequence[Any], name: str) -> list[Tensor]:
    if not isinstance(tensors, list | tuple):
        raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    ts = [tensor_arg(x, name, "tensors") for x in tensors]
    dtype = ts[0].dtype
    for x in ts[1:]:
        dtype = dtypes.promote(dtype, False, x.dtype, False)
    return [x.type(dtype) for x in ts]


def hstack(tensors: Sequence[Any]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    ts = list(atleast_1d(tuple(_joined(tensors, "hstack"))))
    return shape.cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    """Join rows: 1-D tensors become rows (1, n), then join along dim 0."""
    return shape.cat(list(atleast_2d(tuple(_joined(tensors, "vstack")))), 0)


row_stack = vstack


def dstack(tensors: Sequence[Any]) -> Tensor:
    """Join along dim 2 after ``atleast_3d``."""
    return shape.cat(list(atleast_3d(tuple(_joined(tensors, "dstack")))), 2)


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """Join columns: 0-d and 1-d tensors become columns (n, 1), then join along dim 1."""
    ts = [x.reshape(-1, 1) if x.ndim <= 1 else x for x in _joined(tensors, "column_stack")]
    return shape.cat(ts, 1)

