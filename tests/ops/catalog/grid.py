"""Catalog rows of ``grid_sample`` (``tinygrad_edu/ops/grid.py``): every mode, padding mode and
``align_corners`` for images (4-d) and volumes (5-d), differentiated in the input and the grid.

The grid's positions go up to two pixels outside the input (so every padding mode is at work)
and stay at least 0.1 pixel away from integers and half-integers: there the taps change
(bilinear's slope jumps, nearest's value jumps) and a difference quotient means nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu.nn.functional as F
from catalog.base import TF, OpRow, Sample, Spec, normal, row

ROWS: list[OpRow] = []
add = ROWS.append


def _spec(dims: int) -> Spec:
    """(N, C, input sides..., output sides...)."""
    return lambda size: st.tuples(  # noqa: E731
        st.integers(1, 2), st.integers(1, 3), *[st.integers(1, 4)] * dims,
        *[st.integers(1, 3)] * dims)


def grid_positions(rng: np.random.Generator, shape: tuple[int, ...], size: int,
                   align_corners: bool) -> np.ndarray:
    """Normalized coordinates whose pixel positions are k + f, k in [-2, size + 1] and
    f in [0.1, 0.4] or [0.6, 0.9] (away from the kinks of every mode)."""
    whole = rng.integers(-2, size + 2, shape)
    frac = rng.uniform(0.1, 0.4, shape) + 0.5 * rng.integers(0, 2, shape)
    p = whole + frac
    if align_corners:
        return p * 2 / (size - 1) - 1 if size > 1 else rng.uniform(-1.5, 1.5, shape)
    return (2 * p + 1) / size - 1


def _make(dims: int, opts: dict[str, Any]) -> Callable[..., Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c, *sides = spec
        in_sides, out_sides = sides[:dims], sides[dims:]
        out_shape = (n, *out_sides)
        coords = [grid_positions(rng, out_shape, size, opts["align_corners"])
                  for size in in_sides[::-1]]  # x (width) first
        return Sample((normal(rng, (n, c, *in_sides)), np.stack(coords, axis=-1)), dict(opts))

    return make


def _ours(x: Any, grid: Any, **kw: Any) -> Any:
    return F.grid_sample(x, grid, **kw)


def _torch(x: Any, grid: Any, **kw: Any) -> Any:
    return TF.grid_sample(x, grid, **kw)


for _dims, _modes in ((2, ("bilinear", "nearest", "bicubic")), (3, ("bilinear", "nearest"))):
    for _mode in _modes:
        for _padding in ("zeros", "border", "reflection"):
            for _align in (False, True):
                _opts = {"mode": _mode, "padding_mode": _padding, "align_corners": _align}
                add(row("grid_sample", _ours, _torch, _spec(_dims), _make(_dims, _opts),
                        variant=f"{_dims}d_{_mode}_{_padding}_{'align' if _align else 'edges'}",
                        max_examples=4, f32_atol=1e-5))
