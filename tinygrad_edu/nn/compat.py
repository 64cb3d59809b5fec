"""Names PyTorch keeps for older code and for other hardware.

* ``Container`` and ``NLLLoss2d`` are deprecated aliases (``Module`` with children given as
  keywords; ``NLLLoss``): they work and warn, with PyTorch's FutureWarning.
* ``DataParallel`` and ``SyncBatchNorm`` spread work over several GPUs. On a machine without
  an accelerator PyTorch runs them as plain modules, and so does tinygrad_edu (which is CPU
  only): ``DataParallel(model)`` calls ``model`` (its state-dict keys get the ``module.``
  prefix, as in PyTorch, so checkpoints move between the two), and ``SyncBatchNorm`` is batch
  norm over its own batch (there is no process group to synchronise with).
* ``factory_kwargs`` collects the ``device``/``dtype`` keywords a custom layer passes on.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from .loss import NLLLoss
from .module import Module
from .normalization import _BatchNorm

__all__ = ["Container", "DataParallel", "NLLLoss2d", "SyncBatchNorm", "factory_kwargs"]


class Container(Module):
    """Deprecated: a Module whose children are given as keywords. Subclass ``Module``."""

    def __init__(self, **kwargs: Any) -> None:
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now "
                      "implemented in `nn.Module`. Subclass that instead.", FutureWarning,
                      stacklevel=2)
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of ``NLLLoss`` (which handles (N, C, H, W) inputs itself)."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                      "drop-in replacement and see https://pytorch.org/docs/main/nn.html"
                      "#torch.nn.NLLLoss for more details.", FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class DataParallel(Module):
    """Runs ``module`` on the one device there is (PyTorch's behaviour without a GPU).

    ``device_ids`` is ``[]`` and the wrapped model is ``.module``; parameters and state-dict
    keys are the model's with the ``module.`` prefix.

    Example:
        >>> import tinygrad_edu as tg
        >>> net = tg.nn.DataParallel(tg.nn.Linear(2, 3))
        >>> list(net.state_dict())
        ['module.weight', 'module.bias']
    """

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None,
                 output_device: Any = None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[int] = []  # no accelerator: PyTorch ignores device_ids then

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


class SyncBatchNorm(_BatchNorm):
    """Batch norm synchronised across processes; without a process group (always here) it is
    batch norm over the local batch, as PyTorch computes it on a CPU."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any = None, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Any) -> None:  # noqa: A002
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every BatchNorm*d in ``module`` by a SyncBatchNorm sharing its tensors."""
        out = module
        if isinstance(module, _BatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group,
                      bias=module.bias is not None)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out


def factory_kwargs(kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """The ``device``/``dtype``/``memory_format`` keywords of ``kwargs`` (plus an explicit
    ``factory_kwargs`` dict), checked: anything else is a TypeError."""
    if kwargs is None:
        return {}
    simple = {"device", "dtype", "memory_format"}
    unexpected = kwargs.keys() - simple - {"factory_kwargs"}
    if unexpected:
        raise TypeError(f"unexpected kwargs {unexpected}")
    out = dict(kwargs.get("factory_kwargs", {}))
    for key in simple:
        if key in kwargs:
            if key in out:
                raise TypeError(f"{key} specified twice, in **kwargs and in factory_kwargs")
            out[key] = kwargs[key]
    return out
