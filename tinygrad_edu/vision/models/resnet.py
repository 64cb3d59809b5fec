"""torchvision's ResNets (He et al. 2016) with torchvision's module and parameter names.

The ImageNet ResNet: a 7x7 stride-2 stem conv, batch norm, ReLU and a 3x3 stride-2 max pool,
then four stages ``layer1..layer4`` at widths 64, 128, 256, 512 (each after the first
halving the image), global average pooling and ``fc``. A stage is a ``Sequential`` of
blocks; a block whose input shape differs from its output has a ``downsample`` branch (1x1
conv + batch norm) for the shortcut. ``BasicBlock`` (two 3x3 convs) builds ResNet-18/34,
``Bottleneck`` (1x1 down, 3x3, 1x1 up by 4) ResNet-50/101/152; ``groups`` and
``width_per_group`` give ResNeXt and Wide ResNet.

The names (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer2.0.downsample.0``, ``fc``...)
and shapes are torchvision's, so a torchvision state dict loads with ``load_state_dict``,
and the initialisation draws the same numbers in the same order as torchvision's (with the
same seed, the same weights).

``tinygrad_edu.models.ResNet`` (``resnet8``, ``resnet20``) is a different network, the
paper's small CIFAR ResNet (3x3 stem, three stages at widths 16/32/64, names ``stem``,
``layers``, ``shortcut``, ``head``); it stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...nn import init
from ...nn.activation import ReLU
from ...nn.conv import Conv2d
from ...nn.layers import Linear, Sequential
from ...nn.module import Module
from ...nn.normalization import BatchNorm2d
from ...nn.pooling import AdaptiveAvgPool2d, MaxPool2d
from ...tensor import Tensor
from ._api import Weights, WeightsEnum, register_model, resolve_weights

__all__ = [
    "BasicBlock", "Bottleneck", "ResNet", "ResNet18_Weights", "ResNet34_Weights",
    "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights",
    "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights",
    "Wide_ResNet101_2_Weights", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
    "wide_resnet101_2",
]

NormLayer = Callable[[int], Module]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1,
            dilation: int = 1) -> Conv2d:
    """3x3 convolution with padding (no bias: a batch norm follows)."""
    return Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                  groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """1x1 convolution (no bias)."""
    return Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), two 3x3 convs."""

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None, groups: int = 1, base_width: int = 64,
                 dilation: int = 1, norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        norm_layer = norm_layer or BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)  # type: ignore[no-any-return]


class Bottleneck(Module):
    """relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)).

    1x1 conv down to ``width``, a 3x3 conv (strided, grouped), 1x1 conv up to
    ``planes * 4``; the stride sits on the 3x3 conv (torchvision's "ResNet V1.5").
    """

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None, groups: int = 1, base_width: int = 64,
                 dilation: int = 1, norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        norm_layer = norm_layer or BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)  # type: ignore[no-any-return]


