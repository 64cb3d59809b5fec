"""Log-softmax along the last axis and the negative log-likelihood, one row at a time.

A classifier's loss works on (N, C) logits with few classes. numpy spends most of its time
there in reductions along the short last axis (about 8 microseconds for each max or sum over
(128, 10)), and the loss in fancy indexing and masks. These loops do each row in a few
passes over data that stays in the L1 cache. Sums are accumulated in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def log_softmax_rows(x, out):  # pragma: no cover - compiled; the tests also run it without JIT
    """out[r] = x[r] - max(x[r]) - log(sum(exp(x[r] - max(x[r])))) for each row r.

    x, out: (R, C) float32/float64, C >= 1. A NaN in a row makes the whole row NaN, and a row
    of infinities gives NaN (inf - inf), as numpy's and PyTorch's log-softmax do.
    """
    for r in range(x.shape[0]):
        xs, os = x[r], out[r]
        top = xs[0]
        for j in range(1, xs.size):
            v = xs[j]
            if v > top or v != v:  # a NaN wins, as in np.max
                top = v
        total = 0.0
        for j in range(xs.size):
            total += np.exp(xs[j] - top)
        log_total = np.log(total)
        for j in range(xs.size):
            os[j] = (xs[j] - top) - log_total


@njit(cache=True, nogil=True)
def log_softmax_bwd_rows(dout, out, dx):  # pragma: no cover - compiled
    """dx[r] = dout[r] - exp(out[r]) * sum(dout[r]): the backward of ``log_softmax_rows``.

    dout, out, dx: (R, C) of one float dtype; out is the forward's output.
    """
    for r in range(dout.shape[0]):
        gs, os, ds = dout[r], out[r], dx[r]
        total = 0.0
        for j in range(gs.size):
            total += gs[j]
        for j in range(gs.size):
            ds[j] = gs[j] - np.exp(os[j]) * total


@njit(cache=True, nogil=True)
def nll_rows(logp, target, weight, ignore_index, safe_t, w, losses
             ):  # pragma: no cover - compiled
    """losses[i] = -weight[t_i] * logp[i, t_i] with t_i = target[i] (0 for ``ignore_index``).

    Fills safe_t (the target, 0 where ignored), w (the target's weight, 0 where ignored) and
    losses, all (N,). Returns (sum of losses, sum of w, i) where i is the first row whose
    target is out of range, or -1; the caller raises the error for it.
    """
    n_classes = logp.shape[1]
    loss_sum, weight_sum = 0.0, 0.0
    for i in range(logp.shape[0]):
        t = target[i]
        if t == ignore_index:
            t, wi = 0, 0.0
        elif t < 0 or t >= n_classes:
            return loss_sum, weight_sum, i
        else:
            wi = weight[t]
        safe_t[i] = t
        w[i] = wi
        losses[i] = -w[i] * logp[i, t]
        loss_sum += losses[i]
        weight_sum += w[i]
    return loss_sum, weight_sum, -1
