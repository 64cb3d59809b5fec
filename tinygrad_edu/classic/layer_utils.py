"""Sandwich layers: common sequences of the classic layers, each a forward/backward pair.

Each forward returns ``(out, cache)`` where the cache holds the caches of the layers inside;
each backward runs their backwards in reverse order. The convolutions and pooling here are
the fast (engine-kernel) versions.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.layer_utils import affine_relu_forward, affine_relu_backward
    >>> out, cache = affine_relu_forward(np.ones((2, 3)), np.ones((3, 4)), -np.ones(4))
    >>> out[0].tolist()
    [2.0, 2.0, 2.0, 2.0]
    >>> [g.shape for g in affine_relu_backward(np.ones_like(out), cache)]
    [(2, 3), (3, 4), (4,)]
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
    relu_backward,
    relu_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

Array = NDArray[Any]
Grads = tuple[Array, ...]

__all__ = [
    "affine_bn_relu_backward", "affine_bn_relu_forward", "affine_relu_backward",
    "affine_relu_forward", "conv_bn_relu_backward", "conv_bn_relu_forward",
    "conv_relu_backward", "conv_relu_forward", "conv_relu_pool_backward",
    "conv_relu_pool_forward",
]


def affine_relu_forward(x: Array, w: Array, b: Array) -> tuple[Array, tuple[Any, Any]]:
    """relu(affine(x, w, b)); cache (fc_cache, relu_cache)."""
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout: Array, cache: tuple[Any, Any]) -> Grads:
    """dx, dw, db."""
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)


def affine_bn_relu_forward(x: Array, w: Array, b: Array, gamma: Array, beta: Array,
                           bn_param: dict[str, Any]) -> tuple[Array, tuple[Any, Any, Any]]:
    """relu(batchnorm(affine(x, w, b))); cache (fc_cache, bn_cache, relu_cache)."""
    a, fc_cache = affine_forward(x, w, b)
    an, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    return out, (fc_cache, bn_cache, relu_cache)


def affine_bn_relu_backward(dout: Array, cache: tuple[Any, Any, Any]) -> Grads:
    """dx, dw, db, dgamma, dbeta."""
    fc_cache, bn_cache, relu_cache = cache
    da, dgamma, dbeta = batchnorm_backward(relu_backward(dout, relu_cache), bn_cache)
    return (*affine_backward(da, fc_cache), dgamma, dbeta)


def conv_relu_forward(x: Array, w: Array, b: Array, conv_param: dict[str, Any]
                      ) -> tuple[Array, tuple[Any, Any]]:
    """relu(conv(x, w, b)); cache (conv_cache, relu_cache)."""
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout: Array, cache: tuple[Any, Any]) -> Grads:
    """dx, dw, db."""
    conv_cache, relu_cache = cache
    return conv_backward_fast(relu_backward(dout, relu_cache), conv_cache)


def conv_bn_relu_forward(x: Array, w: Array, b: Array, gamma: Array, beta: Array,
                         conv_param: dict[str, Any], bn_param: dict[str, Any]
                         ) -> tuple[Array, tuple[Any, Any, Any]]:
    """relu(spatial_batchnorm(conv(x, w, b))); cache (conv_cache, bn_cache, relu_cache)."""
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    return out, (conv_cache, bn_cache, relu_cache)


def conv_bn_relu_backward(dout: Array, cache: tuple[Any, Any, Any]) -> Grads:
    """dx, dw, db, dgamma, dbeta."""
    conv_cache, bn_cache, relu_cache = cache
    da, dgamma, dbeta = spatial_batchnorm_backward(relu_backward(dout, relu_cache), bn_cache)
    return (*conv_backward_fast(da, conv_cache), dgamma, dbeta)


def conv_relu_pool_forward(x: Array, w: Array, b: Array, conv_param: dict[str, Any],
                           pool_param: dict[str, Any]) -> tuple[Array, tuple[Any, Any, Any]]:
    """max_pool(relu(conv(x, w, b))); cache (conv_cache, relu_cache, pool_cache)."""
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(dout: Array, cache: tuple[Any, Any, Any]) -> Grads:
    """dx, dw, db."""
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    return conv_backward_fast(relu_backward(ds, relu_cache), conv_cache)
