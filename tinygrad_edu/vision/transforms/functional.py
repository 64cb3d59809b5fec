"""``torchvision.transforms.functional``: the transforms as plain functions, no randomness.

Every function takes a PIL image or a tensor image and returns the same kind:

- a **PIL image** goes to Pillow, called exactly as torchvision calls it (so the pixels are
  Pillow's, as with torchvision);
- a **Tensor** of shape (..., C, H, W) (any leading dims, C may be absent for (H, W)) is
  processed as an ndarray by ``_array.py``, which follows torchvision's tensor code in the same
  float type, and comes back as a Tensor of the input's dtype;
- a **numpy array** is treated like a tensor, channels first, and comes back as an array
  (torchvision refuses arrays here; ``tinygrad_edu.data``'s datasets hand out (C, H, W)
  arrays, which is why this package accepts them). ``to_tensor`` and ``to_pil_image`` are the
  exceptions: like torchvision, they read an array as (H, W, C).

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.vision.transforms import functional as F
    >>> img = F.to_tensor(np.arange(12, dtype=np.uint8).reshape(2, 2, 3))  # HWC -> CHW
    >>> img.shape, F.hflip(img)[0].tolist() == img[0].flip(-1).tolist()
    (torch.Size([3, 2, 2]), True)
"""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import dtypes
from ...tensor import Tensor
from . import _array as A
from . import _pil as P
from ._functional_color import (
    adjust_brightness,
    adjust_contrast,
    adjust_gamma,
    adjust_hue,
    adjust_saturation,
    gaussian_blur,
    rgb_to_grayscale,
    to_grayscale,
)
from ._image import (
    _TO_PIL_INT,
    InterpolationMode,
    _channels_first,
    _unwrap,
    _wrap,
    get_dimensions,
    get_image_num_channels,
    get_image_size,
    interpolation_mode,
)

__all__ = [
    "InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue",
    "adjust_saturation", "affine", "center_crop", "convert_image_dtype", "crop",
    "gaussian_blur", "get_dimensions", "get_image_num_channels", "get_image_size", "hflip",
    "normalize", "pad", "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale",
    "rotate", "to_grayscale", "to_pil_image", "to_tensor", "vflip",
]



# ----------------------------------------------------------------------------- conversion

def to_tensor(pic: Any) -> Tensor:
    """PIL image or (H, W, C) / (H, W) array -> (C, H, W) Tensor; uint8 becomes float in [0, 1].

    Other array dtypes keep their type and values; PIL modes 'I', 'I;16' and 'F' give int32,
    int16 and float32 tensors, mode '1' gives 0.0 / 1.0.
    """
    if not (P.is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    float_dtype = dtypes.get_default_dtype().dtype
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = np.ascontiguousarray((pic[:, :, None] if pic.ndim == 2 else pic)
                                     .transpose(2, 0, 1))
    else:
        nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
                  "F": np.float32}.get(pic.mode, np.uint8)
        array = np.array(pic, nptype, copy=True)
        if pic.mode == "1":
            array = array * np.uint8(255)
        array = np.ascontiguousarray(
            array.reshape(pic.height, pic.width, P.num_channels(pic)).transpose(2, 0, 1))
    if array.dtype == np.uint8:
        return Tensor(array.astype(float_dtype) / float_dtype.type(255))
    return Tensor(array)


def pil_to_tensor(pic: Any) -> Tensor:
    """PIL image -> (C, H, W) Tensor of the same values and type (uint8 stays uint8)."""
    if not P.is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    array = np.array(pic, copy=True).reshape(pic.height, pic.width, P.num_channels(pic))
    return Tensor(np.ascontiguousarray(array.transpose(2, 0, 1)))


