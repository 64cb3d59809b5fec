"""``tinygrad_edu.nn.functional``: PyTorch's functional names and signatures.

One module per family, as PyTorch's documentation groups them: ``activation``, ``linear``,
``conv``, ``pooling``, ``normalization``, ``dropout``, ``embedding`` (sparse), ``rnn``, ``loss``,
``vision`` (padding), plus the course's ``temporal`` layers. Each function checks its arguments
and calls a registered op (``tinygrad_edu/ops/``) or composes Tensor operations; the modules of
``tinygrad_edu.nn`` call these functions.
"""

from .activation import elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d
from .dropout import dropout, dropout2d
from .embedding import embedding, one_hot
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
)
from .resample import (
    fold,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    unfold,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from .rnn import (
    gru,
    gru_cell,
    lstm,
    lstm_cell,
    rnn_relu,
    rnn_relu_cell,
    rnn_tanh,
    rnn_tanh_cell,
)
from .temporal import temporal_affine, temporal_softmax_loss
from .vision import pad

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "batch_norm",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv2d", "conv_transpose2d",
    "cross_entropy", "dropout", "dropout2d", "elu", "embedding", "gelu", "group_norm", "gru",
    "gru_cell", "instance_norm", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax",
    "lstm", "lstm_cell", "max_pool2d", "mse_loss", "multi_margin_loss", "nll_loss", "pad",
    "relu", "rnn_relu", "rnn_relu_cell", "rnn_tanh", "rnn_tanh_cell", "sigmoid", "softmax",
    "softplus", "tanh", "temporal_affine", "temporal_softmax_loss",
    "one_hot",
    # conv, pooling, resampling, padding and folding (issue 16)
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "conv1d", "conv3d",
    "conv_transpose1d",
    "fold", "interpolate", "max_pool1d", "max_unpool1d", "max_unpool2d", "pixel_shuffle",
    "pixel_unshuffle", "unfold", "upsample", "upsample_bilinear", "upsample_nearest",
]
