"""Per-op overhead of small elementwise ops, forward and backward, against PyTorch CPU.

Workload: x and w are 8x8 float32 tensors that require grad. A chain of 200 ops cycles
`h = h + w`, `h = h * w`, `h = h.tanh()` starting from h = x; then `h.sum().backward()`.
At 8x8 the arithmetic is negligible, so the numbers measure what each op costs the engine
(graph recording, dispatch, allocation, backward bookkeeping).

Timing: after a warm-up, 5 rounds of 50 runs each; the median run of each round is taken,
and the best of the 5 medians is reported, divided by the number of ops in the chain.
Both libraries use 2 threads. ``--lib``/``--json``: the separate-process protocol of
``benchmarks/separate.py``; with ``--lib both`` both libraries run in this one process.

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
    rows.report(f"{SIZE}x{SIZE} float32, chain of {CHAIN} ops (add, mul, tanh)")


if __name__ == "__main__":
    main()
