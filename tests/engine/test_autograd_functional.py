"""autograd.functional against torch: jacobian, hessian, vjp, jvp, hvp and vhp.

Every scenario runs the same code with ``torch`` and with ``tinygrad_edu`` as ``lib`` and
compares the results leaf by leaf: the nesting (Tensor, tuple, tuple of tuples), shapes,
dtypes, values (float64, tight tolerance) and whether each result requires grad. Errors are
compared by type and message. (First-order cases on a few fixed inputs are also in
tests/torch_api/test_autograd_surface.py.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

# torch's forward-mode Jacobian runs vmap, which warns about torch.jit.script on import
TORCH_VMAP_WARNING = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning")

X = np.array([0.7, -1.2, 0.4])
M = np.array([[0.3, -0.8], [1.1, 0.5], [-0.2, 0.9]])
B = np.array([0.5, -0.25])


def t64(lib: Any, a: Any, requires_grad: bool = False) -> Any:
    return lib.tensor(np.asarray(a, dtype=np.float64), dtype=lib.float64,
                      requires_grad=requires_grad)


def flatten(res: Any) -> list[Any]:
    """The nesting as a string, then every tensor leaf as (shape, dtype, values, flag)."""
    if isinstance(res, tuple | list):
        leaves = [f"{type(res).__name__}{len(res)}"]
        for r in res:
            leaves += flatten(r)
        return leaves
    if res is None:
        return ["None"]
    return [(tuple(res.shape), str(res.dtype).replace("torch.", ""),
             np.asarray(res.detach().numpy()), res.requires_grad)]


def same(scenario: Any, rtol: float = 1e-10) -> None:
    theirs, ours = flatten(scenario(torch)), flatten(scenario(tg))
    assert len(theirs) == len(ours), (theirs, ours)
    for a, b in zip(theirs, ours, strict=True):
        if isinstance(a, str):
            assert a == b
            continue
        assert (a[0], a[1], a[3]) == (b[0], b[1], b[3])
        np.testing.assert_allclose(b[2], a[2], rtol=rtol, atol=1e-12)


def same_error(scenario: Any) -> str:
    """Both libraries raise the same type with the same message; return the message."""
    caught = []
    for lib in (torch, tg):
        with pytest.raises(Exception) as info:  # noqa: PT011 - the type is compared below
            scenario(lib)
        caught.append((info.type, str(info.value)))
    assert caught[0] == caught[1]
    return caught[1][1]


# ----------------------------------------------------------------------------- functions

def scalar_fns(lib: Any) -> dict[str, Any]:
    """Scalar functions of one input (for hessian/hvp/vhp), built from ops with grads."""
    return {
        "tanh_exp": lambda a: (a.tanh() * a.exp()).sum(),
        "poly": lambda a: (a ** 3 - 2 * a * a).sum() / 3,
        "log_softmax": lambda a: a.log_softmax(0)[1],
        "sigmoid_sqrt": lambda a: (a.sigmoid() + (a * a + 1).sqrt()).sum(),
        "quadratic_form": lambda a: (a @ t64(lib, [[2.0, 1.0, 0.0], [1.0, 3.0, -1.0],
                                                   [0.0, -1.0, 1.0]]) @ a),
        "sin_cos_relu": lambda a: (a.sin() * a.cos() * a.relu()).sum(),
    }


def mlp_loss(lib: Any) -> Any:
    """A two-layer MLP's loss as a function of (W1, b1, W2) on fixed data."""
    data = t64(lib, np.linspace(-1, 1, 12).reshape(4, 3))
    target = t64(lib, [1.0, 0.0, 0.0, 1.0])

    def loss(w1, b1, w2):
        h = (data @ w1 + b1).tanh()
        p = (h @ w2).sigmoid()
        return ((p - target) ** 2).mean()

    return loss


def mlp_params(lib: Any) -> tuple[Any, ...]:
    return (t64(lib, M), t64(lib, B), t64(lib, [0.8, -0.6]))


@TORCH_VMAP_WARNING
@pytest.mark.parametrize("name", list(scalar_fns(tg)))
def test_hessian_hvp_vhp_of_scalar_functions(name: str) -> None:
    def scenario(lib):
        f = scalar_fns(lib)[name]
        af, x, v = lib.autograd.functional, t64(lib, X), t64(lib, [1.0, -0.5, 2.0])
        return (af.hessian(f, x), af.hvp(f, x, v), af.vhp(f, x, v),
                af.hessian(f, x, vectorize=True))

    same(scenario)


