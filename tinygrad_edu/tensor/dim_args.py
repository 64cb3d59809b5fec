"""PyTorch's spellings of reduction arguments: ``axis`` for ``dim``, ``keepdims`` for
``keepdim`` (NumPy's names, which torch accepts as aliases), and the ``out=`` argument.

``@numpy_names`` lets a method take either spelling: ``x.sum(axis=1, keepdims=True)`` is
``x.sum(dim=1, keepdim=True)``. ``write_out`` puts a result into a user's ``out=`` tensor.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import is_grad_enabled
from .base import TensorBase

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_names(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Accept ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=`` (as torch does), and
    refuse a ``keepdim`` that is not a bool with torch's message (a string would otherwise
    reach numpy and be blamed on ``dim``)."""
    params = list(inspect.signature(fn).parameters)
    at = params.index("keepdim") if "keepdim" in params else None

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for alias, name in _ALIASES:
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}(): got both {name}= and its alias "
                                        f"{alias}=")
                    kwargs[name] = kwargs.pop(alias)
        if at is not None:
            keepdim = kwargs.get("keepdim", args[at] if len(args) > at else False)
            if not isinstance(keepdim, bool | np.bool_):
                raise TypeError(f"{fn.__name__}(): argument 'keepdim' must be bool, not "
                                f"{type(keepdim).__name__}")
        return fn(*args, **kwargs)

    return call


def write_out(name: str, result: Any, out: Any, inputs: tuple[Any, ...] = (),
              rule: str = "cast") -> Any:
    """Copy ``result`` (a Tensor or a tuple of them) into ``out`` and return ``out``.

    As in PyTorch, ``out`` keeps its dtype, and ``rule`` says which results it takes:
    ``"cast"`` any (sums, means, scans cast into it), ``"safe"`` only those that cast within
    their category (elementwise ops: a float result cannot go into an int ``out``),
    ``"same"`` only its own dtype (ops returning indices). An ``out`` of another shape is
    resized (with torch's warning unless it was empty), and ``out=`` records no gradient: it
    is refused while an input requires grad.
    """
    if isinstance(result, tuple):
        if not isinstance(out, tuple | list) or len(out) != len(result):
            raise TypeError(f"{name}(): out= must be a tuple of {len(result)} Tensors")
        parts = [write_out(name, r, o, inputs, rule) for r, o in zip(result, out, strict=True)]
        return type(result)(*parts) if hasattr(result, "_fields") else tuple(parts)
    if not isinstance(out, TensorBase):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and any(isinstance(t, TensorBase) and t.requires_grad
                                 for t in (*inputs, out)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad")
    if rule == "same" and result.dtype != out.dtype:
        raise RuntimeError(f"{name}(): expected out tensor to have dtype {result.dtype}, but "
                           f"got {out.dtype} instead")
    if rule == "safe" and not dtypes.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"{name}(): result type {result.dtype} can't be cast to the desired "
                           f"output type {out.dtype}")
    if out.shape != result.shape:
        if out.numel():
            warnings.warn(f"{name}(): An output with one or more elements was resized since it "
                          f"had shape {list(out.shape)}, which does not match the required "
                          f"output shape {list(result.shape)}. This behavior is deprecated, and "
                          "in a future PyTorch release outputs will not be resized unless they "
                          "have zero elements.", UserWarning, stacklevel=3)
        out._data = np.empty(result.shape, dtype=out.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._version[0] += 1
    return out
