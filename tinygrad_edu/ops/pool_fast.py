"""The fast path of the pooling ops: the windows of ``pool.py``, reduced by Numba loops.

``pool.py`` holds the lesson: every window's taps gathered with numpy indexing, a max or a
mean over them, and ``np.add.at`` to send the gradients back. This module computes the same
numbers with the compiled loops of ``kernels/pool.py``, which walk each window without
gathering it, on tinygrad_edu's thread pool (one range of planes per thread, so overlapping
windows never add into the same cell from two threads). ``MaxPool2d(2)``, the usual CNN
pooling, has dedicated 2x2 kernels that are about 4x faster.

``pool.py`` registers these functions as the ops' ``fast=`` pairs; autograd runs them except
inside ``reference_ops()``. The forwards check their arguments and build their windows with
``pool_args``, exactly like the readable ones.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import pool
from .pool_args import (
    Window,
    adaptive_windows,
    avg_pool2d_windows,
    gather_argmax,
    max_pool2d_windows,
    saved_argmax,
    saved_windows,
)

Array = NDArray[Any]

__all__ = ["AvgPool2dFastCache", "MaxPool2dFastCache", "adaptive_avg_pool2d_fast_backward",
           "adaptive_avg_pool2d_fast_forward", "adaptive_max_pool2d_fast_backward",
           "adaptive_max_pool2d_fast_forward", "avg_pool2d_fast_backward",
           "avg_pool2d_fast_forward", "avg_pool2d_scatter_fast_backward",
           "avg_pool2d_scatter_fast_forward", "max_pool2d_fast_backward", "max_pool2d_fast_forward",
           "max_pool2d_scatter_fast_backward", "max_pool2d_scatter_fast_forward"]


def _planes(x: Array) -> Array:
    """(N, C, H, W) or (C, H, W) -> contiguous (N*C, H, W) (a view when x is contiguous)."""
    return np.ascontiguousarray(x).reshape(math.prod(x.shape[:-2]), x.shape[-2], x.shape[-1])


def _out_shape(x: Array, rows: Window, cols: Window) -> tuple[int, ...]:
    return x.shape[:-2] + (rows.start.shape[0], cols.start.shape[0])


# ----------------------------------------------------------------------------- max pooling

class MaxPool2dFastCache(NamedTuple):
    """Cache of the fast ``max_pool2d``/``adaptive_max_pool2d``: where each window's max was."""

    x_shape: tuple[int, ...]
    argmax: Array  # (N*C, OH, OW) int64, flat index h * W + w of the max inside its plane
    blocks: bool = False  # the windows are the disjoint 2x2 blocks (the fast kernels' case)


def _is_2x2_blocks(window: Window) -> bool:
    """Window ``o`` is exactly the cells 2*o and 2*o + 1 (2x2 stride 2, no padding)."""
    return (window.step == 1 and bool(np.all(window.length == 2))
            and bool(np.all(window.start == 2 * np.arange(window.start.shape[0]))))


def _max_pool(x: Array, rows: Window, cols: Window) -> tuple[Array, MaxPool2dFastCache]:
    blocks = _is_2x2_blocks(rows) and _is_2x2_blocks(cols)
    if blocks:  # MaxPool2d(2), the usual CNN pooling: a kernel 4x faster
        out, argmax = pool.max_pool_2x2_fwd(_planes(x), rows.start.shape[0],
                                            cols.start.shape[0])
    else:
        out, argmax = pool.max_pool_fwd(_planes(x), rows.start, rows.length, cols.start,
                                        cols.length, rows.step, cols.step)
    return out.reshape(_out_shape(x, rows, cols)), MaxPool2dFastCache(x.shape, argmax, blocks)


def _max_unpool_grad(dout: Array, cache: MaxPool2dFastCache) -> Array:
    height, width = cache.x_shape[-2:]
    dout3 = np.ascontiguousarray(dout).reshape(cache.argmax.shape)
    kernel = pool.max_pool_2x2_bwd if cache.blocks else pool.max_pool_bwd
    return kernel(dout3, cache.argmax, height, width).reshape(cache.x_shape)


def _is(value: Any, n: int) -> bool:
    """``value`` is the int n or a pair of them (bools are not ints here)."""
    if type(value) is int:
        return value == n
    return (type(value) in (tuple, list) and len(value) == 2
            and all(type(v) is int and v == n for v in value))


