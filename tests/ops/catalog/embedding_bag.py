"""Catalog rows of ``embedding_bag`` (``tinygrad_edu/ops/embedding_bag.py``).

Torch reference: ``torch.nn.functional.embedding_bag`` with the same ids, offsets, table and
per-sample weights (an empty array: none), in sum, mean and max mode, with empty bags,
``padding_idx`` and ``include_last_offset`` (its last offset the input's length).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from catalog.base import OpRow, Sample, ints, normal, row, sides
from tinygrad_edu.nn import functional as R


def _bag_make(mode: str, weighted: bool = False, padding: bool = False,
              last_offset: bool = False) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        rows, dim, n, bags = spec
        ids = ints(rng, [n], 0, rows)
        starts = np.sort(rng.integers(0, n + 1, bags)).astype(np.int64)
        starts[0] = 0  # bags may be empty (equal starts, or a start at n)
        offsets = np.append(starts, n) if last_offset else starts
        psw = normal(rng, [n]) if weighted else np.zeros(0)
        kwargs: dict[str, Any] = {"mode": mode, "include_last_offset": last_offset}
        if padding:
            kwargs["padding_idx"] = int(rng.integers(0, rows))
        return Sample((ids, offsets, normal(rng, [rows, dim]), psw), kwargs,
                      nograd=() if weighted else (3,))

    return make


def _bag_fn(lib: Any) -> Callable[..., Any]:
    def fn(ids: Any, offsets: Any, weight: Any, psw: Any, **kw: Any) -> Any:
        return lib.embedding_bag(ids, weight, offsets,
                                 per_sample_weights=psw if psw.numel() else None, **kw)

    return fn


def _torch_functional() -> Any:
    import torch.nn.functional as TF

    return TF


ROWS: list[OpRow] = [
    row("embedding_bag", _bag_fn(R), lambda *a, **k: _bag_fn(_torch_functional())(*a, **k),
        sides(4, 1, None), _bag_make(mode, weighted, padding, last), variant=variant)
    for variant, mode, weighted, padding, last in (
        ("sum", "sum", False, False, False), ("mean", "mean", False, False, False),
        ("max", "max", False, False, False), ("sum_weighted", "sum", True, False, False),
        ("mean_padding", "mean", False, True, True), ("max_padding", "max", False, True, False),
        ("sum_weighted_padding_last_offset", "sum", True, True, True))
]
