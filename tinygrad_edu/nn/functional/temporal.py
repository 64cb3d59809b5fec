"""The course's layers over time, as functions: an affine map at every step, a masked loss.

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

from ...tensor import Tensor
from .loss import cross_entropy

__all__ = ["temporal_affine", "temporal_softmax_loss"]

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
        >>> from tinygrad_edu.nn.functional import temporal_softmax_loss
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
    targets = np.asarray(y.numpy() if isinstance(y, Tensor) else y)
    if targets.shape != (n, t) or targets.dtype.kind not in "iu":
        raise RuntimeError(f"temporal_softmax_loss: expected integer targets y of shape "
                           f"{(n, t)} for scores of shape {x.shape}, got {targets.dtype} of "
                           f"shape {targets.shape}")
    if mask is not None:
        keep = np.asarray(mask.numpy() if isinstance(mask, Tensor) else mask)
        if keep.shape != (n, t) or keep.dtype.kind != "b":
            raise RuntimeError(f"temporal_softmax_loss: expected a boolean mask of shape "
                               f"{(n, t)}, got {keep.dtype} of shape {keep.shape}")
        targets = np.where(keep, targets, IGNORE)
    flat = Tensor(targets.reshape(-1).astype(np.int64))
    loss = cross_entropy(x.reshape(n * t, v), flat, ignore_index=IGNORE, reduction="sum")
    return loss / n
