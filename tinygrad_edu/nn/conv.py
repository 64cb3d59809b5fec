"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``,
``ConvTranspose2d`` and ``ConvTranspose3d``
(``F.conv2d`` and friends are in ``nn/functional/conv.py``; the math in
``tinygrad_edu/ops/conv.py``). The 1-d layers run the 2-d ops on a height-1 image."""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..checks import check_divisible, check_size, is_real
from ..tensor import Tensor, creation
from . import functional as F
from . import init
from .functional.conv import conv_tuple
from .module import Module, Parameter


def _bools_as_ints(value: Any) -> Any:
    """PyTorch's layers take a kernel size of True as 1 (it only sizes the weight)."""
    if isinstance(value, list | tuple):
        return tuple(int(v) if isinstance(v, bool) else v for v in value)
    return int(value) if isinstance(value, bool) else value


class _ConvNd(Module):
    _lazy = False  # True for the Lazy* layers, whose in_channels comes with the first input

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, transposed: bool,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None,
                 dims: int = 2) -> None:
        super().__init__()
        name = type(self).__name__
        dtypes.check_device(device, name)
        if isinstance(in_channels, bool) and not transposed:  # as PyTorch, where it only
            # enters the weight's shape as in_channels // groups, an int
            in_channels = int(in_channels)
        if is_real(groups) and groups < 1:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        # PyTorch's lazy layers build on channel counts of 0, so only groups is checked here
        check_divisible(name, "groups", groups, {} if self._lazy else
                        {"in_channels": in_channels, "out_channels": out_channels})
        for arg, size in (("in_channels", in_channels), ("out_channels", out_channels),
                          ("groups", groups)):
            check_size(size, name, arg)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        def tuple_of(value: Any, name: str, arg: str) -> tuple[int, ...]:
            return conv_tuple(value, dims, name, arg)  # an int becomes (l,), (h, w), (d, h, w)

        self.kernel_size = tuple_of(_bools_as_ints(kernel_size), name, "kernel_size")
        self.stride = tuple_of(stride, name, "stride")
        self.padding = padding if isinstance(padding, str) else tuple_of(padding, name,
                                                                         "padding")
        self.dilation = tuple_of(dilation, name, "dilation")
        self.output_padding = tuple_of(output_padding, name, "output_padding")
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
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        zeros, ones = (0,) * len(self.kernel_size), (1,) * len(self.kernel_size)
        if self.padding != zeros:
            s += f", padding={self.padding}"  # 'same'/'valid' print unquoted, as in PyTorch
        if self.dilation != ones:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
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
        torch.Size([2, 8, 16, 16])
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
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
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
        torch.Size([1, 3, 8, 8])
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
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation)


class Conv1d(_ConvNd):
    """1-D convolution layer over sequences (``torch.nn.Conv1d``).

    It is a 2-D convolution of a height-1 image: (N, C, L) is viewed as (N, C, 1, L) and the
    kernel (F, C/groups, K) as (F, C/groups, 1, K); the result is exact, and as fast as the
    2-D op (see ``F.conv1d``).

    Args:
        in_channels, out_channels: channel counts.
        kernel_size, stride, padding, dilation: ints or 1-tuples (padding also 'valid'/'same').
        groups: independent channel blocks; bias: learn a bias per output channel.
        padding_mode: only 'zeros'.

    Shape:
        input (N, C_in, L) or (C_in, L) -> output (N, C_out, L_out) with
        L_out = (L + 2*padding - dilation*(kernel-1) - 1) // stride + 1.

    Attributes:
        weight: (C_out, C_in / groups, K), U(-k, k), k = 1/sqrt(C_in/groups * K).
        bias: (C_out,), U(-k, k).

    Example:
        >>> import tinygrad_edu as tg
        >>> conv = tg.nn.Conv1d(4, 8, 3, padding=1)
        >>> conv(tg.zeros(2, 4, 10)).shape
        torch.Size([2, 8, 10])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"Conv1d: padding_mode {padding_mode!r} is not supported; use "
                             "'zeros'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, False, device=device, dtype=dtype, dims=1)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose1d(_ConvNd):
    """Transposed 1-D convolution layer (``torch.nn.ConvTranspose1d``), via the 2-D op.

    Shape:
        input (N, C_in, L) or (C_in, L) -> output (N, C_out, L_out) with
        L_out = (L - 1)*stride - 2*padding + dilation*(kernel-1) + output_padding + 1.

    Attributes:
        weight: (C_in, C_out / groups, K); bias: (C_out,).

    Example:
        >>> import tinygrad_edu as tg
        >>> up = tg.nn.ConvTranspose1d(8, 3, 2, stride=2)
        >>> up(tg.zeros(1, 8, 5)).shape
        torch.Size([1, 3, 10])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose1d: padding_mode {padding_mode!r} is not "
                             "supported; use 'zeros'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, True, output_padding, device=device, dtype=dtype, dims=1)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


class Conv3d(_ConvNd):
    """3-D convolution layer over volumes or clips (``torch.nn.Conv3d``).

    Computed as KD 2-D convolutions, one per tap of the kernel's depth (see ``F.conv3d``).

    Shape:
        input (N, C_in, D, H, W) or (C_in, D, H, W) -> output (N, C_out, D_out, H_out, W_out).

    Attributes:
        weight: (C_out, C_in / groups, KD, KH, KW); bias: (C_out,).

    Example:
        >>> import tinygrad_edu as tg
        >>> conv = tg.nn.Conv3d(2, 4, 3, padding=1)
        >>> conv(tg.zeros(1, 2, 4, 5, 6)).shape
        torch.Size([1, 4, 4, 5, 6])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"Conv3d: padding_mode {padding_mode!r} is not supported; use "
                             "'zeros'")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, False, device=device, dtype=dtype, dims=3)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv3d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose3d(_ConvNd):
    """Transposed 3-D convolution layer (``torch.nn.ConvTranspose3d``), e.g. for volumetric
    decoders; computed as KD transposed 2-D convolutions (see ``F.conv_transpose3d``).

    Shape:
        input (N, C_in, D, H, W) or (C_in, D, H, W) -> output (N, C_out, D_out, H_out, W_out),
        D_out = (D - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1.

    Attributes:
        weight: (C_in, C_out / groups, KD, KH, KW); bias: (C_out,).

    Example:
        >>> import tinygrad_edu as tg
        >>> up = tg.nn.ConvTranspose3d(4, 2, 2, stride=2)
        >>> up
        ConvTranspose3d(4, 2, kernel_size=(2, 2, 2), stride=(2, 2, 2))
        >>> up(tg.zeros(1, 4, 2, 3, 3)).shape
        torch.Size([1, 2, 4, 6, 6])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"Only \"zeros\" padding mode is supported for "
                             f"{type(self).__name__}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, True, output_padding, device=device, dtype=dtype, dims=3)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """PyTorch's ``output_size=``: the output_padding that reaches that size."""
        if output_size is None:
            return self.output_padding
        sizes = [int(v) for v in output_size][-3:]
        extra = []
        for k in range(3):
            low = ((x.shape[-3 + k] - 1) * self.stride[k] - 2 * self.padding[k]
                   + self.dilation[k] * (self.kernel_size[k] - 1) + 1)
            if not low <= sizes[k] < low + self.stride[k]:
                raise ValueError(f"requested an output size of {sizes}, but valid sizes range "
                                 f"from {low} to {low + self.stride[k] - 1} (for an input "
                                 f"of {list(x.shape[-3:])}) in dim {k}")
            extra.append(sizes[k] - low)
        return tuple(extra)
