"""What every transform needs to know about an image: its kind, its size, interpolation modes.

An image is a PIL image, a Tensor or a numpy array. Tensors and arrays are handled as arrays
of shape (..., C, H, W) (``_unwrap`` reads the array out, ``_wrap`` gives back the input's
kind); a (H, W) one counts as one channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np

from ...tensor import Tensor
from . import _pil as P


class InterpolationMode(Enum):
    """How to read an image between its pixels (torchvision's names and values)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"  # the last three: PIL images only
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_FROM_PIL_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
                 3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
                 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_TO_PIL_INT = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
               InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3,
               InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
               InterpolationMode.LANCZOS: 1}


def interpolation_mode(value: Any) -> InterpolationMode:
    """An InterpolationMode, or Pillow's integer constant for one (``PIL.Image.BILINEAR``)."""
    if isinstance(value, InterpolationMode):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value in _FROM_PIL_INT:
        return _FROM_PIL_INT[value]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding "
                    f"Pillow integer constant, got {value!r}")


# ----------------------------------------------------------------------------- image kinds

def _unwrap(img: Any, name: str) -> tuple[np.ndarray, bool]:
    """(the pixel array, was it a Tensor) for a tensor or array image of >= 2 dims."""
    if isinstance(img, Tensor):
        array, is_tensor = img.numpy(force=True), True
    elif isinstance(img, np.ndarray):
        array, is_tensor = img, False
    else:
        raise TypeError(f"{name}: img should be PIL Image, Tensor or ndarray. Got {type(img)}")
    if array.ndim < 2:
        raise TypeError(f"{name}: Tensor is not a torch image (expected (..., H, W), got shape "
                        f"{tuple(array.shape)})")
    return array, is_tensor


def _wrap(array: np.ndarray, is_tensor: bool) -> Any:
    array = np.ascontiguousarray(array)
    return Tensor(array) if is_tensor else array


def _channels_first(array: np.ndarray) -> tuple[np.ndarray, bool]:
    """A (H, W) image as (1, H, W), and whether to squeeze it back."""
    return (array[None], True) if array.ndim == 2 else (array, False)


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL or tensor image."""
    if P.is_pil_image(img):
        return [P.num_channels(img), img.height, img.width]
    array, _ = _unwrap(img, "get_dimensions")
    return [1 if array.ndim == 2 else array.shape[-3], array.shape[-2], array.shape[-1]]


def get_image_size(img: Any) -> list[int]:
    """[width, height] (PIL's order)."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


def _check_channels(img: np.ndarray, permitted: Sequence[int]) -> None:
    c = 1 if img.ndim == 2 else img.shape[-3]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {list(permitted)}, "
                        f"but found {c}")
