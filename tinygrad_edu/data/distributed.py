"""``DistributedSampler``: each of several processes ("replicas") takes its own share of a
dataset (``torch.utils.data.distributed``).

tinygrad_edu has no distributed training (no ``torch.distributed``), so the sampler cannot ask
for the number of processes and its own rank: give ``num_replicas`` and ``rank`` yourself. It
then gives what PyTorch's gives, index for index, e.g. to split an evaluation among jobs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

from .. import random_dist
from ..random import Generator
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """Replica ``rank`` of ``num_replicas`` gets every ``num_replicas``-th index of one shared
    order, starting at ``rank``.

    The shared order is the same in every replica: 0..n-1, or with ``shuffle`` a
    ``randperm(n)`` from a generator seeded with ``seed + epoch`` (call ``set_epoch`` each
    epoch for a new order). The order is padded with its own first indices up to a multiple
    of ``num_replicas`` (or, with ``drop_last``, cut down to one), so every replica gets
    ``len(sampler)`` indices.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: how many processes share the dataset (required here).
        rank: this process's number, 0 .. num_replicas - 1 (required here).
        shuffle: shuffle the shared order (default True).
        seed: the shuffling seed, the same in every replica (default 0).
        drop_last: cut the tail instead of padding.

    Example:
        >>> from tinygrad_edu.data.distributed import DistributedSampler
        >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
        [1, 3, 0]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            raise RuntimeError("DistributedSampler: tinygrad_edu has no distributed package "
                               "(torch.distributed) to ask the number of processes and this "
                               "one's rank; pass num_replicas= and rank= explicitly")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"DistributedSampler: Invalid rank {rank}, rank should be in the "
                             f"interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            gen = Generator().manual_seed(self.seed + self.epoch)
            indices = random_dist.permutation(gen, n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:  # pad by repeating the order from its start
            padding = self.total_size - len(indices)
            indices += (indices * math.ceil(padding / max(len(indices), 1)))[:padding]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch: with ``shuffle``, each epoch has its own order (seed + epoch)."""
        self.epoch = epoch
