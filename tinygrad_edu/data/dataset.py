"""Datasets: PyTorch's map-style ``Dataset`` and its helpers (``torch.utils.data``).

A map-style dataset is anything with ``__len__`` and ``__getitem__(i)`` returning one sample,
usually an ``(input, target)`` pair. ``TensorDataset`` wraps whole arrays (numpy or Tensors)
whose first axis indexes the samples; ``Subset`` and ``random_split`` select samples by index;
``ConcatDataset`` (also ``a + b``) chains datasets; ``StackDataset`` zips datasets of equal
length. An ``IterableDataset`` is a stream instead (``__iter__``, no indexing); ``ChainDataset``
chains streams.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from ..random import Generator, get_generator
from ..random_dist import permutation
from ..tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset",
           "Subset", "TensorDataset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    Example:
        >>> from tinygrad_edu.data import Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i, i * i
        >>> Squares()[3]
        (3, 9)
        >>> len(Squares() + Squares())
        8
    """

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset[Any]) -> ConcatDataset[Any]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """Base class of stream datasets: subclasses define ``__iter__`` (samples one by one).

    A ``DataLoader`` over one has no sampler and no shuffling: it batches the samples in the
    order the stream gives them. With ``num_workers > 0`` every worker process iterates its
    own copy of the whole dataset, so a dataset that should be split among the workers asks
    ``get_worker_info()`` which part is its own (as in PyTorch).

    Example:
        >>> from tinygrad_edu.data import DataLoader, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(5))
        >>> [b.tolist() for b in DataLoader(Count(), batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index: int) -> T_co:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it has "
                        f"no __getitem__")

    def __add__(self, other: Dataset[Any]) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])  # type: ignore[list-item]


class ChainDataset(IterableDataset[Any]):
    """Several ``IterableDataset`` streams one after the other (``a + b`` builds one).

    Args:
        datasets: the streams; they are checked when iterated (PyTorch does the same).
    """

    def __init__(self, datasets: Iterable[Dataset[Any]]) -> None:
        self.datasets = datasets

    def _streams(self) -> Iterator[IterableDataset[Any]]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError(f"ChainDataset only supports IterableDataset, got "
                                     f"{type(d).__name__}")
            yield d

    def __iter__(self) -> Iterator[Any]:
        for d in self._streams():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._streams())  # type: ignore[arg-type]


class StackDataset(Dataset[Any]):
    """Datasets of the same length side by side: item i is a tuple (or dict) of their items.

    Args:
        *args: datasets; ``ds[i]`` is ``(args[0][i], args[1][i], ...)``.
        **kwargs: named datasets instead; ``ds[i]`` is ``{name: dataset[i]}``.

    Example:
        >>> from tinygrad_edu.data import StackDataset
        >>> StackDataset(image=[10, 11], label=[0, 1])[1]
        {'image': 11, 'label': 1}
    """

    def __init__(self, *args: Dataset[Any], **kwargs: Dataset[Any]) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: give datasets either as arguments (tuple items) or "
                             "as keywords (dict items), not both")
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset: at least one dataset should be passed")
        lengths = [len(d) for d in parts]  # type: ignore[arg-type]
        if len(set(lengths)) != 1:
            raise ValueError(f"StackDataset: size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]
        self.datasets: tuple[Any, ...] | dict[str, Any] = args if args else kwargs

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


def _rows(array: Any) -> int:
    shape = array.shape if isinstance(array, Tensor | np.ndarray) else None
    if not shape:
        raise TypeError(f"TensorDataset: every array must be a numpy array or a Tensor with at "
                        f"least one dimension (samples first), got {type(array).__name__} "
                        f"with shape {shape}")
    return int(shape[0])


class TensorDataset(Dataset[tuple[Any, ...]]):
    """Samples are rows of arrays that share their first dimension.

    Item ``i`` is the tuple ``(arrays[0][i], arrays[1][i], ...)``. Numpy arrays give numpy
    rows and Tensors give Tensor rows; ``DataLoader`` turns a batch of rows into Tensors.

    Args:
        *tensors: numpy arrays or Tensors, each with the samples along axis 0.

    Attributes:
        tensors: the arrays, as given.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data import TensorDataset
        >>> ds = TensorDataset(np.zeros((5, 3)), np.arange(5))
        >>> len(ds), ds[2][1]
        (5, np.int64(2))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one array")
        sizes = [_rows(t) for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: the first "
                             f"dimensions are {sizes}; every array must have one row per sample")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return _rows(self.tensors[0])


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the full dataset.
        indices: positions in ``dataset``; ``subset[i]`` is ``dataset[indices[i]]``.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data import Subset, TensorDataset
        >>> sub = Subset(TensorDataset(np.arange(10)), [7, 2])
        >>> [int(sub[i][0]) for i in range(len(sub))]
        [7, 2]
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]
        n = len(dataset)  # type: ignore[arg-type]
        bad = [i for i in self.indices if not -n <= i < n]
        if bad:
            raise IndexError(f"Subset: indices {bad[:5]} are out of range for a dataset of "
                             f"{n} samples")

    def __getitem__(self, index: int) -> T_co:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T_co]):
    """Several datasets one after the other (``a + b`` builds one).

    Args:
        datasets: the datasets, each with ``__len__``.
    """

    def __init__(self, datasets: Sequence[Dataset[Any]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))  # type: ignore

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> T_co:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        index %= n
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = int(self.cumulative_sizes[which - 1]) if which else 0
        return self.datasets[which][index - start]  # type: ignore[no-any-return]


def _split_lengths(lengths: Sequence[float], n: int) -> list[int]:
    """Integer lengths from ``lengths`` (ints summing to n, or fractions summing to 1)."""
    if all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in lengths):
        sizes = [int(x) for x in lengths]
        if any(x < 0 for x in sizes) or sum(sizes) != n:
            raise ValueError(f"random_split: the lengths {sizes} must be non-negative and sum "
                             f"to the length of the dataset ({n})")
        return sizes
    if not math.isclose(sum(lengths), 1.0) or any(not 0 <= x <= 1 for x in lengths):
        raise ValueError(f"random_split: lengths {list(lengths)} must be integers summing to "
                         f"{n} or fractions in [0, 1] summing to 1")
    sizes = [math.floor(n * x) for x in lengths]
    for i in range(n - sum(sizes)):  # PyTorch hands out the remainder round-robin
        sizes[i % len(sizes)] += 1
    return sizes


def random_split(dataset: Dataset[T_co], lengths: Sequence[float],
                 generator: Generator | None = None) -> list[Subset[T_co]]:
    """Split a dataset into non-overlapping random subsets of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: the subset sizes (ints summing to ``len(dataset)``), or fractions summing to 1
            (the rounding remainder goes to the first subsets, one sample each).
        generator: the random generator (the global one when None, seeded by
            ``tg.manual_seed``).

    Returns:
        One ``Subset`` per length.

    Example:
        >>> import numpy as np, tinygrad_edu as tg
        >>> from tinygrad_edu.data import TensorDataset, random_split
        >>> train, val = random_split(TensorDataset(np.arange(10)), [0.8, 0.2],
        ...                           generator=tg.Generator().manual_seed(0))
        >>> len(train), len(val)
        (8, 2)
    """
    n = len(dataset)  # type: ignore[arg-type]
    sizes = _split_lengths(lengths, n)
    order: NDArray[np.int64] = permutation(get_generator(generator, "random_split"), n)
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, order[a:b].tolist()) for a, b in zip(bounds[:-1], bounds[1:],
                                                                    strict=True)]
