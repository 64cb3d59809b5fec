"""Issue 15 part A: the elementwise, comparison and logical names of torch, compared with torch.

Each name is called as a Tensor method and as a ``tg.*`` function on the same inputs as in
torch, over float32, float64, int64 and bool tensors holding the awkward values (nan, +-inf,
-0.0, halves, zeros); results must agree in dtype, shape and value, and where torch raises we
must raise too. Differentiable names compare ``.grad`` with torch's; in-place ``_`` variants
compare values, version counters and the errors torch gives.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

ERRORS = (RuntimeError, TypeError, NotImplementedError, ValueError)

FLOATS = [-2.5, -1.0, -0.7, -0.5, -0.0, 0.0, 0.3, 0.5, 0.99, 1.0, 1.5, 2.5, 3.7, math.inf,
          -math.inf, math.nan]
INTS = [-7, -3, -1, 0, 1, 2, 5, 9]
BOOLS = [True, False, True]

INPUTS = {
    "float32": lambda: np.array(FLOATS, dtype=np.float32),
    "float64": lambda: np.array(FLOATS, dtype=np.float64),
    "int64": lambda: np.array(INTS, dtype=np.int64),
    "bool": lambda: np.array(BOOLS),
}


def _pair(array: np.ndarray) -> tuple[Any, Any]:
    return tg.tensor(array.copy()), torch.tensor(array.copy())


def _np(t: Any) -> Any:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, tg.Tensor):
        return t.detach().numpy()
    return t


def assert_same(ours: Any, theirs: Any, rtol: float = 2e-6, atol: float = 1e-12,
                zero_signs: bool = True) -> None:
    """Same type of result; for tensors the same dtype, shape and values (nan == nan), and
    with ``zero_signs`` the same sign on every zero (-0.0 vs 0.0)."""
    if isinstance(theirs, bool):
        assert ours is theirs or (isinstance(ours, bool) and ours == theirs), (ours, theirs)
        return
    assert isinstance(ours, tg.Tensor), type(ours)
    want = _np(theirs)
    got = _np(ours)
    assert got.dtype == want.dtype, f"dtype {got.dtype}, torch {want.dtype}"
    assert got.shape == want.shape, f"shape {got.shape}, torch {want.shape}"
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        # signs of zeros and infinities too
        zero = want == 0
        if zero_signs:
            assert (np.signbit(got[zero]) == np.signbit(want[zero])).all(), "signs of zeros"
    else:
        np.testing.assert_array_equal(got, want)


# Known differences from torch, outside this part's new names (the existing ops keep them):
# maximum/minimum (and relu) pick either zero on a -0.0/0.0 tie, and take a number as
# ``other`` where torch wants a tensor; ``int ** int`` with a negative exponent is an error
# here even where torch truncates (``2 ** tensor([-1])`` is 0 in torch); numpy warns about
# inf * 0 in ``mul`` (the value is nan, as in torch).
LENIENT = {"maximum", "minimum"}
ZERO_SIGN_FREE = {"maximum", "minimum", "relu_"}


def both(fn_ours: Any, fn_torch: Any, name: str = "", **tol: Any) -> None:
    """Run both; if torch raises, ours must raise too; else the results must match."""
    try:
        want = fn_torch()
    except ERRORS:
        if name in LENIENT:
            return
        with pytest.raises(ERRORS):
            fn_ours()
        return
    assert_same(fn_ours(), want, zero_signs=name not in ZERO_SIGN_FREE, **tol)


# ----------------------------------------------------------------------------- unary names

UNARY = """floor ceil round trunc fix frac sign sgn rsqrt reciprocal log1p expm1 log2 log10 exp2
square tan asin arcsin acos arccos atan arctan sinh cosh asinh arcsinh acosh arccosh atanh arctanh
erf erfc erfinv logit sigmoid nan_to_num isnan isinf isposinf isneginf isfinite isreal signbit
logical_not neg negative abs absolute positive bitwise_not exp log sqrt sin cos tanh""".split()

# ours is more lenient than torch here (documented): none
NO_FUNCTION = {"positive"}  # torch.positive exists; ours too, checked separately


@pytest.mark.parametrize("dtype", list(INPUTS))
@pytest.mark.parametrize("name", UNARY)
def test_unary_method_and_function(name: str, dtype: str) -> None:
    ours, theirs = _pair(INPUTS[dtype]())
    both(lambda: getattr(ours, name)(), lambda: getattr(theirs, name)())
    both(lambda: getattr(tg, name)(ours), lambda: getattr(torch, name)(theirs))


def test_unary_on_zero_d_and_empty() -> None:
    for name in ("floor", "erfinv", "tan", "isnan", "round", "sign", "logit", "expm1"):
        for array in (np.array(0.25), np.zeros((0, 3))):
            ours, theirs = _pair(array)
            assert_same(getattr(ours, name)(), getattr(theirs, name)())


def test_round_decimals() -> None:
    x = np.array([1.23456, -7.891, 0.005, 0.015, 1234.5678, -2.5, 2.5, 3.5, math.nan], np.float64)
    for decimals in (0, 1, 2, 3, -1, -2):
        for dt in (np.float32, np.float64):
            ours, theirs = _pair(x.astype(dt))
            assert_same(ours.round(decimals=decimals), theirs.round(decimals=decimals))
            assert_same(tg.round(ours, decimals=decimals), torch.round(theirs, decimals=decimals))
    both(lambda: tg.tensor([1, 2]).round(decimals=1),
         lambda: torch.tensor([1, 2]).round(decimals=1))


def test_logit_eps_and_nan_to_num_arguments() -> None:
    x = np.array([-0.5, 0.0, 0.05, 0.3, 0.5, 0.97, 1.0, 1.5, math.nan])
    ours, theirs = _pair(x)
    for eps in (None, 0.0, 0.1, 0.25):
        assert_same(ours.logit(eps), theirs.logit(eps))
        assert_same(tg.special.logit(ours, eps=eps), torch.special.logit(theirs, eps=eps))
    y = np.array([math.nan, math.inf, -math.inf, 1.0, -0.0], np.float32)
    ours, theirs = _pair(y)
    for kwargs in ({}, {"nan": 2.0}, {"posinf": 9.0}, {"neginf": -9.0},
                   {"nan": -1.0, "posinf": 1e3, "neginf": -1e3}):
        assert_same(ours.nan_to_num(**kwargs), theirs.nan_to_num(**kwargs))
        assert_same(tg.nan_to_num(ours, **kwargs), torch.nan_to_num(theirs, **kwargs))


# ----------------------------------------------------------------------------- binary names

BINARY = """atan2 arctan2 hypot xlogy copysign fmax fmin floor_divide remainder fmod maximum minimum
pow add sub mul div true_divide multiply subtract divide eq ne lt le gt ge greater greater_equal
less less_equal not_equal logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor
bitwise_left_shift bitwise_right_shift isclose""".split()

X = {"float32": np.array([-2.5, -0.0, 0.0, 0.5, 1.5, 3.7, math.inf, math.nan], np.float32),
     "float64": np.array([-2.5, -0.0, 0.0, 0.5, 1.5, 3.7, -math.inf, 7.0], np.float64),
     "int64": np.array([-7, -3, 0, 1, 2, 5, 9, 4], np.int64),
     "bool": np.array([True, False, True, True, False, False, True, False])}
# divisors: no integer zero (torch raises there: tested on its own)
Y = {"float32": np.array([[1.5], [-2.0], [0.0]], np.float32),
     "float64": np.array([[2.0], [-0.5], [math.nan]], np.float64),
     "int64": np.array([[3], [-2], [1]], np.int64),
     "bool": np.array([[True], [True], [True]])}
PAIRS = [("float32", "float32"), ("float32", "float64"), ("float64", "float32"),
         ("int64", "int64"), ("int64", "float32"), ("float32", "int64"), ("bool", "bool"),
         ("int64", "bool"), ("bool", "int64"), ("float64", "float64")]
SCALARS = [2, -3, 2.5, True]


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("name", BINARY)
def test_binary_tensor_tensor(name: str, pair: tuple[str, str]) -> None:
    (a, ta), (b, tb) = _pair(X[pair[0]]), _pair(Y[pair[1]])
    if name == "pow" and pair[0] in ("int64", "bool") and pair[1] in ("int64", "bool"):
        b, tb = _pair(np.abs(Y[pair[1]]))  # ints to negative powers: see LENIENT
    if name in ("mul", "multiply"):
        with np.errstate(invalid="ignore"):  # inf * 0: see LENIENT
            both(lambda: getattr(a, name)(b), lambda: getattr(ta, name)(tb), name)
        return
    both(lambda: getattr(a, name)(b), lambda: getattr(ta, name)(tb), name)
    both(lambda: getattr(tg, name)(a, b), lambda: getattr(torch, name)(ta, tb), name)


@pytest.mark.parametrize("scalar", SCALARS, ids=[repr(s) for s in SCALARS])
@pytest.mark.parametrize("dtype", list(X))
@pytest.mark.parametrize("name", [n for n in BINARY if not n.startswith("logical")
                                  and n != "isclose"])
def test_binary_tensor_scalar(name: str, dtype: str, scalar: Any) -> None:
    a, ta = _pair(X[dtype])
    both(lambda: getattr(a, name)(scalar), lambda: getattr(ta, name)(scalar), name)


def test_logical_and_isclose_need_tensors() -> None:
    a, ta = _pair(X["float32"])
    for name in ("logical_and", "logical_or", "logical_xor", "isclose", "equal"):
        both(lambda: getattr(a, name)(1), lambda: getattr(ta, name)(1))  # noqa: B023


OPERATORS = {
    "//": lambda a, b: a // b, "%": lambda a, b: a % b, "<<": lambda a, b: a << b,
    ">>": lambda a, b: a >> b, "&": lambda a, b: a & b, "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b, "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("op", list(OPERATORS))
def test_operators(op: str, pair: tuple[str, str]) -> None:
    fn = OPERATORS[op]
    (a, ta), (b, tb) = _pair(X[pair[0]]), _pair(Y[pair[1]])
    if op == "**":
        (b, tb) = _pair(np.abs(Y[pair[1]]))
    both(lambda: fn(a, b), lambda: fn(ta, tb))
    for scalar in SCALARS:
        both(lambda: fn(a, scalar), lambda: fn(ta, scalar))  # noqa: B023
        if op == "**" and pair[0] == "int64":
            continue  # number ** negative ints: see LENIENT
        both(lambda: fn(scalar, a), lambda: fn(scalar, ta))  # noqa: B023


def test_floor_divide_and_remainder_python_semantics() -> None:
    """// rounds toward minus infinity and % takes the divisor's sign, like Python; fmod and
    div(rounding_mode='trunc') are C's (toward zero, the dividend's sign)."""
    xs = [7, -7, 6, -6, 0, 13, -13]
    ys = [2, -2, 4, -4, 3, -5]
    for x in xs:
        for y in ys:
            t = tg.tensor([x])
            assert (t // y).item() == x // y
            assert (t % y).item() == x % y
            assert t.fmod(y).item() == math.fmod(x, y)
            assert t.div(y, rounding_mode="trunc").item() == int(x / y)
            assert (tg.tensor([float(x)]) // float(y)).item() == float(x) // float(y)
            assert (tg.tensor([float(x)]) % float(y)).item() == float(x) % float(y)
    # the classic float case: 1 // 0.1 is 9 (0.1 is a little more than a tenth)
    assert (tg.tensor([1.0], dtype=tg.float64) // 0.1).item() == 9.0
    assert (tg.tensor([1.0], dtype=tg.float64) % 0.1).item() == pytest.approx(1.0 % 0.1)


def test_integer_division_by_zero_raises() -> None:
    i, ti = _pair(np.array([5, -3, 0, 7]))
    zero = np.array([0, 1, 1, 1])
    for fn in (lambda a, z: a // z, lambda a, z: a % z, lambda a, z: a.fmod(z),
               lambda a, z: a.div(z, rounding_mode="trunc"),
               lambda a, z: a.div(z, rounding_mode="floor"), lambda a, z: 2 // a):
        with pytest.raises(RuntimeError):
            fn(ti, torch.tensor(zero))
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(i, tg.tensor(zero))
    f, tf = _pair(np.array([5.5, -3.5, 0.0, -0.0], np.float32))
    assert_same(f // 0, tf // 0)
    assert_same(f % 0, tf % 0)
    assert_same(f.fmod(0.0), tf.fmod(0.0))


def test_div_rounding_modes_and_aliases() -> None:
    for xd, yd in (("float32", "float32"), ("int64", "int64"), ("int64", "float64"),
                   ("float64", "int64")):
        (a, ta), (b, tb) = _pair(X[xd]), _pair(Y[yd])
        for mode in (None, "floor", "trunc"):
            assert_same(a.div(b, rounding_mode=mode), ta.div(tb, rounding_mode=mode))
            assert_same(tg.div(a, b, rounding_mode=mode), torch.div(ta, tb, rounding_mode=mode))
            assert_same(a.divide(b, rounding_mode=mode), ta.divide(tb, rounding_mode=mode))
        assert_same(a.true_divide(b), ta.true_divide(tb))
    with pytest.raises(ValueError, match="rounding_mode"):
        tg.tensor([1.0]).div(2, rounding_mode="round")


def test_add_sub_alpha() -> None:
    for xd, yd in (("float32", "float32"), ("int64", "int64"), ("int64", "float32")):
        (a, ta), (b, tb) = _pair(X[xd]), _pair(Y[yd])
        for alpha in (1, 2, -3, 0.5):
            for name in ("add", "sub", "subtract"):
                both(lambda: getattr(a, name)(b, alpha=alpha),  # noqa: B023
                     lambda: getattr(ta, name)(tb, alpha=alpha))  # noqa: B023
                both(lambda: getattr(tg, name)(a, b, alpha=alpha),  # noqa: B023
                     lambda: getattr(torch, name)(ta, tb, alpha=alpha))  # noqa: B023
    both(lambda: tg.tensor([1, 2]).add(2, alpha=2.5),
         lambda: torch.tensor([1, 2]).add(2, alpha=2.5))


# ----------------------------------------------------------------------------- three inputs, clamps


def test_lerp_addcmul_addcdiv_values() -> None:
    rng = np.random.default_rng(0)
    s, e, w = rng.standard_normal((3, 4)), rng.standard_normal((4,)), rng.uniform(-1, 2, (3, 1))
    for dt in (np.float32, np.float64):
        (a, ta), (b, tb), (c, tc) = _pair(s.astype(dt)), _pair(e.astype(dt)), _pair(w.astype(dt))
        tol = {"atol": 1e-6 if dt == np.float32 else 1e-14}  # float32 cancellation near 0
        assert_same(a.lerp(b, c), ta.lerp(tb, tc), **tol)
        for weight in (0.0, 0.3, 0.5, 0.8, 1.0, 2.0):
            assert_same(tg.lerp(a, b, weight), torch.lerp(ta, tb, weight), **tol)
        for value in (1, 0.5, -2):
            assert_same(a.addcmul(b, c, value=value), ta.addcmul(tb, tc, value=value), **tol)
            assert_same(tg.addcdiv(a, b, c, value=value),
                        torch.addcdiv(ta, tb, tc, value=value), **tol)
    i, ti = _pair(np.array([1, 2, 3]))
    both(lambda: i.lerp(i, 0.5), lambda: ti.lerp(ti, 0.5))
    both(lambda: i.addcmul(i, i, value=2), lambda: ti.addcmul(ti, ti, value=2))
    both(lambda: i.addcdiv(i, i), lambda: ti.addcdiv(ti, ti))


def test_clamp_min_max_and_tensor_bounds() -> None:
    for dtype in ("float32", "int64"):
        a, ta = _pair(X[dtype])
        for bound in (0, 2, 1.5, -0.5):  # (the existing clamp op may turn -0.0 into 0.0)
            assert_same(a.clamp_min(bound), ta.clamp_min(bound), zero_signs=False)
            assert_same(tg.clamp_max(a, bound), torch.clamp_max(ta, bound), zero_signs=False)
            assert_same(a.clip(min=bound), ta.clip(min=bound), zero_signs=False)
    a, ta = _pair(X["int64"])
    lo, tlo = _pair(np.array([0, 1, 2, 3, -5, 0, 0, 9]))
    hi, thi = _pair(np.array([1.0], np.float32))
    assert_same(a.clamp(lo, hi), ta.clamp(tlo, thi))
    assert_same(a.clamp(min=lo), ta.clamp(min=tlo))
    assert_same(tg.clamp(a, max=hi), torch.clamp(ta, max=thi))


# ----------------------------------------------------------------------------- closeness, tests


def test_isclose_allclose_equal() -> None:
    a = np.array([1.0, 1.0 + 1e-6, 1.0 + 1e-4, math.inf, -math.inf, math.nan, 0.0, 1e-9])
    b = np.array([1.0, 1.0, 1.0, math.inf, math.inf, math.nan, 1e-8, 0.0])
    for dt in (np.float32, np.float64):
        (x, tx), (y, ty) = _pair(a.astype(dt)), _pair(b.astype(dt))
        for kwargs in ({}, {"equal_nan": True}, {"rtol": 1e-3}, {"atol": 1e-7},
                       {"rtol": 0.0, "atol": 0.0}):
            assert_same(x.isclose(y, **kwargs), tx.isclose(ty, **kwargs))
            assert_same(tg.isclose(x, y, **kwargs), torch.isclose(tx, ty, **kwargs))
            assert tg.allclose(x, y, **kwargs) == torch.allclose(tx, ty, **kwargs)
            assert tg.allclose(x[:3], y[:1], **kwargs) == torch.allclose(tx[:3], ty[:1], **kwargs)
    i, ti = _pair(np.array([1, 2, 3]))
    assert_same(i.isclose(i), ti.isclose(ti))
    both(lambda: i.isclose(i.float()), lambda: ti.isclose(ti.float()))
    both(lambda: tg.allclose(i, i.float()), lambda: torch.allclose(ti, ti.float()))
    both(lambda: x.isclose(x, rtol=-1.0), lambda: tx.isclose(tx, rtol=-1.0))
    assert tg.equal(i, i.float()) is torch.equal(ti, ti.float()) is True
    assert tg.equal(i, i[:2]) is torch.equal(ti, ti[:2]) is False
    assert i.equal(tg.tensor([1, 2, 4])) is False
    assert tg.tensor([math.nan]).equal(tg.tensor([math.nan])) is False


def test_contains() -> None:
    i, ti = _pair(np.array([5, -3, 0, 7]))
    for value in (5, 2, 2.0, 5.0, -3, True, tg.tensor(7)):
        tv = torch.tensor(7) if isinstance(value, tg.Tensor) else value
        assert (value in i) is (tv in ti)
    with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
        _ = [5] in i


def test_imatmul_rebinds_like_torch() -> None:
    """torch has no in-place @=: ``x @= y`` is ``x = x @ y`` (a new tensor); so here too."""
    x = tg.ones(2, 3)
    y = x
    x @= tg.ones(3, 2)
    assert x is not y
    assert (x.shape, y.shape) == ((2, 2), (2, 3))
    assert_same(x, torch.ones(2, 3) @ torch.ones(3, 2))


# ----------------------------------------------------------------------------- gradients

def _grads(fn: Any, arrays: list[np.ndarray]) -> None:
    """fn on float64 leaves in both libraries; compare the output and every leaf's .grad."""
    ours = [tg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    out, tout = fn(*ours), fn(*theirs)
    assert_same(out, tout, rtol=1e-12, atol=1e-14)
    seed = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    out.backward(tg.tensor(seed))
    tout.backward(torch.tensor(seed))
    for k, (a, ta) in enumerate(zip(ours, theirs, strict=True)):
        want = np.zeros(arrays[k].shape) if ta.grad is None else ta.grad.numpy()
        got = np.zeros(arrays[k].shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True,
                                   err_msg=f"gradient of input {k}")


RNG = np.random.default_rng(7)
ANY = RNG.standard_normal((3, 4)) * 2
INSIDE = RNG.uniform(-0.9, 0.9, (3, 4))
POS = RNG.uniform(0.2, 3.0, (3, 4))
UNIT = RNG.uniform(0.05, 0.95, (3, 4))
GRAD_UNARY = {
    "floor": ANY, "ceil": ANY, "round": ANY, "trunc": ANY, "fix": ANY, "frac": ANY,
    "sign": ANY, "sgn": ANY, "rsqrt": POS, "reciprocal": ANY, "log1p": POS - 0.1,
    "expm1": ANY, "log2": POS, "log10": POS, "exp2": ANY, "square": ANY, "tan": INSIDE,
    "asin": INSIDE, "arcsin": INSIDE, "acos": INSIDE, "arccos": INSIDE, "atan": ANY,
    "arctan": ANY, "sinh": ANY, "cosh": ANY, "asinh": ANY, "arcsinh": ANY, "acosh": POS + 1,
    "arccosh": POS + 1, "atanh": INSIDE, "arctanh": INSIDE, "erf": ANY, "erfc": ANY,
    "erfinv": INSIDE, "logit": UNIT, "sigmoid": ANY, "nan_to_num": ANY, "neg": ANY,
    "negative": ANY, "abs": ANY, "absolute": ANY, "positive": ANY,
}


@pytest.mark.parametrize("name", list(GRAD_UNARY))
def test_unary_gradient(name: str) -> None:
    # torch's sgn hands back its zero gradient as a ZeroTensor numpy cannot read: for real
    # numbers sgn is sign, so compare with sign there
    _grads(lambda x: getattr(x, name if name != "sgn" or isinstance(x, tg.Tensor) else "sign")(),
           [GRAD_UNARY[name]])


NONZERO = np.where(RNG.random((4,)) < 0.5, -1.0, 1.0) * RNG.uniform(0.5, 2.0, (4,))
GRAD_BINARY = {
    "atan2": (ANY, NONZERO), "arctan2": (ANY, NONZERO), "hypot": (ANY, NONZERO),
    "xlogy": (ANY, np.abs(NONZERO)), "copysign": (ANY, NONZERO), "fmax": (ANY, NONZERO),
    "fmin": (ANY, NONZERO), "remainder": (ANY, NONZERO), "fmod": (ANY, NONZERO),
    "maximum": (ANY, NONZERO), "minimum": (ANY, NONZERO), "multiply": (ANY, NONZERO),
    "subtract": (ANY, NONZERO), "true_divide": (ANY, NONZERO), "divide": (ANY, NONZERO),
    "pow": (POS, NONZERO),
}


@pytest.mark.parametrize("name", list(GRAD_BINARY))
def test_binary_gradient(name: str) -> None:
    _grads(lambda x, y: getattr(x, name)(y), list(GRAD_BINARY[name]))


def test_other_gradients() -> None:
    x, y, w = ANY, NONZERO, RNG.uniform(-0.5, 1.5, (3, 1))
    _grads(lambda a, b, c: a.lerp(b, c), [x, y, w])
    _grads(lambda a, b: a.lerp(b, 0.3), [x, y])
    _grads(lambda a, b: tg.lerp(a, b, 0.7) if isinstance(a, tg.Tensor) else
           torch.lerp(a, b, 0.7), [x, y])
    _grads(lambda a, b, c: a.addcmul(b, c, value=-1.5), [x, y, w])
    _grads(lambda a, b, c: a.addcdiv(b, c, value=0.5), [x, y, w + 2])
    _grads(lambda a: a.round(decimals=1), [x])
    _grads(lambda a: a.logit(eps=0.2), [RNG.uniform(0, 1, (3, 4))])
    _grads(lambda a, b: a.div(b, rounding_mode="floor"), [x, y])
    _grads(lambda a, b: a.div(b, rounding_mode="trunc"), [x, y])
    _grads(lambda a, b: a.add(b, alpha=2.5), [x, y])
    _grads(lambda a, b: a.sub(b, alpha=-0.5), [x, y])
    _grads(lambda a, b: a % b, [x, y])
    _grads(lambda a: a.clamp_min(0.1), [x])
    _grads(lambda a: a.clamp_max(-0.2), [x])
    _grads(lambda a: a.nan_to_num(), [np.array([1.0, math.nan, math.inf, -math.inf, -2.0])])
    # tensor bounds, with ties: x keeps its gradient on a tie, as in torch
    xs = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
    lo = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 4.0])
    hi = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 2.0])
    _grads(lambda a, b, c: a.clamp(b, c), [xs, lo, hi])
    _grads(lambda a, b: a.clamp(min=b), [xs, lo])
    _grads(lambda a, b: a.clamp(max=b), [xs, hi])


