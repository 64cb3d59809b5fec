"""The benchmarks' separate-process protocol: what a script prints and how the runner reads it."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    """A benchmarks/ module under a private name (``common`` is too generic for sys.modules)."""
    spec = importlib.util.spec_from_file_location(f"_benchmarks_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench_modules() -> tuple[ModuleType, ModuleType]:
    return _load("common"), _load("separate")


def test_scripts_import_no_library_at_module_level():
    """A script imports a library only when --lib asks for it, so that a torch process holds
    no tinygrad_edu (whose import-time settings would slow torch) and the other way round."""
    probe = (
        "import importlib, json, sys\n"
        f"sys.path.insert(0, {str(BENCHMARKS)!r})\n"
        "import separate\n"
        "for name in (*separate.ALL, 'common.py'):\n"
        "    importlib.import_module(name[:-3])\n"
        "print(json.dumps(sorted(m for m in ('torch', 'tinygrad_edu') if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []


def test_every_script_of_all_exists_and_takes_the_protocol_arguments(bench_modules):
    _, separate = bench_modules
    for name in separate.ALL:
        text = (BENCHMARKS / name).read_text()
        assert "add_library_args(parser)" in text, name
        assert "Rows(" in text, name


def test_rows_json_line_has_times_memory_and_unit(bench_modules, capsys, monkeypatch):
    common, _ = bench_modules
    monkeypatch.setattr(common, "LIBS", ("lib_a", "lib_b"))  # the test process holds both
    args = argparse.Namespace(lib="lib_a", json=True, only="step")
    rows = common.Rows(args, unit="ms per step")
    rows.add(args.lib, "a step", lambda: 1.5)
    rows.add(args.lib, "left out by --only", lambda: 2.0)
    rows.add(args.lib, "not supported", lambda: None)
    rows.report("title")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["a step"] == 1.5
    assert "left out by --only" not in line
    assert "not supported" not in line
    assert line["_unit"] == "ms per step"
    assert set(line["_memory"]) == {"a step"}
    assert len(line["_memory"]["a step"]) == 2
    assert line["_process"]["peak_mb"] > 0


def test_rows_refuse_a_json_line_when_the_other_library_is_imported(bench_modules):
    common, _ = bench_modules
    pytest.importorskip("torch")
    rows = common.Rows(argparse.Namespace(lib="tinygrad_edu", json=True, only=None))
    rows.add("tinygrad_edu", "a step", lambda: 1.0)
    with pytest.raises(RuntimeError, match="--lib tinygrad_edu: torch was imported"):
        rows.report("title")


def test_fit_recovers_fixed_and_per_sample_cost(bench_modules):
    _, separate = bench_modules
    results = {lib: separate.Samples() for lib in separate.LIBS}
    for batch in (1, 8, 32, 128, 512):
        results["tinygrad_edu"].times[f"MLP 8-8 b{batch}"] = [2.0 + 0.03 * batch]
        results["torch"].times[f"MLP 8-8 b{batch}"] = [0.5 + 0.01 * batch]
    results["torch"].times["not a batch row"] = [1.0]
    assert separate.fit_lines(results) == [
        ("MLP 8-8", "2.00 ms + 30.0 us/sample", "0.500 ms + 10.0 us/sample")]


def test_table_prints_medians_ratio_and_memory(bench_modules):
    _, separate = bench_modules
    results = {lib: separate.Samples() for lib in separate.LIBS}
    results["tinygrad_edu"].times["row"] = [3.0, 1.0, 2.0]
    results["torch"].times["row"] = [4.0, 4.0, 5.0]
    results["tinygrad_edu"].memory["row"] = [[100.0, 10.0], [102.0, 12.0], [101.0, 11.0]]
    text = "\n".join(separate.table("bench_x.py", results, 3, markdown=True))
    assert "| row | 2.00 [1.00 - 3.00] | 4.00 [4.00 - 5.00] | 0.50x | 101 (+11) | - |" in text
