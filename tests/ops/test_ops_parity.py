"""Parity with PyTorch for every catalog row: forward (float64, float32) and backward (float64).

Each row of ``tests/ops/op_catalog.py`` runs under hypothesis (shapes, dims and seeds drawn per
row; float inputs sometimes laid out non-contiguously). The forward must match torch in shape,
dtype, values and ``requires_grad``; the backward pushes the same random cotangent (seeded per
example) through both libraries and compares the gradient of every differentiable input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from op_catalog import (
    DIFFERENTIABLE_ROWS,
    F32_ROWS,
    ROWS,
    OpRow,
    Sample,
    as_list,
    draw_layouts,
    run_examples,
    xfail_params,
)

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


# ----------------------------------------------------------------------------- helpers


def _inputs(sample: Sample, grad: bool, dtype: Any = None) -> tuple[list[Any], list[Any]]:
    """The sample's arrays as tinygrad_edu Tensors and as torch tensors (same values).

    Ours share memory with the arrays, so non-contiguous layouts reach the op; torch gets
    contiguous copies. Differentiable inputs require grad when ``grad``; ``dtype`` converts the
    float inputs (float32 checks).
    """
    need = set(sample.grad_indices()) if grad else set()
    ours, theirs = [], []
    for i, a in enumerate(sample.args):
        if dtype is not None and a.dtype.kind == "f":
            a = a.astype(dtype)
        t = tg.from_numpy(a)
        r = torch.tensor(np.array(a, order="C"))  # (ascontiguousarray makes 0-d 1-d)
        if i in need:
            t.requires_grad_(True)
            r.requires_grad_(True)
        ours.append(t)
        theirs.append(r)
    return ours, theirs


def _run(row: OpRow, sample: Sample, grad: bool, dtype: Any = None
         ) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    ours_in, torch_in = _inputs(sample, grad, dtype)
    outs = as_list(row.fn_ours(*ours_in, **sample.kwargs))
    refs = as_list(row.torch_fn(*torch_in, **sample.kwargs))
    return ours_in, torch_in, outs, refs


def _compare_forward(row: OpRow, sample: Sample, outs: list[Any], refs: list[Any],
                     rtol: float, atol: float) -> None:
    assert len(outs) == len(refs), f"{row.id}: {len(outs)} outputs, torch has {len(refs)}"
    for k, (o, r) in enumerate(zip(outs, refs, strict=True)):
        where = f"{row.id} output {k} for {sample}"
        assert isinstance(o, tg.Tensor), f"{where}: got {type(o).__name__}, expected a Tensor"
        got, want = o.detach().numpy(), r.detach().numpy()
        assert got.shape == want.shape, f"{where}: shape {got.shape}, torch {want.shape}"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, torch {want.dtype}"
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=where)
        else:
            np.testing.assert_array_equal(got, want, err_msg=where)
        assert o.requires_grad == r.requires_grad, (
            f"{where}: requires_grad is {o.requires_grad}, torch says {r.requires_grad}")


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("row", xfail_params(ROWS, "forward"))
def test_forward_float64(row: OpRow) -> None:
    """Values, shape, dtype and requires_grad match torch in float64."""

    def body(sample: Sample, data: Any) -> None:
        sample = draw_layouts(data, sample)
        _, _, outs, refs = _run(row, sample, grad=row.differentiable)
        _compare_forward(row, sample, outs, refs, row.rtol, row.atol)

    run_examples(row, body)


@pytest.mark.parametrize("row", xfail_params(DIFFERENTIABLE_ROWS, "backward"))
def test_backward_float64(row: OpRow) -> None:
    """Gradients of <cotangent, f(inputs)> with a random cotangent match torch in float64."""

    def body(sample: Sample, data: Any) -> None:
        sample = draw_layouts(data, sample)
        ours_in, torch_in, outs, refs = _run(row, sample, grad=True)
        pairs = [(o, r) for o, r in zip(outs, refs, strict=True) if r.requires_grad]
        assert pairs, f"{row.id}: no output requires grad for {sample}"
        rng = np.random.default_rng([sample.seed, 99])
        cots = [np.asarray(rng.standard_normal(r.shape)) for _, r in pairs]
        if len(pairs) == 1:
            pairs[0][0].backward(tg.from_numpy(cots[0]))
        else:
            total = sum((o * tg.from_numpy(c)).sum() for (o, _), c in zip(pairs, cots, strict=True))
            total.backward()
        torch.autograd.backward([r for _, r in pairs], [torch.from_numpy(c) for c in cots])
        for i in sample.grad_indices():
            where = f"{row.id} grad of input {i} for {sample}"
            want = (np.zeros(sample.args[i].shape) if torch_in[i].grad is None
                    else torch_in[i].grad.numpy())
            got_t = ours_in[i].grad
            got = np.zeros(sample.args[i].shape) if got_t is None else got_t.numpy()
            assert got.shape == sample.args[i].shape, f"{where}: shape {got.shape}"
            assert got.dtype == np.float64, f"{where}: dtype {got.dtype}"
            np.testing.assert_allclose(got, want, rtol=row.grad_rtol, atol=row.grad_atol,
                                       equal_nan=True, err_msg=where)

    run_examples(row, body)


@pytest.mark.parametrize("row", xfail_params(F32_ROWS, "f32"))
def test_forward_float32(row: OpRow) -> None:
    """Forward in float32 matches torch (looser tolerance) and stays float32."""

    def body(sample: Sample, data: Any) -> None:
        _, _, outs, refs = _run(row, sample, grad=False, dtype=np.float32)
        _compare_forward(row, sample, outs, refs, row.f32_rtol, row.f32_atol)

    run_examples(row, body, cap=10)