def convert_image_dtype(image: Any, dtype: Any = None) -> Any:
    """Change a tensor image's dtype and rescale its values (float images live in [0, 1])."""
    if not isinstance(image, (Tensor, np.ndarray)):
        raise TypeError("Input img should be Tensor Image")
    target = dtypes.to_dtype(dtype if dtype is not None else dtypes.float32,
                             "convert_image_dtype").dtype
    array, is_tensor = _unwrap(image, "convert_image_dtype")
    if array.dtype == target:
        return image
    return _wrap(A.convert_image_dtype(array, target), is_tensor)


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """A (C, H, W) Tensor or (H, W, C) array -> PIL image; float values are taken as [0, 1]
    and multiplied by 255 (unless mode 'F')."""
    from PIL import Image
    if isinstance(pic, Tensor):
        npimg = pic.numpy(force=True)
        if npimg.ndim == 3:
            npimg = npimg.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        npimg = pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if npimg.ndim == 2:
        npimg = npimg[:, :, None]
    if npimg.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {npimg.ndim} dimensions.")
    if npimg.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    if npimg.dtype.kind == "f" and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    mode = _pil_mode(npimg, mode)
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
    return Image.fromarray(np.ascontiguousarray(npimg), mode=mode)


def _pil_mode(npimg: np.ndarray, mode: str | None) -> str:
    """The PIL mode for an (H, W, C) array: torchvision's defaults and checks."""
    channels = npimg.shape[2]
    if channels == 1:
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16" if sys.byteorder ==
                    "little" else "I;16B", np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. "
                             f"Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return mode


def normalize(tensor: Any, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Any:
    """(x - mean[c]) / std[c] for each channel c of a float (..., C, H, W) image."""
    return _normalize(tensor, mean, std, inplace, "normalize")


def _normalize(tensor: Any, mean: Any, std: Any, inplace: bool, name: str) -> Any:
    array, is_tensor = _unwrap(tensor, name)
    if array.dtype.kind != "f":
        raise TypeError(f"{name}: Input tensor should be a float tensor. Got {array.dtype} "
                        "(ToTensor() or ConvertImageDtype() first makes one)")
    if array.ndim < 3:
        raise ValueError(f"{name}: Expected tensor to be a tensor image of size (..., C, H, W). "
                         f"Got tensor.size() = {tuple(array.shape)}")
    m = np.asarray(mean, dtype=array.dtype)
    s = np.asarray(std, dtype=array.dtype)
    if np.any(s == 0):
        raise ValueError(f"{name}: std evaluated to zero after conversion to {array.dtype}, "
                         "leading to division by zero.")
    channels = array.shape[-3]
    for what, values in (("mean", m), ("std", s)):
        if values.ndim > 1 or values.size not in (1, channels):
            raise ValueError(f"{name}: {what} has {values.size} values but the image has "
                             f"{channels} channels (shape {tuple(array.shape)})")
    m, s = m.reshape(-1, 1, 1), s.reshape(-1, 1, 1)
    if inplace and is_tensor:
        with tensor.mutate() as data:  # an in-place change the autograd version counter sees
            data -= m
            data /= s
        return tensor
    if inplace:
        array -= m
        array /= s
        return tensor
    return _wrap((array - m) / s, is_tensor)


# ----------------------------------------------------------------------------- geometry

def _resized_size(h: int, w: int, size: Sequence[int], max_size: int | None) -> list[int]:
    """[new_h, new_w]: an int (or [int]) sets the shorter edge and keeps the aspect ratio."""
    if len(size) != 1:
        return [size[0], size[1]]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested "
                             f"size for the smaller edge size = {list(size)}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resize(img: Any, size: int | Sequence[int], interpolation: Any = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Any:
    """Resize to ``size`` = (h, w), or make the shorter edge ``size`` (an int).

    PIL images use Pillow's resize (always antialiased for bilinear/bicubic). Tensors use the
    resampling matrices of ``_array.resample_matrix`` (PyTorch's ``interpolate`` weights,
    antialiased like ``interpolate(..., antialias=True)`` unless ``antialias=False``).
    """
    interpolation = interpolation_mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a "
                             f"{len(size)} element tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the "
                             "smaller edge, i.e. size should be an int or a sequence of length 1 "
                             "in torchscript mode.")
    elif isinstance(size, int) and not isinstance(size, bool):
        size = [size]
    else:
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    out = _resized_size(h, w, list(size), max_size)
    if [h, w] == out:
        return img
    if P.is_pil_image(img):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument "
                          "antialias is ignored.", stacklevel=2)
        return img.resize((out[1], out[0]), _TO_PIL_INT[interpolation])
    if interpolation.value not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise NotImplementedError(f"resize: interpolation {interpolation.value!r} works on PIL "
                                  "images only; tensors support nearest, nearest-exact, "
                                  "bilinear and bicubic")
    array, is_tensor = _unwrap(img, "resize")
    array, squeeze = _channels_first(array)
    result = A.resize(array, (out[0], out[1]), interpolation.value, bool(antialias))
    return _wrap(result[0] if squeeze else result, is_tensor)


