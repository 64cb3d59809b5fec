"""CIFAR-10 the way the course's notebooks load it.

Both functions read the "CIFAR-10 python version" batch files with ``tinygrad_edu.data``'s
reader (validated, nothing in the files is executed; see ``tinygrad_edu.data.load_cifar10``).
Nothing is downloaded: get the files from https://www.cs.toronto.edu/~kriz/cifar.html, or
write a small stand-in with ``tinygrad_edu.data.synthetic_cifar10``.

Example:
    >>> import tempfile
    >>> from tinygrad_edu.data import synthetic_cifar10
    >>> from tinygrad_edu.classic.data_utils import get_CIFAR10_data
    >>> root = synthetic_cifar10(tempfile.mkdtemp(), n=30, n_test=5).parent
    >>> data = get_CIFAR10_data(num_training=20, num_validation=5, num_test=5, root=root)
    >>> data["X_train"].shape, data["X_val"].shape, data["y_test"].shape
    ((20, 3, 32, 32), (5, 3, 32, 32), (5,))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..data import load_cifar10

Array = NDArray[Any]

__all__ = ["get_CIFAR10_data", "load_CIFAR10"]

ROOT_VARIABLE = "CIFAR10_ROOT"  # where get_CIFAR10_data looks when no root is given


def load_CIFAR10(root: str | os.PathLike[str]) -> tuple[Array, Array, Array, Array]:  # noqa: N802
    """All of CIFAR-10 as the course loads it: ``X_train, y_train, X_test, y_test``.

    Args:
        root: the folder ``cifar-10-batches-py`` or the folder holding it.

    Returns:
        Images as float64 arrays (N, 32, 32, 3), channels LAST (the course's layout here;
        ``get_CIFAR10_data`` transposes to channels first), and int64 labels (N,).
    """
    X_train, y_train, X_test, y_test = load_cifar10(Path(root))  # noqa: N806
    return (X_train.transpose(0, 2, 3, 1).astype(np.float64), y_train,
            X_test.transpose(0, 2, 3, 1).astype(np.float64), y_test)


def get_CIFAR10_data(num_training: int = 49000, num_validation: int = 1000,  # noqa: N802
                     num_test: int = 1000, subtract_mean: bool = True,
                     root: str | os.PathLike[str] | None = None) -> dict[str, Array]:
    """CIFAR-10 split into train/validation/test, mean-subtracted, channels first.

    The validation rows are the ``num_validation`` training images after the first
    ``num_training``; the test rows the first ``num_test`` test images. With
    ``subtract_mean`` the mean training image is subtracted from all three.

    Args:
        num_training, num_validation, num_test: the split sizes.
        subtract_mean: subtract the mean training image.
        root: the data folder; default ``$CIFAR10_ROOT``, else ``data`` in the current
            directory (where ``examples/train_cifar10.py`` looks).

    Returns:
        A dict with 'X_train', 'y_train', 'X_val', 'y_val', 'X_test', 'y_test'; images
        float64 (N, 3, 32, 32).
    """
    for name, value in (("num_training", num_training), ("num_validation", num_validation),
                        ("num_test", num_test)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"get_CIFAR10_data: {name} must be an int >= 0, got {value!r}")
    folder = Path(root if root is not None else os.environ.get(ROOT_VARIABLE, "data"))
    X_train, y_train, X_test, y_test = load_CIFAR10(folder)  # noqa: N806
    if num_training + num_validation > X_train.shape[0] or num_test > X_test.shape[0]:
        raise ValueError(f"get_CIFAR10_data: asked for {num_training} + {num_validation} "
                         f"training/validation and {num_test} test images, but {folder} holds "
                         f"{X_train.shape[0]} training and {X_test.shape[0]} test images")
    X_val = X_train[num_training:num_training + num_validation]  # noqa: N806
    y_val = y_train[num_training:num_training + num_validation]
    X_train, y_train = X_train[:num_training], y_train[:num_training]  # noqa: N806
    X_test, y_test = X_test[:num_test], y_test[:num_test]  # noqa: N806
    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train, X_val, X_test = X_train - mean_image, X_val - mean_image, X_test - mean_image  # noqa: N806
    channels_first = {name: x.transpose(0, 3, 1, 2).copy()
                      for name, x in (("X_train", X_train), ("X_val", X_val), ("X_test", X_test))}
    return {"X_train": channels_first["X_train"], "y_train": y_train,
            "X_val": channels_first["X_val"], "y_val": y_val,
            "X_test": channels_first["X_test"], "y_test": y_test}
