"""Sequence models: RNN / LSTM / GRU steps and whole sequences (the lesson), and embeddings.

**One time step.** A cell maps an input x (N, D) and the previous state h (N, H) to a new
state. Both enter through matrix products, ``x @ w_ih.T + b_ih`` and ``h @ w_hh.T + b_hh``
(PyTorch's weight layout: w_ih (G, D), w_hh (G, H) with G = H, 4H or 3H gate rows), and the
gates mix the two elementwise:

- vanilla RNN: ``h' = tanh(a)`` (or relu) with a the sum of both products;
- LSTM: a (N, 4H) splits into input, forget, candidate and output gates [i | f | g | o];
  ``c' = sigmoid(f) * c + sigmoid(i) * tanh(g)``, ``h' = sigmoid(o) * tanh(c')``;
- GRU: reset and update gates r, z from the sum; the candidate
  ``n = tanh(xw_n + r * hw_n)`` (r applied after the product, as in PyTorch), and
  ``h' = (1 - z) * n + z * h``.

A step's backward reverses this: the gradient of the new state becomes the gradient of the
pre-activations (``da``) through each gate's derivative, and the products give the rest,
``dx = da @ w_ih``, ``dh = da @ w_hh``, ``dw_ih = da.T @ x``, ``dw_hh = da.T @ h``,
``db = sum(da)``.

**Whole sequences** (``rnn_tanh``, ``rnn_relu``, ``lstm``, ``gru``) are the course's
``rnn_forward`` / ``rnn_backward``: the forward runs the step forward at every time step and
keeps each step's cache; backpropagation through time runs the step backwards in reverse
order, feeding each step the gradient of its output plus the gradient its state received
from the step after it, and adds up the weight gradients of all steps. Inputs are
time-major, x (T, N, D). With ``reverse=True`` the steps run from t = T-1 down to 0 (the
backward half of a bidirectional layer); ``out[t]`` is still the state after reading x[t].
Biases may be empty arrays (shape (0,)) for layers without bias.

The fast pairs, registered beside these with ``fast=``, are in ``rnn_fast.py``: fused gate
kernels, the input products of all steps as one product, and one product per weight gradient
over the whole sequence. Autograd runs them; ``reference_ops()`` runs these functions
instead. ``tests/ops/test_rnn.py`` checks that the sequence ops equal the cell ops run step by
step through autograd. Arguments are checked by ``rnn_args.py`` for both pairs.

**Gradients of gradients.** Each cell's backward is also written with Tensor operations
(``rnn_step_grad``, ``lstm_step_grad``, ``gru_step_grad``: the gates computed again from
the step's input Tensors, then the same rules), for ``create_graph=True``. The sequence ops
write backpropagation through time the same way, but with as few recorded ops per step as
the recursion needs (``rnn_sequence_grad``, ``lstm_sequence_grad``, ``gru_sequence_grad``):
the states come from the op's output, the gates and the coefficients of each step's rule are
computed for all steps at once, only the carried gradient (dh, and dc for the LSTM) runs
step by step, and the weight gradients are one product over all steps.
``benchmarks/bench_rnn_second_order.py`` measures it against PyTorch and against the same
steps written by hand.

**Embedding.** A table lookup ``out = weight[indices]``. Its backward is a lesson too: a word
that appears k times receives the sum of its k output gradients, so ``dweight`` is a
scatter-add of the rows of ``dout`` (``kernels.rnn.embedding_bwd``), with nothing for
``padding_idx``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import rnn as kernels
from ..kernels.jit import ready
from . import rnn_fast as fast
from .registry import register_op
from .rnn_args import check_sequence, check_step

Array = NDArray[Any]

__all__ = ["EmbeddingCache", "GRUCache", "GRUCellCache", "LSTMCache", "LSTMCellCache",
           "RNNCache", "RNNCellCache", "embedding_backward", "embedding_forward",
           "gru_backward", "gru_cell_backward", "gru_cell_forward", "gru_forward",
           "lstm_backward", "lstm_cell_backward", "lstm_cell_forward", "lstm_forward",
           "rnn_backward", "rnn_cell_backward", "rnn_relu_cell_forward", "rnn_relu_forward",
           "rnn_tanh_cell_forward", "rnn_tanh_forward"]


# ----------------------------------------------------------------------------- vanilla RNN

class RNNCellCache(NamedTuple):
    """Cache of ``rnn_tanh_cell`` / ``rnn_relu_cell``."""

    x: Array  # (N, D)
    h: Array  # (N, H), the previous state
    w_ih: Array  # (H, D)
    w_hh: Array  # (H, H)
    has_bias: bool
    out: Array  # (N, H), the new state act(a); act' is computed from it
    relu: bool


def rnn_tanh_cell_forward(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                          b_hh: Array) -> tuple[Array, RNNCellCache]:
    """One vanilla RNN step: out = tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).

    Shape: x (N, D), h (N, H), w_ih (H, D), w_hh (H, H), b_ih and b_hh (H,) or (0,) ->
    out (N, H). Cache: x, h, the weights, whether there is a bias, out.

    Backward: da = dout * (1 - out**2); dx = da @ w_ih, dh = da @ w_hh, dw_ih = da.T @ x,
    dw_hh = da.T @ h, db_ih = db_hh = sum(da).
    """
    check_step("rnn_tanh_cell", 1, x, (h,), w_ih, w_hh, b_ih, b_hh)
    out = np.tanh(_affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh))
    return out, RNNCellCache(x, h, w_ih, w_hh, b_ih.size > 0, out, relu=False)


def rnn_relu_cell_forward(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                          b_hh: Array) -> tuple[Array, RNNCellCache]:
    """One vanilla RNN step with relu: out = max(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 0).

    Shape: as ``rnn_tanh_cell``. Backward: da = dout * (out > 0), then the same products.
    """
    check_step("rnn_relu_cell", 1, x, (h,), w_ih, w_hh, b_ih, b_hh)
    out = np.maximum(_affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh), 0)
    return out, RNNCellCache(x, h, w_ih, w_hh, b_ih.size > 0, out, relu=True)


def rnn_cell_backward(dout: Array, cache: RNNCellCache) -> tuple[Array | None, ...]:
    """Through the nonlinearity (its derivative from the saved output), then both products."""
    x, h, w_ih, w_hh, has_bias, out, relu = cache
    da = dout * (out > 0) if relu else dout * (1 - out**2)  # relu' or tanh' = 1 - tanh**2
    return (da @ w_ih, da @ w_hh, da.T @ x, da.T @ h, *_bias_grads(da, da, has_bias))


def rnn_step_grad(ctx: Any, inputs: Sequence[Any], dout: Any, needs: Sequence[bool],
                  relu: bool) -> tuple[Any, ...]:
    """``rnn_cell_backward`` with Tensor operations on the step's input Tensors ``inputs``:
    the pre-activation a is computed again, da = dout * act'(a), then the products."""
    x, h, w_ih, w_hh, b_ih, b_hh = inputs
    a = _affine_grad(x, w_ih, b_ih) + _affine_grad(h, w_hh, b_hh)
    if relu:  # relu' is the constant mask a > 0 (its own derivative is 0)
        da = dout * (a > 0).type(dout.dtype)
    else:
        out = a.tanh()
        da = dout * (1 - out * out)
    return _products_grad(da, da, inputs, needs)


