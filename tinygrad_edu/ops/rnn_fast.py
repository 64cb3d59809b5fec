"""The fast path of the recurrent ops: the steps of ``rnn.py`` fused, the sequences batched.

``rnn.py`` holds the lesson: one time step in plain numpy and its backward, and whole
sequences that loop those steps forward and backward in time. This module computes the same
numbers (to rounding) with less work:

- a step's gates are computed in place by small Numba kernels (``kernels/rnn.py``): the two
  biases added once, sigmoid(a) = (1 + tanh(a / 2)) / 2 so one ``np.tanh`` squashes every
  gate, the cell update fused; the backward of a step is one gate kernel;
- over a sequence only ``h @ w_hh.T`` has to wait for the previous step (it multiplies a
  contiguous copy of w_hh.T, made once): the input products of all T steps are one matrix
  product ``(T*N, D) @ (D, G)``, and backward saves every step's pre-activation gradient and
  then computes ``dx``, the weights' gradients (both from one product when they share the
  pre-activation gradient) and the biases' over all steps at once;
- the samples of a batch never mix, so a sequence runs as one block of rows per thread, each
  carrying its rows through every step with BLAS on one thread; the big products over all
  steps (inputs, weight gradients) are split over the threads by ``threads.matmul``;
- the LSTM's and GRU's big work arrays (gates, cell states, gate gradients), which no caller
  sees, come from a small pool and go back to it when the call or the cache is done: fresh
  memory would page-fault again at every training step (see ``_FREE``).

``rnn.py`` registers these functions as the ops' ``fast=`` pairs; autograd runs them except
inside ``reference_ops()``. The forwards check their arguments with ``rnn_args``, exactly like
the readable ones.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import rnn as kernels
from ..kernels import threads
from ..kernels.jit import ready
from .registry import needs_input_grad
from .rnn_args import check_sequence, check_step

Array = NDArray[Any]

__all__ = ["GRUCellFastCache", "GRUFastCache", "LSTMCellFastCache", "LSTMFastCache",
           "RNNCellFastCache", "RNNFastCache", "gru_cell_fast_backward", "gru_cell_fast_forward",
           "gru_fast_backward", "gru_fast_forward", "lstm_cell_fast_backward",
           "lstm_cell_fast_forward", "lstm_fast_backward", "lstm_fast_forward",
           "rnn_cell_fast_backward", "rnn_fast_backward", "rnn_relu_cell_fast_forward",
           "rnn_relu_fast_forward", "rnn_tanh_cell_fast_forward", "rnn_tanh_fast_forward"]


# ----------------------------------------------------------------------------- shared helpers

def _affine(x: Array, weight: Array, bias: Array | None = None, out: Array | None = None
            ) -> Array:
    """x @ weight.T (+ bias if not empty); x (..., D), weight (G, D) -> (..., G), written
    into ``out`` (contiguous, (..., G)) when given."""
    flat = threads.matmul(x.reshape(-1, x.shape[-1]), weight.T,
                          out=None if out is None else out.reshape(-1, weight.shape[0]))
    if bias is not None and bias.size:
        flat += bias
    result: Array = flat.reshape(x.shape[:-1] + (weight.shape[0],))
    return result


def _bias(b_ih: Array, b_hh: Array, width: int, dtype: Any) -> Array:
    """b_ih + b_hh, or zeros (width,) without bias: both biases add at the same place, so the
    step kernels add the sum (once per step block, while it is in cache)."""
    return b_ih + b_hh if b_ih.size else np.zeros(width, dtype=dtype)


def _recurrent_weight(w_hh: Array) -> Array:
    """w_hh.T (H, G) as a C-contiguous copy, made once per sequence for the per-step products
    h @ w_hh.T: OpenBLAS packs this layout faster than the transposed view (measured for 32
    rows of an LSTM with H = 256: 210 instead of 290 us a step, for a copy costing less than
    one step; the LSTM's sequence now multiplies the other way round, see ``_lstm_sequence``)."""
    return np.ascontiguousarray(w_hh.T)


# Work arrays kept between calls: (shape, dtype) -> arrays no call is using, at most
# POOL_BYTES in all (the least recently returned size goes first).
#
# A sequence's big work arrays (an LSTM of 64 x 16 steps with H = 256: 4 MB of gates, 1 MB
# each of cell states and their tanh, 4 MB of gate gradients) are fresh memory, often: glibc
# gives the top of its heap back to the system when a training step frees more than its trim
# threshold, and the next step page-faults on every 4 KB again (about 5 us a fault on a
# virtual machine: 2000-3000 faults were a third of that LSTM's training step). Kept here,
# the arrays stay mapped. Only arrays no caller ever sees come from the pool.
_FREE: dict[tuple[tuple[int, ...], str], list[Array]] = {}
POOL_BYTES = 64 << 20
_pool = {"bytes": 0}
_pool_lock = threading.Lock()
# Arrays given back and not yet filed in _FREE. A cache's arrays are given back by a weakref
# finalizer, which may run inside any allocation (a garbage collection), even on a thread that
# holds _pool_lock: it only appends here, and whoever gets the lock files them.
_returned: deque[Array] = deque()


def _file_returned() -> None:
    """Move the arrays given back into _FREE, POOL_BYTES at most (the caller holds the lock)."""
    while _returned:
        array = _returned.popleft()
        if array.nbytes > POOL_BYTES:
            continue
        key = (array.shape, array.dtype.str)
        free = _FREE.pop(key, [])  # (re)inserted last: the sizes in use stay longest
        _FREE[key] = free
        while _pool["bytes"] + array.nbytes > POOL_BYTES:
            oldest = next(k for k, v in _FREE.items() if v)
            _pool["bytes"] -= _FREE[oldest].pop().nbytes
        free.append(array)
        _pool["bytes"] += array.nbytes
        for k in [k for k, v in _FREE.items() if not v]:
            del _FREE[k]


def _take(shape: tuple[int, ...], dtype: Any) -> Array:
    """An uninitialized array from the pool (or a new one), now owned by the caller."""
    key = (tuple(shape), np.dtype(dtype).str)
    with _pool_lock:
        _file_returned()
        free = _FREE.get(key)
        if free:
            array = free.pop()
            _pool["bytes"] -= array.nbytes
            return array
    return np.empty(shape, dtype=dtype)


def _give(array: Array) -> None:
    """Return an array from ``_take`` to the pool; nothing may use it afterwards."""
    _returned.append(array)
    if _pool_lock.acquire(blocking=False):
        try:
            _file_returned()
        finally:
            _pool_lock.release()


@contextmanager
def _scratch(shape: tuple[int, ...], dtype: Any) -> Iterator[Array]:
    """A work array for the duration of the block (each call gets its own)."""
    array = _take(shape, dtype)
    try:
        yield array
    finally:
        _give(array)


def _cached(shape: tuple[int, ...], dtype: Any) -> Array:
    """A work array for an op's cache: back to the pool when the array returned dies.

    The caller keeps it in the cache only (the views it takes inside the op's calls die with
    the calls): when autograd drops the cache, the memory goes back to the pool.
    """
    base = _take(shape, dtype)
    array = base.view()
    weakref.finalize(array, _give, base).atexit = False
    return array


def _steps(length: int, reverse: bool) -> range:
    """The order in which the steps run."""
    return range(length - 1, -1, -1) if reverse else range(length)


# A block of the batch carries at least this many rows through the steps (a BLAS product of
# a row or two takes another kernel, which could round differently).
MIN_ROWS_PER_THREAD = 8


def _over_rows(batch: int, run: Any) -> None:
    """run(rows) for one block of the batch per thread, BLAS single-threaded inside.

    The recurrence never mixes samples, so each thread carries its own rows through every
    time step: one hand-off to the threads per sequence instead of one per step, and each
    row's numbers are the same whatever the blocks are. A batch run as one block (one thread,
    or fewer than 2 * MIN_ROWS_PER_THREAD rows) keeps BLAS on one thread too: OpenBLAS's own
    threads, woken for every step's product and spinning between them, made a forward 10-40
    times slower on a busy machine.
    """
    parts = threads.worker_count(batch // MIN_ROWS_PER_THREAD)
    bounds = [batch * k // parts for k in range(parts + 1)]
    with threads.single_threaded_blas():
        threads.map_workers(parts, lambda k: run(slice(bounds[k], bounds[k + 1])))


def _sigmoid_scale(gates: int, hidden: int, tanh_block: int, dtype: Any) -> Array:
    """Per column of a (N, gates * H) block: 0.5 for the sigmoid gates, 1 for the tanh one."""
    scale = np.full(gates * hidden, 0.5, dtype=dtype)
    scale[tanh_block * hidden:(tanh_block + 1) * hidden] = 1.0
    return scale


def _rnn_step(xw: Array, hw: Array, bias: Array, ones: Array, out: Array, relu: bool) -> None:
    """out = act(xw + hw + bias); out may be xw; ``ones`` is np.ones_like(bias)."""
    ready(kernels.scaled_sum)(xw, hw, bias, ones, out)
    if relu:
        np.maximum(out, 0, out=out)
    else:
        np.tanh(out, out=out)


def _lstm_step(gates: Array, hw: Array, bias: Array, scale: Array, c_prev: Array, c: Array,
               tanh_c: Array, h: Array) -> None:
    """Gates from gates + hw + bias (N, 4H), in place; c = f * c_prev + i * g, h = o * tanh(c).

    On entry ``gates`` holds the input products xw (they are not needed afterwards, so the
    gates overwrite them). sigmoid(a) = (1 + tanh(a / 2)) / 2: the kernels halve the sigmoid
    pre-activations (``scale``), one np.tanh squashes all four gates, and the kernel maps them
    back.
    """
    ready(kernels.scaled_sum)(gates, hw, bias, scale, gates)
    np.tanh(gates, out=gates)
    ready(kernels.lstm_cell_update)(gates, c_prev, c)
    np.tanh(c, out=tanh_c)
    np.multiply(gates[:, 3 * c.shape[1]:], tanh_c, out=h)


def _gru_step(xw: Array, hw: Array, scale: Array, no_bias: Array, h_prev: Array, gates: Array,
              h: Array) -> None:
    """r, z = sigmoid(xw + hw), n = tanh(xw_n + r * hw_n), h = (1 - z) * n + z * h_prev.

    ``no_bias`` is np.zeros_like(scale): the biases are inside xw and hw (the n gate needs
    them apart)."""
    hidden = h.shape[1]
    ready(kernels.scaled_sum)(xw, hw, no_bias, scale, gates)  # the n block is rewritten below
    reset_update, candidate = gates[:, :2 * hidden], gates[:, 2 * hidden:]
    np.tanh(reset_update, out=reset_update)
    ready(kernels.gru_candidate_pre)(xw, hw, gates)
    np.tanh(candidate, out=candidate)
    ready(kernels.gru_new_state)(gates, h_prev, h)


def _weight_grads(x: Array, h0: Array, out: Array, w_ih: Array, dxw: Array, dhw: Array,
                  reverse: bool, has_bias: bool, first: int) -> list[Array | None]:
    """dx, dw_ih, dw_hh, db_ih, db_hh of a sequence from its per-step gradients.

    dxw (T, N, G) is the gradient of the input products x[t] @ w_ih.T (+ b_ih), dhw that of the
    recurrent ones h_prev(t) @ w_hh.T (+ b_hh); h_prev(t) is out[t-1] (out[t+1] when
    ``reverse``), or h0 for the first step. ``first`` is the index of w_ih among the inputs.

    Each weight's gradient is one product over all steps, straight from the arrays the
    sequence already has: dw_ih from x, dw_hh from the states out (every step but the first
    read the state another step left, a contiguous block of out) plus the first step's
    product with h0, skipped when h0 is zero (the usual start). No copy of the states side by
    side and no output to split: fewer fresh megabytes per call, and fresh memory costs a page
    fault per 4 KB on the first write (about 5 us each on a virtual machine).
    """
    steps, _, gates = dxw.shape
    dxw2, dhw2 = dxw.reshape(-1, gates), dhw.reshape(-1, gates)
    dx = dw_ih = dw_hh = db_ih = db_hh = None
    if needs_input_grad(0):
        dx = threads.matmul(dxw2, w_ih).reshape(x.shape)
    if needs_input_grad(first):
        dw_ih = threads.matmul(dxw2.T, x.reshape(-1, x.shape[-1]))
    if needs_input_grad(first + 1):
        hidden = out.shape[-1]
        start = dhw[-1 if reverse else 0]  # the step that read h0
        if steps > 1:
            later = dhw[:-1] if reverse else dhw[1:]
            before = out[1:steps] if reverse else out[:steps - 1]
            dw_hh = threads.matmul(later.reshape(-1, gates).T, before.reshape(-1, hidden))
            if h0.any():
                dw_hh += threads.matmul(start.T, h0)
        else:
            dw_hh = threads.matmul(start.T, h0)
    if has_bias and needs_input_grad(first + 2):
        db_ih = dxw2.sum(axis=0)
    if has_bias and needs_input_grad(first + 3):
        db_hh = db_ih.copy() if dhw is dxw and db_ih is not None else dhw2.sum(axis=0)
    return [dx, dw_ih, dw_hh, db_ih, db_hh]


def _cell_weight_grads(x: Array, h: Array, w_ih: Array, w_hh: Array, dxw: Array, dhw: Array,
                       has_bias: bool, first: int) -> list[Array | None]:
    """dx, dh, dw_ih, dw_hh, db_ih, db_hh of one step from its pre-activation gradients.

    dxw (N, G) is the gradient of x @ w_ih.T (+ b_ih), dhw that of h @ w_hh.T (+ b_hh);
    ``first`` is the index of w_ih among the op's inputs.
    """
    dx = threads.matmul(dxw, w_ih) if needs_input_grad(0) else None
    dh = threads.matmul(dhw, w_hh) if needs_input_grad(1) else None
    dw_ih = threads.matmul(dxw.T, x) if needs_input_grad(first) else None
    dw_hh = threads.matmul(dhw.T, h) if needs_input_grad(first + 1) else None
    db_ih = dxw.sum(axis=0) if has_bias and needs_input_grad(first + 2) else None
    db_hh = dhw.sum(axis=0) if has_bias and needs_input_grad(first + 3) else None
    return [dx, dh, dw_ih, dw_hh, db_ih, db_hh]


# ----------------------------------------------------------------------------- vanilla RNN

class RNNCellFastCache(NamedTuple):
    """Cache of the fast ``rnn_tanh_cell`` / ``rnn_relu_cell`` pairs."""

    x: Array  # (N, D)
    h: Array  # (N, H), the previous state
    w_ih: Array  # (H, D)
    w_hh: Array  # (H, H)
    has_bias: bool
    out: Array  # (N, H), the new state act(a); act' is computed from it
    relu: bool


@threads.blas_in_pool
def _rnn_cell_forward(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                      b_hh: Array, relu: bool) -> tuple[Array, RNNCellFastCache]:
    out = _affine(x, w_ih)  # the input products, turned into the output in place
    bias = _bias(b_ih, b_hh, out.shape[-1], out.dtype)
    _rnn_step(out, threads.matmul(h, w_hh.T), bias, np.ones_like(bias), out, relu)
    return out, RNNCellFastCache(x, h, w_ih, w_hh, b_ih.size > 0, out, relu)


def rnn_tanh_cell_fast_forward(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                               b_hh: Array) -> tuple[Array, RNNCellFastCache]:
    """``rnn.rnn_tanh_cell_forward``: the bias sum and tanh fused, BLAS on the pool."""
    check_step("rnn_tanh_cell", 1, x, (h,), w_ih, w_hh, b_ih, b_hh)
    return _rnn_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh, relu=False)


def rnn_relu_cell_fast_forward(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                               b_hh: Array) -> tuple[Array, RNNCellFastCache]:
    """``rnn.rnn_relu_cell_forward``: the bias sum fused, BLAS on the pool."""
    check_step("rnn_relu_cell", 1, x, (h,), w_ih, w_hh, b_ih, b_hh)
    return _rnn_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh, relu=True)


@threads.blas_in_pool
def rnn_cell_fast_backward(dout: Array, cache: RNNCellFastCache) -> tuple[Array | None, ...]:
    """Through the nonlinearity (from the saved output), then through both products."""
    x, h, w_ih, w_hh, has_bias, out, relu = cache
    da = np.empty_like(out)
    ready(kernels.rnn_step_bwd)(np.ascontiguousarray(dout), np.zeros_like(out), out, da, relu)
    return tuple(_cell_weight_grads(x, h, w_ih, w_hh, da, da, has_bias, 2))


class RNNFastCache(NamedTuple):
    """Cache of the fast ``rnn_tanh`` / ``rnn_relu`` pairs over a whole sequence."""

    x: Array  # (T, N, D), contiguous
    h0: Array  # (N, H)
    w_ih: Array  # (H, D)
    w_hh: Array  # (H, H)
    has_bias: bool
    out: Array  # (T, N, H), every step's state (the op's output)
    reverse: bool
    relu: bool


def _rnn_forward(x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array, b_hh: Array,
                 reverse: bool, relu: bool) -> tuple[Array, RNNFastCache]:
    x = np.ascontiguousarray(x)
    out = _affine(x, w_ih)  # all T input products at once; out[t] = act(out[t] + hw + b)
    bias = _bias(b_ih, b_hh, out.shape[2], out.dtype)
    w_hh_t = _recurrent_weight(w_hh)

    ones = np.ones_like(bias)

    def run(rows: slice) -> None:
        out_r = out[:, rows]
        hw, h = np.empty_like(out_r[0]), h0[rows]
        for t in _steps(x.shape[0], reverse):
            np.matmul(h, w_hh_t, out=hw)
            h = out_r[t]
            _rnn_step(h, hw, bias, ones, h, relu)

    _over_rows(x.shape[1], run)
    return out, RNNFastCache(x, h0, w_ih, w_hh, b_ih.size > 0, out, reverse, relu)


def rnn_tanh_fast_forward(x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                          b_hh: Array, *, reverse: bool = False) -> tuple[Array, RNNFastCache]:
    """``rnn.rnn_tanh_forward`` with the T input products as one product."""
    check_sequence("rnn_tanh", 1, x, (h0,), w_ih, w_hh, b_ih, b_hh)
    return _rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, relu=False)


