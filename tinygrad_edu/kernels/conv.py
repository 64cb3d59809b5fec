"""Convolution data movement: im2col and its adjoint col2im, a chunk of samples at a time.

The dense work of a convolution is a matrix product per sample and group (BLAS). These
kernels do the rest, the memory shuffling. They work on a chunk of samples (``n0`` onwards)
so that the columns of the chunk stay in cache between the copy and the product, instead of
one matrix for the whole batch that is as large as the input times the kernel area.

Layout of a chunk's columns, shape (nb, C * KH * KW, OH * OW):
``cols[k, (c * KH + i) * KW + j, oh * OW + ow] = x[n0 + k, c, oh*sh - ph + i*dh,
ow*sw - pw + j*dw]`` (zero where that falls in the padding). With it, conv is
``out[n0 + k] = weight.reshape(F, -1) @ cols[k]``.

Each sample is first copied into ``padded``, a scratch image (C, H + 2*ph, W + 2*pw) with a
zero border, so the copy loops need no bounds tests: that makes them several times
faster than testing for the padding on every row. The kernels are serial and release the
GIL; the ops run chunks on several threads (``kernels.threads``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# The copy loops index with unsigned offsets: Numba then drops its test for negative indices
# (which count from the end in Python), and the compiler turns each loop into vector loads
# and stores. With signed offsets im2col ran 3x slower.


@njit(cache=True, nogil=True, inline="always")
def _copy(dst, d0, src, s0, n, step):  # pragma: no cover - compiled
    """dst[d0 + z] = src[s0 + z*step] for z < n (offsets and step >= 0)."""
    d0, s0, step = np.uint64(d0), np.uint64(s0), np.uint64(step)
    if step == 1:
        for z in range(np.uint64(n)):
            dst[d0 + z] = src[s0 + z]
    else:
        for z in range(np.uint64(n)):
            dst[d0 + z] = src[s0 + z * step]


@njit(cache=True, nogil=True, inline="always")
def _add(dst, d0, src, s0, n, step):  # pragma: no cover - compiled
    """dst[d0 + z*step] += src[s0 + z] for z < n (offsets and step >= 0)."""
    d0, s0, step = np.uint64(d0), np.uint64(s0), np.uint64(step)
    if step == 1:
        for z in range(np.uint64(n)):
            dst[d0 + z] += src[s0 + z]
    else:
        for z in range(np.uint64(n)):
            dst[d0 + z * step] += src[s0 + z]


@njit(cache=True, nogil=True)
def pad_sample(x, n, ph, pw, padded):  # pragma: no cover - compiled
    """padded[c] = x[n, c] at offset (ph, pw), zero everywhere else; padded may be larger."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for c in range(channels):
        plane = padded[c]
        plane[:ph] = 0
        plane[ph + height:] = 0
        for y in range(height):
            dst = plane[y + ph]
            dst[:pw] = 0
            _copy(dst, pw, x[n, c, y], 0, width, 1)
            dst[pw + width:] = 0