def _parse_padding(padding: Any) -> tuple[int, int, int, int]:
    """torchvision's padding forms as (left, top, right, bottom)."""
    if isinstance(padding, bool) or not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    values = [padding] if isinstance(padding, int) else list(padding)
    if len(values) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(values)} element tuple")
    if len(values) == 1:
        return (values[0],) * 4  # type: ignore[return-value]
    if len(values) == 2:
        return (values[0], values[1], values[0], values[1])
    return tuple(values)  # type: ignore[return-value]


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad the borders: ``padding`` is an int, (left/right, top/bottom) or (l, t, r, b).

    ``padding_mode``: 'constant' (``fill``), 'edge', 'reflect' (without repeating the edge
    pixel) or 'symmetric' (repeating it). Negative padding crops.
    """
    left, top, right, bottom = _parse_padding(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if P.is_pil_image(img):
        return P.pad(img, left, top, right, bottom, fill, padding_mode)
    if fill is None:
        fill = 0
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    array, is_tensor = _unwrap(img, "pad")
    return _wrap(A.pad(array, left, top, right, bottom, fill, padding_mode), is_tensor)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height`` x ``width`` window whose top-left pixel is (top, left); zeros outside."""
    if P.is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    array, is_tensor = _unwrap(img, "crop")
    return _wrap(A.crop(array, top, left, height, width), is_tensor)


