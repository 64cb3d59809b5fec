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
from .dim_args import write_out

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
# --------------------------------------------------------------------------- issue 15, part B:
# reductions, sorting, scans and indexing (with ``out=`` where torch has it)

__all__ += [
    "sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "quantile",
    "nanquantile", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "nansum",
    "nanmean", "count_nonzero", "aminmax", "all", "any", "norm", "dist", "var_mean",
    "std_mean", "cov", "corrcoef", "index_select", "masked_select", "masked_scatter", "take",
    "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
    "nonzero", "argwhere", "unique", "unique_consecutive", "bincount", "histc",
    "searchsorted", "bucketize",
]


def _method_out(name: str, casts: bool = False) -> Any:
    """``torch.<name>(input, ...)`` = ``input.<name>(...)``, writing into ``out=`` if given:
    cast to out's dtype when ``casts`` (sums, means, scans), else out must have the result's
    dtype (as torch asks)."""
    def call(input: Tensor, *args: Any, out: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        x = _t(input)
        result = getattr(x, name)(*args, **kwargs)
        return result if out is None else write_out(name, result, out, (x,), not casts)

    call.__name__ = name
    call.__doc__ = f"Same as ``Tensor.{name}``; ``out=`` receives the result."
    return call


# the reductions above gain out= (torch.sum(x, 1, out=y))
sum = _method_out("sum", casts=True)  # noqa: A001
mean = _method_out("mean", casts=True)
prod = _method_out("prod", casts=True)
amax = _method_out("amax")
amin = _method_out("amin")
max = _method_out("max")  # noqa: A001
min = _method_out("min")  # noqa: A001
argmax = _method_out("argmax")
argmin = _method_out("argmin")
logsumexp = _method_out("logsumexp", casts=True)
std = _method_out("std", casts=True)
var = _method_out("var", casts=True)
gather = _method_out("gather")
take_along_dim = _method_out("take_along_dim")

sort = _method_out("sort")
argsort = _method("argsort")
msort = _method_out("msort")
topk = _method_out("topk")
kthvalue = _method_out("kthvalue")
median = _method_out("median")
nanmedian = _method_out("nanmedian")
mode = _method_out("mode")
quantile = _method_out("quantile")
nanquantile = _method_out("nanquantile")
cumsum = _method_out("cumsum", casts=True)
cumprod = _method_out("cumprod", casts=True)
cummax = _method_out("cummax")
cummin = _method_out("cummin")
logcumsumexp = _method_out("logcumsumexp")
diff = _method_out("diff", casts=True)
nansum = _method_out("nansum", casts=True)
nanmean = _method_out("nanmean", casts=True)
count_nonzero = _method("count_nonzero")
aminmax = _method_out("aminmax")
all = _method_out("all")  # noqa: A001
any = _method_out("any")  # noqa: A001
dist = _method("dist")
index_select = _method_out("index_select")
masked_select = _method_out("masked_select")
masked_scatter = _method("masked_scatter")
take = _method_out("take")
scatter = _method_out("scatter")
scatter_add = _method_out("scatter_add")
scatter_reduce = _method_out("scatter_reduce")
index_add = _method_out("index_add")
index_copy = _method_out("index_copy")
index_fill = _method("index_fill")
argwhere = _method("argwhere")
unique_consecutive = _method("unique_consecutive")
bincount = _method("bincount")
histc = _method_out("histc")


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
         out: Any = None, dtype: Any = None) -> Tensor:
    """Same as ``Tensor.norm`` (torch.norm's argument order, with ``out=``)."""
    result = _t(input).norm(p, dim, keepdim, dtype)
    return result if out is None else write_out("norm", result, out, (input,), True)


def nonzero(input: Tensor, *, out: Any = None, as_tuple: bool = False) -> Any:  # noqa: A002
    """Same as ``Tensor.nonzero``."""
    result = _t(input).nonzero(as_tuple=as_tuple)
    return result if out is None else write_out("nonzero", result, out, (input,), True)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """Same as ``Tensor.unique``."""
    return _t(input).unique(sorted, return_inverse, return_counts, dim)


