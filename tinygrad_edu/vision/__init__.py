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
"""

from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
