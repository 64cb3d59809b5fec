"""PyTorch's checkpoint format (``torch.save`` / ``torch.load``), read and written without torch.

The zip format (PyTorch 1.6 and later). Every record sits in one folder, whose name does not
matter (torch uses the file's stem, or ``archive``)::

    archive/data.pkl        the saved object, pickled (protocol 2)
    archive/data/0          the raw bytes of storage '0': numel * itemsize bytes
    archive/data/1          ...
    archive/byteorder       b'little' or b'big': the byte order of every storage
    archive/version         b'3\\n'
    archive/.format_version, .storage_alignment, .data/serialization_id   (newer torch)

A pickle is a small program for a stack machine: ``GLOBAL torch._utils _rebuild_tensor_v2``
pushes a function, the ops after it push its arguments, ``REDUCE`` calls it. A tensor is::

    _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)

and its storage is a *persistent id*, a tuple the pickle hands to the loader to resolve::

    ('storage', torch.FloatStorage, '0', 'cpu', numel)    -> the bytes of archive/data/0

Tensors that view one storage (``w`` and ``w[0]``) name the same key, so they share memory
after loading too. A Parameter is ``_rebuild_parameter(tensor, requires_grad, hooks)``.

The legacy format (before 1.6, or ``_use_new_zipfile_serialization=False``) is one stream:
five pickles (the magic number, the protocol version 1001, a ``sys_info`` dict, the object,
the list of storage keys) and then, for each key, an int64 element count and the storage's
bytes, always little-endian. Its persistent ids carry a sixth entry, a view of a storage
(``(view_key, offset, numel)``) or None.

Security: unpickling a pickle runs whatever functions it names (``os.system`` too), so
``pickle.load`` of an untrusted file is arbitrary code execution. Here the unpickler's
``find_class`` hands the pickle only the stand-ins in ``_ALLOWED`` (tensor and parameter
rebuilders, storage types, dtypes, ``OrderedDict``, ``set``...), the promise of
``torch.load(weights_only=True)``; any other global is refused before anything runs. The
stand-ins only record what the pickle asked for; the tensors are built afterwards, once every
size, stride and offset was checked against its storage, and a storage is only allocated
after its record in the file was found to hold exactly the bytes it declares.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools
import struct
import sys
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from .. import dtypes
from ..nn.parameter import Parameter
from ..tensor import Tensor
from .common import Refused, read_member

# torch's storage classes and the numpy dtype of their elements (UntypedStorage: raw bytes);
# bfloat16's is our DType, whose numpy dtype (from ml_dtypes) is loaded only when it is used
STORAGE_DTYPES: dict[str, Any] = {
    "FloatStorage": np.dtype(np.float32), "DoubleStorage": np.dtype(np.float64),
    "HalfStorage": np.dtype(np.float16), "BFloat16Storage": dtypes.bfloat16,
    "CharStorage": np.dtype(np.int8), "ShortStorage": np.dtype(np.int16),
    "IntStorage": np.dtype(np.int32), "LongStorage": np.dtype(np.int64),
    "ByteStorage": np.dtype(np.uint8), "BoolStorage": np.dtype(np.bool_),
    "ComplexFloatStorage": np.dtype(np.complex64),
    "ComplexDoubleStorage": np.dtype(np.complex128),
    "UntypedStorage": np.dtype(np.uint8),
}
_STORAGE_NAMES = {dtype.name: name for name, dtype in STORAGE_DTYPES.items()  # by numpy's name
                  if name != "UntypedStorage"}

LEGACY_MAGIC = 0x1950a86a20f9469cfc6c  # the first pickle of a legacy file
LEGACY_PROTOCOL = 1001
MAX_PICKLE_BYTES = 1 << 26  # data.pkl of a state dict is kilobytes; 64 MiB is plenty
MAX_DEPTH = 200  # containers nested deeper than this are refused (a state dict has 3-5)


class UnpicklingError(pickle.UnpicklingError, ValueError):
    """The pickle asked for something outside the allow-list (a global such as ``os.system``,
    or BUILD on a stand-in). A ValueError too, as every unreadable file is for ``load``."""


# ------------------------------------------------------------------ what the pickle may use


class _StandIn:
    """Base of every object the unpickler hands the pickle program: BUILD (``__setstate__``,
    which could set attributes) is refused on all of them."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise UnpicklingError(f"load: BUILD on {self!r} is not allowed (it only sets "
                              "attributes of plain containers)")


