"""Same seed, same numbers: training the digits ConvNet is bit-identical across runs and threads.

A few AdamW steps of the digits ConvNet (conv, batch norm, ReLU, max pool, dropout, linear,
cross-entropy) with shuffled batches are run three times: twice on 2 Numba threads and once on
1. The losses and every weight and running statistic must be equal bit for bit, which holds
because every kernel splits its work the same way whatever the thread count and no two
threads ever add into the same cell (DESIGN.md, Kernels).
"""

from __future__ import annotations

import numpy as np
import pytest
from jit_helpers import num_threads

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import optim
from tinygrad_edu.data import DataLoader
from tinygrad_edu.data.datasets import digits
from tinygrad_edu.models import ConvNet

pytest.importorskip("sklearn")
STEPS = 4


def train_digits(threads: int) -> tuple[list[float], dict[str, np.ndarray]]:
    """A few training steps on ``threads`` threads; the losses and the final state."""
    with num_threads(threads):
        tg.manual_seed(0)
        model = ConvNet(widths=(8, 16), dropout=0.25)
        optimizer = optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
        loader = DataLoader(digits(seed=0).train, batch_size=64, shuffle=True,
                            generator=tg.Generator().manual_seed(0))
        losses = []
        for _, (x, y) in zip(range(STEPS), loader, strict=False):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        return losses, state


def assert_bit_identical(a: tuple[list[float], dict[str, np.ndarray]],
                         b: tuple[list[float], dict[str, np.ndarray]], what: str) -> None:
    assert a[0] == b[0], f"{what}: losses differ: {a[0]} vs {b[0]}"
    assert a[1].keys() == b[1].keys()
    for name in a[1]:
        assert a[1][name].dtype == b[1][name].dtype
        assert np.array_equal(a[1][name], b[1][name]), f"{what}: {name} differs"


def test_digits_convnet_training_is_bit_identical_across_runs_and_threads() -> None:
    first = train_digits(2)
    assert len(first[0]) == STEPS
    assert all(np.isfinite(first[0]))
    assert first[0][-1] != first[0][0]  # it trained
    assert_bit_identical(first, train_digits(2), "two runs on 2 threads")
    assert_bit_identical(first, train_digits(1), "1 thread vs 2 threads")


def test_a_different_seed_gives_different_weights() -> None:
    """Guards the test above against comparing runs that ignore the seed."""
    tg.manual_seed(0)
    a = ConvNet(widths=(8, 16)).state_dict()
    tg.manual_seed(1)
    b = ConvNet(widths=(8, 16)).state_dict()
    assert any(not np.array_equal(a[k].numpy(), b[k].numpy()) for k in a if "weight" in k)
