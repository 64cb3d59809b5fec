"""Look a name up in ``tinygrad_edu.nn`` (or its private module files) for a PyTorch path."""

from __future__ import annotations

import importlib
from typing import Any

# private names PyTorch code imports from the long paths, and where they live here
_PRIVATE = {
    "_BatchNorm": "normalization", "_NormBase": "normalization", "_ConvNd": "conv",
    "_Loss": "loss", "_WeightedLoss": "loss", "_IncompatibleKeys": "module_state",
    "_addindent": "module", "LazyModuleMixin": "lazy", "_LazyNormBase": "lazy",
    "_LazyConvXdMixin": "lazy",
}


def from_nn(module_name: str, name: str) -> Any:
    """``name`` from ``tinygrad_edu.nn``, for ``module_name``'s module-level ``__getattr__``."""
    nn = importlib.import_module("tinygrad_edu.nn")
    if name in _PRIVATE:
        return getattr(importlib.import_module(f"tinygrad_edu.nn.{_PRIVATE[name]}"), name)
    if not name.startswith("__") and hasattr(nn, name):
        return getattr(nn, name)
    raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
