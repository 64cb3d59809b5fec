"""Catalog rows of matrix products (``tinygrad_edu/ops/matmul.py``): matmul in every
batching pattern, mm and linear.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu.nn.functional as F
from catalog.base import (
    TF,
    OpRow,
    Sample,
    Spec,
    normal,
    row,
    sides,
)

ROWS: list[OpRow] = []
add = ROWS.append

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
        sides(4), _linear_make, covers=("linear",)))
add(row("linear", lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), sides(3),
        lambda rng, s: Sample((normal(rng, s[:2]), normal(rng, s[1:][::-1]))),
        variant="no_bias", covers=("matmul",)))
