"""``nn.utils.weight_norm``: the weight as a direction times a learned length (the old API).

Weight normalisation (Salimans & Kingma, 2016) writes ``w = g * v / ||v||``: ``v`` (any size)
gives the direction, ``g`` the length, so gradient descent can change the two separately.
The norm is taken over every dimension except ``dim`` (one length per output row for
``dim=0``); ``dim=None`` uses one length for the whole tensor.

The old API (kept by PyTorch, deprecated there in favour of
``nn.utils.parametrizations.weight_norm``) stores parameters ``weight_g`` and ``weight_v`` and
recomputes ``module.weight`` in a forward pre-hook, before every call.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = ["WeightNorm", "norm_except_dim", "remove_weight_norm", "weight_norm"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002
    """The ``pow``-norm of ``v`` over every dimension except ``dim``, broadcastable to ``v``.

    ``dim=-1`` means "no dimension kept": the norm of the whole tensor, a 0-d Tensor (this is
    PyTorch's convention here, not the usual meaning of -1).
    """
    if dim == -1:
        return (v.abs() ** pow).sum() ** (1.0 / pow)
    dim = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:
        return v.abs()
    return (v.abs() ** pow).sum(dim=others, keepdim=True) ** (1.0 / pow)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """w = v * (g / ||v||): the gradient reaches g through the length, v through both."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``_v``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                            self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = module._parameters.get(name)
        if weight is None:
            raise AttributeError(f"weight_norm: module {type(module).__name__} has no "
                                 f"parameter {name!r}")
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(norm_except_dim(weight.detach(), 2, fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module).detach()
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (parameters ``<name>_g``, ``_v``).

    Example:
        >>> import warnings
        >>> import tinygrad_edu as tg
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     layer = tg.nn.utils.weight_norm(tg.nn.Linear(20, 40), name="weight")
        >>> layer.weight_g.shape, layer.weight_v.shape
        (torch.Size([40, 1]), torch.Size([40, 20]))
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``weight_norm``: ``module.<name>`` becomes a plain parameter again."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
