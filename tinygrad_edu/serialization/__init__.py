"""``tg.save`` / ``tg.load``: checkpoints in three formats, none of which can run code on load.

=================  ===========================================  ===========================
format             what it is                                   module
=================  ===========================================  ===========================
``tinygrad_edu``   the default: a ``.npz`` of arrays + a JSON    ``native.py``
                   index of the object's structure
``torch``          PyTorch's ``torch.save`` zip (and, to read,   ``torch_format.py``
                   its legacy format), without importing torch
``safetensors``    a flat dict of tensors (Hugging Face's)       ``safetensors_format.py``
=================  ===========================================  ===========================

``save`` writes the default format unless ``format=`` says otherwise or the path ends in
``.safetensors``. ``load`` looks at the file's *content*, whatever its name: a zip with
``__index__.npy`` is ours, a zip with ``<folder>/data.pkl`` is PyTorch's, a pickle starting
with torch's magic number is PyTorch's legacy format, an 8-byte length followed by ``{`` is
safetensors. Anything else is a ValueError naming the file.

A path is written atomically (a temporary file renamed over the target); a binary file object
(``io.BytesIO``, an open file) gets the bytes in one write after everything was encoded.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np  # noqa: F401 - tests patch serialization.np.savez to interrupt a save

from . import native, safetensors_format, torch_format
from .common import (
    Refused,
    archive_end,
    check_nesting,
    map_tensors,
    relocation,
    seekable,
    write_to_file_object,
    write_to_path,
)
from .torch_format import UnpicklingError

__all__ = ["FORMATS", "UnpicklingError", "load", "save"]

FORMATS = ("tinygrad_edu", "torch", "safetensors")
_KNOWN = ("tinygrad_edu's archive (tg.save), PyTorch's zip or legacy checkpoint (torch.save) "
          "or safetensors")


def save(obj: Any, f: str | os.PathLike[str] | BinaryIO, pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False, *, format: str | None = None) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of Tensors, arrays, numbers, strings, None).

    ``f`` is a path (``str`` or ``os.PathLike``) or a binary file object (``io.BytesIO``, a
    file opened with ``'wb'``), as in PyTorch. A path is written atomically (see the module
    docstring); a file object gets the whole file in one ``write`` at its current position,
    after the object has been encoded completely, so a failure writes nothing.

    Args:
        format: ``'tinygrad_edu'`` (the default), ``'torch'`` (a file that
            ``torch.load(path, weights_only=True)`` reads; tensors are written contiguous)
            or ``'safetensors'`` (a flat dict of tensors). None picks safetensors for a path
            ending in ``.safetensors`` and the default otherwise.
        pickle_module, pickle_protocol, _use_new_zipfile_serialization,
            _disable_byteorder_record: accepted for PyTorch's calls and not used.

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
        >>> tg.save({"w": tg.ones(2)}, path, format="torch")  # torch.load reads this one
        >>> tg.load(path)
        {'w': tensor([1., 1.])}
    """
    kind = _save_format(format, f)
    check_nesting(obj)
    if kind == "torch":
        write = torch_format.encoder(obj)
    elif kind == "safetensors":
        write = safetensors_format.encoder(obj)
    else:
        write = native.encoder(obj)
    if isinstance(f, str | os.PathLike):
        write_to_path(Path(f), write)
    else:
        write_to_file_object(f, write)


def _save_format(format: str | None, f: Any) -> str:
    if format is None:
        is_path = isinstance(f, str | os.PathLike)
        return "safetensors" if is_path and str(f).endswith(".safetensors") else "tinygrad_edu"
    if format not in FORMATS:
        raise ValueError(f"save: format must be None or one of {', '.join(map(repr, FORMATS))}, "
                         f"got {format!r}")
    return format


