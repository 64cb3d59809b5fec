"""The trainable's side of a trial: ``report`` sends one epoch's metrics to the search.

A trial runs in a worker process (or a Ray actor). The worker sets the session; each
``report`` sends the metrics to the driver, which records them in the Optuna study, asks the
pruner and answers "continue" or "prune". On "prune" ``report`` raises ``TrialPruned``, which
ends the trainable (the worker catches it). Called outside a trial, ``report`` does nothing,
so a trainable also runs on its own: ``train(config)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["TrialPruned", "report", "trial_info"]


class TrialPruned(Exception):  # noqa: N818 - Optuna's name for the same signal
    """Raised by ``report`` when the search stops this trial early (its curve is behind)."""


class _Session:
    """What ``report`` needs: how to send metrics, and whether a checkpoint is wanted."""

    def __init__(self, number: int, send: Callable[[dict[str, Any], Any], str],
                 metric: str, mode: str) -> None:
        self.number, self.send, self.metric, self.mode = number, send, metric, mode
        self.best: float | None = None
        self.epochs = 0

    def improves(self, value: float) -> bool:
        if self.best is None or (value > self.best if self.mode == "max" else value < self.best):
            self.best = value
            return True
        return False


_session: _Session | None = None


def _set_session(session: _Session | None) -> None:
    global _session
    _session = session


def trial_info() -> dict[str, Any] | None:
    """``{"number": n, "epochs": reported so far}`` inside a trial, else None."""
    return None if _session is None else {"number": _session.number, "epochs": _session.epochs}


def _plain(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"report: metric {name!r} must be a number, got {value!r}")
    return float(value)


def _arrays(checkpoint: Any) -> dict[str, Any]:
    """A state dict with Tensors turned into arrays (they are pickled to the driver)."""
    if not isinstance(checkpoint, dict):
        raise TypeError(f"report: checkpoint must be a dict (a state_dict), got "
                        f"{type(checkpoint).__name__}")
    return {k: (_arrays(v) if isinstance(v, dict) else
                v.numpy(force=True).copy() if hasattr(v, "numpy") and hasattr(v, "grad")
                else np.array(v, copy=True) if isinstance(v, np.ndarray) else v)
            for k, v in checkpoint.items()}


def report(checkpoint: Any = None, **metrics: Any) -> None:
    """Report one epoch's metrics (e.g. ``report(val_acc=0.91, train_loss=0.3)``).

    Args:
        checkpoint: optional state dict (``model.state_dict()`` or a dict of arrays); kept
            (in ``storage/trials/<n>/checkpoint.npz``) when the searched metric is this
            trial's best so far.
        **metrics: numbers (None is allowed for a metric not measured); the searched
            ``metric`` must be among them.

    Raises:
        TrialPruned: the search stopped this trial (let it propagate).
    """
    if _session is None:
        return
    values = {k: _plain(k, v) for k, v in metrics.items()}
    value = values.get(_session.metric)
    if value is None:
        raise KeyError(f"report: the searched metric {_session.metric!r} is missing; got "
                       f"{sorted(values)}")
    _session.epochs += 1
    keep = _arrays(checkpoint) if checkpoint is not None and _session.improves(value) else None
    if checkpoint is None:
        _session.improves(value)
    if _session.send(values, keep) == "prune":
        raise TrialPruned(f"trial {_session.number} pruned after epoch {_session.epochs}")
