"""Every example runs (in a quick mode where it has one) and does what it promises."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setattr(sys, "argv", [name, *args])
    return runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def test_quickstart_trains_the_spiral(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    run_example("quickstart.py", monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    assert "README example" in out
    accuracy = float(out.rsplit("training accuracy:", 1)[1].strip().rstrip("%")) / 100
    assert accuracy > 0.9, out


def test_quickstart_quick_mode(monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    run_example("quickstart.py", "--steps", "3", monkeypatch=monkeypatch)
    assert "step    2" in capsys.readouterr().out
