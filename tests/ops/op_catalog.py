"""The op catalog: one or more rows per op, driving the parity, gradcheck and registry tests.

Like PyTorch's OpInfo, a row says how to call an op in tinygrad_edu and in PyTorch, which
inputs it accepts (shapes, including broadcasting pairs, and the domain of the values), whether
it is differentiable and how close the results must be. The tests never restate this:

- ``test_ops_parity.py`` runs every row forward (float64 and float32) and backward (float64,
  random cotangent) against PyTorch;
- ``test_gradcheck.py`` checks every differentiable row against central differences;
- ``test_registry.py`` fails when a registered op (``tinygrad_edu.autograd.OPS``) has no row
  whose ``covers`` names it, or when a row names an op that is not registered.

A row's ``make(rng, spec)`` turns a drawn ``spec`` (shapes and the like, from the hypothesis
strategy ``spec(size)``) and a seeded numpy generator into a :class:`Sample`: the array inputs
(float64 ones are differentiated unless listed in ``nograd``; integer and bool ones are labels,
indices and masks) and the static keyword arguments passed to both functions. Values come from
the seeded generator (random, not symmetric) and are kept away from kinks where a row says so.

Adding an op: register it, then add a row here; the three test files pick it up.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import apply_op

try:  # the catalog imports without torch; only the torch lambdas need it (when called)
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - test_ops_parity skips without torch
    torch = None
    TF = None

Array = NDArray[Any]


# ----------------------------------------------------------------------------- rows and samples


class Size(NamedTuple):
    """How large drawn shapes may get: longest side and most dims."""

    max_side: int
    max_dims: int


PARITY = Size(max_side=5, max_dims=4)  # parity: cheap, so larger shapes
GRAD = Size(max_side=3, max_dims=3)  # gradcheck: two forwards per input element

Spec = Callable[[Size], st.SearchStrategy[Any]]


@dataclasses.dataclass
class Sample:
    """One set of inputs for a row.

    Attributes:
        args: the positional array inputs. float64 arrays are differentiated (unless their
            index is in ``nograd``); integer and bool arrays are passed through.
        kwargs: static arguments (dims, sizes, index keys, flags), the same for both libraries.
        nograd: indices of float arrays that get no gradient (class weights, BCE targets).
        seed: the generator seed the values came from (for the cotangent and for reports).
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    nograd: frozenset[int] = frozenset()
    seed: int = 0

    def __post_init__(self) -> None:
        # numpy arithmetic on 0-d arrays gives scalars; keep every input an ndarray
        self.args = tuple(np.asarray(a) for a in self.args)

    def grad_indices(self) -> list[int]:
        """Indices of the inputs that are differentiated."""
        return [i for i, a in enumerate(self.args)
                if isinstance(a, np.ndarray) and a.dtype.kind == "f" and i not in self.nograd]

    def __repr__(self) -> str:
        parts = [f"{a.dtype}{list(a.shape)}" if isinstance(a, np.ndarray) else repr(a)
                 for a in self.args]
        kw = ", ".join(f"{k}={_short(v)}" for k, v in self.kwargs.items())
        return (f"Sample(args=[{', '.join(parts)}], kwargs={{{kw}}}, "
                f"nograd={sorted(self.nograd)}, seed={self.seed})")


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"array({v.tolist()})"
    return repr(v)


@dataclasses.dataclass(frozen=True)
class OpRow:
    """One catalog row: an op, one way of calling it, its inputs and its tolerances.

    Attributes:
        name: the registered primitive (``OPS`` key) or composite name the row tests.
        variant: what distinguishes this row from other rows of the same name.
        fn_ours: function of tinygrad_edu Tensors (``*args, **kwargs`` of a Sample).
        fn_torch: the same on torch tensors, or None when ``fn_ours`` serves both.
        spec: ``spec(size)`` is a hypothesis strategy of what ``make`` needs (shapes, ...).
        make: ``make(rng, spec_value) -> Sample``.
        covers: the registered ops this row exercises (checked by tracing in test_registry).
        differentiable: backward parity and gradchecks apply.
        gradcheck: central differences are valid here (False for rows placed on purpose at
            ties/kinks or going through float32, where a difference quotient is meaningless).
        rtol, atol: forward tolerances in float64.
        grad_rtol, grad_atol: gradient tolerances in float64.
        f32: run the float32 forward check.
        f32_rtol, f32_atol: its tolerances.
        max_examples: cap on hypothesis examples for slow rows (None: the profile's).
        xfail: test kind ("forward", "backward", "f32", "gradcheck") -> reason, for known
            package bugs; the tests mark those cases ``xfail(strict=True)``.
    """

    name: str
    variant: str
    fn_ours: Callable[..., Any]
    fn_torch: Callable[..., Any] | None
    spec: Spec
    make: Callable[[np.random.Generator, Any], Sample]
    covers: frozenset[str]
    differentiable: bool = True
    gradcheck: bool = True
    rtol: float = 1e-7
    atol: float = 1e-10
    grad_rtol: float = 1e-7
    grad_atol: float = 1e-9
    f32: bool = True
    f32_rtol: float = 1e-5
    f32_atol: float = 1e-6
    max_examples: int | None = None
    xfail: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def id(self) -> str:
        """Test id: ``name`` or ``name-variant``."""
        return f"{self.name}-{self.variant}" if self.variant else self.name

    @property
    def primitive(self) -> frozenset[str]:
        """The registered ops this row covers (alias of ``covers``)."""
        return self.covers

    @property
    def torch_fn(self) -> Callable[..., Any]:
        """The torch-side function."""
        return self.fn_torch if self.fn_torch is not None else self.fn_ours

    def strategy(self, size: Size = PARITY) -> st.SearchStrategy[Sample]:
        """Samples for this row: a drawn spec, and values from a drawn seed."""
        seeds = st.integers(0, 2**32 - 1)
        return st.tuples(self.spec(size), seeds).map(lambda drawn: self.build(*drawn))

    def build(self, spec_value: Any, seed: int) -> Sample:
        """The sample for one spec value and seed (deterministic)."""
        rng = np.random.default_rng([seed, zlib.crc32(self.id.encode())])
        sample = self.make(rng, spec_value)
        sample.seed = seed
        return sample


# ----------------------------------------------------------------------------- specs


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1) -> Spec:
    """One shape; ``max_dims`` is lowered to the size's ``max_dims`` (never below min_dims)."""

    def spec(size: Size) -> st.SearchStrategy[tuple[int, ...]]:
        hi = max(min_dims, min(max_dims, size.max_dims))
        return hnp.array_shapes(min_dims=min_dims, max_dims=hi, min_side=min_side,
                                max_side=max(min_side, size.max_side))

    return spec


def bshapes(n: int = 2, min_dims: int = 0, max_dims: int = 4) -> Spec:
    """``n`` shapes that broadcast together (numpy rules)."""

    def spec(size: Size) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
        hi = max(min_dims, min(max_dims, size.max_dims))
        return hnp.mutually_broadcastable_shapes(
            num_shapes=n, min_dims=min_dims, max_dims=hi, max_side=size.max_side,
        ).map(lambda b: tuple(b.input_shapes))

    return spec


def sides(n: int, lo: int = 1, hi: int | None = None) -> Spec:
    """``n`` independent sides in ``[lo, hi or size.max_side]``."""

    def spec(size: Size) -> st.SearchStrategy[tuple[int, ...]]:
        top = max(lo, hi if hi is not None else size.max_side)
        return st.tuples(*[st.integers(lo, top)] * n)

    return spec


def fixed(value: Any = None) -> Spec:
    """A fixed spec: the row's values still vary with the seed."""
    return lambda size: st.just(value)


def one_of(*options: Any) -> Spec:
    """A spec drawn from a list of fixed values."""
    return lambda size: st.sampled_from(options)


# ----------------------------------------------------------------------------- values


