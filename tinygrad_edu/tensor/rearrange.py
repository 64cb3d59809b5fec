"""Rearranging elements: flips, rolls, diagonals, triangles, windows, and shape changes in place.

Everything here is composed from the movement ops (``getitem`` with index arrays, ``cat``,
``index_put``, ``permute``) and ``where``, so each gradient is the one those ops already know:
the gradient of a gather (``x[idx]``) is a scatter-add into zeros. ``new_*`` makes tensors with
this tensor's dtype; ``squeeze_``/``unsqueeze_``/``t_``/``transpose_``/``resize_`` change a
tensor's own shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import OPS, apply_op, is_grad_enabled, relabel
from ..checks import NUMBERS, check_dtypes, dim_index, int_arg, shape_arg, size_arg
from .arithmetic import where
from .base import TensorBase
from .convert import as_array, check_no_str_list
from .front_door import name_the_function


def _dims_list(dims: Any, ndim: int, name: str) -> list[int]:
    """``dims`` (an int, or a sequence of ints) as distinct non-negative dims."""
    items = list(dims) if isinstance(dims, Sequence) else [dims]
    out = [dim_index(d, ndim, name) for d in items]
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"{name}: dim {d} appears multiple times in the list of dims")
    return out


def _along(d: int, index: Any) -> tuple[Any, ...]:
    """An indexing key that applies ``index`` to dim ``d``."""
    return (slice(None),) * d + (index,)


def _diagonal_index(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of diagonal ``offset`` of an n1 x n2 matrix."""
    r0, c0 = max(-offset, 0), max(offset, 0)
    length = max(min(n1 - r0, n2 - c0), 0)
    return np.arange(length) + r0, np.arange(length) + c0