@njit(cache=True, nogil=True)
def crop_sample(padded, ph, pw, x, n):  # pragma: no cover - compiled
    """x[n, c] = padded[c] without its border: the inverse of ``pad_sample``."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for c in range(channels):
        for y in range(height):
            _copy(x[n, c, y], 0, padded[c, y + ph], pw, width, 1)


@njit(cache=True, nogil=True)
def im2col(x, n0, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, padded, cols
           ):  # pragma: no cover - compiled
    """Fill cols (nb, C*KH*KW, OH*OW) from samples n0 .. n0+nb-1 of x (N, C, H, W).

    ``padded`` is scratch of shape (C, H + 2*ph, W + 2*pw); its zero border is written here
    too, so the scratch may have served ``col2im`` before.
    """
    channels = x.shape[1]
    for k in range(cols.shape[0]):
        pad_sample(x, n0 + k, ph, pw, padded)
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = cols[k, (c * kh + i) * kw + j]
                    for y in range(oh):
                        _copy(row, y * ow, padded[c, y * sh + i * dh], j * dw, ow, sw)


@njit(cache=True, nogil=True)
def col2im(cols, n0, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, padded, x
           ):  # pragma: no cover - compiled
    """Adjoint of im2col: x[n0 + k] = the sum of every entry of cols[k] at its image cell.

    Overwrites samples n0 .. n0+nb-1 of x (N, C, H, W); overlapping windows add up.
    ``padded`` is scratch of shape (C, H + 2*ph, W + 2*pw); what lands in its border (the
    padding) is dropped.
    """
    channels = x.shape[1]
    for k in range(cols.shape[0]):
        padded[:] = 0
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = cols[k, (c * kh + i) * kw + j]
                    for y in range(oh):
                        _add(padded[c, y * sh + i * dh], j * dw, row, y * ow, ow, sw)
        crop_sample(padded, ph, pw, x, n0 + k)


# Columns of a chunk with the samples side by side, shape (C * KH * KW, nb * OH * OW):
# ``cols[(c * KH + i) * KW + j, k * OH * OW + oh * OW + ow]`` is the same tap as above. Then
# ``weight.reshape(F, -1) @ cols`` is the whole chunk's convolution in one product, which BLAS
# runs much faster than nb products with a few dozen columns each when the image is small.


@njit(cache=True, nogil=True)
def im2col_batch(x, n0, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, padded, cols
                 ):  # pragma: no cover - compiled
    """Fill cols (C*KH*KW, nb*OH*OW) from samples n0 .. n0+nb-1 of x (N, C, H, W).

    ``padded`` is scratch of shape (C, H + 2*ph, W + 2*pw), as for ``im2col``.
    """
    channels, p = x.shape[1], oh * ow
    for k in range(cols.shape[1] // p):
        pad_sample(x, n0 + k, ph, pw, padded)
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = cols[(c * kh + i) * kw + j]
                    for y in range(oh):
                        _copy(row, k * p + y * ow, padded[c, y * sh + i * dh], j * dw, ow, sw)


@njit(cache=True, nogil=True)
def col2im_batch(cols, n0, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, padded, x
                 ):  # pragma: no cover - compiled
    """Adjoint of ``im2col_batch``: overwrites samples n0 .. n0+nb-1 of x (N, C, H, W)."""
    channels, p = x.shape[1], oh * ow
    for k in range(cols.shape[1] // p):
        padded[:] = 0
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = cols[(c * kh + i) * kw + j]
                    for y in range(oh):
                        _add(padded[c, y * sh + i * dh], j * dw, row, k * p + y * ow, ow, sw)
        crop_sample(padded, ph, pw, x, n0 + k)


# Channels-last rows, shape (N * OH * OW, KH * KW * C), for small maps with several channels:
# ``rows[n * OH * OW + oh * OW + ow, (i * KW + j) * C + c]`` is the same tap as above. Each
# copy is then a run of C channels (KW*C without dilation) instead of a run of OW positions (4
# on a 4x4 map, where the loop overhead of im2col's copies cost more than the product), and a
# chunk's convolution is one product ``rows @ weight.transpose(0, 2, 3, 1).reshape(F, -1).T``.
# The kernels take a chunk of samples [n0, n1), whose rows stay in cache for the product, and
# the ops run chunks on the thread pool. Each sample is first copied channels-last into a
# zero-bordered scratch image (H + 2*ph, W + 2*pw, C), flat, so the copies need no bounds tests.


@njit(cache=True, nogil=True)
def im2row(x, n0, n1, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, rows
           ):  # pragma: no cover - compiled
    """Fill rows (flat, of ((n1 - n0) * OH * OW, KH*KW*C)) from samples n0 .. n1-1 of x
    (N, C, H, W); rows may be longer."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    wp = width + 2 * pw
    padded = np.zeros((height + 2 * ph) * wp * channels, dtype=x.dtype)
    taps = kh * kw * channels
    for n in range(n0, n1):
        for y in range(height):
            for z in range(width):
                base = ((y + ph) * wp + z + pw) * channels
                for c in range(channels):
                    padded[base + c] = x[n, c, y, z]
        for y in range(oh):
            for z in range(ow):
                dst = (((n - n0) * oh + y) * ow + z) * taps
                for i in range(kh):
                    src = ((y * sh + i * dh) * wp + z * sw) * channels
                    if dw == 1:  # the row's KW taps are one run of KW*C in both
                        _copy(rows, dst + i * kw * channels, padded, src, kw * channels, 1)
                    else:
                        for j in range(kw):
                            _copy(rows, dst + (i * kw + j) * channels, padded,
                                  src + j * dw * channels, channels, 1)


@njit(cache=True, nogil=True)
def row2im(rows, n0, n1, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, x
           ):  # pragma: no cover - compiled
    """Adjoint of ``im2row``: overwrites samples n0 .. n1-1 of x (N, C, H, W) with the sums
    of their entries of rows (flat, as for ``im2row``); what lands in the padding is dropped."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    wp = width + 2 * pw
    padded = np.empty((height + 2 * ph) * wp * channels, dtype=x.dtype)
    taps = kh * kw * channels
    for n in range(n0, n1):
        padded[:] = 0
        for y in range(oh):
            for z in range(ow):
                src = (((n - n0) * oh + y) * ow + z) * taps
                for i in range(kh):
                    dst = ((y * sh + i * dh) * wp + z * sw) * channels
                    if dw == 1:  # one run of KW*C, as in im2row
                        _add(padded, dst, rows, src + i * kw * channels, kw * channels, 1)
                    else:
                        for j in range(kw):
                            _add(padded, dst + j * dw * channels, rows,
                                 src + (i * kw + j) * channels, channels, 1)
        for c in range(channels):
            for y in range(height):
                for z in range(width):
                    x[n, c, y, z] = padded[((y + ph) * wp + z + pw) * channels + c]
