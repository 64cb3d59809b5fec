"""Catalog rows of the statistics composed from existing ops (``tensor/reduce.py`` and
``tensor/functions.py``): norm and dist, nansum and nanmean, aminmax, cov and corrcoef.
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from catalog.base import (
    OpRow,
    Sample,
    distinct,
    given_values,
    normal,
    pick_dims,
    row,
    shapes,
    sides,
    signed,
    torch,
)

ROWS: list[OpRow] = []
add = ROWS.append


def _distinct_abs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random signs, magnitudes at least 0.1 and pairwise at least 0.05 apart (max |x| is
    then a smooth function)."""
    n = int(np.prod(shape))
    mags = rng.permutation(0.1 + np.cumsum(rng.uniform(0.05, 1.0, n)))
    return (mags * np.where(rng.random(n) < 0.5, -1.0, 1.0)).reshape(shape)


def _norm_make(p: object) -> object:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = pick_dims(rng, len(shape), tup=p != "fro")  # 'fro' takes at most 2 dims
        return Sample((signed(rng, shape, 0.2, 2.0) if p not in (np.inf, -np.inf) else
                       _distinct_abs(rng, shape),), {"dim": dim, "keepdim": bool(rng.integers(2))})

    return make


NORM_OPS = {2: ("mul", "sum", "sqrt", "where"), "fro": ("mul", "sum", "sqrt", "where"),
            1: ("abs", "sum"), 3: ("abs", "pow", "sum", "where"),
            0.5: ("abs", "pow", "sum", "where"), np.inf: ("abs", "amax"),
            -np.inf: ("abs", "amin"), 0: ("ne", "sum", "mul")}
for _p, _ops in NORM_OPS.items():
    add(row("norm", lambda x, dim, keepdim, p=_p: x.norm(p, dim, keepdim),
            lambda x, dim, keepdim, p=_p: torch.norm(x, p, dim, keepdim), shapes(),
            _norm_make(_p), _ops, variant=f"p_{_p}", rtol=1e-6, grad_rtol=1e-6,
            f32_rtol=1e-4))
for _p in (2, 1, 3, np.inf):
    add(given_values("norm", lambda x, p=_p: x.norm(p), lambda x, p=_p: torch.norm(x, p),
                     [[[0.0, 0.0], [0.0, 0.0]]], covers=NORM_OPS[_p], variant=f"at_zero_p_{_p}",
                     gradcheck=False))
add(row("dist", lambda x, y: x.dist(y, 3), lambda x, y: torch.dist(x, y, 3), sides(2),
        lambda rng, s: Sample((normal(rng, s), normal(rng, (s[1],)))), ("sub", "pow", "sum")))

NANS = [[1.0, np.nan, 2.0, -5.0], [np.nan, 4.0, np.nan, np.nan], [3.0, np.nan, 0.5, 1.0]]
# (no slice all NaN: there torch's nanmean gradient is NaN, ours 0)
for _dim in (None, 0, 1, (0, 1)):
    add(given_values("nansum", lambda x, d=_dim: x.nansum(d), lambda x, d=_dim: torch.nansum(
        x, d) if d is not None else torch.nansum(x), [NANS], covers=("where", "sum"),
        variant=f"dim_{_dim}", gradcheck=False))
    add(given_values("nanmean", lambda x, d=_dim: x.nanmean(d), lambda x, d=_dim: torch.nanmean(
        x, d) if d is not None else torch.nanmean(x), [NANS], covers=("where", "sum", "div"),
        variant=f"dim_{_dim}", gradcheck=False))
add(row("nansum", lambda x, dim, keepdim: x.nansum(dim, keepdim),
        lambda x, dim, keepdim: torch.nansum(x, dim, keepdim),
        shapes(1), lambda rng, s: Sample((normal(rng, s),), {"dim": pick_dims(rng, len(s)),
                                                             "keepdim": bool(rng.integers(2))}),
        ("where", "sum"), variant="no_nan"))
add(row("aminmax", lambda x, dim, keepdim: tuple(x.aminmax(dim=dim, keepdim=keepdim)),
        lambda x, dim, keepdim: tuple(torch.aminmax(x, dim=dim, keepdim=keepdim)), shapes(1),
        lambda rng, s: Sample((distinct(rng, s),), {"dim": int(rng.integers(len(s))) if
                                                    rng.integers(2) else None,
                                                    "keepdim": bool(rng.integers(2))}),
        ("amax", "amin")))


def _cov_make(rng: np.random.Generator, s: tuple[int, int]) -> Sample:
    kw = {"correction": int(rng.integers(0, 2))}
    return Sample((normal(rng, s), rng.integers(1, 4, s[1]).astype(np.int64),
                   np.asarray(rng.uniform(0.5, 2.0, s[1]))), kw, nograd=frozenset({2}))


add(row("cov", lambda x, f, a, correction: tg.cov(
    x, correction=correction), lambda x, f, a, correction: torch.cov(x, correction=correction),
    sides(2, 2, 5), _cov_make, ("sub", "sum", "matmul", "div")))
add(row("cov", lambda x, f, a, correction: tg.cov(
    x, correction=correction, fweights=f, aweights=a),
    lambda x, f, a, correction: torch.cov(x, correction=correction, fweights=f, aweights=a),
    sides(2, 2, 5), _cov_make, ("mul", "sum", "matmul", "div"), variant="weights"))
add(row("corrcoef", lambda x, f, a, correction: tg.corrcoef(x),
        lambda x, f, a, correction: torch.corrcoef(x), sides(2, 2, 5), _cov_make,
        ("matmul", "sqrt", "div", "clamp"), rtol=1e-6, grad_rtol=1e-6, f32_rtol=1e-4))