class RearrangeMixin(TensorBase):
    """Flips, rolls, diagonals, triangles, sliding windows, ``new_*`` and in-place reshapes."""

    # ------------------------------------------------------------------ flips and rolls

    def flip(self, *dims: Any) -> Any:
        """Reverse the order of the elements along ``dims`` (a copy, as in PyTorch)."""
        out = self
        for d in _dims_list(shape_arg(dims, "flip", "dims"), self.ndim, "flip"):
            if self.ndim:
                out = apply_op(OPS["getitem"], out,
                               key=_along(d, np.arange(self.shape[d] - 1, -1, -1)))
        return relabel(out if out is not self else self.clone(), "FlipBackward0", self)

    def fliplr(self) -> Any:
        """Flip the columns (dim 1)."""
        if self.ndim < 2:
            raise RuntimeError("fliplr: Input must be >= 2-d.")
        return self.flip(1)

    def flipud(self) -> Any:
        """Flip the rows (dim 0)."""
        if self.ndim < 1:
            raise RuntimeError("flipud: Input must be >= 1-d.")
        return self.flip(0)

    def roll(self, shifts: Any, dims: Any = None) -> Any:
        """Shift elements ``shifts`` places along ``dims``; those pushed off the end come back
        at the start. Without dims the tensor is rolled as if flattened."""
        sh = list(shape_arg((shifts,), "roll", "shifts"))
        if dims is None:
            if len(sh) != 1:
                raise RuntimeError(f"roll: shifts must be one int when no dims are given, got "
                                   f"{shifts}")
            flat = self.reshape(-1)
            out = flat.roll(sh[0], 0)
            return relabel(out.reshape(*self.shape), "RollBackward0", self)
        ds = list(shape_arg((dims,), "roll", "dims"))
        if len(sh) != len(ds):
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(sh)}, "
                               f"dims:{len(ds)}")
        out = self
        for s, dim in zip(sh, ds, strict=True):
            d = dim_index(dim, self.ndim, "roll")
            n = self.shape[d] if self.ndim else 1
            k = s % n if n else 0
            if k and self.ndim:
                out = apply_op(OPS["cat"], out[_along(d, slice(n - k, n))],
                               out[_along(d, slice(0, n - k))], dim=d)
        return relabel(out if out is not self else self.clone(), "RollBackward0", self)

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Any:
        """Rotate by 90 degrees ``k`` times, from the first of ``dims`` towards the second."""
        if len(dims) != 2:
            raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                               f"{len(dims)}")
        if self.ndim < 2:
            raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = "
                               f"{self.ndim}")
        d0, d1 = (dim_index(d, self.ndim, "rot90") for d in dims)
        if d0 == d1:
            raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                               f"{d0} and dim1 = {d1}")
        k %= 4
        if k == 1:
            out = self.flip(d1).transpose(d0, d1)
        elif k == 2:
            out = self.flip(d0, d1)
        elif k == 3:
            out = self.flip(d0).transpose(d0, d1)
        else:
            out = self.clone()
        return relabel(out, "Rot90Backward0", self)  # PyTorch's node name

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *,
                          output_size: int | None = None) -> Any:
        """Repeat each element (each slice along ``dim``) ``repeats`` times, in place order.

        ``repeats`` is an int or one count per element; without ``dim`` the tensor is
        flattened first.
        """
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else dim_index(dim, self.ndim, "repeat_interleave")
        n = x.shape[d] if x.ndim else 1
        if not isinstance(repeats, TensorBase):
            counts = np.asarray(int_arg(repeats, "repeat_interleave", "repeats"))
        elif repeats.dtype.kind not in "iu":
            raise NotImplementedError(f"repeat_interleave: not implemented for repeats of dtype "
                                      f"{repeats.dtype}; expected an integer tensor")
        else:
            counts = as_array(repeats, None).astype(np.int64)
        if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, n)):
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                               f"along dim {d} ({n}), got {tuple(counts.shape)}")
        if np.any(counts < 0):
            raise RuntimeError("repeat_interleave: repeats can not be negative")
        index = np.repeat(np.arange(n), counts.reshape(-1) if counts.ndim else int(counts))
        if output_size is not None and output_size != index.size:
            raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match "
                               f"the sum of repeats {index.size}")
        if x.ndim == 0:
            x = x.reshape(1)
        out = apply_op(OPS["getitem"], x, key=_along(d, index))  # PyTorch's node names:
        return relabel(out, "IndexSelectBackward0" if isinstance(repeats, TensorBase)  # an
                       else "ViewBackward0", self)  # index_select, or a view of an expand

    def unfold(self, dimension: int, size: int, step: int) -> Any:
        """Sliding windows: every slice of ``size`` elements along ``dimension``, ``step``
        apart, as a new last dim (the dim itself becomes the window count)."""
        if self.ndim == 0:  # a scalar has one window of size 1 (or 0)
            dim_index(dimension, 0, "unfold")
            if size > 1 or step <= 0:
                raise RuntimeError(f"unfold: maximum size for tensor at dimension 0 is 1 but "
                                   f"size is {size}, step {step}")
            return self.reshape(1)[:size]
        x = self
        d = dim_index(dimension, x.ndim, "unfold")
        n = x.shape[d]
        if size > n:
            raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but "
                               f"size is {size}")
        if step <= 0:
            raise RuntimeError(f"unfold: step is {step} but must be > 0")
        if size < 0:
            raise RuntimeError(f"unfold: size is {size} but must be >= 0")
        starts = np.arange(0, n - size + 1, step)
        windows = starts[:, None] + np.arange(size)[None, :]
        out = apply_op(OPS["getitem"], x, key=_along(d, windows))
        return relabel(out.movedim(d + 1, -1), "UnfoldBackward0", self)  # PyTorch's name

    # ------------------------------------------------------------------ diagonals, triangles

    def _triangle(self, name: str, diagonal: int, lower: bool) -> Any:
        if self.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        n, m = self.shape[-2:]
        keep = np.tri(n, m, diagonal, dtype=bool) if lower else \
            ~np.tri(n, m, diagonal - 1, dtype=bool)
        out = where(self._wrap(keep), self, self._wrap(np.zeros((), dtype=self.dtype)))
        return relabel(out, "TrilBackward0" if lower else "TriuBackward0", self)

    def tril(self, diagonal: int = 0) -> Any:
        """The lower triangle of each matrix (on and below diagonal ``diagonal``); zeros above."""
        return self._triangle("tril", diagonal, lower=True)

    def triu(self, diagonal: int = 0) -> Any:
        """The upper triangle of each matrix (on and above diagonal ``diagonal``); zeros below."""
        return self._triangle("triu", diagonal, lower=False)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        """Diagonal ``offset`` of the matrices in dims (dim1, dim2), as a new last dim."""
        a, b = dim_index(dim1, self.ndim, "diagonal"), dim_index(dim2, self.ndim, "diagonal")
        if a == b:
            raise RuntimeError(f"diagonal: dimensions cannot be identical {dim1}, {dim2}")
        rows, cols = _diagonal_index(self.shape[a], self.shape[b], offset)
        out = apply_op(OPS["getitem"], self.movedim((a, b), (-2, -1)), key=(Ellipsis, rows, cols))
        return relabel(out, "DiagonalBackward0", self)  # PyTorch's node name

    def diag(self, diagonal: int = 0) -> Any:
        """1-D: the square matrix with this vector on diagonal ``diagonal``. 2-D: that
        diagonal of the matrix, as a vector."""
        if self.ndim == 2:  # PyTorch 2.13 prints this node with a "_copy" suffix
            return relabel(self.diagonal(diagonal), "DiagonalBackward0_copy", self)
        if self.ndim != 1:
            raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {self.ndim}D")
        return self.diag_embed(diagonal)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        """Each vector along the last dim put on diagonal ``offset`` of a zero matrix in the
        new dims (dim1, dim2); the inverse of ``diagonal``."""
        nd = self.ndim + 1
        a, b = dim_index(dim1, nd, "diag_embed"), dim_index(dim2, nd, "diag_embed")
        if a == b:
            raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, "
                               f"{dim2}")
        x = self.reshape(1) if self.ndim == 0 else self
        n = x.shape[-1] + abs(offset)
        zeros = self._wrap(np.zeros((*x.shape[:-1], n, n), dtype=self.dtype))
        rows, cols = _diagonal_index(n, n, offset)
        out = apply_op(OPS["index_put"], zeros, x, key=(Ellipsis, rows, cols))
        return relabel(out.movedim((-2, -1), (a, b)), "DiagEmbedBackward0", self)

    def trace(self) -> Any:
        """The sum of the main diagonal of a matrix."""
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        check_dtypes("trace", NUMBERS, self)
        out = self.diagonal().sum()
        return out.long() if out.dtype.kind in "biu" else relabel(out, "TraceBackward0", self)

    # ------------------------------------------------------------------ new tensors like this

    def _new(self, array: Any, dtype: Any, requires_grad: bool) -> Any:
        out = self._wrap(as_array(array, self.dtype if dtype is None else dtype))
        return out.requires_grad_(True) if requires_grad else out

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Any:
        """A copy of ``data`` with this tensor's dtype (unless ``dtype`` is given)."""
        dtypes.check_device(device, "new_tensor")
        if data is None:  # with a dtype to convert to, PyTorch reads None as a bad number
            raise TypeError("new_tensor(): data must be numbers, bools, nested lists of them, "
                            "a numpy array or a tensor, got None")
        check_no_str_list(data, "new_tensor")
        values = data._data if isinstance(data, TensorBase) else data
        if isinstance(values, np.ndarray):
            values = values.copy()
        try:
            return self._new(values, dtype, requires_grad)
        except (TypeError, ValueError, RuntimeError) as exc:
            name_the_function(exc, "new_tensor")
            raise

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        """A tensor of ``size`` filled with ``fill_value``, with this tensor's dtype."""
        dtypes.check_device(device, "new_full")
        target = self.dtype if dtype is None else dtypes.to_dtype(dtype, "new_full")
        return self._new(np.full(size_arg((size,), "new_full"), fill_value, dtype=target), dtype,
                         requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """Zeros of ``size`` with this tensor's dtype."""
        return self.new_full(size_arg(size, "new_zeros"), 0, dtype=dtype, device=device,
                             requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        """Ones of ``size`` with this tensor's dtype."""
        return self.new_full(size_arg(size, "new_ones"), 1, dtype=dtype, device=device,
                             requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """An uninitialised tensor of ``size`` (here: zeros) with this tensor's dtype."""
        return self.new_zeros(size_arg(size, "new_empty"), dtype=dtype, device=device,
                              requires_grad=requires_grad)

    # ------------------------------------------------------------------ shape changes in place

    def _reshape_inplace(self, name: str, out: Any) -> Any:
        """Make this tensor ``out`` (a view of it with a new shape) in place."""
        if is_grad_enabled() and self.requires_grad and self.is_leaf:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        self._data = out._data
        if out._ctx is not None:
            self._ctx = out._ctx
        return self

    def squeeze_(self, dim: Any = None) -> Any:
        """In place: ``squeeze(dim)``."""
        return self._reshape_inplace("squeeze_", self.squeeze(dim))

    def unsqueeze_(self, dim: int) -> Any:
        """In place: ``unsqueeze(dim)``."""
        return self._reshape_inplace("unsqueeze_", self.unsqueeze(dim))

    def t_(self) -> Any:
        """In place: ``t()``."""
        return self._reshape_inplace("t_", self.t())

    def transpose_(self, dim0: int, dim1: int) -> Any:
        """In place: ``transpose(dim0, dim1)``."""
        return self._reshape_inplace("transpose_", self.transpose(dim0, dim1))

    def resize_(self, *sizes: Any) -> Any:
        """Give this tensor a new shape in place: the elements in row-major order are kept,
        cut off when it shrinks and followed by zeros when it grows."""
        if self.requires_grad:
            raise RuntimeError("resize_: cannot resize variables that require grad")
        shape = shape_arg(sizes)
        if any(n < 0 for n in shape):
            raise RuntimeError(f"resize_: Trying to create tensor with negative dimension: "
                               f"{list(shape)}")
        count = int(np.prod(shape))
        flat = np.zeros(count, dtype=self.dtype)
        old = self._data.reshape(-1)
        flat[:min(count, old.size)] = old[:count]
        self._data = flat.reshape(shape)
        self._version[0] += 1
        return self

    def as_strided(self, size: Any, stride: Any, storage_offset: int = 0) -> Any:
        """The tensor with the given sizes and strides over this tensor's elements in
        row-major order (a gather: overlapping windows get summed gradients)."""
        shape, steps = shape_arg((size,)), shape_arg((stride,))
        if len(shape) != len(steps):
            raise RuntimeError(f"as_strided: mismatch in length of strides and shape: "
                               f"{len(steps)} strides for {len(shape)} sizes")
        index = np.full(shape, storage_offset, dtype=np.int64)
        for axis, (n, s) in enumerate(zip(shape, steps, strict=True)):
            index = index + (np.arange(n) * s).reshape((n,) + (1,) * (len(shape) - axis - 1))
        need = int(index.max()) + 1 if index.size else 0
        if need > self.numel() or storage_offset < 0:
            raise RuntimeError(f"as_strided: sizes {list(shape)}, strides {list(steps)}, storage "
                               f"offset {storage_offset} require {need} elements, more than "
                               f"the {self.numel()} of the tensor")
        return apply_op(OPS["getitem"], self.reshape(-1), key=index)
