"""Top-level functions (``tg.cat``, ``tg.where``, ``tg.exp``, ...), PyTorch's ``torch.*`` names.

Each is a thin call into a Tensor method or a function of the method families; no math lives
here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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

# --- issue 15, part C: shapes, matrices, linear algebra and tensor facts
from .functions_shape import *  # noqa: E402,F403
from .functions_shape import __all__ as _shape_names  # noqa: E402

__all__ += _shape_names
