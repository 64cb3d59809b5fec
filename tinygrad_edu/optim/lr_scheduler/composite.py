"""Schedulers made of schedulers: one after another (SequentialLR) or all at once (Chained)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ..optimizer import Optimizer
from .base import LRScheduler, check_state, copy_state
from .plateau import ReduceLROnPlateau


def _check_schedulers(kind: str, schedulers: Sequence[Any], optimizer: Optimizer) -> None:
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{kind} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{kind} does not support `ReduceLROnPlateau` scheduler as it "
                             "requires additional kwargs to be specified when calling `step`, "
                             f"but got one at index {i} in the given schedulers sequence.")
        if optimizer != scheduler.optimizer:
            raise ValueError(f"{kind} expects all schedulers to belong to the same optimizer, "
                             f"but got scheduler {type(scheduler).__name__} at index {i} has "
                             f"{scheduler.optimizer}, which is different from "
                             f"{type(optimizer).__name__}.")


def _state_with_children(scheduler: Any) -> dict[str, Any]:
    """The state of a composite: its own attributes plus each child's state dict."""
    state = {k: v for k, v in LRScheduler.state_dict(scheduler).items() if k != "_schedulers"}
    state["_schedulers"] = [s.state_dict() for s in scheduler._schedulers]
    return state


def _load_with_children(scheduler: Any, state_dict: dict[str, Any]) -> None:
    """Check the whole state (this scheduler's and every wrapped one's) before loading any."""
    state = dict(state_dict)
    children = state.pop("_schedulers", None)
    if not isinstance(children, list | tuple) or len(children) != len(scheduler._schedulers):
        raise ValueError(f"{type(scheduler).__name__}.load_state_dict: expected the states of "
                         f"{len(scheduler._schedulers)} schedulers under '_schedulers', got "
                         f"{children!r:.60} (nothing was loaded)")
    check_state(scheduler, state, dry_run=False)
    for child, child_state in zip(scheduler._schedulers, children, strict=True):
        check_state(child, child_state)
    scheduler.__dict__.update({key: copy_state(value) for key, value in state.items()})
    for child, child_state in zip(scheduler._schedulers, children, strict=True):
        child.load_state_dict(child_state)


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at the given milestones.

    The usual use is a warm-up followed by a decay: ``SequentialLR(opt, [LinearLR(...),
    CosineAnnealingLR(...)], milestones=[5])`` runs the warm-up for epochs 0-4, then starts
    the cosine schedule from its epoch 0 at epoch 5 (using its closed form for that first
    value, as PyTorch does).

    Args:
        optimizer: the optimizer all the schedulers belong to.
        schedulers: the schedulers, in order (already constructed on ``optimizer``).
        milestones: the epochs at which the next scheduler takes over (one fewer than
            schedulers).
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import ConstantLR, ExponentialLR, SequentialLR
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> warm_up = ConstantLR(opt, factor=0.1, total_iters=2)
        >>> decay = ExponentialLR(opt, gamma=0.5)
        >>> scheduler = SequentialLR(opt, [warm_up, decay], milestones=[2])
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
        ...     opt.step()
        ...     scheduler.step()
        >>> lrs
        [0.1, 0.1, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler],
                 milestones: list[int], last_epoch: int = -1) -> None:
        kind = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{kind} expects at least one scheduler, but got no scheduler.")
        _check_schedulers(kind, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be "
                             "one more than the number of milestone points, but got number of "
                             f"schedulers {len(schedulers)} and the number of milestones to be "
                             f"equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # undo what constructing the schedulers did
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        idx = bisect_right(self._milestones, 0)  # only the first scheduler starts now
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Take back the constructor step of every (nested) scheduler: ``last_epoch -= 1``."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch: step the current scheduler (or start the next at a milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)  # restart it at its epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The state, with each wrapped scheduler's state dict under ``"_schedulers"``."""
        return _state_with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict`` (the wrapped schedulers' too)."""
        _load_with_children(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step several schedulers together, each applying its change to the current rates.

    Chainable schedules compose: ``ChainedScheduler([ConstantLR(...), ExponentialLR(...)])``
    multiplies their factors. One ``step()`` steps every scheduler, in order.

    Args:
        schedulers: the schedulers to chain (all on the same optimizer).
        optimizer: that optimizer (default: the first scheduler's).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import (ChainedScheduler, ConstantLR,
        ...                                              ExponentialLR)
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=2),
        ...                               ExponentialLR(opt, gamma=0.5)])
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
        ...     opt.step()
        ...     scheduler.step()
        >>> lrs
        [0.1, 0.05, 0.25, 0.125]
    """

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        kind = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{kind} expects at least one scheduler to be chained, but got no "
                             "scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(kind, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The state, with each wrapped scheduler's state dict under ``"_schedulers"``."""
        return _state_with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict`` (the wrapped schedulers' too)."""
        _load_with_children(self, state_dict)
