"""Shapes and indexing: reshape, permute, expand, slicing, joining and padding.

``reshape``, ``permute``, ``expand``, ``getitem``, ``cat`` and ``pad`` are registered ops
(``tinygrad_edu/ops/movement.py``); ``flatten``, ``squeeze``, ``transpose``, ``repeat``,
``split`` and ``stack`` are composed from them here. Results that share memory with a tensor in
the graph are marked as views (``_view``), so that writing into them in place is refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import OPS, apply_op, relabel
from ..checks import (
    broadcast_shape,
    dim_index,
    dims_tuple,
    index_key,
    int_arg,
    pad_arg,
    shape_arg,
    size_arg,
    split_int_index,
)
from ..ops.movement import is_advanced_index
from .base import TensorBase
from .convert import check_tensor
from .front_door import name_the_function


def cat(tensors: Sequence[Any], dim: int) -> Any:
    """Join tensors along ``dim``; all other sizes must match (dtypes promote)."""
    first = tensors[0]
    for i, t in enumerate(tensors[1:], start=1):
        others = [n for d, n in enumerate(t.shape) if d != dim]
        if t.ndim != first.ndim or others != [n for d, n in enumerate(first.shape) if d != dim]:
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {dim}; "
                               f"tensor 0 has shape {first.shape} but tensor {i} has shape "
                               f"{t.shape}")
    dtype = first.dtype
    for t in tensors[1:]:
        dtype = np.promote_types(dtype, t.dtype)
    return apply_op(OPS["cat"], *[t.type(dtype) for t in tensors], dim=dim)


def pad(x: Any, pad: Sequence[int], value: float = 0.0) -> Any:
    """PyTorch's F.pad (constant mode): ``pad`` lists (before, after) from the last dim back."""
    pad = pad_arg(pad, x.ndim)
    if any(p < 0 for p in pad):  # a negative width crops that side first
        x = x[crop_slices(x.shape, pad, "pad")]
        pad = [max(p, 0) for p in pad]
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return apply_op(OPS["pad"], x, pad_width=tuple(widths), value=value)


