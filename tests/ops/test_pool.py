"""Pooling: kernels against naive loops, ops and modules against torch, gradients, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from jit_helpers import assert_passes_without_jit, assert_python_function_matches, num_threads

import tinygrad_edu as tg
from tinygrad_edu.kernels import pool as kernels
from tinygrad_edu.nn import functional as P
from tinygrad_edu.ops import pool as ops
from tinygrad_edu.testing import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


# ----------------------------------------------------------------------------- naive references
# The loops a course writes first: one output value at a time, every index checked.

def out_size(size, k, s, p, d, ceil_mode):
    """PyTorch's documented output size (ceil mode: the last window starts inside)."""
    n = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (n - 1) * s >= size + p:
        n -= 1
    return n


def naive_max_pool(x, k, s, p, d, ceil_mode):
    """x (N, C, H, W) -> out, argmax (flat h*W + w; -1 for a window with nothing inside)."""
    n_b, n_c, height, width = x.shape
    oh_n = out_size(height, k[0], s[0], p[0], d[0], ceil_mode)
    ow_n = out_size(width, k[1], s[1], p[1], d[1], ceil_mode)
    out = np.full((n_b, n_c, oh_n, ow_n), -np.inf, dtype=x.dtype)
    argmax = np.full((n_b, n_c, oh_n, ow_n), -1, dtype=np.int64)
    for n in range(n_b):
        for c in range(n_c):
            for oh in range(oh_n):
                for ow in range(ow_n):
                    for i in range(k[0]):
                        h = oh * s[0] - p[0] + i * d[0]
                        for j in range(k[1]):
                            w = ow * s[1] - p[1] + j * d[1]
                            if not (0 <= h < height and 0 <= w < width):
                                continue
                            v = x[n, c, h, w]
                            # the first tap inside starts the search; later ones win if
                            # strictly larger, and a NaN always wins (PyTorch's rule)
                            if argmax[n, c, oh, ow] < 0 or v > out[n, c, oh, ow] or v != v:
                                out[n, c, oh, ow] = v
                                argmax[n, c, oh, ow] = h * width + w
    return out, argmax


def naive_max_backward(dout, argmax, x_shape):
    dx = np.zeros(x_shape, dtype=dout.dtype)
    n_b, n_c, oh_n, ow_n = dout.shape
    for n in range(n_b):
        for c in range(n_c):
            for oh in range(oh_n):
                for ow in range(ow_n):
                    a = argmax[n, c, oh, ow]
                    if a >= 0:
                        dx[n, c, a // x_shape[3], a % x_shape[3]] += dout[n, c, oh, ow]
    return dx


def naive_avg_windows(height, width, k, s, p, ceil_mode, count_include_pad, divisor_override):
    """Per output cell: (row range, column range, divisor), from PyTorch's rules."""
    oh_n = out_size(height, k[0], s[0], p[0], 1, ceil_mode)
    ow_n = out_size(width, k[1], s[1], p[1], 1, ceil_mode)
    windows = {}
    for oh in range(oh_n):
        for ow in range(ow_n):
            h0, w0 = oh * s[0] - p[0], ow * s[1] - p[1]
            h1, w1 = min(h0 + k[0], height + p[0]), min(w0 + k[1], width + p[1])
            padded_area = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, height), min(w1, width)
            if divisor_override is not None:
                divisor = divisor_override
            elif count_include_pad:
                divisor = padded_area
            else:
                divisor = (h1 - h0) * (w1 - w0)
            windows[oh, ow] = (range(h0, h1), range(w0, w1), divisor)
    return windows, (oh_n, ow_n)


def adaptive_ranges(size, n_out):
    return [range(math.floor(o * size / n_out), math.ceil((o + 1) * size / n_out))
            for o in range(n_out)]


def naive_adaptive_windows(height, width, oh_n, ow_n):
    rows, cols = adaptive_ranges(height, oh_n), adaptive_ranges(width, ow_n)
    return {(a, b): (rows[a], cols[b], len(rows[a]) * len(cols[b]))
            for a in range(oh_n) for b in range(ow_n)}, (oh_n, ow_n)


def naive_window_mean(x, windows, out_shape):
    out = np.zeros(x.shape[:2] + out_shape, dtype=x.dtype)
    for (oh, ow), (rows, cols, divisor) in windows.items():
        for h in rows:
            for w in cols:
                out[:, :, oh, ow] += x[:, :, h, w]
        out[:, :, oh, ow] /= divisor
    return out


def naive_window_mean_backward(dout, windows, x_shape):
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for (oh, ow), (rows, cols, divisor) in windows.items():
        for h in rows:
            for w in cols:
                dx[:, :, h, w] += dout[:, :, oh, ow] / divisor
    return dx


def naive_adaptive_max(x, oh_n, ow_n):
    n_b, n_c, height, width = x.shape
    out = np.zeros((n_b, n_c, oh_n, ow_n), dtype=x.dtype)
    argmax = np.zeros((n_b, n_c, oh_n, ow_n), dtype=np.int64)
    rows, cols = adaptive_ranges(height, oh_n), adaptive_ranges(width, ow_n)
    for n in range(n_b):
        for c in range(n_c):
            for oh in range(oh_n):
                for ow in range(ow_n):
                    first = True
                    for h in rows[oh]:
                        for w in cols[ow]:
                            v = x[n, c, h, w]
                            if first or v > out[n, c, oh, ow] or v != v:
                                out[n, c, oh, ow], argmax[n, c, oh, ow] = v, h * width + w
                                first = False
    return out, argmax


