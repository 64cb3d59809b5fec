"""Normalisation and dropout layers, forward + backward, against PyTorch CPU.

Workloads (float32, training mode, input requires grad, backward with a fixed random upstream
gradient):
    batch_norm   BatchNorm2d(32) on x (64, 32, 32, 32)
    layer_norm   LayerNorm(1024) on x (256, 1024)
    group_norm   GroupNorm(8, 32) on x (64, 32, 32, 32)
    dropout      dropout(p=0.5) on x (64, 32, 32, 32)
The same code runs on both libraries, through the Tensor API (modules and autograd), so the
times include graph recording and the gradient bookkeeping of each engine.

Timing: after a warm-up (which also compiles the Numba kernels), best of 5 rounds of the median
of ``--runs`` calls, 2 threads. ``--lib``/``--json``: the separate-process protocol of
``benchmarks/separate.py``; with ``--lib both`` both libraries run in this one process.

Run (the two variables, set on this project's machines, force a slow BLAS kernel; unset them for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_norm.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from common import Rows, add_library_args, describe_environment, load_library, selected_libraries

IMAGES = (64, 32, 32, 32)
ROWS = (256, 1024)


def workloads(lib: Any) -> dict[str, tuple[Callable[[], Any], tuple[int, ...]]]:
    """name -> (layer factory, input shape) in either library."""
    nn, F = lib.nn, lib.nn.functional
    return {
        "batch_norm": (lambda: nn.BatchNorm2d(IMAGES[1]), IMAGES),
        "layer_norm": (lambda: nn.LayerNorm(ROWS[1]), ROWS),
        "group_norm": (lambda: nn.GroupNorm(8, IMAGES[1]), IMAGES),
        "dropout": (lambda: lambda x: F.dropout(x, 0.5, True), IMAGES),
    }


def make_step(lib: Any, make_layer: Callable[[], Any], shape: tuple[int, ...]
              ) -> Callable[[], None]:
    """One forward + backward of the layer on a fixed input (library-agnostic)."""
    layer = make_layer()
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape, dtype=np.float32), requires_grad=True)
    upstream = lib.tensor(rng.standard_normal(shape, dtype=np.float32))

    def step() -> None:
        x.grad = None
        layer(x).backward(upstream)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="calls per round (default: 10)")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rows = Rows(args)
    for name in libs:
        lib = load_library(name)
        for row, (make_layer, shape) in workloads(lib).items():
            rows.time_step(name, f"{row} {shape}", args.runs, make_step, lib, make_layer, shape,
                           warmup=3)
    rows.report("forward + backward, float32, training mode")


if __name__ == "__main__":
    main()
