"""Loss functions: PyTorch's ``cross_entropy``, ``nll_loss``, ``mse_loss``, ... .

``nll_loss`` and ``binary_cross_entropy`` are registered ops (``ops/loss.py``, where
softmax-cross-entropy's backward is the lesson); every other loss is composed here from Tensor
operations, so autograd derives its gradient. Each public function checks its arguments and
converts the target, then calls its ``_`` implementation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import OPS, apply_op, relabel
from ...checks import (
    FLOATING,
    DtypeRule,
    check_dtypes,
    check_floating,
    check_number,
    common_floating,
    input_dims,
    int_arg,
)
from ...tensor import Tensor, as_tensor_like

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "check_reduction",
           "cross_entropy", "l1_loss", "mse_loss", "multi_margin_loss", "nll_loss"]


def _tensor_or_none(x: Any, like: Tensor) -> Tensor | None:
    return None if x is None else as_tensor_like(x, like)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits (N, C, ...) and class indices (N, ...) or probabilities."""
    ignore_index = int_arg(ignore_index, "cross_entropy", "ignore_index")
    return _cross_entropy(input, as_tensor_like(target, input), weight, ignore_index,
                                   reduction, label_smoothing)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices under log-probabilities."""
    ignore_index = int_arg(ignore_index, "nll_loss", "ignore_index")
    return _nll_loss(input, as_tensor_like(target, input), weight, ignore_index, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Mean squared error."""
    return relabel(_mse_loss(input, as_tensor_like(target, input), reduction),
                   "MseLossBackward0")  # PyTorch's node name for the whole loss


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
            reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Mean absolute error."""
    return _l1_loss(input, as_tensor_like(target, input), reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: Any = None, reduce: Any = None, reduction: str = "mean"
                         ) -> Tensor:
    """Binary cross-entropy of probabilities in [0, 1]."""
    return relabel(_binary_cross_entropy(input, as_tensor_like(target, input),
                                         _tensor_or_none(weight, input), reduction),
                   "BinaryCrossEntropyBackward0")


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of sigmoid(logits), computed stably."""
    return relabel(_binary_cross_entropy_with_logits(
        input, as_tensor_like(target, input), _tensor_or_none(weight, input), reduction,
        _tensor_or_none(pos_weight, input)), "BinaryCrossEntropyWithLogitsBackward0")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Tensor | None = None, size_average: Any = None,
                      reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multiclass hinge (SVM) loss."""
    return _multi_margin_loss(input, as_tensor_like(target, input), p, margin,
                                       _tensor_or_none(weight, input), reduction)


# ----------------------------------------------------------------------------- implementations

REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def check_reduction(reduction: str, name: str) -> None:
    """ValueError unless ``reduction`` is 'none', 'mean' or 'sum'."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


#: a target that is not floating point or bool: PyTorch cannot write the float loss into it
_FLOAT_OR_BOOL = DtypeRule("fb", RuntimeError, "a floating point or bool")


def _check_float(x: Tensor, name: str, arg: str) -> None:
    check_floating(x.dtype, f"{name}: expected {arg} to be a float tensor, got dtype {x.dtype}")


