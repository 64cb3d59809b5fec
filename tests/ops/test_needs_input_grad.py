"""``needs_input_grad`` is answered only around the functions that ask (``OpDef.forward_asks``,
``backward_asks``): register_op finds them from their code, and what they are told must not
change.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.ops.registry import OPS, _asks_needs, needs_input_grad


def _helper_asks() -> bool:
    return needs_input_grad(0)


def _forward_through_helper(x: Any) -> tuple[Any, Any]:
    return x, _helper_asks()


def _plain_forward(x: Any) -> tuple[Any, Any]:
    return x * 2, None


def _decorated(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        return fn(*args)
    return wrapper


@_decorated
def _decorated_asking(dout: Any, cache: Any) -> tuple[Any]:
    return (dout if needs_input_grad(0) else None,)


def _nested_asking(dout: Any, cache: Any) -> tuple[Any]:
    def inner() -> bool:
        return needs_input_grad(0)
    return (dout if inner() else None,)


def test_asking_is_found_directly_through_helpers_decorators_and_nested_functions() -> None:
    assert _asks_needs(_forward_through_helper)
    assert _asks_needs(_decorated_asking)
    assert _asks_needs(_nested_asking)
    assert not _asks_needs(_plain_forward)
    assert not _asks_needs(None)


def test_registered_ops_that_ask() -> None:
    assert [n for n in ("mul", "div", "add", "tanh") if OPS[n].forward_asks] == ["mul", "div"]
    for name in ("matmul", "linear", "conv2d", "lstm", "gru", "batch_norm"):
        assert OPS[name].backward_asks, name
    assert [n for n in ("add", "mul") if OPS[n].backward_asks] == []


def test_mul_forward_keeps_only_what_backward_needs() -> None:
    # x needs a gradient, y does not: x may change in place after the product (as in PyTorch)
    x = tg.randn(3, requires_grad=True)
    y = tg.randn(3)
    h = x * 1.0
    out = h * y
    h.add_(1.0)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())


def test_backward_that_asks_is_told_per_input() -> None:
    x = tg.randn(4, 3)
    w = tg.randn(3, 2, requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), np.repeat(x.numpy().sum(0)[:, None], 2, 1),
                               rtol=1e-5)


def test_an_op_that_asks_inside_another_backward_sees_its_own_inputs() -> None:
    # a Function's backward runs Tensor ops: each op's forward is told about its own inputs
    class Scale(tg.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any) -> Any:
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            a, b = ctx.saved_tensors
            return g * b, g * a

    a = tg.randn(3, requires_grad=True)
    b = tg.randn(3, requires_grad=True)
    Scale.apply(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy())
    np.testing.assert_allclose(b.grad.numpy(), a.detach().numpy())
