"""Elementwise math beyond the basics: trigonometry, special functions, rounding, remainders.

The same pattern as ``elementwise.py``: each op is a forward returning ``(out, cache)`` and a
backward returning one gradient per input (broadcasting is undone by the engine). The
backward of each op is the derivative a calculus course tabulates; its docstring names it.

- trigonometric and hyperbolic functions and their inverses (``tan`` ... ``atanh``);
- logs and exponentials in other bases or near 0 (``log1p``, ``expm1``, ``log2``, ``exp2``);
- powers of x: ``reciprocal`` (1/x) and ``rsqrt`` (1/sqrt(x));
- the error function family (``erf``, ``erfc``, ``erfinv``) and ``logit``;
- rounding (``floor``, ``ceil``, ``round``, ``trunc``, ``sign``): steps, so their gradient is
  zero wherever it exists, and PyTorch returns that zero rather than an error;
- binary ops: ``atan2``, ``hypot``, ``xlogy``, ``copysign``, ``fmax``/``fmin``, the rounding
  divisions and the two remainders (``remainder`` takes the sign of the divisor, as Python's
  ``%``; ``fmod`` that of the dividend, as C's), and ``lerp`` (three inputs).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import special
from ..kernels.jit import ready
from .elementwise import NO_CACHE, NoCache, OutCache, XCache, XYCache
from .registry import register_op

Array = NDArray[Any]

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_LN2 = math.log(2)
_LN10 = math.log(10)


def _kernel(kernel: Any, x: Array) -> Array:
    """Run a Numba kernel of ``kernels/special.py`` on x (contiguous, shape kept for 0-d)."""
    return ready(kernel)(np.ascontiguousarray(x).reshape(x.shape))


def _unary(name: str, fn: Any, grad: Any, doc: str, cache: str = "x",
           tensor_grad: Any = None) -> None:
    """Register an op ``out = fn(x)`` whose backward is ``dout * grad(saved)``.

    ``grad`` is the derivative, written in the input ``x`` or, with ``cache="out"``, in the
    output (cheaper where the derivative is a function of the result: tan, expm1, exp2).
    ``tensor_grad`` is the same derivative written with Tensor operations, for gradients of
    gradients (None: ``grad`` itself, when it uses only arithmetic operators, which work on
    arrays and Tensors alike). ``doc`` becomes the forward's docstring (shown in
    ``docs/ops.md``).
    """
    def forward(x: Array) -> tuple[Array, Any]:
        with np.errstate(all="ignore"):  # outside the domain: nan or inf, as in PyTorch
            out = np.asarray(fn(x)).astype(x.dtype, copy=False)
        return out, (XCache(x) if cache == "x" else OutCache(out))

    def backward(dout: Array, saved: Any) -> tuple[Array]:
        with np.errstate(all="ignore"):
            return ((dout * grad(saved[0])).astype(dout.dtype, copy=False),)

    slope = grad if tensor_grad is None else tensor_grad

    def differentiable(ctx: Any, dout: Any) -> tuple[Any]:
        return (dout * slope(ctx.inputs[0] if cache == "x" else ctx.output),)

    forward.__name__, backward.__name__ = f"{name}_forward", f"{name}_backward"
    differentiable.__name__ = f"{name}_grad"
    forward.__doc__ = doc
    backward.__doc__ = f"The chain rule with the derivative of {name}."
    differentiable.__doc__ = (f"Differentiable backward of {name}: the same derivative on "
                              "Tensors, recomputed in the graph.")
    register_op(name, forward, backward, grad=differentiable)


# ----------------------------------------------------------------------------- trigonometry
# d tan = 1 + tan**2; d asin = 1/sqrt(1 - x**2); d acos = -1/sqrt(1 - x**2);
# d atan = 1/(1 + x**2); d sinh = cosh; d cosh = sinh; d asinh = 1/sqrt(x**2 + 1);
# d acosh = 1/sqrt(x**2 - 1); d atanh = 1/(1 - x**2).

_unary("tan", np.tan, lambda out: 1 + out * out,
       "out = tan(x). Backward: dx = dout * (1 + out**2).", cache="out")
_unary("asin", np.arcsin, lambda x: 1 / np.sqrt(1 - x * x),
       "out = asin(x), in [-pi/2, pi/2]. Backward: dx = dout / sqrt(1 - x**2).",
       tensor_grad=lambda x: (1 - x * x).rsqrt())
_unary("acos", np.arccos, lambda x: -1 / np.sqrt(1 - x * x),
       "out = acos(x), in [0, pi]. Backward: dx = -dout / sqrt(1 - x**2).",
       tensor_grad=lambda x: -(1 - x * x).rsqrt())
_unary("atan", np.arctan, lambda x: 1 / (1 + x * x),
       "out = atan(x). Backward: dx = dout / (1 + x**2).")
_unary("sinh", np.sinh, np.cosh,
       "out = sinh(x) = (e**x - e**-x) / 2. Backward: dx = dout * cosh(x).",
       tensor_grad=lambda x: x.cosh())
_unary("cosh", np.cosh, np.sinh,
       "out = cosh(x) = (e**x + e**-x) / 2. Backward: dx = dout * sinh(x).",
       tensor_grad=lambda x: x.sinh())
_unary("asinh", np.arcsinh, lambda x: 1 / np.sqrt(x * x + 1),
       "out = asinh(x). Backward: dx = dout / sqrt(x**2 + 1).",
       tensor_grad=lambda x: (x * x + 1).rsqrt())
_unary("acosh", np.arccosh, lambda x: 1 / np.sqrt(x * x - 1),
       "out = acosh(x), for x >= 1. Backward: dx = dout / sqrt(x**2 - 1).",
       tensor_grad=lambda x: (x * x - 1).rsqrt())
_unary("atanh", np.arctanh, lambda x: 1 / (1 - x * x),
       "out = atanh(x), for -1 < x < 1. Backward: dx = dout / (1 - x**2).")

# ----------------------------------------------------------------------------- logs and powers
# log1p(x) = ln(1 + x) and expm1(x) = e**x - 1 keep their digits for tiny x, where 1 + x
# rounds. d log1p = 1/(1 + x); d expm1 = e**x = out + 1; d log2 = 1/(x ln 2);
# d log10 = 1/(x ln 10); d exp2 = 2**x ln 2 = out ln 2; d (1/x) = -1/x**2 = -out**2;
# d x**(-1/2) = -x**(-3/2) / 2 = -out**3 / 2.

_unary("log1p", np.log1p, lambda x: 1 / (1 + x),
       "out = ln(1 + x), exact for tiny x. Backward: dx = dout / (1 + x).")
_unary("expm1", np.expm1, lambda out: out + 1,
       "out = e**x - 1, exact for tiny x. Backward: dx = dout * (out + 1).", cache="out")
_unary("log2", np.log2, lambda x: 1 / (x * _LN2),
       "out = log2(x). Backward: dx = dout / (x ln 2).")
_unary("log10", np.log10, lambda x: 1 / (x * _LN10),
       "out = log10(x). Backward: dx = dout / (x ln 10).")
_unary("exp2", np.exp2, lambda out: out * _LN2,
       "out = 2**x. Backward: dx = dout * out * ln 2.", cache="out")
_unary("reciprocal", np.reciprocal, lambda out: -out * out,
       "out = 1 / x. Backward: dx = -dout * out**2.", cache="out")
_unary("rsqrt", lambda x: 1 / np.sqrt(x), lambda out: -0.5 * out * out * out,
       "out = 1 / sqrt(x). Backward: dx = -dout * out**3 / 2.", cache="out")

# ----------------------------------------------------------------------------- error function
# erf(x) = 2/sqrt(pi) * integral of e**(-t**2) from 0 to x, so d erf = 2/sqrt(pi) e**(-x**2);
# erfc = 1 - erf; erfinv is erf's inverse: d erfinv(x) = 1 / erf'(erfinv(x))
# = sqrt(pi)/2 * e**(out**2).

_unary("erf", lambda x: _kernel(special.erf, x), lambda x: _TWO_OVER_SQRT_PI * np.exp(-x * x),
       "out = erf(x), the error function. Backward: dx = dout * 2/sqrt(pi) * e**(-x**2).",
       tensor_grad=lambda x: (-x * x).exp() * _TWO_OVER_SQRT_PI)
_unary("erfc", lambda x: _kernel(special.erfc, x),
       lambda x: -_TWO_OVER_SQRT_PI * np.exp(-x * x),
       "out = erfc(x) = 1 - erf(x), exact where erf(x) is near 1. Backward: dx = -dout * "
       "2/sqrt(pi) * e**(-x**2).",
       tensor_grad=lambda x: (-x * x).exp() * -_TWO_OVER_SQRT_PI)
_unary("erfinv", lambda x: _kernel(special.erfinv, x),
       lambda out: np.exp(out * out) / _TWO_OVER_SQRT_PI,
       "out = erfinv(x), the y with erf(y) = x. Backward: dx = dout * sqrt(pi)/2 * e**(out**2).",
       cache="out", tensor_grad=lambda out: (out * out).exp() * (1 / _TWO_OVER_SQRT_PI))

class LogitCache(NamedTuple):
    """Cache of ``logit``: the input and the clamp (None: no clamp)."""

    x: Array
    eps: float | None


def logit_forward(x: Array, *, eps: float | None = None) -> tuple[Array, LogitCache]:
    """out = ln(z / (1 - z)) with z = x clamped to [eps, 1 - eps] when eps is given.

    The inverse of the sigmoid. Backward: dx = dout / (x (1 - x)), and 0 where the clamp
    held x (outside [eps, 1 - eps]).
    """
    z = x if eps is None else np.clip(x, eps, 1 - eps)
    with np.errstate(all="ignore"):
        out = np.log(z / (1 - z)).astype(x.dtype, copy=False)
    return out, LogitCache(x, eps)


def logit_backward(dout: Array, cache: LogitCache) -> tuple[Array]:
    """d logit(x) = 1 / (x (1 - x)), the reciprocal of the sigmoid's slope sigma (1 - sigma)."""
    x, eps = cache
    with np.errstate(all="ignore"):
        dx = dout / (x * (1 - x))
    if eps is not None:
        dx = np.where((x >= eps) & (x <= 1 - eps), dx, 0)
    return (dx.astype(dout.dtype, copy=False),)


