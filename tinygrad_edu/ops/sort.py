"""Sorting: the order of the elements along a dim (``argsort``).

Sorting itself has no new gradient rule. ``sort(x)`` is ``take_along_dim(x, argsort(x))``: the
values are *picked* from x, so the gradient of each sorted value goes back to the element it
was picked from (``take_along_dim``'s backward). ``topk``, ``kthvalue``, ``median``,
``quantile`` and ``mode`` are built the same way in ``tensor/sort_scan.py``. Only the order is
computed here, and the order is piecewise constant in x: it has no gradient.

The sort is always stable (equal elements keep their order), so which of several tied
elements receives a gradient is well defined, as with ``torch.sort(..., stable=True)``. NaN
sorts as the largest value (last ascending, first descending), as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .elementwise import NO_CACHE, NoCache
from .registry import register_op

Array = NDArray[Any]


def argsort_forward(x: Array, *, dim: int = -1, descending: bool = False
                    ) -> tuple[Array, NoCache]:
    """Indices that sort x along ``dim`` (stable), as int64. Not differentiable.

    Descending order is the ascending order of the reversed array, read backwards: ties then
    keep their original order and NaN comes first, as in PyTorch.
    """
    if not descending:
        return np.argsort(x, axis=dim, kind="stable").astype(np.int64), NO_CACHE
    n = x.shape[dim]
    backwards = np.argsort(np.flip(x, dim), axis=dim, kind="stable")
    return (n - 1 - np.flip(backwards, dim)).astype(np.int64), NO_CACHE


register_op("argsort", argsort_forward, None)
