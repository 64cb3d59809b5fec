"""The course's layer functions: ``*_forward(...) -> (out, cache)``, ``*_backward(dout, cache)``.

These are the modular-layer API of CS231n-style notebooks, written as thin adapters over the
engine's ops (``tinygrad_edu/ops``): the same forward/backward pairs that ``Tensor`` methods
use, called on numpy arrays, with the course's dict parameters and conventions:

- weights of an affine layer are (D, M), inputs flattened to (N, D) (PyTorch: (M, D));
- ``dropout_param['p']`` is the probability of KEEPING a unit (PyTorch: of dropping it);
- batch norm's running statistics start at zero and are updated as
  ``momentum * running + (1 - momentum) * batch_stat`` with momentum 0.9 and the biased
  variance (PyTorch: momentum 0.1 on the new value, unbiased variance, running_var starts at 1);
- backwards of one-input layers (relu, dropout, max pool) return a bare array, the others a
  tuple; everything computes in the dtype of its inputs (integer ``gamma``/``beta`` of the
  normalisation layers, as some notebooks pass them, are converted to x's dtype).

The naive convolution and max pooling are the engine's readable pairs (``ops/conv.py``,
``ops/pool.py``: numpy indexing and one product or one max), to read and to check against; the
fast versions (``conv_forward_fast`` ...) run the ops' fast pairs (Numba kernels).

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.layers import affine_forward, affine_backward
    >>> x, w, b = np.ones((2, 3, 4)), np.ones((12, 5)), np.zeros(5)
    >>> out, cache = affine_forward(x, w, b)
    >>> out.shape
    (2, 5)
    >>> dx, dw, db = affine_backward(np.ones_like(out), cache)
    >>> dx.shape, dw.shape, db.shape
    ((2, 3, 4), (12, 5), (5,))
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..nn import functional as F
from ..ops import conv as conv_ops
from ..ops import conv_fast, elementwise, loss, matmul, norm, pool, pool_fast
from ..ops import dropout as dropout_ops
from ..tensor import creation
from . import _checks

Array = NDArray[Any]

__all__ = [
    "affine_backward", "affine_forward", "batchnorm_backward", "batchnorm_backward_alt",
    "batchnorm_forward", "conv_backward_fast", "conv_backward_naive", "conv_forward_fast",
    "conv_forward_naive", "dropout_backward", "dropout_forward", "layernorm_backward",
    "layernorm_forward", "max_pool_backward_fast", "max_pool_backward_naive",
    "max_pool_forward_fast", "max_pool_forward_naive", "relu_backward", "relu_forward",
    "softmax_loss", "spatial_batchnorm_backward", "spatial_batchnorm_forward",
    "spatial_groupnorm_backward", "spatial_groupnorm_forward", "svm_loss",
]


# ----------------------------------------------------------------------------- affine, relu

class AffineCache(NamedTuple):
    """Cache of ``affine_forward``: the inputs, as the course's ``(x, w, b)``."""

    x: Array  # (N, d1, ..., dk)
    w: Array  # (D, M)
    b: Array  # (M,)


def affine_forward(x: Array, w: Array, b: Array) -> tuple[Array, AffineCache]:
    """out = x.reshape(N, D) @ w + b (PyTorch: ``F.linear(x.flatten(1), w.T, b)``).

    Shape: x (N, d1, ..., dk) with D = d1 * ... * dk, w (D, M), b (M,) -> out (N, M).
    """
    name = "affine_forward"
    x = _checks.array(name, "x", x)
    w, b = _checks.array(name, "w", w, 2), _checks.array(name, "b", b, 1)
    rows = x.reshape(x.shape[0], -1) if x.ndim else x
    if x.ndim < 1 or rows.shape[1] != w.shape[0] or b.shape != (w.shape[1],):
        raise ValueError(f"{name}: expected x (N, d1, ..., dk) with d1*...*dk = D, w (D, M) "
                         f"and b (M,); got x {x.shape}, w {w.shape}, b {b.shape}")
    out, _ = matmul.matmul_forward(rows, w)
    return out + b, AffineCache(x, w, b)


def affine_backward(dout: Array, cache: AffineCache) -> tuple[Array, Array, Array]:
    """dx = (dout @ w.T) reshaped like x, dw = x2.T @ dout, db = dout summed over N."""
    x, w, _ = cache
    rows = x.reshape(x.shape[0], -1)
    dx, dw = matmul.matmul_backward(dout, matmul.MatmulCache(rows, w))
    assert dx is not None  # called directly, every gradient is computed
    assert dw is not None
    return dx.reshape(x.shape), dw, dout.sum(axis=0)


