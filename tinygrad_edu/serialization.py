"""``tg.save`` / ``tg.load``: state dicts and checkpoints without pickle.

A file is a ``.npz`` archive (numpy's zip of ``.npy`` arrays) written to exactly the path
given, or into a binary file object (``io.BytesIO``, an open file) at its position. The
arrays are stored as ``a0, a1, ...``; one more entry, ``__index__``, holds a small JSON
description of the object's structure (dicts, lists, tuples, numbers, strings, None, and
which arrays are Tensors). Loading uses ``allow_pickle=False``, so a file can never run code.

A path is first written to a temporary file in the same directory and then renamed over the
target, so a crash never leaves a half-written checkpoint behind; a file object receives the
archive in one write, only after the whole object was encoded.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .device import CPU_NOTE, device
from .dtypes import bfloat16
from .tensor import Tensor

FORMAT = "tinygrad_edu/1"
_INDEX = "__index__"


def save(obj: Any, f: str | os.PathLike[str] | BinaryIO, pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of Tensors, arrays, numbers, strings, None).

    ``f`` is a path (``str`` or ``os.PathLike``) or a binary file object (``io.BytesIO``, a
    file opened with ``'wb'``), as in PyTorch. A path is written atomically (see the module
    docstring); a file object gets the whole archive in one ``write`` at its current
    position, after the object has been encoded completely, so a failure writes nothing.
    PyTorch's pickle arguments are accepted and not used: the format never pickles.

    Example:
        >>> import io, os, tempfile, tinygrad_edu as tg
        >>> path = os.path.join(tempfile.mkdtemp(), "weights.pt")
        >>> tg.save({"w": tg.ones(2), "epoch": 3}, path)
        >>> tg.load(path)["epoch"]
        3
        >>> buffer = io.BytesIO()
        >>> tg.save([tg.zeros(1)], buffer)
        >>> _ = buffer.seek(0)
        >>> tg.load(buffer)
        [tensor([0.])]
    """
    arrays = _arrays(obj)
    if isinstance(f, str | os.PathLike):
        _save_to_path(arrays, Path(f))
        return
    if not callable(getattr(f, "write", None)):
        raise AttributeError(f"save: expected 'f' to be a string, a path or a file-like object "
                             f"with a 'write' attribute, got {type(f).__name__}")
    if isinstance(f, io.TextIOBase):
        raise TypeError("save: the file object is open in text mode; open it with 'wb' (the "
                        "archive is bytes)")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    f.write(buffer.getbuffer())
    if callable(getattr(f, "flush", None)):
        f.flush()


def _arrays(obj: Any) -> dict[str, np.ndarray[Any, Any]]:
    """The arrays of ``obj`` as ``a0, a1, ...`` plus the JSON ``__index__`` of its structure."""
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    index = {"format": FORMAT, "root": _encode(obj, arrays, "obj")}
    arrays[_INDEX] = np.frombuffer(json.dumps(index).encode(), dtype=np.uint8)
    return arrays


