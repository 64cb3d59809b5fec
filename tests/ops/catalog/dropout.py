"""Catalog rows of dropout (``tinygrad_edu/ops/dropout.py``): the mask tinygrad_edu draws is
replayed in torch.
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from catalog.base import (
    OpRow,
    Sample,
    normal,
    row,
    torch,
)
from catalog.norm import NORM_SPEC

ROWS: list[OpRow] = []
add = ROWS.append


def _dropout_mask(shape: tuple[int, ...], p: float, channels: bool) -> np.ndarray:
    """The mask tinygrad_edu draws after manual_seed(0), to replay it in torch."""
    tg.manual_seed(0)
    fn = F.dropout2d if channels else F.dropout
    return fn(tg.ones(*shape, dtype=tg.float64), p).numpy()


for _variant, _fn, _channels in (("p0.3", F.dropout, False), ("2d", F.dropout2d, True)):
    add(row("dropout",
            lambda x, f=_fn: (tg.manual_seed(0), f(x, 0.3))[1],
            lambda x, c=_channels: x * torch.tensor(_dropout_mask(tuple(x.shape), 0.3, c),
                                                    dtype=x.dtype),
            NORM_SPEC, lambda rng, s: Sample((normal(rng, list(s)),), {}), variant=_variant,
            max_examples=6, f32=False, covers=("dropout",)))
