"""``torchvision.transforms``: the image transforms and their ``functional`` module.

``from tinygrad_edu.vision import transforms`` gives the classes (``Compose``, ``ToTensor``,
``Resize``, ``RandomResizedCrop``, ``ColorJitter``, ...), ``InterpolationMode`` and
``transforms.functional``. Where things are, in reading order:

- ``functional.py``: the functions (conversion, normalize, resize, crops, flips, rotate,
  affine), with ``_functional_color.py`` (brightness ... hue, greyscale, blur);
- ``_array.py``: the pixel work on tensors and arrays, in numpy (resampling matrices, the
  affine grid and its sampler, the colour blends); ``_pil.py``: the Pillow calls;
- ``transforms.py``: the classes (containers, conversion, resize, crops, flips), with
  ``_augment.py`` (RandomResizedCrop, RandomRotation, RandomAffine, RandomErasing) and
  ``_color_transforms.py`` (ColorJitter, Grayscale, GaussianBlur); ``_common.py`` holds their
  random draws and argument checks, ``_image.py`` the image kinds and InterpolationMode.
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
