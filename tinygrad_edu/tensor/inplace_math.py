"""In-place versions of the elementwise methods: ``x.floor_()``, ``x.sigmoid_()``, ``x //= 2``.

Every one follows the same rule as ``add_`` (``inplace.py``): compute the out-of-place result,
write it into this tensor's memory and bump the version counter. So ``x.tan_()`` is
``x.tan()`` written back into ``x``: gradients flow through it, a leaf that requires grad
refuses it, and a result that does not fit the dtype is an error (``int_tensor.sqrt_()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .inplace import InPlaceMixin


def _inplace_of(name: str) -> Callable[..., Any]:
    """The method ``<name>_``: ``self.<name>(*args, **kwargs)`` written into ``self``."""
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._inplace(f"{name}_", lambda t: getattr(t, name)(*args, **kwargs))

    method.__name__ = f"{name}_"
    method.__doc__ = f"In place: ``self.{name}(...)`` written into this tensor."
    return method


class InPlaceMathMixin(InPlaceMixin):
    """The ``_`` methods of the elementwise math, comparison and logical families."""

    # unary math
    abs_ = absolute_ = _inplace_of("abs")
    neg_ = negative_ = _inplace_of("neg")
    exp_ = _inplace_of("exp")
    exp2_ = _inplace_of("exp2")
    expm1_ = _inplace_of("expm1")
    log_ = _inplace_of("log")
    log1p_ = _inplace_of("log1p")
    log2_ = _inplace_of("log2")
    log10_ = _inplace_of("log10")
    sqrt_ = _inplace_of("sqrt")
    rsqrt_ = _inplace_of("rsqrt")
    reciprocal_ = _inplace_of("reciprocal")
    square_ = _inplace_of("square")
    sin_ = _inplace_of("sin")
    cos_ = _inplace_of("cos")
    tan_ = _inplace_of("tan")
    asin_ = arcsin_ = _inplace_of("asin")
    acos_ = arccos_ = _inplace_of("acos")
    atan_ = arctan_ = _inplace_of("atan")
    sinh_ = _inplace_of("sinh")
    cosh_ = _inplace_of("cosh")
    tanh_ = _inplace_of("tanh")
    asinh_ = arcsinh_ = _inplace_of("asinh")
    acosh_ = arccosh_ = _inplace_of("acosh")
    atanh_ = arctanh_ = _inplace_of("atanh")
    sigmoid_ = _inplace_of("sigmoid")
    logit_ = _inplace_of("logit")
    erf_ = _inplace_of("erf")
    erfc_ = _inplace_of("erfc")
    erfinv_ = _inplace_of("erfinv")
    nan_to_num_ = _inplace_of("nan_to_num")

    # rounding
    floor_ = _inplace_of("floor")
    ceil_ = _inplace_of("ceil")
    round_ = _inplace_of("round")
    trunc_ = fix_ = _inplace_of("trunc")
    frac_ = _inplace_of("frac")
    sign_ = _inplace_of("sign")
    sgn_ = _inplace_of("sgn")

    # two inputs
    atan2_ = arctan2_ = _inplace_of("atan2")
    hypot_ = _inplace_of("hypot")
    xlogy_ = _inplace_of("xlogy")
    copysign_ = _inplace_of("copysign")
    floor_divide_ = _inplace_of("floor_divide")
    remainder_ = _inplace_of("remainder")
    fmod_ = _inplace_of("fmod")
    true_divide_ = _inplace_of("true_divide")
    divide_ = _inplace_of("divide")
    multiply_ = _inplace_of("multiply")
    subtract_ = _inplace_of("subtract")
    lerp_ = _inplace_of("lerp")
    addcmul_ = _inplace_of("addcmul")
    addcdiv_ = _inplace_of("addcdiv")
    clamp_min_ = _inplace_of("clamp_min")
    clamp_max_ = _inplace_of("clamp_max")
    clip_ = _inplace_of("clip")

    # comparisons and logic: the result (True/False) is written as 1/0 in this tensor's dtype
    eq_ = _inplace_of("eq")
    ne_ = not_equal_ = _inplace_of("ne")
    lt_ = less_ = _inplace_of("lt")
    le_ = less_equal_ = _inplace_of("le")
    gt_ = greater_ = _inplace_of("gt")
    ge_ = greater_equal_ = _inplace_of("ge")
    logical_and_ = _inplace_of("logical_and")
    logical_or_ = _inplace_of("logical_or")
    logical_xor_ = _inplace_of("logical_xor")
    logical_not_ = _inplace_of("logical_not")
    bitwise_and_ = _inplace_of("bitwise_and")
    bitwise_or_ = _inplace_of("bitwise_or")
    bitwise_xor_ = _inplace_of("bitwise_xor")
    bitwise_not_ = _inplace_of("bitwise_not")
    bitwise_left_shift_ = _inplace_of("bitwise_left_shift")
    bitwise_right_shift_ = _inplace_of("bitwise_right_shift")

    def __ipow__(self, other: Any) -> Any:
        return self.pow_(other)

    def __ifloordiv__(self, other: Any) -> Any:
        return self.floor_divide_(other)

    def __imod__(self, other: Any) -> Any:
        return self.remainder_(other)

    def __iand__(self, other: Any) -> Any:
        return self.bitwise_and_(other)

    def __ior__(self, other: Any) -> Any:
        return self.bitwise_or_(other)

    def __ixor__(self, other: Any) -> Any:
        return self.bitwise_xor_(other)

    def __ilshift__(self, other: Any) -> Any:
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other: Any) -> Any:
        return self.bitwise_right_shift_(other)
    # filling and triangles
    masked_fill_ = _inplace_of("masked_fill")
    tril_ = _inplace_of("tril")
    triu_ = _inplace_of("triu")

    def apply_(self, callable: Callable[[Any], Any]) -> Any:  # noqa: A002 - torch's name
        """Replace every element ``v`` by ``callable(v)``, one Python call per element (slow:
        for teaching and small tensors; vectorised ops are the fast way)."""
        if self.requires_grad:
            raise RuntimeError("Can't call apply_() on Variable that requires grad. Use "
                               "var.detach().apply_() instead.")
        with self.mutate() as a:
            a[...] = np.vectorize(callable, otypes=[a.dtype])(a)
        return self

