"""``tinygrad_edu.nn.functional``: PyTorch's functional names and signatures.

One module per family, as PyTorch's documentation groups them: ``activation``, ``linear``,
``conv``, ``pooling``, ``normalization``, ``dropout``, ``embedding`` (sparse), ``rnn``, ``loss``
(with ``loss_more``: robust, divergence, likelihood and margin losses, and ``ctc``),
``distance`` (cosine similarity, pairwise distances), ``vision`` (padding), plus the course's
``temporal`` layers. Each function checks its arguments
and calls a registered op (``tinygrad_edu/ops/``) or composes Tensor operations; the modules of
``tinygrad_edu.nn`` call these functions.
"""

from .activation import (
    celu,
    celu_,
    elu,
    elu_,
    gelu,
    glu,
    gumbel_softmax,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    logsigmoid,
    mish,
    normalize,
    prelu,
    relu,
    relu6,
    relu_,
    rrelu,
    rrelu_,
    selu,
    selu_,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
    threshold_,
)
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d
from .ctc import ctc_loss
from .distance import cosine_similarity, pairwise_distance, pdist
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
from .loss_more import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
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
    # activations, losses and similarity
    "celu", "glu", "gumbel_softmax", "hardshrink", "hardsigmoid", "hardswish", "hardtanh",
    "logsigmoid", "mish", "normalize", "prelu", "relu6", "selu", "silu", "softmin",
    "softshrink", "softsign", "tanhshrink", "threshold",
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss",
    "kl_div", "margin_ranking_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
    "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss",
    "cosine_similarity", "pairwise_distance", "ctc_loss",
    "celu_", "elu_", "hardtanh_", "leaky_relu_", "relu_", "selu_", "threshold_",
    "multilabel_margin_loss", "triplet_margin_with_distance_loss", "pdist", "rrelu", "rrelu_",
    # conv, pooling, resampling, padding and folding
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "conv1d", "conv3d",
    "conv_transpose1d",
    "fold", "interpolate", "max_pool1d", "max_unpool1d", "max_unpool2d", "pixel_shuffle",
    "pixel_unshuffle", "unfold", "upsample", "upsample_bilinear", "upsample_nearest",
    # attention (issue 16, part 2: attention)
    "multi_head_attention_forward", "scaled_dot_product_attention",
]
