"""The base class of the learning-rate schedulers, and helpers they share."""

from __future__ import annotations

import copy
import threading
import warnings
from typing import Any

from ..optimizer import Optimizer, kind_mismatch

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
    "where possible. Please use `scheduler.step()` to step the scheduler. During the "
    "deprecation, if epoch is different from None, the closed form is used instead of the new "
    "chainable form, where available.")


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
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's step (epoch 0), which keeps the current learning rates."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step`` set, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set each group's ``"lr"`` to its new value.

        Args:
            epoch: deprecated in PyTorch (with a warning, as there): jump to this epoch and
                use the closed form of the schedule (``_get_closed_form_lr``) where the
                scheduler has one.
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer, as plain values."""
        return {key: copy_state(value) for key, value in vars(self).items()
                if key not in ("optimizer", "_is_initial")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict``.

        Load the optimizer's state too: the current learning rates live in its groups.
        The state is checked before anything changes: only this scheduler's own keys, each
        value of the kind it has now (numbers, lists of as many numbers, ...), and the
        learning rates it gives must compute (``step_size=0`` would divide by zero). A
        ValueError names every key that does not fit.
        """
        check_state(self, state_dict)
        self.__dict__.update({key: copy_state(value) for key, value in state_dict.items()})


class _LRScheduler(LRScheduler):
    """The old name of ``LRScheduler``, kept (as PyTorch keeps it) for custom schedulers."""


def format_param(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: ``value`` repeated, or a list checked to fit the groups."""
    n = len(optimizer.param_groups)
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {n}.")
        return list(value)
    return [value] * n


def set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    """Set a group's momentum: ``"momentum"`` (SGD, RMSprop) or ``beta_1`` of ``"betas"``."""
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def check_momentum_support(optimizer: Optimizer) -> bool:
    """Whether the optimizer cycles ``beta_1`` (True) or ``momentum``; error if neither."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                         "option enabled")
    return "betas" in optimizer.defaults


_dry_run = threading.local()  # set while a copy of a scheduler tries a state out


def check_state(scheduler: LRScheduler, state_dict: Any, dry_run: bool = True) -> None:
    """ValueError unless ``state_dict`` fits ``scheduler`` (see ``LRScheduler.load_state_dict``):
    its own keys, values of the kinds it holds now, and, with ``dry_run``, learning rates that
    a copy of the scheduler loading the state (with its class's own ``load_state_dict``) can
    compute."""
    name = f"{type(scheduler).__name__}.load_state_dict"
    if not isinstance(state_dict, dict):
        raise TypeError(f"{name}: expected a dict from state_dict(), got "
                        f"{type(state_dict).__name__}")
    own = vars(scheduler)
    problems = [f"{key!r} is not part of its state" if key not in own or key == "optimizer"
                else f"{key!r} should be {want}, got {value!r:.60}"
                for key, value in state_dict.items()
                if key not in own or key == "optimizer"
                or (want := kind_mismatch(own[key], value, none_ok=True))]
    # every schedule's position: without it a resumed run starts from this scheduler's own
    # (other fields may be missing: a LambdaLR's state leaves out its plain functions)
    missing = [key for key in ("last_epoch", "base_lrs") if key in own and key not in state_dict]
    if missing:
        problems.append(f"it lacks {missing}")
    if not problems and any(_is_negative(lr) for lr in state_dict.get("base_lrs") or ()):
        problems.append(f"'base_lrs' holds a negative learning rate: "
                        f"{state_dict['base_lrs']!r:.60}")
    if not problems and dry_run and not getattr(_dry_run, "active", False):
        trial = copy.copy(scheduler)  # the optimizer is shared: rates are read, not written
        trial.__dict__.update({key: copy_state(value) for key, value in own.items()})
        _dry_run.active = True
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                type(scheduler).load_state_dict(trial, copy_state(state_dict))
                closed_form = getattr(trial, "_get_closed_form_lr", None)
                rates = closed_form() if closed_form is not None else trial.get_lr()
            if any(not isinstance(r, int | float) or r != r for r in rates):
                problems.append(f"its learning rates come out as {rates!r:.80}")
        except NotImplementedError:  # a scheduler without get_lr (plateau, composites)
            pass
        except Exception as exc:  # noqa: BLE001 - the state's values break the schedule
            problems.append(f"its learning rates cannot be computed ({type(exc).__name__}: "
                            f"{exc})")
        finally:
            _dry_run.active = False
    if problems:
        raise ValueError(f"{name}: the state does not fit (nothing was loaded): "
                         + "; ".join(problems))


def _is_negative(value: Any) -> bool:
    return isinstance(value, int | float) and value < 0


def copy_state(value: Any) -> Any:
    """A copy of a plain value (lists and dicts are copied, so states never alias)."""
    if isinstance(value, list):
        return [copy_state(v) for v in value]
    if isinstance(value, dict):
        return {k: copy_state(v) for k, v in value.items()}
    return value
