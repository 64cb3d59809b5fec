"""Dropout layers: ``Dropout``, ``Dropout1d/2d/3d`` (whole channels), ``AlphaDropout`` and
``FeatureAlphaDropout`` (PyTorch's modules; ``p`` is the probability to DROP). The functions are in
``nn/functional/dropout.py``."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .functional.dropout import check_p
from .module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
           "FeatureAlphaDropout"]


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


class Dropout1d(Dropout):
    """During training, zero whole channels of 1-d signals with probability ``p``; scale the
    rest by 1/(1-p) (``input[n, c]`` of length L is kept or dropped as a whole).

    Args:
        p: probability of a channel to be zeroed (default 0.5).
        inplace: overwrite the input (default False).

    Shape:
        input (N, C, L) or (C, L) -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> _ = tg.manual_seed(0)
        >>> y = tg.nn.Dropout1d(p=0.5)(tg.ones(2, 8, 3))
        >>> sorted(set(y.sum(dim=2).tolist()[0]))  # each channel all 0 or all 2
        [0.0, 6.0]
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """During training, zero whole channels of 3-d volumes with probability ``p``; scale the
    rest by 1/(1-p).

    Args:
        p: probability of a channel to be zeroed (default 0.5).
        inplace: overwrite the input (default False).

    Shape:
        input (N, C, D, H, W) or (C, D, H, W) -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.Dropout3d(0.2)
        Dropout3d(p=0.2, inplace=False)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Dropout for self-normalising (SELU) networks: during training each element is
    dropped with probability ``p`` and set to SELU's negative saturation value, then all
    are scaled and shifted so that inputs of mean 0 and variance 1 keep them.

    Args:
        p: probability of an element to be dropped (default 0.5).
        inplace: overwrite the input (default False).

    Shape:
        input (*) -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> _ = tg.manual_seed(0)
        >>> y = tg.nn.AlphaDropout(0.2)(tg.randn(10000))
        >>> round(y.mean().item(), 1) + 0.0, round(y.std().item(), 1)
        (0.0, 1.0)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels ``input[n, c]``: see ``AlphaDropout``.

    Shape:
        input (N, C, *) -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.FeatureAlphaDropout(0.2)
        FeatureAlphaDropout(p=0.2, inplace=False)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training)
