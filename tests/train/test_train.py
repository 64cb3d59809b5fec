"""tinygrad_edu.train (fit, Trainer, evaluate, metrics, checkpoints) and tinygrad_edu.viz plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn.dropout import Dropout
from tinygrad_edu.nn.normalization import BatchNorm1d
from tinygrad_edu.train import (
    Callback,
    Evaluation,
    History,
    Trainer,
    accuracy,
    confusion_matrix,
    evaluate,
    fit,
    per_class_accuracy,
    predict,
)


def blobs(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D: easy, but not instantly, separable."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centers = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float32)
    X = centers[y] + rng.normal(0, 0.8, size=(n, 4)).astype(np.float32)
    return X.astype(np.float32), y.astype(np.int64)


def make_model() -> nn.Module:
    # batch norm (buffers) and dropout (random masks) make resuming a real test
    return nn.Sequential(nn.Linear(4, 16), BatchNorm1d(16), nn.ReLU(), Dropout(0.3),
                         nn.Linear(16, 3))


def loaders(seed: int = 0) -> tuple[DataLoader, DataLoader]:
    X, y = blobs()
    Xv, yv = blobs(48, seed=1)
    train = DataLoader(TensorDataset(X, y), 16, shuffle=True,
                       generator=tg.Generator().manual_seed(seed))
    return train, DataLoader(TensorDataset(Xv, yv), 32)


def make_trainer(epochs: int = 4, **kwargs) -> Trainer:
    tg.manual_seed(0)
    model = make_model()
    opt = optim.AdamW(model.parameters(), lr=0.05)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    train, val = loaders()
    kwargs.setdefault("progress", False)
    kwargs.setdefault("verbose", False)
    return Trainer(model, nn.CrossEntropyLoss(), opt, train, val, epochs=epochs,
                   scheduler=sched, **kwargs)


def weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


# ----------------------------------------------------------------------------- metrics

def test_accuracy_from_scores_labels_tensors() -> None:
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(scores, [1, 0, 0, 0]) == 0.75
    assert accuracy(tg.tensor(scores), tg.tensor([1, 0, 1, 0])) == 1.0
    assert accuracy(np.array([2, 1]), np.array([2, 2])) == 0.5
    with pytest.raises(ValueError, match="do not match"):
        accuracy(scores, [1, 0])
    assert np.isnan(accuracy(np.zeros((0, 2)), np.zeros(0, dtype=np.int64)))


def test_confusion_matrix_and_per_class_accuracy() -> None:
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert cm.dtype == np.int64
    assert cm.sum() == 6
    np.testing.assert_allclose(per_class_accuracy(cm), [0.5, 1.0, 2 / 3])
    scores = np.eye(4)[[0, 1, 1]]  # scores with 4 classes: the size comes from them
    assert confusion_matrix([0, 1, 2], scores).shape == (4, 4)
    assert np.isnan(per_class_accuracy(confusion_matrix([0], [0], num_classes=2))[1])
    with pytest.raises(ValueError, match="0..1"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="targets"):
        confusion_matrix([0, 1], [0])


def test_evaluate_uses_eval_mode_and_no_grad() -> None:
    trainer = make_trainer()
    model, val = trainer.model, trainer.val_loader
    model.train()
    result = evaluate(model, val, nn.CrossEntropyLoss())
    assert isinstance(result, Evaluation)
    assert result.num_samples == 48
    assert model.training  # restored
    assert all(p.grad is None for p in model.parameters())
    outputs, targets = predict(model, val)
    assert outputs.shape == (48, 3)
    assert targets.shape == (48,)
    assert result.accuracy == pytest.approx(accuracy(outputs, targets))
    # eval mode: no dropout, so two evaluations agree exactly
    assert evaluate(model, val, nn.CrossEntropyLoss()) == result
    model.eval()
    with tg.no_grad():
        manual = nn.CrossEntropyLoss()(model(tg.tensor(blobs(48, seed=1)[0])),
                                       tg.tensor(targets)).item()
    assert result.loss == pytest.approx(manual, rel=1e-5)
    assert evaluate(model, val).loss is None
    with pytest.raises(ValueError, match="no samples"):
        evaluate(model, [])
    with pytest.raises(TypeError, match=r"\(inputs, targets\)"):
        evaluate(model, [tg.zeros(2, 4)])


# ----------------------------------------------------------------------------- the loop

def test_fit_learns_and_records_history() -> None:
    trainer = make_trainer(epochs=4)
    history = trainer.fit()
    assert isinstance(history, History)
    assert history.epochs == 4
    assert len(history.loss) == 4 * 6  # 96 samples / 16 per batch
    assert len(history.train_acc) == len(history.val_acc) == len(history.lr) == 4
    assert history.val_acc[-1] > 0.8
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.lr[0] == pytest.approx(0.05)
    assert history.lr[-1] < history.lr[1]
    assert all(t > 0 for t in history.epoch_time)
    assert History.from_dict(history.to_dict()) == history
    assert trainer.epoch == 4
    assert trainer.best_epoch is not None


def test_fit_function_and_function_callbacks() -> None:
    X, y = blobs()
    tg.manual_seed(0)
    model = nn.Linear(4, 3)
    seen = []
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  DataLoader(TensorDataset(X, y), 32), epochs=2,
                  callbacks=[lambda trainer, logs: seen.append(logs["epoch"])],
                  progress=False, verbose=False)
    assert seen == [1, 2]
    assert history.val_acc == [None, None]


def test_regression_has_no_accuracy() -> None:
    X, _ = blobs()
    target = X.sum(axis=1, keepdims=True)
    tg.manual_seed(0)
    model = nn.Linear(4, 1)
    trainer = Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05),
                      DataLoader(TensorDataset(X, target), 16),
                      DataLoader(TensorDataset(X, target), 96), epochs=3, progress=False,
                      verbose=False)
    history = trainer.fit()
    assert history.train_acc == [None] * 3
    assert history.val_acc == [None] * 3
    assert history.val_loss[-1] < history.val_loss[0]
    assert trainer.best_epoch == 3  # monitored the validation loss
    assert evaluate(model, trainer.val_loader, nn.MSELoss()).accuracy is None


def test_trainer_argument_errors() -> None:
    model = nn.Linear(4, 3)
    opt = optim.SGD(model.parameters(), lr=0.1)
    train, _ = loaders()
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="needs a val_loader"):
        Trainer(model, loss, opt, train, monitor="val_acc")
    with pytest.raises(ValueError, match="monitor"):
        Trainer(model, loss, opt, train, monitor="accuracy")
    with pytest.raises(ValueError, match="checkpoint path"):
        Trainer(model, loss, opt, train, resume=True)
    with pytest.raises(TypeError, match="Optimizer"):
        Trainer(model, loss, "sgd", train)
    with pytest.raises(ValueError, match="no batches"):
        Trainer(model, loss, opt, [], progress=False, verbose=False).fit()


# ----------------------------------------------------------------------------- checkpoints

class InterruptAt(Callback):
    """Raise KeyboardInterrupt at a batch of an epoch: a simulated Ctrl-C."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.epoch, self.batch, self.current = epoch, batch, -1

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        self.current = epoch

    def on_batch_end(self, trainer: Trainer, batch: int, loss: float) -> None:
        if self.current == self.epoch and batch == self.batch:
            raise KeyboardInterrupt


