"""Normalisation layers: batch, layer, group and instance norm (functions and modules).

The functions check their arguments (PyTorch's exception types, with messages naming the
function, the shapes and the rule broken) before any kernel runs, then call the two registered
primitives of ``ops/norm.py``:

- ``batch_norm``: statistics per channel over (N, *). In training it first computes the batch
  statistics, updates the running averages in place with them, then normalises with the same
  numbers (passed to the op, which differentiates through them).
- ``layer_norm``: statistics per row over the last axis. ``layer_norm`` flattens the
  normalized dims into that axis; ``group_norm`` and ``instance_norm`` pass x (N, C, *) with
  their per-channel weight viewed as (G, C/G), and the op cuts each sample into G rows.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..autograd import OPS, apply_op, no_grad
from ..ops import norm as _norm_ops
from ..tensor import Tensor
from .module import Module, Parameter

__all__ = [
    "BatchNorm1d", "BatchNorm2d", "GroupNorm", "InstanceNorm2d", "LayerNorm", "batch_norm",
    "group_norm", "instance_norm", "layer_norm",
]


# ----------------------------------------------------------------------------- checks


def _check_input(input: Tensor, name: str, min_dim: int) -> None:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input (float32 or float64), "
                           f"got dtype {input.dtype}")
    if input.ndim < min_dim:
        raise RuntimeError(f"{name}: expected an input with at least {min_dim} dimensions, "
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


def _reshape_result(out: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Reshape the op's fresh output (not a view of anything the caller holds, so in-place
    changes to the result stay allowed, as in PyTorch)."""
    return out if out.shape == shape else apply_op(OPS["reshape"], out, shape=shape)


# ----------------------------------------------------------------------------- functions


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over (N, *) for each channel of x (N, C, *).

    In training, normalises with the batch's mean and biased variance and, when given,
    updates ``running_mean``/``running_var`` in place:
    ``running = (1 - momentum) * running + momentum * batch_stat`` with the unbiased variance.
    Otherwise normalises with the running statistics. See ``BatchNorm2d``.
    """
    _check_input(input, "batch_norm", 2)
    channels = input.shape[1]
    for arg, t in (("running_mean", running_mean), ("running_var", running_var),
                   ("weight", weight), ("bias", bias)):
        _check_vector(t, arg, channels, "batch_norm", input.shape)
    if not isinstance(momentum, int | float | np.floating) or isinstance(momentum, bool):
        raise TypeError(f"batch_norm: momentum must be a float, not {type(momentum).__name__}"
                        " (momentum=None, the cumulative average, is a BatchNorm option)")
    w, b = _affine(weight, bias, (channels,), input)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean must be defined in evaluation mode "
                               "(training=False normalises with the running statistics)")
        return apply_op(OPS["batch_norm"], input, w, b, training=False, eps=eps,
                        mean=running_mean._data.reshape(-1), var=running_var._data.reshape(-1))
    _verify_batch_size(input.shape)
    mean, var = _norm_ops.batch_norm_stats(input._data)
    count = input.numel() // max(channels, 1)
    _update_running(running_mean, running_var, mean, var, count, momentum)
    return apply_op(OPS["batch_norm"], input, w, b, training=True, eps=eps, mean=mean, var=var)


def _update_running(running_mean: Tensor | None, running_var: Tensor | None, mean: Any,
                    var: Any, count: int, momentum: float) -> None:
    """In place: running = (1 - momentum) * running + momentum * batch (unbiased variance)."""
    unbiased = var * (count / (count - 1)) if count > 1 else var
    for running, batch in ((running_mean, mean), (running_var, unbiased)):
        if running is not None:
            np.copyto(running._data, (1 - momentum) * running._data + momentum * batch.reshape(
                running.shape), casting="unsafe")
            running._version[0] += 1


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
               ) -> Tensor:
    """Layer normalisation over the last ``len(normalized_shape)`` dims. See ``LayerNorm``."""
    shape = _normalized_shape(normalized_shape, "layer_norm")
    _check_input(input, "layer_norm", len(shape))
    if input.shape[input.ndim - len(shape):] != shape:
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
    lead = input.shape[:input.ndim - len(shape)]
    x = input if len(shape) == 1 else input.reshape(*lead, size)
    w, b = _affine(weight, bias, (size,), input)
    return _reshape_result(apply_op(OPS["layer_norm"], x, w, b, eps=eps), input.shape)


def _normalized_shape(normalized_shape: Any, name: str) -> tuple[int, ...]:
    items = ((normalized_shape,) if isinstance(normalized_shape, int | np.integer)
             else normalized_shape)
    if not isinstance(items, Sequence) or not all(isinstance(n, int | np.integer) and n >= 0
                                                   for n in items):
        raise TypeError(f"{name}: normalized_shape must be an int or a sequence of ints, got "
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
    _check_input(input, "group_norm", 2)
    n_batch, channels = input.shape[:2]
    if not isinstance(num_groups, int | np.integer) or num_groups <= 0:
        raise ValueError(f"group_norm: num_groups must be a positive int, got {num_groups!r}")
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
    _check_input(input, "instance_norm", 2)
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
    if running_mean is not None or running_var is not None:
        count = math.prod(input.shape[2:])
        x3 = input._data.reshape(1, input.shape[0] * channels, count)
        mean, var = (a.reshape(input.shape[0], channels)  # per (n, c)
                     for a in _norm_ops.batch_norm_stats(x3))
        # PyTorch updates one copy of the running stats per sample (batch norm on
        # (1, N*C, L)) and then averages the copies; averaging the statistics first is equal.
        _update_running(running_mean, running_var, mean.mean(axis=0), var.mean(axis=0), count,
                        momentum)
    return _grouped(input, channels, weight, bias, eps)


# ----------------------------------------------------------------------------- modules


def _add_affine(module: Module, shape: tuple[int, ...], affine: bool, bias: bool,
                dtype: Any) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape``, or None when absent."""
    weight = Parameter(creation.ones(*shape, dtype=dtype)) if affine else None
    module.register_parameter("weight", weight)
    module.register_parameter("bias", Parameter(creation.zeros(*shape, dtype=dtype))
                              if affine and bias else None)


