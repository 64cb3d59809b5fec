"""The transform classes of ``torchvision.transforms`` (v1): callables that hold their settings.

Each class keeps torchvision's arguments, defaults, attribute values and ``repr``, and calls the
function of the same job in ``functional.py`` (so they accept PIL images, Tensors and, as an
extension, channels-first numpy arrays).

Randomness, as in torchvision: the random transforms draw from the global generator (seeded by
``tg.manual_seed``) exactly the numbers torchvision draws from torch's (``torch.rand(1)``,
``torch.randint``, ``torch.empty(1).uniform_``, ``torch.randperm``), so after the same seed
they make the same choices. ``RandomChoice`` and ``RandomOrder`` use Python's ``random``
module, as torchvision does. Extension: the random transforms also take ``generator=``.

Example:
    >>> import numpy as np, tinygrad_edu as tg
    >>> from tinygrad_edu.vision import transforms
    >>> augment = transforms.Compose([transforms.ToTensor(), transforms.RandomCrop(4, padding=1),
    ...                               transforms.Normalize((0.5,), (0.5,))])
    >>> _ = tg.manual_seed(0)
    >>> augment(np.zeros((4, 4), dtype=np.uint8)).shape
    torch.Size([1, 4, 4])
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...random import Generator
from ...tensor import Tensor
from . import functional as F
from ._augment import RandomAffine, RandomErasing, RandomResizedCrop, RandomRotation
from ._color_transforms import ColorJitter, GaussianBlur, Grayscale, RandomGrayscale
from ._common import _rand, _randint, _setup_size, _Transform
from .functional import InterpolationMode, interpolation_mode

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "FiveCrop", "GaussianBlur",
    "Grayscale", "InterpolationMode", "Lambda", "Normalize", "PILToTensor", "Pad",
    "RandomAffine", "RandomApply", "RandomChoice", "RandomCrop", "RandomErasing",
    "RandomGrayscale", "RandomHorizontalFlip", "RandomOrder", "RandomResizedCrop",
    "RandomRotation", "RandomVerticalFlip", "Resize", "TenCrop", "ToPILImage", "ToTensor",
]


# ----------------------------------------------------------------------------- containers

class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return self.__class__.__name__ + "(" + "".join(f"\n    {t}" for t in self.transforms) \
            + "\n)"


class RandomTransforms:
    """Base of RandomChoice and RandomOrder: holds a sequence of transforms."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.__class__.__name__ + "(" + "".join(f"\n    {t}" for t in self.transforms) \
            + "\n)"


class RandomApply(_Transform):
    """Apply all of ``transforms`` with probability ``p`` (torchvision: ``p < torch.rand(1)``
    skips them)."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5,
                 generator: Generator | None = None) -> None:
        self.transforms, self.p, self.generator = transforms, p, generator

    def forward(self, img: Any) -> Any:
        if self.p < _rand(self.generator, "RandomApply"):
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(\n    p={self.p}"
                + "".join(f"\n    {t}" for t in self.transforms) + "\n)")


class RandomChoice(RandomTransforms):
    """Apply one of ``transforms``, picked with weights ``p`` by Python's ``random``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]],
                 p: Sequence[float] | None = None) -> None:
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError("Argument p should be a sequence")
        self.p = p

    def __call__(self, *args: Any) -> Any:
        t = random.choices(self.transforms, weights=self.p)[0]
        return t(*args)

    def __repr__(self) -> str:
        return f"{super().__repr__()}(p={self.p})"


class RandomOrder(RandomTransforms):
    """Apply all of ``transforms`` in an order shuffled by Python's ``random``."""

    def __call__(self, *args: Any) -> Any:
        order = list(range(len(self.transforms)))
        random.shuffle(order)
        for i in order:
            args = (self.transforms[i](*args),)
        return args[0]


class Lambda:
    """Use a function as a transform."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got "
                            f"{type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


# ----------------------------------------------------------------------------- conversion

class ToTensor:
    """PIL image or (H, W, C) ndarray -> (C, H, W) float Tensor in [0, 1] (uint8 is divided by
    255; other array dtypes are kept as they are). See ``functional.to_tensor``."""

    def __call__(self, pic: Any) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class PILToTensor:
    """PIL image -> (C, H, W) Tensor of the same dtype (uint8 stays 0..255)."""

    def __call__(self, pic: Any) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class ConvertImageDtype(_Transform):
    """Convert a tensor image to ``dtype``, rescaling (uint8 255 <-> float 1.0)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, image: Any) -> Any:
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class ToPILImage:
    """(C, H, W) Tensor or (H, W, C) ndarray -> PIL image (mode guessed from the channels)."""

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(" + (f"mode={self.mode}" if self.mode else "") + ")"


