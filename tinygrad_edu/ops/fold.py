"""``unfold`` (im2col) and ``fold`` (col2im): the convolution's lesson as two ops of their own.

``unfold`` cuts every sliding ``kernel_size`` window of an (N, C, H, W) image into a column:
column ``l`` (the l-th window, row-major over the output positions) holds the C*KH*KW values
of that window, channel first, then kernel row, then kernel column. A convolution is then one
matrix product, ``out = weight.reshape(F, -1) @ unfold(x)`` (see ``ops/conv.py``).

``fold`` is its adjoint (its transpose as a linear map): it adds every column entry back into
the image cell it came from; where windows overlap the entries add up. So the two ops are each
other's gradient:

- d unfold: ``dx = fold(dcols)`` (every copy of a pixel sends its gradient back to it);
- d fold: ``dcols = unfold(dimage)`` (each column entry was added to one pixel, so it receives
  that pixel's gradient).

``fold(unfold(x))`` is not ``x``: each pixel comes back multiplied by the number of windows
that cover it. Both ops reuse ``im2col`` / ``col2im`` of ``ops/conv.py`` with one group.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..checks import DtypeRule
from .conv import col2im, im2col
from .conv_args import ConvGeometry, conv_output_size, conv_pair
from .registry import register_op

Array = NDArray[Any]
Pair = tuple[int, int]

__all__ = ["fold_backward", "fold_forward", "unfold_backward", "unfold_forward"]


class FoldCache(NamedTuple):
    """What either op's backward needs: the image shape and the window geometry."""

    image_shape: tuple[int, int, int, int]  # (N, C, H, W)
    kernel: Pair
    geometry: ConvGeometry
    out_hw: Pair  # the number of windows along H and W


def _geometry(name: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any
              ) -> tuple[Pair, ConvGeometry]:
    kernel = conv_pair(kernel_size, name, "kernel_size")
    geo = ConvGeometry(conv_pair(stride, name, "stride"), conv_pair(padding, name, "padding"),
                       conv_pair(dilation, name, "dilation"), 1)
    return kernel, geo


def _windows(name: str, hw: Pair, kernel: Pair, geo: ConvGeometry) -> Pair:
    """The number of windows along H and W; an error when a window does not fit."""
    out = tuple(conv_output_size(s, k, st, p, d) for s, k, st, p, d in
                zip(hw, kernel, geo.stride, geo.padding, geo.dilation, strict=True))
    if min(out) < 1:
        raise RuntimeError(f"{name}: the kernel {kernel} (dilation {geo.dilation}) does not fit "
                           f"the padded input of size {hw} with padding {geo.padding}: got "
                           f"{out[0]} x {out[1]} windows, expected at least one")
    return out  # type: ignore[return-value]


def unfold_forward(x: Array, *, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                   stride: Any = 1) -> tuple[Array, FoldCache]:
    """cols[n, (c, i, j), (y, z)] = x_pad[n, c, s*y + d*i, s*z + d*j].

    Shape: x (N, C, H, W) -> cols (N, C*KH*KW, L), L = OH*OW windows.
    """
    if x.ndim != 4:
        raise RuntimeError(f"unfold: expected a 4D (N, C, H, W) input, got shape {x.shape}")
    kernel, geo = _geometry("unfold", kernel_size, dilation, padding, stride)
    out_hw = _windows("unfold", x.shape[2:], kernel, geo)
    cols = im2col(x, kernel, geo, out_hw)  # (N, 1, C*KH*KW, L)
    n, c, h, w = x.shape
    return cols[:, 0].copy(), FoldCache((n, c, h, w), kernel, geo, out_hw)


def unfold_backward(dout: Array, cache: FoldCache) -> tuple[Array]:
    """dx = fold(dcols): every copy of a pixel adds its gradient back to that pixel."""
    return (col2im(dout[:, None], cache.image_shape, cache.kernel, cache.geometry,
                   cache.out_hw),)


def unfold_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = fold(dcols) onto x's (H, W)."""
    return (ctx.apply("fold", dout, output_size=tuple(ctx.inputs[0].shape[2:]),
                      **_window_args(ctx.static)),)


def fold_forward(cols: Array, *, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1) -> tuple[Array, FoldCache]:
    """image[n, c, s*y + d*i - p, s*z + d*j - p] += cols[n, (c, i, j), (y, z)].

    Shape: cols (N, C*KH*KW, L) -> image (N, C, H, W), (H, W) = ``output_size``; L must be the
    number of windows that fit (H, W).
    """
    if cols.ndim != 3:
        raise RuntimeError(f"fold: expected a 3D (N, C*KH*KW, L) input, got shape {cols.shape}")
    kernel, geo = _geometry("fold", kernel_size, dilation, padding, stride)
    hw = conv_pair(output_size, "fold", "kernel_size")  # sizes must be positive too
    n, rows, length = cols.shape
    taps = kernel[0] * kernel[1]
    if rows % taps:
        raise RuntimeError(f"fold: expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={rows} and "
                           f"kernel_size={kernel}")
    out_hw = _windows("fold", hw, kernel, geo)
    if out_hw[0] * out_hw[1] != length:
        raise RuntimeError(f"fold: given output_size={hw}, kernel_size={kernel}, "
                           f"dilation={geo.dilation}, padding={geo.padding}, "
                           f"stride={geo.stride}, expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks "
                           f"{out_hw[0]} * {out_hw[1]} = {out_hw[0] * out_hw[1]}, but got "
                           f"input.size(2)={length}.")
    shape = (n, rows // taps, hw[0], hw[1])
    image = col2im(np.ascontiguousarray(cols)[:, None], shape, kernel, geo, out_hw)
    return image, FoldCache(shape, kernel, geo, out_hw)


def fold_backward(dout: Array, cache: FoldCache) -> tuple[Array]:
    """dcols = unfold(dimage): each column entry receives the gradient of its pixel."""
    cols = im2col(dout, cache.kernel, cache.geometry, cache.out_hw)
    return (cols[:, 0].copy(),)


def fold_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dcols = unfold(dimage)."""
    return (ctx.apply("unfold", dout, **_window_args(ctx.static)),)


def _window_args(static: dict[str, Any]) -> dict[str, Any]:
    """The window arguments both ops share (``output_size`` is fold's alone)."""
    return {k: static[k] for k in ("kernel_size", "dilation", "padding", "stride")
            if k in static}


register_op("unfold", unfold_forward, unfold_backward, grad=unfold_grad,
            dtypes=DtypeRule("fb", NotImplementedError, "a floating point or bool"))
register_op("fold", fold_forward, fold_backward, grad=fold_grad)