def relu_forward(x: Array) -> tuple[Array, Array]:
    """out = max(x, 0) elementwise (PyTorch: ``F.relu``). The cache is x, as in the course."""
    x = _checks.array("relu_forward", "x", x)
    out, _ = elementwise.relu_forward(x)
    return out, x


def relu_backward(dout: Array, cache: Array) -> Array:
    """dx = dout where x > 0, else 0; a bare array (one input)."""
    (dx,) = elementwise.relu_backward(dout, elementwise.MaskCache(cache > 0))
    return dx


# ----------------------------------------------------------------------------- losses

def softmax_loss(x: Array, y: Array) -> tuple[float, Array]:
    """Softmax cross-entropy averaged over N (PyTorch: ``F.cross_entropy(x, y)``).

    Args:
        x: scores (N, C).
        y: labels (N,), integers in [0, C).

    Returns:
        ``(loss, dx)``: a float and the gradient (N, C) in x's dtype.
    """
    x = _checks.array("softmax_loss", "x", x, 2)
    y = _checks.labels("softmax_loss", y, x.shape[0], x.shape[1])
    logp, soft_cache = loss.log_softmax_forward(x, dim=1)
    value, nll_cache = loss.nll_loss_forward(logp, y, np.ones(x.shape[1], x.dtype))
    dlogp = loss.nll_loss_backward(np.ones((), x.dtype), nll_cache)[0]
    (dx,) = loss.log_softmax_backward(dlogp, soft_cache)
    return float(value), dx


def svm_loss(x: Array, y: Array) -> tuple[float, Array]:
    """Multiclass hinge loss, sum over the wrong classes of max(0, x_j - x_y + 1), mean over N.

    PyTorch: ``C * F.multi_margin_loss(x, y)`` (PyTorch also divides by the number of
    classes C). Computed by the engine's ``F.multi_margin_loss`` composite and autograd; at a
    hinge (margin exactly 0) the class counts as inactive.

    Returns:
        ``(loss, dx)``: a float and the gradient (N, C) in x's dtype.
    """
    x = _checks.array("svm_loss", "x", x, 2)
    y = _checks.labels("svm_loss", y, x.shape[0], x.shape[1])
    xt = creation.tensor(x, requires_grad=True)
    loss = F.multi_margin_loss(xt, creation.tensor(y.astype(np.int64))) * x.shape[1]
    loss.backward()
    assert xt.grad is not None
    return float(loss.item()), xt.grad.numpy()


# ----------------------------------------------------------------------------- batch norm

def _running(name: str, bn_param: dict[str, Any], key: str, size: int, dtype: Any) -> Array:
    """bn_param[key] or zeros (the course's initial running statistics)."""
    value = bn_param.get(key)
    if value is None:
        return np.zeros(size, dtype=dtype)
    value = np.asarray(value)
    if value.shape != (size,):
        raise ValueError(f"{name}: bn_param[{key!r}] must have shape ({size},) (one per "
                         f"channel), got {value.shape}")
    return value


def _affine_params(name: str, x: Array, gamma: Any, beta: Any, shape: tuple[int, ...],
                   meaning: str) -> tuple[Array, Array]:
    """gamma and beta checked to have ``shape``, as floating arrays in x's dtype.

    The notebooks also pass integer arrays (``np.asarray([3, 4, 5])``) and the course's numpy
    reference then computes in floating point (``gamma * xhat + beta``): integer and boolean
    scales and shifts are converted to x's dtype, so that the output and the gradients
    (dgamma, dbeta) are floating arrays of x's dtype, as the reference's are for float64 x.
    """
    converted = []
    for arg, value in (("gamma", gamma), ("beta", beta)):
        if isinstance(value, list | tuple):
            value = np.asarray(value)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biu":
            value = value.astype(x.dtype)
        _checks.array(name, arg, value)
        _checks.shape(name, arg, value, shape, meaning)
        converted.append(value)
    return converted[0], converted[1]


def _check_affine(name: str, x: Array, gamma: Any, beta: Any, channels: int
                  ) -> tuple[Array, Array]:
    """gamma and beta (C,), one per channel (column) of x; see ``_affine_params``."""
    return _affine_params(name, x, gamma, beta, (channels,), f"one per channel of x {x.shape}")


