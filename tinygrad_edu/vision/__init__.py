"""``tinygrad_edu.vision``: torchvision's layout, so ``import tinygrad_edu.vision as
torchvision`` lets tutorial code run unchanged when its data is already on disk.

- ``datasets``: MNIST/FashionMNIST/KMNIST/EMNIST, CIFAR10/100, ImageFolder, the bundled
  digits, FakeData (never downloading: a missing dataset says where to put the files).
- ``utils``: ``make_grid`` and ``save_image``.
- ``models``: torchvision's ResNets with its parameter names (no pretrained weights).
"""

# datasets, models, utils (part 6, datasets/utils/models)
from . import datasets, models, utils

__all__ = ["datasets", "models", "utils"]
