"""Data loading: datasets, the ``DataLoader``, transforms, and the course's datasets.

The API is PyTorch's ``torch.utils.data`` (also importable as ``tinygrad_edu.utils.data``)
plus a few ``torchvision``-style transforms and datasets:

- ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``, ``random_split``;
- ``DataLoader`` (batching, seedable shuffling, ``drop_last``, ``collate_fn``);
- ``transforms``: ``Compose``, ``ToTensor``, ``Normalize``, ``RandomCrop``,
  ``RandomHorizontalFlip``, ``Lambda`` on (C, H, W) arrays;
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

from . import transforms
from .dataloader import DataLoader, default_collate
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .datasets import (
    CIFAR10,
    CIFAR10_CLASSES,
    CIFARFormatError,
    DatasetSplits,
    digits,
    load_cifar10,
    synthetic_cifar10,
)

__all__ = [
    "CIFAR10", "CIFAR10_CLASSES", "CIFARFormatError", "ConcatDataset", "DataLoader", "Dataset",
    "DatasetSplits", "Subset", "TensorDataset", "default_collate", "digits", "load_cifar10",
    "random_split", "synthetic_cifar10", "transforms",
]
