"""The arguments of the pooling ops, checked once, and the windows they describe.

Both pairs of every pooling op, the readable one (``pool.py``) and the fast one
(``pool_fast.py``), start their forward with ``max_pool2d_windows``, ``avg_pool2d_windows`` or
``adaptive_windows``: the input and every argument are checked here, with PyTorch's exception
types and a message naming the op, and turned into the windows both pairs read. So
``max_pool2d_forward`` called on numpy arrays gives the same errors as
``nn.functional.max_pool2d`` on Tensors, whichever pair runs.

The windows are described one axis at a time: output row ``oh`` reads the input rows
``start[oh] + i * step`` for ``i < length[oh]``, only rows inside the image (padding is -inf
for a max and 0 for a sum, so it never wins a max or adds to a sum; only the average's divisor
may count it). Regular pooling slides a ``kernel_size`` window (taps ``dilation`` apart) by
``stride`` over the padded input; adaptive pooling cuts the input into ``output_size`` nearly
equal, possibly overlapping windows (``start = floor(o * H / OH)``,
``end = ceil((o + 1) * H / OH)``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..checks import pair

Array = NDArray[Any]
Pair = tuple[int, int]

__all__ = ["PoolArgs", "Window", "adaptive_window", "adaptive_windows", "avg_pool2d_windows",
           "gather_argmax", "max_pool2d_windows", "pool_output_size", "saved_argmax",
           "saved_windows", "sliding_window"]


class Window(NamedTuple):
    """Windows along one axis: first in-image index, number of in-image taps, and the step."""

    start: Array  # (O,) int64
    length: Array  # (O,) int64
    step: int


class PoolArgs(NamedTuple):
    """Regular pooling's hyper-parameters as (H, W) pairs."""

    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair


def max_pool2d_windows(x: Array, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                       ceil_mode: bool) -> tuple[Window, Window]:
    """Check ``max_pool2d``'s input and arguments; its row and column windows."""
    _check_input("max_pool2d", x)
    args = _pool_args("max_pool2d", kernel_size, stride, padding, dilation)
    return _sliding_windows("max_pool2d", x, args, ceil_mode)


def avg_pool2d_windows(x: Array, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                       count_include_pad: bool, divisor_override: Any
                       ) -> tuple[Window, Window, Array]:
    """Check ``avg_pool2d``'s input and arguments; its windows and divisors (OH, OW)."""
    _check_input("avg_pool2d", x)
    args = _pool_args("avg_pool2d", kernel_size, stride, padding, 1)
    rows, cols = _sliding_windows("avg_pool2d", x, args, ceil_mode)
    return rows, cols, _avg_divisor("avg_pool2d", x, args, rows, cols, count_include_pad,
                                    divisor_override)


def adaptive_windows(name: str, x: Array, output_size: Any) -> tuple[Window, Window]:
    """Check an adaptive pooling's input and ``output_size`` (an int or a pair, None entries
    keep the input's size); its row and column windows."""
    _check_input(name, x)
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


# ----------------------------------------------------------------------------- windows

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


# ----------------------------------------------------------------------------- checks

def _check_input(name: str, x: Any) -> None:
    """The input's type, rank, sizes and dtype."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name}: expected the input as a numpy array, got "
                        f"{type(x).__name__}")
    shape = x.shape
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got "
                           f"shape {shape}")
    if 0 in shape[-3:]:
        raise RuntimeError(f"{name}: expected non-empty C, H and W (only the batch size N may "
                           f"be 0), got input shape {shape}")
    if x.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"{name}: not implemented for dtype {x.dtype} (input shape "
                           f"{shape}); pooling needs float32 or float64 input, convert it with "
                           ".float()")


def _pool_args(name: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any
               ) -> PoolArgs:
    """Normalise to pairs (stride None or empty: the kernel size) and check PyTorch's rules."""
    kernel = pair(kernel_size, name, "kernel_size")
    no_stride = stride is None or (isinstance(stride, list | tuple) and len(stride) == 0)
    step = kernel if no_stride else pair(stride, name, "stride")
    pad, dil = pair(padding, name, "padding"), pair(dilation, name, "dilation")
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


# ----------------------------------------------------------------------------- saved windows
# max_pool2d_scatter/gather and avg_pool2d_scatter/gather (``pool.py``) take
# the argmax or the windows a pooling saved; both pairs check them here.

def saved_argmax(name: str, argmax: Any, x_shape: Any, small: tuple[int, ...]
                 ) -> tuple[tuple[int, ...], Array]:
    """Check that ``argmax`` (P, OH, OW) indexes the planes of ``x_shape`` (*, H, W) and
    matches the pooled shape ``small`` = (*, OH, OW); return x_shape and argmax as int64."""
    x_shape, argmax = tuple(int(n) for n in x_shape), np.asarray(argmax)
    planes = int(np.prod(x_shape[:-2])) if len(x_shape) >= 3 else -1
    if (argmax.dtype.kind not in "iu" or argmax.ndim != 3 or argmax.shape[0] != planes
            or small != x_shape[:-2] + argmax.shape[1:]):
        raise RuntimeError(f"{name}: expected an integer argmax of shape (P, OH, OW) = "
                           f"({planes}, {', '.join(map(str, small[-2:]))}) for an input of "
                           f"shape {x_shape} and pooled shape {small}, got {argmax.dtype} "
                           f"argmax of shape {argmax.shape}")
    size = x_shape[-1] * x_shape[-2]
    if argmax.size and (argmax.min() < -1 or argmax.max() >= size):
        raise RuntimeError(f"{name}: argmax values must be -1 (none) or flat indices below "
                           f"H*W = {size}, got values from {argmax.min()} to {argmax.max()}")
    return x_shape, argmax.astype(np.int64, copy=False)


def gather_argmax(x: Array, argmax: Array) -> Array:
    """out[p, oh, ow] = x[p].flat[argmax[p, oh, ow]], 0 where argmax is -1: x (*, H, W) ->
    out (*, OH, OW)."""
    p, (oh, ow), (h, w) = argmax.shape[0], argmax.shape[1:], x.shape[-2:]
    index = argmax.reshape(p, oh * ow)
    out = np.take_along_axis(x.reshape(p, h * w), np.maximum(index, 0), axis=1)
    out = np.where(index >= 0, out, 0).astype(x.dtype, copy=False)
    return out.reshape(x.shape[:-2] + argmax.shape[1:])


def saved_windows(name: str, x_shape: Any, rows: Window, cols: Window, divisor: Any,
                  small: tuple[int, ...], dtype: Any) -> tuple[tuple[int, ...], Array]:
    """Check that the windows fit ``x_shape`` and give the pooled shape ``small``; return
    x_shape and the divisor in ``dtype``."""
    x_shape, divisor = tuple(int(n) for n in x_shape), np.asarray(divisor)
    oh, ow = len(rows.start), len(cols.start)
    fits = len(x_shape) >= 3 and all(
        int((w.start + (w.length - 1) * w.step).max(initial=0)) < n
        for w, n in ((rows, x_shape[-2]), (cols, x_shape[-1])))
    if not fits or small != x_shape[:-2] + (oh, ow) or divisor.shape != (oh, ow):
        raise RuntimeError(f"{name}: windows for a ({oh}, {ow}) output (divisor of shape "
                           f"{divisor.shape}) do not match the input of shape {x_shape} and "
                           f"the pooled one of shape {small}")
    return x_shape, divisor.astype(dtype, copy=False)
