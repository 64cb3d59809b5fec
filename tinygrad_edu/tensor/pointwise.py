"""Elementwise math beyond the operators: trigonometry, special functions, rounding, remainders.

Each method calls a registered op of ``tinygrad_edu/ops/math.py`` (or composes existing ops
where that is exact) after PyTorch's dtype rules:

- float math (``tan``, ``erf``, ``log2``, ``rsqrt``, ...) turns integer and bool tensors into
  float32 first, as ``torch.tan(int_tensor)`` does;
- rounding (``floor``, ``ceil``, ``round``, ``trunc``, ``sign``) keeps integer tensors as they
  are (they are already whole numbers);
- two-input ops promote both sides to one dtype (``convert.prepare_binary``): ``int // int``
  stays int, ``int % 2.5`` is float32; integer division by zero is an error, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import OPS, apply_op, relabel
from ..checks import broadcast_shape, check_scalar
from .arithmetic import where
from .base import TensorBase
from .convert import as_tensor_like, prepare_binary

_NO_BOOL = {"floor_divide", "remainder", "fmod"}  # bool // bool is an error in PyTorch


def _float_op(name: str, doc: str) -> Any:
    """A method running op ``name`` on this tensor as floats (ints and bools become float32)."""
    def method(self: Any) -> Any:
        return apply_op(OPS[name], self._floating())

    method.__name__ = name
    method.__doc__ = doc
    return method


def _round_op(name: str, doc: str) -> Any:
    """A rounding method: integer tensors come back unchanged (a copy), bool is an error."""
    def method(self: Any) -> Any:
        if self.dtype.kind == "b":
            raise NotImplementedError(f"{name}: not implemented for bool tensors")
        if self.dtype.kind in "iu":
            return self.clone()
        return apply_op(OPS[name], self)

    method.__name__ = name
    method.__doc__ = doc
    return method


class PointwiseMixin(TensorBase):
    """Elementwise math: trigonometry, special functions, rounding, remainders, lerp."""

    def _math_binary(self, name: str, other: Any, reverse: bool = False,
                     floating: bool = False, tensor_only: bool = False) -> Any:
        """Promote (self, other) to one dtype, optionally to float, and run op ``name``.

        ``tensor_only``: ``other`` must be a Tensor (PyTorch takes no number there).
        """
        if tensor_only and not isinstance(other, TensorBase):
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not "
                            f"{type(other).__name__}")
        a, b = prepare_binary(name, self, other)
        if a.dtype.kind == "b" and name in _NO_BOOL:
            raise NotImplementedError(f"{name}: not implemented for two bool operands")
        if floating and a.dtype.kind != "f":
            a, b = a.float(), b.float()
        if reverse:
            a, b = b, a
        return apply_op(OPS[name], a, b)

    # ------------------------------------------------------------------ trigonometry

    tan = _float_op("tan", "Tangent.")
    asin = arcsin = _float_op("asin", "Inverse sine (nan outside [-1, 1]).")
    acos = arccos = _float_op("acos", "Inverse cosine (nan outside [-1, 1]).")
    atan = arctan = _float_op("atan", "Inverse tangent.")
    sinh = _float_op("sinh", "Hyperbolic sine.")
    cosh = _float_op("cosh", "Hyperbolic cosine.")
    asinh = arcsinh = _float_op("asinh", "Inverse hyperbolic sine.")
    acosh = arccosh = _float_op("acosh", "Inverse hyperbolic cosine (nan below 1).")
    atanh = arctanh = _float_op("atanh", "Inverse hyperbolic tangent (nan outside [-1, 1]).")

    def atan2(self, other: Any) -> Any:
        """The angle of the point (other, self): atan(self / other) in the right quadrant."""
        return self._math_binary("atan2", other, floating=True, tensor_only=True)

    arctan2 = atan2

    def hypot(self, other: Any) -> Any:
        """sqrt(self**2 + other**2), without overflow (not for two integer tensors)."""
        if self.dtype.kind != "f" and getattr(other, "dtype", self.dtype).kind != "f":
            raise NotImplementedError(f"hypot: not implemented for {self.dtype} tensors")
        return self._math_binary("hypot", other, tensor_only=True)

    # ------------------------------------------------------------------ logs, powers, special

    log1p = _float_op("log1p", "ln(1 + x), accurate for tiny x.")
    expm1 = _float_op("expm1", "e**x - 1, accurate for tiny x.")
    log2 = _float_op("log2", "Base-2 logarithm.")
    log10 = _float_op("log10", "Base-10 logarithm.")
    exp2 = _float_op("exp2", "2 ** x.")
    reciprocal = _float_op("reciprocal", "1 / x (integers give float32).")
    rsqrt = _float_op("rsqrt", "1 / sqrt(x).")
    erf = _float_op("erf", "The error function.")
    erfc = _float_op("erfc", "1 - erf(x), accurate where erf(x) is near 1.")
    erfinv = _float_op("erfinv", "The inverse error function (erf(erfinv(x)) == x).")

    def logit(self, eps: float | None = None) -> Any:
        """ln(x / (1 - x)), the inverse of the sigmoid; ``eps`` clamps x to [eps, 1 - eps]."""
        return apply_op(OPS["logit"], self._floating(), eps=None if eps is None else float(eps))

    def xlogy(self, other: Any) -> Any:
        """self * ln(other), and 0 where self == 0 (entropy terms with p = 0)."""
        return self._math_binary("xlogy", other, floating=True)

    def square(self) -> Any:
        """x * x (bool tensors give int64, as in PyTorch)."""
        x = self.long() if self.dtype.kind == "b" else self
        return relabel(x * x, "PowBackward0", self)  # PyTorch squares with pow(x, 2)

    def positive(self) -> Any:
        """The tensor itself (``+x``); an error for bool tensors, as in PyTorch."""
        if self.dtype.kind == "b":
            raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported")
        return self

    def negative(self) -> Any:
        """-x (``neg``)."""
        return -self

    def absolute(self) -> Any:
        """|x| (``abs``)."""
        return self.abs()  # type: ignore[attr-defined]

    def copysign(self, other: Any) -> Any:
        """|self| with the sign of ``other`` (integers give float32)."""
        return self._math_binary("copysign", other, floating=True)

    def fmax(self, other: Any) -> Any:
        """Elementwise maximum that ignores nan where the other value is a number."""
        return self._math_binary("fmax", other, tensor_only=True)

    def fmin(self, other: Any) -> Any:
        """Elementwise minimum that ignores nan where the other value is a number."""
        return self._math_binary("fmin", other, tensor_only=True)

    # ------------------------------------------------------------------ rounding

    floor = _round_op("floor", "Round down to a whole number (toward minus infinity).")
    ceil = _round_op("ceil", "Round up to a whole number (toward plus infinity).")
    trunc = fix = _round_op("trunc", "Round toward zero (drop the fractional part).")

    def round(self, decimals: int = 0) -> Any:
        """Round to ``decimals`` places, halves to even (``round(2.5) == 2``)."""
        if self.dtype.kind == "b" or (self.dtype.kind in "iu" and decimals != 0):
            raise NotImplementedError(f"round: not implemented for {self.dtype} tensors"
                                      + (f" with decimals={decimals}" if decimals else ""))
        if self.dtype.kind in "iu":
            return self.clone()
        return apply_op(OPS["round"], self, decimals=int(decimals))

    def frac(self) -> Any:
        """x - trunc(x), the fractional part with x's sign (float tensors only)."""
        if self.dtype.kind != "f":
            raise NotImplementedError(f"frac: not implemented for {self.dtype} tensors")
        return apply_op(OPS["frac"], self)

    def sign(self) -> Any:
        """-1, 0 or 1 by the sign of x; 0 for nan (bool tensors come back unchanged)."""
        if self.dtype.kind == "b":
            return self.clone()
        if self.dtype.kind != "f":
            return self._wrap(np.sign(self._data))
        return apply_op(OPS["sign"], self)

    sgn = sign

    # ------------------------------------------------------------------ divisions, remainders

    def floor_divide(self, other: Any) -> Any:
        """floor(self / other), Python's ``//`` (``-7 // 2 == -4``)."""
        return self._math_binary("floor_divide", other)

    def remainder(self, other: Any) -> Any:
        """self - floor(self / other) * other, Python's ``%`` (the sign of ``other``)."""
        return self._math_binary("remainder", other)

    def fmod(self, other: Any) -> Any:
        """self - trunc(self / other) * other, C's ``fmod`` (the sign of ``self``)."""
        return self._math_binary("fmod", other)

    def __floordiv__(self, other: Any) -> Any:
        return self._math_binary("floor_divide", other)

    def __rfloordiv__(self, other: Any) -> Any:
        return self._math_binary("floor_divide", other, reverse=True)

    def __mod__(self, other: Any) -> Any:
        return self._math_binary("remainder", other)

    def __rmod__(self, other: Any) -> Any:
        return self._math_binary("remainder", other, reverse=True)

    def true_divide(self, other: Any) -> Any:
        """self / other, always a float result (``div``)."""
        return self / other

    def divide(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        """``div``: true division, or rounded with ``rounding_mode='floor'`` / ``'trunc'``."""
        return self.div(other, rounding_mode=rounding_mode)  # type: ignore[attr-defined]

    def multiply(self, other: Any) -> Any:
        """self * other (``mul``)."""
        return self * other

    def subtract(self, other: Any, *, alpha: Any = 1) -> Any:
        """self - alpha * other (``sub``)."""
        return self.sub(other, alpha=alpha)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ combinations

    def lerp(self, end: Any, weight: Any) -> Any:
        """self + weight * (end - self): linear interpolation (``weight`` a number or tensor)."""
        if not isinstance(weight, TensorBase):
            check_scalar(weight, "weight", "lerp")
        end = as_tensor_like(end, self)
        if self.dtype.kind != "f" or end.dtype.kind != "f":
            raise RuntimeError(f"lerp: expected floating-point tensors, got {self.dtype} and "
                               f"{end.dtype}")
        start, end = prepare_binary("lerp", self, end)
        w = weight if isinstance(weight, TensorBase) else \
            start._wrap(np.asarray(weight, dtype=start.dtype))
        if w.dtype != start.dtype:
            raise RuntimeError(f"lerp: expected weight to have dtype {start.dtype}, got "
                               f"{w.dtype}")
        broadcast_shape("lerp", np.broadcast_shapes(start.shape, end.shape), w.shape)
        return apply_op(OPS["lerp"], start, end, w)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """self + value * tensor1 * tensor2."""
        product = tensor1 * value * tensor2 if value != 1 else tensor1 * tensor2
        return relabel(self + product, "AddcmulBackward0", self)  # PyTorch's node name

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """self + value * tensor1 / tensor2 (true division; integer tensors are an error)."""
        t1, t2 = as_tensor_like(tensor1, self), as_tensor_like(tensor2, self)
        if t1.dtype.kind != "f" and t2.dtype.kind != "f":
            raise RuntimeError("addcdiv: integer division with addcdiv is not supported; "
                               "use true division (tensor1 / tensor2) with addcmul instead")
        out = self + (t1 * value if value != 1 else t1) / t2
        return relabel(out, "AddcdivBackward0", self)  # PyTorch's node name

    def clamp_min(self, min: Any) -> Any:  # noqa: A002
        """max(x, min) (``clamp(min=min)``)."""
        if not isinstance(min, TensorBase):
            check_scalar(min, "min", "clamp_min")
        return self.clamp(min=min)  # type: ignore[attr-defined]

    def clamp_max(self, max: Any) -> Any:  # noqa: A002
        """min(x, max) (``clamp(max=max)``)."""
        if not isinstance(max, TensorBase):
            check_scalar(max, "max", "clamp_max")
        return self.clamp(max=max)  # type: ignore[attr-defined]

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Any:
        """nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: 0 and
        the dtype's largest and smallest finite values). The gradient passes where x is
        finite."""
        if self.dtype.kind != "f":
            return self.clone()
        info = np.finfo(self.dtype)
        data = self._data
        out = self
        for mask, value in ((np.isneginf(data), info.min if neginf is None else neginf),
                            (np.isposinf(data), info.max if posinf is None else posinf),
                            (np.isnan(data), nan)):
            if mask.any():
                fill = self._wrap(np.asarray(value, dtype=self.dtype))
                out = where(self._wrap(mask), fill, out)
        return relabel(out if out is not self else self.clone(), "NanToNumBackward0", self)