def rnn_relu_fast_forward(x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                          b_hh: Array, *, reverse: bool = False) -> tuple[Array, RNNFastCache]:
    """``rnn.rnn_relu_forward`` with the T input products as one product."""
    check_sequence("rnn_relu", 1, x, (h0,), w_ih, w_hh, b_ih, b_hh)
    return _rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, relu=True)


@threads.blas_in_pool
def rnn_fast_backward(dout: Array, cache: RNNFastCache) -> tuple[Array | None, ...]:
    """Backpropagation through time: one recurrent product per step, the rest batched."""
    x, h0, w_ih, w_hh, has_bias, out, reverse, relu = cache
    dout = np.ascontiguousarray(dout)
    da = np.empty_like(out)
    dh0 = np.empty_like(out[0])
    step = ready(kernels.rnn_step_bwd)

    def run(rows: slice) -> None:
        dh = np.zeros_like(out[0, rows])
        for t in reversed(_steps(x.shape[0], reverse)):
            step(dout[t, rows], dh, out[t, rows], da[t, rows], relu)
            np.matmul(da[t, rows], w_hh, out=dh)
        dh0[rows] = dh

    _over_rows(x.shape[1], run)
    dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(x, h0, out, w_ih, da, da, reverse, has_bias,
                                                   2)
    return dx, dh0 if needs_input_grad(1) else None, dw_ih, dw_hh, db_ih, db_hh


