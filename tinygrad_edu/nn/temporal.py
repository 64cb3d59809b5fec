"""``TemporalAffine``: a ``Linear`` layer applied at every time step (the course's layer).

The functions ``temporal_affine`` and ``temporal_softmax_loss`` are in
``nn/functional/temporal.py``.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .layers import Linear

__all__ = ["TemporalAffine"]


class TemporalAffine(Linear):
    """``Linear`` applied at every time step of a (N, T, in_features) sequence.

    Args:
        in_features, out_features, bias: as in ``Linear``.

    Shape:
        input (N, T, in_features) -> output (N, T, out_features).

    Attributes:
        weight: (out_features, in_features), bias: (out_features,), initialised as ``Linear``.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.temporal import TemporalAffine
        >>> TemporalAffine(8, 5)(tg.zeros(2, 3, 8)).shape
        torch.Size([2, 3, 5])
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[2] != self.in_features:
            raise RuntimeError(f"TemporalAffine: expected input of shape (N, T, "
                               f"{self.in_features}) (in_features={self.in_features}), got "
                               f"{x.shape}")
        return F.temporal_affine(x, self.weight, self.bias)