def normal(rng: np.random.Generator, shape: Sequence[int], scale: float = 1.0) -> Array:
    """Standard-normal float64 values times ``scale``."""
    return np.asarray(rng.standard_normal(tuple(shape)) * scale, dtype=np.float64)


def uniform(rng: np.random.Generator, shape: Sequence[int], lo: float, hi: float) -> Array:
    """Uniform float64 values in ``[lo, hi)``."""
    return np.asarray(rng.uniform(lo, hi, tuple(shape)), dtype=np.float64)


def signed(rng: np.random.Generator, shape: Sequence[int], lo: float, hi: float) -> Array:
    """Magnitudes in ``[lo, hi)`` with random signs: kept away from zero."""
    sign = np.where(rng.random(tuple(shape)) < 0.5, -1.0, 1.0)
    return uniform(rng, shape, lo, hi) * sign


def ints(rng: np.random.Generator, shape: Sequence[int], lo: int, hi: int) -> Array:
    """int64 values in ``[lo, hi)``."""
    return np.asarray(rng.integers(lo, hi, tuple(shape)), dtype=np.int64)


def away(x: Array, points: Sequence[float] = (0.0,), margin: float = 0.05) -> Array:
    """Push values within ``margin`` of any of ``points`` out to at least ``margin`` away."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        d = x - p
        close = np.abs(d) < margin
        x = np.where(close, p + np.where(d >= 0, 1.0, -1.0) * (margin + np.abs(d)), x)
    return x


def distinct(rng: np.random.Generator, shape: Sequence[int], gap: float = 0.05) -> Array:
    """Normal values whose pairwise gaps are all at least ``gap`` (no ties, no near-ties)."""
    n = int(np.prod(shape))
    base = np.cumsum(rng.uniform(gap, 1.0, n))
    base -= base.mean()
    return np.asarray(rng.permutation(base).reshape(tuple(shape)), dtype=np.float64)


def pick_dims(rng: np.random.Generator, ndim: int, none: bool = True, tup: bool = True,
              ) -> int | tuple[int, ...] | None:
    """A ``dim`` argument: None, an int (maybe negative) or a tuple of distinct axes."""
    if ndim == 0:
        return None
    kinds = ["int"] + (["none"] if none else []) + (["tuple"] if tup else [])
    kind = kinds[rng.integers(len(kinds))]
    if kind == "none":
        return None
    if kind == "int":
        return int(rng.integers(-ndim, ndim))
    k = int(rng.integers(1, ndim + 1))
    axes = rng.permutation(ndim)[:k]
    return tuple(int(a) - ndim if rng.random() < 0.5 else int(a) for a in axes)


def _fill(rng: np.random.Generator, shape: Sequence[int], fn: Callable[..., Array] | None,
          ) -> Array:
    return normal(rng, shape, 1.5) if fn is None else fn(rng, shape)


# ----------------------------------------------------------------------------- row factories

Values = Callable[[np.random.Generator, Sequence[int]], Array]


def row(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None, spec: Spec,
        make: Callable[[np.random.Generator, Any], Sample], covers: Sequence[str] | None = None,
        variant: str = "", **opts: Any) -> OpRow:
    """A row; ``covers`` defaults to ``{name}``."""
    return OpRow(name, variant, fn, fn_torch, spec, make,
                 frozenset(covers if covers is not None else (name,)), **opts)


def unary(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None = None, *,
          values: Values | None = None, kinks: Sequence[float] = (), variant: str = "",
          covers: Sequence[str] | None = None, **opts: Any) -> OpRow:
    """An elementwise op of one input, on shapes of 0..4 dims."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        return Sample((away(_fill(rng, shape, values), kinks) if kinks else
                       _fill(rng, shape, values),))

    return row(name, fn, fn_torch, shapes(), make, covers, variant, **opts)


def binary(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None = None, *,
           x: Values | None = None, y: Values | None = None, variant: str = "broadcast",
           covers: Sequence[str] | None = None, **opts: Any) -> OpRow:
    """An elementwise op of two inputs whose shapes broadcast together."""

    def make(rng: np.random.Generator, shape_pair: tuple[tuple[int, ...], ...]) -> Sample:
        return Sample((_fill(rng, shape_pair[0], x), _fill(rng, shape_pair[1], y)))

    return row(name, fn, fn_torch, bshapes(2), make, covers, variant, **opts)


def picked(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None = None,
           **opts: Any) -> OpRow:
    """maximum/minimum-like binary op with broadcasting and no near-ties (smooth there)."""

    def make(rng: np.random.Generator, shape_pair: tuple[tuple[int, ...], ...]) -> Sample:
        a, b = shape_pair
        while True:
            x, y = normal(rng, a), normal(rng, b)
            if np.all(np.abs(np.subtract(x, y)) > 0.05):
                return Sample((x, y))

    return row(name, fn, fn_torch, bshapes(2), make, **opts)


