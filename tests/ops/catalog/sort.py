"""Catalog rows of sorting (``tinygrad_edu/ops/sort.py``): argsort, and the methods that pick
values by its order: sort, topk, kthvalue, median, nanmedian, mode, quantile, nanquantile.

Their values are ``take_along_dim(x, order)``, so the rows check that the gradient reaches the
element each value came from, including on ties (``stable=True`` in torch, and torch's
evenly-shared gradient of ``median()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from catalog.base import OpRow, Sample, distinct, given_values, row, shapes, torch

ROWS: list[OpRow] = []
add = ROWS.append

PICK = ("argsort", "take_along_dim")


def _along(min_dims: int = 1) -> Any:
    """Distinct values and a random dim (maybe negative)."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = int(rng.integers(-len(shape), len(shape))) if shape else 0
        return Sample((distinct(rng, shape),), {"dim": dim})

    return shapes(min_dims=min_dims), make


def _along_row(name: str, fn: Any, fn_torch: Any = None, covers: Any = PICK,
               min_dims: int = 1, **opts: Any) -> OpRow:
    spec, make = _along(min_dims)
    return row(name, fn, fn_torch, spec, make, covers, **opts)


TIES = [[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, 0.5, 0.5, -1.0, 2.0]]

# --- argsort and sort
for _desc in (False, True):
    add(_along_row("argsort", lambda x, dim, d=_desc: x.argsort(dim, descending=d),
                   lambda x, dim, d=_desc: torch.argsort(x, dim=dim, descending=d, stable=True),
                   covers=("argsort",), variant=f"descending_{_desc}", differentiable=False))
    add(given_values("argsort", lambda x, d=_desc: x.argsort(-1, descending=d, stable=True),
                     lambda x, d=_desc: torch.argsort(x, dim=-1, descending=d, stable=True),
                     [TIES], variant=f"ties_descending_{_desc}", differentiable=False))
    add(_along_row("sort", lambda x, dim, d=_desc: tuple(x.sort(dim, d)),
                   lambda x, dim, d=_desc: tuple(torch.sort(x, dim=dim, descending=d)),
                   variant=f"descending_{_desc}", min_dims=0))
    add(given_values("sort", lambda x, d=_desc: tuple(x.sort(stable=True, descending=d)),
                     lambda x, d=_desc: tuple(torch.sort(x, stable=True, descending=d)),
                     [TIES], covers=PICK, variant=f"ties_stable_descending_{_desc}",
                     gradcheck=False))
add(given_values("sort", lambda x: tuple(x.sort(0, True, stable=True)),
                 lambda x: tuple(torch.sort(x, dim=0, descending=True, stable=True)),
                 [[[1.0, np.nan], [np.nan, 2.0], [0.0, -1.0]]], covers=PICK, variant="nan",
                 gradcheck=False))
add(_along_row("msort", lambda x, dim: x.msort(), lambda x, dim: torch.msort(x)))


# --- topk and kthvalue
def _k_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim = int(rng.integers(-len(shape), len(shape)))
    k = int(rng.integers(1, shape[dim] + 1))
    return Sample((distinct(rng, shape),), {"k": k, "dim": dim,
                                             "largest": bool(rng.integers(2))})


add(row("topk", lambda x, k, dim, largest: tuple(x.topk(k, dim, largest)),
        lambda x, k, dim, largest: tuple(torch.topk(x, k, dim, largest)), shapes(1), _k_make,
        PICK))
add(row("kthvalue", lambda x, k, dim, largest: tuple(x.kthvalue(k, dim, keepdim=largest)),
        lambda x, k, dim, largest: tuple(torch.kthvalue(x, k, dim, keepdim=largest)),
        shapes(1), _k_make, ("take_along_dim",), variant="keepdim_random"))

# --- medians and modes
for _keep in (False, True):
    add(_along_row("median", lambda x, dim, k=_keep: tuple(x.median(dim, keepdim=k)),
                   lambda x, dim, k=_keep: tuple(torch.median(x, dim, keepdim=k)),
                   variant=f"dim_keepdim_{_keep}"))
add(_along_row("median", lambda x, dim: x.median(), lambda x, dim: torch.median(x),
               covers=("argsort", "take_along_dim", "amax"), variant="all", min_dims=0))
