"""Pooling: the max or the mean of each window of every (H, W) plane, regular and adaptive.

The lesson, in plain numpy. Every output cell reads one window of its input plane. Gather the
taps of all windows at once with numpy indexing, ``planes[:, rows, cols]``, into an array
(planes, OH, OW, KH, KW) (``window_taps``), and pooling is one reduction over its last two
axes: ``max`` for max pooling, ``sum / divisor`` for average pooling.

The backward passes send each output's gradient back to the taps it read:

- a max sends it to the single input that won (``argmax``, saved by the forward: the first
  maximum in row-major window order, or the last NaN, as in PyTorch);
- a mean spreads it evenly, ``dout / divisor`` to every tap of the window.

Windows overlap when the stride is smaller than the kernel, so an input cell may receive
gradient from several outputs: ``np.add.at`` adds them all (a plain ``dx[idx] += g`` would
keep only one of them).

The windows themselves (which input rows and columns each output reads, for every stride,
padding, dilation, ``ceil_mode`` and adaptive size) and the checks of every argument are in
``pool_args.py``; both pairs use them. The fast pairs, registered beside these with
``fast=``, are in ``pool_fast.py``: Numba loops that walk each window without gathering it.
Autograd runs them; ``reference_ops()`` runs these functions instead.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import pool_fast as fast
from .pool_args import (
    Window,
    adaptive_window,
    adaptive_windows,
    avg_pool2d_windows,
    gather_argmax,
    max_pool2d_windows,
    pool_output_size,
    saved_argmax,
    saved_windows,
    sliding_window,
)
from .registry import register_op

Array = NDArray[Any]

__all__ = ["AvgPool2dCache", "MaxPool2dCache", "Window", "adaptive_avg_pool2d_backward",
           "adaptive_avg_pool2d_forward", "adaptive_max_pool2d_backward",
           "adaptive_max_pool2d_forward", "adaptive_window", "avg_pool2d_backward",
           "avg_pool2d_forward", "max_pool2d_backward", "max_pool2d_forward",
           "pool_output_size", "sliding_window", "window_taps"]


# ----------------------------------------------------------------------------- max pooling

class MaxPool2dCache(NamedTuple):
    """Cache of ``max_pool2d``/``adaptive_max_pool2d``: where each window's max was."""

    x_shape: tuple[int, ...]
    argmax: Array  # (N*C, OH, OW) int64: flat index h*W + w of the max in its plane, -1: none


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
    rows, cols = max_pool2d_windows(x, kernel_size, stride, padding, dilation, ceil_mode)
    return _window_max(x, rows, cols)


def max_pool2d_backward(dout: Array, cache: MaxPool2dCache) -> tuple[Array]:
    """Scatter-add each dout element into the input cell that was its window's max."""
    return (_to_argmax(dout, cache),)


def max_pool2d_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = max_pool2d_scatter(dout) at the argmax the forward saved
    (the same for ``adaptive_max_pool2d``)."""
    argmax, x_shape = ctx.cache.argmax, ctx.cache.x_shape
    return (ctx.apply("max_pool2d_scatter", dout, argmax=argmax, x_shape=x_shape),)


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
    rows, cols = adaptive_windows("adaptive_max_pool2d", x, output_size)
    return _window_max(x, rows, cols)


def adaptive_max_pool2d_backward(dout: Array, cache: MaxPool2dCache) -> tuple[Array]:
    """Scatter-add each dout element into the input cell that was its window's max."""
    return (_to_argmax(dout, cache),)


def _window_max(x: Array, rows: Window, cols: Window) -> tuple[Array, MaxPool2dCache]:
    """The max of every window and the flat index of the tap that won it."""
    # one axis of K = KH*KW taps per window, in row-major window order
    taps, index, real = (a.reshape(*a.shape[:-2], a.shape[-2] * a.shape[-1])
                         for a in window_taps(x, rows, cols))
    out = taps.max(axis=-1, where=real, initial=-np.inf)  # (P, OH, OW)
    # the winner: the first tap equal to the max or, if the window holds NaN, the last NaN
    nan = np.isnan(taps) & real
    has_nan: Any = nan.any(axis=-1, keepdims=True)
    wins = np.where(has_nan, nan, real & (taps == out[..., None]))
    first = wins.argmax(axis=-1, keepdims=True)
    last = wins.shape[-1] - 1 - wins[..., ::-1].argmax(axis=-1, keepdims=True)
    tap = np.where(has_nan, last, first)
    where = np.take_along_axis(np.broadcast_to(index, taps.shape), tap, axis=-1)[..., 0]
    argmax = np.where(wins.any(axis=-1), where, -1)  # -1: no tap inside the image
    out_shape = x.shape[:-2] + out.shape[1:]
    return out.reshape(out_shape), MaxPool2dCache(x.shape, argmax.astype(np.int64))


