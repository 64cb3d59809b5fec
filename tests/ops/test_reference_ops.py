"""The readable pairs (the lesson) against the fast pairs, and ``reference_ops()``.

Every op with a fast path registers two pairs: its readable numpy forward/backward
(``OpDef.forward``/``backward``) and the fast one (``fast_forward``/``fast_backward``), which
autograd runs outside ``reference_ops()``. Here, for conv2d, conv_transpose2d, the four
pooling ops, batch and layer norm, the eight recurrent ops, matmul, log_softmax and nll_loss:

- hypothesis draws small shapes and the tricky arguments (stride, padding, dilation, groups;
  ceil_mode, count_include_pad, divisor_override, ties, NaN and -inf; training and eval
  statistics; 1-D and (G, J) norm weights; reverse sequences, no bias) and both pairs must
  agree in float64, forward and backward (1e-10 relative; max pooling exactly, argmax too);
- the readable backward is checked against central differences (random directions for the
  drawn cases, every element for one tricky case per op);
- both pairs reject bad arguments with the same error (one check per op, run by both);
- ``reference_ops()`` really switches: a small ConvNet and an LSTM model trained one step
  inside and outside give the same loss, gradients and updates, and a spy shows which pair
  ran; a backward always runs the pair of the forward that ran.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import OPS, apply_op
from tinygrad_edu.ops import conv_fast, norm, reference_ops
from tinygrad_edu.ops.pool_args import pool_output_size
from tinygrad_edu.testing import check_vjp, gradcheck

RTOL = 1e-10
SEEDS = st.integers(0, 2**31 - 1)
FEW = settings(max_examples=25)

Case = tuple[list[np.ndarray], dict[str, Any]]


# ----------------------------------------------------------------------------- the checks

def _close(ours: np.ndarray, fast: np.ndarray, what: str, exact: bool = False) -> None:
    assert ours.shape == fast.shape, f"{what}: shape {ours.shape} != {fast.shape}"
    assert ours.dtype == fast.dtype, f"{what}: dtype {ours.dtype} != {fast.dtype}"
    if exact:
        np.testing.assert_array_equal(ours, fast, err_msg=what)
        return
    finite = np.abs(fast[np.isfinite(fast)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(ours, fast, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def assert_pairs_agree(name: str, arrays: list[np.ndarray], static: dict[str, Any], seed: int,
                       exact: bool = False) -> tuple[Any, Any]:
    """Both pairs of op ``name`` on the same inputs and the same random dout; their caches."""
    op = OPS[name]
    assert op.fast_forward is not None, name
    assert op.fast_backward is not None, name
    before = [a.copy() for a in arrays]
    ours, ours_cache = op.forward(*arrays, **static)
    fast, fast_cache = op.fast_forward(*arrays, **static)
    assert type(ours_cache) is not type(fast_cache), f"{name}: each pair has its own cache"
    _close(ours, fast, f"{name} forward", exact)
    dout = np.random.default_rng(seed).standard_normal(ours.shape)
    ours_grads = op.backward(dout, ours_cache)
    fast_grads = op.fast_backward(dout, fast_cache)
    assert len(ours_grads) == len(fast_grads) == len(arrays), name
    for i, (a, b) in enumerate(zip(ours_grads, fast_grads, strict=True)):
        assert (a is None) == (b is None), f"{name}: gradient {i} is None in one pair only"
        if a is not None:
            assert a.shape == arrays[i].shape, f"{name}: gradient {i} shape {a.shape}"
            _close(a, b, f"{name} gradient of input {i}", exact)
    for a, b in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=f"{name} modified an input")
    return ours_cache, fast_cache


def _op_fn(name: str, static: dict[str, Any]) -> Callable[..., Any]:
    return lambda *tensors: apply_op(name, *tensors, **static)


def assert_reference_vjp(name: str, arrays: list[np.ndarray], static: dict[str, Any],
                         seed: int) -> None:
    """The readable backward against central differences of the readable forward, along two
    random directions (cheap for every drawn case)."""
    if not np.isfinite(OPS[name].forward(*arrays, **static)[0]).all():
        return  # -inf: a max-pool window with no tap inside the image has no derivative
    with reference_ops():
        check_vjp(_op_fn(name, static), arrays, seed=seed % 1000, atol=1e-6, rtol=1e-5)


# ----------------------------------------------------------------------------- convolutions

@st.composite
def conv_cases(draw: Any, transposed: bool = False, winograd: bool = False) -> tuple[Case, int]:
    groups = 1 if winograd else draw(st.sampled_from([1, 1, 2, 3]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = (3, 3) if winograd else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (1, 1) if winograd else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (1, 1) if winograd else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 7))
    w = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 7))
    seed = draw(SEEDS)
    rng = np.random.default_rng(seed)
    static: dict[str, Any] = dict(stride=stride, padding=padding, dilation=dilation,
                                  groups=groups)
    if transposed:
        static["output_padding"] = tuple(draw(st.integers(0, max(s, d) - 1))
                                         for s, d in zip(stride, dilation, strict=True))
        static["padding"] = tuple(min(p, ((n - 1) * s + d * (k - 1)) // 2) for p, n, s, d, k
                                  in zip(padding, (h, w), stride, dilation, (kh, kw),
                                         strict=True))
    ws = (cin, cout // groups, kh, kw) if transposed else (cout, cin // groups, kh, kw)
    bias = rng.standard_normal(cout) if draw(st.booleans()) else np.empty(0)
    x = rng.standard_normal((draw(st.integers(1, 2)), cin, h, w))
    return ([x, rng.standard_normal(ws), bias], static), seed


@FEW
@given(conv_cases())
def test_conv2d_pairs_agree(case: tuple[Case, int]) -> None:
    (arrays, static), seed = case
    with mock.patch.object(conv_fast, "_CHUNK_BYTES", 1):  # one sample per chunk
        assert_pairs_agree("conv2d", arrays, static, seed)
    assert_reference_vjp("conv2d", arrays, static, seed)


@FEW
@given(conv_cases(winograd=True))
def test_conv2d_pairs_agree_on_the_winograd_path(case: tuple[Case, int]) -> None:
    (arrays, static), seed = case
    with mock.patch.object(conv_fast, "_WINOGRAD_MIN_CHANNELS", 1), \
            mock.patch.object(conv_fast, "_WINOGRAD_MIN_TILES", 1):
        _, fast_cache = assert_pairs_agree("conv2d", arrays, static, seed)
    assert fast_cache.winograd is not None


@FEW
@given(conv_cases(transposed=True))
def test_conv_transpose2d_pairs_agree(case: tuple[Case, int]) -> None:
    (arrays, static), seed = case
    assert_pairs_agree("conv_transpose2d", arrays, static, seed)
    assert_reference_vjp("conv_transpose2d", arrays, static, seed)


# ----------------------------------------------------------------------------- pooling

def _values(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> np.ndarray:
    """normal values, small integers (ties), or normal values with some NaN or -inf."""
    if kind == "ties":
        return rng.integers(-2, 3, size=shape).astype(np.float64)
    x = rng.standard_normal(shape)
    if kind in ("nan", "-inf"):
        x[rng.random(shape) < 0.2] = np.nan if kind == "nan" else -np.inf
    return x


@st.composite
def pool_inputs(draw: Any, kinds: tuple[str, ...]) -> tuple[np.ndarray, str, int]:
    planes = (draw(st.integers(0, 2)), draw(st.integers(1, 2)))
    shape = planes[draw(st.integers(0, 1)):] + (draw(st.integers(1, 7)),
                                                  draw(st.integers(1, 7)))
    kind, seed = draw(st.sampled_from(kinds)), draw(SEEDS)
    return _values(np.random.default_rng(seed), shape, kind), kind, seed


def _pair(draw: Any, low: int, high: int) -> tuple[int, int]:
    return draw(st.integers(low, high)), draw(st.integers(low, high))


@st.composite
def window_args(draw: Any, x: np.ndarray, dilation: bool) -> dict[str, Any]:
    kernel = _pair(draw, 1, 3)
    stride = draw(st.sampled_from([None, _pair(draw, 1, 3)]))
    dil = _pair(draw, 1, 2) if dilation else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    ceil_mode = draw(st.booleans())
    step = stride or kernel
    assume(all(pool_output_size(x.shape[-2 + a], kernel[a], step[a], padding[a], dil[a],
                                ceil_mode) >= 1 for a in (0, 1)))
    args = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    return args | (dict(dilation=dil) if dilation else {})


@FEW
@given(data=st.data(), inputs=pool_inputs(("normal", "ties", "nan", "-inf")))
def test_max_pool2d_pairs_agree_exactly(data: Any, inputs: Any) -> None:
    x, kind, seed = inputs
    static = data.draw(window_args(x, dilation=True))
    ours, fast = assert_pairs_agree("max_pool2d", [x], static, seed, exact=True)
    np.testing.assert_array_equal(ours.argmax, fast.argmax)
    assert ours.argmax.dtype == np.int64
    assert ours.argmax.shape == (int(np.prod(x.shape[:-2])), *fast.argmax.shape[1:])
    if kind == "normal":
        assert_reference_vjp("max_pool2d", [x], static, seed)


@FEW
@given(data=st.data(), inputs=pool_inputs(("normal", "nan")))
def test_avg_pool2d_pairs_agree(data: Any, inputs: Any) -> None:
    x, kind, seed = inputs
    static = data.draw(window_args(x, dilation=False))
    static["count_include_pad"] = data.draw(st.booleans())
    static["divisor_override"] = data.draw(st.sampled_from([None, 1, 3]))
    assert_pairs_agree("avg_pool2d", [x], static, seed)
    if kind == "normal":
        assert_reference_vjp("avg_pool2d", [x], static, seed)


adaptive_sizes = st.one_of(st.integers(0, 4), st.tuples(st.integers(0, 4), st.integers(0, 4)),
                           st.tuples(st.none(), st.integers(1, 4)),
                           st.tuples(st.integers(1, 4), st.none()))


@FEW
@given(inputs=pool_inputs(("normal", "ties", "nan")), output_size=adaptive_sizes)
def test_adaptive_pools_pairs_agree(inputs: Any, output_size: Any) -> None:
    x, kind, seed = inputs
    static = dict(output_size=output_size)
    ours, fast = assert_pairs_agree("adaptive_max_pool2d", [x], static, seed, exact=True)
    np.testing.assert_array_equal(ours.argmax, fast.argmax)
    assert_pairs_agree("adaptive_avg_pool2d", [x], static, seed)
    if kind == "normal":
        assert_reference_vjp("adaptive_max_pool2d", [x], static, seed)
        assert_reference_vjp("adaptive_avg_pool2d", [x], static, seed)


# the pooling scatters (max pooling's and average pooling's backwards as
# ops), at the argmax / over the windows of a real pooling, with the tricky arguments

@FEW
@given(data=st.data(), inputs=pool_inputs(("normal", "ties", "-inf")))
def test_pool_scatter_pairs_agree(data: Any, inputs: Any) -> None:
    x, kind, seed = inputs
    rng = np.random.default_rng(seed)
    static = data.draw(window_args(x, dilation=True))
    out, cache = OPS["max_pool2d"].forward(x, **static)
    saved = dict(argmax=cache.argmax, x_shape=x.shape)
    assert_pairs_agree("max_pool2d_scatter", [rng.standard_normal(out.shape)], saved, seed,
                       exact=True)
    del static["dilation"]
    static["count_include_pad"] = data.draw(st.booleans())
    out, cache = OPS["avg_pool2d"].forward(x, **static)
    saved = dict(x_shape=x.shape, rows=cache.rows, cols=cache.cols, divisor=cache.divisor)
    dout = rng.standard_normal(out.shape)
    assert_pairs_agree("avg_pool2d_scatter", [dout], saved, seed)
    if kind == "normal":
        assert_reference_vjp("avg_pool2d_scatter", [dout], saved, seed)


# ----------------------------------------------------------------------------- norms

@st.composite
def batch_norm_cases(draw: Any) -> tuple[Case, int]:
    spatial = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 3)), *spatial)
    assume(shape[0] * int(np.prod(spatial)) >= 2)  # a variance needs two values per channel
    seed = draw(SEEDS)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * draw(st.sampled_from([0.5, 1.0, 3.0])) + 1.0
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    static: dict[str, Any] = dict(training=draw(st.booleans()),
                                  eps=draw(st.sampled_from([1e-5, 1e-3])))
    if not static["training"]:  # the running statistics
        static |= dict(mean=rng.standard_normal(shape[1]), var=rng.random(shape[1]) + 0.5)
    elif draw(st.booleans()):  # F.batch_norm passes the batch statistics it computed
        axes = (0, *range(2, x.ndim))
        static |= dict(mean=x.mean(axis=axes), var=x.var(axis=axes))
    return ([x, w, b], static), seed


@FEW
@given(batch_norm_cases())
def test_batch_norm_pairs_agree(case: tuple[Case, int]) -> None:
    (arrays, static), seed = case
    ours, _ = assert_pairs_agree("batch_norm", arrays, static, seed)
    assert ours.x is arrays[0]
    # central differences move x, so in training the statistics must follow it: let the op
    # compute them (passed in, they would be constants for the difference quotient)
    stats = {} if static["training"] else {"mean": static.get("mean"), "var": static.get("var")}
    assert_reference_vjp("batch_norm", arrays, dict(training=static["training"],
                                                    eps=static["eps"], **stats), seed)
    # the two readable backwards, the graph walk and the closed form, agree
    dout = np.random.default_rng(seed).standard_normal(arrays[0].shape)
    for a, b in zip(norm.batch_norm_backward(dout, ours),
                    norm.batch_norm_backward_alt(dout, ours), strict=True):
        _close(a, b, "batch_norm_backward_alt")


@st.composite
def layer_norm_cases(draw: Any) -> tuple[Case, int]:
    seed = draw(SEEDS)
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):  # layer norm: rows are the last axis, weight (D,)
        lead = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
        d = draw(st.integers(2, 6))
        shape, wshape = (*lead, d), (d,)
    else:  # group / instance norm: G rows of J channels per sample, weight (G, J)
        g, j = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        spatial = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
        assume(j * int(np.prod(spatial)) >= 2)
        shape, wshape = (draw(st.integers(1, 3)), g * j, *spatial), (g, j)
    x = rng.standard_normal(shape) * draw(st.sampled_from([0.5, 2.0])) - 1.0
    return ([x, rng.standard_normal(wshape), rng.standard_normal(wshape)],
            dict(eps=draw(st.sampled_from([1e-5, 1e-3])))), seed


@FEW
@given(layer_norm_cases())
def test_layer_norm_pairs_agree(case: tuple[Case, int]) -> None:
    (arrays, static), seed = case
    assert_pairs_agree("layer_norm", arrays, static, seed)
    assert_reference_vjp("layer_norm", arrays, static, seed)


# ----------------------------------------------------------------------------- the loss ops

@FEW
@given(data=st.data(), seed=SEEDS)
def test_log_softmax_pairs_agree(data: Any, seed: int) -> None:
    """Rows along the last axis take the compiled loops; other axes, empty inputs and
    non-contiguous ones the numpy forward. Large logits, infinities and NaN included."""
    rng = np.random.default_rng(seed)
    shape = tuple(data.draw(st.lists(st.integers(0, 4), min_size=1, max_size=3)))
    x = rng.standard_normal(shape) * data.draw(st.sampled_from([1.0, 1e4]))
    if x.size and data.draw(st.booleans()):
        x.flat[rng.integers(x.size)] = data.draw(st.sampled_from([np.inf, -np.inf, np.nan]))
    if x.ndim > 1 and data.draw(st.booleans()):
        x = x.swapaxes(0, -1)  # not contiguous
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    assert_pairs_agree("log_softmax", [x], dict(dim=dim), seed)
    if np.isfinite(x).all():
        assert_reference_vjp("log_softmax", [x], dict(dim=dim), seed)


@FEW
@given(data=st.data(), seed=SEEDS)
def test_nll_loss_pairs_agree(data: Any, seed: int) -> None:
    """Contiguous (N, C) input takes the compiled loop, other ranks and layouts the numpy
    forward; ignored targets, class weights and the three reductions."""
    rng = np.random.default_rng(seed)
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    spatial = tuple(data.draw(st.lists(st.integers(1, 3), max_size=1)))
    logp = rng.standard_normal((n, c, *spatial))
    if data.draw(st.booleans()):
        logp = np.asfortranarray(logp)  # not C-contiguous: the numpy forward
    target = rng.integers(0, c, (n, *spatial))
    ignore_index = data.draw(st.sampled_from([-100, 0, 1]))
    if data.draw(st.booleans()):
        target.flat[0] = ignore_index if ignore_index < 0 else target.flat[0]
    weight = rng.random(c) + 0.5 if data.draw(st.booleans()) else np.ones(c)
    static = dict(ignore_index=ignore_index,
                  reduction=data.draw(st.sampled_from(["mean", "sum", "none"])))
    assert_pairs_agree("nll_loss", [logp, target, weight], static, seed)


def test_nll_loss_pairs_reject_an_out_of_range_target_alike() -> None:
    logp, weight = np.zeros((3, 4)), np.ones(4)
    for target in (np.array([0, 4, 1]), np.array([0, -1, 1])):
        for forward in (OPS["nll_loss"].forward, OPS["nll_loss"].fast_forward):
            with pytest.raises(IndexError, match=rf"nll_loss: Target {target[1]} is out of"):
                forward(logp, target, weight)


# ----------------------------------------------------------------------------- recurrent ops

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
RECURRENT = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "rnn_tanh", "rnn_relu",
             "lstm", "gru"]


def recurrent_arrays(name: str, rng: np.random.Generator, steps: int, n: int, d: int,
                     hidden: int, bias: bool) -> list[np.ndarray]:
    """x, the state(s), w_ih, w_hh, b_ih, b_hh for op ``name`` (PyTorch's layout)."""
    kind = name.removesuffix("_cell")
    g = GATES[kind] * hidden
    x = rng.standard_normal((n, d) if name.endswith("_cell") else (steps, n, d))
    states = [rng.standard_normal((n, hidden)) for _ in range(2 if kind == "lstm" else 1)]
    weights = [rng.standard_normal((g, d)) * 0.7, rng.standard_normal((g, hidden)) * 0.7]
    biases = [rng.standard_normal(g) if bias else np.empty(0) for _ in range(2)]
    return [x, *states, *weights, *biases]


@FEW
@given(name=st.sampled_from(RECURRENT), steps=st.integers(1, 4), n=st.integers(1, 3),
       d=st.integers(1, 4), hidden=st.integers(1, 4), bias=st.booleans(),
       reverse=st.booleans(), seed=SEEDS)
def test_recurrent_pairs_agree(name: str, steps: int, n: int, d: int, hidden: int, bias: bool,
                               reverse: bool, seed: int) -> None:
    arrays = recurrent_arrays(name, np.random.default_rng(seed), steps, n, d, hidden, bias)
    static = {} if name.endswith("_cell") else dict(reverse=reverse)
    assert_pairs_agree(name, arrays, static, seed)
    if _near_relu_kink(name, arrays, static):
        return  # a difference quotient across relu's kink says nothing about the backward
    differentiable = arrays if bias else arrays[:-2]  # empty biases: constants
    constants = [tg.tensor(a) for a in arrays[len(differentiable):]]
    with reference_ops():
        check_vjp(lambda *ts: apply_op(name, *ts, *constants, **static), differentiable,
                  seed=seed % 1000, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name", ["rnn_tanh", "lstm", "gru"])
@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("reverse", [False, True])
def test_recurrent_pairs_agree_from_zero_states(name: str, steps: int, reverse: bool) -> None:
    """Zero initial states (the modules' default): the fast backward skips the first step's
    product with h0 in the recurrent weight's gradient."""
    arrays = recurrent_arrays(name, np.random.default_rng(steps), steps, 3, 2, 3, True)
    for state in range(1, 3 if name == "lstm" else 2):
        arrays[state] = np.zeros_like(arrays[state])
    assert_pairs_agree(name, arrays, dict(reverse=reverse), seed=steps)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_sequence_work_arrays_are_never_shared(name: str) -> None:
    """The fast pair's work arrays go back to a pool when a call (or its cache) is done and
    serve later calls: two forwards whose backwards run later, in the other order, get what
    each run gets alone, and a backward's gradients stay as they were after the next call."""
    rng = np.random.default_rng(5)
    runs = [recurrent_arrays(name, rng, 4, 3, 2, 3, True) for _ in range(2)]
    out_steps = 5 if name == "lstm" else 4
    douts = [rng.standard_normal((out_steps, 3, 3)) for _ in runs]
    op = OPS[name]

    def alone(k: int) -> list[Any]:
        out, cache = op.fast_forward(*runs[k])
        return [out.copy(), *(g.copy() for g in op.fast_backward(douts[k], cache))]

    expected = [alone(0), alone(1)]
    pending = [op.fast_forward(*a) for a in runs]
    got = [None, None]
    for k in (1, 0):
        out, cache = pending[k]
        got[k] = [out, *op.fast_backward(douts[k], cache)]
    del pending
    kept = [[g.copy() for g in grads] for grads in got]
    alone(0)
    for k in range(2):
        for a, b, c in zip(expected[k], got[k], kept[k], strict=True):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(b, c)


def _near_relu_kink(name: str, arrays: list[np.ndarray], static: dict[str, Any]) -> bool:
    """Does some step of a relu RNN have a pre-activation within 1e-4 of zero?"""
    if "relu" not in name:
        return False
    cache = OPS[name].forward(*arrays, **static)[1]
    bias = arrays[-2] + arrays[-1] if arrays[-1].size else 0.0
    return any(np.abs(s.x @ s.w_ih.T + s.h @ s.w_hh.T + bias).min() < 1e-4
               for s in getattr(cache, "steps", (cache,)))


# ----------------------------------------------------------------------------- matmul

def _matrix(rng: np.random.Generator, rows: int, cols: int, transposed: bool) -> np.ndarray:
    """A (rows, cols) matrix, C-ordered or the transposed view of a C-ordered one."""
    return rng.standard_normal((cols, rows)).T if transposed else _n(rng, rows, cols)


@FEW
@given(lead=st.sampled_from([(), (2,), (2, 1)]), n=st.integers(0, 3), k=st.integers(1, 4),
       m=st.integers(1, 4), x_t=st.booleans(), y_t=st.booleans(), y_vector=st.booleans(),
       seed=SEEDS)
def test_matmul_pairs_agree(lead: tuple[int, ...], n: int, k: int, m: int, x_t: bool,
                            y_t: bool, y_vector: bool, seed: int) -> None:
    """Stacks times a matrix (one product for the matrix's gradient), transposed factors (each
    gradient of a product of two matrices laid out like its factor), vectors and empty
    batches."""
    rng = np.random.default_rng(seed)
    x = _matrix(rng, n, k, x_t) if not lead else _n(rng, *lead, n, k)
    y = _n(rng, k) if y_vector else _matrix(rng, k, m, y_t)
    op = OPS["matmul"]
    if not lead:
        assert_pairs_agree("matmul", [x, y], {}, seed)
    out, cache = op.fast_forward(x, y)
    dout = rng.standard_normal(out.shape)
    dx, dy = op.fast_backward(dout, cache)
    ref_dx, ref_dy = op.backward(dout, op.forward(x, y)[1])
    if y.ndim == 2:
        # the lesson's gradient of a matrix times a stack is one per matrix of the stack,
        # summed by the engine; the fast pair sums inside its single product
        ref_dy = ref_dy.reshape(-1, *y.shape).sum(axis=0)
        assert dx.shape == x.shape
        assert dy.shape == y.shape
    _close(ref_dx, dx, "matmul gradient of x")
    _close(ref_dy, dy, "matmul gradient of y")
    for factor, grad in ((x, dx), (y, dy)):
        if factor.ndim == 2 and y.ndim == 2 and factor.size > 1:
            assert grad.flags.c_contiguous == factor.flags.c_contiguous
            assert grad.flags.f_contiguous == factor.flags.f_contiguous


def test_a_linear_layers_weight_gradient_needs_no_copy() -> None:
    """x @ w.T: the weight's gradient reaches it C-ordered, like the weight, and becomes its
    ``.grad`` as it is (copying a transposed gradient into C order costs a strided pass)."""
    from tinygrad_edu.autograd import engine

    layer = tg.nn.Linear(6, 4)
    with mock.patch.object(engine, "_copy_like", wraps=engine._copy_like) as copies:
        layer(tg.randn(5, 6)).sum().backward()
    assert layer.weight.grad.numpy().flags.c_contiguous
    assert all(call.args[0].shape != (4, 6) for call in copies.call_args_list)


# ----------------------------------------------------------------------------- every element

def _distinct(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Values at least 0.05 apart: a 1e-6 step never changes which input wins a max."""
    size = int(np.prod(shape))
    return rng.permutation(np.cumsum(rng.uniform(0.05, 0.5, size)) - size / 8).reshape(shape)


def _n(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


TRICKY: dict[str, Callable[[np.random.Generator], Case]] = {
    "conv2d": lambda r: ([_n(r, 2, 4, 5, 6), _n(r, 4, 2, 2, 3), _n(r, 4)],
                         dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
    "conv_transpose2d": lambda r: ([_n(r, 2, 4, 3, 2), _n(r, 4, 1, 3, 2), _n(r, 2)],
                                   dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                                        dilation=(1, 1), groups=2)),
    "max_pool2d": lambda r: ([_distinct(r, 2, 2, 6, 5)],
                             dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0),
                                  dilation=(1, 2), ceil_mode=True)),
    "avg_pool2d": lambda r: ([_n(r, 2, 6, 5)],
                             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                  count_include_pad=False, divisor_override=None)),
    "adaptive_max_pool2d": lambda r: ([_distinct(r, 1, 2, 7, 5)], dict(output_size=(4, 3))),
    "adaptive_avg_pool2d": lambda r: ([_n(r, 1, 2, 7, 5)], dict(output_size=(3, None))),
    "batch_norm": lambda r: ([_n(r, 3, 2, 2, 2) * 2 + 1, _n(r, 2), _n(r, 2)],
                             dict(training=True, eps=1e-5)),
    "layer_norm": lambda r: ([_n(r, 2, 4, 3) - 1, _n(r, 2, 2), _n(r, 2, 2)], dict(eps=1e-5)),
    "log_softmax": lambda r: ([_n(r, 3, 2, 4) * 3], dict(dim=-1)),
}
TRICKY["matmul"] = lambda r: ([_n(r, 4, 3).T, _n(r, 5, 4).T], {})  # both transposed
for _name in RECURRENT:
    TRICKY[_name] = (lambda r, name=_name: (recurrent_arrays(name, r, 3, 2, 3, 2, True),
                                            {} if name.endswith("_cell") else
                                            dict(reverse=True)))


# conv2d's weight gradient as an op (x, dy of the conv's output shape)
TRICKY["conv2d_weight"] = lambda r: ([_n(r, 2, 4, 5, 6), _n(r, 2, 4, 3, 4)],
                                     dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 2),
                                          dilation=(2, 3), groups=2))


def _scatter_case(r: np.random.Generator, pool: str, **static: Any) -> Case:
    x = _distinct(r, 2, 2, 6, 5)
    out, cache = OPS[pool].forward(x, **static)
    saved = ({"argmax": cache.argmax} if pool.endswith("max_pool2d") else
             {"rows": cache.rows, "cols": cache.cols, "divisor": cache.divisor})
    return [_n(r, *out.shape)], saved | {"x_shape": x.shape}


TRICKY["max_pool2d_scatter"] = lambda r: _scatter_case(
    r, "max_pool2d", kernel_size=(3, 2), stride=(1, 1), padding=(1, 0), dilation=(1, 2),
    ceil_mode=True)
TRICKY["avg_pool2d_scatter"] = lambda r: _scatter_case(
    r, "avg_pool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True,
    count_include_pad=False, divisor_override=None)


@FEW
@given(conv_cases())
def test_conv2d_weight_pairs_agree(case: tuple[Case, int]) -> None:
    (arrays, static), seed = case
    x, weight = arrays[:2]
    out = OPS["conv2d"].forward(x, weight, np.empty(0), **static)[0]
    dy = np.random.default_rng(seed + 1).standard_normal(out.shape)
    static = static | {"kernel_size": weight.shape[2:]}
    with mock.patch.object(conv_fast, "_CHUNK_BYTES", 1):  # one sample per chunk
        assert_pairs_agree("conv2d_weight", [x, dy], static, seed)
    assert_reference_vjp("conv2d_weight", [x, dy], static, seed)


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_reference_backward_matches_central_differences_everywhere(name: str) -> None:
    arrays, static = TRICKY[name](np.random.default_rng(len(name)))
    with reference_ops():
        assert gradcheck(_op_fn(name, static), arrays)
    assert_pairs_agree(name, arrays, static, seed=1)


def test_eval_batch_norm_backward_matches_central_differences() -> None:
    rng = np.random.default_rng(7)
    static = dict(training=False, eps=1e-5, mean=_n(rng, 3), var=rng.random(3) + 0.5)
    with reference_ops():
        assert gradcheck(_op_fn("batch_norm", static), [_n(rng, 2, 3, 4), _n(rng, 3),
                                                         _n(rng, 3)])


#: ops whose fast pair is compared with the readable one by a test of their own, with the reason
TESTED_ELSEWHERE = {
    # random: each pair must draw from its own generator at the same seed
    "dropout": "tests/ops/test_dropout.py::test_fast_forward_draws_the_readable_mask_bit_for_bit",
    # the class weights take no gradient (as in PyTorch), so central differences over every
    # float input do not apply; the op catalog checks the log-probabilities' gradient
    "nll_loss": "test_nll_loss_pairs_agree (above)",
}


def test_every_op_with_a_fast_path_is_tested_here() -> None:
    with_fast = sorted(name for name, op in OPS.items() if op.fast_forward is not None)
    assert with_fast == sorted([*TRICKY, *TESTED_ELSEWHERE])


# ----------------------------------------------------------------------------- arguments

BAD: list[tuple[str, list[Any], dict[str, Any], type[Exception], str]] = [
    ("conv2d", [np.ones((1, 3, 5, 5)), np.ones((2, 2, 3, 3)), np.ones(2)], {}, RuntimeError,
     r"conv2d: input of shape \(1, 3, 5, 5\) has 3 channels, but weight"),
    ("conv2d", [np.ones((3, 5, 5)), np.ones((2, 3, 3, 3)), np.ones(2)], {}, RuntimeError,
     r"conv2d: expected a 4D \(N, C, H, W\) input, got input of shape \(3, 5, 5\)"),
    ("conv2d", [np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.empty(0)], {}, RuntimeError,
     r"conv2d: kernel size \(3, 3\) .* can't be greater than the padded input size"),
    ("conv2d", [np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.ones(3)], {}, RuntimeError,
     r"conv2d: bias should have shape \(1,\)"),
    ("conv2d", [np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.ones(1)], dict(stride=0),
     RuntimeError, "conv2d: non-positive stride is not supported, got stride=0"),
    ("conv2d", [np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 3, 3)), np.ones(1)], {},
     RuntimeError, r"conv2d: input \(float32\) and weight \(float64\) must have the same"),
    ("conv_transpose2d", [np.ones((1, 2, 3, 3)), np.ones((2, 1, 3, 3)), np.empty(0)],
     dict(stride=2, output_padding=2), ValueError, "conv_transpose2d: output padding"),
    ("max_pool2d", [np.ones((1, 1, 4, 4))], dict(kernel_size=2, padding=2), RuntimeError,
     "max_pool2d: padding must be at most half of the kernel size"),
    ("avg_pool2d", [np.ones((1, 1, 4, 4))], dict(kernel_size=2, divisor_override=0),
     RuntimeError, "avg_pool2d: divisor_override must not be zero"),
    ("adaptive_max_pool2d", [np.ones((1, 4, 4), np.int64)], dict(output_size=2), RuntimeError,
     "adaptive_max_pool2d: not implemented for dtype int64"),
    ("batch_norm", [np.ones((4, 3)), np.ones(2), np.ones(2)], dict(training=True), ValueError,
     r"batch_norm_forward: expected x \(N, C, \*\) with weight and bias of shape \(C,\)"),
    ("batch_norm", [np.ones((4, 3)), np.ones(3), np.ones(3)], dict(training=False),
     ValueError, "batch_norm_forward: mean and var .* are required when training=False"),
    ("layer_norm", [np.ones((4, 3)), np.ones(2), np.ones(2)], {}, ValueError,
     "layer_norm_forward: weight and bias must be"),
    ("lstm_cell", [np.ones((2, 3)), np.ones((2, 2)), np.ones((2, 2)), np.ones((8, 3)),
                   np.ones((8, 3)), np.empty(0), np.empty(0)], {}, RuntimeError,
     r"lstm_cell: expected w_hh of shape \(4 \* H, H\), got \(8, 3\)"),
    ("gru", [np.ones((2, 3)), np.ones((2, 2)), np.ones((6, 3)), np.ones((6, 2)), np.empty(0),
             np.empty(0)], {}, RuntimeError,
     r"gru: expected x of shape \(T, N, D\) with T >= 1 with D = 3"),
    ("rnn_tanh_cell", [np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 3)), np.ones((2, 2)),
                       np.ones(2), np.ones(2)], {}, RuntimeError,
     r"rnn_tanh_cell: expected h of shape \(N, H\) = \(2, 2\), got \(3, 2\)"),
    ("rnn_relu", [np.ones((1, 2, 3)), np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2)),
                  np.ones(2), np.empty(0)], dict(reverse=False), RuntimeError,
     r"rnn_relu: expected b_hh of shape \(2,\), got \(0,\)"),
    ("matmul", [np.ones((2, 3)), np.ones((2, 3))], {}, ValueError,
     r"matmul_forward: shapes \(2, 3\) and \(2, 3\) cannot be multiplied"),
]


@pytest.mark.parametrize(("name", "arrays", "static", "error", "match"), BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_both_pairs_reject_bad_arguments_alike(name: str, arrays: list[Any],
                                               static: dict[str, Any], error: type[Exception],
                                               match: str) -> None:
    """One check per op, run by both forwards: same exception, same message, naming the op."""
    messages = []
    for forward in (OPS[name].forward, OPS[name].fast_forward):
        with pytest.raises(error, match=match) as info:
            forward(*arrays, **static)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ----------------------------------------------------------------------------- reference_ops()

class Spy:
    """Wraps both pairs of some ops in OPS; ``calls`` records (op, pair, function) as they run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]) -> None:
        self.calls: list[tuple[str, str, str]] = []
        for name in names:
            op = OPS[name]
            monkeypatch.setitem(OPS, name, op._replace(
                forward=self._wrap(name, "reference", "forward", op.forward),
                backward=self._wrap(name, "reference", "backward", op.backward),
                fast_forward=self._wrap(name, "fast", "forward", op.fast_forward),
                fast_backward=self._wrap(name, "fast", "backward", op.fast_backward)))

    def _wrap(self, name: str, pair: str, which: str, fn: Any) -> Any:
        def spied(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, pair, which))
            return fn(*args, **kwargs)
        return spied

    def pairs_run(self) -> set[tuple[str, str, str]]:
        calls, self.calls = set(self.calls), []
        return calls


