"""Pooling forward + backward through the Tensor API, against PyTorch CPU.

Workloads (float32, CIFAR-sized activations): max pooling 2x2 stride 2 on x(100, 3, 32, 32)
and x(64, 32, 32, 32), the overlapping 3x3 stride 2 padding 1 max pooling of a ResNet stem,
average pooling 2x2 stride 2 and global average pooling (adaptive, output 1) on
x(64, 32, 32, 32). One run is ``x.grad = None; out = pool(x); out.backward(ones)``, the same
code on both libraries, so the graph bookkeeping of each engine is included.

Timing: best of 5 rounds of the median run time (``--runs`` runs per round), after a warm-up
that also compiles the Numba kernels. Both libraries run in this one process with 2 threads,
and their rounds alternate, so that both see the same machine load.

Run (unset the two variables that force a slow BLAS kernel on this project's machines, for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_pool.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from common import ROUNDS, THREADS, best_median_us, describe_environment, print_table

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tg_pool

#: row name -> (input shape, function(F, x) running the pooling with F = functional module)
WORKLOADS: dict[str, tuple[tuple[int, ...], Callable[[Any, Any], Any]]] = {
    "max 2x2/2 (100,3,32,32)": ((100, 3, 32, 32), lambda F, x: F.max_pool2d(x, 2)),
    "max 2x2/2 (64,32,32,32)": ((64, 32, 32, 32), lambda F, x: F.max_pool2d(x, 2)),
    "max 3x3/2 pad 1 (64,32,32,32)": (
        (64, 32, 32, 32), lambda F, x: F.max_pool2d(x, 3, stride=2, padding=1)),
    "avg 2x2/2 (64,32,32,32)": ((64, 32, 32, 32), lambda F, x: F.avg_pool2d(x, 2)),
    "adaptive avg 1 (64,32,32,32)": (
        (64, 32, 32, 32), lambda F, x: F.adaptive_avg_pool2d(x, 1)),
}


def make_run(lib: Any, F: Any, fn: Callable[[Any, Any], Any], x_np: np.ndarray
             ) -> Callable[[], None]:
    """One forward + backward run, warmed up (compiles the kernels, fills allocator caches)."""
    x = lib.tensor(x_np, requires_grad=True)
    ones = lib.ones(fn(F, x).shape)

    def run() -> None:
        x.grad = None
        fn(F, x).backward(ones)

    for _ in range(3):
        run()
    return run


def alternate(runs: list[Callable[[], None]], n: int) -> list[float]:
    """Milliseconds per run of each function: best round median, rounds interleaved."""
    best = [float("inf")] * len(runs)
    for _ in range(ROUNDS):
        for i, run in enumerate(runs):
            best[i] = min(best[i], best_median_us(run, n, rounds=1) / 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per round (default: 20)")
    args = parser.parse_args()
    tg.set_num_threads(THREADS)
    describe_environment()
    try:
        import torch
        import torch.nn.functional as torch_F
    except ImportError:
        torch = None
        print("torch is not installed; install the test extra for the comparison.")
    else:
        torch.set_num_threads(THREADS)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    rng = np.random.default_rng(0)
    rows: dict[str, tuple[float, float | None]] = {}
    for name, (shape, fn) in WORKLOADS.items():
        x_np = rng.standard_normal(shape).astype(np.float32)
        runs = [make_run(tg, tg_pool, fn, x_np)]
        if torch is not None:
            runs.append(make_run(torch, torch_F, fn, x_np))
        times = alternate(runs, args.runs)
        rows[name] = (times[0], times[1] if torch is not None else None)
    print_table("pooling forward + backward, float32", rows, "milliseconds")


if __name__ == "__main__":
    main()
