"""Third and fourth derivatives of the elementwise math ops, and their second order at kinks.

The catalog's second-order column (``test_second_order.py``) checks Hessian-vector products
of every row. Here, beyond it:

- d3/dx3 (and d4/dx4 for a few) of the activations and special functions against PyTorch,
  by nesting ``autograd.grad(..., create_graph=True)``; mixed third derivatives of the
  two-input ops;
- the ops whose gradient is a constant (rounding, clamp, maximum, ...): differentiating their
  gradient again raises PyTorch's error when nothing in it requires grad;
- kinks and singular points, where the second derivative follows PyTorch's convention.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _derivatives(lib: Any, fn: Callable[..., Any], arrays: list[np.ndarray], order: int,
                 wrt: list[int] | None = None) -> list[np.ndarray]:
    """[d^k sum(f)/dx_{w1}...dx_{wk} for k = 1..order], each summed to a vector by .sum().

    ``wrt`` lists, per order, which input to differentiate (default: input 0 every time);
    each step differentiates the sum of the previous derivative.
    """
    wrt = wrt or [0] * order
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    y = fn(lib, *xs).sum()
    found = []
    for k, i in enumerate(wrt):
        (g,) = lib.autograd.grad(y, [xs[i]], create_graph=k < order - 1)
        found.append(g.detach().numpy())
        y = g.sum()
    return found


def _both(fn: Callable[..., Any], arrays: list[np.ndarray], order: int,
          wrt: list[int] | None = None, rtol: float = 1e-9, atol: float = 1e-10) -> None:
    """Our derivatives equal PyTorch's; where PyTorch raises (a derivative that is a constant,
    or does not depend on the variable), ours raises the same error."""
    try:
        theirs = _derivatives(torch, fn, arrays, order, wrt)
    except RuntimeError as error:
        phrase = next(p for p in ("does not require grad", "not have been used")
                      if p in str(error))
        with pytest.raises(RuntimeError, match=phrase):
            _derivatives(tg, fn, arrays, order, wrt)
        return
    ours = _derivatives(tg, fn, arrays, order, wrt)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                   err_msg=f"derivative of order {k + 1} vs torch")


def _functional(lib: Any) -> Any:
    return TF if lib is torch else F


RNG = np.random.default_rng(17)
X = RNG.standard_normal(7) * 1.5
UNIT = RNG.uniform(-0.9, 0.9, 7)
POS = RNG.uniform(0.2, 3.0, 7)
PROB = RNG.uniform(0.05, 0.95, 7)

UNARY = {
    "tanh": (lambda L, x: x.tanh(), X),
    "sigmoid": (lambda L, x: x.sigmoid(), X),
    "erf": (lambda L, x: x.erf(), X),
    "erfc": (lambda L, x: x.erfc(), X),
    "erfinv": (lambda L, x: x.erfinv(), UNIT),
    "gelu": (lambda L, x: _functional(L).gelu(x), X),
    "gelu_tanh": (lambda L, x: _functional(L).gelu(x, approximate="tanh"), X),
    "elu": (lambda L, x: _functional(L).elu(x, alpha=0.7), X),
    "softplus": (lambda L, x: _functional(L).softplus(x, beta=2.0, threshold=3.0), X),
    "tan": (lambda L, x: x.tan(), UNIT),
    "asin": (lambda L, x: x.asin(), UNIT),
    "acos": (lambda L, x: x.acos(), UNIT),
    "atan": (lambda L, x: x.atan(), X),
    "sinh": (lambda L, x: x.sinh(), X),
    "cosh": (lambda L, x: x.cosh(), X),
    "asinh": (lambda L, x: x.asinh(), X),
    "acosh": (lambda L, x: x.acosh(), POS + 1),
    "atanh": (lambda L, x: x.atanh(), UNIT),
    "log1p": (lambda L, x: x.log1p(), POS),
    "expm1": (lambda L, x: x.expm1(), X),
    "log2": (lambda L, x: x.log2(), POS),
    "log10": (lambda L, x: x.log10(), POS),
    "exp2": (lambda L, x: x.exp2(), X),
    "reciprocal": (lambda L, x: x.reciprocal(), POS),
    "rsqrt": (lambda L, x: x.rsqrt(), POS),
    "logit": (lambda L, x: x.logit(), PROB),
    "logit_eps": (lambda L, x: x.logit(eps=0.2), PROB),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_third_derivative_matches_torch(name: str) -> None:
    """d/dx, d2/dx2 and d3/dx3 of sum(f(x)) equal PyTorch's (float64)."""
    fn, x = UNARY[name]
    _both(fn, [x], order=3, rtol=1e-8)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "erf", "gelu", "gelu_tanh", "erfinv"])
