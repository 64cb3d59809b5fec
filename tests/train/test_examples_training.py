"""The training examples (train_digits, train_cifar10, image_filters) in quick mode, and the
README's main command at full length."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"

pytest.importorskip("sklearn", reason="the examples need the 'examples' extra")
pytest.importorskip("matplotlib", reason="the examples need the 'examples' extra")


def run_example(name: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setattr(sys, "argv", [name, *args])
    # the examples set thread-pool variables with os.environ.setdefault; keep them out of the
    # environment that later tests (and their subprocesses) see
    monkeypatch.setattr(os, "environ", os.environ.copy())
    return runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG, path


@pytest.mark.parametrize("model", ["convnet", "mlp"])
def test_train_digits_quick(model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    run_example("train_digits.py", "--quick", "--model", model, "--out", str(out),
                monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    assert "test accuracy:" in printed
    assert str(out) in printed
    for name in ("training.png", "filters.png", "per_class_accuracy.png",
                 "confusion_matrix.png"):
        assert_png(out / name)
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == model
    assert 0 <= report["test_accuracy"] <= 1
    assert len(report["confusion_matrix"]) == 10
    import tinygrad_edu as tg

    assert tg.load(out / "checkpoint.npz")["epoch"] == 1
    assert set(tg.load(out / "model.npz")) == set(tg.load(out / "checkpoint.npz")["model"])


def test_train_digits_resume_continues_the_run(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "run")
    run_example("train_digits.py", "--quick", "--out", out, "--no-progress",
                monkeypatch=monkeypatch)
    run_example("train_digits.py", "--quick", "--epochs", "2", "--resume", "--out", out,
                "--no-progress", monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    assert "resumed from" in printed
    assert "epoch 2/2" in printed
    assert "epoch 1/2" not in printed


def test_train_digits_on_synthetic_cifar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    run_example("train_digits.py", "--quick", "--data", "cifar10", "--data-dir",
                str(tmp_path / "nothing-here"), "--out", str(out), "--no-progress",
                monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    assert "SYNTHETIC" in printed
    assert "test accuracy:" in printed
    assert (out / "synthetic-cifar10" / "cifar-10-batches-py" / "test_batch").is_file()
    assert_png(out / "filters.png")


def test_train_cifar10_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cifar"
    run_example("train_cifar10.py", "--quick", "--data-dir", str(tmp_path / "none"),
                "--out", str(out), monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    assert "SYNTHETIC" in printed
    assert "synthetic test accuracy:" in printed
    assert_png(out / "training.png")
    assert_png(out / "filters.png")
    assert (out / "checkpoint.npz").is_file()
    assert (out / "model.npz").is_file()


def test_train_cifar10_reads_real_format_files(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from tinygrad_edu.data import synthetic_cifar10

    data = tmp_path / "data"
    synthetic_cifar10(data, n=60)  # files in the real layout: the example must not say synthetic
    run_example("train_cifar10.py", "--quick", "--data-dir", str(data), "--out",
                str(tmp_path / "out"), monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    assert "SYNTHETIC" not in printed
    assert "CIFAR-10: 54 train / 6 val / 12 test" in printed


def test_image_filters_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "filters.png"
    run_example("image_filters.py", "--quick", "--out", str(out), monkeypatch=monkeypatch)
    assert "filtered 2 photographs" in capsys.readouterr().out
    assert_png(out)


def test_image_filters_math() -> None:
    import numpy as np

    module = runpy.run_path(str(EXAMPLES / "image_filters.py"))
    flat = np.full((1, 3, 6, 6), 100.0, dtype=np.float32)
    flat[:, 0] = 200.0
    results = module["apply_filters"](flat)
    # grayscale of a flat colour is 0.3 R + 0.6 G + 0.1 B (inside the zero-padded border)
    np.testing.assert_allclose(results["grayscale"][0, 1:-1, 1:-1], 0.3 * 200 + 0.7 * 100,
                               rtol=1e-6)
    np.testing.assert_allclose(results["edges"][0, 2:-2, 2:-2], 0.0, atol=1e-3)  # no edges
    np.testing.assert_allclose(results["blur"][0, :, 2:-2, 2:-2], flat[0, :, 2:-2, 2:-2],
                               rtol=1e-5)  # a normalised blur keeps a flat image


@pytest.mark.slow
def test_readme_command_reaches_97_percent(tmp_path: Path) -> None:
    """The README's main example, full length, in a fresh process as a user runs it."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_digits.py"), "--out", str(tmp_path / "run"),
         "--no-progress"], capture_output=True, text=True, env=env, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["test_accuracy"] >= 0.97, proc.stdout
