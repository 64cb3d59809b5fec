"""``tg.save`` / ``tg.load``: state dicts and checkpoints without pickle.

A file is a ``.npz`` archive (numpy's zip of ``.npy`` arrays) written to exactly the path
given. The arrays are stored as ``a0, a1, ...``; one more entry, ``__index__``, holds a small
JSON description of the object's structure (dicts, lists, tuples, numbers, strings, None, and
which arrays are Tensors). Loading uses ``allow_pickle=False``, so a file can never run code.

The file is first written to a temporary file in the same directory and then renamed over the
target, so a crash never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from .dtypes import bfloat16
from .tensor import Tensor

FORMAT = "tinygrad_edu/1"
_INDEX = "__index__"


def save(obj: Any, f: str | os.PathLike[str]) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of Tensors, arrays, numbers, strings, None).

    Example:
        >>> import os, tempfile, tinygrad_edu as tg
        >>> path = os.path.join(tempfile.mkdtemp(), "weights.pt")
        >>> tg.save({"w": tg.ones(2), "epoch": 3}, path)
        >>> tg.load(path)["epoch"]
        3
    """
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    index = {"format": FORMAT, "root": _encode(obj, arrays, "obj")}
    arrays[_INDEX] = np.frombuffer(json.dumps(index).encode(), dtype=np.uint8)
    path = Path(f)
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


def load(f: str | os.PathLike[str], map_location: Any = None, weights_only: bool = True
         ) -> Any:
    """Read an object written by ``save``; arrays come back as Tensors (or ndarrays).

    Raises:
        FileNotFoundError: when the file does not exist.
        ValueError: when the file is truncated, corrupted or not a tinygrad_edu file.
    """
    path = Path(f)
    with open(path, "rb") as fh:  # ours to close, even when numpy fails half-way
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
    try:
        return _decode(index["root"], arrays, path)
    except RecursionError:
        raise ValueError(f"load: {path} has an index nested too deeply to be ours") from None


def _decode(node: Any, arrays: dict[str, Any], path: Path) -> Any:
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
