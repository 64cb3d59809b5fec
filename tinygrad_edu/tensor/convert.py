"""Conversions: data into arrays, Python values into tensors, dtypes, and back out.

- ``as_array`` turns user data into an ndarray of a supported dtype, inferring the dtype the
  way PyTorch does (Python floats get the default dtype, ints int64; numpy keeps its dtype).
- ``as_tensor_like`` and ``prepare_binary`` apply PyTorch's promotion rules when a tensor
  meets a number, an array or another tensor (``dtypes.result_type_of``).
- ``ConversionMixin`` holds the Tensor methods that change dtype or leave the library:
  ``to``, ``type``, ``half``/``float``/``long``..., ``numpy``, ``item``, ``tolist`` and
  Python's number protocols.
- ``result_type`` and ``is_floating_point`` are the ``torch.*`` functions on dtypes.
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

    Python floats give the default dtype (float32 unless ``set_default_dtype`` changed it),
    ints int64, bools bool, a mix the promoted type; numpy arrays and numpy scalars keep
    their dtype (uint8 stays uint8, float16 stays float16). Unsupported dtypes (complex,
    uint16/32/64) and Python ints beyond int64 are errors, never a silent wrap-around.
    """
    if isinstance(data, TensorBase):
        data = data._data
    if data is None:
        raise RuntimeError("tensor: could not infer dtype of NoneType; expected numbers, "
                           "bools, nested lists of them or a numpy array")
    if dtype is not None:
        return _as_dtype(data, dtypes.to_dtype(dtype, "tensor"))
    if isinstance(data, np.ndarray | np.generic):
        if not data.dtype.isnative:  # big-endian data from a file: the same values, native
            data = data.astype(data.dtype.newbyteorder("="))
        dtypes.of_numpy(data.dtype, "tensor")  # a clear error for complex, uint64, strings
        return np.asarray(data)
    arr = _from_python(data)
    if arr.dtype == np.float64 and not _typed_float64(data):
        return arr.astype(dtypes.get_default_dtype().np_dtype)  # Python floats
    return arr


def _from_python(data: Any) -> Array:
    """``np.asarray`` of numbers and nested lists, with PyTorch's errors."""
    try:
        arr = np.asarray(data)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"tensor: could not convert data of type {type(data).__name__}: "
                         f"nested sequences must be rectangular with numbers at the leaves "
                         f"({exc})") from None
    if arr.dtype == np.uint64 or (arr.dtype == object and _has_big_int(data)):
        raise ValueError("tensor: a Python int does not fit in int64 (Overflow when unpacking "
                         "long long); PyTorch refuses it too: use a float or smaller values")
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"tensor: can't convert data of type {type(data).__name__} (numpy "
                        f"makes dtype {arr.dtype} of it); expected numbers, bools, nested lists "
                        "of them or a numpy array")
    dtypes.of_numpy(arr.dtype, "tensor")  # complex numbers: a clear error
    return arr


def check_no_str_list(data: Any, name: str) -> None:
    """The data constructors (``tensor``, ``as_tensor``, ``new_tensor``) infer the dims from
    the first element of nested lists: a string there is PyTorch's ValueError ("too many
    dimensions 'str'"); a string elsewhere is the TypeError of ``as_array``."""
    first = data
    while isinstance(first, list | tuple) and first:
        first = first[0]
    if isinstance(data, list | tuple) and isinstance(first, str | bytes):
        raise ValueError(f"{name}: too many dimensions 'str': can't make a tensor of a list of "
                         f"strings (first element {first!r}); expected numbers, bools, nested "
                         "lists of them or a numpy array")


def _has_big_int(data: Any) -> bool:
    if isinstance(data, list | tuple):
        return any(_has_big_int(x) for x in data)
    return isinstance(data, int) and not -2**63 <= data < 2**63


def _typed_float64(data: Any) -> bool:
    """Whether nested data holds a float64 that is not a plain Python float (``np.float64``,
    a float64 array or tensor): then PyTorch keeps float64 instead of the default dtype."""
    if isinstance(data, list | tuple):
        return any(_typed_float64(x) for x in data)
    if type(data) is np.float64:
        return True
    inner = getattr(data, "_data", data)
    return isinstance(inner, np.ndarray) and inner.dtype == np.float64


def _as_dtype(data: Any, dtype: dtypes.DType) -> Array:
    """``data`` converted to ``dtype``; Python ints above the integer type's range are an
    error (PyTorch's), floats are truncated toward zero, negatives wrap into unsigned;
    numpy arrays convert like ``astype`` (integers wrap around)."""
    from_python = not isinstance(data, np.ndarray | np.generic)
    if from_python:
        data = _from_python(data)
    if from_python and data.dtype.kind in "iu" and dtype.kind in "iu" and data.size:
        info = np.iinfo(dtype.np_dtype)
        low = info.min if dtype.kind == "i" else -info.max - 1  # -1 -> uint8 255 is allowed
        if data.max() > info.max or data.min() < low:
            raise RuntimeError(f"tensor: value cannot be converted to type {dtype.name} "
                               f"without overflow (values from {data.min()} to {data.max()}, "
                               f"{dtype.name} holds {info.min} to {info.max})")
    with np.errstate(over="ignore", invalid="ignore"):  # 1e6 -> float16 inf, like torch
        return np.asarray(data).astype(dtype.np_dtype, copy=False)


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
    return like._wrap(scalar_array(value, dtypes.scalar_dtype(like.dtype, value)))


def scalar_array(value: Any, dtype: dtypes.DType) -> Array:
    """A Python number as a 0-d array of ``dtype``; ints wrap around like PyTorch's
    (``uint8_tensor + 300`` adds 44)."""
    with np.errstate(over="ignore"):
        return np.asarray(value).astype(dtype.np_dtype)