def _bn_param(name: str, x: Array, bn_param: dict[str, Any]) -> tuple[bool, float, float]:
    """Train mode?, eps and momentum from bn_param; its running statistics checked (zeros
    when missing, the course's initial values) and stored back into the caller's dict."""
    _checks.param_dict(name, "bn_param", bn_param)
    mode = _checks.mode(name, "bn_param", bn_param)
    for key in ("running_mean", "running_var"):
        bn_param[key] = _running(name, bn_param, key, x.shape[1], x.dtype)
    return mode == "train", bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)


def _update_running(bn_param: dict[str, Any], mean: Array, var: Array, momentum: float,
                    dtype: Any) -> None:
    """The course's running averages: ``momentum * running + (1 - momentum) * batch_stat``
    (momentum on the OLD value), with the biased batch variance."""
    for key, batch in (("running_mean", mean), ("running_var", var)):
        bn_param[key] = (momentum * bn_param[key] + (1 - momentum) * batch).astype(dtype)


def batchnorm_statistics(name: str, x: Array, bn_param: dict[str, Any]) -> dict[str, Any]:
    """The keywords of the engine's ``batch_norm`` op for x (N, C, *), the course's way.

    Train mode: the batch's mean and biased variance, and bn_param's running statistics
    (zeros when missing) updated to ``momentum * running + (1 - momentum) * batch_stat`` and
    stored back into the caller's dict. Test mode: the running statistics.
    """
    training, eps, momentum = _bn_param(name, x, bn_param)
    if not training:
        return {"training": False, "eps": eps, "mean": bn_param["running_mean"],
                "var": bn_param["running_var"]}
    mean, var = norm.batch_norm_stats(x)
    _update_running(bn_param, mean, var, momentum, x.dtype)
    return {"training": True, "eps": eps, "mean": mean, "var": var}


def _batchnorm(name: str, x: Array, gamma: Array, beta: Array, bn_param: dict[str, Any]
               ) -> tuple[Array, norm.BatchNormCache]:
    """Batch norm of x (N, C, *) over (N, *) by the engine's readable pair; the running
    statistics follow the course's convention (from the batch statistics in the cache)."""
    training, eps, momentum = _bn_param(name, x, bn_param)
    if not training:
        return norm.batch_norm_forward(x, gamma, beta, training=False, eps=eps,
                                       mean=bn_param["running_mean"],
                                       var=bn_param["running_var"])
    out, cache = norm.batch_norm_forward(x, gamma, beta, training=True, eps=eps)
    _update_running(bn_param, cache.mean, cache.var, momentum, x.dtype)
    return out, cache


def batchnorm_forward(x: Array, gamma: Array, beta: Array, bn_param: dict[str, Any]
                      ) -> tuple[Array, norm.BatchNormCache]:
    """Batch norm of x (N, D) per feature (PyTorch: ``F.batch_norm``, see the module notes).

    Train mode normalises with the batch mean and biased variance and updates
    ``bn_param['running_mean'/'running_var']`` (created as zeros) in the caller's dict with
    ``momentum * running + (1 - momentum) * batch_stat``; test mode uses the running ones.

    Args:
        x: (N, D).
        gamma, beta: (D,) scale and shift (integer arrays are converted to x's dtype).
        bn_param: 'mode' ('train' or 'test'), optional 'eps' (1e-5), 'momentum' (0.9),
            'running_mean', 'running_var'.

    Returns:
        ``(out, cache)`` with out (N, D).
    """
    x = _checks.array("batchnorm_forward", "x", x, 2)
    gamma, beta = _check_affine("batchnorm_forward", x, gamma, beta, x.shape[1])
    return _batchnorm("batchnorm_forward", x, gamma, beta, bn_param)


def batchnorm_backward(dout: Array, cache: norm.BatchNormCache) -> tuple[Array, Array, Array]:
    """dx, dgamma, dbeta through the computational graph, node by node (the engine's
    readable ``batch_norm_backward``)."""
    return norm.batch_norm_backward(dout, cache)


def batchnorm_backward_alt(dout: Array, cache: norm.BatchNormCache
                           ) -> tuple[Array, Array, Array]:
    """The same gradients by the closed form (``ops.norm.batch_norm_backward_alt``).

    With xhat = (x - mean) / sqrt(var + eps) and sums over the batch (M rows):
    dx = gamma / sqrt(var + eps) / M * (M * dout - sum(dout) - xhat * sum(dout * xhat)),
    dgamma = sum(dout * xhat), dbeta = sum(dout). In test mode the statistics are constants
    and dx = gamma / sqrt(var + eps) * dout.
    """
    return norm.batch_norm_backward_alt(dout, cache)