# ----------------------------------------------------------------------------- LSTM

class LSTMCellFastCache(NamedTuple):
    """Cache of the fast ``lstm_cell`` pair."""

    x: Array  # (N, D)
    h: Array  # (N, H)
    c: Array  # (N, H), the previous cell state
    w_ih: Array  # (4H, D)
    w_hh: Array  # (4H, H)
    has_bias: bool
    gates: Array  # (N, 4H): sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
    tanh_c: Array  # (N, H): tanh of the new cell state


@threads.blas_in_pool
def lstm_cell_fast_forward(x: Array, h: Array, c: Array, w_ih: Array, w_hh: Array,
                           b_ih: Array, b_hh: Array) -> tuple[Array, LSTMCellFastCache]:
    """``rnn.lstm_cell_forward``: one np.tanh for all four gates, fused cell update."""
    check_step("lstm_cell", 4, x, (h, c), w_ih, w_hh, b_ih, b_hh)
    gates = _affine(x, w_ih)  # the input products, turned into the gates in place
    out = np.empty((2,) + c.shape, dtype=gates.dtype)
    tanh_c = np.empty_like(out[0])
    bias = _bias(b_ih, b_hh, gates.shape[1], gates.dtype)
    scale = _sigmoid_scale(4, c.shape[1], 2, gates.dtype)
    _lstm_step(gates, threads.matmul(h, w_hh.T), bias, scale, np.ascontiguousarray(c), out[1],
               tanh_c, out[0])
    return out, LSTMCellFastCache(x, h, c, w_ih, w_hh, b_ih.size > 0, gates, tanh_c)