def _operand_array(name: str, other: Any) -> Array:
    """The array of a list or ndarray operand; the op is named if it cannot be a tensor."""
    try:
        return as_array(other, None)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: the other operand cannot become a tensor ({exc})") from None


def prepare_binary(name: str, a: Any, other: Any) -> tuple[Any, Any]:
    """Convert the operand, check broadcasting and promote both sides to one dtype."""
    if isinstance(other, TensorBase):
        b = other
        dtype = dtypes.promote(a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
    elif isinstance(other, np.ndarray | list | tuple):
        b = a._wrap(_operand_array(name, other))
        dtype = dtypes.promote(a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
    else:
        dtype = dtypes.scalar_dtype(a.dtype, other, name)
        b = a._wrap(scalar_array(other, dtype))
    if a.shape != b.shape:
        broadcast_shape(name, a.shape, b.shape)
    return a.type(dtype), b.type(dtype)


def _python(a: Array) -> Any:
    """Python numbers from an array (bfloat16 via float32, which holds it exactly)."""
    if a.dtype.char == "E":
        a = a.astype(np.float32)
    return a.tolist()


class ConversionMixin(TensorBase):
    """dtype and device conversion, copies, and the ways out to numpy and Python."""

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """Convert dtype and/or device: ``to(tg.float64)``, ``to('cpu', tg.float64)``,
        ``to(other_tensor)``; ``copy=True`` always gives a new tensor. Only the CPU exists."""
        dtype, copy = parse_to_args("to", args, kwargs)
        out = self if dtype is None else self.type(dtype)
        return out.clone() if copy and out is self else out

    def type(self, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """This tensor converted to ``dtype`` (differentiable between float dtypes).

        Without an argument: the legacy type name, ``'torch.FloatTensor'`` for float32.
        ``dtype`` may be a dtype or a legacy name (``'torch.DoubleTensor'``).
        """
        if dtype is None:
            return self.dtype.legacy
        dtype = dtypes.to_dtype(dtype, "type")
        if dtype == self.dtype:
            return self
        return apply_op(OPS["cast"], self, dtype=dtype)

    def type_as(self, other: Any) -> Any:
        """This tensor converted to ``other``'s dtype."""
        check_tensor(other, "type_as", "other")
        return self.type(other.dtype)

    def half(self) -> Any:
        """Convert to float16 (ops compute in float32 and round back)."""
        return self.type(dtypes.float16)

    def bfloat16(self) -> Any:
        """Convert to bfloat16 (ops compute in float32 and round back)."""
        return self.type(dtypes.bfloat16)

    def float(self) -> Any:
        """Convert to float32."""
        return self.type(dtypes.float32)

    def double(self) -> Any:
        """Convert to float64."""
        return self.type(dtypes.float64)

    def byte(self) -> Any:
        """Convert to uint8."""
        return self.type(dtypes.uint8)

    def char(self) -> Any:
        """Convert to int8."""
        return self.type(dtypes.int8)

    def short(self) -> Any:
        """Convert to int16."""
        return self.type(dtypes.int16)

    def int(self) -> Any:
        """Convert to int32."""
        return self.type(dtypes.int32)

    def long(self) -> Any:
        """Convert to int64."""
        return self.type(dtypes.int64)

    def bool(self) -> Any:
        """Convert to bool."""
        return self.type(dtypes.bool_)

    def element_size(self) -> Any:
        """Bytes per element (4 for float32, 2 for float16)."""
        return self.dtype.itemsize

    def is_signed(self) -> Any:
        """False for uint8 and bool tensors."""
        return self.dtype.is_signed

    def is_complex(self) -> Any:
        """Always False (complex dtypes are not supported)."""
        return False

    def _floating(self) -> Any:
        """Integer tensors become the default float dtype before float math (torch.exp of an
        int tensor is float32)."""
        if self._data.dtype.kind == "f":  # float16/32/64: checked first, it runs per op
            return self
        return self if self.dtype.is_floating_point else self.type(dtypes.get_default_dtype())

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
        """True for float16, bfloat16, float32 and float64 tensors."""
        return self.dtype.is_floating_point

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
        return _python(self._data.reshape(()))

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return _python(self._data)

    def _scalar(self, kind: str) -> Any:
        if self._data.size != 1:
            raise ValueError(f"{kind}: only one element tensors can be converted to Python "
                             f"scalars; this tensor has shape {self.shape}")
        return _python(self._data.reshape(()))

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


def result_type(tensor: Any, other: Any) -> dtypes.DType:
    """``torch.result_type``: the dtype an arithmetic op on the two would give.

    Each argument is a Tensor or a Python number; tensors with dims outrank 0-d tensors,
    which outrank numbers, except that a higher category (bool < int < float) always counts.
    """
    return dtypes.result_type_of([_operand("result_type", tensor), _operand("result_type", other)])


def _operand(name: str, x: Any) -> tuple[dtypes.DType, Any]:
    if isinstance(x, TensorBase):
        return x.dtype, x.ndim
    if isinstance(x, bool | int | float | np.number | np.bool_):
        return dtypes.scalar_type(x), None
    raise TypeError(f"{name}(): expected a Tensor or a Number, got {type(x).__name__}")


def is_floating_point(input: Any) -> bool:  # noqa: A002 - PyTorch's argument name
    """``torch.is_floating_point``: True for a float16/bfloat16/float32/float64 tensor."""
    check_tensor(input, "is_floating_point")
    return bool(input.dtype.is_floating_point)
