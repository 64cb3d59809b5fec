"""Catalog rows of normalisation (``tinygrad_edu/ops/norm.py``): batch_norm (training, eval, 1d),
layer_norm, group_norm and instance_norm.
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
    uniform,
)

ROWS: list[OpRow] = []
add = ROWS.append

# --- normalisation (fused Numba kernels behind batch_norm and layer_norm)

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
