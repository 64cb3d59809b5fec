"""classic.optim against torch.optim, and the Solver: printed lines, history semantics, the best
parameters, options and update rules, and safe checkpoints."""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.classic import Solver, TwoLayerNet, load_checkpoint
from tinygrad_edu.classic import optim as course_optim

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------------------- update rules

@pytest.mark.parametrize(("rule", "config", "make_torch"), [
    ("sgd", {"learning_rate": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd_momentum", {"learning_rate": 0.05, "momentum": 0.8},
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8)),
    ("rmsprop", {"learning_rate": 0.01, "decay_rate": 0.9},
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    ("adam", {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.99},
     lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-8)),
])
def test_update_rules_take_torch_optim_steps(rule: str, config: dict[str, Any],
                                             make_torch: Any) -> None:
    r = np.random.default_rng(0)
    w = r.standard_normal((3, 4))
    target = torch.tensor(w.copy(), requires_grad=True)
    opt = make_torch([target])
    update = getattr(course_optim, rule)
    cfg: dict[str, Any] | None = dict(config)
    for _ in range(5):
        dw = r.standard_normal(w.shape)
        w, cfg = update(w, dw, cfg)
        opt.zero_grad()
        target.grad = torch.tensor(dw)
        opt.step()
    np.testing.assert_allclose(w, target.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_update_rule_defaults_are_the_course_ones() -> None:
    w, dw = np.ones(2), np.ones(2)
    assert course_optim.sgd(w, dw)[1] == {"learning_rate": 1e-2}
    _, cfg = course_optim.sgd_momentum(w, dw)
    assert cfg["learning_rate"] == 1e-2
    assert cfg["momentum"] == 0.9
    np.testing.assert_allclose(cfg["velocity"], -0.01 * dw)
    _, cfg = course_optim.rmsprop(w, dw)
    assert (cfg["learning_rate"], cfg["decay_rate"], cfg["epsilon"]) == (1e-2, 0.99, 1e-8)
    np.testing.assert_allclose(cfg["cache"], 0.01 * dw**2)
    next_w, cfg = course_optim.adam(w, dw)
    assert (cfg["learning_rate"], cfg["beta1"], cfg["beta2"], cfg["t"]) == (1e-3, 0.9, 0.999, 1)
    np.testing.assert_allclose(next_w, w - 1e-3 * 1 / (1 + 1e-8))  # bias-corrected with t = 1
    with pytest.raises(ValueError, match="sgd: w and dw must have the same shape"):
        course_optim.sgd(np.ones(2), np.ones(3))


# ----------------------------------------------------------------------------- Solver

def small_problem(seed: int = 0, n_train: int = 50) -> tuple[TwoLayerNet, dict[str, Any]]:
    np.random.seed(seed)
    centers = np.random.randn(3, 4) * 3
    y = np.random.randint(3, size=n_train + 20)
    X = centers[y] + np.random.randn(n_train + 20, 4)  # noqa: N806
    data = {"X_train": X[:n_train], "y_train": y[:n_train], "X_val": X[n_train:],
            "y_val": y[n_train:]}
    return TwoLayerNet(input_dim=4, hidden_dim=10, num_classes=3, weight_scale=0.1), data


def test_solver_prints_the_course_lines_and_keeps_histories(
        capsys: pytest.CaptureFixture[str]) -> None:
    model, data = small_problem()
    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": 0.05}, batch_size=10, num_epochs=3,
                    print_every=4)
    solver.train()
    lines = capsys.readouterr().out.splitlines()
    iterations = [ln for ln in lines if ln.startswith("(Iteration")]
    epochs = [ln for ln in lines if ln.startswith("(Epoch")]
    assert [ln.split(")")[0] for ln in iterations] == [
        "(Iteration 1 / 15", "(Iteration 5 / 15", "(Iteration 9 / 15", "(Iteration 13 / 15"]
    assert re.fullmatch(r"\(Iteration 1 / 15\) loss: \d+\.\d{6}", iterations[0])
    assert [ln.split(")")[0] for ln in epochs] == [
        "(Epoch 0 / 3", "(Epoch 1 / 3", "(Epoch 2 / 3", "(Epoch 3 / 3"]
    assert re.fullmatch(r"\(Epoch 0 / 3\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}", epochs[0])
    assert len(solver.loss_history) == 15
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 4  # first + 3 epochs
    assert solver.epoch == 3
    assert solver.val_acc_history[-1] > 0.6  # it learns the blobs
    assert solver.loss_history[-1] < solver.loss_history[0]


def test_solver_restores_the_best_parameters() -> None:
    model, data = small_problem(1)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 0.05},
                    batch_size=10, num_epochs=4, verbose=False)
    snapshots: list[dict[str, np.ndarray]] = []
    original = solver.check_accuracy

    def spy(X: Any, y: Any, num_samples: Any = None, batch_size: int = 100) -> float:  # noqa: N803
        if y is solver.y_val:
            snapshots.append({k: v.copy() for k, v in model.params.items()})
        return original(X, y, num_samples, batch_size)

    solver.check_accuracy = spy  # type: ignore[method-assign]
    solver.train()
    best = int(np.argmax(solver.val_acc_history))  # the first of the best (strictly better)
    assert solver.best_val_acc == solver.val_acc_history[best]
    for name, value in model.params.items():
        np.testing.assert_array_equal(value, snapshots[best][name])
        np.testing.assert_array_equal(value, solver.best_params[name])


