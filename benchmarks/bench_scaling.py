"""How a training step's time grows with the batch and the model width, against PyTorch CPU.

One training step (zero_grad, forward, cross-entropy, backward, SGD step with momentum 0.9) of

  ConvNet  the README's digits network (``examples/train_digits.py``, ``models.ConvNet``):
           [conv 3x3 (no bias) - BatchNorm2d - ReLU - maxpool 2] x 2, Flatten, Dropout(0.25),
           Linear, on 1x8x8 images; widths (channels of the two blocks) 16-32, 32-64, 64-128
  MLP      Linear 64-h1-ReLU-h2-ReLU-10 on the flattened digits (the example's ``--model mlp``
           sizes are 256-128); widths 128-64, 256-128, 1024-512

over batch sizes 1, 8, 32, 128 and 512, training mode, float32. The same model code runs on
both libraries (built from each library's ``nn``), from weights drawn with numpy.

A step's time is about ``fixed + per_sample * batch``: the fixed part is what every step
pays whatever the batch (Python, dispatch and graph bookkeeping per op, kernel launches,
the optimizer's loop over the parameters), the per-sample part is arithmetic and memory
traffic. At batches of 1-8 the fixed part dominates, which is where a library's per-op
overhead shows (course code that samples captions one step at a time). ``separate.py``
fits both terms per library from the rows named ``<model> <width> b<batch>``.

Timing: after a warm-up (which also compiles the Numba kernels), best of 5 rounds of the
median of ``--runs`` steps, 2 threads. ``--lib``/``--json``: the separate-process protocol.
``--batches`` and ``--widths`` (indices into each model's widths) choose a subset.

Run from the repository root (unset the two variables that force a slow BLAS kernel on this
project's machines, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/separate.py \\
        benchmarks/bench_scaling.py --rounds 4 -- --runs 5
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from common import Rows, add_library_args, describe_environment, load_library, selected_libraries

BATCHES = (1, 8, 32, 128, 512)
WIDTHS = {"ConvNet": ((16, 32), (32, 64), (64, 128)),
          "MLP": ((128, 64), (256, 128), (1024, 512))}
IMAGE, CLASSES = 8, 10


def convnet(nn: Any, widths: tuple[int, int]) -> Any:
    """models.ConvNet(in_channels=1, widths, image_size=8, dropout=0.25), from ``nn``'s layers."""
    layers, channels = [], 1
    for w in widths:
        layers += [nn.Conv2d(channels, w, 3, padding=1, bias=False), nn.BatchNorm2d(w),
                   nn.ReLU(), nn.MaxPool2d(2)]
        channels = w
    side = IMAGE // 2 ** len(widths)
    return nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.25),
                         nn.Linear(channels * side * side, CLASSES))


def mlp(nn: Any, widths: tuple[int, int]) -> Any:
    return nn.Sequential(nn.Flatten(), nn.Linear(IMAGE * IMAGE, widths[0]), nn.ReLU(),
                         nn.Linear(widths[0], widths[1]), nn.ReLU(),
                         nn.Linear(widths[1], CLASSES))


BUILD = {"ConvNet": convnet, "MLP": mlp}


def make_step(lib: Any, model_name: str, widths: tuple[int, int], batch: int
              ) -> Callable[[], None]:
    """One training step of the model at this batch, weights and data drawn with numpy."""
    model = BUILD[model_name](lib.nn, widths)
    rng = np.random.default_rng(0)
    with lib.no_grad():
        for p in model.parameters():
            fan_in = int(np.prod(p.shape[1:])) if len(p.shape) > 1 else 1
            bound = 1 / np.sqrt(fan_in)
            p.copy_(lib.tensor(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
    opt = lib.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    x = lib.tensor(rng.standard_normal((batch, 1, IMAGE, IMAGE)).astype(np.float32))
    y = lib.tensor(rng.integers(0, CLASSES, batch))
    cross_entropy = lib.nn.functional.cross_entropy
    model.train()

    def step() -> None:
        opt.zero_grad()
        cross_entropy(model(x), y).backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="steps per round (default: 10)")
    parser.add_argument("--batches", type=int, nargs="+", default=list(BATCHES))
    parser.add_argument("--widths", type=int, nargs="+", default=[0, 1, 2],
                        choices=[0, 1, 2], help="which widths of each model (default: all)")
    parser.add_argument("--models", nargs="+", default=list(BUILD), choices=list(BUILD))
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rows = Rows(args)
    for name in libs:
        lib = load_library(name)
        for model_name in args.models:
            for i in args.widths:
                widths = WIDTHS[model_name][i]
                for batch in args.batches:
                    rows.time_step(name, f"{model_name} {widths[0]}-{widths[1]} b{batch}",
                                   args.runs, make_step, lib, model_name, widths, batch,
                                   warmup=3)
    rows.report("training step (forward, backward, SGD), digits 1x8x8, float32")


if __name__ == "__main__":
    main()
