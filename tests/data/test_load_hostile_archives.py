"""``tg.load`` of damaged or hostile native archives: only the arrays the index names are read,
every declared size is checked against the file before anything is allocated, and every
damage gives the documented ValueError naming the file (never a MemoryError, RuntimeError,
NotImplementedError or a half-read object).
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

STATE = {"w": tg.arange(12, dtype=tg.float32).reshape(3, 4), "step": 7, "names": ["a", "b"]}


def saved() -> bytes:
    buffer = io.BytesIO()
    tg.save(STATE, buffer)
    return buffer.getvalue()


def same_as_state(loaded: object) -> bool:
    return (isinstance(loaded, dict) and loaded.get("step") == 7
            and loaded.get("names") == ["a", "b"]
            and np.array_equal(loaded["w"].numpy(), STATE["w"].numpy()))


def with_members(data: bytes, members: dict[str, bytes],
                 compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", compression=compression) as z:
        for name, payload in members.items():
            z.writestr(name, payload)
    return buffer.getvalue()


def load_bytes(data: bytes, tmp_path: Path) -> object:
    path = tmp_path / "ckpt.pt"
    path.write_bytes(data)
    return tg.load(path)


def peak_bytes(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_unused_member_that_inflates_to_200_mb_is_never_read(tmp_path: Path):
    data = with_members(saved(), {"unused.npy": bytes(200 << 20)})
    assert len(data) < 1 << 20  # deflate packs the zeros into a small file
    start = time.perf_counter()
    loaded, peak = peak_bytes(lambda: load_bytes(data, tmp_path))
    assert same_as_state(loaded)
    assert peak < 8 << 20
    assert time.perf_counter() - start < 5


def test_fifty_thousand_unused_members_load_quickly(tmp_path: Path):
    data = with_members(saved(), {f"junk{i}.npy": b"" for i in range(50_000)},
                        compression=zipfile.ZIP_STORED)
    start = time.perf_counter()
    assert same_as_state(load_bytes(data, tmp_path))
    assert time.perf_counter() - start < 10


def _npy_header(shape: tuple[int, ...], dtype: str = "<f4") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue()  # the magic string, then the header


def _replace_member(data: bytes, name: str, payload: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, payload if info.filename == name else src.read(info))
    return out.getvalue()


@pytest.mark.parametrize("shape", [(2 ** 40,), (2 ** 20, 2 ** 20), (3, 5)])
def test_an_array_header_that_does_not_match_its_bytes_is_refused_before_allocating(
        tmp_path: Path, shape: tuple[int, ...]):
    data = _replace_member(saved(), "a0.npy", _npy_header(shape) + bytes(200))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"'a0\.npy' declares shape") as info:
            load_bytes(data, tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20
    assert type(info.value) is ValueError
    assert str(tmp_path / "ckpt.pt") in str(info.value)


def _central_entry(data: bytes, name: str) -> int:
    """Offset of ``name``'s entry in the zip's central directory."""
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        length = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + length] == name.encode():
            return pos
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{name} not in the central directory")


def _patched(data: bytes, name: str, offset: int, fmt: str, value: int) -> bytes:
    """``data`` with one field of ``name``'s central directory entry changed."""
    out = bytearray(data)
    struct.pack_into(fmt, out, _central_entry(data, name) + offset, value)
    return bytes(out)


@pytest.mark.parametrize(("what", "offset", "fmt", "value", "message"), [
    ("encrypted flag", 8, "<H", 0x1, "marked encrypted"),
    ("compression method 99", 10, "<H", 99, "compression method 99"),
    ("uncompressed size 4 GiB", 24, "<L", 2 ** 32 - 2, "cannot hold"),
])
def test_one_changed_zip_field_gives_a_value_error(tmp_path: Path, what: str, offset: int,
                                                   fmt: str, value: int, message: str):
    data = _patched(saved(), "a0.npy", offset, fmt, value)
    with pytest.raises(ValueError, match=message) as info:
        load_bytes(data, tmp_path)
    assert type(info.value) is ValueError, what


def test_random_damage_gives_a_value_error_or_the_right_object(tmp_path: Path):
    """Flip bytes, cut the file, change zip fields at random: every load either returns the
    saved object or raises the documented ValueError naming the file."""
    data = saved()
    rng = np.random.default_rng(0)
    outcomes = {"loaded": 0, "refused": 0}
    for trial in range(300):
        damaged = bytearray(data)
        if trial % 3 == 0:
            damaged = damaged[:rng.integers(0, len(data))]
        else:
            for _ in range(rng.integers(1, 4)):
                damaged[rng.integers(0, len(data))] = rng.integers(0, 256)
        try:
            loaded = load_bytes(bytes(damaged), tmp_path)
        except ValueError as exc:
            assert "ckpt.pt" in str(exc), exc  # noqa: PT017 - any of many outcomes
            outcomes["refused"] += 1
        else:
            assert same_as_state(loaded), f"trial {trial} loaded something else: {loaded!r:.200}"
            outcomes["loaded"] += 1
    assert outcomes["refused"] > 100
