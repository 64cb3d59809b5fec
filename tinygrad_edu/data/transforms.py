"""Image transforms for one sample (``torchvision.transforms``' common subset).

Images are (C, H, W) arrays, the layout the conv layers use (a (H, W) array counts as one
channel where noted). Every transform takes a numpy array or a Tensor and returns the same
kind, except ``ToTensor``, which turns an array into a float32 Tensor. Random transforms draw
from the global generator (seeded by ``tg.manual_seed``) unless given a ``generator``.

Example:
    >>> import numpy as np, tinygrad_edu as tg
    >>> from tinygrad_edu.data import transforms as T
    >>> augment = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(),
    ...                      T.ToTensor(), T.Normalize([0.5] * 3, [0.25] * 3)])
    >>> augment(np.zeros((3, 32, 32), dtype=np.uint8)).shape
    torch.Size([3, 32, 32])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..random import Generator, get_generator
from ..random_dist import integers, uniform
from ..tensor import Tensor

__all__ = ["Compose", "Lambda", "Normalize", "RandomCrop", "RandomHorizontalFlip", "ToTensor"]

Array = NDArray[Any]


def _unwrap(img: Any, name: str, min_dim: int = 3) -> tuple[Array, bool]:
    """The array inside ``img`` and whether it was a Tensor; checks the (C, H, W) layout."""
    is_tensor = isinstance(img, Tensor)
    array = img.numpy(force=True) if is_tensor else img
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name}: expected a (C, H, W) numpy array or Tensor, got "
                        f"{type(img).__name__}")
    if array.ndim < min_dim:
        raise ValueError(f"{name}: expected an image of shape (C, H, W), got shape "
                         f"{array.shape}")
    return array, is_tensor


def _wrap(array: Array, is_tensor: bool) -> Any:
    return Tensor(array) if is_tensor else array


class Compose:
    """Apply transforms one after the other.

    Args:
        transforms: the transforms (callables), applied in order.
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"


