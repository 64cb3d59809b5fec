"""The classic course API (CS231n-style) on the tinygrad_edu engine.

Modules, named as the course's notebooks import them:

- ``layers``: ``affine_forward``/``affine_backward``, relu, softmax and SVM losses, batch,
  layer, spatial batch and spatial group norm, dropout (p = KEEP probability), naive and fast
  convolution and max pooling; ``fast_layers`` re-exports the fast ones.
- ``rnn_layers``: RNN and LSTM steps and sequences (LSTM gates i, f, o, g), word embedding,
  temporal affine, temporal softmax loss.
- ``layer_utils``: sandwich layers (``affine_relu_forward``, ``conv_relu_pool_forward``, ...).
- ``optim``: the update rules ``sgd``, ``sgd_momentum``, ``sgd_nesterov_momentum``,
  ``rmsprop``, ``adam``.
- ``solver``: ``Solver``; ``classifiers``: ``TwoLayerNet``, ``FullyConnectedNet``,
  ``ThreeLayerConvNet``, ``CaptioningRNN`` (gradients from the autograd engine).
- ``coco_utils``: ``decode_captions``, ``sample_coco_minibatch`` and
  ``load_digit_captions`` (the project's digit captions as the course's COCO data dict);
  ``captioning_solver``: ``CaptioningSolver``.
- ``gradient_check``: ``eval_numerical_gradient``, ``eval_numerical_gradient_array``,
  ``grad_check_sparse``, ``rel_error``; ``data_utils``: ``load_CIFAR10``,
  ``get_CIFAR10_data``.

The layer functions call the engine's op pairs (``tinygrad_edu/ops``) on numpy arrays, so a
notebook's numbers come from the same code the Tensor API runs. ``docs/classic.md`` lists
every function's PyTorch equivalent and each convention that differs.
"""

from . import (
    captioning_solver,
    coco_utils,
    data_utils,
    fast_layers,
    gradient_check,
    layer_utils,
    layers,
    optim,
    rnn_layers,
)
from .captioning_solver import CaptioningSolver
from .classifiers import CaptioningRNN, FullyConnectedNet, ThreeLayerConvNet, TwoLayerNet
from .gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)
from .solver import Solver, load_checkpoint

__all__ = [
    "CaptioningRNN", "CaptioningSolver", "FullyConnectedNet", "Solver", "ThreeLayerConvNet",
    "TwoLayerNet", "captioning_solver", "coco_utils", "data_utils", "eval_numerical_gradient",
    "eval_numerical_gradient_array", "fast_layers", "grad_check_sparse", "gradient_check",
    "layer_utils", "layers", "load_checkpoint", "optim", "rel_error", "rnn_layers",
]