def _one_step(model: Any, loss_fn: Callable[[], Any]) -> tuple[float, list[np.ndarray]]:
    """One SGD step (momentum): the loss and the gradients, then the parameters updated."""
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.zero_grad()
    loss = loss_fn()
    loss.backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    opt.step()
    return loss.item(), grads


def _compare_modes(make_model: Callable[[], Any], loss_of: Callable[[Any], Any],
                   spy: Spy, names: tuple[str, ...]) -> None:
    results = {}
    for pair in ("fast", "reference"):
        tg.manual_seed(0)
        model = make_model()
        with reference_ops(pair == "reference"):
            loss, grads = _one_step(model, lambda m=model: loss_of(m))
        state = {k: np.asarray(v).copy() for k, v in model.state_dict().items()}
        results[pair] = (loss, grads, state)
        ran = spy.pairs_run()
        other = "fast" if pair == "reference" else "reference"
        for name in names:
            assert {(name, pair, "forward"), (name, pair, "backward")} <= ran, (pair, ran)
            assert not {(name, other, "forward"), (name, other, "backward")} & ran, (pair, ran)
    (loss_a, grads_a, state_a), (loss_b, grads_b, state_b) = results.values()
    assert loss_a == pytest.approx(loss_b, rel=1e-12)
    for a, b in zip(grads_a, grads_b, strict=True):
        _close(a, b, "parameter gradient")
    for key in state_a:  # updated parameters and running statistics
        _close(state_a[key], state_b[key], key)


