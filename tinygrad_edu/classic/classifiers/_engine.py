"""The classifiers' layers as Tensor code, so the autograd engine computes their gradients.

A model's ``loss`` wraps each array of ``model.params`` in a Tensor that shares its memory
(``from_numpy``), runs the forward pass below on Tensors, calls ``backward()`` and reads the
leaves' gradients. The Tensors are made afresh on every call: numerical gradient checks
perturb the arrays in place between calls, and the Solver replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...autograd import apply_op
from ...nn import functional as F
from ...tensor import Tensor
from ...tensor.creation import from_numpy, tensor
from ..layers import batchnorm_statistics, dropout_mask

Array = NDArray[Any]


def leaves(params: Mapping[str, Array]) -> dict[str, Tensor]:
    """One gradient-tracking Tensor per parameter, sharing the array's memory."""
    return {k: from_numpy(np.asarray(v)).requires_grad_() for k, v in params.items()}


def gradients(loss: Tensor, params: Mapping[str, Tensor]) -> dict[str, Array]:
    """Run backward from ``loss``; the leaves' gradients as arrays (zeros where unused)."""
    loss.backward()
    grads = {}
    for name, t in params.items():
        grads[name] = (np.zeros(t.shape, t.dtype) if t.grad is None
                       else np.asarray(t.grad.detach().numpy()))
    return grads


def constant(x: Array) -> Tensor:
    """A Tensor for an input batch (no gradient)."""
    return from_numpy(np.ascontiguousarray(x))


def affine(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """x flattened to (N, D), times w (D, M), plus b."""
    return x.reshape(x.shape[0], -1) @ w + b


def batchnorm(x: Tensor, gamma: Tensor, beta: Tensor, bn_param: dict[str, Any]) -> Tensor:
    """The engine's batch_norm op with the course's running statistics (see classic.layers)."""
    static = batchnorm_statistics("batchnorm", x.detach().numpy(), bn_param)
    return apply_op("batch_norm", x, gamma, beta, **static)


def layernorm(x: Tensor, gamma: Tensor, beta: Tensor, ln_param: Mapping[str, Any]) -> Tensor:
    """The engine's layer_norm op over the last axis."""
    return apply_op("layer_norm", x, gamma, beta, eps=float(ln_param.get("eps", 1e-5)))


def dropout(x: Tensor, dropout_param: dict[str, Any]) -> Tensor:
    """x times the course's keep mask (a constant), or x in test mode."""
    mask = dropout_mask("dropout", x.detach().numpy(), dropout_param)
    return x if mask is None else x * from_numpy(mask)


def conv(x: Tensor, w: Tensor, b: Tensor, stride: int, pad: int) -> Tensor:
    """The engine's conv2d op."""
    return apply_op("conv2d", x, w, b, stride=(stride, stride), padding=(pad, pad))


def max_pool(x: Tensor, size: int, stride: int) -> Tensor:
    """The engine's max_pool2d op."""
    return apply_op("max_pool2d", x, kernel_size=(size, size), stride=(stride, stride))


def softmax_loss(scores: Tensor, y: Array) -> Tensor:
    """Softmax cross-entropy averaged over the batch."""
    return F.cross_entropy(scores, tensor(np.asarray(y, dtype=np.int64)))


def l2(params: Mapping[str, Tensor], names: list[str], reg: float) -> Tensor | float:
    """0.5 * reg * sum of squares of the named weights (the course's regularisation)."""
    if reg == 0:
        return 0.0
    total: Tensor | float = 0.0
    for name in names:
        total = total + (params[name] * params[name]).sum()
    return total * (0.5 * reg)


def scores_array(scores: Tensor) -> Array:
    """The scores as a plain array (for ``loss(X)`` without labels)."""
    return np.asarray(scores.detach().numpy())
