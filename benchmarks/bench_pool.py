"""Pooling forward + backward through the Tensor API, against PyTorch CPU.

Workloads (float32, CIFAR-sized activations): max pooling 2x2 stride 2 on x(100, 3, 32, 32)
and x(64, 32, 32, 32), the overlapping 3x3 stride 2 padding 1 max pooling of a ResNet stem,
average pooling 2x2 stride 2 and global average pooling (adaptive, output 1) on
x(64, 32, 32, 32). One run is ``x.grad = None; out = pool(x); out.backward(ones)``, the same
code on both libraries, so the graph bookkeeping of each engine is included.

Timing: best of 5 rounds of the median run time (``--runs`` runs per round), after a warm-up
that also compiles the Numba kernels, 2 threads. ``--lib``/``--json``: the separate-process
protocol of ``benchmarks/separate.py``; with ``--lib both`` both libraries run in this one
process and their rounds alternate.

Run (unset the two variables that force a slow BLAS kernel on this project's machines, for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_pool.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from common import (
    ROUNDS,
    Rows,
    add_library_args,
    best_median_us,
    describe_environment,
    load_library,
    selected_libraries,
)

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


def make_run(lib: Any, fn: Callable[[Any, Any], Any], x_np: np.ndarray) -> Callable[[], None]:
    """One forward + backward run, warmed up (compiles the kernels, fills allocator caches)."""
    F = lib.nn.functional
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
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    modules = [load_library(name) for name in libs]

    rng = np.random.default_rng(0)
    rows = Rows(args)
    for name, (shape, fn) in WORKLOADS.items():
        x_np = rng.standard_normal(shape).astype(np.float32)
        if len(libs) == 1:
            rows.time_step(libs[0], name, args.runs, make_run, modules[0], fn, x_np, warmup=0)
        else:  # one process: the two libraries' rounds alternate
            times = alternate([make_run(lib, fn, x_np) for lib in modules], args.runs)
            for lib_name, t in zip(libs, times, strict=True):
                rows.add(lib_name, name, lambda t=t: t)
    rows.report("pooling forward + backward, float32")


if __name__ == "__main__":
    main()
