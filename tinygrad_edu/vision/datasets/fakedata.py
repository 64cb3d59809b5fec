"""``FakeData``: random images, the same for an index every time (torchvision's dataset).

Image ``i`` is drawn as torchvision draws it: seed the global generator with
``i + random_offset``, draw ``randn(*image_size)`` and one ``randint(0, num_classes)``, then
put the generator's state back. tinygrad_edu's generator is PyTorch's, so the images and
labels are torchvision's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from ...random import manual_seed
from ...tensor import creation
from .vision import VisionDataset

__all__ = ["FakeData"]

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _float_to_pil(img: Any) -> Image.Image:
    """ToPILImage of a float (C, H, W) tensor: ``x.mul(255).byte()`` (wrapping as torch
    does), channels last, mode by the number of channels."""
    pixels = img.mul(255).byte().numpy().transpose(1, 2, 0)
    channels = pixels.shape[2]
    if channels not in _MODES:
        raise ValueError(f"FakeData: an image needs 1 to 4 channels to become a PIL image, "
                         f"got {channels}")
    return Image.fromarray(np.ascontiguousarray(pixels[:, :, 0] if channels == 1 else pixels),
                           mode=_MODES[channels])


class FakeData(VisionDataset):
    """A dataset of random PIL images and labels, reproducible per index.

    Args:
        size: the number of images.
        image_size: (C, H, W) of each image (C from 1 to 4).
        num_classes: labels are drawn from ``0..num_classes-1``.
        transform: applied to each image. target_transform: applied to each label.
        random_offset: added to the index to seed each image.
    """

    def __init__(self, size: int = 1000, image_size: Sequence[int] = (3, 224, 224),
                 num_classes: int = 10, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 random_offset: int = 0) -> None:
        super().__init__(transform=transform, target_transform=target_transform)
        self.size, self.num_classes = size, num_classes
        self.image_size, self.random_offset = image_size, random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        state = creation.get_rng_state()
        try:
            manual_seed(index + self.random_offset)
            img = creation.randn(*self.image_size)
            target = creation.randint(0, self.num_classes, size=(1,))[0]
        finally:
            creation.set_rng_state(state)
        image, target = self._apply_transforms(_float_to_pil(img), target)
        return image, target.item() if hasattr(target, "item") else target

    def __len__(self) -> int:
        return self.size
