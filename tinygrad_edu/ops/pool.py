"""Pooling: the max or the mean of each window of every (H, W) plane, regular and adaptive.

All four ops describe their windows the same way, one axis at a time: output row ``oh``
reads the input rows ``h_start[oh] + i * step`` for ``i < h_len[oh]`` (only rows inside the
image: padding is -inf for a max and 0 for a sum, so it never wins a max or adds to a sum;
only the average's divisor may count it). Regular pooling slides a ``kernel_size`` window
(taps ``dilation`` apart) by ``stride`` over the padded input; adaptive pooling
cuts the input into ``output_size`` nearly equal, possibly overlapping windows
(``start = floor(o * H / OH)``, ``end = ceil((o + 1) * H / OH)``). The loops over windows are
the Numba kernels of ``kernels/pool.py``; the geometry is computed here, in numpy.

The backward passes are the lesson: a max sends its gradient to the single input that won
(``argmax``, saved by the forward), a mean spreads it evenly over its window.

Arguments and inputs are checked here, before any kernel runs, so ``max_pool2d_forward``
called on numpy arrays gives the same errors (PyTorch's exception types) as
``nn.functional.max_pool2d`` on Tensors.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import pool
from .registry import register_op

Array = NDArray[Any]
Pair = tuple[int, int]


# ----------------------------------------------------------------------------- arguments

def _pair(value: Any, name: str, arg: str) -> Pair:
    """An int or a sequence of one or two ints, as an (H, W) pair (PyTorch's rule)."""
    items = tuple(value) if isinstance(value, list | tuple) else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name}: {arg} must be an int or a tuple of two ints, got "
                            f"{value!r}")
    if len(items) not in (1, 2):
        raise RuntimeError(f"{name}: {arg} must either be a single int, or a tuple of two "
                           f"ints, got {value!r}")
    return (int(items[0]), int(items[-1]))


def _plane_shape(name: str, x: Array) -> tuple[int, int, int]:
    """Check the input's rank, sizes and dtype; return (planes, H, W)."""
    shape = x.shape
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got "
                           f"shape {shape}")
    if 0 in shape[-3:]:
        raise RuntimeError(f"{name}: expected non-empty C, H and W (only the batch size N may "
                           f"be 0), got input shape {shape}")
    if x.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}: not implemented for dtype {x.dtype} (input shape "
                           f"{shape}); pooling needs float32 or float64 input, convert it with "
                           ".float()")
    return int(np.prod(shape[:-2])), shape[-2], shape[-1]


def _planes(x: Array, planes: int) -> Array:
    """(N, C, H, W) or (C, H, W) -> contiguous (N*C, H, W) (a view when x is contiguous)."""
    return np.ascontiguousarray(x).reshape(planes, x.shape[-2], x.shape[-1])


class Window(NamedTuple):
    """Windows along one axis: first in-image index, number of in-image taps, and the step."""

    start: Array  # (O,) int64
    length: Array  # (O,) int64
    step: int


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's output length: floor((size + 2p - d(k-1) - 1) / s) + 1 (ceil in ceil_mode).

    In ceil mode the last window must still start inside the image or the left padding.
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    n_out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (n_out - 1) * stride >= size + padding:
        n_out -= 1
    return n_out


