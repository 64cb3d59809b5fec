"""Dropout layers: ``Dropout`` and ``Dropout2d`` (PyTorch's modules; ``p`` is the probability
to DROP). The functions are in ``nn/functional/dropout.py``."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .functional.dropout import check_p
from .module import Module

__all__ = ["Dropout", "Dropout2d"]


class Dropout(Module):
    """During training, zero each element with probability ``p``; scale the rest by 1/(1-p).

    A fresh mask is drawn on every call (from the global generator, seeded by
    ``tg.manual_seed``). In evaluation mode (``model.eval()``) the layer is the identity.

    Args:
        p: probability of an element to be zeroed (default 0.5).
        inplace: overwrite the input (default False).

    Shape:
        input (*) -> output the same shape.

    Attributes:
        None: the layer has no parameters.

    Example:
        >>> import tinygrad_edu as tg
        >>> _ = tg.manual_seed(0)
        >>> drop = tg.nn.Dropout(p=0.5)
        >>> drop
        Dropout(p=0.5, inplace=False)
        >>> sorted(set(drop(tg.ones(100)).tolist()))  # dropped, or kept and doubled
        [0.0, 2.0]
        >>> drop.eval()(tg.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        check_p(p, type(self).__name__)
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """During training, zero whole channels with probability ``p``; scale the rest by 1/(1-p).

    Each channel ``input[n, c]`` (an H x W feature map) is kept or dropped as a whole, which
    suits convolutional features where neighbouring pixels are strongly correlated.

    Args:
        p: probability of a channel to be zeroed (default 0.5).
        inplace: overwrite the input (default False).

    Shape:
        input (N, C, H, W) -> output the same shape. Like PyTorch, a 3-D input is read as
        (N, C, L), with a warning.

    Attributes:
        None: the layer has no parameters.

    Example:
        >>> import tinygrad_edu as tg
        >>> _ = tg.manual_seed(0)
        >>> y = tg.nn.Dropout2d(p=0.5)(tg.ones(2, 8, 3, 3))
        >>> sorted(set(y.sum(dim=(2, 3)).tolist()[0]))  # each channel all 0 or all 2
        [0.0, 18.0]
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)
