"""Convolution layers: ``conv2d`` / ``conv_transpose2d`` functions and their modules.

The functions check their arguments (ranks, channels, groups, sizes) and then call the
``conv2d`` / ``conv_transpose2d`` ops (``tinygrad_edu/ops/conv.py``), where the lesson lives.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..autograd import OPS, apply_op
from ..ops.conv import conv_output_size
from ..tensor import Tensor
from . import init
from .module import Module, Parameter

Pair = tuple[int, int]


def _pair(value: Any, name: str, what: str, minimum: int) -> Pair:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise TypeError(f"{name}: {what} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name}: {what} must be >= {minimum}, got {value!r}")
    return pair  # type: ignore[return-value]


def _check_input(name: str, x: Tensor, weight: Tensor, bias: Tensor | None, groups: int,
                 in_channels: int, out_channels: int) -> None:
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected 3D (unbatched) or 4D (batched) input, got input "
                           f"of shape {x.shape}")
    if weight.ndim != 4:
        raise RuntimeError(f"{name}: expected a 4D weight, got shape {weight.shape}")
    if x.dtype.kind != "f" or x.dtype != weight.dtype:
        raise RuntimeError(f"{name}: input ({x.dtype}) and weight ({weight.dtype}) must have "
                           "the same floating point dtype")
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise RuntimeError(f"{name}: in_channels ({in_channels}) and out_channels "
                           f"({out_channels}) must both be divisible by groups ({groups})")
    if x.shape[-3] != in_channels:
        raise RuntimeError(f"{name}: input of shape {x.shape} has {x.shape[-3]} channels, but "
                           f"weight of shape {weight.shape} with groups={groups} expects "
                           f"{in_channels}")
    if bias is not None and bias.shape != (out_channels,):
        raise RuntimeError(f"{name}: bias should have shape ({out_channels},), got "
                           f"{bias.shape}")


def _run(op: str, x: Tensor, weight: Tensor, bias: Tensor | None, **static: Any) -> Tensor:
    """Add/remove the batch dim of unbatched input around the op."""
    batched = x.ndim == 4
    x4 = x if batched else x.unsqueeze(0)
    b = bias if bias is not None else x._wrap(np.empty(0, dtype=x.dtype))
    out = apply_op(OPS[op], x4, weight, b.type(x.dtype), **static)
    return out if batched else out.squeeze(0)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in every deep-learning library).

    Args:
        input: (N, C, H, W) or (C, H, W).
        weight: (F, C / groups, KH, KW).
        bias: (F,) or None.
        stride, padding, dilation: ints or (h, w) pairs; padding may be ``'valid'`` or
            ``'same'`` (stride 1).
        groups: split channels into this many independent convolutions.
    """
    name = "conv2d"
    _check_input(name, input, weight, bias, groups, weight.shape[1] * groups, weight.shape[0])
    s = _pair(stride, name, "stride", 1)
    d = _pair(dilation, name, "dilation", 1)
    kh, kw = weight.shape[2:]
    if isinstance(padding, str):
        input, p = _string_padding(input, padding, s, d, (kh, kw))
    else:
        p = _pair(padding, name, "padding", 0)
    h, w = input.shape[-2:]
    oh, ow = (conv_output_size(n, k, s_, p_, d_)
              for n, k, s_, p_, d_ in zip((h, w), (kh, kw), s, p, d, strict=True))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: kernel size {(kh, kw)} (dilation {d}) can't be greater "
                           f"than the padded input size {(h + 2 * p[0], w + 2 * p[1])}; input "
                           f"shape {input.shape}, padding {p}")
    return _run("conv2d", input, weight, bias, stride=s, padding=p, dilation=d, groups=groups)


