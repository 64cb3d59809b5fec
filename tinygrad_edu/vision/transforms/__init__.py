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
    FiveCrop,
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
    RandomErasing,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomOrder,
    RandomResizedCrop,
    RandomRotation,
    RandomTransforms,
    RandomVerticalFlip,
    Resize,
    TenCrop,
    ToPILImage,
    ToTensor,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "FiveCrop", "GaussianBlur",
    "Grayscale", "InterpolationMode", "Lambda", "Normalize", "PILToTensor", "Pad",
    "RandomAffine", "RandomApply", "RandomChoice", "RandomCrop", "RandomErasing",
    "RandomGrayscale", "RandomHorizontalFlip", "RandomOrder", "RandomResizedCrop",
    "RandomRotation", "RandomTransforms", "RandomVerticalFlip", "Resize", "TenCrop",
    "ToPILImage", "ToTensor", "functional",
]
