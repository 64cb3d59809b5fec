"""PyTorch's spellings of reduction arguments: ``axis`` for ``dim``, ``keepdims`` for
``keepdim`` (NumPy's names, which torch accepts as aliases), and the ``out=`` argument.

``@numpy_names`` lets a method take either spelling: ``x.sum(axis=1, keepdims=True)`` is
``x.sum(dim=1, keepdim=True)``. ``write_out`` puts a result into a user's ``out=`` tensor.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import is_grad_enabled
from .base import TensorBase

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_names(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Accept ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=`` (as torch does)."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for alias, name in _ALIASES:
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}(): got both {name}= and its alias "
                                        f"{alias}=")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return call


def write_out(name: str, result: Any, out: Any, inputs: tuple[Any, ...] = (),
              same_dtype: bool = False) -> Any:
    """Copy ``result`` (a Tensor or a tuple of them) into ``out`` and return ``out``.

    As in PyTorch: ``out`` is resized to the result's shape and keeps its dtype (reductions
    and scans cast into it; ops returning (values, indices) want ``same_dtype``), and ``out=``
    does not record gradients: it is refused while an input requires grad.
    """
    if isinstance(result, tuple):
        if not isinstance(out, tuple | list) or len(out) != len(result):
            raise TypeError(f"{name}(): out= must be a tuple of {len(result)} Tensors")
        parts = [write_out(name, r, o, inputs, same_dtype)
                 for r, o in zip(result, out, strict=True)]
        return type(result)(*parts) if hasattr(result, "_fields") else tuple(parts)
    if not isinstance(out, TensorBase):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and any(isinstance(t, TensorBase) and t.requires_grad
                                 for t in (*inputs, out)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad")
    if same_dtype and result.dtype != out.dtype:
        raise RuntimeError(f"{name}(): expected out tensor to have dtype {result.dtype}, but "
                           f"got {out.dtype} instead")
    if out.shape != result.shape:
        out._data = np.empty(result.shape, dtype=out.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._version[0] += 1
    return out
