"""A small ResNet for CIFAR-sized images (He et al. 2016, section 4.2).

Three stages of residual blocks at widths 16, 32, 64 (the first stage at full resolution, the
others halving it), then global average pooling and one affine layer: 6n + 2 layers for n
blocks per stage (``resnet20`` has n = 3). A block is conv-BN-ReLU-conv-BN plus a shortcut,
then ReLU; where the shape changes the shortcut is a strided 1x1 conv with batch norm.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..nn.conv import Conv2d
from ..nn.layers import Flatten, Identity, Linear, Sequential
from ..nn.module import Module
from ..nn.normalization import BatchNorm2d
from ..nn.pooling import AdaptiveAvgPool2d
from ..tensor import Tensor

__all__ = ["BasicBlock", "ResNet", "resnet8", "resnet20"]


class BasicBlock(Module):
    """A residual block: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        stride: stride of the first conv (2 halves the image).

    Shape:
        input (N, in_channels, H, W) -> output (N, out_channels, H / stride, W / stride).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models.resnet import BasicBlock
        >>> BasicBlock(4, 8, stride=2)(tg.zeros(1, 4, 8, 8)).shape
        torch.Size([1, 8, 4, 4])
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(out_channels)
        self.conv2 = Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = BatchNorm2d(out_channels)
        self.shortcut: Module = Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Sequential(Conv2d(in_channels, out_channels, 1, stride=stride,
                                              bias=False), BatchNorm2d(out_channels))

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        return (out + self.shortcut(x)).relu()  # type: ignore[no-any-return]


class ResNet(Module):
    """A CIFAR-style ResNet: a 3x3 stem, stages of ``BasicBlock``s, global average pooling.

    Args:
        num_blocks: blocks per stage, e.g. ``(3, 3, 3)`` for ResNet-20.
        widths: channels of each stage; every stage after the first halves the image.
        num_classes: the number of class scores.
        in_channels: channels of the input images.

    Shape:
        input (N, in_channels, H, W) -> output (N, num_classes), any H, W >= 2 ** (stages-1).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models.resnet import ResNet
        >>> ResNet(num_blocks=(1, 1), widths=(4, 8))(tg.zeros(2, 3, 8, 8)).shape
        torch.Size([2, 10])
    """

    def __init__(self, num_blocks: Sequence[int] = (1, 1, 1),
                 widths: Sequence[int] = (16, 32, 64), num_classes: int = 10,
                 in_channels: int = 3) -> None:
        super().__init__()
        if len(num_blocks) != len(widths) or not widths or min(num_blocks) < 1:
            raise ValueError(f"ResNet: num_blocks {tuple(num_blocks)} and widths "
                             f"{tuple(widths)} need one positive entry per stage each")
        self.stem = Sequential(Conv2d(in_channels, widths[0], 3, padding=1, bias=False),
                               BatchNorm2d(widths[0]))
        blocks: list[Module] = []
        channels = widths[0]
        for stage, (n, width) in enumerate(zip(num_blocks, widths, strict=True)):
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(channels, width, stride))
                channels = width
        self.layers = Sequential(*blocks)
        self.head = Sequential(AdaptiveAvgPool2d(1), Flatten(), Linear(channels, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.layers(self.stem(x).relu()))  # type: ignore[no-any-return]


def resnet8(num_classes: int = 10, in_channels: int = 3) -> ResNet:
    """ResNet-8: one block per stage (a quick model for CPU experiments)."""
    return ResNet((1, 1, 1), (16, 32, 64), num_classes, in_channels)


def resnet20(num_classes: int = 10, in_channels: int = 3) -> ResNet:
    """ResNet-20: three blocks per stage, the paper's smallest CIFAR-10 network (0.27M params)."""
    return ResNet((3, 3, 3), (16, 32, 64), num_classes, in_channels)