def _moments(name: str, input: Any, dim: Any, unbiased: Any, keepdim: bool,  # noqa: A002
             correction: Any) -> tuple[Tensor, Tensor]:
    x = _t(input)
    spread = getattr(x, name)(dim, unbiased, keepdim, correction=correction)
    return spread, x.mean(dim, keepdim)


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None, axis: Any = None,
             keepdims: Any = None) -> tuple[Tensor, Tensor]:
    """(variance, mean) over ``dim`` in one call (``correction=1`` by default)."""
    return _moments("var", input, axis if axis is not None else dim, unbiased,
                    keepdims if keepdims is not None else keepdim, correction)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None, axis: Any = None,
             keepdims: Any = None) -> tuple[Tensor, Tensor]:
    """(standard deviation, mean) over ``dim`` in one call."""
    return _moments("std", input, axis if axis is not None else dim, unbiased,
                    keepdims if keepdims is not None else keepdim, correction)


def cov(input: Tensor, *, correction: int = 1, fweights: Any = None,  # noqa: A002
        aweights: Any = None) -> Tensor:
    """Covariance of the rows (variables) of a 2-d input whose columns are observations.

    With weights w = fweights * aweights: the weighted mean, and the normaliser
    sum(w) - correction * sum(w * aweights) / sum(w) (sum(w) - correction without aweights).
    """
    x = _t(input)
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.ndim} dimensions")
    x = x.reshape(1, -1) if x.ndim < 2 else x
    x = x if x.dtype.kind == "f" else x.float()
    n = x.shape[1]
    w = None
    for given in (fweights, aweights):
        if given is not None:
            w = _t(given).type(x.dtype) if w is None else w * _t(given).type(x.dtype)
    if w is None:
        mean = x.mean(1, keepdim=True)
        norm_factor: Any = n - correction
    else:
        total = w.sum()
        mean = (x * w).sum(1, keepdim=True) / total
        norm_factor = total - correction * ((w * _t(aweights).type(x.dtype)).sum() / total) \
            if aweights is not None else total - correction
    centered = x - mean
    weighted = centered if w is None else centered * w
    c = matmul(weighted, centered.t()) / norm_factor
    return c.reshape(()) if _t(input).ndim < 2 else c


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson correlation of the rows: cov[i, j] / sqrt(cov[i, i] * cov[j, j]), in [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    n = c.shape[0]
    d = c[arange_index(n), arange_index(n)].sqrt()
    return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clamp(-1, 1)


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False,  # noqa: A002
                 right: bool = False, side: str | None = None, sorter: Any = None,
                 out: Any = None) -> Tensor:
    """For each value, the index at which inserting it keeps the (last dim of the) sorted
    sequence sorted: the first such index, or the last with ``right=True``/``side='right'``."""
    seq = _t(sorted_sequence)
    values = np.asarray(input._data if isinstance(input, Tensor) else input)
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right' and must "
                               f"agree with right={right}, got {side!r}")
        right = side == "right"
    data = seq._data
    if sorter is not None:
        data = np.take_along_axis(data, _t(sorter)._data, axis=-1)
    how = "right" if right else "left"
    if data.ndim == 1:
        found = np.searchsorted(data, values, side=how)
    else:
        if data.shape[:-1] != values.shape[:-1]:
            raise RuntimeError(f"searchsorted(): boundaries {data.shape} and input "
                               f"{values.shape} must have the same leading dims")
        rows = data.reshape(-1, data.shape[-1])
        vals = values.reshape(rows.shape[0], -1)
        found = np.stack([np.searchsorted(r, v, side=how) for r, v in zip(rows, vals,
                                                                           strict=True)])
        found = found.reshape(values.shape)
    result = seq._wrap(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))
    return result if out is None else write_out("searchsorted", result, out, (), True)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,  # noqa: A002
              right: bool = False, out: Any = None) -> Tensor:
    """The bucket of each value: i with boundaries[i-1] < v <= boundaries[i] (``right``:
    boundaries[i-1] <= v < boundaries[i])."""
    if _t(boundaries).ndim != 1:
        raise RuntimeError("bucketize(): boundaries tensor must be 1 dimension")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def arange_index(n: int) -> Any:
    """The int64 array 0..n-1 (an index for the diagonal)."""
    return np.arange(n, dtype=np.int64)
# --- issue 15, part C: shapes, matrices, linear algebra and tensor facts
from .functions_shape import *  # noqa: E402,F403
from .functions_shape import __all__ as _shape_names  # noqa: E402

__all__ += _shape_names