@threads.blas_in_pool
def lstm_cell_fast_backward(dout: Array, cache: LSTMCellFastCache) -> tuple[Array | None, ...]:
    """dout (2, N, H) holds dh' and dc'; the gate kernel turns them into da and dc."""
    x, h, c, w_ih, w_hh, has_bias, gates, tanh_c = cache
    dh_new = np.ascontiguousarray(dout[0])
    dc = np.array(dout[1], order="C")  # overwritten with the gradient for c
    dgates = np.empty_like(gates)
    ready(kernels.lstm_step_bwd)(dh_new, np.zeros_like(dc), dc, gates, np.ascontiguousarray(c),
                                 tanh_c, dgates)
    dx, dh, dw_ih, dw_hh, db_ih, db_hh = _cell_weight_grads(x, h, w_ih, w_hh, dgates, dgates,
                                                            has_bias, 3)
    return dx, dh, dc if needs_input_grad(2) else None, dw_ih, dw_hh, db_ih, db_hh


class LSTMFastCache(NamedTuple):
    """Cache of the fast ``lstm`` pair over a whole sequence."""

    x: Array  # (T, N, D), contiguous
    h0: Array  # (N, H)
    c0: Array  # (N, H), contiguous
    w_ih: Array  # (4H, D)
    w_hh: Array  # (4H, H)
    has_bias: bool
    out: Array  # (T + 1, N, H): the states h, then the final cell state
    gates: Array  # (T, N, 4H), activated
    c: Array  # (T, N, H), cell states
    tanh_c: Array  # (T, N, H)
    reverse: bool


