"""2-D convolution and transposed convolution as forward/backward pairs.

The lesson: a convolution is a matrix product in disguise. ``im2col`` copies every receptive
field of the input into one column of a matrix ``cols`` (C*KH*KW rows, one column per output
position of every sample); then each output channel is a dot product of its flattened filter
with each column: ``out = weight.reshape(F, -1) @ cols``. The backward is two more products,
``dweight = dout @ cols.T`` and ``dcols = weight.T @ dout``, and ``col2im`` adds ``dcols`` back
into the image positions each column came from (overlapping windows add up).

A transposed convolution runs the same three steps in the other order: its forward is the
conv's input-gradient computation (``weight.T @ x`` then col2im), and its backward is a conv.

With ``groups`` the channels split into independent blocks; each block is its own product.
Numba does the copying (``kernels.conv``), BLAS the products.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..autograd import needs_input_grad, register_op
from ..kernels import conv as kernels
from ..kernels.jit import ready

Array = NDArray[Any]
Pair = tuple[int, int]


class ConvGeometry(NamedTuple):
    """Hyper-parameters of a 2-D convolution, each a (height, width) pair."""

    stride: Pair
    padding: Pair
    dilation: Pair
    groups: int


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a convolution along one axis."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _im2col(x: Array, kh: int, kw: int, geo: ConvGeometry, oh: int, ow: int) -> Array:
    (sh, sw), (ph, pw), (dh, dw) = geo.stride, geo.padding, geo.dilation
    return ready(kernels.im2col)(np.ascontiguousarray(x), kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


def _col2im(cols: Array, shape: tuple[int, ...], kh: int, kw: int, geo: ConvGeometry, oh: int,
            ow: int) -> Array:
    (sh, sw), (ph, pw), (dh, dw) = geo.stride, geo.padding, geo.dilation
    n, c, h, w = shape
    return ready(kernels.col2im)(cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


def _grouped_matmul(a: Array, b: Array, groups: int, transpose_a: bool = False,
                    transpose_b: bool = False) -> Array:
    """Block-diagonal product: rows of a and rows of b split into ``groups`` blocks."""
    a_blocks, b_blocks = np.split(a, groups), np.split(b, groups)
    out = [(ab.T if transpose_a else ab) @ (bb.T if transpose_b else bb)
           for ab, bb in zip(a_blocks, b_blocks, strict=True)]
    return out[0] if groups == 1 else np.concatenate(out)


def _batch_major(y: Array, n: int, bias: Array, shape: tuple[int, ...]) -> Array:
    """(F, N*P) product result -> (N, F, ...) image batch, plus bias."""
    return ready(kernels.batch_major)(y, n, bias).reshape(shape)


def _channel_major(x: Array) -> Array:
    """(N, F, ...) -> (F, N*P), the layout the products use."""
    n, f = x.shape[:2]
    return ready(kernels.channel_major)(np.ascontiguousarray(x).reshape(n, f, -1))


class ConvCache(NamedTuple):
    """Cache of ``conv2d`` / ``conv_transpose2d``: inputs, geometry and sizes."""

    x: Array
    weight: Array
    has_bias: bool
    geometry: ConvGeometry
    out_hw: Pair


def conv2d_forward(x: Array, weight: Array, bias: Array, *, stride: Pair = (1, 1),
                   padding: Pair = (0, 0), dilation: Pair = (1, 1), groups: int = 1
                   ) -> tuple[Array, ConvCache]:
    """out[n, f, y, z] = b[f] + sum_{c,i,j} weight[f, c, i, j] * x_pad[n, c, s*y + d*i, s*z + d*j].

    Shape: x (N, C, H, W), weight (F, C/groups, KH, KW), bias (F,) or (0,) for none ->
    out (N, F, OH, OW) with OH = (H + 2*ph - dh*(KH-1) - 1) // sh + 1 (OW likewise).

    Backward: dweight = dout @ cols.T, dx = col2im(weight.T @ dout), dbias = dout summed over
    N, OH, OW.
    """
    geo = ConvGeometry(stride, padding, dilation, groups)
    n, _, h, w = x.shape
    f, _, kh, kw = weight.shape
    oh = conv_output_size(h, kh, stride[0], padding[0], dilation[0])
    ow = conv_output_size(w, kw, stride[1], padding[1], dilation[1])
    cols = _im2col(x, kh, kw, geo, oh, ow)
    y = _grouped_matmul(weight.reshape(f, -1), cols, groups)
    out = _batch_major(y, n, bias, (n, f, oh, ow))
    return out, ConvCache(x, weight, bias.size > 0, geo, (oh, ow))


def conv2d_backward(dout: Array, cache: ConvCache) -> tuple[Array | None, Array | None,
                                                           Array | None]:
    """Gradients of a convolution: two products with the column matrix, then col2im."""
    x, weight, has_bias, geo, (oh, ow) = cache
    f, _, kh, kw = weight.shape
    dout2 = _channel_major(dout)
    dx = dweight = dbias = None
    if needs_input_grad(0):
        dcols = _grouped_matmul(weight.reshape(f, -1), dout2, geo.groups, transpose_a=True)
        dx = _col2im(dcols, x.shape, kh, kw, geo, oh, ow)
    if needs_input_grad(1):
        cols = _im2col(x, kh, kw, geo, oh, ow)
        dweight = _grouped_matmul(dout2, cols, geo.groups, transpose_b=True).reshape(
            weight.shape)
    if has_bias and needs_input_grad(2):
        dbias = dout2.sum(axis=1)
    return dx, dweight, dbias


register_op("conv2d", conv2d_forward, conv2d_backward)


def conv_transpose2d_forward(x: Array, weight: Array, bias: Array, *, stride: Pair = (1, 1),
                             padding: Pair = (0, 0), output_padding: Pair = (0, 0),
                             dilation: Pair = (1, 1), groups: int = 1
                             ) -> tuple[Array, ConvCache]:
    """The adjoint of conv2d: each input pixel stamps weight-scaled copies of the kernel.

    Shape: x (N, Cin, H, W), weight (Cin, Cout/groups, KH, KW), bias (Cout,) or (0,) ->
    out (N, Cout, OH, OW) with OH = (H-1)*sh - 2*ph + dh*(KH-1) + output_padding_h + 1.

    Backward: dx = conv2d(dout, weight), dweight = x @ cols(dout).T, dbias = sum of dout.
    """
    geo = ConvGeometry(stride, padding, dilation, groups)
    n, _, h, w = x.shape
    cin, cout_g, kh, kw = weight.shape
    oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
    ow = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
    cout = cout_g * groups
    dcols = _grouped_matmul(weight.reshape(cin, -1), _channel_major(x), groups,
                            transpose_a=True)
    out = _col2im(dcols, (n, cout, oh, ow), kh, kw, geo, h, w)
    if bias.size:
        out += bias.reshape(1, -1, 1, 1)
    return out, ConvCache(x, weight, bias.size > 0, geo, (oh, ow))


def conv_transpose2d_backward(dout: Array, cache: ConvCache
                              ) -> tuple[Array | None, Array | None, Array | None]:
    """A transposed convolution's input gradient is an ordinary convolution of dout."""
    x, weight, has_bias, geo, _ = cache
    n, cin, h, w = x.shape
    kh, kw = weight.shape[2:]
    cols = _im2col(dout, kh, kw, geo, h, w)
    dx = dweight = dbias = None
    if needs_input_grad(0):
        y = _grouped_matmul(weight.reshape(cin, -1), cols, geo.groups)
        dx = _batch_major(y, n, np.empty(0, dtype=y.dtype), x.shape)
    if needs_input_grad(1):
        dweight = _grouped_matmul(_channel_major(x), cols, geo.groups, transpose_b=True
                                  ).reshape(weight.shape)
    if has_bias and needs_input_grad(2):
        dbias = dout.sum(axis=(0, 2, 3))
    return dx, dweight, dbias


register_op("conv_transpose2d", conv_transpose2d_forward, conv_transpose2d_backward)