class ToTensor:
    """Turn a (C, H, W) or (H, W) array into a float32 Tensor; uint8 values are scaled to [0, 1].

    Unlike torchvision's version (which reads (H, W, C) PIL images), the input is already
    channels-first, the layout of every dataset here; a (H, W) image gets one channel.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data.transforms import ToTensor
        >>> ToTensor()(np.full((1, 2, 2), 255, dtype=np.uint8)).tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def __call__(self, img: Any) -> Tensor:
        array, _ = _unwrap(img, "ToTensor", min_dim=2)
        if array.ndim == 2:
            array = array[None]
        if array.dtype == np.uint8:
            return Tensor(array.astype(np.float32) / np.float32(255))
        if array.dtype.kind not in "biuf":
            raise TypeError(f"ToTensor: expected numbers, got an array of dtype {array.dtype}")
        return Tensor(array.astype(np.float32))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """Subtract a per-channel mean and divide by a per-channel standard deviation.

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all); all must be non-zero.
        inplace: change the input array instead of returning a new one.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data.transforms import Normalize
        >>> Normalize([1.0, 2.0], [2.0, 2.0])(np.ones((2, 1, 1))).ravel().tolist()
        [0.0, -0.5]
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float,
                 inplace: bool = False) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError("Normalize: mean and std must be numbers or 1-D sequences")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std evaluated to zero after conversion to float64, "
                             f"leading to division by zero (std={self.std.tolist()})")
        self.inplace = inplace

    def __call__(self, img: Any) -> Any:
        array, is_tensor = _unwrap(img, "Normalize")
        channels = array.shape[-3]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if values.size not in (1, channels):
                raise ValueError(f"Normalize: {name} has {values.size} values but the image "
                                 f"has {channels} channels (shape {array.shape})")
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a floating-point image, got {array.dtype}; "
                            "put ToTensor() first")
        mean = self.mean.astype(array.dtype).reshape(-1, 1, 1)
        std = self.std.astype(array.dtype).reshape(-1, 1, 1)
        if self.inplace:
            array -= mean
            array /= std
            return img
        return _wrap((array - mean) / std, is_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomCrop:
    """Crop a random ``size`` window, after optionally padding the borders.

    The classic CIFAR-10 augmentation is ``RandomCrop(32, padding=4)``: pad by 4 pixels, then
    cut a random 32 x 32 window, so the image shifts by up to 4 pixels each way.

    Args:
        size: output (H, W), or an int for a square.
        padding: pixels added to each border before cropping: an int, (left/right,
            top/bottom) or (left, top, right, bottom), like torchvision.
        pad_if_needed: pad an image smaller than ``size`` up to it instead of failing.
        fill: the value of constant padding.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.
        generator: the random generator (the global one when None).
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0,
                 padding_mode: str = "constant", generator: Generator | None = None) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f"RandomCrop: size must be a positive int or (H, W), got {size!r}")
        self.padding = _padding(padding)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: padding_mode must be constant, edge, reflect or "
                             f"symmetric, got {padding_mode!r}")
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode
        self.generator = generator

    def __call__(self, img: Any) -> Any:
        array, is_tensor = _unwrap(img, "RandomCrop", min_dim=2)
        left, top, right, bottom = self.padding
        th, tw = self.size
        h, w = array.shape[-2] + top + bottom, array.shape[-1] + left + right
        if self.pad_if_needed:
            extra_h, extra_w = max(th - h, 0), max(tw - w, 0)
            top, bottom, left, right = top + extra_h, bottom + extra_h, left + extra_w, \
                right + extra_w
            h, w = h + 2 * extra_h, w + 2 * extra_w
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: the crop size {self.size} is larger than the "
                             f"(padded) image size {(h, w)}")
        if top or bottom or left or right:
            widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
            kwargs = {"constant_values": self.fill} if self.padding_mode == "constant" else {}
            array = np.pad(array, widths, mode=self.padding_mode,  # type: ignore[call-overload]
                           **kwargs)
        i = j = 0
        if (h, w) != (th, tw):  # torchvision's draws: torch.randint(0, h - th + 1, (1,)), ...
            gen = get_generator(self.generator, "RandomCrop")
            i = int(integers(gen, (1,), 0, h - th + 1, np.int64)[0])
            j = int(integers(gen, (1,), 0, w - tw + 1, np.int64)[0])
        return _wrap(np.ascontiguousarray(array[..., i:i + th, j:j + tw]), is_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


def _padding(padding: int | Sequence[int] | None) -> tuple[int, int, int, int]:
    """The padding argument (torchvision's forms) as (left, top, right, bottom)."""
    if padding is None:
        return (0, 0, 0, 0)
    values = [padding] if isinstance(padding, int) else list(padding)
    if len(values) not in (1, 2, 4) or any(not isinstance(v, int) or v < 0 for v in values):
        raise ValueError(f"RandomCrop: padding must be a non-negative int or a sequence of 2 or "
                         f"4 of them, got {padding!r}")
    if len(values) == 1:
        return (values[0],) * 4  # type: ignore[return-value]
    if len(values) == 2:
        return (values[0], values[1], values[0], values[1])
    return tuple(values)  # type: ignore[return-value]


class RandomHorizontalFlip:
    """Mirror the image left-right (the last axis) with probability ``p``.

    Args:
        p: the probability of flipping (default 0.5).
        generator: the random generator (the global one when None).
    """

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, img: Any) -> Any:
        array, is_tensor = _unwrap(img, "RandomHorizontalFlip", min_dim=2)
        gen = get_generator(self.generator, "RandomHorizontalFlip")
        if uniform(gen, (1,), np.float32)[0] < self.p:  # torchvision: torch.rand(1) < p
            return _wrap(np.ascontiguousarray(array[..., ::-1]), is_tensor)
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class Lambda:
    """Apply a user function as a transform.

    Args:
        lambd: the function, called with the image.
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return "Lambda()"
