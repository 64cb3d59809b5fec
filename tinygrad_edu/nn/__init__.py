"""Neural-network building blocks (``tinygrad_edu.nn``); see ``nn.functional``."""

from . import functional

__all__ = ["functional"]
