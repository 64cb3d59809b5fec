"""Data loading: datasets, the ``DataLoader``, transforms, and the course's datasets.

The API is PyTorch's ``torch.utils.data`` (also importable as ``tinygrad_edu.utils.data``)
plus a few ``torchvision``-style transforms and datasets:

- ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``, ``random_split``;
- ``IterableDataset``, ``ChainDataset``, ``StackDataset`` (streams, zipped datasets);
- samplers (module ``sampler``): ``Sampler``, ``SequentialSampler``, ``RandomSampler``,
  ``SubsetRandomSampler``, ``WeightedRandomSampler``, ``BatchSampler``;
  ``DistributedSampler`` (module ``distributed``; give ``num_replicas`` and ``rank``);
- ``DataLoader`` (batching, seedable shuffling, samplers, ``drop_last``, ``collate_fn``,
  worker processes with ``num_workers``), ``get_worker_info``, ``default_convert``;
- ``transforms``: ``tinygrad_edu.vision.transforms`` (``Compose``, ``ToTensor``,
  ``Normalize``, ``RandomCrop``, ``RandomHorizontalFlip``, ``Resize``, ...) for (C, H, W)
  arrays, Tensors and PIL images (its ``ToTensor`` reads arrays channels-first);
- ``digits()`` (scikit-learn's 8x8 digits, no download), ``CIFAR10`` / ``load_cifar10``
  (the python batch files, read without executing anything), ``synthetic_cifar10``.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.data import DataLoader, TensorDataset
    >>> X, y = np.random.default_rng(0).normal(size=(6, 2)).astype(np.float32), np.arange(6)
    >>> xb, yb = next(iter(DataLoader(TensorDataset(X, y), batch_size=4)))
    >>> xb.shape, yb.tolist()
    (torch.Size([4, 2]), [0, 1, 2, 3])
"""

from ..unsupported import missing_attribute
from . import dataloader, dataset, distributed, sampler, transforms
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .datasets import (
    CIFAR10,
    CIFAR10_CLASSES,
    CIFARFormatError,
    DatasetSplits,
    digits,
    load_cifar10,
    synthetic_cifar10,
)
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "CIFAR10", "CIFAR10_CLASSES", "CIFARFormatError", "ConcatDataset", "DataLoader", "Dataset",
    "DatasetSplits", "Subset", "TensorDataset", "default_collate", "digits", "load_cifar10",
    "random_split", "synthetic_cifar10", "transforms",
    # samplers, streams and worker processes
    "BatchSampler", "ChainDataset", "DistributedSampler", "IterableDataset", "RandomSampler",
    "Sampler", "SequentialSampler", "StackDataset", "SubsetRandomSampler", "WeightedRandomSampler",
    "WorkerInfo", "dataloader", "dataset", "default_convert", "distributed", "get_worker_info",
    "sampler",
]


def __getattr__(name: str) -> object:
    """A torch name that is absent here: the reason when it is listed, else a close match."""
    raise missing_attribute("utils.data", "tinygrad_edu.data", name, __all__)
