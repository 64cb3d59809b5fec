"""Numba kernels against plain references, compiled and with the JIT disabled."""

from __future__ import annotations

import math

import numpy as np
import pytest
from jit_helpers import (
    assert_passes_without_jit,
    assert_python_function_matches,
    num_threads,
    python_version,
)

import tinygrad_edu as tg
from tinygrad_edu.kernels import elementwise, special
from tinygrad_edu.ops import elementwise as ops


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 5)])
def test_erf_matches_math_erf(dtype: type, shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).normal(scale=2.0, size=shape).astype(dtype)
    expected = np.vectorize(math.erf)(x.astype(np.float64)).astype(dtype)
    out = special.erf(x)
    assert out.dtype == dtype
    assert out.shape == x.shape
    np.testing.assert_allclose(out, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)


def test_erf_python_function_matches_compiled() -> None:
    x = np.linspace(-4, 4, 41)
    py_func = getattr(special.erf, "py_func", special.erf)  # plain function without the JIT
    np.testing.assert_array_equal(py_func(x), special.erf(x))


SPECIAL_VALUES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30]


def _with_special_values(x: np.ndarray) -> np.ndarray:
    x.reshape(-1)[:len(SPECIAL_VALUES)] = SPECIAL_VALUES
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(0,), (7,), (3, 4), (2, 3, 5)])
def test_relu_and_gate_match_numpy(dtype: type, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    if x.size >= len(SPECIAL_VALUES):
        _with_special_values(x)
    out, mask = elementwise.relu(x)
    assert out.dtype == dtype
    assert mask.dtype == np.bool_
    assert out.shape == mask.shape == shape
    np.testing.assert_array_equal(out, np.maximum(x, 0))  # NaN stays NaN
    assert not np.signbit(out).any()  # -0.0 becomes 0.0, as np.maximum and torch.relu give
    np.testing.assert_array_equal(mask, (x > 0) | np.isnan(x))  # torch lets NaN through
    dout = _with_special_values(rng.standard_normal(shape).astype(dtype)[::-1].copy()) \
        if x.size >= len(SPECIAL_VALUES) else rng.standard_normal(shape).astype(dtype)
    with np.errstate(invalid="ignore"):  # inf * 0 (a warning when the JIT is disabled)
        dx = elementwise.gate(dout, mask)
        expected = dout * mask
    assert dx.dtype == dtype
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(np.signbit(dx), np.signbit(expected))  # -0.0 where numpy has


def test_relu_python_functions_match_compiled() -> None:
    x = _with_special_values(np.linspace(-2, 2, 33))
    assert_python_function_matches(elementwise.relu, x)
    assert_python_function_matches(elementwise.gate, x[::-1].copy(), x > 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight_decay", [0.0, 0.25])
def test_sgd_momentum_matches_the_numpy_statements(dtype: type, weight_decay: float) -> None:
    """Bit for bit what optim.SGD's numpy statements compute, compiled and as plain Python."""
    rng = np.random.default_rng(3)
    param, grad, buf = (rng.standard_normal((4, 5)).astype(dtype) for _ in range(3))
    expected_buf = buf * dtype(0.9) + (grad + dtype(weight_decay) * param)
    expected_param = param + dtype(-0.1) * expected_buf
    kernel = elementwise.sgd_momentum
    for fn in (kernel, python_version(kernel)):
        p, b = param.copy(), buf.copy()
        fn(p, grad, b, dtype(-0.1), dtype(0.9), dtype(weight_decay))
        np.testing.assert_array_equal(b, expected_buf)
        np.testing.assert_array_equal(p, expected_param)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [elementwise.LOOP_MIN_SIZE - 1, elementwise.LOOP_MIN_SIZE])
def test_relu_and_clamp_match_torch_on_both_paths(dtype: type, size: int) -> None:
    """Below and at the size where the ops switch to the compiled loops, forward and
    backward equal torch's bit for bit, special input values included (a NaN input passes
    its gradient, as in torch)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(size)
    x_np = _with_special_values(rng.standard_normal(size).astype(dtype))
    dout_np = rng.standard_normal(size).astype(dtype)
    for ours_fn, torch_fn in [(lambda t: t.relu(), lambda t: t.relu()),
                              (lambda t: t.clamp(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5))]:
        x, xt = tg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
        out, out_t = ours_fn(x), torch_fn(xt)
        out.backward(tg.tensor(dout_np))
        out_t.backward(torch.tensor(dout_np))
        np.testing.assert_array_equal(out.detach().numpy(), out_t.detach().numpy())
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
        assert x.grad.numpy().dtype == dtype


def test_relu_and_sgd_kernels_give_the_same_result_on_one_and_two_threads() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal(3 * elementwise.LOOP_MIN_SIZE + 7).astype(np.float32)
    results = []
    for threads in (1, 2):
        with num_threads(threads):
            out, mask = elementwise.relu(x)
            p, b = x.copy(), x[::-1].copy()
            elementwise.sgd_momentum(p, x, b, np.float32(-0.1), np.float32(0.9),
                                     np.float32(0.01))
            results.append((out, mask, elementwise.gate(x, mask), p, b))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def test_relu_of_strided_and_integer_input_takes_numpy() -> None:
    """Views and integer arrays, which the kernels do not take, still work."""
    x = np.random.default_rng(2).standard_normal((300, 300))[:, ::2]
    out, cache = ops.relu_forward(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    np.testing.assert_array_equal(ops.relu_backward(np.ones_like(x), cache)[0], x > 0)  # no NaN
    ints = np.arange(-5, 5)
    np.testing.assert_array_equal(ops.relu_forward(ints)[0], np.maximum(ints, 0))


def test_kernels_run_with_jit_disabled() -> None:
    """The kernel tests also pass as plain Python (readable tracebacks, coverage)."""
    assert_passes_without_jit(__file__, "not jit_disabled")
