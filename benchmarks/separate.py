"""Run benchmarks with each library in its own processes, alternating, and compare medians.

A library imported into the same process as another changes it: tinygrad_edu's thread
settings slow torch's OpenMP pool, and torch's spinning threads slow tinygrad_edu's. So a fair
comparison runs every library in fresh processes, imported the way its users import it, with
the same thread count (2), alternating (torch, ours, ours, torch, ...) so that both see the
same changes in machine load, and reports the median of the processes' times with their
spread, the ratio of the medians, and the peak memory of each row beside the times.

A script takes part by accepting ``--lib NAME`` (time only that library, importing nothing of
the other) and ``--json`` (end with one JSON line of rows; see ``benchmarks/common.py``).
Rows named ``... b<batch>`` (``bench_scaling.py``) are also fitted as
``time = fixed + per-sample * batch``, per library.

The header describes the machine: CPU model, cores, the CPU flags that matter (avx2,
avx512f, fma), numpy's BLAS and torch's (from one short process per library), their thread
counts and the load average.

Run from the repository root (unset the two variables that force a slow BLAS kernel on this
project's machines, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/separate.py \\
        benchmarks/bench_hvp_convnet.py --rounds 4 -- --runs 5
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/separate.py --all \\
        --rounds 4 --markdown
Arguments after ``--`` go to every script run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIBS = ("tinygrad_edu", "torch")
#: the scripts ``--all`` runs, in order
ALL = ("bench_peak.py", "bench_elementwise.py", "bench_conv.py", "bench_pool.py", "bench_norm.py",
       "bench_rnn.py", "bench_mlp_step.py", "bench_scaling.py", "bench_hvp.py",
       "bench_hvp_convnet.py", "bench_rnn_second_order.py", "bench_loader.py")
FLAGS = ("avx2", "avx512f", "fma")
BATCH_ROW = re.compile(r"^(?P<group>.+) b(?P<batch>\d+)$")


@dataclass
class Samples:
    """One library's results over its processes."""

    times: dict[str, list[float]] = field(default_factory=dict)
    memory: dict[str, list[list[float]]] = field(default_factory=dict)  # row: [peak, +import]
    process_mb: list[float] = field(default_factory=list)  # ru_maxrss of each child
    unit: str = "milliseconds"


def _maxrss_mb(kb: float) -> float:
    return kb / 2**20 if sys.platform == "darwin" else kb / 1024


def run_once(script: Path, lib: str, extra: list[str], into: Samples) -> None:
    """One process timing ``lib``: adds the rows of its ``--json`` line to ``into``."""
    command = [sys.executable, str(script), "--lib", lib, "--json", *extra]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        proc.stdout.close()
        if hasattr(os, "wait4"):  # the child's own rusage: its peak memory
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            into.process_mb.append(_maxrss_mb(usage.ru_maxrss))
        else:
            proc.wait()
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n"
                               f"{stdout}\n{err.read()}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{script.name} --lib {lib} printed no JSON line:\n{stdout}")
    result = json.loads(lines[-1])
    into.unit = result.get("_unit", into.unit)
    for row, value in result.items():
        if not row.startswith("_"):
            into.times.setdefault(row, []).append(float(value))
    for row, mb in result.get("_memory", {}).items():
        into.memory.setdefault(row, []).append(mb)


# -------------------------------------------------------------------------------- header

def cpu_description() -> dict[str, str]:
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
    except OSError:
        pass
    return {"cpu": model, "cores": str(os.cpu_count()),
            "flags": " ".join(f"{f}{'+' if f in flags else '-'}" for f in FLAGS)
            if flags else "unknown"}


def library_info(lib: str) -> dict[str, object]:
    """One short process importing ``lib`` alone: its version, BLAS and threads."""
    out = subprocess.run([sys.executable, str(HERE / "common.py"), "--info", lib],
                         capture_output=True, text=True)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def header_lines() -> list[str]:
    cpu = cpu_description()
    lines = [f"machine: {cpu['cpu']}, {cpu['cores']} cores, flags {cpu['flags']}; "
             f"{platform.system()} {platform.machine()}, python {platform.python_version()}"]
    for lib in LIBS:
        info = library_info(lib)
        pools = "; ".join(map(str, info.pop("threadpools", [])))
        details = ", ".join(f"{k} {v}" for k, v in info.items())
        lines.append(f"{lib}: {details}" + (f"; thread pools: {pools}" if pools else ""))
    forced = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if forced:
        lines.append(f"warning: {', '.join(forced)} set: OpenBLAS runs a slow kernel "
                     "(unset them for benchmarks, see benchmarks/README.md)")
    return lines


# --------------------------------------------------------------------------------- output

def num(value: float) -> str:
    """About three significant digits, never in exponent notation."""
    value = float(f"{value:.3g}")
    size = abs(value)
    if size < 0.01:
        return f"{value:.2g}"
    return f"{value:.{0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3}f}"


def spread(values: list[float]) -> str:
    return (f"{num(statistics.median(values))} [{num(min(values))} - {num(max(values))}]"
            if values else "-")