def test_fourth_derivative_matches_torch(name: str) -> None:
    fn, x = UNARY[name]
    _both(fn, [x], order=4, rtol=1e-7)


BINARY = {
    "atan2": (lambda L, x, y: x.atan2(y), X, POS),
    "hypot": (lambda L, x, y: x.hypot(y), X, POS),
    "xlogy": (lambda L, x, y: x.xlogy(y), X, POS),
    "xlogy_cubed": (lambda L, x, y: x.xlogy(y) ** 3, X, POS),
    "lerp": (lambda L, x, y, w: x.lerp(y, w), X, POS, UNIT),
    "lerp_cubed": (lambda L, x, y, w: x.lerp(y, w) ** 3, X, POS, UNIT),
    "remainder": (lambda L, x, y: (x * x).remainder(y * y) ** 2, X, POS),
    "fmod": (lambda L, x, y: (x * x).fmod(y * y) ** 2, X, POS),
    "maximum": (lambda L, x, y: (x * y).maximum(y) ** 3, X, POS - 1),
    "fmin": (lambda L, x, y: (x * y).fmin(x + y).sin(), X, POS - 1),
    "copysign": (lambda L, x, y: x.copysign(y).exp(), X, X[::-1].copy()),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("wrt", [[0, 1, 0], [1, 1, 0], [1, 0, 1]], ids=["xyx", "yyx", "yxy"])
def test_mixed_third_derivative_matches_torch(name: str, wrt: list[int]) -> None:
    """Mixed third derivatives of the two- (and three-) input ops equal PyTorch's (or raise
    its error, where a derivative is constant or unused: lerp is linear in each input)."""
    fn, *arrays = BINARY[name]
    _both(fn, list(arrays), order=3, wrt=wrt, rtol=1e-8)


def test_lerp_weight_third_derivative() -> None:
    fn, *arrays = BINARY["lerp_cubed"]
    _both(fn, list(arrays), order=3, wrt=[2, 0, 1])
    _both(fn, list(arrays), order=3, wrt=[2, 2, 2])


# ----------------------------------------------------------------------------- constant gradients

CONSTANT = {
    "floor": (lambda L, x: x.floor(), 1),
    "ceil": (lambda L, x: x.ceil(), 1),
    "round": (lambda L, x: x.round(), 1),
    "round_decimals": (lambda L, x: x.round(decimals=1), 1),
    "trunc": (lambda L, x: x.trunc(), 1),
    "sign": (lambda L, x: x.sign(), 1),
    "frac": (lambda L, x: x.frac(), 1),
    "clamp": (lambda L, x: x.clamp(-1, 1), 1),
    "div_floor": (lambda L, x, y: x.div(y, rounding_mode="floor"), 2),
    "div_trunc": (lambda L, x, y: x.div(y, rounding_mode="trunc"), 2),
    "maximum": (lambda L, x, y: x.maximum(y), 2),
    "fmax": (lambda L, x, y: x.fmax(y), 2),
    "lerp": (lambda L, x, y: x.lerp(y, 0.3), 2),
    "remainder_x": (lambda L, x, y: x.remainder(y), 2),
}


def _second_attempt(lib: Any, fn: Callable[..., Any], n: int) -> tuple[list[bool], str]:
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in (X, POS)[:n]]
    grads = lib.autograd.grad(fn(lib, *xs).sum(), xs, create_graph=True)
    try:
        lib.autograd.grad(grads[0].sum(), xs)
    except RuntimeError as error:
        return [g.requires_grad for g in grads], str(error)
    return [g.requires_grad for g in grads], ""


@pytest.mark.parametrize("name", sorted(CONSTANT))
def test_constant_gradient_cannot_be_differentiated_again(name: str) -> None:
    """A gradient that is a constant (nothing in it requires grad) gives PyTorch's error when
    differentiated again, not a silent zero."""
    fn, n = CONSTANT[name]
    ours, theirs = _second_attempt(tg, fn, n), _second_attempt(torch, fn, n)
    assert ours[0] == theirs[0]
    assert "does not require grad" in theirs[1]
    assert "does not require grad" in ours[1]


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_divisor_gradient_is_recorded(name: str) -> None:
    """d(x % y)/dy = -q with q the rounded quotient, recorded as in PyTorch: its own
    derivatives are zeros (not an error), and d/dy of dy is zero too."""
    for wrt in ([1, 0], [1, 1]):
        _both(lambda L, x, y: getattr(x, name)(y), [X * 3, POS], order=2, wrt=wrt)


def test_copysign_gradient_is_recorded() -> None:
    """copysign's gradient for x reads the output, as PyTorch's: differentiable (to zero)."""
    _both(lambda L, x, y: x.copysign(y), [X, X[::-1].copy()], order=2)


