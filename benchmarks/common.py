"""Timing helpers shared by the benchmark scripts (run them from the repository root)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

ROUNDS = 5
THREADS = 2


def best_median_us(fn: Callable[[], None], runs: int, rounds: int = ROUNDS) -> float:
    """Best over `rounds` of the median wall time of `runs` calls, in microseconds."""
    medians = []
    for _ in range(rounds):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return min(medians) * 1e6


def describe_environment() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    forced = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if forced:
        print(f"warning: {', '.join(forced)} set; BLAS runs a slow kernel (see benchmarks/README)")
    import numba

    import tinygrad_edu

    print(f"numba {numba.__version__}; tinygrad_edu: {tinygrad_edu.get_num_threads()} threads")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return
    for pool in threadpool_info():
        print(
            f"threadpool: {pool.get('internal_api')} {pool.get('version')} "
            f"({pool.get('user_api')}, {pool.get('num_threads')} threads, "
            f"{pool.get('architecture', '?')})"
        )


def print_table(title: str, rows: dict[str, tuple[float, float | None]], unit: str) -> None:
    """Rows of (ours, torch) timings with their ratio; torch may be missing (None)."""
    print(f"\n{title}, {unit}")
    print(f"{'':28} {'tinygrad_edu':>12} {'torch':>9} {'ratio':>7}")
    for name, (ours, theirs) in rows.items():
        if theirs is None:
            print(f"{name:28} {ours:12.2f} {'-':>9} {'-':>7}")
        else:
            print(f"{name:28} {ours:12.2f} {theirs:9.2f} {ours / theirs:6.2f}x")
    print("ratio = tinygrad_edu / torch (lower is better; 1.0x = as fast as torch)")
