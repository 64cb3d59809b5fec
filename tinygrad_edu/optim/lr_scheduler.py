"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler``).

A scheduler changes the ``"lr"`` of each of its optimizer's parameter groups as training goes
on. Call ``scheduler.step()`` once per epoch (or per iteration, as the schedule intends),
*after* ``optimizer.step()``; ``ReduceLROnPlateau.step`` takes the metric to watch.

Most schedules are written, as in PyTorch, in a *chainable* form: each step computes the new
learning rate from the group's current one (``lr * gamma``), so two schedulers on the same
optimizer compose. ``base_lrs`` holds the starting learning rates, which the first scheduler
also stores in each group as ``"initial_lr"``.
"""

from __future__ import annotations

import math
import types
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "MultiStepLR",
           "ReduceLROnPlateau", "StepLR"]


class LRScheduler:
    """Base class of the learning-rate schedulers (PyTorch's ``LRScheduler``).

    A subclass implements ``get_lr()``: the learning rates for epoch ``last_epoch``, which
    ``step()`` has just incremented. Constructing a scheduler performs the first step (epoch 0).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        last_epoch: index of the last epoch seen; -1 (the default) starts a new schedule. A
            larger value resumes one and needs ``"initial_lr"`` in every group.

    Attributes:
        optimizer: the wrapped optimizer.
        base_lrs: each group's learning rate when the schedule started (``"initial_lr"``).
        last_epoch: the epoch the current learning rates belong to.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming a scheduler with last_epoch >= 0; load the "
                                   "optimizer's state dict first, or pass last_epoch=-1")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # the constructor's step keeps the current learning rates
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step`` set, one per parameter group."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch and set each group's ``"lr"`` to its new value."""
        self._step_count += 1
        self.last_epoch += 1
        values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer, as plain values."""
        return {key: _copy(value) for key, value in vars(self).items()
                if key not in ("optimizer", "_is_initial")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict``.

        Load the optimizer's state too: the current learning rates live in its groups.
        """
        self.__dict__.update({key: _copy(value) for key, value in state_dict.items()})


def _copy(value: Any) -> Any:
    """A copy of a plain value (lists and dicts are copied, so states never alias)."""
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


class LambdaLR(LRScheduler):
    """Set each learning rate to its initial value times ``lr_lambda(epoch)``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        lr_lambda: a function of the epoch (an int) returning a factor, or a list of such
            functions, one per parameter group.
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import LambdaLR
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=0.1)
        >>> scheduler = LambdaLR(opt, lambda epoch: 1 / (epoch + 1))  # lr = 0.1 / (epoch + 1)
        >>> for epoch in range(3):
        ...     opt.step()
        ...     scheduler.step()
        >>> scheduler.get_last_lr()
        [0.025]
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch (or a "
                                f"list of them), got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state, without the lambdas (functions are code, not state).

        As in PyTorch, ``"lr_lambdas"`` holds None for plain functions and a copy of the
        attributes (``__dict__``) of callable objects.
        """
        state = super().state_dict()
        del state["lr_lambdas"]
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else _copy(vars(fn))
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict`` (keeping this scheduler's lambdas)."""
        state = dict(state_dict)
        saved_lambdas = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved_lambdas, strict=False):
            if attributes is not None:
                vars(fn).update(_copy(attributes))

    def get_lr(self) -> list[float]:
        """``base_lr * lr_lambda(last_epoch)`` for each group."""
        return [base_lr * fn(self.last_epoch)
                for fn, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)]