class ResNet(Module):
    """torchvision's ResNet.

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: blocks per stage, e.g. ``[2, 2, 2, 2]`` for ResNet-18.
        num_classes: outputs of ``fc``.
        zero_init_residual: start each block's last batch norm at weight 0 (each block
            then starts as the identity).
        groups, width_per_group: ResNeXt's grouped 3x3 convs / Wide ResNet's wider ones.
        replace_stride_with_dilation: three flags, for stages 2..4, trading the stride for
            dilation (``Bottleneck`` only).
        norm_layer: the normalization module (default ``BatchNorm2d``).

    Shape:
        input (N, 3, H, W) -> output (N, num_classes); H, W >= 32 keeps every stage
        non-empty.
    """

    def __init__(self, block: type[BasicBlock | Bottleneck], layers: Sequence[int],
                 num_classes: int = 1000, zero_init_residual: bool = False, groups: int = 1,
                 width_per_group: int = 64,
                 replace_stride_with_dilation: Sequence[bool] | None = None,
                 norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        self._norm_layer = norm_layer or BatchNorm2d
        self.inplanes, self.dilation = 64, 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element "
                             f"tuple, got {replace_stride_with_dilation}")
        self.groups, self.base_width = groups, width_per_group
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * block.expansion, num_classes)
        self._init_weights(zero_init_residual)

    def _init_weights(self, zero_init_residual: bool) -> None:
        """He-normal convs (fan_out, for ReLU), batch norms at weight 1 and bias 0."""
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, BatchNorm2d):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type[BasicBlock | Bottleneck], planes: int, blocks: int,
                    stride: int = 1, dilate: bool = False) -> Sequential:
        """One stage: a first block that may change the shape (with ``downsample``), then
        ``blocks - 1`` blocks that keep it."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups,
                        self.base_width, previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))
        return Sequential(*layers)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))  # type: ignore[no-any-return]

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


# ----------------------------------------------------------------------------- weights
# The enums name torchvision's pretrained weights; using one raises WeightsUnavailableError.

_URL = "https://download.pytorch.org/models/"


def _w(file: str, num_params: int) -> Weights:
    return Weights(url=_URL + file, meta={"num_params": num_params})


class ResNet18_Weights(WeightsEnum):  # noqa: N801 - torchvision's name
    IMAGENET1K_V1 = _w("resnet18-f37072fd.pth", 11689512)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("resnet34-b627a593.pth", 21797672)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("resnet50-0676ba61.pth", 25557032)
    IMAGENET1K_V2 = _w("resnet50-11ad3fa6.pth", 25557032)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("resnet101-63fe2227.pth", 44549160)
    IMAGENET1K_V2 = _w("resnet101-cd907fc2.pth", 44549160)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("resnet152-394f9c45.pth", 60192808)
    IMAGENET1K_V2 = _w("resnet152-f82ba261.pth", 60192808)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("resnext50_32x4d-7cdf4587.pth", 25028904)
    IMAGENET1K_V2 = _w("resnext50_32x4d-1a0047aa.pth", 25028904)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("resnext101_32x8d-8ba56ff5.pth", 88791336)
    IMAGENET1K_V2 = _w("resnext101_32x8d-110c445d.pth", 88791336)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("resnext101_64x4d-173b62eb.pth", 83455272)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("wide_resnet50_2-95faca4d.pth", 68883240)
    IMAGENET1K_V2 = _w("wide_resnet50_2-9ba9bcbe.pth", 68883240)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("wide_resnet101_2-32ee1156.pth", 126886696)
    IMAGENET1K_V2 = _w("wide_resnet101_2-d733dc28.pth", 126886696)
    DEFAULT = IMAGENET1K_V2


# ----------------------------------------------------------------------------- builders

def _resnet(block: type[BasicBlock | Bottleneck], layers: list[int], weights: Any,
            enum: type[WeightsEnum], kwargs: dict[str, Any]) -> ResNet:
    resolve_weights(weights, enum, kwargs)
    return ResNet(block, layers, **kwargs)


def _builder(enum: type[WeightsEnum]) -> Callable[[Callable[..., ResNet]],
                                                   Callable[..., ResNet]]:
    """Register a builder and remember its weights enum (``get_model_weights``)."""
    def wrap(fn: Callable[..., ResNet]) -> Callable[..., ResNet]:
        fn.weights_enum = enum  # type: ignore[attr-defined]
        return register_model(fn)  # type: ignore[return-value]
    return wrap


@_builder(ResNet18_Weights)
def resnet18(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-18 (BasicBlock, [2, 2, 2, 2]); 11,689,512 parameters at 1000 classes.

    Args:
        weights: must be None (pretrained weights are never downloaded; see
            ``WeightsUnavailableError``).
        progress: accepted for torchvision compatibility (nothing to show).
        **kwargs: ``ResNet``'s arguments, e.g. ``num_classes=10``.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.vision.models import resnet18
        >>> resnet18(num_classes=10)(tg.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """
    return _resnet(BasicBlock, [2, 2, 2, 2], weights, ResNet18_Weights, kwargs)


@_builder(ResNet34_Weights)
def resnet34(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-34 (BasicBlock, [3, 4, 6, 3]); arguments as ``resnet18``."""
    return _resnet(BasicBlock, [3, 4, 6, 3], weights, ResNet34_Weights, kwargs)


@_builder(ResNet50_Weights)
def resnet50(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-50 (Bottleneck, [3, 4, 6, 3]); arguments as ``resnet18``."""
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, ResNet50_Weights, kwargs)


@_builder(ResNet101_Weights)
def resnet101(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-101 (Bottleneck, [3, 4, 23, 3]); arguments as ``resnet18``."""
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, ResNet101_Weights, kwargs)


@_builder(ResNet152_Weights)
def resnet152(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-152 (Bottleneck, [3, 8, 36, 3]); arguments as ``resnet18``."""
    return _resnet(Bottleneck, [3, 8, 36, 3], weights, ResNet152_Weights, kwargs)


def _set(kwargs: dict[str, Any], name: str, value: int) -> None:
    """torchvision's ``_ovewrite_named_param``: a fixed argument may be repeated, not changed."""
    if kwargs.get(name, value) != value:
        raise ValueError(f"The parameter '{name}' expected value {value} but got "
                         f"{kwargs[name]} instead.")
    kwargs[name] = value


@_builder(ResNeXt50_32X4D_Weights)
def resnext50_32x4d(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNeXt-50 32x4d (Bottleneck, [3, 4, 6, 3], groups 32, width 4 per group)."""
    _set(kwargs, "groups", 32)
    _set(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, ResNeXt50_32X4D_Weights, kwargs)


@_builder(ResNeXt101_32X8D_Weights)
def resnext101_32x8d(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNeXt-101 32x8d (Bottleneck, [3, 4, 23, 3], groups 32, width 8 per group)."""
    _set(kwargs, "groups", 32)
    _set(kwargs, "width_per_group", 8)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, ResNeXt101_32X8D_Weights, kwargs)


@_builder(ResNeXt101_64X4D_Weights)
def resnext101_64x4d(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNeXt-101 64x4d (Bottleneck, [3, 4, 23, 3], groups 64, width 4 per group)."""
    _set(kwargs, "groups", 64)
    _set(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, ResNeXt101_64X4D_Weights, kwargs)


@_builder(Wide_ResNet50_2_Weights)
def wide_resnet50_2(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """Wide ResNet-50-2 (ResNet-50 with bottlenecks twice as wide)."""
    _set(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, Wide_ResNet50_2_Weights, kwargs)


@_builder(Wide_ResNet101_2_Weights)
def wide_resnet101_2(*, weights: Any = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """Wide ResNet-101-2 (ResNet-101 with bottlenecks twice as wide)."""
    _set(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, Wide_ResNet101_2_Weights, kwargs)
