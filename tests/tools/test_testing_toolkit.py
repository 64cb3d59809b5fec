"""Tests of the public testing toolkit: gradient checks, strategies and torch parity helpers.

The toolkit must pass correct ops and fail wrong ones with a message that points at the bug, so
several tests register a deliberately wrong op (a backward missing a factor, a backward that
forgets to flip) and check that it is caught and named.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import tinygrad_edu as tg
import tinygrad_edu.testing as testing
from tinygrad_edu.autograd import OPS, OpDef, apply_op, register_op
from tinygrad_edu.testing import (
    GradcheckError,
    analytical_gradient,
    assert_close_to_torch,
    check_vjp,
    from_torch,
    gradcheck,
    numerical_gradient,
    to_torch,
)
from tinygrad_edu.testing import strategies as tst

FAST = settings(max_examples=25, deadline=None)


def rand(*shape: int, seed: int = 0) -> NDArray[np.float64]:
    return np.random.default_rng(seed).standard_normal(shape)


class _XCache(NamedTuple):
    x: NDArray[Any]


def _wrong_square_forward(x: NDArray[Any]) -> tuple[NDArray[Any], _XCache]:
    """out = x * x."""
    return x * x, _XCache(x)


def _wrong_square_backward(dout: NDArray[Any], cache: _XCache) -> tuple[NDArray[Any]]:
    """Wrong on purpose: the true gradient is 2 * x * dout."""
    return (dout * cache.x,)


class _NoCache(NamedTuple):
    pass


def _wrong_flip_forward(x: NDArray[Any]) -> tuple[NDArray[Any], _NoCache]:
    """out = x reversed along axis 0."""
    return x[::-1].copy(), _NoCache()


def _wrong_flip_backward(dout: NDArray[Any], cache: _NoCache) -> tuple[NDArray[Any]]:
    """Wrong on purpose: forgets to flip dout back. Invisible with an all-ones cotangent."""
    return (dout,)


def _downcast_forward(x: NDArray[Any]) -> tuple[NDArray[Any], _NoCache]:
    """out = float32(x): loses precision, which gradcheck must refuse to check."""
    return x.astype(np.float32), _NoCache()


def _downcast_backward(dout: NDArray[Any], cache: _NoCache) -> tuple[NDArray[Any]]:
    return (dout.astype(np.float64),)


@pytest.fixture
def temp_op() -> Iterator[Callable[[str, Any, Any], OpDef]]:
    """Register ops for one test and remove them from ``OPS`` afterwards."""
    names: list[str] = []

    def register(name: str, forward: Any, backward: Any) -> OpDef:
        names.append(name)
        return register_op(name, forward, backward)

    yield register
    for name in names:
        OPS.pop(name, None)


@pytest.fixture
def wrong_square(temp_op: Callable[[str, Any, Any], OpDef]) -> OpDef:
    return temp_op("_toolkit_test_wrong_square", _wrong_square_forward, _wrong_square_backward)


@pytest.fixture
def wrong_flip(temp_op: Callable[[str, Any, Any], OpDef]) -> OpDef:
    return temp_op("_toolkit_test_wrong_flip", _wrong_flip_forward, _wrong_flip_backward)


# ------------------------------------------------------------------ numerical / analytical


def test_numerical_gradient_matches_known_derivative() -> None:
    x = rand(3, 4)
    (grad,) = numerical_gradient(lambda x: (x * x * x).sum(), [x])
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-6, atol=1e-8)


def test_numerical_gradient_weights_outputs_by_cotangent() -> None:
    x, c = rand(2, 3), rand(2, 3, seed=1)
    (grad,) = numerical_gradient(lambda x: x * x, [x], cotangent=c)
    np.testing.assert_allclose(grad, 2 * x * c, rtol=1e-6, atol=1e-8)
    (ones,) = numerical_gradient(lambda x: x * x, [x])  # default cotangent: ones
    np.testing.assert_allclose(ones, 2 * x, rtol=1e-6, atol=1e-8)


def test_numerical_gradient_float64_copies_and_integer_inputs() -> None:
    x32 = rand(2, 3).astype(np.float32)
    before = x32.copy()
    m = np.array([[1, 2, 3], [0, -1, 2]], dtype=np.int64)
    grads = numerical_gradient(lambda x, m: x * m, [tg.from_numpy(x32), m])
    assert grads[1] is None
    assert grads[0] is not None
    assert grads[0].dtype == np.float64
    np.testing.assert_allclose(grads[0], m, rtol=1e-6)
    np.testing.assert_array_equal(x32, before)  # inputs are never perturbed in place


def test_analytical_gradient_zeros_for_unused_input_and_leaves_inputs_alone() -> None:
    x = tg.tensor(rand(3), requires_grad=True)
    y = rand(2)
    gx, gy = analytical_gradient(lambda x, y: x * x, [x, y])
    np.testing.assert_allclose(gx, 2 * x.detach().numpy())
    np.testing.assert_array_equal(gy, np.zeros(2))
    assert x.grad is None  # the check worked on copies


def test_analytical_gradient_uses_cotangent_and_checks_its_shape() -> None:
    x, c = rand(2, 3), rand(2, 3, seed=1)
    (grad,) = analytical_gradient(lambda x: x.tanh(), [x], cotangent=c)
    np.testing.assert_allclose(grad, (1 - np.tanh(x) ** 2) * c)
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\).*\(2, 3\)"):
        analytical_gradient(lambda x: x.tanh(), [x], cotangent=np.ones(3))


def test_single_array_instead_of_list_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"write \[x\] instead of x"):
        gradcheck(lambda x: x.sum(), rand(3))


# ------------------------------------------------------------------------------- gradcheck


def test_gradcheck_passes_correct_functions() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh(), [rand(3, 4), rand(3, 4, seed=1)])
    assert gradcheck(lambda x, w: x @ w, [rand(3, 4), rand(4, 2, seed=1)])
    assert gradcheck(lambda x, b: (x + b).sum(), [rand(3, 4), rand(4, seed=1)])
    assert gradcheck(lambda x: x.sum(), [tg.tensor(rand(2, 2), dtype=tg.float32)])


def test_gradcheck_names_the_wrong_input(wrong_square: OpDef) -> None:
    a, b = rand(2, 3), rand(2, 3, seed=1) + 3.0  # b away from 0 so the error is large

    def fn(a: Any, b: Any) -> Any:
        return a * apply_op(wrong_square, b)

    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, [a, b])
    err = info.value
    assert isinstance(err, AssertionError)
    assert err.input_index == 1
    assert [m.input_index for m in err.failures] == [1]
    failure = err.failures[0]
    assert failure.shape == (2, 3)
    assert failure.element is not None
    assert failure.analytical == pytest.approx(failure.numerical / 2, rel=1e-4)
    message = str(err)
    for part in ("'test_gradcheck_names_the_wrong_input.<locals>.fn'", "test_testing_toolkit.py",
                 "input 1 (shape (2, 3), float64)", f"worst element: index {failure.element}",
                 "analytical (backward)", "numerical (central difference)", "max abs error",
                 "cotangent: standard normal"):
        assert part in message, f"{part!r} missing from:\n{message}"
    assert "input 0" not in message


def test_gradcheck_can_return_false(wrong_square: OpDef) -> None:
    fn = lambda x: apply_op(wrong_square, x)  # noqa: E731
    assert gradcheck(fn, [rand(3) + 3.0], raise_exception=False) is False


def test_gradcheck_default_cotangent_catches_what_ones_miss(wrong_flip: OpDef) -> None:
    x = rand(4, 3)
    fn = lambda x: apply_op(wrong_flip, x)  # noqa: E731
    assert gradcheck(fn, [x], cotangent=np.ones((4, 3)))  # all-ones hides the missing flip
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(fn, [x])


def test_gradcheck_refuses_float32_output(temp_op: Callable[[str, Any, Any], OpDef]) -> None:
    op = temp_op("_toolkit_test_downcast", _downcast_forward, _downcast_backward)
    with pytest.raises(GradcheckError, match="float32 Tensor for float64 inputs"):
        gradcheck(lambda x: apply_op(op, x), [rand(3)])


def test_gradcheck_keeps_noncontiguous_inputs_noncontiguous() -> None:
    layouts = []

    def fn(x: Any) -> Any:
        layouts.append(x.detach().numpy().flags.c_contiguous)
        return (x * x).sum()

    view = rand(4, 6)[:, ::2]
    assert gradcheck(fn, [view])
    assert not any(layouts)


# ------------------------------------------------------------------------------- check_vjp


def test_check_vjp_passes_correct_large_function() -> None:
    x, w = rand(40, 60), rand(60, 30, seed=1)
    assert check_vjp(lambda x, w: (x @ w).tanh(), [x, w], n_directions=3)


def test_check_vjp_catches_wrong_backward(wrong_square: OpDef) -> None:
    x, y = rand(50, 40), rand(50, 40, seed=1)
    with pytest.raises(GradcheckError) as info:
        check_vjp(lambda x, y: x * apply_op(wrong_square, y), [x, y])
    assert info.value.input_index == 1
    message = str(info.value)
    assert "input 1 (shape (50, 40), float64)" in message
    assert "<J^T u, v> by backward" in message
    assert "<u, J v> by central difference" in message
    fn = lambda y: apply_op(wrong_square, y)  # noqa: E731
    assert check_vjp(fn, [y], raise_exception=False) is False


# ------------------------------------------------------------------------------ strategies


@FAST
@given(tst.shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
def test_shapes_stay_in_bounds(shape: tuple[int, ...]) -> None:
    assert 1 <= len(shape) <= 3
    assert all(2 <= side <= 4 for side in shape)


@FAST
@given(tst.arrays(dtype=np.float32, min_value=-0.5, max_value=2.0, noncontiguous=None))
def test_arrays_have_bounded_finite_values(array: NDArray[Any]) -> None:
    assert array.dtype == np.float32
    assert np.all(np.isfinite(array))
    assert np.all((array >= -0.5) & (array <= 2.0))
    tiny = np.finfo(np.float32).tiny
    assert not np.any((array != 0) & (np.abs(array) < tiny))  # no subnormals


@FAST
@given(tst.tensors(shape=tst.shapes(min_dims=1, max_side=4), noncontiguous=True,
                   requires_grad=True))
def test_noncontiguous_tensors_really_are(t: Any) -> None:
    array = t.detach().numpy()
    assert isinstance(t, tg.Tensor)
    assert t.requires_grad
    assert t.dtype == tg.float64
    assert np.all(np.abs(array) <= 3)
    if array.size >= 2:
        assert not array.flags.c_contiguous


def test_noncontiguous_none_draws_both_layouts() -> None:
    drawn = tst.arrays(shape=(3, 4), noncontiguous=None)
    assert not find(drawn, lambda a: not a.flags.c_contiguous).flags.c_contiguous
    assert find(drawn, lambda a: a.flags.c_contiguous).flags.c_contiguous


@FAST
@given(tst.tensors(shape=(3, 2), dtype=np.int64, min_value=0, max_value=9))
def test_integer_tensors(t: Any) -> None:
    assert t.dtype == tg.int64
    assert t.shape == (3, 2)
    assert np.all((t.numpy() >= 0) & (t.numpy() <= 9))


def test_requires_grad_needs_float_dtype() -> None:
    with pytest.raises(ValueError, match="floating dtype"):
        tst.tensors(dtype=np.int64, requires_grad=True)


@FAST
@given(tst.broadcastable_shapes(max_dims=3))
def test_broadcastable_shapes_broadcast(pair: tuple[tuple[int, ...], ...]) -> None:
    a, b = pair
    np.broadcast_shapes(a, b)  # raises if they do not broadcast
    assert (tg.zeros(a) + tg.zeros(b)).shape == np.broadcast_shapes(a, b)


@FAST
@given(st.data(), tst.shapes(min_dims=1, max_dims=4))
def test_valid_dims_are_valid(data: st.DataObject, shape: tuple[int, ...]) -> None:
    dim = data.draw(tst.valid_dims_for(shape))
    ndim = len(shape)
    if isinstance(dim, tuple):
        normalized = [d % ndim for d in dim]
        assert len(set(normalized)) == len(dim) >= 1
        assert all(-ndim <= d < ndim for d in dim)
    elif dim is not None:
        assert -ndim <= dim < ndim
    np.sum(np.zeros(shape), axis=dim)  # numpy accepts it
    only_int = data.draw(tst.valid_dims(ndim, allow_none=False, allow_tuple=False))
    assert isinstance(only_int, int)


def test_valid_dims_for_scalars() -> None:
    assert find(tst.valid_dims(0), lambda d: True) is None
    with pytest.raises(ValueError, match="0-d"):
        tst.valid_dims(0, allow_none=False)


@FAST
@given(tst.tensors(shape=tst.shapes(max_dims=3, max_side=3), noncontiguous=None))
def test_gradcheck_on_drawn_tensors(t: Any) -> None:
    assert gradcheck(lambda x: (x * x).tanh(), [t])


# --------------------------------------------------------------------------- torch parity


def test_assert_close_to_torch_passes_matching_functions() -> None:
    pytest.importorskip("torch")
    import torch

    x, y = rand(3, 4), rand(3, 4, seed=1)
    assert_close_to_torch(lambda x, y: (x * y).tanh(), None, x, y)
    assert_close_to_torch(lambda x: x.relu(), torch.relu, x)
    assert_close_to_torch(lambda x: (x * 2.0, x.tanh()), None, x)  # tuple output
    m = np.array([[1, 0, 2, 3]] * 3, dtype=np.int64)
    assert_close_to_torch(lambda x, m: x * m, None, x, m)  # integer input: no gradient
    assert_close_to_torch(lambda x: x.sum(), None, tg.tensor(x))


def test_assert_close_to_torch_reports_forward_mismatch() -> None:
    pytest.importorskip("torch")
    x = rand(3, 4)
    with pytest.raises(AssertionError, match="forward output 0") as info:
        assert_close_to_torch(lambda x: x * 2.0, lambda x: x * 2.0 + 1e-6, x)
    message = str(info.value)
    assert "worst element: index" in message
    assert "ours:" in message
    assert "torch:" in message
    assert "12 of 12 elements" in message


def test_assert_close_to_torch_reports_gradient_mismatch(wrong_square: OpDef) -> None:
    pytest.importorskip("torch")
    x, y = rand(3, 4), rand(3, 4, seed=1)
    with pytest.raises(AssertionError, match=r"gradient of input 1 \(shape \(3, 4\)\)") as info:
        assert_close_to_torch(lambda x, y: x * apply_op(wrong_square, y),
                              lambda x, y: x * y * y, x, y)
    assert "gradient of input 0" not in str(info.value)


def test_to_torch_and_back() -> None:
    pytest.importorskip("torch")
    import torch

    t = tg.tensor(rand(2, 3), requires_grad=True)
    tt = to_torch(t)
    assert tt.dtype == torch.float64
    assert tt.requires_grad
    back = from_torch(tt)
    assert back.dtype == tg.float64
    assert back.requires_grad
    np.testing.assert_array_equal(back.detach().numpy(), t.detach().numpy())
    assert to_torch(np.arange(3)).dtype == torch.int64


def test_missing_torch_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0"):
        assert_close_to_torch(lambda x: x, None, rand(2))


# ------------------------------------------------------------------------------- imports


def test_package_imports_without_hypothesis_or_torch() -> None:
    script = textwrap.dedent("""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("hypothesis", "torch"):
                    raise ImportError("blocked " + name)

        sys.meta_path.insert(0, Block())
        import tinygrad_edu.testing as testing
        assert "hypothesis" not in sys.modules and "torch" not in sys.modules
        try:
            testing.strategies
        except ImportError:
            pass
        else:
            raise SystemExit("strategies loaded without hypothesis")
    """)
    repo = Path(__file__).resolve().parents[2]  # so the child imports this checkout
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=repo, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_strategies_is_a_lazy_attribute() -> None:
    assert testing.strategies is tst
    with pytest.raises(AttributeError):
        testing.no_such_thing  # noqa: B018