# ----------------------------------------------------------------------------- in place

INPLACE_UNARY = """floor_ ceil_ round_ trunc_ fix_ frac_ sign_ sgn_ rsqrt_ reciprocal_ log1p_ expm1_
log2_ log10_ exp2_ square_ sin_ cos_ tan_ asin_ arcsin_ acos_ arccos_ atan_ arctan_ sinh_ cosh_
asinh_ arcsinh_ acosh_ arccosh_ atanh_ arctanh_ erf_ erfc_ erfinv_ sigmoid_ logit_ nan_to_num_
tanh_ exp_ log_ sqrt_ abs_ absolute_ neg_ negative_ logical_not_ bitwise_not_ relu_""".split()


@pytest.mark.parametrize("dtype", list(INPUTS))
@pytest.mark.parametrize("name", INPLACE_UNARY)
def test_inplace_unary(name: str, dtype: str) -> None:
    ours, theirs = _pair(INPUTS[dtype]())
    try:
        getattr(theirs, name)()
    except ERRORS:
        with pytest.raises(ERRORS):
            getattr(ours, name)()
        return
    version = ours._version[0]
    assert getattr(ours, name)() is ours
    assert ours._version[0] == version + 1
    assert_same(ours, theirs, zero_signs=name not in ZERO_SIGN_FREE)