def reduction(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None = None, *,
              values: Values | None = None, none: bool = True, tup: bool = True,
              min_side: int = 1, min_dims: int = 0, variant: str = "",
              covers: Sequence[str] | None = None, **opts: Any) -> OpRow:
    """A reduction ``fn(x, dim=..., keepdim=...)`` over drawn dims."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = pick_dims(rng, len(shape), none=none or len(shape) == 0, tup=tup)
        return Sample((_fill(rng, shape, values),),
                      {"dim": dim, "keepdim": bool(rng.integers(2))})

    return row(name, fn, fn_torch, shapes(min_dims=min_dims, min_side=min_side), make, covers,
               variant, **opts)


def given_values(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None,
                 arrays: Sequence[Any], kwargs: dict[str, Any] | None = None,
                 variant: str = "", covers: Sequence[str] | None = None,
                 nograd: Sequence[int] = (), **opts: Any) -> OpRow:
    """A row on fixed values (ties, zeros, extremes); the arrays are copied per sample."""

    def make(rng: np.random.Generator, _: Any) -> Sample:
        return Sample(tuple(np.array(a) for a in arrays), dict(kwargs or {}), frozenset(nograd))

    return row(name, fn, fn_torch, fixed(), make, covers, variant, **opts)


# ----------------------------------------------------------------------------- lambda helpers


def setitem(x: Any, key: Any, value: Any) -> Any:
    """``y = x.clone(); y[key] = value``: the same code runs on both libraries."""
    y = x.clone()
    y[key] = value
    return y


def setitem_midgraph(x: Any, v: Any, key: Any) -> Any:
    """In-place write into a non-leaf, then use both the result and x again."""
    y = x * 2.0
    y[key] = v
    return y * x


# ----------------------------------------------------------------------------- the rows

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
        covers=("maximum", "minimum"), variant="tensor_bounds"))

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

# --- dtype casts and copies
add(unary("cast", lambda x: (x.float() * 1.5).double(), variant="f64_f32_f64", gradcheck=False,
          covers=("cast", "mul"), rtol=1e-7, f32=False))
add(unary("cast", lambda x: x.double() * 2.0, variant="f32_to_f64", covers=("mul",)))
add(unary("cast", lambda x: (x > 0).double() * x, variant="bool_to_f64", kinks=(0.0,),
          covers=("cast", "gt", "mul")))
add(unary("cast", lambda x: x.long(), variant="to_int64", differentiable=False,
          values=lambda r, s: normal(r, s, 3.0)))
add(unary("cast", lambda x: x.to(tg.float32) if isinstance(x, tg.Tensor) else x.to(torch.float32),
          variant="to_f32", differentiable=True, gradcheck=False, rtol=1e-7))
add(unary("clone", lambda x: x.clone()))
add(row("clone", lambda x: x.T.contiguous(), None, shapes(2, 2),
        lambda rng, s: Sample((normal(rng, s),)), covers=("permute", "clone"),
        variant="contiguous_of_transpose"))

# --- reductions
add(reduction("sum", lambda x, dim, keepdim: x.sum(dim=dim, keepdim=keepdim)))
add(unary("sum", lambda x: x.sum(), variant="all"))
add(reduction("mean", lambda x, dim, keepdim: x.mean(dim=dim, keepdim=keepdim),
              covers=("sum", "div")))
for _c in (0, 1, 2):
    add(reduction("var", lambda x, dim, keepdim, c=_c: x.var(dim=dim, keepdim=keepdim,
                                                             correction=c),
                  min_side=_c + 1, min_dims=min(_c, 1), variant=f"correction{_c}",
                  covers=("sum", "sub", "mul", "div")))
add(reduction("var", lambda x, dim, keepdim: x.var(dim, False, keepdim), tup=False, none=False,
              min_dims=1, variant="unbiased_false", covers=("sum", "mul")))
add(reduction("std", lambda x, dim, keepdim: x.std(dim=dim, keepdim=keepdim), min_side=2,
              min_dims=1,
              covers=("sum", "sub", "mul", "div", "sqrt")))
add(reduction("std", lambda x, dim, keepdim: x.std(dim=dim, keepdim=keepdim, correction=0),
              min_side=2, min_dims=1, variant="correction0", covers=("sqrt",)))
add(given_values("std", lambda x: x.std(dim=1, correction=0), None,
                 [[[0.5, 0.5, 0.5], [1.0, -2.0, 0.25]]], variant="zero_variance",
                 covers=("sqrt", "where"), gradcheck=False))
add(reduction("prod", lambda x, dim, keepdim: x.prod() if dim is None else
              x.prod(dim, keepdim=keepdim), values=lambda r, s: signed(r, s, 0.5, 1.5),
              tup=False))
add(given_values("prod", lambda x, dim: x.prod(dim), None,
                 [[[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.2, -0.7, 2.0]]], {"dim": 1},
                 variant="zeros_dim"))
add(given_values("prod", lambda x: x.prod(), None, [[[0.0, 2.0], [-3.0, 0.5]]],
                 variant="one_zero_all"))
add(given_values("prod", lambda x: x.prod(), None, [[0.0, 2.0, 0.0, 1.5]],
                 variant="two_zeros_all"))


def _amax_fn(op: str) -> Callable[..., Any]:
    return lambda x, dim, keepdim: getattr(x, op)(dim=() if dim is None else dim,
                                                  keepdim=keepdim)


add(reduction("amax", _amax_fn("amax"), values=distinct))
add(reduction("amin", _amax_fn("amin"), values=distinct))
TIED = [[[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0]],
        [[5.0, 5.0, 5.0, 5.0], [-1.0, 0.0, 0.0, 4.0]]]
for _op in ("amax", "amin"):
    add(given_values(_op, lambda x, dim, keepdim, op=_op: getattr(x, op)(dim, keepdim=keepdim),
                     None, [TIED], {"dim": (0, 2), "keepdim": False}, variant="ties_tuple_dim",
                     gradcheck=False))
    add(given_values(_op, lambda x, op=_op: getattr(x, op)(-1), None, [TIED],
                     variant="ties_last_dim", gradcheck=False))
    add(given_values(_op, lambda x, op=_op: getattr(x, op)(), None, [TIED], variant="ties_all",
                     gradcheck=False))
add(unary("max", lambda x: x.max(), values=distinct, variant="all", covers=("amax",)))
add(unary("min", lambda x: x.min(), values=distinct, variant="all", covers=("amin",)))
add(given_values("max", lambda x: x.max(), None, [TIED], variant="all_ties", covers=("amax",),
                 gradcheck=False))
add(given_values("min", lambda x: x.min(), None, [TIED], variant="all_ties", covers=("amin",),
                 gradcheck=False))
for _op, _arg in (("max", "argmax"), ("min", "argmin")):
    add(reduction(_op, lambda x, dim, keepdim, op=_op: tuple(getattr(x, op)(dim, keepdim)),
                  values=distinct, none=False, tup=False, min_dims=1, variant="dim",
                  covers=(_arg, "take_along_dim")))
    add(given_values(_op, lambda x, op=_op: tuple(getattr(x, op)(2)), None, [TIED],
                     variant="dim_ties_route_to_index", covers=(_arg, "take_along_dim"),
                     gradcheck=False))
    add(reduction(_arg, lambda x, dim, keepdim, op=_arg: getattr(x, op)(dim=dim, keepdim=keepdim),
                  values=distinct, tup=False, differentiable=False))
    add(given_values(_arg, lambda x, dim, op=_arg: getattr(x, op)(dim), None, [TIED],
                     {"dim": 2}, variant="ties_first_index", differentiable=False))
    add(given_values(_arg, lambda x, op=_arg: getattr(x, op)(), None, [TIED],
                     variant="ties_flat", differentiable=False))
add(reduction("logsumexp", lambda x, dim, keepdim: x.logsumexp(dim, keepdim=keepdim), none=False,
              min_dims=1, covers=("amax", "sub", "exp", "sum", "log", "add")))
add(reduction("logsumexp", lambda x, dim, keepdim: x.logsumexp(dim, keepdim=keepdim), none=False,
              min_dims=1, values=lambda r, s: normal(r, s, 1e4), variant="large_1e4",
              covers=("amax", "exp", "log"), f32=False, atol=1e-8))


def _take_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim = int(rng.integers(len(shape)))
    ishape = list(shape)
    ishape[dim] = int(rng.integers(1, 5))
    index = ints(rng, ishape, 0, shape[dim])  # repeats accumulate in backward
    return Sample((normal(rng, shape), index), {"dim": dim})


add(row("take_along_dim", lambda x, i, dim: apply_op("take_along_dim", x, i, dim=dim),
        lambda x, i, dim: torch.take_along_dim(x, i, dim), shapes(1), _take_make))

# --- shapes: reshape, view, flatten, squeeze, permute, expand, repeat


def _reshape_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    n = int(np.prod(shape))
    options: list[tuple[int, ...]] = [(n,), (-1,), tuple(reversed(shape)), (1, *shape, 1)]
    if shape:
        options.append((*shape[:-1], 1, shape[-1]) if len(shape) > 1 else (1, n))
        options.append((-1, shape[-1]))
    return Sample((normal(rng, shape),), {"shape": options[int(rng.integers(len(options)))]})


def _reshape_varargs_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    sample = _reshape_make(rng, shape)
    if not sample.kwargs["shape"]:  # x.view() with no sizes is not a call torch accepts
        sample.kwargs["shape"] = (1,)
    return sample


add(row("reshape", lambda x, shape: x.reshape(shape), None, shapes(), _reshape_make))
add(row("reshape", lambda x, shape: x.reshape(*shape), None, shapes(), _reshape_varargs_make,
        variant="varargs"))
add(row("view", lambda x, shape: x.view(*shape), None, shapes(), _reshape_varargs_make,
        covers=("reshape",)))


def _flatten_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    nd = max(len(shape), 1)
    a, b = sorted(int(v) for v in rng.integers(0, nd, 2))
    return Sample((normal(rng, shape),), {"start_dim": a - nd * int(rng.integers(2)),
                                          "end_dim": b})


add(row("flatten", lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim), None,
        shapes(1), _flatten_make, covers=("reshape",)))
add(unary("flatten", lambda x: x.flatten(), variant="all", covers=()))


def _unflatten_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int, int]) -> Sample:
    shape, a, b = spec
    dim = int(rng.integers(len(shape) + 1))
    full = (*shape[:dim], a * b, *shape[dim:])
    sizes = (a, b) if rng.random() < 0.5 else (-1, b)
    return Sample((normal(rng, full),), {"dim": dim - len(full) * int(rng.integers(2)),
                                         "sizes": sizes})


add(row("unflatten", lambda x, dim, sizes: x.unflatten(dim, sizes), None,
        lambda size: st.tuples(shapes(0, 2)(size), st.integers(1, 3), st.integers(1, 3)),
        _unflatten_make, covers=("reshape",)))


def _squeeze_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim: Any = None
    if shape and rng.random() < 0.7:
        dim = pick_dims(rng, len(shape), none=False)
    return Sample((normal(rng, shape),), {"dim": dim})


add(row("squeeze", lambda x, dim: x.squeeze() if dim is None else x.squeeze(dim), None,
        lambda size: hnp.array_shapes(min_dims=0, max_dims=size.max_dims, max_side=2),
        _squeeze_make, covers=()))
add(row("unsqueeze", lambda x, dim: x.unsqueeze(dim), None, shapes(),
        lambda rng, s: Sample((normal(rng, s),), {"dim": int(rng.integers(-len(s) - 1,
                                                                          len(s) + 1))}),
        covers=("reshape",)))
add(row("permute", lambda x, dims: x.permute(*dims), None, shapes(1),
        lambda rng, s: Sample((normal(rng, s),), {"dims": tuple(
            int(d) - len(s) * int(rng.integers(2)) for d in rng.permutation(len(s)))})))
add(row("permute", lambda x, dims: x.permute(dims), None, shapes(2),
        lambda rng, s: Sample((normal(rng, s),), {"dims": tuple(int(d) for d in
                                                                rng.permutation(len(s)))}),
        variant="tuple_arg"))
add(row("transpose", lambda x, a, b: x.transpose(a, b), None, shapes(1),
        lambda rng, s: Sample((normal(rng, s),), {"a": int(rng.integers(-len(s), len(s))),
                                                  "b": int(rng.integers(-len(s), len(s)))}),
        covers=()))
add(row("transpose", lambda x: x.T, None, shapes(2, 2), lambda rng, s: Sample((normal(rng, s),)),
        variant="T", covers=("permute",)))
add(row("transpose", lambda x: x.t(), None, shapes(2, 2), lambda rng, s: Sample((normal(rng, s),)),
        variant="t", covers=("permute",)))


def _expand_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    shape, lead = spec
    lead = max(lead, 0 if shape else 1)  # x.expand() with no sizes is not a valid call
    small = tuple(1 if rng.random() < 0.5 else n for n in shape)
    keep = [n if m != 1 else (-1 if rng.random() < 0.3 else n)
            for m, n in zip(small, shape, strict=True)]
    target = [int(n) for n in rng.integers(1, 4, lead)] + keep
    return Sample((normal(rng, small),), {"shape": tuple(target)})


add(row("expand", lambda x, shape: x.expand(*shape), None,
        lambda size: st.tuples(shapes(0, 3)(size), st.integers(0, 2)), _expand_make))
add(row("repeat", lambda x, sizes: x.repeat(*sizes), None, shapes(0, 3),
        lambda rng, s: Sample((normal(rng, s),), {"sizes": tuple(
            int(v) for v in rng.integers(1, 4, max(1, len(s) + int(rng.integers(0, 2)))))}),
        covers=("reshape", "expand")))

# --- indexing: getitem and setitem (index_put)
IDX_SHAPE = (4, 5, 3)
GETITEM_KEYS: dict[str, Any] = {
    "int": 1,
    "negative_int": -1,
    "int_int": (2, -2),
    "slice_step": (slice(None, None, 2), slice(1, None)),
    "slice_partial": (slice(1, 3), slice(None), slice(0, 2)),
    "none_ellipsis": (None, Ellipsis, 1),
    "ellipsis_none_slice": (Ellipsis, None, slice(0, 2)),
    "bool_mask_full": np.array(np.random.default_rng(7).random(IDX_SHAPE) < 0.4),
    "bool_mask_dim0": np.array([True, False, True, True]),
    "int_array_repeated": np.array([2, 0, 2, 2]),
    "int_list_repeated": [0, 3, 0],
    "int_array_2d": np.array([[0, 1], [1, 1], [3, 0]]),
    "array_then_slice": (np.array([3, 3, 1]), slice(1, 4)),
    "slice_then_array": (slice(None), np.array([4, 0, 4])),
    "two_arrays": (np.array([0, 2, 2]), np.array([1, 1, 4])),
    "arrays_broadcast": (np.array([[0], [3]]), np.array([1, 1, 2]), 0),
}
for _variant, _key in GETITEM_KEYS.items():
    add(row("getitem", lambda x, key: x[key], None, fixed(),
            lambda rng, _, key=_key: Sample((normal(rng, IDX_SHAPE),), {"key": key}),
            variant=_variant))
add(row("getitem", lambda x, i: x[i], lambda x, i: x[i], fixed(),
        lambda rng, _: Sample((normal(rng, IDX_SHAPE), np.array([1, 1, 0, 3]))),
        variant="tensor_index", covers=("getitem",)))

SETITEM_CASES: dict[str, tuple[Any, tuple[int, ...]]] = {
    "slice": ((slice(1, 3),), (2, 5, 3)),
    "slice_broadcast_value": ((slice(None), slice(0, 2)), (3,)),
    "int": ((2, 1), (3,)),
    "int_array": ((np.array([3, 0]),), (2, 5, 3)),
    "two_arrays": ((np.array([0, 2, 3]), np.array([4, 0, 1])), (3, 3)),
    "bool_mask": ((np.array([True, False, True, False]),), (2, 5, 3)),
    "ellipsis": ((Ellipsis, 1), (4, 5)),
}
for _variant, (_key, _vshape) in SETITEM_CASES.items():
    add(row("index_put", lambda x, v, key: setitem(x, key, v), None, fixed(),
            lambda rng, _, key=_key, vs=_vshape: Sample((normal(rng, IDX_SHAPE),
                                                         normal(rng, vs)), {"key": key}),
            variant=f"setitem_{_variant}", covers=("index_put", "clone")))
add(row("index_put", lambda x, key: setitem(x, key, 0.25), None, fixed(),
        lambda rng, _: Sample((normal(rng, IDX_SHAPE),), {"key": (slice(None), 2)}),
        variant="setitem_python_scalar"))
add(row("index_put", lambda x, v, key: setitem_midgraph(x, v, key), None, fixed(),
        lambda rng, _: Sample((normal(rng, IDX_SHAPE), normal(rng, (5, 3))), {"key": 1}),
        variant="setitem_non_leaf", covers=("index_put", "mul")))

# --- joining and splitting


def _cat_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    shape, n = spec
    dim = int(rng.integers(len(shape)))
    arrays = []
    for _ in range(n):
        s = list(shape)
        s[dim] = int(rng.integers(1, 4))
        arrays.append(normal(rng, s))
    return Sample(tuple(arrays), {"dim": dim - len(shape) * int(rng.integers(2))})


add(row("cat", lambda *xs, dim: tg.cat(list(xs), dim), lambda *xs, dim: torch.cat(list(xs), dim),
        lambda size: st.tuples(shapes(1, 3)(size), st.integers(1, 3)), _cat_make))


def _stack_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    shape, n = spec
    dim = int(rng.integers(-len(shape) - 1, len(shape) + 1))
    return Sample(tuple(normal(rng, shape) for _ in range(n)), {"dim": dim})


add(row("stack", lambda *xs, dim: tg.stack(list(xs), dim),
        lambda *xs, dim: torch.stack(list(xs), dim),
        lambda size: st.tuples(shapes(0, 3)(size), st.integers(1, 3)), _stack_make,
        covers=("cat", "reshape")))


def _split_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim = int(rng.integers(len(shape)))
    n = shape[dim]
    if rng.random() < 0.5:
        size: Any = int(rng.integers(1, n + 1))
    else:
        cuts = sorted(int(c) for c in rng.integers(0, n + 1, 2))
        size = [cuts[0], cuts[1] - cuts[0], n - cuts[1]]
    return Sample((normal(rng, shape),), {"size": size, "dim": dim - len(shape) * int(
        rng.integers(2))})


add(row("split", lambda x, size, dim: x.split(size, dim), None, shapes(1), _split_make,
        covers=("getitem",)))
add(row("chunk", lambda x, chunks, dim: x.chunk(chunks, dim), None, shapes(1),
        lambda rng, s: Sample((normal(rng, s),), {"chunks": int(rng.integers(1, 5)),
                                                  "dim": int(rng.integers(-len(s), len(s)))}),
        covers=("getitem",)))


def _pad_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    k = int(rng.integers(1, len(shape) + 1))
    pad = tuple(int(p) for p in rng.integers(0, 3, 2 * k))
    return Sample((normal(rng, shape),), {"pad": pad, "value": float(rng.choice([0.0, -1.5]))})


add(row("pad", lambda x, pad, value: F.pad(x, pad, value=value),
        lambda x, pad, value: TF.pad(x, pad, value=value), shapes(1), _pad_make))

# --- matrix products
MATMUL_PATTERNS = {
    "vec_vec": ("k", "k"),
    "vec_mat": ("k", "km"),
    "mat_vec": ("nk", "k"),
    "mat_mat": ("nk", "km"),
    "batch_batch": ("bnk", "bkm"),
    "batch_mat": ("bnk", "km"),
    "mat_batch": ("nk", "bkm"),
    "vec_batch": ("k", "bkm"),
    "batch_vec": ("bnk", "k"),
    "broadcast_4d": ("c1nk", "bkm"),
    "broadcast_1b": ("1nk", "bkm"),
}


def _matmul_spec(pattern: str) -> Spec:
    return lambda size: st.tuples(*[st.integers(1, size.max_side)] * 5)


def _matmul_make(pattern: tuple[str, str]) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        dims = dict(zip("nkmbc", spec, strict=True)) | {"1": 1}
        return Sample(tuple(normal(rng, [dims[c] for c in p]) for p in pattern))

    return make


for _variant, _pattern in MATMUL_PATTERNS.items():
    add(row("matmul", lambda x, y: x @ y, None, _matmul_spec(_variant), _matmul_make(_pattern),
            variant=_variant, grad_rtol=1e-6, f32_rtol=1e-4, f32_atol=1e-5))
add(row("matmul", lambda x, y: x.mm(y), None, _matmul_spec("mm"), _matmul_make(("nk", "km")),
        variant="mm"))
add(row("matmul", lambda x, y: x.matmul(y), None, _matmul_spec("m"), _matmul_make(("bnk", "km")),
        variant="method"))


def _linear_make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
    n, i, o, b = spec
    lead = [n] if b % 2 else [b, n]
    return Sample((normal(rng, [*lead, i]), normal(rng, [o, i]), normal(rng, [o])))


add(row("linear", lambda x, w, b: F.linear(x, w, b), lambda x, w, b: TF.linear(x, w, b),
        sides(4), _linear_make, covers=("matmul", "permute", "add")))
add(row("linear", lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), sides(3),
        lambda rng, s: Sample((normal(rng, s[:2]), normal(rng, s[1:][::-1]))),
        variant="no_bias", covers=("matmul",)))

# --- softmax family


def _dim_make(values: Values | None = None) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        return Sample((_fill(rng, shape, values),),
                      {"dim": int(rng.integers(-len(shape), len(shape)))})

    return make


LARGE = lambda r, s: normal(r, s, 1e4)  # noqa: E731 - logits that overflow exp
for _name in ("softmax", "log_softmax"):
    add(row(_name, lambda x, dim, n=_name: getattr(x, n)(dim), None, shapes(1), _dim_make()))
    add(row(_name, lambda x, dim, n=_name: getattr(F, n)(x, dim=dim),
            lambda x, dim, n=_name: getattr(TF, n)(x, dim=dim), shapes(1), _dim_make(),
            variant="F"))
    add(row(_name, lambda x, dim, n=_name: getattr(x, n)(dim), None, shapes(1, 2),
            _dim_make(LARGE), variant="large_1e4", f32=False, atol=1e-9, grad_atol=1e-8))
    # PyTorch's legacy implicit dim is 1 for 2-D input (torch warns, so its side says so)
    add(row(_name, lambda x, n=_name: getattr(F, n)(x),
            lambda x, n=_name: getattr(TF, n)(x, dim=1),
            shapes(2, 2), lambda rng, s: Sample((normal(rng, s),)), variant="F_implicit_dim"))

# --- losses


def _ce_make(n_dims: int = 2, weight: bool = False, ignore: int | None = None,
             probs: bool = False, scale: float = 2.0, **kw: Any
             ) -> Callable[[np.random.Generator, Any], Sample]:
    """Logits (N, C, d...) or (C,), integer targets (maybe ignored) or probability targets."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c, d = spec
        shape = [c] if n_dims == 1 else [n, c] + [d] * (n_dims - 2)
        x = normal(rng, shape, scale)
        tshape = [] if n_dims == 1 else [n] + [d] * (n_dims - 2)
        if probs:
            logits = normal(rng, shape)
            e = np.exp(logits - logits.max(axis=0 if n_dims == 1 else 1, keepdims=True))
            t: Array = e / e.sum(axis=0 if n_dims == 1 else 1, keepdims=True)
        else:
            t = ints(rng, tshape, 0, c)
            if ignore is not None:
                drop = rng.random(tshape) < 0.3
                t = np.where(drop, ignore, t)
                if t.ndim and np.all(t == ignore):
                    t.flat[0] = 0  # keep one counted target so the mean is defined
        args: tuple[Any, ...] = (x, t)
        nograd: set[int] = set()
        if weight:
            args = (*args, uniform(rng, [c], 0.2, 2.0))
            nograd.add(len(args) - 1)
        if not probs:
            nograd.add(1)
        return Sample(args, dict(kw), frozenset(nograd))

    return make


