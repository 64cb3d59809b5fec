"""One full training step of an MLP on CIFAR-sized inputs, against PyTorch CPU.

Workload: Linear 3072-100-ReLU-100-ReLU-10 at batch 200, float32: zero_grad, forward,
cross-entropy, backward, SGD step with momentum 0.9. The same model code runs on both
libraries (only the imported modules differ), starting from the same weights.

Timing: best of 5 rounds of the median step time (``--runs`` steps per round).
``--lib``/``--json``: the separate-process protocol of ``benchmarks/separate.py``.

Run (unset the two variables that force a slow BLAS kernel on this project's machines, for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp_step.py
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

BATCH, SIZES = 200, (3072, 100, 100, 10)


def make_step(lib: Any, weights: list[np.ndarray], x_np: np.ndarray, y_np: np.ndarray) -> Any:
    """Build the model and return a function running one training step (library-agnostic)."""
    nn, F = lib.nn, lib.nn.functional
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(),
                          nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
                          nn.Linear(SIZES[2], SIZES[3]))
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights, strict=True):
            p.copy_(lib.tensor(w))
    opt = lib.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step() -> None:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="steps per round (default: 20)")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)

    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y_np = rng.integers(0, SIZES[-1], BATCH)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        bound = 1 / np.sqrt(fan_in)
        weights += [rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                    rng.uniform(-bound, bound, fan_out).astype(np.float32)]

    rows = Rows(args)
    for name in libs:
        lib = load_library(name)
        rows.time_step(name, "forward+backward+SGD step", args.runs, make_step, lib, weights,
                       x_np, y_np, warmup=3)
    rows.report(f"MLP {'-'.join(map(str, SIZES))} training step, batch {BATCH}, float32")


if __name__ == "__main__":
    main()