def rnn_tanh_cell_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: da = dout * (1 - tanh(a)**2), then the products."""
    return rnn_step_grad(ctx, ctx.inputs, dout, ctx.needs, relu=False)


def rnn_relu_cell_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: da = dout * (a > 0), then the products."""
    return rnn_step_grad(ctx, ctx.inputs, dout, ctx.needs, relu=True)


register_op("rnn_tanh_cell", rnn_tanh_cell_forward, rnn_cell_backward,
            fast=(fast.rnn_tanh_cell_fast_forward, fast.rnn_cell_fast_backward),
            grad=rnn_tanh_cell_grad)
register_op("rnn_relu_cell", rnn_relu_cell_forward, rnn_cell_backward,
            fast=(fast.rnn_relu_cell_fast_forward, fast.rnn_cell_fast_backward),
            grad=rnn_relu_cell_grad)


class RNNCache(NamedTuple):
    """Cache of ``rnn_tanh`` / ``rnn_relu``: the inputs and every step's cache."""

    x: Array  # (T, N, D)
    h0: Array  # (N, H)
    w_ih: Array  # (H, D)
    w_hh: Array  # (H, H)
    reverse: bool
    steps: tuple[RNNCellCache, ...]  # in the order the steps ran


def rnn_tanh_forward(x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array, b_hh: Array,
                     *, reverse: bool = False) -> tuple[Array, RNNCache]:
    """A tanh RNN over a sequence: out[t] = tanh(x[t] @ w_ih.T + b_ih + out[t-1] @ w_hh.T + b_hh).

    out[-1] is h0 (out[t+1] and h0 for the last step when ``reverse``): ``rnn_tanh_cell`` at
    every step.

    Shape: x (T, N, D), h0 (N, H), w_ih (H, D), w_hh (H, H), b_ih and b_hh (H,) or (0,) ->
    out (T, N, H); the final state is out[T-1] (out[0] when ``reverse``). Cache: x, h0, the
    weights, reverse, every step's cache.

    Backward: steps in reverse order, each step's backward fed dout[t] + dh, where dh is the
    gradient its state got from the step after it (the last one is dh0); the weight and bias
    gradients are the sums over the steps.
    """
    check_sequence("rnn_tanh", 1, x, (h0,), w_ih, w_hh, b_ih, b_hh)
    out, steps = run_steps(rnn_tanh_cell_forward, x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
    return out, RNNCache(x, h0, w_ih, w_hh, reverse, steps)


def rnn_relu_forward(x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array, b_hh: Array,
                     *, reverse: bool = False) -> tuple[Array, RNNCache]:
    """A relu RNN over a sequence: ``rnn_relu_cell`` at every step (see ``rnn_tanh``).

    Shape: as ``rnn_tanh``. Backward: as ``rnn_tanh`` with the relu step's backward.
    """
    check_sequence("rnn_relu", 1, x, (h0,), w_ih, w_hh, b_ih, b_hh)
    out, steps = run_steps(rnn_relu_cell_forward, x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
    return out, RNNCache(x, h0, w_ih, w_hh, reverse, steps)


def rnn_backward(dout: Array, cache: RNNCache) -> tuple[Array | None, ...]:
    """Backpropagation through time with ``rnn_cell_backward`` (see ``through_time``)."""
    return through_time(rnn_cell_backward, dout, cache.h0, cache.reverse, cache.steps)


def rnn_tanh_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: backpropagation through time with Tensor operations
    (``rnn_sequence_grad``)."""
    return rnn_sequence_grad(ctx, dout, relu=False)


def rnn_relu_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: ``rnn_sequence_grad`` with relu's mask."""
    return rnn_sequence_grad(ctx, dout, relu=True)


register_op("rnn_tanh", rnn_tanh_forward, rnn_backward,
            fast=(fast.rnn_tanh_fast_forward, fast.rnn_fast_backward), grad=rnn_tanh_grad)
register_op("rnn_relu", rnn_relu_forward, rnn_backward,
            fast=(fast.rnn_relu_fast_forward, fast.rnn_fast_backward), grad=rnn_relu_grad)


# ----------------------------------------------------------------------------- LSTM

class LSTMCellCache(NamedTuple):
    """Cache of ``lstm_cell``."""

    x: Array  # (N, D)
    h: Array  # (N, H)
    c: Array  # (N, H), the previous cell state
    w_ih: Array  # (4H, D)
    w_hh: Array  # (4H, H)
    has_bias: bool
    i: Array  # (N, H), sigmoid of the input gate
    f: Array  # (N, H), sigmoid of the forget gate
    g: Array  # (N, H), tanh of the candidate
    o: Array  # (N, H), sigmoid of the output gate
    tanh_c: Array  # (N, H), tanh of the new cell state


def lstm_cell_forward(x: Array, h: Array, c: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                      b_hh: Array) -> tuple[Array, LSTMCellCache]:
    """One LSTM step: gates from a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, then the new state.

    With a split into [i | f | g | o] (PyTorch's order): c' = sigmoid(f) * c +
    sigmoid(i) * tanh(g), h' = sigmoid(o) * tanh(c'). out stacks both: out[0] = h',
    out[1] = c'.

    Shape: x (N, D), h and c (N, H), w_ih (4H, D), w_hh (4H, H), b_ih and b_hh (4H,) or (0,)
    -> out (2, N, H). Cache: x, h, c, the weights, whether there is a bias, the four
    activated gates and tanh(c') (N, H) each.

    Backward: dc_total = dc' + dh' * o * (1 - tanh(c')**2); the gate gradients
    (di, df, dg, do) = (dc_total * g, dc_total * c, dc_total * i, dh' * tanh(c')) times each
    activation's derivative give da (N, 4H); dc = dc_total * f, and the products as in
    ``rnn_tanh_cell``.
    """
    check_step("lstm_cell", 4, x, (h, c), w_ih, w_hh, b_ih, b_hh)
    a = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)  # (N, 4H)
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c_next = f * c + i * g
    tanh_c = np.tanh(c_next)
    out = np.stack([o * tanh_c, c_next])
    return out, LSTMCellCache(x, h, c, w_ih, w_hh, b_ih.size > 0, i, f, g, o, tanh_c)


def lstm_cell_backward(dout: Array, cache: LSTMCellCache) -> tuple[Array | None, ...]:
    """dout (2, N, H) holds dh' and dc'; back through h' = o * tanh(c'), then the gates."""
    x, h, c, w_ih, w_hh, has_bias, i, f, g, o, tanh_c = cache
    dh_next, dc_next = dout[0], dout[1]
    dc_total = dc_next + dh_next * o * (1 - tanh_c**2)  # c' reaches the loss through h' too
    di, df, dg, do = dc_total * g, dc_total * c, dc_total * i, dh_next * tanh_c
    # through sigmoid' = s * (1 - s) and tanh' = 1 - t**2, stacked like a: [i | f | g | o]
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2),
                         do * o * (1 - o)], axis=1)
    return (da @ w_ih, da @ w_hh, dc_total * f, da.T @ x, da.T @ h,
            *_bias_grads(da, da, has_bias))


