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
    normal,
    row,
    torch,
)
from tinygrad_edu.autograd import apply_op
from tinygrad_edu.ops import pool as pool_ops
from tinygrad_edu.testing.torch_ops import TORCH_OPS

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
# float32 atol: the drawn values reach about +-100, and a window's float32 sum rounds at
# ulp(64) = 7.6e-6 in a summation order that differs from torch's; averaged values near 0
# (values of opposite signs) keep that absolute error (2.5e-6 seen in a randomized run)
for _name, _variant, _ours, _theirs, _unbatched in POOL_ROWS:
    add(row(_name, _ours, _theirs, POOL_SPEC, _pool_make(_unbatched), variant=_variant,
            max_examples=8, f32_rtol=1e-5, f32_atol=1e-5))

# --- the pooling backwards as ops (so that they can be differentiated
# again): scatter (the backward) and gather (its adjoint), at the argmax / over the windows a
# pooling's forward saved. Overlapping windows make a cell win (or be read) several times.

_MAX_POOLS: dict[str, Callable[[np.ndarray], Any]] = {
    "3_stride1_pad1": lambda x: pool_ops.max_pool2d_forward(x, kernel_size=3, stride=1,
                                                            padding=1),
    "2x3_stride_1x2": lambda x: pool_ops.max_pool2d_forward(x, kernel_size=(2, 3),
                                                            stride=(1, 2)),
    "adaptive": lambda x: pool_ops.adaptive_max_pool2d_forward(x, output_size=(2, 3)),
}
_AVG_POOLS: dict[str, Callable[[np.ndarray], Any]] = {
    "3_stride2_pad1_exclude": lambda x: pool_ops.avg_pool2d_forward(
        x, kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil_divisor": lambda x: pool_ops.avg_pool2d_forward(x, kernel_size=2, ceil_mode=True,
                                                          divisor_override=3),
    "adaptive": lambda x: pool_ops.adaptive_avg_pool2d_forward(x, output_size=(2, 3)),
}


def _pool_grad_make(pool: Callable[[np.ndarray], Any], scatter: bool, windows: bool,
                    unbatched: bool) -> Callable[[np.random.Generator, Any], Sample]:
    """The pooling of a random input gives the argmax or windows; the op's input is a random
    pooled-shaped dout (scatter) or input-shaped x (gather)."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c, h, w = spec
        shape = [c, h, w] if unbatched else [n, c, h, w]
        out, cache = pool(distinct(rng, shape, 0.1))
        static = ({"rows": cache.rows, "cols": cache.cols, "divisor": cache.divisor}
                  if windows else {"argmax": cache.argmax})
        if scatter:
            return Sample((normal(rng, list(out.shape)),), {**static, "x_shape": tuple(shape)})
        return Sample((normal(rng, shape),), static)

    return make


def _apply(name: str) -> Callable[..., Any]:
    return lambda t, **kw: apply_op(name, t, **kw)


def _reference(name: str) -> Callable[..., Any]:
    return lambda t, **kw: TORCH_OPS[name].fn(torch, [t], kw)


for _kind, _pools in (("max", _MAX_POOLS), ("avg", _AVG_POOLS)):
    for _variant, _pool in _pools.items():
        for _scatter in (True, False):
            _name = f"{_kind}_pool2d_{'scatter' if _scatter else 'gather'}"
            for _unbatched in (False, True) if _variant == "adaptive" else (False,):
                add(row(_name, _apply(_name), _reference(_name), POOL_SPEC,
                        _pool_grad_make(_pool, _scatter, _kind == "avg", _unbatched),
                        variant=_variant + ("_unbatched" if _unbatched else ""),
                        max_examples=6, f32_rtol=1e-5, f32_atol=1e-6))
