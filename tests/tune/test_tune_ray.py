"""tune.run with backend="ray" on a local Ray instance (one per module: Ray starts slowly)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("optuna")
if os.environ.get("CI") == "true":
    import ray  # in CI the Ray backend must run: no skip
else:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install "
                              "tinygrad_edu[ray])")

import trainables  # noqa: E402

from tinygrad_edu import tune  # noqa: E402

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    # Ray's workers import the trainables and this tree's tinygrad_edu like the test does
    path = os.pathsep.join([str(HERE), str(HERE.parents[1]), os.environ.get("PYTHONPATH", "")])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield ray
    ray.shutdown()


def test_ray_runs_the_same_trials_with_data_put_once(local_ray: Any, tmp_path: Path) -> None:
    data = {"x": np.ones(4)}
    res = tune.run(trainables.with_data, {"x": tune.grid([0.1, 0.5, 0.9, 0.3])},
                   metric="score", mode="max", backend="ray", data=data, storage=tmp_path,
                   verbose=False)
    assert sorted((r["x"], r["status"]) for r in res.rows) == [
        (0.1, "completed"), (0.3, "completed"), (0.5, "completed"), (0.9, "completed")]
    assert res.best_config == {"x": 0.9}
    assert res.best_value == pytest.approx(3.6)
    pids = {h[0]["pid"] for h in res.history.values()}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2  # two actors of one CPU each
    assert (tmp_path / "results.csv").exists()


def test_ray_pruning_failures_and_checkpoints(local_ray: Any, tmp_path: Path) -> None:
    space = {"x": tune.grid([0.3, 0.45, 0.95, 0.6, 0.1]), "epochs": 4}
    res = tune.run(trainables.sometimes_fails, space, metric="score", mode="max",
                   backend="ray", max_concurrent=1, scheduler="asha", storage=tmp_path,
                   verbose=False)
    rows = {r["x"]: r for r in res.rows}
    assert rows[0.3]["status"] == "completed"
    assert rows[0.95]["status"] == rows[0.6]["status"] == "failed"
    assert "diverged at x=0.95" in rows[0.95]["error"]
    assert "pruned" in {rows[0.45]["status"], rows[0.1]["status"]}
    assert res.best_checkpoint is not None
    assert res.best_config["x"] == 0.3


def test_ray_a_killed_actor_trial_is_retried(local_ray: Any, tmp_path: Path) -> None:
    space = {"x": tune.grid([0.2, 0.3]), "epochs": 2, "marker": str(tmp_path / "killed")}
    res = tune.run(trainables.killed_once, space, metric="score", mode="max",
                   backend="ray", verbose=False)
    assert sorted((r["x"], r["status"]) for r in res.rows) == [
        (0.2, "completed"), (0.2, "lost"), (0.3, "completed")]
    lost = next(r for r in res.rows if r["status"] == "lost")
    assert lost["error"] == "the Ray actor running the trial died"
