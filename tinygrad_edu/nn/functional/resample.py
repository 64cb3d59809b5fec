"""Resampling: ``interpolate`` (``upsample``), ``pixel_shuffle``, ``channel_shuffle``, ``unfold``
and ``fold``.

Interpolation reads every output cell from input cells chosen by index arithmetic, one
spatial dim at a time (the modes are separable):

- ``'nearest'``: output cell ``o`` copies input cell ``floor(o * scale)``, with
  ``scale = in / out`` (or ``1 / scale_factor``); ``'nearest-exact'`` rounds instead,
  ``floor((o + 0.5) * scale)``. One gather per dim.
- ``'linear'``/``'bilinear'``/``'trilinear'``: output cell ``o`` sits at the input position
  ``src = (o + 0.5) * scale - 0.5`` (pixel centres line up; clamped at 0), or
  ``src = o * (in - 1) / (out - 1)`` with ``align_corners=True`` (the corner pixels line
  up). With ``i = floor(src)`` and ``t = src - i`` the output is
  ``(1 - t) * x[i] + t * x[i + 1]``: two gathers and a blend per dim. The gradient flows back
  through the gathers, each input cell collecting ``(1 - t)`` or ``t`` times the gradient of
  every output cell that read it.
- ``'area'``: adaptive average pooling.

The scales are computed in the input's float type, as PyTorch's CPU kernels do, so that even
the chosen nearest indices agree.

``unfold`` and ``fold`` run the ``unfold``/``fold`` ops (``ops/fold.py``: im2col and col2im,
the convolution's lesson).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...checks import int_arg, min_dims
from ...tensor import Tensor
from ...tensor.convert import check_tensor
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["channel_shuffle", "fold", "interpolate", "native_channel_shuffle", "pixel_shuffle",
           "pixel_unshuffle", "unfold", "upsample", "upsample_bilinear", "upsample_nearest"]

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")


def _output_size(input: Tensor, dims: int, size: Any, scale_factor: Any  # noqa: A002
                 ) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """(output sizes, scale factors or None) per spatial dim, with PyTorch's rules."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: " + ("only one of size or scale_factor should be "
                                            "defined" if size is not None else
                                            "either size or scale_factor should be defined"))
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * dims
        if len(sizes) != dims:
            raise ValueError(f"interpolate: input and output must have the same number of "
                             f"spatial dimensions, but got input with spatial dimensions of "
                             f"{list(input.shape[2:])} and output size of {list(sizes)}. "
                             f"Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                             f"and output size in (o1, o2, ...,oK) format.")
        return tuple(int(s) for s in sizes), (None,) * dims
    scales = (tuple(scale_factor) if isinstance(scale_factor, (tuple, list))
              else (scale_factor,) * dims)
    if len(scales) != dims:
        raise ValueError(f"interpolate: input and scale_factor must have the same number of "
                         f"spatial dimensions, but got input with spatial dimensions of "
                         f"{list(input.shape[2:])} and scale_factor of shape {list(scales)}.")
    sizes = tuple(math.floor(float(n) * float(s)) for n, s in
                  zip(input.shape[2:], scales, strict=True))
    return sizes, tuple(float(s) for s in scales)


def _scale(dtype: Any, size: int, out: int, scale_factor: float | None) -> Any:
    """PyTorch's ``compute_scales_value``: 1 / scale_factor if given, else in / out."""
    if scale_factor is not None and scale_factor > 0:
        return dtype.type(1.0 / scale_factor)
    return dtype.type(size) / dtype.type(out)


def _nearest_index(dtype: Any, size: int, out: int, scale_factor: float | None, exact: bool
                   ) -> np.ndarray:
    scale = _scale(dtype, size, out, scale_factor)
    o = np.arange(out).astype(dtype)
    src = np.floor(((o + dtype.type(0.5)) if exact else o) * scale).astype(np.int64)
    return np.minimum(src, size - 1)


def _linear_weights(dtype: Any, size: int, out: int, scale_factor: float | None,
                    align_corners: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i0, i1, t): output cell o = (1 - t[o]) * x[i0[o]] + t[o] * x[i1[o]]."""
    o = np.arange(out).astype(dtype)
    if align_corners:
        scale = dtype.type(size - 1) / dtype.type(out - 1) if out > 1 else dtype.type(0)
        src = o * scale
    else:
        scale = _scale(dtype, size, out, scale_factor)
        src = np.maximum(scale * (o + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0))
    i0 = src.astype(np.int64)
    t = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    i1 = np.minimum(i0 + 1, size - 1)
    return i0, i1, t


def _copies(mode: str, dims: int, size: int, out: int) -> bool:
    """PyTorch's kernels copy a dim whose size does not change, whatever the scale_factor,
    in the linear modes and in 2-d 'nearest' (1-d and 3-d 'nearest' still apply the scale)."""
    return out == size and (mode in _LINEAR or (mode == "nearest" and dims == 2))


def _along(x: Tensor, dim: int, index: np.ndarray) -> Tensor:
    return x[(slice(None),) * dim + (Tensor(index),)]


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *spatial) input (``torch.nn.functional.interpolate``).

    Args:
        input: (N, C, L), (N, C, H, W) or (N, C, D, H, W), float (or uint8 for the nearest
            modes).
        size: the output's spatial size (an int for every dim, or one per dim).
        scale_factor: a multiplier (or one per dim); the output size is floor(in * scale).
        mode: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' (4-D),
            'trilinear' (5-D) or 'area'.
        align_corners: for the linear modes, line up the corner pixels instead of the pixel
            centres (default False).
        recompute_scale_factor: True computes the scales from the sizes (as with ``size``).

    Example:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> F.interpolate(tg.tensor([[[0.0, 1.0]]]), scale_factor=2, mode="linear").tolist()
        [[[0.0, 0.25, 0.75, 1.0]]]
    """
    name = "interpolate"
    check_tensor(input, name)
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; expected one "
                                  f"of {', '.join(_MODES)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    dims = input.ndim - 2
    if dims < 1 or dims > 3:
        raise NotImplementedError(f"interpolate: input of {input.ndim} dims is not supported; "
                                  "expected 3-D, 4-D or 5-D (N, C, *spatial) input")
    if mode in _LINEAR and _LINEAR[mode] != dims:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_LINEAR[mode] + 2}D input")
    nearest = mode in ("nearest", "nearest-exact")
    if not (np.issubdtype(input.dtype, np.floating) or (nearest and input.dtype == np.uint8)):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented for "
                                  f"{input.dtype} input (float input, or uint8 for the "
                                  f"nearest modes)")
    sizes, scales = _output_size(input, dims, size, scale_factor)
    if recompute_scale_factor:
        scales = (None,) * dims
    if mode == "area":
        if dims == 3:
            raise NotImplementedError("interpolate: mode 'area' supports 3-D and 4-D input")
        return (adaptive_avg_pool1d if dims == 1 else adaptive_avg_pool2d)(input, sizes)
    # the scales' float type: the input's, float32 for uint8 (PyTorch's opmath type)
    dtype = np.dtype(input.dtype if np.issubdtype(input.dtype, np.floating) else np.float32)
    out = input
    for i in range(dims):
        dim, n, m = 2 + i, input.shape[2 + i], sizes[i]
        if _copies(mode, dims, n, m):
            continue
        if mode == "nearest" and dims == 2 and m == 2 * n:
            out = _along(out, dim, np.arange(m) >> 1)  # PyTorch's 2-d shortcut: o // 2
        elif mode in _LINEAR:
            i0, i1, t = _linear_weights(dtype, n, m, scales[i], bool(align_corners))
            weight = Tensor(t.reshape((m,) + (1,) * (dims - 1 - i)))
            out = _along(out, dim, i0) * (1 - weight) + _along(out, dim, i1) * weight
        else:
            out = _along(out, dim, _nearest_index(dtype, n, m, scales[i],
                                                  mode == "nearest-exact"))
    return out


