"""Module hooks: handles, the global hooks of every Module, and full backward hooks.

A hook is a function the Module calls at a fixed moment: before ``forward`` (a *forward
pre-hook*, which may replace the arguments), after it (a *forward hook*, which may replace the
output), or during the backward pass (*backward hooks*, which see and may replace gradients).
Registering returns a ``RemovableHandle``; ``handle.remove()`` (or leaving a ``with`` block)
unregisters the hook.

How a full backward hook sees ``grad_input`` and ``grad_output`` (PyTorch's design): the
module's tensor arguments go through an identity ``Function`` before ``forward``, and its tensor
outputs through another one after. In the backward pass the output identity runs first: what
arrives there is ``grad_output`` (backward pre-hooks may replace it). The input identity runs
once every gradient for the module's inputs has been summed: that is ``grad_input``, and the
hooks may replace it before it flows on. The identities compute nothing, so the hooks cost one
graph node each way.
"""

from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..ops.registry import set_needs
from ..tensor import Tensor

__all__ = ["RemovableHandle", "register_module_forward_hook",
           "register_module_forward_pre_hook", "register_module_full_backward_hook",
           "register_module_full_backward_pre_hook"]


class RemovableHandle:
    """What registering a hook returns: ``remove()`` takes the hook out again.

    ``extra_dict`` lists dictionaries holding flags for the same hook id (``with_kwargs``,
    ``always_call``), removed with it. Usable as a context manager: the hook lives for the
    ``with`` block.
    """

    next_id = 0

    def __init__(self, hooks_dict: dict[int, Any], *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = [extra_dict] if isinstance(extra_dict, dict) else list(extra_dict or [])
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __getstate__(self) -> tuple[Any, ...]:
        # copy.deepcopy of a module copies its hook dicts; the handle must follow the copies
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        hooks, self.id, extras = state
        self.hooks_dict_ref = weakref.ref(hooks if hooks is not None else _HookDict())
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class _HookDict(OrderedDict):  # type: ignore[type-arg]
    """An OrderedDict that ``weakref`` can point to (a plain dict cannot be)."""


def add_hook(hooks: dict[int, Any], hook: Callable[..., Any], prepend: bool = False,
             flags: tuple[tuple[dict[int, Any], bool], ...] = ()) -> RemovableHandle:
    """Store ``hook`` under a new id (first when ``prepend``); set each ``(dict, on)`` flag."""
    handle = RemovableHandle(hooks, extra_dict=[d for d, _ in flags])
    hooks[handle.id] = hook
    for flag_dict, on in flags:
        if on:
            flag_dict[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)  # type: ignore[attr-defined]
    return handle


# ----------------------------------------------------------------------------- global hooks
# Hooks for every Module, run before the module's own ones (PyTorch's nn.modules.module).

_global_forward_pre_hooks: _HookDict = _HookDict()
_global_forward_hooks: _HookDict = _HookDict()
_global_forward_hooks_with_kwargs: _HookDict = _HookDict()
_global_forward_hooks_always_called: _HookDict = _HookDict()
_global_backward_pre_hooks: _HookDict = _HookDict()
_global_backward_hooks: _HookDict = _HookDict()


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, args)`` before the forward of every Module."""
    return add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook: Callable[..., Any], *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """Call ``hook(module, args, output)`` after the forward of every Module."""
    return add_hook(_global_forward_hooks, hook, flags=(
        (_global_forward_hooks_with_kwargs, with_kwargs),
        (_global_forward_hooks_always_called, always_call)))


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, grad_output)`` in the backward pass of every Module."""
    return add_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, grad_input, grad_output)`` in the backward pass of every Module."""
    return add_hook(_global_backward_hooks, hook)


# ----------------------------------------------------------------------------- backward hooks

class BackwardHookFunction(Function):
    """Identity on several tensors; its backward hands the gradients to ``ctx.on_backward``.

    Inputs that do not require grad are marked non-differentiable, so they stay out of the
    graph (their gradient slot is still reported, as zeros, like PyTorch's).
    """

    @staticmethod
    def forward(ctx: Any, *args: Tensor) -> tuple[Tensor, ...]:
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:
        return ctx.on_backward(grads)


class BackwardHook:
    """The full backward hooks (and backward pre-hooks) of one call of a module.

    ``setup_input_hook`` wraps the tensor arguments, ``setup_output_hook`` the tensor
    outputs; ``grad_input`` and ``grad_output`` are tuples with one entry per argument/output,
    as PyTorch reports them: None for a non-tensor or an output that got no gradient; for a
    tensor input that needs no gradient, zeros when another input needs one (all None when no
    input does: the hooks then fire at the outputs, with a warning).
    """

    def __init__(self, module: Any, user_hooks: list[Any], user_pre_hooks: list[Any]) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple[Any, ...] | None = None
        self.n_inputs = self.n_outputs = -1
        self.input_index: list[int] | None = None
        self.output_index: list[int] | None = None

    @staticmethod
    def _pack(indices: list[int] | None, values: tuple[Any, ...], size: int) -> tuple[Any, ...]:
        res: list[Any] = [None] * size
        for i, v in zip(indices or [], values, strict=False):
            res[i] = v
        return tuple(res)

    @staticmethod
    def _wrap(args: tuple[Any, ...], on_backward: Callable[..., Any], materialize: bool
              ) -> tuple[tuple[Any, ...], list[int] | None]:
        """Send the tensors among ``args`` through the identity; ``(args, their indices)``."""
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in index]
        if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
            return args, None
        new = BackwardHookFunction.apply(*tensors)
        node = next((t.grad_fn for t in new if t.grad_fn is not None), None)
        if node is None:  # nothing differentiable among them
            return args, None
        ctx = getattr(node, "function", node)  # several outputs: the slot points at the node
        ctx.on_backward = on_backward
        ctx.set_materialize_grads(materialize)
        out = list(args)
        for i, t in zip(index, new, strict=True):
            out[i] = t
        return tuple(out), index

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Wrap the module's arguments; the hooks run when their gradients are complete."""
        res, self.input_index = self._wrap(args, self._on_grad_input, True)
        self.n_inputs = len(args)
        return res

    def _on_grad_input(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.grad_outputs is None:  # the gradient reached the inputs but not via outputs
            return grads
        res = self._pack(self.input_index, grads, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = out
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_index or [])

    def setup_output_hook(self, result: Any) -> Any:
        """Wrap the module's output(s); ``grad_output`` is captured when they get gradients."""
        several = isinstance(result, tuple)
        outs = result if several else (result,)
        res, self.output_index = self._wrap(outs, self._on_grad_output, False)
        self.n_outputs = len(outs)
        return res if several else res[0]

    def _on_grad_output(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        self.grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for pre_hook in self.user_pre_hooks:
            new = pre_hook(self.module, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(self.grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(new)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = tuple(new)
        local = self.grad_outputs
        if self.input_index is None:  # no input requires grad: the hooks fire here
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients. See "
                          "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.user_hooks:
                out = hook(self.module, grad_inputs, self.grad_outputs)
                if out is not None and not (isinstance(out, tuple) and
                                            all(g is None for g in out)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(local[i] for i in self.output_index or [])


# ----------------------------------------------------------------------------- legacy hooks

def attach_legacy_backward_hooks(module: Any, args: tuple[Any, ...], result: Any,
                                 hooks: list[Any]) -> None:
    """``register_backward_hook`` (deprecated): the hooks see the gradients of the *last op*
    of the module, the one that made its (first) output: ``grad_input`` per input of that op,
    ``grad_output`` its upstream gradient. Only for a module that is a single op is that the
    module's view; PyTorch warns otherwise, and so does this."""
    var = result
    while not isinstance(var, Tensor):
        var = next(v for v in var.values() if isinstance(v, Tensor)) if isinstance(
            var, dict) else var[0]
    node = var.grad_fn
    if node is None:
        return
    _warn_legacy(args, result, node)
    original = node.backward

    def backward_with_hooks(dout: Any, cache: Any) -> tuple[Any, ...]:
        grads = original(dout, cache)
        wrap = var._wrap
        grad_input = tuple(None if g is None or edge is None else wrap(g)
                           for g, edge in zip(grads, node.edges, strict=True))
        grad_output = (wrap(dout),)
        prev = set_needs(None)  # ops run inside the hooks ask about their own inputs
        try:
            for hook in hooks:
                res = hook(module, grad_input, grad_output)
                if res is None:
                    continue
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(f"hook '{getattr(hook, '__name__', 'hook')}' has "
                                       f"returned an incorrect number of values (got "
                                       f"{len(res)}, but expected {len(grad_input)})")
                grad_input = res
        finally:
            set_needs(prev)
        return tuple(None if g is None else g._data for g in grad_input)

    node.backward = backward_with_hooks


def _warn_legacy(args: tuple[Any, ...], result: Any, node: Any) -> None:
    """PyTorch's FutureWarnings for a non-full backward hook whose grad_input or grad_output
    will be incomplete."""
    def warn(text: str) -> None:
        warnings.warn(f"Using a non-full backward hook {text} is deprecated and will be removed "
                      "in future versions.", FutureWarning, stacklevel=4)

    outs = result if isinstance(result, tuple) else (result,)
    if not all(isinstance(o, Tensor) for o in outs):
        warn("on a Module that does not return a single Tensor or a tuple of Tensors")
        return
    if not all(isinstance(a, Tensor) for a in args):
        warn("on a Module that does not take as input a single Tensor or a tuple of Tensors")
        return
    out_nodes = {id(o.grad_fn) for o in outs if o.grad_fn is not None}
    if len(out_nodes) > 1:
        warn("when outputs are generated by different autograd Nodes")
        return
    inputs = {id(a.grad_fn) for a in args if a.grad_fn is not None}
    following = {id(entry[0]) for entry in node.next_functions if entry[0] is not None}
    if inputs != following:
        warn("when the forward contains multiple autograd Nodes")