def spatial_batchnorm_forward(x: Array, gamma: Array, beta: Array, bn_param: dict[str, Any]
                              ) -> tuple[Array, norm.BatchNormCache]:
    """Batch norm of x (N, C, H, W) per channel, over (N, H, W) (PyTorch: ``BatchNorm2d``).

    bn_param as for ``batchnorm_forward``; gamma and beta are (C,).
    """
    x = _checks.array("spatial_batchnorm_forward", "x", x, 4)
    gamma, beta = _check_affine("spatial_batchnorm_forward", x, gamma, beta, x.shape[1])
    return _batchnorm("spatial_batchnorm_forward", x, gamma, beta, bn_param)


def spatial_batchnorm_backward(dout: Array, cache: norm.BatchNormCache
                               ) -> tuple[Array, Array, Array]:
    """dx (N, C, H, W), dgamma and dbeta (C,)."""
    return batchnorm_backward(dout, cache)


# ----------------------------------------------------------------------------- layer/group norm

def _eps(name: str, arg: str, params: Any) -> float:
    _checks.param_dict(name, arg, params)
    return float(params.get("eps", 1e-5))


def layernorm_forward(x: Array, gamma: Array, beta: Array, ln_param: dict[str, Any]
                      ) -> tuple[Array, norm.LayerNormCache]:
    """Layer norm of each row of x (N, D) (PyTorch: ``F.layer_norm(x, (D,), gamma, beta)``).

    ln_param may carry 'eps' (1e-5); there are no running statistics and no modes.
    """
    name = "layernorm_forward"
    x = _checks.array(name, "x", x, 2)
    gamma, beta = _check_affine(name, x, gamma, beta, x.shape[1])
    return norm.layer_norm_forward(x, gamma, beta, eps=_eps(name, "ln_param", ln_param))


def layernorm_backward(dout: Array, cache: norm.LayerNormCache) -> tuple[Array, Array, Array]:
    """dx (N, D), dgamma and dbeta (D,)."""
    dx, dgamma, dbeta = norm.layer_norm_backward(dout, cache)
    assert dx is not None
    assert dgamma is not None
    assert dbeta is not None
    return dx, dgamma, dbeta


class GroupNormCache(NamedTuple):
    """Cache of ``spatial_groupnorm_forward``: the layer-norm cache and gamma's shape."""

    norm_cache: norm.LayerNormCache
    gamma_shape: tuple[int, ...]


