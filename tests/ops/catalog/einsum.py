"""Catalog rows of ``einsum`` (``tinygrad_edu/ops/einsum.py``): matrix
products, traces and diagonals, sums, outer products, broadcasting, ``...`` and three operands.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tg
from catalog.base import OpRow, Sample, normal, row, torch
from catalog.linalg import LINALG

ROWS: list[OpRow] = []
add = ROWS.append

EINSUM_CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    # variant: (equation, the letters giving each operand's shape; "1" is a size-1 axis)
    "matmul": ("ij,jk->ik", ("ij", "jk")),
    "batched": ("bij,bjk->bik", ("bij", "bjk")),
    "trace": ("ii", ("ii",)),
    "diagonal_batch": ("bii->bi", ("bii",)),
    "sum_out": ("ij->j", ("ij",)),
    "outer": ("i,j->ij", ("i", "j")),
    "broadcast_size_1": ("ij,ij->ij", ("ij", "1j")),
    "ellipsis": ("...ij,...jk->...ik", ("Aij", "jk")),
    "three_operands": ("ij,jk,k->i", ("ij", "jk", "k")),
    "attention": ("bqd,bkd->bqk", ("bqd", "bkd")),
}


def _einsum_make(letters: tuple[str, ...]) -> Any:
    def make(rng: np.random.Generator, sizes: tuple[int, ...]) -> Sample:
        size = dict(zip("ijkbqdA", sizes, strict=True)) | {"1": 1}
        return Sample(tuple(normal(rng, [size[c] for c in sub]) for sub in letters))

    return make


for _variant, (_eq, _letters) in EINSUM_CASES.items():
    add(row("einsum", lambda *xs, eq=_eq: tg.einsum(eq, *xs),
            lambda *xs, eq=_eq: torch.einsum(eq, *xs),
            lambda size: st.tuples(*[st.integers(1, 3)] * 7), _einsum_make(_letters),
            variant=_variant, **LINALG))