def memory_cell(values: list[list[float]] | None) -> str:
    """Median peak MB of a row (and its increase over the memory after import)."""
    if not values:
        return "-"
    return (f"{statistics.median(v[0] for v in values):.0f} "
            f"(+{statistics.median(v[1] for v in values):.0f})")


def fit_lines(results: dict[str, Samples]) -> list[tuple[str, str, str]]:
    """``median time = fixed + per_sample * batch`` fitted by least squares on the relative
    errors, for each group of rows named ``<group> b<batch>`` (two batch sizes or more), per
    library."""
    fits = []
    groups: dict[str, list[tuple[int, str]]] = {}
    for row in results["tinygrad_edu"].times | results["torch"].times:
        match = BATCH_ROW.match(row)
        if match:
            groups.setdefault(match["group"], []).append((int(match["batch"]), row))
    for group, members in groups.items():
        cells = []
        for lib in LIBS:
            points = [(b, statistics.median(results[lib].times[row])) for b, row in members
                      if results[lib].times.get(row)]
            if len({b for b, _ in points}) < 2:
                cells.append("-")
                continue
            # weights 1/t^2: each point counts by its relative error, so that the small
            # batches (where the fixed part shows) weigh as much as the large ones
            w = [1 / t**2 for _, t in points]
            sw = sum(w)
            mb = sum(wi * b for wi, (b, _) in zip(w, points, strict=True)) / sw
            mt = sum(wi * t for wi, (_, t) in zip(w, points, strict=True)) / sw
            slope = (sum(wi * (b - mb) * (t - mt) for wi, (b, t) in zip(w, points, strict=True))
                     / sum(wi * (b - mb) ** 2 for wi, (b, _) in zip(w, points, strict=True)))
            cells.append(f"{num(mt - slope * mb)} ms + {num(slope * 1000)} us/sample")
        fits.append((group, cells[0], cells[1]))
    return fits


def table(script: str, results: dict[str, Samples], rounds: int, markdown: bool) -> list[str]:
    ours, theirs = results["tinygrad_edu"], results["torch"]
    unit = ours.unit
    rows = list(dict.fromkeys([*ours.times, *theirs.times]))
    name = f"**{script}**" if markdown else script
    lines = [f"{name}: {rounds} process{'es' if rounds > 1 else ''} per library, alternating; "
             f"{unit}, median "
             f"[min - max]; ratio of medians tinygrad_edu / torch; peak MB of the row "
             f"(+ over the memory after import); load average {os.getloadavg()[0]:.1f}"]
    body = []
    for row in rows:
        a, b = ours.times.get(row, []), theirs.times.get(row, [])
        ratio = f"{statistics.median(a) / statistics.median(b):.2f}x" if a and b else "-"
        body.append((row, spread(a), spread(b), ratio, memory_cell(ours.memory.get(row)),
                     memory_cell(theirs.memory.get(row))))
    heads = ("row", "tinygrad_edu", "torch", "ratio", "MB ours", "MB torch")
    process = ("process peak MB (ru_maxrss)", spread(ours.process_mb), spread(theirs.process_mb),
               "", "", "")
    fits = fit_lines(results)
    if markdown:
        lines += ["", "| " + " | ".join(heads) + " |", "|---" * len(heads) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in (*body, process)]
        if fits:
            lines += ["", "| fit: time = fixed + per-sample x batch | tinygrad_edu | torch |",
                      "|---|---|---|"]
            lines += [f"| {g} | {a} | {b} |" for g, a, b in fits]
        return [*lines, ""]
    widths = [max(len(r[i]) for r in (heads, *body, process)) for i in range(len(heads))]
    for r in (heads, *body, process):
        lines.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                      for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    if fits:
        lines.append("  fit: time = fixed + per-sample x batch (least squares on the medians' "
                     "relative errors)")
        lines += [f"    {g:30} tinygrad_edu {a:26} torch {b}" for g, a, b in fits]
    return lines


def run_script(script: Path, rounds: int, extra: list[str]) -> dict[str, Samples]:
    results = {lib: Samples() for lib in LIBS}
    for r in range(rounds):
        for lib in LIBS[::-1] if r % 2 == 0 else LIBS:
            run_once(script, lib, extra, results[lib])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", help="a benchmark script (or --all)")
    parser.add_argument("--all", action="store_true", help="run every script of ALL")
    parser.add_argument("--rounds", type=int, default=4, help="processes per library")
    parser.add_argument("--markdown", action="store_true",
                        help="print markdown tables (for benchmarks/README.md)")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if args.all == bool(args.script):
        parser.error("give one script or --all")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    scripts = [HERE / name for name in ALL] if args.all else [Path(args.script)]
    head = header_lines()
    print("\n".join(f"- {line}" for line in head) + "\n" if args.markdown else "\n".join(head),
          flush=True)
    for script in scripts:
        results = run_script(script, args.rounds, extra)
        print("\n".join(table(script.name, results, args.rounds, args.markdown)), flush=True)


if __name__ == "__main__":
    main()
