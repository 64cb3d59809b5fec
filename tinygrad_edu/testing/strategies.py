"""Hypothesis strategies for property tests of tinygrad_edu ops.

Hypothesis draws many inputs (shapes, values, memory layouts, ``dim`` arguments) and, when a
test fails, shrinks the input to a small example. These strategies draw what op tests need:

- :func:`shapes`: array shapes with bounded rank and sides.
- :func:`arrays` / :func:`tensors`: ndarrays / Tensors with finite, bounded values (no NaN, no
  infinity, no subnormals), optionally as non-contiguous views.
- :func:`broadcastable_shapes`: tuples of shapes that broadcast together.
- :func:`valid_dims` / :func:`valid_dims_for`: ``dim`` arguments for reductions.

Non-contiguous arrays are views with a step of 2, a negative step, or transposed axes, with
the same values as a contiguous draw; the gaps of a step-2 view hold NaN (or a large integer),
so an op that ignores strides produces visibly wrong results. numpy calls every array with
fewer than two elements contiguous, so those stay contiguous.

This module imports hypothesis (``pip install hypothesis``); ``import tinygrad_edu.testing``
alone does not.

Usage::

    from hypothesis import given, settings, strategies as st
    from tinygrad_edu.testing import gradcheck, strategies as tst

    @settings(deadline=None)  # the first call compiles kernels
    @given(x=tst.tensors(shape=tst.shapes(max_dims=3), noncontiguous=None),
           data=st.data())
    def test_sum_grad(x, data):
        dim = data.draw(tst.valid_dims_for(x.shape))
        gradcheck(lambda t: t.sum(dim), [x])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import DTypeLike, NDArray

from ..tensor.creation import from_numpy

__all__ = [
    "arrays",
    "broadcastable_shapes",
    "elements",
    "shapes",
    "tensors",
    "valid_dims",
    "valid_dims_for",
]

Shape = tuple[int, ...]
ShapeArg = Shape | st.SearchStrategy[Shape] | None


def shapes(
    min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5
) -> st.SearchStrategy[Shape]:
    """Array shapes with ``min_dims <= ndim <= max_dims`` and ``min_side <= side <= max_side``.

    Args:
        min_dims: smallest rank (0 allows scalars, shape ``()``).
        max_dims: largest rank.
        min_side: smallest length of any axis (0 allows empty arrays).
        max_side: largest length of any axis.

    Returns:
        A strategy of shape tuples.
    """
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def elements(
    dtype: DTypeLike = np.float64, min_value: float = -3, max_value: float = 3
) -> st.SearchStrategy[Any]:
    """Values for one array element of ``dtype`` inside ``[min_value, max_value]``.

    Floats are finite and never NaN or subnormal; the bounds are rounded inward to the dtype's
    precision. Integers are the whole numbers in the bounds; bools are True and False.

    Args:
        dtype: a floating, integer or bool numpy dtype.
        min_value: lower bound.
        max_value: upper bound.

    Returns:
        A strategy of Python scalars that fit ``dtype``.

    Raises:
        ValueError: for other dtypes (complex, strings, ...).
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        low, high = _inward(dtype, min_value, max_value)
        return st.floats(
            low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False,
            width=dtype.itemsize * 8,  # type: ignore[arg-type]  # 16, 32 or 64
        )
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        low = max(math.ceil(min_value), int(info.min))
        return st.integers(low, min(math.floor(max_value), int(info.max)))
    if dtype.kind == "b":
        return st.booleans()
    raise ValueError(f"elements: unsupported dtype {dtype}; use a float, int or bool dtype")


def arrays(
    shape: ShapeArg = None,
    dtype: DTypeLike = np.float64,
    elements: st.SearchStrategy[Any] | None = None,
    min_value: float = -3,
    max_value: float = 3,
    noncontiguous: bool | None = False,
) -> st.SearchStrategy[NDArray[Any]]:
    """Numpy arrays with bounded finite values, optionally as non-contiguous views.

    Args:
        shape: a shape tuple, a strategy of shapes, or None for ``shapes()``.
        dtype: numpy dtype of the array (float, int or bool).
        elements: strategy for the values; defaults to :func:`elements` with the bounds below.
        min_value: lower bound of the values (ignored when ``elements`` is given).
        max_value: upper bound of the values (ignored when ``elements`` is given).
        noncontiguous: True for a non-contiguous view (when the array has two or more
            elements), False for a C-contiguous array, None to let hypothesis choose.

    Returns:
        A strategy of ndarrays.
    """
    values = elements if elements is not None else _elements_for(dtype, min_value, max_value)
    return _arrays(shape, np.dtype(dtype), values, noncontiguous)


