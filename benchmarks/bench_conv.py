"""Convolution forward+backward and a small ConvNet training step, against PyTorch CPU.

Rows (issue targets: each at most 1.5x PyTorch's time):
  conv x(100,3,31,31)  w(25,3,3,3)  stride 2 pad 1, float32 and float64
  conv x(64,32,32,32)  w(32,32,3,3) pad 1
  conv x(64,3,32,32)   w(32,3,7,7)  pad 3
  training step: conv(3->32, 7x7, pad 3)-ReLU-maxpool2-Linear(8192->100)-ReLU-Linear(100->10),
  batch 50, SGD momentum 0.9 (the same model code runs on both libraries)

Each conv row times forward + backward (gradients for input, weight and bias) through the
Tensor API, best of 5 rounds of the median of ``--runs`` runs, both libraries at 2 threads.

Measured (2 cores, quiet machine, OpenBLAS 0.3.31, torch 2.13 with oneDNN), over several
runs: 3x3/2 f32 0.83-0.87x, f64 0.26-0.28x, 64x32x32x32 3x3 1.21-1.34x (Winograd F(2x2, 3x3)
with vectorized transforms; 1.34-1.60x with scalar ones, 2.2-2.4x with im2col),
64x3x32x32 7x7 0.92-0.96x, training step 1.15-1.31x (1.44-1.9x before the 2x2 max-pool,
ReLU and SGD kernels and the vectorized im2col). What remains of the 7x7 rows and the
training step is BLAS: per sample, im2col then a skinny (32 x 147) @ (147 x 1024) product
that OpenBLAS runs at about 90 GFLOP/s per core, where oneDNN convolves directly.

Run (unset the two variables that force a slow BLAS kernel here, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_conv.py
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from common import THREADS, best_median_us, describe_environment, print_table

import tinygrad_edu.nn
import tinygrad_edu.nn.functional
import tinygrad_edu.optim

CONV_ROWS = [
    ("conv 100x3x31x31 3x3/2 f32", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1, "float32"),
    ("conv 100x3x31x31 3x3/2 f64", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1, "float64"),
    ("conv 64x32x32x32 3x3 pad 1", (64, 32, 32, 32), (32, 32, 3, 3), 1, 1, "float32"),
    ("conv 64x3x32x32 7x7 pad 3", (64, 3, 32, 32), (32, 3, 7, 7), 1, 3, "float32"),
]


def conv_step(lib: Any, F: Any, arrays: list[np.ndarray], stride: int, padding: int) -> Any:
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)

    def step() -> None:
        x.grad = w.grad = b.grad = None
        out = F.conv2d(x, w, b, stride=stride, padding=padding)
        out.backward(lib.ones_like(out))

    return step


def convnet_step(lib: Any, nn: Any, F: Any, optim: Any, x_np: np.ndarray, y_np: np.ndarray
                 ) -> Any:
    model = nn.Sequential(nn.Conv2d(3, 32, 7, padding=3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8192, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per round (default: 5)")
    args = parser.parse_args()
    describe_environment()
    rng = np.random.default_rng(0)
    try:
        import torch
        import torch.nn.functional

        torch.set_num_threads(THREADS)
    except ImportError:
        torch = None
        print("torch is not installed; install the test extra for the comparison.")

    def timed(step: Any) -> float:
        step()  # warm-up (first call compiles kernels)
        step()
        return best_median_us(step, args.runs) / 1000

    rows: dict[str, tuple[float, float | None]] = {}
    for name, xs, ws, stride, padding, dtype in CONV_ROWS:
        arrays = [rng.standard_normal(s).astype(dtype) for s in (xs, ws, ws[:1])]
        ours = timed(conv_step(tinygrad_edu, tinygrad_edu.nn.functional, arrays, stride,
                               padding))
        theirs = None if torch is None else timed(
            conv_step(torch, torch.nn.functional, arrays, stride, padding))
        rows[name] = (ours, theirs)

    x_np = rng.standard_normal((50, 3, 32, 32)).astype(np.float32)
    y_np = rng.integers(0, 10, 50)
    ours = timed(convnet_step(tinygrad_edu, tinygrad_edu.nn, tinygrad_edu.nn.functional,
                              tinygrad_edu.optim, x_np, y_np))
    theirs = None if torch is None else timed(
        convnet_step(torch, torch.nn, torch.nn.functional, torch.optim, x_np, y_np))
    rows["ConvNet training step b50"] = (ours, theirs)
    print_table("forward + backward", rows, "milliseconds")


if __name__ == "__main__":
    main()
