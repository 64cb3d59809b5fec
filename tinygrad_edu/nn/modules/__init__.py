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
    adaptive,
    batchnorm,
    channelshuffle,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    lazy,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
    utils,
)
from ._forward import from_nn

__all__ = ["activation", "adaptive", "batchnorm", "channelshuffle", "container", "conv",
           "distance", "dropout", "flatten", "fold", "instancenorm", "lazy", "linear", "loss",
           "module", "normalization", "padding", "pixelshuffle", "pooling", "rnn", "sparse",
           "transformer", "upsampling", "utils"]


def __getattr__(name: str) -> Any:
    return from_nn(__name__, name)
