"""Normalisation loops: batch-norm statistics per channel, layer-norm statistics per row.

Every parallel loop is a compiled function of a range of its parallel axis (``*_blocks`` and
``*_rows`` kernels); the function of the same name without the suffix allocates the results and
runs the ranges on the thread pool (``threads.parallel_for``).

Batch norm works on x of shape (N, C, L) (L = H*W for images, 1 for (N, C) inputs) and
reduces over n and l for each channel c. Its kernels run in parallel over blocks of channels
(one channel when L is large, up to BLOCK channels when L is 1); an iteration reads and writes
only its own channels (dweight[c] and dbias[c] included). Within a block, the samples are
added position by position (acc[k] += x[n, block][k]): each position is its own sum, so the
loop over k runs as vector instructions, for any L.

Layer norm works on x of shape (N, G, D): each row x[n, g] is normalised on its own, and the
affine weight (G, J) depends on g: a row is J pieces of L = D / J values that share one weight
(layer norm: G = 1, J = D, one weight per element; group and instance norm: one weight per
channel, whose L positions form a piece, so a piece's scale and shift are two numbers).
Its forward runs in parallel over rows. Its backward also needs dweight and dbias, sums over
n: to keep each cell owned by one iteration, the samples are split into a few fixed blocks,
iteration (block, g) adds into its own partial row ``partial[block, g]``, and the caller sums
the partials over the blocks afterwards.

Sums are float64 whatever the input dtype, in an order that does not depend on the number of
threads. The reductions are compiled with ``fastmath={"reassoc"}`` and nothing else: the
compiler may split a running sum into vector lanes and add the lanes up at the end (so the
last bits can differ between CPUs with different vector widths, never between runs or thread
counts), while NaN and infinity keep their meaning. A layer-norm row's sums add CHUNK values
at a time in x's dtype (each vector lane then adds a handful of values) and those partial sums
in float64: float64 vector arithmetic runs at half the width and needs a conversion per value,
and on float32 rows that cost as much as reading the row. Deviations are taken from the
mean rounded to x's dtype, and the sums are then corrected to the float64 mean exactly. The
elementwise loops compute in x's dtype (their coefficients are rounded to x's dtype first).
Layer norm's backward adds each row's ``dout * xhat`` and ``dout`` for the affine gradients
into a row in x's dtype and moves that into the float64 partial sums every FLUSH rows, for the
same reason; a sum of FLUSH terms loses nothing that matters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from . import threads
from .jit import ready

REASSOC = {"reassoc"}  # sums may be reordered into vector lanes (see the module docstring)
BLOCK = 64  # batch norm: a block of channels holds at least this many values per sample
AFFINE_TASKS = 16  # layer-norm backward: aim for this many (block, group) iterations
FLUSH = 8  # layer-norm backward: rows whose affine gradients are added in x's dtype first
CHUNK = 256  # row sums: values added in the row's dtype before they join a float64 total


@njit(cache=True, fastmath=REASSOC)
def _sum(a):  # pragma: no cover - compiled
    """sum(a) of a 1-D array in float64, the values added CHUNK at a time in a's dtype."""
    total = np.float64(0.0)  # (explicit, so that plain Python also sums in float64)
    for c0 in range(0, a.size, CHUNK):
        # (each loop runs over a slice's own range: a loop over range(c0, c1) of the whole
        # array was not vectorised)
        piece = a[c0:c0 + CHUNK]
        part = a.dtype.type(0)
        for i in range(piece.size):
            part += piece[i]
        total += part
    return total


@njit(cache=True, fastmath=REASSOC)
def _mean(a):  # pragma: no cover - compiled
    """mean(a) of a non-empty 1-D array, in float64: a[0] + mean(a - a[0]).

    The deviations from a[0] are added CHUNK at a time in a's dtype, as in ``_sum``: they
    are of the size of the values' spread, so a row far from 0 loses nothing to the rounding
    of large partial sums.
    """
    k = a[0]
    total = np.float64(0.0)
    for c0 in range(0, a.size, CHUNK):
        piece = a[c0:c0 + CHUNK]
        part = a.dtype.type(0)
        for i in range(piece.size):
            part += piece[i] - k
        total += part
    return np.float64(k) + total / a.size


