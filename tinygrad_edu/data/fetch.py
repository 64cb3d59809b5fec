"""Fetchers: how one batch is built from the indices a sampler gave (main process or worker).

A map-style dataset is indexed, ``collate_fn([dataset[i] for i in indices])``; a stream
(``IterableDataset``) is read on, ``batch_size`` samples at a time. Without automatic batching
(``batch_size=None``) every sample is its own "batch", passed through ``collate_fn`` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..tensor import Tensor
from .collate import default_collate
from .dataset import Subset, TensorDataset

__all__ = ["IterableFetcher", "MapFetcher"]

Indices = NDArray[np.int64]


def _array_source(dataset: Any) -> tuple[tuple[Any, ...], Indices | None] | None:
    """The arrays behind a TensorDataset (through Subsets), with the index map; else None."""
    if isinstance(dataset, TensorDataset):
        return dataset.tensors, None
    if isinstance(dataset, Subset):
        inner = _array_source(dataset.dataset)
        if inner is not None:
            arrays, index_map = inner
            indices = np.asarray(dataset.indices, dtype=np.int64)
            return arrays, indices if index_map is None else index_map[indices]
    return None


def _gather(source: tuple[tuple[Any, ...], Indices | None], indices: Indices) -> list[Tensor]:
    """One batch straight from the arrays: what default_collate of the rows would give."""
    arrays, index_map = source
    rows = indices if index_map is None else index_map[indices]
    n = len(arrays[0])
    if rows.size and not (-n <= rows.min() and rows.max() < n):
        raise IndexError(f"DataLoader: sample index out of range for a dataset of {n} samples")
    return [Tensor((a.numpy(force=True) if isinstance(a, Tensor) else a)[rows]) for a in arrays]


class MapFetcher:
    """Batches of a map-style dataset: ``collate_fn`` of the samples at the indices.

    For a ``TensorDataset`` (or a ``Subset`` of one) with ``default_collate`` the arrays are
    indexed with the whole batch of indices at once: the same result, much faster.
    """

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any],
                 drop_last: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        fast = auto_collation and collate_fn is default_collate
        self.source = _array_source(dataset) if fast else None

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.source is not None:
            return _gather(self.source, np.asarray(index, dtype=np.int64))
        return self.collate_fn([self.dataset[i] for i in index])


class IterableFetcher:
    """Batches read from a stream: ``iter(dataset)`` is called once, when the fetcher is made."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any],
                 drop_last: bool) -> None:
        self.stream, self.ended = iter(dataset), False
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last

    def fetch(self, index: Any) -> Any:
        """The next batch (``index`` is a list of Nones, one per sample wanted)."""
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.stream))
        data = []
        for _ in index:
            try:
                data.append(next(self.stream))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)
