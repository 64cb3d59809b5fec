"""Image transforms for one sample: ``tinygrad_edu.vision.transforms``, for (C, H, W) arrays.

This module is the vision transforms under their older home (one implementation serves
both): ``Compose``, ``Normalize``, ``RandomCrop``, ``RandomHorizontalFlip``, ``Lambda`` and
the rest are the very same classes. Those accept PIL images, Tensors and channels-first numpy
arrays (the layout of ``tinygrad_edu.data``'s datasets) and return the same kind.

One difference, on purpose: ``ToTensor`` here reads a numpy array as (C, H, W) (or (H, W)),
the layout of this package's datasets, and always gives float32; torchvision's (and
``tinygrad_edu.vision.transforms.ToTensor``) reads arrays as (H, W, C), like a PIL image.
PIL images are converted the same way by both.

Example:
    >>> import numpy as np, tinygrad_edu as tg
    >>> from tinygrad_edu.data import transforms as T
    >>> augment = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(),
    ...                      T.ToTensor(), T.Normalize([0.5] * 3, [0.25] * 3)])
    >>> augment(np.zeros((3, 32, 32), dtype=np.uint8)).shape
    torch.Size([3, 32, 32])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ..vision import transforms as _vision
from ..vision.transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    ConvertImageDtype,
    FiveCrop,
    GaussianBlur,
    Grayscale,
    InterpolationMode,
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
    RandomVerticalFlip,
    Resize,
    TenCrop,
    ToPILImage,
    _pil,
    functional,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "FiveCrop", "GaussianBlur",
    "Grayscale", "InterpolationMode", "Lambda", "Normalize", "PILToTensor", "Pad",
    "RandomAffine", "RandomApply", "RandomChoice", "RandomCrop", "RandomErasing",
    "RandomGrayscale", "RandomHorizontalFlip", "RandomOrder", "RandomResizedCrop",
    "RandomRotation", "RandomVerticalFlip", "Resize", "TenCrop", "ToPILImage", "ToTensor",
    "functional",
]


class ToTensor(_vision.ToTensor):
    """A (C, H, W) or (H, W) array (or a PIL image) -> float32 Tensor; uint8 is scaled to [0, 1].

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data.transforms import ToTensor
        >>> ToTensor()(np.full((1, 2, 2), 255, dtype=np.uint8)).tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def __call__(self, pic: Any) -> Tensor:
        if isinstance(pic, Tensor):
            pic = pic.numpy(force=True)
        if not isinstance(pic, np.ndarray):
            if _pil.is_pil_image(pic):
                return functional.to_tensor(pic)
            raise TypeError(f"ToTensor: expected a numpy array or Tensor of shape (C, H, W), "
                            f"or a PIL image, got {type(pic).__name__}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: expected an image of shape (C, H, W) or (H, W), got "
                             f"shape {pic.shape}")
        array = pic[None] if pic.ndim == 2 else pic
        if array.dtype == np.uint8:
            return Tensor(array.astype(np.float32) / np.float32(255))
        if array.dtype.kind not in "biuf":
            raise TypeError(f"ToTensor: expected numbers, got an array of dtype {array.dtype}")
        return Tensor(np.ascontiguousarray(array, dtype=np.float32))
