"""PyTorch's ``torch.utils`` path: ``tinygrad_edu.utils.data`` is ``tinygrad_edu.data``."""

from typing import Any

from ..unsupported import missing_attribute
from . import data

__all__ = ["data"]


def __getattr__(name: str) -> Any:
    """``torch.utils`` names tinygrad_edu lacks say why (``utils.tensorboard``, ...)."""
    raise missing_attribute("utils", "tinygrad_edu.utils", name, __all__)
