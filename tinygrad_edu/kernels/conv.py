"""Convolution data movement: im2col, col2im and batch/channel layout changes.

The dense work of a convolution is one matrix product per group (BLAS). These kernels do the
rest, the memory shuffling, in parallel over the batch: iteration ``n`` reads and writes only
the columns (or the image) of sample ``n``, so no two iterations touch the same cell.

Layout of the column matrix ("cols"), shape (C * KH * KW, N * OH * OW):
``cols[(c * KH + i) * KW + j, n * OH * OW + oh * OW + ow] = x[n, c, oh*sh - ph + i*dh,
ow*sw - pw + j*dw]`` (zero where that falls in the padding). With it, conv is
``out[f, (n, oh, ow)] = sum_r weight[f, r] * cols[r, (n, oh, ow)]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def valid_range(size, out_size, stride, offset):  # pragma: no cover - compiled
    """Output positions z with 0 <= z*stride + offset < size, as a half-open range [lo, hi)."""
    lo = 0
    if offset < 0:
        lo = (-offset + stride - 1) // stride
    hi = 0
    if size - 1 - offset >= 0:
        hi = (size - 1 - offset) // stride + 1
    return min(lo, out_size), max(min(hi, out_size), min(lo, out_size))


@njit(cache=True, parallel=True)
def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):  # pragma: no cover - compiled
    """x (N, C, H, W) contiguous -> cols (C*KH*KW, N*OH*OW); parallel over N."""
    n_batch, channels, height, width = x.shape
    p = oh * ow
    cols = np.empty((channels * kh * kw, n_batch * p), dtype=x.dtype)
    for n in prange(n_batch):
        for c in range(channels):
            for i in range(kh):
                y_lo, y_hi = valid_range(height, oh, sh, i * dh - ph)
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    off = j * dw - pw
                    z_lo, z_hi = valid_range(width, ow, sw, off)
                    out = cols[row, n * p:(n + 1) * p]
                    out[: y_lo * ow] = 0
                    out[y_hi * ow:] = 0
                    for y in range(y_lo, y_hi):
                        src = x[n, c, y * sh - ph + i * dh]
                        dst = out[y * ow:(y + 1) * ow]
                        dst[:z_lo] = 0
                        dst[z_hi:] = 0
                        if sw == 1:  # contiguous source: a plain block copy
                            dst[z_lo:z_hi] = src[z_lo + off:z_hi + off]
                        else:
                            for z in range(z_lo, z_hi):
                                dst[z] = src[z * sw + off]
    return cols


@njit(cache=True, parallel=True)
def col2im(cols, n_batch, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow
           ):  # pragma: no cover - compiled
    """Adjoint of im2col: add each column entry back into its image cell; parallel over N."""
    p = oh * ow
    x = np.zeros((n_batch, channels, height, width), dtype=cols.dtype)
    for n in prange(n_batch):
        for c in range(channels):
            for i in range(kh):
                y_lo, y_hi = valid_range(height, oh, sh, i * dh - ph)
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    off = j * dw - pw
                    z_lo, z_hi = valid_range(width, ow, sw, off)
                    src_row = cols[row, n * p:(n + 1) * p]
                    for y in range(y_lo, y_hi):
                        dst = x[n, c, y * sh - ph + i * dh]
                        src = src_row[y * ow:(y + 1) * ow]
                        if sw == 1:
                            dst[z_lo + off:z_hi + off] += src[z_lo:z_hi]
                        else:
                            for z in range(z_lo, z_hi):
                                dst[z * sw + off] += src[z]
    return x


@njit(cache=True, parallel=True)
def batch_major(y, n_batch, bias):  # pragma: no cover - compiled
    """y (F, N*P) -> out (N, F, P), adding bias[f] (bias may be empty); parallel over N."""
    features = y.shape[0]
    p = y.shape[1] // n_batch
    out = np.empty((n_batch, features, p), dtype=y.dtype)
    has_bias = bias.shape[0] > 0
    for n in prange(n_batch):
        for f in range(features):
            b = bias[f] if has_bias else 0
            for k in range(p):
                out[n, f, k] = y[f, n * p + k] + b
    return out


@njit(cache=True, parallel=True)
def channel_major(x):  # pragma: no cover - compiled
    """x (N, F, P) -> (F, N*P), the inverse of ``batch_major``; parallel over F."""
    n_batch, features, p = x.shape
    out = np.empty((features, n_batch * p), dtype=x.dtype)
    for f in prange(features):
        for n in range(n_batch):
            for k in range(p):
                out[f, n * p + k] = x[n, f, k]
    return out