def _nll_loss(logp: Tensor, target: Tensor, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices under log-probabilities (PyTorch's API)."""
    check_reduction(reduction, "nll_loss")
    _check_float(logp, "nll_loss", "input")
    _check_targets(logp, target, "nll_loss", ignore_index)
    return _checked_nll_loss(logp, target, weight, ignore_index, reduction)


def _checked_nll_loss(logp: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                      reduction: str) -> Tensor:
    """The ``nll_loss`` op on arguments already checked (``cross_entropy`` checks its input
    and targets once, then comes here)."""
    shape = logp.numpy(force=True).shape
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    if weight is None:
        weight = _unit_weights(n_classes, logp.numpy(force=True).dtype)
    elif weight.shape != (n_classes,):
        raise RuntimeError(f"nll_loss: weight should have one entry per class ({n_classes}), "
                           f"got shape {weight.shape}")
    else:
        weight = weight.detach().type(logp.dtype)
    return apply_op(OPS["nll_loss"], logp, target, weight, ignore_index=ignore_index,
                    reduction=reduction)


_UNIT_WEIGHTS: dict[tuple[int, Any], Tensor] = {}


def _unit_weights(n_classes: int, dtype: Any) -> Tensor:
    """A weight of 1 per class (no ``weight`` given), made once per size and dtype and
    read-only: the op only reads it."""
    key = (n_classes, dtype)
    if key not in _UNIT_WEIGHTS:
        if len(_UNIT_WEIGHTS) > 64:
            _UNIT_WEIGHTS.clear()
        ones = np.ones(n_classes, dtype=dtype)
        ones.flags.writeable = False
        _UNIT_WEIGHTS[key] = Tensor(ones)
    return _UNIT_WEIGHTS[key]


def _check_targets(x: Tensor, target: Tensor, name: str, ignore_index: int | None) -> None:
    """Class-index targets: integer dtype and the input's shape without the class dim."""
    xa, t = x.numpy(force=True), target.numpy(force=True)
    if (xa.ndim >= 2 and t.dtype.kind in "iu" and t.ndim == xa.ndim - 1
            and t.shape[0] == xa.shape[0] and t.shape[1:] == xa.shape[2:]
            and 0 < t.size <= 16):  # the common case of a small batch, checked quickly
        values = t.ravel().tolist()  # (Python's min and max beat numpy's on a few values)
        if 0 <= min(values) and max(values) < xa.shape[1]:
            return
    if x.ndim == 0:
        raise ValueError(f"{name}: expected input with a class dimension, got a 0-d tensor")
    _check_batch(x, target, name)
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected target dtype to be Long (int64 class indices), "
                           f"but got {target.dtype}; use target.long()")
    expected = () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]
    if target.shape != expected:
        raise RuntimeError(f"{name}: expected target of shape {expected} for input of shape "
                           f"{x.shape}, got {target.shape}")
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    t = target.numpy()
    if t.size == 0 or 0 <= t.min() and t.max() < n_classes:  # (two quick passes, no masks)
        return
    bad = (t < 0) | (t >= n_classes)
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        ignored = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise IndexError(f"{name}: Target {t[bad].flat[0]} is out of bounds; expected class "
                         f"indices in [0, {n_classes - 1}]{ignored}")


def _check_batch(x: Tensor, target: Tensor, name: str) -> None:
    """PyTorch's ValueError when a batched input's and its class-index target's batch sizes
    differ (a 0-d target has a batch of 0); checked before the target's dtype, as in PyTorch."""
    target_batch = target.shape[0] if target.ndim else 0
    if x.ndim >= 2 and target_batch != x.shape[0]:
        raise ValueError(f"{name}: expected input batch_size ({x.shape[0]}) to match target "
                         f"batch_size ({target_batch}); input shape {x.shape}, target "
                         f"shape {target.shape}")


