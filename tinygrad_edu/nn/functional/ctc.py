"""Connectionist temporal classification: PyTorch's ``ctc_loss``, as a readable composite.

CTC scores every alignment of a label sequence l (length S) with T frames of class
log-probabilities. Extend l with blanks, l' = (blank, l1, blank, l2, ..., lS, blank) of
length 2S + 1; a path visits l' left to right, at each frame staying, stepping one place, or
skipping a blank between two different labels. The forward variable

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if allowed)
                 + log_probs[t, l'_s]

sums the probability of every path prefix ending in l'_s at frame t, and the loss is
-logsumexp(alpha_{T-1}(2S), alpha_{T-1}(2S-1)) (Graves et al. 2006). The recursion is written
with Tensor operations, so autograd derives the gradient (the backward variables beta of the
paper appear as that gradient). "Impossible" states hold a very negative finite number rather
than -inf, which keeps logsumexp's gradient free of nan; a loss that stays that large means no
alignment exists and becomes inf (or 0 with ``zero_infinity``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...tensor import Tensor, as_tensor_like
from ...tensor.functions import cat, stack, where
from .loss import check_reduction

__all__ = ["ctc_loss"]

_IMPOSSIBLE = -1e30  # log(0) stand-in; any loss above _NO_PATH means no alignment exists
_NO_PATH = 1e29


def _lengths(x: Any, n: int, name: str) -> list[int]:
    values = np.asarray(x.numpy() if isinstance(x, Tensor) else x).reshape(-1)
    if values.size != n:
        raise RuntimeError(f"ctc_loss: expected {name} to have one entry per batch element "
                           f"({n}), got {values.size}")
    return [int(v) for v in values]


def _sample_nll(lp: Tensor, labels: list[int], blank: int) -> Tensor:
    """-log p(labels | lp) for one sample: lp (T, C) log-probabilities of its frames."""
    ext = [blank]
    for label in labels:
        ext += [label, blank]
    n_ext = len(ext)
    skip_ok = np.array([s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]
                        for s in range(n_ext)])
    skip_mask = Tensor(np.where(skip_ok, 0.0, _IMPOSSIBLE).astype(lp.dtype))
    index = Tensor(np.array(ext, dtype=np.int64))
    emit = lp[:, index]  # (T, 2S+1): log-probability of emitting l'_s at frame t
    start = np.full(n_ext, _IMPOSSIBLE, dtype=lp.dtype)
    start[:2] = 0.0  # a path starts at the first blank or the first label
    alpha = emit[0] + Tensor(start)
    pad1 = Tensor(np.full(1, _IMPOSSIBLE, dtype=lp.dtype))
    pad2 = Tensor(np.full(2, _IMPOSSIBLE, dtype=lp.dtype))
    for t in range(1, lp.shape[0]):
        stay = alpha
        step = cat([pad1, alpha[:-1]])
        skip = cat([pad2, alpha[:-2]]) + skip_mask if n_ext > 2 else step * 0 + _IMPOSSIBLE
        alpha = stack([stay, step, skip]).logsumexp(0) + emit[t]
    return -alpha[-2:].logsumexp(0) if n_ext > 1 else -alpha[-1]


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """CTC loss of log-probabilities (T, N, C) or (T, C) against label sequences.

    ``targets`` is (N, S) padded or the N sequences concatenated in 1-D; ``input_lengths`` and
    ``target_lengths`` give each sample's frame and label counts. 'mean' divides each loss by
    its target length, then averages over the batch (PyTorch's definition).
    """
    check_reduction(reduction, "ctc_loss")
    batched = log_probs.ndim == 3
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got "
                           f"{log_probs.shape}")
    lp = log_probs if batched else log_probs.unsqueeze(1)
    n, n_classes = lp.shape[1], lp.shape[2]
    if not 0 <= blank < n_classes:
        raise RuntimeError(f"ctc_loss: blank must be in label range, got {blank} for "
                           f"{n_classes} classes")
    in_lens = _lengths(input_lengths, n, "input_lengths")
    tg_lens = _lengths(target_lengths, n, "target_lengths")
    tgt = np.asarray(as_tensor_like(targets, lp).numpy())
    losses, offset = [], 0
    for b in range(n):
        if in_lens[b] > lp.shape[0]:
            raise RuntimeError(f"ctc_loss: Expected input_lengths to have value at most "
                               f"{lp.shape[0]}, but got value {in_lens[b]}")
        if tgt.ndim == 2 and batched:
            labels = tgt[b, :tg_lens[b]]
        else:
            labels = tgt.reshape(-1)[offset:offset + tg_lens[b]]
            offset += tg_lens[b]
        losses.append(_sample_nll(lp[:in_lens[b], b], [int(v) for v in labels], blank))
    loss = stack(losses)
    impossible = loss.detach() > _NO_PATH
    loss = where(impossible, 0.0 if zero_infinity else float("inf"), loss)
    if reduction == "mean":
        lens = Tensor(np.maximum(np.array(tg_lens), 1).astype(lp.dtype))
        loss = (loss / lens).mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss if batched or reduction != "none" else loss.reshape(())