def _to_argmax(dout: Array, cache: MaxPool2dCache) -> Array:
    """dx with dx[p].flat[argmax[p, oh, ow]] += dout[p, oh, ow] for every window that won."""
    planes, (height, width) = cache.argmax.shape[0], cache.x_shape[-2:]
    dx = np.zeros((planes, height * width), dtype=dout.dtype)
    won = cache.argmax >= 0  # -1: a window with no tap inside the image sends nothing
    plane = np.broadcast_to(np.arange(planes)[:, None, None], cache.argmax.shape)
    np.add.at(dx, (plane[won], cache.argmax[won]), dout.reshape(cache.argmax.shape)[won])
    return dx.reshape(cache.x_shape)


register_op("max_pool2d", max_pool2d_forward, max_pool2d_backward,
            fast=(fast.max_pool2d_fast_forward, fast.max_pool2d_fast_backward),
            grad=max_pool2d_grad)
register_op("adaptive_max_pool2d", adaptive_max_pool2d_forward, adaptive_max_pool2d_backward,
            fast=(fast.adaptive_max_pool2d_fast_forward, fast.adaptive_max_pool2d_fast_backward),
            grad=max_pool2d_grad)


# ----------------------------------------------------------------------------- average pooling

class AvgPool2dCache(NamedTuple):
    """Cache of ``avg_pool2d``/``adaptive_avg_pool2d``: the windows and their divisors."""

    x_shape: tuple[int, ...]
    rows: Window  # in-image rows of each output row
    cols: Window  # in-image columns of each output column
    divisor: Array  # (OH, OW), x's dtype


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
    rows, cols, divisor = avg_pool2d_windows(x, kernel_size, stride, padding, ceil_mode,
                                             count_include_pad, divisor_override)
    return _window_mean(x, rows, cols, divisor)


def avg_pool2d_backward(dout: Array, cache: AvgPool2dCache) -> tuple[Array]:
    """Spread dout / divisor evenly over each window; overlapping windows add up."""
    return (_spread(dout, cache),)