def sliding_window(size: int, n_out: int, kernel: int, stride: int, padding: int,
                   dilation: int) -> Window:
    """Window ``o`` has taps ``o*stride - padding + i*dilation``; keep those inside [0, size)."""
    start = np.arange(n_out, dtype=np.int64) * stride - padding
    first = start + (np.maximum(-start, 0) + dilation - 1) // dilation * dilation
    end = np.minimum(start + dilation * (kernel - 1) + 1, size)
    return Window(first, np.maximum(end - first + dilation - 1, 0) // dilation, dilation)


def adaptive_window(size: int, n_out: int) -> Window:
    """Window ``o`` covers [floor(o*size/n_out), ceil((o+1)*size/n_out)) (PyTorch's rule)."""
    o = np.arange(n_out, dtype=np.int64)
    start = o * size // n_out
    end = -(-(o + 1) * size // n_out)
    return Window(start, end - start, 1)


class PoolArgs(NamedTuple):
    """Regular pooling's hyper-parameters as (H, W) pairs."""

    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair


def _pool_args(name: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any
               ) -> PoolArgs:
    """Normalise to pairs (stride None or empty: the kernel size) and check PyTorch's rules."""
    kernel = _pair(kernel_size, name, "kernel_size")
    no_stride = stride is None or (isinstance(stride, list | tuple) and len(stride) == 0)
    step = kernel if no_stride else _pair(stride, name, "stride")
    pad, dil = _pair(padding, name, "padding"), _pair(dilation, name, "dilation")
    for arg, value in (("kernel_size", kernel), ("stride", step), ("dilation", dil)):
        if min(value) <= 0:
            raise RuntimeError(f"{name}: {arg} must be greater than zero, got {arg}={value}")
    if min(pad) < 0:
        raise RuntimeError(f"{name}: padding must be non-negative, got padding={pad}")
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise RuntimeError(f"{name}: padding must be at most half of the kernel size "
                           f"(padding <= kernel_size // 2), got padding={pad} with "
                           f"kernel_size={kernel}")
    return PoolArgs(kernel, step, pad, dil)


def _sliding_windows(name: str, x: Array, args: PoolArgs, ceil_mode: bool
                     ) -> tuple[Window, Window]:
    """Both axes' windows; an error if the kernel does not fit the padded input."""
    kernel, step, pad, dil = args
    size = x.shape[-2:]
    n_out = [pool_output_size(size[a], kernel[a], step[a], pad[a], dil[a], ceil_mode)
             for a in (0, 1)]
    if min(n_out) < 1:
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dil, strict=True))
        raise RuntimeError(
            f"{name}: output size would be {n_out[0]}x{n_out[1]} (< 1): the input of shape "
            f"{x.shape} padded by {pad} is smaller than the kernel {kernel} with dilation "
            f"{dil} (effective size {effective})")
    return (sliding_window(size[0], n_out[0], kernel[0], step[0], pad[0], dil[0]),
            sliding_window(size[1], n_out[1], kernel[1], step[1], pad[1], dil[1]))


def _adaptive_windows(name: str, x: Array, output_size: Any) -> tuple[Window, Window]:
    """Check ``output_size`` (int, pair, None entries keep the input size); build windows."""
    items = tuple(output_size) if isinstance(output_size, list | tuple) else (output_size,)
    if len(items) != 2 and (len(items) != 1 or isinstance(output_size, list | tuple)):
        raise RuntimeError(f"{name}: output_size must be an int or a pair, got {output_size!r}")
    items = (items[0], items[-1])
    sizes = tuple(x.shape[-2 + a] if v is None else v for a, v in enumerate(items))
    for v in sizes:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name}: output_size must hold ints or None, got {output_size!r}")
    if min(sizes) < 0:
        raise RuntimeError(f"{name}: elements of output_size must be >= 0, got {output_size!r}")
    return adaptive_window(x.shape[-2], int(sizes[0])), adaptive_window(x.shape[-1],
                                                                        int(sizes[1]))


def _out_shape(x: Array, rows: Window, cols: Window) -> tuple[int, ...]:
    return x.shape[:-2] + (rows.start.shape[0], cols.start.shape[0])


# ----------------------------------------------------------------------------- max pooling

class MaxPool2dCache(NamedTuple):
    """Cache of ``max_pool2d``/``adaptive_max_pool2d``: where each window's max was."""

    x_shape: tuple[int, ...]
    argmax: Array  # (N*C, OH, OW) int64, flat index h * W + w of the max inside its plane
    blocks: bool = False  # the windows are the disjoint 2x2 blocks (the fast kernels' case)


def _is_2x2_blocks(window: Window) -> bool:
    """Window ``o`` is exactly the cells 2*o and 2*o + 1 (2x2 stride 2, no padding)."""
    return (window.step == 1 and bool(np.all(window.length == 2))
            and bool(np.all(window.start == 2 * np.arange(window.start.shape[0]))))


def _max_pool(x: Array, planes: int, rows: Window, cols: Window
              ) -> tuple[Array, MaxPool2dCache]:
    blocks = _is_2x2_blocks(rows) and _is_2x2_blocks(cols)
    if blocks:  # MaxPool2d(2), the usual CNN pooling: a kernel 4x faster
        out, argmax = pool.max_pool_2x2_fwd(
            _planes(x, planes), rows.start.shape[0], cols.start.shape[0])
    else:
        out, argmax = pool.max_pool_fwd(
            _planes(x, planes), rows.start, rows.length, cols.start, cols.length, rows.step,
            cols.step)
    return out.reshape(_out_shape(x, rows, cols)), MaxPool2dCache(x.shape, argmax, blocks)


def _max_unpool_grad(dout: Array, cache: MaxPool2dCache) -> Array:
    height, width = cache.x_shape[-2:]
    dout3 = np.ascontiguousarray(dout).reshape(cache.argmax.shape)
    kernel = pool.max_pool_2x2_bwd if cache.blocks else pool.max_pool_bwd
    return kernel(dout3, cache.argmax, height, width).reshape(cache.x_shape)


