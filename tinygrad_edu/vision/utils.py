"""``make_grid`` and ``save_image`` (``torchvision.utils``), on tinygrad_edu Tensors.

``make_grid`` lays a batch (B, C, H, W) out on one canvas, row by row, ``nrow`` images per
row, with ``padding`` pixels of ``pad_value`` around and between them:

    width  = nrow_used * (W + padding) + padding
    height = rows      * (H + padding) + padding

Image ``k`` goes to row ``k // nrow``, column ``k % nrow``, its top-left corner at
``(row * (H + padding) + padding, col * (W + padding) + padding)``. One-channel images are
repeated to three channels (so the grid is an RGB image), and a batch of one image is
returned as that image, without padding, as torchvision does.

With ``normalize=True`` the values are clamped to ``value_range`` (default: the batch's
min and max; each image's own with ``scale_each=True``) and mapped to [0, 1] by
``(x - low) / max(high - low, 1e-5)``, in the tensor's dtype.

``save_image`` writes ``make_grid``'s result as an 8-bit image: ``x * 255 + 0.5``, clamped
to [0, 255] and truncated, so values round to the nearest level. A file is written whole or
not at all: the image is encoded in memory, written to a temporary file beside the target
and renamed onto it.
"""

from __future__ import annotations

import io
import math
import os
import secrets
import warnings
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ..tensor import Tensor

__all__ = ["make_grid", "save_image"]

Array = NDArray[Any]
_TORCH_INT_NAMES = {"uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                    "int64": "Long", "bool": "Bool"}


def _as_batch(tensor: Any) -> Array:
    """The images as an array (B, C, H, W), one channel repeated to three."""
    if isinstance(tensor, list):
        if not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
        arrays = [t.numpy(force=True) for t in tensor]
        for i, a in enumerate(arrays[1:], 1):
            if a.shape != arrays[0].shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                                   f"{list(arrays[0].shape)} at entry 0 and {list(a.shape)} "
                                   f"at entry {i}")
        x = np.stack(arrays)
    elif isinstance(tensor, Tensor):
        x = tensor.numpy(force=True)
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if x.ndim == 2:  # a single image (H, W)
        x = x[None]
    if x.ndim == 3:  # a single image (C, H, W)
        if x.shape[0] == 1:
            x = np.concatenate([x, x, x], axis=0)
        x = x[None]
    if x.ndim == 4 and x.shape[1] == 1:  # one-channel images
        x = np.concatenate([x, x, x], axis=1)
    return x


def _check_float(x: Array) -> None:
    """Scaling needs floats: torch refuses to write a float result into an integer tensor."""
    if x.dtype.kind != "f":
        name = _TORCH_INT_NAMES.get(x.dtype.name, x.dtype.name)
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{name}")


