"""What every format shares: writing a file atomically, finding where a zip archive ends in a
stream, and ``map_location``.

A path is first written to a temporary file in the same directory and then renamed over the
target (``os.replace`` is atomic), so a crash or a Ctrl-C never leaves a half-written
checkpoint behind; a file object receives the bytes in one write, only after the whole object
was encoded, so a failure writes nothing into it.
"""

from __future__ import annotations

import glob
import io
import os
import stat
import struct
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ..device import CPU_NOTE, device
from ..tensor import Tensor

MAX_NESTING = 200  # containers nested deeper than this are refused (a checkpoint has 3-5)


def check_nesting(obj: Any, limit: int = MAX_NESTING) -> None:
    """ValueError when dicts/lists/tuples in ``obj`` nest deeper than ``limit`` (walked without
    recursion, so a list nested 100,000 deep gets this error, not a RecursionError)."""
    stack = [(obj, 0, "obj")]
    while stack:
        item, depth, where = stack.pop()
        if depth > limit:
            raise ValueError(f"save: the object is nested more than {limit} containers deep "
                             f"(at {where[:80]}{'...' if len(where) > 80 else ''}); a "
                             "checkpoint is a few dicts and lists of tensors")
        if isinstance(item, dict):
            stack.extend((v, depth + 1, f"{where}[{k!r}]") for k, v in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(item))