@TORCH_VMAP_WARNING
@pytest.mark.parametrize("name", [n for n in scalar_fns(tg) if n != "quadratic_form"])
def test_hessian_with_a_forward_mode_outer_jacobian(name: str) -> None:
    """The outer Jacobian column by column. (torch's vmap fails on the quadratic form's
    vector @ matrix @ vector; torch's result requires grad even for an input that does not,
    an artefact of its forward-mode implementation, so the values alone are compared.)"""
    def scenario(lib):
        f, x = scalar_fns(lib)[name], t64(lib, X)
        return lib.autograd.functional.hessian(f, x, outer_jacobian_strategy="forward-mode",
                                               vectorize=True).detach()

    same(scenario)


@pytest.mark.parametrize("name", list(scalar_fns(tg)))
def test_create_graph_results_are_differentiable(name: str) -> None:
    """create_graph=True: the results require grad and their own gradients match torch."""
    def scenario(lib):
        f = scalar_fns(lib)[name]
        af = lib.autograd.functional
        x = t64(lib, X, requires_grad=True)
        v = t64(lib, [1.0, -0.5, 2.0])
        out, hv = af.hvp(f, x, v, create_graph=True)
        _, vh = af.vhp(f, x, v, create_graph=True)
        h = af.hessian(f, x, create_graph=True)
        # a quadratic form's Hessian is constant: no graph in either library
        g_hv = lib.autograd.grad((hv * hv).sum(), x)[0] if hv.requires_grad else None
        g_h = lib.autograd.grad(h.sum(), x)[0] if h.requires_grad else None
        return out, hv, vh, h, g_hv, g_h

    same(scenario)


def test_hessian_of_a_tuple_of_inputs_mlp() -> None:
    def scenario(lib):
        af, loss, params = lib.autograd.functional, mlp_loss(lib), mlp_params(lib)
        v = (t64(lib, np.ones((3, 2))), t64(lib, [0.5, 1.0]), t64(lib, [-1.0, 2.0]))
        return (af.hessian(loss, params), af.hvp(loss, params, v), af.vhp(loss, params, v),
                af.jacobian(loss, params), af.vjp(loss, params))

    same(scenario)


def test_jacobian_structures_match_torch() -> None:
    """One or a tuple of inputs, one or a tuple of outputs: the same nesting as torch."""
    def scenario(lib):
        af = lib.autograd.functional
        a, b = t64(lib, M), t64(lib, B)
        return (af.jacobian(lambda x: (x @ x.T).sigmoid(), a),
                af.jacobian(lambda x, y: x @ y, (a, b)),
                af.jacobian(lambda x: (x.exp(), x.sum(0)), a),
                af.jacobian(lambda x, y: ((x @ y).tanh(), y * y), (a, b)),
                af.jacobian(lambda x, y: x.log_softmax(1), (a, b)),  # y unused: zeros
                af.jacobian(lambda x: x.sum(), (a,)),
                af.jacobian(lambda x: (x * 2,), a))

    same(scenario)


@TORCH_VMAP_WARNING
def test_jacobian_strategies_vectorize_and_create_graph() -> None:
    def scenario(lib):
        af = lib.autograd.functional
        a, b = t64(lib, M, requires_grad=True), t64(lib, B)

        def f(x, y):
            return (x @ y).tanh(), (x * x).sum(1)

        jac_graph = af.jacobian(f, (a, b), create_graph=True)
        (g,) = lib.autograd.grad(sum((j ** 2).sum() for row in jac_graph for j in row), a)
        return (af.jacobian(f, (a, b), vectorize=True),
                af.jacobian(f, (a, b), strategy="forward-mode", vectorize=True),
                jac_graph, g)

    same(scenario)


def test_vjp_and_jvp_match_torch() -> None:
    def scenario(lib):
        af = lib.autograd.functional
        a, b = t64(lib, M), t64(lib, B)

        def f(x, y):
            return (x @ y).sigmoid(), (x.exp() * 2).sum()

        va = (t64(lib, [1.0, -1.0, 0.5]), t64(lib, 2.0))
        vi = (t64(lib, np.ones((3, 2))), t64(lib, [0.5, -2.0]))
        return (af.vjp(f, (a, b), va), af.jvp(f, (a, b), vi),
                af.vjp(lambda x: x.tanh(), a, t64(lib, np.ones((3, 2)))),
                af.jvp(lambda x: x.tanh(), a, t64(lib, np.ones((3, 2)))),
                af.jvp(lambda x: (x * x, x.exp()), t64(lib, [0.3])),  # v=None: one element
                af.vjp(lambda x: x.sin().sum(), a))  # v=None: one output element

    same(scenario)