def _ce() -> tuple[Callable[..., Any], Callable[..., Any]]:
    def ours(x: Any, t: Any, w: Any = None, **kw: Any) -> Any:
        return F.cross_entropy(x, t, weight=w, **kw)

    def theirs(x: Any, t: Any, w: Any = None, **kw: Any) -> Any:
        return TF.cross_entropy(x, t, weight=w, **kw)

    return ours, theirs


CE_OURS, CE_TORCH = _ce()
CE_SPEC = sides(3, 1, None)
CE_ROWS: dict[str, dict[str, Any]] = {
    "mean": {},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
    "1d_input": {"n_dims": 1},
    "spatial": {"n_dims": 4},
    "weight_mean": {"weight": True},
    "weight_none": {"weight": True, "reduction": "none"},
    "weight_sum_spatial": {"weight": True, "reduction": "sum", "n_dims": 3},
    "ignore_index_default": {"ignore": -100},
    "ignore_index_1_weight": {"ignore": 1, "ignore_index": 1, "weight": True},
    "ignore_index_none": {"ignore": -100, "reduction": "none"},
    "label_smoothing": {"label_smoothing": 0.1},
    "label_smoothing_sum": {"label_smoothing": 0.2, "reduction": "sum"},
    "label_smoothing_none": {"label_smoothing": 0.15, "reduction": "none"},
    "label_smoothing_weight": {"label_smoothing": 0.1, "weight": True},
    "label_smoothing_ignore_weight": {"label_smoothing": 0.3, "weight": True, "ignore": -100},
    "label_smoothing_spatial": {"label_smoothing": 0.25, "n_dims": 3},
    "probs": {"probs": True},
    "probs_sum": {"probs": True, "reduction": "sum"},
    "probs_none": {"probs": True, "reduction": "none"},
    "probs_1d": {"probs": True, "n_dims": 1},
    "probs_weight_label_smoothing": {"probs": True, "weight": True, "label_smoothing": 0.2},
    "probs_spatial": {"probs": True, "n_dims": 3},
    "logits_1e4": {"scale": 1e4},
    "logits_1e4_label_smoothing": {"scale": 1e4, "label_smoothing": 0.1},
}
_MAKE_KEYS = {"n_dims", "weight", "ignore", "probs", "scale"}
for _variant, _opts in CE_ROWS.items():
    _make_opts = {k: v for k, v in _opts.items() if k in _MAKE_KEYS}
    _fn_opts = {k: v for k, v in _opts.items() if k not in _MAKE_KEYS}
    _large = _opts.get("scale", 2.0) > 100
    add(row("cross_entropy", CE_OURS, CE_TORCH, CE_SPEC, _ce_make(**_make_opts, **_fn_opts),
            variant=_variant, covers=("log_softmax",) if _opts.get("probs") else
            ("log_softmax", "nll_loss"), f32=not _large, max_examples=15,
            **({"atol": 1e-7, "grad_atol": 1e-9} if _large else {})))


