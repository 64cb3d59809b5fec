"""The tune examples in quick mode: the digits ConvNet search and the CIFAR-10 Solver grid."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

pytest.importorskip("optuna")
pytest.importorskip("sklearn")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_tune_digits_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ex = runpy.run_path(str(EXAMPLES / "tune_digits.py"))
    res = ex["main"](["--quick", "--storage", str(tmp_path), "--workers", "2"])
    assert len(res.rows) == 4
    first = next(r for r in res.rows if r["trial"] == 0)
    assert {k: first[k] for k in ex["HAND_PICKED"]} == ex["HAND_PICKED"]
    assert res.best_config is not None
    assert res.best_value >= first["val_acc"] or first["status"] != "completed"
    printed = capsys.readouterr().out
    assert "hand-picked config (trial 0): val_acc" in printed
    assert "best checkpoint's test accuracy" in printed
    assert (tmp_path / "results.csv").exists()
    assert (tmp_path / "best_checkpoint.npz").exists()


def test_tune_cifar10_quick_on_synthetic_data(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    ex = runpy.run_path(str(EXAMPLES / "tune_cifar10.py"))
    res = ex["main"](["--quick", "--storage", str(tmp_path), "--data-dir",
                      str(tmp_path / "no-data"), "--workers", "2"])
    assert "using SYNTHETIC data" in capsys.readouterr().out
    assert sorted((r["learning_rate"], r["reg"]) for r in res.rows) == [
        (1e-4, 0.0), (1e-4, 0.25), (1e-3, 0.0), (1e-3, 0.25)]
    assert {r["status"] for r in res.rows} <= {"completed", "pruned"}
    assert res.best_value > 0.1  # better than chance on the synthetic classes
