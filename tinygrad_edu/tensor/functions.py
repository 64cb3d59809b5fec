"""Top-level functions (``tg.cat``, ``tg.where``, ``tg.exp``, ...), PyTorch's ``torch.*`` names.

Each is a thin call into a Tensor method or a function of the method families; no math lives
here.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from ..autograd import relabel
from ..checks import dim_index
from . import arithmetic, shape
from .arithmetic import matmul
from .convert import as_tensor_like
from .core import Tensor, tensor_arg
from .dim_args import write_out
from .front_door import front_door

__all__ = [
    "abs", "amax", "amin", "argmax", "argmin", "cat", "chunk", "clamp", "clip", "cos", "exp",
    "flatten", "log", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min",
    "minimum", "permute", "prod", "relu", "reshape", "sigmoid", "sin", "softmax", "split",
    "sqrt", "squeeze", "stack", "std", "sum", "tanh", "transpose", "unsqueeze", "var", "where",
    "numel", "is_tensor", "concat", "concatenate", "take_along_dim", "gather", "clone",
    # elementwise math, comparisons and logic
    "floor", "ceil", "round",
    "trunc", "fix", "frac", "sign", "sgn", "rsqrt", "reciprocal", "log1p", "expm1", "log2",
    "log10", "exp2", "square", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
    "atan2", "arctan2", "sinh", "cosh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh",
    "erf", "erfc", "erfinv", "logit", "xlogy", "hypot", "floor_divide", "remainder", "fmod",
    "lerp", "addcmul", "addcdiv", "clamp_min", "clamp_max", "nan_to_num", "isnan", "isinf",
    "isposinf", "isneginf", "isfinite", "isreal", "signbit", "logical_and", "logical_or",
    "logical_xor", "logical_not", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
    "less", "less_equal", "not_equal", "float_power",
    "equal", "allclose", "isclose", "fmax", "fmin", "pow",
    "neg", "negative", "absolute", "positive", "add", "sub", "mul", "div", "true_divide",
    "multiply", "subtract", "divide", "copysign", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    if not isinstance(tensors, list | tuple):
        raise TypeError(f"cat: expected a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError("cat: expected a non-empty list of Tensors")
    ts = [tensor_arg(t, "cat", "tensors") for t in tensors]
    for i, t in enumerate(ts):
        if t.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    return shape.cat(ts, dim_index(dim, ts[0].ndim, "cat"))


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dim."""
    if not isinstance(tensors, list | tuple):
        raise TypeError(f"stack: expected a list or tuple of Tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of Tensors")
    ts = [tensor_arg(t, "stack", "tensors") for t in tensors]
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got "
                               f"{ts[0].shape} at entry 0 and {t.shape} at entry {i}")
    d = dim_index(dim, ts[0].ndim + 1, "stack")
    return relabel(shape.cat([t.unsqueeze(d) for t in ts], d), "StackBackward0", *ts)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input if condition else other``."""
    cond = tensor_arg(condition, "where", "condition")
    tensors = [v for v in (input, other) if isinstance(v, Tensor)]
    ref = tensors[0] if tensors else cond.float()  # numbers adopt a tensor operand's dtype
    return arithmetic.where(cond, as_tensor_like(input, ref), as_tensor_like(other, ref))


def is_tensor(obj: Any) -> bool:
    """True for tinygrad_edu Tensors."""
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    """Number of elements."""
    return tensor_arg(x, "numel").numel()


def _method(name: str) -> Any:
    """``torch.<name>(input, ...)`` is ``input.<name>(...)``."""
    def call(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return getattr(tensor_arg(input, name), name)(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = f"Same as ``Tensor.{name}``."
    return call


def _with_out(name: str, rule: str = "safe") -> Any:
    """``torch.<name>(input, ..., out=None)``: the method, writing into ``out`` if given.

    ``rule`` is how the result's dtype must relate to ``out``'s (``dim_args.write_out``):
    ``"safe"`` for elementwise ops, ``"cast"`` for sums, means and scans, ``"same"`` for ops
    that return indices.
    """
    def call(input: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        x = tensor_arg(input, name)
        result = getattr(x, name)(*args, **kwargs)
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        return result if out is None else write_out(name, result, out, (x, *tensors), rule)

    call.__name__ = name
    call.__doc__ = f"Same as ``Tensor.{name}``; ``out=`` receives the result."
    return call


abs = _with_out("abs")  # noqa: A001
chunk = _method("chunk")
clone = _method("clone")
clamp = clip = _with_out("clamp")
cos = _with_out("cos")
exp = _with_out("exp")
flatten = _method("flatten")
log = _with_out("log")
log_softmax = _method("log_softmax")
maximum = _with_out("maximum")
minimum = _with_out("minimum")
permute = _method("permute")
relu = _method("relu")
reshape = _method("reshape")
sigmoid = _with_out("sigmoid")
sin = _with_out("sin")
softmax = _method("softmax")
split = _method("split")
sqrt = _with_out("sqrt")
squeeze = _method("squeeze")
tanh = _with_out("tanh")
transpose = _method("transpose")
unsqueeze = _method("unsqueeze")


# elementwise math, comparisons and logic (``tensor/pointwise.py``, ``compare.py``)
floor = _with_out("floor")
ceil = _with_out("ceil")
round = _with_out("round")  # noqa: A001
trunc = _with_out("trunc")
fix = _method("fix")
frac = _with_out("frac")
sign = _with_out("sign")
sgn = _with_out("sgn")
rsqrt = _with_out("rsqrt")
reciprocal = _with_out("reciprocal")
log1p = _with_out("log1p")
expm1 = _with_out("expm1")
log2 = _with_out("log2")
log10 = _with_out("log10")
exp2 = _with_out("exp2")
square = _with_out("square")
tan = _with_out("tan")
asin = _with_out("asin")
arcsin = _with_out("arcsin")
acos = _with_out("acos")
arccos = _with_out("arccos")
atan = _with_out("atan")
arctan = _with_out("arctan")
atan2 = _with_out("atan2")
arctan2 = _with_out("arctan2")
sinh = _with_out("sinh")
cosh = _with_out("cosh")
asinh = _with_out("asinh")
arcsinh = _with_out("arcsinh")
acosh = _with_out("acosh")
arccosh = _with_out("arccosh")
atanh = _with_out("atanh")
arctanh = _with_out("arctanh")
erf = _with_out("erf")
erfc = _with_out("erfc")
erfinv = _with_out("erfinv")
logit = _with_out("logit")
xlogy = _with_out("xlogy")
hypot = _with_out("hypot")
floor_divide = _with_out("floor_divide")
remainder = _with_out("remainder")
fmod = _with_out("fmod")
lerp = _with_out("lerp")
addcmul = _with_out("addcmul")
addcdiv = _with_out("addcdiv")
clamp_min = _with_out("clamp_min")
clamp_max = _with_out("clamp_max")
nan_to_num = _with_out("nan_to_num")
isnan = _method("isnan")
isinf = _method("isinf")
isposinf = _with_out("isposinf")
isneginf = _with_out("isneginf")
isfinite = _method("isfinite")
isreal = _method("isreal")
signbit = _with_out("signbit")
logical_and = _with_out("logical_and")
logical_or = _with_out("logical_or")
logical_xor = _with_out("logical_xor")
logical_not = _with_out("logical_not")
eq = _with_out("eq")
ne = _with_out("ne")
lt = _with_out("lt")
le = _with_out("le")
gt = _with_out("gt")
ge = _with_out("ge")
greater = _with_out("greater")
greater_equal = _with_out("greater_equal")
less = _with_out("less")
less_equal = _with_out("less_equal")
not_equal = _with_out("not_equal")
equal = _method("equal")
allclose = _method("allclose")
isclose = _with_out("isclose")
fmax = _with_out("fmax")
fmin = _with_out("fmin")
pow = _with_out("pow")  # noqa: A001
float_power = _with_out("float_power")
neg = _with_out("neg")
negative = _with_out("negative")
absolute = _with_out("absolute")
positive = _method("positive")
add = _with_out("add")
sub = _with_out("sub")
mul = _with_out("mul")
div = _with_out("div")
true_divide = _with_out("true_divide")
multiply = _with_out("multiply")
subtract = _with_out("subtract")
divide = _with_out("divide")
copysign = _with_out("copysign")
bitwise_and = _with_out("bitwise_and")
bitwise_or = _with_out("bitwise_or")
bitwise_xor = _with_out("bitwise_xor")
bitwise_not = _with_out("bitwise_not")
bitwise_left_shift = _with_out("bitwise_left_shift")
bitwise_right_shift = _with_out("bitwise_right_shift")
# --------------------------------------------------------------------------- reductions,
# sorting, scans and indexing (``tensor/reduce.py``, ``sort_scan.py``, ``index.py``)

__all__ += [
    "sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "quantile",
    "nanquantile", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "nansum",
    "nanmean", "count_nonzero", "aminmax", "all", "any", "norm", "dist",
    "index_select", "masked_select", "masked_scatter", "take",
    "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
    "nonzero", "argwhere", "unique", "unique_consecutive", "bincount", "histc",

]


# the reductions above gain out= (torch.sum(x, 1, out=y))
sum = _with_out("sum", "cast")  # noqa: A001
mean = _with_out("mean", "cast")
prod = _with_out("prod", "cast")
amax = _with_out("amax", "same")
amin = _with_out("amin", "same")
max = _with_out("max", "same")  # noqa: A001
min = _with_out("min", "same")  # noqa: A001
argmax = _with_out("argmax", "same")
argmin = _with_out("argmin", "same")
logsumexp = _with_out("logsumexp", "cast")
std = _with_out("std", "cast")
var = _with_out("var", "cast")
gather = _with_out("gather", "same")
take_along_dim = _with_out("take_along_dim", "same")

sort = _with_out("sort", "same")
argsort = _method("argsort")
msort = _with_out("msort", "same")
topk = _with_out("topk", "same")
kthvalue = _with_out("kthvalue", "same")
median = _with_out("median", "same")
nanmedian = _with_out("nanmedian", "same")
mode = _with_out("mode", "same")
quantile = _with_out("quantile", "same")
nanquantile = _with_out("nanquantile", "same")
cumsum = _with_out("cumsum", "cast")
cumprod = _with_out("cumprod", "cast")
cummax = _with_out("cummax", "same")
cummin = _with_out("cummin", "same")
logcumsumexp = _with_out("logcumsumexp", "same")
diff = _with_out("diff", "cast")
nansum = _with_out("nansum", "cast")
nanmean = _with_out("nanmean", "cast")
count_nonzero = _method("count_nonzero")
aminmax = _with_out("aminmax", "same")
all = _with_out("all", "same")  # noqa: A001
any = _with_out("any", "same")  # noqa: A001
dist = _method("dist")
index_select = _with_out("index_select", "same")
masked_select = _with_out("masked_select", "same")
masked_scatter = _method("masked_scatter")
take = _with_out("take", "same")
scatter = _with_out("scatter", "same")
scatter_add = _with_out("scatter_add", "same")
scatter_reduce = _with_out("scatter_reduce", "same")
index_add = _with_out("index_add", "same")
index_copy = _with_out("index_copy", "same")
index_fill = _method("index_fill")
argwhere = _method("argwhere")
unique_consecutive = _method("unique_consecutive")
bincount = _method("bincount")
histc = _with_out("histc", "same")


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
         out: Any = None, dtype: Any = None) -> Tensor:
    """Same as ``Tensor.norm`` (torch.norm's argument order, with ``out=``)."""
    result = tensor_arg(input, "norm").norm(p, dim, keepdim, dtype)
    return result if out is None else write_out("norm", result, out, (input,), "same")


def nonzero(input: Tensor, *, out: Any = None, as_tuple: bool = False) -> Any:  # noqa: A002
    """Same as ``Tensor.nonzero``."""
    result = tensor_arg(input, "nonzero").nonzero(as_tuple=as_tuple)
    return result if out is None else write_out("nonzero", result, out, (input,), "same")


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """Same as ``Tensor.unique``."""
    x = tensor_arg(input, "unique")
    return x.unique(sorted, return_inverse, return_counts, dim)


# statistics and searching
from .functions_stats import *  # noqa: E402,F403
from .functions_stats import __all__ as _stats_names  # noqa: E402

__all__ += _stats_names

# shapes, matrices, linear algebra and tensor facts
from .functions_shape import *  # noqa: E402,F403
from .functions_shape import __all__ as _shape_names  # noqa: E402

__all__ += _shape_names

# Each function names itself in the errors of the ops it is made of ("dist: sub: the size of
# tensor a ..."); the arguments are converted by the functions themselves (tensor_arg).
for _name in __all__:
    if inspect.isfunction(globals()[_name]):
        globals()[_name] = front_door(globals()[_name], _name, check_tensors=False)
