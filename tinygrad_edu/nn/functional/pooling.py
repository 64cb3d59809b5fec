"""Pooling functions: PyTorch's ``max_pool2d``, ``avg_pool2d`` and adaptive pooling.

They run the registered ops of ``ops/pool.py`` (which check every argument before a kernel
runs). ``return_indices`` gives the flat index ``h * W + w`` of each window's max inside its
(H, W) plane, as an int64 Tensor, exactly like PyTorch's.
"""

from __future__ import annotations

from typing import Any

from ...autograd import OPS, apply_op, is_grad_enabled
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "max_pool2d"]

IntOrPair = Any  # an int or a tuple of two ints


def _run_keeping_cache(name: str, input: Tensor, **static: Any) -> tuple[Tensor, Any]:  # noqa: A002
    """Run op ``name`` like ``apply_op`` and also return its forward's cache.

    ``apply_op`` keeps the cache only when it records a graph node. When it would not record
    (grad mode off or no input needing grad), calling the forward directly is exactly what
    ``apply_op`` does, so the cache is obtained without computing anything twice.
    """
    if is_grad_enabled() and input.requires_grad:
        out = apply_op(OPS[name], input, **static)
        return out, out.grad_fn.cache  # type: ignore[union-attr]
    forward, _ = OPS[name].pair()
    array, cache = forward(input.numpy(force=True), **static)
    return Tensor(array), cache


def _with_indices(name: str, input: Tensor, **static: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    out, cache = _run_keeping_cache(name, input, **static)
    # a copy: changing the returned indices in place must not change what backward uses
    indices = Tensor(cache.argmax.reshape(out.shape).copy())
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
    check_tensor(input, "max_pool2d")
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
    check_tensor(input, "avg_pool2d")
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
    check_tensor(input, "adaptive_avg_pool2d")
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
    check_tensor(input, "adaptive_max_pool2d")
    if return_indices:
        return _with_indices("adaptive_max_pool2d", input, output_size=output_size)
    return apply_op(OPS["adaptive_max_pool2d"], input, output_size=output_size)