def _is_max_pool_2x2(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                     ceil_mode: bool) -> bool:
    """MaxPool2d(2) on an input ``max_pool2d_windows`` accepts, whose windows are the 2x2
    blocks: decided from the arguments alone, without building the windows."""
    if (type(x) is not np.ndarray or x.ndim not in (3, 4) or x.dtype not in _FLOATS
            or not _is(kernel_size, 2) or not (stride is None or _is(stride, 2))
            or not _is(padding, 0) or not _is(dilation, 1)):
        return False
    c, h, w = x.shape[-3:]
    return c > 0 and h >= 2 and w >= 2 and (not ceil_mode or h % 2 == w % 2 == 0)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def max_pool2d_fast_forward(x: Array, *, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
                            ) -> tuple[Array, MaxPool2dFastCache]:
    """``pool.max_pool2d_forward`` by the Numba kernels (2x2 blocks: the dedicated ones)."""
    if _is_max_pool_2x2(x, kernel_size, stride, padding, dilation, ceil_mode):
        out, argmax = pool.max_pool_2x2_fwd(_planes(x), x.shape[-2] // 2, x.shape[-1] // 2)
        return (out.reshape(x.shape[:-2] + out.shape[1:]),
                MaxPool2dFastCache(x.shape, argmax, True))
    rows, cols = max_pool2d_windows(x, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool(x, rows, cols)


def max_pool2d_fast_backward(dout: Array, cache: MaxPool2dFastCache) -> tuple[Array]:
    """Scatter-add each dout element into the input cell that was its window's max."""
    return (_max_unpool_grad(dout, cache),)


def adaptive_max_pool2d_fast_forward(x: Array, *, output_size: Any
                                     ) -> tuple[Array, MaxPool2dFastCache]:
    """``pool.adaptive_max_pool2d_forward`` by the Numba kernels."""
    rows, cols = adaptive_windows("adaptive_max_pool2d", x, output_size)
    return _max_pool(x, rows, cols)


def adaptive_max_pool2d_fast_backward(dout: Array, cache: MaxPool2dFastCache
                                      ) -> tuple[Array]:
    """Scatter-add each dout element into the input cell that was its window's max."""
    return (_max_unpool_grad(dout, cache),)


# ----------------------------------------------------------------------------- average pooling

class AvgPool2dFastCache(NamedTuple):
    """Cache of the fast ``avg_pool2d``/``adaptive_avg_pool2d``: the windows and divisors."""

    x_shape: tuple[int, ...]
    rows: Window  # in-image rows of each output row
    cols: Window  # in-image columns of each output column
    divisor: Array  # (OH, OW), x's dtype


def _avg_pool(x: Array, rows: Window, cols: Window, divisor: Array
              ) -> tuple[Array, AvgPool2dFastCache]:
    divisor = divisor.astype(x.dtype, copy=False)
    out = pool.avg_pool_fwd(_planes(x), rows.start, rows.length, cols.start, cols.length,
                            divisor)
    return (out.reshape(_out_shape(x, rows, cols)),
            AvgPool2dFastCache(x.shape, rows, cols, divisor))


def _avg_unpool_grad(dout: Array, cache: AvgPool2dFastCache) -> Array:
    rows, cols = cache.rows, cache.cols
    planes = math.prod(cache.x_shape[:-2])
    dout3 = np.ascontiguousarray(dout).reshape(planes, rows.start.shape[0], cols.start.shape[0])
    height, width = cache.x_shape[-2:]
    dx = pool.avg_pool_bwd(dout3, rows.start, rows.length, cols.start, cols.length,
                           cache.divisor.astype(dout3.dtype, copy=False), height, width)
    return dx.reshape(cache.x_shape)


def avg_pool2d_fast_forward(x: Array, *, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, ceil_mode: bool = False,
                            count_include_pad: bool = True, divisor_override: int | None = None
                            ) -> tuple[Array, AvgPool2dFastCache]:
    """``pool.avg_pool2d_forward`` by the Numba kernels (separable window sums)."""
    rows, cols, divisor = avg_pool2d_windows(x, kernel_size, stride, padding, ceil_mode,
                                             count_include_pad, divisor_override)
    return _avg_pool(x, rows, cols, divisor)


def avg_pool2d_fast_backward(dout: Array, cache: AvgPool2dFastCache) -> tuple[Array]:
    """Spread dout / divisor evenly over each window; overlapping windows add up."""
    return (_avg_unpool_grad(dout, cache),)


def adaptive_avg_pool2d_fast_forward(x: Array, *, output_size: Any
                                     ) -> tuple[Array, AvgPool2dFastCache]:
    """``pool.adaptive_avg_pool2d_forward`` by the Numba kernels."""
    rows, cols = adaptive_windows("adaptive_avg_pool2d", x, output_size)
    return _avg_pool(x, rows, cols, np.multiply.outer(rows.length, cols.length))


def adaptive_avg_pool2d_fast_backward(dout: Array, cache: AvgPool2dFastCache
                                      ) -> tuple[Array]:
    """Spread dout / area evenly over each window; overlapping windows add up."""
    return (_avg_unpool_grad(dout, cache),)


# ----------------------------------------------------------------------------- backwards as ops
# the scatters that differentiate a pooling's gradient again run the kernels
# of the poolings' own backwards; their adjoints (gathers) are the poolings' forwards.

def max_pool2d_scatter_fast_forward(dout: Array, *, argmax: Array, x_shape: Any
                                    ) -> tuple[Array, MaxPool2dFastCache]:
    """``pool.max_pool2d_scatter_forward`` by max pooling's backward kernel."""
    cache = MaxPool2dFastCache(*saved_argmax("max_pool2d_scatter", argmax, x_shape,
                                             dout.shape))
    return _max_unpool_grad(dout, cache), cache


def max_pool2d_scatter_fast_backward(dout: Array, cache: MaxPool2dFastCache) -> tuple[Array]:
    """Gather dout at the argmax."""
    return (gather_argmax(dout, cache.argmax),)


def avg_pool2d_scatter_fast_forward(dout: Array, *, x_shape: Any, rows: Window, cols: Window,
                                    divisor: Array) -> tuple[Array, AvgPool2dFastCache]:
    """``pool.avg_pool2d_scatter_forward`` by average pooling's backward kernel."""
    x_shape, divisor = saved_windows("avg_pool2d_scatter", x_shape, rows, cols, divisor,
                                     dout.shape, dout.dtype)
    cache = AvgPool2dFastCache(x_shape, rows, cols, divisor)
    return _avg_unpool_grad(dout, cache), cache


def avg_pool2d_scatter_fast_backward(dout: Array, cache: AvgPool2dFastCache) -> tuple[Array]:
    """The mean of each window, by average pooling's forward kernel."""
    return (_avg_pool(dout, cache.rows, cache.cols, cache.divisor)[0],)
