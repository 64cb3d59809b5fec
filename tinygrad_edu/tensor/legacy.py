"""The legacy tensor types: ``tg.FloatTensor(2, 3)``, ``tg.LongTensor([1, 2])``, ...

Old PyTorch code names a dtype through a class: ``torch.FloatTensor([1, 2])`` makes a float32
tensor, ``torch.LongTensor(3)`` an int64 tensor of 3 (uninitialised) elements, and
``isinstance(x, torch.FloatTensor)`` asks "is x a float32 tensor?". In PyTorch these classes are
thin aliases: what they make is an ordinary ``torch.Tensor``. Here too: each is a class whose
call makes a ``Tensor`` and whose ``isinstance`` check compares the dtype (a metaclass's
``__instancecheck__``).

The call forms, as PyTorch's:

- ``FloatTensor()``: an empty tensor, shape (0,);
- ``FloatTensor(2, 3)`` or ``FloatTensor(torch.Size([2, 3]))``: that shape, uninitialised
  (zeros here, so results never depend on garbage);
- ``FloatTensor([1, 2])``/``FloatTensor(ndarray)``: a copy of the data, converted to the dtype;
- ``FloatTensor(t)`` of a float32 tensor ``t``: a new tensor on the same memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from .convert import as_array
from .core import Tensor

__all__ = ["BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor",
           "FloatTensor", "HalfTensor", "IntTensor", "LEGACY_TYPES", "LongTensor",
           "ShortTensor", "legacy_type_name"]


def _dtype_named(name: str) -> np.dtype[Any] | None:
    """The dtype ``tg.<name>``, or None when this build does not have it (yet)."""
    value = getattr(dtypes, name, None)
    return None if value is None else np.dtype(value)


class _LegacyTensorType(type):
    """The metaclass of the legacy types: calling one makes a Tensor of its dtype."""

    _dtype_name: str

    @property
    def dtype(cls) -> np.dtype[Any]:
        """The dtype this type stands for (``tg.FloatTensor.dtype`` is ``tg.float32``)."""
        dtype = _dtype_named(cls._dtype_name)
        if dtype is None:
            raise TypeError(f"{cls.__name__}: this build has no dtype {cls._dtype_name} yet, so "
                            f"there is no {cls.__name__}; use FloatTensor, DoubleTensor, "
                            "LongTensor, IntTensor or BoolTensor")
        return dtype

    def __instancecheck__(cls, x: Any) -> bool:
        dtype = _dtype_named(cls._dtype_name)
        return isinstance(x, Tensor) and dtype is not None and x.dtype == dtype

    def __call__(cls, *args: Any, device: Any = None, **kwargs: Any) -> Tensor:
        name = cls.__name__
        if kwargs:
            raise TypeError(f"{name}(): unexpected keyword arguments {sorted(kwargs)}; the "
                            "legacy constructors take data or sizes (and device=) only; use "
                            "tg.tensor(data, dtype=..., requires_grad=...)")
        dtypes.check_device(device, name)
        dtype = cls.dtype
        if not args:
            return Tensor(np.empty(0, dtype=dtype))
        if len(args) == 1 and _is_size(args[0]):
            args = tuple(args[0])
        if all(isinstance(a, int | np.integer) and not isinstance(a, bool) for a in args):
            shape = tuple(int(a) for a in args)
            for n in shape:
                if n < 0:
                    raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                                       f"{list(shape)}")
            return Tensor(np.zeros(shape, dtype=dtype))
        if len(args) > 1:
            got = ", ".join(type(a).__name__ for a in args)
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({got}); expected sizes (ints) or one sequence of data")
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype != dtype:
                raise TypeError(f"{name}(): expected a tensor of dtype {dtype}, got "
                                f"{data.dtype}; convert it with .to(tg.{dtype})")
            return Tensor(data)  # the same memory and version counter
        if not isinstance(data, list | tuple | np.ndarray):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        return Tensor(np.array(as_array(data, dtype), dtype=dtype))  # a copy

    def __repr__(cls) -> str:
        return f"<class 'tinygrad_edu.{cls.__name__}'>"


def _is_size(x: Any) -> bool:
    """``torch.Size`` (a tuple subclass named Size) means a shape, a plain tuple means data."""
    return isinstance(x, tuple) and type(x).__name__ == "Size"


def _legacy(name: str, dtype_name: str) -> type:
    doc = (f"``tg.{name}``: makes ``tg.{dtype_name}`` tensors; ``isinstance(x, tg.{name})`` "
           f"is True for them (PyTorch's legacy type).")
    return _LegacyTensorType(name, (), {"_dtype_name": dtype_name, "__doc__": doc,
                                        "__module__": "tinygrad_edu"})


FloatTensor = _legacy("FloatTensor", "float32")
DoubleTensor = _legacy("DoubleTensor", "float64")
HalfTensor = _legacy("HalfTensor", "float16")
BFloat16Tensor = _legacy("BFloat16Tensor", "bfloat16")
LongTensor = _legacy("LongTensor", "int64")
IntTensor = _legacy("IntTensor", "int32")
ShortTensor = _legacy("ShortTensor", "int16")
CharTensor = _legacy("CharTensor", "int8")
ByteTensor = _legacy("ByteTensor", "uint8")
BoolTensor = _legacy("BoolTensor", "bool_")

#: every legacy type, for ``x.type()``-style lookups by name
LEGACY_TYPES = (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor,
                ShortTensor, CharTensor, ByteTensor, BoolTensor)


def legacy_type_name(dtype: Any) -> str:
    """PyTorch's legacy name of a dtype, e.g. ``'torch.FloatTensor'`` for float32
    (what ``x.type()`` returns in PyTorch)."""
    for t in LEGACY_TYPES:
        found = _dtype_named(t._dtype_name)  # type: ignore[attr-defined]
        if found is not None and found == np.dtype(dtype):
            return f"torch.{t.__name__}"
    raise TypeError(f"no legacy tensor type for dtype {dtype}")
