"""Gradient checks against central differences for every differentiable catalog row.

For each row of ``tests/ops/op_catalog.py`` with ``differentiable`` and ``gradcheck`` set,
hypothesis draws small shapes (sides up to 3, at most 3 dims; broadcasting pairs for binary
ops), seeded random values inside the op's domain and away from its kinks, and a memory layout
per float input (contiguous, transposed, or a step-2 view whose gaps hold NaN; the Tensor keeps
the strides). ``tinygrad_edu.testing.gradcheck`` then compares every input's backward gradient
of ``sum(fn(*inputs) * cotangent)``, with a random cotangent, to central differences in
float64 (eps 1e-6, atol 1e-5, rtol 1e-3: torch's defaults).

``test_vjp_random_directions`` does the cheap random-direction check (``<u, J v>`` against
``<J^T u, v>``) on the larger parity-sized shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from op_catalog import (
    GRAD,
    GRADCHECK_ROWS,
    PARITY,
    OpRow,
    Sample,
    as_list,
    draw_layouts,
    run_examples,
    xfail_params,
)

import tinygrad_edu as tg
from tinygrad_edu.testing import check_vjp, gradcheck

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3


def _single(out: Any) -> Any:
    """One Tensor: the output, or the float outputs flattened and joined (split, max(dim))."""
    floats = [o for o in as_list(out) if o.dtype.kind == "f"]
    if len(floats) == 1:
        return floats[0]
    return tg.cat([o.reshape(-1) for o in floats])


def _function_of_diff_inputs(row: OpRow, sample: Sample) -> tuple[Any, list[np.ndarray]]:
    """``fn(*differentiable inputs)`` with the other inputs (labels, weights) held fixed."""
    idx = sample.grad_indices()
    fixed = {i: tg.from_numpy(a) for i, a in enumerate(sample.args) if i not in idx}

    def fn(*diff: Any) -> Any:
        it = iter(diff)
        args = [fixed[i] if i in fixed else next(it) for i in range(len(sample.args))]
        return _single(row.fn_ours(*args, **sample.kwargs))

    return fn, [sample.args[i] for i in idx]


@pytest.mark.parametrize("row", xfail_params(GRADCHECK_ROWS, "gradcheck"))
def test_gradcheck(row: OpRow) -> None:
    """Backward equals central differences, on contiguous and non-contiguous inputs."""

    def body(sample: Sample, data: Any) -> None:
        sample = draw_layouts(data, sample)
        fn, inputs = _function_of_diff_inputs(row, sample)
        with tg.no_grad():
            shape = fn(*[tg.from_numpy(a) for a in inputs]).shape
        cotangent = np.asarray(np.random.default_rng([sample.seed, 7]).standard_normal(shape))
        gradcheck(fn, inputs, eps=EPS, atol=ATOL, rtol=RTOL, cotangent=cotangent)

    run_examples(row, body, size=GRAD)


@pytest.mark.parametrize("row", xfail_params(GRADCHECK_ROWS, "gradcheck"))
def test_vjp_random_directions(row: OpRow) -> None:
    """<u, J v> by central difference equals <J^T u, v> by backward, on larger shapes."""

    def body(sample: Sample, data: Any) -> None:
        sample = draw_layouts(data, sample)
        fn, inputs = _function_of_diff_inputs(row, sample)
        check_vjp(fn, inputs, n_directions=2, eps=EPS, atol=ATOL, rtol=RTOL,
                  seed=sample.seed % 2**31)

    run_examples(row, body, size=PARITY, cap=5)