def tensors(
    shape: ShapeArg = None,
    dtype: DTypeLike = np.float64,
    elements: st.SearchStrategy[Any] | None = None,
    min_value: float = -3,
    max_value: float = 3,
    noncontiguous: bool | None = False,
    requires_grad: bool = False,
) -> st.SearchStrategy[Any]:
    """Tensors over the arrays of :func:`arrays`; non-contiguous views keep their strides.

    The Tensor shares memory with the drawn array (``from_numpy``), so
    ``t.detach().numpy().flags.c_contiguous`` is False for a non-contiguous draw.

    Args:
        shape: a shape tuple, a strategy of shapes, or None for ``shapes()``.
        dtype: numpy dtype of the Tensor (float, int or bool).
        elements: strategy for the values; defaults to :func:`elements` with the bounds below.
        min_value: lower bound of the values (ignored when ``elements`` is given).
        max_value: upper bound of the values (ignored when ``elements`` is given).
        noncontiguous: True, False, or None to let hypothesis choose (see :func:`arrays`).
        requires_grad: make the Tensor a leaf that requires grad (floating dtypes only).

    Returns:
        A strategy of ``Tensor``.

    Raises:
        ValueError: if ``requires_grad`` is asked for a non-floating dtype.
    """
    if requires_grad and np.dtype(dtype).kind != "f":
        raise ValueError(f"tensors: requires_grad=True needs a floating dtype, got {dtype}")
    drawn = arrays(shape, dtype, elements, min_value, max_value, noncontiguous)
    return drawn.map(lambda array: _tensor(array, requires_grad))


def broadcastable_shapes(
    num_shapes: int = 2,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 1,
    max_side: int = 5,
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Tuples of ``num_shapes`` shapes that broadcast together (numpy rules).

    Args:
        num_shapes: how many shapes per draw (2 gives a pair ``(a, b)``).
        min_dims: smallest rank of each shape.
        max_dims: largest rank of each shape.
        min_side: smallest axis length.
        max_side: largest axis length.

    Returns:
        A strategy of tuples of shapes; ``np.broadcast_shapes(*draw)`` never raises.
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims,
        min_side=min_side, max_side=max_side,
    ).map(lambda drawn: tuple(drawn.input_shapes))


def valid_dims(
    ndim: int, allow_none: bool = True, allow_tuple: bool = True
) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """A ``dim`` argument for an array of rank ``ndim``, in the forms PyTorch accepts.

    Draws an int in ``[-ndim, ndim)``, None (all axes) if allowed, or a non-empty tuple of
    distinct axes (distinct after wrapping negatives, so never ``(1, -2)`` for ``ndim=3``) if
    allowed. A 0-d array only gets None.

    Args:
        ndim: rank of the array the dim is for.
        allow_none: whether None may be drawn.
        allow_tuple: whether tuples may be drawn.

    Returns:
        A strategy of ``int``, ``tuple[int, ...]`` or None.

    Raises:
        ValueError: for ``ndim == 0`` with ``allow_none=False`` (no valid dim exists).
    """
    if ndim == 0:
        if not allow_none:
            raise ValueError("valid_dims: a 0-d array has no axis; pass allow_none=True")
        return st.none()
    options: list[st.SearchStrategy[Any]] = [st.integers(-ndim, ndim - 1)]
    if allow_none:
        options.append(st.none())
    if allow_tuple:
        options.append(_dim_tuples(ndim))
    return st.one_of(options)


