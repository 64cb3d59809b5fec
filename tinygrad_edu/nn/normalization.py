"""Normalisation layers: ``BatchNorm1d/2d/3d``, ``LayerNorm``, ``GroupNorm`` and ``RMSNorm``
(instance norm is in ``instancenorm.py``, local response norm in ``response_norm.py``).

The modules own the affine parameters and running statistics and call the functions of
``nn/functional/normalization.py``, which check their arguments and call the two registered
primitives of ``ops/norm.py`` (``batch_norm`` and ``layer_norm``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dtypes
from ..autograd import no_grad
from ..checks import check_divisible, check_number, check_size
from ..tensor import Tensor, creation
from . import functional as F
from .functional.normalization import checked_shape
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "LayerNorm", "RMSNorm"]


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


_BATCH_NORM_STATE = (("running_mean", "_buffers"), ("running_var", "_buffers"),
                     ("num_batches_tracked", "_buffers"), ("weight", "_parameters"),
                     ("bias", "_parameters"))
_BATCH_NORM_NAMES = frozenset(name for name, _ in _BATCH_NORM_STATE)


def _batch_norm_state(module: Module) -> list[Any]:
    """running_mean, running_var, num_batches_tracked, weight and bias, read from the
    module's dicts directly rather than through ``Module.__getattr__``; an instance attribute
    of one of these names (possible after a ``del``) wins, as in attribute lookup."""
    d = module.__dict__
    if not d.keys().isdisjoint(_BATCH_NORM_NAMES):
        return [getattr(module, name) for name, _ in _BATCH_NORM_STATE]
    return [d[store].get(name) for name, store in _BATCH_NORM_STATE]


class _NormBase(Module):
    """Shared state of batch and instance norm: affine parameters and running statistics."""

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, device: Any, dtype: Any, bias: bool) -> None:
        super().__init__()
        name = type(self).__name__
        dtypes.check_device(device, name)
        if affine or track_running_stats:  # else unused, and unchecked, as in PyTorch
            check_size(num_features, name, "num_features")
        check_number(eps, "eps", name)
        if momentum is not None:
            check_number(momentum, "momentum", name)
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
        momentum = self.momentum
        factor = 0.0 if momentum is None else momentum
        training = self.training
        running_mean, running_var, count, weight, bias = _batch_norm_state(self)
        if training and self.track_running_stats and count is not None:
            with count.mutate() as n:  # in place, like PyTorch's add_(1), not recorded
                n += 1
            if momentum is None:  # cumulative moving average
                factor = 1.0 / float(count)
        # batch statistics in training, and in evaluation when no running stats are kept
        use_batch = training or (running_mean is None and running_var is None)
        tracked = not training or self.track_running_stats
        return F.batch_norm(input, running_mean if tracked else None,
                            running_var if tracked else None, weight, bias, use_batch, factor,
                            self.eps)


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
        (1, torch.Size([8, 3]))
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: expected 2D or 3D input (got "
                             f"{input.ndim}D input)")


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
        torch.Size([2, 4, 5, 5])
        >>> _ = bn.eval()  # now normalise with running_mean and running_var
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim != 4:
            raise ValueError(f"{type(self).__name__}: expected 4D input (got {input.ndim}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel (statistics over N, D, H, W).

    Arguments, attributes and the update of the running statistics are those of
    ``BatchNorm2d``; only the input has one more spatial dim (volumes, videos).

    Shape:
        input (N, C, D, H, W) -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> bn = tg.nn.BatchNorm3d(2)
        >>> bn(tg.randn(3, 2, 2, 2, 2)).shape
        torch.Size([3, 2, 2, 2, 2])
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim != 5:
            raise ValueError(f"{type(self).__name__}: expected 5D input (got {input.ndim}D input)")


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
        self.normalized_shape = checked_shape(normalized_shape, "LayerNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _add_affine(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        """weight 1 and bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

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
        torch.Size([4, 6, 3, 3])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        dtypes.check_device(device, "GroupNorm")
        check_divisible("GroupNorm", "num_groups", num_groups, {"num_channels": num_channels})
        check_size(num_groups, "GroupNorm", "num_groups")
        check_size(num_channels, "GroupNorm", "num_channels")
        check_number(eps, "eps", "GroupNorm")
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
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalisation over the last dims of each sample (no centring).

    y = x / sqrt(mean(x^2) + eps) * weight, the mean over the last ``len(normalized_shape)``
    dims. Cheaper than LayerNorm (no mean to subtract, no bias); used by many Transformers.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dim).
        eps: added to the mean square; None (the default) means the machine epsilon of the
            input's dtype (``torch.finfo(x.dtype).eps``).
        elementwise_affine: learn ``weight`` of shape normalized_shape (default True).

    Shape:
        input (*, *normalized_shape) -> output the same shape.

    Attributes:
        weight: normalized_shape, initialised to 1.

    Example:
        >>> import tinygrad_edu as tg
        >>> rms = tg.nn.RMSNorm(4)
        >>> rms
        RMSNorm((4,), eps=None, elementwise_affine=True)
        >>> rms(tg.tensor([[2.0, -2.0, 2.0, -2.0]]))
        tensor([[ 1., -1.,  1., -1.]], grad_fn=<MulBackward0>)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None
                 ) -> None:
        super().__init__()
        dtypes.check_device(device, "RMSNorm")
        self.normalized_shape = checked_shape(normalized_shape, "RMSNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.register_parameter("weight", Parameter(creation.ones(*self.normalized_shape,
                                                                  dtype=dtype))
                                if elementwise_affine else None)

    def reset_parameters(self) -> None:
        """weight 1."""
        if self.weight is not None:
            with no_grad():
                self.weight.fill_(1)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
