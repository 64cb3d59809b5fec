"""The colour transforms: ColorJitter, Grayscale, RandomGrayscale and GaussianBlur."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from ...random import Generator, get_generator
from ...random_dist import permutation
from ...tensor import Tensor
from . import functional as F
from ._common import (
    _rand,
    _setup_size,
    _Transform,
    _uniform,
)


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