class _Global(_StandIn):
    """An allowed function or class, called by REDUCE."""

    __slots__ = ("fn", "name")

    def __init__(self, name: str, fn: Any) -> None:
        self.name, self.fn = name, fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def __repr__(self) -> str:
        return self.name


class _StorageType(_StandIn):
    """``torch.FloatStorage`` and friends: only a dtype, named in persistent ids."""

    __slots__ = ("_dtype", "name")

    def __init__(self, name: str, dtype: Any) -> None:
        self.name, self._dtype = name, dtype

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype of the elements."""
        return np.dtype(self._dtype)

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class _DType(_StandIn):
    """``torch.float32`` and friends: becomes tinygrad_edu's dtype."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"torch.{self.dtype.name}"


class _Storage(_StandIn):
    """One storage: a flat array of ``numel`` elements, read from the file, or (legacy) a
    slice of a root storage."""

    __slots__ = ("array", "dtype", "numel", "offset", "root")

    def __init__(self, dtype: np.dtype[Any], numel: int, root: _Storage | None = None,
                 offset: int = 0) -> None:
        self.dtype, self.numel, self.root, self.offset = dtype, numel, root, offset
        self.array: np.ndarray[Any, Any] | None = None

    def elements(self, name: Any) -> np.ndarray[Any, Any]:
        if self.root is not None:
            flat = self.root.elements(name)
            if self.offset + self.numel > flat.size:
                raise Refused(f"load: {name} has a storage view of elements [{self.offset}, "
                               f"{self.offset + self.numel}) of a storage of {flat.size}")
            return flat[self.offset:self.offset + self.numel]
        if self.array is None:
            raise Refused(f"load: {name} uses a storage whose data is missing")
        return self.array

    def __repr__(self) -> str:
        return f"<storage of {self.numel} {self.dtype}>"


class _TensorRef(_StandIn):
    """What ``_rebuild_tensor_v2`` asked for; becomes a Tensor in ``_resolve``."""

    __slots__ = ("offset", "parameter", "requires_grad", "size", "storage", "stride")

    def __init__(self, storage: Any, offset: Any, size: Any, stride: Any,
                 requires_grad: Any = False, parameter: bool = False) -> None:
        if not isinstance(storage, _Storage):
            raise Refused(f"a tensor's storage must be a storage, got {type(storage).__name__}")
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.requires_grad, self.parameter = bool(requires_grad), parameter

    def __repr__(self) -> str:
        return f"<tensor of size {self.size}>"


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any = False, backward_hooks: Any = None,
                       metadata: Any = None) -> _TensorRef:
    return _TensorRef(storage, storage_offset, size, stride, requires_grad)


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any) -> _TensorRef:
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any,
                       state: Any = None) -> _TensorRef:
    if not isinstance(data, _TensorRef):
        raise Refused(f"a Parameter must wrap a tensor, got {type(data).__name__}")
    return _TensorRef(data.storage, data.offset, data.size, data.stride, requires_grad, True)


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    """A tensor of a subclass (or with attributes): the tensor itself; attributes dropped."""
    result = func(*args)
    if isinstance(result, _TensorRef) and getattr(new_type, "name", "") == \
            "torch.nn.parameter.Parameter":
        result.parameter = True
    return result


