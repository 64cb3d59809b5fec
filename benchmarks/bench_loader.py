"""DataLoader with an expensive per-sample transform: num_workers 0 against 1 and 2 workers.

Each sample runs a pure-Python transform of about 2 ms (a loop, so it holds the interpreter
the whole time, like decoding or augmenting an image in Python); 512 samples in batches of 32.
With N worker processes the transforms of different batches run at the same time on different
cores, so on a machine with two free cores two workers should come close to halving the time.
The same loader also runs in PyTorch (when installed) for comparison. Each figure is the best
of ``--repeats`` passes; a pass includes starting the workers (they are not persistent).

The speed-up needs free cores: on a machine busy with other work the workers share the cores
with it and gain little. ``--sleep`` replaces the computation by a 2 ms ``time.sleep`` (like
waiting for a disk or a network): that shows how well the workers overlap whatever the load.

``--lib``/``--json``: the separate-process protocol of ``benchmarks/separate.py`` (rows
``workers N``, milliseconds per pass); the dataset is a plain class with ``__len__`` and
``__getitem__``, which both libraries' loaders take, so a process imports only its library.

Run from the repository root: ``python benchmarks/bench_loader.py [--repeats 3] [--sleep]``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import Rows, add_library_args, load_library, selected_libraries

ITEMS, BATCH, TRANSFORM_MS = 512, 32, 2.0


def _spin_per_ms() -> int:
    """Loop iterations per millisecond of this machine (measured once, in the main process)."""
    n, start = 200_000, time.perf_counter()
    _spin(n)
    return int(n / ((time.perf_counter() - start) * 1000))


def _spin(n: int) -> float:
    total = 0.0
    for i in range(n):
        total += i * 0.5
    return total


class ExpensiveDataset:
    """32x32x3 uint8 images, each through a ~2 ms Python transform, then scaled to floats."""

    def __init__(self, spins: int, sleep: bool = False) -> None:
        self.images = np.random.default_rng(0).integers(0, 256, (ITEMS, 3, 32, 32), np.uint8)
        self.spins, self.sleep = spins, sleep

    def __len__(self) -> int:
        return ITEMS

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        if self.sleep:
            time.sleep(TRANSFORM_MS / 1000)
        else:
            _spin(self.spins)
        return self.images[i].astype(np.float32) / 255.0, i % 10


def _time(make_loader: Callable[[int], Any], workers: int, repeats: int) -> float:
    """Milliseconds of the best of ``repeats`` passes over a fresh loader."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        n = sum(1 for _ in make_loader(workers))
        best = min(best, time.perf_counter() - start)
        assert n == ITEMS // BATCH
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", "--runs", type=int, default=3,
                        help="passes per figure (default: 3)")
    parser.add_argument("--sleep", action="store_true", help="sleep instead of computing")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    dataset = ExpensiveDataset(int(_spin_per_ms() * TRANSFORM_MS), args.sleep)
    kind = "sleep" if args.sleep else "Python transform"
    print(f"{ITEMS} samples, batch {BATCH}, ~{TRANSFORM_MS} ms {kind} per sample, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    rows = Rows(args)
    for name in libs:
        lib = load_library(name)
        loader = lib.data.DataLoader if name == "tinygrad_edu" else lib.utils.data.DataLoader

        def make(workers: int, loader: Any = loader) -> Any:
            return loader(dataset, BATCH, shuffle=True, num_workers=workers)

        base = None
        for workers in (0, 1, 2):
            ms = rows.add(name, f"workers {workers}", _time, make, workers, args.repeats)
            if ms is not None:
                base = base or ms
                print(f"{name:<14} {workers} workers {ms:9.1f} ms, speed-up {base / ms:.2f}x")
    rows.report("one pass over the loader")


if __name__ == "__main__":
    main()
