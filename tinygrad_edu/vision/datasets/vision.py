"""``VisionDataset``, the base class of torchvision's datasets, and the "not found" error.

Every dataset here is read from files already on disk: tinygrad_edu never downloads. A
dataset keeps torchvision's arguments (``root``, ``train``, ``transform``,
``target_transform``, ``download``) so tutorial code runs unchanged; ``download=True`` is a
no-op when the files are there (torchvision's own check would find them too) and otherwise
raises ``DatasetNotFoundError``, which says which files to put where.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ...data.dataset import Dataset

__all__ = ["DatasetNotFoundError", "StandardTransform", "VisionDataset", "not_found",
           "verify_str_arg"]


class DatasetNotFoundError(FileNotFoundError, RuntimeError):
    """A dataset's files are not on disk.

    A ``RuntimeError`` as torchvision raises for a missing dataset, and a
    ``FileNotFoundError`` as the rest of this package raises for a missing file, so either
    ``except`` catches it.
    """


def not_found(dataset: str, folder: str | Path, missing: Sequence[str], download: bool,
              source: str, how: str = "") -> DatasetNotFoundError:
    """The error for missing files: what is missing, where it must go, where to get it.

    Args:
        dataset: the dataset's name, e.g. ``"MNIST"``.
        folder: the folder the files must be in.
        missing: the names of the missing files.
        download: whether the caller asked for a download (the message then says why
            nothing was downloaded).
        source: where to get the files (a web page or archive name).
        how: extra advice on the layout, e.g. "as they are or gunzipped".
    """
    where = Path(folder)
    lines = [f"{dataset}: dataset not found: missing {', '.join(missing)} in {where}."]
    if download:
        lines.append("tinygrad_edu never downloads anything (download=True only checks "
                     "that the files are already there).")
    lines.append(f"Get the files from {source} and put them in {where}{os.sep}"
                 + (f" ({how})" if how else "") + ":")
    lines += [f"    {where / name}" for name in missing]
    return DatasetNotFoundError("\n".join(lines))


def verify_str_arg(value: Any, arg: str, valid_values: Sequence[str]) -> str:
    """torchvision's check of a string argument: ``value`` must be one of ``valid_values``."""
    if not isinstance(value, str):
        raise ValueError(f"Expected type str for argument {arg}, but got type "
                         f"{type(value)}.")
    if value not in valid_values:
        valid = ", ".join(f"'{v}'" for v in valid_values)
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are "
                         f"{{{valid}}}.")
    return value


class StandardTransform:
    """Applies ``transform`` to the input and ``target_transform`` to the target."""

    def __init__(self, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None) -> None:
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input: Any, target: Any) -> tuple[Any, Any]:  # noqa: A002
        if self.transform is not None:
            input = self.transform(input)  # noqa: A001
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    @staticmethod
    def _format_transform_repr(transform: Any, head: str) -> list[str]:
        lines = repr(transform).splitlines()
        return [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]

    def __repr__(self) -> str:
        body = [type(self).__name__]
        if self.transform is not None:
            body += self._format_transform_repr(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._format_transform_repr(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset[Any]):
    """Base class of the vision datasets (``torchvision.datasets.VisionDataset``).

    Args:
        root: the dataset's folder (a ``str`` has ``~`` expanded), or None.
        transforms: a callable taking and returning ``(input, target)``; or give
            ``transform`` / ``target_transform`` instead (not both kinds).
        transform: applied to each input (e.g. a PIL image).
        target_transform: applied to each target.

    The ``repr`` is torchvision's: the class, the number of datapoints, the root, the
    subclass's ``extra_repr()`` lines and the transforms.
    """

    _repr_indent = 4

    def __init__(self, root: str | Path | None = None,
                 transforms: Callable[[Any, Any], Any] | None = None,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None) -> None:
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        has_transforms = transforms is not None
        has_separate_transform = transform is not None or target_transform is not None
        if has_transforms and has_separate_transform:
            raise ValueError("Only transforms or transform/target_transform can be passed as "
                             "argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate_transform:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __repr__(self) -> str:
        head = "Dataset " + type(self).__name__
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if getattr(self, "transforms", None) is not None:
            body += [repr(self.transforms)]
        return "\n".join([head] + [" " * self._repr_indent + line for line in body])

    def extra_repr(self) -> str:
        return ""

    def _apply_transforms(self, sample: Any, target: Any) -> tuple[Any, Any]:
        """The subclasses' common last step: ``transform`` and ``target_transform``."""
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target