def _normalize(x: Array, value_range: tuple[float, float] | None, scale_each: bool) -> Array:
    """Clamp to the range and map it to [0, 1], per image or for the whole batch."""
    _check_float(x)
    x = x.copy()

    def norm(img: Array) -> None:  # in place, in the array's dtype, as torch's norm_ip
        low, high = ((float(img.min()), float(img.max())) if value_range is None
                     else value_range)
        np.clip(img, low, high, out=img)
        img -= x.dtype.type(low)
        img /= x.dtype.type(max(high - low, 1e-5))

    for img in (x if scale_each else [x]):
        norm(img)
    return x


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: tuple[float, float] | None = None,
              scale_each: bool = False, pad_value: float = 0.0, **kwargs: Any) -> Tensor:
    """Lay a batch of images out as one image, ``nrow`` per row (``torchvision.utils``).

    Args:
        tensor: a Tensor (B, C, H, W), (C, H, W) or (H, W), or a list of (C, H, W) Tensors of
            one shape.
        nrow: images per row.
        padding: pixels between the images and around them.
        normalize: map the values to [0, 1] (see the module's docstring).
        value_range: ``(low, high)`` for ``normalize`` (default: the min and max).
        scale_each: with ``normalize``, use each image's own min and max.
        pad_value: the value of the padding pixels.
        **kwargs: ``range`` is the old name of ``value_range`` (with a warning).

    Returns:
        A Tensor (C, H', W') of the input's dtype (C = 3 for one-channel input).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.vision.utils import make_grid
        >>> make_grid(tg.ones(5, 3, 4, 4), nrow=2).shape
        torch.Size([3, 20, 14])
    """
    if "range" in kwargs:
        warnings.warn("range will be deprecated, please use value_range instead.",
                      stacklevel=2)
        value_range = kwargs["range"]
    x = _as_batch(tensor)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and "
                            "max are numbers")
        x = _normalize(x, value_range, scale_each)
    if x.shape[0] == 1:
        return Tensor(np.array(x[0]))
    nmaps = x.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = math.ceil(nmaps / xmaps)
    height, width = x.shape[2] + padding, x.shape[3] + padding
    grid = np.full((x.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value,
                   dtype=x.dtype)
    for k in range(nmaps):
        top, left = (k // xmaps) * height + padding, (k % xmaps) * width + padding
        grid[:, top:top + height - padding, left:left + width - padding] = x[k]
    return Tensor(grid)


def _to_uint8_hwc(grid: Tensor) -> Array:
    """torchvision's ``grid.mul(255).add_(0.5).clamp_(0, 255)`` as uint8, channels last."""
    x = grid.numpy(force=True)
    _check_float(x)
    scaled = np.clip(x * x.dtype.type(255) + x.dtype.type(0.5), 0, 255)
    scaled = np.nan_to_num(scaled, nan=0.0)  # NaN has no pixel value; torch gives 0 too
    hwc = scaled.astype(np.uint8)  # truncation: with the + 0.5, rounding to nearest
    return np.ascontiguousarray(hwc.transpose(1, 2, 0) if hwc.ndim == 3 else hwc)


def _format_for(path: Path, format: str | None) -> str:  # noqa: A002
    """The PIL format to write: the one given, else the one of the file's extension."""
    if format is not None:
        return format.upper()
    Image.init()
    ext = path.suffix.lower()
    try:
        return Image.registered_extensions()[ext]
    except KeyError:
        raise ValueError(f"unknown file extension: {ext}") from None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole: a temporary file beside it, then a rename."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike[str] | IO[bytes],
               format: str | None = None, **kwargs: Any) -> None:  # noqa: A002
    """Save images as one image file (PNG, JPEG, ... by PIL), via ``make_grid``.

    Args:
        tensor: what ``make_grid`` takes, with values in [0, 1] (or use ``normalize``).
        fp: a file name (written atomically: never half a file) or a binary file object.
        format: the PIL format; needed for a file object, else taken from the extension.
        **kwargs: passed to ``make_grid`` (``nrow``, ``padding``, ``normalize``, ...).

    Example:
        >>> import tempfile, os, tinygrad_edu as tg
        >>> from tinygrad_edu.vision.utils import save_image
        >>> path = os.path.join(tempfile.mkdtemp(), "grid.png")
        >>> save_image(tg.rand(4, 3, 8, 8), path, nrow=2)
        >>> from PIL import Image
        >>> with Image.open(path) as img:
        ...     print(img.size)
        (22, 22)
    """
    image = Image.fromarray(_to_uint8_hwc(make_grid(tensor, **kwargs)))
    if isinstance(fp, str | os.PathLike):
        path = Path(os.fspath(fp))
        buffer = io.BytesIO()
        image.save(buffer, format=_format_for(path, format))
        _write_atomically(path, buffer.getvalue())
    else:
        name = getattr(fp, "name", None)  # PIL, too, reads the format off a file's name
        if format is None and isinstance(name, str):
            format = _format_for(Path(name), None)  # noqa: A001
        buffer = io.BytesIO()
        image.save(buffer, format=format)  # PIL says when a file object needs a format
        fp.write(buffer.getvalue())