# ----------------------------------------------------------------------------- strategies

def make_values(rng, shape, kind, dtype=np.float64):
    """normal values, small integers (many ties), or normal values with some NaN."""
    if kind == "ties":
        return rng.integers(-2, 3, size=shape).astype(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    if kind == "nan":
        x[rng.random(shape) < 0.15] = np.nan
    return x


@st.composite
def input_shapes(draw, min_side=1, max_side=9):
    batched = draw(st.booleans())
    chw = (draw(st.integers(1, 3)), draw(st.integers(min_side, max_side)),
           draw(st.integers(min_side, max_side)))
    return ((draw(st.integers(1, 2)),) + chw) if batched else chw


def _maybe_int(draw, pair):
    """Pass a pair as an int when both entries agree, half of the time (both forms are API)."""
    return pair[0] if pair[0] == pair[1] and draw(st.booleans()) else pair


@st.composite
def sliding_cases(draw, with_dilation=True):
    """(shape, kwargs, k, s, p, d) with an output of at least one element."""
    shape = draw(input_shapes())
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if with_dilation else (1, 1)
    ceil_mode = draw(st.booleans())
    for a in (0, 1):
        assume(out_size(shape[-2 + a], k[a], s[a], p[a], d[a], ceil_mode) >= 1)
    kwargs = dict(kernel_size=_maybe_int(draw, k), padding=_maybe_int(draw, p),
                  ceil_mode=ceil_mode)
    kwargs["stride"] = None if s == k and draw(st.booleans()) else _maybe_int(draw, s)
    if with_dilation:
        kwargs["dilation"] = _maybe_int(draw, d)
    return shape, kwargs, k, s, p, d


@st.composite
def avg_cases(draw):
    shape, kwargs, k, s, p, _ = draw(sliding_cases(with_dilation=False))
    kwargs["count_include_pad"] = draw(st.booleans())
    kwargs["divisor_override"] = draw(st.none() | st.integers(1, 7) | st.integers(-3, -1))
    return shape, kwargs, k, s, p


@st.composite
def adaptive_cases(draw):
    """(shape, output_size as passed, (OH, OW)); sizes that do not divide, larger than the
    input, and None entries."""
    shape = draw(input_shapes())
    oh, ow = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    form = draw(st.sampled_from(["pair", "int", "none_h", "none_w"]))
    if form == "int":
        return shape, oh, (oh, oh)
    if form == "none_h":
        return shape, (None, ow), (shape[-2], ow)
    if form == "none_w":
        return shape, (oh, None), (oh, shape[-1])
    return shape, (oh, ow), (oh, ow)


values_kind = st.sampled_from(["normal", "ties", "nan"])
seeds = st.integers(0, 2**31 - 1)


def as4d(x):
    return x if x.ndim == 4 else x[None]


# ----------------------------------------------------------------------------- (a) kernels

def _sliding_windows(shape, k, s, p, d, ceil_mode):
    return [ops.sliding_window(shape[-2 + a], out_size(shape[-2 + a], k[a], s[a], p[a], d[a],
                                                       ceil_mode), k[a], s[a], p[a], d[a])
            for a in (0, 1)]


def _planes(x):
    return np.ascontiguousarray(x.reshape(-1, x.shape[-2], x.shape[-1]))


@given(case=sliding_cases(), kind=values_kind, seed=seeds)
def test_kernel_max_pool_matches_naive_loops(case, kind, seed):
    shape, kwargs, k, s, p, d = case
    rng = np.random.default_rng(seed)
    x = as4d(make_values(rng, shape, kind))
    rows, cols = _sliding_windows(shape, k, s, p, d, kwargs["ceil_mode"])
    out, argmax = kernels.max_pool_fwd(_planes(x), rows.start, rows.length, cols.start,
                                       cols.length, d[0], d[1])
    expected, expected_argmax = naive_max_pool(x, k, s, p, d, kwargs["ceil_mode"])
    np.testing.assert_array_equal(out.reshape(expected.shape), expected)
    np.testing.assert_array_equal(argmax.reshape(expected.shape), expected_argmax)
    dout = rng.standard_normal(out.shape)
    dx = kernels.max_pool_bwd(dout, argmax, x.shape[-2], x.shape[-1])
    np.testing.assert_array_equal(
        dx.reshape(x.shape), naive_max_backward(dout.reshape(expected.shape), expected_argmax,
                                                x.shape))


@given(case=avg_cases(), seed=seeds)
def test_kernel_avg_pool_matches_naive_loops(case, seed):
    shape, kwargs, k, s, p = case
    rng = np.random.default_rng(seed)
    x = as4d(rng.standard_normal(shape))
    windows, out_hw = naive_avg_windows(x.shape[-2], x.shape[-1], k, s, p, kwargs["ceil_mode"],
                                        kwargs["count_include_pad"], kwargs["divisor_override"])
    rows, cols = _sliding_windows(shape, k, s, p, (1, 1), kwargs["ceil_mode"])
    divisor = np.array([[windows[a, b][2] for b in range(out_hw[1])] for a in range(out_hw[0])],
                       dtype=x.dtype)
    out = kernels.avg_pool_fwd(_planes(x), rows.start, rows.length, cols.start, cols.length,
                               divisor)
    expected = naive_window_mean(x, windows, out_hw)
    np.testing.assert_allclose(out.reshape(expected.shape), expected, rtol=1e-12, atol=1e-14)
    dout = rng.standard_normal(out.shape)
    dx = kernels.avg_pool_bwd(dout, rows.start, rows.length, cols.start, cols.length, divisor,
                              x.shape[-2], x.shape[-1])
    np.testing.assert_allclose(
        dx.reshape(x.shape), naive_window_mean_backward(dout.reshape(expected.shape), windows,
                                                        x.shape), rtol=1e-12, atol=1e-14)


@given(case=adaptive_cases(), kind=values_kind, seed=seeds)
def test_kernel_adaptive_windows_match_naive_loops(case, kind, seed):
    """The same kernels with adaptive windows: max (with argmax) and mean."""
    shape, _, (oh_n, ow_n) = case
    rng = np.random.default_rng(seed)
    x = as4d(make_values(rng, shape, kind))
    rows = ops.adaptive_window(x.shape[-2], oh_n)
    cols = ops.adaptive_window(x.shape[-1], ow_n)
    out, argmax = kernels.max_pool_fwd(_planes(x), rows.start, rows.length, cols.start,
                                       cols.length, 1, 1)
    expected, expected_argmax = naive_adaptive_max(x, oh_n, ow_n)
    np.testing.assert_array_equal(out.reshape(expected.shape), expected)
    np.testing.assert_array_equal(argmax.reshape(expected.shape), expected_argmax)
    windows, out_hw = naive_adaptive_windows(x.shape[-2], x.shape[-1], oh_n, ow_n)
    x = np.nan_to_num(x)
    divisor = np.multiply.outer(rows.length, cols.length).astype(x.dtype)
    mean = kernels.avg_pool_fwd(_planes(x), rows.start, rows.length, cols.start, cols.length,
                                divisor)
    np.testing.assert_allclose(mean.reshape(expected.shape),
                               naive_window_mean(x, windows, out_hw), rtol=1e-12, atol=1e-14)
    dout = rng.standard_normal(mean.shape)
    dx = kernels.avg_pool_bwd(dout, rows.start, rows.length, cols.start, cols.length, divisor,
                              x.shape[-2], x.shape[-1])
    np.testing.assert_allclose(
        dx.reshape(x.shape), naive_window_mean_backward(dout.reshape(expected.shape), windows,
                                                        x.shape), rtol=1e-12, atol=1e-14)


@given(shape=input_shapes(min_side=2, max_side=11), kind=values_kind, seed=seeds,
       dtype=st.sampled_from([np.float64, np.float32]))
def test_kernel_max_pool_2x2_matches_naive_loops(shape, kind, seed, dtype):
    """The 2x2 stride-2 kernels give the general loops' out, argmax and dx bit for bit, odd
    sides (a last row or column no window covers) included."""
    rng = np.random.default_rng(seed)
    x = as4d(make_values(rng, shape, kind, dtype))
    n_oh, n_ow = x.shape[-2] // 2, x.shape[-1] // 2
    out, argmax = kernels.max_pool_2x2_fwd(_planes(x), n_oh, n_ow)
    expected, expected_argmax = naive_max_pool(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    assert out.dtype == dtype
    assert argmax.dtype == np.int64
    np.testing.assert_array_equal(out.reshape(expected.shape), expected)
    np.testing.assert_array_equal(argmax.reshape(expected.shape), expected_argmax)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = kernels.max_pool_2x2_bwd(dout, argmax, x.shape[-2], x.shape[-1])
    assert dx.dtype == dtype
    np.testing.assert_array_equal(
        dx.reshape(x.shape), naive_max_backward(dout.reshape(expected.shape), expected_argmax,
                                                x.shape))


def test_kernel_python_functions_match_compiled():
    """``kernel.py_func`` (the plain Python loops) gives what the compiled kernel gives."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 7, 6))
    rows, cols = _sliding_windows(x.shape, (3, 2), (2, 1), (1, 1), (1, 2), True)
    args = (x, rows.start, rows.length, cols.start, cols.length)
    divisor = np.multiply.outer(rows.length, cols.length).astype(x.dtype)
    dout = rng.standard_normal((3, rows.start.shape[0], cols.start.shape[0]))
    calls = [
        (kernels.max_pool_fwd, (*args, 1, 2)),
        (kernels.avg_pool_fwd, (*args, divisor)),
        (kernels.avg_pool_bwd, (dout, *args[1:], divisor, 7, 6)),
    ]
    argmax = kernels.max_pool_fwd(*args, 1, 2)[1]
    calls.append((kernels.max_pool_bwd, (dout, argmax, 7, 6)))
    calls.append((kernels.max_pool_2x2_fwd, (x, 3, 3)))
    calls.append((kernels.max_pool_2x2_bwd, (dout[:, :3, :3].copy(),
                                             kernels.max_pool_2x2_fwd(x, 3, 3)[1], 7, 6)))
    for kernel, kernel_args in calls:
        assert_python_function_matches(kernel, *kernel_args)


def test_kernel_float32_stays_float32():
    x = np.random.default_rng(1).standard_normal((2, 5, 5)).astype(np.float32)
    rows, cols = _sliding_windows(x.shape, (2, 2), (2, 2), (1, 1), (1, 1), False)
    args = (x, rows.start, rows.length, cols.start, cols.length)
    out, argmax = kernels.max_pool_fwd(*args, 1, 1)
    divisor = np.full((3, 3), 4, np.float32)
    assert out.dtype == np.float32
    assert argmax.dtype == np.int64
    assert kernels.avg_pool_fwd(*args, divisor).dtype == np.float32
    assert kernels.max_pool_bwd(out, argmax, 5, 5).dtype == np.float32
    assert kernels.avg_pool_bwd(out, *args[1:], divisor, 5, 5).dtype == np.float32


def test_kernels_run_with_jit_disabled():
    """The kernel tests also pass as plain Python (readable tracebacks, coverage)."""
    assert_passes_without_jit(__file__, "test_kernel_")


# ----------------------------------------------------------------------------- (b) torch parity

TOL = {np.float64: dict(rtol=1e-12, atol=1e-13), np.float32: dict(rtol=1e-5, atol=1e-6)}


def run_ours(fn, x, dout):
    """Forward and input gradient through the Tensor API."""
    xt = tg.tensor(x, requires_grad=True)
    result = fn(xt)
    out = result[0] if isinstance(result, tuple) else result
    out.backward(tg.tensor(dout))
    extra = result[1].numpy() if isinstance(result, tuple) else None
    return out.detach().numpy(), xt.grad.numpy(), extra


def run_torch(fn, x, dout):
    xt = torch.tensor(x, requires_grad=True)
    result = fn(xt)
    out = result[0] if isinstance(result, tuple) else result
    out.backward(torch.tensor(dout))
    extra = result[1].numpy() if isinstance(result, tuple) else None
    return out.detach().numpy(), xt.grad.numpy(), extra


def check_parity(ours_fn, torch_fn, x, rng):
    t_out = torch_fn(torch.tensor(x))
    t_out = t_out[0] if isinstance(t_out, tuple) else t_out
    dout = rng.standard_normal(t_out.shape).astype(x.dtype)
    ours, theirs = run_ours(ours_fn, x, dout), run_torch(torch_fn, x, dout)
    tol = TOL[x.dtype.type]
    assert ours[0].shape == theirs[0].shape
    assert ours[0].dtype == theirs[0].dtype == x.dtype
    np.testing.assert_allclose(ours[0], theirs[0], **tol)  # NaN == NaN here
    np.testing.assert_allclose(ours[1], theirs[1], **tol)
    assert ours[1].dtype == x.dtype
    if theirs[2] is not None:
        assert ours[2].dtype == np.int64
        np.testing.assert_array_equal(ours[2], theirs[2])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=sliding_cases(), kind=values_kind, seed=seeds)
def test_max_pool2d_matches_torch(dtype, case, kind, seed):
    shape, kwargs, k, s, p, d = case
    rng = np.random.default_rng(seed)
    x = make_values(rng, shape, kind, dtype)
    # torch reports an out-of-range index for a window with no tap inside; we say -1
    assume((naive_max_pool(as4d(x), k, s, p, d, kwargs["ceil_mode"])[1] >= 0).all())
    check_parity(lambda t: P.max_pool2d(t, **kwargs, return_indices=True),
                 lambda t: TF.max_pool2d(t, **kwargs, return_indices=True), x, rng)
    check_parity(lambda t: P.max_pool2d(t, **kwargs), lambda t: TF.max_pool2d(t, **kwargs),
                 x, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shape=input_shapes(min_side=2, max_side=11), kind=values_kind, seed=seeds,
       form=st.sampled_from([dict(kernel_size=2), dict(kernel_size=(2, 2), stride=2),
                             dict(kernel_size=2, stride=(2, 2), padding=0, dilation=1)]))
def test_max_pool2d_2x2_matches_torch(dtype, shape, kind, seed, form):
    """MaxPool2d(2), which runs the dedicated 2x2 kernels, with ties, NaN and odd sides."""
    rng = np.random.default_rng(seed)
    x = make_values(rng, shape, kind, dtype)
    check_parity(lambda t: P.max_pool2d(t, **form, return_indices=True),
                 lambda t: TF.max_pool2d(t, **form, return_indices=True), x, rng)
    check_parity(lambda t: P.max_pool2d(t, **form), lambda t: TF.max_pool2d(t, **form), x, rng)


def test_max_pool2d_takes_the_2x2_kernels_only_for_2x2_blocks(monkeypatch):
    """The dedicated kernels run for 2x2 stride 2 without padding, and for nothing else."""
    used = []
    for name in ("max_pool_2x2_fwd", "max_pool_fwd", "max_pool_2x2_bwd", "max_pool_bwd"):
        kernel = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _k=kernel, _n=name: (used.append(_n),
                                                                           _k(*a))[1])
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, 3, 9, 8)), requires_grad=True)
    for kwargs, expected in [
            (dict(kernel_size=2), "max_pool_2x2"),
            (dict(kernel_size=2, ceil_mode=True), "max_pool"),  # a last 1-wide window
            (dict(kernel_size=2, stride=1), "max_pool"),
            (dict(kernel_size=2, padding=1), "max_pool"),
            (dict(kernel_size=2, dilation=2), "max_pool"),
            (dict(kernel_size=(2, 3)), "max_pool")]:
        used.clear()
        P.max_pool2d(x, **kwargs).sum().backward()
        assert used == [expected + "_fwd", expected + "_bwd"], kwargs
    used.clear()
    P.adaptive_max_pool2d(x, (4, 4)).sum().backward()  # 9 rows into 4: overlapping windows
    assert used == ["max_pool_fwd", "max_pool_bwd"]
    even = tg.tensor(np.random.default_rng(1).standard_normal((3, 6, 4)), requires_grad=True)
    for kwargs in (dict(kernel_size=2, ceil_mode=True), dict(kernel_size=[2, 2], stride=[2, 2])):
        used.clear()
        P.max_pool2d(even, **kwargs).sum().backward()
        assert used == ["max_pool_2x2_fwd", "max_pool_2x2_bwd"], kwargs


@pytest.mark.parametrize("kwargs", [dict(kernel_size=True), dict(kernel_size=2, stride=True),
                                    dict(kernel_size=(2, 2.0)), dict(kernel_size=2, padding=-1)])
def test_max_pool2d_2x2_look_alikes_get_the_checks(kwargs):
    """Arguments equal to MaxPool2d(2)'s but of another type go through the full checks."""
    x = np.zeros((1, 2, 4, 4), np.float32)
    with pytest.raises((TypeError, RuntimeError)) as ours:
        P.max_pool2d(tg.tensor(x), **kwargs)
    with pytest.raises((TypeError, RuntimeError)) as theirs:
        TF.max_pool2d(torch.tensor(x), **kwargs)
    assert type(ours.value) is type(theirs.value)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=avg_cases(), seed=seeds)
def test_avg_pool2d_matches_torch(dtype, case, seed):
    shape, kwargs, _, _, _ = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    check_parity(lambda t: P.avg_pool2d(t, **kwargs), lambda t: TF.avg_pool2d(t, **kwargs),
                 x, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=adaptive_cases(), kind=values_kind, seed=seeds)
def test_adaptive_pools_match_torch(dtype, case, kind, seed):
    shape, output_size, _ = case
    rng = np.random.default_rng(seed)
    x = make_values(rng, shape, kind, dtype)
    check_parity(lambda t: P.adaptive_max_pool2d(t, output_size, return_indices=True),
                 lambda t: TF.adaptive_max_pool2d(t, output_size, return_indices=True), x, rng)
    x = np.nan_to_num(x)
    check_parity(lambda t: P.adaptive_avg_pool2d(t, output_size),
                 lambda t: TF.adaptive_avg_pool2d(t, output_size), x, rng)


@pytest.mark.parametrize("config", [
    dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=1, dilation=(2, 1))])
