"""Convolution forward+backward and a small ConvNet training step, against PyTorch CPU.

Rows (issue targets: each at most 1.5x PyTorch's time):
  conv x(100,3,31,31)  w(25,3,3,3)  stride 2 pad 1, float32 and float64
  conv x(64,32,32,32)  w(32,32,3,3) pad 1
  conv x(64,3,32,32)   w(32,3,7,7)  pad 3
  training step: conv(3->32, 7x7, pad 3)-ReLU-maxpool2-Linear(8192->100)-ReLU-Linear(100->10),
  batch 50, SGD momentum 0.9 (the same model code runs on both libraries)

Each conv row times forward + backward (gradients for input, weight and bias) through the
Tensor API, best of 5 rounds of the median of ``--runs`` runs, both libraries at 2 threads.
``--lib``/``--json``: the separate-process protocol of ``benchmarks/separate.py``.

Measured with both libraries in one process, before separate.py (2 cores, quiet machine,
OpenBLAS 0.3.31, torch 2.13 with oneDNN; torch slowed by our thread settings), over several
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
from common import (
    Rows,
    add_library_args,
    describe_environment,
    load_library,
    selected_libraries,
)

CONV_ROWS = [
    ("conv 100x3x31x31 3x3/2 f32", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1, "float32"),
    ("conv 100x3x31x31 3x3/2 f64", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1, "float64"),
    ("conv 64x32x32x32 3x3 pad 1", (64, 32, 32, 32), (32, 32, 3, 3), 1, 1, "float32"),
    ("conv 64x3x32x32 7x7 pad 3", (64, 3, 32, 32), (32, 3, 7, 7), 1, 3, "float32"),
]


def conv_step(lib: Any, arrays: list[np.ndarray], stride: int, padding: int) -> Any:
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)

    def step() -> None:
        x.grad = w.grad = b.grad = None
        out = lib.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
        out.backward(lib.ones_like(out))

    return step


def convnet_step(lib: Any, x_np: np.ndarray, y_np: np.ndarray) -> Any:
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 32, 7, padding=3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8192, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = lib.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step() -> None:
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per round (default: 5)")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rng = np.random.default_rng(0)
    data = [(name, [rng.standard_normal(s).astype(dtype) for s in (xs, ws, ws[:1])], stride,
             padding) for name, xs, ws, stride, padding, dtype in CONV_ROWS]
    x_np = rng.standard_normal((50, 3, 32, 32)).astype(np.float32)
    y_np = rng.integers(0, 10, 50)

    rows = Rows(args)
    for name in libs:
        lib = load_library(name)
        for row, arrays, stride, padding in data:
            rows.time_step(name, row, args.runs, conv_step, lib, arrays, stride, padding)
        rows.time_step(name, "ConvNet training step b50", args.runs, convnet_step, lib, x_np,
                       y_np)
    rows.report("forward + backward")


if __name__ == "__main__":
    main()
