"""A fully connected network (multi-layer perceptron) for flat or image inputs."""

from __future__ import annotations

from collections.abc import Sequence

from ..nn.activation import ReLU
from ..nn.dropout import Dropout
from ..nn.layers import Flatten, Linear, Sequential
from ..nn.module import Module
from ..nn.normalization import BatchNorm1d
from ..tensor import Tensor

__all__ = ["MLP"]


class MLP(Module):
    """Affine - [batch norm] - ReLU - [dropout] blocks, then a final affine layer.

    The course's ``FullyConnectedNet`` as an ``nn.Module``: inputs of any shape (N, ...) are
    flattened, so it takes images as they come from a loader.

    Args:
        in_features: the number of input values per sample (e.g. 64 for 8x8 images).
        hidden_sizes: the width of each hidden layer, e.g. ``(128, 64)``.
        num_classes: the number of outputs (class scores).
        dropout: drop probability after each hidden layer (0 for none).
        batch_norm: add ``BatchNorm1d`` after each hidden affine layer.

    Shape:
        input (N, *) with ``in_features`` values per sample -> output (N, num_classes).

    Attributes:
        net: the ``Sequential`` of layers.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models.mlp import MLP
        >>> MLP(64, (32,), 10)(tg.zeros(5, 1, 8, 8)).shape
        torch.Size([5, 10])
    """

    def __init__(self, in_features: int, hidden_sizes: Sequence[int] = (100,),
                 num_classes: int = 10, dropout: float = 0.0, batch_norm: bool = False) -> None:
        super().__init__()
        layers: list[Module] = [Flatten()]
        width = in_features
        for size in hidden_sizes:
            layers.append(Linear(width, size))
            if batch_norm:
                layers.append(BatchNorm1d(size))
            layers.append(ReLU())
            if dropout > 0:
                layers.append(Dropout(dropout))
            width = size
        layers.append(Linear(width, num_classes))
        self.net = Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # type: ignore[no-any-return]
