"""Catalog rows of im2col and col2im (``tinygrad_edu/ops/fold.py``): ``F.unfold`` and
``F.fold`` with kernel sizes, dilation, padding, stride and unbatched inputs.
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
)
from tinygrad_edu.ops.conv_args import conv_output_size

ROWS: list[OpRow] = []
add = ROWS.append

# (N, C, H, W, KH, KW); H and W are grown below so that at least one window fits.
FOLD_SPEC: Spec = lambda size: st.tuples(  # noqa: E731
    st.integers(1, 2), st.integers(1, 3), st.integers(1, size.max_side + 2),
    st.integers(1, size.max_side + 2), st.integers(1, 3), st.integers(1, 3))

FOLD_ROWS: dict[str, dict[str, Any]] = {
    "basic": {},
    "dilation2_padding1": {"dilation": 2, "padding": 1},
    "stride2": {"stride": (2, 1)},
    "unbatched": {"padding": (1, 0)},
}


def _geometry(spec: tuple[int, ...], opts: dict[str, Any]) -> tuple[int, ...]:
    n, c, h, w, kh, kw = spec
    d = opts.get("dilation", 1)
    p = opts.get("padding", 0)
    ph, pw = p if isinstance(p, tuple) else (p, p)
    return n, c, max(h, d * (kh - 1) + 1 - 2 * ph), max(w, d * (kw - 1) + 1 - 2 * pw), kh, kw


def _unfold_make(opts: dict[str, Any], unbatched: bool) -> Callable[..., Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c, h, w, kh, kw = _geometry(spec, opts)
        shape = [c, h, w] if unbatched else [n, c, h, w]
        return Sample((normal(rng, shape),), {"kernel_size": (kh, kw), **opts})

    return make


def _fold_make(opts: dict[str, Any], unbatched: bool) -> Callable[..., Sample]:
    """Columns of the right length: as many as the windows of the (H, W) image."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, c, h, w, kh, kw = _geometry(spec, opts)
        pairs = [v if isinstance(v, tuple) else (v, v) for v in
                 (opts.get("stride", 1), opts.get("padding", 0), opts.get("dilation", 1))]
        length = 1
        for size, k, s, p, d in zip((h, w), (kh, kw), *pairs, strict=True):
            length *= conv_output_size(size, k, s, p, d)
        shape = [c * kh * kw, length] if unbatched else [n, c * kh * kw, length]
        return Sample((normal(rng, shape),),
                      {"output_size": (h, w), "kernel_size": (kh, kw), **opts})

    return make


for _variant, _opts in FOLD_ROWS.items():
    _unbatched = _variant == "unbatched"
    add(row("unfold", lambda x, **kw: F.unfold(x, **kw), lambda x, **kw: TF.unfold(x, **kw),
            FOLD_SPEC, _unfold_make(_opts, _unbatched), variant=_variant, max_examples=6))
    add(row("fold", lambda x, **kw: F.fold(x, **kw), lambda x, **kw: TF.fold(x, **kw),
            FOLD_SPEC, _fold_make(_opts, _unbatched), variant=_variant, max_examples=6))
