"""``tinygrad_edu.nn.functional``: PyTorch's functional names and signatures.

Activations call registered ops; losses are composites in ``ops/composite.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import OPS, apply_op
from ..functions import log_softmax as _log_softmax
from ..functions import softmax as _softmax
from ..ops import composite
from ..tensor import Tensor, _as_tensor
from .conv import conv2d, conv_transpose2d
from .dropout import dropout, dropout2d
from .normalization import batch_norm, group_norm, instance_norm, layer_norm
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .rnn import (
    embedding,
    gru,
    gru_cell,
    lstm,
    lstm_cell,
    rnn_relu,
    rnn_relu_cell,
    rnn_tanh,
    rnn_tanh_cell,
)
from .temporal import temporal_affine, temporal_softmax_loss

__all__ = [
    "embedding", "gru", "gru_cell", "lstm", "lstm_cell", "rnn_relu", "rnn_relu_cell", "rnn_tanh",
    "rnn_tanh_cell", "temporal_affine", "temporal_softmax_loss",
    "batch_norm", "dropout", "dropout2d", "group_norm", "instance_norm", "layer_norm",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "max_pool2d",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv2d", "conv_transpose2d",
    "cross_entropy", "elu", "gelu",
    "l1_loss", "leaky_relu", "linear", "log_softmax", "mse_loss", "multi_margin_loss",
    "nll_loss", "pad", "relu", "sigmoid", "softmax", "softplus", "tanh",
]


def _check_tensor(x: Any, name: str) -> None:
    """TypeError naming the function when ``input`` is not a Tensor (as PyTorch does)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: argument 'input' must be a Tensor, not {type(x).__name__}")


def _check_number(value: Any, arg: str, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name}: argument '{arg}' must be a number, got {value!r}")


def _maybe_inplace(input: Tensor, inplace: bool, name: str,  # noqa: A002
                   compute: Callable[[Tensor], Tensor]) -> Tensor:
    """compute(input), written into input's memory when ``inplace`` (PyTorch's ``inplace=``).

    In place follows the rules of every in-place op (``Tensor._inplace``): not on a leaf that
    requires grad, and the gradient still flows through the op.
    """
    return input._inplace(name + "_", compute) if inplace else compute(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0); with ``inplace=True`` the result overwrites x (x is returned)."""
    _check_tensor(input, "relu")
    return _maybe_inplace(input, inplace, "relu", lambda t: apply_op(OPS["relu"], t))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False  # noqa: A002
               ) -> Tensor:
    """x if x > 0 else negative_slope * x; ``inplace=True`` overwrites x."""
    _check_tensor(input, "leaky_relu")
    _check_number(negative_slope, "negative_slope", "leaky_relu")
    return _maybe_inplace(input, inplace, "leaky_relu", lambda t: apply_op(
        OPS["leaky_relu"], t, negative_slope=negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x if x > 0 else alpha * (exp(x) - 1); ``inplace=True`` overwrites x."""
    _check_tensor(input, "elu")
    _check_number(alpha, "alpha", "elu")
    return _maybe_inplace(input, inplace, "elu", lambda t: apply_op(OPS["elu"], t, alpha=alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x); ``approximate='tanh'`` for the tanh formula."""
    _check_tensor(input, "gelu")
    return apply_op(OPS["gelu"], input, approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""
    _check_tensor(input, "softplus")
    _check_number(beta, "beta", "softplus")
    _check_number(threshold, "threshold", "softplus")
    return apply_op(OPS["softplus"], input, beta=beta, threshold=threshold)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x))."""
    _check_tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent."""
    _check_tensor(input, "tanh")
    return input.tanh()


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim``."""
    x = input if dtype is None else input.type(dtype)
    return _softmax(x, _default_dim(x, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None  # noqa: A002
                ) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    x = input if dtype is None else input.type(dtype)
    return _log_softmax(x, _default_dim(x, dim, "log_softmax"))


def _default_dim(x: Tensor, dim: int | None, name: str) -> int:
    if dim is not None:
        return dim
    return 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x @ weight.T + bias, with weight of shape (out_features, in_features)."""
    _check_tensor(input, "linear")
    if not isinstance(weight, Tensor) or weight.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be a 1-D or 2-D Tensor (out_features, "
                           f"in_features), got {getattr(weight, 'shape', type(weight).__name__)}")
    out = input @ weight.T
    return out if bias is None else out + bias


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad the last dims: ``pad = (left, right, top, bottom, ...)``; constant mode only."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; use mode='constant'")
    return composite.pad(input, pad, 0.0 if value is None else value)


def _tensor_or_none(x: Any, like: Tensor) -> Tensor | None:
    return None if x is None else _as_tensor(x, like)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits (N, C, ...) and class indices (N, ...) or probabilities."""
    return composite.cross_entropy(input, _as_tensor(target, input), weight, ignore_index,
                                   reduction, label_smoothing)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices under log-probabilities."""
    return composite.nll_loss(input, _as_tensor(target, input), weight, ignore_index, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Mean squared error."""
    return composite.mse_loss(input, _as_tensor(target, input), reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
            reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Mean absolute error."""
    return composite.l1_loss(input, _as_tensor(target, input), reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: Any = None, reduce: Any = None, reduction: str = "mean"
                         ) -> Tensor:
    """Binary cross-entropy of probabilities in [0, 1]."""
    return composite.binary_cross_entropy(input, _as_tensor(target, input),
                                          _tensor_or_none(weight, input), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of sigmoid(logits), computed stably."""
    return composite.binary_cross_entropy_with_logits(
        input, _as_tensor(target, input), _tensor_or_none(weight, input), reduction,
        _tensor_or_none(pos_weight, input))


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Tensor | None = None, size_average: Any = None,
                      reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multiclass hinge (SVM) loss."""
    return composite.multi_margin_loss(input, _as_tensor(target, input), p, margin,
                                       _tensor_or_none(weight, input), reduction)
