"""Samplers: the order in which a ``DataLoader`` visits a dataset (``torch.utils.data.sampler``).

A sampler is an iterable of dataset indices. The loader cuts its indices into batches with a
``BatchSampler`` and calls ``dataset[i]`` for each. Every random sampler here draws exactly the
numbers PyTorch's draws, in the same order and at the same moments (they are generators, so
nothing is drawn before the first index is asked for): for the same seed the indices are
PyTorch's, value for value.

- ``SequentialSampler``: 0, 1, ..., n - 1.
- ``RandomSampler``: a random permutation (a new one per pass), or draws with replacement.
- ``SubsetRandomSampler``: the given indices in a random order (the CS231n notebook uses it to
  split one dataset into a training and a validation part).
- ``WeightedRandomSampler``: index i with probability proportional to ``weights[i]``.
- ``BatchSampler``: lists of ``batch_size`` indices from another sampler.

Example:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.data import BatchSampler, SequentialSampler, SubsetRandomSampler
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> sorted(SubsetRandomSampler(range(10, 14), generator=tg.Generator().manual_seed(0)))
    [10, 11, 12, 13]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from .. import random_dist
from ..random import Generator, get_generator
from ..tensor import Tensor

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define ``__iter__`` (and usually ``__len__``).

    Example:
        >>> from tinygrad_edu.data import Sampler
        >>> class EvenFirst(Sampler):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter([*range(0, self.n, 2), *range(1, self.n, 2)])
        ...     def __len__(self):
        ...         return self.n
        >>> list(EvenFirst(5))
        [0, 2, 4, 1, 3]
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass  # PyTorch accepts (and ignores) a data_source here

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


def _fresh_generator(generator: Generator | None, name: str) -> Generator:
    """The sampler's own generator, or (as PyTorch) a new one seeded by an int64 drawn from
    the global generator: each pass then uses a fresh stream decided by ``tg.manual_seed``."""
    if generator is not None:
        return get_generator(generator, name)
    seed = random_dist.random_bits(get_generator(None), (), np.int64)
    return Generator().manual_seed(int(seed))


class SequentialSampler(Sampler[int]):
    """The indices 0, 1, ..., len(data_source) - 1, in order.

    Args:
        data_source: the dataset (only its length is used).
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices of ``data_source``: a permutation per pass, or draws with replacement.

    Without replacement the sampler yields ``randperm(n)`` (several permutations, the last one
    cut short, when ``num_samples`` exceeds n). With replacement it draws ``randint(n)`` in
    chunks of 32, as PyTorch does.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (default False).
        num_samples: how many indices per pass (default ``len(data_source)``).
        generator: the random generator; when None every pass seeds a fresh one from the
            global generator (so ``tg.manual_seed`` fixes the order).
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        n = self.num_samples
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={n}")

    @property
    def num_samples(self) -> int:
        """Indices per pass: ``num_samples`` as given, else the dataset's length."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        gen = _fresh_generator(self.generator, "RandomSampler")
        if self.replacement:
            for size in [32] * (self.num_samples // 32) + [self.num_samples % 32]:
                yield from random_dist.integers(gen, (size,), 0, n, np.int64).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from random_dist.permutation(gen, n).tolist()
            # PyTorch draws this last permutation even when none of it is used
            yield from random_dist.permutation(gen, n).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices, in a new random order each pass (no replacement).

    Args:
        indices: the dataset indices to visit (e.g. ``range(49000)`` for a training part).
        generator: the random generator (the global one when None).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.data import sampler
        >>> s = sampler.SubsetRandomSampler([3, 5, 7], generator=tg.Generator().manual_seed(0))
        >>> sorted(s), len(s)
        ([3, 5, 7], 3)
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[int]:
        gen = get_generator(self.generator, "SubsetRandomSampler")
        for i in random_dist.permutation(gen, len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices 0..len(weights)-1 drawn with probabilities proportional to ``weights``.

    Useful for unbalanced classes: give each sample the weight 1 / (size of its class). The
    draws are ``multinomial(weights, num_samples, replacement)``, PyTorch's numbers.

    Args:
        weights: one non-negative weight per index (need not sum to 1).
        num_samples: how many indices per pass.
        replacement: draw with replacement (default True); without it each index appears at
            most once, so ``num_samples`` must not exceed ``len(weights)``.
        generator: the random generator (the global one when None).
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer "
                             f"value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement}")
        raw = weights.numpy(force=True) if isinstance(weights, Tensor) else weights
        array = np.asarray(raw, dtype=np.float64)
        if array.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given "
                             f"weights have shape {tuple(array.shape)}")
        self.weights = Tensor(array)
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self) -> Iterator[int]:
        draws = self.weights.multinomial(self.num_samples, self.replacement,
                                         generator=self.generator)
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Lists of ``batch_size`` indices from another sampler (the last one may be shorter).

    Args:
        sampler: any iterable of indices (a sampler, a list, a range).
        batch_size: indices per batch.
        drop_last: drop a last batch shorter than ``batch_size``.

    Example:
        >>> from tinygrad_edu.data import BatchSampler
        >>> list(BatchSampler(range(7), 3, drop_last=True))
        [[0, 1, 2], [3, 4, 5]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, but "
                             f"got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        # the indices are pulled one by one, as PyTorch pulls them: a random sampler's draws
        # then happen at the same moments (its last draw before or after the last batch)
        indices = iter(self.sampler)
        if self.drop_last:
            for batch in zip(*[indices] * self.batch_size, strict=False):
                yield list(batch)
            return
        batch = list(itertools.islice(indices, self.batch_size))
        while batch:
            yield batch
            batch = list(itertools.islice(indices, self.batch_size))

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