def lstm_fast_forward(x: Array, h0: Array, c0: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                      b_hh: Array, *, reverse: bool = False) -> tuple[Array, LSTMFastCache]:
    """``rnn.lstm_forward``: the fused step at every step, the input products done at once.

    out (T + 1, N, H): the hidden states, then the final cell state (as ``rnn.lstm_forward``).
    """
    check_sequence("lstm", 4, x, (h0, c0), w_ih, w_hh, b_ih, b_hh)
    x, c0 = np.ascontiguousarray(x), np.ascontiguousarray(c0)
    length, batch, hidden = x.shape[0], x.shape[1], c0.shape[1]
    dtype = np.result_type(x, w_ih)
    # all T input products at once; the gates overwrite them
    gates = _cached((length, batch, 4 * hidden), dtype)
    _affine(x, w_ih, out=gates)
    out = np.empty((length + 1, batch, hidden), dtype=dtype)
    c, tanh_c = _cached(out[:length].shape, dtype), _cached(out[:length].shape, dtype)
    scale = _sigmoid_scale(4, hidden, 2, dtype)
    bias = _bias(b_ih, b_hh, 4 * hidden, dtype)
    _lstm_sequence(x, h0, c0, np.ascontiguousarray(w_hh), bias, scale, reverse, out, gates, c,
                   tanh_c)
    return out, LSTMFastCache(x, h0, c0, w_ih, w_hh, b_ih.size > 0, out, gates, c, tanh_c,
                              reverse)


