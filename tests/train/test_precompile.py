"""The second process that compiles the common kernels on a first run (kernels/precompile.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from numba.core import types

from tinygrad_edu.kernels import jit, precompile
from tinygrad_edu.kernels.first_run import KERNELS

ROOT = Path(__file__).resolve().parents[2]
REAL_POPEN = subprocess.Popen  # the fixture below replaces subprocess.Popen

# Runs an example in this process's place and prints, as JSON, the tinygrad_edu kernels it
# compiled from Python (a kernel loaded from the disk cache fires no compile event).
RUN_AND_LIST_COMPILES = """
import json, runpy, sys
from numba.core import event
compiled = []
class Listener(event.Listener):
    def on_start(self, e):
        f = e.data['dispatcher'].py_func
        if f.__module__.startswith('tinygrad_edu.'):
            compiled.append(f.__name__)
    def on_end(self, e):
        pass
event.register('numba:compile', Listener())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
print('COMPILED ' + json.dumps(compiled))
"""


@pytest.mark.parametrize(("text", "expected"), [
    ("array(float32, 4d, C)", types.Array(types.float32, 4, "C")),
    ("array(int64, 1d, A)", types.Array(types.int64, 1, "A")),
    ("readonly array(float64, 2d, F)", types.Array(types.float64, 2, "F", readonly=True)),
    ("array(bool, 3d, C)", types.Array(types.boolean, 3, "C")),
    ("int64", types.int64), ("float32", types.float32), ("bool", types.boolean),
])
def test_parse_type_reads_what_numba_prints(text: str, expected: Any) -> None:
    assert precompile.parse_type(text) == expected
    assert str(expected) == text  # the list is written from str() of Numba's types


@pytest.mark.parametrize("text", ["list(int64)", "array(float32, C)", "float33", "none", ""])
def test_parse_type_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError, match=r"precompile: cannot read the argument type"):
        precompile.parse_type(text)


def test_every_entry_names_a_kernel_with_argument_types_numba_reads() -> None:
    assert len(KERNELS) >= 10
    assert len(set(KERNELS)) == len(KERNELS)
    for module, name, args in KERNELS:
        kernel = getattr(__import__(module, fromlist=[name]), name)
        assert hasattr(kernel, "compile"), f"{module}.{name} is not a Numba kernel"
        for arg in args:
            precompile.parse_type(arg)


@pytest.mark.slow
def test_the_list_covers_the_examples_first_run(tmp_path: Path) -> None:
    """After the second process has compiled the list into an empty cache, the recorded
    examples compile nothing themselves: the list is complete and its types are the ones
    the examples call with (a kernel whose signature changed fails here; rerun --record)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"),
               **{precompile.ENV_SWITCH: "0"})
    compile_all = ("from tinygrad_edu.kernels import precompile\n"
                   "from tinygrad_edu.kernels.first_run import KERNELS\n"
                   "assert precompile.compile_list(strict=True) == len(KERNELS)\n")
    subprocess.run([sys.executable, "-c", compile_all], env=env, check=True, timeout=600)
    for script, *argv in precompile.RECORDED:
        out = subprocess.run(
            [sys.executable, "-c", RUN_AND_LIST_COMPILES, str(ROOT / script), *argv,
             "--no-progress", "--out", str(tmp_path / "out")],
            env=env, capture_output=True, text=True, check=True, timeout=600).stdout
        line = next(x for x in out.splitlines() if x.startswith("COMPILED "))
        assert json.loads(line[len("COMPILED "):]) == [], (script, argv)


# ------------------------------------------------------------------ starting and stopping

@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """A process that has not started the second process yet; Popen records its command
    instead of running it. Returns the recorded commands."""
    launched: list[list[str]] = []

    class FakePopen:
        def __init__(self, cmd: list[str], **kwargs: Any) -> None:
            launched.append(cmd)
            assert kwargs["env"][precompile.ENV_SWITCH] == "0"  # never a third process

        def poll(self) -> int:
            return 0

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(precompile, "_started", False)
    monkeypatch.setattr(precompile, "_process", None)
    monkeypatch.setattr(precompile.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(precompile, "_idle_cpus", lambda: 1.2)
    monkeypatch.setattr(precompile, "_lock_path", lambda: str(tmp_path / "lock"))
    monkeypatch.delenv(precompile.ENV_SWITCH, raising=False)
    return launched


def test_start_launches_one_second_process_per_process(fresh: list[list[str]]) -> None:
    assert precompile.start() is True
    assert precompile.start() is False
    assert fresh == [[sys.executable, "-m", "tinygrad_edu.kernels.precompile"]]


def test_start_does_nothing_when_switched_off(fresh: list[list[str]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(precompile.ENV_SWITCH, "0")
    assert precompile.start() is False
    assert fresh == []


def test_start_does_nothing_without_an_idle_cpu(fresh: list[list[str]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precompile, "_idle_cpus", lambda: 0.4)
    assert precompile.start() is False
    assert fresh == []


@pytest.mark.parametrize(("cpus", "load", "idle"), [(2, 1.0, 1.0), (2, 3.5, -1.5), (8, 2.0, 6.0),
                                                    (1, 0.1, 0.9)])
def test_idle_cpus_is_the_cpus_minus_the_load(monkeypatch: pytest.MonkeyPatch, cpus: int,
                                              load: float, idle: float) -> None:
    monkeypatch.setattr(precompile, "_cpus", lambda: cpus)
    monkeypatch.setattr(precompile.os, "getloadavg", lambda: (load, 0.0, 0.0))
    assert precompile._idle_cpus() == pytest.approx(idle)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
def test_start_does_nothing_while_another_process_compiles(fresh: list[list[str]],
                                                           tmp_path: Path) -> None:
    holder = REAL_POPEN(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
         str(tmp_path / "lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        assert precompile.start() is False
        assert fresh == []
    finally:
        holder.kill()
        holder.communicate()


def test_stop_ends_a_second_process_still_running(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setattr(precompile, "_process", sleeper)
    start = time.perf_counter()
    precompile.stop()
    assert sleeper.poll() is not None
    assert time.perf_counter() - start < 10


def test_the_first_kernel_to_compile_starts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(precompile, "start", lambda: calls.append(1))
    monkeypatch.setattr(jit, "_announced", False)
    monkeypatch.setattr(jit, "_seen", set())

    class Uncached:  # a dispatcher with no compiled signature and no cache index yet
        signatures: list[Any] = []

    monkeypatch.setattr(jit, "_is_cached", lambda kernel: False)
    first, second = Uncached(), Uncached()
    assert jit.ready(first) is first
    assert jit.ready(second) is second
    assert calls == [1]
