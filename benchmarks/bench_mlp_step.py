"""One full training step of an MLP on CIFAR-sized inputs, against PyTorch CPU.

Workload: Linear 3072-100-ReLU-100-ReLU-10 at batch 200, float32: zero_grad, forward,
cross-entropy, backward, SGD step with momentum 0.9. The same model code runs on both
libraries (only the imported modules differ), starting from the same weights.

Timing: best of 5 rounds of the median step time (``--runs`` steps per round).

Run (unset the two variables that force a slow BLAS kernel on this project's machines, for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp_step.py
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from common import THREADS, best_median_us, describe_environment, print_table

import tinygrad_edu.nn
import tinygrad_edu.nn.functional
import tinygrad_edu.optim

BATCH, SIZES = 200, (3072, 100, 100, 10)


def make_step(lib: Any, nn: Any, F: Any, optim: Any, weights: list[np.ndarray],
              x_np: np.ndarray, y_np: np.ndarray) -> Any:
    """Build the model and return a function running one training step (library-agnostic)."""
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(),
                          nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
                          nn.Linear(SIZES[2], SIZES[3]))
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights, strict=True):
            p.copy_(lib.tensor(w))
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
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
    args = parser.parse_args()
    describe_environment()

    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y_np = rng.integers(0, SIZES[-1], BATCH)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        bound = 1 / np.sqrt(fan_in)
        weights += [rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                    rng.uniform(-bound, bound, fan_out).astype(np.float32)]

    def timed(step: Any) -> float:
        for _ in range(3):  # warm-up
            step()
        return best_median_us(step, args.runs) / 1000

    ours = timed(make_step(tinygrad_edu, tinygrad_edu.nn, tinygrad_edu.nn.functional,
                           tinygrad_edu.optim, weights, x_np, y_np))
    theirs = None
    try:
        import torch
        import torch.nn.functional
    except ImportError:
        print("torch is not installed; install the test extra for the comparison.")
    else:
        torch.set_num_threads(THREADS)
        theirs = timed(make_step(torch, torch.nn, torch.nn.functional, torch.optim, weights,
                                 x_np, y_np))
    title = f"MLP {'-'.join(map(str, SIZES))} training step, batch {BATCH}, float32"
    print_table(title, {"forward+backward+SGD step": (ours, theirs)}, "milliseconds")


if __name__ == "__main__":
    main()
