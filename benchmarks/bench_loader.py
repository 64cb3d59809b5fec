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

Run from the repository root: ``python benchmarks/bench_loader.py [--repeats 3] [--sleep]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from tinygrad_edu.data import DataLoader, Dataset

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


class ExpensiveDataset(Dataset):
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


def _time(make_loader, workers: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        n = sum(1 for _ in make_loader(workers))
        best = min(best, time.perf_counter() - start)
        assert n == ITEMS // BATCH
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sleep", action="store_true", help="sleep instead of computing")
    args = parser.parse_args()
    dataset = ExpensiveDataset(int(_spin_per_ms() * TRANSFORM_MS), args.sleep)
    loaders = {"tinygrad_edu": lambda w: DataLoader(dataset, BATCH, shuffle=True, num_workers=w)}
    try:
        import torch
        torch.set_num_threads(1)
        loaders["torch"] = lambda w: torch.utils.data.DataLoader(dataset, BATCH, shuffle=True,
                                                                 num_workers=w)
    except ImportError:
        pass
    kind = "sleep" if args.sleep else "Python transform"
    print(f"{ITEMS} samples, batch {BATCH}, ~{TRANSFORM_MS} ms {kind} per sample, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'library':<14}{'workers':>8}{'seconds':>10}{'speed-up':>10}")
    for name, make in loaders.items():
        base = None
        for workers in (0, 1, 2):
            seconds = _time(make, workers, args.repeats)
            base = base or seconds
            print(f"{name:<14}{workers:>8}{seconds:>10.3f}{base / seconds:>9.2f}x")


if __name__ == "__main__":
    main()