INPLACE_BINARY = """atan2_ arctan2_ hypot_ xlogy_ copysign_ floor_divide_ remainder_ fmod_
true_divide_ divide_ multiply_ subtract_ clamp_min_ clamp_max_ eq_ ne_ lt_ le_ gt_ ge_ greater_
greater_equal_ less_ less_equal_ not_equal_ logical_and_ logical_or_ logical_xor_ bitwise_and_
bitwise_or_ bitwise_xor_ bitwise_left_shift_ bitwise_right_shift_ pow_ add_ sub_ mul_ div_
""".split()


@pytest.mark.parametrize("pair", [("float32", "float32"), ("int64", "int64"),
                                  ("int64", "float32"), ("bool", "bool")],
                         ids=["f32", "i64", "i64-f32", "bool"])
@pytest.mark.parametrize("name", INPLACE_BINARY)
def test_inplace_binary(name: str, pair: tuple[str, str]) -> None:
    (a, ta), (b, tb) = _pair(X[pair[0]]), _pair(Y[pair[1]][0])  # same shape as a's rows
    if name in ("clamp_min_", "clamp_max_") and pair[1] == "bool":
        return
    try:
        getattr(ta, name)(tb)
    except ERRORS:
        with pytest.raises(ERRORS):
            getattr(a, name)(b)
        return
    assert getattr(a, name)(b) is a
    assert_same(a, ta)