def _nll_ours(x: Any, t: Any, w: Any = None, **kw: Any) -> Any:
    return F.nll_loss(x, t, weight=w, **kw)


def _nll_torch(x: Any, t: Any, w: Any = None, **kw: Any) -> Any:
    return TF.nll_loss(x, t, weight=w, **kw)


NLL_ROWS: dict[str, dict[str, Any]] = {
    "mean": {},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
    "1d_input": {"n_dims": 1},
    "spatial": {"n_dims": 3},
    "weight_mean": {"weight": True},
    "weight_sum": {"weight": True, "reduction": "sum"},
    "weight_none_spatial": {"weight": True, "reduction": "none", "n_dims": 3},
    "ignore_index_weight": {"ignore": 2, "ignore_index": 2, "weight": True},
    "ignore_index_none": {"ignore": -100, "reduction": "none"},
}
for _variant, _opts in NLL_ROWS.items():
    _make_opts = {k: v for k, v in _opts.items() if k in _MAKE_KEYS}
    _fn_opts = {k: v for k, v in _opts.items() if k not in _MAKE_KEYS}
    add(row("nll_loss", _nll_ours, _nll_torch, CE_SPEC, _ce_make(**_make_opts, **_fn_opts),
            variant=_variant))


def _pair_make(target: Values | None = None, kink_free: bool = False,
               ) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[tuple[int, ...], str]) -> Sample:
        shape, reduction = spec
        x = normal(rng, shape)
        t = _fill(rng, shape, target)
        if kink_free:
            t = x - away(x - t, (0.0,))
        return Sample((x, t), {"reduction": reduction})

    return make


