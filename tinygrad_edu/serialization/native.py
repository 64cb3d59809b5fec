"""tinygrad_edu's own checkpoint format (the default of ``tg.save``): no pickle at all.

A file is a ``.npz`` archive (numpy's zip of ``.npy`` arrays). The arrays are stored as
``a0, a1, ...``; one more entry, ``__index__``, holds a small JSON description of the object's
structure (dicts, lists, tuples, numbers, strings, None, and which arrays are Tensors)::

    a0.npy          the first array (a .npy header: dtype and shape, then the raw bytes)
    a1.npy          ...
    __index__.npy   uint8 bytes of {"format": "tinygrad_edu/1", "root": {"t": "dict", ...}}

Loading uses ``allow_pickle=False``, so a file can never run code. bfloat16 arrays are stored
as their uint16 bits (``.npy`` knows no bfloat16) and flagged in the index.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from ..dtypes import bfloat16
from ..tensor import Tensor
from .common import Refused, checked_member, read_member

FORMAT = "tinygrad_edu/1"
_INDEX = "__index__"
MEMBER = _INDEX + ".npy"  # the zip member that tells a native archive from other zips


def encoder(obj: Any) -> Callable[[BinaryIO], None]:
    """A function that writes ``obj`` as a native archive into a binary file; the object is
    encoded here, before anything is written, so a bad object fails early."""
    arrays = _arrays(obj)

    def write(out: BinaryIO) -> None:
        np.savez(out, **arrays)
    return write


def read(fh: BinaryIO, path: Any, size: int) -> Any:
    """The object of the native archive ``fh`` of ``size`` bytes (``path`` names it in errors).

    Only the arrays the index refers to are read, each after its sizes were checked against
    the file (``common.checked_member``), so a small file cannot make ``load`` allocate much.
    """
    with zipfile.ZipFile(fh) as z:
        index = _read_index(z, path, size)
        try:
            return _decode(index["root"], lambda name: _read_array(z, name, path, size), path)
        except RecursionError:
            raise ValueError(f"load: {path} has an index nested too deeply to be ours") from None


def _arrays(obj: Any) -> dict[str, np.ndarray[Any, Any]]:
    """The arrays of ``obj`` as ``a0, a1, ...`` plus the JSON ``__index__`` of its structure."""
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    index = {"format": FORMAT, "root": _encode(obj, arrays, "obj")}
    arrays[_INDEX] = np.frombuffer(json.dumps(index).encode(), dtype=np.uint8)
    return arrays


def _encode(obj: Any, arrays: dict[str, Any], where: str) -> Any:
    if isinstance(obj, Tensor | np.ndarray):
        name = f"a{len(arrays)}"
        data = obj.numpy(force=True) if isinstance(obj, Tensor) else obj
        if data.dtype.hasobject:
            raise TypeError(f"save: {where} is an object array, which can't be saved safely")
        arrays[name] = np.require(data, requirements="C")  # keeps 0-d arrays 0-d
        kind = "tensor" if isinstance(obj, Tensor) else "ndarray"
        node = {"t": kind, "a": name, "grad": bool(isinstance(obj, Tensor) and obj.requires_grad)}
        if data.dtype.char == "E":  # bfloat16: .npy files know no such type; keep the bits
            arrays[name] = arrays[name].view(np.uint16)
            node["bfloat16"] = True
        return node
    if obj is None or isinstance(obj, bool | int | float | str):
        return {"t": "value", "v": obj}
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":  # numpy's numbers
        return {"t": "value", "v": obj.item()}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} in {where}")
            items.append([key, _encode(value, arrays, f"{where}[{key!r}]")])
        return {"t": "dict", "items": items}
    if isinstance(obj, list | tuple):
        return {"t": type(obj).__name__,
                "items": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(f"save: can't save {type(obj).__name__} at {where}; supported are Tensors, "
                    "numpy arrays, numbers, strings, None and dicts/lists/tuples of them")


MAX_INDEX_BYTES = 1 << 26  # the JSON index of a checkpoint is kilobytes


def _read_index(z: zipfile.ZipFile, path: Any, size: int) -> dict[str, Any]:
    try:
        index = json.loads(_read_array(z, _INDEX, path, size, MAX_INDEX_BYTES).tobytes())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise Refused(f"load: {path} has an unreadable index ({type(exc).__name__}: {exc})") \
            from exc
    if not isinstance(index, dict) or index.get("format") != FORMAT or "root" not in index:
        raise Refused(f"load: {path} has no tinygrad_edu index (format {FORMAT!r} expected)")
    return index


def _read_array(z: zipfile.ZipFile, name: Any, path: Any, size: int,
                limit: int = 1 << 62) -> np.ndarray[Any, Any]:
    """The array stored as ``<name>.npy``: its .npy header is read first, and the data only
    when the header's dtype and shape account for exactly the bytes the record holds."""
    if not isinstance(name, str):
        raise Refused(f"load: {path} has a damaged index (array name {name!r:.40})")
    member = f"{name}.npy"
    if member not in z.NameToInfo:
        raise Refused(f"load: {path} has a damaged index: it names the array {name!r}, which "
                      "the archive does not hold")
    info = checked_member(z, member, path, size, None, limit)
    try:
        with z.open(info) as src:
            version = np.lib.format.read_magic(src)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(src)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(src)
            header = src.tell()
    except (ValueError, EOFError) as exc:
        raise Refused(f"load: {path}: {member!r} has a damaged .npy header ({exc})") from exc
    if dtype.hasobject:
        raise Refused(f"load: {path}: {member!r} holds Python objects; checkpoints hold plain "
                      "arrays")
    nbytes = math.prod(shape) * dtype.itemsize
    if header + nbytes != info.file_size:
        raise Refused(f"load: {path}: {member!r} declares shape {shape} of {dtype} "
                      f"({nbytes} bytes), but the record holds {info.file_size - header}")
    data = read_member(z, member, path, size, info.file_size, limit, skip=header)
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _decode(node: Any, array: Callable[[Any], np.ndarray[Any, Any]], path: Any) -> Any:
    try:
        kind = node["t"]
        if kind in ("tensor", "ndarray"):
            data = array(node["a"])
            if node.get("bfloat16"):
                data = data.view(bfloat16.np_dtype)
            if kind == "ndarray":
                return data
            t = Tensor(data)
            return t.requires_grad_() if node.get("grad") else t
        if kind == "value":
            return node["v"]
        if kind == "dict":
            return OrderedDict((k, _decode(v, array, path)) for k, v in node["items"])
        if kind in ("list", "tuple"):
            items = [_decode(v, array, path) for v in node["items"]]
            return items if kind == "list" else tuple(items)
    except Refused:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise Refused(f"load: {path} has a damaged index ({type(exc).__name__}: {exc})") \
            from exc
    raise Refused(f"load: {path} has an unknown entry type {kind!r} in its index")
