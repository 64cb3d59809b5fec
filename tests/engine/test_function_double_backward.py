"""Double backward through ``autograd.Function``: the user's backward becomes a graph.

With ``create_graph=True`` a Function's ``backward`` runs with recording on, on the real saved
tensors (a saved output has the function's node as its ``grad_fn``), so a backward written with
differentiable Tensor operations gives gradients that can be differentiated again. Each
scenario runs in tinygrad_edu and in torch with the same code and compares every value;
``@once_differentiable`` gives torch's error when a second derivative reaches it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd.function import once_differentiable

torch = pytest.importorskip("torch")


def functions(lib: Any) -> Any:
    """The same custom Functions written against ``lib`` (tinygrad_edu or torch)."""

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    class Sigmoid(lib.autograd.Function):  # backward uses the saved output
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + (-x).exp())
            ctx.save_for_backward(s)
            return s

        @staticmethod
        def backward(ctx, g):
            (s,) = ctx.saved_tensors
            return g * s * (1 - s)

    class ScaledMul(lib.autograd.Function):  # two inputs, broadcasting, a non-Tensor argument
        @staticmethod
        def forward(ctx, x, w, scale):
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            return x * w * scale

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w * ctx.scale, g * x * ctx.scale, None  # w's gradient is broadcast

    class SinCos(lib.autograd.Function):  # two outputs, both saved
        @staticmethod
        def forward(ctx, x):
            s, c = x.sin(), x.cos()
            ctx.save_for_backward(s, c)
            return s, c

        @staticmethod
        def backward(ctx, gs, gc):
            s, c = ctx.saved_tensors
            return gs * c - gc * s

    class NewStyle(lib.autograd.Function):  # forward without ctx, then setup_context
        @staticmethod
        def forward(x, p):
            return x ** p

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, p = inputs
            ctx.save_for_backward(x)
            ctx.p = p

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.p * x ** (ctx.p - 1), None

    return Cube, Sigmoid, ScaledMul, SinCos, NewStyle


def run(lib: Any, scenario: Any) -> list[np.ndarray]:
    values = scenario(lib, *functions(lib))
    return [np.asarray(v.detach().numpy() if hasattr(v, "detach") else v) for v in values]


def same(scenario: Any) -> None:
    ours, theirs = run(tg, scenario), run(torch, scenario)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a.shape == b.shape, f"value {i}: shape {a.shape} vs torch {b.shape}"
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"value {i}")


def f64(lib: Any, values: Any, requires_grad: bool = True) -> Any:
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def test_cube_second_and_third_derivatives() -> None:
    def scenario(lib, Cube, *_):
        x = f64(lib, [0.5, -1.5, 2.0])
        y = Cube.apply(x)
        (d1,) = lib.autograd.grad(y.sum(), x, create_graph=True)  # 3 x^2
        assert d1.requires_grad
        assert d1.grad_fn is not None
        (d2,) = lib.autograd.grad(d1.sum(), x, create_graph=True)  # 6 x
        (d3,) = lib.autograd.grad(d2.sum(), x)  # 6
        return [y, d1, d2, d3]

    same(scenario)


def test_sigmoid_that_saves_its_output() -> None:
    def scenario(lib, _, Sigmoid, *rest):
        x = f64(lib, [[-2.0, 0.3], [1.2, 4.0]])
        s = Sigmoid.apply(x)
        saved = s.grad_fn.saved_tensors[0]  # the output, in the graph again
        assert saved.requires_grad
        assert type(saved.grad_fn) is type(s.grad_fn)
        (d1,) = lib.autograd.grad((s * s).sum(), x, create_graph=True)
        (d2,) = lib.autograd.grad((d1 * d1).sum(), x)
        with pytest.raises(RuntimeError, match="after they have already been freed"):
            _ = s.grad_fn.saved_tensors  # d1's graph went through the node: freed with it
        return [s, d1, d2]

    same(scenario)


def test_hessian_vector_product_and_mixed_second_derivatives() -> None:
    def scenario(lib, Cube, Sigmoid, ScaledMul, *_):
        x = f64(lib, [[0.3, -0.7, 1.1], [2.0, 0.1, -1.0]])
        w = f64(lib, [0.5, -2.0, 1.5])
        out = Sigmoid.apply(ScaledMul.apply(Cube.apply(x), w, 0.7)).sum()
        gx, gw = lib.autograd.grad(out, [x, w], create_graph=True)
        v = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
        hx, hw = lib.autograd.grad((gx * v).sum(), [x, w])  # H v, and d(grad_x . v)/dw
        return [gx, gw, hx, hw]

    same(scenario)


def test_several_outputs_with_saved_outputs() -> None:
    def scenario(lib, *fns):
        SinCos = fns[3]
        x = f64(lib, [0.2, 1.3, -0.8])
        s, c = SinCos.apply(x)
        (g,) = lib.autograd.grad((s * c + s).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g ** 2).sum(), x)
        (only_c,) = lib.autograd.grad(SinCos.apply(x)[1].sum(), x, create_graph=True)
        (h_c,) = lib.autograd.grad(only_c.sum(), x)  # the missing output's gradient is zeros
        return [g, h, only_c, h_c]

    same(scenario)


def test_new_style_function_and_backward_with_create_graph() -> None:
    def scenario(lib, *fns):
        NewStyle = fns[4]
        x = f64(lib, [0.5, 1.5, 2.5])
        (first,) = lib.autograd.grad(NewStyle.apply(x, 2.5).sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), x)
        return [first, second]

    same(scenario)
    # Tensor.backward(create_graph=True) gives the same graph in .grad (torch warns only once
    # per process, so its side is the autograd.grad above)
    x = f64(tg, [0.5, 1.5, 2.5])
    with pytest.warns(UserWarning, match="reference cycle"):
        functions(tg)[4].apply(x, 2.5).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None
    (second,) = tg.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), 2.5 * 1.5 * x.detach().numpy() ** 0.5)


def test_grad_outputs_that_require_grad_reach_the_function() -> None:
    def scenario(lib, Cube, *_):
        x = f64(lib, [0.5, -1.0, 2.0])
        v = f64(lib, [1.0, 2.0, -0.5])
        (vjp,) = lib.autograd.grad(Cube.apply(x), x, grad_outputs=v, create_graph=True)
        dv, dx = lib.autograd.grad((vjp ** 2).sum(), [v, x])
        return [vjp, dv, dx]

    same(scenario)


def test_gradient_penalty_through_a_custom_function() -> None:
    def scenario(lib, _, Sigmoid, *rest):
        w = f64(lib, [[0.3, -0.2], [0.1, 0.4]])
        x = f64(lib, [[1.0, 2.0], [-1.0, 0.5]])
        critic = Sigmoid.apply(x @ w).sum()
        (gx,) = lib.autograd.grad(critic, x, create_graph=True)
        penalty = ((gx.pow(2).sum(1).sqrt() - 1) ** 2).mean()
        penalty.backward()
        return [gx, penalty, w.grad, x.grad]

    same(scenario)


def test_a_backward_that_leaves_the_graph_gives_a_constant_gradient() -> None:
    """Not marked, but computed outside the graph: the gradient has no grad_fn (torch too)."""
    def scenario(lib):
        class NumpySquare(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return lib.tensor(2 * x.detach().numpy() * g.detach().numpy())

        x = f64(lib, [1.0, 3.0])
        y = NumpySquare.apply(x)
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        assert not g.requires_grad
        with pytest.raises(RuntimeError) as info:
            g.sum().backward()
        return [g], str(info.value)

    (ours, msg), (theirs, their_msg) = scenario(tg), scenario(torch)
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy())
    assert msg.startswith("backward: ")
    assert their_msg in msg  # ours adds a hint


def once_square(lib: Any) -> Any:
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x * x * w

        @staticmethod
        @(once_differentiable if lib is tg else torch.autograd.function.once_differentiable)
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            assert not lib.is_grad_enabled()  # always runs with recording off
            return 2 * x * w * g, x * x * g

    return Square


def test_once_differentiable_first_order_is_unchanged() -> None:
    def scenario(lib):
        x, w = f64(lib, [0.5, 1.0]), f64(lib, [2.0, 3.0])
        y = once_square(lib).apply(x, w)
        (y * y).sum().backward()
        return [x.grad, w.grad]

    ours, theirs = scenario(tg), scenario(torch)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy())


def test_once_differentiable_raises_torchs_error_on_the_second_derivative() -> None:
    def scenario(lib):
        x, w = f64(lib, [0.5, 1.0]), f64(lib, [2.0, 3.0])
        y = once_square(lib).apply(x, w)
        gx, gw = lib.autograd.grad((y * y).sum(), [x, w], create_graph=True)
        assert gx.requires_grad
        assert gw.requires_grad
        names = (gx.grad_fn.name(), repr(gx).split("grad_fn=")[1])
        with pytest.raises(RuntimeError) as info:
            (gx.sum() + gw.sum()).backward()
        return [gx, gw], names, str(info.value)

    (ours, our_names, msg), (theirs, their_names, their_msg) = scenario(tg), scenario(torch)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())
    assert our_names == their_names == ("torch::autograd::Error", "<Error>)")
    assert msg == their_msg == ("trying to differentiate twice a function that was marked "
                                "with @once_differentiable")


def test_once_differentiable_with_a_constant_upstream_gives_a_plain_gradient() -> None:
    """Nothing upstream requires grad: torch returns the backward's result as it is."""
    for lib in (tg, torch):
        x, w = f64(lib, [0.5, 1.0]), f64(lib, [2.0, 3.0])
        (gx,) = lib.autograd.grad(once_square(lib).apply(x, w).sum(), x, create_graph=True)
        assert not gx.requires_grad
        assert gx.grad_fn is None


