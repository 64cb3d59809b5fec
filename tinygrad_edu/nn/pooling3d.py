"""3-d pooling layers (PyTorch's ``MaxPool3d``, ``AvgPool3d``, ``AdaptiveAvgPool3d``,
``AdaptiveMaxPool3d`` and ``MaxUnpool3d``) over volumes or clips (N, C, D, H, W).

They store their arguments like their 2-d counterparts (same reprs) and call the functions
of ``nn/functional/pooling3d.py``, which compute each 3-d pooling as two 2-d ones.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d, MaxUnpool2d

__all__ = ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "MaxPool3d", "MaxUnpool3d"]


class MaxPool3d(MaxPool2d):
    """3D max pooling over (N, C, D, H, W) or (C, D, H, W) input (``torch.nn.MaxPool3d``).

    Arguments as ``MaxPool2d``, with ints or (d, h, w) triples; ``return_indices`` gives the
    flat index d*H*W + h*W + w of each max.

    Example:
        >>> import tinygrad_edu as tg
        >>> pool = tg.nn.MaxPool3d(2)
        >>> pool
        MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> pool(tg.arange(8.0).reshape(1, 1, 2, 2, 2)).tolist()
        [[[[[7.0]]]]]
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    """3D average pooling over (N, C, D, H, W) or (C, D, H, W) input (``torch.nn.AvgPool3d``).

    Arguments as ``AvgPool2d``, with ints or (d, h, w) triples.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.AvgPool3d(2)(tg.arange(8.0).reshape(1, 1, 2, 2, 2)).tolist()
        [[[[[3.5]]]]]
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average pooling of a volume to ``output_size`` (an int or (OD, OH, OW), None keeps)."""

    _dims = 3

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Max pooling of a volume to ``output_size`` (an int or (OD, OH, OW), None keeps)."""

    _dims = 3

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool3d(MaxUnpool2d):
    """The partial inverse of ``MaxPool3d`` (``torch.nn.MaxUnpool3d``; ``F.max_unpool3d``).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.MaxUnpool3d(2)
        MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        Module.__init__(self)
        triple = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v, v)  # noqa: E731
        self.kernel_size = triple(kernel_size)
        self.stride = triple(stride if stride is not None else kernel_size)
        self.padding = triple(padding)

    def forward(self, input: Tensor, indices: Tensor,  # noqa: A002
                output_size: Any = None) -> Tensor:
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)
