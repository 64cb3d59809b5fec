"""The first run compiles on two cores: a second process compiles the common kernels ahead.

Numba compiles a kernel on its first call, one kernel at a time: compiling takes a
process-wide lock, so threads cannot share the work. In one process, the very first run of the
digits example spends about 10 s of its 16 compiling 20 kernels, on one core while the other
waits; with the second process below it takes about 11 s (warm: 5 s; 2-core machine,
``benchmarks/bench_cold_start.py``).

So when the first kernel of a run is about to compile (``jit.ready`` finds the disk cache
empty), ``start()`` launches ``python -m tinygrad_edu.kernels.precompile``: a process at low
priority that compiles the kernels listed in ``first_run.py`` (the kernels and argument types
the README's examples use, in the order a training step first calls them) from the last to
the first, into the same disk cache. The training process compiles from the first. They meet
in the middle: when the training process reaches a kernel the other one has finished, Numba
loads it from the disk instead of compiling it (``Dispatcher.compile`` looks in the cache
first). A kernel both happen to compile at once is written twice, the same bytes each time.

It runs only where it can help and never twice at once: not unless a CPU is idle (the CPU
count minus the load average is at least ``MIN_IDLE_CPUS``), not when
``TINYGRAD_EDU_PRECOMPILE=0`` is set, not while another process compiles into the same cache
(a lock file), and it is stopped when the training process exits (Numba writes each cache file
whole, so stopping it loses only the kernel it was on). A user's model that needs other
kernels compiles them itself, as before.

``python -m tinygrad_edu.kernels.precompile --record`` (in a source checkout) runs the
examples with an empty cache, records what they compile and rewrites ``first_run.py``; a test
checks that the list still covers the digits example.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import hashlib
import importlib
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ENV_SWITCH = "TINYGRAD_EDU_PRECOMPILE"  # "0" turns the second process off
# Idle CPUs needed to start it. The load average counts what ran in the last minute, mostly
# other programs (this one has just started): at load 3.5 on two cores the second process
# made the digits example's first run 5-8 s slower instead of faster.
MIN_IDLE_CPUS = 0.5

_process: subprocess.Popen[bytes] | None = None
_started = False


# ------------------------------------------------------------------ the list's argument types

_ARRAY = re.compile(r"(readonly )?array\((\w+), (\d+)d, ([CFA])\)")


def parse_type(text: str) -> Any:
    """A Numba type from the text Numba prints for it: ``'array(float32, 4d, C)'``,
    ``'readonly array(int64, 1d, C)'``, ``'int64'``, ``'float32'``, ``'bool'``."""
    from numba.core import types

    match = _ARRAY.fullmatch(text)
    if match:
        readonly, dtype, ndim, layout = match.groups()
        return types.Array(getattr(types, dtype), int(ndim), layout, readonly=bool(readonly))
    scalar = {"bool": types.boolean}.get(text) or getattr(types, text, None)
    if not isinstance(scalar, types.Number | types.Boolean):
        raise ValueError(f"precompile: cannot read the argument type {text!r}; expected an "
                         "array such as 'array(float32, 4d, C)' or a number type such as "
                         "'int64'")
    return scalar


def compile_kernel(module: str, name: str, args: tuple[str, ...]) -> None:
    """Compile ``module.name`` for ``args`` into the disk cache (or load it from there)."""
    kernel = getattr(importlib.import_module(module), name)
    kernel.compile(tuple(parse_type(a) for a in args))


# ------------------------------------------------------------------ starting the second process

def _lock_path() -> str:
    """One lock file per kernel cache: the cache folder, or the package's own folders."""
    from numba.core import config

    where = config.CACHE_DIR or str(Path(__file__).parent)
    digest = hashlib.sha1(where.encode()).hexdigest()[:12]
    return os.path.join(tempfile.gettempdir(), f"tinygrad_edu-precompile-{digest}.lock")


@contextlib.contextmanager
def _held_lock() -> Iterator[bool]:
    """Hold the cache's lock file while inside; yields False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # no POSIX locks (Windows): go ahead without
        yield True
        return
    with open(_lock_path(), "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _idle_cpus() -> float:
    """The CPUs this process may use minus the 1-minute load average: whether a second
    process would have a core of its own. On a busy machine it would only take turns with
    the training process."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here (Windows): count one busy CPU
        load = 1.0
    return _cpus() - load


