"""Catalog rows of the elementwise ops (``tinygrad_edu/ops/elementwise.py``): arithmetic with
broadcasting, exp/log and friends, activations, clamp, maximum/minimum, where, comparisons and
dtype casts.
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from catalog.base import (
    TF,
    OpRow,
    Sample,
    binary,
    bshapes,
    given_values,
    ints,
    normal,
    picked,
    row,
    shapes,
    signed,
    torch,
    unary,
    uniform,
)
from tinygrad_edu.autograd import apply_op

ROWS: list[OpRow] = []
add = ROWS.append

POS = lambda rng, s: uniform(rng, s, 0.2, 3.0)  # noqa: E731 - log, sqrt, pow base
NONZERO = lambda rng, s: signed(rng, s, 0.5, 2.0)  # noqa: E731 - divisors
TIES = lambda rng, s: ints(rng, s, -2, 3).astype(np.float64)  # noqa: E731 - comparisons

# --- arithmetic, broadcasting
add(binary("add", lambda x, y: x + y))
add(binary("sub", lambda x, y: x - y))
add(binary("mul", lambda x, y: x * y))
add(binary("div", lambda x, y: x / y, y=NONZERO))
add(binary("pow", lambda x, y: x**y, x=POS, y=lambda rng, s: uniform(rng, s, -2, 2)))
add(unary("pow", lambda x: x**3, variant="int_exponent_negative_base",
          values=lambda rng, s: normal(rng, s)))
add(unary("pow", lambda x: x**0.5, variant="scalar_exponent", values=POS))
add(unary("pow", lambda x: 2.0**x, variant="scalar_base"))
add(unary("add", lambda x: (2.0 - x) * 3.0 / (x * x + 1.0) + 0.5 - x / 4.0,
          variant="python_scalars", covers=("add", "sub", "mul", "div")))
add(binary("add", lambda x, y: x.add(y, alpha=2.5), variant="alpha", covers=("add", "mul")))
add(unary("neg", lambda x: -x))
add(unary("abs", lambda x: x.abs(), kinks=(0.0,)))
add(unary("abs", abs, variant="builtin", kinks=(0.0,)))

# --- exp, log and friends
add(unary("exp", lambda x: x.exp()))
add(unary("log", lambda x: x.log(), values=POS))
add(unary("sqrt", lambda x: x.sqrt(), values=POS))
add(unary("sin", lambda x: x.sin(), values=lambda rng, s: normal(rng, s, 3.0)))
add(unary("cos", lambda x: x.cos(), values=lambda rng, s: normal(rng, s, 3.0)))
add(unary("tanh", lambda x: x.tanh()))
add(unary("sigmoid", lambda x: x.sigmoid(), values=lambda rng, s: normal(rng, s, 3.0)))
add(given_values("sigmoid", lambda x: x.sigmoid(), None,
                 [[-745.0, -60.0, -30.0, -1e-3, 0.0, 30.0, 60.0, 800.0]], variant="extreme",
                 gradcheck=False, f32=False))
add(unary("exp", lambda x: x.exp().log(), variant="log_exp_roundtrip", covers=("exp", "log")))


def _activation_backward(name: str, lo: float, hi: float) -> OpRow:
    """tanh's and sigmoid's backward as ops of (upstream gradient, output), the nodes of a
    gradient's graph: output values in the activation's range."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        return Sample((normal(rng, shape), uniform(rng, shape, lo, hi)))

    return row(name, lambda d, o: apply_op(name, d, o),
               lambda d, o: getattr(torch.ops.aten, name)(d, o), shapes(), make)


add(_activation_backward("tanh_backward", -0.95, 0.95))
add(_activation_backward("sigmoid_backward", 0.02, 0.98))

# --- activations
add(unary("relu", lambda x: x.relu(), kinks=(0.0,)))
add(unary("relu", lambda x: F.relu(x), lambda x: TF.relu(x), variant="F", kinks=(0.0,)))
add(unary("leaky_relu", lambda x: F.leaky_relu(x), lambda x: TF.leaky_relu(x), kinks=(0.0,)))
add(unary("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2),
          variant="slope_0.2", kinks=(0.0,)))
add(unary("elu", lambda x: F.elu(x), lambda x: TF.elu(x), kinks=(0.0,)))
add(unary("elu", lambda x: F.elu(x, alpha=0.5), lambda x: TF.elu(x, alpha=0.5),
          variant="alpha_0.5", kinks=(0.0,)))
add(row("gelu", lambda x: F.gelu(x), lambda x: TF.gelu(x), shapes(1),
        lambda rng, s: Sample((normal(rng, s, 2.0),))))
add(given_values("gelu", lambda x: F.gelu(x), lambda x: TF.gelu(x), [0.7], variant="0d"))
add(unary("gelu", lambda x: F.gelu(x, approximate="tanh"),
          lambda x: TF.gelu(x, approximate="tanh"), variant="tanh",
          values=lambda r, s: normal(r, s, 2)))
add(unary("softplus", lambda x: F.softplus(x), lambda x: TF.softplus(x),
          values=lambda r, s: normal(r, s, 3)))
add(unary("softplus", lambda x: F.softplus(x, beta=2.0, threshold=1.5),
          lambda x: TF.softplus(x, beta=2.0, threshold=1.5), variant="beta2_threshold1.5",
          values=lambda r, s: normal(r, s, 2), kinks=(0.75,)))