def test_inplace_three_inputs_and_operators() -> None:
    rng = np.random.default_rng(3)
    s, e, w = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.uniform(0, 1, (2, 3))
    for name, args in (("lerp_", (e, w)), ("addcmul_", (e, w)), ("addcdiv_", (e, w + 1))):
        a, ta = _pair(s)
        getattr(a, name)(*[tg.tensor(v) for v in args], value=2.0) if name != "lerp_" else \
            a.lerp_(tg.tensor(e), tg.tensor(w))
        getattr(ta, name)(*[torch.tensor(v) for v in args], value=2.0) if name != "lerp_" else \
            ta.lerp_(torch.tensor(e), torch.tensor(w))
        assert_same(a, ta)
    for op in ("//=", "%=", "**=", "<<=", ">>=", "&=", "|=", "^="):
        for dtype in ("int64", "float32"):
            a, ta = _pair(X[dtype])
            ns: dict[str, Any] = {"a": a, "b": 2}
            tns: dict[str, Any] = {"a": ta, "b": 2}
            try:
                exec(f"a {op} b", tns)  # noqa: S102 - the operator itself is under test
            except ERRORS:
                with pytest.raises(ERRORS):
                    exec(f"a {op} b", ns)  # noqa: S102
                continue
            exec(f"a {op} b", ns)  # noqa: S102
            assert ns["a"] is a, f"{op} must work in place"
            assert_same(a, ta)


