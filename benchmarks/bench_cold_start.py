"""Cold start and peak memory, each measured in fresh processes.

Cold start: a new Python process imports tinygrad_edu and runs one conv2d forward+backward
(x (8, 3, 32, 32), w (16, 3, 3, 3), padding 1), first with an empty Numba kernel cache
(everything compiles) and then with the cache that run left behind (kernels load from disk).
Targets: warm under 2 s, empty cache under 30 s.

The digits example: ``examples/train_digits.py`` (the README's first command: 15 epochs of the
ConvNet, plots, checkpoint; ``--no-progress``, output in a temporary folder) run whole in a
fresh process, timed from outside (Python's start and every import included), first with an
empty Numba kernel cache and then warm, ``--example-runs`` times each (alternating: a new
empty cache for every cold run); the cold run also once more with the second process that
compiles the examples' kernels on the other core turned off (``TINYGRAD_EDU_PRECOMPILE=0``,
``tinygrad_edu/kernels/precompile.py``). Wall time and CPU time (user + system, the second
process's included), with the load average: on a busy machine the wall time grows and the CPU
time says what the run itself cost. Targets (2-core machine, idle): empty cache under 12 s,
warm under 8 s.

Peak memory: a new process per library runs three training steps of the ConvNet from
``bench_conv.py`` (conv 3->32 7x7 pad 3, ReLU, maxpool 2, Linear 8192->100, ReLU, Linear
100->10, batch 50, SGD momentum) and reports its peak resident memory above what it used right
before the first step (``ru_maxrss``).

Run:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_cold_start.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_cold_start.py \
        --only example --example-runs 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONV_ONCE = """
import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
x = tg.randn(8, 3, 32, 32, requires_grad=True)
w = tg.randn(16, 3, 3, 3, requires_grad=True)
F.conv2d(x, w, padding=1).sum().backward()
"""

PEAK_MEMORY = """
import resource, sys
import numpy as np
lib_name = sys.argv[1]
if lib_name == "torch":
    import torch as lib
    import torch.nn as nn, torch.nn.functional as F, torch.optim as optim
    lib.set_num_threads(2)
else:
    import tinygrad_edu as lib
    import tinygrad_edu.nn as nn, tinygrad_edu.nn.functional as F, tinygrad_edu.optim as optim
rng = np.random.default_rng(0)
x = lib.tensor(rng.standard_normal((50, 3, 32, 32)).astype(np.float32))
y = lib.tensor(rng.integers(0, 10, 50))
model = nn.Sequential(nn.Conv2d(3, 32, 7, padding=3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(8192, 100), nn.ReLU(), nn.Linear(100, 10))
opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(3):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024)
"""


def run(code: str, *args: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                            text=True, check=True)
    return time.perf_counter() - start, result.stdout.strip()


def run_example(repo: Path, out: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole run of the digits example in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(repo / "examples" / "train_digits.py"), "--no-progress",
                    "--out", out], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


COLD, ONE_PROCESS, WARM = ("empty kernel cache", "empty cache, no second process",
                           "warm kernel cache")


def example_rows(repo: Path, env: dict[str, str], runs: int) -> None:
    """The digits example, cold (empty kernel cache) and warm, ``runs`` times each; cold also
    with the compiling second process turned off (``kernels/precompile.py``)."""
    times: dict[str, list[tuple[float, float]]] = {COLD: [], ONE_PROCESS: [], WARM: []}
    print(f"digits example (examples/train_digits.py, whole process), {load()}")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cache_env = dict(env, NUMBA_CACHE_DIR=str(Path(tmp) / "cache"))
            out = str(Path(tmp) / "run")
            times[COLD].append(run_example(repo, out, cache_env))
            times[WARM].append(run_example(repo, out, cache_env))
        with tempfile.TemporaryDirectory() as tmp:
            cache_env = dict(env, NUMBA_CACHE_DIR=str(Path(tmp) / "cache"),
                             TINYGRAD_EDU_PRECOMPILE="0")
            times[ONE_PROCESS].append(run_example(repo, str(Path(tmp) / "run"), cache_env))
    for row, target in ((COLD, 12), (ONE_PROCESS, 12), (WARM, 8)):
        walls, cpus = [w for w, _ in times[row]], [c for _, c in times[row]]
        print(f"  {row + ':':31} {statistics.median(walls):6.2f} s wall [{min(walls):.2f}-"
              f"{max(walls):.2f}], {statistics.median(cpus):6.2f} s CPU   (target < {target} s)")
    print(f"  ({runs} runs each, medians [min-max]; {load()} after)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["conv", "example", "memory"], action="append",
                        help="run only these parts (repeatable; default: all three)")
    parser.add_argument("--example-runs", type=int, default=2,
                        help="cold and warm runs of the digits example (default: 2)")
    args = parser.parse_args()
    parts = args.only or ["conv", "example", "memory"]
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(repo))
    if "conv" in parts:
        with tempfile.TemporaryDirectory() as cache:
            env_conv = dict(env, NUMBA_CACHE_DIR=cache)
            cold, _ = run(CONV_ONCE, env=env_conv)
            warm, _ = run(CONV_ONCE, env=env_conv)
        print(f"import + one conv2d forward/backward in a fresh process, {load()}")
        print(f"  empty kernel cache: {cold:6.2f} s   (target < 30 s)")
        print(f"  warm kernel cache:  {warm:6.2f} s   (target < 2 s)\n")
    if "example" in parts:
        example_rows(repo, env, args.example_runs)
        print()
    if "memory" in parts:
        try:
            import torch  # noqa: F401
        except ImportError:
            libs = ["tinygrad_edu"]
        else:
            libs = ["tinygrad_edu", "torch"]
        print("peak resident memory of 3 ConvNet training steps (batch 50), above baseline")
        for lib in libs:
            _, mib = run(PEAK_MEMORY, lib, env=env)
            print(f"  {lib:13} {float(mib):8.1f} MiB")


if __name__ == "__main__":
    main()
