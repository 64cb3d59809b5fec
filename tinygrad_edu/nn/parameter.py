"""``Parameter``, ``Buffer`` and the uninitialized placeholders of lazy modules (PyTorch's
``torch.nn.parameter``).

A ``Parameter`` is a Tensor a Module trains; a ``Buffer`` is a Tensor a Module keeps (saved in
``state_dict`` when persistent) but does not train. ``UninitializedParameter`` and
``UninitializedBuffer`` stand in for weights whose shape is not known yet: a lazy module
(``nn.LazyLinear``...) creates them and gives them a shape at its first forward
(``materialize``), which turns them into an ordinary Parameter / Tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter",
           "is_lazy"]


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


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` is true for tensors that ``Buffer(...)`` marked."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """Marks a Tensor as a buffer: ``self.stats = nn.Buffer(t)`` registers it as
    ``register_buffer('stats', t, persistent)`` would (PyTorch 2.5+).

    The result is a Tensor on ``data``'s memory (``isinstance(x, nn.Buffer)`` is True for it).
    """

    def __new__(cls, data: Any = None, *, persistent: bool = True) -> Any:  # type: ignore[misc]
        if data is None:
            data = Tensor(np.zeros(0, dtype=np.float32))
        t = data.detach() if isinstance(data, Tensor) else Tensor(data)
        t._is_buffer = True
        t.persistent = persistent
        return t


def is_lazy(obj: Any) -> bool:
    """Is ``obj`` an uninitialized parameter or buffer (its shape still unknown)?"""
    return isinstance(obj, _UninitializedMixin)


_SHAPE_ERROR = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually "
    "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
    "initialized one. Call `forward` to initialize the parameters before accessing their "
    "attributes.")


class _UninitializedMixin:
    """A placeholder without data: any computation with it raises PyTorch's error.

    The array is hidden behind the ``_data`` property, which every operation reads, so all
    of them fail the same way until ``materialize`` gives the tensor its shape.
    """

    cls_to_become: type = Tensor
    _lazy_dtype: Any

    @property
    def _data(self) -> Any:
        raise ValueError(
            f"Attempted to use an uninitialized parameter in {type(self).__name__}. This error "
            "happens when you are using a `LazyModule` or explicitly manipulating "
            "`torch.nn.parameter.UninitializedParameter` objects. When using LazyModules Call "
            "`forward` with a dummy batch to initialize the parameters before calling torch "
            "functions")

    @_data.setter
    def _data(self, value: Any) -> None:
        self.__dict__["_raw"] = value

    @property
    def shape(self) -> Any:
        raise RuntimeError(_SHAPE_ERROR)

    def size(self, dim: int | None = None) -> Any:
        raise RuntimeError(_SHAPE_ERROR)

    @property
    def dtype(self) -> Any:
        return self._lazy_dtype

    def numel(self) -> int:
        raise RuntimeError(_SHAPE_ERROR)

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the placeholder a shape: it becomes a ``cls_to_become`` (Parameter / Tensor)
        of uninitialized memory (the lazy module then runs ``reset_parameters``)."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        dtype = self._lazy_dtype if dtype is None else dtypes.to_dtype(dtype, "materialize")
        grad = self.requires_grad
        self.__class__ = self.cls_to_become
        self._data = np.empty(shape, dtype=dtype.np_dtype)
        self.__dict__.pop("_raw", None)
        self.requires_grad = grad

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, proto: Any) -> Any:
        # copy.deepcopy (of a lazy module) makes a new placeholder, as PyTorch's does
        return type(self), (self.requires_grad, None, self._lazy_dtype)


def _empty_init(self: Any, requires_grad: bool, dtype: Any) -> None:
    object.__setattr__(self, "_lazy_dtype",
                       dtypes.get_default_dtype() if dtype is None else
                       dtypes.to_dtype(dtype, type(self).__name__))


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A Parameter whose shape is decided at a lazy module's first forward."""

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None
                 ) -> None:
        _empty_init(self, requires_grad, dtype)
        Parameter.__init__(self, np.zeros(0, dtype=np.float32), requires_grad)


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer whose shape is decided at a lazy module's first forward."""

    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                 persistent: bool = True) -> None:
        _empty_init(self, requires_grad, dtype)
        Tensor.__init__(self, np.zeros(0, dtype=np.float32))
        self.persistent = persistent
        if requires_grad:
            self.requires_grad_(True)