def test_reference_ops_switches_a_convnet_training_step(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    names = ("conv2d", "batch_norm", "max_pool2d")
    spy = Spy(monkeypatch, names)
    rng = np.random.default_rng(0)
    x, y = tg.tensor(rng.standard_normal((6, 3, 8, 8))), tg.tensor(rng.integers(0, 5, 6))

    def convnet() -> Any:
        return tg.nn.Sequential(tg.nn.Conv2d(3, 4, 3, padding=1), tg.nn.BatchNorm2d(4),
                                tg.nn.ReLU(), tg.nn.MaxPool2d(2), tg.nn.Flatten(),
                                tg.nn.Linear(4 * 4 * 4, 5)).double()

    _compare_modes(convnet, lambda model: F.cross_entropy(model(x), y), spy, names)


def test_reference_ops_switches_an_lstm_training_step(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch, ("lstm",))
    rng = np.random.default_rng(1)
    x, target = tg.tensor(rng.standard_normal((7, 4, 5))), tg.tensor(rng.standard_normal((4, 3)))

    def model() -> Any:
        return tg.nn.ModuleList([tg.nn.LSTM(5, 6), tg.nn.Linear(6, 3)]).double()

    def loss_of(m: Any) -> Any:
        out, (h_n, _) = m[0](x)
        return F.mse_loss(m[1](h_n[0] + out.mean(dim=0)), target)

    _compare_modes(model, loss_of, spy, ("lstm",))


def test_backward_runs_the_pair_of_the_forward_that_ran(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """Forward inside reference_ops(), backward outside: the readable backward gets the
    readable cache (and the other way round)."""
    spy = Spy(monkeypatch, ("conv2d",))
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))]
    grads = {}
    for inside in (True, False):
        x, w = (tg.tensor(a, requires_grad=True) for a in arrays)
        with reference_ops(inside):
            out = F.conv2d(x, w, padding=1)
        with reference_ops(not inside):
            out.sum().backward()
        pair = "reference" if inside else "fast"
        assert spy.pairs_run() == {("conv2d", pair, "forward"), ("conv2d", pair, "backward")}
        grads[pair] = (x.grad.numpy(), w.grad.numpy())
    for a, b in zip(grads["reference"], grads["fast"], strict=True):
        _close(a, b, "gradient")
