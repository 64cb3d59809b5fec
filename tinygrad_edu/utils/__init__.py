"""PyTorch's ``torch.utils`` path: ``tinygrad_edu.utils.data`` is ``tinygrad_edu.data``."""

from . import data

__all__ = ["data"]
