"""Batch norm and layer norm: normalise, then scale and shift; the backward is the lesson.

Both subtract a mean and divide by a standard deviation, ``xhat = (x - mean) * rstd`` with
``rstd = 1 / sqrt(var + eps)`` (biased variance), then apply the affine ``xhat * weight +
bias``. They differ in what the statistics are taken over:

- batch norm: per channel, over the batch and the spatial positions of x (N, C, *);
- layer norm: per row, over the last axis of x (*, D). Group norm (rows of C/G channels times
  the spatial positions) and instance norm (one channel's positions) are the same op on x
  (N, C, *) cut into G rows per sample, with an affine weight (G, C/G) per channel.

Because the mean and variance depend on every element they are taken over, the gradient of
one output reaches all of those inputs. Worked out once, it is a closed form with two sums per
statistic group (``sum(g)`` and ``sum(g * xhat)``, g the gradient at xhat), computed in the
same Numba loop that then writes dx (``kernels/norm.py``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import norm as kernels
from .registry import needs_input_grad, register_op

Array = NDArray[Any]


def _channels_3d(x: Array) -> Array:
    """(N, C, *) -> contiguous (N, C, L) with L = prod(*) (a view when x is contiguous)."""
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


def _empty(shape: tuple[int, ...], like: Array) -> Array:
    """Memory for a kernel's output, allocated by numpy rather than inside the kernel.

    numpy asks the OS for huge pages for large buffers and its freed buffers get reused; an
    array allocated inside a compiled kernel faults in fresh 4 KB pages on every call, which
    costs milliseconds for a batch of images.
    """
    return np.empty(shape, like.dtype)


def batch_norm_stats(x: Array) -> tuple[Array, Array]:
    """Mean and biased variance per channel of x (N, C, *), each (C,) float64.

    ``F.batch_norm`` calls this first in training to update the running averages, then hands
    the same statistics to ``batch_norm_forward``.
    """
    x3 = _channels_3d(x)
    if x3.shape[0] * x3.shape[2] == 0:
        nan = np.full(x3.shape[1], np.nan)
        return nan, nan.copy()
    return kernels.batch_norm_stats(x3)


class BatchNormCache(NamedTuple):
    """Cache of ``batch_norm``; xhat is recomputed from x rather than stored."""

    x: Array  # (N, C, *), the (contiguous) input itself, not a copy
    mean: Array  # (C,) float64
    rstd: Array  # (C,) float64, 1 / sqrt(var + eps)
    weight: Array  # (C,)
    training: bool  # True: mean/var were the batch's own, so backward goes through them


def batch_norm_forward(x: Array, weight: Array, bias: Array, *, training: bool,
                       eps: float = 1e-5, mean: Array | None = None, var: Array | None = None
                       ) -> tuple[Array, BatchNormCache]:
    """out = (x - mean) / sqrt(var + eps) * weight + bias, per channel c of x (N, C, *).

    With ``training`` the statistics are the batch's, over (N, *); they are computed here
    unless passed in ``mean``/``var`` (``F.batch_norm`` passes the ones it used for the
    running averages), and backward differentiates through them. Without ``training``,
    ``mean``/``var`` are the running statistics: constants for backward.

    Shape: x (N, C, *) -> out like x; weight, bias, mean, var (C,). Cache: x, mean and rstd
    (C,) float64, weight, training.

    Backward: with M = N * prod(*), sums over (N, *) and xhat = (x - mean) * rstd,
    dx = weight * rstd / M * (M * dout - sum(dout) - xhat * sum(dout * xhat)) (training) or
    weight * rstd * dout (running statistics); dweight = sum(dout * xhat), dbias = sum(dout).
    """
    if x.ndim < 2 or weight.shape != x.shape[1:2] or bias.shape != x.shape[1:2]:
        raise ValueError(f"batch_norm_forward: expected x (N, C, *) with weight and bias of shape "
                         f"(C,); got x {x.shape}, weight {weight.shape}, bias {bias.shape}")
    xc = np.ascontiguousarray(x)
    if mean is None or var is None:
        if not training:
            raise ValueError("batch_norm_forward: mean and var (the running statistics) are "
                             "required when training=False")
        mean, var = batch_norm_stats(xc)
    mean = np.array(mean, dtype=np.float64)  # a copy: running stats may change before backward
    rstd = 1.0 / np.sqrt(np.asarray(var, dtype=np.float64) + eps)
    out = _empty(x.shape, x)  # the kernel fills it through an (N, C, L) view
    kernels.batch_norm_fwd(_channels_3d(xc), mean, rstd,
                                      weight.astype(x.dtype, copy=False),
                                      bias.astype(x.dtype, copy=False), _channels_3d(out))
    return out, BatchNormCache(xc, mean, rstd, weight, training)


def batch_norm_backward(dout: Array, cache: BatchNormCache
                        ) -> tuple[Array | None, Array, Array]:
    """dx, dweight, dbias by the closed form above (one fused loop per channel)."""
    x = cache.x
    if x.size == 0:
        return np.zeros_like(x), np.zeros_like(cache.weight), np.zeros_like(cache.weight)
    need_dx = needs_input_grad(0)
    dx = _empty(x.shape if need_dx else (0, *x.shape[1:]), x)  # (0, ...): skip dx
    _, dweight, dbias = kernels.batch_norm_bwd(
        _channels_3d(dout.astype(x.dtype, copy=False)), _channels_3d(x), cache.mean, cache.rstd,
        cache.weight.astype(x.dtype, copy=False), cache.training, _channels_3d(dx))
    dtype = cache.weight.dtype
    return (dx if need_dx else None), dweight.astype(dtype), dbias.astype(dtype)


register_op("batch_norm", batch_norm_forward, batch_norm_backward)


class LayerNormCache(NamedTuple):
    """Cache of ``layer_norm``; xhat is recomputed from x rather than stored."""

    x: Array  # the (contiguous) input itself, not a copy
    mean: Array  # (R, G) float64, one per row
    rstd: Array  # (R, G) float64, 1 / sqrt(var + eps)
    weight: Array  # (J,) or (G, J)


def _rows(x: Array, weight: Array) -> Array:
    """x as contiguous rows (R, G, D) (a view when possible): (*, D) -> (R, 1, D) for a 1-D
    weight; (N, ...) -> (N, G, D), each sample cut into G equal rows, for weight (G, J)."""
    xc = np.ascontiguousarray(x)
    if weight.ndim == 1:
        return xc.reshape(x.size // x.shape[-1], 1, x.shape[-1])
    groups = weight.shape[0]
    return xc.reshape(x.shape[0], groups, x.size // (x.shape[0] * groups))


def _per_element(a: Array, rows: Array) -> Array:
    """weight or bias (J,) or (G, J) -> (G, D) in x's dtype, each value repeated D/J times."""
    a2 = a.astype(rows.dtype, copy=False).reshape(-1, a.shape[-1])
    length = rows.shape[-1] // a.shape[-1]
    return a2 if length == 1 else np.repeat(a2, length, axis=1)


