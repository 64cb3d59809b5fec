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

import math
import numbers
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...random import Generator, get_generator
from ...random_dist import integers, normal, permutation, uniform
from ...tensor import Tensor
from . import _pil
from . import functional as F
from .functional import InterpolationMode, interpolation_mode

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "FiveCrop", "GaussianBlur",
    "Grayscale", "InterpolationMode", "Lambda", "Normalize", "PILToTensor", "Pad",
    "RandomAffine", "RandomApply", "RandomChoice", "RandomCrop", "RandomErasing",
    "RandomGrayscale", "RandomHorizontalFlip", "RandomOrder", "RandomResizedCrop",
    "RandomRotation", "RandomVerticalFlip", "Resize", "TenCrop", "ToPILImage", "ToTensor",
]


# ----------------------------------------------------------------------------- random draws

def _rand(generator: Generator | None, name: str) -> float:
    """``torch.rand(1).item()``: a float32 uniform in [0, 1)."""
    return float(uniform(get_generator(generator, name), (1,), np.float32)[0])


def _uniform(generator: Generator | None, name: str, low: float, high: float) -> float:
    """``torch.empty(1).uniform_(low, high).item()`` (float32)."""
    return float(uniform(get_generator(generator, name), (1,), np.float32, low, high)[0])


def _randint(generator: Generator | None, name: str, low: int, high: int) -> int:
    """``torch.randint(low, high, size=(1,)).item()``."""
    return int(integers(get_generator(generator, name), (1,), low, high, np.int64)[0])


class _Transform:
    """Shared plumbing: ``forward`` is the work, calling the transform runs it (like a
    torchvision transform, which is an ``nn.Module``)."""

    def forward(self, img: Any) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __call__(self, img: Any) -> Any:
        return self.forward(img)


def _setup_size(size: Any, error_msg: str) -> Any:
    if isinstance(size, numbers.Number):
        return int(size), int(size)  # type: ignore[call-overload]
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(error_msg)
    return size


def _check_sequence_input(x: Any, name: str, req_sizes: tuple[int, ...]) -> None:
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_angle(x: Any, name: str, req_sizes: tuple[int, ...] = (2,)) -> list[float]:
    if isinstance(x, numbers.Number):
        if x < 0:  # type: ignore[operator]
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]  # type: ignore[operator]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _check_fill(fill: Any) -> Any:
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill


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


class RandomResizedCrop(_Transform):
    """Crop a random part (area ``scale``, aspect ratio ``ratio`` of the image), then resize
    it to ``size``: the ImageNet training augmentation.

    ``get_params`` makes up to 10 attempts: area ``A * U(scale)``, ratio
    ``exp(U(log ratio))``, w = round(sqrt(area * ratio)), h = round(sqrt(area / ratio)); the
    first that fits gets a random position. Otherwise: the largest central crop whose ratio
    is within ``ratio``.
    """

    def __init__(self, size: int | Sequence[int], scale: Sequence[float] = (0.08, 1.0),
                 ratio: Sequence[float] = (3.0 / 4.0, 4.0 / 3.0),
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True,
                 generator: Generator | None = None) -> None:
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.interpolation = interpolation_mode(interpolation)
        self.antialias, self.scale, self.ratio, self.generator = antialias, scale, ratio, generator

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float],
                   generator: Generator | None = None) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a random crop (torchvision's draws, in order)."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = np.log(np.asarray(ratio, dtype=np.float32))  # torch.log(torch.tensor(ratio))
        for _ in range(10):
            target_area = area * _uniform(generator, "RandomResizedCrop", scale[0], scale[1])
            drawn = _uniform(generator, "RandomResizedCrop", float(log_ratio[0]),
                             float(log_ratio[1]))
            aspect_ratio = float(np.exp(np.float32(drawn)))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = _randint(generator, "RandomResizedCrop", 0, height - h + 1)
                j = _randint(generator, "RandomResizedCrop", 0, width - w + 1)
                return i, j, h, w
        in_ratio = float(width) / float(height)  # fallback: central crop
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img: Any) -> Any:
        i, j, h, w = self.get_params(img, self.scale, self.ratio, self.generator)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation,
                              antialias=self.antialias)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, "
                f"scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, "
                f"interpolation={self.interpolation.value}, antialias={self.antialias})")


