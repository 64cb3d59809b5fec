"""PyTorch's module paths ``torch.nn.modules`` and ``torch.nn.modules.<family>``.

Code written for PyTorch sometimes imports from the long paths
(``from torch.nn.modules.module import Module``,
``torch.nn.modules.module.register_module_forward_hook``,
``from torch.nn.modules.batchnorm import _BatchNorm``). The classes live in ``tinygrad_edu.nn``;
these modules hand out the same objects under PyTorch's names.
"""

from __future__ import annotations

from typing import Any

from . import (
    activation,
    batchnorm,
    container,
    conv,
    dropout,
    lazy,
    linear,
    loss,
    module,
    normalization,
    pooling,
    rnn,
    sparse,
)
from ._forward import from_nn

__all__ = ["activation", "batchnorm", "container", "conv", "dropout", "lazy", "linear", "loss",
           "module", "normalization", "pooling", "rnn", "sparse"]


def __getattr__(name: str) -> Any:
    return from_nn(__name__, name)