def _check_layer_norm_shapes(x: Array, weight: Array, bias: Array) -> None:
    """weight, bias (J,) for x (*, D) with J | D; or (G, J) for x (N, ...) cut into G rows of
    D values per sample with J | D (that is, G * J divides the values of a sample)."""
    ok = weight.ndim in (1, 2) and bias.shape == weight.shape and x.ndim >= weight.ndim
    if ok and x.size:
        values = x.shape[-1] if weight.ndim == 1 else x.size // x.shape[0]
        ok = weight.size > 0 and values % weight.size == 0
    if not ok:
        raise ValueError(f"layer_norm_forward: weight and bias must be (J,) for x (*, D) or "
                         f"(G, J) for x (N, ...) of G rows per sample, with J dividing the row "
                         f"length; got x {x.shape}, weight {weight.shape}, bias {bias.shape}")


def layer_norm_forward(x: Array, weight: Array, bias: Array, *, eps: float = 1e-5
                       ) -> tuple[Array, LayerNormCache]:
    """out = (x - mean) / sqrt(var + eps) * weight + bias, statistics per row of x.

    Layer norm: x (*, D) with weight and bias (D,); the rows are x's last axis. Group norm
    and instance norm: x (N, C, *) with weight and bias (G, J): each sample is cut into G
    rows of D = C/G * prod(*) values, normalised on their own; a row holds J = C/G channels
    of L = prod(*) positions and weight[g, j] scales channel j of group g (G = C, J = 1 for
    instance norm).

    Shape: x (*, D) or (N, C, *) -> out like x; weight, bias (D,) or (G, J). Cache: x, mean
    and rstd (rows, G) float64 (one per row), weight.

    Backward: per row, with g = dout * weight and xhat = (x - mean) * rstd,
    dx = rstd / D * (D * g - sum(g) - xhat * sum(g * xhat)); dweight = sum of dout * xhat
    and dbias = sum of dout, over the rows (and the L positions of a channel).
    """
    _check_layer_norm_shapes(x, weight, bias)
    xc = np.ascontiguousarray(x)
    if xc.size == 0:  # nothing to normalise (and the kernels would divide by D = 0)
        return xc.copy(), LayerNormCache(xc, np.empty((0, 1)), np.empty((0, 1)), weight)
    rows = _rows(xc, weight)
    out = _empty(x.shape, x)  # the kernel fills it through an (R, G, D) view
    _, mean, rstd = kernels.layer_norm_fwd(
        rows, _per_element(weight, rows), _per_element(bias, rows), float(eps),
        _rows(out, weight))
    return out, LayerNormCache(xc, mean, rstd, weight)


def layer_norm_backward(dout: Array, cache: LayerNormCache
                        ) -> tuple[Array | None, Array | None, Array | None]:
    """dx row by row; dweight, dbias summed over the rows (fused in the same loop)."""
    x, weight = cache.x, cache.weight
    if x.size == 0:
        return np.zeros_like(x), np.zeros_like(weight), np.zeros_like(weight)
    need_dx, need_affine = needs_input_grad(0), needs_input_grad(1) or needs_input_grad(2)
    rows = _rows(x, weight)
    dx = _empty(x.shape if need_dx else (0, *rows.shape[1:]), x)
    _, part_w, part_b = kernels.layer_norm_bwd(
        _rows(dout.astype(x.dtype, copy=False), weight), rows, cache.mean, cache.rstd,
        _per_element(weight, rows), weight.shape[-1] if need_affine else 0,
        _rows(dx, weight) if need_dx else dx)
    dweight = dbias = None
    if need_affine:  # add up the per-block partial sums, in block order
        dweight = part_w.sum(axis=0).reshape(weight.shape).astype(weight.dtype)
        dbias = part_b.sum(axis=0).reshape(weight.shape).astype(weight.dtype)
    return (dx if need_dx else None), dweight, dbias


register_op("layer_norm", layer_norm_forward, layer_norm_backward)
