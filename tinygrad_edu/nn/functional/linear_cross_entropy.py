"""``F.linear_cross_entropy``: a linear layer's logits scored by cross-entropy, in one call."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

from ... import dtypes
from ...tensor import Tensor
from ...tensor.convert import check_tensor
from .linear import linear
from .loss import cross_entropy

__all__ = ["LinearCrossEntropyOptions", "linear_cross_entropy"]


@dataclass
class LinearCrossEntropyOptions:
    """PyTorch's switches for computing ``linear_cross_entropy`` in batch chunks.

    PyTorch can process the batch in pieces so that the full (batch, classes) logits never
    exist at once: a memory saving for language models whose vocabulary head has 100,000+
    classes. The loss and its gradients are the same as the reference computation. Here
    every call takes the reference path (the logits are formed whole); these options are
    accepted so that PyTorch code runs, and change neither values nor gradients.
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: Literal["accurate", "balanced", "compact", "auto"] = "auto"
    acc_dtype: Any = None


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *,  # noqa: A002
                         linear_bias: Tensor | None = None, weight: Tensor | None = None,
                         reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0,
                         options: LinearCrossEntropyOptions | None = None) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``.

    ``input`` is (in_features,) or (N, in_features); ``linear_weight`` is
    (C, in_features), or (C, d_1, ..., d_K, in_features) for a K-dimensional loss whose
    logits are (N, C, d_1, ..., d_K) (one C-way classification per position, targets
    (N, d_1, ..., d_K)). ``ignore_index=None`` ignores no class. A target shaped like the
    logits holds class probabilities.

    Example:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> x, w = tg.ones(2, 3), tg.zeros(4, 3)
        >>> round(F.linear_cross_entropy(x, w, tg.tensor([0, 3])).item(), 4)  # log(4)
        1.3863
    """
    check_tensor(input, "linear_cross_entropy")
    check_tensor(linear_weight, "linear_cross_entropy", "linear_weight")
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError("expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.ndim}")
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions "
                           f"(in_features), got {in_features} and {linear_weight.shape[-1]}, "
                           "respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, "
                           f"(N, {in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batch, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    if options is not None and (out_features or reduction not in {"mean", "sum", "none"}
                                or label_smoothing != 0.0 or target.dtype != dtypes.int64):
        warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                      "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, "
                      f"out_features == (). Got reduction={reduction!r}, "
                      f"label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
                      f"out_features={out_features}, tracing=False, linear_bias.shape="
                      f"{tuple(linear_bias.shape) if linear_bias is not None else None}.",
                      stacklevel=2)
    flat_bias = None if linear_bias is None else linear_bias.reshape(-1)
    logits = linear(input, linear_weight.reshape(math.prod(linear_weight.shape[:-1]),
                                                 in_features), flat_bias)
    return cross_entropy(logits.reshape(logits_shape), target, weight,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)
