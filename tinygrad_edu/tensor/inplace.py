"""In-place methods (``add_``, ``zero_``, ``x[i] = v``, ``+=``, ...) and version counters.

An in-place method computes its result out of place and writes it into the tensor's memory
(``_inplace``). When the graph is recorded, the tensor takes the result's graph node, so
gradients flow through the change. Every write bumps the version counter, which is how
backward notices that an array it saved has changed since (PyTorch's rule).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import OPS, apply_op, is_grad_enabled
from ..checks import broadcast_shape, check_scalar, index_key
from .arithmetic import where
from .base import TensorBase
from .convert import as_tensor_like, check_tensor
from .front_door import name_the_function
from .shape import index_arrays


class InPlaceMixin(TensorBase):
    """Methods that change a tensor's own memory."""

    def _inplace(self, name: str, compute: Callable[[Any], Any]) -> Any:
        """Run ``compute`` and write its result into this tensor's memory.

        When the graph is recorded, the op runs on a copy of the old values and this tensor
        takes the result's graph node, so gradients flow through the in-place op. The version
        counter goes up either way.
        """
        if not self._data.flags.writeable:
            raise RuntimeError(f"{name}: this tensor is a broadcast (expanded) view, so several "
                               "elements share one memory location; clone() it first")
        recording = is_grad_enabled()
        if recording and self.requires_grad and self.is_leaf:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                               "in-place operation; wrap it in tg.no_grad() or use the "
                               "out-of-place op")
        if recording and self._view_of_graph:
            raise RuntimeError(f"{name}: in-place change of a view of a tensor that requires "
                               "grad is not supported; clone() the view first")
        old = self
        if recording:  # the op may save its input, so it must not see the memory we overwrite
            old = self._wrap(self._data.copy())
            old._ctx, old.requires_grad = self._ctx, self.requires_grad
        try:
            result = compute(old)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            name_the_function(exc, name)  # "div_: div: the size of tensor a ..."
            raise
        if recording and old.requires_grad and result._ctx is None:
            # the value no longer depends on the old one, but stays in the graph: zero gradient
            result = where(old._wrap(np.zeros((), dtype=bool)), old, result)
        if result.shape != self.shape:
            raise RuntimeError(f"{name}: output with shape {self.shape} doesn't match the "
                               f"broadcast shape {result.shape}")
        if result.dtype != self.dtype and not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
        np.copyto(self._data, result._data, casting="unsafe")
        self._version[0] += 1
        if result._ctx is not None:
            if self._ctx is not None and self._ctx.retain is not None:
                result._ctx.retain, self._ctx.retain = self._ctx.retain, None
            self._ctx, self.requires_grad = result._ctx, True
        return self

    def add_(self, other: Any, alpha: float = 1) -> Any:
        """In place: self += alpha * other."""
        return self._inplace("add_", lambda t: t.add(other, alpha))

    def sub_(self, other: Any, alpha: float = 1) -> Any:
        """In place: self -= alpha * other."""
        return self._inplace("sub_", lambda t: t.sub(other, alpha))

    def mul_(self, other: Any) -> Any:
        """In place: self *= other."""
        return self._inplace("mul_", lambda t: t * other)

    def div_(self, other: Any) -> Any:
        """In place: self /= other."""
        return self._inplace("div_", lambda t: t / other)

    def pow_(self, exponent: Any) -> Any:
        """In place: self **= exponent."""
        return self._inplace("pow_", lambda t: t**exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        """In place: clamp to [min, max]."""
        return self._inplace("clamp_", lambda t: t.clamp(min, max))

    def relu_(self) -> Any:
        """In place: self = max(self, 0)."""
        return self._inplace("relu_", lambda t: t.relu())

    def zero_(self) -> Any:
        """In place: fill with zeros."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Any:
        """In place: fill with ``value`` (a number or a one-element tensor)."""
        if not isinstance(value, TensorBase):
            check_scalar(value, "value", "fill_")
        return self.copy_(value if isinstance(value, TensorBase)
                          else self._wrap(np.full(self.shape, value, dtype=self.dtype)))

    def copy_(self, src: Any) -> Any:
        """In place: copy ``src`` (a tensor, broadcast to this shape) into this tensor."""
        check_tensor(src, "copy_", "src")
        return self._inplace("copy_", lambda t: src.type(self.dtype).expand(*self.shape))

    def __iadd__(self, other: Any) -> Any:
        return self.add_(other)

    def __isub__(self, other: Any) -> Any:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Any:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Any:
        return self.div_(other)

    def __setitem__(self, key: Any, value: Any) -> None:
        key = index_key(index_arrays(key), self.shape, "__setitem__")
        value = as_tensor_like(value, self)
        target = np.broadcast_to(np.empty((), dtype=bool), self.shape)[key].shape
        broadcast_shape("__setitem__", value.shape, target, into=True)
        self._inplace("__setitem__", lambda t: apply_op(OPS["index_put"], t,
                                                        value.type(self.dtype), key=key))