def test_once_differentiable_error_also_under_a_nested_create_graph() -> None:
    x, w = f64(tg, [0.5, 1.0]), f64(tg, [2.0, 3.0])
    y = once_square(tg).apply(x, w)
    (gx,) = tg.autograd.grad((y * y).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        tg.autograd.grad(gx.sum(), w, create_graph=True)


def test_freed_function_graph_and_retain_graph() -> None:
    Cube = functions(tg)[0]
    x = f64(tg, [1.0, 2.0])
    y = Cube.apply(x).sum()
    (g,) = tg.autograd.grad(y, x, create_graph=True)  # retain_graph defaults to create_graph
    (g2,) = tg.autograd.grad(y, x, create_graph=True, retain_graph=False)
    np.testing.assert_allclose(g.detach().numpy(), g2.detach().numpy())
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        tg.autograd.grad(y, x, create_graph=True)
    (h,) = tg.autograd.grad(g2.sum(), x)  # the gradient's own graph is still there
    assert h.tolist() == [6.0, 12.0]


def test_materialize_grads_false_gives_none_in_the_graph_walk() -> None:
    def scenario(lib):
        seen = []

        class Pair(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                ctx.save_for_backward(x)
                return x * 2, x * x

            @staticmethod
            def backward(ctx, ga, gb):
                (x,) = ctx.saved_tensors
                seen.append((ga is None, gb is None))
                return ga * 2 if gb is None else gb * 2 * x

        x = f64(lib, [1.0, -2.0])
        (g,) = lib.autograd.grad(Pair.apply(x)[1].sum() * 3, x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return [g, h], seen

    (ours, seen), (theirs, their_seen) = scenario(tg), scenario(torch)
    assert seen == their_seen == [(True, False)]  # the second grad does not reach Pair
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())


def test_gradgradcheck_of_custom_functions() -> None:
    Cube, Sigmoid, ScaledMul, SinCos, NewStyle = functions(tg)
    x = tg.tensor([[0.3, -0.7], [1.1, 0.4]], dtype=tg.float64, requires_grad=True)
    w = tg.tensor([0.5, -2.0], dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradgradcheck(lambda a: Sigmoid.apply(Cube.apply(a)), (x,))
    assert tg.autograd.gradgradcheck(lambda a, b: ScaledMul.apply(a, b, 1.5), (x, w))
    assert tg.autograd.gradgradcheck(lambda a: SinCos.apply(a), (x,))


def test_gradgradcheck_catches_a_backward_that_is_right_only_to_first_order() -> None:
    """``x.detach()`` in backward: the gradient is right, its derivative misses 6 x."""
    def check(lib):
        class DetachedCube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * x.detach() ** 2 * g

        x = lib.tensor([0.5, -1.5], dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(DetachedCube.apply, (x,))
        assert not lib.autograd.gradgradcheck(DetachedCube.apply, (x,), raise_exception=False)
        with pytest.raises(RuntimeError) as info:
            lib.autograd.gradgradcheck(DetachedCube.apply, (x,))
        return type(info.value).__name__, str(info.value).splitlines()[0]

    assert check(tg) == check(torch) == (
        "GradcheckError", "Jacobian mismatch for output 0 with respect to input 0,")