# ----------------------------------------------------------------------------- kinks


def _hessian_parts(lib: Any, fn: Callable[..., Any], arrays: list[np.ndarray]
                   ) -> list[np.ndarray]:
    """With g = d<f, c>/dx0: [d(sum g)/dx_i for each input] + [d(sum g)/dc] (zeros if unused)."""
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    c = lib.tensor(np.ones(tuple(out.shape)), requires_grad=True)
    (g,) = lib.autograd.grad(out, [xs[0]], grad_outputs=c, create_graph=True)
    parts = lib.autograd.grad(g.sum(), [*xs, c], allow_unused=True)
    return [np.zeros(tuple(t.shape)) if p is None else p.detach().numpy()
            for p, t in zip(parts, [*xs, c], strict=True)]


KINKS = {
    # elu: first derivative alpha at x == 0 (x <= 0 branch), second derivative 0 there
    "elu_zero": (lambda L, x: _functional(L).elu(x, alpha=0.5), [[0.0, -1.0, 2.0, 800.0, -800.0]]),
    # softplus: beta x == threshold takes the sigmoid branch, second derivative 0 there
    "softplus_threshold": (lambda L, x: _functional(L).softplus(x, beta=2.0, threshold=1.5),
                           [[0.75, 0.7, 0.8, 100.0, -100.0]]),
    "leaky_relu_zero": (lambda L, x: _functional(L).leaky_relu(x, 0.2), [[0.0, 1.0, -1.0]]),
    "clamp_bounds": (lambda L, x: x.clamp(-1, 1), [[-1.0, 1.0, 0.0, 2.0]]),
    "maximum_tie": (lambda L, x, y: x.maximum(y), [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    "minimum_tie": (lambda L, x, y: x.minimum(y), [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    "fmax_nan": (lambda L, x, y: x.fmax(y), [[1.0, 2.0, np.nan], [1.0, np.nan, 4.0]]),
    "fmin_nan": (lambda L, x, y: x.fmin(y), [[1.0, 2.0, np.nan], [1.0, np.nan, 4.0]]),
    "gelu_far": (lambda L, x: _functional(L).gelu(x), [[50.0, -50.0, 0.0]]),
    "xlogy_zero_x": (lambda L, x, y: x.xlogy(y), [[0.0, 0.0, 1.0], [2.0, 0.5, 3.0]]),
    "xlogy_y": (lambda L, y, x: x.xlogy(y), [[0.5, 2.0, 3.0], [0.0, 0.0, 1.0]]),
}


@pytest.mark.parametrize("name", sorted(KINKS))
def test_second_order_at_kinks_matches_torch(name: str) -> None:
    fn, arrays = KINKS[name]
    arrays = [np.array(a) for a in arrays]
    ours, theirs = _hessian_parts(tg, fn, arrays), _hessian_parts(torch, fn, arrays)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


SINGULAR = {
    # where the first-order gradient is pinned to 0 (clamped logit, x == 0 of copysign, the
    # origin of atan2, x == y == 0 of xlogy), PyTorch's second derivative is 0 * inf = nan;
    # ours is the derivative of the pinned value: 0
    "logit_clamped": (lambda L, x: x.logit(eps=0.2), [[0.0, 1.0, 0.1, 0.5]]),
    "copysign_zero": (lambda L, x, y: x.copysign(y), [[0.0, -0.0, 2.0], [1.0, -1.0, -1.0]]),
    "atan2_origin": (lambda L, x, y: x.atan2(y), [[0.0, 1.0], [0.0, 2.0]]),
    "xlogy_origin": (lambda L, x, y: x.xlogy(y), [[0.0, 1.0], [0.0, 3.0]]),
}


@pytest.mark.parametrize("name", sorted(SINGULAR))
def test_second_order_at_pinned_points_is_zero(name: str) -> None:
    """Equal to PyTorch where PyTorch is finite; 0 (not nan) where PyTorch gives nan."""
    fn, arrays = SINGULAR[name]
    arrays = [np.array(a) for a in arrays]
    ours, theirs = _hessian_parts(tg, fn, arrays), _hessian_parts(torch, fn, arrays)
    assert any(np.isnan(b).any() for b in theirs), "PyTorch no longer gives nan here"
    for a, b in zip(ours, theirs, strict=True):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, np.where(np.isnan(b), 0.0, b), rtol=1e-12, atol=0)


def test_float32_third_derivative_of_gelu() -> None:
    """Derivatives keep float32 and agree with PyTorch's float32 within its precision."""
    x = X.astype(np.float32)
    fn = UNARY["gelu"][0]
    ours = _derivatives(tg, fn, [x], order=3)
    theirs = _derivatives(torch, fn, [x], order=3)
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