def logit_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout / (x (1 - x)) inside the clamp, 0 outside; outside,
    x is replaced by 1/2 before the division so that its (unused) branch stays finite."""
    x, eps = ctx.inputs[0], ctx.static.get("eps")
    if eps is None:
        return (dout / (x * (1 - x)),)
    xs = x.numpy(force=True)
    inside = ctx.const((xs >= eps) & (xs <= 1 - eps))
    zero, half = ctx.const(np.zeros((), xs.dtype)), ctx.const(np.full((), 0.5, xs.dtype))
    z = ctx.apply("where", inside, x, half)
    return (ctx.apply("where", inside, dout / (z * (1 - z)), zero),)


register_op("logit", logit_forward, logit_backward, grad=logit_grad)


# ----------------------------------------------------------------------------- rounding

def _zero_grad(dout: Array, cache: Any) -> tuple[Array]:
    """A step function is flat between its jumps: its gradient is zero (PyTorch's choice)."""
    return (np.zeros_like(dout),)


def _zero_grad_graph(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward of a step function: zeros, a constant (as PyTorch, whose zero
    gradient does not require grad: differentiating it again is an error)."""
    zero = ctx.const(np.zeros(dout.shape, dout.numpy(force=True).dtype))
    return tuple(zero if need else None for need in ctx.needs)


def _stepwise(name: str, fn: Any) -> None:
    def forward(x: Array) -> tuple[Array, NoCache]:
        return np.asarray(fn(x)).astype(x.dtype, copy=False), NO_CACHE

    forward.__name__ = f"{name}_forward"
    forward.__doc__ = (f"out = {name}(x), a step function. Backward: dx = 0 (flat between "
                       "the steps).")
    register_op(name, forward, _zero_grad, grad=_zero_grad_graph)


_stepwise("floor", np.floor)
_stepwise("ceil", np.ceil)
_stepwise("trunc", np.trunc)
_stepwise("sign", lambda x: np.where(np.isnan(x), 0, np.sign(x)))  # sign(nan) = 0, as PyTorch


def round_forward(x: Array, *, decimals: int = 0) -> tuple[Array, NoCache]:
    """out = x rounded to ``decimals`` decimal places, halves to even (as numpy and PyTorch).

    Backward: dx = 0 (a step function).
    """
    return np.round(x, decimals).astype(x.dtype, copy=False), NO_CACHE


register_op("round", round_forward, _zero_grad, grad=_zero_grad_graph)


def frac_forward(x: Array) -> tuple[Array, NoCache]:
    """out = x - trunc(x), the fractional part (its sign is x's). Backward: dx = dout."""
    with np.errstate(invalid="ignore"):  # frac(inf) is nan
        return x - np.trunc(x), NO_CACHE


def frac_backward(dout: Array, cache: NoCache) -> tuple[Array]:
    """Between the jumps frac(x) is x minus a constant: slope 1."""
    return (dout,)


def frac_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout."""
    return (dout,)


register_op("frac", frac_forward, frac_backward, grad=frac_grad)


# ----------------------------------------------------------------------------- remainders

def _check_int_divisor(name: str, y: Array) -> None:
    if y.dtype.kind in "iub" and np.any(y == 0):
        raise RuntimeError(f"{name}: ZeroDivisionError (integer division by zero)")


def _trunc_divide(x: Array, y: Array) -> Array:
    """x / y rounded toward zero; integers exactly (C's division), floats as trunc(x / y)."""
    if x.dtype.kind in "iu":
        q = np.floor_divide(x, y)
        return q + ((np.remainder(x, y) != 0) & ((x < 0) != (y < 0)))
    return np.trunc(x / y)


def floor_divide_forward(x: Array, y: Array) -> tuple[Array, NoCache]:
    """out = floor(x / y) (Python's ``//``: toward minus infinity). Backward: 0 for both.

    For floats computed as Python does: q = (x - fmod(x, y)) / y, corrected by one where the
    remainder's sign differs from y's, so that x == q * y + remainder(x, y) holds.
    """
    _check_int_divisor("floor_divide", y)
    with np.errstate(all="ignore"):
        return np.floor_divide(x, y), NO_CACHE


def trunc_divide_forward(x: Array, y: Array) -> tuple[Array, NoCache]:
    """out = trunc(x / y) (C's integer division: toward zero). Backward: 0 for both."""
    _check_int_divisor("div(rounding_mode='trunc')", y)
    with np.errstate(all="ignore"):
        return _trunc_divide(x, y).astype(x.dtype, copy=False), NO_CACHE


def _zero_grads(dout: Array, cache: Any) -> tuple[Array, Array]:
    """A rounded quotient is a step function of both inputs: zero gradients."""
    zero = np.zeros_like(dout)
    return zero, zero


register_op("floor_divide", floor_divide_forward, _zero_grads, grad=_zero_grad_graph)
register_op("trunc_divide", trunc_divide_forward, _zero_grads, grad=_zero_grad_graph)


class QuotientCache(NamedTuple):
    """Cache of the remainders: the rounded quotient q (x = q * y + r)."""

    q: Array


def remainder_forward(x: Array, y: Array) -> tuple[Array, QuotientCache]:
    """out = x - floor(x / y) * y, with the sign of y (Python's ``%``).

    Backward: r = x - q y with q = floor(x / y) constant between jumps, so dx = dout and
    dy = -q * dout.
    """
    _check_int_divisor("remainder", y)
    with np.errstate(all="ignore"):
        if x.dtype.kind != "f":
            return np.remainder(x, y), QuotientCache(np.floor_divide(x, y))
        # PyTorch's steps (and so its signed zeros): C's remainder, moved by y when its
        # sign differs from y's
        r = np.fmod(x, y)
        out = np.where((r != 0) & ((r < 0) != (y < 0)), r + y, r)
        return out.astype(x.dtype, copy=False), QuotientCache(np.floor_divide(x, y))


def fmod_forward(x: Array, y: Array) -> tuple[Array, QuotientCache]:
    """out = x - trunc(x / y) * y, with the sign of x (C's ``fmod``).

    Backward: dx = dout and dy = -trunc(x / y) * dout.
    """
    _check_int_divisor("fmod", y)
    with np.errstate(all="ignore"):
        return np.fmod(x, y), QuotientCache(_trunc_divide(x, y))


def remainder_backward(dout: Array, cache: QuotientCache) -> tuple[Array, Array]:
    """r = x - q y with the quotient q flat between jumps: dr/dx = 1, dr/dy = -q."""
    return dout, -cache.q * dout


def _remainder_grad(quotient: str) -> Any:
    def grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
        """Differentiable backward: dx = dout, dy = -q * dout with q the rounded quotient, a
        step function of x and y (recorded, as in PyTorch: its own gradient is zero)."""
        return dout, -dout * ctx.apply(quotient, *ctx.inputs)
    return grad


register_op("remainder", remainder_forward, remainder_backward,
            grad=_remainder_grad("floor_divide"))
register_op("fmod", fmod_forward, remainder_backward, grad=_remainder_grad("trunc_divide"))


# ----------------------------------------------------------------------------- two-input math

def atan2_forward(x: Array, y: Array) -> tuple[Array, XYCache]:
    """out = atan2(x, y), the angle of the point (y, x) (x is the sine side, as in PyTorch).

    Backward: with r2 = x**2 + y**2, dx = dout * y / r2 and dy = -dout * x / r2 (0 where
    r2 == 0, at the origin where the angle is undefined, as in PyTorch).
    """
    return np.arctan2(x, y), XYCache(x, y)


def atan2_backward(dout: Array, cache: XYCache) -> tuple[Array, Array]:
    """The gradient of the angle is perpendicular to the radius, scaled by 1/r."""
    x, y = cache
    with np.errstate(all="ignore"):
        r2 = x * x + y * y
        origin = r2 == 0
        r2 = np.where(origin, 1, r2)
        return np.where(origin, 0, dout * y / r2), np.where(origin, 0, -dout * x / r2)


def atan2_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout * y / r2, dy = -dout * x / r2, r2 = x**2 + y**2
    (0 where r2 == 0; there r2 reads 1, so that the unused branch stays finite)."""
    x, y = ctx.inputs
    r2 = x * x + y * y
    r2s = r2.numpy(force=True)
    origin = ctx.const(r2s == 0)
    zero, one = ctx.const(np.zeros((), r2s.dtype)), ctx.const(np.ones((), r2s.dtype))
    scale = ctx.apply("where", origin, zero, dout / ctx.apply("where", origin, one, r2))
    return scale * y, -scale * x


register_op("atan2", atan2_forward, atan2_backward, grad=atan2_grad)


class HypotCache(NamedTuple):
    """Cache of ``hypot``: both inputs and the result."""

    x: Array
    y: Array
    out: Array


def hypot_forward(x: Array, y: Array) -> tuple[Array, HypotCache]:
    """out = sqrt(x**2 + y**2) without overflow. Backward: dx = dout x/out, dy = dout y/out."""
    out = np.hypot(x, y)
    return out, HypotCache(x, y, out)


def hypot_backward(dout: Array, cache: HypotCache) -> tuple[Array, Array]:
    """The gradient of a length is the unit vector along it."""
    x, y, out = cache
    with np.errstate(all="ignore"):
        return dout * x / out, dout * y / out


def hypot_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout * x / out, dy = dout * y / out."""
    x, y = ctx.inputs
    scale = dout / ctx.output
    return scale * x, scale * y


register_op("hypot", hypot_forward, hypot_backward, grad=hypot_grad)


def xlogy_forward(x: Array, y: Array) -> tuple[Array, XYCache]:
    """out = x * ln(y), and 0 where x == 0 (even for y == 0): the entropy convention.

    Backward: dx = dout * ln(y) (0 where x == 0 and y <= 0), dy = dout * x / y.
    """
    with np.errstate(all="ignore"):
        out = np.where(x == 0, 0, x * np.log(y))
        out = np.where(np.isnan(y), np.nan, out).astype(x.dtype, copy=False)
    return out, XYCache(x, y)


def xlogy_backward(dout: Array, cache: XYCache) -> tuple[Array, Array]:
    """Product rule on x ln(y): dx = xlogy(dout, y), dy = dout x / y. Where x == 0 and
    y <= 0 the value is pinned at 0 (x ln(y) has no limit there), so dx = 0 (PyTorch's rule);
    at x == 0 with y > 0, x ln(y) is smooth and dx = dout ln(y)."""
    x, y = cache
    with np.errstate(all="ignore"):
        dx = np.where((x == 0) & (y <= 0), 0, xlogy_forward(dout, y)[0])
        return dx.astype(dout.dtype, copy=False), dout * x / y


def xlogy_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = xlogy(dout, y) (0 where x == 0 and y <= 0), dy = dout *
    x / y. Where pinned, y reads 1, so that the unused branch stays finite."""
    x, y = ctx.inputs
    xs = x.numpy(force=True)
    pinned = ctx.const((xs == 0) & (y.numpy(force=True) <= 0))
    zero, one = ctx.const(np.zeros((), xs.dtype)), ctx.const(np.ones((), xs.dtype))
    dx = ctx.apply("xlogy", dout, ctx.apply("where", pinned, one, y))
    return ctx.apply("where", pinned, zero, dx), dout * x / y


register_op("xlogy", xlogy_forward, xlogy_backward, grad=xlogy_grad)


def copysign_forward(x: Array, y: Array) -> tuple[Array, OutCache]:
    """out = |x| with the sign of y (signed zeros count). Backward: dx = dout * out / x
    (+1 or -1: whether the sign flipped; 0 at x == 0), dy = 0."""
    out = np.copysign(x, y)
    with np.errstate(invalid="ignore"):  # inf / inf: the slope of an infinite x is nan
        return out, OutCache(out / np.where(x == 0, 1, x) * (x != 0))


def copysign_backward(dout: Array, cache: OutCache) -> tuple[Array, Array]:
    """x's gradient keeps or flips sign as x did; y only picks a sign: zero gradient."""
    return dout * cache.out, np.zeros_like(dout)


def copysign_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout * out / x (+1 or -1: flat; 0 at x == 0), dy = 0.
    The ratio is recorded from the output, as PyTorch does, so it is part of the graph."""
    x = ctx.inputs[0]
    xs = x.numpy(force=True)
    at_zero = ctx.const(xs == 0)
    zero, one = ctx.const(np.zeros((), xs.dtype)), ctx.const(np.ones((), xs.dtype))
    ratio = ctx.output / ctx.apply("where", at_zero, one, x)
    dy = ctx.const(np.zeros(dout.shape, dout.numpy(force=True).dtype)) if ctx.needs[1] else None
    return dout * ctx.apply("where", at_zero, zero, ratio), dy


register_op("copysign", copysign_forward, copysign_backward, grad=copysign_grad)


class FPickCache(NamedTuple):
    """Cache of ``fmax``/``fmin``: where x is the one picked."""

    x_picked: Array


def fmax_forward(x: Array, y: Array) -> tuple[Array, FPickCache]:
    """out = max(x, y), ignoring a nan when the other is a number (like ``np.fmax``).

    Backward: dout goes to x where x >= y or y is nan, else to y (ties go to x, as PyTorch).
    """
    picked = (x >= y) | np.isnan(y)
    return np.where(picked, x, y), FPickCache(picked)


def fmin_forward(x: Array, y: Array) -> tuple[Array, FPickCache]:
    """out = min(x, y), ignoring a nan when the other is a number (like ``np.fmin``).

    Backward: dout goes to x where x <= y or y is nan, else to y (ties go to x).
    """
    picked = (x <= y) | np.isnan(y)
    return np.where(picked, x, y), FPickCache(picked)


def fpick_backward(dout: Array, cache: FPickCache) -> tuple[Array, Array]:
    """Route dout to the input that was picked."""
    zero = np.zeros((), dtype=dout.dtype)
    return np.where(cache.x_picked, dout, zero), np.where(cache.x_picked, zero, dout)


def _fpick_grad(forward: Any) -> Any:
    def grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
        """Differentiable backward: dout goes to the picked input (a flat choice)."""
        _, cache = forward(*(t.numpy(force=True) for t in ctx.inputs))
        picked = ctx.const(cache.x_picked)
        zero = ctx.const(np.zeros((), dout.numpy(force=True).dtype))
        return ctx.apply("where", picked, dout, zero), ctx.apply("where", picked, zero, dout)
    return grad


register_op("fmax", fmax_forward, fpick_backward, grad=_fpick_grad(fmax_forward))
register_op("fmin", fmin_forward, fpick_backward, grad=_fpick_grad(fmin_forward))


class LerpCache(NamedTuple):
    """Cache of ``lerp``: the weight and the gap end - start."""

    weight: Array
    gap: Array


def lerp_forward(start: Array, end: Array, weight: Array) -> tuple[Array, LerpCache]:
    """out = start + weight * (end - start), linear interpolation.

    Computed as PyTorch does: from ``start`` for weight < 0.5, from ``end`` otherwise
    (``end - (end - start) * (1 - weight)``), so that weight 1 gives exactly ``end``.
    Backward: dstart = dout (1 - weight), dend = dout weight, dweight = dout (end - start).
    """
    gap = end - start
    out = np.where(np.abs(weight) < 0.5, start + weight * gap, end - gap * (1 - weight))
    return out.astype(start.dtype, copy=False), LerpCache(weight, gap)


def lerp_backward(dout: Array, cache: LerpCache) -> tuple[Array, Array, Array]:
    """out is linear in each input: the slopes are (1 - w), w and (end - start)."""
    w, gap = cache
    return dout * (1 - w), dout * w, dout * gap


def lerp_grad(ctx: Any, dout: Any) -> tuple[Any, Any, Any]:
    """Differentiable backward: dstart = dout (1 - w), dend = dout w, dweight = dout (end -
    start); each slope depends on the other inputs, so the second derivatives mix them."""
    start, end, w = ctx.inputs
    return dout * (1 - w), dout * w, dout * (end - start)


register_op("lerp", lerp_forward, lerp_backward, grad=lerp_grad)