REDUCTIONS = ("mean", "sum", "none")
PAIR_SPEC: Spec = lambda size: st.tuples(shapes(0, 3)(size), st.sampled_from(REDUCTIONS))  # noqa: E731
add(row("mse_loss", lambda x, t, reduction: F.mse_loss(x, t, reduction=reduction),
        lambda x, t, reduction: TF.mse_loss(x, t, reduction=reduction), PAIR_SPEC, _pair_make(),
        covers=("sub", "mul")))
add(row("l1_loss", lambda x, t, reduction: F.l1_loss(x, t, reduction=reduction),
        lambda x, t, reduction: TF.l1_loss(x, t, reduction=reduction), PAIR_SPEC,
        _pair_make(kink_free=True), covers=("sub", "abs")))


def _bce_make(logits: bool, weight: bool = False, pos_weight: bool = False,
              ) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[tuple[int, ...], str]) -> Sample:
        shape, reduction = spec
        x = normal(rng, shape, 3.0) if logits else uniform(rng, shape, 0.05, 0.95)
        t = uniform(rng, shape, 0.0, 1.0)
        args: list[Any] = [x, t]
        kw: dict[str, Any] = {"reduction": reduction}
        if weight:
            args.append(uniform(rng, shape[-1:] if shape else (), 0.3, 2.0))
        if pos_weight:
            args.append(uniform(rng, shape[-1:] if shape else (), 0.3, 3.0))
        return Sample(tuple(args), kw, frozenset(range(2, len(args))))

    return make


def _bce_fns(logits: bool, weight: bool, pos_weight: bool) -> tuple[Callable[..., Any], ...]:
    def call(mod: Any) -> Callable[..., Any]:
        def fn(x: Any, t: Any, *extra: Any, reduction: str) -> Any:
            kw: dict[str, Any] = {"reduction": reduction}
            extra_list = list(extra)
            if weight:
                kw["weight"] = extra_list.pop(0)
            if pos_weight:
                kw["pos_weight"] = extra_list.pop(0)
            f = mod.binary_cross_entropy_with_logits if logits else mod.binary_cross_entropy
            return f(x, t, **kw)

        return fn

    return call(F), call(TF)


for _logits, _weight, _pw, _variant in ((False, False, False, ""), (False, True, False, "weight"),
                                        (True, False, False, ""), (True, True, False, "weight"),
                                        (True, False, True, "pos_weight"),
                                        (True, True, True, "weight_pos_weight")):
    _ours, _theirs = _bce_fns(_logits, _weight, _pw)
    add(row("binary_cross_entropy_with_logits" if _logits else "binary_cross_entropy",
            _ours, _theirs, PAIR_SPEC, _bce_make(_logits, _weight, _pw), variant=_variant,
            covers=("softplus",) if _logits else ("binary_cross_entropy",)))
add(given_values("binary_cross_entropy_with_logits",
                 lambda x, t: F.binary_cross_entropy_with_logits(x, t),
                 lambda x, t: TF.binary_cross_entropy_with_logits(x, t),
                 [[-1e4, -60.0, -5.0, 0.0, 5.0, 60.0, 1e4], [0.0, 1.0, 0.3, 0.5, 1.0, 0.0, 1.0]],
                 variant="extreme_logits", covers=("softplus",), gradcheck=False, f32=False))
add(given_values("binary_cross_entropy", lambda x, t: F.binary_cross_entropy(x, t),
                 lambda x, t: TF.binary_cross_entropy(x, t),
                 [[0.0, 1.0, 0.5, 1e-30, 0.3, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0, 0.2, 0.4, 0.7]],
                 variant="saturated_log_clamp", f32=False, gradcheck=False,
                 nograd=(1,)))  # target grad there: torch +-inf (unclamped logs), ours +-100


def _margin_make(n_dims: int, weight: bool, **kw: Any
                 ) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c = spec
        margin = kw.get("margin", 1.0)
        shape = [c] if n_dims == 1 else [n, c]
        t = ints(rng, shape[:-1], 0, c)
        while True:  # no wrong-class score within 0.05 of the hinge's kink
            x = normal(rng, shape, 1.5)
            x2 = x.reshape(-1, c)
            corr = np.take_along_axis(x2, t.reshape(-1, 1), 1)
            if np.all(np.abs(margin - corr + x2) > 0.05):
                break
        args: tuple[Any, ...] = (x, t)
        if weight:
            args = (*args, uniform(rng, [c], 0.3, 2.0))
        return Sample(args, dict(kw), frozenset({2}) if weight else frozenset())

    return make


def _margin(mod_name: str) -> Callable[..., Any]:
    def fn(x: Any, t: Any, w: Any = None, **kw: Any) -> Any:
        mod = F if mod_name == "ours" else TF
        return mod.multi_margin_loss(x, t, weight=w, **kw)

    return fn


MARGIN_ROWS: dict[str, dict[str, Any]] = {
    "p1": {},
    "p2": {"p": 2},
    "p1_margin0.5_sum": {"margin": 0.5, "reduction": "sum"},
    "p2_weight_none": {"p": 2, "weight": True, "reduction": "none"},
    "p1_weight": {"weight": True},
    "p2_margin2_weight_sum": {"p": 2, "margin": 2.0, "weight": True, "reduction": "sum"},
    "1d_input": {"n_dims": 1},
    "1d_input_p2_none": {"n_dims": 1, "p": 2, "reduction": "none"},
}
for _variant, _opts in MARGIN_ROWS.items():
    _mk = {"n_dims": _opts.get("n_dims", 2), "weight": _opts.get("weight", False)}
    _fk = {k: v for k, v in _opts.items() if k not in ("n_dims", "weight")}
    add(row("multi_margin_loss", _margin("ours"), _margin("torch"), sides(2, 1, None),
            _margin_make(**_mk, **_fk), variant=_variant, covers=("take_along_dim", "relu")))


