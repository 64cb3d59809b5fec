"""Timing, memory and the separate-process protocol shared by the benchmark scripts.

Run the scripts from the repository root. A script comparing with torch takes part in the
protocol of ``benchmarks/separate.py`` through :func:`add_library_args` and :class:`Rows`:

- ``--lib tinygrad_edu`` / ``--lib torch`` times one library and imports nothing of the other
  (tinygrad_edu sets thread variables at import that slow torch, and torch's thread pool slows
  tinygrad_edu); ``--lib both`` (the default) times both in one process, the secondary view.
- ``--only REGEX`` runs only the matching rows.
- ``--tune-malloc`` makes glibc keep freed blocks for reuse in the process, whichever library
  it times (the setting of ``tg.runtime.tune_malloc()``): how much of a row is page faults.
- ``--json`` ends the output with one line ``{"row": value, ...}`` (the rows' times, in the
  script's unit, milliseconds unless ``"_unit"`` says otherwise) plus keys starting with ``_``:
  ``"_memory"`` maps each row to ``[peak MB, MB over the process's memory right after the
  library was imported]``, ``"_process"`` holds the process's ``peak_mb`` (ru_maxrss) and
  ``import_mb`` (resident memory right after the import).

``python benchmarks/common.py --info LIB`` prints one JSON line describing LIB's build (BLAS,
threads), for separate.py's header.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import importlib.util
import json
import os
import platform
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

ROUNDS = 5
THREADS = 2
LIBS = ("tinygrad_edu", "torch")
#: the submodules a benchmark uses, imported with the library
SUBMODULES = {"tinygrad_edu": ("nn", "nn.functional", "optim", "autograd", "data"),
              "torch": ("nn", "nn.functional", "optim", "autograd", "utils.data")}

_import_mb: dict[str, float] = {}


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


def timed_ms(step: Callable[[], Any], runs: int, warmup: int = 2) -> float:
    """Milliseconds per call of ``step`` after ``warmup`` calls (the first compiles kernels)."""
    for _ in range(warmup):
        step()
    return best_median_us(step, runs) / 1000


# ------------------------------------------------------------------------------- memory

def _status_kb(field: str) -> float | None:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status in kB (None off Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def maxrss_mb() -> float:
    """The process's peak resident memory so far (ru_maxrss), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def rss_mb() -> float:
    """The process's resident memory now, in MB (its peak so far where that is unknown)."""
    kb = _status_kb("VmRSS")
    return kb / 1024 if kb is not None else maxrss_mb()


def reset_peak() -> bool:
    """Start a new peak-memory window (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def window_peak_mb() -> float:
    """Peak resident memory since :func:`reset_peak` (the process's peak off Linux), MB."""
    kb = _status_kb("VmHWM")
    return kb / 1024 if kb is not None else maxrss_mb()


# ------------------------------------------------------------------------------ protocol

def add_library_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lib", choices=(*LIBS, "both"), default="both",
                        help="time one library only, importing nothing of the other (what "
                             "benchmarks/separate.py runs); 'both' shares one process")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line of rows (see benchmarks/common.py)")
    parser.add_argument("--only", metavar="REGEX",
                        help="run only the rows whose name matches (e.g. one row per process, "
                             "so that its peak memory is its own)")
    parser.add_argument("--tune-malloc", action="store_true",
                        help="glibc keeps freed blocks up to 32 MiB for reuse in this process, "
                             "whichever library it times (see tune_malloc)")