def spatial_groupnorm_forward(x: Array, gamma: Array, beta: Array, G: int,  # noqa: N803
                              gn_param: dict[str, Any]) -> tuple[Array, GroupNormCache]:
    """Group norm: each sample's C channels cut into G contiguous groups, each normalised.

    PyTorch: ``F.group_norm(x, G, gamma.ravel(), beta.ravel())``.

    Args:
        x: (N, C, H, W) with C divisible by G.
        gamma, beta: (1, C, 1, 1) (integer arrays are converted to x's dtype).
        G: the number of groups.
        gn_param: may carry 'eps' (1e-5).
    """
    name = "spatial_groupnorm_forward"
    x = _checks.array(name, "x", x, 4)
    channels = x.shape[1]
    if isinstance(G, bool) or not isinstance(G, int | np.integer) or G < 1 or channels % G:
        raise ValueError(f"{name}: G must be a positive int dividing the {channels} channels "
                         f"of x {x.shape}, got {G!r}")
    gamma, beta = _affine_params(name, x, gamma, beta, (1, channels, 1, 1),
                                 "one per channel, course layout")
    groups = (int(G), channels // int(G))
    out, cache = norm.layer_norm_forward(x, gamma.reshape(groups), beta.reshape(groups),
                                         eps=_eps(name, "gn_param", gn_param))
    return out, GroupNormCache(cache, gamma.shape)


def spatial_groupnorm_backward(dout: Array, cache: GroupNormCache
                               ) -> tuple[Array, Array, Array]:
    """dx (N, C, H, W), dgamma and dbeta (1, C, 1, 1)."""
    dx, dgamma, dbeta = layernorm_backward(dout, cache.norm_cache)
    return dx, dgamma.reshape(cache.gamma_shape), dbeta.reshape(cache.gamma_shape)


# ----------------------------------------------------------------------------- dropout

class DropoutCache(NamedTuple):
    """Cache of ``dropout_forward``, as the course's ``(dropout_param, mask)``."""

    dropout_param: dict[str, Any]
    mask: Array | None  # (1 or 0) / p in x's dtype; None in test mode


def dropout_forward(x: Array, dropout_param: dict[str, Any]) -> tuple[Array, DropoutCache]:
    """Inverted dropout with p the probability of KEEPING a unit.

    Train mode: mask = (np.random.rand(*x.shape) < p) / p from numpy's global generator,
    reseeded with ``np.random.seed(dropout_param['seed'])`` first when a seed is given;
    out = x * mask. Test mode: out = x. PyTorch: ``F.dropout(x, p=1 - p)`` (drop probability,
    its own generator).

    Args:
        x: any shape.
        dropout_param: 'mode' ('train' or 'test'), 'p' (keep probability in (0, 1]),
            optional 'seed'.
    """
    x = _checks.array("dropout_forward", "x", x)
    mask = dropout_mask("dropout_forward", x, dropout_param)
    if mask is None:
        return x.copy(), DropoutCache(dropout_param, None)
    return x * mask, DropoutCache(dropout_param, mask)


def dropout_mask(name: str, x: Array, dropout_param: dict[str, Any]) -> Array | None:
    """The course's mask for x: (np.random.rand(*x.shape) < p) / p in x's dtype, or None in
    test mode. Reseeds numpy's global generator first when dropout_param has a 'seed'."""
    _checks.param_dict(name, "dropout_param", dropout_param)
    mode = _checks.mode(name, "dropout_param", dropout_param)
    p = dropout_param.get("p")
    if isinstance(p, bool) or not isinstance(p, int | float | np.floating) or not 0 < p <= 1:
        raise ValueError(f"{name}: dropout_param['p'] is the probability of keeping a unit and "
                         f"must be in (0, 1], got {p!r}")
    if mode == "test":
        return None
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])
    return ((np.random.rand(*x.shape) < p) / p).astype(x.dtype)


def dropout_backward(dout: Array, cache: DropoutCache) -> Array:
    """dx = dout * mask in train mode, dout in test mode; a bare array."""
    if cache.mask is None:
        return dout.copy()
    (dx,) = dropout_ops.dropout_backward(dout, dropout_ops.DropoutCache(cache.mask))
    return dx


# ----------------------------------------------------------------------------- convolution

def _conv_args(name: str, x: Array, w: Array, b: Array, conv_param: Any
               ) -> tuple[int, int, int, int]:
    """Check the inputs; return stride, pad and the output size (HO, WO)."""
    x, w = _checks.array(name, "x", x, 4), _checks.array(name, "w", w, 4)
    b = _checks.array(name, "b", b, 1)
    _checks.param_dict(name, "conv_param", conv_param)
    stride = _checks.positive_int(name, "conv_param", conv_param, "stride")
    pad = _checks.positive_int(name, "conv_param", conv_param, "pad", minimum=0)
    if w.shape[1] != x.shape[1] or b.shape != (w.shape[0],):
        raise ValueError(f"{name}: expected x (N, C, H, W), w (F, C, HH, WW) with the same C "
                         f"and b (F,); got x {x.shape}, w {w.shape}, b {b.shape}")
    ho = conv_ops.conv_output_size(x.shape[2], w.shape[2], stride, pad, 1)
    wo = conv_ops.conv_output_size(x.shape[3], w.shape[3], stride, pad, 1)
    if ho < 1 or wo < 1:
        raise ValueError(f"{name}: the filter {w.shape[2:]} is larger than the padded input "
                         f"{x.shape[2:]} + 2 * pad {pad}")
    return stride, pad, ho, wo


def conv_forward_naive(x: Array, w: Array, b: Array, conv_param: dict[str, Any]
                       ) -> tuple[Array, conv_ops.Conv2dCache]:
    """Convolution (cross-correlation) by the engine's readable pair, for reading and checking.

    out[n, f, i, j] = b[f] + sum over c, k, l of w[f, c, k, l] * xpad[n, c, i*s + k, j*s + l]
    (PyTorch: ``F.conv2d(x, w, b, stride, pad)``), computed by ``ops.conv.conv2d_forward``:
    im2col with numpy indexing, then one matrix product.

    Shape: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> out (N, F, HO, WO) with
    HO = 1 + (H + 2 * pad - HH) // stride (WO alike). conv_param: 'stride', 'pad'.
    """
    stride, pad, _, _ = _conv_args("conv_forward_naive", x, w, b, conv_param)
    return conv_ops.conv2d_forward(x, w, b, stride=stride, padding=pad)


