"""Arithmetic: operators, elementwise math, comparisons, ``where`` and matrix products.

Every method is a call of a registered op (``tinygrad_edu/ops/elementwise.py``,
``ops/matmul.py``) after PyTorch's argument rules: numbers adopt the tensor's dtype, two
tensors promote to a common dtype (``convert.prepare_binary``), shapes broadcast, integer
division gives floats.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import OPS, apply_op, relabel
from ..checks import broadcast_shape
from .base import TensorBase
from .convert import as_array, as_tensor_like, prepare_binary


def where(condition: Any, x: Any, y: Any) -> Any:
    """Elementwise ``x if condition else y``; x and y are promoted to one dtype."""
    if condition.dtype.kind != "b":
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {condition.dtype}")
    try:
        np.broadcast_shapes(condition.shape, x.shape, y.shape)
    except ValueError:
        raise RuntimeError(f"where: shapes do not broadcast together: condition {condition.shape}"
                           f", x {x.shape}, y {y.shape}") from None
    dtype = dtypes.promote(x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    return apply_op(OPS["where"], condition, x.type(dtype), y.type(dtype))


def matmul(a: Any, b: Any) -> Any:
    """Matrix product with broadcast batch dims (``torch.matmul``)."""
    if not isinstance(a, TensorBase):
        a = as_tensor_like(a, b) if isinstance(b, TensorBase) else None
        if a is None:
            raise TypeError("matmul: expected at least one Tensor argument")
    b = as_tensor_like(b, a)
    ka = a.shape[-1] if a.ndim else None
    kb = (b.shape[-2] if b.ndim >= 2 else b.shape[0]) if b.ndim else None
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{a.shape} and {b.shape}")
    if ka != kb:
        rows = int(np.prod(a.shape[:-1])) if a.ndim > 1 else 1
        cols = b.shape[-1] if b.ndim >= 2 else 1
        raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied ({rows}x{ka} and "
                           f"{kb}x{cols}); got tensors of shapes {a.shape} and {b.shape}, and "
                           "the last dim of the first must equal the first matrix dim of the "
                           "second")
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shape("matmul (batch dims)", a.shape[:-2], b.shape[:-2])
    if a.dtype != b.dtype and a.dtype.kind == b.dtype.kind == "f":  # float32 with float64
        dtype = dtypes.promote(a.dtype, False, b.dtype, False)
        a, b = a.type(dtype), b.type(dtype)
    return apply_op(OPS["matmul"], a, b)  # else one dtype for both (the op's declared dtypes)


def _true_div(a: Any, other: Any) -> Any:
    """Division always gives floats (``int / int`` is float32, like PyTorch)."""
    b = as_tensor_like(other, a)
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        a, b = a._floating(), b._floating()
    return a._binary("div", b)


class ArithmeticMixin(TensorBase):
    """Operators and elementwise math."""

    def _binary(self, name: str, other: Any, reverse: bool = False) -> Any:
        a, b = self, other
        # two tensors of one dtype and shape need no preparing (dtypes are compared by
        # identity first: numpy keeps one dtype object per native type, and this runs per op)
        if not isinstance(b, TensorBase) or (a._data.dtype is not b._data.dtype and
                                             a._data.dtype != b._data.dtype) or \
                a._data.shape != b._data.shape:
            a, b = prepare_binary(name, a, b)
        if reverse:
            a, b = b, a
        return apply_op(OPS[name], a, b)

    def __add__(self, other: Any) -> Any:
        return self._binary("add", other)

    def __radd__(self, other: Any) -> Any:
        return self._binary("add", other, reverse=True)

    def _no_bool_sub(self, other: Any) -> None:
        """PyTorch refuses ``-`` when either side is bool (to invert a mask use ``~``)."""
        if self.dtype.kind == "b" or isinstance(other, bool | np.bool_) or (
                isinstance(other, TensorBase) and other.dtype.kind == "b"):
            raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not "
                               "supported; to invert a mask use `~` or logical_not()")

    def __sub__(self, other: Any) -> Any:
        self._no_bool_sub(other)
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> Any:
        self._no_bool_sub(other)
        return self._binary("sub", other, reverse=True)

    def __mul__(self, other: Any) -> Any:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> Any:
        return self._binary("mul", other, reverse=True)

    def __truediv__(self, other: Any) -> Any:
        return _true_div(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _true_div(as_tensor_like(other, self), self)

    def _no_bool_pow(self, other: Any) -> None:
        """PyTorch has no ``bool ** bool`` for a bool tensor exponent (``b ** True`` works)."""
        if self.dtype.kind == "b" and (isinstance(other, bool | np.bool_) or (
                isinstance(other, TensorBase) and other.dtype.kind == "b")):
            raise NotImplementedError("pow: not implemented for a bool base with a bool "
                                      "tensor exponent; convert one to int or float")

    def __pow__(self, other: Any) -> Any:
        if isinstance(other, TensorBase):
            self._no_bool_pow(other)
        return self._binary("pow", other)

    def __rpow__(self, other: Any) -> Any:
        self._no_bool_pow(other)
        return self._binary("pow", other, reverse=True)

    def __matmul__(self, other: Any) -> Any:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return matmul(as_tensor_like(other, self), self)

    def __neg__(self) -> Any:
        return self.neg()

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return self.abs()

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._binary("eq", other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._binary("ne", other)

    def __lt__(self, other: Any) -> Any:
        return self._binary("lt", other)

    def __le__(self, other: Any) -> Any:
        return self._binary("le", other)

    def __gt__(self, other: Any) -> Any:
        return self._binary("gt", other)

    def __ge__(self, other: Any) -> Any:
        return self._binary("ge", other)

    __hash__ = object.__hash__  # == is elementwise, so hashing goes by identity

    def __invert__(self) -> Any:
        if self.dtype.kind not in "biu":
            raise TypeError(f"~ (bitwise not; logical not for bool) is only implemented on "
                            f"integer and bool tensors, got {self.dtype}")
        return self._wrap(~self._data)

    def _bitwise(self, name: str, other: Any) -> tuple[Any, Any]:
        b = as_tensor_like(other, self)
        if self.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(f"{name}: expected bool or integer tensors, got {self.dtype} and "
                            f"{b.dtype}")
        broadcast_shape(name, self.shape, b.shape)
        return self._data, b._data

    def __and__(self, other: Any) -> Any:
        a, b = self._bitwise("& (bitwise and)", other)
        return self._wrap(a & b)

    def __or__(self, other: Any) -> Any:
        a, b = self._bitwise("| (bitwise or)", other)
        return self._wrap(a | b)

    def __xor__(self, other: Any) -> Any:
        a, b = self._bitwise("^ (bitwise xor)", other)
        return self._wrap(a ^ b)

    def _scaled(self, name: str, other: Any, alpha: Any) -> Any:
        """alpha * other for add/sub (a float alpha with integer tensors is an error)."""
        if alpha == 1:
            return other
        if isinstance(alpha, float) and self.dtype.kind in "biu" and (
                not isinstance(other, TensorBase) or other.dtype.kind in "biu"):
            raise RuntimeError(f"{name}: for integral input tensors, argument alpha must not "
                               f"be a floating point number, got {alpha}")
        return other * alpha

    def add(self, other: Any, alpha: Any = 1) -> Any:
        """self + alpha * other."""
        return self + self._scaled("add", other, alpha)

    def sub(self, other: Any, alpha: Any = 1) -> Any:
        """self - alpha * other."""
        return self - self._scaled("sub", other, alpha)

    def mul(self, other: Any) -> Any:
        """self * other."""
        return self * other

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        """self / other: true division, or rounded toward minus infinity
        (``rounding_mode='floor'``, Python's ``//``) or toward zero (``'trunc'``)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return self.floor_divide(other)  # type: ignore[attr-defined]
        if rounding_mode == "trunc":
            a, b = prepare_binary("div", self, other)
            return apply_op(OPS["trunc_divide"], a, b)
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found {rounding_mode!r}")

    def float_power(self, exponent: Any) -> Any:
        """``self ** exponent`` computed in float64 (torch's ``float_power``)."""
        if isinstance(exponent, TensorBase):
            exponent = exponent.double()
        return self.double().pow(exponent)

    def pow(self, exponent: Any) -> Any:
        """self ** exponent."""
        return self**exponent

    def matmul(self, other: Any) -> Any:
        """Matrix product (see ``tg.matmul``)."""
        return matmul(self, other)

    def mm(self, other: Any) -> Any:
        """Product of two matrices (2-D only, like ``torch.mm``)."""
        other = as_tensor_like(other, self)
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(f"mm: expected 2-D tensors, got shapes {self.shape} and "
                               f"{other.shape}; use matmul for batches")
        return matmul(self, other)

    def maximum(self, other: Any) -> Any:
        """Elementwise maximum (ties split the gradient)."""
        return self._binary("maximum", other)

    def minimum(self, other: Any) -> Any:
        """Elementwise minimum (ties split the gradient)."""
        return self._binary("minimum", other)

    # ------------------------------------------------------------------ elementwise math

    def exp(self) -> Any:
        """e ** self."""
        return apply_op(OPS["exp"], self._floating())

    def log(self) -> Any:
        """Natural logarithm."""
        return apply_op(OPS["log"], self._floating())

    def sqrt(self) -> Any:
        """Square root."""
        return apply_op(OPS["sqrt"], self._floating())

    def sin(self) -> Any:
        """Sine."""
        return apply_op(OPS["sin"], self._floating())

    def cos(self) -> Any:
        """Cosine."""
        return apply_op(OPS["cos"], self._floating())

    def tanh(self) -> Any:
        """Hyperbolic tangent."""
        return apply_op(OPS["tanh"], self._floating())

    def sigmoid(self) -> Any:
        """Logistic sigmoid 1 / (1 + e**-x)."""
        return apply_op(OPS["sigmoid"], self._floating())

    def relu(self) -> Any:
        """max(x, 0)."""
        return apply_op(OPS["relu"], self)

    def abs(self) -> Any:
        """|x| (not for bool tensors, as in PyTorch)."""
        if self.dtype.kind == "b":
            raise NotImplementedError("abs: not implemented for bool tensors")
        return apply_op(OPS["abs"], self)

    def neg(self) -> Any:
        """-x."""
        if self.dtype.kind == "b":
            raise RuntimeError("neg: Negation, the `-` operator, on a bool tensor is not "
                               "supported. If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return apply_op(OPS["neg"], self)

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        """Limit values to [min, max]; either bound may be None."""
        if isinstance(min, TensorBase) or isinstance(max, TensorBase):
            # PyTorch's rule: x keeps its gradient where min <= x <= max (ties included), a
            # bound gets it where it was picked; min > max gives max everywhere; a NaN bound
            # gives NaN
            out = self
            if min is not None:
                lo = as_tensor_like(min, self)
                out = where((out < lo) | lo.isnan(), lo, out)
            if max is not None:
                hi = as_tensor_like(max, self)
                out = where((out > hi) | hi.isnan(), hi, out)
            return relabel(out, "ClampBackward0", self)  # PyTorch's node name
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        for bound in (min, max):
            if bound is not None and (isinstance(bound, bool) or not isinstance(
                    bound, int | float | np.number | np.ndarray)):
                raise TypeError(f"clamp: min and max must be numbers, Tensors or None, got "
                                f"{bound!r}")
        x = self if self.dtype.kind == "f" or all(
            isinstance(v, int | None) for v in (min, max)) else self._floating()
        return apply_op(OPS["clamp"], x, min=min, max=max)

    clip = clamp

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """Replace elements where ``mask`` is True with ``value``."""
        mask = as_tensor_like(mask, self)
        if mask.dtype.kind != "b":
            raise RuntimeError(f"masked_fill: expected a bool mask, got dtype {mask.dtype}")
        fill = value if isinstance(value, TensorBase) else self._wrap(
            as_array(value, self.dtype))
        return relabel(where(mask, fill, self), "MaskedFillBackward1" if isinstance(  # PyTorch's
            value, TensorBase) else "MaskedFillBackward0", self)                     # node names
