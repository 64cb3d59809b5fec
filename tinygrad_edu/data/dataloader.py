"""``DataLoader``: mini-batches from a dataset, in order or shuffled (``torch.utils.data``).

Each pass (``for batch in loader``) walks the sample indices, in order or in a fresh random
permutation drawn at the start of the pass, cuts them into batches of ``batch_size`` and
builds each batch with ``collate_fn`` from the samples ``dataset[i]``.

For a ``TensorDataset`` (or a ``Subset`` of one) with the default collate function the loader
skips the per-sample calls and indexes the arrays with the whole batch of indices at once: the
result is identical and much faster for small samples.

Data is loaded in the calling thread. ``num_workers`` and ``pin_memory`` are accepted so that
PyTorch code runs unchanged, and do nothing: the models this package trains on a CPU spend
their time in the network, not in loading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import random_dist
from ..random import Generator, get_generator
from ..tensor import Tensor
from .dataset import Dataset, Subset, TensorDataset

__all__ = ["DataLoader", "default_collate"]

Indices = NDArray[np.int64]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, like PyTorch's ``default_collate``.

    Arrays and Tensors are stacked along a new first axis into a Tensor; Python and numpy
    numbers become a 1-D Tensor (ints int64, floats float64, as in PyTorch); strings stay a
    list; dicts, tuples and lists are collated field by field (a tuple of fields gives a
    list, a namedtuple the same namedtuple).

    Args:
        batch: the samples, all of the same structure.

    Returns:
        The batch.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data import default_collate
        >>> x, y = default_collate([(np.zeros(3), 0), (np.ones(3), 1)])
        >>> x.shape, y
        (torch.Size([2, 3]), tensor([0, 1]))
    """
    if not batch:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor(np.stack([_checked(t, elem, Tensor).numpy(force=True) for t in batch]))
    if isinstance(elem, np.ndarray | np.generic):
        if isinstance(elem, np.ndarray) and elem.dtype.hasobject:
            raise TypeError("default_collate: got a numpy array of Python objects; samples "
                            "must contain numeric arrays, numbers, strings or containers")
        return Tensor(np.stack([np.asarray(_checked(x, elem, np.ndarray | np.generic))
                                for x in batch]))
    if isinstance(elem, bool | int | float):
        dtype = np.float64 if isinstance(elem, float) else None
        return Tensor(np.array(batch, dtype=dtype))
    if isinstance(elem, str | bytes):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple | list):
        return _collate_sequences(batch, elem)
    raise TypeError(f"default_collate: batch must contain Tensors, numpy arrays, numbers, "
                    f"strings, dicts or lists; found {type(elem).__name__}")


def _checked(value: Any, first: Any, kind: Any) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"default_collate: the samples of a batch must have the same types; "
                        f"found {type(first).__name__} and {type(value).__name__}")
    if getattr(value, "shape", None) != getattr(first, "shape", None):
        raise RuntimeError(f"default_collate: stack expects each array to be equal size, but "
                           f"got {first.shape} and {value.shape}; resize the samples (a "
                           f"transform) or pass your own collate_fn")
    return value


def _collate_sequences(batch: Sequence[Any], elem: Sequence[Any]) -> Any:
    if any(len(sample) != len(elem) for sample in batch):
        raise RuntimeError("default_collate: each element in list of batch should be of equal "
                           "size")
    fields = [default_collate(list(samples)) for samples in zip(*batch, strict=True)]
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*fields)
    return fields


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