class RandomRotation(_Transform):
    """Rotate by an angle drawn from ``degrees`` (a number d means [-d, d])."""

    def __init__(self, degrees: Any, interpolation: Any = InterpolationMode.NEAREST,
                 expand: bool = False, center: Sequence[int] | None = None, fill: Any = 0,
                 generator: Generator | None = None) -> None:
        self.interpolation = interpolation_mode(interpolation)
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center, self.expand, self.fill = center, expand, _check_fill(fill)
        self.generator = generator

    @staticmethod
    def get_params(degrees: Sequence[float], generator: Generator | None = None) -> float:
        """The angle: ``torch.empty(1).uniform_(degrees[0], degrees[1])``."""
        return _uniform(generator, "RandomRotation", float(degrees[0]), float(degrees[1]))

    def forward(self, img: Any) -> Any:
        fill = self.fill
        if not _pil.is_pil_image(img):
            channels = F.get_dimensions(img)[0]
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else \
                [float(f) for f in fill]
        angle = self.get_params(self.degrees, self.generator)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        s = (f"{self.__class__.__name__}(degrees={self.degrees}, "
             f"interpolation={self.interpolation.value}, expand={self.expand}")
        if self.center is not None:
            s += f", center={self.center}"
        return s + f", fill={self.fill})"


class RandomAffine(_Transform):
    """Rotate, shift, scale and shear by random amounts (the image centre stays put).

    Draws, in torchvision's order: the angle ``uniform_(degrees)``; with ``translate`` =
    (a, b), dx = round(uniform_(-a * width, a * width)) and dy likewise with the height;
    with ``scale``, the scale; with ``shear``, the x shear and (4 values) the y shear.
    """

    def __init__(self, degrees: Any, translate: Sequence[float] | None = None,
                 scale: Sequence[float] | None = None, shear: Any = None,
                 interpolation: Any = InterpolationMode.NEAREST, fill: Any = 0,
                 center: Sequence[int] | None = None,
                 generator: Generator | None = None) -> None:
        self.interpolation = interpolation_mode(interpolation)
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            _check_sequence_input(translate, "translate", req_sizes=(2,))
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            _check_sequence_input(scale, "scale", req_sizes=(2,))
            if any(s <= 0 for s in scale):
                raise ValueError("scale values should be positive")
        self.shear = None if shear is None else _setup_angle(shear, "shear", req_sizes=(2, 4))
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.translate, self.scale, self.center = translate, scale, center
        self.fill, self.generator = _check_fill(fill), generator

    @staticmethod
    def get_params(degrees: Sequence[float], translate: Sequence[float] | None,
                   scale_ranges: Sequence[float] | None, shears: Sequence[float] | None,
                   img_size: Sequence[int], generator: Generator | None = None
                   ) -> tuple[float, tuple[int, int], float, tuple[float, float]]:
        """(angle, (dx, dy), scale, (shear_x, shear_y)); ``img_size`` is [width, height]."""
        def draw(low: float, high: float) -> float:
            return _uniform(generator, "RandomAffine", low, high)

        angle = draw(float(degrees[0]), float(degrees[1]))
        shift = (0, 0)
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            shift = (int(round(draw(-max_dx, max_dx))), int(round(draw(-max_dy, max_dy))))
        scale = 1.0 if scale_ranges is None else draw(scale_ranges[0], scale_ranges[1])
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = draw(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = draw(shears[2], shears[3])
        return angle, shift, scale, (shear_x, shear_y)

    def forward(self, img: Any) -> Any:
        fill = self.fill
        channels, height, width = F.get_dimensions(img)
        if not _pil.is_pil_image(img):
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else \
                [float(f) for f in fill]
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear,
                                 [width, height], self.generator)
        return F.affine(img, *params, interpolation=self.interpolation, fill=fill,
                        center=self.center)

    def __repr__(self) -> str:
        s = f"{self.__class__.__name__}(degrees={self.degrees}"
        s += f", translate={self.translate}" if self.translate is not None else ""
        s += f", scale={self.scale}" if self.scale is not None else ""
        s += f", shear={self.shear}" if self.shear is not None else ""
        s += (f", interpolation={self.interpolation.value}"
              if self.interpolation != InterpolationMode.NEAREST else "")
        s += f", fill={self.fill}" if self.fill != 0 else ""
        s += f", center={self.center}" if self.center is not None else ""
        return s + ")"


# ----------------------------------------------------------------------------- colour