class Normalize(_Transform):
    """``(img - mean[c]) / std[c]`` per channel of a float tensor image."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace
        if isinstance(std, (numbers.Number, Sequence)) and np.any(np.asarray(std) == 0):
            # torchvision finds this on the first call; the same error, earlier
            raise ValueError(f"Normalize: std evaluated to zero, leading to division by zero "
                             f"(std={std})")

    def forward(self, tensor: Any) -> Any:
        return F._normalize(tensor, self.mean, self.std, self.inplace, "Normalize")

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


# ----------------------------------------------------------------------------- geometry

class Resize(_Transform):
    """Resize to ``size`` (h, w), or make the shorter edge ``size`` (an int).

    Tensors are resampled with PyTorch's ``interpolate`` weights, antialiased by default as in
    torchvision (``antialias=True``); PIL images by Pillow (always antialiased).
    """

    def __init__(self, size: int | Sequence[int], interpolation: Any = InterpolationMode.BILINEAR,
                 max_size: int | None = None, antialias: bool | None = True) -> None:
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = interpolation_mode(interpolation)

    def forward(self, img: Any) -> Any:
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, interpolation="
                f"{self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


class CenterCrop(_Transform):
    """Cut the central (h, w) window (padding with zeros when the image is smaller)."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img: Any) -> Any:
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class Pad(_Transform):
    """Pad the borders (see ``functional.pad``)."""

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                             f"{len(padding)} element tuple")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img: Any) -> Any:
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class RandomCrop(_Transform):
    """Cut a random ``size`` window, after padding the borders by ``padding`` (and, with
    ``pad_if_needed``, up to ``size``). CIFAR-10's augmentation: ``RandomCrop(32, padding=4)``.

    The window's corner is ``torch.randint(0, h - th + 1)``, then the same for the width (no
    draw when the image is exactly ``size``).
    """

    def __init__(self, size: int | Sequence[int], padding: Any = None, pad_if_needed: bool = False,
                 fill: Any = 0, padding_mode: str = "constant",
                 generator: Generator | None = None) -> None:
        self.size = tuple(_setup_size(size, "Please provide only two dimensions (h, w) for "
                                            "size."))
        if padding is not None:  # checked now (torchvision checks on the first call)
            try:
                F._parse_padding(padding)
            except (TypeError, ValueError) as err:
                raise type(err)(f"{self.__class__.__name__}: padding: {err}") from None
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode, self.generator = fill, padding_mode, generator

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int],
                   generator: Generator | None = None) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a random crop of ``output_size``."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: Required crop size {(th, tw)} is larger than input "
                             f"image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = _randint(generator, "RandomCrop", 0, h - th + 1)
        j = _randint(generator, "RandomCrop", 0, w - tw + 1)
        return i, j, th, tw

    def forward(self, img: Any) -> Any:
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size, self.generator)  # type: ignore[arg-type]
        return F.crop(img, i, j, h, w)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class FiveCrop(_Transform):
    """The four corners and the centre, as a tuple of 5 images (test-time augmentation)."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img: Any) -> tuple[Any, ...]:
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class TenCrop(_Transform):
    """FiveCrop of the image and of its mirror image: a tuple of 10 images."""

    def __init__(self, size: int | Sequence[int], vertical_flip: bool = False) -> None:
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        self.vertical_flip = vertical_flip

    def forward(self, img: Any) -> tuple[Any, ...]:
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class _RandomFlip(_Transform):
    _flip: Callable[[Any], Any]

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{self.__class__.__name__}: p must be a probability in [0, 1], "
                             f"got {p}")
        self.p, self.generator = p, generator

    def forward(self, img: Any) -> Any:
        if _rand(self.generator, self.__class__.__name__) < self.p:
            return type(self)._flip(img)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability ``p`` (when ``torch.rand(1) < p``)."""

    _flip = staticmethod(F.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability ``p`` (when ``torch.rand(1) < p``)."""

    _flip = staticmethod(F.vflip)
