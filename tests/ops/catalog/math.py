"""Catalog rows of the elementwise math ops (``tinygrad_edu/ops/math.py``):
trigonometry, logs and powers, the error function family, logit, rounding, the rounding
divisions and remainders, atan2/hypot/xlogy/copysign, fmax/fmin and lerp.

Rounding ops are steps: their values are kept away from the jumps (``kinks``), where the
(zero) gradient is checked against torch and against central differences.
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from catalog.base import (
    OpRow,
    Sample,
    away,
    binary,
    bshapes,
    given_values,
    normal,
    picked,
    row,
    signed,
    torch,
    unary,
    uniform,
)

ROWS: list[OpRow] = []
add = ROWS.append

POS = lambda rng, s: uniform(rng, s, 0.2, 3.0)  # noqa: E731 - logs, rsqrt
NONZERO = lambda rng, s: signed(rng, s, 0.5, 2.0)  # noqa: E731 - divisors, reciprocal
INSIDE = lambda rng, s: uniform(rng, s, -0.9, 0.9)  # noqa: E731 - asin, acos, atanh, erfinv
WIDE = lambda rng, s: normal(rng, s, 3.0)  # noqa: E731 - rounding: several steps
WHOLE = [float(k) for k in range(-15, 16)]  # the jumps of floor, ceil and trunc
HALVES = [k + 0.5 for k in range(-15, 15)]  # the jumps of round

# --- trigonometry
add(unary("tan", lambda x: x.tan(), values=lambda r, s: uniform(r, s, -1.3, 1.3)))
add(unary("asin", lambda x: x.asin(), values=INSIDE))
add(unary("asin", lambda x: x.arcsin(), variant="arcsin", values=INSIDE))
add(unary("acos", lambda x: x.acos(), values=INSIDE))
add(unary("atan", lambda x: x.atan(), values=WIDE))
add(unary("sinh", lambda x: x.sinh()))
add(unary("cosh", lambda x: x.cosh()))
add(unary("asinh", lambda x: x.asinh(), values=WIDE))
add(unary("acosh", lambda x: x.acosh(), values=lambda r, s: uniform(r, s, 1.2, 4.0)))
add(unary("atanh", lambda x: x.atanh(), values=INSIDE))
add(binary("atan2", lambda x, y: x.atan2(y), y=NONZERO))
add(binary("atan2", lambda x, y: tg.arctan2(x, y), lambda x, y: torch.arctan2(x, y),
           variant="function", x=NONZERO))
add(binary("hypot", lambda x, y: x.hypot(y), x=NONZERO))

# --- logs, exponentials, powers
add(unary("log1p", lambda x: x.log1p(), values=lambda r, s: uniform(r, s, -0.8, 3.0)))
add(given_values("log1p", lambda x: x.log1p(), None, [[1e-18, -1e-12, 3e-9, 0.0]],
                 variant="tiny", gradcheck=False, f32=False))
add(unary("expm1", lambda x: x.expm1()))
add(given_values("expm1", lambda x: x.expm1(), None, [[1e-18, -1e-12, 3e-9, 0.0]],
                 variant="tiny", gradcheck=False, f32=False))
add(unary("log2", lambda x: x.log2(), values=POS))
add(unary("log10", lambda x: x.log10(), values=POS))
add(unary("exp2", lambda x: x.exp2()))
add(unary("reciprocal", lambda x: x.reciprocal(), values=NONZERO))
add(unary("rsqrt", lambda x: x.rsqrt(), values=POS))

# --- error function, logit
add(unary("erf", lambda x: x.erf()))
add(unary("erf", lambda x: tg.special.erf(x), lambda x: torch.special.erf(x), variant="special"))
add(unary("erfc", lambda x: x.erfc(), values=WIDE))
add(unary("erfinv", lambda x: x.erfinv(), values=lambda r, s: uniform(r, s, -0.95, 0.95)))
add(given_values("erfinv", lambda x: x.erfinv(), None,
                 [[-1.0, -0.999999, -0.5, -1e-300, 0.0, 1e-10, 0.7, 0.999999999, 1.0]],
                 variant="edges", gradcheck=False, f32=False))
add(unary("logit", lambda x: x.logit(), values=lambda r, s: uniform(r, s, 0.05, 0.95)))
add(unary("logit", lambda x: x.logit(eps=0.2), lambda x: torch.logit(x, eps=0.2),
          variant="eps", values=lambda r, s: uniform(r, s, 0.0, 1.0), kinks=(0.2, 0.8)))
add(unary("logit", lambda x: tg.special.logit(x), lambda x: torch.special.logit(x),
          variant="special", values=lambda r, s: uniform(r, s, 0.05, 0.95)))

# --- rounding (zero gradients away from the jumps)
add(unary("floor", lambda x: x.floor(), values=WIDE, kinks=WHOLE))
add(unary("ceil", lambda x: x.ceil(), values=WIDE, kinks=WHOLE))
add(unary("trunc", lambda x: x.trunc(), values=WIDE, kinks=WHOLE))
add(unary("round", lambda x: x.round(), values=WIDE, kinks=HALVES))
add(given_values("round", lambda x: x.round(), None, [[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5]],
                 variant="halves_to_even", gradcheck=False))
add(given_values("round", lambda x: x.round(decimals=2), lambda x: torch.round(x, decimals=2),
                 [[1.23456, -7.891, 0.004, 1234.5678]], variant="decimals", gradcheck=False))
add(given_values("round", lambda x: x.round(decimals=-2), lambda x: torch.round(x, decimals=-2),
                 [[1234.5678, -7891.0, 49.0, 151.0]], variant="negative_decimals",
                 gradcheck=False))
add(unary("sign", lambda x: x.sign(), kinks=(0.0,)))
add(unary("sign", lambda x: x.sgn(), lambda x: torch.sign(x), variant="sgn", kinks=(0.0,)))
# (torch.sgn's zero gradient is a ZeroTensor numpy cannot read; for real x, sgn is sign)
add(unary("frac", lambda x: x.frac(), values=WIDE, kinks=WHOLE))

# --- rounding divisions and remainders


def _dividend_make(rng: np.random.Generator, shape_pair: tuple[tuple[int, ...], ...]) -> Sample:
    """x and y with x / y away from whole numbers (the jumps of floor(x / y)) even where they
    broadcast: y is one of +-0.5, +-1, +-2 and x is at least 0.05 from a multiple of 0.5."""
    y = rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], size=shape_pair[1])
    x = away(normal(rng, shape_pair[0], 3.0), [k / 2 for k in range(-30, 31)])
    return Sample((x, np.asarray(y, dtype=np.float64)))


for _name, _ours, _theirs in (
        ("floor_divide", lambda x, y: x // y, lambda x, y: torch.div(x, y, rounding_mode="floor")),
        ("remainder", lambda x, y: x % y, None),
        ("fmod", lambda x, y: x.fmod(y), None)):
    add(row(_name, _ours, _theirs, bshapes(2), _dividend_make, variant="broadcast"))
add(row("floor_divide", lambda x, y: x.div(y, rounding_mode="floor"),
        lambda x, y: torch.div(x, y, rounding_mode="floor"), bshapes(2), _dividend_make,
        variant="div_floor"))
add(row("trunc_divide", lambda x, y: x.div(y, rounding_mode="trunc"),
        lambda x, y: torch.div(x, y, rounding_mode="trunc"), bshapes(2), _dividend_make))
add(row("remainder", lambda x, y: tg.remainder(x, y), lambda x, y: torch.remainder(x, y),
        bshapes(2), _dividend_make, variant="function"))
add(unary("remainder", lambda x: x % 1.5, variant="scalar", values=WIDE,
          kinks=[1.5 * k for k in range(-10, 11)]))
# number % tensor and number // tensor: torch has no derivative for these (ours: -floor(2.5 / x)
# and 0), so only the values are compared
add(unary("remainder", lambda x: 2.5 % x, variant="reflected_scalar", values=NONZERO,
          differentiable=False))
add(unary("floor_divide", lambda x: 7.0 // x, variant="reflected_scalar", values=NONZERO,
          differentiable=False))
_INTS = [np.array([[7, -7, 6, 0, -1], [13, -13, 5, 2, 9]]), np.array([3, 3, -4, 5, -2])]
for _name, _fn, _fn_torch in (
        ("floor_divide", lambda x, y: x // y, None),
        ("remainder", lambda x, y: x % y, None),
        ("fmod", lambda x, y: x.fmod(y), lambda x, y: torch.fmod(x, y)),
        ("trunc_divide", lambda x, y: x.div(y, rounding_mode="trunc"),
         lambda x, y: torch.div(x, y, rounding_mode="trunc"))):
    add(given_values(_name, _fn, _fn_torch, _INTS, variant="int64", differentiable=False))
add(given_values("floor_divide", lambda x, y: x // y, None,
                 [[5.5, -3.5, 0.0, -0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.1, -0.1]],
                 variant="by_zero_and_tenths", differentiable=False))
add(given_values("remainder", lambda x, y: x % y, None,
                 [[5.5, -3.5, 0.0, 1.0, -1.0, np.inf], [0.0, 2.0, 3.0, 0.1, 0.1, 2.0]],
                 variant="by_zero_and_tenths", differentiable=False))

# --- two-input math
add(binary("xlogy", lambda x, y: x.xlogy(y), y=POS))
add(given_values("xlogy", lambda x, y: x.xlogy(y), None,
                 [[0.0, 0.0, 1.0, 2.0, 0.0], [0.0, 2.0, 0.0, np.nan, np.nan]],
                 variant="zeros_nan", differentiable=False))
# x == 0 with y > 0: x ln(y) is smooth there, dx = ln(y) (only x == 0, y <= 0 pins it to 0)
add(given_values("xlogy", lambda x, y: x.xlogy(y), None,
                 [[0.0, 0.0, 1.0, -2.0], [2.0, 0.5, 3.0, 1.5]], variant="zero_x"))
# at the origin the angle is undefined: PyTorch's gradient there is 0
add(given_values("atan2", lambda x, y: x.atan2(y), None,
                 [[0.0, 1.0, 0.0, 1e-200], [0.0, 2.0, -1.0, 1e-200]], variant="origin",
                 gradcheck=False, f32=False))
add(binary("copysign", lambda x, y: x.copysign(y), x=NONZERO, y=NONZERO))
add(picked("fmax", lambda x, y: x.fmax(y), variant="broadcast"))
add(picked("fmin", lambda x, y: x.fmin(y), variant="broadcast"))
add(given_values("fmax", lambda x, y: x.fmax(y), None,
                 [[1.0, np.nan, np.nan, 2.0, 3.0], [np.nan, 1.0, np.nan, 2.0, -1.0]],
                 variant="nan_ties", gradcheck=False))
add(given_values("fmin", lambda x, y: x.fmin(y), None,
                 [[1.0, np.nan, np.nan, 2.0, 3.0], [np.nan, 1.0, np.nan, 2.0, -1.0]],
                 variant="nan_ties", gradcheck=False))


def _lerp_make(rng: np.random.Generator, shapes3: tuple[tuple[int, ...], ...]) -> Sample:
    return Sample((normal(rng, shapes3[0]), normal(rng, shapes3[1]),
                   uniform(rng, shapes3[2], -0.5, 1.5)))


add(row("lerp", lambda a, b, w: a.lerp(b, w), None, bshapes(3), _lerp_make, variant="broadcast"))
add(row("lerp", lambda a, b: a.lerp(b, 0.3), None, bshapes(2),
        lambda rng, s: Sample((normal(rng, s[0]), normal(rng, s[1]))), variant="scalar_weight_low"))
add(row("lerp", lambda a, b: tg.lerp(a, b, 0.8), lambda a, b: torch.lerp(a, b, 0.8), bshapes(2),
        lambda rng, s: Sample((normal(rng, s[0]), normal(rng, s[1]))),
        variant="scalar_weight_high"))
add(given_values("lerp", lambda a, b, w: a.lerp(b, w), None,
                 [[1.0, -2.0, 3.0], [5.0, 4.0, -1.0], [1.0, 0.0, 0.5]], variant="endpoints"))
# weight 1 gives exactly ``end`` even from a huge start; central differences are meaningless
# next to 1e10 (its ulp is 2e-6, above the step), so no gradcheck, only torch parity
add(given_values("lerp", lambda a, b, w: a.lerp(b, w), None,
                 [[1.0, 1e10], [5.0, 1.0], [1.0, 1.0]], variant="endpoints_huge_start",
                 gradcheck=False))