class ColorJitter(_Transform):
    """Change brightness, contrast, saturation and hue by random factors, in a random order.

    A number x means factors in [max(0, 1 - x), 1 + x] (hue: [-x, x]); a pair is the range.
    Draws, as torchvision: ``torch.randperm(4)`` for the order, then one uniform per
    jittered property (brightness, contrast, saturation, hue).
    """

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0,
                 hue: Any = 0, generator: Generator | None = None) -> None:
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5),
                                     clip_first_on_zero=False)
        self.generator = generator

    @staticmethod
    def _check_input(value: Any, name: str, center: float = 1,
                     bound: tuple[float, float] = (0, float("inf")),
                     clip_first_on_zero: bool = True) -> tuple[float, float] | None:
        if isinstance(value, numbers.Number):
            if value < 0:  # type: ignore[operator]
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            v = [center - float(value), center + float(value)]  # type: ignore[arg-type]
            if clip_first_on_zero:
                v[0] = max(v[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            v = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= v[0] <= v[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {v}.")
        return None if v[0] == v[1] == center else (v[0], v[1])

    @staticmethod
    def get_params(brightness: Any, contrast: Any, saturation: Any, hue: Any,
                   generator: Generator | None = None
                   ) -> tuple[Tensor, float | None, float | None, float | None, float | None]:
        """(order, brightness, contrast, saturation, hue factors; None = leave alone)."""
        order = Tensor(permutation(get_generator(generator, "ColorJitter"), 4))
        factors = [None if r is None else _uniform(generator, "ColorJitter", r[0], r[1])
                   for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)  # type: ignore[return-value]

    def forward(self, img: Any) -> Any:
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation,
                                          self.hue, self.generator)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for k in order.tolist():
            if factors[k] is not None:
                img = adjust[k](img, factors[k])
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(brightness={self.brightness}, "
                f"contrast={self.contrast}, saturation={self.saturation}, hue={self.hue})")


class Grayscale(_Transform):
    """Convert to greyscale with 1 or 3 (equal) channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def forward(self, img: Any) -> Any:
        return F.rgb_to_grayscale(img, num_output_channels=self.num_output_channels)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(_Transform):
    """Convert to greyscale (keeping the number of channels) with probability ``p``."""

    def __init__(self, p: float = 0.1, generator: Generator | None = None) -> None:
        self.p, self.generator = p, generator

    def forward(self, img: Any) -> Any:
        channels = F.get_dimensions(img)[0]
        if _rand(self.generator, "RandomGrayscale") < self.p:
            return F.rgb_to_grayscale(img, num_output_channels=channels)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomErasing(_Transform):
    """With probability ``p``, overwrite a random rectangle of a tensor image (Cutout).

    The rectangle covers ``scale`` of the area with aspect ratio in ``ratio`` (10 attempts,
    else nothing is erased); ``value`` is a number, one per channel, or ``'random'`` (standard
    normals). Draws, as torchvision: ``torch.rand(1)``, then per attempt the area and the log
    ratio (``uniform_``), then the normals (for 'random') and the position (``randint``).
    """

    def __init__(self, p: float = 0.5, scale: Sequence[float] = (0.02, 0.33),
                 ratio: Sequence[float] = (0.3, 3.3), value: Any = 0, inplace: bool = False,
                 generator: Generator | None = None) -> None:
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value = p, scale, ratio, value
        self.inplace, self.generator = inplace, generator

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float],
                   value: list[float] | None = None, generator: Generator | None = None
                   ) -> tuple[int, int, int, int, Any]:
        """(top, left, height, width, values) of the rectangle; the image itself when none of
        the 10 attempts fits."""
        img_c, img_h, img_w = F.get_dimensions(img)
        area = img_h * img_w
        log_ratio = np.log(np.asarray(ratio, dtype=np.float32))
        for _ in range(10):
            erase_area = area * _uniform(generator, "RandomErasing", scale[0], scale[1])
            drawn = _uniform(generator, "RandomErasing", float(log_ratio[0]),
                             float(log_ratio[1]))
            aspect_ratio = float(np.exp(np.float32(drawn)))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = Tensor(normal(get_generator(generator, "RandomErasing"), (img_c, h, w),
                                  np.float32))
            else:
                v = Tensor(np.asarray(value, dtype=np.float32)[:, None, None])
            i = _randint(generator, "RandomErasing", 0, img_h - h + 1)
            j = _randint(generator, "RandomErasing", 0, img_w - w + 1)
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def forward(self, img: Any) -> Any:
        if _rand(self.generator, "RandomErasing") < self.p:
            if isinstance(self.value, str):
                value: list[float] | None = None
            elif isinstance(self.value, (tuple, list)):
                value = [float(v) for v in self.value]
            else:
                value = [float(self.value)]  # type: ignore[arg-type]
            channels = F.get_dimensions(img)[0]
            if value is not None and len(value) not in (1, channels):
                raise ValueError(f"If value is a sequence, it should have either a single value "
                                 f"or {channels} (number of input channels)")
            i, j, h, w, v = self.get_params(img, self.scale, self.ratio, value, self.generator)
            return F.erase(img, i, j, h, w, v, self.inplace)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(p={self.p}, scale={self.scale}, "
                f"ratio={self.ratio}, value={self.value}, inplace={self.inplace})")


class GaussianBlur(_Transform):
    """Blur with a Gaussian whose sigma is drawn from ``sigma`` = (min, max) each call."""

    def __init__(self, kernel_size: Any, sigma: Any = (0.1, 2.0),
                 generator: Generator | None = None) -> None:
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two "
                                                    "integers")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:  # type: ignore[operator]
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma, self.generator = sigma, generator

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float,
                   generator: Generator | None = None) -> float:
        return _uniform(generator, "GaussianBlur", sigma_min, sigma_max)

    def forward(self, img: Any) -> Any:
        sigma = self.get_params(self.sigma[0], self.sigma[1], self.generator)
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"
