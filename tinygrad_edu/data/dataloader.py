"""``DataLoader``: mini-batches from a dataset, in order or shuffled (``torch.utils.data``).

A pass (``for batch in loader``) asks a *sampler* for sample indices (in order, a random
permutation drawn at the start of the pass, or any sampler you give), cuts them into batches
with a ``BatchSampler``, and builds each batch with ``collate_fn`` from the samples
``dataset[i]``. An ``IterableDataset`` has no indices: the loader reads the stream on.

With ``num_workers=0`` the batches are built in the calling process. With ``num_workers=N``
they are built by N worker processes (``multiprocess.py``, ``worker.py``), which pays off when
building a sample is slow (decoding, augmenting): the batches are the same, in the same order.

For a ``TensorDataset`` (or a ``Subset`` of one) with the default collate function a batch is
indexed from the arrays at once, not sample by sample: the same result, much faster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .. import random_dist
from ..random import Generator, get_generator
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .fetch import IterableFetcher, MapFetcher
from .multiprocess import MultiProcessIterator, get_context
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert"]


class _InfiniteNones(Sampler[None]):
    """The "indices" of a stream: None, forever (the stream itself decides when to end)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _check_int(value: Any, name: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        kind = "a positive" if low > 0 else "a non-negative"
        raise ValueError(f"DataLoader: {name} should be {kind} integer, got {value!r}")


class DataLoader:
    """Iterate over a dataset in mini-batches (``torch.utils.data.DataLoader``).

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``) or an
            ``IterableDataset``.
        batch_size: samples per batch (default 1); None turns batching off (each sample
            passes through ``collate_fn``, ``default_convert`` by default, on its own).
        shuffle: draw a new random order at the start of every pass (a ``RandomSampler``).
        sampler: the order instead (a sampler or any iterable of indices; not with
            ``shuffle``).
        batch_sampler: gives whole batches of indices instead (not with ``batch_size``,
            ``shuffle``, ``sampler`` or ``drop_last``).
        num_workers: how many worker processes build the batches (0: this process).
        collate_fn: builds a batch from a list of samples (default ``default_collate``).
        pin_memory: accepted for PyTorch compatibility; ignored (there is no GPU).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: with workers, seconds to wait for a batch before an error (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after it is
            seeded and before it loads anything.
        multiprocessing_context: how workers start: None (the platform's default, as
            PyTorch: ``fork`` on Linux), "fork", "spawn", "forkserver", or a context.
        generator: the random generator for shuffling and for the workers' base seed (the
            global one, seeded by ``tg.manual_seed``, when None). Either way the order, and
            the draws each pass makes, are PyTorch's for the same seed.
        prefetch_factor: batches each worker has in flight (default 2 with workers; only
            with ``num_workers > 0``).
        persistent_workers: keep the workers between passes (only with ``num_workers > 0``).
        pin_memory_device, in_order: accepted for PyTorch compatibility (batches always come
            in order).

    Example:
        >>> import numpy as np, tinygrad_edu as tg
        >>> from tinygrad_edu.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(np.arange(10, dtype=np.float32), np.arange(10))
        >>> loader = DataLoader(ds, batch_size=4)
        >>> [y.tolist() for _, y in loader]
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        >>> len(DataLoader(ds, batch_size=4, drop_last=True))
        2
        >>> g = tg.Generator().manual_seed(0)
        >>> sorted(sum((y.tolist() for _, y in DataLoader(ds, 4, shuffle=True, generator=g)), []))
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """

    def __init__(self, dataset: Dataset[Any], batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Iterable[Any] | None = None,
                 batch_sampler: Iterable[list[Any]] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[Any], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers,
                            multiprocessing_context)
        if batch_size is not None:
            _check_int(batch_size, "batch_size", 1)
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r}")
        elif not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: the dataset must have __len__ and __getitem__ (a "
                            f"map-style dataset) or be an IterableDataset, got "
                            f"{type(dataset).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"DataLoader: generator must be a tinygrad_edu Generator, got "
                            f"{type(generator).__name__}")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteNones()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, bool(drop_last)
        self.shuffle = bool(shuffle)
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.persistent_workers = worker_init_fn, persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = (2 if prefetch_factor is None else prefetch_factor) \
            if num_workers > 0 else None
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator: MultiProcessIterator | None = None

    @staticmethod
    def _check_workers(num_workers: Any, timeout: Any, prefetch_factor: Any,
                       persistent_workers: bool, context: Any) -> None:
        """PyTorch's checks of the worker options (its messages, its error types)."""
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative; use "
                             f"num_workers=0 to disable multiprocessing (got {num_workers!r})")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing. let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("DataLoader: prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if context is not None:
            if num_workers == 0:
                raise ValueError(f"DataLoader: multiprocessing_context can only be used with "
                                 f"multi-process loading (num_workers > 0), but got "
                                 f"num_workers={num_workers}")
            get_context(context)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Iterable[Any]:
        """What each task is: a batch of indices (batching on) or one index (batching off)."""
        return self.batch_sampler if self._auto_collation else self.sampler  # type: ignore

    def _context(self) -> Any:
        return get_context(self.multiprocessing_context)

    def __len__(self) -> int:
        """The number of batches in one pass (for a stream: from its ``__len__``)."""
        if self._iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self._index_sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        """A pass over the data.

        Like PyTorch's loader iterator it first draws a base seed (an int64 from the loader's
        generator: the seed of the worker processes) so that the random stream advances
        exactly as PyTorch's, even with no workers; the order is drawn at the first batch.
        """
        if self.num_workers == 0:
            return self._single_process()
        if not self.persistent_workers:
            return MultiProcessIterator(self)
        if self._iterator is None or self._iterator._shutdown:  # first pass, or after an error
            self._iterator = MultiProcessIterator(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def _single_process(self) -> Iterator[Any]:
        random_dist.random_bits(get_generator(self.generator, "DataLoader"), (), np.int64)
        indices = iter(self._index_sampler)
        kind = IterableFetcher if self._iterable else MapFetcher
        fetcher = kind(self.dataset, self._auto_collation, self.collate_fn, self.drop_last)
        return self._batches(indices, fetcher)

    @staticmethod
    def _batches(indices: Iterator[Any], fetcher: Any) -> Iterator[Any]:
        for index in indices:
            try:
                batch = fetcher.fetch(index)
            except StopIteration:  # a stream ended
                return
            yield batch

    def __repr__(self) -> str:
        size = "a stream" if self._iterable else f"{len(self.dataset)} samples"  # type: ignore
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {size}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, num_workers={self.num_workers})")