@njit(cache=True, fastmath=REASSOC)
def _sum_sq_dev(a, mu):  # pragma: no cover - compiled
    """sum((a - mu)**2) of a 1-D array whose mean is mu (float64), in float64.

    The deviations are taken from m, mu rounded to a's dtype, and squared and added CHUNK at a
    time in a's dtype; as mu is the mean, sum((a - m)**2) = sum((a - mu)**2) + size * (mu -
    m)**2, which the last line takes back.
    """
    m = a.dtype.type(mu)
    total = np.float64(0.0)
    for c0 in range(0, a.size, CHUNK):
        piece = a[c0:c0 + CHUNK]
        part = a.dtype.type(0)
        for i in range(piece.size):
            dev = piece[i] - m
            part += dev * dev
        total += part
    shift = mu - np.float64(m)
    return total - a.size * shift * shift


@njit(cache=True, fastmath=REASSOC)
def _sum_dot_dev(g, w, a, mu):  # pragma: no cover - compiled
    """(sum(g * w), sum(g * w * (a - mu))) of 1-D arrays, in float64 (mu float64).

    Computed in a's dtype CHUNK values at a time, with deviations from m = mu rounded to a's
    dtype; sum(gw * (a - mu)) = sum(gw * (a - m)) + (m - mu) * sum(gw) puts mu back.
    """
    m = a.dtype.type(mu)
    total_g = np.float64(0.0)
    total_gd = np.float64(0.0)
    for c0 in range(0, a.size, CHUNK):
        gp, wp, ap = g[c0:c0 + CHUNK], w[c0:c0 + CHUNK], a[c0:c0 + CHUNK]
        part_g = a.dtype.type(0)
        part_gd = a.dtype.type(0)
        for i in range(ap.size):
            gw = gp[i] * wp[i]
            part_g += gw
            part_gd += gw * (ap[i] - m)
        total_g += part_g
        total_gd += part_gd
    return total_g, total_gd + (np.float64(m) - mu) * total_g


@njit(cache=True, fastmath=REASSOC)
def _sum_dot_dev_scalar(g, a, mu):  # pragma: no cover - compiled
    """(sum(g), sum(g * (a - mu))) of 1-D arrays, in float64, as ``_sum_dot_dev``."""
    m = a.dtype.type(mu)
    total_g = np.float64(0.0)
    total_gd = np.float64(0.0)
    for c0 in range(0, a.size, CHUNK):
        gp, ap = g[c0:c0 + CHUNK], a[c0:c0 + CHUNK]
        part_g = a.dtype.type(0)
        part_gd = a.dtype.type(0)
        for i in range(ap.size):
            part_g += gp[i]
            part_gd += gp[i] * (ap[i] - m)
        total_g += part_g
        total_gd += part_gd
    return total_g, total_gd + (np.float64(m) - mu) * total_g