def _encode(text: Any, encoding: Any = "latin1") -> bytes:
    """``_codecs.encode``, which protocol 2 uses for bytes: only latin-1 text."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise Refused("_codecs.encode is allowed only for latin-1 text (pickled bytes)")
    return text.encode("latin1")


def _not_callable(name: str) -> Any:
    def refuse(*args: Any) -> Any:
        raise UnpicklingError(f"load: {name} may only be named, not called")
    return refuse


_TORCH_DTYPES = {"float32": dtypes.float32, "float": dtypes.float32, "float64": dtypes.float64,
                 "double": dtypes.float64, "float16": dtypes.float16, "half": dtypes.float16,
                 "bfloat16": dtypes.bfloat16, "int8": dtypes.int8, "int16": dtypes.int16,
                 "short": dtypes.int16, "int32": dtypes.int32, "int": dtypes.int32,
                 "int64": dtypes.int64, "long": dtypes.int64, "uint8": dtypes.uint8,
                 "bool": dtypes.bool_}


def _allowed() -> dict[str, Any]:
    """``module.name`` -> the stand-in that the pickle gets for it."""
    allowed: dict[str, Any] = {
        f"torch._utils.{fn.__name__}": _Global(f"torch._utils.{fn.__name__}", fn)
        for fn in (_rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter)}
    allowed["torch._utils._rebuild_parameter_with_state"] = _Global(
        "torch._utils._rebuild_parameter_with_state", _rebuild_parameter)
    allowed["torch._tensor._rebuild_from_type_v2"] = _Global(
        "torch._tensor._rebuild_from_type_v2", _rebuild_from_type_v2)
    for name in ("torch.Tensor", "torch.nn.parameter.Parameter"):
        allowed[name] = _Global(name, _not_callable(name))
    for name, fn in (("collections.OrderedDict", OrderedDict), ("torch.Size", tuple),
                     ("builtins.set", set), ("builtins.frozenset", frozenset),
                     ("builtins.complex", complex), ("builtins.bytearray", bytearray),
                     ("_codecs.encode", _encode)):
        allowed[name] = _Global(name, fn)
    for name, dtype in STORAGE_DTYPES.items():
        for module in ("torch", "torch.storage", "torch.cuda"):
            allowed[f"{module}.{name}"] = _StorageType(name, dtype)
    for name, ours in _TORCH_DTYPES.items():
        allowed[f"torch.{name}"] = _DType(ours)
    return allowed


_ALLOWED = _allowed()


class _RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves globals only from ``_ALLOWED`` and storages only
    through ``storage_for``."""

    def __init__(self, file: BinaryIO, name: Any, storage_for: Any) -> None:
        super().__init__(file)
        self.name, self.storage_for = name, storage_for

    def find_class(self, module: str, name: str) -> Any:
        full = f"{module}.{name}"
        if full in _ALLOWED:
            return _ALLOWED[full]
        raise UnpicklingError(
            f"load: {self.name}: Unsupported global: GLOBAL {full} was not an allowed global "
            f"by default. tg.load rebuilds only tensors, storages and plain containers (the "
            f"promise of torch.load(weights_only=True)), so nothing in the file runs; load it "
            f"with torch only if you trust where it came from")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and pid and pid[0] in ("storage", b"storage")):
            raise UnpicklingError(f"load: {self.name}: only storages may be persistent ids, "
                                  f"got {pid!r:.80}")
        if self.storage_for is None:
            raise Refused(f"load: {self.name} has a storage where none may be")
        return self.storage_for(pid[1:])


def _unpickle(fh: BinaryIO, name: Any, storage_for: Any = None) -> Any:
    """Run the pickle at ``fh``'s position with the restricted unpickler; ``fh`` ends after it.

    The opcodes are walked first (``pickletools.genops`` only reads them): a memo index
    (BINPUT n) beyond the pickle's own length would make the C unpickler allocate a memo
    table of n entries, gigabytes for a 10-byte pickle.
    """
    start = fh.tell()
    memo_max = max((int(arg) for op, arg, _ in pickletools.genops(fh)
                    if op.name in ("PUT", "BINPUT", "LONG_BINPUT")), default=0)
    end = fh.tell()
    if end - start > MAX_PICKLE_BYTES:
        raise Refused(f"load: {name} has a pickle of {end - start} bytes; at most "
                       f"{MAX_PICKLE_BYTES} are read")
    if memo_max > end - start:
        raise Refused(f"load: {name} has a pickle memo index {memo_max}, beyond the "
                       f"pickle's {end - start} bytes")
    fh.seek(start)
    obj = _RestrictedUnpickler(fh, name, storage_for).load()
    fh.seek(end)
    return obj


# ------------------------------------------------------------------ from stand-ins to tensors


