"""Catalog rows of pooling (``tinygrad_edu/ops/pool.py``): max/avg pooling and their adaptive
forms.
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
    distinct,
    row,
)

ROWS: list[OpRow] = []
add = ROWS.append

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