def test_solver_lr_decay_and_callable_rule() -> None:
    model, data = small_problem(2)
    seen: list[float] = []

    def rule(w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None
             ) -> tuple[np.ndarray, dict[str, Any]]:
        config = config if config is not None else {}
        config.setdefault("learning_rate", 1.0)
        seen.append(config["learning_rate"])
        return w - config["learning_rate"] * 0 * dw, config

    solver = Solver(model, data, update_rule=rule, optim_config={"learning_rate": 1.0},
                    lr_decay=0.5, batch_size=25, num_epochs=3, verbose=False)
    solver.train()
    per_step = seen[::len(model.params)]
    assert per_step == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


def test_solver_training_accuracy_subsample_only_when_larger(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model, data = small_problem(3, n_train=50)
    calls: list[int] = []
    real_choice = np.random.choice

    def counting_choice(n: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(int(n) if np.ndim(n) == 0 else len(n))
        return real_choice(n, *args, **kwargs)

    monkeypatch.setattr(np.random, "choice", counting_choice)
    solver = Solver(model, data, batch_size=50, num_epochs=1, num_train_samples=50,
                    verbose=False)
    solver.train()
    assert calls == [50]  # one minibatch draw, no subsample of the 50 training rows
    calls.clear()
    solver.check_accuracy(data["X_train"], data["y_train"], num_samples=20)
    assert calls == [50]  # more rows than num_samples: a subsample is drawn


def test_solver_rejects_unknown_options_and_rules() -> None:
    model, data = small_problem()
    with pytest.raises(ValueError, match=r'^Unrecognized arguments "learning_rate" \(Solver '):
        Solver(model, data, learning_rate=0.1)
    with pytest.raises(ValueError, match='^Invalid update_rule "adagrad"'):
        Solver(model, data, update_rule="adagrad")
    with pytest.raises(ValueError, match="missing \\['y_val'\\]"):
        Solver(model, {k: v for k, v in data.items() if k != "y_val"})
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        Solver(model, data, batch_size=0)


def test_solver_writes_safe_checkpoints(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    model, data = small_problem(4)
    name = str(tmp_path / "run")
    solver = Solver(model, data, update_rule="adam", batch_size=25, num_epochs=2,
                    checkpoint_name=name, print_every=100)
    solver.train()
    out = capsys.readouterr().out
    assert f'Saving checkpoint to "{name}_epoch_2.npz"' in out
    files = sorted(os.listdir(tmp_path))
    assert files == ["run_epoch_0.npz", "run_epoch_1.npz", "run_epoch_2.npz"]  # no temp files
    checkpoint = load_checkpoint(tmp_path / "run_epoch_1.npz")
    assert checkpoint["epoch"] == 1
    assert checkpoint["update_rule"] == "adam"
    assert checkpoint["model"] == "TwoLayerNet"
    assert checkpoint["batch_size"] == 25
    assert len(checkpoint["loss_history"]) == 2
    assert len(checkpoint["val_acc_history"]) == 2
    assert checkpoint["optim_configs"]["W1"]["t"] == 2
    assert set(checkpoint["params"]) == {"W1", "b1", "W2", "b2"}
    with np.load(tmp_path / "run_epoch_1.npz", allow_pickle=False) as archive:  # no pickle
        assert all(archive[k].dtype != object for k in archive.files)
    last = load_checkpoint(tmp_path / "run_epoch_2.npz")
    np.testing.assert_array_equal(last["loss_history"], solver.loss_history)

    fresh = TwoLayerNet(input_dim=4, hidden_dim=10, num_classes=3)
    load_checkpoint(tmp_path / "run_epoch_1.npz", model=fresh)
    for name, value in checkpoint["params"].items():
        np.testing.assert_array_equal(fresh.params[name], value)
    wrong = TwoLayerNet(input_dim=4, hidden_dim=7, num_classes=3)
    before = {k: v.copy() for k, v in wrong.params.items()}
    with pytest.raises(ValueError, match=r"'W1': float64\(4, 10\) in the file, "
                                         r"float64\(4, 7\) in the model; 'b1'"):
        load_checkpoint(tmp_path / "run_epoch_1.npz", model=wrong)
    for name, value in wrong.params.items():  # nothing changed
        np.testing.assert_array_equal(value, before[name])


def test_solver_progress_bar_option(capsys: pytest.CaptureFixture[str]) -> None:
    model, data = small_problem(5)
    Solver(model, data, batch_size=25, num_epochs=1, verbose=False, progress_bar=True).train()
    assert "(Iteration" not in capsys.readouterr().out
