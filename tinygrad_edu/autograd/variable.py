"""``tg.autograd.Variable``: the old name of a tensor that requires grad (PyTorch's alias).

Before PyTorch 0.4, a ``Variable`` wrapped a tensor to record its history. Since then every
Tensor records history and ``Variable(t, requires_grad=True)`` just returns a new Tensor on
``t``'s memory, outside any graph, with the flag set; ``isinstance(t, Variable)`` is True for
every tensor. Old course code still calls it, so it is here with that meaning.
"""

from __future__ import annotations

from typing import Any

from .graph import is_graph_tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return is_graph_tensor(other)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: a new tensor on the same memory, detached.

    Example:
        >>> import tinygrad_edu as tg
        >>> v = tg.autograd.Variable(tg.ones(2), requires_grad=True)
        >>> v.requires_grad, isinstance(v, tg.autograd.Variable)
        (True, True)
    """

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:
        if not is_graph_tensor(data):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        t = data._wrap(data._data)  # the GraphTensor protocol: a Tensor, without importing it
        t._version = data._version
        if requires_grad:
            t.requires_grad_(True)
        return t