def center_crop(img: Any, output_size: Any) -> Any:
    """The central (h, w) window; an image smaller than that is first padded with zeros."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))  # type: ignore[call-overload]
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, h, w = get_dimensions(img)
    th, tw = output_size
    if tw > w or th > h:
        padding = [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                   (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0]
        img = pad(img, padding, fill=0)
        _, h, w = get_dimensions(img)
        if (th, tw) == (h, w):
            return img
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR,
                 antialias: bool | None = True) -> Any:
    """``crop`` then ``resize`` (RandomResizedCrop's work)."""
    return resize(crop(img, top, left, height, width), size, interpolation,
                  antialias=antialias)


def five_crop(img: Any, size: Any) -> tuple[Any, Any, Any, Any, Any]:
    """The four corner crops and the central crop: (top-left, top-right, bottom-left,
    bottom-right, center)."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))  # type: ignore[call-overload]
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    _, h, w = get_dimensions(img)
    th, tw = size
    if tw > w or th > h:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, th, tw), crop(img, 0, w - tw, th, tw), crop(img, h - th, 0, th, tw),
            crop(img, h - th, w - tw, th, tw), center_crop(img, [th, tw]))


def ten_crop(img: Any, size: Any, vertical_flip: bool = False) -> tuple[Any, ...]:
    """``five_crop`` of the image, then of its mirror image (left-right, or top-bottom)."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))  # type: ignore[call-overload]
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


def erase(img: Any, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Any:
    """Overwrite the (h, w) window at (i, j) of a tensor image with ``v`` (broadcast)."""
    if not isinstance(img, (Tensor, np.ndarray)):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    value = v.numpy(force=True) if isinstance(v, Tensor) else np.asarray(v)
    if inplace:
        if isinstance(img, Tensor):
            with img.mutate() as array:
                array[..., i:i + h, j:j + w] = value
        else:
            img[..., i:i + h, j:j + w] = value
        return img
    array, is_tensor = _unwrap(img, "erase")
    array = array.copy()
    array[..., i:i + h, j:j + w] = value
    return _wrap(array, is_tensor)


def _flip(img: Any, axis: int, pil_method: str) -> Any:
    if P.is_pil_image(img):
        from PIL import Image
        return img.transpose(getattr(Image.Transpose, pil_method))
    array, is_tensor = _unwrap(img, "flip")
    return _wrap(np.flip(array, axis), is_tensor)


def hflip(img: Any) -> Any:
    """Mirror left-right (the last axis)."""
    return _flip(img, -1, "FLIP_LEFT_RIGHT")


def vflip(img: Any) -> Any:
    """Mirror top-bottom (the second-last axis)."""
    return _flip(img, -2, "FLIP_TOP_BOTTOM")


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST,
           expand: bool = False, center: Sequence[int] | None = None,
           fill: Any = None) -> Any:
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the middle).

    ``expand=True`` grows the output to hold the whole rotated image. Pixels that come from
    outside the input get ``fill`` (0 when None).
    """
    interpolation = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if P.is_pil_image(img):
        return img.rotate(angle, _TO_PIL_INT[interpolation], expand,
                          None if center is None else tuple(center), **P.parse_fill(fill, img))
    if interpolation.value not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation.value}' is unsupported with "
                         "Tensor input")
    array, is_tensor = _unwrap(img, "rotate")
    array, squeeze = _channels_first(array)
    h, w = array.shape[-2:]
    center_f = (0.0, 0.0) if center is None else \
        (1.0 * (center[0] - w * 0.5), 1.0 * (center[1] - h * 0.5))
    # the grid maps output to input, so the matrix turns by -angle
    matrix = A.inverse_affine_matrix(center_f, -angle, (0.0, 0.0), 1.0, (0.0, 0.0))
    ow, oh = A.affine_output_size(matrix, w, h) if expand else (w, h)
    grid = A.affine_grid(matrix, w, h, ow, oh, A.work_dtype(array))
    fills = _tensor_fill(fill, array.shape[-3])
    out = A.apply_grid(array, grid, interpolation.value, fills)
    return _wrap(out[0] if squeeze else out, is_tensor)


def affine(img: Any, angle: float, translate: Sequence[int], scale: float, shear: Any,
           interpolation: Any = InterpolationMode.NEAREST, fill: Any = None,
           center: Sequence[int] | None = None) -> Any:
    """Rotate by ``angle`` degrees (clockwise), scale, shear (degrees, (x, y)) about the
    centre, then shift by ``translate`` = (dx, dy) pixels; the output keeps the input's size."""
    interpolation = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _, h, w = get_dimensions(img)
    if P.is_pil_image(img):
        from PIL import Image
        pivot = (w * 0.5, h * 0.5) if center is None else (center[0], center[1])
        matrix = A.inverse_affine_matrix(pivot, float(angle), (translate[0], translate[1]),
                                         scale, (shear[0], shear[1]))
        return img.transform(img.size, Image.Transform.AFFINE, matrix,
                             _TO_PIL_INT[interpolation], **P.parse_fill(fill, img))
    if interpolation.value not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation.value}' is unsupported with "
                         "Tensor input")
    array, is_tensor = _unwrap(img, "affine")
    array, squeeze = _channels_first(array)
    pivot = (0.0, 0.0) if center is None else (center[0] - w * 0.5, center[1] - h * 0.5)
    matrix = A.inverse_affine_matrix(pivot, float(angle), (1.0 * translate[0],
                                                           1.0 * translate[1]),
                                     scale, (shear[0], shear[1]))
    grid = A.affine_grid(matrix, w, h, w, h, A.work_dtype(array))
    out = A.apply_grid(array, grid, interpolation.value, _tensor_fill(fill, array.shape[-3]))
    return _wrap(out[0] if squeeze else out, is_tensor)


def _tensor_fill(fill: Any, channels: int) -> list[float] | None:
    if fill is None:
        return None
    fills = [float(fill)] if isinstance(fill, (int, float)) else [float(f) for f in fill]
    if len(fills) > 1 and len(fills) != channels:
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fills)} != {channels})")
    return fills
