"""Weight averaging (PyTorch's ``torch.optim.swa_utils``): SWA and EMA models, SWALR, update_bn.

Averaging the weights a model passes through late in training often generalizes better
than the last weights: the average lies nearer the centre of a wide, flat minimum that SGD
keeps circling (Izmailov et al., "Averaging Weights Leads to Wider Optima", 2018). Two
averages are common:

* SWA (stochastic weight averaging): the plain mean of the snapshots,
  ``avg_{n+1} = avg_n + (w - avg_n) / (n + 1)``, usually with a constant or cyclic
  learning rate (``SWALR``) while snapshots are taken;
* EMA (exponential moving average): ``avg <- decay * avg + (1 - decay) * w`` after every
  step, as in many image and diffusion models.

A typical loop::

    swa_model = AveragedModel(model)
    swa_scheduler = SWALR(optimizer, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, optimizer)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
    update_bn(train_loader, swa_model)   # batch-norm statistics for the averaged weights
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..nn.module import Module
from ..nn.normalization import _BatchNorm
from ..tensor import Tensor
from .lr_scheduler import LRScheduler
from .lr_scheduler.base import format_param
from .nadam import float32
from .optimizer import Optimizer, lerp_

AvgFn = Callable[[Tensor, Tensor, Any], Tensor]
MultiAvgFn = Callable[[list[Tensor], list[Tensor], Any], None]

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn",
           "get_swa_avg_fn", "get_swa_multi_avg_fn", "update_bn"]


def _set(target: Tensor, value: Any) -> None:
    """Copy ``value`` into ``target`` in place (cast to its dtype, as ``copy_`` does)."""
    array = value.numpy(force=True) if isinstance(value, Tensor) else np.asarray(value)
    with target.mutate() as data:
        data[...] = array.astype(data.dtype) if data.dtype.kind in "iub" else array


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """An EMA update of lists of tensors in place: ``ema <- decay * ema + (1 - decay) * w``.

    Floating-point tensors move by a linear interpolation towards ``w`` with weight
    ``1 - decay``; integer ones (such as ``num_batches_tracked``) are set to the rounded-down
    mix, as in PyTorch.
    """
    _check_decay(decay)

    def ema_update(ema_params: list[Tensor], current_params: list[Tensor], _: Any) -> None:
        with no_grad():
            for p_ema, p_model in zip(ema_params, current_params, strict=True):
                if p_ema.dtype.kind == "f":
                    with p_ema.mutate() as data:
                        lerp_(data, p_model.numpy(force=True), 1 - decay)
                else:
                    _set(p_ema, p_ema.numpy(force=True) * decay
                         + p_model.numpy(force=True) * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """An SWA update of lists of tensors in place: ``avg <- avg + (w - avg) / (n + 1)``.

    For floating-point tensors it is a linear interpolation with weight ``1 / (n + 1)``;
    when ``n`` is a Tensor, PyTorch computes that weight as a float32 tensor, and so does
    this function (the result then equals PyTorch's). Integer tensors (``use_buffers=True``
    averages ``num_batches_tracked``) move by ``trunc((w - avg) / (n + 1))``, the integer
    division PyTorch's ``addcdiv`` used to do; PyTorch 2.13 raises a RuntimeError there.
    """
    def swa_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        n = float(num_averaged)
        with no_grad():
            for p_avg, p_model in zip(averaged, current, strict=True):
                if p_avg.dtype.kind == "f":
                    weight = float32(1 / (n + 1)) if isinstance(num_averaged, Tensor) \
                        else 1.0 / (n + 1)
                    with p_avg.mutate() as data:
                        lerp_(data, p_model.numpy(force=True), weight)
                else:  # integer buffers move by whole steps (torch 2.13 raises here)
                    avg = p_avg.numpy(force=True)
                    _set(p_avg, avg + np.trunc((p_model.numpy(force=True) - avg) / (n + 1)))
    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """An EMA update of one tensor, returning ``decay * ema + (1 - decay) * w``."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """An SWA update of one tensor, returning ``avg + (w - avg) / (n + 1)``."""
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of a model whose weights are a running average (PyTorch's ``AveragedModel``).

    It holds a deep copy of ``model`` as ``self.module`` and calls it in ``forward``; each
    ``update_parameters(model)`` folds the model's current weights into the average. The
    first call copies them; later ones apply ``avg_fn`` (one tensor at a time) or
    ``multi_avg_fn`` (lists of tensors, in place), by default the SWA mean
    ``avg + (w - avg) / (n + 1)``. ``n_averaged`` (a buffer) counts the updates.

    Buffers (batch-norm running statistics) are copied from the model at each update, unless
    ``use_buffers=True``, which averages them along with the parameters.

    Args:
        model: the model to average.
        device: accepted for PyTorch compatibility ("cpu" or None).
        avg_fn: ``avg_fn(averaged, current, n_averaged) -> new averaged`` for one tensor.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, n_averaged)``, in place;
            e.g. ``get_ema_multi_avg_fn(0.999)`` for an EMA model.
        use_buffers: average the buffers too (else copy them).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim.swa_utils import AveragedModel
        >>> model = tg.nn.Linear(1, 1, bias=False)
        >>> swa = AveragedModel(model)
        >>> for w in [1.0, 2.0, 6.0]:
        ...     with tg.no_grad():
        ...         _ = model.weight.fill_(w)
        ...     swa.update_parameters(model)
        >>> swa.module.weight.item(), swa.n_averaged.item()
        (3.0, 3)
    """

    def __init__(self, model: Module, device: Any = None, avg_fn: AvgFn | None = None,
                 multi_avg_fn: MultiAvgFn | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged copy of the model."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average (copy them the first time)."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        pairs = list(zip(mine, theirs, strict=False))
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for p_avg, p_model in pairs:
                    _set(p_avg, p_model)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in pairs], [m.detach() for _, m in pairs],
                                  self.n_averaged)
            else:
                avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                for p_avg, p_model in pairs:
                    _set(p_avg, avg_fn(p_avg.detach(), p_model.detach(), self.n_averaged))
            if not self.use_buffers:
                for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    _set(b_avg, b_model)
            _set(self.n_averaged, n + 1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the batch-norm running statistics of ``model`` with one pass over ``loader``.

    Averaged weights never ran forward, so the running means and variances the batch norms
    hold belong to other weights. This resets them and, with ``momentum=None`` (a
    cumulative average over the batches), runs every batch through the model in training
    mode; the momenta and the training mode are restored afterwards.

    Args:
        loader: an iterable of batches; a list or tuple batch contributes its first element.
        model: the model (e.g. an ``AveragedModel``).
        device: accepted for PyTorch compatibility ("cpu" or None).
    """
    momenta: dict[Module, Any] = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, list | tuple):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each learning rate to a fixed ``swa_lr``, then hold it (for the SWA phase).

    Over ``anneal_epochs`` steps the rate moves from its current value to ``swa_lr`` along a
    half cosine (``anneal_strategy='cos'``) or a line; afterwards it stays at ``swa_lr``. As
    in PyTorch the step is written relative to the previous rate, so it follows whatever
    schedule ran before it::

        alpha_t = anneal(min(1, t / anneal_epochs))     (cos: (1 - cos(pi x)) / 2; linear: x)
        lr_t = swa_lr * alpha_t + lr_0 * (1 - alpha_t)

    where ``lr_0`` is recovered from the previous rate and ``alpha_{t-1}``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        swa_lr: the learning rate to reach (one value, or one per group).
        anneal_epochs: steps of the annealing (0: jump at once).
        anneal_strategy: ``'cos'`` or ``'linear'``.
        last_epoch: index of the last epoch; -1 starts a new schedule.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> from tinygrad_edu.optim.swa_utils import SWALR
        >>> opt = SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = SWALR(opt, swa_lr=0.2, anneal_epochs=2, anneal_strategy="linear")
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
        ...     opt.step()
        ...     scheduler.step()
        >>> lrs
        [1.0, 0.6, 0.2, 0.2]
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        for lr, group in zip(format_param("swa_lr", optimizer, swa_lr), optimizer.param_groups,
                             strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) \
                or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        """The fraction of the way to ``swa_lr`` at ``t`` (0 to 1) of the annealing."""
        if self._anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    def get_lr(self) -> list[float]:
        """The next rates: undo the previous mix, then mix at the new fraction."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [group["swa_lr"] if prev_alpha == 1
                    else (group["lr"] - prev_alpha * group["swa_lr"]) / (1 - prev_alpha)
                    for group in groups]
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(groups, prev_lrs, strict=True)]
