"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler``).

A scheduler changes the ``"lr"`` of each of its optimizer's parameter groups as training goes
on. Call ``scheduler.step()`` once per epoch (or per batch, as the schedule intends),
*after* ``optimizer.step()``; ``ReduceLROnPlateau.step`` takes the metric to watch.

Most schedules are written, as in PyTorch, in a *chainable* form: each step computes the new
learning rate from the group's current one (``lr * gamma``), so two schedulers on the same
optimizer compose. ``base_lrs`` holds the starting learning rates, which the first scheduler
also stores in each group as ``"initial_lr"``.

The modules, in reading order: ``base`` (LRScheduler), ``basic`` (factor schedules: LambdaLR,
MultiplicativeLR, StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR),
``cosine`` (CosineAnnealingLR, CosineAnnealingWarmRestarts), ``cyclic`` (CyclicLR,
OneCycleLR), ``plateau`` (ReduceLROnPlateau), ``composite`` (SequentialLR, ChainedScheduler).
"""

from .base import LRScheduler, _LRScheduler
from .basic import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .composite import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR, OneCycleLR
from .plateau import ReduceLROnPlateau

__all__ = ["ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
           "CyclicLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
           "MultiplicativeLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "SequentialLR",
           "StepLR", "_LRScheduler"]
