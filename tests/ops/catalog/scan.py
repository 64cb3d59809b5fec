"""Catalog rows of the scans (``tinygrad_edu/ops/scan.py``): cumsum, cumprod (with zeros),
logcumsumexp, and cummax/cummin and diff built on other ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from catalog.base import OpRow, Sample, distinct, given_values, normal, row, shapes, torch
from tinygrad_edu.autograd import apply_op
from tinygrad_edu.testing import TORCH_OPS

ROWS: list[OpRow] = []
add = ROWS.append


def _dim_make(values: Any = None) -> Any:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = int(rng.integers(-len(shape), len(shape))) if shape else 0
        x = values(rng, shape) if values is not None else normal(rng, shape)
        return Sample((x,), {"dim": dim})

    return make


def _scan_row(name: str, values: Any = None, variant: str = "", covers: Any = None,
              **opts: Any) -> OpRow:
    return row(name, lambda x, dim: getattr(x, name)(dim),
               lambda x, dim: getattr(torch, name)(x, dim), shapes(), _dim_make(values),
               covers, variant, **opts)


add(_scan_row("cumsum"))
add(_scan_row("cumprod"))
add(given_values("cumprod", lambda x: x.cumprod(1), lambda x: torch.cumprod(x, 1),
                 [[[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 2.0, 4.0], [1.5, -2.0, 0.5, 0.0]]],
                 variant="zeros"))
add(given_values("cumprod", lambda x: x.cumprod(0), lambda x: torch.cumprod(x, 0),
                 [[0.0, 2.0, 3.0, 0.5]], variant="leading_zero"))
add(_scan_row("logcumsumexp"))
add(_scan_row("logcumsumexp", lambda r, s: normal(r, s, 300.0), variant="large_300",
              f32=False, grad_rtol=1e-6))
for _op in ("cummax", "cummin"):
    add(row(_op, lambda x, dim, op=_op: tuple(getattr(x, op)(dim)),
            lambda x, dim, op=_op: tuple(getattr(torch, op)(x, dim)), shapes(),
            _dim_make(distinct), ("take_along_dim",)))
    add(given_values(_op, lambda x, op=_op: tuple(getattr(x, op)(1)),
                     lambda x, op=_op: tuple(getattr(torch, op)(x, 1)),
                     [[[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 0.0, 0.0, np.nan, 5.0]]],
                     covers=("take_along_dim",), variant="ties_nan", gradcheck=False))


# --- diff
def _diff_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim = int(rng.integers(-len(shape), len(shape)))
    kw: dict[str, Any] = {"n": int(rng.integers(1, 4)), "dim": dim}
    args = [normal(rng, shape)]
    for side in ("prepend", "append"):
        if rng.integers(2):
            extra = list(shape)
            extra[dim] = int(rng.integers(1, 3))
            args.append(normal(rng, extra))
            kw[side] = len(args) - 1
    return Sample(tuple(args), kw)


def _diff(lib: Any) -> Any:
    def run(x: Any, *extra: Any, n: int, dim: int, prepend: int | None = None,
            append: int | None = None) -> Any:
        parts = (x, *extra)
        return lib(x, n=n, dim=dim, prepend=None if prepend is None else parts[prepend],
                   append=None if append is None else parts[append])

    return run


add(row("diff", _diff(lambda x, **kw: x.diff(**kw)), _diff(torch.diff), shapes(1), _diff_make,
        ("getitem", "sub", "cat")))


# --- linear_scan, h[i] = c[i - 1] * h[i - 1] + b[i] (the
# recurrence that gives cumprod, logcumsumexp and prod their second derivatives)
def _linear_scan_make(broadcast: bool) -> Any:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = int(rng.integers(-len(shape), len(shape)))
        links = list(shape)
        links[dim] = shape[dim] - 1
        if broadcast:  # links shared along every other axis
            links = [n if i == dim % len(shape) else 1 for i, n in enumerate(links)]
        return Sample((normal(rng, links), normal(rng, shape)),
                      {"dim": dim, "reverse": bool(rng.integers(2))})

    return make


def _linear_scan_torch(c: Any, b: Any, dim: int, reverse: bool) -> Any:
    return TORCH_OPS["linear_scan"].fn(torch, [c, b], {"dim": dim, "reverse": reverse})


for _variant, _broadcast in (("", False), ("broadcast_links", True)):
    add(row("linear_scan", lambda c, b, dim, reverse: apply_op("linear_scan", c, b, dim=dim,
                                                               reverse=reverse),
            _linear_scan_torch, shapes(1), _linear_scan_make(_broadcast), variant=_variant))
