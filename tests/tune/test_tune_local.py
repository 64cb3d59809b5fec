"""tune.run on the local backend: worker processes, pruning, failures, resume, lost workers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("optuna")

import trainables  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import tune  # noqa: E402

SPACE = {"x": tune.uniform(0.0, 1.0), "epochs": 4}


def test_two_workers_run_every_trial_and_write_the_record(tmp_path: Path) -> None:
    data = {"x": np.ones(5)}
    res = tune.run(trainables.with_data, {"x": tune.uniform(0.1, 1.0), "sleep": 0.0},
                   num_trials=6, metric="score", mode="max", max_concurrent=2,
                   storage=tmp_path, data=data, seed=1, search="random", verbose=False)
    assert [r["status"] for r in res.rows] == ["completed"] * 6
    pids = {h[0]["pid"] for h in res.history.values()}
    assert 1 <= len(pids) <= 2  # two worker processes ran all six trials
    best = max(res.rows, key=lambda r: r["score"])
    assert res.best_config == {"sleep": 0.0, "x": best["x"]}
    assert res.best_value == pytest.approx(5 * best["x"])
    lines = (tmp_path / "results.csv").read_text().splitlines()
    assert lines[0] == "trial,status,x,score,best_epoch,epochs,seconds,error"
    assert len(lines) == 7
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["best_config"] == res.best_config
    assert json.loads((tmp_path / "best_config.json").read_text()) == res.best_config
    assert tune.load(tmp_path).rows == res.rows


def test_asha_stops_bad_trials_early_and_keeps_the_best_checkpoint(tmp_path: Path) -> None:
    space = {"x": tune.grid([0.3, 0.9, 0.0, 1.0, 0.8, 0.95]), "epochs": 6}
    res = tune.run(trainables.quadratic, space, metric="score", mode="max",
                   max_concurrent=1, storage=tmp_path, scheduler="asha", verbose=False)
    status = {r["x"]: (r["status"], r["epochs"]) for r in res.rows}
    assert status[0.3] == ("completed", 6)
    pruned = [x for x, (s, e) in status.items() if s == "pruned"]
    assert pruned, status
    assert all(status[x][1] < 6 for x in pruned)
    assert res.best_config["x"] == 0.3
    assert res.best_checkpoint is not None
    np.testing.assert_allclose(tg.load(tmp_path / "best_checkpoint.npz")["w"], 0.3)


def test_median_stopping_prunes_below_the_median(tmp_path: Path) -> None:
    space = {"x": tune.grid([0.3, 0.35, 1.0]), "epochs": 4}
    res = tune.run(trainables.quadratic, space, metric="score", mode="max", max_concurrent=1,
                   scheduler="median", grace_period=2, verbose=False)
    rows = {r["x"]: r for r in res.rows}
    assert rows[1.0]["status"] == "pruned"
    assert rows[1.0]["epochs"] == 2  # the grace period, then stopped
    assert rows[0.3]["status"] == rows[0.35]["status"] == "completed"


def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path: Path) -> None:
    space = {"x": tune.grid([0.1, 0.9, 0.2]), "epochs": 2}
    res = tune.run(trainables.sometimes_fails, space, metric="score", mode="max",
                   max_concurrent=2, storage=tmp_path, verbose=False)
    rows = {r["x"]: r for r in res.rows}
    assert rows[0.9]["status"] == "failed"
    assert rows[0.9]["error"] == "RuntimeError: diverged at x=0.9"
    failed = rows[0.9]["trial"]
    assert "Traceback" in res.errors[failed]
    assert "sometimes_fails" in res.errors[failed]
    assert rows[0.1]["status"] == rows[0.2]["status"] == "completed"
    doc = json.loads((tmp_path / "results.json").read_text())
    assert "diverged" in next(t for t in doc["trials"] if t["trial"] == failed)["error"]


def test_ctrl_c_keeps_finished_trials_and_resume_continues(tmp_path: Path) -> None:
    space = {"x": tune.grid([0.1, 0.2, 0.3, 0.4, 0.5]), "epochs": 2}
    with pytest.raises(KeyboardInterrupt):
        tune.run(trainables.interrupt_driver, space, metric="score", mode="max",
                 max_concurrent=1, storage=tmp_path, verbose=False)
    before = tune.load(tmp_path)
    assert [r["status"] for r in before.rows][:2] == ["completed", "completed"]
    assert "interrupted" in [r["status"] for r in before.rows]
    with pytest.raises(FileExistsError, match="resume=True"):
        tune.run(trainables.quadratic, space, metric="score", storage=tmp_path)
    res = tune.run(trainables.quadratic, space, metric="score", mode="max",
                   max_concurrent=1, storage=tmp_path, resume=True, verbose=False)
    done = [r for r in res.rows if r["status"] == "completed"]
    assert sorted(r["x"] for r in done) == [0.1, 0.2, 0.3, 0.4, 0.5]  # each point once
    assert res.best_config["x"] == 0.3


def test_a_killed_worker_trial_is_retried_not_lost(tmp_path: Path) -> None:
    space = {"x": tune.grid([0.1, 0.2, 0.3]), "epochs": 2,
             "marker": str(tmp_path / "killed-once")}
    res = tune.run(trainables.killed_once, space, metric="score", mode="max",
                   max_concurrent=2, verbose=False)
    statuses = sorted((r["x"], r["status"]) for r in res.rows)
    assert statuses == [(0.1, "completed"), (0.2, "completed"), (0.2, "lost"),
                        (0.3, "completed")]
    lost = next(r for r in res.rows if r["status"] == "lost")
    assert "died" in lost["error"]


def test_classic_solver_learning_rate_by_regularisation(tmp_path: Path) -> None:
    from tinygrad_edu.classic import Solver, TwoLayerNet

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 6)) * 3
    y = rng.integers(0, 3, size=240)
    X = centers[y] + rng.normal(size=(240, 6))  # noqa: N806
    data = {"X_train": X[:180], "y_train": y[:180], "X_val": X[180:], "y_val": y[180:]}

    def trainable(config: dict[str, float], data: dict[str, np.ndarray]) -> None:
        np.random.seed(0)  # noqa: NPY002 - the course's Solver draws from numpy's global RNG
        model = TwoLayerNet(input_dim=6, hidden_dim=16, num_classes=3, weight_scale=0.1,
                            reg=config["reg"])
        solver = Solver(model, data, optim_config={"learning_rate": config["lr"]},
                        num_epochs=3, batch_size=20, verbose=False)
        tune.train_solver(solver)

    res = tune.run(trainable, {"lr": tune.grid([1e-4, 1e-1]), "reg": tune.grid([0.0, 0.1])},
                   data=data, max_concurrent=2, storage=tmp_path, verbose=False)
    assert len(res.rows) == 4
    assert {r["status"] for r in res.rows} == {"completed"}
    assert all(r["epochs"] == 3 for r in res.rows)
    assert res.best_config["lr"] == 1e-1
    assert res.best_value > 0.8
    assert set(tg.load(tmp_path / "best_checkpoint.npz")) == {"W1", "W2", "b1", "b2"}


def test_plots_are_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    tune.run(trainables.quadratic, {"x": tune.grid([0.1, 0.9, 0.3, 0.8]), "epochs": 3},
             metric="score", max_concurrent=2, storage=tmp_path, scheduler="asha",
             verbose=False)
    for name in ("metric_vs_params.png", "learning_curves.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_outside_a_trial_does_nothing_and_spaces_are_checked() -> None:
    trainables.quadratic({"x": 0.5, "epochs": 1})
    with pytest.raises(ValueError, match="loguniform: low must be positive"):
        tune.loguniform(0.0, 1.0)
    with pytest.raises(ValueError, match="uniform: expected low < high"):
        tune.uniform(1.0, 0.5)
    with pytest.raises(TypeError, match="choice: values must be"):
        tune.choice([(16, 32)])
    with pytest.raises(ValueError, match="grid search needs grid"):
        tune.run(trainables.quadratic, {"x": tune.uniform(0, 1)}, metric="score",
                 search="grid")
    with pytest.raises(ValueError, match="mode must be 'max' or 'min'"):
        tune.run(trainables.quadratic, SPACE, metric="score", mode="maximize")


def test_a_missing_metric_fails_the_trial_with_its_name() -> None:
    res = tune.run(trainables.quadratic, {"x": tune.grid([0.5]), "epochs": 1},
                   metric="val_acc", verbose=False)
    assert res.rows[0]["status"] == "failed"
    assert "the searched metric 'val_acc' is missing" in res.rows[0]["error"]


def test_without_the_extras_the_error_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r"pip install tinygrad_edu\[tune\]"):
        tune.run(trainables.quadratic, SPACE, metric="score")
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install tinygrad_edu\[ray\]"):
        tune.run(trainables.quadratic, SPACE, metric="score", backend="ray")


DRIVER = """
import sys
sys.path[:0] = {paths!r}
import trainables
from tinygrad_edu import tune
tune.run(trainables.quadratic, {{"x": tune.grid([0.1, 0.2, 0.3, 0.4]), "epochs": 3,
         "sleep": 0.3}}, metric="score", max_concurrent=1, storage={storage!r}, verbose=True)