def test_vjp_jvp_with_create_graph_connect_to_the_callers_graph() -> None:
    """Inputs (and v) that require grad stay connected: torch's view instead of detach."""
    def scenario(lib):
        af = lib.autograd.functional
        a = t64(lib, M, requires_grad=True)
        v = t64(lib, [[1.0, 2.0], [0.5, -1.0], [0.0, 1.0]], requires_grad=True)
        out, vj = af.vjp(lambda x: x.tanh() * x, a, v, create_graph=True)
        out2, jv = af.jvp(lambda x: x.exp() * x, a, v, create_graph=True)
        ga, gv = lib.autograd.grad((vj * jv).sum() + out.sum() + out2.sum(), (a, v))
        plain = af.jvp(lambda x: x.exp() * x, a, v)  # create_graph=False: detached
        return out, vj, out2, jv, ga, gv, plain

    same(scenario)


def test_outputs_that_do_not_depend_on_the_inputs_give_zeros() -> None:
    def scenario(lib):
        af = lib.autograd.functional
        a, b = t64(lib, B), t64(lib, [3.0, 4.0])
        const = t64(lib, [1.0, 2.0])
        return (af.jacobian(lambda x: const * 2, a),
                af.vjp(lambda x, y: x * 2, (a, b), t64(lib, [1.0, 1.0])),
                af.jvp(lambda x, y: x * 2, (a, b), (t64(lib, [1.0, 1.0]),) * 2),
                af.hessian(lambda x, y: (x * 3).sum() + (y ** 2).sum(), (a, b)),
                af.hvp(lambda x, y: (x ** 3).sum(), (a, b), (a, b)),
                af.vhp(lambda x, y: (x ** 3).sum(), (a, b), (a, b)))

    same(scenario)


def test_integer_dtype_inputs_fail_like_torch() -> None:
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            lib.autograd.functional.jacobian(lambda x: x * 2, lib.tensor([1, 2]))


# ----------------------------------------------------------------------------- errors

STRICT_CASES = {
    "jacobian_unused_input": lambda af, a, b: af.jacobian(lambda x, y: x * 2, (a, b),
                                                          strict=True),
    "jacobian_constant_output": lambda af, a, b: af.jacobian(lambda x: a.detach() * 2, a,
                                                             strict=True),
    "jacobian_linear_create_graph": lambda af, a, b: af.jacobian(
        lambda x: x * 2, a, strict=True, create_graph=True),
    "vjp_unused_input": lambda af, a, b: af.vjp(lambda x, y: x * 2, (a, b), (a,),
                                                strict=True),
    "jvp_unused_input": lambda af, a, b: af.jvp(lambda x, y: x * 2, (a, b), (a, b),
                                                strict=True),
    "jvp_linear_create_graph": lambda af, a, b: af.jvp(lambda x: x * 2, a, a, strict=True,
                                                       create_graph=True),
    "hessian_linear": lambda af, a, b: af.hessian(lambda x: (x * 2).sum(), a, strict=True),
    "hessian_unused": lambda af, a, b: af.hessian(lambda x, y: (x ** 2).sum(), (a, b),
                                                  strict=True),
    "hvp_linear": lambda af, a, b: af.hvp(lambda x: (x * 2).sum(), a, a, strict=True),
    "hvp_unused": lambda af, a, b: af.hvp(lambda x, y: (x ** 2).sum(), (a, b), (a, b),
                                          strict=True),
    "hvp_quadratic_create_graph": lambda af, a, b: af.hvp(
        lambda x: (x * x).sum(), a, a, strict=True, create_graph=True),
    "vhp_linear": lambda af, a, b: af.vhp(lambda x: (x * 2).sum(), a, a, strict=True),
    "vhp_unused": lambda af, a, b: af.vhp(lambda x, y: (x ** 2).sum(), (a, b), (a, b),
                                          strict=True),
    "vhp_quadratic_create_graph": lambda af, a, b: af.vhp(
        lambda x: (x * x).sum(), a, a, strict=True, create_graph=True),
    "jacobian_strict_vectorize": lambda af, a, b: af.jacobian(lambda x: x.exp(), a,
                                                              strict=True, vectorize=True),
}


@pytest.mark.parametrize("case", list(STRICT_CASES))
def test_strict_mode_errors_match_torch(case: str) -> None:
    msg = same_error(lambda lib: STRICT_CASES[case](lib.autograd.functional, t64(lib, B),
                                                    t64(lib, [3.0, 4.0])))
    assert "strict" in msg


def test_strict_mode_passes_when_every_input_is_used() -> None:
    def scenario(lib):
        af, f = lib.autograd.functional, scalar_fns(lib)["tanh_exp"]
        x, v = t64(lib, X), t64(lib, [1.0, 0.0, -1.0])
        return (af.hessian(f, x, strict=True), af.hvp(f, x, v, strict=True),
                af.vhp(f, x, v, strict=True), af.jacobian(lambda a: a.exp(), x, strict=True),
                af.jvp(lambda a: a.exp(), x, v, strict=True))

    same(scenario)


