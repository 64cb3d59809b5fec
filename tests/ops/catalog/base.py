"""The op catalog's framework: rows, samples, specs, value helpers and row factories.

Like PyTorch's OpInfo, a row says how to call an op in tinygrad_edu and in PyTorch, which
inputs it accepts (shapes, including broadcasting pairs, and the domain of the values), whether
it is differentiable and how close the results must be. The rows themselves live in one module
per op family beside this one (``elementwise.py``, ``reduce.py``, ... matching
``tinygrad_edu/ops/*.py``); ``tests/ops/op_catalog.py`` joins them into ``ROWS``.

A row's ``make(rng, spec)`` turns a drawn ``spec`` (shapes and the like, from the hypothesis
strategy ``spec(size)``) and a seeded numpy generator into a :class:`Sample`: the array inputs
(float64 ones are differentiated unless listed in ``nograd``; integer and bool ones are labels,
indices and masks) and the static keyword arguments passed to both functions. Values come from
the seeded generator (random, not symmetric) and are kept away from kinks where a row says so.

The end of this module holds the plumbing the catalog-driven tests share (memory layouts,
xfail marks, running a row's examples under hypothesis).
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


def fill(rng: np.random.Generator, shape: Sequence[int], fn: Callable[..., Array] | None,
         ) -> Array:
    """Values from ``fn(rng, shape)``, or normal values of scale 1.5 when ``fn`` is None."""
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
        return Sample((away(fill(rng, shape, values), kinks) if kinks else
                       fill(rng, shape, values),))

    return row(name, fn, fn_torch, shapes(), make, covers, variant, **opts)


def binary(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None = None, *,
           x: Values | None = None, y: Values | None = None, variant: str = "broadcast",
           covers: Sequence[str] | None = None, **opts: Any) -> OpRow:
    """An elementwise op of two inputs whose shapes broadcast together."""

    def make(rng: np.random.Generator, shape_pair: tuple[tuple[int, ...], ...]) -> Sample:
        return Sample((fill(rng, shape_pair[0], x), fill(rng, shape_pair[1], y)))

    return row(name, fn, fn_torch, bshapes(2), make, covers, variant, **opts)


def picked(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None = None,
           **opts: Any) -> OpRow:
    """maximum/minimum-like binary op with broadcasting and no near-ties (smooth there).

    Every x lies near an even multiple of 0.1 and every y near an odd one (jitter < 0.02), so
    any x and y that meet under broadcasting differ by more than 0.05, whatever the shapes
    (drawing normals until no pair is close never ends for a large broadcast).
    """

    def make(rng: np.random.Generator, shape_pair: tuple[tuple[int, ...], ...]) -> Sample:
        def draw(shape: tuple[int, ...], odd: int) -> Array:
            grid = 2 * rng.integers(-10, 11, shape) + odd  # -20 .. 21, even or odd
            return 0.1 * grid + uniform(rng, shape, -0.02, 0.02)
        a, b = shape_pair
        return Sample((draw(a, 0), draw(b, 1)))

    return row(name, fn, fn_torch, bshapes(2), make, **opts)


def reduction(name: str, fn: Callable[..., Any], fn_torch: Callable[..., Any] | None = None, *,
              values: Values | None = None, none: bool = True, tup: bool = True,
              min_side: int = 1, min_dims: int = 0, variant: str = "",
              covers: Sequence[str] | None = None, **opts: Any) -> OpRow:
    """A reduction ``fn(x, dim=..., keepdim=...)`` over drawn dims."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = pick_dims(rng, len(shape), none=none or len(shape) == 0, tup=tup)
        return Sample((fill(rng, shape, values),),
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


# ----------------------------------------------------------------------------- layouts


def noncontiguous(array: Array, how: str) -> Array:
    """The values of ``array`` in a non-C-contiguous view (``how``: 'transpose' or 'step').

    'step' puts the values at every second position of a NaN-filled buffer, so an op that
    ignores strides reads NaN. Arrays with fewer than two elements, empty ones included, come
    back unchanged (numpy calls them contiguous whatever their strides), and 'transpose'
    needs two axes longer than 1 (else 'step' is used).
    """
    long_axes = [i for i, n in enumerate(array.shape) if n > 1]
    if not long_axes or array.size == 0:
        return array
    if how == "transpose" and len(long_axes) >= 2:
        view = np.empty(array.shape[::-1], dtype=array.dtype).T
    else:
        axis = long_axes[-1]
        buffer_shape = list(array.shape)
        buffer_shape[axis] *= 2
        gap = np.nan if array.dtype.kind == "f" else 0
        buffer = np.full(buffer_shape, gap, dtype=array.dtype)
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