def test_interrupt_then_resume_equals_an_uninterrupted_run(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    full = make_trainer(epochs=5, checkpoint=tmp_path / "full.npz")
    full.fit()

    path = tmp_path / "run.npz"
    interrupted = make_trainer(epochs=5, checkpoint=path, verbose=True,
                               callbacks=[InterruptAt(epoch=3, batch=2)])
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit()
    assert "interrupted during epoch 4" in capsys.readouterr().out
    # the last complete checkpoint loads: three epochs done
    state = tg.load(path)
    assert state["epoch"] == 3
    assert len(state["history"]["loss"]) == 3 * 6

    # a new process would build everything again, with other random draws, then resume
    tg.manual_seed(999)
    resumed = make_trainer(epochs=5, checkpoint=path, resume=True)
    tg.rand(10)
    resumed.fit()
    assert resumed.epoch == 5
    a, b = weights(full.model), weights(resumed.model)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert resumed.history == full.history or (
        resumed.history.loss == full.history.loss
        and resumed.history.val_acc == full.history.val_acc)
    assert resumed.best_epoch == full.best_epoch
    # the optimizer's state continued too
    assert resumed.optimizer.state_dict()["state"][0]["step"] == 5 * 6


def test_interrupt_while_saving_keeps_the_previous_checkpoint(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    import tinygrad_edu.serialization as serialization

    path = tmp_path / "ckpt.npz"
    trainer = make_trainer(epochs=4, checkpoint=path)
    calls = []
    real_savez = serialization.np.savez

    def savez(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # Ctrl-C half-way through writing epoch 3's checkpoint
            raise KeyboardInterrupt
        return real_savez(*args, **kwargs)

    monkeypatch.setattr(serialization.np, "savez", savez)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    monkeypatch.undo()
    assert tg.load(path)["epoch"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]  # no temporary file left


def test_checkpoint_contents_and_resume_when_done(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.npz"
    trainer = make_trainer(epochs=2, checkpoint=path)
    trainer.fit()
    state = tg.load(path)
    assert state["format"] == "tinygrad_edu.train/1"
    assert set(state) >= {"model", "optimizer", "scheduler", "history", "best", "rng", "epoch"}
    assert state["rng"]["loader"] is not None
    again = make_trainer(epochs=2, checkpoint=path, resume=True)
    again.fit()  # nothing left to do
    assert again.history == trainer.history
    more = make_trainer(epochs=3, checkpoint=path, resume=path)
    more.fit()
    assert more.history.epochs == 3


def test_resume_errors_leave_the_model_unchanged(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        make_trainer(resume=tmp_path / "missing.npz").fit()
    fresh = make_trainer(epochs=1, checkpoint=tmp_path / "new.npz", resume=True, verbose=True)
    fresh.fit()
    assert "starting from scratch" in capsys.readouterr().out

    tg.save({"w": tg.ones(2)}, tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="not a training checkpoint"):
        make_trainer().load_checkpoint(tmp_path / "weights.npz")

    path = tmp_path / "other.npz"
    make_trainer(epochs=1, checkpoint=path).fit()
    tg.manual_seed(0)
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    before = weights(other)
    trainer = Trainer(other, nn.CrossEntropyLoss(), optim.AdamW(other.parameters()),
                      loaders()[0], epochs=1, progress=False, verbose=False)
    with pytest.raises((RuntimeError, ValueError)):
        trainer.load_checkpoint(path)
    for key, value in weights(other).items():
        np.testing.assert_array_equal(value, before[key])
    assert trainer.epoch == 0


# ----------------------------------------------------------------------------- best / early

def test_early_stopping() -> None:
    X, y = blobs()
    tg.manual_seed(0)
    model = nn.Linear(4, 3)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0),
                      DataLoader(TensorDataset(X, y), 32), epochs=20, patience=2,
                      min_delta=1e-4, monitor="train_loss", progress=False, verbose=False)
    history = trainer.fit()
    assert history.epochs == 3
    assert trainer.stopped_early
    assert trainer.best_epoch == 1
    assert "stopped early" in trainer.summary()


class Sabotage(Callback):
    """After epoch 2, remember the weights, then wreck the model and stop it from learning."""

    def __init__(self) -> None:
        self.saved: dict[str, np.ndarray] = {}

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        if epoch == 1:
            self.saved = weights(trainer.model)
            with tg.no_grad():
                for p in trainer.model.parameters():
                    p.zero_()
            for group in trainer.optimizer.param_groups:
                group["lr"] = 0.0


@pytest.mark.parametrize("keep_best", [True, False])
def test_keep_best_restores_the_best_weights(keep_best: bool) -> None:
    sabotage = Sabotage()
    tg.manual_seed(0)
    model = make_model()
    opt = optim.AdamW(model.parameters(), lr=0.05)
    train, val = loaders()
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, train, val, epochs=4,
                      keep_best=keep_best, callbacks=[sabotage], progress=False,
                      verbose=False)
    trainer.fit()
    assert trainer.best_epoch == 2
    final = weights(model)
    if keep_best:
        for key, value in sabotage.saved.items():
            np.testing.assert_array_equal(final[key], value, err_msg=key)
    else:
        assert all(not np.any(final[k]) for k in ("0.weight", "4.weight"))


def test_reduce_lr_on_plateau_and_batch_schedules() -> None:
    X, y = blobs()
    tg.manual_seed(0)
    model = nn.Linear(4, 3)
    loader = DataLoader(TensorDataset(X, y), 32)
    # a learning rate too small to move the loss: the plateau scheduler must cut it
    frozen = optim.SGD(model.parameters(), lr=1e-6)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(frozen, patience=0, factor=0.5)
    history = fit(model, nn.CrossEntropyLoss(), frozen, loader, epochs=3, scheduler=plateau,
                  progress=False, verbose=False)
    assert history.lr[-1] < history.lr[0]

    opt = optim.SGD(model.parameters(), lr=1.0)
    step = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, scheduler=step,
        scheduler_interval="batch", progress=False, verbose=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 ** len(loader))


# ----------------------------------------------------------------------------- output

def test_progress_bar_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    make_trainer(epochs=2, progress=True, verbose=True).fit()
    captured = capsys.readouterr()
    assert "epoch 1/2" in captured.err
    assert "0/6" in captured.err
    assert "epoch 2/2: train loss" in captured.out
    assert "trained Sequential" in captured.out
    assert "best: val_acc" in captured.out


def test_progress_without_tqdm_prints_lines(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `from tqdm.auto import tqdm` fails,
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # even after an earlier import
    make_trainer(epochs=1, progress=True).fit()
    out = capsys.readouterr().out
    assert "epoch 1/1 [6/6] loss" in out
    assert "samples/s" in out


# ----------------------------------------------------------------------------- plots

def test_plots_write_pngs(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tinygrad_edu.viz import plots

    trainer = make_trainer(epochs=2)
    trainer.fit()
    outputs, targets = predict(trainer.model, trainer.val_loader)
    cm = confusion_matrix(targets, outputs)
    conv = nn.Sequential(nn.Conv2d(3, 6, 3), nn.ReLU())
    written = [
        plots.plot_history(trainer.history, tmp_path / "history.png"),
        plots.plot_loss(trainer.history.to_dict(), tmp_path / "loss.png"),
        plots.plot_accuracy(trainer.history, tmp_path / "acc.png"),
        plots.plot_filters(conv, tmp_path / "sub" / "filters.png"),
        plots.plot_filters(trainer.model, tmp_path / "templates.png", image_shape=(1, 2, 2)),
        plots.plot_filters(np.zeros((4, 2, 3, 3)), tmp_path / "zeros.png"),
        plots.plot_per_class_accuracy(cm, tmp_path / "per_class.png", ["a", "b", "c"]),
        plots.plot_confusion_matrix(cm, tmp_path / "cm.png"),
    ]
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    with pytest.raises(ValueError, match="image_shape"):
        plots.plot_filters(trainer.model, tmp_path / "x.png")
    with pytest.raises(ValueError, match="no accuracy"):
        plots.plot_accuracy(History(train_acc=[None]), tmp_path / "x.png")
    with pytest.raises(ValueError, match="class names"):
        plots.plot_per_class_accuracy(cm, tmp_path / "x.png", ["a"])


def test_filter_grid_needs_no_matplotlib() -> None:
    from tinygrad_edu.viz.plots import filter_grid

    rgb = filter_grid(np.random.default_rng(0).normal(size=(5, 3, 4, 4)), padding=1)
    assert rgb.shape == (9, 14, 3)
    assert rgb.min() >= 0.0
    assert rgb.max() <= 1.0
    grey = filter_grid(tg.randn(2, 2, 3, 3))  # 4 (filter, channel) tiles, 2 x 2
    assert grey.shape == (7, 7)
    tile = filter_grid(np.array([[[[0.0, 2.0], [4.0, 4.0]]]]))
    np.testing.assert_allclose(tile, [[0.0, 0.5], [1.0, 1.0]])
    with pytest.raises(ValueError, match="F, C, KH, KW"):
        filter_grid(np.zeros((2, 2)))


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    from tinygrad_edu.viz import plots

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"plot extra"):
        plots.plot_loss(History(loss=[1.0]), tmp_path / "x.png")


def test_importing_viz_does_not_import_matplotlib() -> None:
    # matplotlib loads on the first plot, scikit-learn on digits(), tqdm on the first bar
    code = ("import sys, tinygrad_edu.viz as v, tinygrad_edu.train, tinygrad_edu.data; "
            "assert callable(v.plot_loss) and callable(v.filter_grid); "
            "print('matplotlib' in sys.modules, 'sklearn' in sys.modules, 'tqdm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False", "False"]