def write_to_path(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Run ``write(out)`` on a temporary file next to ``path``, then rename it over ``path``.

    A symlink is written through: its target gets the new content and the link stays. An
    existing file keeps its permission bits (a new one gets the usual mode for the umask).
    The temporary file's name holds this process's id, so temporary files that a killed
    save left behind (their process is gone) are removed by the next save of the same path.
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    folder = path.parent or Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"save: cannot write {str(path)!r}: its directory "
                                f"{str(path.parent)!r} does not exist")
    _remove_stale_temporaries(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_stale_temporaries(path: Path) -> None:
    """Delete ``.<name>.<pid>.<random>.tmp`` files next to ``path`` whose process is gone."""
    for tmp in (path.parent or Path(".")).glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def write_to_file_object(f: Any, write: Callable[[BinaryIO], None]) -> None:
    """Encode everything into memory with ``write``, then hand ``f`` the bytes in one write."""
    if not callable(getattr(f, "write", None)):
        raise AttributeError(f"save: expected 'f' to be a string, a path or a file-like object "
                             f"with a 'write' attribute, got {type(f).__name__}")
    if isinstance(f, io.TextIOBase):
        raise TypeError("save: the file object is open in text mode; open it with 'wb' (the "
                        "archive is bytes)")
    buffer = io.BytesIO()
    write(buffer)
    f.write(buffer.getbuffer())
    if callable(getattr(f, "flush", None)):
        f.flush()


def seekable(f: Any) -> bool:
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


# ------------------------------------------------------------------ one record of a zip

DEFLATE_RATIO = 1032  # deflate expands at most about 1032x: a bigger claim is a bomb


class Refused(ValueError):
    """A file that breaks its format's rules, with a message that already names it."""


def checked_member(z: zipfile.ZipFile, member: str, name: Any, size: int, nbytes: int | None,
                   limit: int) -> zipfile.ZipInfo:
    """The zip entry of ``member`` once its header's sizes were checked: they must be what
    the caller expects (``nbytes``), within ``limit``, and really stored in the file of
    ``size`` bytes, so that reading it allocates no more than the file can back."""
    info = z.NameToInfo.get(member)
    if info is None:
        raise Refused(f"load: {name} has no record {member!r}")
    if nbytes is not None and info.file_size != nbytes:
        raise Refused(f"load: {name}: record {member!r} holds {info.file_size} bytes, but "
                      f"its header declares {nbytes}")
    if info.file_size > limit:
        raise Refused(f"load: {name}: record {member!r} declares {info.file_size} bytes; at "
                      f"most {limit} are read")
    if info.flag_bits & 0x1:
        raise Refused(f"load: {name}: record {member!r} is marked encrypted; checkpoints are not")
    if info.compress_type == zipfile.ZIP_STORED:
        backed = info.compress_size == info.file_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        backed = info.file_size <= info.compress_size * DEFLATE_RATIO + 1024
    else:
        raise Refused(f"load: {name}: record {member!r} uses zip compression method "
                      f"{info.compress_type}; checkpoints are stored or deflated")
    if not backed or info.header_offset + info.compress_size > size:
        raise Refused(f"load: {name}: record {member!r} declares {info.file_size} bytes that "
                      f"the file cannot hold ({info.compress_size} stored, file of {size})")
    return info


def read_member(z: zipfile.ZipFile, member: str, name: Any, size: int, nbytes: int | None,
                limit: int, skip: int = 0) -> bytearray:
    """The bytes of one record (after its first ``skip``), read only after
    ``checked_member`` accepted its sizes."""
    info = checked_member(z, member, name, size, nbytes, limit)
    buffer = bytearray(info.file_size - skip)
    view = memoryview(buffer)
    with z.open(info) as src:
        src.read(skip)
        pos = 0
        while pos < len(buffer):
            chunk = src.read(min(1 << 24, len(buffer) - pos))
            if not chunk:
                raise Refused(f"load: {name}: record {member!r} ends early (truncated?)")
            view[pos:pos + len(chunk)] = chunk
            pos += len(chunk)
        src.read(1)  # reaching the end checks the CRC
    return buffer


# ------------------------------------------------------------------ where a zip archive ends

_END = struct.Struct("<4s4H2LH")  # zip's end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


def archive_end(data: bytes) -> int | None:
    """Length of the zip archive at the start of ``data``, or None if no end record fits.

    A zip archive is read from its end record, so the bytes after it in a stream (another
    archive, say) must be cut off first: its end record is the first one whose central
    directory ends right where the record stands.
    """
    pos = data.find(b"PK\x05\x06")
    while pos != -1 and pos + _END.size <= len(data):
        if _directory_ends_at(data, pos):
            return pos + _END.size + _END.unpack_from(data, pos)[-1]  # + the zip comment
        pos = data.find(b"PK\x05\x06", pos + 1)
    return None


def _directory_ends_at(data: bytes, pos: int) -> bool:
    """True when the end record at ``pos`` describes a central directory ending right before
    it (or before its zip64 record, which archives of over 65535 members have)."""
    *_, cd_size, cd_offset, _ = _END.unpack_from(data, pos)
    locator = pos - _ZIP64_LOCATOR.size
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        pos = _ZIP64_LOCATOR.unpack_from(data, locator)[2]
        if data[pos:pos + 4] != b"PK\x06\x06" or pos + _ZIP64_END.size > len(data):
            return False
        *_, cd_size, cd_offset = _ZIP64_END.unpack_from(data, pos)
    return cd_offset + cd_size == pos and data[cd_offset:cd_offset + 4] == b"PK\x01\x02"


# ------------------------------------------------------------------ map_location


def relocation(map_location: Any) -> Callable[[Tensor], Tensor] | None:
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


def map_tensors(obj: Any, fn: Callable[[Tensor], Tensor],
                memo: dict[int, Any] | None = None) -> Any:
    """``obj`` with ``fn`` applied to every Tensor in it (the containers are rebuilt; an
    object that appears twice is mapped once, so shared tensors stay shared)."""
    memo = {} if memo is None else memo
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, Tensor):
        result: Any = fn(obj)
    elif isinstance(obj, dict):
        result = OrderedDict() if isinstance(obj, OrderedDict) else {}
        memo[id(obj)] = result
        result.update((k, map_tensors(v, fn, memo)) for k, v in obj.items())
    elif isinstance(obj, list):
        result = []
        memo[id(obj)] = result
        result.extend(map_tensors(v, fn, memo) for v in obj)
    elif isinstance(obj, tuple):
        result = tuple(map_tensors(v, fn, memo) for v in obj)
    else:
        return obj
    memo[id(obj)] = result
    return result