def load(f: str | os.PathLike[str] | BinaryIO, map_location: Any = None,
         pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Read a file written by ``save``, by ``torch.save`` or as safetensors.

    Tensors come back as Tensors (Parameters where torch saved Parameters; complex tensors,
    which tinygrad_edu has not, as numpy arrays); numbers, strings and containers as
    themselves. Tensors that shared memory when PyTorch saved them share it again.

    Args:
        f: a path, or a binary file object positioned where the file starts (a zip archive
            may have other data after it; the position then ends just after the archive).
        map_location: where tensors go, as in PyTorch: None, ``'cpu'``, ``tg.device('cpu')``,
            a dict such as ``{'cuda:0': 'cpu'}``, or a function ``fn(tensor, 'cpu')`` that
            returns a tensor (or None to keep it). A GPU target is an error (CPU only).
        pickle_module, weights_only, mmap, pickle_load_args: accepted for PyTorch's calls and
            not needed: a torch file is always read as ``weights_only=True`` reads it, and
            everything is read into memory.

    Raises:
        FileNotFoundError: when the file does not exist.
        ValueError: when the file is truncated, corrupted, in no format load knows, or a
            torch pickle names a global outside the allow-list (``UnpicklingError``, also a
            ValueError; nothing from the file was run).
        RuntimeError: when ``map_location`` asks for a GPU.
    """
    relocate = relocation(map_location)
    if isinstance(f, str | os.PathLike):
        path: Any = Path(f)
        with open(path, "rb") as fh:  # ours to close, even when reading fails half-way
            obj = _read(fh, path, os.fstat(fh.fileno()).st_size)
    elif callable(getattr(f, "read", None)):
        name = getattr(f, "name", f"<{type(f).__name__}>")
        buffer = _from_stream(f, name)
        obj = _read(buffer, name, len(buffer.getbuffer()))
    else:
        raise AttributeError(f"load: expected 'f' to be a string, a path or a file-like object "
                             f"with a 'read' attribute, got {type(f).__name__}")
    return obj if relocate is None else map_tensors(obj, relocate)


def _from_stream(f: Any, name: Any) -> io.BytesIO:
    """The file that starts at ``f``'s position, in memory; after a zip archive ``f`` is left
    just after it (see ``common.archive_end``)."""
    start = f.tell() if seekable(f) else None
    data = f.read()
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"load: {name} is open in text mode; open it with 'rb'")
    data = bytes(data)
    end = archive_end(data) if data.startswith(b"PK") else None
    if end is not None and start is not None:
        f.seek(start + end)
    return io.BytesIO(data if end is None else data[:end])


def _read(fh: BinaryIO, name: Any, size: int) -> Any:
    """Pick the format by the first bytes (and, for a zip, its member names) and read it."""
    head = fh.read(24)
    fh.seek(0)
    try:
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            with zipfile.ZipFile(fh) as z:
                names = z.namelist()
            fh.seek(0)
            if native.MEMBER in names:
                return native.read(fh, name, size)
            if torch_format.is_torch_zip(names):
                return torch_format.read_zip(fh, name, size)
        elif torch_format.is_legacy(head):
            return torch_format.read_legacy(io.BytesIO(fh.read()), name, size)
        elif safetensors_format.looks_like(head, size):
            return safetensors_format.read(fh.read(), name)
    except UnpicklingError:
        raise
    except Refused as exc:  # a broken rule, already explained: the documented ValueError
        raise ValueError(*exc.args) from exc.__cause__
    except (zipfile.BadZipFile, pickle.UnpicklingError, struct.error, EOFError, KeyError,
            IndexError, TypeError, AttributeError, ValueError, OverflowError,
            UnicodeDecodeError, RecursionError, NotImplementedError, RuntimeError, OSError,
            MemoryError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith("load: "):
            raise  # already names the file and says what is wrong
        raise ValueError(f"load: {name} is not a readable checkpoint (truncated or "
                         f"corrupted?): {type(exc).__name__}: {exc}") from exc
    raise ValueError(f"load: {name} is not a readable checkpoint: it is none of the formats "
                     f"load knows ({_KNOWN}); truncated or corrupted?")