def _resolve(obj: Any, name: Any, memo: dict[int, Any] | None = None, depth: int = 0) -> Any:
    """The loaded object with every tensor stand-in turned into a Tensor (or, for complex
    dtypes, which tinygrad_edu has not, a numpy array). Shared objects stay shared."""
    if depth > MAX_DEPTH:
        raise Refused(f"load: {name} nests containers more than {MAX_DEPTH} levels deep")
    memo = {} if memo is None else memo
    if obj is None or isinstance(obj, bool | int | float | complex | str | bytes | bytearray):
        return obj
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, _TensorRef):
        memo[id(obj)] = result = _tensor(obj, name)
        return result
    if isinstance(obj, _DType):
        return obj.dtype
    if isinstance(obj, _Storage):  # a storage saved on its own: its elements
        return Tensor(obj.elements(name))
    if isinstance(obj, dict):
        out: dict[Any, Any] = OrderedDict() if isinstance(obj, OrderedDict) else {}
        memo[id(obj)] = out
        for key, value in obj.items():
            out[_resolve(key, name, memo, depth + 1)] = _resolve(value, name, memo, depth + 1)
        return out
    if isinstance(obj, list):
        items: list[Any] = []
        memo[id(obj)] = items
        items.extend(_resolve(v, name, memo, depth + 1) for v in obj)
        return items
    if isinstance(obj, tuple | set | frozenset):  # memoized too: a pickle can share a tuple
        memo[id(obj)] = result = type(obj)(_resolve(v, name, memo, depth + 1) for v in obj)
        return result  # in both halves of the next one, 2**depth times over ("laughs")
    raise Refused(f"load: {name} holds {obj!r:.60} as a value; tg.load returns tensors, "
                   "numbers, strings and containers only")


def _tensor(ref: _TensorRef, name: Any) -> Any:
    """A view over the storage with the ref's size, stride and offset, all checked first."""
    size, stride, offset = _shape(ref.size, name), _shape(ref.stride, name), ref.offset
    if len(size) != len(stride) or not isinstance(offset, int) or offset < 0:
        raise Refused(f"load: {name} has a tensor with size {size}, stride {stride} and "
                       f"offset {offset!r}: they do not describe a tensor")
    flat = ref.storage.elements(name)
    if math.prod(size) == 0:
        last = offset - 1
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if last >= flat.size or offset > flat.size:
        raise Refused(f"load: {name} has a tensor with size {list(size)}, stride "
                       f"{list(stride)} and offset {offset} that reaches element {last} of a "
                       f"storage of {flat.size}")
    array = np.ndarray(size, flat.dtype, buffer=flat, offset=offset * flat.itemsize,
                       strides=[s * flat.itemsize for s in stride])  # a view: shared memory
    if array.dtype.kind == "c":
        return array  # complex: numpy keeps it, tinygrad_edu tensors have no complex dtype
    if ref.parameter:
        return Parameter(Tensor(array), requires_grad=ref.requires_grad)
    t = Tensor(array)
    return t.requires_grad_() if ref.requires_grad else t


def _shape(value: Any, name: Any) -> tuple[int, ...]:
    if not isinstance(value, tuple | list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value):
        raise Refused(f"load: {name} has a tensor size or stride {value!r:.80}; expected a "
                       "tuple of non-negative ints")
    return tuple(value)


def _swap_bytes(array: np.ndarray[Any, Any]) -> None:
    """Reverse the bytes of each element in place (complex: of each of its two parts)."""
    unit = array.itemsize // 2 if array.dtype.kind == "c" else array.itemsize
    if unit > 1:
        array.view(f"u{unit}").byteswap(inplace=True)


def _check_numel(numel: Any, dtype: np.dtype[Any], available: int, what: str,
                 name: Any) -> int:
    """``numel`` as bytes, after checking that the file holds that many (``available``)."""
    if not isinstance(numel, int) or isinstance(numel, bool) or numel < 0:
        raise Refused(f"load: {name}: {what} declares {numel!r:.40} elements")
    nbytes = numel * dtype.itemsize
    if nbytes != available:
        raise Refused(f"load: {name}: {what} declares {numel} elements of {dtype} "
                       f"({nbytes} bytes), but the file holds {available} bytes for it")
    return nbytes


# ------------------------------------------------------------------ the zip format


def is_torch_zip(names: list[str]) -> bool:
    """Whether the zip members ``names`` are a torch checkpoint (a ``<folder>/data.pkl``)."""
    return any(n.endswith("/data.pkl") and n.count("/") == 1 for n in names)


