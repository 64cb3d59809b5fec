"""torchvision's models: the ResNet family with torchvision's parameter names.

``resnet18/34/50/101/152``, ``resnext50_32x4d``, ``resnext101_32x8d``, ``resnext101_64x4d``,
``wide_resnet50_2``, ``wide_resnet101_2`` (``resnet.py``), ``get_model``/``list_models``
(``_api.py``). The ``<Model>_Weights`` enums exist so that imports run; pretrained weights are
never downloaded (``weights=`` other than None raises ``WeightsUnavailableError``).
"""

from ._api import (
    Weights,
    WeightsEnum,
    WeightsUnavailableError,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)
from .resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    ResNet101_Weights,
    ResNet152_Weights,
    ResNeXt50_32X4D_Weights,
    ResNeXt101_32X8D_Weights,
    ResNeXt101_64X4D_Weights,
    Wide_ResNet50_2_Weights,
    Wide_ResNet101_2_Weights,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    resnext101_32x8d,
    resnext101_64x4d,
    wide_resnet50_2,
    wide_resnet101_2,
)

__all__ = [
    "BasicBlock", "Bottleneck", "ResNet", "ResNet18_Weights", "ResNet34_Weights",
    "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights",
    "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights", "Weights", "WeightsEnum",
    "WeightsUnavailableError", "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights",
    "get_model", "get_model_builder", "get_model_weights", "get_weight", "list_models",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
    "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
]
