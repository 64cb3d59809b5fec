"""CIFAR-10 and CIFAR-100 as torchvision has them: PIL images from the python batches.

The files are the official "python version" archives extracted under ``root``
(``root/cifar-10-batches-py/`` and ``root/cifar-100-python/``). They are Python pickles; they
are read by the project's restricted reader (``tinygrad_edu.data.datasets``), which never
runs anything a file asks for. torchvision checks each file's MD5 sum instead; here every
file's structure is checked (shapes, dtypes, label ranges), so a small stand-in written in
the same format (``tinygrad_edu.data.synthetic_cifar10``) loads too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ...data.datasets import (
    CIFAR10_FORMAT,
    CIFAR100_FORMAT,
    CifarFormat,
    cifar_split_files,
    read_cifar_classes,
    read_cifar_split,
)
from .vision import VisionDataset, not_found

__all__ = ["CIFAR10", "CIFAR100"]


class CIFAR10(VisionDataset):
    """CIFAR-10 (``torchvision.datasets.CIFAR10``): 32 x 32 RGB images in 10 classes.

    Args:
        root: the folder holding ``cifar-10-batches-py/`` (that folder itself works too).
        train: the 50000 training images (``data_batch_1..5``) or the 10000 test images
            (``test_batch``).
        transform: applied to each image, a PIL image of mode ``'RGB'``.
        target_transform: applied to each label (an int).
        download: nothing is ever downloaded: with the files present this is a no-op, and
            without them the error says where to put which files.

    Attributes:
        data: uint8 array (N, 32, 32, 3) (height, width, channel, as torchvision keeps it).
        targets: list of N ints. classes: the class names. class_to_idx: name -> index.
    """

    fmt: CifarFormat = CIFAR10_FORMAT
    base_folder = CIFAR10_FORMAT.folder
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"

    def __init__(self, root: str | Path, train: bool = True,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise self._not_found(download)
        images, labels = read_cifar_split(self.root, train, self.fmt)  # type: ignore[arg-type]
        self.data = np.ascontiguousarray(images.transpose(0, 2, 3, 1))  # to HWC
        self.targets: list[int] = labels.tolist()
        self.classes = list(read_cifar_classes(self.root, self.fmt))  # type: ignore[arg-type]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _missing(self) -> list[Path]:
        files = cifar_split_files(self.root, self.train, self.fmt)  # type: ignore[arg-type]
        if self.fmt.default_names is None:  # CIFAR-100 has no built-in class names
            files.append(files[0].parent / self.fmt.meta_file)
        return [f for f in files if not f.is_file()]

    def _check_integrity(self) -> bool:
        """Whether this split's files exist (their contents are checked on reading)."""
        return not self._missing()

    def _not_found(self, download: bool) -> Exception:
        missing = self._missing()
        folder = missing[0].parent  # root/<folder>, or root itself when that is missing
        if folder.name != self.fmt.folder:
            folder = folder / self.fmt.folder
        return not_found(type(self).__name__, folder, [f.name for f in missing], download,
                         self.url, f"extract {self.filename} in {self.root}: it unpacks to "
                         f"{self.fmt.folder}/")

    def download(self) -> None:
        """Check that the files are there (nothing is ever downloaded)."""
        if not self._check_integrity():
            raise self._not_found(True)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], self.targets[index]
        return self._apply_transforms(Image.fromarray(img), target)

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (``torchvision.datasets.CIFAR100``): as CIFAR-10 with 100 fine classes.

    Reads ``root/cifar-100-python/{train,test,meta}``; the targets are the fine labels.
    """

    fmt = CIFAR100_FORMAT
    base_folder = CIFAR100_FORMAT.folder
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
