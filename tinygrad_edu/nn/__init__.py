"""Neural-network building blocks (``torch.nn``'s common subset).

``Module`` and ``Parameter`` are the base; layers, activations and losses are small modules
over ``nn.functional``; ``nn.init`` initialises weights; ``nn.utils`` clips gradients, packs
sequences of different lengths (``nn.utils.rnn``) and reparametrizes weights (weight norm,
spectral norm, ``nn.utils.parametrize``).
"""

from ..unsupported import missing_attribute
from . import functional, grad, init, modules, parallel, parameter, rnn, temporal, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .attention import MultiheadAttention
from .compat import Container, DataParallel, NLLLoss2d, SyncBatchNorm, factory_kwargs
from .containers import ParameterDict, ParameterList
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from .embedding import Embedding, EmbeddingBag
from .functional.linear_cross_entropy import LinearCrossEntropyOptions
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers import (
    Bilinear,
    Flatten,
    Identity,
    Linear,
    ModuleDict,
    ModuleList,
    Sequential,
    Unflatten,
)
from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    CTCLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    LinearCrossEntropyLoss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm, RMSNorm
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
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
from .pooling3d import (
    AdaptiveAvgPool3d,
    AdaptiveMaxPool3d,
    AvgPool3d,
    MaxPool3d,
    MaxUnpool3d,
)
from .pooling_more import (
    FractionalMaxPool2d,
    FractionalMaxPool3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
)
from .resample import (
    ChannelShuffle,
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    Fold,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    Unfold,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .response_norm import CrossMapLRN2d, LocalResponseNorm
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .temporal import TemporalAffine
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

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
    # activations, losses and similarity
    "CELU", "GLU", "SELU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid",
    "Mish", "PReLU", "ReLU6", "SiLU", "Softmin", "Softshrink", "Softsign", "Tanhshrink",
    "Threshold",
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss",
    "MarginRankingLoss", "MultiLabelSoftMarginLoss", "PoissonNLLLoss", "SmoothL1Loss",
    "SoftMarginLoss", "TripletMarginLoss",
    "CosineSimilarity", "PairwiseDistance", "CTCLoss",
    "MultiLabelMarginLoss", "Softmax2d", "TripletMarginWithDistanceLoss", "RReLU",
    "AdaptiveLogSoftmaxWithLoss",
    "LinearCrossEntropyLoss", "LinearCrossEntropyOptions",
    # conv, pooling, resampling, padding and folding
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AvgPool1d", "CircularPad1d", "CircularPad2d",
    "ConstantPad1d", "ConstantPad2d", "Conv1d", "Conv3d", "ConvTranspose1d", "Fold", "MaxPool1d",
    "MaxUnpool1d", "MaxUnpool2d", "PixelShuffle", "PixelUnshuffle", "ReflectionPad1d",
    "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "Unfold", "Upsample",
    "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad1d", "ZeroPad2d",
    # attention
    "MultiheadAttention",
    # the 3-d family and more pooling
    "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "CircularPad3d", "ConstantPad3d",
    "ConvTranspose3d", "MaxPool3d", "MaxUnpool3d", "ReflectionPad3d", "ReplicationPad3d",
    "ZeroPad3d", "ChannelShuffle", "FractionalMaxPool2d", "FractionalMaxPool3d", "LPPool1d",
    "LPPool2d", "LPPool3d",
    # more layers, normalisation, dropout and parameter containers
    "AlphaDropout", "Bilinear", "Dropout1d", "Dropout3d", "FeatureAlphaDropout",
    "BatchNorm3d", "CrossMapLRN2d", "InstanceNorm1d", "InstanceNorm3d", "LocalResponseNorm",
    "RMSNorm", "ParameterDict", "ParameterList", "EmbeddingBag",
    # parameters and buffers, module paths
    "Buffer", "UninitializedBuffer", "UninitializedParameter", "modules", "parameter",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
    "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyInstanceNorm2d", "LazyLinear",
    "LazyBatchNorm3d", "LazyConvTranspose3d", "LazyInstanceNorm1d", "LazyInstanceNorm3d",
    "Container", "DataParallel", "NLLLoss2d", "SyncBatchNorm", "factory_kwargs", "parallel",
    # Transformers
    "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer",
    # the convolutions' gradients as functions
    "grad",
]


def __getattr__(name: str) -> object:
    """A torch name that is absent here: the reason when it is listed, else a close match."""
    raise missing_attribute("nn", "tinygrad_edu.nn", name, __all__)
