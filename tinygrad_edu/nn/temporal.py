"""Layers over time: an affine layer applied at every step, and the masked temporal loss.

Both are compositions of existing ops (no hand-written backward):

- ``temporal_affine(x, weight, bias)`` merges the batch and time axes, applies one affine
  layer to all N*T vectors at once (one matrix product) and splits the axes again;
- ``temporal_softmax_loss(x, y, mask)`` is the softmax cross-entropy of every step's scores,
  where the mask is False (padding after a caption ends), summed over time and averaged over
  the batch: the course's convention. It is ``cross_entropy`` with ``ignore_index``:

      targets = where(mask, y, -100)
      loss = F.cross_entropy(x.reshape(N * T, V), targets.reshape(-1), ignore_index=-100,
                             reduction="sum") / N
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import creation
from ..ops import composite
from ..tensor import Tensor
from .layers import Linear

__all__ = ["TemporalAffine", "temporal_affine", "temporal_softmax_loss"]

IGNORE = -100  # the class index cross_entropy skips


def temporal_affine(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """The affine map ``v @ weight.T + bias`` applied to the vector of every (n, t).

    Args:
        x: (N, T, D).
        weight: (M, D) (PyTorch's ``Linear`` layout).
        bias: (M,) or None.

    Returns:
        (N, T, M).
    """
    if x.ndim != 3 or weight.ndim != 2 or x.shape[2] != weight.shape[1]:
        raise RuntimeError(f"temporal_affine: expected x (N, T, D) and weight (M, D) with the "
                           f"same D, got x {x.shape} and weight {weight.shape}")
    if bias is not None and bias.shape != weight.shape[:1]:
        raise RuntimeError(f"temporal_affine: expected bias of shape {weight.shape[:1]}, got "
                           f"{bias.shape}")
    n, t, d = x.shape
    out = x.reshape(n * t, d) @ weight.T  # one product for all N*T vectors
    if bias is not None:
        out = out + bias
    return out.reshape(n, t, weight.shape[0])


class TemporalAffine(Linear):
    """``Linear`` applied at every time step of a (N, T, in_features) sequence.

    Args:
        in_features, out_features, bias: as in ``Linear``.

    Shape:
        input (N, T, in_features) -> output (N, T, out_features).

    Attributes:
        weight: (out_features, in_features), bias: (out_features,), initialised as ``Linear``.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.temporal import TemporalAffine
        >>> TemporalAffine(8, 5)(tg.zeros(2, 3, 8)).shape
        (2, 3, 5)
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[2] != self.in_features:
            raise RuntimeError(f"TemporalAffine: expected input of shape (N, T, "
                               f"{self.in_features}) (in_features={self.in_features}), got "
                               f"{x.shape}")
        return temporal_affine(x, self.weight, self.bias)


def temporal_softmax_loss(x: Tensor, y: Any, mask: Any = None) -> Tensor:
    """Softmax cross-entropy at every step where ``mask`` is True, summed over time.

    The sum is averaged over the batch (the course's convention):

    loss = -1/N sum_{n, t: mask[n, t]} log softmax(x[n, t])[y[n, t]]

    Args:
        x: scores (N, T, V).
        y: target ids (N, T), integers in [0, V) where the mask is True (a Tensor or array).
        mask: (N, T) booleans, True where the step counts; None counts every step.

    Returns:
        A scalar Tensor.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.temporal import temporal_softmax_loss
        >>> x = tg.zeros(2, 3, 4)  # uniform scores: log(4) per counted step
        >>> y = tg.tensor([[1, 2, 0], [3, 0, 0]])
        >>> mask = tg.tensor([[True, True, False], [True, False, False]])
        >>> round(temporal_softmax_loss(x, y, mask).item(), 4)  # 3 steps * log(4) / 2
        2.0794
    """
    if not isinstance(x, Tensor) or x.ndim != 3:
        raise RuntimeError(f"temporal_softmax_loss: expected scores x of shape (N, T, V), got "
                           f"{getattr(x, 'shape', type(x).__name__)}")
    n, t, v = x.shape
    targets = np.asarray(y._data if isinstance(y, Tensor) else y)
    if targets.shape != (n, t) or targets.dtype.kind not in "iu":
        raise RuntimeError(f"temporal_softmax_loss: expected integer targets y of shape "
                           f"{(n, t)} for scores of shape {x.shape}, got {targets.dtype} of "
                           f"shape {targets.shape}")
    if mask is not None:
        keep = np.asarray(mask._data if isinstance(mask, Tensor) else mask)
        if keep.shape != (n, t) or keep.dtype.kind != "b":
            raise RuntimeError(f"temporal_softmax_loss: expected a boolean mask of shape "
                               f"{(n, t)}, got {keep.dtype} of shape {keep.shape}")
        targets = np.where(keep, targets, IGNORE)
    flat = creation.tensor(targets.reshape(-1).astype(np.int64))
    loss = composite.cross_entropy(x.reshape(n * t, v), flat, ignore_index=IGNORE,
                                   reduction="sum")
    return loss / n