@njit(cache=True)
def _channel_blocks(channels, length):  # pragma: no cover - compiled
    """(channels per block, number of blocks): blocks of at least BLOCK values per sample."""
    per_block = max(1, (BLOCK + length - 1) // length)
    return per_block, (channels + per_block - 1) // per_block


@njit(cache=True)
def _per_channel_sums(acc, length):  # pragma: no cover - compiled
    """acc (B * L,) per-position sums of a block of B channels -> (B,) per-channel sums."""
    out = np.empty(acc.size // length)
    for j in range(out.size):
        out[j] = _sum(acc[j * length:(j + 1) * length])
    return out


@njit(cache=True)
def _per_position(values, length, dtype_like):  # pragma: no cover - compiled
    """(B,) per-channel values -> (B * L,) with each repeated over its L positions."""
    out = np.empty(values.size * length, dtype_like.dtype)
    for j in range(values.size):
        out[j * length:(j + 1) * length] = values[j]
    return out


@njit(cache=True, nogil=True)
def batch_norm_stats_blocks(x, mean, var, b0, b1):  # pragma: no cover - compiled
    """x (N, C, L) -> mean, var (C,) float64: biased statistics per channel.

    Over blocks of channels; a block adds up its samples position by position
    (acc[k] += x[n, block][k], each position its own sum, in order of n), then each channel
    adds up its L positions. Two passes: the mean first, then the mean squared deviation.
    """
    n_batch, channels, length = x.shape
    rows = x.reshape(n_batch, channels * length)
    per_block, n_blocks = _channel_blocks(channels, length)
    for blk in range(b0, b1):
        c0 = blk * per_block
        c1 = min(c0 + per_block, channels)
        start, size = c0 * length, (c1 - c0) * length
        acc = np.zeros(size)
        for n in range(n_batch):
            xs = rows[n, start:start + size]
            for k in range(size):
                acc[k] += xs[k]
        mu = _per_channel_sums(acc, length) / (n_batch * length)
        mu_at = _per_position(mu, length, acc)
        acc[:] = 0.0
        for n in range(n_batch):
            xs = rows[n, start:start + size]
            for k in range(size):
                dev = xs[k] - mu_at[k]
                acc[k] += dev * dev
        sq = _per_channel_sums(acc, length)
        for j in range(c1 - c0):  # (a loop: a slice assignment from an array compiles ~2 s
            mean[c0 + j] = mu[j]  # of Numba's error formatting on first use)
            var[c0 + j] = sq[j] / (n_batch * length)


def batch_norm_stats(x: Any) -> tuple[Any, Any]:
    """``batch_norm_stats_blocks`` over all channel blocks: mean, var (C,) float64."""
    channels = x.shape[1]
    mean, var = np.empty(channels), np.empty(channels)
    kernel = ready(batch_norm_stats_blocks)
    n_blocks = _channel_blocks(channels, x.shape[2])[1]
    threads.parallel_for(n_blocks, lambda b0, b1: kernel(x, mean, var, b0, b1), work=x.size)
    return mean, var


@njit(cache=True)
def running_update(running, batch, scale, momentum):  # pragma: no cover - compiled
    """running = (1 - momentum) * running + momentum * (batch * scale), in place.

    running (C,) float32 or float64, batch (C,) float64, scale and momentum Python floats:
    the roundings of the numpy statement ``(1 - momentum) * running + momentum * (batch *
    scale)`` (the first product in running's dtype, the rest in float64), then rounded to
    running's dtype.
    """
    keep = running.dtype.type(1.0 - momentum)
    for c in range(running.size):
        running[c] = np.float64(keep * running[c]) + momentum * (batch[c] * scale)


@njit(cache=True, nogil=True)
def batch_norm_fwd_blocks(x, mean, rstd, weight, bias, out, b0, b1
                          ):  # pragma: no cover - compiled
    """out[n, c, l] = (x - mean[c]) * rstd[c] * weight[c] + bias[c]; parallel over channels.

    x, out (N, C, L) (out is filled and returned); mean, rstd (C,) float64; weight, bias (C,)
    in x's dtype. Computed as x * scale + shift, scale = weight * rstd, shift = bias - mean *
    scale, with scale and shift in x's dtype.
    """
    n_batch, channels, length = x.shape
    rows = x.reshape(n_batch, channels * length)
    out_rows = out.reshape(n_batch, channels * length)
    per_block, n_blocks = _channel_blocks(channels, length)
    for blk in range(b0, b1):
        c0 = blk * per_block
        c1 = min(c0 + per_block, channels)
        start, size = c0 * length, (c1 - c0) * length
        scale = weight[c0:c1] * rstd[c0:c1]
        scale_at = _per_position(scale, length, x)
        shift_at = _per_position(bias[c0:c1] - mean[c0:c1] * scale, length, x)
        for n in range(n_batch):
            xs, os = rows[n, start:start + size], out_rows[n, start:start + size]
            for k in range(size):
                os[k] = xs[k] * scale_at[k] + shift_at[k]


def batch_norm_fwd(x: Any, mean: Any, rstd: Any, weight: Any, bias: Any, out: Any) -> Any:
    """``batch_norm_fwd_blocks`` over all channel blocks; fills and returns out."""
    kernel = ready(batch_norm_fwd_blocks)
    n_blocks = _channel_blocks(x.shape[1], x.shape[2])[1]
    threads.parallel_for(n_blocks, lambda b0, b1: kernel(x, mean, rstd, weight, bias, out, b0,
                                                         b1), work=x.size)
    return out


@njit(cache=True, nogil=True)
def batch_norm_bwd_blocks(dout, x, mean, rstd, weight, training, dx, dweight, dbias, b0, b1
                          ):  # pragma: no cover - compiled
    """Gradients of batch norm: fills dx (N, C, L), returns dx, dweight, dbias (C,) float64.

    dweight = sum(dout * xhat), dbias = sum(dout) over (n, l). With batch statistics
    (training): dx = weight * rstd / M * (M * dout - dbias - xhat * dweight), M = N * L;
    with running statistics (constants): dx = weight * rstd * dout. Pass dx of shape
    (0, C, L) to skip it. Over blocks of channels, sums as in ``batch_norm_stats``.
    """
    n_batch, channels, length = x.shape
    count = n_batch * length
    train = 1.0 if training else 0.0  # without batch statistics, only the affine part
    rows, grows = x.reshape(n_batch, channels * length), dout.reshape(n_batch, channels * length)
    dx_rows = dx.reshape(dx.shape[0], channels * length)
    per_block, n_blocks = _channel_blocks(channels, length)
    for blk in range(b0, b1):
        c0 = blk * per_block
        c1 = min(c0 + per_block, channels)
        start, size = c0 * length, (c1 - c0) * length
        mu_at = _per_position(mean[c0:c1], length, x)
        acc_g, acc_gd = np.zeros(size), np.zeros(size)
        for n in range(n_batch):
            xs, gs = rows[n, start:start + size], grows[n, start:start + size]
            for k in range(size):
                acc_g[k] += gs[k]
                acc_gd[k] += gs[k] * (xs[k] - mu_at[k])
        sum_g, sum_gd = _per_channel_sums(acc_g, length), _per_channel_sums(acc_gd, length)
        r = rstd[c0:c1]
        for j in range(c1 - c0):  # (a loop, as in batch_norm_stats_blocks)
            dweight[c0 + j] = sum_gd[j] * r[j]
            dbias[c0 + j] = sum_g[j]
        k_dy = weight[c0:c1] * r
        k_dy_at = _per_position(k_dy, length, x)
        k_dev_at = _per_position(-k_dy * r * r * sum_gd / count * train, length, x)
        k_0_at = _per_position(-k_dy * sum_g / count * train, length, x)
        for n in range(dx.shape[0]):  # the formula above, per element
            xs, gs = rows[n, start:start + size], grows[n, start:start + size]
            dxs = dx_rows[n, start:start + size]
            for k in range(size):
                dxs[k] = k_dy_at[k] * gs[k] + k_dev_at[k] * (xs[k] - mu_at[k]) + k_0_at[k]


def batch_norm_bwd(dout: Any, x: Any, mean: Any, rstd: Any, weight: Any, training: bool,
                   dx: Any) -> tuple[Any, Any, Any]:
    """``batch_norm_bwd_blocks`` over all channel blocks: dx (filled), dweight, dbias."""
    channels = x.shape[1]
    dweight, dbias = np.empty(channels), np.empty(channels)
    kernel = ready(batch_norm_bwd_blocks)
    n_blocks = _channel_blocks(channels, x.shape[2])[1]
    threads.parallel_for(n_blocks, lambda b0, b1: kernel(
        dout, x, mean, rstd, weight, training, dx, dweight, dbias, b0, b1), work=2 * x.size)
    return dx, dweight, dbias


@njit(cache=True)
def _row_stats(xs, eps):  # pragma: no cover - compiled
    """(mean, rstd) of a row in float64, then both rounded to the row's dtype (4 values)."""
    mu = _mean(xs)
    var = _sum_sq_dev(xs, mu) / xs.size
    if var < 0.0:  # (rounding, for a constant row; NaN stays NaN)
        var = 0.0
    rs = 1.0 / np.sqrt(var + eps)
    return mu, rs, xs.dtype.type(mu), xs.dtype.type(rs)


@njit(cache=True, nogil=True)
def layer_norm_fwd_rows(x, weight, bias, eps, out, mean, rstd, t0, t1
                        ):  # pragma: no cover - compiled
    """Normalise each row x[n, g] of x (N, G, D): fills out, mean and rstd (N, G).

    out[n, g, d] = (x - mean[n, g]) * rstd[n, g] * w + b, with weight and bias (G, J) in x's
    dtype: each row is J pieces of L = D / J values that share weight[g, j] and bias[g, j]
    (layer norm: J = D; group and instance norm: one weight per channel). mean and rstd =
    1 / sqrt(var + eps) are float64; the output is computed in x's dtype. Parallel over the
    N * G rows.
    """
    n_samples, groups, width = x.shape
    length = width // weight.shape[1]
    for t in range(t0, t1):
        n, g = t // groups, t % groups
        xs, os = x[n, g], out[n, g]
        mu, rs, m, s = _row_stats(xs, eps)
        mean[n, g] = mu
        rstd[n, g] = rs
        if length == 1:
            w, b = weight[g], bias[g]
            for d in range(width):
                os[d] = (xs[d] - m) * s * w[d] + b[d]
            continue
        for j in range(weight.shape[1]):  # a piece of L values: one scale and one shift
            scale, shift = s * weight[g, j], bias[g, j]
            xp, op = xs[j * length:(j + 1) * length], os[j * length:(j + 1) * length]
            for d in range(length):
                op[d] = (xp[d] - m) * scale + shift


def layer_norm_fwd(x: Any, weight: Any, bias: Any, eps: float, out: Any
                   ) -> tuple[Any, Any, Any]:
    """``layer_norm_fwd_rows`` over all N * G rows: out (filled), mean, rstd (N, G)."""
    n_samples, groups = x.shape[0], x.shape[1]
    mean, rstd = np.empty((n_samples, groups)), np.empty((n_samples, groups))
    kernel = ready(layer_norm_fwd_rows)
    threads.parallel_for(n_samples * groups, lambda t0, t1: kernel(
        x, weight, bias, eps, out, mean, rstd, t0, t1), work=x.size)
    return out, mean, rstd


@njit(cache=True)
def _piece_sums(gs, xs, w, mu, rs, pw, pb):  # pragma: no cover - compiled
    """(sum(g), sum(g * (x - mu))) of a row of J = w.size pieces, g = dout * w[piece].

    The sums of dout and dout * (x - mu) are taken once per piece and scaled by its weight;
    when pw.size (affine gradients wanted), pw[j] += sum(dout * xhat) and pb[j] +=
    sum(dout) over piece j.
    """
    length = xs.size // w.size
    sum_g, sum_g_dev = 0.0, 0.0
    for j in range(w.size):
        lo, hi = j * length, (j + 1) * length  # (a slice object would make an 'A' array)
        s, sd = _sum_dot_dev_scalar(gs[lo:hi], xs[lo:hi], mu)
        sum_g += w[j] * s
        sum_g_dev += w[j] * sd
        if pw.size:
            pw[j] += sd * rs
            pb[j] += s
    return sum_g, sum_g_dev


@njit(cache=True, nogil=True)
def layer_norm_bwd_rows(dout, x, mean, rstd, weight, dx, part_w, part_b, dweight, dbias, t0,
                        t1):  # pragma: no cover - compiled
    """Gradients of layer norm on the rows of x (N, G, D): dx, partial_dweight, partial_dbias.

    Per row, with g = dout * w (weight (G, J) in x's dtype, J pieces of L = D / J values per
    row, as in ``layer_norm_fwd_rows``) and xhat = (x - mean) * rstd: dx = rstd / D * (D * g
    - sum(g) - xhat * sum(g * xhat)), written into dx (pass dx of shape (0, G, D) to skip
    it). For the affine gradients the samples are cut into B fixed blocks:
    partial_dweight[b, g, j] = sum(dout * xhat), partial_dbias[b, g, j] = sum(dout) over the
    samples of block b and piece j ((B, G, J) float64; (B, G, 0) to skip them), summed over
    b into dweight and dbias (G, J) by ``sum_blocks``: here when this call ran all the
    iterations, otherwise by the caller once all ranges are done. Parallel over (block, g):
    each iteration owns its rows of dx and its partial rows.
    """
    n_samples, groups, width = x.shape
    n_blocks = part_w.shape[0]
    length = width // weight.shape[1]
    need_dx, affine = dx.shape[0] > 0, part_w.shape[2] > 0
    per_element = length == 1  # one weight per element (layer norm)
    acc_w = np.zeros(width if per_element and affine else 0, x.dtype)  # FLUSH rows' sums
    acc_b = np.zeros_like(acc_w)
    dx_none = np.empty(0, x.dtype)
    for t in range(t0, t1):
        blk, g = t // groups, t % groups
        w, pw, pb = weight[g], part_w[blk, g], part_b[blk, g]
        n0, n1 = blk * n_samples // n_blocks, (blk + 1) * n_samples // n_blocks
        pw[:] = 0.0  # this iteration's own partial rows (allocated, not zeroed)
        pb[:] = 0.0
        for n in range(n0, n1):
            gs, xs = dout[n, g], x[n, g]
            mu, rs = mean[n, g], rstd[n, g]
            if per_element:
                sum_g, sum_g_dev = _sum_dot_dev(gs, w, xs, mu)
            else:
                sum_g, sum_g_dev = _piece_sums(gs, xs, w, mu, rs, pw, pb)
            m, s = xs.dtype.type(mu), xs.dtype.type(rs)
            k_dev = xs.dtype.type(-rs * rs * rs * sum_g_dev / width)
            k_0 = xs.dtype.type(-rs * sum_g / width)
            if not per_element:
                if need_dx:
                    _dx_pieces(gs, xs, w, m, s, k_dev, k_0, dx[n, g])
                continue
            _row_grads(gs, xs, w, m, s, k_dev, k_0, dx[n, g] if need_dx else dx_none, acc_w,
                       acc_b)
            if affine and ((n - n0) % FLUSH == FLUSH - 1 or n == n1 - 1):
                _flush(acc_w, pw)
                _flush(acc_b, pb)
    if t0 == 0 and t1 == n_blocks * groups:  # (one call on one thread: no second dispatch)
        sum_blocks(part_w, part_b, dweight, dbias)


@njit(cache=True)
def _dx_pieces(gs, xs, w, m, s, k_dev, k_0, dxs):  # pragma: no cover - compiled
    """dx of a row of w.size pieces with one weight each, as ``_dx_row``."""
    length = xs.size // w.size
    for j in range(w.size):
        scale = s * w[j]
        lo, hi = j * length, (j + 1) * length
        gp, xp, dp = gs[lo:hi], xs[lo:hi], dxs[lo:hi]
        for d in range(length):
            dp[d] = scale * gp[d] + k_dev * (xp[d] - m) + k_0


@njit(cache=True)
def _row_grads(gs, xs, w, m, s, k_dev, k_0, dxs, acc_w, acc_b):  # pragma: no cover - compiled
    """One pass over a row with one weight per element: dx = s * g * w + k_dev * (x - m) +
    k_0 into dxs, and acc_w += g * xhat, acc_b += g (xhat = (x - m) * s), in x's dtype; an
    empty dxs or acc_w skips that part (the compiler makes a loop for each case)."""
    need_dx, affine = dxs.size > 0, acc_w.size > 0
    for d in range(xs.size):
        gd, dev = gs[d], xs[d] - m
        if need_dx:
            dxs[d] = s * gd * w[d] + k_dev * dev + k_0
        if affine:
            acc_w[d] += gd * (dev * s)
            acc_b[d] += gd


@njit(cache=True)
def _flush(acc, total):  # pragma: no cover - compiled
    """total += acc (float64), then acc = 0."""
    for d in range(acc.size):
        total[d] += acc[d]
        acc[d] = 0


def layer_norm_bwd(dout: Any, x: Any, mean: Any, rstd: Any, weight: Any, dx: Any,
                   dweight: Any, dbias: Any) -> tuple[Any, Any, Any]:
    """``layer_norm_bwd_rows`` over all (block, group) iterations, then the affine sums:
    dx, dweight and dbias filled and returned (dweight, dbias (G, J), or (G, 0) to skip)."""
    n_samples, groups = x.shape[0], x.shape[1]
    n_blocks = max(1, min(n_samples, (AFFINE_TASKS + groups - 1) // groups))
    part_w = np.empty((n_blocks, groups, dweight.shape[1]))
    part_b = np.empty((n_blocks, groups, dweight.shape[1]))
    kernel = ready(layer_norm_bwd_rows)
    ranges = []

    def body(t0: int, t1: int) -> None:
        ranges.append(t0)
        kernel(dout, x, mean, rstd, weight, dx, part_w, part_b, dweight, dbias, t0, t1)

    threads.parallel_for(n_blocks * groups, body, work=2 * x.size)
    if len(ranges) > 1:  # split over threads: add the partials up now that all are done
        ready(sum_blocks)(part_w, part_b, dweight, dbias)
    return dx, dweight, dbias


@njit(cache=True)
def sum_blocks(part_w, part_b, out_w, out_b):  # pragma: no cover - compiled
    """out[g, j] = sum over b of part[b, g, j] (float64, in the order of b), in out's dtype,
    for both pairs: layer norm's affine gradients from the backward's partial sums."""
    _sum_blocks(part_w, out_w)
    _sum_blocks(part_b, out_b)


@njit(cache=True)
def _sum_blocks(part, out):  # pragma: no cover - compiled
    for g in range(part.shape[1]):
        total = np.zeros(out.shape[1])
        for b in range(part.shape[0]):
            row = part[b, g]
            for j in range(row.size):
                total[j] += row[j]
        row_out = out[g]
        for j in range(row_out.size):
            row_out[j] = total[j]
