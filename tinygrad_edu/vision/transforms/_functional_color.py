"""The colour functions of ``functional``: brightness, contrast, saturation, hue, gamma,
greyscale and Gaussian blur, for PIL images (Pillow's ``ImageEnhance``, as torchvision) and
tensor images (``_array``'s blends, torchvision's formulas)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array as A
from . import _pil as P
from ._image import _channels_first, _check_channels, _unwrap, _wrap


def _color_array(img: Any, name: str) -> tuple[np.ndarray, bool]:
    array, is_tensor = _unwrap(img, name)
    _check_channels(array, [1, 3])
    return array, is_tensor


def _check_factor(value: float, name: str) -> None:
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Scale the intensities: 0 gives black, 1 the image, 2 twice as bright (clipped)."""
    _check_factor(brightness_factor, "brightness_factor")
    if P.is_pil_image(img):
        return P.enhance(img, "Brightness", brightness_factor)
    array, is_tensor = _color_array(img, "adjust_brightness")
    return _wrap(A.blend(array, np.zeros_like(array), brightness_factor), is_tensor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the image's mean grey: 0 gives flat grey, 1 the image, 2 more contrast."""
    _check_factor(contrast_factor, "contrast_factor")
    if P.is_pil_image(img):
        return P.enhance(img, "Contrast", contrast_factor)
    array, is_tensor = _color_array(img, "adjust_contrast")
    return _wrap(A.adjust_contrast(_channels_first(array)[0], contrast_factor)
                 .reshape(array.shape), is_tensor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the greyscale image: 0 gives black and white, 1 the image, 2 more colour."""
    _check_factor(saturation_factor, "saturation_factor")
    if P.is_pil_image(img):
        return P.enhance(img, "Color", saturation_factor)
    array, is_tensor = _color_array(img, "adjust_saturation")
    if array.ndim == 2 or array.shape[-3] == 1:
        return img
    return _wrap(A.blend(array, A.rgb_to_grayscale(array, 1), saturation_factor), is_tensor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Turn the colour wheel by ``hue_factor`` in [-0.5, 0.5] (0.5: complementary colours)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if P.is_pil_image(img):
        return P.adjust_hue(img, hue_factor)
    array, is_tensor = _color_array(img, "adjust_hue")
    if array.ndim == 2 or array.shape[-3] == 1:
        return img
    return _wrap(A.adjust_hue(array, hue_factor), is_tensor)


def adjust_gamma(img: Any, gamma: float, gain: float = 1) -> Any:
    """out = 255 * gain * (in / 255) ** gamma (in [0, 1] units for float images)."""
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    if P.is_pil_image(img):
        mode = img.mode
        table = [(255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma) for v in range(256)] * 3
        return img.convert("RGB").point(table).convert(mode)
    array, is_tensor = _color_array(img, "adjust_gamma")
    x = A.convert_image_dtype(array, np.float32) if array.dtype.kind != "f" else array
    x = np.clip(x.dtype.type(gain) * x ** x.dtype.type(gamma), 0, 1)
    return _wrap(A.convert_image_dtype(x, array.dtype), is_tensor)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Luma L = 0.2989 R + 0.587 G + 0.114 B, as 1 channel or 3 equal ones."""
    if P.is_pil_image(img):
        return P.to_grayscale(img, num_output_channels)
    array, is_tensor = _unwrap(img, "rgb_to_grayscale")
    if array.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{array.ndim}")
    _check_channels(array, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    return _wrap(A.rgb_to_grayscale(array, num_output_channels), is_tensor)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """A PIL image of any mode in greyscale (torchvision's PIL-only version)."""
    if P.is_pil_image(img):
        return P.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def gaussian_blur(img: Any, kernel_size: Any, sigma: Any = None) -> Any:
    """Blur with a Gaussian of ``kernel_size`` = (kx, ky) taps (odd) and ``sigma`` (sx, sy).

    Without ``sigma``, ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` (OpenCV's rule). The borders are
    reflected. A PIL image is blurred as a uint8 tensor and turned back into a PIL image.
    """
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if not isinstance(kernel_size, (list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got "
                        f"{type(kernel_size)}")
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    if any(k % 2 == 0 or k < 0 for k in kernel_size):
        raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if not isinstance(sigma, (list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    if any(s <= 0.0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if P.is_pil_image(img):  # blurred as a uint8 (C, H, W) array, then a PIL image again
        from PIL import Image
        pixels = np.asarray(img).reshape(img.height, img.width, P.num_channels(img))
        blurred = gaussian_blur(pixels.transpose(2, 0, 1), kernel_size, sigma).transpose(1, 2, 0)
        return Image.fromarray(np.ascontiguousarray(blurred[:, :, 0] if blurred.shape[2] == 1
                                                    else blurred), mode=img.mode)
    array, is_tensor = _unwrap(img, "gaussian_blur")
    array, squeeze = _channels_first(array)
    out = A.gaussian_blur(array, list(kernel_size), [float(s) for s in sigma])
    return _wrap(out[0] if squeeze else out, is_tensor)
