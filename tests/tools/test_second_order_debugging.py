"""Debugging second-order graphs: anomaly mode and gradcheck_graph name the op and the line.

With ``create_graph=True`` the engine builds the gradient's graph out of ordinary ops; a NaN or
a wrong formula there is reported with the op that made it, the user's line that created that
op, and the op of the forward graph whose backward built it (and that op's line).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import OPS, AnomalyError, detect_anomaly, record_ops
from tinygrad_edu.testing import GraphCheckError, gradcheck_graph


def line_of(marker: str) -> int:
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    hits = [i for i, line in enumerate(lines, 1) if marker in line and "line_of" not in line]
    assert len(hits) == 1, hits
    return hits[0]


# ----------------------------------------------------------------------------- anomaly mode

def test_nan_in_the_second_backward_names_the_op_and_both_lines() -> None:
    x = tg.tensor([0.0, 1.0], dtype=tg.float64, requires_grad=True)
    w = tg.tensor([0.0, 1.0], dtype=tg.float64)
    with detect_anomaly():
        y = x ** 1.5  # FORWARD-POW
        (g,) = tg.autograd.grad(y.sum(), x, create_graph=True)  # GRAD-CALL
        # g = 1.5 x^0.5 holds a pow node; its backward at x = 0 is 0 * inf = NaN
        with pytest.raises(AnomalyError) as info:
            (g * w).sum().backward()
    err = info.value
    msg = str(err)
    assert err.op == "pow"
    assert err.phase == "backward"
    assert err.origin.lineno == line_of("# GRAD-CALL")  # the derivative's pow was made there
    assert msg.startswith("detect_anomaly: the backward of 'pow' returned 1 NaN")
    assert "part of the gradient graph built by create_graph=True from the backward of 'pow'" \
        in msg
    assert f"test_second_order_debugging.py:{line_of('# FORWARD-POW')}" in msg
    assert "y = x ** 1.5" in msg


def test_inf_made_while_building_the_gradient_graph_is_caught_in_the_forward_of_the_op() -> None:
    x = tg.tensor([0.0, 4.0], dtype=tg.float64, requires_grad=True)
    with detect_anomaly():
        y = x.sqrt().sum()  # SQRT-1
        with pytest.raises(AnomalyError) as info:
            tg.autograd.grad(y, x, create_graph=True)
    msg = str(info.value)
    assert info.value.phase == "forward"
    assert info.value.op == "div"  # sqrt's grad: dout / (2 sqrt(x)), inf at 0
    assert "from the backward of 'sqrt'" in msg
    assert f"test_second_order_debugging.py:{line_of('# SQRT-1')}" in msg


def test_without_forward_checks_the_gradient_is_blamed_on_the_op_whose_backward_made_it() -> None:
    x = tg.tensor([0.0, 4.0], dtype=tg.float64, requires_grad=True)
    with detect_anomaly(check_forward=False):
        y = x.sqrt().sum()  # SQRT-2
        with pytest.raises(AnomalyError) as info:
            tg.autograd.grad(y, x, create_graph=True)
    assert info.value.op == "sqrt"
    assert info.value.phase == "backward"
    assert info.value.origin.lineno == line_of("# SQRT-2")
    assert "the backward of 'sqrt' returned 1 Inf" in str(info.value)


def test_records_of_a_derivative_graph_point_to_the_op_they_differentiate() -> None:
    x = tg.tensor([0.3, -0.4], dtype=tg.float64, requires_grad=True)
    with record_ops() as records:
        y = x.tanh().sum()
        tg.autograd.grad(y, x, create_graph=True)
    forward = [r for r in records if r.parent is None]
    derived = [r for r in records if r.parent is not None]
    assert [r.op.name for r in forward] == ["tanh", "sum"]
    assert {r.parent.op.name for r in derived} == {"sum", "tanh"}
    assert [r.parent for r in derived if r.op.name == "tanh_backward"] == [forward[0]]


# ----------------------------------------------------------------------------- gradcheck_graph

def penalty(x: Any, w: Any) -> Any:
    """A WGAN-GP-like gradient penalty: its graph holds a derivative's graph."""
    critic = (x @ w).tanh().sum()  # CRITIC
    (gx,) = tg.autograd.grad(critic, x, create_graph=True)
    return ((gx ** 2).sum(1) - 1).pow(2).sum()


RNG = np.random.default_rng(0)
X, W = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))


def test_gradient_penalty_graph_passes_and_its_derivative_ops_are_listed() -> None:
    report = gradcheck_graph(penalty, [X, W])
    names = dict(report.checked)
    assert report.made_by  # ops made by the create_graph walk, with the op they came from
    assert {names[k] for k in report.made_by if k in names} >= {"tanh_backward", "matmul"}
    assert {name for _, name in report.grad_checked} >= {"matmul", "tanh", "sum"}
    assert "belong to a derivative's graph" in str(report)
    assert "differentiable backward functions (grad, second order) agree" in str(report)
    first_only = gradcheck_graph(penalty, [X, W], second_order=False)
    assert first_only.grad_checked == []
    assert first_only.checked == report.checked


def wrong_tanh_grad(ctx: Any, dout: Any) -> tuple[Any]:
    out = ctx.output.detach()  # right to first order; the second derivative loses a term
    return (dout * (1 - out * out),)


def test_a_wrong_differentiable_backward_is_named_with_the_users_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPS, "tanh", OPS["tanh"]._replace(grad=wrong_tanh_grad))
    with pytest.raises(GraphCheckError) as info:
        gradcheck_graph(penalty, [X, W])
    err = info.value
    msg = str(err)
    assert err.op == "tanh"
    assert err.order == 2
    assert err.origin.lineno == line_of("# CRITIC")
    assert "the differentiable backward (grad) of op #1 'tanh'" in msg
    assert "wrong_tanh_grad" in msg
    assert "d<grad, u>/d(input 0)" in msg
    # a plain first-order graph never runs the grad: it is not checked
    report = gradcheck_graph(lambda x, w: (x @ w).tanh().sum(), [X, W])
    assert report.grad_checked == []


def tanh_backward_wrong_sign(g: np.ndarray, cache: Any) -> tuple[Any, Any]:
    dout, out = cache
    return g * (1 - out * out), 2 * g * dout * out  # should be -2 g dout out


def test_a_wrong_backward_inside_the_derivative_graph_names_the_op_that_built_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPS, "tanh_backward", OPS["tanh_backward"]._replace(
        backward=tanh_backward_wrong_sign, fast_forward=None, fast_backward=None))

    def model(x):
        y = x.tanh().sum()  # TANH
        (g,) = tg.autograd.grad(y, x, create_graph=True)
        return (g * g).sum()

    with pytest.raises(GraphCheckError) as info:
        gradcheck_graph(model, [np.linspace(-1, 1, 5)], second_order=False)
    msg = str(info.value)
    assert info.value.op == "tanh_backward"  # tanh's grad, dout * (1 - out * out), as one op
    assert info.value.order == 1
    assert "is part of a derivative's graph: made by the differentiable backward of op #0" in msg
    assert "from the backward of 'tanh'" in msg
    assert f"test_second_order_debugging.py:{line_of('# TANH')}" in msg
