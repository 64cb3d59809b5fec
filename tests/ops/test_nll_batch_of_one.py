"""``nll_loss`` on a batch of one row: the fast backward's plain-indexing case agrees with the
readable backward and with torch (weights, ignored targets, both float dtypes, reductions)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops.loss import nll_loss_backward, nll_loss_fast_backward, nll_loss_fast_forward

torch = pytest.importorskip("torch")

CASES = [(dtype, reduction, target, weighted)
         for dtype in (np.float32, np.float64)
         for reduction in ("mean", "sum", "none")
         for target in (2, 0, -100)
         for weighted in (False, True)]


@pytest.mark.parametrize(("dtype", "reduction", "target", "weighted"), CASES)
def test_batch_of_one_matches_readable_and_torch(dtype, reduction, target, weighted):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((1, 5)).astype(dtype)
    weight = rng.random(5).astype(dtype) + 0.5 if weighted else np.ones(5, dtype)
    targets = np.array([target])

    _, cache = nll_loss_fast_forward(logits, targets, weight, reduction=reduction)
    dout = np.asarray(0.75 if reduction != "none" else [0.75], dtype)
    fast, readable = nll_loss_fast_backward(dout, cache)[0], nll_loss_backward(dout, cache)[0]
    assert fast.dtype == readable.dtype
    np.testing.assert_array_equal(fast, readable)

    x = tg.tensor(logits, requires_grad=True)
    w = tg.tensor(weight) if weighted else None
    loss = F.cross_entropy(x, tg.tensor(targets), weight=w, reduction=reduction)
    loss.sum().backward()
    tx = torch.tensor(logits, requires_grad=True)
    tw = torch.tensor(weight) if weighted else None
    tloss = torch.nn.functional.cross_entropy(tx, torch.tensor(targets), weight=tw,
                                              reduction=reduction)
    tloss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), tloss.detach().numpy(), rtol=1e-6,
                               equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert x.grad.dtype == x.dtype
