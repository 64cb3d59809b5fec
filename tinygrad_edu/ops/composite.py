"""Composite ops: built from primitives, so autograd derives their gradients.

Nothing here has a hand-written backward. Each function takes Tensors (and plain Python
values) and calls Tensor methods or registered ops, which is why this module never imports
``tensor.py``: it works on whatever Tensor it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dtypes
from ..autograd import OPS, apply_op

if TYPE_CHECKING:
    from ..tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


# ----------------------------------------------------------------------------- statistics

def _count(x: Tensor, dims: tuple[int, ...] | None) -> int:
    if dims is None:
        return x.numel()
    return int(np.prod([x.shape[d] for d in dims]))


def mean(x: Tensor, dims: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    """sum(x) / n over ``dims``."""
    if x.dtype.kind != "f":
        raise RuntimeError(f"mean: could not infer output dtype; input dtype must be floating "
                           f"point, got {x.dtype}; call .float() first")
    return x.sum(dims, keepdim) / _count(x, dims)


def resolve_correction(unbiased: bool | None, correction: int | None) -> int:
    """PyTorch's two spellings of Bessel's correction: unbiased=True means correction=1."""
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def var(x: Tensor, dims: tuple[int, ...] | None, correction: int, keepdim: bool) -> Tensor:
    """sum((x - mean)**2) / (n - correction) over ``dims``."""
    centered = x - mean(x, dims, True)
    return (centered * centered).sum(dims, keepdim) / max(_count(x, dims) - correction, 0)


def safe_sqrt(v: Tensor) -> Tensor:
    """sqrt(v) whose gradient is 0 (not inf) where v == 0, as PyTorch's std has."""
    zero = v == 0
    return where(zero, v * 0, where(zero, v._wrap(np.ones((), v.dtype)), v).sqrt())


def logsumexp(x: Tensor, dims: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    """log(sum(exp(x))) = m + log(sum(exp(x - m))) with m = max(x): no overflow."""
    m = x.amax(dims, keepdim=True).detach()
    m = m.masked_fill(~((m == m) & (m.abs() != float("inf"))), 0.0)  # inf/nan rows: no shift
    out = (x - m).exp().sum(dims, keepdim=True).log() + m
    return out if keepdim else out.squeeze(dims if dims is not None else None)


def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """x with ``value`` where ``mask`` is True (a ``where`` with a constant)."""
    if mask.dtype.kind != "b":
        raise RuntimeError(f"masked_fill: expected a bool mask, got dtype {mask.dtype}")
    fill = value if hasattr(value, "_data") else x._wrap(np.asarray(value, dtype=x.dtype))
    return where(mask, fill, x)


def where(condition: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """Elementwise ``x if condition else y``; x and y are promoted to one dtype."""
    if condition.dtype.kind != "b":
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {condition.dtype}")
    try:
        np.broadcast_shapes(condition.shape, x.shape, y.shape)
    except ValueError:
        raise RuntimeError(f"where: shapes do not broadcast together: condition {condition.shape}"
                           f", x {x.shape}, y {y.shape}") from None
    dtype = dtypes.promote(x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    return apply_op(OPS["where"], condition, x.type(dtype), y.type(dtype))


# ----------------------------------------------------------------------------- shapes

def repeat(x: Tensor, sizes: tuple[int, ...]) -> Tensor:
    """Tile like ``torch.Tensor.repeat``: insert a broadcast axis before each dim, merge."""
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller "
                           f"than number of dimensions of tensor ({x.ndim})")
    x = x.reshape((1,) * (len(sizes) - x.ndim) + x.shape)
    interleaved = x.reshape(*[v for n in x.shape for v in (1, n)])
    expanded = interleaved.expand(*[v for r, n in zip(sizes, x.shape, strict=True) for v in (r, n)])
    return expanded.reshape(*[r * n for r, n in zip(sizes, x.shape, strict=True)])


def split(x: Tensor, split_size: int | Sequence[int], dim: int) -> tuple[Tensor, ...]:
    """Slices of ``x`` along ``dim`` of the given size(s)."""
    n = x.shape[dim]
    if isinstance(split_size, int):
        if split_size <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {split_size}")
        sizes = [min(split_size, n - s) for s in range(0, n, split_size)] or [0]
    else:
        sizes = list(split_size)
        if sum(sizes) != n:
            raise RuntimeError(f"split: split sizes {sizes} must sum to the size {n} of dim {dim}")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(x[index])
        start += size
    return tuple(pieces)


def cat(tensors: Sequence[Tensor], dim: int) -> Tensor:
    """Join tensors along ``dim``; all other sizes must match."""
    first = tensors[0]
    for i, t in enumerate(tensors[1:], start=1):
        others = [n for d, n in enumerate(t.shape) if d != dim]
        if t.ndim != first.ndim or others != [n for d, n in enumerate(first.shape) if d != dim]:
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {dim}; "
                               f"tensor 0 has shape {first.shape} but tensor {i} has shape "
                               f"{t.shape}")
    dtype = first.dtype
    for t in tensors[1:]:
        dtype = np.promote_types(dtype, t.dtype)
    return apply_op(OPS["cat"], *[t.type(dtype) for t in tensors], dim=dim)


def pad(x: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """PyTorch's F.pad (constant mode): ``pad`` lists (before, after) from the last dim back."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding length must be even and at most 2 * ndim "
                         f"({2 * x.ndim}), got {len(pad)}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return apply_op(OPS["pad"], x, pad_width=tuple(widths), value=value)


# ----------------------------------------------------------------------------- losses

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


def _check_float(x: Tensor, name: str, arg: str) -> None:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected {arg} to be a float tensor, got dtype {x.dtype}")


def nll_loss(logp: Tensor, target: Tensor, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices under log-probabilities (PyTorch's API)."""
    check_reduction(reduction, "nll_loss")
    _check_float(logp, "nll_loss", "input")
    _check_targets(logp, target, "nll_loss", ignore_index)
    n_classes = logp.shape[1] if logp.ndim > 1 else logp.shape[0]
    if weight is None:
        weight = logp._wrap(np.ones(n_classes, dtype=logp.dtype))
    elif weight.shape != (n_classes,):
        raise RuntimeError(f"nll_loss: weight should have one entry per class ({n_classes}), "
                           f"got shape {weight.shape}")
    return apply_op(OPS["nll_loss"], logp, target, weight.detach().type(logp.dtype),
                    ignore_index=ignore_index, reduction=reduction)


def _check_targets(x: Tensor, target: Tensor, name: str, ignore_index: int | None) -> None:
    """Class-index targets: integer dtype and the input's shape without the class dim."""
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected target dtype to be Long (int64 class indices), "
                           f"but got {target.dtype}; use target.long()")
    if x.ndim == 0:
        raise ValueError(f"{name}: expected input with a class dimension, got a 0-d tensor")
    expected = () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]
    if target.shape != expected:
        if x.ndim >= 2 and target.ndim >= 1 and target.shape[0] != x.shape[0]:
            raise ValueError(f"{name}: expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({target.shape[0]}); input shape {x.shape}, target "
                             f"shape {target.shape}")
        raise RuntimeError(f"{name}: expected target of shape {expected} for input of shape "
                           f"{x.shape}, got {target.shape}")
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    t = target._data
    bad = (t < 0) | (t >= n_classes)
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        ignored = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise IndexError(f"{name}: Target {t[bad].flat[0]} is out of bounds; expected class "
                         f"indices in [0, {n_classes - 1}]{ignored}")


