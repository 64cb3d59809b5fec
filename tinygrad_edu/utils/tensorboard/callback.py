"""Log a ``train.fit``/``Trainer`` run to TensorBoard with a callback.

``TensorBoardCallback`` writes, through a ``SummaryWriter``:

- after every optimizer step: ``Loss/train_step`` (the batch's loss), at the run's step
  count (0, 1, 2, ... across epochs, and continuing after ``resume``);
- after every epoch, at the epoch number (1, 2, ...): ``Loss/train``, ``Accuracy/train``,
  ``Loss/val``, ``Accuracy/val`` (each when it was measured) and ``LearningRate``;
- with ``histograms=True``, a histogram of each parameter after every epoch.

Example:
    >>> import tempfile, numpy as np, tinygrad_edu as tg
    >>> from tinygrad_edu.data import DataLoader, TensorDataset
    >>> from tinygrad_edu.train import fit
    >>> from tinygrad_edu.utils.tensorboard import TensorBoardCallback
    >>> X = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    >>> loader = DataLoader(TensorDataset(X, (X[:, 0] > 0).astype(np.int64)), batch_size=8)
    >>> model = tg.nn.Linear(2, 2)
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     history = fit(model, tg.nn.CrossEntropyLoss(),
    ...                   tg.optim.SGD(model.parameters(), lr=0.1), loader, epochs=2,
    ...                   callbacks=[TensorBoardCallback(logdir)], progress=False,
    ...                   verbose=False)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...train import Callback, Trainer
from .writer import SummaryWriter

__all__ = ["TensorBoardCallback"]

# (tag, key of the Trainer's per-epoch logs)
EPOCH_SCALARS = (("Loss/train", "train_loss"), ("Accuracy/train", "train_acc"),
                 ("Loss/val", "val_loss"), ("Accuracy/val", "val_acc"), ("LearningRate", "lr"))


class TensorBoardCallback(Callback):
    """A ``Trainer`` callback that logs losses, accuracies and the learning rate.

    Args:
        writer: a ``SummaryWriter`` (left open at the end: its owner closes it), or a log
            directory, or None for PyTorch's default ``runs/<date>_<time>_<hostname>``; the
            writer made from a directory is closed when training ends.
        log_steps: also log each optimizer step's loss (``Loss/train_step``).
        histograms: also log a histogram of every parameter after each epoch.
    """

    def __init__(self, writer: SummaryWriter | str | Path | None = None, *,
                 log_steps: bool = True, histograms: bool = False) -> None:
        if writer is not None and not isinstance(writer, SummaryWriter | str | Path):
            raise TypeError(f"TensorBoardCallback: writer must be a SummaryWriter, a log "
                            f"directory or None, got {type(writer).__name__}")
        self.owns_writer = not isinstance(writer, SummaryWriter)
        self.writer = writer if isinstance(writer, SummaryWriter) else SummaryWriter(writer)
        self.log_steps, self.histograms = log_steps, histograms

    def on_batch_end(self, trainer: Trainer, batch: int, loss: float) -> None:
        if self.log_steps:
            self.writer.add_scalar("Loss/train_step", loss, len(trainer.history.loss) - 1)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        step = logs["epoch"]
        for tag, key in EPOCH_SCALARS:
            if logs.get(key) is not None:
                self.writer.add_scalar(tag, logs[key], step)
        if self.histograms:
            for name, param in trainer.model.named_parameters():
                self.writer.add_histogram(name, param, step)
        self.writer.flush()

    def on_train_end(self, trainer: Trainer) -> None:
        if self.owns_writer:
            self.writer.close()
        else:
            self.writer.flush()
