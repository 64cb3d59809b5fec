"""Input checks shared by the classic functions.

Every message names the function, the argument, what it got and what was expected, so a
student sees their own mistake instead of a numpy traceback from deep inside a kernel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


def describe(value: Any) -> str:
    """A short description of ``value``: shape and dtype for arrays, the type otherwise."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def array(name: str, arg: str, value: Any, ndim: int | tuple[int, ...] | None = None,
          floating: bool = True) -> Array:
    """``value`` as an ndarray, checked: a floating (or integer) array of the right rank."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: {arg} must be a numpy array, got {describe(value)}")
    if floating and value.dtype.kind != "f":
        raise TypeError(f"{name}: {arg} must be a floating-point array (float32 or float64), "
                        f"got dtype {value.dtype}")
    if not floating and value.dtype.kind not in "iu":
        raise TypeError(f"{name}: {arg} must be an integer array, got dtype {value.dtype}")
    ranks = (ndim,) if isinstance(ndim, int) else ndim
    if ranks is not None and value.ndim not in ranks:
        expected = " or ".join(str(r) for r in ranks)
        raise ValueError(f"{name}: {arg} must have {expected} dimensions, got shape "
                         f"{value.shape}")
    return value


def shape(name: str, arg: str, value: Array, expected: tuple[int, ...], meaning: str) -> None:
    """Raise ValueError unless ``value.shape == expected`` (``meaning`` explains why)."""
    if value.shape != expected:
        raise ValueError(f"{name}: {arg} must have shape {expected} ({meaning}), got "
                         f"{value.shape}")


def param_dict(name: str, arg: str, value: Any) -> Any:
    """The dict parameter (conv_param, bn_param, ...) itself, checked to be a mapping."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name}: {arg} must be a dict, got {describe(value)}")
    return value


def positive_int(name: str, arg: str, params: Mapping[str, Any], key: str,
                 minimum: int = 1) -> int:
    """params[key] as an int >= minimum, with a message naming the missing or bad key."""
    if key not in params:
        raise ValueError(f"{name}: {arg} has no {key!r} entry; got keys {sorted(params)}")
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}: {arg}[{key!r}] must be an int >= {minimum}, got {value!r}")
    return int(value)


def mode(name: str, arg: str, params: Mapping[str, Any], default: str | None = None) -> str:
    """params['mode'], which must be 'train' or 'test'."""
    value = params.get("mode", default)
    if value not in ("train", "test"):
        raise ValueError(f"{name}: {arg}['mode'] must be 'train' or 'test', got {value!r}")
    return str(value)


def labels(name: str, y: Any, n: int, classes: int) -> Array:
    """Integer labels (N,) in [0, classes)."""
    y = array(name, "y", y, 1, floating=False)
    if y.shape[0] != n:
        raise ValueError(f"{name}: y must hold one label per row of x ({n}), got shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"{name}: labels must be in [0, {classes - 1}] (x has {classes} "
                         f"columns), got values from {y.min()} to {y.max()}")
    return y
