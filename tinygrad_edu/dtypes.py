"""Dtypes, devices and PyTorch's type promotion rules, on numpy dtypes.

A tinygrad_edu dtype *is* a ``numpy.dtype``: ``tg.float32 == np.dtype('float32')``. The
supported ones are float32 (the default), float64, int64 and bool.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

float32 = float = np.dtype(np.float32)  # noqa: A001 - PyTorch's alias
float64 = double = np.dtype(np.float64)
int64 = long = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
int32 = np.dtype(np.int32)

SUPPORTED = (float32, float64, int64, bool_, int32)
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def to_dtype(dtype: Any, where: str = "dtype") -> np.dtype[Any]:
    """Turn a dtype-like (``tg.float64``, ``np.float32``, ``'float32'``, ``float``) into ours."""
    if dtype is bool:
        return bool_
    if dtype is int:
        return int64
    if dtype is builtins.float:
        return float32
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: {dtype!r} is not a dtype; expected one of "
                        "tg.float32, tg.float64, tg.int64, tg.bool") from None
    if d not in SUPPORTED:
        raise TypeError(f"{where}: dtype {d} is not supported; expected one of "
                        "float32, float64, int64, int32, bool")
    return d


def category(dtype: np.dtype[Any]) -> int:
    """0 for bool, 1 for integers, 2 for floats: PyTorch promotes to the higher category."""
    return _CATEGORY[dtype.kind]


def promote(a: np.dtype[Any], a_is_scalar: bool, b: np.dtype[Any], b_is_scalar: bool
            ) -> np.dtype[Any]:
    """PyTorch's result dtype of a binary op between two tensors.

    The higher category wins; within a category a tensor with dimensions beats a 0-d tensor
    (``float32 vector + float64 0-d -> float32``), otherwise the wider dtype wins.
    """
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    if a_is_scalar != b_is_scalar:
        return b if a_is_scalar else a
    return np.promote_types(a, b)


def scalar_dtype(tensor_dtype: np.dtype[Any], value: object) -> np.dtype[Any]:
    """Result dtype of ``tensor op python_number`` (the number adopts the tensor's dtype).

    A float number with an integer or bool tensor gives float32 (the default float); an int
    number with a bool tensor gives int64.
    """
    if isinstance(value, bool | np.bool_):
        return tensor_dtype
    if isinstance(value, int | np.integer):
        return int64 if tensor_dtype.kind == "b" else tensor_dtype
    if isinstance(value, builtins.float | np.floating):
        return tensor_dtype if tensor_dtype.kind == "f" else float32
    raise TypeError(f"unsupported operand type {type(value).__name__}; expected a Tensor, "
                    "a number or a numpy array")


# devices live in device.py; these names stay importable from here for older callers
from .device import check_device, device  # noqa: E402,F401
