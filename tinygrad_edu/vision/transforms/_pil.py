"""The PIL side of the transforms: what torchvision asks Pillow to do for a PIL image.

Pillow is optional (``pip install pillow``); this module imports it only when a PIL image is
actually given (a PIL image cannot exist without it).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def is_pil_image(img: Any) -> bool:
    """True for a PIL image (without importing Pillow when it is not loaded yet)."""
    import sys
    image = sys.modules.get("PIL.Image")
    return image is not None and isinstance(img, image.Image)


def num_channels(img: Any) -> int:
    return len(img.getbands())


def parse_fill(fill: Any, img: Any, name: str = "fillcolor") -> dict[str, Any]:
    """A fill value as Pillow wants it: one number per band (ints unless mode 'F')."""
    bands = num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, numbers.Number) and bands > 1:
        fill = (fill,) * bands
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img: Any, left: int, top: int, right: int, bottom: int, fill: Any,
        padding_mode: str) -> Any:
    """Pad a PIL image (negative amounts crop first): constant padding by
    ``ImageOps.expand``, the other modes by ``np.pad`` of its pixels (torchvision's way)."""
    from PIL import Image, ImageOps
    if min(left, top, right, bottom) < 0:
        img = img.crop((max(-left, 0), max(-top, 0), img.width - max(-right, 0),
                        img.height - max(-bottom, 0)))
        left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    palette = img.getpalette() if img.mode == "P" else None
    if padding_mode == "constant":
        out = ImageOps.expand(img, border=(left, top, right, bottom),
                              **parse_fill(fill, img, name="fill"))
    else:
        array = np.asarray(img)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (array.ndim - 2)
        out = Image.fromarray(np.pad(array, widths, mode=padding_mode))  # type: ignore[call-overload]
    if palette is not None:
        out.putpalette(palette)
    return out


def to_grayscale(img: Any, num_output_channels: int) -> Any:
    from PIL import Image
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    array = np.asarray(gray, dtype=np.uint8)
    return Image.fromarray(np.dstack([array, array, array]), "RGB")


def enhance(img: Any, kind: str, factor: float) -> Any:
    from PIL import ImageEnhance
    return getattr(ImageEnhance, kind)(img).enhance(factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift Pillow's 8-bit hue channel by round-toward-zero(hue_factor * 255), wrapping."""
    from PIL import Image
    if img.mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    hue += np.uint8(int(hue_factor * 255) % 256)  # uint8 addition wraps around the wheel
    return Image.merge("HSV", (Image.fromarray(hue, "L"), s, v)).convert(img.mode)
