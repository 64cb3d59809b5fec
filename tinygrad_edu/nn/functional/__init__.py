"""``tinygrad_edu.nn.functional``: PyTorch's functional names and signatures.

One module per family, as PyTorch's documentation groups them: ``activation``, ``linear``,
``conv``, ``pooling``, ``normalization``, ``dropout``, ``embedding`` (sparse), ``rnn``, ``loss``
(with ``loss_more``: robust, divergence, likelihood and margin losses, and ``ctc``),
``distance`` (cosine similarity, pairwise distances), ``vision`` (padding), ``grid``
(``affine_grid`` and ``grid_sample``: the spatial transformer), ``pooling3d`` (3-d pooling as
two 2-d poolings) and ``pooling_more`` (LP and fractional max pooling), plus the course's
``temporal`` layers. Each function checks its arguments
and calls a registered op (``tinygrad_edu/ops/``) or composes Tensor operations; the modules of
``tinygrad_edu.nn`` call these functions.
"""

import inspect

from ...tensor import Tensor  # torch.nn.functional.Tensor is torch.Tensor too
from ...tensor.front_door import front_door
from ...unsupported import missing_attribute
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
from .conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_tbc,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from .ctc import ctc_loss
from .distance import cosine_similarity, pairwise_distance, pdist
from .dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .embedding import embedding, embedding_bag, one_hot
from .grid import (
    GRID_SAMPLE_INTERPOLATION_MODES,
    GRID_SAMPLE_PADDING_MODES,
    affine_grid,
    grid_sample,
)
from .linear import bilinear, linear
from .linear_cross_entropy import linear_cross_entropy
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
from .normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
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
from .pooling3d import (
    adaptive_avg_pool3d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool3d,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool3d,
)
from .pooling_more import (
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
)
from .resample import (
    channel_shuffle,
    fold,
    interpolate,
    native_channel_shuffle,
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
    "Tensor",
    "linear_cross_entropy",
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
    # attention
    "multi_head_attention_forward", "scaled_dot_product_attention",
    # spatial transformer, 3-d family and more pooling
    "GRID_SAMPLE_INTERPOLATION_MODES", "GRID_SAMPLE_PADDING_MODES", "affine_grid", "grid_sample",
    "conv_transpose3d", "adaptive_avg_pool3d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices",
    "avg_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d",
    "max_pool3d_with_indices", "max_unpool3d", "channel_shuffle", "conv_tbc",
    "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d",
    "native_channel_shuffle",
    # more layers, normalisation and dropout
    "alpha_dropout", "bilinear", "dropout1d", "dropout3d", "feature_alpha_dropout",
    "local_response_norm", "rms_norm", "embedding_bag",
]

# Each public function goes through its front door (``tensor/front_door.py``): its Tensor
# arguments are checked first, and an error from an op it calls names the function. The
# attention errors keep PyTorch's text word for word, as tests/nn/test_attention.py checks.
for _name in __all__:
    if inspect.isfunction(globals()[_name]):
        globals()[_name] = front_door(globals()[_name], _name,
                                      rename=_name != "multi_head_attention_forward")


def __getattr__(name: str) -> object:
    """A torch name that is absent here: the reason when it is listed, else a close match."""
    raise missing_attribute("nn.functional", "tinygrad_edu.nn.functional", name, __all__)