BAD_CALLS = {
    "list_inputs": lambda af, a: af.jacobian(lambda x: x, [a]),
    "number_in_tuple": lambda af, a: af.vjp(lambda x, y: x, (a, 2.0)),
    "list_outputs": lambda af, a: af.jacobian(lambda x: [x], a),
    "vjp_v_none": lambda af, a: af.vjp(lambda x: x * 2, a),
    "jvp_v_none": lambda af, a: af.jvp(lambda x: x * 2, a),
    "hvp_v_none": lambda af, a: af.hvp(lambda x: x.sum(), a),
    "vhp_v_none": lambda af, a: af.vhp(lambda x: x.sum(), a),
    "vjp_v_shape": lambda af, a: af.vjp(lambda x: x * 2, a, a[:1]),
    "jvp_v_tuple_length": lambda af, a: af.jvp(lambda x, y: x * y, (a, a), (a,)),
    "jvp_v_two_for_one": lambda af, a: af.jvp(lambda x: x * 2, a, (a, a)),
    "hvp_v_entry_shape": lambda af, a: af.hvp(lambda x, y: (x * y).sum(), (a, a), (a, a[:1])),
    "hessian_vector_output": lambda af, a: af.hessian(lambda x: x * 2, a),
    "hessian_tuple_output": lambda af, a: af.hessian(lambda x: (x.sum(),), a),
    "hvp_vector_output": lambda af, a: af.hvp(lambda x: x * 2, a, a),
    "vhp_tuple_output": lambda af, a: af.vhp(lambda x: (x.sum(), x.sum()), a, a),
    "strategy": lambda af, a: af.jacobian(lambda x: x, a, strategy="sideways"),
    "outer_strategy": lambda af, a: af.hessian(lambda x: x.sum(), a,
                                               outer_jacobian_strategy="sideways"),
    "forward_create_graph": lambda af, a: af.jacobian(lambda x: x, a, create_graph=True,
                                                      strategy="forward-mode"),
    "forward_strict": lambda af, a: af.jacobian(lambda x: x, a, strict=True,
                                                strategy="forward-mode"),
    "forward_not_vectorized": lambda af, a: af.jacobian(lambda x: x, a,
                                                        strategy="forward-mode"),
    "empty_output": lambda af, a: af.jacobian(lambda x: x[:0], a),
}


@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_bad_calls_raise_torchs_errors(case: str) -> None:
    same_error(lambda lib: BAD_CALLS[case](lib.autograd.functional, t64(lib, B)))


def test_the_callers_tensors_are_left_alone() -> None:
    """The functions differentiate fresh copies: no .grad, no requires_grad change."""
    x = tg.tensor([1.0, 2.0])
    w = tg.tensor([0.5, -0.5], requires_grad=True)
    tg.autograd.functional.hessian(lambda a, b: (a * a * b).sum(), (x, w))
    tg.autograd.functional.hvp(lambda a, b: (a * a * b).sum(), (x, w), (x, w))
    assert not x.requires_grad
    assert x.grad is None
    assert w.grad is None


def test_the_functions_work_inside_no_grad() -> None:
    """They switch grad mode on for the function itself (create_graph keeps it on)."""
    def scenario(lib):
        af, x = lib.autograd.functional, t64(lib, X)
        f = scalar_fns(lib)["tanh_exp"]
        with lib.no_grad():
            return (af.jacobian(lambda a: a.exp(), x), af.hessian(f, x), af.hvp(f, x, x),
                    af.vhp(f, x, x, create_graph=True), af.jvp(lambda a: a.sin(), x, x),
                    af.vjp(lambda a: a.sin(), x, x))

    same(scenario)


def test_hvp_and_jvp_through_a_function_and_a_recurrent_layer_match_torch() -> None:
    """hvp's and jvp's double-backward trick without create_graph builds the gradient's graph
    through the seed only (``higher.seeds_only``): through an autograd.Function's own
    backward (which reads its saved tensors) and through the LSTM's sequence backward (which
    reads the op's output again) the products still equal torch's."""
    def scenario(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * x * x * g

        lib.manual_seed(0)
        lstm = lib.nn.LSTM(2, 3, dtype=lib.float64)
        with lib.no_grad():
            for k, p in enumerate(lstm.parameters()):
                p.copy_(t64(lib, np.linspace(-0.6, 0.7, p.numel()).reshape(p.shape) / (k + 1)))
        x0 = t64(lib, np.linspace(-1, 1, 12).reshape(2, 3, 2))

        def f(x):
            return (Cube.apply(lstm(x)[0]).sin() * lstm(x * x)[0]).sum()

        def g(x):
            return Cube.apply(lstm(x)[0]).tanh()

        af, v = lib.autograd.functional, t64(lib, np.cos(np.arange(12.0)).reshape(2, 3, 2))
        return af.hvp(f, x0, v), af.jvp(g, x0, v), af.hvp(f, x0, v, create_graph=True)

    same(scenario, rtol=1e-9)