add(given_values("softplus", lambda x: F.softplus(x), lambda x: TF.softplus(x),
                 [[-800.0, -40.0, -19.0, 19.0, 21.0, 40.0, 800.0]], variant="extreme",
                 gradcheck=False, f32=False))
add(unary("sigmoid", lambda x: F.sigmoid(x), lambda x: torch.sigmoid(x), variant="F"))
add(unary("tanh", lambda x: F.tanh(x), lambda x: torch.tanh(x), variant="F"))
add(unary("clamp", lambda x: x.clamp(-0.5, 0.7), kinks=(-0.5, 0.7), variant="min_max"))
add(unary("clamp", lambda x: x.clamp(min=-0.3), kinks=(-0.3,), variant="min"))
add(unary("clamp", lambda x: x.clamp(max=0.2), kinks=(0.2,), variant="max"))
add(unary("clamp", lambda x: x.clip(-1, 1), kinks=(-1.0, 1.0), variant="clip_int_bounds"))


def _clamp_tensor_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    lo = normal(rng, shape, 0.5) - 0.5
    hi = lo + uniform(rng, shape, 0.3, 1.0)
    x = normal(rng, shape)
    while True:  # no element of x within 0.05 of a bound: the max/min picks are smooth
        close = (np.abs(x - lo) < 0.05) | (np.abs(x - hi) < 0.05)
        if not close.any():
            return Sample((x, lo, hi))
        x = np.where(close, normal(rng, shape), x)


add(row("clamp", lambda x, lo, hi: x.clamp(lo, hi), None, shapes(0, 3), _clamp_tensor_make,
        covers=("where", "lt", "gt"), variant="tensor_bounds"))

# --- maximum / minimum / max(other)
add(picked("maximum", lambda x, y: x.maximum(y), variant="broadcast"))
add(picked("minimum", lambda x, y: x.minimum(y), variant="broadcast"))
add(picked("max", lambda x, y: x.max(y), variant="other", covers=("maximum",)))
add(picked("min", lambda x, y: x.min(y), variant="other", covers=("minimum",)))
add(given_values("maximum", lambda x, y: x.maximum(y), None,
                 [[[1.0, 2.0, -1.0], [0.5, 3.0, 3.0]], [1.0, 3.0, -1.0]], variant="ties",
                 gradcheck=False))
add(given_values("minimum", lambda x, y: x.minimum(y), None,
                 [[[1.0, 2.0, -1.0], [0.5, 3.0, 3.0]], [1.0, 3.0, -1.0]], variant="ties",
                 gradcheck=False))

# --- where and masked_fill


def _where_make(rng: np.random.Generator, shapes3: tuple[tuple[int, ...], ...]) -> Sample:
    cond = rng.random(shapes3[0]) < 0.5
    return Sample((np.asarray(cond), normal(rng, shapes3[1]), normal(rng, shapes3[2])))


add(row("where", lambda c, x, y: tg.where(c, x, y), lambda c, x, y: torch.where(c, x, y),
        bshapes(3), _where_make, variant="broadcast"))
add(row("where", lambda c, x: tg.where(c, x, 0.5), lambda c, x: torch.where(c, x, 0.5),
        bshapes(2), lambda rng, s: Sample((np.asarray(rng.random(s[0]) < 0.5), normal(rng, s[1]))),
        covers=("where",), variant="scalar_other"))


def _mask_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    # the mask broadcasts to x: drop some leading dims and set some sides to 1
    k = int(rng.integers(0, len(shape) + 1))
    mshape = tuple(1 if rng.random() < 0.3 else n for n in shape[k:])
    return Sample((normal(rng, shape), np.asarray(rng.random(mshape) < 0.5)))


add(row("masked_fill", lambda x, m: x.masked_fill(m, -1.5), None, shapes(), _mask_make,
        covers=("where",)))

# --- comparisons (not differentiable; integer-valued floats so that ties happen)
for _name, _fn in (("eq", lambda x, y: x == y), ("ne", lambda x, y: x != y),
                   ("lt", lambda x, y: x < y), ("le", lambda x, y: x <= y),
                   ("gt", lambda x, y: x > y), ("ge", lambda x, y: x >= y)):
    add(binary(_name, _fn, x=TIES, y=TIES, differentiable=False))
add(unary("gt", lambda x: x > 0.5, variant="scalar", differentiable=False))
add(unary("ge", lambda x: 1.0 <= x, variant="reflected_scalar", differentiable=False))

# --- dtype casts
add(unary("cast", lambda x: (x.float() * 1.5).double(), variant="f64_f32_f64", gradcheck=False,
          covers=("cast", "mul"), rtol=1e-7, f32=False))
add(unary("cast", lambda x: x.double() * 2.0, variant="f32_to_f64", covers=("mul",)))
add(unary("cast", lambda x: (x > 0).double() * x, variant="bool_to_f64", kinks=(0.0,),
          covers=("cast", "gt", "mul")))
add(unary("cast", lambda x: x.long(), variant="to_int64", differentiable=False,
          values=lambda r, s: normal(r, s, 3.0)))
add(unary("cast", lambda x: x.to(tg.float32) if isinstance(x, tg.Tensor) else x.to(torch.float32),
          variant="to_f32", differentiable=True, gradcheck=False, rtol=1e-7))
