"""``torchvision.transforms``: the image transforms and their ``functional`` module.

``from tinygrad_edu.vision import transforms`` gives the classes (``Compose``, ``ToTensor``,
``Resize``, ``RandomResizedCrop``, ``ColorJitter``, ...), ``InterpolationMode`` and
``transforms.functional``. The classes live in ``transforms.py``, the functions in
``functional.py``, the pixel work in ``_array.py`` (tensors and arrays, numpy) and ``_pil.py``
(Pillow, optional).
"""

from . import functional
from .functional import InterpolationMode
from .transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    ConvertImageDtype,
    GaussianBlur,
    Grayscale,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomAffine,
    RandomApply,
    RandomChoice,
    RandomCrop,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomOrder,
    RandomResizedCrop,
    RandomRotation,
    RandomTransforms,
    RandomVerticalFlip,
    Resize,
    ToPILImage,
    ToTensor,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "GaussianBlur", "Grayscale",
    "InterpolationMode", "Lambda", "Normalize", "PILToTensor", "Pad", "RandomAffine",
    "RandomApply", "RandomChoice", "RandomCrop", "RandomGrayscale", "RandomHorizontalFlip",
    "RandomOrder", "RandomResizedCrop", "RandomRotation", "RandomTransforms",
    "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor", "functional",
]
