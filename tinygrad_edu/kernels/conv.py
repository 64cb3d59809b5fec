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

from numba import njit


@njit(cache=True, nogil=True)
def pad_sample(x, n, ph, pw, padded):  # pragma: no cover - compiled
    """padded[c] = x[n, c] at offset (ph, pw), zero everywhere else; padded may be larger."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for c in range(channels):
        plane = padded[c]
        plane[:ph] = 0
        plane[ph + height:] = 0
        for y in range(height):
            src = x[n, c, y]
            dst = plane[y + ph]
            dst[:pw] = 0
            for z in range(width):
                dst[z + pw] = src[z]
            dst[pw + width:] = 0


@njit(cache=True, nogil=True)
def crop_sample(padded, ph, pw, x, n):  # pragma: no cover - compiled
    """x[n, c] = padded[c] without its border: the inverse of ``pad_sample``."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for c in range(channels):
        for y in range(height):
            src = padded[c, y + ph]
            dst = x[n, c, y]
            for z in range(width):
                dst[z] = src[z + pw]


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
                        src = padded[c, y * sh + i * dh]
                        base = y * ow
                        start = j * dw
                        if sw == 1:  # contiguous source: a plain block copy
                            for z in range(ow):
                                row[base + z] = src[start + z]
                        else:
                            for z in range(ow):
                                row[base + z] = src[start + z * sw]


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
                        dst = padded[c, y * sh + i * dh]
                        base = y * ow
                        start = j * dw
                        if sw == 1:
                            for z in range(ow):
                                dst[start + z] += row[base + z]
                        else:
                            for z in range(ow):
                                dst[start + z * sw] += row[base + z]
        crop_sample(padded, ph, pw, x, n0 + k)
