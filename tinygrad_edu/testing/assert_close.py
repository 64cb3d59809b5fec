"""``assert_close``: PyTorch's ``torch.testing.assert_close`` for tinygrad_edu values.

Compares two Tensors (or numpy arrays, numbers, or sequences and mappings of them) and raises
an ``AssertionError`` that says how they differ, in torch's words: the number of mismatched
elements and the greatest absolute and relative differences with their index. Two values are
close when ``|actual - expected| <= atol + rtol * |expected|`` elementwise; the default
tolerances depend on the dtype, as in torch (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7
both; integers and bools must be equal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..tensor import Size, Tensor
from ..tensor.printing import torch_dtype_name

__all__ = ["assert_close"]

#: dtype name -> (rtol, atol), torch's defaults; other dtypes compare exactly.
PRECISIONS = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5),
              "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def assert_close(actual: Any, expected: Any, *, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_dtype: bool = True,
                 check_device: bool = True, msg: str | None = None, **_: Any) -> None:
    """Raise an ``AssertionError`` unless ``actual`` and ``expected`` are close.

    Example:
        >>> import tinygrad_edu as tg
        >>> assert_close(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0 + 1e-7]))
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'atol' if atol is None else 'rtol'}.")
    _compare(actual, expected, (rtol, atol), equal_nan, check_dtype, msg, "")


def _fail(message: str, msg: str | None, where: str) -> None:
    if msg is not None:
        raise AssertionError(msg)
    raise AssertionError(message + (f"\n\nThe failure occurred for item {where}" if where else ""))


def _compare(actual: Any, expected: Any, tols: tuple[float | None, float | None],
             equal_nan: bool, check_dtype: bool, msg: str | None, where: str) -> None:
    tensor_like = (Tensor, np.ndarray)
    if isinstance(actual, tensor_like) and isinstance(expected, tensor_like) \
            and type(actual) is type(expected):
        _compare_arrays(np.asarray(actual), np.asarray(expected), tols, equal_nan, check_dtype,
                        msg, where)
    elif isinstance(actual, bool | int | float) and isinstance(expected, bool | int | float):
        _compare_scalars(actual, expected, tols, equal_nan, msg, where)
    elif isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            _fail("The keys of the mappings do not match:\n"
                  f"Missing keys in the actual mapping: {sorted(set(expected) - set(actual))}\n"
                  f"Additional keys in the actual mapping: "
                  f"{sorted(set(actual) - set(expected))}", msg, where)
        for key in actual:
            _compare(actual[key], expected[key], tols, equal_nan, check_dtype, msg,
                     f"{where}[{key!r}]")
    elif isinstance(actual, Sequence) and isinstance(expected, Sequence) \
            and not isinstance(actual, str):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                  msg, where)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _compare(a, e, tols, equal_nan, check_dtype, msg, f"{where}[{i}]")
    else:
        raise TypeError(f"No comparison pair was able to handle inputs of type "
                        f"{type(actual)} and {type(expected)}.")


def _tolerances(dtype: np.dtype[Any], tols: tuple[float | None, float | None]
                ) -> tuple[float, float]:
    if tols[0] is not None and tols[1] is not None:
        return tols[0], tols[1]
    return PRECISIONS.get(dtype.name, (0.0, 0.0))


def _compare_arrays(a: np.ndarray[Any, Any], e: np.ndarray[Any, Any],
                    tols: tuple[float | None, float | None], equal_nan: bool,
                    check_dtype: bool, msg: str | None, where: str) -> None:
    if a.shape != e.shape:
        _fail(f"The values for attribute 'shape' do not match: {Size(a.shape)} != "
              f"{Size(e.shape)}.", msg, where)
    if check_dtype and a.dtype != e.dtype:
        _fail(f"The values for attribute 'dtype' do not match: {torch_dtype_name(a.dtype)} != "
              f"{torch_dtype_name(e.dtype)}.", msg, where)
    rtol, atol = _tolerances(np.promote_types(a.dtype, e.dtype), tols)
    if a.dtype.kind != "f":  # integers and bools: differences in int64, like torch
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        matches = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan) | (a == e)
    if matches.all():
        return
    if a.ndim == 0:
        _compare_scalars(a.item(), e.item(), (rtol, atol), equal_nan, msg, where)
        return
    flat_a, flat_e, flat_m = a.ravel(), e.ravel(), matches.ravel()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(flat_a - flat_e)
        abs_diff[flat_m] = 0
        rel_diff = abs_diff / np.abs(flat_e)
        rel_diff[flat_m] = 0
    if a.dtype.kind != "f":
        rel_diff = rel_diff.astype(np.float32)  # torch divides int64 tensors into float32
    mismatches = int(flat_m.size - flat_m.sum())
    lines = [f"Mismatched elements: {mismatches} / {flat_m.size} ({mismatches / flat_m.size:.1%})"]
    for kind, diff, tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        i = _argmax_nan_first(diff)
        index = tuple(int(k) for k in np.unravel_index(i, a.shape))
        lines.append(f"Greatest {kind} difference: {diff[i].item()} at index {index}"
                     + _allowed(tol, rtol, atol))
    _fail(f"Tensor-likes are not {_verb(rtol, atol)}!\n\n" + "\n".join(lines), msg, where)


def _argmax_nan_first(x: np.ndarray[Any, Any]) -> int:
    """torch.max's index: the first NaN if there is one, else the first maximum."""
    nan = np.flatnonzero(np.isnan(x)) if x.dtype.kind == "f" else ()
    return int(nan[0]) if len(nan) else int(np.argmax(x))


def _verb(rtol: float, atol: float) -> str:
    return "equal" if rtol == 0 and atol == 0 else "close"


def _allowed(tol: float, rtol: float, atol: float) -> str:
    return "" if rtol == 0 and atol == 0 else f" (up to {tol} allowed)"


def _compare_scalars(actual: Any, expected: Any, tols: tuple[float | None, float | None],
                     equal_nan: bool, msg: str | None, where: str) -> None:
    exact = all(isinstance(v, bool | int | np.integer | np.bool_) for v in (actual, expected))
    rtol, atol = _tolerances(np.dtype(np.int64 if exact else np.float64), tols)
    if actual == expected or (equal_nan and actual != actual and expected != expected):
        return
    abs_diff = abs(actual - expected)
    if abs_diff <= atol + rtol * abs(expected):
        return
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    _fail(f"Scalars are not {_verb(rtol, atol)}!\n\nExpected {expected} but got {actual}.\n"
          f"Absolute difference: {abs_diff}{_allowed(atol, rtol, atol)}\n"
          f"Relative difference: {rel_diff}{_allowed(rtol, rtol, atol)}", msg, where)
