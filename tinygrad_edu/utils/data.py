"""``tinygrad_edu.utils.data``: PyTorch's import path for ``tinygrad_edu.data``.

Code written as ``from torch.utils.data import DataLoader, TensorDataset`` runs with
``from tinygrad_edu.utils.data import DataLoader, TensorDataset``; both names are the same
objects as in ``tinygrad_edu.data``.

Example:
    >>> import tinygrad_edu.data
    >>> from tinygrad_edu.utils.data import DataLoader
    >>> DataLoader is tinygrad_edu.data.DataLoader
    True
"""

import sys

from ..data import *  # noqa: F403 - the re-export is the point
from ..data import __all__, __getattr__  # noqa: F401 - absent torch names say why

# PyTorch's submodule paths: ``from torch.utils.data import sampler`` and
# ``import torch.utils.data.sampler`` both work
for _name in ("sampler", "dataloader", "dataset", "distributed"):
    sys.modules[f"{__name__}.{_name}"] = sys.modules[f"tinygrad_edu.data.{_name}"]