def _lstm_sequence(x: Array, h0: Array, c0: Array, w_hh: Array, bias: Array, scale: Array,
                   reverse: bool, out: Array, gates: Array, c: Array, tanh_c: Array) -> None:
    """The time loop of ``lstm_fast_forward``: ``gates`` holds the input products on entry.

    A step's recurrent product is computed transposed, w_hh @ h.T (4H, rows), and copied back:
    OpenBLAS packs the weight (4H, H) in that product faster than w_hh.T in h @ w_hh.T, whose
    1 MB for H = 256 fills a core's L2 cache (measured for 32 rows: 0.22 ms a step with both
    copies instead of 0.28 ms with a contiguous w_hh.T; H * 3 rows of the GRU gain nothing).
    """
    length = x.shape[0]

    def run(rows: slice) -> None:
        # this block's rows of every step's buffers (then a step's block is one index away)
        gates_r, c_r, tanh_r, out_r = gates[:, rows], c[:, rows], tanh_c[:, rows], out[:, rows]
        hw = np.empty_like(gates_r[0])
        hw_t, h_t = np.empty(hw.shape[::-1], hw.dtype), np.empty(c0[rows].shape[::-1], hw.dtype)
        np.copyto(h_t, h0[rows].T)
        c_prev = c0[rows]
        for t in _steps(length, reverse):
            np.matmul(w_hh, h_t, out=hw_t)
            np.copyto(hw, hw_t.T)
            h, c_new = out_r[t], c_r[t]
            _lstm_step(gates_r[t], hw, bias, scale, c_prev, c_new, tanh_r[t], h)
            np.copyto(h_t, h.T)
            c_prev = c_new
        out[length, rows] = c_prev

    _over_rows(x.shape[1], run)


