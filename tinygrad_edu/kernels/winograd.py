"""Winograd F(2x2, 3x3) transforms for 3x3 stride-1 convolutions, and their adjoints.

A 3x3 convolution computes each 2x2 block of outputs from a 4x4 patch of the input with 36
multiplications per channel pair. Winograd's minimal filtering algorithm does it with 16: it
transforms the patch (``V = B^T d B``) and the filter (``U = G g G^T``) into 4x4 arrays whose
elementwise product, transformed back (``Y = A^T (U * V) A``), is the 2x2 output block.
Summed over input channels, the 16 elementwise products become 16 matrix products
``M[xi] = U[xi] @ V[xi]`` (filters x channels times channels x tiles), which BLAS does; the
transforms are these kernels. With

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

every entry is 0, +-1 or +-1/2, so the transforms only add and halve (exact in binary
floating point up to the usual rounding of sums).

The backward uses the adjoint of each linear step, which is exact: ``dM = A dY A^T`` per tile,
``dV = U^T @ dM`` and ``dU = dM @ V^T`` (BLAS), then ``dd = B dV B^T`` scattered back onto the
overlapping input patches (``input_adjoint``) and ``dg = G^T dU G`` (numpy, small).

How the loops are laid out, so that the compiler turns them into vector instructions:
tile (ty, tx) reads input rows and columns 2ty .. 2ty+3 and 2tx .. 2tx+3 of the zero-padded
image, so neighbouring tiles read every other column. The kernels therefore first split each
padded plane by the parity of row and column into four planes (``split_sample``): tap
(r, s) of tile t = ty*W1 + tx is then element ``t + (r//2)*W1 + s//2`` of the parity plane
(r % 2, s % 2), the same offset for every tile. A transform then becomes a few loops over
all tiles of a sample, each reading shifted, contiguous runs. For that, a row of tiles has
W1 = TW + 1 slots: the last one is a junk tile, computed and multiplied like the others,
ignored by ``output_transform`` and given a zero gradient by ``output_adjoint`` (6% more
work at TW = 16, instead of loops only TW long). Measured against the previous scalar
kernels, single-threaded on a (64, 32, 32, 32) batch: the input transform 2.3x faster, the
output transform 2.6x, its adjoint 2.2x, the input transform's adjoint 1.7x.

Layouts, for a chunk of nb samples (T1 = TH * W1 tile slots per sample; sample k's tile
(ty, tx) is slot k*T1 + ty*W1 + tx): V (16, C*row) and M (16, F*row), index xi = 4*i + j of
the 4x4 transform, then channel c's slots from c*row on (row >= nb*T1: the op pads rows and
planes so that no two are a power of two apart in memory, which made the transforms, which
touch all 16 planes at once, 10x slower). Each transform is two passes of one of the
helpers ``_bt``, ``_b``, ``_at``, ``_a`` (the matrix applied to columns, then to rows),
which fix the order of every sum. The kernels are serial and release the GIL; the op runs
chunks on worker threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# The four matrices, each applied to four (or two) planes at once, element by element: one
# loop that reads each input plane once and writes every output plane. Written out, the
# sums are taken in the same order everywhere, and the compiler vectorizes the loops.

@njit(cache=True, nogil=True, inline="always")
def _bt(o0, o1, o2, o3, d0, d1, d2, d3, n):  # pragma: no cover - compiled
    """[o0, o1, o2, o3] = B^T [d0, d1, d2, d3] = [d0 - d2, d1 + d2, d2 - d1, d1 - d3]."""
    for t in range(n):
        a, b, c, d = d0[t], d1[t], d2[t], d3[t]
        o0[t] = a - c
        o1[t] = b + c
        o2[t] = c - b
        o3[t] = b - d


@njit(cache=True, nogil=True, inline="always")
def _b(o0, o1, o2, o3, v0, v1, v2, v3, n):  # pragma: no cover - compiled
    """[o0, o1, o2, o3] = B [v0, v1, v2, v3] = [v0, (v1 - v2) + v3, (v1 + v2) - v0, -v3]."""
    for t in range(n):
        a, b, c, d = v0[t], v1[t], v2[t], v3[t]
        o0[t] = a
        o1[t] = (b - c) + d
        o2[t] = (b + c) - a
        o3[t] = -d


@njit(cache=True, nogil=True, inline="always")
def _at(o0, o1, m0, m1, m2, m3, n):  # pragma: no cover - compiled
    """[o0, o1] = A^T [m0, m1, m2, m3] = [(m0 + m1) + m2, (m1 - m2) - m3]."""
    for t in range(n):
        a, b, c, d = m0[t], m1[t], m2[t], m3[t]
        o0[t] = (a + b) + c
        o1[t] = (b - c) - d


@njit(cache=True, nogil=True, inline="always")
def _a(o0, o1, o2, o3, y0, y1, n):  # pragma: no cover - compiled
    """[o0, o1, o2, o3] = A [y0, y1] = [y0, y0 + y1, y0 - y1, -y1]."""
    for t in range(n):
        a, b = y0[t], y1[t]
        o0[t] = a
        o1[t] = a + b
        o2[t] = a - b
        o3[t] = -b


@njit(cache=True, nogil=True, inline="always")
def _deal(src, shift, even, odd, first):  # pragma: no cover - compiled
    """(even if z + shift is even else odd)[first + (z + shift) // 2] = src[z]: a row of the
    padded image (shift: its left padding) dealt to its parity planes."""
    first, shift = np.uint64(first), np.uint64(shift)  # (unsigned: see kernels.conv)
    for z in range(np.uint64(src.shape[0])):  # one loop with a branch: faster than two
        zz = z + shift
        if zz & 1:
            odd[first + (zz >> 1)] = src[z]
        else:
            even[first + (zz >> 1)] = src[z]


@njit(cache=True, nogil=True, inline="always")
def _gather(even, odd, first, shift, dst):  # pragma: no cover - compiled
    """dst[z] = (even if z + shift is even else odd)[first + (z + shift) // 2]: the inverse of
    ``_deal``, a row of the (padded) image from its parity planes."""
    first, shift = np.uint64(first), np.uint64(shift)
    for z in range(np.uint64(dst.shape[0])):
        zz = z + shift
        dst[z] = odd[first + (zz >> 1)] if zz & 1 else even[first + (zz >> 1)]


@njit(cache=True, nogil=True)
def split_sample(x, n, ph, pw, w1, q):  # pragma: no cover - compiled
    """q[c, 2*(Y % 2) + X % 2, (Y // 2)*w1 + X // 2] = x[n, c, Y - ph, X - pw].

    The parity planes of sample n's zero-padded image. Only the image's cells are written:
    the caller zeroes q once, and the border stays zero because every sample of a conv
    writes the same cells.
    """
    channels, height = x.shape[1], x.shape[2]
    for c in range(channels):
        for y in range(height):
            yy = y + ph
            _deal(x[n, c, y], pw, q[c, 2 * (yy & 1)], q[c, 2 * (yy & 1) + 1], (yy >> 1) * w1)


@njit(cache=True, nogil=True)
def input_transform(x, n0, nb, ph, pw, th, tw, q, r, v, row):  # pragma: no cover - compiled
    """v[4k + l, c*row + j*T1 + t] = (B^T d B)[k, l] for the 4x4 input patch d of tile slot t
    of sample n0 + j, for j < nb.

    Scratch: ``q`` (C, 4, (TH + 2) * W1) for the parity planes, zeroed by the caller before
    its first use; ``r`` (16, T1) for B^T d.
    """
    channels = x.shape[1]
    w1 = tw + 1
    slots = th * w1
    for j in range(nb):
        split_sample(x, n0 + j, ph, pw, w1, q)
        base = j * slots
        for c in range(channels):
            for col in range(4):  # B^T d, column by column: tap (i, col) of every tile
                p, shift = col & 1, col >> 1
                _bt(r[col], r[4 + col], r[8 + col], r[12 + col], q[c, p, shift:],
                    q[c, 2 + p, shift:], q[c, p, w1 + shift:], q[c, 2 + p, w1 + shift:], slots)
            at = c * row + base
            for i in range(4):  # then each row times B
                _bt(v[4 * i, at:], v[4 * i + 1, at:], v[4 * i + 2, at:], v[4 * i + 3, at:],
                    r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3], slots)


@njit(cache=True, nogil=True)
def output_transform(m, row, n0, nb, th, tw, r, out):  # pragma: no cover - compiled
    """out[n0 + j, f, 2ty:2ty+2, 2tx:2tx+2] = A^T M_t A for every real tile (cropped to
    out's size); junk slots are skipped.

    Scratch ``r`` (>= 12, T1): rows 0-7 hold A^T M (row a, column col at 4a + col), rows
    8-11 the four outputs Y[a, b] of every tile slot (at 8 + 2a + b).
    """
    features, oh = out.shape[1], out.shape[2]
    w1 = tw + 1
    slots = th * w1
    for j in range(nb):
        n, base = n0 + j, j * slots
        for f in range(features):
            at = f * row + base
            for col in range(4):  # A^T M, column by column
                _at(r[col], r[4 + col], m[col, at:], m[4 + col, at:], m[8 + col, at:],
                    m[12 + col, at:], slots)
            for a in range(2):  # then each row times A
                _at(r[8 + 2 * a], r[9 + 2 * a], r[4 * a], r[4 * a + 1], r[4 * a + 2],
                    r[4 * a + 3], slots)
            for y in range(oh):
                _gather(r[8 + 2 * (y & 1)], r[9 + 2 * (y & 1)], (y >> 1) * w1, 0, out[n, f, y])


@njit(cache=True, nogil=True)
def output_adjoint(dout, n0, nb, th, tw, r, dm, row):  # pragma: no cover - compiled
    """dm[:, f*row + j*T1 + t] = A dY A^T for the 2x2 block dY of dout at tile slot t of
    sample n0 + j (zero past dout's edge and for junk slots).

    Scratch ``r`` (>= 12, T1): rows 0-3 hold dY's four parity planes (dY[a, b] at 2a + b),
    rows 4-11 A dY (row i, column b at 4 + 2i + b).
    """
    features, oh = dout.shape[1], dout.shape[2]
    w1 = tw + 1
    slots = th * w1
    for j in range(nb):
        n, base = n0 + j, j * slots
        for f in range(features):
            r[:4] = 0
            for y in range(oh):
                _deal(dout[n, f, y], 0, r[2 * (y & 1)], r[2 * (y & 1) + 1], (y >> 1) * w1)
            for b in range(2):  # A dY, column by column
                _a(r[4 + b], r[6 + b], r[8 + b], r[10 + b], r[b], r[2 + b], slots)
            at = f * row + base
            for i in range(4):  # then each row times A^T
                _a(dm[4 * i, at:], dm[4 * i + 1, at:], dm[4 * i + 2, at:], dm[4 * i + 3, at:],
                   r[4 + 2 * i], r[5 + 2 * i], slots)


@njit(cache=True, nogil=True)
def input_adjoint(dv, row, n0, nb, ph, pw, th, tw, r, e, g, dx):  # pragma: no cover - compiled
    """dx[n0 + j] = the sum over tiles of B dV_t B^T placed on each tile's input patch.

    Scratch: ``r`` (16, T1) holds B dV; ``e`` (16, (TH + 2) * W1 + 1) the 16 entries of
    B dV B^T of every tile slot, stored from offset W1 + 1 on, with zeros before and after
    (the caller zeroes e before its first use); ``g`` (4, (TH + 1) * W1) the gradient of the
    padded image's four parity planes. A padded cell (2i + p, 2u + q) lies in tiles
    (i - 1, u - 1), (i - 1, u), (i, u - 1) and (i, u) (taps (p + 2, q + 2), (p + 2, q),
    (p, q + 2), (p, q)), summed in that order; the shifts past the first tile read zeros.
    What lands in the padding is dropped when the planes are cropped into dx.
    """
    channels, height = dx.shape[1], dx.shape[2]
    w1 = tw + 1
    slots = th * w1
    lead = w1 + 1
    cells = (th + 1) * w1
    for j in range(nb):
        n, base = n0 + j, j * slots
        for c in range(channels):
            at = c * row + base
            for col in range(4):  # B dV, column by column
                _b(r[col], r[4 + col], r[8 + col], r[12 + col], dv[col, at:], dv[4 + col, at:],
                   dv[8 + col, at:], dv[12 + col, at:], slots)
            for i in range(4):  # then each row times B^T
                _b(e[4 * i, lead:], e[4 * i + 1, lead:], e[4 * i + 2, lead:],
                   e[4 * i + 3, lead:], r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3],
                   slots)
            for p in range(2):
                for q_ in range(2):
                    up_left = e[4 * (p + 2) + q_ + 2]
                    up = e[4 * (p + 2) + q_, 1:]
                    left = e[4 * p + q_ + 2, w1:]
                    here = e[4 * p + q_, lead:]
                    dst = g[2 * p + q_]
                    for t in range(cells):
                        dst[t] = ((up_left[t] + up[t]) + left[t]) + here[t]
            for y in range(height):
                yy = y + ph
                _gather(g[2 * (yy & 1)], g[2 * (yy & 1) + 1], (yy >> 1) * w1, pw, dx[n, c, y])