def avg_pool2d_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = avg_pool2d_scatter(dout) over the forward's windows (the
    same for ``adaptive_avg_pool2d``)."""
    x_shape, rows, cols, divisor = ctx.cache
    return (ctx.apply("avg_pool2d_scatter", dout, x_shape=x_shape, rows=rows, cols=cols,
                      divisor=divisor),)


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
    rows, cols = adaptive_windows("adaptive_avg_pool2d", x, output_size)
    return _window_mean(x, rows, cols, np.multiply.outer(rows.length, cols.length))


def adaptive_avg_pool2d_backward(dout: Array, cache: AvgPool2dCache) -> tuple[Array]:
    """Spread dout / area evenly over each window; overlapping windows add up."""
    return (_spread(dout, cache),)


def _window_mean(x: Array, rows: Window, cols: Window, divisor: Array
                 ) -> tuple[Array, AvgPool2dCache]:
    """The sum of every window's taps inside the image, divided by the window's divisor."""
    divisor = divisor.astype(x.dtype, copy=False)
    taps, _, real = window_taps(x, rows, cols)
    out = taps.sum(axis=(-2, -1), where=real) / divisor  # (P, OH, OW)
    return out.reshape(x.shape[:-2] + out.shape[1:]), AvgPool2dCache(x.shape, rows, cols,
                                                                     divisor)


def _spread(dout: Array, cache: AvgPool2dCache) -> Array:
    """dx: every tap of window (oh, ow) gets dout[oh, ow] / divisor[oh, ow], added up."""
    (h, h_real), (w, w_real) = _axis_taps(cache.rows), _axis_taps(cache.cols)
    real = h_real[:, None, :, None] & w_real[None, :, None, :]  # (OH, OW, KH, KW)
    planes = math.prod(cache.x_shape[:-2])
    share = dout.reshape(planes, *cache.divisor.shape) / cache.divisor  # (P, OH, OW)
    dx = np.zeros((planes, *cache.x_shape[-2:]), dtype=dout.dtype)
    plane = np.arange(planes)[:, None, None, None, None]
    np.add.at(dx, (plane, h[:, None, :, None], w[None, :, None, :]),
              np.where(real, share[..., None, None], 0))
    return dx.reshape(cache.x_shape)


register_op("avg_pool2d", avg_pool2d_forward, avg_pool2d_backward,
            fast=(fast.avg_pool2d_fast_forward, fast.avg_pool2d_fast_backward),
            grad=avg_pool2d_grad)
register_op("adaptive_avg_pool2d", adaptive_avg_pool2d_forward, adaptive_avg_pool2d_backward,
            fast=(fast.adaptive_avg_pool2d_fast_forward, fast.adaptive_avg_pool2d_fast_backward),
            grad=avg_pool2d_grad)


# ----------------------------------------------------------------------------- backwards as ops
# To differentiate a pooling's gradient again (create_graph=True), its backward must itself be
# an op. Both backwards are linear maps fixed by the forward (the argmax; the windows), so each
# is a pair of adjoint ops: a scatter (the backward) and a gather (the scatter's backward; for
# a fixed argmax or fixed windows it is the pooling itself). Each one's gradient is the other.

def max_pool2d_scatter_forward(dout: Array, *, argmax: Array, x_shape: Any
                               ) -> tuple[Array, MaxPool2dCache]:
    """max_pool2d's backward as an op: dx[p].flat[argmax[p, oh, ow]] += dout[p, oh, ow].

    Shape: dout (*, OH, OW), argmax (P, OH, OW) int64 with P = prod(*) (-1: nothing) ->
    dx ``x_shape`` = (*, H, W).

    Backward: d dout = ddx[p].flat[argmax] (``max_pool2d_gather``: a scatter's adjoint reads
    the same places).
    """
    cache = MaxPool2dCache(*saved_argmax("max_pool2d_scatter", argmax, x_shape, dout.shape))
    return _to_argmax(dout, cache), cache


def max_pool2d_scatter_backward(dout: Array, cache: MaxPool2dCache) -> tuple[Array]:
    """Gather dout at the argmax: each scattered value's gradient is where it landed."""
    return (gather_argmax(dout, cache.argmax),)


def max_pool2d_scatter_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: max_pool2d_gather of dout at the same argmax."""
    return (ctx.apply("max_pool2d_gather", dout, argmax=ctx.static["argmax"]),)


def max_pool2d_gather_forward(x: Array, *, argmax: Array) -> tuple[Array, MaxPool2dCache]:
    """out[p, oh, ow] = x[p].flat[argmax[p, oh, ow]] (0 where argmax is -1): max pooling with
    the winners fixed.

    Shape: x (*, H, W), argmax (P, OH, OW) int64 with P = prod(*) -> out (*, OH, OW).

    Backward: dx = max_pool2d_scatter(dout), the adjoint.
    """
    small = x.shape[:-2] + np.shape(argmax)[1:]
    cache = MaxPool2dCache(*saved_argmax("max_pool2d_gather", argmax, x.shape, small))
    return gather_argmax(x, cache.argmax), cache


def max_pool2d_gather_backward(dout: Array, cache: MaxPool2dCache) -> tuple[Array]:
    """Scatter-add dout back to the cells read."""
    return (_to_argmax(dout, cache),)


def max_pool2d_gather_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: max_pool2d_scatter of dout at the same argmax."""
    return (ctx.apply("max_pool2d_scatter", dout, argmax=ctx.static["argmax"],
                      x_shape=tuple(ctx.inputs[0].shape)),)


register_op("max_pool2d_scatter", max_pool2d_scatter_forward, max_pool2d_scatter_backward,
            fast=(fast.max_pool2d_scatter_fast_forward, fast.max_pool2d_scatter_fast_backward),
            grad=max_pool2d_scatter_grad)
register_op("max_pool2d_gather", max_pool2d_gather_forward, max_pool2d_gather_backward,
            grad=max_pool2d_gather_grad)


