"""Per-op overhead of small elementwise ops, forward and backward, against PyTorch CPU.

Workload: x and w are 8x8 float32 tensors that require grad. A chain of 200 ops cycles
`h = h + w`, `h = h * w`, `h = h.tanh()` starting from h = x; then `h.sum().backward()`.
At 8x8 the arithmetic is negligible, so the numbers measure what each op costs the engine
(graph recording, dispatch, allocation, backward bookkeeping).

Timing: after a warm-up, 5 rounds of 50 runs each; the median run of each round is taken,
and the best of the 5 medians is reported, divided by the number of ops in the chain.
Both libraries run in this one process; torch is limited to 2 threads.

Run (the two variables, set on this project's machines, force a slow BLAS kernel; unset them for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_elementwise.py
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from common import THREADS, best_median_us, describe_environment

import tinygrad_edu as tg

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


def bench(x: Any, w: Any, runs: int) -> dict[str, float]:
    """Microseconds per op for forward only and for forward + backward."""

    def forward() -> None:
        chain(x, w, CHAIN)

    def forward_backward() -> None:
        x.grad = None
        w.grad = None
        chain(x, w, CHAIN).sum().backward()

    for _ in range(5):  # warm-up: first calls compile kernels / fill allocator caches
        forward_backward()
    return {
        "forward": best_median_us(forward, runs) / CHAIN,
        "forward+backward": best_median_us(forward_backward, runs) / CHAIN,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per round (default: 50)")
    args = parser.parse_args()

    describe_environment()
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
    w_np = rng.standard_normal((SIZE, SIZE)).astype(np.float32)

    ours = bench(
        tg.tensor(x_np, requires_grad=True),
        tg.tensor(w_np, requires_grad=True),
        args.runs,
    )
    print(f"\n{SIZE}x{SIZE} float32, chain of {CHAIN} ops (add, mul, tanh), microseconds per op")

    try:
        import torch
    except ImportError:
        print(f"{'':18} {'tinygrad_edu':>12}")
        for name, us in ours.items():
            print(f"{name:18} {us:12.2f}")
        print("\ntorch is not installed; install the test extra for the comparison.")
        return

    torch.set_num_threads(THREADS)
    theirs = bench(
        torch.tensor(x_np, requires_grad=True),
        torch.tensor(w_np, requires_grad=True),
        args.runs,
    )
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    print(f"{'':18} {'tinygrad_edu':>12} {'torch':>8} {'ratio':>7}")
    for name, us in ours.items():
        print(f"{name:18} {us:12.2f} {theirs[name]:8.2f} {us / theirs[name]:6.1f}x")
    print("\nratio = tinygrad_edu / torch (lower is better; 1.0x = as fast as torch)")


if __name__ == "__main__":
    main()
