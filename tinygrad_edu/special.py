"""``tg.special``: PyTorch's ``torch.special`` functions that course code uses.

Each is the Tensor method of the same meaning (``special.expit`` is ``Tensor.sigmoid``,
``special.erf`` is ``Tensor.erf``, ...), so values, dtypes and gradients are the method's.

Example:
    >>> import tinygrad_edu as tg
    >>> tg.special.expit(tg.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

from typing import Any

from .tensor import Tensor
from .tensor import functions as _functions
from .tensor.core import tensor_arg

__all__ = ["erf", "erfc", "erfinv", "exp2", "expit", "expm1", "log1p", "log_softmax",
           "logit", "logsumexp", "ndtr", "round", "softmax", "xlogy"]

erf = _functions.erf
erfc = _functions.erfc
erfinv = _functions.erfinv
exp2 = _functions.exp2
expm1 = _functions.expm1
log1p = _functions.log1p
logit = _functions.logit
xlogy = _functions.xlogy
round = _functions.round  # noqa: A001 - PyTorch's name


def expit(input: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """The logistic sigmoid 1 / (1 + e**-x) (``torch.special.expit``)."""
    return _functions.sigmoid(input) if out is None else out.copy_(_functions.sigmoid(input))


def ndtr(input: Any) -> Tensor:  # noqa: A002
    """The standard normal CDF: (1 + erf(x / sqrt(2))) / 2."""
    x = tensor_arg(input, "ndtr")._floating()
    return (1 + (x * 0.7071067811865476).erf()) * 0.5


def softmax(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim`` (``dtype``: cast the input first)."""
    x = tensor_arg(input, "softmax")
    return (x if dtype is None else x.type(dtype)).softmax(dim)


def log_softmax(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """x - logsumexp(x) along ``dim`` (``dtype``: cast the input first)."""
    x = tensor_arg(input, "log_softmax")
    return (x if dtype is None else x.type(dtype)).log_softmax(dim)


def logsumexp(input: Any, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """log(sum(exp(x))) along ``dim``, computed without overflow."""
    return tensor_arg(input, "logsumexp").logsumexp(dim, keepdim=keepdim)
