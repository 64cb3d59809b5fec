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
from .conv_args import (
    ConvGeometry,
    conv2d_args,
    conv2d_weight_args,
    conv_output_size,
    conv_pair,
    conv_transpose2d_args,
    transposed_output_size,
)
from .registry import register_op

Array = NDArray[Any]
Pair = tuple[int, int]

__all__ = ["Conv2dCache", "Conv2dWeightCache", "ConvGeometry", "ConvTranspose2dCache", "col2im",
           "conv2d_backward", "conv2d_forward", "conv2d_grad", "conv2d_weight_backward",
           "conv2d_weight_forward", "conv2d_weight_grad", "conv_output_size",
           "conv_transpose2d_backward", "conv_transpose2d_forward", "conv_transpose2d_grad",
           "im2col"]


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


def conv2d_grad(ctx: Any, dout: Any) -> tuple[Any, Any, Any]:
    """Differentiable backward: dx = conv_transpose2d(dout, weight) (the conv's adjoint in x),
    dweight = conv2d_weight(x, dout), dbias = dout summed over N, OH, OW."""
    x, weight, _ = ctx.inputs
    geo = _geometry(ctx.static)
    dx = dweight = dbias = None
    if ctx.needs[0]:
        dx = _input_grad(ctx, dout, weight, tuple(x.shape[2:]), geo)
    if ctx.needs[1]:
        dweight = ctx.apply("conv2d_weight", x, dout, kernel_size=tuple(weight.shape[2:]), **geo)
    if ctx.needs[2]:
        dbias = dout.sum(dim=(0, 2, 3))
    return dx, dweight, dbias


register_op("conv2d", conv2d_forward, conv2d_backward,
            fast=(conv_fast.conv2d_fast_forward, conv_fast.conv2d_fast_backward),
            grad=conv2d_grad)


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


def conv_transpose2d_grad(ctx: Any, dout: Any) -> tuple[Any, Any, Any]:
    """Differentiable backward: dx = conv2d(dout, weight), dweight = conv2d_weight(dout, x),
    dbias = dout summed over N, OH, OW.

    With output_padding, dout may hold more windows than x has pixels (H' > H): dx keeps the
    first H x W of them, and x is padded with zeros to H' x W' for the weight gradient.
    """
    x, weight, _ = ctx.inputs
    geo = _geometry(ctx.static)
    (h, w), kernel = tuple(x.shape[2:]), tuple(weight.shape[2:])
    full = tuple(conv_output_size(o, k, s, p, d) for o, k, s, p, d in zip(
        dout.shape[2:], kernel, geo["stride"], geo["padding"], geo["dilation"], strict=True))
    dx = dweight = dbias = None
    if ctx.needs[0]:
        dx = ctx.apply("conv2d", dout, weight, _no_bias(ctx, dout), **geo)
        if full != (h, w):
            dx = dx[:, :, :h, :w]
    if ctx.needs[1]:
        if full != (h, w):
            x = ctx.apply("pad", x, pad_width=((0, 0), (0, 0), (0, full[0] - h),
                                               (0, full[1] - w)))
        dweight = ctx.apply("conv2d_weight", dout, x, kernel_size=kernel, **geo)
    if ctx.needs[2]:
        dbias = dout.sum(dim=(0, 2, 3))
    return dx, dweight, dbias


register_op("conv_transpose2d", conv_transpose2d_forward, conv_transpose2d_backward,
            fast=(conv_fast.conv_transpose2d_fast_forward,
                  conv_fast.conv_transpose2d_fast_backward),
            grad=conv_transpose2d_grad)


# ----------------------------------------------------------------------------- conv2d_weight

class Conv2dWeightCache(NamedTuple):
    """Cache of ``conv2d_weight``: both inputs and the geometry."""

    x: Array  # (N, C, H, W), the conv's input
    dy: Array  # (N, F, OH, OW), the gradient of the conv's output
    kernel: Pair
    geometry: ConvGeometry


