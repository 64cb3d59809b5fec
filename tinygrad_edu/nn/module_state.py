"""The part of ``Module`` that saves, loads, converts and switches modes.

``state_dict`` lists parameters and persistent buffers by dotted name; ``load_state_dict``
checks a whole state dict before it copies anything (missing and unexpected keys, shapes,
int/float kinds) and reports every problem in one error, with PyTorch's wording. ``to``,
``half``, ``double``... convert every floating-point parameter and buffer in place (the
Parameter objects stay the same, so an optimizer built before still holds them).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import dtypes
from ..device import CPU_NOTE, check_device
from ..tensor import Size, Tensor
from ..tensor.devices import parse_to_args
from .parameter import Parameter, is_lazy


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: the keys it did not find, and the ones it did not
    expect."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


class ModuleState:
    """Mixin of ``Module``: state dicts, dtype conversion, train/eval."""

    training: bool
    _parameters: OrderedDict[str, Any]
    _buffers: OrderedDict[str, Any]
    _modules: OrderedDict[str, Any]
    _non_persistent_buffers_set: set[str]

    if TYPE_CHECKING:
        def named_modules(self, memo: Any = None, prefix: str = "",
                          remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]: ...
        def parameters(self, recurse: bool = True) -> Iterator[Parameter]: ...
        def children(self) -> Iterator[Any]: ...

    # ------------------------------------------------------------------ modes

    def train(self, mode: bool = True) -> Any:
        """Set training mode (dropout active, batch norm uses batch statistics) recursively."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Any:
        """Set evaluation mode (``train(False)``)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        """Turn gradient tracking of every parameter on or off (freezing layers)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None, or to zeros in place)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.requires_grad_(False)
                    p.grad.zero_()

    def apply(self, fn: Callable[[Any], Any]) -> Any:
        """Call ``fn`` on every submodule (children first) and on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def share_memory(self) -> Any:
        """This module (its tensors are numpy arrays; worker processes get copies)."""
        return self

    # ------------------------------------------------------------------ conversion

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Any:
        """Replace the data of every parameter and buffer (and gradient) by ``fn`` of it,
        keeping the tensor objects (PyTorch's ``Module._apply``)."""
        if recurse:
            for child in self.children():
                child._apply(fn)
        for t in [*self._parameters.values(), *self._buffers.values()]:
            if t is None or is_lazy(t):
                continue
            new = fn(t.detach())
            if new._data is not t._data:  # as PyTorch's param.data = ...: no version bump
                t._data = new._data
            if t.grad is not None:
                g = fn(t.grad)
                t._grad = g if g.dtype == t.dtype else g.type(t.dtype)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """Convert floating-point parameters and buffers to a dtype, in place; CPU only.

        The call forms of ``Tensor.to`` work: ``to(tg.float64)``, ``to(device)``,
        ``to(device, dtype)``, ``to(tensor)``; a GPU device raises PyTorch's error.
        """
        kwargs.pop("memory_format", None)
        dtype, _ = parse_to_args("Module.to", args, kwargs)
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={dtype}")
        return self._apply(lambda t: t.type(dtype) if t.dtype.kind == "f" else t)

    def _float_to(self, dtype: Any) -> Any:
        return self._apply(lambda t: t.type(dtype) if t.dtype.kind == "f" else t)

    def float(self) -> Any:
        """Convert the float parameters and buffers to float32."""
        return self._float_to(dtypes.float32)

    def double(self) -> Any:
        """Convert the float parameters and buffers to float64."""
        return self._float_to(dtypes.float64)

    def half(self) -> Any:
        """Convert the float parameters and buffers to float16."""
        return self._float_to(dtypes.float16)

    def bfloat16(self) -> Any:
        """Convert the float parameters and buffers to bfloat16."""
        return self._float_to(dtypes.bfloat16)

    def type(self, dst_type: Any) -> Any:
        """Convert every parameter and buffer (integer ones too) to ``dst_type``."""
        return self._apply(lambda t: t.type(dst_type))

    def cpu(self) -> Any:
        """This module (everything lives on the CPU)."""
        return self

    def cuda(self, device: Any = None) -> Any:
        """Always an error, as on a CPU-only PyTorch: tinygrad_edu has no GPU backend."""
        if isinstance(device, int) and not isinstance(device, bool):
            raise RuntimeError(f"Module.cuda({device}): no accelerator device is available; "
                               f"{CPU_NOTE}")
        check_device("cuda" if device is None else device, "Module.cuda")
        return self

    # ------------------------------------------------------------------ state dict

    def _local_state(self) -> Iterator[tuple[str, Any]]:
        for name, p in self._parameters.items():
            if p is not None:
                yield name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield name, b

    def state_dict(self, *args: Any, destination: dict[str, Tensor] | None = None,
                   prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (PyTorch's keys).

        The values share memory with the module (detached unless ``keep_vars``).
        """
        if args:  # PyTorch's deprecated positional form (destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        # a module registered under two names appears under both, as in PyTorch
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip("."),
                                                        remove_duplicate=False):
            head = f"{module_prefix}." if module_prefix else ""
            for name, t in module._local_state():
                out[head + name] = t if keep_vars or is_lazy(t) else t.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy values into the parameters and buffers, checking everything first.

        Values may be Tensors, numpy arrays or anything with ``__array__`` (a PyTorch tensor).
        Every mismatch (missing or unexpected keys with ``strict``, wrong shapes, a float value
        for an integer buffer) is listed in one RuntimeError, and nothing changes then.
        With ``assign=True`` the module takes the given tensors themselves (a Parameter keeps
        its ``requires_grad``) instead of copying into its own.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        arrays, missing, unexpected, errors = self._checked_state(state_dict, strict)
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" +
                               "\n\t".join(errors))
        owners = self._owners()
        for key, value in arrays.items():
            _load_one(owners[key], key.rpartition(".")[2], own[key], value,
                      state_dict[key], assign)
        return _IncompatibleKeys(missing, unexpected)

    def _checked_state(self, state_dict: Mapping[str, Any], strict: bool = True
                       ) -> tuple[dict[str, Any], list[str], list[str], list[str]]:
        """``load_state_dict``'s checks without loading: (the arrays to copy, missing keys,
        unexpected keys, the errors, which are empty when ``state_dict`` would load)."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, arrays = [], {}
        for key, target in own.items():
            if key in state_dict:
                value, error = _checked_value(key, state_dict[key], target)
                if error:
                    errors.append(error)
                else:
                    arrays[key] = value
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: " +
                          ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: " +
                          ", ".join(f'"{k}"' for k in missing) + ". ")
        return arrays, missing, unexpected, errors

    def _owners(self) -> dict[str, Any]:
        """The module that holds each state-dict key."""
        out = {}
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            head = f"{module_prefix}." if module_prefix else ""
            for name, _ in module._local_state():
                out[head + name] = module
        return out


def _checked_value(key: str, raw: Any, target: Any) -> tuple[Any, str | None]:
    """``(array, None)`` when ``raw`` can be loaded into ``target``, else ``(None, error)``."""
    try:
        value = np.asarray(_array_of(raw))
    except Exception as exc:  # noqa: BLE001 - reported with the key
        return None, (f'While copying the parameter named "{key}", expected torch.Tensor or '
                      f"Tensor-like object from checkpoint but received {type(raw)} ({exc})")
    if value.dtype == object:
        return None, (f'While copying the parameter named "{key}", expected torch.Tensor or '
                      f"Tensor-like object from checkpoint but received {type(raw)}")
    if value.dtype.kind not in "biuf" and value.dtype.char != "E":  # E: bfloat16
        return None, (f"dtype mismatch for {key}: checkpoint has {value.dtype} values, "
                      "expected real numbers (floats, ints or bools)")
    if is_lazy(target):
        return value, None
    if target.ndim == 0 and value.shape == (1,):  # PyTorch's old 1-element scalars
        value = value.reshape(())
    if value.shape != target.shape:
        return None, (f"size mismatch for {key}: copying a param with shape "
                      f"{Size(value.shape)} from checkpoint, the shape in current model is "
                      f"{Size(target.shape)}.")
    if (value.dtype.kind == "f" or value.dtype.char == "E") != (  # E: bfloat16
            target.dtype.kind == "f"):
        return None, (f"dtype mismatch for {key}: checkpoint has {value.dtype}, the model has "
                      f"{target.dtype.name}")
    if target.dtype.kind in "iu" and value.size:
        limits = np.iinfo(target.dtype)
        low, high = int(value.min()), int(value.max())
        if low < limits.min or high > limits.max:
            return None, (f"value out of range for {key}: checkpoint has values in "
                          f"[{low}, {high}], which {target.dtype.name} cannot hold")
    return value, None


def _load_one(module: Any, name: str, target: Any, value: Any, raw: Any, assign: bool) -> None:
    """Copy ``value`` into ``target`` (materializing a lazy one), or assign ``raw`` itself."""
    if assign:
        new = raw if isinstance(raw, Tensor) else Tensor(value)
        if isinstance(target, Parameter) and not isinstance(new, Parameter):
            new = Parameter(new, requires_grad=target.requires_grad)
        if name in module._parameters:
            module._parameters[name] = new
        else:
            module._buffers[name] = new
        return
    if is_lazy(target):
        target.materialize(value.shape)
    with target.mutate() as array:
        array[...] = value


def _array_of(value: Any) -> Any:
    """The array inside a Tensor, or the value itself (numpy arrays, torch tensors)."""
    if isinstance(value, Tensor):
        return value.numpy(force=True)
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a PyTorch tensor
        return value.detach().cpu().numpy()
    return value