@pytest.mark.parametrize("fill", [1.0, -np.inf, 0.0])
def test_max_pool_ties_route_the_gradient_like_torch(config, fill):
    """All-equal inputs: every window ties; the first tap in scan order takes the gradient."""
    x = np.full((2, 3, 6, 7), fill)
    for dout_kind in ("ones", "random"):
        t_out = TF.max_pool2d(torch.tensor(x), **config)
        dout = (np.ones(t_out.shape) if dout_kind == "ones"
                else np.random.default_rng(0).standard_normal(t_out.shape))
        ours = run_ours(lambda t: P.max_pool2d(t, **config, return_indices=True), x, dout)
        theirs = run_torch(lambda t: TF.max_pool2d(t, **config, return_indices=True), x, dout)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a, b)


def test_non_contiguous_input_matches_torch():
    """A strided view (every other column, channels last in memory) is made contiguous first."""
    base = np.random.default_rng(7).standard_normal((2, 7, 9, 3))
    for fn, tfn in [(lambda t: P.max_pool2d(t, 3, 2, 1), lambda t: TF.max_pool2d(t, 3, 2, 1)),
                    (lambda t: P.avg_pool2d(t, 2, 1), lambda t: TF.avg_pool2d(t, 2, 1)),
                    (lambda t: P.adaptive_avg_pool2d(t, 2),
                     lambda t: TF.adaptive_avg_pool2d(t, 2))]:
        x = tg.tensor(base, requires_grad=True)
        xt = torch.tensor(base, requires_grad=True)
        out = fn(x.permute(0, 3, 1, 2)[:, :, :, ::2])
        ref = tfn(xt.permute(0, 3, 1, 2)[:, :, :, ::2])
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_global_average_pooling():
    x = np.random.default_rng(2).standard_normal((4, 5, 7, 3))
    out = P.adaptive_avg_pool2d(tg.tensor(x), 1)
    np.testing.assert_allclose(out.numpy(), x.mean(axis=(2, 3), keepdims=True), rtol=1e-12)


