"""Reporting from the two trainers: the Trainer (a callback) and the classic Solver."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..train import Callback, Trainer
from .session import report

__all__ = ["ReportCallback", "train_solver"]


class ReportCallback(Callback):
    """A Trainer callback that reports each epoch's logs (``val_acc``, ``train_loss``, ...).

    Args:
        checkpoint: also hand the model's ``state_dict`` to ``report`` (kept when the
            metric is the trial's best so far).

    Example: ``Trainer(..., callbacks=[tune.ReportCallback()]).fit()``.
    """

    def __init__(self, checkpoint: bool = True) -> None:
        self.checkpoint = checkpoint

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        values = {k: v for k, v in logs.items() if k != "epoch"}
        report(checkpoint=trainer.model.state_dict() if self.checkpoint else None, **values)


def train_solver(solver: Any, checkpoint: bool = True) -> Any:
    """``solver.train()``, reporting ``train_acc``, ``val_acc`` and ``loss`` after each epoch.

    Use it in place of ``solver.train()`` in a trainable (classic ``Solver``); returns the
    solver. The checkpoint reported is the model's ``params``.
    """
    record = solver._record
    seen = [0]

    def record_and_report(t: int, num_iterations: int, epoch_end: bool) -> None:
        record(t, num_iterations, epoch_end)
        if epoch_end:
            losses = solver.loss_history[seen[0]:]
            seen[0] = len(solver.loss_history)
            params = {k: np.asarray(v) for k, v in solver.model.params.items()}
            report(checkpoint=params if checkpoint else None,
                   train_acc=solver.train_acc_history[-1], val_acc=solver.val_acc_history[-1],
                   loss=float(np.mean(losses)) if losses else None)

    solver._record = record_and_report
    try:
        solver.train()
    finally:
        del solver._record
    return solver
