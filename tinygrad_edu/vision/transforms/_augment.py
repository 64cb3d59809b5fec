"""The random augmentations that reshape or cover the image: RandomResizedCrop,
RandomRotation, RandomAffine and RandomErasing (torchvision's draws, in torchvision's order)."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...random import Generator, get_generator
from ...random_dist import normal
from ...tensor import Tensor
from . import _pil
from . import functional as F
from ._common import (
    _check_fill,
    _check_sequence_input,
    _rand,
    _randint,
    _setup_angle,
    _setup_size,
    _Transform,
    _uniform,
)
from .functional import InterpolationMode, interpolation_mode


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
