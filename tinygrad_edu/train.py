"""A small training loop: progress bars, history, checkpoints, resuming, early stopping.

``fit`` (or a ``Trainer``, which it builds) runs the loop every course notebook writes by hand::

    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad(); loss.backward(); optimizer.step()
        scheduler.step()
        evaluate(model, val_loader)      # eval() mode, no_grad

and adds what a real run needs:

- a progress bar per epoch (``tqdm.auto`` when tqdm is installed: a widget in a notebook; plain
  lines otherwise) with the loss, the accuracy and samples/s;
- a ``History`` (loss per iteration; loss, accuracy and learning rate per epoch);
- checkpoints after every epoch, written atomically with ``tg.save`` (temporary file, then
  rename). A checkpoint holds the model, the optimizer, the scheduler, the history, the best
  weights and the state of the random generators, so ``resume=True`` continues exactly where
  the run stopped: a run interrupted with Ctrl-C and resumed ends with the same weights as an
  uninterrupted run with the same seed;
- early stopping (``patience``) and keeping the best weights (``keep_best``);
- a final summary.

Callbacks hook into the loop (``Callback``). ``TensorBoardCallback`` from
``tinygrad_edu.utils.tensorboard`` (the ``tensorboard`` extra) is one: it logs each step's
loss and each epoch's losses, accuracies and learning rate (and, on request, parameter
histograms) to event files for TensorBoard, e.g.
``fit(..., callbacks=[TensorBoardCallback("runs/exp1")])``.

Example:
    >>> import numpy as np, tinygrad_edu as tg
    >>> from tinygrad_edu.data import DataLoader, TensorDataset
    >>> from tinygrad_edu.train import fit
    >>> _ = tg.manual_seed(0)
    >>> X = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> model = tg.nn.Linear(2, 2)
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
    >>> history = fit(model, tg.nn.CrossEntropyLoss(), tg.optim.SGD(model.parameters(), lr=0.5),
    ...               loader, epochs=5, progress=False, verbose=False)
    >>> history.train_acc[-1] > 0.9
    True
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import random as _random
from .autograd import no_grad
from .nn.module import Module
from .nn.utils import clip_grad_norm_
from .optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from .optim.optimizer import Optimizer
from .serialization import load, save
from .tensor import Tensor

__all__ = [
    "Callback", "Evaluation", "History", "Trainer", "accuracy", "confusion_matrix", "evaluate",
    "fit", "per_class_accuracy", "predict",
]

CHECKPOINT_FORMAT = "tinygrad_edu.train/1"
Array = NDArray[Any]


# ----------------------------------------------------------------------------- metrics

def _array(x: Any) -> Array:
    return x.numpy(force=True) if isinstance(x, Tensor) else np.asarray(x)


def _labels(output: Any) -> Array:
    """Predicted labels: argmax over the class axis (1) of scores, or the labels themselves."""
    out = _array(output)
    return out.argmax(axis=1) if out.ndim >= 2 else out


def accuracy(output: Any, target: Any) -> float:
    """The fraction of samples whose predicted class equals the target.

    Args:
        output: class scores (N, C) (or (N, C, ...)) as a Tensor or array, or predicted labels
            (N,).
        target: the true labels (N,) (or (N, ...)).

    Returns:
        A float in [0, 1] (NaN for an empty batch).

    Example:
        >>> from tinygrad_edu.train import accuracy
        >>> accuracy([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], [1, 0, 0])
        0.6666666666666666
    """
    pred, true = _labels(output), _array(target)
    if pred.shape != true.shape:
        raise ValueError(f"accuracy: predictions of shape {pred.shape} (from output of shape "
                         f"{_array(output).shape}) do not match targets of shape {true.shape}")
    return float(np.mean(pred == true)) if true.size else math.nan


def confusion_matrix(target: Any, output: Any, num_classes: int | None = None
                     ) -> NDArray[np.int64]:
    """Counts of (true class, predicted class) pairs, like scikit-learn's.

    Args:
        target: the true labels (N,).
        output: predicted labels (N,) or class scores (N, C).
        num_classes: the number of classes (default: one more than the largest label seen, or
            C when scores are given).

    Returns:
        An int64 array ``cm`` (num_classes, num_classes): ``cm[i, j]`` counts samples of class
        i predicted as j, so the diagonal holds the correct ones.

    Example:
        >>> from tinygrad_edu.train import confusion_matrix
        >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
        array([[1, 0, 0],
               [0, 1, 1],
               [0, 0, 1]])
    """
    true = _array(target).astype(np.int64).ravel()
    scores = _array(output)
    pred = _labels(scores).astype(np.int64).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"confusion_matrix: {true.size} targets but {pred.size} predictions")
    if num_classes is None:
        num_classes = scores.shape[1] if scores.ndim >= 2 else \
            int(max(true.max(initial=-1), pred.max(initial=-1))) + 1
    if true.size and (min(true.min(), pred.min()) < 0 or
                      max(true.max(), pred.max()) >= num_classes):
        raise ValueError(f"confusion_matrix: labels must be in 0..{num_classes - 1}")
    counts = np.bincount(true * num_classes + pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def per_class_accuracy(cm: Any) -> NDArray[np.float64]:
    """Accuracy of each true class (the recall): the diagonal over the row sums (NaN if empty).

    Example:
        >>> from tinygrad_edu.train import per_class_accuracy
        >>> per_class_accuracy([[3, 1], [0, 2]]).tolist()
        [0.75, 1.0]
    """
    cm = np.asarray(cm, dtype=np.float64)
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / np.maximum(totals, 1), np.nan)


class Evaluation(NamedTuple):
    """What ``evaluate`` measured.

    Attributes:
        loss: the mean loss per sample (None without a loss function).
        accuracy: the fraction classified correctly (None when targets are not class labels).
        num_samples: how many samples the loader gave.
    """

    loss: float | None
    accuracy: float | None
    num_samples: int


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, Sequence) and not isinstance(batch, str) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError(f"a loader for training must yield (inputs, targets) pairs, got "
                    f"{type(batch).__name__}"
                    + (f" of length {len(batch)}" if isinstance(batch, Sequence) else ""))


def _is_classification(output: Tensor, target: Any) -> bool:
    target = _array(target)
    out = output.numpy(force=True)
    return target.dtype.kind in "iu" and out.ndim == target.ndim + 1 and out.ndim >= 2


def _count_correct(output: Tensor, target: Any) -> int | None:
    if not _is_classification(output, target):
        return None
    return int(np.sum(output.numpy(force=True).argmax(axis=1) == _array(target)))


def predict(model: Module, loader: Iterable[Any]) -> tuple[Array, Array]:
    """Run ``model`` over a loader in eval mode without gradients.

    Returns:
        ``(outputs, targets)``: the model's outputs and the loader's targets, concatenated
        along the batch axis as numpy arrays.
    """
    outputs, targets = [], []
    with _evaluating(model), no_grad():
        for batch in loader:
            x, y = _split_batch(batch)
            outputs.append(model(x).numpy(force=True))
            targets.append(_array(y))
    if not outputs:
        raise ValueError("predict: the loader yielded no batches")
    return np.concatenate(outputs), np.concatenate(targets)


class _evaluating:  # noqa: N801 - used like a function: `with _evaluating(model):`
    """Put a model in eval mode for a block and restore its previous mode after."""

    def __init__(self, model: Module) -> None:
        self.model, self.was_training = model, model.training

    def __enter__(self) -> None:
        self.model.eval()

    def __exit__(self, *exc: object) -> None:
        self.model.train(self.was_training)


def evaluate(model: Module, loader: Iterable[Any],
             loss_fn: Callable[[Tensor, Any], Tensor] | None = None) -> Evaluation:
    """Loss and accuracy of ``model`` on a loader, in eval mode and without gradients.

    The model's train/eval mode is restored afterwards. The loss is averaged over samples
    (``loss_fn`` must return the batch mean, the default ``reduction="mean"``).

    Args:
        model: the model.
        loader: yields ``(inputs, targets)`` batches.
        loss_fn: e.g. ``nn.CrossEntropyLoss()``; None skips the loss.

    Returns:
        ``Evaluation(loss, accuracy, num_samples)``.
    """
    total_loss, correct, n, classify = 0.0, 0, 0, True
    with _evaluating(model), no_grad():
        for batch in loader:
            x, y = _split_batch(batch)
            out = model(x)
            size = len(out)
            if loss_fn is not None:
                total_loss += float(loss_fn(out, y).item()) * size
            hits = _count_correct(out, y)
            classify = classify and hits is not None
            correct += hits or 0
            n += size
    if n == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    return Evaluation(total_loss / n if loss_fn is not None else None,
                      correct / n if classify else None, n)


# ----------------------------------------------------------------------------- history

@dataclass
class History:
    """What a training run recorded.

    Attributes:
        loss: the training loss of every iteration.
        train_loss: the mean training loss of each epoch.
        train_acc: the training accuracy of each epoch, measured on the batches as they were
            trained (with dropout active), or None when not classifying.
        val_loss, val_acc: the validation loss and accuracy after each epoch (None without a
            validation loader).
        lr: the learning rate (of the first parameter group) during each epoch.
        epoch_time: seconds per epoch.
    """

    loss: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float | None] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    val_acc: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """The number of completed epochs."""
        return len(self.train_loss)

    def to_dict(self) -> dict[str, list[Any]]:
        """The history as a dict of lists (what a checkpoint stores)."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> History:
        """Rebuild a history from ``to_dict()`` output."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: [None if v is None else float(v) for v in values[k]]  # type: ignore
                      for k in names if k in values})


# ----------------------------------------------------------------------------- callbacks

class Callback:
    """Hooks into ``Trainer.fit``; override the ones you need.

    A callback can stop training by setting ``trainer.stop_training = True``; an exception it
    raises (even KeyboardInterrupt) stops the run like Ctrl-C, keeping the last checkpoint.
    A plain function ``f(trainer, logs)`` in ``callbacks`` is called at the end of each epoch.
    """

    def on_train_begin(self, trainer: Trainer) -> None:
        """Before the first epoch (after a checkpoint was resumed)."""

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        """Before epoch ``epoch`` (0-based) starts."""

    def on_batch_end(self, trainer: Trainer, batch: int, loss: float) -> None:
        """After each optimizer step; ``batch`` counts from 0 in each epoch."""

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        """After the epoch's evaluation and checkpoint; ``logs`` has its numbers."""

    def on_train_end(self, trainer: Trainer) -> None:
        """After the last epoch (not after an interruption)."""