add(given_values("median", lambda x: x.median(), lambda x: torch.median(x), [TIES],
                 covers=("argsort", "take_along_dim", "amax"), variant="all_ties_share_grad",
                 gradcheck=False))
add(given_values("median", lambda x: tuple(x.median(1)), lambda x: tuple(torch.median(x, 1)),
                 [[[1.0, 2.0, 2.0, 5.0], [3.0, 3.0, 0.0, 3.0]]], covers=PICK,
                 variant="dim_ties", gradcheck=False))
add(given_values("median", lambda x: tuple(x.median(1)), lambda x: tuple(torch.median(x, 1)),
                 [[[1.0, np.nan, 2.0], [3.0, 4.0, 0.0]]], covers=PICK, variant="nan",
                 gradcheck=False))
NANS = [[1.0, np.nan, 2.0, 5.0], [np.nan, np.nan, np.nan, np.nan], [3.0, np.nan, 0.5, np.nan]]
# (torch's index for an all-NaN row is an accident of its sort: that row is left out here)
add(given_values("nanmedian", lambda x: tuple(x.nanmedian(1)),
                 lambda x: tuple(torch.nanmedian(x, 1)), [NANS[::2]], covers=PICK, variant="dim",
                 gradcheck=False))
add(given_values("nanmedian", lambda x: x.nanmedian(), lambda x: torch.nanmedian(x), [NANS],
                 covers=("argsort", "take_along_dim", "amax"), variant="all", gradcheck=False))
MODES = [[1.0, 2.0, 2.0, 3.0, 3.0, 0.0], [4.0, 4.0, 1.0, 1.0, 1.0, 4.0]]
add(given_values("mode", lambda x: tuple(x.mode(1)), lambda x: tuple(torch.mode(x, 1)),
                 [MODES], covers=("take_along_dim",), gradcheck=False))
add(given_values("mode", lambda x: tuple(x.mode(0, True)),
                 lambda x: tuple(torch.mode(x, 0, True)), [MODES], covers=("take_along_dim",),
                 variant="dim0_keepdim", gradcheck=False))


# --- quantiles
def _q_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    how = str(rng.choice(["linear", "lower", "higher", "midpoint", "nearest"]))
    dim = None if rng.integers(3) == 0 else int(rng.integers(-len(shape), len(shape)))
    q: Any = float(rng.choice([0.0, 0.25, 0.3, 0.5, 0.9, 1.0]))
    if rng.integers(2):
        q = np.asarray(rng.uniform(0, 1, int(rng.integers(1, 4))))
    return Sample((distinct(rng, shape),), {"q": q, "dim": dim, "keepdim": bool(rng.integers(2)),
                                             "interpolation": how})


def _quantile_torch(name: str) -> Any:
    def run(x: Any, q: Any, **kw: Any) -> Any:
        qt = torch.tensor(q, dtype=x.dtype) if isinstance(q, np.ndarray) else q
        return getattr(torch, name)(x, qt, **kw)

    return run


def _quantile_ours(name: str) -> Any:
    def run(x: Any, q: Any, **kw: Any) -> Any:
        import tinygrad_edu as tg

        return getattr(x, name)(tg.tensor(q) if isinstance(q, np.ndarray) else q, **kw)

    return run


for _name in ("quantile", "nanquantile"):
    add(row(_name, _quantile_ours(_name), _quantile_torch(_name), shapes(1), _q_make,
            ("argsort", "take_along_dim", "sub", "mul", "add"), rtol=1e-6, grad_rtol=1e-6,
            f32_rtol=1e-4))
add(given_values("nanquantile", lambda x: _quantile_ours("nanquantile")(
    x, np.array([0.2, 0.5]), dim=1), lambda x: _quantile_torch("nanquantile")(
    x, np.array([0.2, 0.5]), dim=1), [NANS], covers=PICK, variant="nan", gradcheck=False))
add(given_values("quantile", lambda x: x.quantile(0.4, dim=1),
                 lambda x: torch.quantile(x, 0.4, dim=1), [NANS], covers=PICK, variant="nan",
                 gradcheck=False))

