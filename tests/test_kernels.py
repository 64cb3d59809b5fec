"""Numba kernels against plain references, compiled and with the JIT disabled."""

from __future__ import annotations

import math

import numpy as np
import pytest
from jit_helpers import assert_passes_without_jit

from tinygrad_edu.kernels import special


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


def test_kernels_run_with_jit_disabled() -> None:
    """The kernel tests also pass as plain Python (readable tracebacks, coverage)."""
    assert_passes_without_jit(__file__, "not jit_disabled")
