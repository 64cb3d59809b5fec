"""``DatasetFolder`` and ``ImageFolder``: one sub-folder per class (torchvision's layout).

::

    root/cat/001.png        ->  ("root/cat/001.png", 0)
    root/cat/more/002.jpg   ->  ("root/cat/more/002.jpg", 0)   (sub-folders are walked)
    root/dog/003.png        ->  ("root/dog/003.png", 1)

Classes are the sorted names of the sub-folders of ``root``; samples are sorted by path
within each class, so the order never depends on the file system.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from .vision import VisionDataset

__all__ = ["IMG_EXTENSIONS", "DatasetFolder", "ImageFolder", "default_loader", "find_classes",
           "has_file_allowed_extension", "is_image_file", "make_dataset", "pil_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions: str | Sequence[str]) -> bool:
    """Whether ``filename`` ends with one of ``extensions`` (compared in lower case)."""
    return filename.lower().endswith(extensions if isinstance(extensions, str)
                                     else tuple(extensions))


def is_image_file(filename: str) -> bool:
    """Whether ``filename`` has one of the ``IMG_EXTENSIONS``."""
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory: str | Path) -> tuple[list[str], dict[str, int]]:
    """The class folders of ``directory``, sorted, and their indices.

    Raises:
        FileNotFoundError: when ``directory`` has no sub-folder.
    """
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory: str | Path, class_to_idx: dict[str, int] | None = None,
                 extensions: str | Sequence[str] | None = None,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> list[tuple[str, int]]:
    """The ``(path, class_index)`` pairs under ``directory`` (torchvision's rules).

    Args:
        directory: the root folder.
        class_to_idx: class folder name -> index (default: ``find_classes(directory)``).
        extensions: the file endings to keep; give this or ``is_valid_file``, not both.
        is_valid_file: a test of a file's path.
        allow_empty: allow a class folder without any valid file.

    Raises:
        ValueError: for an empty ``class_to_idx``, or both/neither of ``extensions`` and
            ``is_valid_file``.
        FileNotFoundError: when a class has no valid file (unless ``allow_empty``).
    """
    directory = os.path.expanduser(directory)
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any "
                         "samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the "
                         "same time")
    if extensions is not None:
        wanted = extensions

        def is_valid_file(path: str) -> bool:
            return has_file_allowed_extension(path, wanted)

    assert is_valid_file is not None
    instances, available = [], set()
    for target_class in sorted(class_to_idx):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for folder, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(folder, fname)
                if is_valid_file(path):
                    instances.append((path, class_index))
                    available.add(target_class)
    empty = set(class_to_idx) - available
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            shown = extensions if isinstance(extensions, str) else ", ".join(extensions)
            msg += f"Supported extensions are: {shown}"
        raise FileNotFoundError(msg)
    return instances


def pil_loader(path: str | Path) -> Image.Image:
    """Open an image file with PIL and convert it to RGB."""
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


def default_loader(path: str | Path) -> Any:
    """The loader ``ImageFolder`` uses: ``pil_loader`` (PIL is the only image backend)."""
    return pil_loader(path)


class DatasetFolder(VisionDataset):
    """Samples in ``root/<class>/...`` files, loaded by ``loader`` (torchvision's class).

    Args:
        root: the root folder.
        loader: reads one sample given its path.
        extensions: the file endings to keep (or give ``is_valid_file``).
        transform: applied to each loaded sample. target_transform: applied to each target.
        is_valid_file: a test of a file's path, instead of ``extensions``.
        allow_empty: allow class folders without any valid file.

    Attributes:
        classes: the class names. class_to_idx: name -> index.
        samples: list of ``(path, class_index)``. targets: the class index of each sample.
    """

    def __init__(self, root: str | Path, loader: Callable[[str], Any],
                 extensions: str | Sequence[str] | None = None,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)  # type: ignore[arg-type]
        samples = self.make_dataset(self.root, class_to_idx,  # type: ignore[arg-type]
                                    extensions, is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]

    @staticmethod
    def make_dataset(directory: str | Path, class_to_idx: dict[str, int],
                     extensions: str | Sequence[str] | None = None,
                     is_valid_file: Callable[[str], bool] | None = None,
                     allow_empty: bool = False) -> list[tuple[str, int]]:
        """``make_dataset`` of this module; override it to collect samples differently."""
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions=extensions,
                            is_valid_file=is_valid_file, allow_empty=allow_empty)

    def find_classes(self, directory: str | Path) -> tuple[list[str], dict[str, int]]:
        """``find_classes`` of this module; override it for another folder layout."""
        return find_classes(directory)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        return self._apply_transforms(self.loader(path), target)

    def __len__(self) -> int:
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Images in ``root/<class>/...`` with one of ``IMG_EXTENSIONS``, as RGB PIL images.

    Args:
        root, transform, target_transform, is_valid_file, allow_empty: as ``DatasetFolder``.
        loader: reads an image (default: ``default_loader``, PIL converted to RGB).

    Attributes:
        imgs: the same list as ``samples``.
    """

    def __init__(self, root: str | Path, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 loader: Callable[[str], Any] = default_loader,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> None:
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform=transform, target_transform=target_transform,
                         is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
