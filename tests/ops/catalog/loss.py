"""Catalog rows of the losses (``tinygrad_edu/ops/loss.py``): softmax, log_softmax, cross_entropy,
nll_loss, mse/l1, binary cross-entropy (with logits) and multi_margin_loss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu.nn.functional as F
from catalog.base import (
    TF,
    Array,
    OpRow,
    Sample,
    Spec,
    Values,
    away,
    fill,
    given_values,
    ints,
    normal,
    row,
    shapes,
    sides,
    torch,
    uniform,
)
from tinygrad_edu.autograd import apply_op

ROWS: list[OpRow] = []
add = ROWS.append

# --- softmax family


def _dim_make(values: Values | None = None) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        return Sample((fill(rng, shape, values),),
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



def _backward_data_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    """An upstream gradient and a log_softmax output along a random axis."""
    dim = int(rng.integers(-len(shape), len(shape)))
    x = normal(rng, shape)
    out = x - np.log(np.sum(np.exp(x), axis=dim, keepdims=True))
    return Sample((normal(rng, shape), out), {"dim": dim})


# log_softmax's backward as an op (a node of a gradient's graph)
add(row("log_softmax_backward_data",
        lambda d, o, dim: apply_op("log_softmax_backward_data", d, o, dim=dim),
        lambda d, o, dim: torch.ops.aten._log_softmax_backward_data(d, o, dim, o.dtype),
        shapes(1), _backward_data_make))

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
        t = fill(rng, shape, target)
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
        x = normal(rng, shape, 1.5)
        while True:  # no wrong-class score within 0.05 of the hinge's kink: redraw those
            x2 = x.reshape(-1, c)
            corr = np.take_along_axis(x2, t.reshape(-1, 1), 1)
            close = (np.abs(margin - corr + x2) <= 0.05).reshape(shape)  # never the right class
            if not close.any():
                break
            x = np.where(close, normal(rng, shape, 1.5), x)
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
