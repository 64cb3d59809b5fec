"""``Module``: PyTorch's model-building base, in plain Python.

A Module keeps three ordered dicts, filled by attribute assignment: ``_parameters`` (the
``Parameter`` objects it owns), ``_buffers`` (state that is saved but not trained, such as
running means) and ``_modules`` (its children). Everything else (``parameters()``,
``state_dict()``, ``train()``, the ``repr``) walks those dicts.

Calling a module (``__call__``) runs ``forward`` between its hooks (``hooks.py``): forward
pre-hooks, forward hooks, and the full backward hooks that see gradients. Saving, loading and
converting (``state_dict``, ``load_state_dict``, ``to``, ``half``...) live in
``module_state.py``; ``Parameter`` and ``Buffer`` in ``parameter.py``.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from ..tensor.front_door import check_tensor_arguments, tensor_parameters
from . import hooks as _hooks
from .hooks import (
    BackwardHook,
    RemovableHandle,
    _HookDict,
    add_hook,
    attach_legacy_backward_hooks,
)
from .module_state import ModuleState, _IncompatibleKeys  # noqa: F401 - PyTorch's path
from .module_tree import ModuleTree
from .parameter import Buffer, Parameter

__all__ = ["Module", "Parameter", "register_module_forward_hook",
           "register_module_forward_pre_hook", "register_module_full_backward_hook",
           "register_module_full_backward_pre_hook"]

register_module_forward_hook = _hooks.register_module_forward_hook
register_module_forward_pre_hook = _hooks.register_module_forward_pre_hook
register_module_full_backward_hook = _hooks.register_module_full_backward_hook
register_module_full_backward_pre_hook = _hooks.register_module_full_backward_pre_hook

_HOOK_DICTS = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
               "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_backward_hooks",
               "_backward_pre_hooks")


_FORWARD_TENSORS: dict[type, list[tuple[int | None, str, bool]]] = {}


def _forward_tensors(cls: type) -> list[tuple[int | None, str, bool]]:
    """The Tensor-annotated arguments of ``cls.forward``, found once per class: a module
    called with ``None`` or a string there gets PyTorch's TypeError naming the module."""
    if cls not in _FORWARD_TENSORS:
        _FORWARD_TENSORS[cls] = tensor_parameters(cls.forward, skip=1)  # type: ignore[attr-defined]
    return _FORWARD_TENSORS[cls]