def test_empty_batch_matches_torch():
    x = np.zeros((0, 3, 5, 5))
    for ours, theirs in [(lambda t: P.max_pool2d(t, 2), lambda t: TF.max_pool2d(t, 2)),
                         (lambda t: P.avg_pool2d(t, 3, 1, 1), lambda t: TF.avg_pool2d(t, 3, 1, 1)),
                         (lambda t: P.adaptive_avg_pool2d(t, 2),
                          lambda t: TF.adaptive_avg_pool2d(t, 2)),
                         (lambda t: P.adaptive_max_pool2d(t, 2),
                          lambda t: TF.adaptive_max_pool2d(t, 2))]:
        shape = theirs(torch.tensor(x)).shape
        out, grad, _ = run_ours(ours, x, np.zeros(shape))
        assert out.shape == shape
        assert grad.shape == x.shape


@pytest.mark.parametrize("output_size", [0, (0, 3), (2, 0)])
def test_adaptive_output_size_zero_matches_torch(output_size):
    x = np.ones((2, 3, 5, 4))
    for name in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        shape = getattr(TF, name)(torch.tensor(x), output_size).shape
        out, grad, _ = run_ours(lambda t, n=name: getattr(P, n)(t, output_size), x,
                                np.zeros(shape))
        assert out.shape == shape
        np.testing.assert_array_equal(grad, np.zeros_like(x))


