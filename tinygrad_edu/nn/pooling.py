"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, adaptive pooling, their 1-d forms and max
unpooling (PyTorch's modules).

The modules store their arguments and call the functions of ``nn/functional/pooling.py``,
which run the registered ops of ``ops/pool.py``.
"""

from __future__ import annotations

from typing import Any

from ..checks import int_items
from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d", "MaxUnpool1d", "MaxUnpool2d"]

IntOrPair = Any  # an int or a tuple of two ints


class MaxPool2d(Module):
    """2D max pooling over (N, C, H, W) or (C, H, W) input (``torch.nn.MaxPool2d``).

    Args:
        kernel_size: window size, an int or (kH, kW).
        stride: window step (default: ``kernel_size``).
        padding: implicit -inf padding on both sides, at most ``kernel_size // 2``.
        dilation: step between the window's taps.
        return_indices: also return the flat index h*W + w of each max.
        ceil_mode: round the output size up instead of down.

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, OH, OW) or (C, OH, OW) with
        OH = floor((H + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1 (ceil in
        ceil_mode), OW alike.

    Example:
        >>> import tinygrad_edu as tg
        >>> pool = tg.nn.pooling.MaxPool2d(2)
        >>> pool
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> x = tg.arange(16.0).reshape(1, 1, 4, 4)
        >>> pool(x)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """

    def __init__(self, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                 padding: IntOrPair = 0, dilation: IntOrPair = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """2D average pooling over (N, C, H, W) or (C, H, W) input (``torch.nn.AvgPool2d``).

    Args:
        kernel_size: window size, an int or (kH, kW).
        stride: window step (default: ``kernel_size``).
        padding: implicit zero padding on both sides, at most ``kernel_size // 2``.
        ceil_mode: round the output size up instead of down.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide every window's sum by this int instead.

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, OH, OW) or (C, OH, OW) with
        OH = floor((H + 2*padding - kernel_size) / stride) + 1 (ceil in ceil_mode), OW alike.

    Example:
        >>> import tinygrad_edu as tg
        >>> pool = tg.nn.pooling.AvgPool2d(2)
        >>> pool
        AvgPool2d(kernel_size=2, stride=2, padding=0)
        >>> pool(tg.arange(16.0).reshape(1, 1, 4, 4)).tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """

    def __init__(self, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                 padding: IntOrPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (``torch.nn.AdaptiveAvgPool2d``).

    Args:
        output_size: an int or (OH, OW); a None entry keeps the input's size. 1 gives global
            average pooling (the head of most conv nets).

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, OH, OW) or (C, OH, OW).

    Example:
        >>> import tinygrad_edu as tg
        >>> gap = tg.nn.pooling.AdaptiveAvgPool2d(1)
        >>> gap
        AdaptiveAvgPool2d(output_size=1)
        >>> gap(tg.ones(8, 16, 5, 5)).shape
        torch.Size([8, 16, 1, 1])
    """

    _dims = 2

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        int_items(output_size, type(self).__name__, "output_size", none_entries=self._dims > 1)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (``torch.nn.AdaptiveMaxPool2d``).

    Args:
        output_size: an int or (OH, OW); a None entry keeps the input's size.
        return_indices: also return the flat index h*W + w of each max.

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, OH, OW) or (C, OH, OW).

    Example:
        >>> import tinygrad_edu as tg
        >>> pool = tg.nn.pooling.AdaptiveMaxPool2d((None, 1), return_indices=True)
        >>> pool
        AdaptiveMaxPool2d(output_size=(None, 1))
        >>> out, indices = pool(tg.tensor([[[1.0, 3.0, 2.0], [6.0, 5.0, 4.0]]]))
        >>> out
        tensor([[[3.],
                 [6.]]])
        >>> indices
        tensor([[[1],
                 [3]]])
    """

    _dims = 2

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        int_items(output_size, type(self).__name__, "output_size", none_entries=self._dims > 1)
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


# ----------------------------------------------------------------------------- 1-d pooling

def _single(value: Any) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class MaxPool1d(MaxPool2d):
    """1D max pooling over (N, C, L) or (C, L) input (``torch.nn.MaxPool1d``).

    Arguments as ``MaxPool2d``, ints; see ``F.max_pool1d``.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.MaxPool1d(2)(tg.tensor([[1.0, 3.0, 2.0, 0.0]])).tolist()
        [[3.0, 2.0]]
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """1D average pooling over (N, C, L) or (C, L) input (``torch.nn.AvgPool1d``).

    Args:
        kernel_size, stride (default ``kernel_size``), padding: ints (stored as 1-tuples).
        ceil_mode: round the output size up; count_include_pad: count padding in the divisor.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average pooling of (N, C, L) or (C, L) input to length ``output_size``."""

    _dims = 1

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max pooling of (N, C, L) or (C, L) input to length ``output_size``."""

    _dims = 1

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


# ----------------------------------------------------------------------------- unpooling

class MaxUnpool2d(Module):
    """The partial inverse of ``MaxPool2d`` (``torch.nn.MaxUnpool2d``; ``F.max_unpool2d``).

    Every max goes back to the position its index names; the rest is zero.

    Example:
        >>> import tinygrad_edu as tg
        >>> pool, unpool = tg.nn.MaxPool2d(2, return_indices=True), tg.nn.MaxUnpool2d(2)
        >>> out, idx = pool(tg.tensor([[[[1.0, 2.0], [4.0, 3.0]]]]))
        >>> unpool(out, idx).tolist()
        [[[[0.0, 0.0], [4.0, 0.0]]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride if stride is not None else kernel_size)
        self.padding = pair(padding)

    def forward(self, input: Tensor, indices: Tensor,  # noqa: A002
                output_size: Any = None) -> Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """The partial inverse of ``MaxPool1d``: (N, C, L) or (C, L)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        Module.__init__(self)
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)

    def forward(self, input: Tensor, indices: Tensor,  # noqa: A002
                output_size: Any = None) -> Tensor:
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)