class Module(ModuleTree, ModuleState):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument '{next(iter(kwargs))}'" if kwargs else
                            f"{type(self).__name__}.__init__() takes 1 positional argument "
                            f"but {len(args) + 1} were given")
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", OrderedDict())
        setattr_(self, "_buffers", OrderedDict())
        non_persistent: set[str] = set()
        setattr_(self, "_non_persistent_buffers_set", non_persistent)
        setattr_(self, "_non_persistent", non_persistent)  # the same set, a shorter name
        for name in _HOOK_DICTS:
            setattr_(self, name, _HookDict())
        setattr_(self, "_is_full_backward_hook", None)
        setattr_(self, "_modules", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    # ------------------------------------------------------------------ calling

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != 1 or not isinstance(args[0], Tensor):
            # (one Tensor argument, the common call, passes the check below)
            cls = type(self)
            check_tensor_arguments(_forward_tensors(cls), args, kwargs, cls.__name__)
        g = _hooks
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks or
                self._backward_pre_hooks or g._global_forward_hooks or
                g._global_forward_pre_hooks or g._global_backward_hooks or
                g._global_backward_pre_hooks):
            return self.forward(*args, **kwargs)
        state: dict[str, Any] = {"args": args, "kwargs": kwargs, "result": None,
                                 "called": set()}
        try:
            return self._call_with_hooks(state)
        except Exception:
            self._run_always_called_hooks(state)
            raise

    def _call_with_hooks(self, state: dict[str, Any]) -> Any:
        """PyTorch's order: pre-hooks, backward-hook setup on the inputs, forward, forward
        hooks, backward-hook setup on the outputs."""
        args, kwargs = state["args"], state["kwargs"]
        for hook_id, hook in (*_hooks._global_forward_pre_hooks.items(),
                              *self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
            state["args"], state["kwargs"] = args, kwargs
        full, pre = self._full_backward_hooks()
        bw_hook = BackwardHook(self, full, pre) if full or pre else None
        if bw_hook is not None:
            args = bw_hook.setup_input_hook(args)
        result = self.forward(*args, **kwargs)
        state["result"] = result
        for hook_id, hook in (*_hooks._global_forward_hooks.items(),
                              *self._forward_hooks.items()):
            if (hook_id in self._forward_hooks_always_called or
                    hook_id in _hooks._global_forward_hooks_always_called):
                state["called"].add(hook_id)
            if (hook_id in self._forward_hooks_with_kwargs or
                    hook_id in _hooks._global_forward_hooks_with_kwargs):
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = state["result"] = res
        if bw_hook is not None:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a "
                              "Tensor or a tuple of Tensors but received "
                              f"{type(result)}", stacklevel=3)
            result = bw_hook.setup_output_hook(result)
        if self._is_full_backward_hook is False and self._backward_hooks:
            attach_legacy_backward_hooks(self, args, result, list(self._backward_hooks.values()))
        return result

    def _run_always_called_hooks(self, state: dict[str, Any]) -> None:
        """forward raised: run the ``always_call`` forward hooks that did not run yet."""
        args, kwargs = state["args"], state["kwargs"]
        for owner, hooks_, always, with_kwargs in (
                ("global ", _hooks._global_forward_hooks,
                 _hooks._global_forward_hooks_always_called,
                 _hooks._global_forward_hooks_with_kwargs),
                ("", self._forward_hooks, self._forward_hooks_always_called,
                 self._forward_hooks_with_kwargs)):
            for hook_id, hook in hooks_.items():
                if hook_id not in always or hook_id in state["called"]:
                    continue
                try:
                    res = (hook(self, args, kwargs, state["result"]) if hook_id in with_kwargs
                           else hook(self, args, state["result"]))
                    if res is not None:
                        state["result"] = res
                except Exception as e:  # noqa: BLE001 - PyTorch silences it with a warning
                    warnings.warn(f"{owner}module forward hook with ``always_call=True`` raised "
                                  "an exception that was silenced as another error was raised "
                                  f"in forward: {e}", stacklevel=3)

    def _full_backward_hooks(self) -> tuple[list[Any], list[Any]]:
        full = list(_hooks._global_backward_hooks.values())
        if self._is_full_backward_hook:
            full += list(self._backward_hooks.values())
        pre = list(_hooks._global_backward_pre_hooks.values())
        pre += list(self._backward_pre_hooks.values())
        return full, pre

    # ------------------------------------------------------------------ hooks

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward; a returned value replaces args
        (a non-tuple becomes a 1-tuple). With ``with_kwargs``: ``hook(module, args, kwargs)``,
        returning None or ``(args, kwargs)``. ``prepend`` puts it before the other hooks."""
        return add_hook(self._forward_pre_hooks, hook, prepend,
                        ((self._forward_pre_hooks_with_kwargs, with_kwargs),))

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward; a returned value replaces
        the output. ``with_kwargs``: ``hook(module, args, kwargs, output)``; ``always_call``:
        also run it when forward raises."""
        return add_hook(self._forward_hooks, hook, prepend,
                        ((self._forward_hooks_with_kwargs, with_kwargs),
                         (self._forward_hooks_always_called, always_call)))

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of the outputs are known; a
        returned tuple replaces ``grad_output``."""
        return add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the inputs are
        known (one entry per positional argument and per output; None where there is no
        tensor or no gradient); a returned tuple replaces ``grad_input``."""
        if self._is_full_backward_hook is False:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks "
                               "on a single Module. Please use only one of them.")
        object.__setattr__(self, "_is_full_backward_hook", True)
        return add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Deprecated (use ``register_full_backward_hook``): ``hook(module, grad_input,
        grad_output)`` with the gradients of the last op of the forward only."""
        if self._is_full_backward_hook is True:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks "
                               "on a single Module. Please use only one of them.")
        object.__setattr__(self, "_is_full_backward_hook", False)
        return add_hook(self._backward_hooks, hook)

    # ------------------------------------------------------------------ registration

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameters before Module.__init__() call; "
                                 "call super().__init__() first in your __init__")
        if isinstance(value, Buffer):
            self.register_buffer(name, value, getattr(value, "persistent", True))
            return
        kind = ("_parameters" if isinstance(value, Parameter) else
                "_modules" if isinstance(value, Module) else
                next((s for s in ("_parameters", "_buffers", "_modules")
                      if name in self.__dict__[s]), None))
        if kind is None:
            object.__setattr__(self, name, value)
            return
        if kind == "_parameters" and isinstance(value, Parameter):
            self._remove_from(name, keep="_parameters")  # a plain attribute may be replaced
            self.register_parameter(name, value)
            return
        if value is not None and kind == "_parameters":
            raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                            "(torch.nn.Parameter or None expected)")
        if value is not None and kind == "_modules" and not isinstance(value, Module):
            raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                            "(torch.nn.Module or None expected)")
        if value is not None and kind == "_buffers" and not isinstance(value, Tensor):
            raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                            "(torch.nn.Buffer, torch.Tensor or None expected)")
        self._remove_from(name, keep=kind)
        self.__dict__[kind][name] = value

    def _remove_from(self, name: str, keep: str = "") -> None:
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep:
                self.__dict__[store].pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers_set.discard(name)

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
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def _check_name(self, where: str, what: str, name: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{where}: {what} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f"{where}: {what} name can't contain \".\"" +
                           (f", got: {name}" if what == "module" else ""))
        if name == "":
            raise KeyError(f"{where}: {what} name can't be empty string \"\"")
        stores = {"parameter": "_parameters", "buffer": "_buffers", "module": "_modules"}
        if hasattr(self, name) and name not in self.__dict__[stores[what]]:
            raise KeyError(f"{where}: attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent one such as a missing bias)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name("register_parameter", "parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: cannot assign '{_typename(param)}' object to "
                            f"parameter '{name}' (torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError("register_parameter: Cannot assign non-leaf Tensor to parameter "
                             f"'{name}'. Model parameters must be created explicitly. To express '"
                             f"{name}' as a function of another Tensor, compute the value in "
                             "the forward() method.")
        self._remove_from(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is saved in ``state_dict`` (when persistent) but not trained.

        A non-persistent buffer (a cache, a constant mask) moves with ``to``/``half`` but is
        left out of ``state_dict``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name("register_buffer", "buffer", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: cannot assign '{_typename(tensor)}' object to "
                            f"buffer '{name}' (torch Tensor or None required)")
        self._remove_from(name, keep="_buffers")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {_typename(module)} is not a Module subclass")
        self._check_name("add_module", "module", name)
        self._remove_from(name, keep="_modules")
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias of ``add_module``."""
        self.add_module(name, module)

    # ------------------------------------------------------------------ printing

    def extra_repr(self) -> str:
        """One line of settings shown in the repr (e.g. ``in_features=3, out_features=2``)."""
        return ""

    def __repr__(self) -> str:
        """PyTorch's layout: settings from ``extra_repr``, then one ``(name): child`` line per
        child, indented two spaces per level."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(child), 2)
                       for name, child in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) |
                      set(self._modules))


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first by ``spaces`` (blank lines stay empty)."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    return "\n".join([first] + [(" " * spaces + line) if line.strip() else ""
                                for line in rest])


def _typename(value: Any) -> str:
    """PyTorch's ``torch.typename``: ``'torch.FloatTensor'`` for a tensor, else the class."""
    if isinstance(value, Tensor):
        return value.type()
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"
