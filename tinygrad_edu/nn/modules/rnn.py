"""PyTorch's path ``torch.nn.modules.rnn``: the same classes as ``tinygrad_edu.nn``."""

from typing import Any

from ._forward import from_nn


def __getattr__(name: str) -> Any:
    return from_nn(__name__, name)