def _cross_entropy(x: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits against class indices or class probabilities.

    ``nll_loss(log_softmax(x))``; with ``label_smoothing`` e the target puts 1 - e on the class
    and e / C on every class, as in PyTorch.
    """
    check_reduction(reduction, "cross_entropy")
    _check_float(x, "cross_entropy", "input")
    check_number(label_smoothing, "label_smoothing", "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                           f"{label_smoothing}")
    if x.ndim == 0:  # PyTorch's IndexError: the class dim 1 is out of range
        raise IndexError("cross_entropy: expected input with a class dimension (dim 1), got a "
                         "0-d tensor")
    class_dim = 1 if x.ndim > 1 else 0
    if target.dtype.kind != "f":
        _check_targets(x, target, "cross_entropy", ignore_index)
    elif target.shape != x.shape:  # not class probabilities: class indices of the wrong dtype
        _check_batch(x, target, "cross_entropy")
    logp = apply_op(OPS["log_softmax"], x, dim=class_dim)  # (x.log_softmax's op)
    if target.dtype.kind != "f" and label_smoothing == 0:  # the common case
        return _checked_nll_loss(logp, target, weight, ignore_index, reduction)
    n_classes = x.shape[class_dim]
    w_shape = [1] * x.ndim
    w_shape[class_dim] = n_classes
    if target.dtype.kind == "f":
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, w_shape)
    loss = _checked_nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return loss
    wlogp = logp if weight is None else logp * weight.reshape(*w_shape)
    smooth = -wlogp.sum(class_dim) * (target != ignore_index)
    if reduction == "mean":
        w_t = (target != ignore_index).type(x.dtype)
        if weight is not None:
            w_t = w_t * weight[target.clamp(0, n_classes - 1)]
        smooth = smooth.sum() / w_t.sum()
    else:
        smooth = _reduce(smooth, reduction)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _soft_cross_entropy(logp: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                        label_smoothing: float, w_shape: list[int]) -> Tensor:
    """Cross-entropy against class probabilities (target has the input's shape)."""
    if target.shape != logp.shape:
        raise RuntimeError(f"cross_entropy: expected target dtype to be Long (class indices) of "
                           f"shape {logp.shape[:1] + logp.shape[2:]}, or class probabilities of "
                           f"the input's shape {logp.shape}; got {target.dtype} of shape "
                           f"{target.shape}")
    class_dim = 1 if logp.ndim > 1 else 0
    n_classes = logp.shape[class_dim]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target.type(logp.dtype)
    if weight is not None:
        prod = prod * weight.reshape(*w_shape)
    loss = -prod.sum(class_dim)
    if reduction == "mean" and logp.ndim > 1:
        return loss.sum() / (loss.numel())
    return _reduce(loss, reduction)


def _mse_loss(x: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error (x - target)**2."""
    check_reduction(reduction, "mse_loss")
    x, target = common_floating("mse_loss", x, target, args=("input", "target"))
    diff = x - target
    return _reduce(diff * diff, reduction)


def _l1_loss(x: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x - target|."""
    check_reduction(reduction, "l1_loss")
    return _reduce((x - target).abs(), reduction)


def _check_same_shape(x: Tensor, target: Tensor, name: str) -> None:
    if x.shape != target.shape:
        raise ValueError(f"{name}: using a target size {target.shape} that is different to the "
                         f"input size {x.shape}; please ensure they have the same size")


def _binary_cross_entropy(x: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) for probabilities x; logs are clamped at -100."""
    check_reduction(reduction, "binary_cross_entropy")
    check_dtypes("binary_cross_entropy", OPS["binary_cross_entropy"].dtypes, x, target,
                 args=("input", "target"))
    _check_same_shape(x, target, "binary_cross_entropy")
    if x.numel() and not np.all((x.detach().numpy() >= 0) & (x.detach().numpy() <= 1)):
        bad = x.detach().numpy()[~((x.detach().numpy() >= 0) & (x.detach().numpy() <= 1))].flat[0]
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 "
                           f"and 1, found {bad}; use binary_cross_entropy_with_logits for "
                           "logits")
    t = target.detach().numpy()
    if t.size and not np.all((t >= 0) & (t <= 1)):  # NaN is outside too, as in PyTorch
        raise RuntimeError(f"binary_cross_entropy: all elements of target should be between 0 "
                           f"and 1, found {t[~((t >= 0) & (t <= 1))].flat[0]}")
    loss = apply_op(OPS["binary_cross_entropy"], x, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _binary_cross_entropy_with_logits(x: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None
                                     ) -> Tensor:
    """BCE of sigmoid(x), computed stably: (1 - t) x + (1 + (pw - 1) t) softplus(-x)."""
    check_reduction(reduction, "binary_cross_entropy_with_logits")
    check_dtypes("binary_cross_entropy_with_logits", FLOATING, x)
    check_dtypes("binary_cross_entropy_with_logits", _FLOAT_OR_BOOL, target, args=("target",))
    _check_same_shape(x, target, "binary_cross_entropy_with_logits")
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * x + log_weight * apply_op(OPS["softplus"], -x, beta=1.0,
                                                    threshold=20.0)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _multi_margin_loss(x: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    """Multiclass SVM loss: sum over wrong classes j of max(0, margin - x_y + x_j)**p / C."""
    check_reduction(reduction, "multi_margin_loss")
    check_dtypes("multi_margin_loss", FLOATING, x)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    input_dims(x, (1, 2), "multi_margin_loss", RuntimeError, " of shape (N, C) or (C,)")
    batch = x.shape[0] if x.ndim == 2 else 1
    if target.ndim > 1 or target.numel() != batch:
        raise RuntimeError(f"multi_margin_loss: expected a 1-D target of one class index per "
                           f"sample ({batch}), got shape {target.shape} for input of shape "
                           f"{x.shape}")
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    t = target.reshape(1) if x.ndim == 1 else target
    _check_targets(x2, t, "multi_margin_loss", None)
    n_classes = x2.shape[1]
    correct = apply_op(OPS["take_along_dim"], x2, t.reshape(-1, 1), dim=1)
    margins = (x2 - correct + margin).relu()
    if p == 2:
        margins = margins * margins
    if weight is not None:
        margins = margins * weight[t].reshape(-1, 1)
    wrong = Tensor(np.arange(n_classes)[None, :] != t.numpy()[:, None])
    loss = (margins * wrong).sum(1) / n_classes
    if x.ndim == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
