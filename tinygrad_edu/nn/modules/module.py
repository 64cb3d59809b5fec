"""PyTorch's path ``torch.nn.modules.module``: ``Module``, the global module hooks and
``_IncompatibleKeys``."""

from typing import Any

from ..hooks import (
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
from ..module import Module
from ..module_state import _IncompatibleKeys
from ._forward import from_nn

__all__ = ["Module", "_IncompatibleKeys", "register_module_forward_hook",
           "register_module_forward_pre_hook", "register_module_full_backward_hook",
           "register_module_full_backward_pre_hook"]


def __getattr__(name: str) -> Any:
    return from_nn(__name__, name)
