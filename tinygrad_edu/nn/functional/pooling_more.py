"""More pooling: power-average (LP) pooling and fractional max pooling.

**LP pooling** (``lp_pool1d/2d/3d``) pools each window to its p-norm,
``(sum over the window of x**p) ** (1/p)``: p = 1 sums, p = 2 gives the root of the energy,
p = inf is max pooling (of ``|x|``). It is an average pooling of ``x**p`` times the window's
size, then the 1/p-th power; autograd differentiates the composite.

**Fractional max pooling** (Graham 2014) shrinks each spatial dim by a non-integer factor: the
output cells' windows start at pseudo-random, increasing positions. For a dim of input size
``n``, output size ``m`` and window ``k``, with one uniform sample ``u`` per (batch, channel)
and dim, output ``i < m - 1`` starts at

    floor((i + u) * alpha) - floor(u * alpha),   alpha = (n - k) / (m - 1),

and the last one at ``n - k`` (PyTorch's ``generate_intervals``, in the input's dtype). Each
output is the max of its window; the gradient goes to the winner (a ``gather`` of the flat
indices, whose backward adds into them). Pass ``_random_samples`` (N, C, dims) to fix the
samples (torch's tests do; ours compare with torch that way).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...tensor import Tensor, creation
from ...tensor.convert import check_tensor
from . import pooling as P
from . import pooling3d as P3
from .activation import relu

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d", "fractional_max_pool3d_with_indices", "lp_pool1d",
           "lp_pool2d", "lp_pool3d"]


# ----------------------------------------------------------------------------- LP pooling

def _lp_pool(input: Tensor, norm_type: float, kernel_size: Any, stride: Any,  # noqa: A002
             ceil_mode: bool, taps: int, avg: Any, max_pool: Any) -> Tensor:
    """(avg_pool(x**p) * taps) ** (1/p); p = +-inf: max pooling of +-|x|."""
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(taps).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int,  # noqa: A002
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """p-norm of each window of a sequence (N, C, L) or (C, L): ``(sum x**p) ** (1/p)``."""
    check_tensor(input, "lp_pool1d")
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, kernel_size,
                    P.avg_pool1d, P.max_pool1d)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any,  # noqa: A002
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """p-norm of each (kh, kw) window of (N, C, H, W) or (C, H, W).

    Example:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> F.lp_pool2d(tg.tensor([[[[3.0, 4.0]]]]), 2, (1, 2)).tolist()
        [[[[5.0]]]]
    """
    check_tensor(input, "lp_pool2d")
    kh, kw = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * 2
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, kh * kw, P.avg_pool2d,
                    P.max_pool2d)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any,  # noqa: A002
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """p-norm of each (kd, kh, kw) window of (N, C, D, H, W) or (C, D, H, W)."""
    check_tensor(input, "lp_pool3d")
    taps = math.prod(P3.triple(kernel_size, "lp_pool3d", "kernel_size"))
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, taps, P3.avg_pool3d,
                    P3.max_pool3d)


# ----------------------------------------------------------------------------- fractional

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def window_starts(samples: np.ndarray, size: int, out: int, pool: int) -> np.ndarray:
    """PyTorch's ``generate_intervals`` for every plane: (N, C) samples -> (N, C, out) starts,
    computed in the samples' dtype as PyTorch does."""
    dtype = samples.dtype.type
    starts = np.empty(samples.shape + (out,), dtype=np.int64)
    if out > 1:
        alpha = dtype(size - pool) / dtype(out - 1)
        i = np.arange(out - 1, dtype=samples.dtype)
        u = samples[..., None]
        starts[..., :-1] = (((i + u) * alpha).astype(np.int64)
                            - (u * alpha).astype(np.int64))
    if out > 0:
        starts[..., -1] = size - pool
    return starts


def _flat_taps(starts: list[np.ndarray], kernel: tuple[int, ...], sizes: tuple[int, ...]
               ) -> np.ndarray:
    """Flat input index of every tap of every window: (N, C, *out, prod(kernel))."""
    dims = len(sizes)
    flat: Any = 0
    for a in range(dims):
        taps = starts[a][..., None] + np.arange(kernel[a])  # (N, C, out_a, k_a)
        shape = [taps.shape[0], taps.shape[1]] + [1] * (2 * dims)
        shape[2 + a], shape[2 + dims + a] = taps.shape[2], kernel[a]
        flat = flat + taps.reshape(shape) * math.prod(sizes[a + 1:])
    return flat.reshape(flat.shape[:2 + dims] + (-1,))


def _first_max(values: np.ndarray) -> np.ndarray:
    """Index of the first maximum along the last axis; a NaN wins (the last one), as in
    PyTorch's ``val > max || isnan(val)`` scan."""
    winner = np.argmax(values, axis=-1)
    nan = np.isnan(values)
    if nan.any():
        last_nan = values.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        winner = np.where(nan.any(axis=-1), last_nan, winner)
    return winner


