"""``tinygrad_edu.vision``: torchvision's layout, for tutorial code whose data is on disk.

- ``transforms``: image transforms for PIL images, tensors and arrays (``transforms.functional``
  for the plain functions).
- ``datasets``: MNIST/FashionMNIST/KMNIST/EMNIST, CIFAR10/100, ImageFolder, the bundled
  digits, FakeData (never downloading: a missing dataset says where to put the files).
- ``utils``: ``make_grid`` and ``save_image``.
- ``models``: torchvision's ResNets with its parameter names (no pretrained weights).

Swap the imports: ``from torchvision import datasets, transforms`` becomes
``from tinygrad_edu.vision import datasets, transforms``, and ``import torchvision`` becomes
``import tinygrad_edu.vision as torchvision`` (then ``torchvision.transforms.Compose`` and
``torchvision.utils.make_grid`` work as written).

``datasets``, ``utils`` and ``models`` load on first use: the first two need Pillow (the
``vision`` extra), which ``import tinygrad_edu`` does not (``data.transforms`` shares
``transforms``).
"""

import importlib
from types import ModuleType

from . import transforms

__all__ = ["datasets", "models", "transforms", "utils"]
_ON_FIRST_USE = ("datasets", "models", "utils")


def __getattr__(name: str) -> ModuleType:
    """Import ``datasets``, ``models`` or ``utils`` when first reached."""
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module 'tinygrad_edu.vision' has no attribute {name!r}")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != "PIL":
            raise
        raise ImportError(f"tinygrad_edu.vision.{name} reads and writes images with Pillow, "
                          "which is not installed: pip install 'tinygrad_edu[vision]'") from error
