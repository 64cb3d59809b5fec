"""The op catalog's second-order column: gradients of gradients, op by op.

For each differentiable catalog row, the gradient is taken with ``create_graph=True``,
``g = d<f(x), c>/dx`` for a random cotangent ``c``, and then differentiated again along a
random direction ``u``: ``h = d<g, u>/dx`` (a Hessian-vector product) and ``d<g, u>/dc`` (a
Jacobian-vector product, since ``g`` is linear in ``c``).

- ``test_second_order_matches_torch``: ``h`` and ``d<g, u>/dc`` equal torch's, in float64.
- ``test_gradgradcheck``: ``h`` equals central differences of the first-order gradient
  ``<g(x), u>`` (computed without ``create_graph``), on small shapes drawn by hypothesis.
- A row that runs an op with no differentiable backward yet gets, with ``create_graph=True``,
  an error that names that op: never a silent zero or a detached gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from op_catalog import GRAD, GRADCHECK_ROWS, PARITY, OpRow, Sample, as_list, run_examples

import tinygrad_edu as tg
from tinygrad_edu.ops import OPS

torch = pytest.importorskip("torch")

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3


def has_second_order(row: OpRow) -> bool:
    """Every registered op the row runs has a differentiable backward (or no gradient at all,
    as argmax and argsort: the walk never reaches them)."""
    return all(OPS[name].grad is not None or OPS[name].backward is None
               for name in row.covers if name in OPS)


#: ops (or composite rows) whose double backward torch does not implement (it raises): their
#: rows are checked against central differences only (``test_gradgradcheck``)
TORCH_FIRST_ORDER_ONLY = {
    "embedding_bag": "torch: the derivative for '_embedding_bag_backward' is not implemented",
    "multi_margin_loss": "torch: derivative for aten::multi_margin_loss_backward is not "
                         "implemented",
}


#: rows where derivatives are smooth (central differences valid); rows placed on kinks on
#: purpose compare first-order conventions and are left out of the second order
ROWS2 = GRADCHECK_ROWS
SECOND = [r for r in ROWS2 if has_second_order(r)]


def _missing(row: OpRow) -> list[str]:
    return sorted(n for n in row.covers if n in OPS and OPS[n].grad is None)


def _single(lib: Any, out: Any) -> Any:
    floats = [o for o in as_list(out) if o.is_floating_point()]
    return floats[0] if len(floats) == 1 else lib.cat([o.reshape(-1) for o in floats])


def _second_order(lib: Any, fn: Any, sample: Sample, directions: list[np.ndarray],
                  cotangent: np.ndarray) -> list[np.ndarray]:
    """[d<g, u>/dx_i for each differentiated input] + [d<g, u>/dc], as arrays (zeros where
    the gradient does not depend on the variable)."""
    idx = sample.grad_indices()
    args = [lib.tensor(a.copy(), requires_grad=i in idx) if a.dtype.kind == "f"
            else lib.tensor(a.copy()) for i, a in enumerate(sample.args)]
    xs = [args[i] for i in idx]
    out = _single(lib, fn(*args, **sample.kwargs))
    c = lib.tensor(cotangent.copy(), requires_grad=True)
    grads = lib.autograd.grad(out, xs, grad_outputs=c, create_graph=True, allow_unused=True)
    terms = [(g * lib.tensor(u)).sum() for g, u in zip(grads, directions, strict=True)
             if g is not None]
    wrt = [*xs, c]
    if not terms or not any(t.requires_grad for t in terms):
        return [np.zeros(t.shape) for t in wrt]
    s = sum(terms[1:], terms[0])
    second = lib.autograd.grad(s, wrt, allow_unused=True)
    return [np.zeros(t.shape) if h is None else h.detach().numpy(force=True) for h, t in
            zip(second, wrt, strict=True)]


def _directions(sample: Sample, out_shape: tuple[int, ...]) -> tuple[list[np.ndarray],
                                                                       np.ndarray]:
    rng = np.random.default_rng([sample.seed, 17])
    directions = [rng.standard_normal(sample.args[i].shape) for i in sample.grad_indices()]
    return directions, rng.standard_normal(out_shape)


def _out_shape(row: OpRow, sample: Sample) -> tuple[int, ...]:
    with tg.no_grad():
        args = [tg.from_numpy(a) for a in sample.args]
        return tuple(_single(tg, row.fn_ours(*args, **sample.kwargs)).shape)


@pytest.mark.parametrize("row", ROWS2, ids=[r.id for r in ROWS2])
def test_second_order_matches_torch(row: OpRow) -> None:
    """Second derivatives equal torch's; where an op has no differentiable backward yet, the
    error names that op (one the row uses and that has none)."""
    skipped = sorted((row.covers | {row.name}) & TORCH_FIRST_ORDER_ONLY.keys())
    if skipped and has_second_order(row):
        pytest.skip(TORCH_FIRST_ORDER_ONLY[skipped[0]])

    def body(sample: Sample, data: Any) -> None:
        if not sample.grad_indices():
            return
        directions, cotangent = _directions(sample, _out_shape(row, sample))
        named = None
        try:
            ours = _second_order(tg, row.fn_ours, sample, directions, cotangent)
        except RuntimeError as error:
            if "cannot be differentiated yet" not in str(error):
                raise
            named = str(error).split(":")[0]
        if named is not None:
            assert named in _missing(row), f"{row.id}: the error names {named!r}"
            return
        theirs = _second_order(torch, row.torch_fn, sample, directions, cotangent)
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            np.testing.assert_allclose(a, b, rtol=max(row.grad_rtol, 1e-6),
                                       atol=max(row.grad_atol, 1e-8),
                                       err_msg=f"{row.id}: second derivative {i} vs torch, "
                                               f"{sample!r}")

    run_examples(row, body, size=PARITY, cap=10)


def _first_order_dot(row: OpRow, sample: Sample, values: list[np.ndarray],
                     directions: list[np.ndarray], cotangent: np.ndarray) -> float:
    """<g(x), u> with first-order gradients only (for central differences)."""
    idx = sample.grad_indices()
    args = [tg.tensor(a.copy()) for a in sample.args]
    for i, v in zip(idx, values, strict=True):
        args[i] = tg.tensor(v, requires_grad=True)
    out = _single(tg, row.fn_ours(*args, **sample.kwargs))
    grads = tg.autograd.grad(out, [args[i] for i in idx], grad_outputs=tg.tensor(cotangent),
                             allow_unused=True)
    return float(sum(0.0 if g is None else (g.numpy() * u).sum()
                     for g, u in zip(grads, directions, strict=True)))


@pytest.mark.parametrize("row", SECOND, ids=[r.id for r in SECOND])
def test_gradgradcheck(row: OpRow) -> None:
    def body(sample: Sample, data: Any) -> None:
        idx = sample.grad_indices()
        if not idx:
            return
        directions, cotangent = _directions(sample, _out_shape(row, sample))
        analytic = _second_order(tg, row.fn_ours, sample, directions, cotangent)
        values = [sample.args[i].copy() for i in idx]
        for k, v in enumerate(values):
            numeric = np.zeros(v.shape)
            for j in np.ndindex(v.shape):
                old = v[j]
                v[j] = old + EPS
                up = _first_order_dot(row, sample, values, directions, cotangent)
                v[j] = old - EPS
                down = _first_order_dot(row, sample, values, directions, cotangent)
                v[j] = old
                numeric[j] = (up - down) / (2 * EPS)
            np.testing.assert_allclose(analytic[k], numeric, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{row.id}: second derivative of input "
                                               f"{idx[k]} vs central differences, {sample!r}")

    run_examples(row, body, size=GRAD, cap=5)
