"""The fast path of ``batch_norm`` and ``layer_norm``: the closed forms, fused in Numba loops.

``norm.py`` holds the lesson: the forward as a chain of numpy steps and the backward through
them, node by node (batch norm, as in CS231n) or by the compact closed form (layer norm). This
module computes the same numbers with the compiled loops of ``kernels/norm.py``: statistics in
two passes with float64 totals, the forward in one pass, and the backward's two sums per
statistic group (``sum(g)`` and ``sum(g * xhat)``) before one loop that writes dx (and adds up
the affine gradients), over blocks of channels or rows on tinygrad_edu's thread pool. Layer
norm's kernels take the affine weight as (G, J), one value per piece of a row (per element for
layer norm, per channel for group and instance norm). Nothing of the size of x is stored
besides x itself (xhat is recomputed in the backward).

``norm.py`` registers these functions as the ops' ``fast=`` pairs; autograd runs them except
inside ``reference_ops()``. The forwards check their arguments with ``norm_args``, exactly like
the readable ones.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import norm as kernels
from .norm_args import check_batch_norm, check_layer_norm, norm_rows
from .registry import needs_input_grad

Array = NDArray[Any]

__all__ = ["BatchNormFastCache", "LayerNormFastCache", "batch_norm_fast_backward",
           "batch_norm_fast_forward", "batch_norm_stats", "layer_norm_fast_backward",
           "layer_norm_fast_forward"]


def _channels_3d(x: Array) -> Array:
    """(N, C, *) -> contiguous (N, C, L) with L = prod(*) (a view when x is contiguous)."""
    shape = x.shape
    if len(shape) == 3 and x.flags.c_contiguous:
        return x
    length = shape[2] * shape[3] if len(shape) == 4 else math.prod(shape[2:])
    return np.ascontiguousarray(x).reshape(shape[0], shape[1], length)


def _empty(shape: tuple[int, ...], like: Array) -> Array:
    """Memory for a kernel's output, allocated by numpy rather than inside the kernel.

    numpy asks the OS for huge pages for large buffers and its freed buffers get reused; an
    array allocated inside a compiled kernel faults in fresh 4 KB pages on every call, which
    costs milliseconds for a batch of images.
    """
    return np.empty(shape, like.dtype)


def batch_norm_stats(x: Array) -> tuple[Array, Array]:
    """Mean and biased variance per channel of x (N, C, *), each (C,) float64, by the kernel
    (two passes in float64); NaN for an empty batch."""
    x3 = _channels_3d(x)
    if x3.shape[0] * x3.shape[2] == 0:
        nan = np.full(x3.shape[1], np.nan)
        return nan, nan.copy()
    return kernels.batch_norm_stats(x3)


# ----------------------------------------------------------------------------- batch norm

class BatchNormFastCache(NamedTuple):
    """Cache of the fast ``batch_norm`` pair; xhat is recomputed from x rather than stored."""

    x: Array  # (N, C, *), the (contiguous) input itself, not a copy
    mean: Array  # (C,) float64
    rstd: Array  # (C,) float64, 1 / sqrt(var + eps)
    weight: Array  # (C,)
    training: bool  # True: mean/var were the batch's own, so backward goes through them


def batch_norm_fast_forward(x: Array, weight: Array, bias: Array, *, training: bool,
                            eps: float = 1e-5, mean: Array | None = None,
                            var: Array | None = None) -> tuple[Array, BatchNormFastCache]:
    """``norm.batch_norm_forward`` in one fused pass over x (statistics by the kernel)."""
    check_batch_norm(x, weight, bias, training, mean, var)
    x3 = _channels_3d(x)  # x itself (as (N, C, L)) when contiguous
    if mean is None or var is None:
        mean, var = batch_norm_stats(x3)
    mean = np.array(mean, dtype=np.float64)  # a copy: running stats may change before backward
    rstd = np.add(var, eps, dtype=np.float64)
    np.sqrt(rstd, out=rstd)
    np.divide(1.0, rstd, out=rstd)
    out = _empty(x.shape, x)  # the kernel fills it through an (N, C, L) view
    dtype = x.dtype
    kernels.batch_norm_fwd(x3, mean, rstd, weight.astype(dtype, copy=False),
                           bias.astype(dtype, copy=False), out.reshape(x3.shape))
    return out, BatchNormFastCache(x3.reshape(x.shape), mean, rstd, weight, training)


def batch_norm_fast_backward(dout: Array, cache: BatchNormFastCache
                             ) -> tuple[Array | None, Array, Array]:
    """dx, dweight, dbias by the closed form (one fused loop per channel block)."""
    x = cache.x
    if x.size == 0:
        return np.zeros_like(x), np.zeros_like(cache.weight), np.zeros_like(cache.weight)
    need_dx = needs_input_grad(0)
    x3 = _channels_3d(x)
    dx = _empty(x3.shape if need_dx else (0, *x3.shape[1:]), x)  # (0, C, L): skip dx
    _, dweight, dbias = kernels.batch_norm_bwd(
        _channels_3d(dout.astype(x.dtype, copy=False)), x3, cache.mean, cache.rstd,
        cache.weight.astype(x.dtype, copy=False), cache.training, dx)
    dtype = cache.weight.dtype
    return (dx.reshape(x.shape) if need_dx else None), dweight.astype(dtype), dbias.astype(dtype)


# ----------------------------------------------------------------------------- layer norm

class LayerNormFastCache(NamedTuple):
    """Cache of the fast ``layer_norm`` pair; xhat is recomputed from x rather than stored."""

    x: Array  # the (contiguous) input itself, not a copy
    mean: Array  # (R, G) float64, one per row
    rstd: Array  # (R, G) float64, 1 / sqrt(var + eps)
    weight: Array  # (J,) or (G, J)


def layer_norm_fast_forward(x: Array, weight: Array, bias: Array, *, eps: float = 1e-5
                            ) -> tuple[Array, LayerNormFastCache]:
    """``norm.layer_norm_forward`` with one fused pass per row (statistics and output)."""
    check_layer_norm(x, weight, bias)
    xc = np.ascontiguousarray(x)
    if xc.size == 0:  # nothing to normalise (and the kernels would divide by D = 0)
        return xc.copy(), LayerNormFastCache(xc, np.empty((0, 1)), np.empty((0, 1)), weight)
    rows = norm_rows(xc, weight)
    out = _empty(x.shape, x)  # the kernel fills it through an (R, G, D) view
    _, mean, rstd = kernels.layer_norm_fwd(
        rows, _per_piece(weight, x), _per_piece(bias, x), float(eps), out.reshape(rows.shape))
    return out, LayerNormFastCache(xc, mean, rstd, weight)


def layer_norm_fast_backward(dout: Array, cache: LayerNormFastCache
                             ) -> tuple[Array | None, Array | None, Array | None]:
    """dx row by row; dweight, dbias summed over the rows (fused in the same loop)."""
    x, weight = cache.x, cache.weight
    if x.size == 0:
        return np.zeros_like(x), np.zeros_like(weight), np.zeros_like(weight)
    need_dx, need_affine = needs_input_grad(0), needs_input_grad(1) or needs_input_grad(2)
    rows = norm_rows(x, weight)
    w = _per_piece(weight, x)
    dx = _empty(x.shape if need_dx else (0, *rows.shape[1:]), x)
    affine_shape = w.shape if need_affine else (w.shape[0], 0)
    _, dweight, dbias = kernels.layer_norm_bwd(
        np.ascontiguousarray(dout, x.dtype).reshape(rows.shape), rows, cache.mean, cache.rstd, w,
        dx.reshape(-1, *rows.shape[1:]), np.empty(affine_shape, weight.dtype),
        np.empty(affine_shape, weight.dtype))
    if not need_affine:
        return (dx if need_dx else None), None, None
    return (dx if need_dx else None), dweight.reshape(weight.shape), dbias.reshape(weight.shape)


def _per_piece(a: Array, x: Array) -> Array:
    """weight or bias (J,) or (G, J) as (G, J) in x's dtype: the kernels' per-piece form."""
    return a.astype(x.dtype, copy=False).reshape(-1, a.shape[-1])
