"""PyTorch's path ``torch.nn.parallel``: ``DataParallel`` (runs the module as it is: there is
one device, the CPU)."""

from .compat import DataParallel

__all__ = ["DataParallel"]
