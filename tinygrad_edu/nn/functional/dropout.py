"""Dropout functions: ``F.dropout`` and ``F.dropout2d``.

``p`` is the probability to DROP (PyTorch's convention); the kept elements are scaled by
1 / (1 - p) so that nothing changes in evaluation mode, where dropout is the identity. The
masks come from the global generator: ``tg.manual_seed`` makes them repeat.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...autograd import OPS, apply_op
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["check_p", "dropout", "dropout2d"]


def check_p(p: Any, name: str) -> None:
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
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
