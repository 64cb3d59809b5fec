"""2-D convolution and transposed convolution: the readable pairs (the lesson).

A convolution is a matrix product in disguise. ``im2col`` copies every receptive field of the
input into one column of a matrix ``cols`` (C*KH*KW rows, one column per output position of
every sample); then each output channel is a dot product of its flattened filter with each
column: ``out = weight.reshape(F, -1) @ cols``. The backward is two more products,
``dweight = dout @ cols.T`` and ``dcols = weight.T @ dout``, and ``col2im`` adds ``dcols`` back
into the image positions each column came from (overlapping windows add up).

Here ``im2col`` is a strided view of the padded input (``np.lib.stride_tricks.
sliding_window_view``: every window without copying), sliced by stride and dilation and then
copied into columns; ``col2im`` loops over the KH*KW kernel taps and adds each tap's whole
plane of gradients at once. With ``groups`` the channels split into independent blocks: the
columns get a group axis and each group is its own product (one batched ``@``).

A transposed convolution runs the same three steps in the other order: its forward is the
conv's input-gradient computation (``weight.T @ x`` then col2im), and its backward is a conv.

The fast path, registered beside each pair (``fast=``), lives in ``conv_fast.py``: the same
sums with Numba copy loops chunked over the batch on the thread pool, and Winograd's algorithm
for 3x3 convs. Autograd runs it; ``reference_ops()`` runs these functions instead. The
arguments of both are checked by ``conv_args.py``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import conv_fast
from .conv_args import ConvGeometry, conv2d_args, conv_output_size, conv_transpose2d_args
from .registry import register_op

Array = NDArray[Any]
Pair = tuple[int, int]

__all__ = ["Conv2dCache", "ConvGeometry", "ConvTranspose2dCache", "col2im", "conv2d_backward",
           "conv2d_forward", "conv_output_size", "conv_transpose2d_backward",
           "conv_transpose2d_forward", "im2col"]


# ----------------------------------------------------------------------------- conv2d

class Conv2dCache(NamedTuple):
    """Cache of ``conv2d``: the input (not its columns, rebuilt by backward) and the filters."""

    x: Array  # (N, C, H, W), the input itself
    weight: Array  # (F, C/groups, KH, KW)
    has_bias: bool
    geometry: ConvGeometry


def conv2d_forward(x: Array, weight: Array, bias: Array, *, stride: Any = (1, 1),
                   padding: Any = (0, 0), dilation: Any = (1, 1), groups: int = 1
                   ) -> tuple[Array, Conv2dCache]:
    """out[n, f, y, z] = b[f] + sum_{c,i,j} weight[f, c, i, j] * x_pad[n, c, s*y + d*i, s*z + d*j].

    ``stride``, ``padding`` and ``dilation`` are ints or (h, w) pairs; with ``groups`` filter f
    sees only the channels of its group.

    Shape: x (N, C, H, W), weight (F, C/groups, KH, KW), bias (F,) or (0,) for none ->
    out (N, F, OH, OW) with OH = (H + 2*ph - dh*(KH-1) - 1) // sh + 1 (OW likewise).
    Cache: x, weight, whether there is a bias, the geometry.

    Backward: dx = col2im(weight.T @ dout), dweight = dout @ cols.T summed over N,
    dbias = dout summed over N, OH, OW.
    """
    geo, (oh, ow) = conv2d_args(x, weight, bias, stride, padding, dilation, groups)
    cols = im2col(x, weight.shape[2:], geo, (oh, ow))  # (N, G, C/G*KH*KW, OH*OW)
    filters = weight.reshape(geo.groups, weight.shape[0] // geo.groups, -1)  # (G, F/G, rows)
    out = (filters @ cols).reshape(x.shape[0], weight.shape[0], oh, ow)
    if bias.size:
        out += bias.reshape(1, -1, 1, 1)
    return out, Conv2dCache(x, weight, bias.size > 0, geo)


def conv2d_backward(dout: Array, cache: Conv2dCache) -> tuple[Array, Array, Array | None]:
    """dx by col2im of weight.T @ dout; dweight = dout @ cols.T; dbias = sum of dout."""
    x, weight, has_bias, geo = cache
    n, f, oh, ow = dout.shape
    dy = dout.reshape(n, geo.groups, f // geo.groups, oh * ow)  # (N, G, F/G, OH*OW)
    filters = weight.reshape(geo.groups, f // geo.groups, -1)  # (G, F/G, rows)
    dx = col2im(filters.transpose(0, 2, 1) @ dy, x.shape, weight.shape[2:], geo, (oh, ow))
    cols = im2col(x, weight.shape[2:], geo, (oh, ow))
    dweight = (dy @ cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight.shape)
    dbias = dout.sum(axis=(0, 2, 3)) if has_bias else None
    return dx, dweight, dbias


register_op("conv2d", conv2d_forward, conv2d_backward,
            fast=(conv_fast.conv2d_fast_forward, conv_fast.conv2d_fast_backward))


# ----------------------------------------------------------------------------- conv_transpose2d

class ConvTranspose2dCache(NamedTuple):
    """Cache of ``conv_transpose2d``: the input and the filters."""

    x: Array  # (N, Cin, H, W), the input itself
    weight: Array  # (Cin, Cout/groups, KH, KW)
    has_bias: bool
    geometry: ConvGeometry


def conv_transpose2d_forward(x: Array, weight: Array, bias: Array, *, stride: Any = (1, 1),
                             padding: Any = (0, 0), output_padding: Any = (0, 0),
                             dilation: Any = (1, 1), groups: int = 1
                             ) -> tuple[Array, ConvTranspose2dCache]:
    """The adjoint of conv2d: each input pixel stamps weight-scaled copies of the kernel.

    ``output_padding`` adds rows/columns at the bottom/right (smaller than stride or
    dilation); the other arguments are conv2d's, seen from the output's side.

    Shape: x (N, Cin, H, W), weight (Cin, Cout/groups, KH, KW), bias (Cout,) or (0,) ->
    out (N, Cout, OH, OW) with OH = (H-1)*sh - 2*ph + dh*(KH-1) + output_padding_h + 1.
    Cache: x, weight, whether there is a bias, the geometry.

    Backward: dx = conv2d(dout, weight) = weight @ cols(dout), dweight = x @ cols(dout).T
    summed over N, dbias = sum of dout.
    """
    geo, (oh, ow) = conv_transpose2d_args(x, weight, bias, stride, padding, output_padding,
                                          dilation, groups)
    n, cin, h, w = x.shape
    filters = weight.reshape(geo.groups, cin // geo.groups, -1)  # (G, Cin/G, rows)
    cols = filters.transpose(0, 2, 1) @ x.reshape(n, geo.groups, cin // geo.groups, h * w)
    out = col2im(cols, (n, weight.shape[1] * geo.groups, oh, ow), weight.shape[2:], geo,
                 (h, w))
    if bias.size:
        out += bias.reshape(1, -1, 1, 1)
    return out, ConvTranspose2dCache(x, weight, bias.size > 0, geo)


def conv_transpose2d_backward(dout: Array, cache: ConvTranspose2dCache
                              ) -> tuple[Array, Array, Array | None]:
    """A transposed convolution's input gradient is an ordinary convolution of dout."""
    x, weight, has_bias, geo = cache
    n, cin, h, w = x.shape
    filters = weight.reshape(geo.groups, cin // geo.groups, -1)  # (G, Cin/G, rows)
    cols = im2col(dout, weight.shape[2:], geo, (h, w))  # (N, G, rows, H*W)
    dx = (filters @ cols).reshape(x.shape)
    x_groups = x.reshape(n, geo.groups, cin // geo.groups, h * w)
    dweight = (x_groups @ cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight.shape)
    dbias = dout.sum(axis=(0, 2, 3)) if has_bias else None
    return dx, dweight, dbias


register_op("conv_transpose2d", conv_transpose2d_forward, conv_transpose2d_backward,
            fast=(conv_fast.conv_transpose2d_fast_forward,
                  conv_fast.conv_transpose2d_fast_backward))


# ----------------------------------------------------------------------------- im2col, col2im

def im2col(image: Array, kernel: tuple[int, ...], geo: ConvGeometry, out_hw: Pair) -> Array:
    """Every receptive field of ``image`` as a column, grouped.

    Row (c, i, j) of a column is image_pad[n, c, s*y + d*i, s*z + d*j] for output (y, z);
    ``out_hw`` = (OH, OW) windows are taken from the top left.

    Shape: image (N, C, H, W) -> cols (N, G, C/G*KH*KW, OH*OW), a new array.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, geo.stride, geo.padding, geo.dilation
    n, c = image.shape[:2]
    padded = np.pad(image, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)  # the dilated kernel's height and width
    windows = np.lib.stride_tricks.sliding_window_view(padded, span, axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :out_hw[0], :out_hw[1]]
    cols = windows.transpose(0, 1, 4, 5, 2, 3)  # (N, C, KH, KW, OH, OW), still a view
    return cols.reshape(n, geo.groups, c // geo.groups * kh * kw, out_hw[0] * out_hw[1])


def col2im(cols: Array, image_shape: tuple[int, ...], kernel: tuple[int, ...],
           geo: ConvGeometry, out_hw: Pair) -> Array:
    """The adjoint of ``im2col``: add every column entry to the image cell it came from.

    Shape: cols (N, G, C/G*KH*KW, OH*OW) -> image (N, C, H, W) = ``image_shape``.
    """
    n, c, h, w = image_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, geo.stride, geo.padding, geo.dilation
    (oh, ow) = out_hw
    taps = cols.reshape(n, c, kh, kw, oh, ow)
    padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):  # tap (i, j) of every window: one strided plane of the image
        for j in range(kw):
            padded[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                   j * dw:j * dw + sw * (ow - 1) + 1:sw] += taps[:, :, i, j]
    return np.ascontiguousarray(padded[:, :, ph:ph + h, pw:pw + w])
