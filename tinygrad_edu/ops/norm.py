"""Batch norm and layer norm: normalise, then scale and shift; the backward is the lesson.

Both subtract a mean and divide by a standard deviation, ``xhat = (x - mean) / sqrt(var +
eps)`` (biased variance), then apply the affine ``xhat * weight + bias``. They differ in what
the statistics are taken over:

- batch norm: per channel, over the batch and the spatial positions of x (N, C, *);
- layer norm: per row, over the last axis of x (*, D). Group norm (rows of C/G channels times
  the spatial positions) and instance norm (one channel's positions) are the same op on x
  (N, C, *) cut into G rows per sample, with an affine weight (G, C/G) per channel.

Because the mean and variance depend on every element they are taken over, the gradient of
one output reaches all of those inputs. ``batch_norm_backward`` walks the forward's
computational graph back one node at a time (CS231n's first version); worked out on paper,
the same gradient is a closed form with two sums per statistic group, ``sum(g)`` and
``sum(g * xhat)`` (``batch_norm_backward_alt``, ``layer_norm_backward``, with the derivation).

For gradients of gradients (``create_graph=True``), ``batch_norm_grad`` and
``layer_norm_grad`` write the closed form with Tensor operations: xhat is rebuilt from x
(mean and variance over the same axes, themselves functions of x in training), so the
gradient is a graph that can be differentiated again.

The fast pairs, registered beside these with ``fast=``, are in ``norm_fast.py``: the closed
forms fused into Numba loops. Autograd runs them; ``reference_ops()`` runs these functions
instead. Arguments are checked by ``norm_args.py`` for both.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import norm_fast as fast
from .norm_args import check_batch_norm, check_layer_norm, norm_rows, per_element
from .registry import register_op, use_reference

Array = NDArray[Any]

__all__ = ["BatchNormCache", "LayerNormCache", "batch_norm_backward", "batch_norm_backward_alt",
           "batch_norm_forward", "batch_norm_stats", "layer_norm_backward",
           "layer_norm_forward"]


# ----------------------------------------------------------------------------- batch norm

class BatchNormCache(NamedTuple):
    """Cache of ``batch_norm``: the input and the statistics; backward rebuilds the rest."""

    x: Array  # (N, C, *), the input itself
    mean: Array  # (C,) float64, the batch's (training) or the running mean
    var: Array  # (C,) float64, biased variance, the batch's or the running one
    eps: float
    weight: Array  # (C,)
    training: bool  # True: mean/var are the batch's own, so backward goes through them


def batch_norm_forward(x: Array, weight: Array, bias: Array, *, training: bool,
                       eps: float = 1e-5, mean: Array | None = None, var: Array | None = None
                       ) -> tuple[Array, BatchNormCache]:
    """out = (x - mean) / sqrt(var + eps) * weight + bias, per channel c of x (N, C, *).

    With ``training`` the statistics are the batch's, over (N, *); they are computed here
    unless passed in ``mean``/``var`` (``F.batch_norm`` passes the ones it used for the
    running averages), and backward differentiates through them. Without ``training``,
    ``mean``/``var`` are the running statistics: constants for backward.

    Shape: x (N, C, *) -> out like x; weight, bias, mean, var (C,). Cache: x, mean and var
    (C,) float64, eps, weight, training.

    Backward: with M = N * prod(*), sums over (N, *) and xhat = (x - mean) / sqrt(var + eps),
    dx = weight / sqrt(var + eps) / M * (M * dout - sum(dout) - xhat * sum(dout * xhat))
    (training) or weight / sqrt(var + eps) * dout (running statistics);
    dweight = sum(dout * xhat), dbias = sum(dout).
    """
    check_batch_norm(x, weight, bias, training, mean, var)
    if mean is None or var is None:
        mean, var = _batch_stats(x)
    mean, var = np.array(mean, dtype=np.float64), np.array(var, dtype=np.float64)  # copies
    shape = _per_channel(x)
    xhat = (x - mean.reshape(shape)) / np.sqrt(var + eps).reshape(shape)
    out = xhat * weight.reshape(shape) + bias.reshape(shape)
    return out.astype(x.dtype), BatchNormCache(x, mean, var, eps, weight, training)


def batch_norm_backward(dout: Array, cache: BatchNormCache) -> tuple[Array, Array, Array]:
    """Backpropagate through the forward's graph, one node at a time (CS231n's way).

    The forward, node by node: xmu = x - mu (mu = mean(x)), var = mean(xmu**2),
    sqrtvar = sqrt(var + eps), ivar = 1 / sqrtvar, xhat = xmu * ivar,
    out = weight * xhat + bias. Each line below is the local rule of one node.
    """
    x, mean, var, eps, weight, training = cache
    shape, axes, m = _per_channel(x), _channel_axes(x), _count(x)
    xmu = x - mean.reshape(shape)  # the forward's nodes, rebuilt from x and the statistics
    sqrtvar = np.sqrt(var + eps).reshape(shape)
    ivar = 1 / sqrtvar
    xhat = xmu * ivar
    dbias, dweight = dout.sum(axis=axes), (dout * xhat).sum(axis=axes)  # out = w*xhat + b
    dxhat = dout * weight.reshape(shape)
    dxmu = dxhat * ivar  # xhat = xmu * ivar, the xmu branch
    if training:  # mean and var are functions of x: two more paths back to it
        divar = (dxhat * xmu).sum(axis=axes, keepdims=True)  # the ivar branch
        dvar = 0.5 / sqrtvar * (-divar / sqrtvar**2)  # ivar = 1 / sqrtvar, sqrtvar = sqrt(..)
        dxmu = dxmu + 2 * xmu * dvar / m  # var = mean(xmu**2)
        dmu = -dxmu.sum(axis=axes, keepdims=True)  # xmu = x - mu
        dx = dxmu + dmu / m  # mu = mean(x)
    else:  # running statistics are constants: only the direct path
        dx = dxmu
    return dx.astype(x.dtype), dweight.astype(weight.dtype), dbias.astype(weight.dtype)


def batch_norm_backward_alt(dout: Array, cache: BatchNormCache
                            ) -> tuple[Array, Array, Array]:
    """The same gradients by the closed form (CS231n's ``batchnorm_backward_alt``).

    Derivation, per channel with M values, s = sqrt(var + eps), xhat = (x - mu) / s and
    g = dout * weight the gradient at xhat: x_i reaches xhat_j directly (1/s if i = j),
    through mu (d mu / d x_i = 1/M, d xhat_j / d mu = -1/s) and through var
    (d var / d x_i = 2 (x_i - mu) / M, d xhat_j / d var = -xhat_j / (2 s**2)). Summing
    g_j times these over j: dx_i = g_i / s - sum(g) / (M s) - xhat_i * sum(g * xhat) / (M s)
    = (M g_i - sum(g) - xhat_i sum(g xhat)) / (M s). With running statistics only the
    first term remains.
    """
    x, mean, var, eps, weight, training = cache
    shape, axes, m = _per_channel(x), _channel_axes(x), _count(x)
    s = np.sqrt(var + eps).reshape(shape)
    xhat = (x - mean.reshape(shape)) / s
    g = dout * weight.reshape(shape)
    dx = g / s
    if training:
        sums = (g.sum(axis=axes, keepdims=True), (g * xhat).sum(axis=axes, keepdims=True))
        dx = (m * g - sums[0] - xhat * sums[1]) / (m * s)
    dweight, dbias = (dout * xhat).sum(axis=axes), dout.sum(axis=axes)
    return dx.astype(x.dtype), dweight.astype(weight.dtype), dbias.astype(weight.dtype)


def batch_norm_grad(ctx: Any, dout: Any) -> tuple[Any, Any, Any]:
    """Differentiable backward: the closed form, with xhat = (x - mean) / sqrt(var + eps)
    rebuilt from x by Tensor operations (training: mean and var are functions of x too)."""
    x, weight, _ = ctx.inputs
    training, eps = ctx.static["training"], ctx.static.get("eps", 1e-5)
    shape, axes = _per_channel(x), _channel_axes(x)
    if x.numel() == 0:  # no values: nothing reaches x, and the sums over them are 0
        return dout * 0, (dout * 0).sum(axes), dout.sum(axes)
    if training:
        mean = x.mean(axes, keepdim=True)
        var = ((x - mean) * (x - mean)).mean(axes, keepdim=True)
    else:  # the running statistics: constants
        mean, var = (ctx.const(np.asarray(ctx.static[k], x.dtype).reshape(shape))
                     for k in ("mean", "var"))
    s = (var + eps).sqrt()
    xhat = (x - mean) / s
    g = dout * weight.reshape(shape)  # the gradient at xhat
    dx = None
    if ctx.needs[0]:
        dx = g / s
        if training:
            dx = (g - g.mean(axes, keepdim=True)
                  - xhat * (g * xhat).mean(axes, keepdim=True)) / s
    dweight = (dout * xhat).sum(axes) if ctx.needs[1] else None
    return dx, dweight, dout.sum(axes) if ctx.needs[2] else None


register_op("batch_norm", batch_norm_forward, batch_norm_backward,
            fast=(fast.batch_norm_fast_forward, fast.batch_norm_fast_backward),
            grad=batch_norm_grad)


def batch_norm_stats(x: Array) -> tuple[Array, Array]:
    """Mean and biased variance per channel of x (N, C, *), each (C,) float64 (NaN if empty).

    ``F.batch_norm`` calls this first in training to update the running averages, then hands
    the same statistics to the op. Inside ``reference_ops()`` it is plain numpy, otherwise
    the fast pair's kernel.
    """
    return _batch_stats(x) if use_reference() else fast.batch_norm_stats(x)


def _batch_stats(x: Array) -> tuple[Array, Array]:
    """x.mean and x.var (biased) over (N, *) in float64; NaN for an empty batch."""
    if x.size == 0:
        nan = np.full(x.shape[1], np.nan)
        return nan, nan.copy()
    axes = _channel_axes(x)
    return x.mean(axis=axes, dtype=np.float64), x.var(axis=axes, dtype=np.float64)


def _channel_axes(x: Array) -> tuple[int, ...]:
    """The axes batch norm sums over: all but the channels, (0, 2, 3, ...)."""
    return (0, *range(2, x.ndim))


def _count(x: Array) -> int:
    """M = N * prod(*), the values of one channel (at least 1: an empty batch divides nothing)."""
    return max(1, x.size // max(1, x.shape[1]))


def _per_channel(x: Array) -> tuple[int, ...]:
    """The shape (1, C, 1, ...) that broadcasts a per-channel vector against x (N, C, *)."""
    return (1, -1) + (1,) * (x.ndim - 2)


# ----------------------------------------------------------------------------- layer norm

class LayerNormCache(NamedTuple):
    """Cache of ``layer_norm``: the input and each row's statistics."""

    x: Array  # the input itself
    mean: Array  # (R, G, 1) float64, one per row
    rstd: Array  # (R, G, 1) float64, 1 / sqrt(var + eps)
    weight: Array  # (J,) or (G, J)


def layer_norm_forward(x: Array, weight: Array, bias: Array, *, eps: float = 1e-5
                       ) -> tuple[Array, LayerNormCache]:
    """out = (x - mean) / sqrt(var + eps) * weight + bias, statistics per row of x.

    Layer norm: x (*, D) with weight and bias (D,); the rows are x's last axis. Group norm
    and instance norm: x (N, C, *) with weight and bias (G, J): each sample is cut into G
    rows of D = C/G * prod(*) values, normalised on their own; a row holds J = C/G channels
    of L = prod(*) positions and weight[g, j] scales channel j of group g (G = C, J = 1 for
    instance norm).

    Shape: x (*, D) or (N, C, *) -> out like x; weight, bias (D,) or (G, J). Cache: x, mean
    and rstd (rows, G, 1) float64 (one per row), weight.

    Backward: per row, with g = dout * weight and xhat = (x - mean) * rstd,
    dx = rstd / D * (D * g - sum(g) - xhat * sum(g * xhat)); dweight = sum of dout * xhat
    and dbias = sum of dout, over the rows (and the L positions of a channel).
    """
    check_layer_norm(x, weight, bias)
    if x.size == 0:  # nothing to normalise (and a row of D = 0 values has no mean)
        return x.copy(), LayerNormCache(x, np.empty((0, 1, 1)), np.empty((0, 1, 1)), weight)
    rows = norm_rows(x, weight)  # (R, G, D)
    mean = rows.mean(axis=-1, keepdims=True, dtype=np.float64)
    rstd = 1 / np.sqrt(rows.var(axis=-1, keepdims=True, dtype=np.float64) + eps)
    out = (rows - mean) * rstd * per_element(weight, rows) + per_element(bias, rows)
    return out.astype(x.dtype).reshape(x.shape), LayerNormCache(x, mean, rstd, weight)


def layer_norm_backward(dout: Array, cache: LayerNormCache) -> tuple[Array, Array, Array]:
    """The closed form per row (the derivation of ``batch_norm_backward_alt``, per row).

    A row's D values play the part of a channel's M values: x_j reaches xhat_i directly,
    through the row's mean and through its variance, and the three paths sum to
    dx = rstd / D * (D * g - sum(g) - xhat * sum(g * xhat)).
    """
    x, mean, rstd, weight = cache
    if x.size == 0:
        return np.zeros_like(x), np.zeros_like(weight), np.zeros_like(weight)
    rows, douts = norm_rows(x, weight), norm_rows(dout, weight)  # (R, G, D)
    d = rows.shape[-1]
    xhat = (rows - mean) * rstd
    g = douts * per_element(weight, rows)  # the gradient at xhat
    sum_g, sum_gx = g.sum(axis=-1, keepdims=True), (g * xhat).sum(axis=-1, keepdims=True)
    dx = rstd / d * (d * g - sum_g - xhat * sum_gx)
    dweight, dbias = _per_weight(douts * xhat, weight), _per_weight(douts, weight)
    return dx.astype(x.dtype).reshape(x.shape), dweight, dbias


def _per_weight(a: Array, weight: Array) -> Array:
    """(R, G, D) -> weight's shape: summed over the rows and over each channel's positions."""
    per_position = a.sum(axis=0)  # (G, D)
    groups, j = per_position.shape[0], weight.shape[-1]
    summed = per_position.reshape(groups, j, -1).sum(axis=-1)
    return summed.reshape(weight.shape).astype(weight.dtype)


def layer_norm_grad(ctx: Any, dout: Any) -> tuple[Any, Any, Any]:
    """Differentiable backward: the closed form per row, xhat rebuilt from x by Tensor
    operations. Rows are viewed as (R, G, J, L) (J channels of L positions; layer norm has
    G = 1, L = 1), so that weight (G, J, 1) broadcasts against them."""
    x, weight, _ = ctx.inputs
    eps = ctx.static.get("eps", 1e-5)
    if x.numel() == 0:
        return dout * 0, (weight * 0), (weight * 0)
    if weight.ndim == 1:
        rows, w = x.reshape(-1, 1, x.shape[-1], 1), weight.reshape(1, -1, 1)
    else:
        rows, w = x.reshape(x.shape[0], *weight.shape, -1), weight.reshape(*weight.shape, 1)
    douts, row = dout.reshape(rows.shape), (2, 3)  # a row: the axes (J, L)
    mean = rows.mean(row, keepdim=True)
    s = (((rows - mean) * (rows - mean)).mean(row, keepdim=True) + eps).sqrt()
    xhat = (rows - mean) / s
    g = douts * w
    dx = None
    if ctx.needs[0]:
        dx = (g - g.mean(row, keepdim=True) - xhat * (g * xhat).mean(row, keepdim=True)) / s
        dx = dx.reshape(x.shape)
    dweight = (douts * xhat).sum((0, 3)).reshape(weight.shape) if ctx.needs[1] else None
    return dx, dweight, douts.sum((0, 3)).reshape(weight.shape) if ctx.needs[2] else None


register_op("layer_norm", layer_norm_forward, layer_norm_backward,
            fast=(fast.layer_norm_fast_forward, fast.layer_norm_fast_backward),
            grad=layer_norm_grad)
