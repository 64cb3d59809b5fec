"""Activation functions: PyTorch's ``F.relu``, ``F.gelu``, ``F.softmax``, ... .

Each checks its arguments and calls a registered op (``tinygrad_edu/ops/elementwise.py``) or a
Tensor method. ``inplace=True`` writes the result into the input, with the rules of every
in-place op (``Tensor._inplace``: not on a leaf that requires grad; gradients still flow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...autograd import OPS, apply_op
from ...checks import check_number
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["elu", "gelu", "leaky_relu", "log_softmax", "relu", "sigmoid", "softmax",
           "softplus", "tanh"]


def _maybe_inplace(input: Tensor, inplace: bool, name: str,  # noqa: A002
                   compute: Callable[[Tensor], Tensor]) -> Tensor:
    """compute(input), written into input's memory when ``inplace`` (PyTorch's ``inplace=``).

    In place follows the rules of every in-place op (``Tensor._inplace``): not on a leaf that
    requires grad, and the gradient still flows through the op.
    """
    return input._inplace(name + "_", compute) if inplace else compute(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0); with ``inplace=True`` the result overwrites x (x is returned)."""
    check_tensor(input, "relu")
    return _maybe_inplace(input, inplace, "relu", lambda t: apply_op(OPS["relu"], t))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False  # noqa: A002
               ) -> Tensor:
    """x if x > 0 else negative_slope * x; ``inplace=True`` overwrites x."""
    check_tensor(input, "leaky_relu")
    check_number(negative_slope, "negative_slope", "leaky_relu")
    return _maybe_inplace(input, inplace, "leaky_relu", lambda t: apply_op(
        OPS["leaky_relu"], t, negative_slope=negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x if x > 0 else alpha * (exp(x) - 1); ``inplace=True`` overwrites x."""
    check_tensor(input, "elu")
    check_number(alpha, "alpha", "elu")
    return _maybe_inplace(input, inplace, "elu", lambda t: apply_op(OPS["elu"], t, alpha=alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x); ``approximate='tanh'`` for the tanh formula."""
    check_tensor(input, "gelu")
    return apply_op(OPS["gelu"], input, approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""
    check_tensor(input, "softplus")
    check_number(beta, "beta", "softplus")
    check_number(threshold, "threshold", "softplus")
    return apply_op(OPS["softplus"], input, beta=beta, threshold=threshold)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x))."""
    check_tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent."""
    check_tensor(input, "tanh")
    return input.tanh()


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim``."""
    x = input if dtype is None else input.type(dtype)
    return x.softmax(_default_dim(x, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None  # noqa: A002
                ) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    x = input if dtype is None else input.type(dtype)
    return x.log_softmax(_default_dim(x, dim, "log_softmax"))


def _default_dim(x: Tensor, dim: int | None, name: str) -> int:
    if dim is not None:
        return dim
    return 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
