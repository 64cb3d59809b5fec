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

Layouts, for a chunk of nb samples with TH x TW tiles each (T = TH * TW, tile t = ty*TW + tx
covers outputs [2ty, 2ty+2) x [2tx, 2tx+2) and input rows 2ty - ph .. 2ty - ph + 3):
V (16, C, nb*T) and M (16, F, nb*T), index xi = 4*row + col of the 4x4 transform.
The kernels are serial and release the GIL; the op runs chunks on worker threads.
"""

from __future__ import annotations

from numba import njit

from .conv import crop_sample, pad_sample


@njit(cache=True, nogil=True)
def input_transform(x, n0, ph, pw, th, tw, padded, v):  # pragma: no cover - compiled
    """v[:, c, k*T + t] = B^T d B for the 4x4 input patch d of tile t, sample n0 + k.

    Each channel is first copied into ``padded`` (C, 2*TH + 2, 2*TW + 2) with a zero border
    around it, so that the tile loop reads without bounds tests. (The border is written here
    every time: the same scratch also serves ``input_adjoint``, which leaves it dirty.)
    """
    channels = x.shape[1]
    nb = v.shape[2] // (th * tw)
    for k in range(nb):
        pad_sample(x, n0 + k, ph, pw, padded)
        for c in range(channels):
            plane = padded[c]
            for ty in range(th):
                r0, r1, r2, r3 = plane[2 * ty], plane[2 * ty + 1], plane[2 * ty + 2], \
                    plane[2 * ty + 3]
                base = k * th * tw + ty * tw
                for tx in range(tw):
                    z = 2 * tx
                    # t = B^T d, column by column: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3
                    a0, a1, a2, a3 = r0[z] - r2[z], r0[z + 1] - r2[z + 1], \
                        r0[z + 2] - r2[z + 2], r0[z + 3] - r2[z + 3]
                    b0, b1, b2, b3 = r1[z] + r2[z], r1[z + 1] + r2[z + 1], \
                        r1[z + 2] + r2[z + 2], r1[z + 3] + r2[z + 3]
                    e0, e1, e2, e3 = r2[z] - r1[z], r2[z + 1] - r1[z + 1], \
                        r2[z + 2] - r1[z + 2], r2[z + 3] - r1[z + 3]
                    g0, g1, g2, g3 = r1[z] - r3[z], r1[z + 1] - r3[z + 1], \
                        r1[z + 2] - r3[z + 2], r1[z + 3] - r3[z + 3]
                    col = base + tx
                    # then each row of t times B: (t0 - t2, t1 + t2, t2 - t1, t1 - t3)
                    v[0, c, col], v[1, c, col] = a0 - a2, a1 + a2
                    v[2, c, col], v[3, c, col] = a2 - a1, a1 - a3
                    v[4, c, col], v[5, c, col] = b0 - b2, b1 + b2
                    v[6, c, col], v[7, c, col] = b2 - b1, b1 - b3
                    v[8, c, col], v[9, c, col] = e0 - e2, e1 + e2
                    v[10, c, col], v[11, c, col] = e2 - e1, e1 - e3
                    v[12, c, col], v[13, c, col] = g0 - g2, g1 + g2
                    v[14, c, col], v[15, c, col] = g2 - g1, g1 - g3


@njit(cache=True, nogil=True)
def output_transform(m, n0, th, tw, out):  # pragma: no cover - compiled
    """out[n0 + k, f, 2ty:2ty+2, 2tx:2tx+2] = A^T M_t A (cropped to out's size)."""
    features, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    nb = m.shape[2] // (th * tw)
    for k in range(nb):
        n = n0 + k
        for f in range(features):
            for ty in range(th):
                y0 = 2 * ty
                top = out[n, f, y0]
                bottom = out[n, f, y0 + 1] if y0 + 1 < oh else top  # (not written then)
                base = k * th * tw + ty * tw
                for tx in range(tw):
                    col = base + tx
                    # s = A^T M: rows m0 + m1 + m2 and m1 - m2 - m3 (m_i a row of M)
                    s0 = m[0, f, col] + m[4, f, col] + m[8, f, col]
                    s1 = m[1, f, col] + m[5, f, col] + m[9, f, col]
                    s2 = m[2, f, col] + m[6, f, col] + m[10, f, col]
                    s3 = m[3, f, col] + m[7, f, col] + m[11, f, col]
                    t0 = m[4, f, col] - m[8, f, col] - m[12, f, col]
                    t1 = m[5, f, col] - m[9, f, col] - m[13, f, col]
                    t2 = m[6, f, col] - m[10, f, col] - m[14, f, col]
                    t3 = m[7, f, col] - m[11, f, col] - m[15, f, col]
                    z = 2 * tx
                    top[z] = s0 + s1 + s2
                    if y0 + 1 < oh:
                        bottom[z] = t0 + t1 + t2
                    if z + 1 < ow:
                        top[z + 1] = s1 - s2 - s3
                        if y0 + 1 < oh:
                            bottom[z + 1] = t1 - t2 - t3


@njit(cache=True, nogil=True)
def output_adjoint(dout, n0, th, tw, dm):  # pragma: no cover - compiled
    """dm[:, f, k*T + t] = A dY A^T, dY the tile's 2x2 block of dout (zero past the edge)."""
    features, oh, ow = dout.shape[1], dout.shape[2], dout.shape[3]
    nb = dm.shape[2] // (th * tw)
    for k in range(nb):
        n = n0 + k
        for f in range(features):
            plane = dout[n, f]
            for ty in range(th):
                for tx in range(tw):
                    y0, x0 = 2 * ty, 2 * tx
                    zero = plane[y0, x0] * 0
                    g00 = plane[y0, x0]
                    g01 = plane[y0, x0 + 1] if x0 + 1 < ow else zero
                    g10 = plane[y0 + 1, x0] if y0 + 1 < oh else zero
                    g11 = plane[y0 + 1, x0 + 1] if y0 + 1 < oh and x0 + 1 < ow else zero
                    # A dY has rows g0, g0 + g1, g0 - g1, -g1 (g_i a row of dY); then each
                    # row (a, b) times A^T is (a, a + b, a - b, -b)
                    col = k * th * tw + ty * tw + tx
                    for i in range(4):
                        if i == 0:
                            a, b = g00, g01
                        elif i == 1:
                            a, b = g00 + g10, g01 + g11
                        elif i == 2:
                            a, b = g00 - g10, g01 - g11
                        else:
                            a, b = -g10, -g11
                        dm[4 * i, f, col] = a
                        dm[4 * i + 1, f, col] = a + b
                        dm[4 * i + 2, f, col] = a - b
                        dm[4 * i + 3, f, col] = -b


@njit(cache=True, nogil=True)
def input_adjoint(dv, n0, ph, pw, th, tw, padded, dx):  # pragma: no cover - compiled
    """dx[n0 + k] = the sum over tiles of B dV_t B^T placed on each tile's input patch.

    ``padded`` is scratch of shape (C, 2*TH + 2, 2*TW + 2) covering every patch; what lands
    in the padding is dropped when the sample's planes are copied out.
    """
    channels = dx.shape[1]
    nb = dv.shape[2] // (th * tw)
    for k in range(nb):
        padded[:] = 0
        for c in range(channels):
            acc = padded[c]
            for ty in range(th):
                r0, r1, r2, r3 = acc[2 * ty], acc[2 * ty + 1], acc[2 * ty + 2], acc[2 * ty + 3]
                base = k * th * tw + ty * tw
                for tx in range(tw):
                    col = base + tx
                    # e = B dV by rows: (v0, v1 - v2 + v3, v1 + v2 - v0, -v3), v_i a row
                    # (written column by column), then each row of e times B^T
                    q0, q1, q2, q3 = dv[0, c, col], dv[1, c, col], dv[2, c, col], dv[3, c, col]
                    s0, s1, s2, s3 = dv[4, c, col], dv[5, c, col], dv[6, c, col], dv[7, c, col]
                    u0, u1, u2, u3 = dv[8, c, col], dv[9, c, col], dv[10, c, col], \
                        dv[11, c, col]
                    w0, w1, w2, w3 = dv[12, c, col], dv[13, c, col], dv[14, c, col], \
                        dv[15, c, col]
                    e00, e01, e02, e03 = q0, q1, q2, q3
                    e10, e11, e12, e13 = s0 - u0 + w0, s1 - u1 + w1, s2 - u2 + w2, s3 - u3 + w3
                    e20, e21, e22, e23 = s0 + u0 - q0, s1 + u1 - q1, s2 + u2 - q2, s3 + u3 - q3
                    e30, e31, e32, e33 = -w0, -w1, -w2, -w3
                    z = 2 * tx
                    r0[z] += e00
                    r0[z + 1] += e01 - e02 + e03
                    r0[z + 2] += e01 + e02 - e00
                    r0[z + 3] -= e03
                    r1[z] += e10
                    r1[z + 1] += e11 - e12 + e13
                    r1[z + 2] += e11 + e12 - e10
                    r1[z + 3] -= e13
                    r2[z] += e20
                    r2[z + 1] += e21 - e22 + e23
                    r2[z + 2] += e21 + e22 - e20
                    r2[z + 3] -= e23
                    r3[z] += e30
                    r3[z + 1] += e31 - e32 + e33
                    r3[z + 2] += e31 + e32 - e30
                    r3[z + 3] -= e33
        crop_sample(padded, ph, pw, dx, n0 + k)