def read_zip(fh: BinaryIO, name: Any, size: int) -> Any:
    """The object of the torch zip checkpoint ``fh`` (``size`` bytes long)."""
    with zipfile.ZipFile(fh) as z:
        prefix = _folder(z, name)
        order = read_member(z, prefix + "byteorder", name, size, None, 16) \
            if prefix + "byteorder" in z.NameToInfo else b"little"
        if order not in (b"little", b"big"):
            raise Refused(f"load: {name} has byteorder {order!r:.20}; expected little or big")
        storages: dict[str, _Storage] = {}

        def storage_for(entry: tuple[Any, ...]) -> _Storage:
            if len(entry) != 4 or not isinstance(entry[0], _StorageType) or \
                    not isinstance(entry[1], str):
                raise Refused(f"load: {name} has a malformed storage id {entry!r:.80}")
            kind, key, _location, numel = entry
            if key in storages:
                if storages[key].dtype != kind.dtype:
                    raise Refused(f"load: {name} uses storage {key!r} as two dtypes")
                return storages[key]
            storage = _Storage(kind.dtype, numel)
            storage.array = _storage_array(z, f"{prefix}data/{key}", kind.dtype, numel,
                                           order.decode(), name, size)
            storages[key] = storage
            return storage

        pickled = read_member(z, prefix + "data.pkl", name, size, None, MAX_PICKLE_BYTES)
        obj = _unpickle(io.BytesIO(pickled), name, storage_for)
    return _resolve(obj, name)


