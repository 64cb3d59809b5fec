"""The autograd surface against PyTorch: Function, grad_fn names, grad/backward, modes, legacy.

Most tests run the same code twice, once with ``torch`` and once with ``tinygrad_edu`` as
``lib``, and compare what comes out: gradients, flags, node names, error types and messages.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")
F_torch = torch.nn.functional
F_tg = tg.nn.functional

LIBS = [torch, tg]


def arr(t: Any) -> Any:
    return None if t is None else np.asarray(t.detach().numpy())


def close(a: Any, b: Any) -> None:
    if a is None or b is None:
        assert a is None
        assert b is None
        return
    np.testing.assert_allclose(arr(a), arr(b), rtol=1e-6, atol=1e-6)


def make(lib: Any, data: Any, requires_grad: bool = False, dtype: Any = None) -> Any:
    return lib.tensor(np.asarray(data), dtype=dtype or lib.float32, requires_grad=requires_grad)


def both(fn: Any) -> tuple[Any, Any]:
    """``fn(lib)`` with torch and with tinygrad_edu."""
    return fn(torch), fn(tg)


def error_of(fn: Any) -> tuple[type, str]:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test compares the exception itself
        return type(e), str(e)
    raise AssertionError("no error raised")


def same_error(fn: Any) -> tuple[str, str]:
    """Run ``fn(lib)`` with both libraries; both raise the same type; return both messages."""
    (t_type, t_msg), (g_type, g_msg) = both(lambda lib: error_of(lambda: fn(lib)))
    assert t_type is g_type, (t_type, t_msg, g_type, g_msg)
    return t_msg, g_msg


# ----------------------------------------------------------------------------- Function

def scale_fn(lib: Any) -> Any:
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            ctx.seen_needs = ctx.needs_input_grad
            return x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.k + 0 * x, None

    return Scale


def test_function_grads_ctx_attributes_and_needs_input_grad():
    def run(lib):
        x = make(lib, [1.0, -2.0, 3.0], requires_grad=True)
        y = scale_fn(lib).apply(x, 2.5)
        (y * y).sum().backward()
        return y, x.grad, y.grad_fn.seen_needs, y.grad_fn.k, type(y.grad_fn).__name__

    (ty, tgrad, tneeds, tk, tname), (gy, ggrad, gneeds, gk, gname) = both(run)
    close(ty, gy)
    close(tgrad, ggrad)
    assert tneeds == gneeds == (True, False)
    assert tk == gk == 2.5
    assert tname == gname == "ScaleBackward"


def test_legendre_polynomial_tutorial_function():
    """The ``LegendrePolynomial3`` of PyTorch's "Defining new autograd Functions" tutorial."""
    def run(lib):
        class LegendrePolynomial3(lib.autograd.Function):
            @staticmethod
            def forward(ctx, input):  # noqa: A002 - the tutorial's name
                ctx.save_for_backward(input)
                return 0.5 * (5 * input ** 3 - 3 * input)

            @staticmethod
            def backward(ctx, grad_output):
                (input,) = ctx.saved_tensors  # noqa: A001
                return grad_output * 1.5 * (5 * input ** 2 - 1)

        x = make(lib, np.linspace(-1, 1, 7), dtype=lib.float64)
        a = make(lib, [0.1], requires_grad=True, dtype=lib.float64)
        b = make(lib, [-0.3], requires_grad=True, dtype=lib.float64)
        p3 = LegendrePolynomial3.apply
        loss = ((a + b * p3(x * a + b)) - x).pow(2).sum()
        loss.backward()
        return loss, a.grad, b.grad

    (tl, ta, tb), (gl, ga, gb) = both(run)
    close(tl, gl)
    close(ta, ga)
    close(tb, gb)