# --- convolutions (F.conv2d / F.conv_transpose2d; Numba im2col/col2im behind them)

CONV_SPEC: Spec = lambda size: st.tuples(  # noqa: E731
    st.integers(1, 2), st.integers(1, 2), st.integers(1, 2), st.sampled_from([1, 2]),
    st.integers(1, size.max_side), st.integers(1, size.max_side), st.integers(1, 3),
    st.integers(1, 3))


def _conv_make(transpose: bool, bias: bool = True, unbatched: bool = False, stride: int = 1,
               padding: Any = 0, dilation: int = 1, output_padding: int = 0,
               groups: bool = False) -> Callable[[np.random.Generator, Any], Sample]:
    """x (N, C, H, W) or (C, H, W), weight, optional bias; H and W grown until the output
    has at least one pixel."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, cg, fg, g, h, w, kh, kw = spec
        g = g if groups else 1
        c, f = cg * g, fg * g
        if not transpose:  # conv: the dilated kernel must fit the padded input
            pad = 0 if isinstance(padding, str) else padding
            h = max(h, dilation * (kh - 1) + 1 - 2 * pad)
            w = max(w, dilation * (kw - 1) + 1 - 2 * pad)
        else:  # transposed conv: the output must not be cropped to nothing
            need = lambda k: -(-(2 * padding - dilation * (k - 1) - output_padding) // stride) + 1  # noqa: E731,E501
            h, w = max(h, need(kh)), max(w, need(kw))
        xshape = [c, h, w] if unbatched else [n, c, h, w]
        wshape = [c, fg, kh, kw] if transpose else [f, cg, kh, kw]
        args: tuple[Any, ...] = (normal(rng, xshape), normal(rng, wshape, 0.5))
        if bias:
            args = (*args, normal(rng, [f]))
        kw_: dict[str, Any] = {"stride": stride, "padding": padding, "dilation": dilation,
                               "groups": g}
        if transpose:
            kw_["output_padding"] = output_padding
        return Sample(args, kw_)

    return make


def _conv_fns(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def ours(x: Any, w: Any, b: Any = None, **kw: Any) -> Any:
        return getattr(F, name)(x, w, b, **kw)

    def theirs(x: Any, w: Any, b: Any = None, **kw: Any) -> Any:
        return getattr(TF, name)(x, w, b, **kw)

    return ours, theirs


CONV_ROWS: dict[str, dict[str, Any]] = {
    "basic": {},
    "no_bias": {"bias": False},
    "stride2_padding1": {"stride": 2, "padding": 1},
    "dilation2": {"dilation": 2, "padding": 1},
    "groups": {"groups": True},
    "unbatched": {"unbatched": True, "padding": 1},
    "padding_same": {"padding": "same", "dilation": 2},
}
for _variant, _opts in CONV_ROWS.items():
    add(row("conv2d", *_conv_fns("conv2d"), CONV_SPEC, _conv_make(False, **_opts),
            variant=_variant, grad_rtol=1e-6, max_examples=6, f32_rtol=1e-4, f32_atol=1e-5))
CONVT_ROWS: dict[str, dict[str, Any]] = {
    "basic": {},
    "no_bias": {"bias": False},
    "stride2_output_padding1": {"stride": 2, "output_padding": 1},
    "padding1_dilation2": {"padding": 1, "dilation": 2},
    "groups_stride2": {"groups": True, "stride": 2},
    "unbatched": {"unbatched": True},
}
for _variant, _opts in CONVT_ROWS.items():
    add(row("conv_transpose2d", *_conv_fns("conv_transpose2d"), CONV_SPEC,
            _conv_make(True, **_opts), variant=_variant, grad_rtol=1e-6, max_examples=6,
            f32_rtol=1e-4, f32_atol=1e-5))


add(row("take_along_dim", lambda x, i: x.gather(1, i), lambda x, i: x.gather(1, i),
        lambda size: st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 4)),
        lambda rng, s: Sample((normal(rng, [s[0], s[1]]),
                               rng.integers(0, s[1], (s[0], s[2])))), variant="gather"))

# --- pooling (F.max_pool2d & co; Numba kernels behind them). Values are distinct, so that a
# small perturbation never changes which input wins a max window.

POOL_SPEC: Spec = lambda size: st.tuples(  # noqa: E731
    st.integers(1, 2), st.integers(1, 3), st.integers(3, size.max_side + 3),
    st.integers(3, size.max_side + 3))


def _pool_make(unbatched: bool = False) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c, h, w = spec
        return Sample((distinct(rng, [c, h, w] if unbatched else [n, c, h, w], 0.1),), {})

    return make


POOL_ROWS: list[tuple[str, str, Callable[[Any], Any], Callable[[Any], Any], bool]] = [
    ("max_pool2d", "2x2", lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2), False),
    ("max_pool2d", "3_stride2_pad1", lambda x: F.max_pool2d(x, 3, 2, 1),
     lambda x: TF.max_pool2d(x, 3, 2, 1), False),
    ("max_pool2d", "dilation2_ceil", lambda x: F.max_pool2d(x, 2, dilation=2, ceil_mode=True),
     lambda x: TF.max_pool2d(x, 2, dilation=2, ceil_mode=True), False),
    ("max_pool2d", "unbatched", lambda x: F.max_pool2d(x, (2, 3), (1, 2)),
     lambda x: TF.max_pool2d(x, (2, 3), (1, 2)), True),
    ("avg_pool2d", "2x2", lambda x: F.avg_pool2d(x, 2), lambda x: TF.avg_pool2d(x, 2), False),
    ("avg_pool2d", "3_pad1_exclude", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
     lambda x: TF.avg_pool2d(x, 3, 2, 1, count_include_pad=False), False),
    ("avg_pool2d", "ceil_divisor", lambda x: F.avg_pool2d(x, 2, ceil_mode=True,
                                                          divisor_override=3),
     lambda x: TF.avg_pool2d(x, 2, ceil_mode=True, divisor_override=3), False),
    ("adaptive_avg_pool2d", "2x3", lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
     lambda x: TF.adaptive_avg_pool2d(x, (2, 3)), False),
    ("adaptive_avg_pool2d", "global", lambda x: F.adaptive_avg_pool2d(x, 1),
     lambda x: TF.adaptive_avg_pool2d(x, 1), True),
    ("adaptive_max_pool2d", "2x3", lambda x: F.adaptive_max_pool2d(x, (2, 3)),
     lambda x: TF.adaptive_max_pool2d(x, (2, 3)), False),
]
for _name, _variant, _ours, _theirs, _unbatched in POOL_ROWS:
    add(row(_name, _ours, _theirs, POOL_SPEC, _pool_make(_unbatched), variant=_variant,
            max_examples=8, f32_rtol=1e-5, f32_atol=1e-6))


# --- normalisation and dropout (fused Numba kernels behind batch_norm and layer_norm)

NORM_SPEC: Spec = lambda size: st.tuples(  # noqa: E731
    st.integers(2, 4), st.integers(1, 4), st.integers(2, size.max_side + 1),
    st.integers(1, size.max_side))


def _norm_make(eval_stats: bool = False, groups: int = 1
               ) -> Callable[[np.random.Generator, Any], Sample]:
    """x (N, C*groups, H, W), weight and bias (C*groups,), optional running stats."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c, h, w = spec
        c *= groups
        args: tuple[Any, ...] = (normal(rng, [n, c, h, w], 2.0) + 0.5, uniform(rng, [c], 0.5, 2),
                                 normal(rng, [c]))
        if eval_stats:
            return Sample((*args, normal(rng, [c]), uniform(rng, [c], 0.5, 2)), {},
                          nograd=frozenset({3, 4}))
        return Sample(args, {})

    return make


add(row("batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True), NORM_SPEC,
        _norm_make(), variant="training", max_examples=10, f32_rtol=1e-4, f32_atol=1e-5))
