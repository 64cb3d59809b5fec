"""``Module`` and ``Parameter``: PyTorch's model-building base, in plain Python.

A Module keeps three ordered dicts, filled by attribute assignment: ``_parameters`` (the
``Parameter`` objects it owns), ``_buffers`` (state that is saved but not trained, such as
running means) and ``_modules`` (its children). Everything else (``parameters()``,
``state_dict()``, ``train()``, the ``repr``) walks those dicts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes
from ..device import CPU_NOTE, check_device
from ..tensor import Size, Tensor
from ..tensor.devices import parse_to_args


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable (``requires_grad=True`` by default).

    Example:
        >>> import tinygrad_edu as tg
        >>> p = tg.nn.Parameter(tg.zeros(2))
        >>> p.requires_grad, p.is_leaf
        (True, True)
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        # a Tensor's memory (and version counter) is shared, as in PyTorch
        super().__init__(np.zeros(0, dtype=np.float32) if data is None else data)
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class _RemovableHandle:
    def __init__(self, hooks: dict[int, Any], key: int) -> None:
        self._hooks, self._key = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)


class Module:
    """Base class for every layer and model (``torch.nn.Module``).

    Subclasses assign Parameters, buffers and Modules as attributes in ``__init__`` and
    compute in ``forward``; calling the module runs ``forward`` with its hooks.

    Example:
        >>> import tinygrad_edu as tg
        >>> class Net(tg.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = tg.nn.Linear(3, 2)
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> [name for name, _ in Net().named_parameters()]
        ['fc.weight', 'fc.bias']
    """

    _hook_counter = 0

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise TypeError(f"{type(self).__name__} is missing the required 'forward' method")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    # ------------------------------------------------------------------ registration

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign attributes before Module.__init__() call; call "
                                 "super().__init__() first in your __init__")
        kind = ("_parameters" if isinstance(value, Parameter) else
                "_modules" if isinstance(value, Module) else
                next((s for s in ("_parameters", "_buffers", "_modules")
                      if name in self.__dict__[s]), None))
        if kind is None:
            object.__setattr__(self, name, value)
            return
        expected = {"_parameters": Parameter, "_buffers": Tensor, "_modules": Module}[kind]
        if value is not None and not isinstance(value, expected):
            raise TypeError(f"cannot assign '{type(value).__name__}' as {kind[1:-1]} '{name}' "
                            f"({expected.__name__} or None expected)")
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != kind:
                self.__dict__[store].pop(name, None)
        self.__dict__[kind][name] = value

    def __getattr__(self, name: str) -> Any:
        for store in ("_parameters", "_buffers", "_modules"):
            items = self.__dict__.get(store)
            if items is not None and name in items:
                return items[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent one such as a missing bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: cannot assign {type(param).__name__} as "
                            f"parameter '{name}' (nn.Parameter or None expected)")
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is saved in ``state_dict`` (when persistent) but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: cannot assign {type(tensor).__name__} as buffer "
                            f"'{name}' (Tensor or None expected)")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"add_module: module name should be a string, got "
                            f"{type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f"add_module: module name can't contain \".\" or be empty, got "
                           f"{name!r}")
        self._modules[name] = module

    register_module = add_module

    def register_forward_hook(self, hook: Callable[..., Any]) -> _RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward; a returned value replaces
        the output."""
        return self._add_hook(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> _RemovableHandle:
        """Call ``hook(module, args)`` before every forward; a returned value replaces args."""
        return self._add_hook(self._forward_pre_hooks, hook)

    def _add_hook(self, hooks: dict[int, Any], hook: Callable[..., Any]) -> _RemovableHandle:
        Module._hook_counter += 1
        hooks[Module._hook_counter] = hook
        return _RemovableHandle(hooks, Module._hook_counter)

    # ------------------------------------------------------------------ traversal

    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and all below it, with dotted names (each module once)."""
        memo = set() if memo is None else memo
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and all below it."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct children with their names."""
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct children."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, store: str, prefix: str, recurse: bool
                       ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (shared ones once)."""
        yield from self._named_members("_parameters", prefix, recurse)  # type: ignore[misc]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (what an optimizer needs)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True
                      ) -> Iterator[tuple[str, Tensor]]:
        """Every buffer with its dotted name."""
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    # ------------------------------------------------------------------ modes and conversion

    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics) recursively."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient tracking of every parameter on or off (freezing layers)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor(np.zeros_like(p.grad.numpy()))

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Convert floating-point parameters and buffers to a dtype, in place; CPU only.

        The call forms of ``Tensor.to`` work: ``to(tg.float64)``, ``to(device)``,
        ``to(device, dtype)``, ``to(tensor)``; a GPU device raises PyTorch's error.
        """
        dtype, _ = parse_to_args("Module.to", args, kwargs)
        if dtype is not None:
            if dtype.kind != "f":
                raise TypeError(f"Module.to: only floating point dtypes are accepted, got {dtype}")
            for t in list(self.parameters()) + list(self.buffers()):
                if t.dtype.kind == "f":
                    t.data = t.data.type(dtype)
                    if t.grad is not None:
                        t.grad = t.grad.type(dtype)
        return self

    def float(self) -> Module:
        """Convert to float32."""
        return self.to(dtypes.float32)

    def double(self) -> Module:
        """Convert to float64."""
        return self.to(dtypes.float64)

    def half(self) -> Module:
        """Convert the float parameters and buffers to float16."""
        return self.to(dtypes.float16)

    def bfloat16(self) -> Module:
        """Convert the float parameters and buffers to bfloat16."""
        return self.to(dtypes.bfloat16)

    def cpu(self) -> Module:
        """This module (everything lives on the CPU)."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Always an error, as on a CPU-only PyTorch: tinygrad_edu has no GPU backend."""
        if isinstance(device, int) and not isinstance(device, bool):
            raise RuntimeError(f"Module.cuda({device}): no accelerator device is available; "
                               f"{CPU_NOTE}")
        check_device("cuda" if device is None else device, "Module.cuda")
        return self

    # ------------------------------------------------------------------ state dict

    def state_dict(self, destination: dict[str, Tensor] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (PyTorch's keys).

        The values share memory with the module (detached unless ``keep_vars``).
        """
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        # a module registered under two names appears under both, as in PyTorch
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip("."),
                                                        remove_duplicate=False):
            head = f"{module_prefix}." if module_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[head + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[head + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> _IncompatibleKeys:
        """Copy values into the parameters and buffers, checking everything first.

        Values may be Tensors, numpy arrays or anything with ``__array__`` (a PyTorch tensor).
        Every mismatch (missing or unexpected keys with ``strict``, wrong shapes, a float value
        for an integer buffer) is listed in one RuntimeError, and nothing changes then.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, arrays = [], {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            try:
                value = np.asarray(_array_of(state_dict[key]))
            except Exception as exc:  # noqa: BLE001 - reported below with the key
                errors.append(f"could not read {key!r} as an array ({exc})")
                continue
            if value.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{Size(value.shape)} from checkpoint, the shape in current model "
                              f"is {Size(target.shape)}")
            elif (value.dtype.kind == "f" or value.dtype.char == "E") != (  # E: bfloat16
                    target.dtype.kind == "f"):
                errors.append(f"dtype mismatch for {key}: checkpoint has {value.dtype}, the "
                              f"model has {target.dtype.name}")
            else:
                arrays[key] = value
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: " +
                          ", ".join(map(repr, unexpected)))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" +
                               "\n\t".join(errors))
        for key, value in arrays.items():
            with own[key].mutate() as target:
                target[...] = value
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing

    def extra_repr(self) -> str:
        """One line of settings shown in the repr (e.g. ``in_features=3, out_features=2``)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ")
                 for name, child in self._modules.items()]
        if not lines and len(extra_lines) <= 1:  # one line: Linear(in_features=3, ...)
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(extra_lines + lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) |
                      set(self._modules))


def _array_of(value: Any) -> Any:
    """The array inside a Tensor, or the value itself (numpy arrays, torch tensors)."""
    if isinstance(value, Tensor):
        return value.numpy(force=True)
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a PyTorch tensor
        return value.detach().cpu().numpy()
    return value
