"""Per-op overhead of small elementwise ops, forward and backward, against PyTorch CPU.

Workload: x and w are 8x8 float32 tensors that require grad. A chain of 200 ops cycles
`h = h + w`, `h = h * w`, `h = h.tanh()` starting from h = x; then `h.sum().backward()`.
At 8x8 the arithmetic is negligible, so the numbers measure what each op costs the engine
(graph recording, dispatch, allocation, backward bookkeeping).

Timing: after a warm-up, 5 rounds of 50 runs each; the median run of each round is taken,
and the best of the 5 medians is reported, divided by the number of ops in the chain.
Both libraries use 2 threads.

The row ``floor: numpy + one Python object`` (tinygrad_edu's process only) runs the same chain
on the smallest Python wrapper there is: a class with one slot holding the numpy result, its
operators one numpy call each, no graph. No Python library that records a graph per op can
be cheaper per op than that; it is the limit the two rows above are measured against.

The rows ``floor: micrograd ...`` run the chain (and its backward) on the least a
library that records a graph can do: micrograd's design on numpy arrays, an object per result
holding its parents and a closure for its backward, and a backward that orders the graph and
calls the closures. No checks, no dtypes, no version counters, no hooks: what is left between
that floor and a library's row is what its features cost.

``--lib``/``--json``: the separate-process protocol of ``benchmarks/separate.py``; with
``--lib both`` both libraries run in this one process.

Run (the two variables, set on this project's machines, force a slow BLAS kernel; unset them for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_elementwise.py
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from common import (
    Rows,
    add_library_args,
    best_median_us,
    describe_environment,
    load_library,
    selected_libraries,
)

SIZE = 8
CHAIN = 200  # ops per run, cycling add, mul, tanh


def chain(x: Any, w: Any, n_ops: int) -> Any:
    """The same code runs on tinygrad_edu and torch tensors."""
    h = x
    for i in range(n_ops):
        step = i % 3
        if step == 0:
            h = h + w
        elif step == 1:
            h = h * w
        else:
            h = h.tanh()
    return h


class Floor:
    """The least a Python tensor can be: one numpy array in a slot, one numpy call per op."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray) -> None:
        self.data = data

    def __add__(self, other: Floor) -> Floor:
        return Floor(self.data + other.data)

    def __mul__(self, other: Floor) -> Floor:
        return Floor(self.data * other.data)

    def tanh(self) -> Floor:
        return Floor(np.tanh(self.data))


class Graph:
    """micrograd's design on numpy arrays: the result, its parents and its backward closure."""

    __slots__ = ("backward_fn", "data", "grad", "parents")

    def __init__(self, data: np.ndarray, parents: tuple[Graph, ...] = (),
                 backward_fn: Any = None) -> None:
        self.data, self.parents, self.backward_fn = data, parents, backward_fn
        self.grad: np.ndarray | None = None

    def __add__(self, other: Graph) -> Graph:
        return Graph(self.data + other.data, (self, other), lambda g: (g, g))

    def __mul__(self, other: Graph) -> Graph:
        a, b = self.data, other.data
        return Graph(a * b, (self, other), lambda g: (g * b, g * a))

    def tanh(self) -> Graph:
        y = np.tanh(self.data)
        return Graph(y, (self,), lambda g: (g * (1 - y * y),))

    def sum(self) -> Graph:
        shape = self.data.shape
        return Graph(self.data.sum(), (self,), lambda g: (np.broadcast_to(g, shape),))

    def backward(self) -> None:
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, each node after its parents
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            if node.backward_fn is not None:
                for parent, g in zip(node.parents, node.backward_fn(node.grad), strict=True):
                    parent.grad = g if parent.grad is None else parent.grad + g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per round (default: 50)")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
    w_np = rng.standard_normal((SIZE, SIZE)).astype(np.float32)

    rows = Rows(args, unit="microseconds per op")
    for name in libs:
        lib = load_library(name)
        x = lib.tensor(x_np, requires_grad=True)
        w = lib.tensor(w_np, requires_grad=True)

        def forward(x: Any = x, w: Any = w) -> None:
            chain(x, w, CHAIN)

        def forward_backward(x: Any = x, w: Any = w) -> None:
            x.grad = None
            w.grad = None
            chain(x, w, CHAIN).sum().backward()

        for _ in range(5):  # warm-up: first calls compile kernels / fill allocator caches
            forward_backward()
        for row, fn in (("forward", forward), ("forward+backward", forward_backward)):
            rows.add(name, row, lambda fn=fn: best_median_us(fn, args.runs) / CHAIN)
    if "tinygrad_edu" in libs:  # measured in tinygrad_edu's process, beside its rows
        floor_x, floor_w = Floor(x_np), Floor(w_np)
        rows.add("tinygrad_edu", "floor: numpy + one Python object",
                 lambda: best_median_us(lambda: chain(floor_x, floor_w, CHAIN), args.runs)
                 / CHAIN)
        graph_x, graph_w = Graph(x_np), Graph(w_np)

        def graph_backward() -> None:
            graph_x.grad = graph_w.grad = None
            chain(graph_x, graph_w, CHAIN).sum().backward()

        graph_backward()  # the floor computes the real gradient: check it against ours
        tg = load_library("tinygrad_edu")
        x, w = tg.tensor(x_np, requires_grad=True), tg.tensor(w_np, requires_grad=True)
        chain(x, w, CHAIN).sum().backward()
        np.testing.assert_allclose(graph_w.grad, w.grad.numpy(), rtol=1e-4, atol=1e-5)
        rows.add("tinygrad_edu", "floor: micrograd forward",
                 lambda: best_median_us(lambda: chain(graph_x, graph_w, CHAIN), args.runs)
                 / CHAIN)
        rows.add("tinygrad_edu", "floor: micrograd forward+backward",
                 lambda: best_median_us(graph_backward, args.runs) / CHAIN)
    rows.report(f"{SIZE}x{SIZE} float32, chain of {CHAIN} ops (add, mul, tanh)")


if __name__ == "__main__":
    main()