@threads.blas_in_pool
def lstm_fast_backward(dout: Array, cache: LSTMFastCache) -> tuple[Array | None, ...]:
    """Backpropagation through time for the LSTM (see ``lstm_fast_forward``)."""
    with _scratch(cache.gates.shape, cache.gates.dtype) as dgates:
        return _lstm_backward(np.ascontiguousarray(dout), cache, dgates)


def _lstm_backward(dout: Array, cache: LSTMFastCache, dgates: Array) -> tuple[Array | None, ...]:
    """``lstm_fast_backward`` with the work array for the gates' gradients (T, N, 4H)."""
    x, h0, c0, w_ih, w_hh, has_bias, out, gates, c, tanh_c, reverse = cache
    length = x.shape[0]
    dh0, dc0 = np.empty_like(c0), np.empty_like(c0)
    step = ready(kernels.lstm_step_bwd)
    first = _steps(length, reverse)[0]
    need_dh0 = needs_input_grad(1)  # else the first step's product with w_hh goes nowhere

    def run(rows: slice) -> None:
        dh, dc = np.zeros_like(c0[rows]), np.array(dout[length, rows], order="C")
        dout_r, gates_r, dgates_r = dout[:, rows], gates[:, rows], dgates[:, rows]
        c_r, tanh_r = c[:, rows], tanh_c[:, rows]
        for t in reversed(_steps(length, reverse)):
            prev = t + 1 if reverse else t - 1
            c_prev = c_r[prev] if 0 <= prev < length else c0[rows]
            step(dout_r[t], dh, dc, gates_r[t], c_prev, tanh_r[t], dgates_r[t])
            if t != first or need_dh0:
                np.matmul(dgates_r[t], w_hh, out=dh)
        dh0[rows], dc0[rows] = dh, dc

    _over_rows(x.shape[1], run)
    dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(x, h0, out[:length], w_ih, dgates, dgates,
                                                   reverse, has_bias, 3)
    return (dx, dh0 if needs_input_grad(1) else None, dc0 if needs_input_grad(2) else None,
            dw_ih, dw_hh, db_ih, db_hh)


# ----------------------------------------------------------------------------- GRU

class GRUCellFastCache(NamedTuple):
    """Cache of the fast ``gru_cell`` pair."""

    x: Array  # (N, D)
    h: Array  # (N, H), contiguous
    w_ih: Array  # (3H, D)
    w_hh: Array  # (3H, H)
    has_bias: bool
    gates: Array  # (N, 3H): r, z, n activated
    hw: Array  # (N, 3H): h @ w_hh.T + b_hh (its n block is needed by backward)


@threads.blas_in_pool
def gru_cell_fast_forward(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                          b_hh: Array) -> tuple[Array, GRUCellFastCache]:
    """``rnn.gru_cell_forward``: the gates by the fused kernels, BLAS on the pool."""
    check_step("gru_cell", 3, x, (h,), w_ih, w_hh, b_ih, b_hh)
    h = np.ascontiguousarray(h)
    xw, hw = _affine(x, w_ih, b_ih), _affine(h, w_hh, b_hh)
    out, gates = np.empty_like(h, dtype=xw.dtype), np.empty_like(xw)
    scale = _sigmoid_scale(3, h.shape[1], 2, xw.dtype)
    _gru_step(xw, hw, scale, np.zeros_like(scale), h, gates, out)
    return out, GRUCellFastCache(x, h, w_ih, w_hh, b_ih.size > 0, gates, hw)


@threads.blas_in_pool
def gru_cell_fast_backward(dout: Array, cache: GRUCellFastCache) -> tuple[Array | None, ...]:
    """The gate kernel splits dout into dxw and dhw (they differ in the n block)."""
    x, h, w_ih, w_hh, has_bias, gates, hw = cache
    dxw, dhw = np.empty_like(gates), np.empty_like(gates)
    dh_direct = np.zeros_like(h)  # becomes dout * z
    ready(kernels.gru_step_bwd)(np.ascontiguousarray(dout), dh_direct, gates, hw, h, dxw, dhw)
    grads = _cell_weight_grads(x, h, w_ih, w_hh, dxw, dhw, has_bias, 2)
    if grads[1] is not None:
        grads[1] += dh_direct
    return tuple(grads)