def crop_slices(shape: tuple[int, ...], pad: Sequence[int], name: str) -> tuple[slice, ...]:
    """The slices that a negative ``pad`` width (PyTorch's crop) keeps of each dim."""
    keep = [slice(None)] * len(shape)
    for i in range(len(pad) // 2):
        dim = len(shape) - 1 - i
        lo, hi = max(-pad[2 * i], 0), shape[dim] - max(-pad[2 * i + 1], 0)
        if hi < lo or shape[dim] + pad[2 * i] + pad[2 * i + 1] < 0:
            raise RuntimeError(f"{name}: the input size {shape[dim]} of dim {dim}, plus negative "
                               f"padding {pad[2 * i]} and {pad[2 * i + 1]}, resulted in a "
                               f"negative output size (input shape {tuple(shape)})")
        keep[dim] = slice(lo, hi)
    return tuple(keep)


def index_arrays(key: Any) -> Any:
    """An indexing key with its Tensors replaced by their arrays (for ``checks.index_key``)."""
    if isinstance(key, tuple):
        return tuple(k._data if isinstance(k, TensorBase) else k for k in key)
    return key._data if isinstance(key, TensorBase) else key


def _reshape_target(shape: tuple[int, ...], target: tuple[int, ...]) -> Any:
    """``target`` with its -1 filled in from ``shape``, or None where numpy cannot infer it.

    The common case (one -1, every other size positive) is integer arithmetic; anything else
    goes to numpy's own inference, whose answers the caller's checks expect.
    """
    if -1 not in target:
        return target
    known = 1
    unknown = 0
    for s in target:
        if s < 0:
            unknown += 1
        else:
            known *= s
    if unknown == 1 and known > 0:
        total = math.prod(shape)
        if total % known == 0:
            return tuple(total // known if s == -1 else s for s in target)
        return None
    try:
        return np.empty(shape, dtype=np.bool_).reshape(target).shape
    except ValueError:
        return None


def _named(name: str, method: Any, shape: tuple[int, ...]) -> Any:
    """``method(*shape)`` for ``name`` (``view_as`` calls ``view``): its errors name both."""
    try:
        return method(*shape)
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        name_the_function(exc, name)
        raise


class ShapeMixin(TensorBase):
    """Reshaping, reordering, broadcasting, slicing and splitting."""

    @property
    def T(self) -> Any:  # noqa: N802 - PyTorch's name
        """The tensor with its dimensions reversed (the transpose for a matrix)."""
        return self.permute(*reversed(range(self.ndim)))

    def reshape(self, *shape: Any) -> Any:
        """Same elements, new shape; one size may be -1 (inferred)."""
        target = shape_arg(shape)
        new = _reshape_target(self.shape, target)
        if new is None or math.prod(new) != self.numel():
            raise RuntimeError(f"reshape: shape {list(target)} is invalid for input of size "
                               f"{self.numel()} (shape {self.shape})")
        # the same shape still gives a new tensor (a view: same memory, same version counter)
        return self._view(apply_op(OPS["reshape"], self, shape=tuple(new)))

    view = reshape

    def _view(self, out: Any) -> Any:
        """Mark results that share memory with a graph tensor (in-place on them is refused)."""
        if self.requires_grad or self._view_of_graph:
            out._view_of_graph = True
        out._version = self._version
        return out

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge dims ``start_dim..end_dim`` into one."""
        if self.ndim == 0:  # its dims are 0 and -1, as for a 1-d tensor (PyTorch's rule)
            dim_index(start_dim, 0, "flatten")
            dim_index(end_dim, 0, "flatten")
            return self.reshape(1)
        s, e = dim_index(start_dim, self.ndim, "flatten"), dim_index(end_dim, self.ndim, "flatten")
        if s > e:
            raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim "
                               f"({end_dim})")
        if s == e:  # nothing to merge: PyTorch hands back the tensor itself
            return self
        return self.reshape(*self.shape[:s], -1, *self.shape[e + 1:])

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Any:
        """Split dim ``dim`` into ``sizes``."""
        d = dim_index(dim, self.ndim, "unflatten")
        return self.reshape(*self.shape[:d], *sizes, *self.shape[d + 1:])

    def squeeze(self, dim: Any = None) -> Any:
        """Remove dims of size 1 (all of them, or only ``dim``)."""
        if dim is None:
            return relabel(self.reshape(*[n for n in self.shape if n != 1]), "SqueezeBackward0",
                           self)
        dims = dims_tuple(dim, self.ndim, "squeeze") or ()
        out = self.reshape(*[n for i, n in enumerate(self.shape) if not (i in dims and n == 1)])
        return relabel(out, "SqueezeBackward2" if isinstance(dim, tuple | list)  # PyTorch's
                       else "SqueezeBackward1", self)                              # node names

    def unsqueeze(self, dim: int) -> Any:
        """Insert a dim of size 1 at ``dim``."""
        d = dim_index(dim, self.ndim + 1, "unsqueeze")
        return relabel(self.reshape(*self.shape[:d], 1, *self.shape[d:]), "UnsqueezeBackward0",
                       self)

    def permute(self, *dims: Any) -> Any:
        """Reorder the dims: ``out.shape[i] == self.shape[dims[i]]``."""
        given = shape_arg(dims, "permute", "dims")
        if len(given) != self.ndim:  # before the range of each dim, as PyTorch checks
            raise RuntimeError(f"permute: dims {list(given)} must be a permutation of the "
                               f"{self.ndim} dims of a tensor of shape {self.shape} (the number "
                               "of dims does not match the length of the desired ordering)")
        order = tuple(dim_index(d, self.ndim, "permute") for d in given)
        if sorted(order) != list(range(self.ndim)):
            raise RuntimeError(f"permute: dims {list(given)} must be a permutation "
                               f"of the {self.ndim} dims of a tensor of shape {self.shape}")
        return self._view(apply_op(OPS["permute"], self, dims=order))

    def transpose(self, dim0: int, dim1: int) -> Any:
        """Swap two dims."""
        order = list(range(self.ndim))
        a, b = dim_index(dim0, self.ndim, "transpose"), dim_index(dim1, self.ndim, "transpose")
        order[a], order[b] = order[b], order[a]
        return relabel(self.permute(*order), "TransposeBackward0", self)  # PyTorch's name

    def t(self) -> Any:
        """Transpose of a matrix (a vector is returned as is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {self.ndim}")
        out = self.T
        return relabel(out, "TBackward0", self)  # PyTorch's node name

    def expand(self, *sizes: Any) -> Any:
        """Broadcast to ``sizes`` without copying; -1 keeps a size."""
        target = shape_arg(sizes, "expand", "size")
        lead = len(target) - self.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the number of sizes provided ({len(target)}) must be "
                               f"greater or equal to the number of dimensions ({self.ndim})")
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                      for i, n in enumerate(target))
        broadcast_shape("expand", self.shape, shape, into=True)
        return self._view(apply_op(OPS["expand"], self, shape=shape))

    def expand_as(self, other: Any) -> Any:
        """Broadcast to ``other``'s shape."""
        check_tensor(other, "expand_as", "other")
        return _named("expand_as", self.expand, other.shape)

    def repeat(self, *sizes: Any) -> Any:
        """Tile ``sizes[i]`` times along dim i: a broadcast axis before each dim, merged."""
        reps = size_arg(sizes, "repeat", "repeats")
        if len(reps) < self.ndim:
            raise RuntimeError(f"repeat: number of repeat dims ({len(reps)}) can not be "
                               f"smaller than number of dimensions of tensor ({self.ndim})")
        x = self.reshape((1,) * (len(reps) - self.ndim) + self.shape)
        interleaved = x.reshape(*[v for n in x.shape for v in (1, n)])
        expanded = interleaved.expand(*[v for r, n in zip(reps, x.shape, strict=True)
                                        for v in (r, n)])
        out = expanded.reshape(*[r * n for r, n in zip(reps, x.shape, strict=True)])
        return relabel(out, "RepeatBackward0", self)  # PyTorch's node name

    def split(self, split_size: Any, dim: int = 0) -> tuple[Any, ...]:
        """Pieces of ``split_size`` (an int or a list of sizes) along ``dim``."""
        if self.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor")
        d = dim_index(dim, self.ndim, "split")
        n = self.shape[d]
        if not isinstance(split_size, list | tuple):
            split_size = int_arg(split_size, "split", "split_size")
            if split_size <= 0:
                raise RuntimeError(f"split: split_size must be positive, got {split_size}")
            sizes = [min(split_size, n - s) for s in range(0, n, split_size)] or [0]
        else:
            sizes = list(shape_arg(tuple(split_size), "split", "split_size"))
            if sum(sizes) != n:
                raise RuntimeError(f"split: split sizes {sizes} must sum to the size {n} of "
                                   f"dim {d}")
        pieces, start = [], 0
        node = "SplitBackward0" if isinstance(split_size, int) else "SplitWithSizesBackward0"
        for size in sizes:  # each piece has a node of its own, named as PyTorch's shared one
            pieces.append(relabel(self[(slice(None),) * d + (slice(start, start + size),)],
                                  node, self))
            start += size
        return tuple(pieces)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Any, ...]:
        """``chunks`` nearly equal pieces along ``dim``."""
        chunks = int_arg(chunks, "chunk", "chunks")
        if self.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor")
        d = dim_index(dim, self.ndim, "chunk")
        if chunks <= 0:
            raise RuntimeError(f"chunk: expects `chunks` to be greater than 0, got: {chunks}")
        if self.shape[d] == 0:  # PyTorch: ``chunks`` empty pieces
            return tuple(self.narrow(d, 0, 0) for _ in range(chunks))
        return self.split(-(-self.shape[d] // chunks), d)

    def __getitem__(self, key: Any) -> Any:
        key = index_key(index_arrays(key), self.shape, "getitem")
        first, rest = split_int_index(key)
        if rest is not None:  # PyTorch applies ints before index arrays: two steps
            return self[first][rest]
        out = apply_op(OPS["getitem"], self, key=key)
        return out if is_advanced_index(key) else self._view(out)

    # ------------------------------------------------------------------ views by other names,
    # and what a tensor knows about its layout

    @property
    def mT(self) -> Any:  # noqa: N802 - PyTorch's name
        """The transpose of the last two dims (of every matrix of a batch)."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of "
                               f"matrices. Got {self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def mH(self) -> Any:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of the last two dims; for real numbers ``mT``."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of "
                               f"matrices. Got {self.ndim}-D tensor.")
        return self.mT

    @property
    def H(self) -> Any:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix; for real numbers ``T`` (2-D, or 0-D)."""
        if self.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.ndim}-D tensor.")
        return self.T

    def swapaxes(self, axis0: int, axis1: int) -> Any:
        """numpy's name for ``transpose(axis0, axis1)``."""
        return self.transpose(axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Any:
        """Another name for ``transpose(dim0, dim1)``."""
        return self.transpose(dim0, dim1)

    def movedim(self, source: Any, destination: Any) -> Any:
        """Move dims ``source`` to positions ``destination``; the others keep their order."""
        src = list(source) if isinstance(source, list | tuple) else [source]
        dst = list(destination) if isinstance(destination, list | tuple) else [destination]
        if len(src) != len(dst):
            raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} "
                               f"dims) should contain the same number of dims as destination "
                               f"({dst} dims)")
        src = [dim_index(d, self.ndim, "movedim") for d in src]
        dst = [dim_index(d, self.ndim, "movedim") for d in dst]
        if len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise RuntimeError(f"movedim: repeated dim in source ({src}) or destination ({dst})")
        order: list[int | None] = [None] * self.ndim
        for s, d in zip(src, dst, strict=True):
            order[d] = s
        rest = iter(d for d in range(self.ndim) if d not in src)
        return self.permute(*[next(rest) if o is None else o for o in order])

    moveaxis = movedim

    def broadcast_to(self, size: Any) -> Any:
        """``expand(size)`` under numpy's name."""
        return self.expand(*shape_arg((size,)))

    def view_as(self, other: Any) -> Any:
        """``view(other.shape)``."""
        check_tensor(other, "view_as", "other")
        return _named("view_as", self.view, other.shape)

    def reshape_as(self, other: Any) -> Any:
        """``reshape(other.shape)``."""
        check_tensor(other, "reshape_as", "other")
        return _named("reshape_as", self.reshape, other.shape)

    def narrow(self, dim: int, start: Any, length: int) -> Any:
        """The ``length`` elements of dim ``dim`` from ``start`` on (a view)."""
        d = dim_index(dim, self.ndim, "narrow")
        n = self.shape[d]
        begin = int(start) + n if int(start) < 0 else int(start)
        if not 0 <= begin <= n or length < 0 or begin + length > n:
            raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                               f"size ({n}), or is out of range")
        return self[(slice(None),) * d + (slice(begin, begin + length),)]

    def unbind(self, dim: int = 0) -> tuple[Any, ...]:
        """The slices along ``dim``, each without that dim."""
        if self.ndim == 0:
            raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
        d = dim_index(dim, self.ndim, "unbind")
        # each slice has a node of its own (PyTorch shares one): each can carry the name
        return tuple(relabel(self[(slice(None),) * d + (i,)], "UnbindBackward0", self)
                     for i in range(self.shape[d]))

    def tile(self, *dims: Any) -> Any:
        """Repeat the tensor ``dims[i]`` times along dim i; missing leading reps count as 1."""
        reps = shape_arg(dims, "tile", "dims")
        return self.repeat(*((1,) * (self.ndim - len(reps)) + reps))

    def nelement(self) -> int:
        """Number of elements (``numel``)."""
        return self.numel()

    def ndimension(self) -> int:
        """Number of dimensions (``dim()``)."""
        return self.ndim

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self._data.itemsize)

    def stride(self, dim: int | None = None) -> Any:
        """Elements to step in memory to move by one along each dim (0 along expanded dims)."""
        steps = tuple(s // self._data.itemsize for s in self._data.strides)
        return steps if dim is None else steps[dim_index(dim, self.ndim, "stride")]

    def storage_offset(self) -> int:
        """Where this tensor starts in the memory of the array it views, in elements."""
        base = self._data
        while isinstance(base.base, np.ndarray):
            base = base.base
        start = self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        return start // self._data.itemsize
