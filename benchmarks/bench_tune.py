"""Wall time of a fixed hyper-parameter search with 1 and with 2 local workers (tinygrad_edu.tune).

Workload: ``examples/tune_digits.py``'s trainable (the digits ConvNet, AdamW, cosine schedule)
on a grid of 2 learning rates x 2 weight decays x 2 widths (8 trials, dropout 0.25) of
``--epochs`` epochs each, with no early stopping, so both settings do the same work. Settings:
1 worker with 2 threads (one trial at a time, using both cores) and 2 workers with 1 thread
each (two trials at a time). Each setting runs ``--rounds`` times, alternating, in fresh
storage; the table gives each setting's median wall time and the speed-up of 2 workers over 1,
and checks that both found the same best value (the search does not depend on the workers).

tinygrad_edu only (a search engine, not an op: torch has no counterpart to time).

Run (unset the two variables that force a slow BLAS kernel here, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_tune.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs per trial (default: 10)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per setting (default: 3)")
    args = parser.parse_args()
    sys.path.insert(0, str(EXAMPLES))
    from tune_digits import train_digits  # noqa: PLC0415 - the example's trainable

    from tinygrad_edu import tune  # noqa: PLC0415 - imported after the path is set
    from tinygrad_edu.data import digits  # noqa: PLC0415

    splits = digits(seed=0)
    data = {"train": splits.train, "val": splits.val}
    space = {"lr": tune.grid([3e-3, 1e-2]), "weight_decay": tune.grid([1e-5, 1e-3]),
             "width": tune.grid([8, 16]), "dropout": 0.25, "epochs": args.epochs}
    settings = {"1 worker x 2 threads": (1, 2), "2 workers x 1 thread": (2, 1)}
    times: dict[str, list[float]] = {name: [] for name in settings}
    best: dict[str, set[float]] = {name: set() for name in settings}
    for round_ in range(args.rounds):
        order = list(settings) if round_ % 2 == 0 else list(reversed(settings))
        for name in order:
            workers, threads = settings[name]
            with tempfile.TemporaryDirectory() as storage:
                start = time.perf_counter()
                results = tune.run(train_digits, space, metric="val_acc", mode="max",
                                   max_concurrent=workers, threads_per_trial=threads,
                                   storage=storage, data=data, plots=False, verbose=False)
                times[name].append(time.perf_counter() - start)
            best[name].add(round(results.best_value, 6))
            print(f"round {round_ + 1}: {name}: {times[name][-1]:.1f} s, "
                  f"best val_acc {results.best_value:.4f}", flush=True)
    load = os.getloadavg()[0]
    print(f"\n8 trials x {args.epochs} epochs of the digits ConvNet, {args.rounds} runs per "
          f"setting, load average {load:.1f}; seconds, median [min - max]")
    for name, values in times.items():
        print(f"  {name:22} {statistics.median(values):7.1f} [{min(values):.1f} - "
              f"{max(values):.1f}]  best val_acc {sorted(best[name])}")
    one, two = (statistics.median(v) for v in times.values())
    print(f"  speed-up of 2 workers over 1: {one / two:.2f}x")


if __name__ == "__main__":
    main()
