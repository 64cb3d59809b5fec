"""Pooling layers and functions: PyTorch's ``max_pool2d``, ``avg_pool2d`` and adaptive pooling.

The functions run the registered ops of ``ops/pool.py`` (which check every argument before a
kernel runs); the modules store their arguments and call the functions. ``return_indices``
gives the flat index ``h * W + w`` of each window's max inside its (H, W) plane, as an int64
Tensor, exactly like PyTorch's.
"""

from __future__ import annotations

from typing import Any

from ..autograd import OPS, apply_op, is_grad_enabled
from ..ops import pool as _pool_ops  # noqa: F401 - importing it registers the pooling ops
from ..tensor import Tensor
from .module import Module

__all__ = [
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool2d", "adaptive_avg_pool2d",
    "adaptive_max_pool2d", "avg_pool2d", "max_pool2d",
]

IntOrPair = Any  # an int or a tuple of two ints


def _check_tensor(input: Any, name: str) -> None:  # noqa: A002 - PyTorch's name
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")


def _run_keeping_cache(name: str, input: Tensor, **static: Any) -> tuple[Tensor, Any]:  # noqa: A002
    """Run op ``name`` like ``apply_op`` and also return its forward's cache.

    ``apply_op`` keeps the cache only when it records a graph node. When it would not record
    (grad mode off or no input needing grad), calling the forward directly is exactly what
    ``apply_op`` does, so the cache is obtained without computing anything twice.
    """
    if is_grad_enabled() and input.requires_grad:
        out = apply_op(OPS[name], input, **static)
        return out, out._ctx.cache  # type: ignore[union-attr]
    array, cache = OPS[name].forward(input._data, **static)
    return input._wrap(array), cache


def _with_indices(name: str, input: Tensor, **static: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    out, cache = _run_keeping_cache(name, input, **static)
    # a copy: changing the returned indices in place must not change what backward uses
    indices = out._wrap(cache.argmax.reshape(out.shape).copy())
    return out, indices


def max_pool2d(input: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None,  # noqa: A002
               padding: IntOrPair = 0, dilation: IntOrPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Max over ``kernel_size`` windows (see ``ops.pool.max_pool2d_forward`` for the math).

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        kernel_size: window size, an int or (kH, kW).
        stride: window step (default: ``kernel_size``).
        padding: implicit -inf padding on both sides, at most ``kernel_size // 2``.
        dilation: step between the window's taps.
        ceil_mode: round the output size up instead of down.
        return_indices: also return the flat index h*W + w of each max (int64 Tensor).

    Returns:
        The pooled Tensor, or ``(pooled, indices)`` when ``return_indices`` is True.
    """
    _check_tensor(input, "max_pool2d")
    static = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                  ceil_mode=ceil_mode)
    if return_indices:
        return _with_indices("max_pool2d", input, **static)
    return apply_op(OPS["max_pool2d"], input, **static)


def avg_pool2d(input: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None,  # noqa: A002
               padding: IntOrPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over ``kernel_size`` windows (see ``ops.pool.avg_pool2d_forward`` for the math).

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        kernel_size: window size, an int or (kH, kW).
        stride: window step (default: ``kernel_size``).
        padding: implicit zero padding on both sides, at most ``kernel_size // 2``.
        ceil_mode: round the output size up instead of down.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide every window's sum by this int instead.

    Returns:
        The pooled Tensor.
    """
    _check_tensor(input, "avg_pool2d")
    return apply_op(OPS["avg_pool2d"], input, kernel_size=kernel_size, stride=stride,
                    padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                    divisor_override=divisor_override)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over windows chosen so that the output has ``output_size`` (H, W).

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        output_size: an int or (OH, OW); a None entry keeps the input's size. 1 gives global
            average pooling.

    Returns:
        The pooled Tensor, (N, C, OH, OW) or (C, OH, OW).
    """
    _check_tensor(input, "adaptive_avg_pool2d")
    return apply_op(OPS["adaptive_avg_pool2d"], input, output_size=output_size)


def adaptive_max_pool2d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max over windows chosen so that the output has ``output_size`` (H, W).

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        output_size: an int or (OH, OW); a None entry keeps the input's size.
        return_indices: also return the flat index h*W + w of each max (int64 Tensor).

    Returns:
        The pooled Tensor, or ``(pooled, indices)`` when ``return_indices`` is True.
    """
    _check_tensor(input, "adaptive_max_pool2d")
    if return_indices:
        return _with_indices("adaptive_max_pool2d", input, output_size=output_size)
    return apply_op(OPS["adaptive_max_pool2d"], input, output_size=output_size)


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
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
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
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
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
        (8, 16, 1, 1)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return adaptive_avg_pool2d(input, self.output_size)

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

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
