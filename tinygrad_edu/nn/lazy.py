"""Lazy modules: layers that learn their input size from the first batch (``nn.LazyLinear``).

``nn.LazyLinear(10)`` needs no ``in_features``: its weight starts as an
``UninitializedParameter`` (no shape, no data). A forward pre-hook runs once, at the first
call: ``initialize_parameters(input)`` reads the size off the input, ``materialize``s every
placeholder with its shape, runs the usual ``reset_parameters``, and then the module *becomes*
the ordinary class (``cls_to_become``: ``type(layer)`` is ``Linear`` from then on). Loading a
state dict into a lazy module gives the placeholders the saved shapes instead.

Each lazy class is the eager class with a mixin in front (``LazyLinear(LazyModuleMixin,
Linear)``); ``make_lazy`` builds it for every conv and norm class.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..checks import layer_size, min_dims
from ..tensor import creation
from ..tensor.convert import check_tensor
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers import Linear
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy

__all__ = ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
           "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
           "LazyModuleMixin"]


class LazyModuleMixin:
    """Put in front of a Module class: its placeholders get shapes at the first forward."""

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(  # type: ignore[attr-defined]
            self._infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """Is any parameter or buffer still a placeholder?"""
        return any(is_lazy(t) for t in (*self._parameters.values(),  # type: ignore[attr-defined]
                                         *self._buffers.values()))  # type: ignore[attr-defined]

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Give every placeholder its shape from the first input (each lazy class defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def _infer_parameters(self, module: Any, args: tuple[Any, ...],
                          kwargs: dict[str, Any] | None = None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


# ----------------------------------------------------------------------------- Linear

class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last size of the first input.

    Example:
        >>> import tinygrad_edu as tg
        >>> fc = tg.nn.LazyLinear(2)
        >>> fc(tg.ones(5, 3)).shape, type(fc).__name__, fc.weight.shape
        (torch.Size([5, 2]), 'Linear', torch.Size([2, 3]))
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        # checked now (PyTorch's types), not when the first input makes the weight
        out_features = layer_size(out_features, "LazyLinear", "out_features", bool_ok=False)
        super().__init__(0, 0, False, device, dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Any) -> None:  # noqa: A002 - PyTorch's name
        check_tensor(input, type(self).__name__)  # checked while this is the lazy class
        min_dims(input, 1, type(self).__name__, "an input (*, in_features) to read "
                 "in_features from")
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()
        if self.in_features == 0:  # loaded from a state dict: the weight knows the size
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} "
                                     "is not equal to in_features from self.weight: "
                                     f"{self.weight.shape[-1]}")
            self.in_features = input.shape[-1]


# ----------------------------------------------------------------------------- convolutions

class _LazyConvXdMixin(LazyModuleMixin):
    """Lazy convolutions: ``in_channels`` is the channel size of the first input."""

    _spatial_dims = 2
    _transposed = False
    _lazy = True

    def __init__(self, out_channels: int, kernel_size: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(0, out_channels, kernel_size, *args, **kwargs)
        dtype = kwargs.get("dtype")
        self.weight = UninitializedParameter(dtype=dtype)
        if self.bias is not None:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def _get_in_channels(self, input: Any) -> int:  # noqa: A002
        unbatched = self._spatial_dims + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D "
                               f"(batched) input to {type(self).__name__}, but got input of "
                               f"size: {input.shape}")
        return int(input.shape[1] if input.dim() == unbatched + 1 else input.shape[0])

    def initialize_parameters(self, input: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        pair = ((self.in_channels, self.out_channels // self.groups) if self._transposed else
                (self.out_channels, self.in_channels // self.groups))
        self.weight.materialize((*pair, *self.kernel_size))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


# ----------------------------------------------------------------------------- normalization

class _LazyNormBase(LazyModuleMixin):
    """Lazy batch/instance norm: ``num_features`` is ``input.shape[1]`` of the first input
    (as in PyTorch, also for an unbatched instance-norm input)."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(0, eps, momentum, False, False, device=device, dtype=dtype)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = creation.tensor(0, dtype=dtypes.int64)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Any) -> None:  # noqa: A002
        name = type(self).__name__  # checked while this is still the lazy class
        check_tensor(input, name)
        min_dims(input, 2, name, "an input (N, C, *) to read num_features from its dim 1")
        if isinstance(self, _BatchNorm):  # its rank check comes first, naming this class
            self._check_input_dim(input)
        if not self.has_uninitialized_params():
            return
        self.num_features = int(input.shape[1])
        for name in ("weight", "bias", "running_mean", "running_var"):
            t = getattr(self, name, None)
            if t is not None and is_lazy(t):
                t.materialize((self.num_features,))
        self.reset_parameters()


# ----------------------------------------------------------------------------- the classes

_MIXINS: dict[str, tuple[type, dict[str, Any]]] = {
    "Conv": (_LazyConvXdMixin, {}), "ConvTranspose": (_LazyConvXdMixin, {"_transposed": True}),
    "BatchNorm": (_LazyNormBase, {}), "InstanceNorm": (_LazyNormBase, {}),
}


def make_lazy(eager: type) -> type:
    """The lazy class of an eager conv or norm class: ``Lazy<Name>``, becoming ``eager``."""
    family, dims = eager.__name__[:-2], int(eager.__name__[-2])
    mixin, extra = _MIXINS[family]
    attrs = {"cls_to_become": eager, "_spatial_dims": dims, "__module__": __name__,
             "__qualname__": f"Lazy{eager.__name__}",
             "__doc__": f"``{eager.__name__}`` whose input size is read off the first input."}
    return type(f"Lazy{eager.__name__}", (mixin, eager), {**attrs, **extra})


LazyConv1d = make_lazy(Conv1d)
LazyConv2d = make_lazy(Conv2d)
LazyConv3d = make_lazy(Conv3d)
LazyConvTranspose1d = make_lazy(ConvTranspose1d)
LazyConvTranspose2d = make_lazy(ConvTranspose2d)
LazyConvTranspose3d = make_lazy(ConvTranspose3d)
LazyBatchNorm1d = make_lazy(BatchNorm1d)
LazyBatchNorm2d = make_lazy(BatchNorm2d)
LazyBatchNorm3d = make_lazy(BatchNorm3d)
LazyInstanceNorm1d = make_lazy(InstanceNorm1d)
LazyInstanceNorm2d = make_lazy(InstanceNorm2d)
LazyInstanceNorm3d = make_lazy(InstanceNorm3d)
