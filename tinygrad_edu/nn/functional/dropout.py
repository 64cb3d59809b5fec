"""Dropout functions: ``F.dropout``, the channel-wise ``dropout1d/2d/3d``, and the
self-normalising ``alpha_dropout`` and ``feature_alpha_dropout`` (for SELU networks).

``p`` is the probability to DROP (PyTorch's convention); the kept elements are scaled by
1 / (1 - p) so that nothing changes in evaluation mode, where dropout is the identity. The
masks come from the global generator: ``tg.manual_seed`` makes them repeat.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...checks import FLOATING_CHECKED, check_dtypes
from ...random import get_generator
from ...random_dist import bernoulli_scalar
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["alpha_dropout", "check_p", "dropout", "dropout1d", "dropout2d", "dropout3d",
           "feature_alpha_dropout"]


def check_p(p: Any, name: str) -> None:
    """PyTorch's errors for a bad dropout probability: TypeError for a non-number, RuntimeError
    for NaN (which no comparison rejects), ValueError for a number outside [0, 1]."""
    if type(p) is float and 0.0 <= p <= 1.0:  # the usual value, at once (NaN fails this)
        return
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"{name}: dropout probability must be a number between 0 and 1, got "
                        f"{p!r}")
    if p != p:
        raise RuntimeError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def _apply(input: Tensor, p: float, inplace: bool, mask_shape: tuple[int, ...] | None,  # noqa: A002
           name: str) -> Tensor:
    check_tensor(input, name)
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input (float32 or float64), got "
                           f"dtype {input.dtype}")
    if inplace:
        return input._inplace(f"{name}_", lambda t: apply_op(OPS["dropout"], t, p=p,
                                                             mask_shape=mask_shape))
    return apply_op(OPS["dropout"], input, p=p, mask_shape=mask_shape)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    Returns ``input`` itself when not training or when p = 0. See ``Dropout``.
    """
    check_p(p, "dropout")
    if not training or p == 0:
        return input
    return _apply(input, p, inplace, None, "dropout")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels ``input[n, c]`` with probability ``p``, scale the rest by 1/(1-p).

    Like PyTorch, a 3-D input is read as (N, C, L) (with a warning), and inputs that are not
    3-D or 4-D are accepted with a deprecation warning. See ``Dropout2d``.
    """
    check_p(p, "dropout2d")
    ndim = getattr(input, "ndim", 0)
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      "dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    if not training or p == 0:
        return input
    if ndim < 2:
        raise RuntimeError(f"dropout2d: expected an input with at least 2 dimensions (N, C, "
                           f"*), got shape {getattr(input, 'shape', None)}")
    mask_shape = input.shape[:2] + (1,) * (ndim - 2)
    return _apply(input, p, inplace, mask_shape, "dropout2d")


def _channel_dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                     spatial: int, name: str) -> Tensor:
    """Channel-wise dropout of (N, C, *spatial) or unbatched (C, *spatial) input: the
    mask has shape (N, C, 1, ..., 1), one draw per channel (PyTorch's feature noise)."""
    check_p(p, name)
    check_tensor(input, name)
    ndim = input.ndim
    batched = ndim == spatial + 2
    if not training or p == 0:
        return input
    if ndim < 1:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = ((input.shape[:2] if batched else (1, input.shape[0]))
                  + (1,) * (ndim - (2 if batched else 1)))
    if not batched:
        mask_shape = mask_shape[1:]  # one draw per channel, as torch's unsqueeze(0) gives
    return _apply(input, p, inplace, mask_shape, name)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels ``input[n, c]`` (1-d signals) with probability ``p``, scale the
    rest by 1 / (1 - p). Input (N, C, L) or unbatched (C, L). See ``Dropout1d``."""
    check_p(p, "dropout1d")
    ndim = getattr(input, "ndim", 0)
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels ``input[n, c]`` (3-d volumes) with probability ``p``, scale the
    rest by 1 / (1 - p). Input (N, C, D, H, W) or unbatched (C, D, H, W); like PyTorch,
    other ranks are accepted with a deprecation warning (and read as unbatched). See
    ``Dropout3d``."""
    check_p(p, "dropout3d")
    ndim = getattr(input, "ndim", 0)
    if ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      "dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _channel_dropout(input, p, training, inplace, 3, "dropout3d")


# SELU's negative saturation value -scale * alpha: a dropped unit takes this value
_ALPHA = 1.7580993408473766


def _alpha_apply(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                 feature: bool, name: str) -> Tensor:
    """out = x * (keep * a) + b, with b = (keep - 1) * alpha' * a + alpha' * a * p.

    A dropped unit becomes -alpha' = SELU's saturation value instead of 0, and the affine
    map (a, b) brings the mean and variance back to 0 and 1 (for inputs with mean 0 and
    variance 1): a = 1 / sqrt((alpha'^2 p + 1)(1 - p)). ``keep`` ~ Bernoulli(1 - p) is
    drawn like dropout's mask (PyTorch's ``bernoulli_(1 - p)``, the same numbers for the
    same seed), of the input's shape, or (N, C, 1, ...) for the feature version. The
    gradient is dout * keep * a (b is a constant).
    """
    check_p(p, name)
    check_tensor(input, name)
    if feature and training and input.ndim < 2:  # out of training it is the identity
        raise RuntimeError(f"{name}: Feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {input.shape}")
    if not training or p == 0 or input.numel() == 0:
        return input  # any dtype, as in PyTorch; only the computation below needs floats
    check_dtypes(name, FLOATING_CHECKED, input)
    dt = input.dtype.type
    if p == 1:  # PyTorch multiplies by zero (a nan stays nan)
        keep_a = np.zeros((), dt)
        shift = np.zeros((), dt)
    else:
        shape = input.shape[:2] + (1,) * (input.ndim - 2) if feature else input.shape
        keep = bernoulli_scalar(get_generator(None, name), tuple(shape), 1.0 - p).astype(dt)
        a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        # in the input's dtype, step by step as PyTorch does
        shift = (keep - dt(1)) * dt(_ALPHA * a) + dt(_ALPHA * a * p)
        keep_a = keep * dt(a)
    scale_t, shift_t = Tensor(keep_a), Tensor(shift)
    if inplace:
        return input._inplace(f"{name}_", lambda t: t * scale_t + shift_t)
    return input * scale_t + shift_t


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Alpha dropout: dropped elements take SELU's saturation value, and the output keeps
    the input's mean and variance (for self-normalising networks). Note PyTorch's default
    ``training=False``. See ``AlphaDropout``."""
    return _alpha_apply(input, p, training, inplace, False, "alpha_dropout")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels ``input[n, c]`` (one draw per channel). Note
    PyTorch's default ``training=False``. See ``FeatureAlphaDropout``."""
    return _alpha_apply(input, p, training, inplace, True, "feature_alpha_dropout")