def _folder(z: zipfile.ZipFile, name: Any) -> str:
    """The folder that holds data.pkl (``archive/``, ``x/``...)."""
    folders = [n[:-len("data.pkl")] for n in z.namelist()
               if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(folders) != 1:
        raise Refused(f"load: {name} has {len(folders)} data.pkl records; a checkpoint has 1")
    if folders[0] + "constants.pkl" in z.NameToInfo:
        raise Refused(f"load: {name} is a TorchScript archive (torch.jit.save), not a "
                       "checkpoint; tg.load reads files written by torch.save")
    return folders[0]


def _storage_array(z: zipfile.ZipFile, member: str, dtype: np.dtype[Any], numel: Any,
                   order: str, name: Any, size: int) -> np.ndarray[Any, Any]:
    info = z.NameToInfo.get(member)
    if info is None:
        raise Refused(f"load: {name} has no record {member!r} for a storage")
    nbytes = _check_numel(numel, dtype, info.file_size, f"storage {member!r}", name)
    array = np.frombuffer(read_member(z, member, name, size, nbytes, nbytes), dtype=dtype)
    if order != sys.byteorder:
        _swap_bytes(array)
    return array


# ------------------------------------------------------------------ the legacy format

_LEGACY_START = b"\x80\x02\x8a\x0a" + LEGACY_MAGIC.to_bytes(10, "little")


def is_legacy(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a legacy torch file (its magic number)."""
    return head.startswith(_LEGACY_START)


def read_legacy(fh: BinaryIO, name: Any, size: int) -> Any:
    """The object of the legacy torch file ``fh``: five pickles, then the storages."""
    if _unpickle(fh, name) != LEGACY_MAGIC:
        raise Refused(f"load: {name} has the wrong magic number for a torch file")
    if _unpickle(fh, name) != LEGACY_PROTOCOL:
        raise Refused(f"load: {name} has an unknown legacy protocol version")
    _unpickle(fh, name)  # sys_info: the writer's byte order; the data is little-endian anyway
    storages: dict[str, _Storage] = {}

    def storage_for(entry: tuple[Any, ...]) -> _Storage:
        if len(entry) != 5 or not isinstance(entry[0], _StorageType) or \
                not isinstance(entry[1], str):
            raise Refused(f"load: {name} has a malformed storage id {entry!r:.80}")
        kind, key, _location, numel, view = entry
        if not isinstance(numel, int) or numel < 0:
            raise Refused(f"load: {name}: storage {key!r} declares {numel!r:.40} elements")
        root = storages.setdefault(key, _Storage(kind.dtype, numel))
        if root.dtype != kind.dtype or root.numel != numel:
            raise Refused(f"load: {name} uses storage {key!r} with two dtypes or sizes")
        if view is None:
            return root
        view_key, offset, view_numel = view
        if not isinstance(offset, int) or not isinstance(view_numel, int) or offset < 0 \
                or view_numel < 0:
            raise Refused(f"load: {name} has a malformed storage view {view!r:.80}")
        return storages.setdefault(view_key, _Storage(kind.dtype, view_numel, root, offset))

    obj = _unpickle(fh, name, storage_for)
    keys = _unpickle(fh, name)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise Refused(f"load: {name} has a malformed list of storage keys")
    for key in keys:
        storage = storages.get(key)
        if storage is None or storage.root is not None:
            raise Refused(f"load: {name} has data for an unknown storage {key!r:.40}")
        storage.array = _legacy_storage(fh, storage, key, name, size)
    return _resolve(obj, name)


def _legacy_storage(fh: BinaryIO, storage: _Storage, key: str, name: Any,
                    size: int) -> np.ndarray[Any, Any]:
    """One storage's data: its int64 element count, then its little-endian bytes."""
    (numel,) = struct.unpack("<q", _read_exactly(fh, 8, name))
    if numel != storage.numel:
        raise Refused(f"load: {name}: storage {key!r} declares {storage.numel} elements in "
                       f"the pickle but {numel} in its data")
    nbytes = numel * storage.dtype.itemsize
    if nbytes > size - fh.tell():  # checked before the buffer is allocated
        raise Refused(f"load: {name} ends before the {nbytes} bytes of storage {key!r} "
                       "(truncated?)")
    array = np.frombuffer(bytearray(_read_exactly(fh, nbytes, name)), dtype=storage.dtype)
    if sys.byteorder != "little":
        _swap_bytes(array)
    return array


def _read_exactly(fh: BinaryIO, n: int, name: Any) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise Refused(f"load: {name} ends in the middle of its storages (truncated?)")
    return data


# ------------------------------------------------------------------ writing


def encoder(obj: Any) -> Any:
    """A function that writes ``obj`` as a torch zip checkpoint into a binary file.

    The pickle is made here, before anything is written, so a bad object fails early.
    """
    writer = _PickleWriter()
    pickled = writer.dump(obj)

    def write(out: BinaryIO) -> None:
        _write_zip(out, pickled, writer.storages)
    return write


def _write_zip(out: BinaryIO, pickled: bytes, storages: list[np.ndarray[Any, Any]],
               folder: str = "archive") -> None:
    start = out.tell()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        def record(member: str, data: Any, align: bool = False) -> None:
            info = zipfile.ZipInfo(f"{folder}/{member}", date_time=(1980, 1, 1, 0, 0, 0))
            if align:  # like torch: pad the local header so the data starts at 64 bytes
                header = 30 + len(info.filename.encode()) + 4
                pad = -(out.tell() - start + header) % 64
                info.extra = struct.pack("<2sH", b"FB", pad) + b"Z" * pad
            z.writestr(info, data)

        record("data.pkl", pickled)
        record(".format_version", b"1")
        record(".storage_alignment", b"64")
        record("byteorder", sys.byteorder.encode())
        for key, array in enumerate(storages):
            record(f"data/{key}", array.reshape(-1).view(np.uint8).data, align=True)
        record("version", b"3\n")


class _PickleWriter:
    """Writes the pickle program of ``data.pkl`` opcode by opcode (protocol 2), naming torch's
    functions by module and name without importing torch. Only the opcodes that torch's
    ``weights_only`` unpickler accepts are used."""

    def __init__(self) -> None:
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.memo: dict[Any, int] = {}
        self.keep: list[Any] = []  # objects whose id() is a memo key stay alive
        self.storages: list[np.ndarray[Any, Any]] = []

    def dump(self, obj: Any) -> bytes:
        self.value(obj, "obj")
        self.out += b"."  # STOP
        return bytes(self.out)

    # -- memo: an object written once is fetched again with BINGET
    def put(self, key: Any) -> None:
        index = self.memo[key] = len(self.memo)
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)

    def get(self, key: Any) -> bool:
        index = self.memo.get(key)
        if index is None:
            return False
        self.out += b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)
        return True

    def global_(self, module: str, name: str) -> None:
        if not self.get(("global", module, name)):
            self.out += f"c{module}\n{name}\n".encode()
            self.put(("global", module, name))

    def value(self, obj: Any, where: str) -> None:
        if obj is None:
            self.out += b"N"
        elif isinstance(obj, bool | np.bool_):
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, int | np.integer):
            self.int_(int(obj))
        elif isinstance(obj, float | np.floating):
            self.out += b"G" + struct.pack(">d", float(obj))
        elif isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            self.out += b"X" + struct.pack("<I", len(data)) + data
        elif isinstance(obj, Tensor | np.ndarray):
            self.tensor(obj, where)
        elif isinstance(obj, dtypes.DType):
            self.global_("torch", obj.name)
        elif isinstance(obj, dict | list | tuple):
            self.container(obj, where)
        else:
            raise TypeError(f"save: can't save {type(obj).__name__} at {where} in the torch "
                            "format; supported are Tensors, numpy arrays, numbers, strings, "
                            "None, dtypes and dicts/lists/tuples of them")

    def int_(self, v: int) -> None:
        if 0 <= v < 256:
            self.out += b"K" + bytes([v])
        elif 0 <= v < 65536:
            self.out += b"M" + struct.pack("<H", v)
        elif -2**31 <= v < 2**31:
            self.out += b"J" + struct.pack("<i", v)
        else:
            data = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            self.out += b"\x8a" + bytes([len(data)]) + data  # LONG1

    def container(self, obj: Any, where: str) -> None:
        if isinstance(obj, tuple):
            self.out += b"("  # MARK
            for i, v in enumerate(obj):
                self.value(v, f"{where}[{i}]")
            self.out += b"t"  # TUPLE
            return
        if self.get(id(obj)):
            return
        self.keep.append(obj)
        if isinstance(obj, list):
            self.out += b"]"
            self.put(id(obj))
            self.out += b"("
            for i, v in enumerate(obj):
                self.value(v, f"{where}[{i}]")
            self.out += b"e"  # APPENDS
            return
        if isinstance(obj, OrderedDict):
            self.global_("collections", "OrderedDict")
            self.out += b")R"  # OrderedDict()
        else:
            self.out += b"}"
        self.put(id(obj))
        self.out += b"("
        for key, v in obj.items():
            self.value(key, f"{where} key")
            self.value(v, f"{where}[{key!r}]")
        self.out += b"u"  # SETITEMS

    def tensor(self, t: Any, where: str) -> None:
        """``_rebuild_tensor_v2(storage, 0, size, stride, requires_grad, OrderedDict())``,
        wrapped in ``_rebuild_parameter`` for a Parameter; the storage holds a contiguous
        copy of the elements."""
        if self.get(("tensor", id(t))):
            return
        self.keep.append(t)
        data = t.numpy(force=True) if isinstance(t, Tensor) else t
        kind = _STORAGE_NAMES.get(data.dtype.name) if data.dtype.isnative else None
        if kind is None:
            raise TypeError(f"save: {where} has dtype {data.dtype}, which the torch format "
                            "can't hold")
        is_parameter = isinstance(t, Parameter)
        requires_grad = bool(isinstance(t, Tensor) and t.requires_grad)
        if is_parameter:
            self.global_("torch._utils", "_rebuild_parameter")
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.out += b"(("  # MARK (arguments) MARK (persistent id)
        self.value("storage", where)
        self.global_("torch", kind)
        self.value(str(len(self.storages)), where)
        self.value("cpu", where)
        self.int_(data.size)
        self.out += b"tQ"  # TUPLE, BINPERSID
        self.storages.append(np.ascontiguousarray(data))
        strides = [math.prod(data.shape[i + 1:]) for i in range(data.ndim)]
        self.value(0, where)
        self.value(tuple(data.shape), where)
        self.value(tuple(strides), where)
        self.value(requires_grad and not is_parameter, where)
        self.global_("collections", "OrderedDict")
        self.out += b")Rt"  # OrderedDict(), TUPLE
        self.out += b"R"  # REDUCE
        if is_parameter:
            self.value(requires_grad, where)
            self.global_("collections", "OrderedDict")
            self.out += b")R\x87R"  # OrderedDict(), TUPLE3, REDUCE
        self.put(("tensor", id(t)))
