"""gradgradcheck: second derivatives (a backward's own backward) against central differences.

``testing.gradgradcheck`` is the package's element-by-element form (like ``testing.gradcheck``);
``autograd.gradgradcheck`` is PyTorch's, checked here against torch itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import OPS
from tinygrad_edu.testing import GradcheckError, gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X, W = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))


def wrong_tanh_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """A grad that is right to first order only: tanh's output taken out of the graph."""
    out = ctx.output.detach()
    return (dout * (1 - out * out),)


def dout_detached_tanh_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """A grad that drops dout's graph: its derivative with respect to dout is lost."""
    out = ctx.output
    return (dout.detach() * (1 - out * out),)


@pytest.fixture
def wrong_tanh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPS, "tanh", OPS["tanh"]._replace(grad=wrong_tanh_grad))


def test_smooth_functions_pass() -> None:
    assert gradgradcheck(lambda x, w: (x @ w).tanh(), [X, W])
    assert gradgradcheck(lambda x: (x * x).sigmoid().sum(), [X])
    assert gradgradcheck(lambda x: x.exp() / (1 + x * x), [X[0]])


def test_linear_function_has_nothing_to_differentiate_twice() -> None:
    assert gradgradcheck(lambda x: x * 3 + 1, [X])


def test_integer_inputs_pass_through() -> None:
    labels = np.array([1, 0, 1])
    assert gradgradcheck(lambda x, y: x.log_softmax(1)[tg.arange(3), tg.tensor(y)], [W[:3], labels])


def test_wrong_grad_is_found_for_the_input(wrong_tanh: None) -> None:
    fn = lambda x, w: (x @ w).tanh()  # noqa: E731
    assert gradcheck(fn, [X, W])  # the first derivative is right
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(fn, [X, W])
    msg = str(info.value)
    assert "gradgradcheck failed for fn 'test_wrong_grad_is_found_for_the_input.<locals>" in msg
    assert "input 0 (shape (3, 4), float64): second derivative is wrong" in msg
    assert "worst element: index (" in msg
    assert "analytical (backward with create_graph=True)" in msg
    indices = [m.input_index for m in info.value.failures]
    assert indices[:2] == [0, 1]
    worst = info.value.failures[0]
    assert worst.shape == (3, 4)
    assert abs(worst.analytical - worst.numerical) == pytest.approx(worst.max_abs_error)
    assert not gradgradcheck(fn, [X, W], raise_exception=False)


def test_wrong_handling_of_dout_is_found_for_grad_outputs(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setitem(OPS, "tanh", OPS["tanh"]._replace(grad=dout_detached_tanh_grad))
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda x: x.tanh(), [X])
    assert "grad_outputs (shape (3, 4))" in str(info.value)
    assert info.value.input_index == 1  # grad_outputs comes after the inputs


def test_given_grad_outputs_and_directions_are_used() -> None:
    v, u = np.ones((3, 2)), [np.zeros((3, 4)), np.zeros((4, 2))]
    assert gradgradcheck(lambda x, w: (x @ w).tanh(), [X, W], grad_outputs=v, directions=u)
    with pytest.raises(ValueError, match="grad_outputs has shape"):
        gradgradcheck(lambda x: x.tanh(), [X], grad_outputs=np.ones(2))
    with pytest.raises(ValueError, match="directions must have the shapes"):
        gradgradcheck(lambda x: x.tanh(), [X], directions=[np.ones(2)])


def test_float32_output_is_refused() -> None:
    with pytest.raises(GradcheckError, match="float64"):
        gradgradcheck(lambda x: x.float().tanh(), [X])


def test_op_without_a_differentiable_backward_is_named(monkeypatch) -> None:
    # every op has one now: take max_pool2d's away for this test
    monkeypatch.setitem(OPS, "max_pool2d", OPS["max_pool2d"]._replace(grad=None))
    x = RNG.standard_normal((1, 1, 4, 4))
    with pytest.raises(RuntimeError, match="^max_pool2d: the gradient of this op cannot be"):
        gradgradcheck(lambda t: tg.nn.functional.max_pool2d(t, 2), [x])


# ----------------------------------------------------------------------------- torch's form

def test_autograd_gradgradcheck_matches_torch_on_pass_and_failure() -> None:
    def run(lib, fn, **kwargs):
        x = lib.tensor(X, requires_grad=True)
        w = lib.tensor(W, requires_grad=True)
        try:
            return lib.autograd.gradgradcheck(fn(lib), (x, w), **kwargs), ""
        except RuntimeError as error:
            return type(error).__name__, str(error).splitlines()[0]

    def good(lib):
        return lambda x, w: (x @ w).tanh()

    def grad_outputs(lib):
        return lambda x, w: (x @ w).sin()

    assert run(tg, good) == run(torch, good) == (True, "")
    v = np.linspace(-1, 1, 6).reshape(3, 2)
    assert run(tg, grad_outputs, grad_outputs=tg.tensor(v)) == (True, "")
    assert run(torch, grad_outputs, grad_outputs=torch.tensor(v)) == (True, "")


def test_autograd_gradgradcheck_names_the_input_like_torch(wrong_tanh: None) -> None:
    x = tg.tensor(X, requires_grad=True)
    w = tg.tensor(W, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        tg.autograd.gradgradcheck(lambda a, b: (a @ b).tanh(), (x, w))
    assert type(info.value).__name__ == "GradcheckError"
    assert str(info.value).startswith("Jacobian mismatch for output 0 with respect to input 0,")
    assert not tg.autograd.gradgradcheck(lambda a, b: (a @ b).tanh(), (x, w),
                                         raise_exception=False)
