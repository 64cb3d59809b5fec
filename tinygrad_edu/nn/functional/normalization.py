"""Normalisation functions: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``,
and the composites ``rms_norm`` and ``local_response_norm``.

They check their arguments and call the ``batch_norm`` and ``layer_norm`` ops
(``tinygrad_edu/ops/norm.py``, where the backward is the lesson). Group and instance norm are
the ``layer_norm`` op on rows of C/G channels; the running statistics of batch and instance
norm are updated here, in place and outside the graph.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...checks import FLOATING_CHECKED, NUMBERS, check_dtypes, check_floating, check_number, int_arg
from ...kernels import norm as kernels
from ...kernels.jit import ready
from ...ops import norm as norm_ops
from ...tensor import Tensor
from ...tensor.convert import check_tensor
from .vision import pad

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm", "local_response_norm",
           "rms_norm"]


def check_input(input: Tensor, name: str, min_dim: int,  # noqa: A002
                exc: type[Exception] = RuntimeError) -> None:
    check_tensor(input, name)
    if input.dtype.kind != "f":  # (the message is only formatted for an error)
        check_floating(input.dtype, f"{name}: expected a floating point input (float32 or "
                                    f"float64), got dtype {input.dtype}")
    if input.ndim < min_dim:
        raise exc(f"{name}: expected an input with at least {min_dim} dimensions, "
                           f"got shape {input.shape}")


def _check_vector(t: Tensor | None, arg: str, size: int, name: str, input_shape: tuple[int, ...]
                  ) -> None:
    """Per-channel tensors (weight, bias, running stats) must hold one value per channel."""
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: {arg} must be a Tensor or None, got {type(t).__name__}")
    if t.numel() != size:
        raise RuntimeError(f"{name}: {arg} should contain {size} elements not {t.numel()} "
                           f"(one per channel of the input of shape {input_shape})")


def _plain_vectors(channels: int, *vectors: Tensor | None) -> bool:
    """Each vector is None or a 1-D floating Tensor of ``channels`` values: what the norms'
    full checks accept, answered quickly for the common case (False: run them)."""
    for t in vectors:
        if t is None:
            continue
        if not isinstance(t, Tensor):
            return False
        a = t.numpy(force=True)
        if a.ndim != 1 or a.shape[0] != channels or a.dtype.kind != "f":
            return False
    return True


def _check_batch_norm_args(input: Tensor, running_mean: Tensor | None,  # noqa: A002
                           running_var: Tensor | None, weight: Tensor | None,
                           bias: Tensor | None, training: bool, momentum: Any, eps: Any
                           ) -> None:
    """``batch_norm``'s checks of everything but the input, in PyTorch's order."""
    channels = input.shape[1]
    for arg, t in (("running_mean", running_mean), ("running_var", running_var),
                   ("weight", weight), ("bias", bias)):
        _check_vector(t, arg, channels, "batch_norm", input.shape)
    for arg, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.ndim != 1:
            raise RuntimeError(f"batch_norm: expected {arg} to be a 1-D tensor of one value per "
                               f"channel ({channels}), got shape {t.shape}")
    check_dtypes("batch_norm", FLOATING_CHECKED, running_mean, running_var, weight, bias,
                 args=("running_mean", "running_var", "weight", "bias"))
    if not isinstance(momentum, int | float | np.floating) or isinstance(momentum, bool):
        raise TypeError(f"batch_norm: momentum must be a float, not {type(momentum).__name__}"
                        " (momentum=None, the cumulative average, is a BatchNorm option)")
    check_number(eps, "eps", "batch_norm")
    if training and eps <= 0:  # a NaN eps passes, and gives NaN, as in PyTorch
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")


def _verify_batch_size(shape: Sequence[int]) -> None:
    if shape[0] * math.prod(shape[2:]) == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{shape}")


def _affine(weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...], like: Tensor
            ) -> tuple[Tensor, Tensor]:
    """weight and bias reshaped to ``shape``; absent ones become constant ones and zeros."""
    w = (Tensor(np.ones(shape, like.dtype)) if weight is None else
         weight if weight.shape == shape else weight.reshape(*shape))
    b = (Tensor(np.zeros(shape, like.dtype)) if bias is None else
         bias if bias.shape == shape else bias.reshape(*shape))
    return w, b


def reshape_result(out: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Reshape the op's fresh output (not a view of anything the caller holds, so in-place
    changes to the result stay allowed, as in PyTorch)."""
    return out if out.shape == shape else apply_op(OPS["reshape"], out, shape=shape)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over (N, *) for each channel of x (N, C, *).

    In training, normalises with the batch's mean and biased variance and, when given,
    updates ``running_mean``/``running_var`` in place:
    ``running = (1 - momentum) * running + momentum * batch_stat`` with the unbiased variance.
    Otherwise normalises with the running statistics. See ``BatchNorm2d``.
    """
    check_input(input, "batch_norm", 2)
    x = input.numpy(force=True)
    channels = x.shape[1]
    if not (_plain_vectors(channels, running_mean, running_var, weight, bias)
            and type(eps) is float and eps > 0 and type(momentum) in (float, int)):
        _check_batch_norm_args(input, running_mean, running_var, weight, bias, training,
                               momentum, eps)
    w, b = _affine(weight, bias, (channels,), input)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean must be defined in evaluation mode "
                               "(training=False normalises with the running statistics)")
        return apply_op(OPS["batch_norm"], input, w, b, training=False, eps=eps,
                        mean=running_mean.numpy(force=True).reshape(-1),
                        var=running_var.numpy(force=True).reshape(-1))
    if x.size <= channels:  # (else more than one value per channel)
        _verify_batch_size(input.shape)
    mean, var = norm_ops.batch_norm_stats(x)
    count = x.size // max(channels, 1)
    _update_running(running_mean, running_var, mean, var, count, momentum)
    return apply_op(OPS["batch_norm"], input, w, b, training=True, eps=eps, mean=mean, var=var)


def _update_running(running_mean: Tensor | None, running_var: Tensor | None, mean: Any,
                    var: Any, count: int, momentum: float) -> None:
    """In place: running = (1 - momentum) * running + momentum * batch (unbiased variance).

    An empty batch has no statistics: the running ones stay as they are (as in PyTorch).
    """
    if count == 0:
        return
    scale = count / (count - 1) if count > 1 else 1.0  # the variance's, to unbias it
    fast = type(momentum) in (float, int)  # (a numpy scalar keeps numpy's own promotion)
    for running, batch, factor in ((running_mean, mean, 1.0), (running_var, var, scale)):
        if running is None:
            continue
        with running.mutate() as r:
            if fast and r.dtype.kind == "f" and r.itemsize >= 4 and r.flags.c_contiguous \
                    and r.size == batch.size:
                # the statement below in one compiled loop (the same roundings)
                ready(kernels.running_update)(r.reshape(-1), batch, factor, float(momentum))
            else:
                np.copyto(r, (1 - momentum) * r + momentum * (batch * factor).reshape(r.shape),
                          casting="unsafe")


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
               ) -> Tensor:
    """Layer normalisation over the last ``len(normalized_shape)`` dims. See ``LayerNorm``."""
    if (type(normalized_shape) is tuple and len(normalized_shape) == 1
            and isinstance(input, Tensor) and type(eps) is float):
        # the common case (a module's own shape, affine vectors), checked on the arrays
        size = normalized_shape[0]
        x = input.numpy(force=True)
        if (type(size) is int and x.ndim >= 1 and x.shape[-1] == size and x.dtype.kind == "f"
                and _plain_vectors(size, weight, bias)):
            w, b = _affine(weight, bias, normalized_shape, input)
            return apply_op(OPS["layer_norm"], input, w, b, eps=eps)
    shape = checked_shape(normalized_shape, "layer_norm")
    check_input(input, "layer_norm", len(shape))
    check_number(eps, "eps", "layer_norm")
    in_shape = tuple(input.shape)
    lead = in_shape[:len(in_shape) - len(shape)]
    if in_shape[len(lead):] != shape:
        raise RuntimeError(f"layer_norm: Given normalized_shape={list(shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                           f"size {input.shape}")
    for arg, t in (("weight", weight), ("bias", bias)):
        if t is not None and (not isinstance(t, Tensor) or t.shape != shape):
            raise RuntimeError(f"layer_norm: Expected {arg} to be of same shape as "
                               f"normalized_shape, but got {arg} of shape "
                               f"{getattr(t, 'shape', type(t).__name__)} and normalized_shape "
                               f"= {list(shape)}")
    size = math.prod(shape)
    x = input if len(shape) == 1 else input.reshape(*lead, size)
    w, b = _affine(weight, bias, (size,), input)
    return reshape_result(apply_op(OPS["layer_norm"], x, w, b, eps=eps), in_shape)


def checked_shape(normalized_shape: Any, name: str) -> tuple[int, ...]:
    if (type(normalized_shape) is tuple and len(normalized_shape) == 1
            and type(normalized_shape[0]) is int and normalized_shape[0] >= 0):
        return normalized_shape  # the common case (a module's own shape), checked quickly
    items = ((normalized_shape,) if isinstance(normalized_shape, int | np.integer)
             else normalized_shape)
    if not isinstance(items, Sequence) or not all(
            isinstance(n, int | np.integer) and not isinstance(n, bool) for n in items):
        raise TypeError(f"{name}: normalized_shape must be an int or a sequence of ints, got "
                        f"{normalized_shape!r}")
    if any(n < 0 for n in items):  # PyTorch: "Trying to create tensor with negative dimension"
        raise RuntimeError(f"{name}: normalized_shape must not have negative sizes, got "
                           f"{normalized_shape!r}")
    if len(items) == 0:
        raise RuntimeError(f"{name}: Expected normalized_shape to be at least 1-dimensional, "
                           "i.e., containing at least one element, but got normalized_shape "
                           "= []")
    return tuple(int(n) for n in items)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalisation: statistics per sample over groups of C/G channels (and *).

    See ``GroupNorm``.
    """
    check_input(input, "group_norm", 2)
    check_number(eps, "eps", "group_norm")
    n_batch, channels = input.shape[:2]
    num_groups = int_arg(num_groups, "group_norm", "num_groups")
    if num_groups <= 0:
        raise RuntimeError(f"group_norm: num_groups must be a positive int, got {num_groups}")
    # like PyTorch: one value per group and sample cannot be normalised
    _verify_batch_size([n_batch * channels // num_groups, num_groups, *input.shape[2:]])
    if channels % num_groups:
        raise RuntimeError("group_norm: Expected number of channels in input to be divisible "
                           f"by num_groups, but got input of shape {input.shape} and "
                           f"num_groups={num_groups}")
    for arg, t in (("weight", weight), ("bias", bias)):
        if t is not None and (not isinstance(t, Tensor) or t.shape != (channels,)):
            raise RuntimeError(f"group_norm: Expected {arg} to be a vector of size equal to the "
                               f"number of channels in input, but got {arg} of shape "
                               f"{getattr(t, 'shape', type(t).__name__)} and input of shape "
                               f"{input.shape}")
    return _grouped(input, int(num_groups), weight, bias, eps)


def _grouped(input: Tensor, groups: int, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
             eps: float) -> Tensor:
    """Normalise x (N, C, *) as G rows per sample, with the affine per channel as (G, C/G)."""
    w, b = _affine(weight, bias, (groups, input.shape[1] // groups), input)
    return apply_op(OPS["layer_norm"], input, w, b, eps=eps)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalisation: statistics per sample and channel over (*). See InstanceNorm2d.

    With ``use_input_stats`` each (n, c) is normalised with its own statistics and, when
    given, the running statistics move towards their mean over the batch; otherwise the
    running statistics normalise (as in batch norm's evaluation mode).
    """
    check_input(input, "instance_norm", 2, ValueError)  # PyTorch: no spatial element
    channels = input.shape[1]
    for arg, t in (("running_mean", running_mean), ("running_var", running_var),
                   ("weight", weight), ("bias", bias)):
        _check_vector(t, arg, channels, "instance_norm", input.shape)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: Expected running_mean and running_var to be "
                               "defined when use_input_stats is false")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if math.prod(input.shape[2:]) == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    if input.numel() == 0:  # no instance to normalise: an empty result, as in PyTorch
        return input.clone()
    if running_mean is not None or running_var is not None:
        count = math.prod(input.shape[2:])
        x3 = input.numpy(force=True).reshape(1, input.shape[0] * channels, count)
        mean, var = (a.reshape(input.shape[0], channels)  # per (n, c)
                     for a in norm_ops.batch_norm_stats(x3))
        # PyTorch updates one copy of the running stats per sample (batch norm on
        # (1, N*C, L)) and then averages the copies; averaging the statistics first is equal.
        _update_running(running_mean, running_var, mean.mean(axis=0), var.mean(axis=0), count,
                        momentum)
    return _grouped(input, channels, weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """y = x / sqrt(mean(x^2) + eps) * weight over the last ``len(normalized_shape)`` dims.

    ``eps=None`` is the machine epsilon of x's dtype. A composite of Tensor operations (its
    gradient is autograd's chain rule through square, mean, rsqrt and the products). See
    ``RMSNorm``.
    """
    shape = checked_shape(normalized_shape, "rms_norm")
    check_tensor(input, "rms_norm")
    if input.dtype.kind != "f":
        raise NotImplementedError(f'"rms_norm" not implemented for dtype {input.dtype} (a '
                                  "floating point input is expected)")
    if input.ndim < len(shape):
        raise ValueError(f"rms_norm: input tensor must have at least {len(shape)} dimensions "
                         f"(normalized_shape={list(shape)}), but got {input.ndim}")
    if input.shape[input.ndim - len(shape):] != shape:
        raise RuntimeError(f"rms_norm: Given normalized_shape={list(shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                           f"size {input.shape}")
    if weight is not None and (not isinstance(weight, Tensor) or weight.shape != shape):
        raise RuntimeError("rms_norm: Expected weight to be of same shape as normalized_shape, "
                           f"but got weight of shape {getattr(weight, 'shape', weight)} and "
                           f"normalized_shape = {list(shape)}")
    eps = float(np.finfo(input.dtype).eps) if eps is None else eps
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * (input.square().mean(dim=dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4,  # noqa: A002
                        beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Local response normalisation across channels (AlexNet's "brightness normalisation").

    b[n, c] = a[n, c] / (k + alpha / size * sum of a[n, c']^2 over the ``size`` channels
    c' around c) ** beta, the window zero-padded by size // 2 before and (size - 1) // 2
    after. A composite of Tensor operations (padding, slices, sums, powers), so its
    gradient is autograd's. Input (N, C, *) with at least one spatial dim. See
    ``LocalResponseNorm``.
    """
    check_tensor(input, "local_response_norm")
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input "
                         f"(got {input.ndim} dimensions)")
    if isinstance(size, bool) or not isinstance(size, int | np.integer):
        raise TypeError(f"local_response_norm: size must be a positive int, got {size!r}")
    if size < 1:  # PyTorch's pooling window: "kernel size should be greater than zero"
        raise RuntimeError(f"local_response_norm: size must be a positive int, got {size}")
    check_dtypes("local_response_norm", NUMBERS, input)
    if input.numel() == 0:
        return input
    n, c = input.shape[:2]
    sq = input.square().reshape(n, c, -1)
    before, after = size // 2, (size - 1) // 2
    padded = pad(sq, (0, 0, before, after))  # zeros before and after the channels
    window = padded[:, 0:c]
    for offset in range(1, size):  # sum of the size channels around each channel
        window = window + padded[:, offset:offset + c]
    div = (window / size * alpha + k).pow(beta).reshape(*input.shape)
    return input / div
