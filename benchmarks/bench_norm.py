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
of ``--runs`` calls. Both libraries run in this one process; torch and Numba use 2 threads.

Run (the two variables, set on this project's machines, force a slow BLAS kernel; unset them for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_norm.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
from common import THREADS, best_median_us, describe_environment, print_table

import tinygrad_edu as tg
from tinygrad_edu import nn as tg_norm
from tinygrad_edu.nn import functional as tg_dropout

IMAGES = (64, 32, 32, 32)
ROWS = (256, 1024)


def workloads(nn: Any, dropout: Callable[..., Any]) -> dict[str, tuple[Any, tuple[int, ...]]]:
    """name -> (layer, input shape); ``nn`` and ``dropout`` come from either library."""
    return {
        "batch_norm": (nn.BatchNorm2d(IMAGES[1]), IMAGES),
        "layer_norm": (nn.LayerNorm(ROWS[1]), ROWS),
        "group_norm": (nn.GroupNorm(8, IMAGES[1]), IMAGES),
        "dropout": (lambda x: dropout(x, 0.5, True), IMAGES),
    }


def make_step(lib: Any, layer: Any, shape: tuple[int, ...]) -> Callable[[], None]:
    """One forward + backward of ``layer`` on a fixed input (library-agnostic)."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape, dtype=np.float32), requires_grad=True)
    upstream = lib.tensor(rng.standard_normal(shape, dtype=np.float32))

    def step() -> None:
        x.grad = None
        layer(x).backward(upstream)

    return step


def timed(step: Callable[[], None], runs: int) -> float:
    for _ in range(3):  # warm-up: compiles the kernels on the first call
        step()
    return best_median_us(step, runs) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="calls per round (default: 10)")
    args = parser.parse_args()
    tg.set_num_threads(THREADS)
    describe_environment()
    ours_nn = SimpleNamespace(BatchNorm2d=tg_norm.BatchNorm2d, LayerNorm=tg_norm.LayerNorm,
                              GroupNorm=tg_norm.GroupNorm)
    ours = {name: timed(make_step(tg, layer, shape), args.runs)
            for name, (layer, shape) in workloads(ours_nn, tg_dropout.dropout).items()}
    theirs: dict[str, float | None] = dict.fromkeys(ours)
    try:
        import torch
    except ImportError:
        print("torch is not installed; install the test extra for the comparison.")
    else:
        torch.set_num_threads(THREADS)
        theirs = {name: timed(make_step(torch, layer, shape), args.runs) for name, (layer, shape)
                  in workloads(torch.nn, torch.nn.functional.dropout).items()}
    rows = {f"{name} {shape}": (ours[name], theirs[name])
            for name, (_, shape) in workloads(ours_nn, tg_dropout.dropout).items()}
    print_table("forward + backward, float32, training mode", rows, "milliseconds")


if __name__ == "__main__":
    main()
