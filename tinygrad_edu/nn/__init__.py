"""Neural-network building blocks (``torch.nn``'s common subset).

``Module`` and ``Parameter`` are the base; layers, activations and losses are small modules
over ``nn.functional``; ``nn.init`` initialises weights and ``nn.utils`` clips gradients.
"""

from . import functional, init, rnn, temporal, utils
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .layers import Flatten, Identity, Linear, ModuleDict, ModuleList, Sequential, Unflatten
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
)
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
    MaxUnpool1d,
    MaxUnpool2d,
)
from .resample import (
    CircularPad1d,
    CircularPad2d,
    ConstantPad1d,
    ConstantPad2d,
    Fold,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    Unfold,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
    ZeroPad1d,
    ZeroPad2d,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .temporal import TemporalAffine

__all__ = [
    "GRU", "LSTM", "RNN", "Embedding", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase",
    "TemporalAffine", "rnn", "temporal",
    "BatchNorm1d", "BatchNorm2d", "Dropout", "Dropout2d", "GroupNorm", "InstanceNorm2d",
    "LayerNorm",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool2d",
    "BCELoss", "BCEWithLogitsLoss", "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "ELU",
    "Flatten", "GELU", "Identity", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss",
    "Module", "ModuleDict", "ModuleList", "MultiMarginLoss", "NLLLoss", "Parameter", "ReLU",
    "Sequential", "Sigmoid", "Softmax", "Softplus", "Tanh", "Unflatten", "functional", "init",
    "utils",
    # conv, pooling, resampling, padding and folding (issue 16)
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AvgPool1d", "CircularPad1d", "CircularPad2d",
    "ConstantPad1d", "ConstantPad2d", "Conv1d", "Conv3d", "ConvTranspose1d", "Fold", "MaxPool1d",
    "MaxUnpool1d", "MaxUnpool2d", "PixelShuffle", "PixelUnshuffle", "ReflectionPad1d",
    "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "Unfold", "Upsample",
    "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad1d", "ZeroPad2d",
]
