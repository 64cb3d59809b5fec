"""Memory hygiene: backward frees caches, training stays flat, optimizers do not grow the graph."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import optim
from tinygrad_edu.autograd import Node, toposort
from tinygrad_edu.models import MLP


def graph_nodes(t: tg.Tensor) -> list[Node]:
    return [] if t.grad_fn is None else toposort(t.grad_fn)


def cached_arrays(nodes: list[Node]) -> list[np.ndarray]:
    return [f for n in nodes if isinstance(n.cache, tuple) for f in n.cache
            if isinstance(f, np.ndarray)]


def live_nodes() -> int:
    gc.collect()
    return sum(issubclass(type(o), Node) for o in gc.get_objects())  # type(): no lookups


def test_backward_frees_the_caches() -> None:
    tg.manual_seed(0)
    x = tg.randn(4, 3, requires_grad=True)
    w = tg.randn(3, 5, requires_grad=True)
    h = (x @ w).tanh()
    loss = (h * 2.0).softmax(dim=1).log().sum()
    nodes = graph_nodes(loss)
    leaves = {id(x._data), id(w._data)}
    refs = [weakref.ref(a) for a in cached_arrays(nodes) if id(a) not in leaves]
    assert len(refs) >= 3
    del h
    loss.backward()
    gc.collect()
    assert all(n.cache is not None and not isinstance(n.cache, tuple) for n in nodes)
    assert [r for r in refs if r() is not None] == []  # every intermediate array is gone


def test_retain_graph_keeps_the_caches() -> None:
    x = tg.randn(4, 3, requires_grad=True)
    h = x.tanh()
    loss = (h * h).sum()
    refs = [weakref.ref(a) for a in cached_arrays(graph_nodes(loss)) if a is not x._data]
    del h
    loss.backward(retain_graph=True)
    gc.collect()
    assert refs
    assert all(r() is not None for r in refs)
    loss.backward()  # the second backward works and then frees them
    gc.collect()
    assert all(r() is None for r in refs)


def test_graph_is_released_with_the_loss() -> None:
    before = live_nodes()
    x = tg.randn(8, 4, requires_grad=True)
    loss = (x.relu() * 3).sum()
    assert live_nodes() >= before + 3
    loss.backward()
    del loss
    assert live_nodes() == before
    assert x.grad is not None
    assert x.grad.grad_fn is None


def train_mlp(steps: int, on_step=None) -> None:
    tg.manual_seed(0)
    model = MLP(20, (32,), num_classes=5)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((16, 20)).astype(np.float32))
    y = tg.tensor(rng.integers(0, 5, 16))
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        if on_step is not None:
            on_step(step, model, optimizer, loss)


def test_training_memory_stays_flat_over_1000_steps() -> None:
    samples: dict[int, int] = {}

    def measure(step: int, model, optimizer, loss) -> None:
        if step in (99, 999):
            del loss
            gc.collect()
            samples[step] = tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        train_mlp(1000, measure)
    finally:
        tracemalloc.stop()
    growth = samples[999] - samples[99]
    assert growth < 64 * 1024, f"memory grew by {growth} bytes over 900 steps"


def test_optimizer_steps_do_not_grow_the_graph() -> None:
    sizes: list[int] = []
    nodes: list[int] = []

    def check(step: int, model, optimizer, loss) -> None:
        sizes.append(len(graph_nodes(loss)))
        for p in model.parameters():
            assert p.is_leaf
            assert p.grad_fn is None
            assert p.grad.grad_fn is None
        for state in optimizer.state.values():
            for value in state.values():
                assert getattr(value, "grad_fn", None) is None
        if step in (5, 50):
            del loss
            nodes.append(live_nodes())

    train_mlp(51, check)
    assert len(set(sizes)) == 1, f"the graph size changed between steps: {sorted(set(sizes))}"
    assert nodes[0] == nodes[1], f"live graph nodes grew from {nodes[0]} to {nodes[1]}"