class GRUFastCache(NamedTuple):
    """Cache of the fast ``gru`` pair over a whole sequence."""

    x: Array  # (T, N, D), contiguous
    h0: Array  # (N, H), contiguous
    w_ih: Array  # (3H, D)
    w_hh: Array  # (3H, H)
    has_bias: bool
    out: Array  # (T, N, H)
    gates: Array  # (T, N, 3H), activated
    hw: Array  # (T, N, 3H): h_prev @ w_hh.T + b_hh of every step
    reverse: bool


def gru_fast_forward(x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array, b_hh: Array,
                     *, reverse: bool = False) -> tuple[Array, GRUFastCache]:
    """``rnn.gru_forward``: the fused step at every step, the input products done at once."""
    check_sequence("gru", 3, x, (h0,), w_ih, w_hh, b_ih, b_hh)
    x, h0 = np.ascontiguousarray(x), np.ascontiguousarray(h0)
    dtype, shape = np.result_type(x, w_ih), x.shape[:2] + (w_ih.shape[0],)
    out = np.empty(x.shape[:2] + h0.shape[1:], dtype=dtype)
    gates, hw = _cached(shape, dtype), _cached(shape, dtype)
    with _scratch(shape, dtype) as xw:
        _affine(x, w_ih, b_ih, out=xw)
        _gru_sequence(xw, h0, w_hh, b_hh, reverse, out, gates, hw)
    return out, GRUFastCache(x, h0, w_ih, w_hh, b_ih.size > 0, out, gates, hw, reverse)


def _gru_sequence(xw: Array, h0: Array, w_hh: Array, b_hh: Array, reverse: bool, out: Array,
                  gates: Array, hw: Array) -> None:
    """The time loop of ``gru_fast_forward`` from the input products xw (T, N, 3H)."""
    scale = _sigmoid_scale(3, h0.shape[1], 2, xw.dtype)
    w_hh_t = _recurrent_weight(w_hh)
    no_bias = np.zeros_like(scale)

    def run(rows: slice) -> None:
        xw_r, hw_r, gates_r, out_r = xw[:, rows], hw[:, rows], gates[:, rows], out[:, rows]
        h = h0[rows]
        for t in _steps(xw.shape[0], reverse):
            np.matmul(h, w_hh_t, out=hw_r[t])
            if b_hh.size:
                hw_r[t] += b_hh
            _gru_step(xw_r[t], hw_r[t], scale, no_bias, h, gates_r[t], out_r[t])
            h = out_r[t]

    _over_rows(xw.shape[1], run)


@threads.blas_in_pool
def gru_fast_backward(dout: Array, cache: GRUFastCache) -> tuple[Array | None, ...]:
    """Backpropagation through time for the GRU (see ``gru_fast_forward``)."""
    gates = cache.gates
    with _scratch(gates.shape, gates.dtype) as dxw, _scratch(gates.shape, gates.dtype) as dhw:
        return _gru_backward(np.ascontiguousarray(dout), cache, dxw, dhw)


def _gru_backward(dout: Array, cache: GRUFastCache, dxw: Array, dhw: Array
                  ) -> tuple[Array | None, ...]:
    """``gru_fast_backward`` with the work arrays for the products' gradients (T, N, 3H)."""
    x, h0, w_ih, w_hh, has_bias, out, gates, hw, reverse = cache
    length = x.shape[0]
    dh0 = np.empty_like(h0)
    step = ready(kernels.gru_step_bwd)

    def run(rows: slice) -> None:
        dh = np.zeros_like(h0[rows])
        dh_hw = np.empty_like(dh)  # the part of dh through the recurrent products
        for t in reversed(_steps(length, reverse)):
            prev = t + 1 if reverse else t - 1
            h_prev = out[prev, rows] if 0 <= prev < length else h0[rows]
            step(dout[t, rows], dh, gates[t, rows], hw[t, rows], h_prev, dxw[t, rows],
                 dhw[t, rows])
            dh += np.matmul(dhw[t, rows], w_hh, out=dh_hw)
        dh0[rows] = dh

    _over_rows(x.shape[1], run)
    dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(x, h0, out, w_ih, dxw, dhw, reverse,
                                                   has_bias, 2)
    return dx, dh0 if needs_input_grad(1) else None, dw_ih, dw_hh, db_ih, db_hh
