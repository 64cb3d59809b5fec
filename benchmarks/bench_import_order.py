"""Does importing one library change the other's speed? Each case in its own process.

A library imported into a process may leave settings behind (environment variables read by
OpenMP or OpenBLAS when they load, allocator options, thread pools) that the other libraries
in the same process then feel. This script times the same workload in fresh processes that
differ only in what was imported first, alternating the cases over several rounds, and prints
the median of the rounds:

  tinygrad_edu MLP / ConvNet / LSTM step     alone, with torch imported (and used) first, and
                                             with a torch op run before every timed step
                                             (as a parity test or ``compare_with_torch`` does)
  torch LSTM / MLP training step             alone, and with tinygrad_edu imported first

and for each workload the ratio of each case's median to the library's time alone (target:
at most 1.1x), beside the median CPU time of a step over all the process's threads.

The workloads are those of ``bench_mlp_step.py`` (MLP 3072-100-100-10, batch 200), of
``bench_conv.py`` (ConvNet, batch 50) and of ``bench_rnn.py`` (LSTM 128 -> 256 over 16 steps,
batch 64), all float32 with 2 threads for each library.

Run (unset the two variables that force a slow BLAS kernel on this project's machines, for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_import_order.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any

THREADS = 2
CASES = {
    # name: (library timed, workload, what the process imports first)
    "tinygrad_edu MLP step, alone": ("tinygrad_edu", "mlp", None),
    "tinygrad_edu MLP step, torch first": ("tinygrad_edu", "mlp", "torch"),
    "tinygrad_edu MLP step, torch interleaved": ("tinygrad_edu", "mlp", "torch, interleaved"),
    "tinygrad_edu ConvNet step, alone": ("tinygrad_edu", "convnet", None),
    "tinygrad_edu ConvNet step, torch first": ("tinygrad_edu", "convnet", "torch"),
    "tinygrad_edu ConvNet step, torch interleaved": ("tinygrad_edu", "convnet",
                                                     "torch, interleaved"),
    "tinygrad_edu LSTM step, alone": ("tinygrad_edu", "lstm", None),
    "tinygrad_edu LSTM step, torch first": ("tinygrad_edu", "lstm", "torch"),
    "torch LSTM step, alone": ("torch", "lstm", None),
    "torch LSTM step, tinygrad_edu first": ("torch", "lstm", "tinygrad_edu"),
    "torch MLP step, alone": ("torch", "mlp", None),
    "torch MLP step, tinygrad_edu first": ("torch", "mlp", "tinygrad_edu"),
}


def _libs(name: str) -> tuple[Any, Any, Any, Any]:
    if name == "torch":
        import torch
        import torch.nn.functional

        torch.set_num_threads(THREADS)
        return torch, torch.nn, torch.nn.functional, torch.optim
    import tinygrad_edu
    import tinygrad_edu.nn.functional
    import tinygrad_edu.optim

    return tinygrad_edu, tinygrad_edu.nn, tinygrad_edu.nn.functional, tinygrad_edu.optim


def _other_first(name: str) -> Any:
    """Import the other library and run a little of it, as a user comparing the two would;
    returns a function that runs that little once more."""
    lib, nn, F, _ = _libs(name)
    x = lib.randn(64, 256)
    layer = nn.Linear(256, 256)

    def poke() -> None:
        F.relu(layer(x)).sum().backward()

    for _ in range(20):
        poke()
    return poke


def _workload(lib: Any, nn: Any, F: Any, optim: Any, kind: str) -> Any:
    import numpy as np

    rng = np.random.default_rng(0)
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(3072, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                              nn.Linear(100, 10))
        x = lib.tensor(rng.standard_normal((200, 3072)).astype(np.float32))
        y = lib.tensor(rng.integers(0, 10, 200))
    elif kind == "convnet":
        model = nn.Sequential(nn.Conv2d(3, 32, 7, padding=3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(8192, 100), nn.ReLU(), nn.Linear(100, 10))
        x = lib.tensor(rng.standard_normal((50, 3, 32, 32)).astype(np.float32))
        y = lib.tensor(rng.integers(0, 10, 50))
    else:
        lstm = nn.LSTM(128, 256, batch_first=True)
        x = lib.tensor(rng.standard_normal((64, 16, 128)).astype(np.float32))
        opt = optim.SGD(lstm.parameters(), lr=1e-3)

        def lstm_step() -> None:
            opt.zero_grad()
            out, _ = lstm(x)
            out.sum().backward()
            opt.step()

        return lstm_step
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def child(case: str, steps: int) -> None:
    timed, kind, first = CASES[case]
    poke = _other_first(first.split(",")[0]) if first is not None else None
    interleaved = first is not None and first.endswith("interleaved")
    step = _workload(*_libs(timed), kind)
    for _ in range(3):  # warm-up (the first call compiles or loads kernels)
        step()
    times, cpu_times = [], []
    for _ in range(steps):
        if interleaved:  # the other library's threads have just worked (not timed)
            poke()
        start, cpu = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    print(statistics.median(times) * 1000, statistics.median(cpu_times) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="processes per case (default: 3)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per process")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case, print ms
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    if args.case:
        child(args.case, args.steps)
        return
    cases = [c for c in CASES if args.only in c]
    results: dict[str, list[float]] = {c: [] for c in cases}
    cpu: dict[str, list[float]] = {c: [] for c in cases}
    for k in range(args.rounds):
        for case in cases if k % 2 == 0 else cases[::-1]:  # alternate the order
            out = subprocess.run([sys.executable, __file__, "--case", case, "--steps",
                                  str(args.steps)], capture_output=True, text=True, check=True)
            wall, cpu_ms = out.stdout.strip().splitlines()[-1].split()
            results[case].append(float(wall))
            cpu[case].append(float(cpu_ms))
    print(f"median step time over {args.rounds} processes ({args.steps} steps each), "
          f"milliseconds; min-max in brackets; ratio to the library alone (target <= 1.1x); "
          f"the process's CPU time per step (all its threads: another library's spinning "
          f"threads show here even when the machine is busy); "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    medians = {case: statistics.median(values) for case, values in results.items()}
    for case, values in results.items():
        alone = medians.get(case.split(",")[0] + ", alone")
        ratio = f"{medians[case] / alone:5.2f}x" if alone and not case.endswith("alone") else ""
        print(f"  {case:46} {medians[case]:8.2f}  [{min(values):.2f}-{max(values):.2f}]  "
              f"{ratio:6}  CPU {statistics.median(cpu[case]):7.2f}")


if __name__ == "__main__":
    main()