def start() -> bool:
    """Launch the second process (once per process, where it can help); True if launched."""
    global _process, _started
    if _started:
        return False
    _started = True
    if os.environ.get(ENV_SWITCH, "1") == "0" or _idle_cpus() < MIN_IDLE_CPUS:
        return False
    with _held_lock() as free:
        if not free:  # another process is compiling into this cache already
            return False
    from numba.core import config

    env = dict(os.environ, **{ENV_SWITCH: "0"})
    if config.CACHE_DIR:
        env["NUMBA_CACHE_DIR"] = config.CACHE_DIR
    try:
        _process = subprocess.Popen(
            [sys.executable, "-m", __name__], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:  # no way to start a process here: compile in this one, as before
        return False
    # wait for it in the background, so that once done it leaves no zombie process behind
    threading.Thread(target=_process.wait, name="precompile-wait", daemon=True).start()
    atexit.register(stop)
    return True


def stop() -> None:
    """Stop the second process if it is still compiling (at this process's exit)."""
    if _process is not None and _process.poll() is None:
        _process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            _process.wait(timeout=5)


# ------------------------------------------------------------------ the second process

def compile_list(strict: bool = False) -> int:
    """Compile every kernel in ``first_run.py``, last first; return how many it compiled.

    Args:
        strict: raise on an entry that no longer matches its kernel (the test's mode);
            otherwise skip it, since the training process compiles what it needs anyway.
    """
    from .first_run import KERNELS

    done = 0
    for module, name, args in reversed(KERNELS):
        try:
            compile_kernel(module, name, args)
        except Exception:
            if strict:
                raise
            continue
        done += 1
    return done


def _main_second_process() -> None:
    with _held_lock() as free:
        if not free:
            return
        if hasattr(os, "nice"):  # POSIX: the training process comes first
            os.nice(10)
        compile_list()


# ------------------------------------------------------------------ recording the list

#: what ``--record`` runs: the README's first commands, one epoch each
RECORDED = (("examples/train_digits.py", "--epochs", "1"),
            ("examples/train_digits.py", "--epochs", "1", "--model", "mlp"))


def _record_one(script: str, argv: tuple[str, ...], out: str) -> list[tuple[str, str,
                                                                           tuple[str, ...]]]:
    """Run ``script`` in a fresh process with an empty cache; the kernels it compiled from
    Python (not those compiled inside another kernel), in order."""
    code = (
        "import json, runpy, sys\n"
        "from numba.core import event\n"
        "seen, depth = [], [0]\n"
        "class Listener(event.Listener):\n"
        "    def on_start(self, e):\n"
        "        f = e.data['dispatcher'].py_func\n"
        "        if depth[0] == 0 and f.__module__.startswith('tinygrad_edu.'):\n"
        "            seen.append([f.__module__, f.__name__, [str(a) for a in e.data['args']]])\n"
        "        depth[0] += 1\n"
        "    def on_end(self, e):\n"
        "        depth[0] -= 1\n"
        "event.register('numba:compile', Listener())\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n"
        "    print('KERNELS ' + json.dumps(seen))\n")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, **{ENV_SWITCH: "0"})
        result = subprocess.run(
            [sys.executable, "-c", code, script, *argv, "--no-progress", "--out", out],
            env=env, capture_output=True, text=True, check=True)
    import json

    line = next(x for x in result.stdout.splitlines() if x.startswith("KERNELS "))
    return [(m, n, tuple(a)) for m, n, a in json.loads(line[len("KERNELS "):])]


def record() -> None:
    """Rewrite ``first_run.py`` from what the examples in ``RECORDED`` compile."""
    root = Path(__file__).resolve().parents[2]
    entries: list[tuple[str, str, tuple[str, ...]]] = []
    with tempfile.TemporaryDirectory() as out:
        for script, *argv in RECORDED:
            for entry in _record_one(str(root / script), tuple(argv), out):
                if entry not in entries:
                    entries.append(entry)
    lines = ['"""The kernels the README\'s examples compile, in the order a training step '
             'first calls them.',
             "",
             "Written by ``python -m tinygrad_edu.kernels.precompile --record``; read by "
             "``precompile.py``.",
             '"""',
             "",
             "KERNELS: tuple[tuple[str, str, tuple[str, ...]], ...] = ("]
    for module, name, args in entries:
        lines.append(f"    ({module!r}, {name!r}, (")
        row = "       "
        for arg in args:  # as many arguments on a line as fit in 96 characters
            if len(row) + len(repr(arg)) + 2 > 96:
                lines.append(row.rstrip())
                row = "       "
            row += f"{arg!r}, "
        lines.append(row.rstrip(", ") + ("," if len(args) == 1 else "") + ")),")
    lines.append(")")
    target = Path(__file__).with_name("first_run.py")
    target.write_text("\n".join(lines) + "\n")
    print(f"wrote {len(entries)} kernels to {target.name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true",
                        help="rerun the examples with an empty cache and rewrite first_run.py")
    if parser.parse_args().record:
        record()
    else:
        _main_second_process()