def lstm_step_grad(ctx: Any, inputs: Sequence[Any], dh_next: Any, dc_next: Any,
                   needs: Sequence[bool]) -> tuple[Any, ...]:
    """``lstm_cell_backward`` with Tensor operations on the step's input Tensors: the gates
    computed again from x, h and c, then the same rules (dc_total, the four gates, the
    products)."""
    x, h, c, w_ih, w_hh, b_ih, b_hh = inputs
    a = _affine_grad(x, w_ih, b_ih) + _affine_grad(h, w_hh, b_hh)
    i, f, g, o = _gates(a, 4)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    tanh_c = (f * c + i * g).tanh()
    dc_total = dc_next + dh_next * o * (1 - tanh_c * tanh_c)
    da = ctx.apply("cat", dc_total * g * i * (1 - i), dc_total * c * f * (1 - f),
                   dc_total * i * (1 - g * g), dh_next * tanh_c * o * (1 - o), dim=1)
    dx, dh, *weights = _products_grad(da, da, (x, h, w_ih, w_hh, b_ih, b_hh),
                                      (*needs[:2], *needs[3:]))
    return (dx, dh, dc_total * f if needs[2] else None, *weights)


def lstm_cell_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: ``lstm_step_grad`` with dout[0] = dh' and dout[1] = dc'."""
    return lstm_step_grad(ctx, ctx.inputs, dout[0], dout[1], ctx.needs)


register_op("lstm_cell", lstm_cell_forward, lstm_cell_backward,
            fast=(fast.lstm_cell_fast_forward, fast.lstm_cell_fast_backward),
            grad=lstm_cell_grad)


class LSTMCache(NamedTuple):
    """Cache of ``lstm``: the inputs and every step's cache."""

    x: Array  # (T, N, D)
    h0: Array  # (N, H)
    c0: Array  # (N, H)
    w_ih: Array  # (4H, D)
    w_hh: Array  # (4H, H)
    reverse: bool
    steps: tuple[LSTMCellCache, ...]  # in the order the steps ran