def cross_entropy(x: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits against class indices or class probabilities.

    ``nll_loss(log_softmax(x))``; with ``label_smoothing`` e the target puts 1 - e on the class
    and e / C on every class, as in PyTorch.
    """
    check_reduction(reduction, "cross_entropy")
    _check_float(x, "cross_entropy", "input")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                           f"{label_smoothing}")
    class_dim = 1 if x.ndim > 1 else 0
    if target.dtype.kind != "f":
        _check_targets(x, target, "cross_entropy", ignore_index)
    logp = x.log_softmax(class_dim)
    n_classes = x.shape[class_dim]
    w_shape = [1] * x.ndim
    w_shape[class_dim] = n_classes
    if target.dtype.kind == "f":
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, w_shape)
    loss = nll_loss(logp, target, weight, ignore_index, reduction)
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


def mse_loss(x: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error (x - target)**2."""
    check_reduction(reduction, "mse_loss")
    diff = x - target
    return _reduce(diff * diff, reduction)


def l1_loss(x: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x - target|."""
    check_reduction(reduction, "l1_loss")
    return _reduce((x - target).abs(), reduction)


def _check_same_shape(x: Tensor, target: Tensor, name: str) -> None:
    if x.shape != target.shape:
        raise ValueError(f"{name}: using a target size {target.shape} that is different to the "
                         f"input size {x.shape}; please ensure they have the same size")


def binary_cross_entropy(x: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) for probabilities x; logs are clamped at -100."""
    check_reduction(reduction, "binary_cross_entropy")
    _check_same_shape(x, target, "binary_cross_entropy")
    if x.numel() and not np.all((x._data >= 0) & (x._data <= 1)):
        bad = x._data[~((x._data >= 0) & (x._data <= 1))].flat[0]
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 "
                           f"and 1, found {bad}; use binary_cross_entropy_with_logits for "
                           "logits")
    loss = apply_op(OPS["binary_cross_entropy"], x, target.type(x.dtype))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(x: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None
                                     ) -> Tensor:
    """BCE of sigmoid(x), computed stably: (1 - t) x + (1 + (pw - 1) t) softplus(-x)."""
    check_reduction(reduction, "binary_cross_entropy_with_logits")
    _check_same_shape(x, target, "binary_cross_entropy_with_logits")
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * x + log_weight * apply_op(OPS["softplus"], -x, beta=1.0,
                                                    threshold=20.0)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def multi_margin_loss(x: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    """Multiclass SVM loss: sum over wrong classes j of max(0, margin - x_y + x_j)**p / C."""
    check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    if x.ndim not in (1, 2):
        raise ValueError(f"multi_margin_loss: expected input of shape (N, C) or (C,), got "
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
    wrong = x2._wrap(np.arange(n_classes)[None, :] != t._data[:, None])
    loss = (margins * wrong).sum(1) / n_classes
    if x.ndim == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
