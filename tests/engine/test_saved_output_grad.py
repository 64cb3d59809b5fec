"""An op's differentiable backward that reads its output (``GradContext.output``) uses the
forward's own output Tensor, as PyTorch's saved result, while the walk finds it unchanged;
otherwise (the output changed in place, a walk that frees the graph) it computes the output
again. Every road gives PyTorch's numbers, at every order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd.engine import toposort
from tinygrad_edu.autograd.higher import _Outputs

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 0.7], [2.0, -0.4, 0.1]])


def same(scenario: Any) -> None:
    ours, theirs = scenario(tg), scenario(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)


def _ops(tensor: Any) -> list[str]:
    return [n.op.name for n in toposort(tensor.grad_fn)]


def test_derivative_reads_the_forward_output_node() -> None:
    x = tg.tensor(X, requires_grad=True)
    y = (x * 2).tanh()
    (g,) = tg.autograd.grad(y.sum(), x, create_graph=True)
    names = _ops(g)
    assert names.count("tanh") == 1  # the forward's, not a second one
    assert y.grad_fn in toposort(g.grad_fn)


@pytest.mark.parametrize("op", ["tanh", "sigmoid", "exp", "sqrt"])
def test_second_and_third_derivatives_match_torch(op: str) -> None:
    def scenario(lib: Any) -> list[Any]:
        x = lib.tensor(np.abs(X) + 0.5, requires_grad=True)
        y = getattr(x * 1.5, op)()
        (d1,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (d2,) = lib.autograd.grad((d1 * d1).sum(), x, create_graph=True)
        (d3,) = lib.autograd.grad(d2.sum(), x)
        return [d1, d2, d3]

    same(scenario)


def test_changed_output_is_not_read() -> None:
    """The walk reads an output only while it is the forward's array at version 0; an op
    whose cache holds its output refuses an in-place change anyway."""
    x = tg.tensor(X, requires_grad=True)
    y = (x * 2).tanh()
    z = y * 3
    found = _Outputs(toposort(z.grad_fn), (z,))
    assert found.find(y.grad_fn) is y
    assert found.find(z.grad_fn) is z
    y._version[0] += 1
    assert _Outputs(toposort(z.grad_fn), (z,)).find(y.grad_fn) is None
    y._version[0] -= 1
    y._data = y._data.copy()
    assert _Outputs(toposort(z.grad_fn), (z,)).find(y.grad_fn) is None
    y = x.exp()
    z = y.relu()  # relu's cache holds a mask, not y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tg.autograd.grad(z.sum(), x, create_graph=True)


def test_walk_that_frees_the_graph_computes_the_output_again() -> None:
    """Without retain_graph the output is computed again from the inputs (their graph freed,
    so differentiating the result again fails, as in PyTorch)."""
    x = tg.tensor(X, requires_grad=True)
    (d1,) = tg.autograd.grad(x.tanh().sum(), x, create_graph=True, retain_graph=False)
    np.testing.assert_allclose(d1.detach().numpy(), 1 - np.tanh(X) ** 2, rtol=1e-12)
    for lib in (tg, torch):
        x = lib.tensor(X, requires_grad=True)
        (d1,) = lib.autograd.grad((x * 2).tanh().sum(), x, create_graph=True,
                                  retain_graph=False)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.grad(d1.sum(), x)


def test_root_output_and_hvp_through_seeds_only() -> None:
    """The root's output (the walk's own output tensor) and the constant inputs of the
    double-backward trick (``functional.hvp``) read the saved output too."""

    def scenario(lib: Any) -> list[Any]:
        w = lib.tensor(X[0], requires_grad=True)

        def f(v: Any) -> Any:
            return ((v * 1.3).sigmoid() * v).tanh().sum().exp()

        _, hv = lib.autograd.functional.hvp(f, w, lib.ones(3, dtype=lib.float64))
        _, jv = lib.autograd.functional.jvp(lambda v: (v * 0.7).tanh(), w,
                                            lib.ones(3, dtype=lib.float64))
        (d1,) = lib.autograd.grad(f(w), w, create_graph=True)
        (d2,) = lib.autograd.grad(d1.sum(), w)
        return [hv, jv, d1, d2]

    same(scenario)


@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
def test_activation_derivative_is_one_node_named_as_in_torch(op: str) -> None:
    """tanh's and sigmoid's derivative is one node of (upstream gradient, output), as
    PyTorch's TanhBackwardBackward0, and its own derivatives match PyTorch's to third
    order with respect to both."""
    names = []
    for lib in (tg, torch):
        x = lib.tensor(X, requires_grad=True)
        (d1,) = lib.autograd.grad(getattr(x, op)().sum(), x, create_graph=True)
        names.append(d1.grad_fn.name())
    assert names[0] == names[1] == f"{op.capitalize()}BackwardBackward0"

    def scenario(lib: Any) -> list[Any]:
        x = lib.tensor(X, requires_grad=True)
        c = lib.tensor(X[::-1].copy(), requires_grad=True)
        y = getattr(x, op)()
        (d1,) = lib.autograd.grad(y, x, c, create_graph=True)  # the seed c is in the graph
        (d2x, d2c) = lib.autograd.grad((d1 * d1).sum(), (x, c), create_graph=True)
        (d3,) = lib.autograd.grad((d2x * d2c).sum(), x)
        return [d1, d2x, d2c, d3]

    same(scenario)


def test_log_softmax_derivative_is_one_node_named_as_in_torch() -> None:
    """log_softmax's derivative is PyTorch's LogSoftmaxBackwardDataBackward0 node, and its
    own derivatives (the seed's and the output's) match PyTorch's to third order."""
    names = []
    for lib in (tg, torch):
        x = lib.tensor(X, requires_grad=True)
        c = lib.tensor(X[::-1].copy())
        (d1,) = lib.autograd.grad(x.log_softmax(1), x, c, create_graph=True)
        names.append(d1.grad_fn.name())
    assert names[0] == names[1] == "LogSoftmaxBackwardDataBackward0"

    def scenario(lib: Any) -> list[Any]:
        x = lib.tensor(X, requires_grad=True)
        c = lib.tensor(X[::-1].copy(), requires_grad=True)
        (d1,) = lib.autograd.grad(x.log_softmax(0), x, c, create_graph=True)
        (d2x, d2c) = lib.autograd.grad((d1 * d1).sum(), (x, c), create_graph=True)
        (d3,) = lib.autograd.grad((d2x * d2c).sum(), x)
        return [d1, d2x, d2c, d3]

    same(scenario)
