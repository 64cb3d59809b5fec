"""F.linear_cross_entropy and nn.LinearCrossEntropyLoss against torch: values, gradients, errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def pair(a: np.ndarray, grad: bool = True) -> tuple[Any, Any]:
    return (tg.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f"),
            torch.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f"))


CASES = [
    dict(batch=(5,), out=(), probs=False, kw={}),
    dict(batch=(), out=(), probs=False, kw={}),
    dict(batch=(5,), out=(), probs=False, kw={"reduction": "sum", "ignore_index": 2}),
    dict(batch=(5,), out=(), probs=False, kw={"reduction": "none", "label_smoothing": 0.2}),
    dict(batch=(5,), out=(), probs=True, kw={}),
    dict(batch=(5,), out=(2, 3), probs=False, kw={"ignore_index": 1}),
    dict(batch=(4,), out=(2,), probs=True, kw={"reduction": "sum"}),
]


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['batch']}-{c['out']}-{c['kw']}")
def test_function_matches_torch(case: dict[str, Any], bias: bool, weighted: bool) -> None:
    rng = np.random.default_rng(0)
    c, d = 4, 6
    logits_shape = (*case["batch"], c, *case["out"])
    x, tx = pair(rng.standard_normal((*case["batch"], d)))
    w, tw = pair(rng.standard_normal((c, *case["out"], d)))
    b, tb = pair(rng.standard_normal((c, *case["out"]))) if bias else (None, None)
    cw, tcw = pair(rng.random(c) + 0.5, grad=False) if weighted else (None, None)
    if case["probs"]:
        p = rng.random(logits_shape)
        y, ty = pair(p / p.sum(axis=len(case["batch"]), keepdims=True), grad=False)
    else:
        y, ty = pair(rng.integers(0, c, (*case["batch"], *case["out"])), grad=False)
    ours = F.linear_cross_entropy(x, w, y, linear_bias=b, weight=cw, **case["kw"])
    theirs = torch.nn.functional.linear_cross_entropy(tx, tw, ty, linear_bias=tb, weight=tcw,
                                                      **case["kw"])
    np.testing.assert_allclose(ours.numpy(force=True), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    for a, t in [(x, tx), (w, tw), (b, tb)]:
        if a is not None:
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)


ERRORS = [
    ((2, 3, 6), (4, 6), None, {}, "dimensionality 1 or 2"),
    ((2, 6), (6,), None, {}, "linear_weight with dimensionality at least 2"),
    ((2, 5), (4, 6), None, {}, "equal input and linear_weight last dimensions"),
    ((2, 6), (4, 6), (3,), {}, "expected linear_bias shape"),
    ((6,), (4, 2, 6), None, {}, "requires batched input"),
]


@pytest.mark.parametrize(("xs", "ws", "bs", "kw", "message"), ERRORS,
                         ids=[e[-1] for e in ERRORS])
def test_errors_match_torch(xs: tuple[int, ...], ws: tuple[int, ...], bs: Any,
                            kw: dict[str, Any], message: str) -> None:
    target = np.zeros(xs[:-1], dtype=np.int64)
    for lib, f in [(torch, torch.nn.functional.linear_cross_entropy),
                   (tg, F.linear_cross_entropy)]:
        bias = None if bs is None else lib.zeros(bs)
        with pytest.raises(RuntimeError, match=message):
            f(lib.zeros(xs), lib.zeros(ws), lib.tensor(target), linear_bias=bias, **kw)


def test_probability_targets_refuse_ignore_index() -> None:
    with pytest.raises(RuntimeError, match="ignore_index cannot be specified"):
        F.linear_cross_entropy(tg.zeros(2, 3), tg.zeros(4, 3), tg.full((2, 4), 0.25),
                               ignore_index=0)


def test_module_matches_torch_with_its_weights_and_repr() -> None:
    torch.manual_seed(0)
    theirs = torch.nn.LinearCrossEntropyLoss(6, 4, out_features=(3,), bias=True,
                                             label_smoothing=0.1, dtype=torch.float64)
    ours = tg.nn.LinearCrossEntropyLoss(6, 4, out_features=(3,), bias=True, label_smoothing=0.1,
                                        dtype=tg.float64)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    x, tx = pair(rng.standard_normal((5, 6)))
    y, ty = pair(rng.integers(0, 4, (5, 3)), grad=False)
    a, b = ours(x, y), theirs(tx, ty)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    a.backward()
    b.backward()
    np.testing.assert_allclose(ours.linear.weight.grad.numpy(),
                               theirs.linear.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def test_module_checks_and_options_repr_match_torch() -> None:
    opts = tg.nn.LinearCrossEntropyOptions(batch_chunk_size=2)
    assert repr(opts) == repr(torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2))
    assert repr(tg.nn.LinearCrossEntropyLoss(4, 3, options=opts)) == repr(
        torch.nn.LinearCrossEntropyLoss(4, 3, options=torch.nn.LinearCrossEntropyOptions(
            batch_chunk_size=2)))
    with pytest.raises(RuntimeError, match=r"expected weight shape to be \(3,\), got \(2,\)"):
        tg.nn.LinearCrossEntropyLoss(4, 3, weight=tg.ones(2))
    with pytest.raises(RuntimeError, match="label_smoothing to be in range"):
        tg.nn.LinearCrossEntropyLoss(4, 3, label_smoothing=1.5)


def test_options_give_the_reference_values_and_warn_where_torch_does() -> None:
    x, w = tg.randn(4, 3), tg.randn(5, 3)
    y = tg.tensor([0, 1, 4, 2])
    plain = F.linear_cross_entropy(x, w, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # int64 targets, no smoothing: the chunked path, no warning
        chunked = F.linear_cross_entropy(x, w, y, options=tg.nn.LinearCrossEntropyOptions())
    assert chunked.item() == plain.item()
    with pytest.warns(UserWarning, match="``options`` ignored"):
        F.linear_cross_entropy(x, w, y, label_smoothing=0.1,
                               options=tg.nn.LinearCrossEntropyOptions())