class _FunctionCallback(Callback):
    def __init__(self, fn: Callable[[Trainer, dict[str, Any]], Any]) -> None:
        self.fn = fn

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        self.fn(trainer, logs)


# ----------------------------------------------------------------------------- progress

class _Progress:
    """A tqdm bar when tqdm is installed and wanted; otherwise a few plain lines.

    The bar comes from ``tqdm.auto``: a widget in a Jupyter notebook, text in a terminal.
    """

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.total, self.desc, self.enabled, self.bar = total, desc, enabled, None
        self.every = max(1, total // 4)
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, desc=desc, unit="batch", leave=False, file=sys.stderr,
                            dynamic_ncols=True, mininterval=0.2)

    def update(self, done: int, stats: dict[str, str]) -> None:
        if self.bar is not None:
            self.bar.set_postfix(stats, refresh=False)
            self.bar.update(1)
        elif self.enabled and (done % self.every == 0 or done == self.total):
            print(f"{self.desc} [{done}/{self.total}] " +
                  " ".join(f"{k} {v}" for k, v in stats.items()), flush=True)

    def close(self, stats: dict[str, str] | None = None) -> None:
        if self.bar is not None:
            if stats:
                self.bar.set_postfix(stats, refresh=False)
            self.bar.close()


def _percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


