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


# Channels-last rows for small maps with several channels: each output position's row holds
# its taps ``(i * KW + j) * C + c`` with the channels innermost, so every copy is a run of C
# numbers (KW*C without dilation) instead of a run of OW positions (4 on a 4x4 map, where the
# loop overhead of im2col's copies cost more than the product). A row holds only the taps that
# fall inside the image: the position ``order[k]`` reads kernel rows
# ``ranges[k, 0] <= i < ranges[k, 1]`` and columns ``ranges[k, 2] <= j < ranges[k, 3]``, so on
# a 4x4 map with a 3x3 kernel and padding 1 the rows hold 100 of the 144 taps, and the products
# skip the zeros of the padding. Positions that read the same taps are next to each other in
# ``order`` (a class after the other), and the rows of a position are those of the chunk's nb
# samples, one after the other: the rows of sample n at position k start at
# ``nb * ranges[k, 4] + n * taps_k`` (``ranges[k, 4]``: the taps of the positions before k), so
# each class of positions is one block of rows of the same length, one product with the
# matching part of the weights. The kernels take a chunk of samples [n0, n1), whose rows stay
# in cache for the products, and the ops run chunks on the thread pool; each sample is first
# copied channels-last into a scratch image (H, W, C), flat.


@njit(cache=True, nogil=True)
def _sample_last(x, n, image):  # pragma: no cover - compiled
    """image = x[n] channels-last (H, W, C), flat."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for c in range(channels):
        for y in range(height):
            for z in range(width):
                image[(y * width + z) * channels + c] = x[n, c, y, z]


@njit(cache=True, nogil=True)
def _rows_of_sample(rows, image, n, nb, channels, width, sh, sw, ph, pw, dh, dw, ow, order,
                    ranges, adjoint):  # pragma: no cover - compiled
    """Copy sample n's taps from its channels-last image into rows (or, ``adjoint``, add
    them from rows into the image)."""
    for k in range(order.shape[0]):
        y = order[k] // ow
        z = order[k] - y * ow
        i0, i1, j0, j1 = ranges[k, 0], ranges[k, 1], ranges[k, 2], ranges[k, 3]
        run = (j1 - j0) * channels
        off = nb * ranges[k, 4] + n * (i1 - i0) * run
        for i in range(i0, i1):
            cell = (y * sh - ph + i * dh) * width + z * sw - pw
            if dw == 1:  # the row's taps are one run of (j1 - j0) * C in both
                if adjoint:
                    _add(image, (cell + j0) * channels, rows, off, run, 1)
                else:
                    _copy(rows, off, image, (cell + j0) * channels, run, 1)
                off += run
            else:
                for j in range(j0, j1):
                    if adjoint:
                        _add(image, (cell + j * dw) * channels, rows, off, channels, 1)
                    else:
                        _copy(rows, off, image, (cell + j * dw) * channels, channels, 1)
                    off += channels


@njit(cache=True, nogil=True)
def im2row(x, n0, n1, sh, sw, ph, pw, dh, dw, ow, order, ranges, rows
           ):  # pragma: no cover - compiled
    """Fill rows (flat; it may be longer) from samples n0 .. n1-1 of x (N, C, H, W)."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    image = np.empty(height * width * channels, dtype=x.dtype)
    for n in range(n0, n1):
        _sample_last(x, n, image)
        _rows_of_sample(rows, image, n - n0, n1 - n0, channels, width, sh, sw, ph, pw, dh, dw,
                        ow, order, ranges, False)


@njit(cache=True, nogil=True)
def row2im(rows, n0, n1, sh, sw, ph, pw, dh, dw, ow, order, ranges, x
           ):  # pragma: no cover - compiled
    """Adjoint of ``im2row``: overwrites samples n0 .. n1-1 of x (N, C, H, W) with the sums
    of their entries of rows (flat, as for ``im2row``)."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    image = np.empty(height * width * channels, dtype=x.dtype)
    for n in range(n0, n1):
        image[:] = 0
        _rows_of_sample(rows, image, n - n0, n1 - n0, channels, width, sh, sw, ph, pw, dh, dw,
                        ow, order, ranges, True)
        for c in range(channels):
            for y in range(height):
                for z in range(width):
                    x[n, c, y, z] = image[(y * width + z) * channels + c]


@njit(cache=True, nogil=True)
def rows_to_maps(product, n0, n1, order, bias, out):  # pragma: no cover - compiled
    """out[n0 + n, f, order[k]] = product[k * nb + n, f] (+ bias[f] when bias is not empty):
    a chunk's (positions in ``order`` x samples, F) product back into out (N, F, OH*OW)."""
    nb, features = n1 - n0, out.shape[1]
    for n in range(nb):
        for k in range(order.shape[0]):
            p, r = order[k], k * nb + n
            if bias.size:
                for f in range(features):
                    out[n0 + n, f, p] = product[r, f] + bias[f]
            else:
                for f in range(features):
                    out[n0 + n, f, p] = product[r, f]


@njit(cache=True, nogil=True)
def maps_to_rows(dout, n0, n1, order, dy):  # pragma: no cover - compiled
    """dy[k * nb + n, f] = dout[n0 + n, f, order[k]]: the layout of ``rows_to_maps``'s
    product, from dout (N, F, OH*OW)."""
    nb, features = n1 - n0, dout.shape[1]
    for n in range(nb):
        for k in range(order.shape[0]):
            p, r = order[k], k * nb + n
            for f in range(features):
                dy[r, f] = dout[n0 + n, f, p]
