"""Recurrent-cell gate arithmetic, fused: one pass over a time step's (N, gates) block.

A recurrent step is two matrix products (``x @ w_ih.T`` and ``h @ w_hh.T``, BLAS) followed by
elementwise work: add the pre-activations, squash them through sigmoid/tanh, combine the
gates into the new state. Written with numpy that is a dozen passes over memory with a
temporary array each; the kernels here do the arithmetic in one loop.

The squashing itself is left to ``np.tanh``: numpy evaluates it with SIMD instructions, many
times faster than a compiled loop calling the C library's ``tanh`` once per element. Sigmoid
is a tanh in disguise, ``sigmoid(a) = (1 + tanh(a / 2)) / 2``, so one ``np.tanh`` call
squashes all four LSTM gates at once: the kernels halve the sigmoid gates' pre-activations
before it and map them back after it.

The kernels are serial on purpose. One step's block is small (64 x 1024 numbers in a typical
LSTM), and between two kernel calls BLAS runs the next product with its own threads: Numba's
parallel workers waiting for work would fight those threads for the cores, which made each
step many times slower when measured. Each kernel walks the rows n and, inside a row, takes
1-D views of the gate blocks (``i = gates[n, :H]``, ...): the inner loop over j then reads
and writes plain contiguous vectors, which the compiler turns into SIMD instructions (about
4x faster than indexing ``gates[n, H + j]`` in float32).

Arrays are C-contiguous and share one float dtype; the caller allocates the outputs (often a
time step's slice of a whole-sequence buffer, ``buf[t]``). The constants are made in that
dtype (``one = dc.dtype.type(1)``): a bare ``1.0`` is a float64 in Numba, and it would turn a
float32 kernel's arithmetic into float64, with half the numbers per SIMD instruction and a
conversion at every step (measured: the LSTM's backward kernel took 1.6 times as long).

Gate layouts follow PyTorch: LSTM blocks [i | f | g | o] (input, forget, cell candidate,
output) of H columns each, GRU blocks [r | z | n] (reset, update, new). ``embedding_bwd``
is the embedding's scatter-add.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def scaled_sum(xw, hw, bias, scale, out):  # pragma: no cover - compiled
    """out[n, j] = (xw[n, j] + hw[n, j] + bias[j]) * scale[j]; xw, hw, out (N, G), bias and
    scale (G,).

    This is a step's pre-activation a. With scale 0.5 on the sigmoid gates' columns and 1
    elsewhere, ``np.tanh(out)`` then holds tanh(a / 2) for the sigmoid gates and tanh(a) for
    the others. out may be xw itself: that case has its own loop, which reads and writes
    one array. (In the general loop the compiler checks at run time that out overlaps none of
    the inputs before it takes its SIMD version; when out is xw the check fails and every
    element took the scalar fallback, 8 times slower.)
    """
    n_batch, width = out.shape
    if xw.ctypes.data == out.ctypes.data:
        for n in range(n_batch):
            h_n, o_n = hw[n], out[n]
            for j in range(width):
                o_n[j] = (o_n[j] + h_n[j] + bias[j]) * scale[j]
        return
    for n in range(n_batch):
        x_n, h_n, o_n = xw[n], hw[n], out[n]
        for j in range(width):
            o_n[j] = (x_n[j] + h_n[j] + bias[j]) * scale[j]


@njit(cache=True, nogil=True)
def rnn_step_bwd(dout, dh, h, da, relu):  # pragma: no cover - compiled
    """da = (dout + dh) * act'(a), written from the saved output h = act(a).

    tanh' = 1 - h**2 and relu' = (h > 0). dout, dh, h, da: (N, H); dout is the gradient
    arriving at this step's output from above, dh the one from the next step.
    """
    n_batch, hidden = h.shape
    zero, one = h.dtype.type(0), h.dtype.type(1)
    for n in range(n_batch):
        d_out, d_h, h_n, d_a = dout[n], dh[n], h[n], da[n]
        for j in range(hidden):
            g = d_out[j] + d_h[j]
            if relu:
                d_a[j] = g if h_n[j] > zero else zero
            else:
                d_a[j] = g * (one - h_n[j] * h_n[j])


@njit(cache=True, nogil=True)
def lstm_cell_update(gates, c_prev, c):  # pragma: no cover - compiled
    """Finish the gates in place and compute the new cell state.

    On entry gates (N, 4H) holds tanh of the (scaled) pre-activations: tanh(a_i / 2),
    tanh(a_f / 2), tanh(a_g), tanh(a_o / 2). On exit it holds i, f, g, o with
    i = (1 + tanh(a_i / 2)) / 2 = sigmoid(a_i) (f and o likewise), and
    c = f * c_prev + i * g (N, H).
    """
    n_batch, hidden = c.shape
    half = c.dtype.type(0.5)
    for n in range(n_batch):
        i, f = gates[n, :hidden], gates[n, hidden:2 * hidden]
        g, o = gates[n, 2 * hidden:3 * hidden], gates[n, 3 * hidden:]
        c_p, c_n = c_prev[n], c[n]
        for j in range(hidden):
            i[j] = half + half * i[j]
            f[j] = half + half * f[j]
            o[j] = half + half * o[j]
            c_n[j] = f[j] * c_p[j] + i[j] * g[j]


@njit(cache=True, nogil=True)
def lstm_step_bwd(dout, dh, dc, gates, c_prev, tanh_c, dgates):  # pragma: no cover - compiled
    """Gradients through one LSTM step's gates.

    With dh_total = dout + dh (N, H) and the saved gates (N, 4H), c_prev and tanh_c (N, H):
    dc_total = dc + dh_total * o * (1 - tanh_c**2); then the pre-activation gradients
    di = dc_total * g * i(1-i), df = dc_total * c_prev * f(1-f), dg = dc_total * i * (1-g**2),
    do = dh_total * tanh_c * o(1-o) go to dgates (N, 4H), and dc is overwritten in place with
    the gradient for the previous cell state, dc_total * f.
    """
    n_batch, hidden = dc.shape
    one = dc.dtype.type(1)
    for n in range(n_batch):
        i, f = gates[n, :hidden], gates[n, hidden:2 * hidden]
        g, o = gates[n, 2 * hidden:3 * hidden], gates[n, 3 * hidden:]
        di, df = dgates[n, :hidden], dgates[n, hidden:2 * hidden]
        dg, do = dgates[n, 2 * hidden:3 * hidden], dgates[n, 3 * hidden:]
        d_out, d_h, d_c, c_p, t_c = dout[n], dh[n], dc[n], c_prev[n], tanh_c[n]
        for j in range(hidden):
            dht = d_out[j] + d_h[j]
            dct = d_c[j] + dht * o[j] * (one - t_c[j] * t_c[j])
            di[j] = dct * g[j] * i[j] * (one - i[j])
            df[j] = dct * c_p[j] * f[j] * (one - f[j])
            dg[j] = dct * i[j] * (one - g[j] * g[j])
            do[j] = dht * t_c[j] * o[j] * (one - o[j])
            d_c[j] = dct * f[j]


@njit(cache=True, nogil=True)
def gru_candidate_pre(xw, hw, gates):  # pragma: no cover - compiled
    """Finish the r and z gates in place and write the candidate's pre-activation.

    On entry gates[:, :2H] holds tanh((xw + hw) / 2) for r and z (xw, hw, gates (N, 3H)); on
    exit it holds r and z (sigmoids), and gates[:, 2H:] = xw_n + r * hw_n, for ``np.tanh``.
    """
    n_batch, width = gates.shape
    hidden = width // 3
    half = gates.dtype.type(0.5)
    for n in range(n_batch):
        r, z, pre = gates[n, :hidden], gates[n, hidden:2 * hidden], gates[n, 2 * hidden:]
        xw_n, hw_n = xw[n, 2 * hidden:], hw[n, 2 * hidden:]
        for j in range(hidden):
            r[j] = half + half * r[j]
            z[j] = half + half * z[j]
            pre[j] = xw_n[j] + r[j] * hw_n[j]


@njit(cache=True, nogil=True)
def gru_new_state(gates, h_prev, h):  # pragma: no cover - compiled
    """h = (1 - z) * n + z * h_prev from the finished gates (N, 3H); h_prev, h (N, H)."""
    n_batch, hidden = h.shape
    one = h.dtype.type(1)
    for n in range(n_batch):
        z, cand = gates[n, hidden:2 * hidden], gates[n, 2 * hidden:]
        h_p, h_n = h_prev[n], h[n]
        for j in range(hidden):
            h_n[j] = (one - z[j]) * cand[j] + z[j] * h_p[j]


@njit(cache=True, nogil=True)
def gru_step_bwd(dout, dh, gates, hw, h_prev, dxw, dhw):  # pragma: no cover - compiled
    """Gradients through one GRU step's gates.

    With dh_total = dout + dh (N, H), the saved gates (N, 3H), the recurrent products
    hw = h_prev @ w_hh.T + b_hh (N, 3H) and h_prev (N, H):
    dn = dh_total * (1 - z) * (1 - n**2) is the gradient of the n pre-activation on the input
    side, dxw_n; on the hidden side it is dhw_n = dn * r; dr = dn * hw_n * r(1-r) and
    dz = dh_total * (h_prev - n) * z(1-z) are shared by both sides. Writes dxw and dhw
    (N, 3H), and overwrites dh in place with the direct part of the previous state's
    gradient, dh_total * z (the caller adds dhw @ w_hh).
    """
    n_batch, hidden = dh.shape
    one = dh.dtype.type(1)
    for n in range(n_batch):
        r, z, cand = gates[n, :hidden], gates[n, hidden:2 * hidden], gates[n, 2 * hidden:]
        dx_r, dx_z, dx_n = dxw[n, :hidden], dxw[n, hidden:2 * hidden], dxw[n, 2 * hidden:]
        dh_r, dh_z, dh_n = dhw[n, :hidden], dhw[n, hidden:2 * hidden], dhw[n, 2 * hidden:]
        d_out, d_h, h_p, hw_n = dout[n], dh[n], h_prev[n], hw[n, 2 * hidden:]
        for j in range(hidden):
            dht = d_out[j] + d_h[j]
            dn = dht * (one - z[j]) * (one - cand[j] * cand[j])
            dr = dn * hw_n[j] * r[j] * (one - r[j])
            dz = dht * (h_p[j] - cand[j]) * z[j] * (one - z[j])
            dx_r[j] = dr
            dx_z[j] = dz
            dx_n[j] = dn
            dh_r[j] = dr
            dh_z[j] = dz
            dh_n[j] = dn * r[j]
            d_h[j] = dht * z[j]


@njit(cache=True, nogil=True)
def embedding_bwd(indices, dout, num_embeddings, padding_idx):  # pragma: no cover - compiled
    """dweight[indices[m]] += dout[m] for every token m; the row ``padding_idx`` stays zero.

    indices (M,) int64 in [0, num_embeddings), dout (M, D) -> dweight (num_embeddings, D).
    A word that appears k times gets the sum of its k rows, added in token order. Serial: a
    batch of tokens is little work, and two tokens of the same word would add into the same
    row from different threads.
    """
    n_tokens, dim = dout.shape
    dweight = np.zeros((num_embeddings, dim), dtype=dout.dtype)
    for m in range(n_tokens):
        row = indices[m]
        if row != padding_idx:
            for d in range(dim):
                dweight[row, d] += dout[m, d]
    return dweight