def max_pool2d_forward(x: Array, *, kernel_size: Any, stride: Any = None, padding: Any = 0,
                       dilation: Any = 1, ceil_mode: bool = False
                       ) -> tuple[Array, MaxPool2dCache]:
    """out[n, c, oh, ow] = max over i, j of x_padded[n, c, oh*sH + i*dH, ow*sW + j*dW].

    The padding is -inf (it never wins); ties keep the first max in row-major window order and
    NaN wins, as in PyTorch. ``kernel_size``, ``stride`` (default: ``kernel_size``),
    ``padding`` and ``dilation`` are ints or (H, W) pairs.

    Shape: x (N, C, H, W) or (C, H, W) -> out (N, C, OH, OW) or (C, OH, OW), with
    OH = floor((H + 2*pH - dH*(kH - 1) - 1) / sH) + 1 (ceil in ``ceil_mode``), OW alike;
    cache.argmax (N*C, OH, OW) int64, flat index h*W + w of each window's max.

    Backward: dx is zero except dx.flat[argmax] += dout (the winner takes the whole gradient).
    """
    planes = _plane_shape("max_pool2d", x)[0]
    args = _pool_args("max_pool2d", kernel_size, stride, padding, dilation)
    rows, cols = _sliding_windows("max_pool2d", x, args, ceil_mode)
    return _max_pool(x, planes, rows, cols)


def max_pool2d_backward(dout: Array, cache: MaxPool2dCache) -> tuple[Array]:
    """Scatter-add each dout element into the input cell that was its window's max."""
    return (_max_unpool_grad(dout, cache),)


register_op("max_pool2d", max_pool2d_forward, max_pool2d_backward)


def adaptive_max_pool2d_forward(x: Array, *, output_size: Any
                                ) -> tuple[Array, MaxPool2dCache]:
    """out[n, c, oh, ow] = max of x[n, c, h0:h1, w0:w1], windows cut as evenly as possible.

    Window rows are h0 = floor(oh*H/OH) to h1 = ceil((oh+1)*H/OH) (exclusive), columns alike.
    ``output_size`` is an int or an (OH, OW) pair; a None entry keeps the input's size.
    Ties and NaN follow ``max_pool2d``.

    Shape: x (N, C, H, W) or (C, H, W) -> out (N, C, OH, OW) or (C, OH, OW);
    cache.argmax (N*C, OH, OW) int64, flat index h*W + w of each window's max.

    Backward: dx.flat[argmax] += dout, as for ``max_pool2d``.
    """
    planes = _plane_shape("adaptive_max_pool2d", x)[0]
    rows, cols = _adaptive_windows("adaptive_max_pool2d", x, output_size)
    return _max_pool(x, planes, rows, cols)


def adaptive_max_pool2d_backward(dout: Array, cache: MaxPool2dCache) -> tuple[Array]:
    """Scatter-add each dout element into the input cell that was its window's max."""
    return (_max_unpool_grad(dout, cache),)


register_op("adaptive_max_pool2d", adaptive_max_pool2d_forward, adaptive_max_pool2d_backward)


# ----------------------------------------------------------------------------- average pooling

class AvgPool2dCache(NamedTuple):
    """Cache of ``avg_pool2d``/``adaptive_avg_pool2d``: the windows and their divisors."""

    x_shape: tuple[int, ...]
    rows: Window  # in-image rows of each output row
    cols: Window  # in-image columns of each output column
    divisor: Array  # (OH, OW), x's dtype


def _avg_pool(x: Array, planes: int, rows: Window, cols: Window, divisor: Array
              ) -> tuple[Array, AvgPool2dCache]:
    divisor = divisor.astype(x.dtype, copy=False)
    out = pool.avg_pool_fwd(_planes(x, planes), rows.start, rows.length, cols.start,
                                       cols.length, divisor)
    return out.reshape(_out_shape(x, rows, cols)), AvgPool2dCache(x.shape, rows, cols, divisor)


def _avg_unpool_grad(dout: Array, cache: AvgPool2dCache) -> Array:
    rows, cols = cache.rows, cache.cols
    planes = int(np.prod(cache.x_shape[:-2]))
    dout3 = np.ascontiguousarray(dout).reshape(planes, rows.start.shape[0], cols.start.shape[0])
    height, width = cache.x_shape[-2:]
    dx = pool.avg_pool_bwd(dout3, rows.start, rows.length, cols.start, cols.length,
                                      cache.divisor.astype(dout3.dtype, copy=False), height,
                                      width)
    return dx.reshape(cache.x_shape)