"""


def _processes_naming(text: str) -> list[int]:
    """PIDs of this machine's processes whose command line contains ``text`` (Linux)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(
                    errors="replace"):
                pids.append(int(entry.name))
        except OSError:  # ended meanwhile
            continue
    return pids


def test_resume_after_the_driver_was_killed(tmp_path: Path) -> None:
    import subprocess
    import time

    here = Path(__file__).resolve().parent
    code = DRIVER.format(paths=[str(here), str(here.parents[1])], storage=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first trial finished; the second is running
    assert first.startswith("trial 0 completed"), first
    time.sleep(0.5)
    proc.kill()  # no Ctrl-C handler runs: the running trial is left "running" in the study
    proc.wait()
    proc.stdout.close()
    if sys.platform.startswith("linux"):  # the orphaned worker (a fork: the same command
        deadline = time.monotonic() + 10  # line, naming this test's storage) exits too
        while _processes_naming(str(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_naming(str(tmp_path)) == []
    res = tune.run(trainables.quadratic, {"x": tune.grid([0.1, 0.2, 0.3, 0.4]), "epochs": 3},
                   metric="score", max_concurrent=1, storage=tmp_path, resume=True,
                   verbose=False)
    done = sorted(r["x"] for r in res.rows if r["status"] == "completed")
    assert done == [0.1, 0.2, 0.3, 0.4]
    assert [r["x"] for r in res.rows if r["status"] == "interrupted"] == [0.2]


def test_spawned_workers_run_an_importable_trainable() -> None:
    # the start method of macOS and Windows: the worker imports the trainable's module
    res = tune.run(trainables.quadratic, {"x": tune.grid([0.3, 0.6]), "epochs": 2},
                   metric="score", max_concurrent=1, start_method="spawn", verbose=False)
    assert [(r["x"], r["status"]) for r in res.rows] == [(0.3, "completed"), (0.6, "completed")]
    assert res.best_value == pytest.approx(1.0)