# ----------------------------------------------------------------------------- trainer

class Trainer:
    """Train a model; see the module docstring for what the loop does.

    Args:
        model: the network.
        loss_fn: called as ``loss_fn(model(x), y)``; must return a scalar Tensor.
        optimizer: an ``Optimizer`` over the model's parameters.
        train_loader: yields ``(inputs, targets)`` batches (a ``DataLoader``).
        val_loader: evaluated after every epoch (optional).
        epochs: the total number of epochs (a resumed run counts the finished ones).
        scheduler: a learning-rate scheduler, stepped after every epoch (or after every batch
            with ``scheduler_interval="batch"``). ``ReduceLROnPlateau`` gets the validation
            loss (the training loss without a validation loader).
        callbacks: ``Callback`` objects, or functions ``f(trainer, logs)`` called after each
            epoch.
        checkpoint: a file to save after every epoch (atomically; nothing is saved if None).
        resume: True to continue from ``checkpoint`` when that file exists (a fresh start
            otherwise), or the path of a checkpoint to continue from (it must exist).
        patience: stop when the monitored value has not improved for this many epochs.
        min_delta: the smallest change that counts as an improvement.
        monitor: ``"val_acc"``, ``"val_loss"``, ``"train_acc"`` or ``"train_loss"``; the
            default is the validation accuracy when there is one, else a loss.
        keep_best: at the end, load the weights of the best epoch into the model.
        clip_grad_norm: clip the gradients' total norm to this value before each step.
        progress: show a progress bar per epoch.
        verbose: print a line per epoch and a summary at the end.

    Attributes:
        history: the ``History``. epoch: the number of completed epochs.
        best_score, best_epoch: the best monitored value and its epoch (1-based).
        stop_training: set it to True (e.g. in a callback) to stop after the current epoch.
    """

    def __init__(self, model: Module, loss_fn: Callable[[Tensor, Any], Tensor],
                 optimizer: Optimizer, train_loader: Iterable[Any],
                 val_loader: Iterable[Any] | None = None, *, epochs: int = 1,
                 scheduler: LRScheduler | None = None,
                 callbacks: Sequence[Callback | Callable[..., Any]] = (),
                 checkpoint: str | Path | None = None, resume: bool | str | Path = False,
                 patience: int | None = None, min_delta: float = 0.0,
                 monitor: str | None = None, keep_best: bool = True,
                 scheduler_interval: str = "epoch", clip_grad_norm: float | None = None,
                 progress: bool = True, verbose: bool = True) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"Trainer: model must be an nn.Module, got {type(model).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Trainer: optimizer must be an Optimizer, got "
                            f"{type(optimizer).__name__}")
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"Trainer: epochs must be a non-negative int, got {epochs!r}")
        if monitor not in (None, "val_acc", "val_loss", "train_acc", "train_loss"):
            raise ValueError(f"Trainer: monitor must be val_acc, val_loss, train_acc or "
                             f"train_loss, got {monitor!r}")
        if monitor is not None and monitor.startswith("val") and val_loader is None:
            raise ValueError(f"Trainer: monitor={monitor!r} needs a val_loader")
        if scheduler_interval not in ("epoch", "batch"):
            raise ValueError(f"Trainer: scheduler_interval must be 'epoch' or 'batch', got "
                             f"{scheduler_interval!r}")
        if patience is not None and patience < 1:
            raise ValueError(f"Trainer: patience must be a positive int, got {patience!r}")
        if resume and checkpoint is None and not isinstance(resume, str | Path):
            raise ValueError("Trainer: resume=True needs a checkpoint path")
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_loader, self.val_loader, self.epochs = train_loader, val_loader, epochs
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        self.callbacks = [c if isinstance(c, Callback) else _FunctionCallback(c)
                          for c in callbacks]
        self.checkpoint = None if checkpoint is None else Path(checkpoint)
        self.resume, self.patience, self.min_delta = resume, patience, min_delta
        self.monitor, self.keep_best = monitor, keep_best
        self.clip_grad_norm, self.progress, self.verbose = clip_grad_norm, progress, verbose
        self.history = History()
        self.epoch = 0
        self.best_score: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict[str, Array] | None = None
        self.wait = 0
        self.stop_training = False
        self.stopped_early = False
        self.train_time = 0.0

    # ------------------------------------------------------------------ the loop

    def fit(self) -> History:
        """Train for the remaining epochs; returns the history.

        Raises:
            KeyboardInterrupt: re-raised after Ctrl-C (or from a callback), once the progress
                bar is closed; the checkpoint of the last complete epoch stays on disk.
        """
        self._maybe_resume()
        for callback in self.callbacks:
            callback.on_train_begin(self)
        try:
            while self.epoch < self.epochs and not self.stop_training:
                self._run_epoch()
        except KeyboardInterrupt:
            if self.verbose:
                self._say_interrupted()
            raise
        if self.keep_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        for callback in self.callbacks:
            callback.on_train_end(self)
        if self.verbose:
            print(self.summary(), flush=True)
        return self.history

    def _run_epoch(self) -> None:
        epoch = self.epoch
        for callback in self.callbacks:
            callback.on_epoch_begin(self, epoch)
        lr = float(self.optimizer.param_groups[0]["lr"])
        start = time.perf_counter()
        train_loss, train_acc = self._train_one_epoch(epoch)
        logs: dict[str, Any] = {"epoch": epoch + 1, "train_loss": train_loss,
                                "train_acc": train_acc, "val_loss": None, "val_acc": None,
                                "lr": lr}
        if self.val_loader is not None:
            result = evaluate(self.model, self.val_loader, self.loss_fn)
            logs.update(val_loss=result.loss, val_acc=result.accuracy)
        self._step_scheduler_epoch(logs)
        elapsed = time.perf_counter() - start
        self.train_time += elapsed
        self._record(logs, elapsed)
        self.epoch = epoch + 1
        improved = self._track_best(logs)
        if self.checkpoint is not None:
            self.save_checkpoint(self.checkpoint)
        if self.verbose:
            self._print_epoch(logs, improved)
        for callback in self.callbacks:
            callback.on_epoch_end(self, epoch, logs)

    def _train_one_epoch(self, epoch: int) -> tuple[float, float | None]:
        self.model.train()
        total = len(self.train_loader) if isinstance(self.train_loader, Sized) else 0
        bar = _Progress(total, f"epoch {epoch + 1}/{self.epochs}", self.progress)
        loss_sum, correct, seen, classify = 0.0, 0, 0, True
        start = time.perf_counter()
        try:
            for i, batch in enumerate(self.train_loader):
                x, y = _split_batch(batch)
                out = self.model(x)
                loss = self.loss_fn(out, y)
                self.optimizer.zero_grad()
                loss.backward()
                if self.clip_grad_norm is not None:
                    clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
                self.optimizer.step()
                if self.scheduler is not None and self.scheduler_interval == "batch":
                    self.scheduler.step()
                value, size = float(loss.item()), len(out)
                self.history.loss.append(value)
                hits = _count_correct(out, y)
                classify = classify and hits is not None
                loss_sum, correct, seen = loss_sum + value * size, correct + (hits or 0), \
                    seen + size
                rate = seen / max(time.perf_counter() - start, 1e-9)
                bar.update(i + 1, {"loss": f"{value:.4f}",
                                   "acc": _percent(correct / seen if classify else None),
                                   "samples/s": f"{rate:.0f}"})
                for callback in self.callbacks:
                    callback.on_batch_end(self, i, value)
        finally:
            bar.close()
        if seen == 0:
            raise ValueError("Trainer: the training loader yielded no batches")
        return loss_sum / seen, (correct / seen if classify else None)

    def _step_scheduler_epoch(self, logs: dict[str, Any]) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            metric = logs["val_loss"] if logs["val_loss"] is not None else logs["train_loss"]
            self.scheduler.step(metric)
        elif self.scheduler_interval == "epoch":
            self.scheduler.step()

    def _record(self, logs: dict[str, Any], elapsed: float) -> None:
        h = self.history
        h.train_loss.append(logs["train_loss"])
        h.train_acc.append(logs["train_acc"])
        h.val_loss.append(logs["val_loss"])
        h.val_acc.append(logs["val_acc"])
        h.lr.append(logs["lr"])
        h.epoch_time.append(elapsed)

    # ------------------------------------------------------------------ best / early stop

    def _monitor_key(self, logs: dict[str, Any]) -> str:
        if self.monitor is not None:
            return self.monitor
        if self.val_loader is not None:
            return "val_acc" if logs["val_acc"] is not None else "val_loss"
        return "train_loss"

    def _track_best(self, logs: dict[str, Any]) -> bool:
        key = self._monitor_key(logs)
        score = logs[key]
        if score is None:
            raise ValueError(f"Trainer: cannot monitor {key!r}: it is not measured (accuracy "
                             "needs integer class targets); pass monitor='val_loss' or "
                             "'train_loss'")
        sign = 1.0 if key.endswith("acc") else -1.0
        improved = self.best_score is None or \
            sign * (score - self.best_score) > self.min_delta
        if improved:
            self.best_score, self.best_epoch, self.wait = float(score), self.epoch, 0
            if self.keep_best:
                self.best_state = {k: v.numpy(force=True).copy()
                                   for k, v in self.model.state_dict().items()}
        else:
            self.wait += 1
            if self.patience is not None and self.wait >= self.patience:
                self.stop_training = self.stopped_early = True
        return improved

    # ------------------------------------------------------------------ checkpoints

    def checkpoint_state(self) -> dict[str, Any]:
        """Everything needed to continue training, as plain values ``tg.save`` can write."""
        generator = getattr(self.train_loader, "generator", None)
        return {
            "format": CHECKPOINT_FORMAT,
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else _plain_state(
                self.scheduler.state_dict()),
            "history": self.history.to_dict(),
            "best": {"score": self.best_score, "epoch": self.best_epoch, "wait": self.wait,
                     "state": self.best_state, "stopped_early": self.stopped_early},
            "rng": {"default": _random.default_generator.get_state(),
                    "loader": None if generator is None else generator.get_state()},
            "train_time": self.train_time,
        }

    def save_checkpoint(self, path: str | Path) -> None:
        """Write ``checkpoint_state()`` to ``path`` atomically (``tg.save``), making its folder."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        save(self.checkpoint_state(), path)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a checkpoint written by ``save_checkpoint``: all of it, or nothing.

        Every field is checked first (the progress fields against their schema: the epoch
        against the history's length, the best-model record, the random states...), then
        the model, optimizer and scheduler load their own parts, each checking its state
        before changing anything. If any part does not fit, a ValueError (or the model's
        RuntimeError) names the field and what it found, and the model, optimizer, scheduler
        and trainer are left exactly as they were.
        """
        state = load(path)
        progress = self._checked_progress(state, path)
        before = self._parts_state()
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(dict(state["scheduler"]))
        except Exception:
            self._restore_parts(before)
            raise
        self._apply_progress(progress)

    def _parts_state(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
        """Copies of the model's, optimizer's and scheduler's states, to roll back to."""
        return ({k: v.numpy(force=True).copy() for k, v in self.model.state_dict().items()},
                copy.deepcopy(self.optimizer.state_dict()),
                None if self.scheduler is None else copy.deepcopy(self.scheduler.state_dict()))

    def _restore_parts(self, before: tuple[dict[str, Any], dict[str, Any],
                                           dict[str, Any] | None]) -> None:
        model, optimizer, scheduler = before
        self.model.load_state_dict(model)
        self.optimizer.load_state_dict(optimizer)
        if self.scheduler is not None and scheduler is not None:
            self.scheduler.load_state_dict(scheduler)

    def _checked_progress(self, state: Any, path: Any) -> dict[str, Any]:
        """The checkpoint's progress fields, checked; ValueError naming the first bad one."""
        where = f"Trainer: {path}"
        if not isinstance(state, Mapping) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{where} is not a training checkpoint (format "
                             f"{CHECKPOINT_FORMAT!r} expected); a file with only weights "
                             "loads with model.load_state_dict(tg.load(path))")
        missing = [k for k in ("epoch", "model", "optimizer", "scheduler", "history", "best",
                               "rng") if k not in state]
        if missing:
            raise ValueError(f"{where} lacks the checkpoint field(s) {missing}")
        if (state["scheduler"] is None) != (self.scheduler is None):
            raise ValueError(f"{where} was saved "
                             f"{'without' if state['scheduler'] is None else 'with'} a "
                             f"scheduler, but this trainer has "
                             f"{'one' if self.scheduler is not None else 'none'}")

        def bad(field: str, found: Any, expected: str) -> ValueError:
            return ValueError(f"{where}: checkpoint field {field!r} is {found!r:.80}; "
                              f"expected {expected} (nothing was loaded)")

        for part in ("model", "optimizer", "scheduler"):
            if not isinstance(state[part], Mapping) and not (part == "scheduler" and
                                                             state[part] is None):
                raise bad(part, state[part], f"the {part}'s state_dict()")
        epoch = state["epoch"]
        if not _is_int(epoch) or epoch < 0:
            raise bad("epoch", epoch, "the number of completed epochs, an int >= 0")
        history = state["history"]
        try:
            restored = History.from_dict(history)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise bad("history", history, f"History.to_dict() output ({exc})") from None
        per_epoch = [f.name for f in fields(History) if f.name != "loss"]
        lengths = {len(getattr(restored, name)) for name in per_epoch}
        if lengths != {epoch}:
            raise bad("history", f"{sorted(lengths)} entries per epoch list", f"{epoch} (the "
                      "checkpoint's epoch) in each")
        best = state["best"]
        if not isinstance(best, Mapping) or not {"score", "epoch", "wait", "state",
                                                 "stopped_early"} <= set(best):
            raise bad("best", best, "a dict with score, epoch, wait, state, stopped_early")
        if best["score"] is not None and not _is_number(best["score"]):
            raise bad("best.score", best["score"], "None or a number")
        if best["epoch"] is not None and not (_is_int(best["epoch"]) and
                                              0 <= best["epoch"] <= epoch):
            raise bad("best.epoch", best["epoch"], f"None or an int in [0, {epoch}]")
        if not _is_int(best["wait"]) or best["wait"] < 0:
            raise bad("best.wait", best["wait"], "an int >= 0")
        if not isinstance(best["stopped_early"], bool | np.bool_):
            raise bad("best.stopped_early", best["stopped_early"], "a bool")
        best_state = best["state"]
        if best_state is not None:
            errors = (self.model._checked_state(best_state)[3] if isinstance(best_state, Mapping)
                      else [f"a {type(best_state).__name__}"])
            if errors:
                raise bad("best.state", "; ".join(errors), "None or a state dict that "
                          "model.load_state_dict accepts")
        rng = state["rng"]
        if not isinstance(rng, Mapping) or "default" not in rng:
            raise bad("rng", rng, "a dict with the 'default' (and 'loader') random states")
        for name in ("default", "loader"):
            value = rng.get(name)
            if value is None and name == "loader":
                continue
            try:
                _random.Generator().set_state(value)
            except Exception as exc:  # noqa: BLE001 - any way a state can be wrong
                raise bad(f"rng.{name}", value, f"a generator state ({exc})") from None
        train_time = state.get("train_time", 0.0)
        if not _is_number(train_time) or not 0 <= train_time < math.inf:
            raise bad("train_time", train_time, "a number of seconds >= 0")
        return {"epoch": int(epoch), "history": restored, "best": best, "rng": rng,
                "train_time": float(train_time)}

    def _apply_progress(self, progress: Mapping[str, Any]) -> None:
        self.epoch = progress["epoch"]
        self.history = progress["history"]
        best = progress["best"]
        self.best_score, self.best_epoch = best["score"], best["epoch"]
        self.wait, self.stopped_early = int(best["wait"]), bool(best["stopped_early"])
        self.stop_training = self.stopped_early
        self.best_state = None if best["state"] is None else {
            k: _array(v).copy() for k, v in best["state"].items()}
        self.train_time = progress["train_time"]
        _random.default_generator.set_state(progress["rng"]["default"])
        generator = getattr(self.train_loader, "generator", None)
        if generator is not None and progress["rng"].get("loader") is not None:
            generator.set_state(progress["rng"]["loader"])

    def _maybe_resume(self) -> None:
        if not self.resume:
            return
        path = Path(self.resume) if isinstance(self.resume, str | Path) else self.checkpoint
        assert path is not None  # checked in __init__
        if not path.exists():
            if isinstance(self.resume, str | Path):
                raise FileNotFoundError(f"Trainer: no checkpoint to resume from at {path}")
            if self.verbose:
                print(f"no checkpoint at {path} yet: starting from scratch", flush=True)
            return
        self.load_checkpoint(path)
        if self.verbose:
            print(f"resumed from {path} after epoch {self.epoch}", flush=True)

    # ------------------------------------------------------------------ reporting

    def _print_epoch(self, logs: dict[str, Any], improved: bool) -> None:
        line = (f"epoch {logs['epoch']}/{self.epochs}: train loss {logs['train_loss']:.4f} "
                f"acc {_percent(logs['train_acc'])}")
        if self.val_loader is not None:
            val_loss = "-" if logs["val_loss"] is None else f"{logs['val_loss']:.4f}"
            line += f" | val loss {val_loss} acc {_percent(logs['val_acc'])}"
        line += f" | lr {logs['lr']:.3g} | {self.history.epoch_time[-1]:.1f}s"
        print(line + (" *" if improved else ""), flush=True)

    def _say_interrupted(self) -> None:
        where = (f"the checkpoint of epoch {self.epoch} is in {self.checkpoint}; resume with "
                 f"resume=True" if self.checkpoint is not None and self.checkpoint.exists()
                 else "no checkpoint was written (pass checkpoint=... to keep progress)")
        print(f"\ninterrupted during epoch {self.epoch + 1}: {where}", flush=True)

    def summary(self) -> str:
        """A few lines on the run: epochs, best epoch, final metrics, time, parameters."""
        h = self.history
        n_params = sum(p.numel() for p in self.model.parameters())
        lines = [f"trained {type(self.model).__name__} ({n_params:,} parameters) for "
                 f"{h.epochs} epoch(s) in {self.train_time:.1f}s"
                 + (" (stopped early)" if self.stopped_early else "")]
        if h.epochs:
            lines.append(f"  final: train loss {h.train_loss[-1]:.4f} acc "
                         f"{_percent(h.train_acc[-1])}"
                         + (f", val acc {_percent(h.val_acc[-1])}"
                            if self.val_loader is not None else ""))
        if self.best_epoch is not None:
            key = self.monitor or ("val_acc" if h.val_acc and h.val_acc[-1] is not None
                                   else "val_loss" if self.val_loader is not None
                                   else "train_loss")
            score = (_percent(self.best_score) if key.endswith("acc")
                     else f"{self.best_score:.4f}")
            kept = " (weights restored)" if self.keep_best and self.best_state else ""
            lines.append(f"  best: {key} {score} at epoch {self.best_epoch}{kept}")
        if self.checkpoint is not None:
            lines.append(f"  checkpoint: {self.checkpoint}")
        return "\n".join(lines)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float | np.floating) and value == value


def _plain_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """A scheduler's state dict without what ``tg.save`` cannot write (e.g. functions)."""
    return {k: v for k, v in state.items()
            if v is None or isinstance(v, bool | int | float | str | list | tuple | dict)}


def fit(model: Module, loss_fn: Callable[[Tensor, Any], Tensor], optimizer: Optimizer,
        train_loader: Iterable[Any], val_loader: Iterable[Any] | None = None, epochs: int = 1,
        scheduler: LRScheduler | None = None,
        callbacks: Sequence[Callback | Callable[..., Any]] = (), **kwargs: Any) -> History:
    """Train ``model``: ``Trainer(...).fit()``. Keyword arguments go to ``Trainer``.

    Returns:
        The ``History`` of the run.
    """
    return Trainer(model, loss_fn, optimizer, train_loader, val_loader, epochs=epochs,
                   scheduler=scheduler, callbacks=callbacks, **kwargs).fit()
