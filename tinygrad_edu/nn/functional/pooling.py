"""Pooling functions: PyTorch's ``max_pool2d``, ``avg_pool2d``, adaptive pooling, their 1-d
forms and max unpooling.

They run the registered ops of ``ops/pool.py`` (which check every argument before a kernel
runs). ``return_indices`` gives the flat index ``h * W + w`` of each window's max inside its
(H, W) plane, as an int64 Tensor, exactly like PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import OPS, apply_op, is_grad_enabled
from ...checks import FLOATING, check_dtypes, min_dims
from ...ops.conv_args import conv_pair
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d",
           "max_unpool1d", "max_unpool2d"]

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


def pool_integers(input: Tensor, pool: Any) -> Any:  # noqa: A002
    """``pool(input)`` for an integer input, which PyTorch pools too: the ops compute in
    float64 (exact below 2**53) and the result is cast back to the input's dtype, toward zero,
    as PyTorch's integer division truncates an average. ``(out, indices)`` keeps its indices.
    """
    out = pool(input.double())
    if isinstance(out, tuple):
        return out[0].type(input.dtype), out[1]
    return out.type(input.dtype)


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
    if input.dtype.kind in "iu":
        return pool_integers(input, lambda x: max_pool2d(
            x, kernel_size, stride, padding, dilation, ceil_mode, return_indices))
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
    min_dims(input, 3, "avg_pool2d", "a 3D (C, H, W) or 4D (N, C, H, W) input")
    if input.dtype.kind in "iu":
        return pool_integers(input, lambda x: avg_pool2d(
            x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override))
    return apply_op(OPS["avg_pool2d"], input, kernel_size=kernel_size, stride=stride,
                    padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                    divisor_override=divisor_override)


def adaptive_empty(name: str, input: Tensor, output_size: Any, dims: int,  # noqa: A002
                   return_indices: bool = False) -> Any:
    """PyTorch's result of adaptive pooling for a float input with a batch or channel count
    of 0 (and non-empty pooled dims): an empty tensor of the output's shape (and empty int64
    indices); None for every other input, which the pooling itself checks."""
    check_tensor(input, name)
    if output_size is None:
        raise TypeError(f"{name}(): argument 'output_size' must be tuple of ints, not NoneType")
    if (input.numel() or input.dtype.kind != "f" or input.ndim not in (dims + 1, dims + 2)
            or 0 in input.shape[-dims:]):
        return None
    items = tuple(output_size) if isinstance(output_size, list | tuple) else (output_size,)
    items = items * dims if len(items) == 1 else items
    sizes = tuple(input.shape[input.ndim - dims + a] if v is None else v
                  for a, v in enumerate(items))
    if len(sizes) != dims or any(isinstance(v, bool) or not isinstance(v, int | np.integer)
                                 or v < 0 for v in sizes):
        return None
    shape = (*input.shape[:-dims], *(int(v) for v in sizes))
    # a sum over the pooled dims, expanded: empty, and still connected to the input's graph
    out = input.sum(dim=tuple(range(-dims, 0)), keepdim=True).expand(*shape)
    return (out, Tensor(np.zeros(shape, dtype=np.int64))) if return_indices else out


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over windows chosen so that the output has ``output_size`` (H, W).

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        output_size: an int or (OH, OW); a None entry keeps the input's size. 1 gives global
            average pooling.

    Returns:
        The pooled Tensor, (N, C, OH, OW) or (C, OH, OW).
    """
    empty = adaptive_empty("adaptive_avg_pool2d", input, output_size, 2)
    if empty is not None:
        return empty
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
    empty = adaptive_empty("adaptive_max_pool2d", input, output_size, 2, return_indices)
    if empty is not None:
        return empty
    if return_indices:
        return _with_indices("adaptive_max_pool2d", input, output_size=output_size)
    return apply_op(OPS["adaptive_max_pool2d"], input, output_size=output_size)


# ----------------------------------------------------------------------------- 1-d pooling
# A sequence (N, C, L) is pooled as the height-1 image (N, C, 1, L) with windows (1, k): the
# 2-D ops give exactly the 1-D results (and the flat index h*W + w is just w).

