"""scikit-learn's bundled 8x8 digits as an MNIST-style vision dataset (no files needed).

``Digits(train=True, size=8)`` gives the 8x8 images; ``size=28`` gives "MNIST-like" 28x28
images: each digit is upsampled to 20x20 (bilinear, PyTorch's ``interpolate(...,
mode="bilinear", align_corners=False)`` convention) and centred in a 28x28 frame with a
4-pixel border, the way MNIST's digits sit in their frame. Pixels become uint8 in 0..255
(scikit-learn stores 0..16), items are PIL images of mode ``'L'``, and the class names are
MNIST's, so code written for ``MNIST`` runs on ``Digits`` unchanged.

The split is ``tinygrad_edu.data.digits()``'s (stratified, fixed seed 0): the test set is
its 359-image test split, the training set its train and validation splits together (1438
images).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ...data.datasets import digits
from ...tensor import Tensor
from .mnist import MNIST, as_array
from .vision import VisionDataset

__all__ = ["Digits", "bilinear_matrix"]

Array = NDArray[Any]
_INNER, _FRAME = 20, 28  # MNIST: a 20x20 digit in a 28x28 frame


def bilinear_matrix(n_in: int, n_out: int) -> Array:
    """The (n_out, n_in) matrix of 1-d linear resizing with half-pixel centres.

    Output pixel ``i`` samples the input at ``src = (i + 0.5) * n_in / n_out - 0.5``
    (clamped at 0) and mixes its two neighbours ``floor(src)`` and ``floor(src) + 1``
    (clamped at the last pixel) with weights ``1 - frac`` and ``frac``. An image resizes as
    ``A @ image @ A.T``: bilinear is linear along rows, then along columns.
    """
    a = np.zeros((n_out, n_in))
    for i in range(n_out):
        src = max((i + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = min(math.floor(src), n_in - 1)
        i1 = min(i0 + 1, n_in - 1)
        frac = src - i0
        a[i, i0] += 1.0 - frac
        a[i, i1] += frac
    return a


def _to_uint8(values: Array) -> Array:
    """0..1 floats to uint8 0..255, rounding to nearest (x.5 up)."""
    return np.clip(np.floor(values * 255.0 + 0.5), 0, 255).astype(np.uint8)


def _mnist_like(images: Array) -> Array:
    """(N, 8, 8) in 0..1 -> (N, 28, 28) uint8: upsampled to 20x20, centred with 4 zeros."""
    a = bilinear_matrix(images.shape[-1], _INNER)
    inner = a @ images @ a.T
    border = (_FRAME - _INNER) // 2
    out = np.zeros((len(images), _FRAME, _FRAME), dtype=np.uint8)
    out[:, border:border + _INNER, border:border + _INNER] = _to_uint8(inner)
    return out


class Digits(VisionDataset):
    """scikit-learn's handwritten digits with MNIST's interface.

    Args:
        root: ignored (the images come with scikit-learn); kept for torchvision-style calls.
        train: the 1438 training images or the 359 test images.
        size: 8 for the original 8x8 images, 28 for MNIST-like 28x28 ones.
        transform: applied to each image, a PIL image of mode ``'L'``.
        target_transform: applied to each label (an int).
        download: accepted and ignored (nothing to download).

    Attributes:
        data: uint8 Tensor (N, size, size). targets: int64 Tensor (N,). classes, class_to_idx.

    Example:
        >>> from tinygrad_edu.vision.datasets import Digits
        >>> ds = Digits(train=False, size=28)
        >>> len(ds), ds[0][0].size, ds[0][0].mode
        (359, (28, 28), 'L')
    """

    classes = MNIST.classes

    def __init__(self, root: str | Path | None = None, train: bool = True, size: int = 8,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        if size not in (8, 28):
            raise ValueError(f"Digits: size must be 8 (the original images) or 28 "
                             f"(MNIST-like), got {size!r}")
        self.train, self.size = train, size
        splits = digits()  # images (N, 1, 8, 8) in [0, 1], exactly v / 16
        parts = (splits.train, splits.val) if train else (splits.test,)
        images = np.concatenate([np.asarray(p.tensors[0])[:, 0] for p in parts]).astype(np.float64)
        labels = np.concatenate([np.asarray(p.tensors[1]) for p in parts]).astype(np.int64)
        pixels = _to_uint8(images) if size == 8 else _mnist_like(images)
        self.data, self.targets = Tensor(pixels), Tensor(labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = as_array(self.data)[index], int(as_array(self.targets)[index])
        return self._apply_transforms(Image.fromarray(img, mode="L"), target)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}\nSize: {self.size}x{self.size}"