def _save_to_path(arrays: dict[str, np.ndarray[Any, Any]], path: Path) -> None:
    """Write to a temporary file next to ``path``, then rename it over ``path``."""
    if not (path.parent or Path(".")).is_dir():
        raise FileNotFoundError(f"save: cannot write {str(path)!r}: its directory "
                                f"{str(path.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    if isinstance(obj, np.generic):
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


def load(f: str | os.PathLike[str] | BinaryIO, map_location: Any = None,
         pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Read an object written by ``save``; arrays come back as Tensors (or ndarrays).

    Args:
        f: a path, or a binary file object positioned where the archive starts (it may have
            other data before and after; the position ends just after the archive).
        map_location: where tensors go, as in PyTorch: None, ``'cpu'``, ``tg.device('cpu')``,
            a dict such as ``{'cuda:0': 'cpu'}``, or a function ``fn(tensor, 'cpu')`` that
            returns a tensor (or None to keep it). A GPU target is an error (CPU only).
        pickle_module, weights_only, mmap, pickle_load_args: accepted for PyTorch's calls and
            not needed: the file holds only arrays and a JSON index, nothing is unpickled,
            and the arrays are read into memory.

    Raises:
        FileNotFoundError: when the file does not exist.
        ValueError: when the file is truncated, corrupted or not a tinygrad_edu file.
        RuntimeError: when ``map_location`` asks for a GPU.
    """
    relocate = _relocation(map_location)
    if isinstance(f, str | os.PathLike):
        path: Any = Path(f)
        with open(path, "rb") as fh:  # ours to close, even when numpy fails half-way
            index, arrays = _read_archive(fh, path)
    elif callable(getattr(f, "read", None)):
        path = getattr(f, "name", f"<{type(f).__name__}>")
        index, arrays = _read_archive(_archive_from_stream(f, path), path)
    else:
        raise AttributeError(f"load: expected 'f' to be a string, a path or a file-like object "
                             f"with a 'read' attribute, got {type(f).__name__}")
    try:
        obj = _decode(index["root"], arrays, path)
    except RecursionError:
        raise ValueError(f"load: {path} has an index nested too deeply to be ours") from None
    return obj if relocate is None else _map_tensors(obj, relocate)


def _read_archive(fh: BinaryIO, path: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON index and the arrays of an archive; ValueError naming ``path`` if damaged."""
    try:
        archive = np.load(fh, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("not an .npz archive")
        with archive:
            index = json.loads(bytes(archive[_INDEX]).decode())
            arrays = {name: archive[name] for name in archive.files if name != _INDEX}
    except (zipfile.BadZipFile, ValueError, OSError, KeyError, EOFError, RecursionError,
            json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"load: {path} is not a readable tinygrad_edu file (truncated or "
                         f"corrupted?): {type(exc).__name__}: {exc}") from exc
    if not isinstance(index, dict) or index.get("format") != FORMAT or "root" not in index:
        raise ValueError(f"load: {path} has no tinygrad_edu index (format {FORMAT!r} expected)")
    return index, arrays


def _archive_from_stream(f: Any, path: Any) -> io.BytesIO:
    """The archive that starts at ``f``'s position, in memory; ``f`` is left just after it.

    A zip archive is read from its end record, so the bytes after ours (another archive, say)
    are cut off first: our end record is the first one whose central directory ends right
    where the record stands.
    """
    start = f.tell() if _seekable(f) else None
    data = f.read()
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"load: {path} is open in text mode; open it with 'rb'")
    data = bytes(data)
    end = _archive_end(data)
    if end is not None and start is not None:
        f.seek(start + end)
    return io.BytesIO(data if end is None else data[:end])


def _seekable(f: Any) -> bool:
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


_END = struct.Struct("<4s4H2LH")  # zip's end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


def _archive_end(data: bytes) -> int | None:
    """Length of the zip archive at the start of ``data``, or None if no end record fits."""
    pos = data.find(b"PK\x05\x06")
    while pos != -1 and pos + _END.size <= len(data):
        if _directory_ends_at(data, pos):
            return pos + _END.size + _END.unpack_from(data, pos)[-1]  # + the zip comment
        pos = data.find(b"PK\x05\x06", pos + 1)
    return None


def _directory_ends_at(data: bytes, pos: int) -> bool:
    """True when the end record at ``pos`` describes a central directory ending right before
    it (or before its zip64 record, which numpy's archives of over 65535 arrays have)."""
    *_, cd_size, cd_offset, _ = _END.unpack_from(data, pos)
    locator = pos - _ZIP64_LOCATOR.size
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        pos = _ZIP64_LOCATOR.unpack_from(data, locator)[2]
        if data[pos:pos + 4] != b"PK\x06\x06" or pos + _ZIP64_END.size > len(data):
            return False
        *_, cd_size, cd_offset = _ZIP64_END.unpack_from(data, pos)
    return cd_offset + cd_size == pos and data[cd_offset:cd_offset + 4] == b"PK\x01\x02"


def _relocation(map_location: Any) -> Callable[[Tensor], Tensor] | None:
    """What ``map_location`` does to each loaded tensor: None (nothing, everything stays on
    the CPU) or the user's function; a GPU target is an error."""
    if map_location is None:
        return None
    if callable(map_location) and not isinstance(map_location, str | device):
        def call(t: Tensor) -> Tensor:
            moved = map_location(t, "cpu")
            if moved is None:
                return t
            if not isinstance(moved, Tensor):
                raise TypeError(f"load: map_location returned {type(moved).__name__}; "
                                "expected a Tensor or None")
            return moved
        return call
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        name = str(target)
        if device(name).type != "cpu":
            raise RuntimeError(f"load: map_location asks for device {name!r}: Attempting to "
                               f"deserialize object on a CUDA device but tg.cuda.is_available()"
                               f" is False. {CPU_NOTE}: use map_location='cpu'")
    return None


def _decode(node: Any, arrays: dict[str, Any], path: Any) -> Any:
    try:
        kind = node["t"]
        if kind in ("tensor", "ndarray"):
            data = arrays[node["a"]]
            if node.get("bfloat16"):
                data = data.view(bfloat16.np_dtype)
            if kind == "ndarray":
                return data
            t = Tensor(data)
            return t.requires_grad_() if node.get("grad") else t
        if kind == "value":
            return node["v"]
        if kind == "dict":
            return OrderedDict((k, _decode(v, arrays, path)) for k, v in node["items"])
        if kind in ("list", "tuple"):
            items = [_decode(v, arrays, path) for v in node["items"]]
            return items if kind == "list" else tuple(items)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"load: {path} has a damaged index ({type(exc).__name__}: {exc})") \
            from exc
    raise ValueError(f"load: {path} has an unknown entry type {kind!r} in its index")


def _map_tensors(obj: Any, fn: Callable[[Tensor], Tensor]) -> Any:
    """``obj`` with ``fn`` applied to every Tensor in it (the containers are rebuilt)."""
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, dict):
        return OrderedDict((k, _map_tensors(v, fn)) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return type(obj)(_map_tensors(v, fn) for v in obj)
    return obj
