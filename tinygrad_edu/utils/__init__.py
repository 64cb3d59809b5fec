"""PyTorch's ``torch.utils`` path: ``tinygrad_edu.utils.data`` is ``tinygrad_edu.data``.

``tinygrad_edu.utils.tensorboard`` (TensorBoard logging, needs the ``tensorboard`` extra) is
imported on its own, as in PyTorch: ``from tinygrad_edu.utils.tensorboard import
SummaryWriter``.
"""

from typing import Any

from ..unsupported import missing_attribute
from . import data

__all__ = ["data"]


def __getattr__(name: str) -> Any:
    """``torch.utils`` names tinygrad_edu lacks say why (``utils.checkpoint``, ...)."""
    if name == "tensorboard":  # reached only before the submodule was imported
        raise AttributeError("module 'tinygrad_edu.utils' has no attribute 'tensorboard' until "
                             "it is imported: from tinygrad_edu.utils.tensorboard import "
                             "SummaryWriter")
    raise missing_attribute("utils", "tinygrad_edu.utils", name, __all__)