def _avg_divisor(name: str, x: Array, args: PoolArgs, rows: Window, cols: Window,
                 count_include_pad: bool, divisor_override: Any) -> Array:
    """PyTorch's divisor of each window, an (OH, OW) array of x's dtype.

    The override if given; else the window's area counting the padding (but not the overhang
    past the padding that ceil_mode adds); else (count_include_pad=False) the in-image area.
    """
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override,
                                                                int | np.integer):
            raise TypeError(f"{name}: divisor_override must be an int or None, got "
                            f"{divisor_override!r}")
        if divisor_override == 0:
            raise RuntimeError(f"{name}: divisor_override must not be zero")
        return np.full((rows.start.shape[0], cols.start.shape[0]), divisor_override, x.dtype)
    if not count_include_pad:
        return np.multiply.outer(rows.length, cols.length).astype(x.dtype)
    padded = []
    for axis, window in enumerate((rows, cols)):
        start = np.arange(window.start.shape[0]) * args.stride[axis] - args.padding[axis]
        end = np.minimum(start + args.kernel[axis], x.shape[-2 + axis] + args.padding[axis])
        padded.append(end - start)
    return np.multiply.outer(padded[0], padded[1]).astype(x.dtype)


def avg_pool2d_forward(x: Array, *, kernel_size: Any, stride: Any = None, padding: Any = 0,
                       ceil_mode: bool = False, count_include_pad: bool = True,
                       divisor_override: int | None = None) -> tuple[Array, AvgPool2dCache]:
    """out[n, c, oh, ow] = sum of x_padded[n, c, oh*sH + i, ow*sW + j] over the window / divisor.

    The padding is zeros. The divisor is ``divisor_override`` if given, else the window's area
    including padding (``count_include_pad=True``; never counting the overhang ``ceil_mode``
    adds past the padding), else the number of input cells in the window.

    Shape: x (N, C, H, W) or (C, H, W) -> out (N, C, OH, OW) or (C, OH, OW), OH and OW as for
    ``max_pool2d`` with dilation 1; cache.rows/cols: per output row/column the first in-image
    index and the count (OH,)/(OW,) int64; cache.divisor (OH, OW).

    Backward: every input cell of a window gets dout / divisor (summed over its windows).
    """
    planes = _plane_shape("avg_pool2d", x)[0]
    args = _pool_args("avg_pool2d", kernel_size, stride, padding, 1)
    rows, cols = _sliding_windows("avg_pool2d", x, args, ceil_mode)
    divisor = _avg_divisor("avg_pool2d", x, args, rows, cols, count_include_pad,
                           divisor_override)
    return _avg_pool(x, planes, rows, cols, divisor)


def avg_pool2d_backward(dout: Array, cache: AvgPool2dCache) -> tuple[Array]:
    """Spread dout / divisor evenly over each window; overlapping windows add up."""
    return (_avg_unpool_grad(dout, cache),)


register_op("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward)


def adaptive_avg_pool2d_forward(x: Array, *, output_size: Any
                                ) -> tuple[Array, AvgPool2dCache]:
    """out[n, c, oh, ow] = mean of x[n, c, h0:h1, w0:w1], windows cut as evenly as possible.

    Window rows are h0 = floor(oh*H/OH) to h1 = ceil((oh+1)*H/OH) (exclusive), columns alike.
    ``output_size`` is an int or an (OH, OW) pair; a None entry keeps the input's size;
    ``output_size=1`` is global average pooling.

    Shape: x (N, C, H, W) or (C, H, W) -> out (N, C, OH, OW) or (C, OH, OW); cache as for
    ``avg_pool2d`` with divisor (h1 - h0) * (w1 - w0).

    Backward: every cell of a window gets dout / (window area), summed over its windows.
    """
    planes = _plane_shape("adaptive_avg_pool2d", x)[0]
    rows, cols = _adaptive_windows("adaptive_avg_pool2d", x, output_size)
    return _avg_pool(x, planes, rows, cols, np.multiply.outer(rows.length, cols.length))


def adaptive_avg_pool2d_backward(dout: Array, cache: AvgPool2dCache) -> tuple[Array]:
    """Spread dout / area evenly over each window; overlapping windows add up."""
    return (_avg_unpool_grad(dout, cache),)


register_op("adaptive_avg_pool2d", adaptive_avg_pool2d_forward, adaptive_avg_pool2d_backward)