def tune_malloc() -> bool:
    """The allocator setting of ``tg.runtime.tune_malloc()``, made here without importing
    tinygrad_edu (a torch process must not): glibc keeps freed blocks up to 32 MiB for reuse
    instead of unmapping them, so the next step's arrays do not page-fault again. False
    where glibc's ``mallopt`` is missing."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    # glibc's M_MMAP_THRESHOLD (-3) and M_TRIM_THRESHOLD (-1), as in tinygrad_edu/runtime.py
    return bool(mallopt(-3, 32 << 20)) and bool(mallopt(-1, 128 << 20))


def selected_libraries(args: argparse.Namespace) -> list[str]:
    """The libraries to time: the one asked for, or both (torch only where installed); with
    ``--tune-malloc``, the allocator is tuned first (the same for both libraries)."""
    if getattr(args, "tune_malloc", False) and not tune_malloc():
        print("--tune-malloc: glibc's mallopt is not available here; the allocator is as it was")
    if args.lib != "both":
        return [args.lib]
    if importlib.util.find_spec("torch") is None:
        print("torch is not installed; install the test extra for the comparison.")
        return ["tinygrad_edu"]
    return list(LIBS)


def load_library(name: str) -> ModuleType:
    """Import ``name`` with the submodules the benchmarks use, at :data:`THREADS` threads."""
    lib = importlib.import_module(name)
    for sub in SUBMODULES[name]:
        importlib.import_module(f"{name}.{sub}")
    lib.set_num_threads(THREADS)
    _import_mb.setdefault(name, rss_mb())
    return lib


def describe_environment(libs: list[str] | None = None) -> None:
    """Versions, forced BLAS settings and thread pools of the libraries imported here."""
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    forced = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if forced:
        print(f"warning: {', '.join(forced)} set; BLAS runs a slow kernel (see benchmarks/README)")
    for name in libs if libs is not None else [n for n in LIBS if n in sys.modules]:
        lib = load_library(name)
        extra = ""
        if name == "tinygrad_edu":
            import numba

            extra = f", numba {numba.__version__}"
        print(f"{name} {lib.__version__}{extra}: {lib.get_num_threads()} threads")
    for pool in _threadpools():
        print(f"threadpool: {pool.get('internal_api')} {pool.get('version')} "
              f"({pool.get('user_api')}, {pool.get('num_threads')} threads, "
              f"{pool.get('architecture', '?')})")


def _threadpools() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return list(threadpool_info())


class Rows:
    """Each library's rows: a time in ``unit`` and the peak memory while the row ran."""

    def __init__(self, args: argparse.Namespace, unit: str = "milliseconds") -> None:
        self.args, self.unit = args, unit
        self.times: dict[str, dict[str, float]] = {}
        self.memory: dict[str, dict[str, float]] = {}

    def add(self, lib: str, row: str, measure: Callable[..., float | None], *args: Any
            ) -> float | None:
        """Run ``measure(*args)`` (building the workload and timing it) as row ``row`` of ``lib``;
        a measure returning None leaves the row out (not supported), and so does ``--only``."""
        if self.args.only and not re.search(self.args.only, row):
            return None
        reset_peak()
        value = measure(*args)
        if value is not None:
            self.times.setdefault(lib, {})[row] = value
            self.memory.setdefault(lib, {})[row] = window_peak_mb()
        return value

    def time_step(self, lib: str, row: str, runs: int, make: Callable[..., Callable[[], Any]],
                  *make_args: Any, warmup: int = 2) -> float | None:
        """Row ``row``: build a step with ``make(*make_args)`` and time it (milliseconds)."""
        return self.add(lib, row, lambda: timed_ms(make(*make_args), runs, warmup))

    def report(self, title: str) -> None:
        """Print the table (with ratios when both libraries ran here) and the JSON line."""
        args = self.args
        print(f"\n{title}, {self.unit}")
        names = [lib for lib in LIBS if lib in self.times]
        rows = list(dict.fromkeys(r for lib in names for r in self.times[lib]))
        if len(names) == 2:
            print(f"{'':34} {'tinygrad_edu':>12} {'torch':>9} {'ratio':>7}")
            for row in rows:
                ours, theirs = (self.times[lib].get(row) for lib in names)
                a = f"{ours:12.3f}" if ours is not None else f"{'-':>12}"
                b = f"{theirs:9.3f}" if theirs is not None else f"{'-':>9}"
                ratio = f"{ours / theirs:6.2f}x" if ours and theirs else f"{'-':>7}"
                print(f"{row:34} {a} {b} {ratio}")
            print("ratio = tinygrad_edu / torch (lower is better; 1.0x = as fast as torch); "
                  "both in one process: run benchmarks/separate.py for the fair comparison")
        for lib in names:
            if len(names) == 1:
                print(f"{'':34} {lib:>12} {'peak MB':>9} {'+import':>8}")
                for row in rows:
                    peak = self.memory[lib][row]
                    print(f"{row:34} {self.times[lib][row]:12.3f} {peak:9.1f} "
                          f"{peak - _import_mb.get(lib, 0.0):+8.1f}")
        if args.json and args.lib != "both":
            lib = args.lib
            other = [name for name in LIBS if name != lib and name in sys.modules]
            if other:  # the measurement would not be of `lib` alone
                raise RuntimeError(f"--lib {lib}: {other[0]} was imported in this process")
            base = _import_mb.get(lib, 0.0)
            line: dict[str, Any] = dict(self.times.get(lib, {}))
            line["_unit"] = self.unit
            line["_memory"] = {row: [round(peak, 1), round(peak - base, 1)]
                               for row, peak in self.memory.get(lib, {}).items()}
            line["_process"] = {"peak_mb": round(maxrss_mb(), 1), "import_mb": round(base, 1)}
            print(json.dumps(line))


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


# ------------------------------------------------------------------------- library info

def library_info(name: str) -> dict[str, Any]:
    """What separate.py's header says of ``name``: version, BLAS, threads (imported alone)."""
    lib = load_library(name)
    info: dict[str, Any] = {"version": lib.__version__, "threads": lib.get_num_threads()}
    if name == "torch":
        config = lib.__config__.show()
        settings = dict(item.strip().split("=", 1) for line in config.splitlines()
                        if "Build settings:" in line
                        for item in line.split(":", 1)[1].split(",") if "=" in item)
        info["blas"] = settings.get("BLAS_INFO", "?")
        info["onednn"] = settings.get("USE_MKLDNN", "?")
        info["cpu capability"] = next((line.split(":", 1)[1].strip() for line in
                                       config.splitlines() if "CPU capability" in line), "?")
        info["interop threads"] = lib.get_num_interop_threads()
    else:
        import numba

        info["numba"] = numba.__version__
        info["numpy"] = np.__version__
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            info["numpy blas"] = f"{blas.get('name')} {blas.get('version')}"
        except (TypeError, KeyError):  # numpy < 1.26 prints only
            info["numpy blas"] = "?"
    info["threadpools"] = [f"{p.get('internal_api')} {p.get('version')} ({p.get('user_api')}, "
                           f"{p.get('num_threads')} threads, {p.get('architecture', '?')})"
                           for p in _threadpools()]
    return info


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="print one library's build as JSON")
    parser.add_argument("--info", choices=LIBS, required=True)
    print(json.dumps(library_info(parser.parse_args().info)))
