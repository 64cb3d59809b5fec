"""Embedding, RNN/LSTM/GRU cells and sequences: kernels against numpy, ops and modules against
torch, whole-sequence ops against the cells run step by step through autograd, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jit_helpers import assert_passes_without_jit, num_threads

import tinygrad_edu as tg
from tinygrad_edu.kernels import rnn as kernels
from tinygrad_edu.nn import functional as R
from tinygrad_edu.ops import rnn as ops
from tinygrad_edu.testing import gradcheck

torch = pytest.importorskip("torch")

MODULES = {"RNN": (tg.nn.RNN, torch.nn.RNN), "LSTM": (tg.nn.LSTM, torch.nn.LSTM),
           "GRU": (tg.nn.GRU, torch.nn.GRU)}
CELLS = {"RNNCell": (tg.nn.RNNCell, torch.nn.RNNCell),
         "LSTMCell": (tg.nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (tg.nn.GRUCell, torch.nn.GRUCell)}
TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-4, atol=2e-5)}


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ----------------------------------------------------------------------------- kernels

def _compiled_and_python(kernel):
    """The kernel and its plain-Python source function (the same one under NUMBA_DISABLE_JIT)."""
    return kernel, getattr(kernel, "py_func", kernel)


def _blocks(rng, n, hidden, gates, dtype=np.float64):
    return rng.standard_normal((n, gates * hidden)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gate_kernels_equal_naive_numpy(dtype):
    rng = np.random.default_rng(0)
    n, hidden = 3, 5
    xw, hw = _blocks(rng, n, hidden, 4, dtype), _blocks(rng, n, hidden, 4, dtype)
    scale, bias = rng.standard_normal((2, 4 * hidden)).astype(dtype)
    for kernel in _compiled_and_python(kernels.scaled_sum):
        out = np.empty_like(xw)
        kernel(xw, hw, bias, scale, out)
        np.testing.assert_allclose(out, (xw + hw + bias) * scale, rtol=1e-5, atol=1e-6)
        in_place = xw.copy()
        kernel(in_place, hw, bias, scale, in_place)
        np.testing.assert_array_equal(in_place, out)
    # lstm_cell_update: tanh'd pre-activations -> gates and c
    t = np.tanh(xw)
    c_prev = rng.standard_normal((n, hidden)).astype(dtype)
    for kernel in _compiled_and_python(kernels.lstm_cell_update):
        gates, c = t.copy(), np.empty_like(c_prev)
        kernel(gates, c_prev, c)
        i, f, g, o = np.split(t, 4, axis=1)
        expect = np.concatenate([(1 + i) / 2, (1 + f) / 2, g, (1 + o) / 2], axis=1)
        np.testing.assert_allclose(gates, expect, rtol=1e-6)
        np.testing.assert_allclose(c, (1 + f) / 2 * c_prev + (1 + i) / 2 * g, rtol=1e-5,
                                   atol=1e-6)
    # GRU: candidate pre-activation and the new state
    xw3, hw3 = _blocks(rng, n, hidden, 3, dtype), _blocks(rng, n, hidden, 3, dtype)
    for pre, new in zip(_compiled_and_python(kernels.gru_candidate_pre),
                        _compiled_and_python(kernels.gru_new_state), strict=True):
        gates = np.tanh(xw3)
        r, z = (1 + gates[:, :hidden]) / 2, (1 + gates[:, hidden:2 * hidden]) / 2
        pre(xw3, hw3, gates)
        np.testing.assert_allclose(gates[:, :2 * hidden], np.concatenate([r, z], 1), rtol=1e-6)
        np.testing.assert_allclose(gates[:, 2 * hidden:],
                                   xw3[:, 2 * hidden:] + r * hw3[:, 2 * hidden:], rtol=1e-5,
                                   atol=1e-6)
        h = np.empty_like(c_prev)
        new(gates, c_prev, h)
        np.testing.assert_allclose(h, (1 - z) * gates[:, 2 * hidden:] + z * c_prev, rtol=1e-5,
                                   atol=1e-6)


def lstm_step_bwd_naive(dout, dh, dc, gates, c_prev, tanh_c):
    i, f, g, o = np.split(gates, 4, axis=1)
    dht = dout + dh
    dct = dc + dht * o * (1 - tanh_c ** 2)
    dgates = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
                             dct * i * (1 - g ** 2), dht * tanh_c * o * (1 - o)], axis=1)
    return dgates, dct * f


def gru_step_bwd_naive(dout, dh, gates, hw, h_prev):
    hidden = dh.shape[1]
    r, z, n = np.split(gates, 3, axis=1)
    dht = dout + dh
    dn = dht * (1 - z) * (1 - n ** 2)
    dr = dn * hw[:, 2 * hidden:] * r * (1 - r)
    dz = dht * (h_prev - n) * z * (1 - z)
    return (np.concatenate([dr, dz, dn], 1), np.concatenate([dr, dz, dn * r], 1), dht * z)


def test_backward_kernels_equal_naive_numpy():
    rng = np.random.default_rng(1)
    n, hidden = 4, 3
    state = lambda: rng.standard_normal((n, hidden))  # noqa: E731
    dout, dh, h, c_prev = state(), state(), np.tanh(state()), state()
    for relu in (False, True):
        expect = (dout + dh) * ((h > 0) if relu else (1 - h ** 2))
        for kernel in _compiled_and_python(kernels.rnn_step_bwd):
            da = np.empty_like(h)
            kernel(dout, dh, np.maximum(h, 0) if relu else h, da, relu)
            np.testing.assert_allclose(da, expect, rtol=1e-12)
    gates = sigmoid(_blocks(rng, n, hidden, 4))
    tanh_c, dc = np.tanh(state()), state()
    expect_g, expect_dc = lstm_step_bwd_naive(dout, dh, dc, gates, c_prev, tanh_c)
    for kernel in _compiled_and_python(kernels.lstm_step_bwd):
        dgates, dc_k = np.empty_like(gates), dc.copy()
        kernel(dout, dh, dc_k, gates, c_prev, tanh_c, dgates)
        np.testing.assert_allclose(dgates, expect_g, rtol=1e-12)
        np.testing.assert_allclose(dc_k, expect_dc, rtol=1e-12)
    gates3, hw = sigmoid(_blocks(rng, n, hidden, 3)), _blocks(rng, n, hidden, 3)
    expect = gru_step_bwd_naive(dout, dh, gates3, hw, c_prev)
    for kernel in _compiled_and_python(kernels.gru_step_bwd):
        dxw, dhw, dh_k = np.empty_like(gates3), np.empty_like(gates3), dh.copy()
        kernel(dout, dh_k, gates3, hw, c_prev, dxw, dhw)
        for got, want in zip((dxw, dhw, dh_k), expect, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_embedding_kernel_equals_naive_add_at():
    rng = np.random.default_rng(2)
    indices = rng.integers(0, 6, 40)
    dout = rng.standard_normal((40, 7))
    for padding_idx in (-1, 3):
        expect = np.zeros((6, 7))
        np.add.at(expect, indices, dout)
        if padding_idx >= 0:
            expect[padding_idx] = 0
        for kernel in _compiled_and_python(kernels.embedding_bwd):
            np.testing.assert_allclose(kernel(indices, dout, 6, padding_idx), expect,
                                       rtol=1e-12)


# ----------------------------------------------------------------------------- primitives

def _numerical_check(forward, arrays, static, rng, skip=()):
    """Each backward gradient against central differences of sum(forward(...) * dout)."""
    out, cache = forward(*arrays, **static)
    dout = rng.standard_normal(out.shape)
    backward = {ops.rnn_tanh_cell_forward: ops.rnn_cell_backward,
                ops.rnn_relu_cell_forward: ops.rnn_cell_backward,
                ops.lstm_cell_forward: ops.lstm_cell_backward,
                ops.gru_cell_forward: ops.gru_cell_backward,
                ops.rnn_tanh_forward: ops.rnn_backward, ops.rnn_relu_forward: ops.rnn_backward,
                ops.lstm_forward: ops.lstm_backward, ops.gru_forward: ops.gru_backward,
                ops.embedding_forward: ops.embedding_backward}[forward]
    grads = backward(dout, cache)
    assert len(grads) == len(arrays)
    for k, arr in enumerate(arrays):
        if k in skip:
            continue
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            plus = np.sum(forward(*arrays, **static)[0] * dout)
            arr[idx] = old - 1e-6
            minus = np.sum(forward(*arrays, **static)[0] * dout)
            arr[idx] = old
            num[idx] = (plus - minus) / 2e-6
        np.testing.assert_allclose(grads[k], num, rtol=1e-6, atol=1e-8, err_msg=f"input {k}")


def _op_arrays(rng, op, steps=3, n=2, d=3, hidden=2, bias=True):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[op]
    x = rng.standard_normal((steps, n, d) if steps else (n, d))
    states = [rng.standard_normal((n, hidden)) for _ in range(2 if op == "lstm" else 1)]
    weights = [rng.standard_normal((gates * hidden, d)) * 0.7,
               rng.standard_normal((gates * hidden, hidden)) * 0.7]
    biases = [rng.standard_normal(gates * hidden) if bias else np.empty(0) for _ in range(2)]
    return [x, *states, *weights, *biases]


@pytest.mark.parametrize("forward", [ops.rnn_tanh_cell_forward, ops.rnn_relu_cell_forward,
                                     ops.lstm_cell_forward, ops.gru_cell_forward])
def test_cell_backward_called_directly_matches_numerical(forward):
    rng = np.random.default_rng(3)
    op = forward.__name__.split("_")[0]
    for bias in (True, False):
        arrays = _op_arrays(rng, op, steps=0, bias=bias)
        _numerical_check(forward, arrays, {}, rng, skip=() if bias else (len(arrays) - 2,
                                                                          len(arrays) - 1))


@pytest.mark.parametrize("forward", [ops.rnn_tanh_forward, ops.rnn_relu_forward,
                                     ops.lstm_forward, ops.gru_forward])
@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_backward_called_directly_matches_numerical(forward, reverse):
    rng = np.random.default_rng(4)
    arrays = _op_arrays(rng, forward.__name__.split("_")[0])
    _numerical_check(forward, arrays, {"reverse": reverse}, rng)


def test_embedding_backward_called_directly_matches_numerical():
    rng = np.random.default_rng(5)
    indices, weight = rng.integers(0, 4, (2, 3)), rng.standard_normal((4, 3))
    _numerical_check(ops.embedding_forward, [indices, weight], {}, rng, skip=(0,))
    # padding_idx and scale_grad_by_freq change the gradient on purpose (not the forward)
    out, cache = ops.embedding_forward(indices, weight)
    dout = rng.standard_normal(out.shape)
    plain = ops.embedding_backward(dout, cache)[1]
    padded = ops.embedding_backward(dout, ops.embedding_forward(indices, weight,
                                                                padding_idx=1)[1])[1]
    np.testing.assert_array_equal(padded[1], 0)
    np.testing.assert_array_equal(np.delete(padded, 1, 0), np.delete(plain, 1, 0))
    scaled = ops.embedding_backward(dout, ops.embedding_forward(
        indices, weight, scale_grad_by_freq=True)[1])[1]
    counts = np.maximum(np.bincount(indices.ravel(), minlength=4), 1)[:, None]
    np.testing.assert_allclose(scaled, plain / counts, rtol=1e-12)


# ----------------------------------------------------------------------------- two roads

def _cells_through_autograd(op, x, states, w_ih, w_hh, b_ih, b_hh, reverse):
    """The sequence, one ``*_cell`` op per step, gradients by autograd (BPTT)."""
    cell = {"rnn_tanh": R.rnn_tanh_cell, "rnn_relu": R.rnn_relu_cell, "lstm": R.lstm_cell,
            "gru": R.gru_cell}[op]
    outputs = [None] * x.shape[0]
    state = states[0] if op != "lstm" else (states[0], states[1])
    for t in (range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])):
        state = cell(x[t], state, w_ih, w_hh, b_ih, b_hh)
        outputs[t] = state[0] if op == "lstm" else state
    return tg.stack(outputs), state


@settings(max_examples=15)
@given(op=st.sampled_from(["rnn_tanh", "rnn_relu", "lstm", "gru"]), steps=st.integers(1, 5),
       n=st.integers(1, 3), d=st.integers(1, 4), hidden=st.integers(1, 4),
       reverse=st.booleans(), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_sequence_op_equals_cells_through_autograd(op, steps, n, d, hidden, reverse, bias, seed):
    rng = np.random.default_rng(seed)
    arrays = _op_arrays(rng, op.split("_")[0], steps, n, d, hidden, bias)
    k = 3 if op == "lstm" else 2
    results = []
    for road in ("sequence", "cells"):
        ts = [tg.tensor(a, requires_grad=True) for a in arrays]
        b_ih, b_hh = (ts[k + 2], ts[k + 3]) if bias else (None, None)
        args = (ts[0], ts[1:k], ts[k], ts[k + 1], b_ih, b_hh, reverse)
        if road == "sequence":
            fn = getattr(R, op)
            hx = args[1][0] if op != "lstm" else tuple(args[1])
            out, final = fn(args[0], hx, *args[2:6], reverse=reverse)
        else:
            out, final = _cells_through_autograd(op, *args)
        finals = list(final) if op == "lstm" else [final]
        loss = (out * tg.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape))).sum()
        for f in finals:
            loss = loss + (f * f).sum()
        loss.backward()
        results.append([out.detach().numpy()] + [f.detach().numpy() for f in finals] +
                       [t.grad.numpy() for t in ts if t.grad is not None])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", ["rnn_tanh", "lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_gradients_of_some_inputs_equal_those_of_all(op, reverse):
    """The backward skips the gradients nobody needs (a data input's dx, a frozen weight's):
    the ones it computes are those of the run where every input needs its gradient."""
    rng = np.random.default_rng(4)
    arrays = _op_arrays(rng, op.split("_")[0], steps=4, n=3, d=3, hidden=2)
    k = 3 if op == "lstm" else 2  # index of w_ih
    cot = rng.standard_normal((4, 3, 2))

    def grads(needed):
        ts = [tg.tensor(a, requires_grad=i in needed) for i, a in enumerate(arrays)]
        hx = ts[1] if op != "lstm" else (ts[1], ts[2])
        out, _ = getattr(R, op)(ts[0], hx, *ts[k:], reverse=reverse)
        (out * tg.tensor(cot)).sum().backward()
        return {i: ts[i].grad.numpy() for i in needed}

    every = grads(range(len(arrays)))
    for needed in ([k, k + 1], [0, k], [0, k + 1], [k], [k + 1], [0]):
        for i, grad in grads(needed).items():
            np.testing.assert_allclose(grad, every[i], rtol=1e-12, atol=1e-14, err_msg=str(i))


# ----------------------------------------------------------------------------- torch parity

def _copy_weights(ours, theirs, dtype):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.to(dtype)
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)


def _compare(ours_out, theirs_out, ours_in, theirs_in, ours_mod, theirs_mod, dtype, rng):
    tol = TOL[dtype]
    flat_o = [ours_out[0], *ours_out[1]] if isinstance(ours_out[1], tuple) else list(ours_out)
    flat_t = ([theirs_out[0], *theirs_out[1]] if isinstance(theirs_out[1], tuple)
              else list(theirs_out))
    loss_o, loss_t = 0, 0
    for a, b in zip(flat_o, flat_t, strict=True):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
        cot = rng.standard_normal(a.shape).astype(dtype)
        loss_o = loss_o + (a * tg.tensor(cot)).sum()
        loss_t = loss_t + (b * torch.tensor(cot)).sum()
    loss_o.backward()
    loss_t.backward()
    for a, b in zip(ours_in, theirs_in, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    for (name, p), q in zip(ours_mod.named_parameters(), theirs_mod.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=name, **tol)


@st.composite
def module_cases(draw):
    return dict(kind=draw(st.sampled_from(["RNN", "RNN_relu", "LSTM", "GRU"])),
                layers=draw(st.integers(1, 3)), bidirectional=draw(st.booleans()),
                batch_first=draw(st.booleans()), bias=draw(st.booleans()),
                batched=draw(st.sampled_from([True, True, False])),
                with_hx=draw(st.booleans()), steps=draw(st.integers(1, 5)),
                n=draw(st.integers(1, 3)), d=draw(st.integers(1, 4)),
                hidden=draw(st.integers(1, 4)), seed=draw(st.integers(0, 2**16)))


def _module_parity(case, dtype):
    rng = np.random.default_rng(case["seed"])
    kind = case["kind"].split("_")[0]
    extra = {"nonlinearity": "relu"} if case["kind"] == "RNN_relu" else {}
    options = dict(num_layers=case["layers"], bias=case["bias"],
                   batch_first=case["batch_first"], bidirectional=case["bidirectional"],
                   **extra)
    ours_cls, theirs_cls = MODULES[kind]
    theirs = theirs_cls(case["d"], case["hidden"], **options)
    ours = ours_cls(case["d"], case["hidden"], **options)
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs, dtype)
    steps, n = case["steps"], case["n"]
    shape = ((n, steps) if case["batch_first"] else (steps, n)) if case["batched"] else (steps,)
    arrays = [rng.standard_normal(shape + (case["d"],)).astype(dtype)]
    if case["with_hx"]:
        layers = case["layers"] * (2 if case["bidirectional"] else 1)
        state_shape = (layers, n, case["hidden"]) if case["batched"] else (layers,
                                                                           case["hidden"])
        arrays += [rng.standard_normal(state_shape).astype(dtype)
                   for _ in range(2 if kind == "LSTM" else 1)]
    ours_in = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    hx_o = None if len(arrays) == 1 else (ours_in[1] if kind != "LSTM" else tuple(ours_in[1:]))
    hx_t = None if len(arrays) == 1 else (theirs_in[1] if kind != "LSTM" else
                                          tuple(theirs_in[1:]))
    _compare(ours(ours_in[0], hx_o), theirs(theirs_in[0], hx_t), ours_in, theirs_in, ours,
             theirs, dtype, rng)


@given(module_cases())
def test_modules_match_torch_float64(case):
    _module_parity(case, np.float64)


@given(module_cases())
def test_modules_match_torch_float32(case):
    _module_parity(case, np.float32)


@st.composite
def cell_cases(draw):
    return dict(kind=draw(st.sampled_from(["RNNCell", "RNNCell_relu", "LSTMCell", "GRUCell"])),
                bias=draw(st.booleans()), batched=draw(st.booleans()),
                with_hx=draw(st.booleans()), n=draw(st.integers(1, 4)),
                d=draw(st.integers(1, 5)), hidden=draw(st.integers(1, 5)),
                seed=draw(st.integers(0, 2**16)))


def _cell_parity(case, dtype):
    rng = np.random.default_rng(case["seed"])
    kind = case["kind"].split("_")[0]
    extra = {"nonlinearity": "relu"} if case["kind"] == "RNNCell_relu" else {}
    ours_cls, theirs_cls = CELLS[kind]
    theirs = theirs_cls(case["d"], case["hidden"], bias=case["bias"], **extra)
    ours = ours_cls(case["d"], case["hidden"], bias=case["bias"], **extra)
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs, dtype)
    lead = (case["n"],) if case["batched"] else ()
    arrays = [rng.standard_normal(lead + (case["d"],)).astype(dtype)]
    if case["with_hx"]:
        arrays += [rng.standard_normal(lead + (case["hidden"],)).astype(dtype)
                   for _ in range(2 if kind == "LSTMCell" else 1)]
    ours_in = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    hx_o = None if len(arrays) == 1 else (ours_in[1] if kind != "LSTMCell" else
                                          tuple(ours_in[1:]))
    hx_t = None if len(arrays) == 1 else (theirs_in[1] if kind != "LSTMCell" else
                                          tuple(theirs_in[1:]))
    out_o, out_t = ours(ours_in[0], hx_o), theirs(theirs_in[0], hx_t)
    if kind != "LSTMCell":
        out_o, out_t = (out_o, ()), (out_t, ())
    _compare(out_o, out_t, ours_in, theirs_in, ours, theirs, dtype, rng)


@given(cell_cases())
def test_cells_match_torch_float64(case):
    _cell_parity(case, np.float64)


@given(cell_cases())
def test_cells_match_torch_float32(case):
    _cell_parity(case, np.float32)


@pytest.mark.parametrize("name", ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"])
def test_cell_functions_match_torch_functions(name):
    rng = np.random.default_rng(6)
    op = name.split("_")[0]
    arrays = _op_arrays(rng, op, steps=0, n=3, d=4, hidden=5)
    ours_in = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    k = 3 if op == "lstm" else 2
    pack = (lambda s: tuple(s)) if op == "lstm" else (lambda s: s[0])  # noqa: E731
    out_o = getattr(R, name)(ours_in[0], pack(ours_in[1:k]), *ours_in[k:])
    out_t = getattr(torch, name)(theirs_in[0], pack(theirs_in[1:k]), *theirs_in[k:])
    outs = list(zip(out_o, out_t, strict=True)) if op == "lstm" else [(out_o, out_t)]
    for a, b in outs:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)
    sum(((a * a).sum() for a, _ in outs), tg.tensor(0.0, dtype=tg.float64)).backward()
    sum((b * b).sum() for _, b in outs).backward()
    for a, b in zip(ours_in, theirs_in, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@st.composite
def embedding_cases(draw):
    rows = draw(st.integers(1, 8))
    return dict(rows=rows, dim=draw(st.integers(1, 5)),
                shape=draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)),
                padding_idx=draw(st.sampled_from([None, 0, -1]) if rows > 1 else st.none()),
                scale=draw(st.booleans()), max_norm=draw(st.sampled_from([None, 1.0])),
                seed=draw(st.integers(0, 2**16)))


def _embedding_parity(case, dtype):
    rng = np.random.default_rng(case["seed"])
    options = dict(padding_idx=case["padding_idx"], scale_grad_by_freq=case["scale"],
                   max_norm=case["max_norm"])
    theirs = torch.nn.Embedding(case["rows"], case["dim"], **options)
    ours = tg.nn.Embedding(case["rows"], case["dim"], **options)
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs, dtype)
    ids = rng.integers(0, case["rows"], case["shape"])
    out_o, out_t = ours(tg.tensor(ids)), theirs(torch.tensor(ids))
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               **TOL[dtype])  # max_norm renormalises rows in place
    _compare((out_o, ()), (out_t, ()), [], [], ours, theirs, dtype, rng)


@given(embedding_cases())
def test_embedding_matches_torch_float64(case):
    _embedding_parity(case, np.float64)


@given(embedding_cases())
def test_embedding_matches_torch_float32(case):
    _embedding_parity(case, np.float32)


def test_embedding_from_pretrained_and_functional_match_torch():
    table = np.random.default_rng(7).standard_normal((5, 3))
    ours = tg.nn.Embedding.from_pretrained(tg.tensor(table))
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table))
    assert not ours.weight.requires_grad
    ids = np.array([[4, 0], [2, 2]])
    np.testing.assert_array_equal(ours(tg.tensor(ids)).detach().numpy(),
                                  theirs(torch.tensor(ids)).detach().numpy())
    np.testing.assert_array_equal(R.embedding(tg.tensor(ids), tg.tensor(table)).detach().numpy(),
                                  torch.nn.functional.embedding(torch.tensor(ids),
                                                                torch.tensor(table)).detach().numpy())


def test_parameters_names_shapes_and_init_follow_torch():
    for kind, (ours_cls, theirs_cls) in MODULES.items():
        ours = ours_cls(6, 8, num_layers=2, bidirectional=True)
        theirs = theirs_cls(6, 8, num_layers=2, bidirectional=True)
        assert [(n, p.shape) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()], kind
        assert len(ours.all_weights) == 4
        assert len(ours.all_weights[0]) == 4
        for p in ours.parameters():
            assert np.abs(p.detach().numpy()).max() <= 1 / np.sqrt(8)
        assert np.abs(ours.weight_ih_l1.detach().numpy()).max() > 0.9 / np.sqrt(8)
    for kind, (ours_cls, theirs_cls) in CELLS.items():
        assert [(n, p.shape) for n, p in ours_cls(3, 4).named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs_cls(3, 4).named_parameters()], kind
    emb = tg.nn.Embedding(1000, 4, padding_idx=2)
    assert np.all(emb.weight.detach().numpy()[2] == 0)
    assert 0.9 < emb.weight.detach().numpy().std() < 1.1


def test_module_gradcheck_float64():
    rng = np.random.default_rng(8)
    lstm = tg.nn.LSTM(3, 2, num_layers=2, bidirectional=True).double()
    gru = tg.nn.GRU(3, 2, batch_first=True).double()
    x, h0, c0 = rng.standard_normal((3, 2, 3)), rng.standard_normal((4, 2, 2)), \
        rng.standard_normal((4, 2, 2))
    assert gradcheck(lambda x, h, c: lstm(x, (h, c))[0], [x, h0, c0])
    assert gradcheck(lambda x, h, c: lstm(x, (h, c))[1][1], [x, h0, c0])
    assert gradcheck(lambda x: gru(x)[0], [x])


# ----------------------------------------------------------------------------- training details

def test_dropout_between_layers_only_in_training():
    x = tg.randn(4, 3, 5)
    model = tg.nn.LSTM(5, 6, num_layers=3, dropout=0.5)
    model.eval()
    eval_out = model(x)[0].detach().numpy()
    no_dropout = tg.nn.LSTM(5, 6, num_layers=3)
    no_dropout.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(eval_out, no_dropout(x)[0].detach().numpy())
    model.train()
    tg.manual_seed(0)
    first = model(x)[0].detach().numpy()
    tg.manual_seed(0)
    np.testing.assert_array_equal(first, model(x)[0].detach().numpy())  # masks repeat with the seed
    assert not np.allclose(first, eval_out)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        tg.nn.GRU(2, 2, dropout=0.3)


def test_module_trains_and_state_dict_round_trips():
    tg.manual_seed(1)
    model = tg.nn.GRU(2, 8, batch_first=True)
    head = tg.nn.Linear(8, 1)
    opt = tg.optim.Adam(list(model.parameters()) + list(head.parameters()), lr=0.05)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((32, 6, 2)).astype(np.float32)
    y = x[:, :, 0].sum(1, keepdims=True)  # remember a running sum
    losses = []
    for _ in range(60):
        opt.zero_grad()
        out, h_n = model(tg.tensor(x))
        loss = ((head(h_n[0]) - tg.tensor(y)) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    copy = tg.nn.GRU(2, 8, batch_first=True)
    copy.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(copy(tg.tensor(x))[0].detach().numpy(),
                                  model(tg.tensor(x))[0].detach().numpy())


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("call", "error", "pattern"), [
    (lambda: tg.nn.Embedding(10, 3)(tg.tensor([[1, 10]])), IndexError,
     r"Embedding: token id 10 is out of range .* \[0, 9\]; input of shape "
     r"torch.Size\(\[1, 2\]\)"),
    (lambda: R.embedding(tg.tensor([-1]), tg.zeros(4, 2)), IndexError,
     r"embedding: token id -1 .* \[0, 3\]"),
    (lambda: tg.nn.Embedding(4, 2)(tg.zeros(3)), RuntimeError, "Embedding: expected integer"),
    (lambda: tg.nn.Embedding(4, 2, padding_idx=4), ValueError, "padding_idx"),
    (lambda: tg.nn.RNN(3, 4)(tg.zeros(5, 2, 7)), RuntimeError,
     r"RNN: expected input of shape \(T, N, D\).*input_size = 3.*got torch.Size\(\[5, 2, 7\]\)"),
    (lambda: tg.nn.GRU(3, 4, batch_first=True)(tg.zeros(2, 5, 6)), RuntimeError,
     r"GRU: expected input of shape \(N, T, D\)"),
    (lambda: tg.nn.LSTM(3, 4)(tg.zeros(2, 5, 3, 1)), ValueError, "LSTM: expected input"),
    (lambda: tg.nn.RNN(3, 4, num_layers=2)(tg.zeros(5, 2, 3), tg.zeros(1, 2, 4)), RuntimeError,
     r"RNN: expected hidden state h_0 of shape \(2, 2, 4\) \(num_layers \* num_directions, "
     r"batch, hidden_size\), got torch.Size\(\[1, 2, 4\]\)"),
    (lambda: tg.nn.LSTM(3, 4)(tg.zeros(5, 2, 3), (tg.zeros(1, 2, 4), tg.zeros(1, 3, 4))),
     RuntimeError,
     r"LSTM: expected hidden state c_0 of shape \(1, 2, 4\).*got torch.Size\(\[1, 3, 4\]\)"),
    (lambda: tg.nn.LSTM(3, 4)(tg.zeros(5, 2, 3), tg.zeros(1, 2, 4)), TypeError,
     r"LSTM: expected hx = \(h_0, c_0\) to be a tuple"),
    (lambda: tg.nn.GRU(3, 4)(tg.zeros(5, 3), tg.zeros(1, 2, 4)), RuntimeError,
     r"GRU: expected hidden state h_0 of shape \(1, 4\) \(num_layers \* num_directions, "
     r"hidden_size\), got torch.Size\(\[1, 2, 4\]\)"),
    (lambda: tg.nn.RNNCell(3, 4)(tg.zeros(2, 3), tg.zeros(3, 4)), RuntimeError,
     r"RNNCell: expected hidden state hx of shape \(2, 4\) \(batch, hidden_size\), got "
     r"torch.Size\(\[3, 4\]\)"),
    (lambda: tg.nn.LSTMCell(3, 4)(tg.zeros(2, 5)), RuntimeError,
     r"LSTMCell: expected input of shape \(N, 3\) or \(3,\) \(input_size=3\), got "
     r"torch.Size\(\[2, 5\]\)"),
    (lambda: tg.nn.RNN(3, 4)(tg.zeros(5, 2, 3, dtype=tg.float64)), ValueError,
     r"RNN: input dtype \(torch.float64\) does not match weight dtype \(torch.float32\)"),
    (lambda: tg.nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError, "nonlinearity"),
    (lambda: tg.nn.LSTM(3, 4, proj_size=2), ValueError, "proj_size"),
    (lambda: tg.nn.GRU(3, 0), ValueError, "GRU: hidden_size must be >= 1, got 0"),
    (lambda: tg.nn.RNN(3, 4, dropout=1.5), ValueError, "dropout should be a number in range"),
    (lambda: R.rnn_tanh(tg.zeros(2, 3), None, tg.zeros(4, 3), tg.zeros(4, 4)), RuntimeError,
     r"rnn_tanh: expected a time-major input of shape \(T, N, 3\)"),
    (lambda: R.lstm_cell(tg.zeros(2, 3), None, tg.zeros(8, 3), tg.zeros(8, 3)), RuntimeError,
     r"lstm_cell: expected w_hh of shape \(4 \* H, H\), got torch.Size\(\[8, 3\]\)"),
])
def test_bad_input_raises_clear_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ----------------------------------------------------------------------------- kernels: modes

def test_kernels_run_with_jit_disabled():
    assert_passes_without_jit(__file__, "naive or directly")


def test_same_result_on_one_and_two_threads():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 6, 5)).astype(np.float32)
    ids = rng.integers(0, 50, (16, 9))
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for threads in (1, 2):
            with num_threads(threads):
                tg.manual_seed(0)
                emb, lstm = tg.nn.Embedding(50, 7), tg.nn.LSTM(5, 7, bidirectional=True)
                xt = tg.tensor(x, requires_grad=True)
                (lstm(xt)[0].sum() + emb(tg.tensor(ids)).sum()).backward()
                results.append([xt.grad.numpy(), emb.weight.grad.numpy()] +
                               [p.grad.numpy() for p in lstm.parameters()])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def test_work_array_pool_reuses_and_stays_under_its_cap(monkeypatch):
    """The fast pairs' pool (``rnn_fast._take`` / ``_give`` / ``_cached``): an array given
    back serves the next request of its shape and dtype, a cache's array goes back when it
    dies, and the pool keeps at most POOL_BYTES, dropping the least recently returned sizes."""
    from tinygrad_edu.ops import rnn_fast as fast

    monkeypatch.setattr(fast, "_FREE", {})
    monkeypatch.setattr(fast, "_pool", {"bytes": 0})
    monkeypatch.setattr(fast, "POOL_BYTES", 3 * 800)
    a = fast._take((10, 10), np.float64)  # 800 bytes
    fast._give(a)
    assert fast._take((10, 10), np.float64) is a
    assert fast._take((10, 10), np.float32) is not a  # another dtype: another array
    cached = fast._cached((10, 10), np.float64)
    address = cached.ctypes.data
    del cached
    assert fast._take((10, 10), np.float64).ctypes.data == address
    for shape in [(10, 10), (100,), (20, 5), (5, 20)]:  # 4 x 800 bytes given back
        fast._give(np.empty(shape))
    assert fast._pool["bytes"] == sum(v.nbytes for f in fast._FREE.values() for v in f) == 2400
    assert (10, 10) not in [k[0] for k in fast._FREE]  # the oldest size went first
    fast._give(np.empty(4000 // 8))  # bigger than the whole pool: not kept
    assert fast._pool["bytes"] == 2400
