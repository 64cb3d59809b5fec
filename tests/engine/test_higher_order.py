"""create_graph=True: Tensor.backward and autograd.grad give gradients that are graphs.

Each scenario runs in tinygrad_edu and in torch and compares values; errors are checked for
the op they name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")


def run(lib: Any, scenario: Any) -> list[np.ndarray]:
    return [np.asarray(v.detach().numpy() if hasattr(v, "detach") else v)
            for v in scenario(lib)]


def same(scenario: Any) -> None:
    for a, b in zip(run(tg, scenario), run(torch, scenario), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_third_derivative_by_nested_grad() -> None:
    def scenario(lib):
        x = lib.tensor([0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        (d1,) = lib.autograd.grad((x**4).sum(), x, create_graph=True)  # 4 x^3
        (d2,) = lib.autograd.grad(d1.sum(), x, create_graph=True)  # 12 x^2
        (d3,) = lib.autograd.grad(d2.sum(), x)  # 24 x
        return [d1, d2, d3]

    same(scenario)


def test_backward_with_create_graph_gives_grads_with_a_graph() -> None:
    def scenario(lib):
        w = lib.tensor([[0.3, -0.2], [0.1, 0.4]], dtype=lib.float64, requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=lib.float64)
        loss = ((x @ w).tanh() ** 2).sum()
        with pytest.warns(UserWarning, match="create_graph=True will create a reference cycle"):
            loss.backward(create_graph=True)  # torch's warning, word for word
        assert w.grad.requires_grad
        assert w.grad.grad_fn is not None
        penalty = (w.grad**2).sum()  # a gradient penalty
        (g,) = lib.autograd.grad(penalty, w)
        return [w.grad, g]

    same(scenario)


def test_gradient_penalty_on_the_input_like_wgan_gp() -> None:
    def scenario(lib):
        lib.manual_seed(0)
        w1 = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
        w2 = lib.tensor(np.linspace(0.5, -0.5, 4).reshape(4, 1), requires_grad=True)
        x = lib.tensor(np.linspace(-2, 2, 15).reshape(5, 3), requires_grad=True)
        critic = ((x @ w1).sigmoid() @ w2).sum()
        (gx,) = lib.autograd.grad(critic, x, create_graph=True)
        penalty = ((gx.pow(2).sum(1).sqrt() - 1) ** 2).mean()
        penalty.backward()
        return [gx, penalty, w1.grad, w2.grad, x.grad]

    same(scenario)


def test_grad_outputs_that_require_grad_are_part_of_the_graph() -> None:
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (vjp,) = lib.autograd.grad(x.exp(), x, grad_outputs=v, create_graph=True)
        dv, dx = lib.autograd.grad(vjp.sum(), [v, x])
        return [vjp, dv, dx]

    same(scenario)


def test_non_leaf_inputs_and_several_outputs() -> None:
    def scenario(lib):
        x = lib.tensor([0.2, 0.7], dtype=lib.float64, requires_grad=True)
        h = x.sin() * 3
        a, b = (h**2).sum(), (h * x).sum()
        gh, gx = lib.autograd.grad([a, b], [h, x], create_graph=True)
        (second,) = lib.autograd.grad((gh * gx).sum(), x)
        return [gh, gx, second]

    same(scenario)


def test_retain_graph_defaults_to_create_graph() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    tg.autograd.grad(y, x, create_graph=True)
    tg.autograd.grad(y, x)  # the graph was kept
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        tg.autograd.grad(y, x)


def test_an_op_without_a_differentiable_backward_is_named(monkeypatch) -> None:
    ops = tg.ops.OPS  # every op has one now: take max_pool2d's away for this test
    monkeypatch.setitem(ops, "max_pool2d", ops["max_pool2d"]._replace(grad=None))
    x = tg.randn(1, 1, 4, 4, requires_grad=True)
    y = tg.nn.functional.max_pool2d(x, 2).sum()
    with pytest.raises(RuntimeError, match="^max_pool2d: the gradient of this op cannot be "
                                           "differentiated yet"):
        tg.autograd.grad(y, x, create_graph=True)


def test_linear_functions_have_a_zero_second_derivative() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad((x * 3).sum(), x, create_graph=True)
    assert not g.requires_grad  # the gradient does not depend on x: nothing to differentiate
    assert g.tolist() == [3.0, 3.0]


def test_first_order_results_are_unchanged_by_the_saved_inputs() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert x.grad.grad_fn is None
    assert y.grad_fn.inputs == ()  # released with the saved arrays


def test_powers_at_zero_have_torchs_derivatives() -> None:
    """x**0 is flat even at 0 (not 0 * inf); so the third derivative of x**2 at 0 is 0."""
    def scenario(lib):
        x = lib.tensor([0.0, 1.5, -2.0], dtype=lib.float64, requires_grad=True)
        (a,) = lib.autograd.grad((x**2).sum(), x, create_graph=True)
        (b,) = lib.autograd.grad(a.sum(), x, create_graph=True)
        (c,) = lib.autograd.grad(b.sum(), x, allow_unused=True, materialize_grads=True)
        (d,) = lib.autograd.grad((x**0).sum(), x)
        return [a, b, c, d]

    same(scenario)
