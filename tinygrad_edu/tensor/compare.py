"""Comparisons, tests and bit logic: ``eq``/``lt``/... by name, ``isclose``, ``isnan``,
``logical_and``, ``<<`` and friends.

None of these is differentiable: each gives a bool (or integer) tensor with no graph. The
comparison methods call the same registered ops as the operators (``x.lt(y)`` is ``x < y``);
the rest are one numpy call on the tensor's array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import broadcast_shape
from .base import TensorBase
from .convert import as_tensor_like


def _tensor_arg(name: str, other: Any) -> None:
    """TypeError when ``other`` is not a Tensor (PyTorch's message for these functions)."""
    if not isinstance(other, TensorBase):
        raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")


def _same_dtype(name: str, a: Any, b: Any) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(f"{name}: expected both inputs to have the same dtype, got "
                           f"{a.dtype} and {b.dtype}")


class CompareMixin(TensorBase):
    """Comparisons by name, closeness, nan/inf tests, logical and bitwise ops."""

    # ------------------------------------------------------------------ comparisons by name

    def eq(self, other: Any) -> Any:
        """self == other, elementwise (a bool tensor)."""
        return self == other

    def ne(self, other: Any) -> Any:
        """self != other, elementwise."""
        return self != other

    def lt(self, other: Any) -> Any:
        """self < other, elementwise."""
        return self < other

    def le(self, other: Any) -> Any:
        """self <= other, elementwise."""
        return self <= other

    def gt(self, other: Any) -> Any:
        """self > other, elementwise."""
        return self > other

    def ge(self, other: Any) -> Any:
        """self >= other, elementwise."""
        return self >= other

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def equal(self, other: Any) -> bool:
        """True when both tensors have the same shape and equal elements (a Python bool)."""
        _tensor_arg("equal", other)
        if self.shape != other.shape:
            return False
        return bool((self == other)._data.all())

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Any:
        """|self - other| <= atol + rtol * |other|, elementwise (infinities close to
        themselves; nan close to nan only with ``equal_nan``)."""
        _tensor_arg("isclose", other)
        _same_dtype("isclose", self, other)
        if rtol < 0 or atol < 0:
            raise RuntimeError(f"isclose: rtol and atol must be greater than or equal to zero, "
                               f"got rtol={rtol}, atol={atol}")
        broadcast_shape("isclose", self.shape, other.shape)
        a, b = self._data, other._data
        close = a == b
        if a.dtype.kind == "b":
            return self._wrap(close)
        if a.dtype.kind != "f":  # integers: compare in float32, PyTorch's default dtype
            a, b = a.astype(np.float32), b.astype(np.float32)
        if equal_nan:
            close = close | (np.isnan(a) & np.isnan(b))
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - b)
            allowed = atol + np.abs(rtol * b)
            close = close | (np.isfinite(diff) & (diff <= allowed))
        return self._wrap(np.asarray(close))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """True when every element is ``isclose`` (a Python bool)."""
        return bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def __contains__(self, element: Any) -> bool:
        """``value in t``: whether any element equals ``value``."""
        if not isinstance(element, TensorBase | int | float | bool | np.number):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you "
                               f"passed in a {type(element)}.")
        return bool((self == element)._data.any())

    # ------------------------------------------------------------------ nan, inf, sign

    def isnan(self) -> Any:
        """True where x is nan."""
        return self._wrap(np.isnan(self._data) if self.dtype.kind == "f" else
                          np.zeros(self.shape, dtype=bool))

    def isinf(self) -> Any:
        """True where x is +inf or -inf."""
        return self._wrap(np.isinf(self._data) if self.dtype.kind == "f" else
                          np.zeros(self.shape, dtype=bool))

    def isposinf(self) -> Any:
        """True where x is +inf."""
        return self._wrap(np.isposinf(self._data) if self.dtype.kind == "f" else
                          np.zeros(self.shape, dtype=bool))

    def isneginf(self) -> Any:
        """True where x is -inf."""
        return self._wrap(np.isneginf(self._data) if self.dtype.kind == "f" else
                          np.zeros(self.shape, dtype=bool))

    def isfinite(self) -> Any:
        """True where x is neither inf nor nan."""
        return self._wrap(np.isfinite(self._data) if self.dtype.kind == "f" else
                          np.ones(self.shape, dtype=bool))

    def isreal(self) -> Any:
        """True everywhere: there are no complex tensors here."""
        return self._wrap(np.ones(self.shape, dtype=bool))

    def signbit(self) -> Any:
        """True where the sign bit is set: negative numbers and -0.0."""
        return self._wrap(np.signbit(self._data) if self.dtype.kind != "b" else
                          np.zeros(self.shape, dtype=bool))

    # ------------------------------------------------------------------ logical

    def _logical(self, name: str, ufunc: np.ufunc, other: Any) -> Any:
        _tensor_arg(name, other)
        broadcast_shape(name, self.shape, other.shape)
        return self._wrap(np.asarray(ufunc(self._data != 0, other._data != 0)))

    def logical_and(self, other: Any) -> Any:
        """Elementwise ``and`` of the truth values (nonzero is True)."""
        return self._logical("logical_and", np.logical_and, other)

    def logical_or(self, other: Any) -> Any:
        """Elementwise ``or`` of the truth values."""
        return self._logical("logical_or", np.logical_or, other)

    def logical_xor(self, other: Any) -> Any:
        """Elementwise ``xor`` of the truth values."""
        return self._logical("logical_xor", np.logical_xor, other)

    def logical_not(self) -> Any:
        """Elementwise ``not`` of the truth values (True where x == 0)."""
        return self._wrap(np.asarray(self._data == 0))

    # ------------------------------------------------------------------ bitwise

    def _bits(self, name: str, ufunc: np.ufunc, other: Any, reverse: bool = False) -> Any:
        """``ufunc`` on two bool or integer operands (numbers adopt this tensor's dtype)."""
        b = as_tensor_like(other, self)
        if self.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(f"{name}: expected bool or integer tensors, got {self.dtype} and "
                            f"{b.dtype}")
        broadcast_shape(name, self.shape, b.shape)
        x, y = (b._data, self._data) if reverse else (self._data, b._data)
        return self._wrap(np.asarray(ufunc(x, y)))

    def _shift(self, name: str, ufunc: np.ufunc, other: Any, reverse: bool = False) -> Any:
        """A shift of integers (bools shift as int64, as in PyTorch)."""
        other_kind = other.dtype.kind if isinstance(other, TensorBase) else \
            ("b" if isinstance(other, bool | np.bool_) else "i")
        if self.dtype.kind == "b" and other_kind == "b":
            raise NotImplementedError(f"{name}: not implemented for two bool operands")
        x = self._wrap(self._data.astype(np.int64)) if self.dtype.kind == "b" else self
        return x._bits(name, ufunc, other, reverse)

    def bitwise_and(self, other: Any) -> Any:
        """Bitwise ``&`` (logical and for bools)."""
        return self._bits("bitwise_and", np.bitwise_and, other)

    def bitwise_or(self, other: Any) -> Any:
        """Bitwise ``|``."""
        return self._bits("bitwise_or", np.bitwise_or, other)

    def bitwise_xor(self, other: Any) -> Any:
        """Bitwise ``^``."""
        return self._bits("bitwise_xor", np.bitwise_xor, other)

    def bitwise_not(self) -> Any:
        """Bitwise ``~`` (logical not for bools)."""
        if self.dtype.kind not in "biu":
            raise TypeError(f"~ (bitwise_not) is only implemented on integer and bool "
                            f"tensors, got {self.dtype}")
        return self._wrap(np.asarray(~self._data))

    def bitwise_left_shift(self, other: Any) -> Any:
        """self << other: the bits moved left (times 2**other)."""
        return self._shift("bitwise_left_shift", np.left_shift, other)

    def bitwise_right_shift(self, other: Any) -> Any:
        """self >> other: the bits moved right, keeping the sign (floor of self / 2**other)."""
        return self._shift("bitwise_right_shift", np.right_shift, other)

    def __lshift__(self, other: Any) -> Any:
        return self.bitwise_left_shift(other)

    def __rshift__(self, other: Any) -> Any:
        return self.bitwise_right_shift(other)

    def __rlshift__(self, other: Any) -> Any:
        return self._shift("bitwise_left_shift", np.left_shift, other, reverse=True)

    def __rrshift__(self, other: Any) -> Any:
        return self._shift("bitwise_right_shift", np.right_shift, other, reverse=True)

    def __rand__(self, other: Any) -> Any:
        return self._bits("& (bitwise and)", np.bitwise_and, other, reverse=True)

    def __ror__(self, other: Any) -> Any:
        return self._bits("| (bitwise or)", np.bitwise_or, other, reverse=True)

    def __rxor__(self, other: Any) -> Any:
        return self._bits("^ (bitwise xor)", np.bitwise_xor, other, reverse=True)