def _deprecated(name: str) -> None:
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=3)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """The old name of ``interpolate`` (deprecated in PyTorch)."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None  # noqa: A002
                     ) -> Tensor:
    """``interpolate(mode='nearest')`` (deprecated in PyTorch)."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None  # noqa: A002
                      ) -> Tensor:
    """``interpolate(mode='bilinear', align_corners=True)`` (deprecated in PyTorch)."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ----------------------------------------------------------------------------- pixel shuffle

def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): channel block (i, j) fills sub-pixel (i, j).

    A reshape to (*, C, r, r, H, W), a permute to (*, C, H, r, W, r) and a reshape; the
    sub-pixel convolution of super-resolution nets.
    """
    check_tensor(input, "pixel_shuffle")
    r = int_arg(upscale_factor, "pixel_shuffle", "upscale_factor")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of ``pixel_shuffle``."""
    check_tensor(input, "pixel_unshuffle")
    r = int_arg(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} and input.size(-1)={w} "
                           f"are not divisible by {r}")
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Interleave the channels of ``groups`` groups (ShuffleNet): (N, C, *) -> (N, C, *).

    The C channels, seen as a (groups, C / groups) grid, are read column by column: a
    reshape to (N, groups, C / groups, *), a transpose of those two dims and a reshape back.

    Example:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> F.channel_shuffle(tg.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    check_tensor(input, "channel_shuffle")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    g = int(groups)
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value "
                           f"of groups:{g}")
    n, c, *rest = input.shape
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """PyTorch's kernel-level name of ``channel_shuffle`` (the same result)."""
    return channel_shuffle(input, groups)


# ----------------------------------------------------------------------------- unfold, fold

def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    """im2col: every sliding ``kernel_size`` window of the image as a column.

    (N, C, H, W) -> (N, C*KH*KW, L) with L the number of windows (row-major); unbatched
    (C, H, W) gives (C*KH*KW, L). ``weight.reshape(F, -1) @ unfold(x)`` is a convolution.
    See ``ops/fold.py``.
    """
    check_tensor(input, "unfold")
    min_dims(input, 3, "unfold", "a 3D or 4D (batch mode) tensor for input")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"unfold: expected 3D or 4D (batch mode) tensor for input, got "
                           f"shape {input.shape}")
    batched = input.ndim == 4
    out = apply_op(OPS["unfold"], input if batched else input.unsqueeze(0),
                   kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)
    return out if batched else out.squeeze(0)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """col2im: add every column's entries back into their window of an ``output_size`` image.

    (N, C*KH*KW, L) -> (N, C, H, W); unbatched (C*KH*KW, L) gives (C, H, W). The adjoint of
    ``unfold``: overlapping windows add up. See ``ops/fold.py``.
    """
    check_tensor(input, "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected 2D or 3D (batch mode) tensor for input, got "
                           f"shape {input.shape}")
    batched = input.ndim == 3
    out = apply_op(OPS["fold"], input if batched else input.unsqueeze(0),
                   output_size=output_size, kernel_size=kernel_size, dilation=dilation,
                   padding=padding, stride=stride)
    return out if batched else out.squeeze(0)
