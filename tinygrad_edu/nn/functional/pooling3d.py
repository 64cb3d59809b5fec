"""3-d pooling: ``max_pool3d``, ``avg_pool3d``, their adaptive forms and ``max_unpool3d``,
built from the 2-d pooling ops, plus PyTorch's ``*_with_indices`` spellings.

A 3-d window is a product of three 1-d windows, and both the max and the (PyTorch) average
factor along it:

- the max over a (kd, kh, kw) window is the max over its depth taps of the maxima over the
  (kh, kw) windows of each depth slice;
- the sum factors the same way, and PyTorch's divisor is a product of one count per axis
  (the window's length along that axis, with or without padding), so the average over a
  (kd, kh, kw) window is the average over its depth taps of the (kh, kw) averages.

So each 3-d pooling is two 2-d ones: first every (H, W) slice of (N, C*D, H, W), then the
depth, as windows (kd, 1) over the (D, OH*OW) "image" of each channel. The gradients come from
autograd through the two 2-d ops (the max's gradient goes to the first maximum in (d, h, w)
order, as in PyTorch: the first pass keeps the first maximum of each slice, the second the
first slice that holds the maximum).

``return_indices`` gives the flat index ``d*H*W + h*W + w`` of each max in its volume,
combined from the two passes' indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...checks import int_tuple
from ...ops.pool_args import pool_output_size
from ...tensor import Tensor
from ...tensor.convert import check_tensor
from . import pooling as P

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d",
           "adaptive_max_pool3d_with_indices", "avg_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d", "max_pool3d_with_indices", "max_unpool3d",
           "triple"]

Triple = tuple[int, int, int]


def triple(value: Any, name: str, arg: str) -> Triple:
    """An int or a 3-tuple of ints (PyTorch's 3-d pooling arguments)."""
    return int_tuple(value, 3, name, arg)  # type: ignore[return-value]


def _batched(name: str, input: Tensor) -> Tensor:  # noqa: A002
    """(N, C, D, H, W); an unbatched (C, D, H, W) input gets N = 1 (squeezed back later)."""
    check_tensor(input, name)
    if input.ndim not in (4, 5) or 0 in input.shape[-4:]:
        raise RuntimeError(f"{name}: non-empty 4D or 5D (batch mode) tensor expected for "
                           f"input, got shape {tuple(input.shape)}")
    return input if input.ndim == 5 else input.unsqueeze(0)


def _sliding_args(name: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
                  dilation: Any, ceil_mode: bool) -> tuple[Triple, Triple, Triple, Triple]:
    """Check the arguments against the volume (PyTorch's rules) before the 2-d ops run."""
    k = triple(kernel_size, name, "kernel_size")
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    s = k if no_stride else triple(stride, name, "stride")
    p, d = triple(padding, name, "padding"), triple(dilation, name, "dilation")
    if min(s) == 0:
        raise RuntimeError(f"{name}: stride should not be zero")
    if min(k) <= 0 or min(s) < 0 or min(d) <= 0:
        raise RuntimeError(f"{name}: kernel_size, stride and dilation must be greater than "
                           f"zero, got kernel_size={k}, stride={s}, dilation={d}")
    if min(p) < 0 or any(pi > ki // 2 for pi, ki in zip(p, k, strict=True)):
        raise RuntimeError(f"{name}: pad should be smaller than or equal to half of kernel "
                           f"size, but got padding={p} for kernel_size={k}")
    out = [pool_output_size(x.shape[2 + a], k[a], s[a], p[a], d[a], ceil_mode)
           for a in range(3)]
    if min(out) < 1:
        raise RuntimeError(f"{name}: Given input size: {tuple(x.shape[1:])}. Calculated "
                           f"output size: {(x.shape[1], *out)}. Output size is too small")
    return k, s, p, d


def _volume_indices(depth_idx: Tensor, plane_idx: Tensor, x: Tensor, out_shape: tuple[int, ...]
                    ) -> Tensor:
    """Flat d*H*W + h*W + w indices from the two passes' indices.

    ``depth_idx`` (N, C, OD, OH*OW) holds z*(OH*OW) + j: the depth z of the winner at column
    j; ``plane_idx`` (N, C, D, OH*OW) holds each slice's winner h*W + w.
    """
    h, w = x.shape[3], x.shape[4]
    columns = plane_idx.shape[-1]
    z = depth_idx.numpy() // max(columns, 1)
    hw = np.take_along_axis(plane_idx.numpy(), z, axis=2)
    return Tensor((z * (h * w) + hw).reshape(out_shape))


def _unbatch(result: Any, batched: bool) -> Any:
    if batched:
        return result
    if isinstance(result, tuple):
        return tuple(r.squeeze(0) for r in result)
    return result.squeeze(0)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over (kd, kh, kw) windows of a volume: two 2-d max poolings (see the module).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W), float32 or float64.
        kernel_size, stride (default ``kernel_size``), padding, dilation: ints or triples.
        ceil_mode: round the output size up instead of down.
        return_indices: also return the flat index d*H*W + h*W + w of each max.

    Returns:
        The pooled Tensor, or ``(pooled, indices)`` when ``return_indices`` is True.
    """
    name = "max_pool3d"
    x = _batched(name, input)
    k, s, p, d = _sliding_args(name, x, kernel_size, stride, padding, dilation, ceil_mode)
    n, c, depth, h, w = x.shape
    planes = P.max_pool2d(x.reshape(n, c * depth, h, w), k[1:], s[1:], p[1:], d[1:], ceil_mode,
                          return_indices)
    plane_out = planes[0] if return_indices else planes
    oh, ow = plane_out.shape[2:]
    columns = plane_out.reshape(n, c, depth, oh * ow)
    pooled = P.max_pool2d(columns, (k[0], 1), (s[0], 1), (p[0], 0), (d[0], 1), ceil_mode,
                          return_indices)
    if not return_indices:
        return _unbatch(pooled.reshape(n, c, pooled.shape[2], oh, ow), input.ndim == 5)
    out = pooled[0].reshape(n, c, pooled[0].shape[2], oh, ow)  # the sizes: N may be 0
    indices = _volume_indices(pooled[1], planes[1].reshape(n, c, depth, oh * ow), x,
                              tuple(out.shape))
    return _unbatch((out, indices), input.ndim == 5)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over (kd, kh, kw) windows of a volume: two 2-d average poolings.

    With ``divisor_override`` the first pass sums (divisor 1) and the second divides by it.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W), float32 or float64.
        kernel_size, stride (default ``kernel_size``), padding: ints or triples.
        ceil_mode: round the output size up; count_include_pad: count padding in the divisor.
        divisor_override: divide every window's sum by this int instead.
    """
    name = "avg_pool3d"
    if isinstance(input, Tensor) and input.dtype.kind in "iu":  # truncated once, at the end
        return P.pool_integers(input, lambda x: avg_pool3d(
            x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override))
    x = _batched(name, input)
    k, s, p, _ = _sliding_args(name, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{name}: divisor must be not zero")
    n, c, depth, h, w = x.shape
    inner = None if divisor_override is None else 1
    planes = P.avg_pool2d(x.reshape(n, c * depth, h, w), k[1:], s[1:], p[1:], ceil_mode,
                          count_include_pad, inner)
    oh, ow = planes.shape[2:]
    out = P.avg_pool2d(planes.reshape(n, c, depth, oh * ow), (k[0], 1), (s[0], 1), (p[0], 0),
                       ceil_mode, count_include_pad, divisor_override)
    return _unbatch(out.reshape(n, c, out.shape[2], oh, ow), input.ndim == 5)


def _adaptive_size(name: str, x: Tensor, output_size: Any) -> tuple[int, int, int]:
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(sizes) != 3:
        raise RuntimeError(f"{name}: output_size must be 3, got {output_size!r}")
    return tuple(x.shape[2 + a] if v is None else int(v)  # type: ignore[return-value]
                 for a, v in enumerate(sizes))


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over windows chosen so that the output has ``output_size`` (D, H, W).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        output_size: an int or (OD, OH, OW); a None entry keeps the input's size.
    """
    name = "adaptive_avg_pool3d"
    empty = P.adaptive_empty(name, input, output_size, 3)
    if empty is not None:
        return empty
    x = _batched(name, input)
    od, oh, ow = _adaptive_size(name, x, output_size)
    n, c, depth, h, w = x.shape
    planes = P.adaptive_avg_pool2d(x.reshape(n, c * depth, h, w), (oh, ow))
    out = P.adaptive_avg_pool2d(planes.reshape(n, c, depth, oh * ow), (od, oh * ow))
    return _unbatch(out.reshape(n, c, od, oh, ow), input.ndim == 5)


def adaptive_max_pool3d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max over windows chosen so that the output has ``output_size`` (D, H, W).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        output_size: an int or (OD, OH, OW); a None entry keeps the input's size.
        return_indices: also return the flat index d*H*W + h*W + w of each max.
    """
    name = "adaptive_max_pool3d"
    empty = P.adaptive_empty(name, input, output_size, 3, return_indices)
    if empty is not None:
        return empty
    x = _batched(name, input)
    od, oh, ow = _adaptive_size(name, x, output_size)
    n, c, depth, h, w = x.shape
    planes = P.adaptive_max_pool2d(x.reshape(n, c * depth, h, w), (oh, ow), return_indices)
    plane_out = planes[0] if return_indices else planes
    pooled = P.adaptive_max_pool2d(plane_out.reshape(n, c, depth, oh * ow), (od, oh * ow),
                                   return_indices)
    if not return_indices:
        return _unbatch(pooled.reshape(n, c, od, oh, ow), input.ndim == 5)
    out = pooled[0].reshape(n, c, od, oh, ow)
    indices = _volume_indices(pooled[1], planes[1].reshape(n, c, depth, oh * ow), x,
                              tuple(out.shape))
    return _unbatch((out, indices), input.ndim == 5)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any,  # noqa: A002
                 stride: Any = None, padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of ``max_pool3d``: every max goes back to its flat index
    d*H*W + h*W + w in a zero volume (see ``max_unpool2d``).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W), the pooled maxima.
        indices: from ``max_pool3d(..., return_indices=True)``.
        kernel_size, stride (default ``kernel_size``), padding: those of the pooling.
        output_size: the volume size to restore; default (D - 1)*stride - 2*padding + kernel.
    """
    name = "max_unpool3d"
    check_tensor(input, name)
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{name}: expected 4D or 5D input, got shape {tuple(input.shape)}")
    k = triple(kernel_size, name, "kernel_size")
    s = k if stride is None else triple(stride, name, "stride")
    p = triple(padding, name, "padding")
    return P._unpool(name, input, indices, P._unpool_size(name, input, k, s, p, output_size))


# ----------------------------------------------------------------------------- with_indices
# PyTorch's names for the pooling functions that always return (output, indices).

def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool1d(..., return_indices=True)``: (output, indices)."""
    return P.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool2d(..., return_indices=True)``: (output, indices)."""
    return P.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool3d(..., return_indices=True)``: (output, indices)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d(..., return_indices=True)``: (output, indices)."""
    return P.adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d(..., return_indices=True)``: (output, indices)."""
    return P.adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d(..., return_indices=True)``: (output, indices)."""
    return adaptive_max_pool3d(input, output_size, True)