def _string_padding(x: Tensor, padding: str, stride: Pair, dilation: Pair, kernel: Pair
                    ) -> tuple[Tensor, Pair]:
    """PyTorch's padding='valid' / 'same'; odd total 'same' padding goes right and bottom."""
    if padding == "valid":
        return x, (0, 0)
    if padding != "same":
        raise ValueError(f"conv2d: invalid padding string {padding!r}, should be one of "
                         "'valid' or 'same'")
    if stride != (1, 1):
        raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
    sym = (totals[0] // 2, totals[1] // 2)
    extra = (0, totals[1] % 2, 0, totals[0] % 2)
    if any(extra):
        from .functional import pad

        x = pad(x, extra)
    return x, sym


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input).

    Args:
        input: (N, Cin, H, W) or (Cin, H, W).
        weight: (Cin, Cout / groups, KH, KW).
        bias: (Cout,) or None.
        stride, padding, output_padding, dilation: ints or (h, w) pairs; output_padding adds
            rows/columns at the bottom/right and must be smaller than stride or dilation.
        groups: split channels into this many independent blocks.
    """
    name = "conv_transpose2d"
    _check_input(name, input, weight, bias, groups, weight.shape[0], weight.shape[1] * groups)
    s = _pair(stride, name, "stride", 1)
    p = _pair(padding, name, "padding", 0)
    op = _pair(output_padding, name, "output_padding", 0)
    d = _pair(dilation, name, "dilation", 1)
    if any(o >= max(s_, d_) for o, s_, d_ in zip(op, s, d, strict=True)):
        raise ValueError(f"{name}: output padding {op} must be smaller than either stride {s} "
                         f"or dilation {d}")
    h, w = input.shape[-2:]
    kh, kw = weight.shape[2:]
    oh = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    ow = (w - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: output size {(oh, ow)} is too small for input shape "
                           f"{input.shape} with kernel {(kh, kw)} and padding {p}")
    return _run("conv_transpose2d", input, weight, bias, stride=s, padding=p,
                output_padding=op, dilation=d, groups=groups)


class _ConvNd(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, transposed: bool,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        dtypes.check_device(device, name)
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _pair(kernel_size, name, "kernel_size", 1)
        self.stride = _pair(stride, name, "stride", 1)
        self.padding = padding if isinstance(padding, str) else _pair(padding, name, "padding",
                                                                      0)
        self.dilation = _pair(dilation, name, "dilation", 1)
        self.output_padding = _pair(output_padding, name, "output_padding", 0)
        shape = ((in_channels, out_channels // groups) if transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) for weights, U(-1/sqrt(fan_in), ..)
        for the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding}"  # 'same' prints unquoted, as in PyTorch
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution layer.

    Args:
        in_channels, out_channels: channel counts.
        kernel_size, stride, padding, dilation: ints or pairs (padding also 'valid'/'same').
        groups: independent channel blocks; bias: learn a bias per output channel.

    Shape:
        input (N, C_in, H, W) or (C_in, H, W) -> output (N, C_out, H_out, W_out) with
        H_out = (H + 2*padding - dilation*(kernel-1) - 1) // stride + 1.

    Attributes:
        weight: (C_out, C_in / groups, KH, KW), U(-k, k), k = 1/sqrt(C_in/groups * KH * KW).
        bias: (C_out,), U(-k, k).

    Example:
        >>> import tinygrad_edu as tg
        >>> conv = tg.nn.Conv2d(3, 8, 3, padding=1)
        >>> conv(tg.zeros(2, 3, 16, 16)).shape
        (2, 8, 16, 16)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: padding_mode {padding_mode!r} is not supported; use "
                             "'zeros'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, False, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution layer ("deconvolution"), e.g. for decoders.

    Shape:
        input (N, C_in, H, W) -> output (N, C_out, H_out, W_out) with
        H_out = (H - 1)*stride - 2*padding + dilation*(kernel-1) + output_padding + 1.

    Attributes:
        weight: (C_in, C_out / groups, KH, KW); bias: (C_out,).

    Example:
        >>> import tinygrad_edu as tg
        >>> up = tg.nn.ConvTranspose2d(8, 3, 2, stride=2)
        >>> up(tg.zeros(1, 8, 4, 4)).shape
        (1, 3, 8, 8)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: padding_mode {padding_mode!r} is not "
                             "supported; use 'zeros'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, True, output_padding, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation)
