"""Cosine annealing, without and with warm restarts (SGDR, Loshchilov and Hutter 2017)."""

from __future__ import annotations

import math

from ..optimizer import Optimizer
from .base import LRScheduler


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

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base_lr - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing that restarts at the initial rate every ``T_i`` epochs (SGDR).

    Within a period of ``T_i`` epochs, with ``T_cur`` epochs since the last restart::

        eta_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    The first period lasts ``T_0`` epochs; each restart multiplies it by ``T_mult``. The
    restarts jolt the model out of the sharp minimum it was settling into, and each period's
    end is a good point to save a snapshot.

    ``step()`` may be called once per batch with a fractional epoch, ``step(epoch + i / n)``,
    so the rate anneals within an epoch; that form is not deprecated here (as in PyTorch).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        T_0: the number of epochs of the first period (a positive int).
        T_mult: the factor by which each period is longer than the last (an int >= 1).
        eta_min: the minimum learning rate.
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.lr_scheduler import CosineAnnealingWarmRestarts
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        >>> lrs = []
        >>> for epoch in range(7):
        ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
        ...     opt.step()
        ...     scheduler.step()
        >>> lrs  # periods of 2, then 4 epochs
        [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1,  # noqa: N803
                 eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, float | int):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type "
                             f"{type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The cosine of the current period at ``T_cur``."""
        return [self.eta_min + (base_lr - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or jump to ``epoch`` (which may be fractional).

        Args:
            epoch: the (possibly fractional) epoch to move to; None advances by one.
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:  # the end of a period: restart
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            self._locate(epoch)
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _locate(self, epoch: float) -> None:
        """Set ``T_i`` and ``T_cur`` for an absolute epoch.

        The periods ``T_0, T_0 m, T_0 m^2, ...`` end at ``T_0 (m^n - 1) / (m - 1)``; the epoch
        falls in period ``n = floor(log_m(epoch / T_0 * (m - 1) + 1))``.
        """
        if epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        if epoch < self.T_0:
            self.T_i = self.T_0
            self.T_cur = epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult**n
