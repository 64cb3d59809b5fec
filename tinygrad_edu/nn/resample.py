"""Resampling, padding and folding layers: ``Upsample``, ``PixelShuffle``, the ``*Pad*d``
modules, ``Unfold`` and ``Fold`` (PyTorch's modules over ``nn/functional/resample.py`` and
``F.pad``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import input_dims, int_arg, int_items
from ..tensor import Tensor
from ..tensor.convert import check_tensor
from . import functional as F
from .module import Module

__all__ = [
    "CircularPad1d", "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "Fold", "PixelShuffle",
    "PixelUnshuffle", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
    "ReplicationPad2d", "Unfold", "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d",
    "ZeroPad1d", "ZeroPad2d",
    "ChannelShuffle", "CircularPad3d", "ConstantPad3d", "ReflectionPad3d", "ReplicationPad3d",
    "ZeroPad3d",
]


# ----------------------------------------------------------------------------- upsampling

class Upsample(Module):
    """Resize the spatial dims (``torch.nn.Upsample``; see ``F.interpolate`` for the modes).

    Args:
        size: the output's spatial size; or scale_factor: a multiplier (one of the two).
        mode: 'nearest' (default), 'nearest-exact', 'linear', 'bilinear', 'trilinear', 'area'.
        align_corners: for the linear modes, line up the corner pixels.

    Example:
        >>> import tinygrad_edu as tg
        >>> up = tg.nn.Upsample(scale_factor=2)
        >>> up
        Upsample(scale_factor=2.0, mode='nearest')
        >>> up(tg.zeros(1, 3, 4, 5)).shape
        torch.Size([1, 3, 8, 10])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        if size is not None and any(s <= 0 for s in int_items(size, self.name, "size")):
            raise RuntimeError(f"{self.name}: output sizes should be greater than 0, got "
                               f"size={size!r}")
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(mode='nearest')`` for (N, C, H, W) input."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(mode='bilinear', align_corners=True)`` for (N, C, H, W) input."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r) (``torch.nn.PixelShuffle``; ``F.pixel_shuffle``).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.PixelShuffle(2)(tg.zeros(1, 8, 3, 3)).shape
        torch.Size([1, 2, 6, 6])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of ``PixelShuffle``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``groups`` groups (``torch.nn.ChannelShuffle``, ShuffleNet);
    see ``F.channel_shuffle``."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = int_arg(groups, "ChannelShuffle", "groups")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


# ----------------------------------------------------------------------------- padding

def _padding(padding: Any, dims: int, name: str) -> tuple[int, ...]:
    """An int pads every side; a tuple lists (left, right, top, bottom)."""
    items = tuple(padding) if isinstance(padding, list | tuple) else (padding,)
    if any(isinstance(p, bool) or not isinstance(p, int | np.integer) for p in items):
        raise TypeError(f"{name}: padding must be an int or a tuple of {2 * dims} ints, got "
                        f"{padding!r}")
    if len(items) == 1:
        return items * (2 * dims)
    if len(items) != 2 * dims:
        raise ValueError(f"{name}: padding must be an int or a tuple of {2 * dims} ints, got "
                         f"{padding!r}")
    return items


class _PadNd(Module):
    mode = "constant"
    dims = 2

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _padding(padding, self.dims, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``padding`` is an int or (left, right)."""

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: ``padding`` is an int or (left, right, top,
    bottom).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.ConstantPad2d((1, 0, 0, 1), 9.0)(tg.zeros(1, 1, 1, 1)).tolist()
        [[[[9.0, 0.0], [9.0, 9.0]]]]
    """


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros: ``padding`` is an int or (left, right, top, bottom)."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirror the last dim at its edges (without repeating the edge): (N, C, L) or (C, L)."""

    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims at their edges: (N, C, H, W) or (C, H, W).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.ReflectionPad2d(1)(tg.arange(4.0).reshape(1, 2, 2))[0, 0].tolist()
        [3.0, 2.0, 3.0, 2.0]
    """

    mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim: (N, C, L) or (C, L)."""

    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims: (N, C, H, W) or (C, H, W)."""

    mode = "replicate"


class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        check_tensor(input, type(self).__name__)  # PyTorch's modules check the rank first
        input_dims(input, (self.dims + 1, self.dims + 2), type(self).__name__)
        return F.pad(input, self.padding, self.mode)


class CircularPad1d(_CircularPadNd):
    """Wrap the last dim around: (N, C, L) or (C, L)."""

    mode, dims = "circular", 1


class CircularPad2d(_CircularPadNd):
    """Wrap the last two dims around: (N, C, H, W) or (C, H, W)."""

    mode = "circular"


# 3-d padding: the last three dims, (left, right, top, bottom, front, back)

class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``: an int or (left, right, top, bottom, front,
    back)."""

    dims = 3


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.ZeroPad3d(1)(tg.ones(1, 1, 1, 1)).shape
        torch.Size([1, 3, 3, 3])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims at their edges: (N, C, D, H, W) or (C, D, H, W)."""

    mode, dims = "reflect", 3


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims: (N, C, D, H, W) or (C, D, H, W)."""

    mode, dims = "replicate", 3


class CircularPad3d(_CircularPadNd):
    """Wrap the last three dims around: (N, C, D, H, W) or (C, D, H, W)."""

    mode, dims = "circular", 3


# ----------------------------------------------------------------------------- folding

class Unfold(Module):
    """im2col: every sliding window as a column (``torch.nn.Unfold``; see ``F.unfold``).

    Shape: (N, C, H, W) -> (N, C*KH*KW, L), L the number of windows.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.Unfold(kernel_size=2)(tg.zeros(1, 3, 4, 5)).shape
        torch.Size([1, 12, 12])
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """col2im: columns added back into an ``output_size`` image (``torch.nn.Fold``).

    Shape: (N, C*KH*KW, L) -> (N, C, H, W) with (H, W) = ``output_size``.
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
