"""Convolutional networks: the course's three-layer ConvNet and a small conv-BN-ReLU-pool net."""

from __future__ import annotations

from collections.abc import Sequence

from ..nn.activation import ReLU
from ..nn.conv import Conv2d
from ..nn.dropout import Dropout
from ..nn.layers import Flatten, Linear, Sequential
from ..nn.module import Module
from ..nn.normalization import BatchNorm2d
from ..nn.pooling import MaxPool2d
from ..tensor import Tensor

__all__ = ["ConvNet", "ThreeLayerConvNet"]


class ThreeLayerConvNet(Module):
    """The course's three-layer ConvNet: conv - ReLU - 2x2 max pool - affine - ReLU - affine.

    The convolution keeps the spatial size (stride 1, padding ``(filter_size - 1) // 2``) and
    the pool halves it, as in the assignment. Weights use PyTorch's default initialisation
    rather than the assignment's ``weight_scale * randn``, so no scale needs tuning.

    Args:
        input_dim: (C, H, W) of one image (H and W even).
        num_filters: the number of convolution filters.
        filter_size: the (odd) width and height of each filter.
        hidden_dim: the width of the hidden affine layer.
        num_classes: the number of class scores.

    Shape:
        input (N, C, H, W) -> output (N, num_classes).

    Attributes:
        conv: Conv2d(C, num_filters, filter_size). fc1: Linear(num_filters*H/2*W/2,
        hidden_dim). fc2: Linear(hidden_dim, num_classes).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models.convnet import ThreeLayerConvNet
        >>> net = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=4, hidden_dim=10)
        >>> net(tg.zeros(2, 3, 8, 8)).shape
        torch.Size([2, 10])
    """

    def __init__(self, input_dim: Sequence[int] = (3, 32, 32), num_filters: int = 32,
                 filter_size: int = 7, hidden_dim: int = 100, num_classes: int = 10) -> None:
        super().__init__()
        c, h, w = input_dim
        if filter_size % 2 != 1:
            raise ValueError(f"ThreeLayerConvNet: filter_size must be odd (so that padding "
                             f"keeps the size), got {filter_size}")
        if h % 2 or w % 2:
            raise ValueError(f"ThreeLayerConvNet: H and W must be even for the 2x2 pool, got "
                             f"input_dim {tuple(input_dim)}")
        self.conv = Conv2d(c, num_filters, filter_size, padding=(filter_size - 1) // 2)
        self.relu = ReLU()
        self.pool = MaxPool2d(2)
        self.flatten = Flatten()
        self.fc1 = Linear(num_filters * (h // 2) * (w // 2), hidden_dim)
        self.fc2 = Linear(hidden_dim, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool(self.relu(self.conv(x)))
        return self.fc2(self.relu(self.fc1(self.flatten(x))))  # type: ignore[no-any-return]


def conv_bn_relu_pool(in_channels: int, out_channels: int) -> Sequential:
    """One block: 3x3 conv (same size, no bias: batch norm adds one) - BN - ReLU - 2x2 max pool."""
    return Sequential(Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                      BatchNorm2d(out_channels), ReLU(), MaxPool2d(2))


class ConvNet(Module):
    """A small modern ConvNet: [conv-BN-ReLU-pool] blocks, dropout, one affine classifier.

    Each block halves the image, so ``image_size`` must be divisible by 2 ** len(widths).
    With the defaults it is the digits network of ``examples/train_digits.py``: 8x8 -> 4x4 ->
    2x2, about 21k parameters, 98-99% test accuracy on scikit-learn's digits.

    Args:
        in_channels: channels of the input images (1 for digits, 3 for CIFAR-10).
        num_classes: the number of class scores.
        widths: output channels of each block.
        image_size: height (= width) of the input images.
        dropout: drop probability before the classifier.

    Shape:
        input (N, in_channels, image_size, image_size) -> output (N, num_classes).

    Attributes:
        features: the blocks (``Sequential``). classifier: Flatten - Dropout - Linear.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models.convnet import ConvNet
        >>> ConvNet()(tg.zeros(4, 1, 8, 8)).shape
        torch.Size([4, 10])
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10,
                 widths: Sequence[int] = (32, 64), image_size: int = 8,
                 dropout: float = 0.25) -> None:
        super().__init__()
        if not widths or image_size % (2 ** len(widths)):
            raise ValueError(f"ConvNet: image_size {image_size} must be divisible by "
                             f"2 ** len(widths) = {2 ** len(widths)} (each block halves it)")
        channels = [in_channels, *widths]
        self.features = Sequential(*(conv_bn_relu_pool(a, b)
                                     for a, b in zip(channels[:-1], channels[1:], strict=True)))
        side = image_size // 2 ** len(widths)
        self.classifier = Sequential(Flatten(), Dropout(dropout),
                                     Linear(widths[-1] * side * side, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))  # type: ignore[no-any-return]