def _fractional(name: str, dims: int, input: Tensor, kernel_size: Any,  # noqa: A002
                output_size: Any, output_ratio: Any, samples: Tensor | None
                ) -> tuple[Tensor, Tensor]:
    check_tensor(input, name)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an "
                         f"output_ratio")
    if input.ndim < dims + 1:
        raise IndexError(f"{name}: expected a {dims + 1}D or {dims + 2}D input, got shape "
                         f"{tuple(input.shape)}")
    if input.ndim > dims + 2:
        raise RuntimeError(f"{name}: expected a {dims + 1}D or {dims + 2}D input, got shape "
                           f"{tuple(input.shape)}")
    batched = input.ndim == dims + 2
    x = input if batched else input.unsqueeze(0)
    sizes = tuple(x.shape[2:])

    def tup(value: Any) -> tuple[Any, ...]:
        return tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims

    kernel = tuple(int(k) for k in tup(kernel_size))
    if output_size is None:
        out = tuple(int(s * r) for s, r in zip(sizes, tup(output_ratio), strict=True))
    else:
        out = tuple(int(s) for s in tup(output_size))
    for a in range(dims):
        if out[a] + kernel[a] - 1 > sizes[a]:
            what = _DIM_NAMES[dims][a]
            raise RuntimeError(f"{name}(): pool {what} {kernel[a]} too large relative to "
                               f"input {what} {sizes[a]}")
    n, c = x.shape[0], x.shape[1]
    if samples is None:
        samples = creation.rand(n, c, dims, dtype=x.dtype)
    if samples.ndim != 3 or samples.shape[0] != n or samples.shape[1] != c or \
            samples.shape[2] != dims:
        raise RuntimeError(f"{name}: expected _random_samples of shape ({n}, {c}, {dims}) "
                           f"(batch, channels, dims), got {tuple(samples.shape)}")
    if samples.dtype != x.dtype:
        raise RuntimeError(f"{name}: Expect _random_samples to have the same dtype as input "
                           f"({x.dtype}), got {samples.dtype}")
    if n * c == 0:  # no plane to pool: empty results of the output's shape, as in PyTorch
        pooled = x.sum(dim=tuple(range(2, 2 + dims)), keepdim=True).expand(n, c, *out)
        indices = Tensor(np.zeros((n, c, *out), dtype=np.int64))
        return (pooled, indices) if batched else (pooled.squeeze(0), indices.squeeze(0))
    u = samples.numpy(force=True)
    # 2-d: sample 0 drives the width and sample 1 the height; 3-d: time, height, width
    order = (1, 0) if dims == 2 else (0, 1, 2)
    starts = [window_starts(u[..., order[a]], sizes[a], out[a], kernel[a]) for a in range(dims)]
    flat = _flat_taps(starts, kernel, sizes)
    planes = x.numpy(force=True).reshape(n, c, -1)
    values = np.take_along_axis(planes, flat.reshape(n, c, -1), axis=2).reshape(flat.shape)
    winners = np.take_along_axis(flat, _first_max(values)[..., None], axis=-1)[..., 0]
    index = Tensor(winners.reshape(n, c, -1))
    pooled = x.reshape(n, c, -1).gather(2, index).reshape(n, c, *out)
    indices = Tensor(winners.copy())
    if not batched:
        return pooled.squeeze(0), indices.squeeze(0)
    return pooled, indices


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Tensor | None = None) -> Any:
    """Fractional max pooling of (N, C, H, W) or (C, H, W) (see the module).

    Args:
        kernel_size: the window, an int or (kh, kw).
        output_size: (OH, OW), or
        output_ratio: the output size as a fraction of the input's (each in (0, 1)).
        return_indices: also return the flat index h*W + w of each max.
        _random_samples: (N, C, 2) samples in [0, 1) (default: drawn with ``rand``).
    """
    out, idx = _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size,
                           output_ratio, _random_samples)
    return (out, idx) if return_indices else out


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Tensor | None = None) -> Any:
    """Fractional max pooling of (N, C, D, H, W) or (C, D, H, W); samples (N, C, 3)."""
    out, idx = _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size,
                           output_ratio, _random_samples)
    return (out, idx) if return_indices else out


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any,  # noqa: A002
                                       output_size: Any = None, output_ratio: Any = None,
                                       return_indices: bool = False,
                                       _random_samples: Tensor | None = None
                                       ) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool2d(..., return_indices=True)``: (output, indices)."""
    return _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size,
                       output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any,  # noqa: A002
                                       output_size: Any = None, output_ratio: Any = None,
                                       return_indices: bool = False,
                                       _random_samples: Tensor | None = None
                                       ) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool3d(..., return_indices=True)``: (output, indices)."""
    return _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size,
                       output_ratio, _random_samples)
