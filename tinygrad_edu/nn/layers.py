"""Containers and basic layers: Sequential, ModuleList, ModuleDict, Identity, Flatten,
Unflatten, Linear and Bilinear."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from .. import dtypes
from ..checks import layer_size
from ..tensor import Tensor, creation
from . import functional as F
from . import init
from .functional.linear import linear_op
from .module import Module, Parameter, _addindent


class Sequential(Module):
    """Modules applied one after another; indexable like a list.

    Example:
        >>> import tinygrad_edu as tg
        >>> model = tg.nn.Sequential(tg.nn.Linear(4, 3), tg.nn.ReLU())
        >>> model(tg.zeros(2, 4)).shape
        torch.Size([2, 3])
        >>> len(model), type(model[0]).__name__
        (2, 'Linear')
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_list_index(index, len(items), "Sequential")][1]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[_list_index(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add a module at the end."""
        self.add_module(str(len(self)), module)
        return self


def _list_index(index: int, n: int, name: str) -> int:
    if not -n <= index < n:
        raise IndexError(f"{name}: index {index} is out of range for {n} modules")
    return index % n


class ModuleList(Module):
    """A list of modules whose parameters are registered.

    Example:
        >>> import tinygrad_edu as tg
        >>> layers = tg.nn.ModuleList([tg.nn.Linear(2, 2) for _ in range(3)])
        >>> len(list(layers.parameters()))
        6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[_list_index(index, len(items), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_list_index(index, len(self), "ModuleList")), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        """Add a module at the end."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add several modules at the end."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert a module before ``index``."""
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        self.extend(items)

    def __repr__(self) -> str:
        """PyTorch's repr, with runs of equal layers folded: ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2)
                 for a, b, r in runs]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules whose parameters are registered."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules."""
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """(name, module) pairs."""
        return self._modules.items()

    def update(self, modules: Mapping[str, Module]) -> None:
        """Add or replace modules."""
        for key, module in modules.items():
            self.add_module(key, module)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (by default all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        s, e = self.start_dim, self.end_dim
        shape = x.numpy(force=True).shape if isinstance(x, Tensor) else None
        n = 0 if shape is None else len(shape)
        if type(s) is int and type(e) is int and -n <= s < n and -n <= e < n:
            s, e = s % n, e % n
            if s < e:  # the merged size given, not -1: no inference for reshape to do
                return x.reshape(*shape[:s], math.prod(shape[s:e + 1]), *shape[e + 1:])
        return x.flatten(s, e)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        return x.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Linear(Module):
    """Affine layer y = x W^T + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).

    Shape:
        input (*, in_features) -> output (*, out_features).

    Attributes:
        weight: (out_features, in_features), U(-k, k) with k = 1/sqrt(in_features)
            (PyTorch's kaiming_uniform_ with a = sqrt(5)).
        bias: (out_features,), U(-k, k).

    Example:
        >>> import tinygrad_edu as tg
        >>> fc = tg.nn.Linear(3, 2)
        >>> fc.weight.shape, fc(tg.ones(5, 3)).shape
        (torch.Size([2, 3]), torch.Size([5, 2]))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dtypes.check_device(device, "Linear")
        in_features = layer_size(in_features, "Linear", "in_features")
        out_features = layer_size(out_features, "Linear", "out_features", bool_ok=False)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(creation.empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"Linear: expected a Tensor input, got {type(x).__name__}")
        if x.numpy(force=True).shape[-1:] != (self.in_features,):
            raise RuntimeError(f"Linear: expected input with last dimension {self.in_features} "
                               f"(in_features), got shape {x.shape}")
        params, d = self._parameters, self.__dict__
        if "weight" in params and "bias" in params and "weight" not in d and "bias" not in d:
            weight, bias = params["weight"], params["bias"]
        else:  # replaced by plain attributes, or deleted: attribute lookup decides
            weight, bias = self.weight, self.bias
        out = linear_op(x, weight, bias)  # the common case, without F.linear's front door
        return out if out is not None else F.linear(x, weight, bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """Bilinear layer y = x1^T W x2 + b: output feature o is x1 . weight[o] . x2 + bias[o].

    Args:
        in1_features: size of each first input sample.
        in2_features: size of each second input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).

    Shape:
        input1 (*, in1_features), input2 (*, in2_features) -> output (*, out_features).

    Attributes:
        weight: (out_features, in1_features, in2_features), U(-k, k) with
            k = 1/sqrt(in1_features).
        bias: (out_features,), U(-k, k).

    Example:
        >>> import tinygrad_edu as tg
        >>> m = tg.nn.Bilinear(3, 4, 2)
        >>> m
        Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)
        >>> m(tg.ones(5, 3), tg.ones(5, 4)).shape
        torch.Size([5, 2])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dtypes.check_device(device, "Bilinear")
        in1_features = layer_size(in1_features, "Bilinear", "in1_features")
        in2_features = layer_size(in2_features, "Bilinear", "in2_features")
        out_features = layer_size(out_features, "Bilinear", "out_features", bool_ok=False)
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty(out_features, in1_features, in2_features,
                                               dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight and bias from U(-k, k), k = 1/sqrt(in1_features)."""
        if self.in1_features <= 0:
            raise ValueError(f"Bilinear: in1_features must be > 0, but got (in1_features="
                             f"{self.in1_features})")
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