def test_inplace_rules() -> None:
    leaf = tg.tensor([0.5, 1.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.floor_()
    with pytest.raises(RuntimeError, match="can't be cast"):
        tg.tensor([1, 4]).sqrt_()
    # gradients flow through an in-place op of a non-leaf
    x, tx = tg.tensor([0.3, -0.2], requires_grad=True), torch.tensor([0.3, -0.2],
                                                                     requires_grad=True)
    y, ty = x * 2, tx * 2
    (y.tan_() * 3).erf_().sum().backward()
    (ty.tan_() * 3).erf_().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


# ----------------------------------------------------------------------------- out=, special

def test_out_argument() -> None:
    a, ta = _pair(X["float32"])
    out, tout = tg.empty(8), torch.empty(8)
    assert tg.floor(a, out=out) is out
    torch.floor(ta, out=tout)
    assert_same(out, tout)
    out, tout = tg.empty(0), torch.empty(0)
    tg.atan2(a, tg.tensor(2.0), out=out)
    torch.atan2(ta, torch.tensor(2.0), out=tout)
    assert_same(out, tout)
    out = tg.zeros(8)
    tg.eq(a, 0.0, out=out)  # bools written as 0/1 into a float tensor
    assert_same(out, torch.eq(ta, 0.0).float())
    with pytest.warns(UserWarning, match="was resized"):  # torch resizes, and warns
        resized = tg.floor(a, out=tg.empty(3))
    assert_same(resized, torch.floor(ta))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        tg.add(a, 1.0, out=tg.zeros(8, dtype=tg.int64))  # a float result into an int out
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        torch.add(ta, 1.0, out=torch.zeros(8, dtype=torch.int64))


def test_special_module() -> None:
    import tinygrad_edu.special as special

    assert special is tg.special
    x = np.array([-3.0, -0.5, 0.0, 0.2, 0.7, 2.0])
    ours, theirs = _pair(x)
    unit, tunit = _pair(np.array([0.1, 0.5, 0.9]))
    for name in ("erf", "erfc", "expit", "expm1", "exp2", "log1p", "ndtr", "round"):
        assert_same(getattr(special, name)(ours), getattr(torch.special, name)(theirs))
    assert_same(special.erfinv(unit), torch.special.erfinv(tunit))
    assert_same(special.logit(unit), torch.special.logit(tunit))
    assert_same(special.xlogy(ours, 2.0), torch.special.xlogy(theirs, 2.0))
    m, tm = _pair(np.arange(6.0).reshape(2, 3))
    for dim in (0, 1, -1):
        assert_same(special.softmax(m, dim), torch.special.softmax(tm, dim))
        assert_same(special.log_softmax(m, dim), torch.special.log_softmax(tm, dim))
        assert_same(special.logsumexp(m, dim), torch.special.logsumexp(tm, dim))
    assert_same(special.softmax(m, 1, dtype=tg.float32),
                torch.special.softmax(tm, 1, dtype=torch.float32))
    _grads(lambda a: (special.expit(a) if isinstance(a, tg.Tensor) else
                      torch.special.expit(a)), [x])
    _grads(lambda a: (special.ndtr(a) if isinstance(a, tg.Tensor) else
                      torch.special.ndtr(a)), [x])