def test_function_used_twice_and_chained_gradients_add_up():
    def run(lib):
        fn = scale_fn(lib)
        x = make(lib, [[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        y = fn.apply(x, 3.0)
        z = fn.apply(y, -0.5) + fn.apply(x, 2.0) * y
        z.sum().backward()
        return x.grad

    close(*both(run))


@pytest.mark.parametrize("returned", ["too_few", "too_many", "extra_none"])
def test_number_of_returned_gradients_is_checked(returned):
    def run(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                if returned == "too_few":
                    return g
                if returned == "too_many":
                    return g, None, g
                return g * 2, None, None

        x = make(lib, [1.0, 2.0], requires_grad=True)
        Bad.apply(x, 2.0).sum().backward()
        return x.grad

    if returned == "extra_none":  # trailing Nones are allowed
        close(*both(run))
        return
    t_msg, g_msg = same_error(run)
    assert t_msg == g_msg
    assert "returned an incorrect number of gradients" in g_msg


def test_gradient_for_a_non_tensor_input_is_an_error():
    def run(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g, g

        Bad.apply(make(lib, [1.0], requires_grad=True), 2.0).sum().backward()

    t_msg, g_msg = same_error(run)
    assert t_msg == g_msg


def test_none_gradient_and_input_without_grad():
    def run(lib):
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.save_for_backward(x, y)
                return x * y

            @staticmethod
            def backward(ctx, g):
                x, y = ctx.saved_tensors
                return None, g * x

        x = make(lib, [1.0, 2.0], requires_grad=True)
        y = make(lib, [3.0, 4.0], requires_grad=True)
        c = make(lib, [5.0, 6.0])
        (Mul.apply(x, y) + Mul.apply(c, y)).sum().backward()
        return x.grad, y.grad

    (tx, ty), (gx, gy) = both(run)
    assert tx is None
    assert gx is None
    close(ty, gy)


def test_saved_tensor_changed_in_place_is_detected():
    def run(lib):
        fn = scale_fn(lib)
        x = make(lib, [1.0, 2.0], requires_grad=True)
        h = x * 1
        y = fn.apply(h, 2.0)
        with lib.no_grad():
            h.add_(1)
        y.sum().backward()

    t_msg, g_msg = same_error(run)
    prefix = ("one of the variables needed for gradient computation has been modified by an "
              "inplace operation")
    assert t_msg.startswith(prefix)
    assert g_msg.startswith(prefix)


def test_saved_tensors_after_backward_are_freed():
    def run(lib):
        y = scale_fn(lib).apply(make(lib, [1.0], requires_grad=True), 2.0)
        y.sum().backward()
        return y.grad_fn.saved_tensors

    t_msg, g_msg = same_error(run)
    assert t_msg == g_msg

    def retained(lib):
        x = make(lib, [1.0, 2.0], requires_grad=True)
        y = scale_fn(lib).apply(x, 2.0)
        y.sum().backward(retain_graph=True)
        saved = y.grad_fn.saved_tensors[0]
        y.sum().backward()
        return x.grad, saved

    (tg_, ts), (gg, gs) = both(retained)
    close(tg_, gg)
    close(ts, gs)


def test_several_outputs_non_differentiable_and_zero_filled_grads():
    def run(lib):
        seen = []

        class SplitMax(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = x.argmax()
                twice, thrice = x * 2, x * 3
                ctx.mark_non_differentiable(idx)
                return twice, idx, thrice

            @staticmethod
            def backward(ctx, g2, gi, g3):
                seen.append((arr(g2), gi, arr(g3)))
                return g2 * 2 + g3 * 3

        x = make(lib, [1.0, 5.0, 2.0], requires_grad=True)
        a, i, b = SplitMax.apply(x)
        flags = (a.requires_grad, i.requires_grad, b.requires_grad)
        same = a.grad_fn is b.grad_fn
        nxt = [(type(n).__name__, k) for n, k in (a * b).grad_fn.next_functions]
        b.sum().backward()
        return x.grad, flags, same, nxt, seen, i

    (tx, tf, ts, tn, tseen, ti), (gx, gf, gs, gn, gseen, gi) = both(run)
    close(tx, gx)
    assert tf == gf == (True, False, True)
    assert ts
    assert gs
    assert tn == gn == [("SplitMaxBackward", 0), ("SplitMaxBackward", 2)]
    assert int(ti) == int(gi) == 1
    (t2, tgi, t3), = tseen
    (g2, ggi, g3), = gseen
    np.testing.assert_array_equal(t2, g2)  # zeros: a got no gradient
    np.testing.assert_array_equal(t3, g3)
    np.testing.assert_array_equal(arr(tgi), arr(ggi))  # zeros for the index output too
    assert str(ggi.dtype).split(".")[-1] == str(tgi.dtype).split(".")[-1] == "int64"


def test_set_materialize_grads_false_passes_none():
    def run(lib):
        seen = []

        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append((g1 is None, g2 is None))
                return g2 * 3

        x = make(lib, [1.0, 2.0], requires_grad=True)
        _, b = Two.apply(x)
        b.sum().backward()
        return seen, x.grad

    (ts, tx), (gs, gx) = both(run)
    assert ts == gs == [(True, False)]
    close(tx, gx)


def test_output_gradients_add_up_before_the_function_backward():
    def run(lib):
        calls = []

        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                calls.append(1)
                return 2 * g1 + 3 * g2

        x = make(lib, [1.0, 2.0], requires_grad=True)
        a, b = Two.apply(x)
        (a * b + a.exp() + b).sum().backward()
        return x.grad, len(calls)

    (tx, tc), (gx, gc) = both(run)
    close(tx, gx)
    assert tc == gc == 1


def test_setup_context_style_with_defaults_and_keywords():
    def run(lib):
        class Pow(lib.autograd.Function):
            @staticmethod
            def forward(x, p=2.0):
                return x ** p

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, p = inputs
                ctx.p = p
                ctx.save_for_backward(x, output)

            @staticmethod
            def backward(ctx, g):
                x, out = ctx.saved_tensors
                return g * ctx.p * x ** (ctx.p - 1) + 0 * out, None

        x = make(lib, [1.0, 2.0, 3.0], requires_grad=True)
        y = Pow.apply(x) + Pow.apply(x, p=3.0)
        y.sum().backward()
        return y, x.grad

    (ty, tx), (gy, gx) = both(run)
    close(ty, gy)
    close(tx, gx)


def test_apply_under_no_grad_records_nothing():
    def run(lib):
        x = make(lib, [1.0], requires_grad=True)
        with lib.no_grad():
            y = scale_fn(lib).apply(x, 2.0)
        z = scale_fn(lib).apply(make(lib, [1.0]), 2.0)
        return y.requires_grad, y.grad_fn, z.requires_grad, z.grad_fn

    assert both(run) == ((False, None, False, None), (False, None, False, None))


def test_input_returned_unchanged_is_a_new_tensor():
    def run(lib):
        class Identity(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = make(lib, [1.0, 2.0], requires_grad=True)
        y = Identity.apply(x)
        y.sum().backward()
        return y is x, x.grad, y.grad_fn.name()

    (t_same, tx, tn), (g_same, gx, gn) = both(run)
    assert not t_same
    assert not g_same
    close(tx, gx)
    assert tn == gn == "IdentityBackward"


def test_mark_dirty():
    def run(lib):
        class AddOneInPlace(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3

        x = make(lib, [1.0, 2.0], requires_grad=True)
        h = x * 2
        y = AddOneInPlace.apply(h)
        y.sum().backward()
        return y is h, arr(h), h.grad_fn.name(), x.grad

    (ts, th, tn, tx), (gs, gh, gn, gx) = both(run)
    assert ts
    assert gs
    np.testing.assert_array_equal(th, gh)
    assert tn == gn == "AddOneInPlaceBackward"
    close(tx, gx)


def test_gradient_shapes_broadcast_back_or_fail_like_torch():
    def run(lib, bad):
        class Wide(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                if bad:
                    return g.sum(0)  # (3,) for an input of shape (2, 3)
                return g.expand(4, 2, 3) * 0.5  # broadcast: sums back to (2, 3)

        x = make(lib, np.ones((2, 3)), requires_grad=True)
        Wide.apply(x).sum().backward()
        return x.grad

    close(*both(lambda lib: run(lib, False)))
    t_msg, g_msg = same_error(lambda lib: run(lib, True))
    assert t_msg == g_msg


def test_gradient_dtype_follows_the_input():
    def run(lib):
        class ToDouble(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g.double()

        x = make(lib, [1.0], requires_grad=True)
        ToDouble.apply(x).sum().backward()
        return str(x.grad.dtype).split(".")[-1]

    assert both(run) == ("float32", "float32")


def test_misuse_errors_match_torch():
    def legacy_call(lib):
        return scale_fn(lib)()(make(lib, [1.0]), 2.0)

    def no_forward(lib):
        class Empty(lib.autograd.Function):
            pass

        return Empty.apply(make(lib, [1.0]))

    def save_int(lib):
        class SaveInt(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(3)
                return x

        return SaveInt.apply(make(lib, [1.0], requires_grad=True))

    def no_backward(lib):
        class NoBackward(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        NoBackward.apply(make(lib, [1.0], requires_grad=True)).sum().backward()

    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        t_type, t_msg = error_of(lambda: legacy_call(torch))
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        g_type, g_msg = error_of(lambda: legacy_call(tg))
    assert t_type is g_type
    assert t_msg == g_msg
    for fn in (no_forward, save_int, no_backward):
        t_msg, g_msg = same_error(fn)
        assert t_msg == g_msg


def test_once_differentiable_and_function_module_names():
    from tinygrad_edu.autograd.function import Function, FunctionCtx, once_differentiable

    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = tg.tensor([3.0], requires_grad=True)
    y = Sq.apply(x)
    assert isinstance(y.grad_fn, FunctionCtx)
    assert isinstance(y.grad_fn, tg.autograd.Node)
    assert re.fullmatch(r"<tinygrad_edu\.autograd\.function\.SqBackward object at 0x[0-9a-f]+>",
                        repr(y.grad_fn))
    assert repr(y) == "tensor([9.], grad_fn=<SqBackward>)"
    y.backward()
    assert x.grad.tolist() == [6.0]


def test_function_graph_is_freed_without_the_garbage_collector():
    import gc
    import weakref

    gc.disable()
    try:
        fn = scale_fn(tg)
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        y = fn.apply(x * 2, 3.0)
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None  # no reference cycle between the node, ctx and the output
    finally:
        gc.enable()


# ----------------------------------------------------------------------------- grad_fn

X = np.array([[0.5, -1.0, 2.0, 0.1], [1.5, 0.3, -0.7, 2.2], [-0.2, 0.9, 1.1, -1.3]])
EXPRESSIONS = {
    "add": lambda L, F, x, y, m, v, im, w: x + y,
    "add_scalar": lambda L, F, x, y, m, v, im, w: x + 2,
    "sub": lambda L, F, x, y, m, v, im, w: x - y,
    "rsub": lambda L, F, x, y, m, v, im, w: 2 - x,
    "mul": lambda L, F, x, y, m, v, im, w: x * y,
    "div": lambda L, F, x, y, m, v, im, w: x / y,
    "neg": lambda L, F, x, y, m, v, im, w: -x,
    "pow": lambda L, F, x, y, m, v, im, w: x ** 2,
    "pow_tensor": lambda L, F, x, y, m, v, im, w: x.abs() ** y,
    "exp": lambda L, F, x, y, m, v, im, w: x.exp(),
    "log": lambda L, F, x, y, m, v, im, w: x.abs().log(),
    "sqrt": lambda L, F, x, y, m, v, im, w: x.abs().sqrt(),
    "tanh": lambda L, F, x, y, m, v, im, w: x.tanh(),
    "sigmoid": lambda L, F, x, y, m, v, im, w: x.sigmoid(),
    "relu": lambda L, F, x, y, m, v, im, w: F.relu(x),
    "leaky_relu": lambda L, F, x, y, m, v, im, w: F.leaky_relu(x),
    "gelu": lambda L, F, x, y, m, v, im, w: F.gelu(x),
    "clamp": lambda L, F, x, y, m, v, im, w: x.clamp(0, 1),
    "maximum": lambda L, F, x, y, m, v, im, w: L.maximum(x, y),
    "where": lambda L, F, x, y, m, v, im, w: L.where(x > 0, x, y),
    "mm": lambda L, F, x, y, m, v, im, w: x @ m,
    "dot": lambda L, F, x, y, m, v, im, w: v @ v,
    "mv": lambda L, F, x, y, m, v, im, w: x @ v,
    "sum": lambda L, F, x, y, m, v, im, w: x.sum(),
    "sum_dim": lambda L, F, x, y, m, v, im, w: x.sum(1),
    "sum_keepdim": lambda L, F, x, y, m, v, im, w: x.sum(0, keepdim=True),
    "mean": lambda L, F, x, y, m, v, im, w: x.mean(),
    "mean_dim": lambda L, F, x, y, m, v, im, w: x.mean(1),
    "prod": lambda L, F, x, y, m, v, im, w: x.prod(),
    "amax": lambda L, F, x, y, m, v, im, w: x.amax(1),
    "softmax": lambda L, F, x, y, m, v, im, w: x.softmax(1),
    "log_softmax": lambda L, F, x, y, m, v, im, w: F.log_softmax(x, dim=1),
    "cross_entropy": lambda L, F, x, y, m, v, im, w: F.cross_entropy(x, L.tensor([0, 3, 1])),
    "nll_loss": lambda L, F, x, y, m, v, im, w: F.nll_loss(x.log_softmax(1), L.tensor([0, 1, 2])),
    "mse_loss": lambda L, F, x, y, m, v, im, w: F.mse_loss(x, y),
    "l1_loss": lambda L, F, x, y, m, v, im, w: F.l1_loss(x, y),
    "bce": lambda L, F, x, y, m, v, im, w: F.binary_cross_entropy(x.sigmoid(), y.sigmoid()),
    "bce_logits": lambda L, F, x, y, m, v, im, w:
        F.binary_cross_entropy_with_logits(x, y.sigmoid()),
    "linear": lambda L, F, x, y, m, v, im, w: F.linear(x, m.t(), v[:1].expand(5).clone()),
    "linear_nobias": lambda L, F, x, y, m, v, im, w: F.linear(x, m.t()),
    "reshape": lambda L, F, x, y, m, v, im, w: x.reshape(12),
    "view": lambda L, F, x, y, m, v, im, w: x.view(4, 3),
    "flatten": lambda L, F, x, y, m, v, im, w: x.flatten(),
    "permute": lambda L, F, x, y, m, v, im, w: x.permute(1, 0),
    "expand": lambda L, F, x, y, m, v, im, w: v.expand(3, 4),
    "select": lambda L, F, x, y, m, v, im, w: x[0],
    "slice": lambda L, F, x, y, m, v, im, w: x[1:],
    "select_col": lambda L, F, x, y, m, v, im, w: x[:, 1],
    "index": lambda L, F, x, y, m, v, im, w: x[L.tensor([0, 2])],
    "unsqueeze_none": lambda L, F, x, y, m, v, im, w: x[None],
    "cat": lambda L, F, x, y, m, v, im, w: L.cat([x, y]),
    "pad": lambda L, F, x, y, m, v, im, w: F.pad(x, (1, 1)),
    "clone": lambda L, F, x, y, m, v, im, w: x.clone(),
    "double": lambda L, F, x, y, m, v, im, w: x.double(),
    "conv2d": lambda L, F, x, y, m, v, im, w: F.conv2d(im, w),
    "max_pool2d": lambda L, F, x, y, m, v, im, w: F.max_pool2d(im, 2),
    "avg_pool2d": lambda L, F, x, y, m, v, im, w: F.avg_pool2d(im, 2),
    "adaptive_avg_pool2d": lambda L, F, x, y, m, v, im, w: F.adaptive_avg_pool2d(im, 2),
    "adaptive_avg_pool2d_1": lambda L, F, x, y, m, v, im, w: F.adaptive_avg_pool2d(im, 1),
    "layer_norm": lambda L, F, x, y, m, v, im, w: F.layer_norm(x, (4,)),
    "embedding": lambda L, F, x, y, m, v, im, w: F.embedding(L.tensor([0, 2]), x),
    "gather": lambda L, F, x, y, m, v, im, w: x.gather(1, L.tensor([[0], [1], [2]])),
}

# Methods composed from several ops here, whose result node carries PyTorch's name for the
# call (``graph.relabel``); ``s`` below is the square matrix x[:, :3].
COMPOSITES = {
    "flip": lambda L, x, y, m, v: x.flip(0),
    "flip_dims": lambda L, x, y, m, v: x.flip(0, 1),
    "fliplr": lambda L, x, y, m, v: x.fliplr(),
    "roll": lambda L, x, y, m, v: x.roll(1, 0),
    "roll_flat": lambda L, x, y, m, v: x.roll(2),
    "roll_dims": lambda L, x, y, m, v: L.roll(x, (1, -1), (0, 1)),
    "rot90": lambda L, x, y, m, v: x.rot90(),
    "sort": lambda L, x, y, m, v: x.sort(1)[0],
    "sort_descending": lambda L, x, y, m, v: x.sort(0, descending=True).values,
    "sort_stable": lambda L, x, y, m, v: x.sort(stable=True)[0],
    "torch_sort": lambda L, x, y, m, v: L.sort(x)[0],
    "msort": lambda L, x, y, m, v: x.msort(),
    "topk": lambda L, x, y, m, v: x.topk(2)[0],
    "topk_smallest": lambda L, x, y, m, v: x.topk(2, 0, largest=False).values,
    "kthvalue": lambda L, x, y, m, v: x.kthvalue(2)[0],
    "norm": lambda L, x, y, m, v: x.norm(),
    "norm_dim": lambda L, x, y, m, v: x.norm(dim=1),
    "norm_p1": lambda L, x, y, m, v: x.norm(1),
    "norm_inf": lambda L, x, y, m, v: x.norm(float("inf")),
    "norm_p0": lambda L, x, y, m, v: x.norm(0),
    "norm_p3_keepdim": lambda L, x, y, m, v: x.norm(3, 1, True),
    "torch_norm": lambda L, x, y, m, v: L.norm(x),
    "linalg_norm": lambda L, x, y, m, v: L.linalg.norm(x),
    "linalg_norm_vector_p1": lambda L, x, y, m, v: L.linalg.norm(v, 1),
    "vector_norm": lambda L, x, y, m, v: L.linalg.vector_norm(x),
    "vector_norm_p3_dim": lambda L, x, y, m, v: L.linalg.vector_norm(x, 3, 1),
    "matrix_norm_fro": lambda L, x, y, m, v: L.linalg.matrix_norm(x),
    "dist": lambda L, x, y, m, v: x.dist(y),
    "tril": lambda L, x, y, m, v: x.tril(),
    "tril_diagonal": lambda L, x, y, m, v: x.tril(1),
    "triu": lambda L, x, y, m, v: L.triu(x, -1),
    "var": lambda L, x, y, m, v: x.var(),
    "var_dim": lambda L, x, y, m, v: x.var(1),
    "var_correction0": lambda L, x, y, m, v: x.var(0, correction=0),
    "std": lambda L, x, y, m, v: x.std(),
    "std_dim_keepdim": lambda L, x, y, m, v: x.std(0, keepdim=True),
    "var_mean": lambda L, x, y, m, v: L.var_mean(x, 1)[0],
    "var_mean_mean": lambda L, x, y, m, v: L.var_mean(x, 1)[1],
    "std_mean": lambda L, x, y, m, v: L.std_mean(x)[0],
    "max": lambda L, x, y, m, v: x.max(),
    "max_dim": lambda L, x, y, m, v: x.max(1)[0],
    "max_dim_keepdim": lambda L, x, y, m, v: x.max(0, keepdim=True).values,
    "torch_max_dim": lambda L, x, y, m, v: L.max(x, 1)[0],
    "min": lambda L, x, y, m, v: x.min(),
    "min_dim": lambda L, x, y, m, v: x.min(0)[0],
    "median": lambda L, x, y, m, v: x.median(),
    "median_dim": lambda L, x, y, m, v: x.median(1)[0],
    "nanmedian": lambda L, x, y, m, v: x.nanmedian(),
    "mode": lambda L, x, y, m, v: x.mode(1)[0],
    "cummax": lambda L, x, y, m, v: x.cummax(1)[0],
    "cummin": lambda L, x, y, m, v: x.cummin(0).values,
    "aminmax": lambda L, x, y, m, v: x.aminmax(dim=1)[0],
    "index_select": lambda L, x, y, m, v: x.index_select(0, L.tensor([0, 2])),
    "index_select_dim1": lambda L, x, y, m, v: L.index_select(x, 1, L.tensor([3, 0, 3])),
    "masked_select": lambda L, x, y, m, v: x.masked_select(x > 0),
    "take": lambda L, x, y, m, v: x.take(L.tensor([0, 5])),
    "index_add": lambda L, x, y, m, v: x.index_add(0, L.tensor([0, 2]), y[:2]),
    "unbind": lambda L, x, y, m, v: x.unbind(0)[1],
    "unbind_dim1": lambda L, x, y, m, v: L.unbind(x, 1)[3],
    "split": lambda L, x, y, m, v: x.split(2, 1)[1],
    "split_sizes": lambda L, x, y, m, v: x.split([1, 2])[1],
    "chunk": lambda L, x, y, m, v: x.chunk(2)[0],
    "stack": lambda L, x, y, m, v: L.stack([x, y], 1),
    "trace": lambda L, x, y, m, v: x.trace(),
    "diagonal": lambda L, x, y, m, v: x.diagonal(),
    "diag_matrix": lambda L, x, y, m, v: L.diag(x[:, :3]),
    "diag_vector": lambda L, x, y, m, v: L.diag(v),
    "diag_embed": lambda L, x, y, m, v: L.diag_embed(x),
    "bmm": lambda L, x, y, m, v: L.bmm(x[None], m[None]),
    "baddbmm": lambda L, x, y, m, v: L.baddbmm(m[0], x[None], m[None]),
    "addmm": lambda L, x, y, m, v: L.addmm(m[0], x, m),
    "addmv": lambda L, x, y, m, v: L.addmv(x[:, 0], x, v),
    "square": lambda L, x, y, m, v: x.square(),
    "torch_square": lambda L, x, y, m, v: L.square(x),
    "tile": lambda L, x, y, m, v: x.tile(2),
    "tile_rows": lambda L, x, y, m, v: L.tile(x, (2, 1)),
    "repeat": lambda L, x, y, m, v: x.repeat(2, 1),
    "repeat_ones": lambda L, x, y, m, v: x.repeat(1, 1),
    "unfold": lambda L, x, y, m, v: x.unfold(1, 2, 1),
    "logsumexp": lambda L, x, y, m, v: x.logsumexp(1),
    "logsumexp_keepdim": lambda L, x, y, m, v: x.logsumexp(0, keepdim=True),
    "torch_logsumexp": lambda L, x, y, m, v: L.logsumexp(x, (0, 1)),
    "addcmul": lambda L, x, y, m, v: x.addcmul(y, x),
    "addcmul_value": lambda L, x, y, m, v: L.addcmul(x, y, x, value=0.5),
    "addcdiv": lambda L, x, y, m, v: x.addcdiv(y, x.abs() + 1),
    "addcdiv_value": lambda L, x, y, m, v: L.addcdiv(x, y, x.abs() + 1, value=2.0),
    "inverse": lambda L, x, y, m, v: x[:, :3].inverse(),
    "linalg_inv": lambda L, x, y, m, v: L.linalg.inv(x[:, :3]),
    "det": lambda L, x, y, m, v: x[:, :3].det(),
    "linalg_det": lambda L, x, y, m, v: L.linalg.det(x[:, :3]),
    "slogdet": lambda L, x, y, m, v: L.linalg.slogdet(x[:, :3])[1],
    "solve_vector": lambda L, x, y, m, v: L.linalg.solve(x[:, :3], v[:3]),
    "cholesky": lambda L, x, y, m, v: L.linalg.cholesky(x @ x.mT + L.eye(3)),
    "cdist": lambda L, x, y, m, v: L.cdist(x, y),
    "cdist_p1": lambda L, x, y, m, v: L.cdist(x, y, p=1),
    "masked_fill": lambda L, x, y, m, v: x.masked_fill(x > 0, 0.0),
    "masked_fill_tensor": lambda L, x, y, m, v: x.masked_fill(x > 0, L.tensor(0.0)),
    "clamp_tensor": lambda L, x, y, m, v: x.clamp(min=y),
    "nan_to_num": lambda L, x, y, m, v: x.nan_to_num(),
    "nansum": lambda L, x, y, m, v: x.nansum(1),
    "log1p": lambda L, x, y, m, v: x.abs().log1p(),
    "view_as": lambda L, x, y, m, v: x.view_as(y),
    "view_same_shape": lambda L, x, y, m, v: x.view(3, 4),
    "reshape_same_shape": lambda L, x, y, m, v: x.reshape(3, -1),
    "squeeze": lambda L, x, y, m, v: x[None].squeeze(),
    "squeeze_dim": lambda L, x, y, m, v: x[None].squeeze(0),
    "squeeze_dims": lambda L, x, y, m, v: x[None].squeeze((0,)),
    "squeeze_nothing": lambda L, x, y, m, v: x.squeeze(),
    "unsqueeze": lambda L, x, y, m, v: x.unsqueeze(1),
    "repeat_interleave": lambda L, x, y, m, v: x.repeat_interleave(2, 0),
    "repeat_interleave_flat": lambda L, x, y, m, v: v.repeat_interleave(3),
    "repeat_interleave_tensor": lambda L, x, y, m, v: x.repeat_interleave(L.tensor([1, 0, 2]), 0),
}


def _with_all_inputs(f: Any) -> Any:
    """A ``COMPOSITES`` expression in the form of ``EXPRESSIONS`` (all the inputs)."""
    return lambda L, F, x, y, m, v, im, w: f(L, x, y, m, v)


EXPRESSIONS.update({name: _with_all_inputs(f) for name, f in COMPOSITES.items()})


def _inputs(lib: Any) -> list[Any]:
    rng = np.random.default_rng(0)
    return [make(lib, X, True), make(lib, X[::-1].copy() + 0.5, True),
            make(lib, rng.standard_normal((4, 5)), True), make(lib, X[0], True),
            make(lib, rng.standard_normal((1, 2, 6, 6)), True),
            make(lib, rng.standard_normal((3, 2, 3, 3)), True)]


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_grad_fn_names_match_torch(name):
    expr = EXPRESSIONS[name]
    t_out = expr(torch, F_torch, *_inputs(torch))
    g_out = expr(tg, F_tg, *_inputs(tg))
    close(t_out, g_out)
    assert type(g_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    assert g_out.grad_fn.name() == t_out.grad_fn.name()
    assert re.fullmatch(rf"<{t_out.grad_fn.name()} object at 0x[0-9a-f]+>", repr(g_out.grad_fn))
    assert f"grad_fn=<{t_out.grad_fn.name()}>" in repr(g_out)


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_renamed_nodes_keep_their_gradients(name):
    """Only the node's name changes: every input still gets torch's gradient."""
    def grads(lib: Any) -> list[Any]:
        inputs = _inputs(lib)
        out = COMPOSITES[name](lib, *inputs[:4])
        weights = np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape))
        (out * make(lib, weights)).sum().backward()
        return [t.grad for t in inputs[:4]]

    for t_grad, g_grad in zip(*both(grads), strict=True):
        if name == "norm_p0" and t_grad is None and g_grad is not None:  # torch: undefined
            assert not arr(g_grad).any()  # the count's gradient; ours: zeros
            continue
        close(t_grad, g_grad)


@pytest.mark.parametrize("view", [lambda x: x.view(2, 3), lambda x: x.view_as(x),
                                  lambda x: x.reshape(2, 3), lambda x: x.reshape_as(x)])
def test_view_of_the_same_shape_is_a_new_view(view):
    """As in PyTorch: a new tensor sharing memory and version counter, with a ViewBackward0."""
    def run(lib: Any) -> Any:
        x = make(lib, np.arange(6.0).reshape(2, 3), True) * 1
        y = view(x)
        name = type(y.grad_fn).__name__
        with lib.no_grad():
            y.add_(10)  # writes through to x, and both versions count it
            z = view(x)
        return y is x, name, arr(x), x._version == y._version, z is x, z.grad_fn

    t, g = both(run)
    assert g[0] is t[0] is False
    assert g[1] == t[1] == "ViewBackward0"
    np.testing.assert_array_equal(g[2], t[2])
    assert g[3] is t[3] is True
    assert g[4] is t[4] is False
    assert g[5] is t[5] is None


def test_relabel_leaves_the_node_of_an_input_alone():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert tg.autograd.relabel(y, "SomeBackward0", y).grad_fn.name() == "MulBackward0"
    z = y.reshape(2)  # a new node of its own: renamed
    assert tg.autograd.relabel(z, "SomeBackward0", y).grad_fn.name() == "SomeBackward0"
    assert y.grad_fn.name() == "MulBackward0"


def test_flatten_with_nothing_to_merge_returns_the_tensor_itself():
    def run(lib: Any) -> Any:
        x = make(lib, np.arange(6.0).reshape(2, 3), True) * 1
        v = x[0] * 1
        return v.flatten() is v, x.flatten(1, 1) is x, x.flatten(0, -1) is x

    assert both(run)[0] == both(run)[1] == (True, True, False)


@pytest.mark.parametrize("name", ["add", "mul", "sub", "div", "mm", "maximum", "relu", "sum",
                                  "cat", "conv2d", "exp", "linear_nobias", "select", "permute"])
def test_next_functions_match_torch(name):
    def shape(node: Any, depth: int) -> Any:
        if node is None or depth == 0:
            return None if node is None else node.name()
        return (node.name(), [(shape(n, depth - 1), i) for n, i in node.next_functions])

    t_out = EXPRESSIONS[name](torch, F_torch, *_inputs(torch))
    g_out = EXPRESSIONS[name](tg, F_tg, *_inputs(tg))
    assert shape(g_out.grad_fn, 3) == shape(t_out.grad_fn, 3)


def test_leaves_is_leaf_and_accumulate_grad():
    def run(lib):
        x = make(lib, [1.0, 2.0], requires_grad=True)
        c = make(lib, [1.0, 2.0])
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        return (x.grad_fn, c.grad_fn, x.is_leaf, c.is_leaf, y.is_leaf, type(acc).__name__,
                acc.name(), acc.variable is x, acc.next_functions,
                acc is (x + 1).grad_fn.next_functions[0][0], y.detach().grad_fn,
                y.detach().is_leaf)

    t, g = both(run)
    assert t == g
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>",
                        repr((tg.ones(1, requires_grad=True) * 2).grad_fn.next_functions[0][0]))


def test_tensor_repr_shows_torch_node_names():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr((x * 2).mean()) == "tensor(3., grad_fn=<MeanBackward0>)"


# ----------------------------------------------------------------------------- grad / backward

def test_autograd_grad_matches_torch():
    def run(lib):
        x = make(lib, [1.0, 2.0, 3.0], requires_grad=True)
        w = make(lib, [0.5, -1.0, 2.0], requires_grad=True)
        h = x * 2
        h.retain_grad()
        x.register_hook(lambda g: g * 10)
        y = (h * w).sum()
        gx, gh = lib.autograd.grad(y, [x, h], retain_graph=True)
        unused = lib.autograd.grad(y, [x, make(lib, [1.0], requires_grad=True)],
                                   retain_graph=True, allow_unused=True)
        zeros = lib.autograd.grad(y, [x, make(lib, [1.0, 1.0], requires_grad=True)],
                                  retain_graph=True, materialize_grads=True)
        two = lib.autograd.grad([y, (x * 3).sum()], x, retain_graph=True)
        seeded = lib.autograd.grad(h, x, grad_outputs=make(lib, [1.0, 0.0, 2.0]))
        return gx, gh, h.grad, x.grad, w.grad, unused, zeros, two, seeded

    t, g = both(run)
    for a, b in zip(t[:5], g[:5], strict=True):
        close(a, b)
    for ta, ga in zip(t[5:], g[5:], strict=True):
        assert isinstance(ga, tuple)
        assert len(ta) == len(ga)
        for a, b in zip(ta, ga, strict=True):
            close(a, b)


def test_autograd_grad_errors_match_torch():
    def unused(lib):
        x = make(lib, [1.0], requires_grad=True)
        lib.autograd.grad((x * 2).sum(), [x, make(lib, [1.0], requires_grad=True)])

    def no_grad_input(lib):
        x = make(lib, [1.0], requires_grad=True)
        lib.autograd.grad((x * 2).sum(), [make(lib, [1.0])])

    def not_scalar(lib):
        x = make(lib, [1.0, 2.0], requires_grad=True)
        lib.autograd.grad(x * 2, [x])

    def no_graph(lib):
        lib.autograd.grad(make(lib, [1.0]), [make(lib, [1.0], requires_grad=True)])

    for fn in (unused, no_grad_input, not_scalar, no_graph):
        t_msg, g_msg = same_error(fn)
        assert t_msg == g_msg

    def shape(lib):
        x = make(lib, [1.0, 2.0], requires_grad=True)
        lib.autograd.grad(x * 2, [x], make(lib, [1.0, 2.0, 3.0]))

    t_msg, g_msg = same_error(shape)
    assert g_msg.startswith("Mismatch in shape: grad_output[0] has a shape of")


def test_create_graph_gives_gradients_that_differentiate_again():
    def run(lib):
        x = make(lib, [1.0, -2.0], requires_grad=True)
        (g,) = lib.autograd.grad((x * x * x).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return g, h

    (tg_, th), (gg, gh) = both(run)
    close(tg_, gg)
    close(th, gh)


def test_autograd_backward_matches_torch():
    def run(lib):
        x = make(lib, [1.0, 2.0], requires_grad=True)
        w = make(lib, [3.0, -1.0], requires_grad=True)
        y = (x * w).sum()
        z = x * 3
        lib.autograd.backward([y, z], [None, make(lib, [1.0, 0.5])], retain_graph=True)
        first = (arr(x.grad).copy(), arr(w.grad).copy())
        x.grad = None
        w.grad = None
        lib.autograd.backward(y, inputs=[w])
        leaf = make(lib, [1.0, 2.0], requires_grad=True)
        lib.autograd.backward(leaf, make(lib, [2.0, 3.0]))
        return first, x.grad, w.grad, leaf.grad

    (tf, tx, tw, tl), (gf, gx, gw, gl) = both(run)
    np.testing.assert_allclose(tf[0], gf[0])
    np.testing.assert_allclose(tf[1], gf[1])
    assert tx is None
    assert gx is None
    close(tw, gw)
    close(tl, gl)


# ----------------------------------------------------------------------------- modes

def test_inference_mode_matches_torch():
    def run(lib):
        w = make(lib, [1.0, 2.0], requires_grad=True)
        out = []
        with lib.inference_mode():
            a = lib.ones(2)
            y = w * 2
            out += [lib.is_inference_mode_enabled(), lib.is_grad_enabled(), a.is_inference(),
                    y.requires_grad, y.is_inference()]
            with lib.inference_mode(False):
                out += [lib.is_inference_mode_enabled(), lib.ones(1).is_inference()]
        out += [lib.is_inference_mode_enabled(), lib.is_grad_enabled(), lib.ones(2).is_inference(),
                w.is_inference()]

        @lib.inference_mode()
        def called():
            return lib.is_inference_mode_enabled(), lib.is_grad_enabled()

        @lib.inference_mode
        def bare():
            return lib.is_inference_mode_enabled()

        out += [called(), bare(), lib.is_inference_mode_enabled()]
        with lib.no_grad(), lib.inference_mode():
            out.append(lib.is_grad_enabled())
        with lib.no_grad():
            with lib.inference_mode(False):
                out.append(lib.is_grad_enabled())
        return out

    t, g = both(run)
    assert t == g


def test_grad_mode_contexts_match_torch():
    def run(lib):
        out = []
        x = make(lib, [1.0], requires_grad=True)
        with lib.no_grad():
            with lib.enable_grad():
                out.append((x * 2).requires_grad)
            out.append((x * 2).requires_grad)

        @lib.enable_grad()
        def on():
            return lib.is_grad_enabled()

        @lib.set_grad_enabled(False)
        def off():
            return lib.is_grad_enabled()

        with lib.no_grad():
            out.append(on())
        out.append(off())
        out.append(lib.is_grad_enabled())
        with lib.set_grad_enabled(False):
            out.append(lib.is_grad_enabled())
        out.append(lib.is_grad_enabled())
        lib.set_grad_enabled(False)
        out.append(lib.is_grad_enabled())
        lib.set_grad_enabled(True)
        out.append(lib.is_grad_enabled())
        out.append(repr(lib.set_grad_enabled(True)).split(".")[-1])
        return out

    t, g = both(run)
    assert t == g


# ----------------------------------------------------------------------------- legacy

def test_variable_is_a_thin_alias():
    def run(lib):
        from_lib = lib.autograd.Variable
        t = make(lib, [1.0, 2.0])
        v = from_lib(t, requires_grad=True)
        nl = make(lib, [1.0], requires_grad=True) * 2
        v2 = from_lib(nl)
        with lib.no_grad():
            t[0] = 5.0
        return (type(v) is lib.Tensor, v is t, v.requires_grad, t.requires_grad, arr(v)[0],
                v.is_leaf, v2.grad_fn, v2.requires_grad, isinstance(t, from_lib),
                isinstance(3, from_lib))

    t, g = both(run)
    assert t == g
    t_msg, g_msg = same_error(lambda lib: lib.autograd.Variable([1, 2]))
    assert t_msg == g_msg


LEGACY = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors_match_torch(name):
    def run(lib):
        cls = getattr(lib, name)
        data = [[1.7, -2.2], [0.0, 3.0]] if name != "BoolTensor" else [[1, 0], [0, 1]]
        shaped = cls(2, 3)
        empty = cls()
        filled = cls(data)
        from_np = cls(np.array(data))
        return (tuple(shaped.shape), str(shaped.dtype).split(".")[-1], tuple(empty.shape),
                arr(filled).tolist(), str(filled.dtype).split(".")[-1], arr(from_np).tolist(),
                type(filled) is lib.Tensor, tuple(cls(0).shape),
                tuple(cls(torch.Size([2, 1]) if lib is torch else (2, 1)).shape)
                if lib is torch else tuple(cls(2, 1).shape))

    t, g = both(run)
    assert t == g


def test_legacy_isinstance_and_sharing():
    def run(lib):
        f = lib.tensor([1.0, 2.0])
        same = lib.FloatTensor(f)
        same[0] = 9.0
        return (isinstance(lib.zeros(2), lib.FloatTensor),
                isinstance(lib.zeros(2, dtype=lib.float64), lib.FloatTensor),
                isinstance(lib.zeros(2, dtype=lib.float64), lib.DoubleTensor),
                isinstance(lib.tensor([1]), lib.LongTensor), isinstance(3.0, lib.FloatTensor),
                issubclass(lib.FloatTensor, lib.Tensor), same is f, arr(f)[0],
                str(lib.FloatTensor.dtype).split(".")[-1])

    t, g = both(run)
    assert t == g


def test_legacy_constructor_errors_match_torch():
    for bad in (lambda lib: lib.FloatTensor(2.5), lambda lib: lib.FloatTensor([1], [2]),
                lambda lib: lib.FloatTensor(2, 3, requires_grad=True),
                lambda lib: lib.FloatTensor(lib.tensor([1.0], dtype=lib.float64))):
        same_error(bad)
    t_msg, g_msg = same_error(lambda lib: lib.FloatTensor(-1))
    assert t_msg == g_msg


def test_legacy_types_without_their_dtype_say_so():
    from tinygrad_edu import dtypes

    for name, dtype_name in [("HalfTensor", "float16"), ("ByteTensor", "uint8"),
                             ("CharTensor", "int8"), ("ShortTensor", "int16"),
                             ("BFloat16Tensor", "bfloat16")]:
        cls = getattr(tg, name)
        if hasattr(dtypes, dtype_name):  # the dtype exists in this build: behaves as torch's
            t = getattr(torch, name)([1, 0])
            g = cls([1, 0])
            assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        else:
            with pytest.raises(TypeError, match=f"no dtype {dtype_name}"):
                cls([1, 0])
            assert not isinstance(tg.zeros(2), cls)


def test_input_returned_unchanged_shares_memory():
    class Identity(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert y is not x
    assert np.shares_memory(y.numpy(force=True), x.numpy(force=True))
    assert y._version is x._version  # an in-place change through one shows on the other


def test_tensor_backward_inputs_and_create_graph():
    def run(lib):
        x = make(lib, [1.0, 2.0], requires_grad=True)
        w = make(lib, [3.0, 4.0], requires_grad=True)
        (x * w).sum().backward(inputs=[w])
        y = (x * w).sum()
        y.backward(retain_graph=None)
        return x.grad, w.grad

    (tx, tw), (gx, gw) = both(run)
    close(tx, gx)
    close(tw, gw)
    x = tg.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="create_graph=True will create a reference cycle"):
        (x * x).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None  # the gradient is a graph: 2 x
    assert x.grad.tolist() == [2.0, 2.0]


def test_bare_grad_mode_decorators_match_torch():
    def run(lib):
        @lib.no_grad
        def off():
            return lib.is_grad_enabled()

        @lib.enable_grad
        def on():
            return lib.is_grad_enabled()

        with lib.no_grad():
            inside = on()
        return off(), inside, lib.is_grad_enabled()

    assert both(run) == ((False, True, True), (False, True, True))


def test_explain_backward_and_anomaly_mode_walk_through_a_function():
    import io

    from tinygrad_edu import viz

    class Two(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return 2 * g1 + 3 * g2

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    a, b = Two.apply(x)
    out = io.StringIO()
    viz.explain_backward((a * b).sum(), file=out)
    assert "Two[0]" in out.getvalue()
    assert "Two[1]" in out.getvalue()
    x.grad = None
    with tg.autograd.detect_anomaly():
        a, b = Two.apply(x)
        (a * b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 24.0])  # d/dx sum(2x * 3x) = 12x


# ----------------------------------------------------------------------------- gradcheck

def cube_fn(lib: Any, factor: float) -> Any:
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g * factor, None

    return Cube


def test_gradcheck_matches_torch():
    def run(lib):
        x = make(lib, [[0.5, -1.0], [2.0, 0.3]], requires_grad=True, dtype=lib.float64)
        y = make(lib, [1.0, 2.0], requires_grad=True, dtype=lib.float64)
        right = cube_fn(lib, 1.0)
        return (lib.autograd.gradcheck(right.apply, (x, 1.0)),
                lib.autograd.gradcheck(cube_fn(lib, 2.0).apply, (x, 1.0), raise_exception=False),
                lib.autograd.gradcheck(lambda a, b: (a * b.sum(), a.exp(), (a @ b).tanh()),
                                       (x, y)),
                lib.autograd.gradcheck(F_torch.softmax if lib is torch else F_tg.softmax,
                                       (x, 1)))

    assert both(run) == ((True, False, True, True), (True, False, True, True))


def test_gradcheck_errors_and_warnings_match_torch():
    def mismatch(lib):
        x = make(lib, [0.5, 2.0], requires_grad=True, dtype=lib.float64)
        lib.autograd.gradcheck(cube_fn(lib, 2.0).apply, (x, 1.0))

    (t_type, t_msg), (g_type, g_msg) = both(lambda lib: error_of(lambda: mismatch(lib)))
    assert t_type.__name__ == g_type.__name__ == "GradcheckError"
    assert issubclass(t_type, RuntimeError)
    assert issubclass(g_type, RuntimeError)
    assert t_msg.splitlines()[0] == g_msg.splitlines()[0]
    t_msg, g_msg = same_error(lambda lib: lib.autograd.gradcheck(lambda a: a * 2,
                                                                 (make(lib, [1.0]),)))
    assert t_msg == g_msg
    with pytest.warns(UserWarning, match="not a double precision"):
        tg.autograd.gradcheck(lambda a: a * 2, (tg.tensor([1.0], requires_grad=True),),
                              raise_exception=False)
    x = tg.tensor([1.0], dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradgradcheck(lambda a: a * a * a, (x,))  # now supported


# ----------------------------------------------------------------------------- functional

def test_functional_jacobian_vjp_jvp_match_torch():
    def run(lib):
        af = lib.autograd.functional
        x = make(lib, [[0.5, -1.0], [2.0, 0.3]], dtype=lib.float64)
        y = make(lib, [1.0, 2.0], dtype=lib.float64)

        def f(a):
            return (a ** 2).sum(1)

        jac = af.jacobian(f, x)
        nested = af.jacobian(lambda a, b: (a @ b, (a * 2).sum()), (x, y))
        unused = af.jacobian(lambda a, b: a.exp(), (x, y))
        out, vj = af.vjp(f, x, make(lib, [1.0, 2.0], dtype=lib.float64))
        out2, jv = af.jvp(lambda a, b: a @ b, (x, y), (lib.ones(2, 2, dtype=lib.float64),
                                                       make(lib, [0.5, -1.0], dtype=lib.float64)))
        scalar_out, g = af.vjp(lambda a: (a * a).sum(), x)
        return ([arr(jac)], [arr(j) for row in nested for j in row], [arr(u) for u in unused],
                [arr(out), arr(vj), arr(out2), arr(jv), arr(scalar_out), arr(g)],
                (out.requires_grad, x.requires_grad))

    t, g = both(run)
    for ta, ga in zip(t[:4], g[:4], strict=True):
        for a, b in zip(ta, ga, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12)
    assert t[4] == g[4] == (False, False)


def test_functional_errors_match_torch():
    def strict(lib):
        x = make(lib, [1.0, 2.0], dtype=lib.float64)
        lib.autograd.functional.jacobian(lambda a, b: a * 2, (x, x.clone()), strict=True)

    t_msg, g_msg = same_error(strict)
    assert t_msg == g_msg

    def linear_hessian(lib):  # second order (more in tests/engine/test_autograd_functional.py)
        lib.autograd.functional.hessian(lambda a: (a * 2).sum(), lib.ones(2), strict=True)

    t_msg, g_msg = same_error(linear_hessian)
    assert t_msg == g_msg


def test_inference_tensors_cannot_be_saved_for_backward():
    def run(lib):
        with lib.inference_mode():
            a = lib.ones(2)
        w = lib.ones(2, requires_grad=True)
        added = (a + w).requires_grad  # add saves nothing: allowed
        cloned = a.clone()
        (cloned * w).sum().backward()
        return added, cloned.is_inference(), arr(w.grad).tolist(), (a.exp() * w).requires_grad

    assert both(run) == ((True, False, [1.0, 1.0], True), (True, False, [1.0, 1.0], True))

    def saved(lib):
        with lib.inference_mode():
            a = lib.ones(2)
        return a * lib.ones(2, requires_grad=True)

    t_msg, g_msg = same_error(saved)
    assert t_msg == g_msg


def test_saved_tensors_are_released_after_backward():
    import weakref

    class Keep(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            tmp = x * 3  # an intermediate only backward needs
            ctx.save_for_backward(tmp)
            ctx.tmp_ref = weakref.ref(tmp)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (tmp,) = ctx.saved_tensors
            return g * 2 + 0 * tmp

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = Keep.apply(x)
    ref = y.grad_fn.tmp_ref
    assert ref() is not None
    y.sum().backward(retain_graph=True)
    assert ref() is not None  # retained for another backward
    y.sum().backward()
    assert ref() is None  # y (and its node) are alive; the saved tensor is gone
    assert x.grad.tolist() == [4.0, 4.0]


def test_keyword_arguments_of_apply_become_positional():
    def run(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k=2.0):
                ctx.k = k
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None

        x = make(lib, [1.0, 2.0], requires_grad=True)
        a = Scale.apply(x, k=3.0)
        b = Scale.apply(x)
        (a + b).sum().backward()
        return a.grad_fn.needs_input_grad, b.grad_fn.needs_input_grad, arr(x.grad).tolist()

    t, g = both(run)
    assert t == g == ((True, False), (True,), [5.0, 5.0])


def test_node_name_table_names_registered_ops():
    from tinygrad_edu.autograd.node_names import TORCH_NODE_NAMES, torch_node_name

    assert set(TORCH_NODE_NAMES) <= set(tg.ops.OPS), "a name for an op that does not exist"
    # an op without an entry gets PyTorch's usual rule: CamelCase + Backward0
    assert torch_node_name("index_select", {}, [], []) == "IndexSelectBackward0"
    assert torch_node_name("cumsum", {}, [], []) == "CumsumBackward0"


def test_type_with_a_legacy_class_converts():
    def run(lib):
        x = make(lib, [1.5, -2.5])
        return (str(x.type(lib.DoubleTensor).dtype).split(".")[-1],
                arr(x.type(lib.LongTensor)).tolist(), str(lib.LongTensor.dtype).split(".")[-1])

    t, g = both(run)
    assert t == g
    from tinygrad_edu.tensor.legacy import legacy_type_name

    assert legacy_type_name(tg.float32) == torch.zeros(1).type() == "torch.FloatTensor"
    assert legacy_type_name(tg.int64) == torch.zeros(1, dtype=torch.int64).type()


def test_detach_in_place_and_retains_grad():
    def run(lib):
        x = make(lib, [1.0, 2.0], requires_grad=True)
        h = x * 2
        before = (h.retains_grad, x.retains_grad)
        h.retain_grad()
        after = h.retains_grad
        z = x * 3
        z.detach_()
        return before, after, z.requires_grad, z.grad_fn, z.is_leaf, arr(z).tolist()

    t, g = both(run)
    assert t == g
