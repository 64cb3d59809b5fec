"""Optimizers and learning-rate schedulers, with PyTorch's API (``torch.optim``).

Each optimizer class documents its update rule as an algorithm box; the shared bookkeeping
(parameter groups, state, closures, state dicts) lives in ``Optimizer``.

Example:
    >>> import tinygrad_edu as tg
    >>> import tinygrad_edu.optim as optim
    >>> w = tg.tensor([3.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.25)
    >>> scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> for epoch in range(4):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    ...     scheduler.step()
    >>> scheduler.get_last_lr()
    [0.0625]
"""

from ..unsupported import missing_attribute
from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam, RAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["ASGD", "LBFGS", "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax",
           "Muon", "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "lr_scheduler", "swa_utils"]


def __getattr__(name: str) -> object:
    """A torch name that is absent here: the reason when it is listed, else a close match."""
    raise missing_attribute("optim", "tinygrad_edu.optim", name, __all__)