class DataLoader:
    """Iterate over a dataset in mini-batches (``torch.utils.data.DataLoader``).

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``).
        batch_size: samples per batch (default 1).
        shuffle: draw a new random order at the start of every pass (default False).
        sampler: an iterable of indices giving the order instead (not with ``shuffle``).
        num_workers: accepted for PyTorch compatibility; loading happens in this thread.
        collate_fn: builds a batch from a list of samples (default ``default_collate``).
        pin_memory: accepted for PyTorch compatibility; ignored.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: the random generator for shuffling (the global one, seeded by
            ``tg.manual_seed``, when None). Give the loader its own to make the order
            independent of everything else that draws random numbers. Either way the
            order, and the draws each pass makes, are PyTorch's for the same seed.

    Attributes:
        dataset, batch_size, shuffle, drop_last, generator, collate_fn: as given.

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

    def __init__(self, dataset: Dataset[Any], batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Iterable[int] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, generator: Generator | None = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size should be a positive integer, got "
                             f"{batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative integer, got "
                             f"{num_workers!r}")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: the dataset must have __len__ and __getitem__ (a "
                            f"map-style dataset), got {type(dataset).__name__}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"DataLoader: generator must be a tinygrad_edu Generator, got "
                            f"{type(generator).__name__}")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, bool(shuffle)
        self.sampler, self.num_workers, self.pin_memory = sampler, num_workers, pin_memory
        self.drop_last, self.generator = bool(drop_last), generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def __len__(self) -> int:
        """The number of batches in one pass."""
        n = len(self._order(draw=False))
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self, draw: bool = True) -> Indices:
        """The sample order of one pass (a random permutation is drawn only with ``draw``).

        Shuffling follows PyTorch's ``RandomSampler``: with the loader's own generator, a
        ``randperm`` from it; without one, a seed drawn from the global generator (an int64
        ``random_()``) seeds a fresh generator for the ``randperm``.
        """
        if self.sampler is not None:
            return np.fromiter((int(i) for i in self.sampler), dtype=np.int64)
        n = len(self.dataset)  # type: ignore[arg-type]
        if not (self.shuffle and draw):
            return np.arange(n, dtype=np.int64)
        gen = self.generator
        if gen is None:
            seed = random_dist.random_bits(get_generator(None), (), np.int64)
            gen = Generator().manual_seed(int(seed))
        return random_dist.permutation(gen, n)

    def __iter__(self) -> Iterator[Any]:
        """A pass over the data. Like PyTorch's loader iterator it first draws a base seed (an
        int64 from the loader's generator, PyTorch's seed for worker processes) so that the
        random stream advances exactly as PyTorch's; the order is drawn at the first batch."""
        random_dist.random_bits(get_generator(self.generator, "DataLoader"), (), np.int64)
        return self._batches()

    def _batches(self) -> Iterator[Any]:
        order = self._order()
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        source = _array_source(self.dataset) if self.collate_fn is default_collate else None
        starts = range(0, stop, self.batch_size)
        # PyTorch's RandomSampler draws one more (unused) randperm once its order runs out:
        # with the loader's own generator that moves the stream, so we draw it too, at the
        # same moment (before a last partial batch, else when the pass ends)
        tail = self.shuffle and self.sampler is None and self.generator is not None
        early = tail and not self.drop_last and len(order) % self.batch_size != 0
        for start in starts:
            if early and start == starts[-1]:
                random_dist.permutation(self.generator, len(order))
            indices = order[start:start + self.batch_size]
            if source is None:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
            else:
                yield _gather(source, indices)
        if tail and not early:
            random_dist.permutation(self.generator, len(order))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (f"DataLoader(dataset={type(self.dataset).__name__} of "
                f"{len(self.dataset)} samples, batch_size={self.batch_size}, "  # type: ignore
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


def _gather(source: tuple[tuple[Any, ...], Indices | None], indices: Indices) -> list[Tensor]:
    """One batch straight from the arrays: what default_collate of the rows would give."""
    arrays, index_map = source
    rows = indices if index_map is None else index_map[indices]
    n = len(arrays[0])
    if rows.size and not (-n <= rows.min() and rows.max() < n):
        raise IndexError(f"DataLoader: sample index out of range for a dataset of {n} samples")
    return [Tensor((a.numpy(force=True) if isinstance(a, Tensor) else a)[rows]) for a in arrays]
