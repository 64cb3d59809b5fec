"""torchvision's datasets, read from files already on disk (nothing is ever downloaded).

- ``MNIST``, ``FashionMNIST``, ``KMNIST``, ``EMNIST`` (``mnist.py``): the IDX files in
  ``root/<Name>/raw/``, plain or gzipped, read by a strict parser; items are PIL images.
- ``CIFAR10``, ``CIFAR100`` (``cifar.py``): the python batches, read without unpickling
  anything but plain values and numeric arrays.
- ``DatasetFolder``, ``ImageFolder`` (``folder.py``): one sub-folder per class.
- ``Digits`` (``digits.py``): scikit-learn's bundled digits at 8x8 or MNIST-like 28x28.
- ``FakeData`` (``fakedata.py``): random images, reproducible per index.
- ``VisionDataset`` (``vision.py``): the base class; ``DatasetNotFoundError`` says which
  files to put where when a dataset is missing.
"""

from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .fakedata import FakeData
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, pil_loader
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST
from .vision import DatasetNotFoundError, StandardTransform, VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "EMNIST", "IMG_EXTENSIONS", "KMNIST", "MNIST", "DatasetFolder",
           "DatasetNotFoundError", "Digits", "FakeData", "FashionMNIST", "ImageFolder",
           "StandardTransform", "VisionDataset", "default_loader", "pil_loader"]