def avg_pool2d_scatter_forward(dout: Array, *, x_shape: Any, rows: Window, cols: Window,
                               divisor: Array) -> tuple[Array, AvgPool2dCache]:
    """avg_pool2d's backward as an op: every cell of window (oh, ow) gets
    dout[oh, ow] / divisor[oh, ow], overlapping windows adding up.

    ``rows``, ``cols`` and ``divisor`` are the windows of the pooling's cache (``pool_args``).

    Shape: dout (*, OH, OW) -> dx ``x_shape`` = (*, H, W).

    Backward: d dout = avg_pool2d_gather(ddx), the mean of each window (the adjoint).
    """
    x_shape, divisor = saved_windows("avg_pool2d_scatter", x_shape, rows, cols, divisor,
                                     dout.shape, dout.dtype)
    cache = AvgPool2dCache(x_shape, rows, cols, divisor)
    return _spread(dout, cache), cache


def avg_pool2d_scatter_backward(dout: Array, cache: AvgPool2dCache) -> tuple[Array]:
    """The adjoint of spreading: the sum of each window over its divisor."""
    return (_window_mean(dout, cache.rows, cache.cols, cache.divisor)[0],)


def avg_pool2d_scatter_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: avg_pool2d_gather of dout over the same windows."""
    s = ctx.static
    return (ctx.apply("avg_pool2d_gather", dout, rows=s["rows"], cols=s["cols"],
                      divisor=s["divisor"]),)


def avg_pool2d_gather_forward(x: Array, *, rows: Window, cols: Window, divisor: Array
                              ) -> tuple[Array, AvgPool2dCache]:
    """out[p, oh, ow] = sum of window (oh, ow) of x[p] / divisor[oh, ow]: average pooling over
    given windows (those of a pooling's cache).

    Shape: x (*, H, W) -> out (*, OH, OW).

    Backward: dx = avg_pool2d_scatter(dout), the adjoint.
    """
    small = x.shape[:-2] + (len(rows.start), len(cols.start))
    _, divisor = saved_windows("avg_pool2d_gather", x.shape, rows, cols, divisor, small,
                               x.dtype)
    return _window_mean(x, rows, cols, divisor)


def avg_pool2d_gather_backward(dout: Array, cache: AvgPool2dCache) -> tuple[Array]:
    """Spread dout / divisor over each window."""
    return (_spread(dout, cache),)


def avg_pool2d_gather_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: avg_pool2d_scatter of dout over the same windows."""
    s = ctx.static
    return (ctx.apply("avg_pool2d_scatter", dout, x_shape=tuple(ctx.inputs[0].shape),
                      rows=s["rows"], cols=s["cols"], divisor=s["divisor"]),)


register_op("avg_pool2d_scatter", avg_pool2d_scatter_forward, avg_pool2d_scatter_backward,
            fast=(fast.avg_pool2d_scatter_fast_forward, fast.avg_pool2d_scatter_fast_backward),
            grad=avg_pool2d_scatter_grad)
register_op("avg_pool2d_gather", avg_pool2d_gather_forward, avg_pool2d_gather_backward,
            grad=avg_pool2d_gather_grad)


# ----------------------------------------------------------------------------- window taps

def window_taps(x: Array, rows: Window, cols: Window) -> tuple[Array, Array, Array]:
    """The taps of every window, gathered with numpy indexing.

    Window (oh, ow) reads rows ``rows.start[oh] + i * rows.step`` for ``i < rows.length[oh]``
    and columns alike (``pool_args.py``); KH and KW are the longest window's tap counts, and
    a shorter window's missing taps are marked not ``real`` (their values are ignored).

    Shape: x (*, H, W) -> taps (P, OH, OW, KH, KW) with P = prod(*) planes; index
    (OH, OW, KH, KW) int64, the flat position h*W + w of each tap; real (OH, OW, KH, KW) bool.
    """
    (h, h_real), (w, w_real) = _axis_taps(rows), _axis_taps(cols)
    planes = x.reshape(math.prod(x.shape[:-2]), *x.shape[-2:])
    rows4, cols4 = h[:, None, :, None], w[None, :, None, :]  # broadcast to (OH, OW, KH, KW)
    taps = planes[:, rows4, cols4]
    index = np.broadcast_to(rows4 * x.shape[-1] + cols4, taps.shape[1:])
    real = h_real[:, None, :, None] & w_real[None, :, None, :]
    return taps, index, real


def _axis_taps(window: Window) -> tuple[Array, Array]:
    """Tap positions (O, K) along one axis (0 where a window has fewer than K taps) and
    which of them are real, K = the longest window's tap count (at least 1)."""
    k = max(1, int(window.length.max(initial=0)))
    i = np.arange(k)
    real = i < window.length[:, None]
    return np.where(real, window.start[:, None] + i * window.step, 0), real
