"""More loss functions: robust regression, divergences, likelihoods and margin (embedding) losses.

PyTorch's ``smooth_l1_loss``, ``huber_loss``, ``kl_div``, ``poisson_nll_loss``,
``gaussian_nll_loss``, ``soft_margin_loss``, ``multilabel_soft_margin_loss``,
``hinge_embedding_loss``, ``margin_ranking_loss``, ``cosine_embedding_loss`` and
``triplet_margin_loss``. Each is a composite of differentiable Tensor operations (autograd
derives the gradient), written after PyTorch's own formula so the values agree to rounding.
``where(mask, a, b)`` sends the gradient only into the chosen branch; where the other branch
could overflow or take log(0) its input is made safe first, so no 0 * inf = nan leaks back.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ...checks import (
    FLOATING_CHECKED,
    broadcast_shape,
    check_dtypes,
    check_number,
    common_floating,
    min_dims,
)
from ...tensor import Tensor, as_tensor_like
from ...tensor.functions import where
from .activation import logsigmoid
from .distance import pairwise_distance
from .loss import _reduce, check_reduction

__all__ = ["cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss",
           "kl_div", "margin_ranking_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
           "multilabel_margin_loss", "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]


def _broadcast_pair(x: Tensor, target: Any, name: str) -> tuple[Tensor, Tensor]:
    """Target as a tensor; PyTorch's warning when its shape differs (then both broadcast)."""
    target = as_tensor_like(target, x)
    if target.shape != x.shape:
        warnings.warn(f"{name}: Using a target size ({target.shape}) that is different to the "
                      f"input size ({x.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)
    return x, target


# ------------------------------------------------------------------------- regression losses


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                   reduce: Any = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d**2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - target).

    Quadratic near 0 (gradient d / beta), linear outside (gradient sign(d)): an L1 loss whose
    kink is smoothed over a band of width ``beta``. ``beta=0`` is the L1 loss.
    """
    check_reduction(reduction, "smooth_l1_loss")
    check_number(beta, "beta", "smooth_l1_loss")
    if not beta >= 0:  # NaN too, as in PyTorch
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, target = common_floating("smooth_l1_loss", *_broadcast_pair(input, target,
                                "smooth_l1_loss"), args=("input", "target"))
    d = x - target
    ad = d.abs()
    if beta == 0:
        return _reduce(ad, reduction)
    return _reduce(where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta): ``delta * smooth_l1(beta=delta)``.

    ``weight`` (the input's shape) multiplies each element's loss before the reduction.
    """
    check_reduction(reduction, "huber_loss")
    check_number(delta, "delta", "huber_loss")
    if not delta > 0:  # NaN too, as in PyTorch
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, target = _broadcast_pair(input, target, "huber_loss")
    # PyTorch writes the loss into a tensor of the input's dtype: a float one
    x, target = common_floating("huber_loss", x, target, args=("input", "target"))
    check_dtypes("huber_loss", FLOATING_CHECKED, input)
    d = x - target
    ad = d.abs()
    loss = where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        weight = as_tensor_like(weight, x)
        if weight.shape != x.shape:
            raise ValueError("Weights and input must have the same size.")
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
           reduce: Any = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || q) pointwise, with ``input`` = log q: target (log target - input).

    ``target * log(target)`` is computed as ``xlogy`` so zero-probability targets give 0.
    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL
    divergence per sample); ``'mean'`` divides by every element, as PyTorch (which warns).
    """
    if reduction != "batchmean":
        check_reduction(reduction, "kl_div")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    target = as_tensor_like(target, input)
    check_dtypes("kl_div", FLOATING_CHECKED, input, target, args=("input", "target"))
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: Any = None, eps: float = 1e-8,
                     reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of counts ``target`` under Poisson(rate), constants dropped.

    log_input: input = log rate, loss exp(input) - target input; else input = rate, loss
    input - target log(input + eps). ``full`` adds Stirling's log(target!) ~
    t log t - t + 0.5 log(2 pi t), for targets > 1.
    """
    check_reduction(reduction, "poisson_nll_loss")
    check_number(eps, "eps", "poisson_nll_loss")
    target = as_tensor_like(target, input)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        safe = where(target > 1, target, 1.0)  # no log(0) in the branch that is not taken
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float,  # noqa: A002
                      full: bool = False, eps: float = 1e-6, reduction: str = "mean"
                      ) -> Tensor:
    """Negative log-likelihood of target under N(input, var): 0.5 (log var + (x - t)**2 / var).

    ``var`` has the input's shape, or one dimension fewer / a size-1 dimension (one variance
    shared along it), or is a float. It is clamped to >= eps for stability, but (as PyTorch)
    the clamp is invisible to the gradient, which treats var as unclamped.
    """
    target = as_tensor_like(target, input)
    check_number(eps, "eps", "gaussian_nll_loss")
    if not isinstance(var, Tensor | int | float):
        raise TypeError(f"gaussian_nll_loss(): argument 'var' must be a Tensor or a float, not "
                        f"{type(var).__name__}")
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.detach().new_ones(input.shape) * float(var)
    else:
        check_dtypes("gaussian_nll_loss", FLOATING_CHECKED, var, args=("var",))
        if bool((var < 0).any()):
            raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(
                v for i, v in zip(input.shape, var.shape, strict=True) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var + (var.clamp(min=eps) - var).detach()  # clamp the value, keep the gradient
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- margin/embedding losses


def soft_margin_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                     reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss log(1 + exp(-y x)) for labels y in {1, -1}."""
    check_reduction(reduction, "soft_margin_loss")
    target = as_tensor_like(target, input)
    # the loss has the input's shape: the target broadcasts to it, not the other way round
    broadcast_shape("soft_margin_loss", tuple(target.shape), tuple(input.shape), into=True)
    check_dtypes("soft_margin_loss", FLOATING_CHECKED, input)  # the loss has its dtype
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor,  # noqa: A002
                                weight: Tensor | None = None, size_average: Any = None,
                                reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Per-class binary cross-entropy of sigmoid(x) against 0/1 labels, averaged over classes.

    -(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times ``weight`` per class, mean over the
    last (class) dim: one loss per sample.
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    target = as_tensor_like(target, input)
    min_dims(input, 1, "multilabel_soft_margin_loss", "an input (N, C) or (C,) with a class "
             "dim")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * as_tensor_like(weight, input)
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: Any = None, reduce: Any = None, reduction: str = "mean"
                         ) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (x is a distance, y similar/dissimilar)."""
    check_reduction(reduction, "hinge_embedding_loss")
    target = as_tensor_like(target, input)
    check_dtypes("hinge_embedding_loss", FLOATING_CHECKED, input)  # the loss has its dtype
    margin_part = where(target != 1, (margin - input).clamp(min=0), 0.0)
    self_part = where(target != -1, input, 0.0)
    return _reduce(margin_part + self_part, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: Any = None, reduce: Any = None, reduction: str = "mean"
                        ) -> Tensor:
    """max(0, -y (x1 - x2) + margin): y = 1 wants x1 ranked above x2 by ``margin``, y = -1 below."""
    check_reduction(reduction, "margin_ranking_loss")
    target = as_tensor_like(target, input1)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


_COS_EPS = 1e-12  # PyTorch's EPSILON added to the squared magnitudes


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1.

    Inputs (N, D) with targets (N,), or (D,) with a 0-d target.
    """
    check_reduction(reduction, "cosine_embedding_loss")
    target = as_tensor_like(target, input1)
    if target.ndim not in (0, 1):
        raise RuntimeError("cosine_embedding_loss: 0D or 1D target tensor expected, "
                           "multi-target not supported")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(f"cosine_embedding_loss: {target.ndim}D target tensor expects {want}D "
                           f"input tensors, but found inputs with sizes {input1.shape} and "
                           f"{input2.shape}.")
    dim = target.ndim
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + _COS_EPS
    mag2 = (input2 * input2).sum(dim) + _COS_EPS
    cos = prod / (mag1 * mag2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with the p-norm distance ``pairwise_distance``.

    ``swap=True`` uses min(d(a, n), d(p, n)) as the negative distance (Balntas et al. 2016).
    """
    check_reduction(reduction, "triplet_margin_loss")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {dims[0]}D, positive "
                           f"{dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable[[Tensor, Tensor], Tensor]
                                      | None = None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """``triplet_margin_loss`` with any distance (default ``pairwise_distance``)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {dims[0]}D, positive "
                           f"{dims[1]}D, and negative {dims[2]}D inputs")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: sum over target classes j and non-target classes i of
    max(0, 1 - (x_j - x_i)), divided by C.

    ``target`` (N, C) or (C,) holds class indices, ended by the first -1 (the rest is unused).
    """
    check_reduction(reduction, "multilabel_margin_loss")
    x = input.unsqueeze(0) if input.ndim <= 1 else input
    t = np.asarray(as_tensor_like(target, input).numpy())
    t = t.reshape(1, -1) if t.ndim <= 1 else t
    if x.ndim != 2 or t.shape != tuple(x.shape):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {t.shape} for "
                           f"input of size: {tuple(input.shape)}")
    n, c = x.shape
    counts = np.zeros((n, c))
    for row in range(n):
        for label in t[row]:
            if label < 0:
                break
            if label >= c:
                raise RuntimeError(f"multilabel_margin_loss: target index {label} is out of "
                                   f"bounds for {c} classes")
            counts[row, label] += 1
    is_target = counts > 0
    # pairs (j, i): j a target class (counted as often as listed), i not a target class
    pairs = Tensor((counts[:, :, None] * ~is_target[:, None, :]).astype(x.dtype))
    hinge = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
    loss = (hinge * pairs).sum((1, 2)) / c
    if input.ndim <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
