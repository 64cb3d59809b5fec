"""``tg.save`` to a path changes nothing but the file it names: an existing file keeps its
permissions, a symlink keeps pointing at the file it names (which gets the new content),
temporary files left by a killed save are cleaned up by the next one, and an absurdly nested
object is refused with a clear error instead of a RecursionError. Every format shares this
(``serialization/common.py``).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

FORMATS = ["tinygrad_edu", "torch", "safetensors"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("fmt", FORMATS)
def test_resaving_keeps_the_files_permissions(tmp_path: Path, fmt: str):
    path = tmp_path / "w.pt"
    tg.save({"w": tg.ones(2)}, path, format=fmt)
    os.chmod(path, 0o600)
    tg.save({"w": tg.zeros(3)}, path, format=fmt)
    assert _mode(path) == 0o600
    np.testing.assert_array_equal(tg.load(path)["w"].numpy(), np.zeros(3, np.float32))


def test_a_new_file_gets_the_usual_mode_for_the_umask(tmp_path: Path):
    umask = os.umask(0o027)
    try:
        tg.save([tg.ones(1)], tmp_path / "new.pt")
    finally:
        os.umask(umask)
    assert _mode(tmp_path / "new.pt") == 0o640


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_symlink_is_written_through(tmp_path: Path, fmt: str):
    target = tmp_path / "real" / "w.pt"
    target.parent.mkdir()
    tg.save({"w": tg.ones(2)}, target, format=fmt)
    link = tmp_path / "latest.pt"
    link.symlink_to(target)
    tg.save({"w": tg.full((4,), 7.0)}, link, format=fmt)
    assert link.is_symlink()
    assert link.resolve() == target.resolve()
    np.testing.assert_array_equal(tg.load(target)["w"].numpy(), np.full(4, 7, np.float32))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.pt", "real"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["w.pt"]


def test_temporary_files_of_a_killed_save_are_removed_by_the_next_save(tmp_path: Path):
    path = tmp_path / "w.pt"
    # a child that dies (SIGKILL) while its save is writing the temporary file
    child = textwrap.dedent(f"""
        import os, signal, tinygrad_edu as tg
        from tinygrad_edu.serialization import native
        real = native.encoder
        def dying(obj):
            write = real(obj)
            def partial(out):
                out.write(b"half a checkpoint")
                out.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            return partial
        native.encoder = dying
        tg.save({{"w": tg.ones(2)}}, {str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGKILL
    left = list(tmp_path.glob(".w.pt.*.tmp"))
    assert len(left) == 1
    assert not path.exists()
    mine = tmp_path / f".w.pt.{os.getpid()}.running.tmp"  # a live process's: kept
    mine.write_bytes(b"in progress")
    tg.save({"w": tg.ones(2)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "w.pt"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_absurd_nesting_is_refused_before_writing(tmp_path: Path, fmt: str):
    nested: list = []
    inner = nested
    for _ in range(3000):
        inner.append([])
        inner = inner[0]
    path = tmp_path / "deep.pt"
    with pytest.raises(ValueError, match=r"^save: the object is nested more than 200 "
                                         r"containers deep \(at obj(\['x'\])?\[0\]\[0\]"):
        tg.save(nested if fmt != "safetensors" else {"x": nested}, path, format=fmt)
    assert list(tmp_path.iterdir()) == []


def test_moderate_nesting_still_saves(tmp_path: Path):
    nested: dict = {"w": tg.ones(1)}
    for i in range(50):
        nested = {f"level{i}": nested}
    tg.save(nested, tmp_path / "ok.pt")
    loaded = tg.load(tmp_path / "ok.pt")
    for i in reversed(range(50)):
        loaded = loaded[f"level{i}"]
    assert loaded["w"].tolist() == [1.0]
