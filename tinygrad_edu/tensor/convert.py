"""Conversions: data into arrays, Python values into tensors, dtypes, and back out.

- ``as_array`` turns user data into an ndarray of a supported dtype, inferring the dtype the
  way PyTorch does (Python floats are float32, ints int64).
- ``as_tensor_like`` and ``prepare_binary`` apply PyTorch's promotion rules when a tensor
  meets a number, an array or another tensor (``dtypes.promote``).
- ``ConversionMixin`` holds the Tensor methods that change dtype or leave the library:
  ``to``, ``float``, ``numpy``, ``item``, ``tolist`` and Python's number protocols.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import dtypes
from ..autograd import OPS, apply_op
from ..checks import broadcast_shape
from .base import TensorBase
from .devices import parse_to_args

Array = NDArray[Any]


def as_array(data: Any, dtype: Any) -> Array:
    """Turn data into an ndarray of a supported dtype, inferring it like PyTorch.

    Python floats give float32, ints int64, bools bool; numpy arrays keep float64/float32/
    int64/bool (other integer types become int64, other floats float32).
    """
    if isinstance(data, TensorBase):
        data = data._data
    if data is None:
        raise RuntimeError("tensor: could not infer dtype of NoneType; expected numbers, "
                           "bools, nested lists of them or a numpy array")
    try:
        if dtype is not None:
            return np.asarray(data, dtype=dtypes.to_dtype(dtype, "tensor"))
        arr = np.asarray(data)
    except ValueError as exc:
        raise ValueError(f"tensor: could not convert data of type {type(data).__name__}: "
                         f"nested sequences must be rectangular with numbers at the leaves "
                         f"({exc})") from None
    if arr.dtype in dtypes.SUPPORTED:
        if arr.dtype == dtypes.float64 and not isinstance(data, np.ndarray | np.generic):
            return arr.astype(np.float32)  # Python floats are float32, like PyTorch
        return arr
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    raise TypeError(f"tensor: can't convert data of type {type(data).__name__} with numpy "
                    f"dtype {arr.dtype}; expected numbers, bools or numpy arrays")


def check_tensor(x: Any, name: str, arg: str = "input") -> None:
    """TypeError naming the function when an argument is not a Tensor (as PyTorch does)."""
    if not isinstance(x, TensorBase):
        raise TypeError(f"{name}(): argument '{arg}' must be a Tensor, not {type(x).__name__}")


def as_tensor_like(value: Any, like: TensorBase) -> Any:
    """A Tensor for ``value``; Python numbers take ``like``'s dtype (PyTorch's scalar rule)."""
    if isinstance(value, TensorBase):
        return value
    if isinstance(value, np.ndarray | list | tuple):
        return like._wrap(as_array(value, None))
    return like._wrap(np.asarray(value, dtype=dtypes.scalar_dtype(like.dtype, value)))


def prepare_binary(name: str, a: Any, other: Any) -> tuple[Any, Any]:
    """Convert the operand, check broadcasting and promote both sides to one dtype."""
    if isinstance(other, TensorBase):
        b = other
        dtype = dtypes.promote(a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
    elif isinstance(other, np.ndarray | list | tuple):
        b = a._wrap(as_array(other, None))
        dtype = dtypes.promote(a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
    else:
        dtype = dtypes.scalar_dtype(a.dtype, other)
        b = a._wrap(np.asarray(other, dtype=dtype))
    if a.shape != b.shape:
        broadcast_shape(name, a.shape, b.shape)
    return a.type(dtype), b.type(dtype)


class ConversionMixin(TensorBase):
    """dtype and device conversion, copies, and the ways out to numpy and Python."""

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """Convert dtype and/or device: ``to(tg.float64)``, ``to('cpu', tg.float64)``,
        ``to(other_tensor)``; ``copy=True`` always gives a new tensor. Only the CPU exists."""
        dtype, copy = parse_to_args("to", args, kwargs)
        out = self if dtype is None else self.type(dtype)
        return out.clone() if copy and out is self else out

    def type(self, dtype: Any) -> Any:
        """This tensor converted to ``dtype`` (differentiable between float dtypes)."""
        dtype = dtypes.to_dtype(dtype, "to")
        if dtype == self.dtype:
            return self
        return apply_op(OPS["cast"], self, dtype=dtype)

    def float(self) -> Any:
        """Convert to float32."""
        return self.type(dtypes.float32)

    def double(self) -> Any:
        """Convert to float64."""
        return self.type(dtypes.float64)

    def long(self) -> Any:
        """Convert to int64."""
        return self.type(dtypes.int64)

    def int(self) -> Any:
        """Convert to int32."""
        return self.type(dtypes.int32)

    def bool(self) -> Any:
        """Convert to bool."""
        return self.type(dtypes.bool_)

    def _floating(self) -> Any:
        """Integer tensors become float32 before float math (torch.exp(int_tensor) is float)."""
        return self if self.dtype.kind == "f" else self.float()

    def clone(self) -> Any:
        """A copy with its own memory; gradients flow back to the original."""
        return apply_op(OPS["clone"], self)

    def contiguous(self) -> Any:
        """This tensor if its memory is row-major contiguous, else a contiguous copy."""
        return self if self._data.flags.c_contiguous else self.clone()

    def is_contiguous(self) -> bool:
        """True when the memory is row-major contiguous."""
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        """True for float32/float64 tensors."""
        return bool(self.dtype.kind == "f")

    def numpy(self, *, force: bool = False) -> Array:
        """The underlying ndarray (shares memory, like ``torch.Tensor.numpy``).

        Args:
            force: also for a tensor that requires grad (without it, that is an error, as
                in PyTorch: use ``t.detach().numpy()``).
        """
        if self.requires_grad and not force:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy() instead")
        return self._data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self._data.size} elements cannot be "
                               "converted to a Python scalar; expected exactly 1 element")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._data.tolist()

    def _scalar(self, kind: str) -> Any:
        if self._data.size != 1:
            raise ValueError(f"{kind}: only one element tensors can be converted to Python "
                             f"scalars; this tensor has shape {self.shape}")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._scalar("float()"))

    def __int__(self) -> int:
        return int(self._scalar("int()"))

    def __index__(self) -> int:
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be converted to an "
                            f"index, got dtype {self.dtype}")
        return int(self._scalar("index"))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {self.shape}); use .any() or .all()")
        return bool(self._data.reshape(()).item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
        return self._data if dtype is None else self._data.astype(dtype)
