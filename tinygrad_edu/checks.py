"""Argument checks shared by the Tensor methods: dims, shapes, broadcasting and indices.

Each raises the exception type PyTorch raises for the same mistake, with a message that names
the op, what it got and what it expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def broadcast_shape(name: str, a: tuple[int, ...], b: tuple[int, ...], into: bool = False
                     ) -> tuple[int, ...]:
    """np.broadcast_shapes with PyTorch's error type and a message naming the op."""
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        shape = None
    if shape is None or (into and shape != b):
        for i in range(1, max(len(a), len(b)) + 1):
            na = a[-i] if i <= len(a) else 1
            nb = b[-i] if i <= len(b) else 1
            if na != nb and 1 not in (na, nb) or into and na != nb and na != 1:
                raise RuntimeError(
                    f"{name}: the size of tensor a ({na}) must match the size of tensor b ({nb}) "
                    f"at non-singleton dimension {max(len(a), len(b)) - i}; shapes {a} and {b} "
                    "do not broadcast")
        raise RuntimeError(f"{name}: shape {a} cannot be expanded to {b}")
    return shape


def dim_index(dim: Any, ndim: int, name: str) -> int:
    """Normalise one dim index, with PyTorch's IndexError for dims out of range."""
    n = max(ndim, 1)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"{name}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n if ndim else 0


def dims_tuple(dim: Any, ndim: int, name: str) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, an int, or a sequence of ints) to a sorted tuple or None."""
    if dim is None:
        return None
    items = dim if isinstance(dim, list | tuple) else (dim,)
    dims = tuple(sorted(dim_index(d, ndim, name) for d in items))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{name}: dim {dim} appears multiple times in the list of dims")
    if ndim == 0:
        return None
    return dims


def shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], list | tuple):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def index_key(key: Any, shape: tuple[int, ...]) -> Any:
    """Turn Tensors in an index into arrays and check integer indices against the shape."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for k in parts:
        if hasattr(k, "_data"):  # a Tensor
            k = k._data
        if isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, np.ndarray) and k.dtype.kind not in "biu":
            raise IndexError(f"getitem: tensors used as indices must be long, int or bool, got "
                             f"{k.dtype}")
        out.append(k)
    _check_index(out, shape)
    return tuple(out) if isinstance(key, tuple) else out[0]


def _check_index(parts: list[Any], shape: tuple[int, ...]) -> None:
    """IndexError naming the dim and size for out-of-range integer indices."""
    n_real = sum(1 for k in parts if k is not None and k is not Ellipsis and not (
        isinstance(k, np.ndarray) and k.dtype == bool)) + sum(
        k.ndim for k in parts if isinstance(k, np.ndarray) and k.dtype == bool)
    if n_real > len(shape):
        raise IndexError(f"getitem: too many indices for tensor of dimension {len(shape)} "
                         f"(got {n_real})")
    dim = 0
    for i, k in enumerate(parts):
        if k is Ellipsis:
            dim = len(shape) - sum(1 for k2 in parts[i + 1:] if k2 is not None)
            continue
        if k is None:
            continue
        if isinstance(k, np.ndarray) and k.dtype == bool:
            if k.shape != shape[dim:dim + k.ndim]:
                raise IndexError(f"getitem: the shape of the mask {k.shape} does not match the "
                                 f"shape {shape[dim:dim + k.ndim]} of the indexed dims")
            dim += k.ndim
            continue
        if isinstance(k, int | np.integer | np.ndarray):
            size = shape[dim]
            arr = np.asarray(k)
            if arr.size and (arr.max() >= size or arr.min() < -size):
                bad = arr.max() if arr.max() >= size else arr.min()
                raise IndexError(f"getitem: index {bad} is out of bounds for dimension {dim} "
                                 f"with size {size} (tensor shape {shape})")
        dim += 1
