"""Dtypes, devices and PyTorch's type promotion rules.

A tinygrad_edu dtype is a ``DType``: PyTorch's ``torch.dtype`` (``tg.float32.is_floating_point``,
``.itemsize``, ``.is_signed``, prints as ``torch.float32``) around the numpy dtype that stores
the numbers. It compares equal to that numpy dtype (``tg.float32 == np.float32``), and numpy
accepts it wherever it takes a dtype (``np.zeros(3, dtype=tg.float16)``).

Supported: bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64.
bfloat16 has no numpy dtype of its own; it is stored with the ``ml_dtypes`` package (the one
JAX uses), imported the first time bfloat16's numpy dtype is needed (importing it takes most of
a second, which float32 work should not pay). Ops compute float16/bfloat16 in float32 and round
the result back (``half_pair``), as PyTorch does on the CPU. Complex dtypes and uint16/32/64
are deliberately unsupported (``UNSUPPORTED`` says why; the error says it too). The promotion
rules are PyTorch's: ``promote_types``, ``result_type``, ``can_cast``; docs/dtypes.md has the
table.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np


class DType:
    """An element type, PyTorch's ``torch.dtype``, stored as the numpy dtype ``np_dtype``.

    Attributes the course code reads: ``is_floating_point``, ``is_complex``, ``is_signed``,
    ``itemsize`` (bytes per element). Other attributes (``kind``, ``name``, ``type``...) are
    the numpy dtype's, except that bfloat16's ``kind`` is ``'f'`` (numpy calls it ``'V'``).

    bfloat16 is made with ``np_dtype=None``: its slot stays empty until the first read, which
    lands in ``__getattr__`` and loads the numpy dtype from ``ml_dtypes`` (``_load_bfloat16``).
    The other dtypes read a filled slot, as fast as any attribute.
    """

    __slots__ = ("np_dtype", "name", "legacy", "kind")

    def __init__(self, np_dtype: Any, name: str, legacy: str, kind: str = "") -> None:
        if np_dtype is not None:
            self.np_dtype = np.dtype(np_dtype)
        self.name = name
        self.legacy = legacy  # the legacy tensor type's name: 'torch.FloatTensor'
        self.kind = kind or self.np_dtype.kind

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype (numpy's protocol: ``np.dtype(tg.float32)`` reads this)."""
        return self.np_dtype

    @property
    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64."""
        return self.kind == "f"

    @property
    def is_complex(self) -> bool:
        """Always False: complex dtypes are not supported."""
        return False

    @property
    def is_signed(self) -> bool:
        """True unless the type is bool or uint8."""
        return self.kind in "fi"

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return int(self.np_dtype.itemsize)

    def to_real(self) -> DType:
        """The type itself (no complex types here)."""
        return self

    def __getattr__(self, attr: str) -> Any:  # only called for what the slots don't hold
        if attr == "np_dtype":  # bfloat16's, not loaded yet
            return _load_bfloat16()
        return getattr(self.np_dtype, attr)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self is other
        if other is None:  # np.dtype(None) would be float64
            return False
        if isinstance(other, str) and other in _BY_NAME:
            return _BY_NAME[other] is self
        try:
            return bool(self.np_dtype == np.dtype(other))  # type: ignore[arg-type]
        except TypeError:
            return False

    def __hash__(self) -> int:  # the numpy dtype's, as they compare equal (loads bfloat16's)
        return hash(self.np_dtype)

    def __repr__(self) -> str:
        return "torch." + self.name

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, tuple[str]]:  # pickle gives back the same object
        return to_dtype, (self.name,)

    def __copy__(self) -> DType:
        return self

    def __deepcopy__(self, memo: Any) -> DType:
        return self


bool_ = DType(np.bool_, "bool", "torch.BoolTensor")
uint8 = DType(np.uint8, "uint8", "torch.ByteTensor")
int8 = DType(np.int8, "int8", "torch.CharTensor")
int16 = short = DType(np.int16, "int16", "torch.ShortTensor")
int32 = DType(np.int32, "int32", "torch.IntTensor")
int64 = long = DType(np.int64, "int64", "torch.LongTensor")
float16 = half = DType(np.float16, "float16", "torch.HalfTensor")
bfloat16 = DType(None, "bfloat16", "torch.BFloat16Tensor", kind="f")  # numpy dtype: on first use
float32 = float = DType(np.float32, "float32", "torch.FloatTensor")  # noqa: A001 - torch's alias
float64 = double = DType(np.float64, "float64", "torch.DoubleTensor")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
SUPPORTED = ALL  # the name older code uses
FLOATING = (float16, bfloat16, float32, float64)
_BY_NUMPY = {d.np_dtype: d for d in ALL if d is not bfloat16}  # bfloat16: _load_bfloat16
_BY_NAME = {**{d.name: d for d in ALL}, **{d.legacy: d for d in ALL},
            **{"torch." + d.name: d for d in ALL},
            **{"torch.half": float16, "torch.float": float32, "torch.double": float64,
               "torch.short": int16, "torch.int": int32, "torch.long": int64}}
_HALF_CHARS = "eE"  # numpy's type codes of float16 and bfloat16
_F16 = float16.np_dtype
_BF16: np.dtype[Any] | None = None  # bfloat16.np_dtype once loaded: no array has it before


def _load_bfloat16() -> np.dtype[Any]:
    """Import ``ml_dtypes`` and give ``bfloat16`` its numpy dtype (on its first use)."""
    global _BF16
    import ml_dtypes  # here, not at the top: it takes most of a second to import

    _BF16 = bfloat16.np_dtype = np.dtype(ml_dtypes.bfloat16)
    _BY_NUMPY[_BF16] = bfloat16
    return _BF16

#: numpy dtype names that PyTorch has but tinygrad_edu refuses, with the reason.
UNSUPPORTED = {
    "complex64": "complex numbers are not supported (no complex kernels or gradients); keep "
                 "the real and imaginary parts in two float tensors",
    "complex128": "complex numbers are not supported (no complex kernels or gradients); keep "
                  "the real and imaginary parts in two float tensors",
    "uint16": "PyTorch keeps uint16 as a storage type with almost no ops, so it is not "
              "supported here; convert with array.astype(np.int32)",
    "uint32": "PyTorch keeps uint32 as a storage type with almost no ops, so it is not "
              "supported here; convert with array.astype(np.int64)",
    "uint64": "PyTorch keeps uint64 as a storage type with almost no ops, so it is not "
              "supported here; convert with array.astype(np.int64) if the values fit "
              "(below 2**63), or to float64",
}
_EXPECTED = "expected one of " + ", ".join(d.name for d in ALL)


def of(np_dtype: Any) -> DType:
    """The DType of a numpy dtype (an array's ``.dtype``); TypeError if unsupported."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        return of_numpy(np_dtype, "dtype")


def of_numpy(np_dtype: Any, where: str) -> DType:
    """The DType of a numpy dtype, or a TypeError naming ``where`` and the reason."""
    d = np.dtype(np_dtype)
    if d in _BY_NUMPY:
        return _BY_NUMPY[d]
    return _bfloat16_or_error(d, where)


def _bfloat16_or_error(d: np.dtype[Any], where: str) -> DType:
    """``bfloat16`` for ml_dtypes' bfloat16 before our bfloat16 was used (an array the user
    made with ml_dtypes), else the TypeError of an unsupported dtype."""
    if d.name == "bfloat16" and _BF16 is None and d == _load_bfloat16():
        return bfloat16
    raise unsupported(d, where)


def unsupported(d: np.dtype[Any], where: str) -> TypeError:
    """The error for a numpy dtype with no tinygrad_edu dtype."""
    reason = UNSUPPORTED.get(d.name, _EXPECTED)
    return TypeError(f"{where}: dtype {d} is not supported: {reason}")


def to_dtype(dtype: Any, where: str = "dtype") -> DType:
    """Turn a dtype-like into ours: ``tg.float64``, ``np.float32``, ``'float32'``, ``float``.

    Python's ``bool``/``int``/``float`` mean bool, int64 and float64 (numpy's and PyTorch's
    reading of ``dtype=float``); legacy type names (``'torch.FloatTensor'``) are accepted.
    """
    if isinstance(dtype, DType):
        return dtype
    if dtype is bool:
        return bool_
    if dtype is builtins.int:
        return int64
    if dtype is builtins.float:
        return float64
    if isinstance(dtype, str) and dtype in _BY_NAME:
        return _BY_NAME[dtype]
    legacy = getattr(dtype, "dtype", None)  # a legacy tensor type (tg.FloatTensor)
    if isinstance(legacy, DType):
        return legacy
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: {dtype!r} is not a dtype; {_EXPECTED}") from None
    if d in _BY_NUMPY:
        return _BY_NUMPY[d]
    return _bfloat16_or_error(d, where)


# ----------------------------------------------------------------------------- default dtype

_default = [float32]


def get_default_dtype() -> DType:
    """The dtype of Python floats in new tensors and of float factories (float32 at start)."""
    return _default[0]


def set_default_dtype(d: Any) -> None:
    """Set the default float dtype (float16, bfloat16, float32 or float64), as in PyTorch.

    It decides the dtype of ``tensor(1.5)``, ``zeros``/``ones``/``rand``/``randn``/``eye``/
    ``linspace``/``full`` with a float, ``arange`` with a float argument, layer parameters,
    ``int_tensor / int_tensor`` and ``int_tensor + 1.5``.
    """
    try:
        d = to_dtype(d, "set_default_dtype")
    except TypeError:
        d = None
    if d is None or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


# ----------------------------------------------------------------------------- promotion

def category(dtype: Any) -> builtins.int:
    """0 for bool, 1 for integers, 2 for floats: PyTorch promotes to the higher category."""
    return {"b": 0, "u": 1, "i": 1, "f": 2}[dtype.kind]


def promote_types(a: Any, b: Any) -> DType:
    """PyTorch's ``torch.promote_types``: the smallest dtype both convert to without loss of
    category.

    bool < integers < floats; an integer meets a float: the float (``int64 + float16 ->
    float16``); uint8 meets int8: int16; float16 meets bfloat16: float32; otherwise the wider.
    """
    a, b = to_dtype(a, "promote_types"), to_dtype(b, "promote_types")
    if a is b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    if ca == 2:
        if {a.name, b.name} == {"float16", "bfloat16"}:
            return float32
        return a if a.itemsize > b.itemsize else b
    return _BY_NUMPY[np.promote_types(a.np_dtype, b.np_dtype)]


def _combine(higher: DType | None, lower: DType | None) -> DType | None:
    """One priority class (tensors with dims) against a lower one (0-d tensors, then numbers):
    the lower one counts only when it is of a higher category."""
    if higher is None:
        return lower
    if lower is None or category(higher) >= category(lower):
        return higher
    return promote_types(higher, lower)


def scalar_type(value: Any, name: str = "") -> DType:
    """The dtype a Python number takes part in promotion with (floats: the default dtype);
    ``name``, the op, starts the message of the TypeError for anything that is not a number."""
    if isinstance(value, bool | np.bool_):
        return bool_
    if isinstance(value, builtins.int | np.integer):
        return int64
    if isinstance(value, builtins.float | np.floating):
        return get_default_dtype()
    if isinstance(value, complex | np.complexfloating):
        raise TypeError(f"{name}{': ' if name else ''}complex numbers are not supported; keep "
                        "the real and imaginary parts in two float tensors")
    raise TypeError(f"{name}{': ' if name else ''}unsupported operand type "
                    f"{type(value).__name__}; expected a Tensor, a number or a numpy array")


def result_type_of(operands: list[tuple[DType | None, builtins.int | None]]) -> DType:
    """PyTorch's result dtype of ``(dtype, ndim)`` operands; ``ndim`` None marks a number.

    Operands with dims decide among themselves; 0-d tensors count only when they bring a
    higher category, then Python numbers likewise (``int8_vector + 1000 -> int8``,
    ``int_vector + 1.5 -> default float``, ``float16_vector + float64_0d -> float16``).
    """
    dims: DType | None = None
    zero: DType | None = None
    number: DType | None = None
    for dtype, ndim in operands:
        if dtype is None:
            continue
        if ndim is None:
            number = dtype if number is None else promote_types(number, dtype)
        elif ndim > 0:
            dims = dtype if dims is None else promote_types(dims, dtype)
        else:
            zero = dtype if zero is None else promote_types(zero, dtype)
    result = _combine(dims, _combine(zero, number))
    assert result is not None
    return result


def promote(a: Any, a_is_scalar: bool, b: Any, b_is_scalar: bool) -> DType:
    """Result dtype of a binary op between two tensors (``*_is_scalar``: the tensor is 0-d)."""
    return result_type_of([(of_any(a), 0 if a_is_scalar else 1),
                           (of_any(b), 0 if b_is_scalar else 1)])


def of_any(dtype: Any) -> DType:
    """Our DType for a DType or a numpy dtype."""
    return dtype if isinstance(dtype, DType) else of(dtype)


def scalar_dtype(tensor_dtype: Any, value: object, name: str = "") -> DType:
    """Result dtype of ``tensor op python_number`` for a tensor with dims."""
    return result_type_of([(of_any(tensor_dtype), 1), (scalar_type(value, name), None)])


def can_cast(from_: Any, to: Any) -> bool:
    """PyTorch's ``torch.can_cast``: False only when a cast would lose the category:
    float to integer or bool, integer to bool."""
    a, b = to_dtype(from_, "can_cast"), to_dtype(to, "can_cast")
    return category(a) <= category(b)


def promotion_table() -> str:
    """The markdown table of ``promote_types`` over all pairs (docs/dtypes.md shows it)."""
    short = {"bool": "bool", "uint8": "u8", "int8": "i8", "int16": "i16", "int32": "i32",
             "int64": "i64", "float16": "f16", "bfloat16": "bf16", "float32": "f32",
             "float64": "f64"}
    lines = ["| | " + " | ".join(short[d.name] for d in ALL) + " |",
             "|---" * (len(ALL) + 1) + "|"]
    for a in ALL:
        cells = [short[promote_types(a, b).name] for b in ALL]
        lines.append(f"| **{short[a.name]}** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- finfo / iinfo

class finfo:  # noqa: N801 - PyTorch's name
    """Limits of a float dtype, like ``torch.finfo`` (``tg.finfo(tg.float32).eps``)."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's argument name
        d = get_default_dtype() if type is None else to_dtype(type, "finfo")
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        if d is bfloat16:
            import ml_dtypes  # numpy has no finfo of bfloat16

            info = ml_dtypes.finfo(d.np_dtype)
        else:
            info = np.finfo(d.np_dtype)
        self.dtype = d.name
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = builtins.float(10.0 ** -info.precision)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer dtype, like ``torch.iinfo`` (``tg.iinfo(tg.uint8).max``)."""

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's argument name
        d = to_dtype(type, "iinfo")
        if d.kind not in "iub":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        info = np.iinfo(np.uint8 if d is bool_ else d.np_dtype)
        self.dtype = d.name
        self.bits = builtins.int(info.bits)
        self.max = builtins.int(1 if d is bool_ else info.max)
        self.min = builtins.int(info.min)

    def __repr__(self) -> str:
        return (f"iinfo(min={builtins.float(self.min):g}, max={builtins.float(self.max):g}, "
                f"dtype={self.dtype})")


# ----------------------------------------------------------------------------- half compute

def has_half(arrays: list[Any]) -> bool:
    """Whether any array is float16 or bfloat16 (the ops then compute in float32).

    Called before every op, so it compares dtype identities (numpy keeps one dtype object
    per native type), the cheapest test there is.
    """
    for a in arrays:
        d = a.dtype
        if d is _F16 or d is _BF16:
            return True
    return False


def half_pair(forward: Callable[..., tuple[Any, Any]], backward: Any, arrays: list[Any]
              ) -> tuple[Callable[..., tuple[Any, Any]], Any, list[Any]]:
    """Run an op on float16/bfloat16 inputs in float32, as PyTorch's CPU kernels do.

    The half inputs are converted to float32, the forward runs (Numba kernels and BLAS know
    no float16), and a float32 output is rounded back to the half dtype. The backward gets
    the incoming gradient in float32; the engine then rounds each gradient to its input's
    dtype, so gradients keep the parameter's dtype.
    """
    half = next(a.dtype for a in arrays if a.dtype.char in _HALF_CHARS)
    wide = [a.astype(np.float32) if a.dtype.char in _HALF_CHARS else a for a in arrays]

    def forward32(*xs: Any, **static: Any) -> tuple[Any, Any]:
        out, cache = forward(*xs, **static)
        out = np.asarray(out)
        return (out.astype(half) if out.dtype == np.float32 else out), cache

    if backward is None:
        return forward32, None, wide

    def backward32(dout: Any, cache: Any) -> Any:
        return backward(dout.astype(np.float32), cache)

    return forward32, backward32, wide


# devices live in device.py; these names stay importable from here for older callers
from .device import check_device, device  # noqa: E402,F401