def valid_dims_for(
    shape: Shape, allow_none: bool = True, allow_tuple: bool = True
) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """:func:`valid_dims` for an array of this shape.

    Args:
        shape: the array's shape.
        allow_none: whether None may be drawn.
        allow_tuple: whether tuples may be drawn.

    Returns:
        A strategy of ``dim`` arguments valid for ``shape``.
    """
    return valid_dims(len(shape), allow_none=allow_none, allow_tuple=allow_tuple)


# ----------------------------------------------------------------------------------------------
# Helpers


def _elements_for(dtype: DTypeLike, min_value: float, max_value: float) -> st.SearchStrategy[Any]:
    """:func:`elements` under another name, since ``arrays`` has an argument called elements."""
    return elements(dtype, min_value, max_value)


def _inward(dtype: np.dtype[Any], low: float, high: float) -> tuple[float, float]:
    """Round ``[low, high]`` inward to values exactly representable in a float ``dtype``."""
    low_t, high_t = dtype.type(low), dtype.type(high)
    if low_t < low:
        low_t = np.nextafter(low_t, dtype.type(np.inf))
    if high_t > high:
        high_t = np.nextafter(high_t, dtype.type(-np.inf))
    if low_t > high_t:
        raise ValueError(f"elements: no {dtype} value lies in [{low}, {high}]")
    return float(low_t), float(high_t)


@st.composite
def _arrays(
    draw: st.DrawFn,
    shape: ShapeArg,
    dtype: np.dtype[Any],
    values: st.SearchStrategy[Any],
    noncontiguous: bool | None,
) -> NDArray[Any]:
    """Draw the shape, the values and the layout of one array."""
    array = draw(hnp.arrays(dtype, _draw_shape(draw, shape), elements=values))
    if noncontiguous is None:
        noncontiguous = draw(st.booleans())
    return _noncontiguous_copy(draw, array) if noncontiguous else array


def _tensor(array: NDArray[Any], requires_grad: bool) -> Any:
    """A Tensor sharing memory (and strides) with ``array``."""
    tensor = from_numpy(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


@st.composite
def _dim_tuples(draw: st.DrawFn, ndim: int) -> tuple[int, ...]:
    """Non-empty tuples of distinct axes, each written as ``d`` or ``d - ndim`` at random."""
    dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(d - ndim if draw(st.booleans()) else d for d in dims)


def _draw_shape(draw: st.DrawFn, shape: ShapeArg) -> Shape:
    """Resolve the ``shape`` argument: None, a tuple, or a strategy of tuples."""
    if shape is None:
        return draw(shapes())
    if isinstance(shape, st.SearchStrategy):
        return tuple(draw(shape))
    return tuple(int(side) for side in shape)


def _gap_value(dtype: np.dtype[Any]) -> Any:
    """What fills the unused cells of a strided view: values no correct op ever reads."""
    if dtype.kind == "f":
        return np.nan
    if dtype.kind in "iu":
        return np.iinfo(dtype).max
    return True


def _noncontiguous_copy(draw: st.DrawFn, array: NDArray[Any]) -> NDArray[Any]:
    """A non-C-contiguous view with the values of ``array`` (unchanged if size < 2)."""
    long_axes = [i for i, side in enumerate(array.shape) if side > 1]
    if not long_axes:
        return array  # numpy flags arrays with < 2 elements as contiguous whatever the strides
    methods = ["step", "reverse"] + (["transpose"] if len(long_axes) >= 2 else [])
    method = draw(st.sampled_from(methods))
    axis = draw(st.sampled_from(long_axes))
    index: list[slice] = [slice(None)] * array.ndim
    view: NDArray[Any]
    if method == "transpose":
        perm = tuple(reversed(range(array.ndim)))
        buffer = np.empty(tuple(array.shape[p] for p in perm), dtype=array.dtype)
        view = buffer.transpose(tuple(int(i) for i in np.argsort(perm)))
    elif method == "step":
        buffer_shape = list(array.shape)
        buffer_shape[axis] *= 2
        buffer = np.full(buffer_shape, _gap_value(array.dtype), dtype=array.dtype)
        index[axis] = slice(None, None, 2)
        view = buffer[tuple(index)]
    else:
        buffer = np.empty(array.shape, dtype=array.dtype)
        index[axis] = slice(None, None, -1)
        view = buffer[tuple(index)]
    view[...] = array
    return view
