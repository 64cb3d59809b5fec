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
    rows.report(f"{SIZE}x{SIZE} float32, chain of {CHAIN} ops (add, mul, tanh)")


if __name__ == "__main__":
    main()