def _reset_affine(module: Module) -> None:
    """weight 1 and bias 0, where present."""
    with no_grad():
        if module.weight is not None:
            module.weight.fill_(1)
        if module.bias is not None:
            module.bias.zero_()


class _NormBase(Module):
    """Shared state of batch and instance norm: affine parameters and running statistics."""

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, device: Any, dtype: Any, bias: bool) -> None:
        super().__init__()
        dtypes.check_device(device, type(self).__name__)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _add_affine(self, (num_features,), affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics reset; weight 1 and bias 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        raise NotImplementedError(f"{type(self).__name__} must implement _check_input_dim")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            count = self.num_batches_tracked
            count._data += 1  # in place, like PyTorch's add_(1), without recording anything
            count._version[0] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(count._data)
        # batch statistics in training, and in evaluation when no running stats are kept
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        tracked = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if tracked else None,
                          self.running_var if tracked else None, self.weight, self.bias,
                          use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with mean and biased variance over
    the batch (and L) in training, and the running statistics in evaluation mode.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability (default 1e-5).
        momentum: weight of the new batch in the running averages
            (``running = (1 - momentum) * running + momentum * batch``, default 0.1); None
            for the cumulative average over all batches seen.
        affine: learn ``weight`` and ``bias`` (default True).
        track_running_stats: keep running statistics (default True); without them the
            batch statistics are used in evaluation mode too.
        bias: learn ``bias`` when ``affine`` (keyword only, default True).

    Shape:
        input (N, C) or (N, C, L) -> output the same shape.

    Attributes:
        weight: (C,), initialised to 1. bias: (C,), initialised to 0.
        running_mean: (C,) buffer, 0. running_var: (C,) buffer, 1 (updated with the
            unbiased batch variance). num_batches_tracked: int64 scalar buffer, 0.

    Example:
        >>> import tinygrad_edu as tg
        >>> bn = tg.nn.BatchNorm1d(3)
        >>> y = bn(tg.randn(8, 3))
        >>> bn.num_batches_tracked.item(), y.shape
        (1, (8, 3))
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel (statistics over N, H, W).

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with mean and biased variance over
    (N, H, W) in training, and the running statistics in evaluation mode.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability (default 1e-5).
        momentum: weight of the new batch in the running averages
            (``running = (1 - momentum) * running + momentum * batch``, default 0.1); None
            for the cumulative average over all batches seen.
        affine: learn ``weight`` and ``bias`` (default True).
        track_running_stats: keep running statistics (default True); without them the
            batch statistics are used in evaluation mode too.
        bias: learn ``bias`` when ``affine`` (keyword only, default True).

    Shape:
        input (N, C, H, W) -> output the same shape.

    Attributes:
        weight: (C,), initialised to 1. bias: (C,), initialised to 0.
        running_mean: (C,) buffer, 0. running_var: (C,) buffer, 1 (updated with the
            unbiased batch variance). num_batches_tracked: int64 scalar buffer, 0.

    Example:
        >>> import tinygrad_edu as tg
        >>> bn = tg.nn.BatchNorm2d(4)
        >>> bn
        BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> bn(tg.randn(2, 4, 5, 5)).shape
        (2, 4, 5, 5)
        >>> _ = bn.eval()  # now normalise with running_mean and running_var
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim != 4:
            raise ValueError(f"BatchNorm2d: expected 4D input (got {input.ndim}D input)")


class LayerNorm(Module):
    """Layer normalisation over the last dims of each sample.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with mean and biased variance over
    the last ``len(normalized_shape)`` dims, the same in training and evaluation.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dim).
        eps: added to the variance for stability (default 1e-5).
        elementwise_affine: learn ``weight`` (and ``bias``) of shape normalized_shape
            (default True).
        bias: learn ``bias`` too (default True).

    Shape:
        input (*, *normalized_shape) -> output the same shape.

    Attributes:
        weight: normalized_shape, initialised to 1. bias: normalized_shape, initialised to 0.

    Example:
        >>> import tinygrad_edu as tg
        >>> ln = tg.nn.LayerNorm(4)
        >>> ln
        LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> y = ln(tg.randn(3, 4))
        >>> [round(float(m), 4) + 0.0 for m in y.mean(dim=1)]
        [0.0, 0.0, 0.0]
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dtypes.check_device(device, "LayerNorm")
        self.normalized_shape = _normalized_shape(normalized_shape, "LayerNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _add_affine(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        """weight 1 and bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation: each sample's channels split into groups, each normalised alone.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with mean and biased variance over
    the C / num_groups channels of a group and all their positions, for each sample. One
    group is layer norm over (C, *); C groups is instance norm.

    Args:
        num_groups: G, which must divide num_channels.
        num_channels: C.
        eps: added to the variance for stability (default 1e-5).
        affine: learn per-channel ``weight`` and ``bias`` (default True).
        bias: learn ``bias`` when ``affine`` (keyword only, default True).

    Shape:
        input (N, C, *) -> output the same shape.

    Attributes:
        weight: (C,), initialised to 1. bias: (C,), initialised to 0.

    Example:
        >>> import tinygrad_edu as tg
        >>> gn = tg.nn.GroupNorm(2, 6)
        >>> gn
        GroupNorm(2, 6, eps=1e-05, affine=True, bias=True)
        >>> gn(tg.randn(4, 6, 3, 3)).shape
        (4, 6, 3, 3)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        dtypes.check_device(device, "GroupNorm")
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups, num_channels, eps, affine)
        _add_affine(self, (num_channels,), affine, bias, dtype)

    def reset_parameters(self) -> None:
        """weight 1 and bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class InstanceNorm2d(_NormBase):
    """Instance normalisation of (N, C, H, W) or (C, H, W): each sample's channel alone.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with mean and biased variance over
    (H, W) of each (n, c). With ``track_running_stats`` the running averages are updated in
    training and used in evaluation mode.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability (default 1e-5).
        momentum: weight of the new statistics in the running averages (default 0.1).
        affine: learn per-channel ``weight`` and ``bias`` (default False).
        track_running_stats: keep running statistics (default False).
        bias: learn ``bias`` when ``affine`` (keyword only, default True).

    Shape:
        input (N, C, H, W) or (C, H, W) -> output the same shape.

    Attributes:
        weight: (C,), initialised to 1. bias: (C,), initialised to 0 (when affine).
        running_mean, running_var, num_batches_tracked: as in ``BatchNorm2d`` (when
            track_running_stats).

    Example:
        >>> import tinygrad_edu as tg
        >>> inorm = tg.nn.InstanceNorm2d(3)
        >>> inorm  # doctest: +NORMALIZE_WHITESPACE
        InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False,
                       track_running_stats=False)
        >>> inorm(tg.randn(2, 3, 4, 4)).shape
        (2, 3, 4, 4)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor) or input.ndim not in (3, 4):
            raise ValueError("InstanceNorm2d: expected 3D or 4D input (got "
                             f"{getattr(input, 'ndim', '?')}D input)")
        feature_dim = input.ndim - 3
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"InstanceNorm2d: expected input's size at dim={feature_dim} "
                                 f"to match num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. "
                          "You can silence this warning by not passing in num_features, which "
                          "is not used because affine=False", stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == 3 else input
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return _reshape_result(out, input.shape)
