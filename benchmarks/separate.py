"""Run a benchmark with each library in its own processes, alternating, and compare medians.

A library imported into the same process as another changes it: tinygrad_edu's thread
settings slow torch's OpenMP pool, and torch's spinning threads slow tinygrad_edu's. So a fair
comparison runs every library in fresh processes, imported the way its users import it, with
the same thread count, alternating (torch, ours, torch, ours, ...) so that both see the same
changes in machine load, and reports the median of the processes' times with their spread.

A script takes part by accepting ``--lib NAME`` (time only that library, importing nothing of
the other) and ``--json`` (print one line ``{"row": milliseconds, ...}`` at the end).

Run from the repository root (unset the two variables that force a slow BLAS kernel on this
project's machines, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/separate.py \\
        benchmarks/bench_hvp_convnet.py --rounds 4 -- --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

LIBS = ("torch", "tinygrad_edu")


def run_once(script: str, lib: str, extra: list[str]) -> dict[str, float]:
    """One process timing ``lib``: the rows of its ``--json`` line."""
    out = subprocess.run([sys.executable, script, "--lib", lib, "--json", *extra],
                         capture_output=True, text=True, check=True, env=os.environ.copy())
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{script} --lib {lib} printed no JSON line:\n{out.stdout}")
    return {name: float(ms) for name, ms in json.loads(lines[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script")
    parser.add_argument("--rounds", type=int, default=4, help="processes per library")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    times: dict[str, dict[str, list[float]]] = {lib: {} for lib in LIBS}
    for r in range(args.rounds):
        for lib in LIBS if r % 2 == 0 else LIBS[::-1]:
            for name, ms in run_once(args.script, lib, extra).items():
                times[lib].setdefault(name, []).append(ms)
    print(f"{args.script}: {args.rounds} processes per library, alternating; milliseconds, "
          f"median [min - max]; ratio of medians tinygrad_edu / torch; load average "
          f"{os.getloadavg()[0]:.1f}")
    for name, ours in times["tinygrad_edu"].items():
        theirs = times["torch"].get(name)
        cells = []
        for values in (ours, theirs):
            cells.append(f"{statistics.median(values):9.2f} [{min(values):.2f} - "
                         f"{max(values):.2f}]" if values else f"{'-':>9}")
        ratio = (f"{statistics.median(ours) / statistics.median(theirs):6.2f}x"
                 if theirs else "")
        print(f"  {name:28} ours {cells[0]:28} torch {cells[1]:28} {ratio}")


if __name__ == "__main__":
    main()
