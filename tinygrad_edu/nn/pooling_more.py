"""More pooling layers: ``LPPool1d/2d/3d`` (the p-norm of each window) and
``FractionalMaxPool2d/3d`` (max pooling by a non-integer factor, with pseudo-random windows).

The modules store PyTorch's attributes (so their reprs and state dicts match) and call the
functions of ``nn/functional/pooling_more.py``, where the math is explained.
"""

from __future__ import annotations

from typing import Any

from ..checks import check_scalar, int_tuple
from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d"]


class _LPPoolNd(Module):
    dims = 1

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        check_scalar(norm_type, "norm_type", type(self).__name__)
        int_tuple(kernel_size, self.dims, type(self).__name__, "kernel_size")
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")

    def _p(self) -> Any:
        """norm_type as a float, as PyTorch's modules pass it: an integer input then pools its
        float powers (``x.pow(3)`` of an int tensor would stay int and its average truncate)."""
        p = self.norm_type
        return float(p) if isinstance(p, int | float) else p


class LPPool1d(_LPPoolNd):
    """p-norm pooling of a sequence (N, C, L) or (C, L) (``torch.nn.LPPool1d``).

    Args:
        norm_type: p (inf gives max pooling of ``|x|``).
        kernel_size: the window; stride: its step (default ``kernel_size``).
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.lp_pool1d(input, self._p(), self.kernel_size, self.stride,
                           self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """p-norm pooling of (N, C, H, W) or (C, H, W) (``torch.nn.LPPool2d``).

    Example:
        >>> import tinygrad_edu as tg
        >>> pool = tg.nn.LPPool2d(2, 2)
        >>> pool
        LPPool2d(norm_type=2, kernel_size=2, stride=None, ceil_mode=False)
        >>> pool(tg.ones(1, 1, 2, 2)).tolist()
        [[[[2.0]]]]
    """

    dims = 2

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.lp_pool2d(input, self._p(), self.kernel_size, self.stride,
                           self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """p-norm pooling of (N, C, D, H, W) or (C, D, H, W) (``torch.nn.LPPool3d``)."""

    dims = 3

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.lp_pool3d(input, self._p(), self.kernel_size, self.stride,
                           self.ceil_mode)


class _FractionalMaxPoolNd(Module):
    dims = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        name, dims = type(self).__name__, self.dims

        def tup(value: Any) -> tuple[Any, ...]:
            return tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims

        kernel = int_tuple(kernel_size, dims, name, "kernel_size")
        if min(kernel) <= 0:
            raise ValueError(f"{name}: kernel_size must be greater than 0, but got "
                             f"{kernel_size}")
        if output_size is not None:
            int_tuple(output_size, dims, name, "output_size")
            if min(tup(output_size)) < 0:  # PyTorch: "negative dimensions are not allowed"
                raise RuntimeError(f"{name}: output_size must not be negative, got "
                                   f"{output_size}")
        self.kernel_size = tup(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = tup(output_size) if output_size is not None else None
        self.output_ratio = tup(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             f"ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling of (N, C, H, W) or (C, H, W) (``torch.nn.FractionalMaxPool2d``).

    Args:
        kernel_size: the window, an int or (kh, kw).
        output_size: (OH, OW), or output_ratio: a fraction of the input size in (0, 1).
        return_indices: also return the flat index h*W + w of each max.
        _random_samples: fixed (N, C, 2) samples (a buffer); default: fresh ones each call.

    Example:
        >>> import tinygrad_edu as tg
        >>> pool = tg.nn.FractionalMaxPool2d(2, output_size=3)
        >>> pool
        FractionalMaxPool2d()
        >>> pool(tg.randn(1, 2, 6, 6)).shape
        torch.Size([1, 2, 3, 3])
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.fractional_max_pool2d(input, self.kernel_size, self.output_size,
                                       self.output_ratio, self.return_indices,
                                       _random_samples=self._random_samples)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling of (N, C, D, H, W) or (C, D, H, W)
    (``torch.nn.FractionalMaxPool3d``); samples (N, C, 3)."""

    dims = 3

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.fractional_max_pool3d(input, self.kernel_size, self.output_size,
                                       self.output_ratio, self.return_indices,
                                       _random_samples=self._random_samples)