class StepLR(LRScheduler):
    """Multiply the learning rates by ``gamma`` every ``step_size`` epochs.

    With lr = 0.05, step_size = 30, gamma = 0.1: lr is 0.05 for epochs 0-29, 0.005 for 30-59,
    0.0005 for 60-89, and so on.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        step_size: period of the decay, in epochs.
        gamma: multiplicative factor of the decay.
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import StepLR
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(scheduler.get_last_lr()[0])
        ...     opt.step()
        ...     scheduler.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma`` when ``last_epoch`` is a multiple of step_size."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class MultiStepLR(LRScheduler):
    """Multiply the learning rates by ``gamma`` at each epoch listed in ``milestones``.

    With lr = 0.05, milestones = [30, 80], gamma = 0.1: lr is 0.05 for epochs 0-29, 0.005 for
    30-79 and 0.0005 from 80 on.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        milestones: epoch indices (a milestone listed twice decays twice).
        gamma: multiplicative factor of the decay.
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import MultiStepLR
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(scheduler.get_last_lr()[0])
        ...     opt.step()
        ...     scheduler.step()
        >>> lrs
        [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma ** count`` when ``last_epoch`` is a milestone."""
        if self.last_epoch not in self.milestones:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch]
                for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state; ``"milestones"`` is a sorted list (with repeats)."""
        state = super().state_dict()
        state["milestones"] = sorted(self.milestones.elements())
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict``."""
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)


class ExponentialLR(LRScheduler):
    """Multiply the learning rates by ``gamma`` every epoch: ``lr_t = lr_0 * gamma**t``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        gamma: multiplicative factor of the decay.
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import ExponentialLR
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = ExponentialLR(opt, gamma=0.5)
        >>> for epoch in range(3):
        ...     opt.step()
        ...     scheduler.step()
        >>> scheduler.get_last_lr()
        [0.125]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times ``gamma`` (unchanged at construction)."""
        if self._is_initial:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rates from their initial value to ``eta_min`` along a cosine.

    The target is the closed form of SGDR (Loshchilov and Hutter) without restarts::

        eta_t = eta_min + (eta_max - eta_min) * (1 + cos(pi * t / T_max)) / 2

    but, as in PyTorch, each step updates the current rate recursively::

        eta_{t+1} = eta_min + (eta_t - eta_min) * (1 + cos(pi * (t + 1) / T_max))
                                                 / (1 + cos(pi * t / T_max))

    so that it composes with other schedulers. Past ``T_max`` the rate climbs back up along
    the same cosine (period ``2 * T_max``); it does not stay at ``eta_min``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        T_max: number of epochs from the initial rate to ``eta_min`` (half a period).
        eta_min: the minimum learning rate.
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import CosineAnnealingLR
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = CosineAnnealingLR(opt, T_max=4)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     opt.step()
        ...     scheduler.step()
        ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
        >>> lrs
        [0.8536, 0.5, 0.1464, 0.0, 0.1464]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """One step of the recursive cosine form (PyTorch's exact arithmetic)."""
        groups, epoch, t_max, eta_min = self.optimizer.param_groups, self.last_epoch, \
            self.T_max, self.eta_min
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and epoch > 0:  # resuming: use the closed form once
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(epoch * math.pi / t_max)) / 2
                    for base_lr in self.base_lrs]
        if (epoch - 1 - t_max) % (2 * t_max) == 0:  # leaving the minimum: the ratio is 0/0
            return [group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                    for base_lr, group in zip(self.base_lrs, groups, strict=True)]
        return [(1 + math.cos(math.pi * epoch / t_max))
                / (1 + math.cos(math.pi * (epoch - 1) / t_max))
                * (group["lr"] - eta_min) + eta_min
                for group in groups]


class ReduceLROnPlateau(LRScheduler):
    """Reduce the learning rates when a metric has stopped improving.

    Call ``step(metric)`` once per epoch with, e.g., the validation loss. A value counts as an
    improvement only when it beats the best so far by the threshold; after more than
    ``patience`` epochs in a row without one, every learning rate is multiplied by ``factor``
    (but not below ``min_lr``), and the next ``cooldown`` epochs are not counted.

    Improvement means, for ``mode='min'``: ``metric < best * (1 - threshold)`` with
    ``threshold_mode='rel'``, or ``metric < best - threshold`` with ``'abs'``; for
    ``mode='max'``: ``metric > best * (1 + threshold)`` or ``metric > best + threshold``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        mode: ``'min'`` (the metric should go down) or ``'max'`` (it should go up).
        factor: the factor that multiplies the learning rates on a reduction (< 1).
        patience: number of epochs without improvement tolerated before a reduction.
        threshold: how much better than the best a value must be to count.
        threshold_mode: ``'rel'`` (relative threshold) or ``'abs'`` (absolute).
        cooldown: epochs to wait after a reduction before counting bad epochs again.
        min_lr: lower bound on the learning rates: one number, or one per group.
        eps: a reduction smaller than this is skipped.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import ReduceLROnPlateau
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = ReduceLROnPlateau(opt, factor=0.5, patience=1)
        >>> for val_loss in [3.0, 2.0, 2.5, 2.5, 1.0]:
        ...     scheduler.step(val_loss)
        >>> scheduler.get_last_lr()  # two bad epochs after 2.0: halved once
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.factor = factor
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown! Expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown! Expected 'rel' or "
                             "'abs'")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record this epoch's metric (a number or one-element Tensor); maybe reduce the lrs."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        """True while bad epochs are being ignored after a reduction."""
        return self.cooldown_counter > 0

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the optimizer ({len(groups)}) "
                                   "differs from when ReduceLROnPlateau was initialized "
                                   f"({len(self.min_lrs)}); set min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict``."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