def _single(value: Any, name: str, arg: str) -> int:
    """An int or a 1-tuple (PyTorch's 1-d pooling arguments)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise RuntimeError(f"{name}: {arg} must be an int or a tuple of one int, got "
                               f"{value!r}")
        value = value[0]
    return value


def _as_image(name: str, input: Tensor) -> Tensor:  # noqa: A002
    check_tensor(input, name)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{name}: expected 2D or 3D (batch mode) tensor for input, got "
                           f"shape {input.shape}")
    return input.unsqueeze(-2)


def _squeeze(result: Any) -> Any:
    if isinstance(result, tuple):
        return tuple(r.squeeze(-2) for r in result)
    return result.squeeze(-2)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over windows of a sequence (N, C, L) or (C, L): ``max_pool2d`` of (N, C, 1, L).

    Arguments as ``max_pool2d`` with ints (or 1-tuples); indices index the L axis.
    """
    name = "max_pool1d"
    k = _single(kernel_size, name, "kernel_size")
    s = k if stride is None or stride == [] else _single(stride, name, "stride")
    if not return_indices and isinstance(input, Tensor):  # PyTorch's max_pool1d kernel is
        check_dtypes(name, FLOATING, input)  # for floats only; with indices, ints pool too
    out = max_pool2d(_as_image(name, input), (1, k), (1, s), (0, _single(padding, name,
                     "padding")), (1, _single(dilation, name, "dilation")), ceil_mode,
                     return_indices)
    return _squeeze(out)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over windows of a sequence (N, C, L) or (C, L): ``avg_pool2d`` of (N, C, 1, L)."""
    name = "avg_pool1d"
    k = _single(kernel_size, name, "kernel_size")
    s = k if stride is None or stride == [] else _single(stride, name, "stride")
    out = avg_pool2d(_as_image(name, input), (1, k), (1, s),
                     (0, _single(padding, name, "padding")), ceil_mode, count_include_pad)
    return _squeeze(out)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over windows chosen so that the sequence gets length ``output_size``."""
    name = "adaptive_avg_pool1d"
    empty = adaptive_empty(name, input, output_size, 1)
    if empty is not None:
        return empty
    size = _single(output_size, name, "output_size")
    return _squeeze(adaptive_avg_pool2d(_as_image(name, input), (1, size)))


def adaptive_max_pool1d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max over windows chosen so that the sequence gets length ``output_size``."""
    name = "adaptive_max_pool1d"
    empty = adaptive_empty(name, input, output_size, 1, return_indices)
    if empty is not None:
        return empty
    size = _single(output_size, name, "output_size")
    return _squeeze(adaptive_max_pool2d(_as_image(name, input), (1, size), return_indices))


# ----------------------------------------------------------------------------- unpooling

def _unpool(name: str, input: Tensor, indices: Tensor, size: tuple[int, ...]  # noqa: A002
            ) -> Tensor:
    """Scatter each value into a zero map of ``size`` (the spatial dims) at its flat index.

    The gradient of the input is the output's gradient gathered at the same indices (the
    ``scatter`` op's backward)."""
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{name}: expected shape of indices to be same as that of the "
                           f"input tensor ({input.shape}) but got indices tensor with shape "
                           f"{indices.shape}")
    lead = input.shape[:input.ndim - len(size)]
    flat_size = 1
    for s in size:
        flat_size *= s
    values = input.reshape(*lead, -1)
    index = indices.reshape(*lead, -1)
    if index.numel() and (int(index.min().item()) < 0 or int(index.max().item()) >= flat_size):
        raise RuntimeError(f"{name}: found an invalid max index {int(index.max().item())} "
                           f"(output volumes are of size {'x'.join(map(str, size))})")
    zeros = Tensor(np.zeros((*lead, flat_size), dtype=input.dtype))
    return zeros.scatter(-1, index, values).reshape(*lead, *size)


def _unpool_size(name: str, input: Tensor, kernel: tuple[int, ...],  # noqa: A002
                 stride: tuple[int, ...], padding: tuple[int, ...], output_size: Any
                 ) -> tuple[int, ...]:
    dims = len(kernel)
    default = tuple((input.shape[-dims + i] - 1) * stride[i] - 2 * padding[i] + kernel[i]
                    for i in range(dims))
    if output_size is None:
        return default
    size = tuple(int(s) for s in output_size)[-dims:]
    for i in range(dims):
        low, high = default[i] - stride[i], default[i] + stride[i]
        if not low < size[i] < high:
            raise ValueError(f"{name}: invalid output_size {tuple(output_size)} (dim {i} must "
                             f"be between {low + 1} and {high - 1})")
    return size


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any,  # noqa: A002
                 stride: Any = None, padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of ``max_pool2d``: every max goes back to where it came from.

    Args:
        input: (N, C, H, W) or (C, H, W), the pooled maxima.
        indices: the flat indices h*W_out + w from ``max_pool2d(..., return_indices=True)``.
        kernel_size, stride, padding: those of the pooling (stride defaults to kernel_size).
        output_size: the size to restore (pooling rounds down, so it can be ambiguous);
            default (H - 1)*stride - 2*padding + kernel_size.

    Returns:
        A zero map with the maxima in place, (N, C, H_out, W_out) or (C, H_out, W_out).
    """
    name = "max_unpool2d"
    check_tensor(input, name)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected 3D or 4D input, got shape {input.shape}")
    k = conv_pair(kernel_size, name, "kernel_size")
    s = k if stride is None else conv_pair(stride, name, "stride")
    p = conv_pair(padding, name, "padding")
    return _unpool(name, input, indices, _unpool_size(name, input, k, s, p, output_size))


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any,  # noqa: A002
                 stride: Any = None, padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of ``max_pool1d`` (see ``max_unpool2d``): (N, C, L) or (C, L)."""
    name = "max_unpool1d"
    check_tensor(input, name)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{name}: expected 2D or 3D input, got shape {input.shape}")
    k = _single(kernel_size, name, "kernel_size")
    s = k if stride is None else _single(stride, name, "stride")
    p = _single(padding, name, "padding")
    return _unpool(name, input, indices, _unpool_size(name, input, (k,), (s,), (p,),
                                                       output_size))