def conv_backward_naive(dout: Array, cache: conv_ops.Conv2dCache
                        ) -> tuple[Array, Array, Array]:
    """dx, dw, db by the readable pair's backward (``ops.conv.conv2d_backward``).

    dx = col2im(w.T @ dout), dw = dout @ cols.T, db = dout summed over N, HO, WO.
    """
    dx, dw, db = conv_ops.conv2d_backward(np.asarray(dout), cache)
    assert db is not None  # the course's conv always has a bias
    return dx, dw, db


def conv_forward_fast(x: Array, w: Array, b: Array, conv_param: dict[str, Any]
                      ) -> tuple[Array, conv_fast.Conv2dFastCache]:
    """``conv_forward_naive`` by the engine's fast pair (Numba im2col chunks, BLAS, Winograd)."""
    stride, pad, _, _ = _conv_args("conv_forward_fast", x, w, b, conv_param)
    return conv_fast.conv2d_fast_forward(x, w, b, stride=(stride, stride), padding=(pad, pad))


def conv_backward_fast(dout: Array, cache: conv_fast.Conv2dFastCache
                       ) -> tuple[Array, Array, Array]:
    """dx, dw, db by the fast pair's backward (two products and col2im per chunk)."""
    dx, dw, db = conv_fast.conv2d_fast_backward(np.asarray(dout), cache)
    assert dx is not None
    assert dw is not None
    assert db is not None
    return dx, dw, db


# ----------------------------------------------------------------------------- max pooling

def _pool_args(name: str, x: Array, pool_param: Any) -> tuple[int, int, int, int, int]:
    """Check the inputs; return pool height, width, stride and the output size."""
    x = _checks.array(name, "x", x, 4)
    _checks.param_dict(name, "pool_param", pool_param)
    ph = _checks.positive_int(name, "pool_param", pool_param, "pool_height")
    pw = _checks.positive_int(name, "pool_param", pool_param, "pool_width")
    stride = _checks.positive_int(name, "pool_param", pool_param, "stride")
    if ph > x.shape[2] or pw > x.shape[3]:
        raise ValueError(f"{name}: the pooling window {ph}x{pw} is larger than the input "
                         f"planes {x.shape[2]}x{x.shape[3]} of x {x.shape}")
    return ph, pw, stride, 1 + (x.shape[2] - ph) // stride, 1 + (x.shape[3] - pw) // stride


def max_pool_forward_naive(x: Array, pool_param: dict[str, Any]
                           ) -> tuple[Array, pool.MaxPool2dCache]:
    """Max over pool_height x pool_width windows moved by stride, by the readable pair.

    PyTorch: ``F.max_pool2d(x, (pool_height, pool_width), stride)``. Computed by
    ``ops.pool.max_pool2d_forward``: every window's taps gathered with numpy indexing, then one
    max (and the position of the first maximum, for backward).

    Shape: x (N, C, H, W) -> out (N, C, HO, WO), HO = 1 + (H - pool_height) // stride.
    """
    ph, pw, stride, _, _ = _pool_args("max_pool_forward_naive", x, pool_param)
    return pool.max_pool2d_forward(x, kernel_size=(ph, pw), stride=stride)


def max_pool_backward_naive(dout: Array, cache: pool.MaxPool2dCache) -> Array:
    """Each window's gradient goes to its (first) maximum (``np.add.at``); a bare array."""
    (dx,) = pool.max_pool2d_backward(np.asarray(dout), cache)
    return dx


def max_pool_forward_fast(x: Array, pool_param: dict[str, Any]
                          ) -> tuple[Array, pool_fast.MaxPool2dFastCache]:
    """``max_pool_forward_naive`` by the engine's fast pair (the Numba pooling kernels)."""
    ph, pw, stride, _, _ = _pool_args("max_pool_forward_fast", x, pool_param)
    return pool_fast.max_pool2d_fast_forward(x, kernel_size=(ph, pw), stride=(stride, stride))


def max_pool_backward_fast(dout: Array, cache: pool_fast.MaxPool2dFastCache) -> Array:
    """dx by the fast pair's kernel (routes dout to the saved argmax); a bare array."""
    (dx,) = pool_fast.max_pool2d_fast_backward(np.asarray(dout), cache)
    return dx
