"""Top-level functions (``tg.cat``, ``tg.where``, ``tg.exp``, ...), PyTorch's ``torch.*`` names.

Each is a thin call into a Tensor method or a function of the method families; no math lives
here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import dim_index
from . import arithmetic, shape
from .arithmetic import matmul
from .convert import as_tensor_like
from .core import Tensor

__all__ = [
    "abs", "amax", "amin", "argmax", "argmin", "cat", "chunk", "clamp", "clip", "cos", "exp",
    "flatten", "log", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min",
    "minimum", "permute", "prod", "relu", "reshape", "sigmoid", "sin", "softmax", "split",
    "sqrt", "squeeze", "stack", "std", "sum", "tanh", "transpose", "unsqueeze", "var", "where",
    "numel", "is_tensor", "concat", "concatenate", "take_along_dim", "gather",
    # issue 15 part A: elementwise, comparison and logical functions
    "floor", "ceil", "round",
    "trunc", "fix", "frac", "sign", "sgn", "rsqrt", "reciprocal", "log1p", "expm1", "log2",
    "log10", "exp2", "square", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
    "atan2", "arctan2", "sinh", "cosh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh",
    "erf", "erfc", "erfinv", "logit", "xlogy", "hypot", "floor_divide", "remainder", "fmod",
    "lerp", "addcmul", "addcdiv", "clamp_min", "clamp_max", "nan_to_num", "isnan", "isinf",
    "isposinf", "isneginf", "isfinite", "isreal", "signbit", "logical_and", "logical_or",
    "logical_xor", "logical_not", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
    "less", "less_equal", "not_equal", "equal", "allclose", "isclose", "fmax", "fmin", "pow",
    "neg", "negative", "absolute", "positive", "add", "sub", "mul", "div", "true_divide",
    "multiply", "subtract", "divide", "copysign", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    if not isinstance(tensors, list | tuple):
        raise TypeError(f"cat: expected a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError("cat: expected a non-empty list of Tensors")
    ts = [_t(t) for t in tensors]
    return shape.cat(ts, dim_index(dim, ts[0].ndim, "cat"))


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dim."""
    if not isinstance(tensors, list | tuple):
        raise TypeError(f"stack: expected a list or tuple of Tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of Tensors")
    ts = [_t(t) for t in tensors]
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got "
                               f"{ts[0].shape} at entry 0 and {t.shape} at entry {i}")
    d = dim_index(dim, ts[0].ndim + 1, "stack")
    return shape.cat([t.unsqueeze(d) for t in ts], d)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input if condition else other``."""
    cond = _t(condition)
    tensors = [v for v in (input, other) if isinstance(v, Tensor)]
    ref = tensors[0] if tensors else cond.float()  # numbers adopt a tensor operand's dtype
    return arithmetic.where(cond, as_tensor_like(input, ref), as_tensor_like(other, ref))


def is_tensor(obj: Any) -> bool:
    """True for tinygrad_edu Tensors."""
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    """Number of elements."""
    return x.numel()


def _method(name: str) -> Any:
    def call(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return getattr(_t(input), name)(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = f"Same as ``Tensor.{name}``."
    return call


abs = _method("abs")  # noqa: A001
amax = _method("amax")
amin = _method("amin")
argmax = _method("argmax")
argmin = _method("argmin")
chunk = _method("chunk")
clamp = clip = _method("clamp")
cos = _method("cos")
exp = _method("exp")
flatten = _method("flatten")
log = _method("log")
log_softmax = _method("log_softmax")
logsumexp = _method("logsumexp")
max = _method("max")  # noqa: A001
maximum = _method("maximum")
mean = _method("mean")
min = _method("min")  # noqa: A001
minimum = _method("minimum")
permute = _method("permute")
prod = _method("prod")
relu = _method("relu")
reshape = _method("reshape")
sigmoid = _method("sigmoid")
sin = _method("sin")
softmax = _method("softmax")
split = _method("split")
sqrt = _method("sqrt")
squeeze = _method("squeeze")
std = _method("std")
sum = _method("sum")  # noqa: A001
take_along_dim = _method("take_along_dim")
gather = _method("gather")
tanh = _method("tanh")
transpose = _method("transpose")
unsqueeze = _method("unsqueeze")
var = _method("var")


# issue 15 part A: elementwise, comparison and logical functions


def _write_out(out: Any, result: Any, name: str) -> Any:
    """Store ``result`` in the tensor ``out`` (torch's ``out=``) and return ``out``.

    ``out`` keeps its dtype (the result is cast, if the cast is safe); an empty ``out`` takes
    the result's shape, any other shape is an error.
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out.shape != result.shape:
        if out.numel() != 0:
            raise RuntimeError(f"{name}: out= has shape {out.shape} but the result has shape "
                               f"{result.shape}; pass an empty tensor or one of that shape")
        with out.mutate():  # an empty out is resized, as in PyTorch
            out._data = np.empty(result.shape, dtype=out.dtype)
    out.copy_(result.detach() if isinstance(result, Tensor) else result)
    return out


def _elementwise(name: str) -> Any:
    """``torch.<name>(input, *args, out=None, **kwargs)``: the method, with ``out=``."""
    def call(input: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        result = getattr(_t(input), name)(*args, **kwargs)
        return result if out is None else _write_out(out, result, name)

    call.__name__ = name
    call.__doc__ = f"Same as ``Tensor.{name}`` (``out=`` writes the result into a tensor)."
    return call


floor = _elementwise("floor")
ceil = _elementwise("ceil")
round = _elementwise("round")  # noqa: A001
trunc = _elementwise("trunc")
fix = _method("fix")
frac = _elementwise("frac")
sign = _elementwise("sign")
sgn = _elementwise("sgn")
rsqrt = _elementwise("rsqrt")
reciprocal = _elementwise("reciprocal")
log1p = _elementwise("log1p")
expm1 = _elementwise("expm1")
log2 = _elementwise("log2")
log10 = _elementwise("log10")
exp2 = _elementwise("exp2")
square = _elementwise("square")
tan = _elementwise("tan")
asin = _elementwise("asin")
arcsin = _elementwise("arcsin")
acos = _elementwise("acos")
arccos = _elementwise("arccos")
atan = _elementwise("atan")
arctan = _elementwise("arctan")
atan2 = _elementwise("atan2")
arctan2 = _elementwise("arctan2")
sinh = _elementwise("sinh")
cosh = _elementwise("cosh")
asinh = _elementwise("asinh")
arcsinh = _elementwise("arcsinh")
acosh = _elementwise("acosh")
arccosh = _elementwise("arccosh")
atanh = _elementwise("atanh")
arctanh = _elementwise("arctanh")
erf = _elementwise("erf")
erfc = _elementwise("erfc")
erfinv = _elementwise("erfinv")
logit = _elementwise("logit")
xlogy = _elementwise("xlogy")
hypot = _elementwise("hypot")
floor_divide = _elementwise("floor_divide")
remainder = _elementwise("remainder")
fmod = _elementwise("fmod")
lerp = _elementwise("lerp")
addcmul = _elementwise("addcmul")
addcdiv = _elementwise("addcdiv")
clamp_min = _elementwise("clamp_min")
clamp_max = _elementwise("clamp_max")
nan_to_num = _elementwise("nan_to_num")
isnan = _method("isnan")
isinf = _method("isinf")
isposinf = _elementwise("isposinf")
isneginf = _elementwise("isneginf")
isfinite = _method("isfinite")
isreal = _method("isreal")
signbit = _elementwise("signbit")
logical_and = _elementwise("logical_and")
logical_or = _elementwise("logical_or")
logical_xor = _elementwise("logical_xor")
logical_not = _elementwise("logical_not")
eq = _elementwise("eq")
ne = _elementwise("ne")
lt = _elementwise("lt")
le = _elementwise("le")
gt = _elementwise("gt")
ge = _elementwise("ge")
greater = _elementwise("greater")
greater_equal = _elementwise("greater_equal")
less = _elementwise("less")
less_equal = _elementwise("less_equal")
not_equal = _elementwise("not_equal")
equal = _method("equal")
allclose = _method("allclose")
isclose = _elementwise("isclose")
fmax = _elementwise("fmax")
fmin = _elementwise("fmin")
pow = _elementwise("pow")  # noqa: A001
neg = _elementwise("neg")
negative = _elementwise("negative")
absolute = _elementwise("absolute")
positive = _method("positive")
add = _elementwise("add")
sub = _elementwise("sub")
mul = _elementwise("mul")
div = _elementwise("div")
true_divide = _elementwise("true_divide")
multiply = _elementwise("multiply")
subtract = _elementwise("subtract")
divide = _elementwise("divide")
copysign = _elementwise("copysign")
bitwise_and = _elementwise("bitwise_and")
bitwise_or = _elementwise("bitwise_or")
bitwise_xor = _elementwise("bitwise_xor")
bitwise_not = _elementwise("bitwise_not")
bitwise_left_shift = _elementwise("bitwise_left_shift")
bitwise_right_shift = _elementwise("bitwise_right_shift")