add(row("batch_norm", lambda x, w, b, m, v: F.batch_norm(x, m, v, w, b, training=False),
        lambda x, w, b, m, v: TF.batch_norm(x, m, v, w, b, training=False), NORM_SPEC,
        _norm_make(eval_stats=True), variant="eval", max_examples=10, f32_rtol=1e-4,
        f32_atol=1e-5))
add(row("batch_norm", lambda x, w, b: F.batch_norm(x.flatten(2), None, None, w, b,
                                                   training=True),
        lambda x, w, b: TF.batch_norm(x.flatten(2), None, None, w, b, training=True),
        NORM_SPEC, _norm_make(), variant="1d", max_examples=8, f32_rtol=1e-4, f32_atol=1e-5,
        covers=("batch_norm", "reshape")))
add(row("layer_norm", lambda x, w, b: F.layer_norm(x.transpose(1, 3), (x.shape[1],), w, b),
        lambda x, w, b: TF.layer_norm(x.transpose(1, 3), (x.shape[1],), w, b), NORM_SPEC,
        _norm_make(), variant="last_dim", max_examples=10, f32_rtol=1e-4, f32_atol=1e-5,
        covers=("layer_norm", "permute")))
add(row("layer_norm", lambda x, w, b: F.layer_norm(x, x.shape[2:]),
        lambda x, w, b: TF.layer_norm(x, x.shape[2:]), NORM_SPEC, _norm_make(),
        variant="two_dims_no_affine", max_examples=8, f32_rtol=1e-4, f32_atol=1e-5))
add(row("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda x, w, b: TF.group_norm(x, 2, w, b), NORM_SPEC, _norm_make(groups=2),
        max_examples=10, f32_rtol=1e-4, f32_atol=1e-5, covers=("layer_norm",)))
add(row("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), NORM_SPEC, _norm_make(),
        max_examples=8, f32_rtol=1e-4, f32_atol=1e-5, covers=("layer_norm",)))


def _dropout_mask(shape: tuple[int, ...], p: float, channels: bool) -> np.ndarray:
    """The mask tinygrad_edu draws after manual_seed(0), to replay it in torch."""
    tg.manual_seed(0)
    fn = F.dropout2d if channels else F.dropout
    return fn(tg.ones(*shape, dtype=tg.float64), p).numpy()


for _variant, _fn, _channels in (("p0.3", F.dropout, False), ("2d", F.dropout2d, True)):
    add(row("dropout",
            lambda x, f=_fn: (tg.manual_seed(0), f(x, 0.3))[1],
            lambda x, c=_channels: x * torch.tensor(_dropout_mask(tuple(x.shape), 0.3, c),
                                                    dtype=x.dtype),
            NORM_SPEC, lambda rng, s: Sample((normal(rng, list(s)),), {}), variant=_variant,
            max_examples=6, f32=False, covers=("dropout",)))


# --- sequence ops (embedding, RNN/LSTM/GRU cells and whole-sequence layers)
from rnn_catalog_rows import rnn_rows  # noqa: E402 - its helpers come from this module

ROWS.extend(rnn_rows())


# ----------------------------------------------------------------------------- indexes

#: Composite (and API-level) names that may appear as a row's ``name`` besides OPS keys.
COMPOSITES = frozenset({
    "mean", "var", "std", "logsumexp", "masked_fill", "repeat", "split", "chunk", "stack",
    "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "view", "max", "min",
    "cross_entropy", "mse_loss", "l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "multi_margin_loss", "linear", "group_norm",
    "instance_norm",
})

#: Every op name listed in the issue; each must have a row with that name.
ISSUE_NAMES = (
    "add sub mul div pow neg abs exp log sqrt sin cos tanh sigmoid relu leaky_relu elu gelu "
    "softplus clamp maximum minimum where masked_fill eq ne lt le gt ge sum mean max min amax "
    "argmax argmin var std logsumexp prod reshape view flatten unflatten squeeze unsqueeze "
    "permute transpose expand repeat getitem cat stack split chunk pad matmul softmax "
    "log_softmax cross_entropy nll_loss mse_loss l1_loss binary_cross_entropy "
    "binary_cross_entropy_with_logits multi_margin_loss"
).split()

ROW_IDS = [r.id for r in ROWS]
DIFFERENTIABLE_ROWS = [r for r in ROWS if r.differentiable]
GRADCHECK_ROWS = [r for r in ROWS if r.differentiable and r.gradcheck]
F32_ROWS = [r for r in ROWS if r.f32]


def rows_named(name: str) -> list[OpRow]:
    """All rows with this name."""
    return [r for r in ROWS if r.name == name]


def covered_ops() -> set[str]:
    """The union of every row's ``covers``."""
    return set().union(*(r.covers for r in ROWS))


def noncontiguous(array: Array, how: str) -> Array:
    """The values of ``array`` in a non-C-contiguous view (``how``: 'transpose' or 'step').

    'step' puts the values at every second position of a NaN-filled buffer, so an op that
    ignores strides reads NaN. Arrays with fewer than two elements come back unchanged (numpy
    calls them contiguous whatever their strides), and 'transpose' needs two axes longer
    than 1 (else 'step' is used).
    """
    long_axes = [i for i, n in enumerate(array.shape) if n > 1]
    if not long_axes:
        return array
    if how == "transpose" and len(long_axes) >= 2:
        view = np.empty(array.shape[::-1], dtype=array.dtype).T
    else:
        axis = long_axes[-1]
        buffer_shape = list(array.shape)
        buffer_shape[axis] *= 2
        fill = np.nan if array.dtype.kind == "f" else 0
        buffer = np.full(buffer_shape, fill, dtype=array.dtype)
        view = buffer[(slice(None),) * axis + (slice(None, None, 2),)]
    view[...] = array
    assert not view.flags.c_contiguous
    return view


def with_layouts(sample: Sample, layouts: Sequence[str | None]) -> Sample:
    """The sample with its float inputs laid out as ``layouts`` says (None: unchanged)."""
    args = tuple(noncontiguous(a, how) if how and isinstance(a, np.ndarray) and a.dtype.kind == "f"
                 else a for a, how in zip(sample.args, layouts, strict=True))
    return dataclasses.replace(sample, args=args)


# ----------------------------------------------------------------------------- shared test plumbing


def xfail_params(rows: Sequence[OpRow], kind: str) -> list[Any]:
    """``pytest.param`` per row with its id, marked xfail(strict) where ``row.xfail[kind]``."""
    import pytest

    return [pytest.param(r, id=r.id, marks=[pytest.mark.xfail(strict=True, reason=r.xfail[kind])]
                         if kind in r.xfail else []) for r in rows]


def run_examples(row: OpRow, body: Callable[[Sample, Any], None], size: Size = PARITY,
                 cap: int | None = None) -> None:
    """Run ``body(sample, data)`` under hypothesis for the row's samples.

    The loaded profile's settings apply (``ci``: 25 derandomized examples); the number of
    examples is only ever lowered, by ``row.max_examples`` or ``cap``.
    """
    from hypothesis import given, settings

    n = settings.default.max_examples
    for limit in (row.max_examples, cap):
        if limit is not None:
            n = min(n, limit)

    @settings(max_examples=n)
    @given(sample=row.strategy(size), data=st.data())
    def check(sample: Sample, data: Any) -> None:
        body(sample, data)

    check()


def draw_layouts(data: Any, sample: Sample) -> Sample:
    """Let hypothesis choose a memory layout (contiguous, transposed, strided) per float input."""
    layouts = [data.draw(st.sampled_from([None, "transpose", "step"]), label=f"layout of arg {i}")
               if isinstance(a, np.ndarray) and a.dtype.kind == "f" else None
               for i, a in enumerate(sample.args)]
    return with_layouts(sample, layouts)


def as_list(out: Any) -> list[Any]:
    """Tuple outputs (split, max(dim)) as a list; a single output as a one-element list."""
    return list(out) if isinstance(out, tuple | list) else [out]