def test_window_without_taps_gives_minus_inf_and_no_gradient():
    """Dilation can step over a tiny input: no tap inside, so max = -inf (torch agrees) and the
    index is -1 (torch reports an index outside the plane) and no gradient flows."""
    x = tg.tensor(np.ones((1, 1, 1, 1)), requires_grad=True)
    out, indices = P.max_pool2d(x, 2, padding=1, dilation=2, return_indices=True)
    assert out.detach().numpy().tolist() == [[[[-np.inf]]]]
    assert indices.numpy().tolist() == [[[[-1]]]]
    assert TF.max_pool2d(torch.ones(1, 1, 1, 1), 2, padding=1, dilation=2).item() == -np.inf
    out.backward(tg.ones_like(out))
    assert x.grad.numpy().tolist() == [[[[0.0]]]]


def test_indices_without_a_graph_and_independent_of_backward():
    x_np = np.random.default_rng(3).standard_normal((2, 2, 6, 6))
    with tg.no_grad():
        _, no_graph = P.max_pool2d(tg.tensor(x_np, requires_grad=True), 3, 2, 1,
                                   return_indices=True)
    _, plain = P.max_pool2d(tg.tensor(x_np), 3, 2, 1, return_indices=True)
    x = tg.tensor(x_np, requires_grad=True)
    out, indices = P.max_pool2d(x, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(no_graph.numpy(), indices.numpy())
    np.testing.assert_array_equal(plain.numpy(), indices.numpy())
    assert out.grad_fn is not None
    assert not indices.requires_grad
    indices.zero_()  # the user's copy; backward still uses the saved argmax
    out.backward(tg.ones_like(out))
    t = torch.tensor(x_np, requires_grad=True)
    TF.max_pool2d(t, 3, 2, 1).backward(torch.ones(out.shape, dtype=torch.float64))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# ----------------------------------------------------------------------------- (c) gradcheck

def distinct(shape, seed):
    """Distinct values 0.1 apart, so a 1e-6 step never changes which input wins a max."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


@pytest.mark.parametrize("fn", [
    lambda x: P.max_pool2d(x, 2),
    lambda x: P.max_pool2d(x, 3, stride=1, padding=1),
    lambda x: P.max_pool2d(x, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                           ceil_mode=True),
    lambda x: P.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    lambda x: P.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    lambda x: P.avg_pool2d(x, 2, stride=1, divisor_override=3),
    lambda x: P.adaptive_avg_pool2d(x, (3, 4)),
    lambda x: P.adaptive_max_pool2d(x, (4, 3)),
    lambda x: P.adaptive_max_pool2d(x, 1),
], ids=["max2", "max3s1p1", "max_dil_ceil", "avg_ceil", "avg_nopad", "avg_override",
        "adaptive_avg", "adaptive_max", "global_max"])
def test_gradcheck(fn):
    assert gradcheck(fn, [distinct((2, 2, 7, 5), 0)])
    assert gradcheck(fn, [distinct((2, 7, 5), 1)])  # unbatched


def test_backward_pair_called_directly():
    """The course's front door: the op pair on numpy arrays, against a central difference."""
    rng = np.random.default_rng(4)
    x = distinct((2, 3, 5, 6), 2)
    for fwd, bwd, kw in [
            (ops.max_pool2d_forward, ops.max_pool2d_backward, dict(kernel_size=3, stride=2)),
            (ops.avg_pool2d_forward, ops.avg_pool2d_backward, dict(kernel_size=2, padding=1)),
            (ops.adaptive_avg_pool2d_forward, ops.adaptive_avg_pool2d_backward,
             dict(output_size=(2, 4))),
            (ops.adaptive_max_pool2d_forward, ops.adaptive_max_pool2d_backward,
             dict(output_size=(4, 2)))]:
        out, cache = fwd(x, **kw)
        dout = rng.standard_normal(out.shape)
        (dx,) = bwd(dout, cache)
        v = rng.standard_normal(x.shape)
        eps = 1e-6
        numeric = (np.sum(fwd(x + eps * v, **kw)[0] * dout)
                   - np.sum(fwd(x - eps * v, **kw)[0] * dout)) / (2 * eps)
        np.testing.assert_allclose(np.sum(dx * v), numeric, rtol=1e-6)


# ----------------------------------------------------------------------------- (e) threads

def test_same_results_on_one_and_two_threads():
    rng = np.random.default_rng(5)
    x_np = rng.integers(-3, 4, size=(3, 5, 17, 13)).astype(np.float64)  # ties included
    fns = [lambda t: P.max_pool2d(t, 3, stride=2, padding=1, ceil_mode=True),
           lambda t: P.max_pool2d(t, 2),  # the 2x2 kernels
           lambda t: P.avg_pool2d(t, 3, stride=1, padding=1),
           lambda t: P.adaptive_avg_pool2d(t, (5, 4)),
           lambda t: P.adaptive_max_pool2d(t, (6, 5))]
    results = []
    for threads in (1, 2):
        with num_threads(threads):
            row = []
            for fn in fns:
                x = tg.tensor(x_np, requires_grad=True)
                out = fn(x)
                out.backward(tg.tensor(np.linspace(-1.0, 1.0, out.numel()).reshape(out.shape)))
                row += [out.detach().numpy().copy(), x.grad.numpy().copy()]
            results.append(row)
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- (f) errors

# (id, function name, input shape, input dtype, args, kwargs, exception type, message regex)
ERRORS: list[tuple[str, str, tuple[int, ...], str, tuple[Any, ...], dict[str, Any],
                   type[Exception], str]] = [
    ("rank2", "max_pool2d", (5, 5), "float32", (2,), {}, RuntimeError,
     r"max_pool2d: expected a 3D \(C, H, W\) or 4D \(N, C, H, W\) input, got shape \(5, 5\)"),
    ("rank5", "avg_pool2d", (1, 1, 1, 5, 5), "float32", (2,), {}, RuntimeError,
     r"avg_pool2d: expected a 3D .* got shape \(1, 1, 1, 5, 5\)"),
    ("rank_adaptive", "adaptive_avg_pool2d", (5,), "float32", (2,), {}, RuntimeError,
     r"adaptive_avg_pool2d: expected a 3D"),
    ("empty_channels", "max_pool2d", (1, 0, 5, 5), "float32", (2,), {}, RuntimeError,
     r"non-empty C, H and W .* \(1, 0, 5, 5\)"),
    ("empty_height", "adaptive_max_pool2d", (2, 0, 5), "float32", (2,), {}, RuntimeError,
     r"adaptive_max_pool2d: expected non-empty C, H and W"),
    ("int_dtype_adaptive", "adaptive_avg_pool2d", (1, 4, 4), "int64", (2,), {},
     RuntimeError, r"adaptive_avg_pool2d: not implemented for dtype int64"),
    ("bool_dtype", "adaptive_max_pool2d", (1, 4, 4), "bool", (2,), {}, RuntimeError,
     r"adaptive_max_pool2d: not implemented for dtype bool"),
    ("padding_too_big", "max_pool2d", (1, 2, 5, 5), "float32", (2,), dict(padding=2),
     RuntimeError, r"max_pool2d: padding must be at most half of the kernel size .* "
     r"padding=\(2, 2\) with kernel_size=\(2, 2\)"),
    ("padding_too_big_dilated", "max_pool2d", (1, 2, 5, 5), "float32", (2,),
     dict(padding=2, dilation=3), RuntimeError, r"at most half of the kernel size"),
    ("padding_avg", "avg_pool2d", (1, 2, 5, 5), "float32", ((3, 2),), dict(padding=(1, 2)),
     RuntimeError, r"avg_pool2d: padding must be at most half"),
    ("negative_padding", "max_pool2d", (1, 2, 5, 5), "float32", (2,), dict(padding=-1),
     RuntimeError, r"padding must be non-negative"),
    ("output_too_small", "max_pool2d", (1, 2, 5, 5), "float32", (6,), {}, RuntimeError,
     r"max_pool2d: output size would be 0x0 \(< 1\): the input of shape \(1, 2, 5, 5\)"),
    ("output_too_small_dilated", "max_pool2d", (1, 2, 5, 5), "float32", (3,), dict(dilation=3),
     RuntimeError, r"effective size \(7, 7\)"),
    ("output_too_small_avg", "avg_pool2d", (2, 3, 3), "float32", ((2, 4),), {}, RuntimeError,
     r"avg_pool2d: output size would be 1x0"),
    ("zero_stride", "max_pool2d", (1, 2, 5, 5), "float32", (2,), dict(stride=0), RuntimeError,
     r"max_pool2d: stride must be greater than zero, got stride=\(0, 0\)"),
    ("negative_stride", "avg_pool2d", (1, 2, 5, 5), "float32", (2,), dict(stride=(1, -1)),
     RuntimeError, r"avg_pool2d: stride must be greater than zero"),
    ("zero_kernel", "max_pool2d", (1, 2, 5, 5), "float32", (0,), {}, RuntimeError,
     r"kernel_size must be greater than zero"),
    ("zero_dilation", "max_pool2d", (1, 2, 5, 5), "float32", (2,), dict(dilation=0),
     RuntimeError, r"dilation must be greater than zero"),
    ("float_size", "max_pool2d", (1, 2, 5, 5), "float32", (2.0,), {}, TypeError,
     r"max_pool2d: kernel_size must be an int or a tuple of two ints, got 2.0"),
    ("bool_size", "avg_pool2d", (1, 2, 5, 5), "float32", (True,), {}, TypeError,
     r"kernel_size must be an int"),
    ("three_sizes", "max_pool2d", (1, 2, 5, 5), "float32", ((2, 2, 2),), {}, RuntimeError,
     r"kernel_size must either be a single int, or a tuple of two ints"),
    ("divisor_zero", "avg_pool2d", (1, 2, 5, 5), "float32", (2,), dict(divisor_override=0),
     RuntimeError, r"avg_pool2d: divisor_override must not be zero"),
    ("divisor_float", "avg_pool2d", (1, 2, 5, 5), "float32", (2,), dict(divisor_override=2.5),
     TypeError, r"divisor_override must be an int or None"),
    ("adaptive_negative", "adaptive_avg_pool2d", (1, 2, 5, 5), "float32", (-1,), {},
     RuntimeError, r"adaptive_avg_pool2d: elements of output_size must be >= 0"),
    ("adaptive_three", "adaptive_max_pool2d", (1, 2, 5, 5), "float32", ((2, 3, 4),), {},
     RuntimeError, r"adaptive_max_pool2d: output_size must be an int or a pair"),
    ("adaptive_float", "adaptive_avg_pool2d", (1, 2, 5, 5), "float32", (2.0,), {}, TypeError,
     r"output_size must hold ints or None"),
]


@pytest.mark.parametrize(("name", "fn", "shape", "dtype", "args", "kwargs", "exc", "match"),
                         ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, fn, shape, dtype, args, kwargs, exc, match, monkeypatch):
    """Bad input fails with PyTorch's exception type and a message naming the rule, before any
    kernel runs (the kernels are replaced by ones that would fail the test)."""
    def no_kernel(*_):
        raise AssertionError("a kernel ran before the arguments were checked")

    for kernel in ("max_pool_fwd", "max_pool_bwd", "max_pool_2x2_fwd", "max_pool_2x2_bwd",
                   "avg_pool_fwd", "avg_pool_bwd"):
        monkeypatch.setattr(kernels, kernel, no_kernel)
    x = tg.zeros(*shape, dtype=getattr(tg, dtype), requires_grad=dtype != "int64"
                 and dtype != "bool")
    with pytest.raises(exc, match=match):
        getattr(P, fn)(x, *args, **kwargs)


@pytest.mark.parametrize(("name", "fn", "shape", "dtype", "args", "kwargs", "exc", "match"),
                         ERRORS, ids=[e[0] for e in ERRORS])
def test_torch_rejects_the_same_inputs(name, fn, shape, dtype, args, kwargs, exc, match):
    """Every input rejected above is rejected by torch too."""
    x = torch.zeros(shape, dtype=getattr(torch, "bool" if dtype == "bool" else dtype))
    with pytest.raises((RuntimeError, TypeError, IndexError)):
        getattr(TF, fn)(x, *args, **kwargs)


@pytest.mark.parametrize("fn", ["max_pool2d", "avg_pool2d"])
def test_integer_pooling_is_torchs(fn):
    """Integer max/avg pooling, which torch implements too: the same dtype and numbers (an
    average truncates toward zero), with ceil mode and padding."""
    x = (np.arange(2 * 5 * 5) * 7 % 23 - 11).reshape(1, 2, 5, 5)
    kwargs = dict(padding=1, ceil_mode=True)
    ours = getattr(P, fn)(tg.tensor(x), 3, 2, **kwargs)
    theirs = getattr(TF, fn)(torch.tensor(x), 3, 2, **kwargs)
    assert str(ours.dtype) == str(theirs.dtype) == "torch.int64"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_input_must_be_a_tensor():
    with pytest.raises(TypeError, match=r"max_pool2d\(\): argument 'input' must be a Tensor, "
                       r"not ndarray"):
        P.max_pool2d(np.zeros((1, 1, 4, 4)), 2)


# ----------------------------------------------------------------------------- modules

@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(2),
    lambda m: m.MaxPool2d((2, 3), stride=1, padding=(1, 0), dilation=2, ceil_mode=True),
    lambda m: m.MaxPool2d(3, [1, 2], return_indices=True),
    lambda m: m.AvgPool2d(3),
    lambda m: m.AvgPool2d((2, 3), padding=(1, 0), ceil_mode=True, count_include_pad=False,
                          divisor_override=2),
    lambda m: m.AdaptiveAvgPool2d((None, 3)),
    lambda m: m.AdaptiveAvgPool2d(1),
    lambda m: m.AdaptiveMaxPool2d((2, 3), return_indices=True),
])
def test_modules_match_torch(make):
    """Same repr (extra_repr), same output; the same lambda builds both modules."""
    ours_module, torch_module = make(tg.nn), make(torch.nn)
    assert repr(ours_module) == repr(torch_module)
    x = np.random.default_rng(6).standard_normal((2, 3, 7, 8))
    mine = ours_module(tg.tensor(x))
    ref = torch_module(torch.tensor(x))
    if isinstance(ref, tuple):
        np.testing.assert_array_equal(mine[1].numpy(), ref[1].numpy())
        mine, ref = mine[0], ref[0]
    np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-12)
    assert list(ours_module.parameters()) == []