def conv2d_weight_forward(x: Array, dy: Array, *, kernel_size: Any, stride: Any = (1, 1),
                          padding: Any = (0, 0), dilation: Any = (1, 1), groups: int = 1
                          ) -> tuple[Array, Conv2dWeightCache]:
    """conv2d's weight gradient as an op of its own (``torch.nn.grad.conv2d_weight``):
    dweight[f, c, i, j] = sum_{n,y,z} dy[n, f, y, z] * x_pad[n, c, s*y + d*i, s*z + d*j].

    It is what ``conv2d_backward`` computes for dweight, ``dy @ cols.T`` summed over the batch;
    as an op it can be differentiated again. It is bilinear in x and dy, so each input's
    gradient is the other input combined with dout (a weight-shaped gradient): for x, the
    conv's input gradient with weight dout; for dy, the conv of x with weight dout.

    Shape: x (N, C, H, W), dy (N, F, OH, OW) (the output shape of the conv) ->
    dweight (F, C/groups, KH, KW), (KH, KW) = ``kernel_size``.
    Cache: x, dy, the kernel size and the geometry.

    Backward: dx = col2im(dout.T @ dy) (= conv_transpose2d(dy, dout)),
    ddy = dout @ cols(x) (= conv2d(x, dout)).
    """
    geo, kernel = conv2d_weight_args(x, dy, kernel_size, stride, padding, dilation, groups)
    n, f, oh, ow = dy.shape
    cols = im2col(x, kernel, geo, (oh, ow))  # (N, G, C/G*KH*KW, OH*OW)
    dy_groups = dy.reshape(n, geo.groups, f // geo.groups, oh * ow)
    dweight = (dy_groups @ cols.transpose(0, 1, 3, 2)).sum(axis=0)
    shape = (f, x.shape[1] // geo.groups, *kernel)
    return dweight.reshape(shape), Conv2dWeightCache(x, dy, kernel, geo)


def conv2d_weight_backward(dout: Array, cache: Conv2dWeightCache) -> tuple[Array, Array]:
    """dx: col2im of dout.T @ dy (conv2d's input gradient); ddy: dout @ cols(x) (a conv)."""
    x, dy, kernel, geo = cache
    n, f, oh, ow = dy.shape
    filters = dout.reshape(geo.groups, f // geo.groups, -1)  # (G, F/G, rows)
    dy_groups = dy.reshape(n, geo.groups, f // geo.groups, oh * ow)
    dx = col2im(filters.transpose(0, 2, 1) @ dy_groups, x.shape, kernel, geo, (oh, ow))
    ddy = (filters @ im2col(x, kernel, geo, (oh, ow))).reshape(dy.shape)
    return dx, ddy


def conv2d_weight_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = conv_transpose2d(dy, dout), ddy = conv2d(x, dout)."""
    x, dy = ctx.inputs
    geo = _geometry(ctx.static)
    dx = ddy = None
    if ctx.needs[0]:
        dx = _input_grad(ctx, dy, dout, tuple(x.shape[2:]), geo)
    if ctx.needs[1]:
        ddy = ctx.apply("conv2d", x, dout, _no_bias(ctx, x), **geo)
    return dx, ddy


register_op("conv2d_weight", conv2d_weight_forward, conv2d_weight_backward,
            fast=(conv_fast.conv2d_weight_fast_forward, conv_fast.conv2d_weight_fast_backward),
            grad=conv2d_weight_grad)


# ----------------------------------------------------------------------------- helpers of the grads

def _geometry(static: dict[str, Any]) -> dict[str, Any]:
    """stride, padding, dilation and groups of a conv op's static arguments, as pairs."""
    return {arg: conv_pair(static.get(arg, default), "conv2d", arg) for arg, default in
            (("stride", 1), ("padding", 0), ("dilation", 1))} | {
        "groups": int(static.get("groups", 1))}


def _no_bias(ctx: Any, like: Any) -> Any:
    return ctx.const(np.empty(0, dtype=like.numpy(force=True).dtype))


def _input_grad(ctx: Any, dy: Any, weight: Any, size: Pair, geo: dict[str, Any]) -> Any:
    """x's gradient of conv2d(x, weight) for the output gradient dy: conv_transpose2d(dy,
    weight), with the output_padding (less than the stride) that brings it to x's size: the
    last rows and columns no window reached (the stride did not divide the padded input)
    get zero."""
    extra = tuple(n - transposed_output_size(o, k, s, p, 0, d) for n, o, k, s, p, d in zip(
        size, dy.shape[2:], weight.shape[2:], geo["stride"], geo["padding"], geo["dilation"],
        strict=True))
    return ctx.apply("conv_transpose2d", dy, weight, _no_bias(ctx, dy), output_padding=extra,
                     **geo)


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