def lstm_forward(x: Array, h0: Array, c0: Array, w_ih: Array, w_hh: Array, b_ih: Array,
                 b_hh: Array, *, reverse: bool = False) -> tuple[Array, LSTMCache]:
    """An LSTM over a sequence: ``lstm_cell`` at every step, carrying h and c.

    An op returns one array, so the final cell state is appended to the hidden states as one
    more "step": out[:T] are h after each step, out[T] is the last cell state. The last
    hidden state is out[T-1] (out[0] when ``reverse``).

    Shape: x (T, N, D), h0 and c0 (N, H), w_ih (4H, D), w_hh (4H, H), b_ih and b_hh (4H,) or
    (0,) -> out (T + 1, N, H). Cache: x, h0, c0, the weights, reverse, every step's cache.

    Backward: steps in reverse carrying dh and dc (dc starts at dout[T]); each step's
    backward gets (dout[t] + dh, dc) and returns the dh and dc of the step before; the weight
    and bias gradients are the sums over the steps.
    """
    check_sequence("lstm", 4, x, (h0, c0), w_ih, w_hh, b_ih, b_hh)
    hs: list[Any] = [None] * x.shape[0]
    steps, h, c = [], h0, c0
    for t in _steps(x.shape[0], reverse):
        (h, c), step = lstm_cell_forward(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        hs[t] = h
        steps.append(step)
    out = np.stack([*hs, c])  # T hidden states, then the final cell state
    return out, LSTMCache(x, h0, c0, w_ih, w_hh, reverse, tuple(steps))


def lstm_backward(dout: Array, cache: LSTMCache) -> tuple[Array | None, ...]:
    """Backpropagation through time for the LSTM (see ``lstm_forward``)."""
    steps = cache.steps
    length = len(steps)
    dx: list[Any] = [None] * length
    dh: Any = np.zeros_like(cache.h0)
    dc: Any = dout[length]  # the final cell state's own gradient
    total: list[Any] = []  # dw_ih, dw_hh, db_ih, db_hh summed over the steps
    for t, step in zip(reversed(_steps(length, cache.reverse)), reversed(steps), strict=True):
        dx[t], dh, dc, *grads = lstm_cell_backward(np.stack([dout[t] + dh, dc]), step)
        total = _add(total, grads)
    return (np.stack(dx), dh, dc, *total)


def lstm_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: backpropagation through time with Tensor operations,
    carrying dh and dc (dc starts at dout[T]); see ``lstm_sequence_grad``."""
    return lstm_sequence_grad(ctx, dout)


register_op("lstm", lstm_forward, lstm_backward,
            fast=(fast.lstm_fast_forward, fast.lstm_fast_backward), grad=lstm_grad)


# ----------------------------------------------------------------------------- GRU

class GRUCellCache(NamedTuple):
    """Cache of ``gru_cell``."""

    x: Array  # (N, D)
    h: Array  # (N, H)
    w_ih: Array  # (3H, D)
    w_hh: Array  # (3H, H)
    has_bias: bool
    r: Array  # (N, H), the reset gate (activated)
    z: Array  # (N, H), the update gate (activated)
    n: Array  # (N, H), the candidate
    hw_n: Array  # (N, H), the n block of h @ w_hh.T + b_hh (r multiplies it)


def gru_cell_forward(x: Array, h: Array, w_ih: Array, w_hh: Array, b_ih: Array, b_hh: Array
                     ) -> tuple[Array, GRUCellCache]:
    """One GRU step (PyTorch's formulation).

    With xw = x @ w_ih.T + b_ih and hw = h @ w_hh.T + b_hh split into [r | z | n]:
    r = sigmoid(xw_r + hw_r), z = sigmoid(xw_z + hw_z), n = tanh(xw_n + r * hw_n),
    out = (1 - z) * n + z * h.

    Shape: x (N, D), h (N, H), w_ih (3H, D), w_hh (3H, H), b_ih and b_hh (3H,) or (0,) ->
    out (N, H). Cache: x, h, the weights, whether there is a bias, r, z, n and hw_n (N, H).

    Backward: dn = dout * (1 - z) * (1 - n**2) = dxw_n, dhw_n = dn * r,
    dr = dn * hw_n * r(1 - r), dz = dout * (h - n) * z(1 - z) on both sides;
    dh = dout * z + dhw @ w_hh, dx = dxw @ w_ih, dw_ih = dxw.T @ x, dw_hh = dhw.T @ h,
    db_ih = sum(dxw), db_hh = sum(dhw).
    """
    check_step("gru_cell", 3, x, (h,), w_ih, w_hh, b_ih, b_hh)
    xw_r, xw_z, xw_n = np.split(_affine(x, w_ih, b_ih), 3, axis=1)
    hw_r, hw_z, hw_n = np.split(_affine(h, w_hh, b_hh), 3, axis=1)
    r, z = _sigmoid(xw_r + hw_r), _sigmoid(xw_z + hw_z)
    n = np.tanh(xw_n + r * hw_n)
    out = (1 - z) * n + z * h
    return out, GRUCellCache(x, h, w_ih, w_hh, b_ih.size > 0, r, z, n, hw_n)


def gru_cell_backward(dout: Array, cache: GRUCellCache) -> tuple[Array | None, ...]:
    """Back through out = (1 - z) * n + z * h, then the gates; dxw and dhw differ in n."""
    x, h, w_ih, w_hh, has_bias, r, z, n, hw_n = cache
    dn = dout * (1 - z) * (1 - n**2)  # through n = tanh(xw_n + r * hw_n)
    dz = dout * (h - n) * z * (1 - z)  # through z = sigmoid(xw_z + hw_z)
    dr = dn * hw_n * r * (1 - r)  # through r = sigmoid(xw_r + hw_r)
    dxw = np.concatenate([dr, dz, dn], axis=1)
    dhw = np.concatenate([dr, dz, dn * r], axis=1)  # r scales hw_n
    dh = dout * z + dhw @ w_hh  # h reaches out directly and through the products
    return (dxw @ w_ih, dh, dxw.T @ x, dhw.T @ h, *_bias_grads(dxw, dhw, has_bias))


def gru_step_grad(ctx: Any, inputs: Sequence[Any], dout: Any, needs: Sequence[bool]
                  ) -> tuple[Any, ...]:
    """``gru_cell_backward`` with Tensor operations on the step's input Tensors: r, z, n
    computed again, then the same rules (dxw and dhw differ in the n block, r * dn)."""
    x, h, w_ih, w_hh, b_ih, b_hh = inputs
    xw_r, xw_z, xw_n = _gates(_affine_grad(x, w_ih, b_ih), 3)
    hw_r, hw_z, hw_n = _gates(_affine_grad(h, w_hh, b_hh), 3)
    r, z = (xw_r + hw_r).sigmoid(), (xw_z + hw_z).sigmoid()
    n = (xw_n + r * hw_n).tanh()
    dn = dout * (1 - z) * (1 - n * n)
    dz = dout * (h - n) * z * (1 - z)
    dr = dn * hw_n * r * (1 - r)
    dxw = ctx.apply("cat", dr, dz, dn, dim=1)
    dhw = ctx.apply("cat", dr, dz, dn * r, dim=1)
    dx, dh, *weights = _products_grad(dxw, dhw, inputs, needs)
    return (dx, dout * z + dh if needs[1] else None, *weights)


def gru_cell_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: ``gru_step_grad`` on the cell's inputs."""
    return gru_step_grad(ctx, ctx.inputs, dout, ctx.needs)


register_op("gru_cell", gru_cell_forward, gru_cell_backward,
            fast=(fast.gru_cell_fast_forward, fast.gru_cell_fast_backward), grad=gru_cell_grad)


class GRUCache(NamedTuple):
    """Cache of ``gru``: the inputs and every step's cache."""

    x: Array  # (T, N, D)
    h0: Array  # (N, H)
    w_ih: Array  # (3H, D)
    w_hh: Array  # (3H, H)
    reverse: bool
    steps: tuple[GRUCellCache, ...]  # in the order the steps ran


def gru_forward(x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array, b_hh: Array, *,
                reverse: bool = False) -> tuple[Array, GRUCache]:
    """A GRU over a sequence: ``gru_cell`` at every step.

    Shape: x (T, N, D), h0 (N, H), w_ih (3H, D), w_hh (3H, H), b_ih and b_hh (3H,) or (0,)
    -> out (T, N, H); the final state is out[T-1] (out[0] when ``reverse``). Cache: x, h0,
    the weights, reverse, every step's cache.

    Backward: as ``rnn_tanh``: steps in reverse, each fed dout[t] + dh, with the GRU step's
    backward; the weight and bias gradients are the sums over the steps.
    """
    check_sequence("gru", 3, x, (h0,), w_ih, w_hh, b_ih, b_hh)
    out, steps = run_steps(gru_cell_forward, x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
    return out, GRUCache(x, h0, w_ih, w_hh, reverse, steps)


def gru_backward(dout: Array, cache: GRUCache) -> tuple[Array | None, ...]:
    """Backpropagation through time with ``gru_cell_backward`` (see ``through_time``)."""
    return through_time(gru_cell_backward, dout, cache.h0, cache.reverse, cache.steps)


def gru_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: backpropagation through time with Tensor operations
    (``gru_sequence_grad``)."""
    return gru_sequence_grad(ctx, dout)


register_op("gru", gru_forward, gru_backward,
            fast=(fast.gru_fast_forward, fast.gru_fast_backward), grad=gru_grad)


# ----------------------------------------------------------------------------- the time loops

Step = Callable[..., tuple[Array, Any]]


def run_steps(cell: Step, x: Array, h0: Array, w_ih: Array, w_hh: Array, b_ih: Array,
              b_hh: Array, reverse: bool) -> tuple[Array, tuple[Any, ...]]:
    """The course's ``rnn_forward``: the step at every time step, each from the last state.

    Returns the states (T, N, H), out[t] the state after reading x[t], and the steps' caches
    in the order they ran.
    """
    out: list[Any] = [None] * x.shape[0]
    steps, h = [], h0
    for t in _steps(x.shape[0], reverse):
        h, step = cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
        out[t] = h
        steps.append(step)
    return np.stack(out), tuple(steps)


def through_time(cell_backward: Callable[..., tuple[Any, ...]], dout: Array, h0: Array,
                 reverse: bool, steps: Sequence[Any]) -> tuple[Array | None, ...]:
    """The course's ``rnn_backward``: backpropagation through time for one-state cells.

    The steps run backwards in reverse order. Step t's output reached the loss twice: as
    out[t] (gradient dout[t]) and as the next step's state (gradient dh, from that step's
    backward), so its backward gets the sum, and its dh goes on to the step before. The
    weights and biases are shared by all steps: their gradients add up.

    Returns dx (T, N, D), dh0, then the summed dw_ih, dw_hh, db_ih, db_hh.
    """
    dx: list[Any] = [None] * len(steps)
    dh: Any = np.zeros_like(h0)
    total: list[Any] = []  # dw_ih, dw_hh, db_ih, db_hh summed over the steps
    for t, step in zip(reversed(_steps(len(steps), reverse)), reversed(steps), strict=True):
        dx[t], dh, *grads = cell_backward(dout[t] + dh, step)
        total = _add(total, grads)
    return (np.stack(dx), dh, *total)


def _states_before(ctx: Any, states: Any, h0: Any) -> Any:
    """The state each step read, (T, N, H): h0 for the first step that ran, else the state
    the step before it left (``states`` (T, N, H) the sequence op's output, in the graph)."""
    length = states.shape[0]
    first = h0.unsqueeze(0)
    if length == 1:
        return first
    if ctx.static.get("reverse", False):  # step t read out[t + 1]; the last one h0
        return ctx.apply("cat", states[1:], first, dim=0)
    return ctx.apply("cat", first, states[:-1], dim=0)


def _flat(t: Any) -> Any:
    """(T, N, K) -> (T * N, K): the steps' rows as one batch, for the shared products."""
    return t.reshape(t.shape[0] * t.shape[1], t.shape[2])


def _pre_activations(x: Any, before: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any
                     ) -> tuple[Any, Any]:
    """x @ w_ih.T + b_ih and before @ w_hh.T + b_hh for all steps at once, (T, N, G) each."""
    length, batch = x.shape[0], x.shape[1]
    xw = _affine_grad(_flat(x), w_ih, b_ih).reshape(length, batch, w_ih.shape[0])
    hw = _affine_grad(_flat(before), w_hh, b_hh).reshape(length, batch, w_hh.shape[0])
    return xw, hw


def _sequence_products(ctx: Any, dxw: Any, dhw: Any, before: Any, needs: Sequence[bool]
                       ) -> tuple[Any, ...]:
    """The products' rules summed over all steps, from the pre-activation gradients of every
    step (T, N, G): dx = dxw @ w_ih (T, N, D), dw_ih, dw_hh, db_ih, db_hh (the first input's
    and the weights' gradients; dh0 comes from the time loop)."""
    x, _, w_ih, w_hh, b_ih, b_hh = ctx.inputs[:2] + ctx.inputs[-4:]
    flat_x, flat_h = _flat(dxw), _flat(dhw)
    bias = b_ih.numel() > 0
    dx = (flat_x @ w_ih).reshape(*x.shape) if needs[0] else None
    return (dx, flat_x.t() @ _flat(x) if needs[-4] else None,
            flat_h.t() @ _flat(before) if needs[-3] else None,
            flat_x.sum(0) if bias and needs[-2] else None,
            flat_h.sum(0) if bias and needs[-1] else None)


def _stack_steps(ctx: Any, steps: list[Any]) -> Any:
    """(T, N, K) from the steps' (N, K) Tensors, in time order: one ``cat`` of the rows and
    one reshape (two nodes to differentiate, not one reshape per step and a ``cat``)."""
    batch, size = steps[0].shape
    return ctx.apply("cat", *steps, dim=0).reshape(len(steps), batch, size)


def rnn_sequence_grad(ctx: Any, dout: Any, relu: bool) -> tuple[Any, ...]:
    """``rnn_backward`` with Tensor operations, for gradients of gradients.

    The states are the op's output (``ctx.output``, part of the graph); the activation's
    derivative for every step at once (1 - out**2, or the mask out > 0); then the only
    sequential part, da[t] = (dout[t] + dh) * act'[t] with dh = da[t + 1] @ w_hh from the
    step after; and the products of all steps as one product each.
    """
    x, h0, w_ih, w_hh, b_ih, b_hh = ctx.inputs
    out = ctx.output
    deriv = (out > 0).type(out.dtype) if relu else 1 - out * out
    das: list[Any] = [None] * x.shape[0]
    dh = None
    order = _steps(x.shape[0], ctx.static.get("reverse", False))
    for t in reversed(order):
        das[t] = (dout[t] if dh is None else dout[t] + dh) * deriv[t]
        dh = das[t] @ w_hh if t != order[0] or ctx.needs[1] else None
    da = _stack_steps(ctx, das)
    dx, *weights = _sequence_products(ctx, da, da, _states_before(ctx, out, h0), ctx.needs)
    return (dx, dh, *weights)


def gru_sequence_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """``gru_backward`` with Tensor operations: the states from the op's output, r, z, n and
    the coefficients of the step's rules for all steps at once, then the time loop, where
    the gradient g[t] = dout[t] + dh of each state gives dh = g * z + dhw @ w_hh with
    dhw = [dr | dz | r * dn] = [g | g | g] * (coefficients), and the products at once."""
    x, h0, w_ih, w_hh, b_ih, b_hh = ctx.inputs
    before = _states_before(ctx, ctx.output, h0)
    xw, hw = _pre_activations(x, before, w_ih, w_hh, b_ih, b_hh)
    (xw_r, xw_z, xw_n), (hw_r, hw_z, hw_n) = _gates(xw, 3), _gates(hw, 3)
    r, z = (xw_r + hw_r).sigmoid(), (xw_z + hw_z).sigmoid()
    n = (xw_n + r * hw_n).tanh()
    dn_dg = (1 - z) * (1 - n * n)  # dn = g * dn_dg
    dz_dg = (before - n) * z * (1 - z)
    dr_dg = dn_dg * hw_n * r * (1 - r)
    to_xw = ctx.apply("cat", dr_dg, dz_dg, dn_dg, dim=2)  # dxw = [g | g | g] * to_xw
    to_hw = ctx.apply("cat", dr_dg, dz_dg, dn_dg * r, dim=2)
    gs: list[Any] = [None] * x.shape[0]
    dh = None
    order = _steps(x.shape[0], ctx.static.get("reverse", False))
    for t in reversed(order):
        g = dout[t] if dh is None else dout[t] + dh
        gs[t] = g
        if t != order[0] or ctx.needs[1]:
            dh = g * z[t] + (ctx.apply("cat", g, g, g, dim=1) * to_hw[t]) @ w_hh
    g3 = _stack_steps(ctx, gs)
    g3 = ctx.apply("cat", g3, g3, g3, dim=2)
    dx, *weights = _sequence_products(ctx, g3 * to_xw, g3 * to_hw, before, ctx.needs)
    return (dx, dh if ctx.needs[1] else None, *weights)


def lstm_sequence_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """``lstm_backward`` with Tensor operations: the hidden states from the op's output, the
    gates of all steps at once, the cell states again in a loop (c = f * c + i * g), then the
    time loop carrying dh and dc, with da = [dc_total | dc_total | dc_total | dh] *
    (coefficients) per step, and the products at once."""
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = ctx.inputs
    length = x.shape[0]
    out = ctx.output
    before = _states_before(ctx, out[:length], h0)
    xw, hw = _pre_activations(x, before, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = _gates(xw + hw, 4)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    order = _steps(length, ctx.static.get("reverse", False))
    ig = i * g
    c_before: list[Any] = [None] * length
    f_steps: list[Any] = [None] * length  # f[t], read by both loops: one getitem node each
    c = c0
    for t in order:
        c_before[t] = c
        f_steps[t] = f[t]
        c = f_steps[t] * c + ig[t]
    c_prev = _stack_steps(ctx, c_before)
    tanh_c = (f * c_prev + ig).tanh()
    to_c = o * (1 - tanh_c * tanh_c)  # dc_total = dc + dh * to_c
    to_a = ctx.apply("cat", g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g),
                     tanh_c * o * (1 - o), dim=2)  # da = [dc | dc | dc | dh] * to_a
    das: list[Any] = [None] * length
    dh, dc = None, dout[length]
    for t in reversed(order):
        dh_t = dout[t] if dh is None else dout[t] + dh
        dc_total = dc + dh_t * to_c[t]
        das[t] = ctx.apply("cat", dc_total, dc_total, dc_total, dh_t, dim=1) * to_a[t]
        if t != order[0] or ctx.needs[1]:
            dh = das[t] @ w_hh
        dc = dc_total * f_steps[t]
    da = _stack_steps(ctx, das)
    dx, *weights = _sequence_products(ctx, da, da, before, ctx.needs)
    return (dx, dh if ctx.needs[1] else None, dc if ctx.needs[2] else None, *weights)


def _affine_grad(x: Any, weight: Any, bias: Any) -> Any:
    """``_affine`` on Tensors: x @ weight.T + bias; an empty bias means none."""
    out = x @ weight.t()
    return out + bias if bias.numel() else out


def _gates(a: Any, count: int) -> list[Any]:
    """The ``count`` gate blocks of a (..., count * H), as slices of the Tensor's last axis."""
    size = a.shape[-1] // count
    return [a[..., k * size:(k + 1) * size] for k in range(count)]


def _products_grad(dxw: Any, dhw: Any, inputs: Sequence[Any], needs: Sequence[bool]
                   ) -> tuple[Any, ...]:
    """The products' rules on Tensors: dx = dxw @ w_ih, dh = dhw @ w_hh, dw_ih = dxw.T @ x,
    dw_hh = dhw.T @ h, db_ih and db_hh the sums of dxw and dhw over the batch (None for
    gradients not needed, or without a bias)."""
    x, h, w_ih, w_hh, b_ih, _ = inputs
    bias = b_ih.numel() > 0
    return (dxw @ w_ih if needs[0] else None, dhw @ w_hh if needs[1] else None,
            dxw.t() @ x if needs[2] else None, dhw.t() @ h if needs[3] else None,
            dxw.sum(0) if bias and needs[4] else None, dhw.sum(0) if bias and needs[5] else None)


# ----------------------------------------------------------------------------- helpers

def _affine(x: Array, weight: Array, bias: Array) -> Array:
    """x @ weight.T + bias; bias (0,) means none."""
    out = x @ weight.T
    return out + bias if bias.size else out


def _sigmoid(a: Array) -> Array:
    """1 / (1 + exp(-a)), computed as (1 + tanh(a / 2)) / 2: the same function, without
    overflowing exp for large negative a."""
    return 0.5 * (1 + np.tanh(0.5 * a))


def _bias_grads(dxw: Array, dhw: Array, has_bias: bool) -> tuple[Array | None, Array | None]:
    """db_ih = sum of dxw and db_hh = sum of dhw over the batch, or None without a bias."""
    return (dxw.sum(axis=0), dhw.sum(axis=0)) if has_bias else (None, None)


def _add(total: list[Any], grads: list[Any]) -> list[Any]:
    """total + grads, elementwise (None stays None: no bias); an empty total is grads."""
    if not total:
        return grads
    return [None if a is None else a + b for a, b in zip(total, grads, strict=True)]


def _steps(length: int, reverse: bool) -> range:
    """The order in which the steps run."""
    return range(length - 1, -1, -1) if reverse else range(length)


# ----------------------------------------------------------------------------- embedding

class EmbeddingCache(NamedTuple):
    """Cache of ``embedding``: the indices (flat) and the table's row count."""

    indices: Array  # (M,) int64, M = number of tokens
    num_embeddings: int
    padding_idx: int  # -1: none
    scale_grad_by_freq: bool


def embedding_forward(indices: Array, weight: Array, *, padding_idx: int = -1,
                      scale_grad_by_freq: bool = False, max_norm: float | None = None,
                      norm_type: float = 2.0) -> tuple[Array, EmbeddingCache]:
    """out[...] = weight[indices[...]]: one row of the table per token.

    Shape: indices (*) integers in [0, V), weight (V, D) -> out (*, D). Cache: indices
    flattened to (M,) int64, V, padding_idx (-1 for none), scale_grad_by_freq.

    ``max_norm`` and ``norm_type`` are only recorded: the caller (``F.embedding``) has already
    shrunk the rows it looks up in place; a graph written from the record (ONNX export)
    shrinks the rows it looks up itself.

    Backward: dweight[v] = sum of dout over the tokens equal to v (divided by the count of v
    with ``scale_grad_by_freq``); zero for v = padding_idx. indices get no gradient.
    """
    flat = np.ascontiguousarray(indices, dtype=np.int64).reshape(-1)
    out = np.take(weight, flat, axis=0).reshape(indices.shape + weight.shape[1:])
    return out, EmbeddingCache(flat, weight.shape[0], padding_idx, scale_grad_by_freq)


def embedding_backward(dout: Array, cache: EmbeddingCache) -> tuple[None, Array]:
    """Scatter-add the rows of dout into the rows of the table they were read from."""
    flat, num_embeddings, padding_idx, scale = cache
    rows = np.ascontiguousarray(dout).reshape(flat.size, -1)
    if scale:
        counts = np.bincount(flat, minlength=num_embeddings).astype(rows.dtype)
        rows = rows / counts[flat][:, None]
    return None, ready(kernels.embedding_bwd)(flat, rows, num_embeddings, padding_idx)


def embedding_grad(ctx: Any, dout: Any) -> tuple[None, Any]:
    """Differentiable backward: the rows of dout (times a constant 0 for padding tokens, 1 / the
    id's count with ``scale_grad_by_freq``) added into zeros at their ids: an accumulating
    ``index_put``, a scatter-add whose own backward gathers the rows again."""
    indices, weight = ctx.inputs
    flat = indices.numpy(force=True).astype(np.int64).reshape(-1)
    dtype = dout.numpy(force=True).dtype
    factor = (flat != ctx.static.get("padding_idx", -1)).astype(dtype)
    if ctx.static.get("scale_grad_by_freq", False):
        factor = factor / np.bincount(flat, minlength=weight.shape[0])[flat]
    rows = ctx.apply("reshape", dout, shape=(flat.size, *weight.shape[1:]))
    rows = rows * ctx.const(factor.reshape((-1,) + (1,) * (len(weight.shape) - 1)))
    zeros = ctx.const(np.zeros(tuple(weight.shape), dtype))
    return None, ctx.apply("index_put", zeros, rows, key=(flat,), accumulate=True)


register_op("embedding", embedding_forward, embedding_backward, grad=embedding_grad)

