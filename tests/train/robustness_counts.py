"""Counts for issue 19's closing note: how loading answers damaged and edited files.

Not a test (the tests assert the outcome: ``tests/train/test_checkpoint_corpus.py``,
``tests/data/test_load_hostile_archives.py``, ``tests/interop/test_torch_checkpoints.py``);
this script counts every outcome instead of stopping at the first bad one, with public API
only, so that it runs unchanged on an older tree to give the "before" numbers:

    CI=true PYTHONPATH=$PWD python tests/train/robustness_counts.py

1. The checkpoint corpus: each field of a training checkpoint replaced by a bad value (or
   removed), then ``Trainer.load_checkpoint``: refused cleanly (the documented error, nothing
   changed), refused after changing the trainer (partially applied), a raw error (another
   type, or a message that names neither the trainer nor the state dict), or loaded.
2. Random damage to a native archive and to PyTorch zip/legacy files (byte changes, cuts, zip
   header fields): the saved object, the documented ValueError naming the file, a raw error,
   or a different object loaded silently.
"""

from __future__ import annotations

import io
import struct
import sys
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
from test_checkpoint_corpus import BAD_VALUES, edited, fields, snapshot
from test_train import make_trainer

import tinygrad_edu as tg

OURS = ("Trainer:", "Error(s) in loading state_dict", "load_state_dict:")


def corpus_counts(tmp: Path) -> Counter[str]:
    path = tmp / "ckpt.pt"
    make_trainer(epochs=2, checkpoint=path).fit()
    state = dict(tg.load(path))
    counts: Counter[str] = Counter()
    trainer = make_trainer(epochs=3)
    for n, field in enumerate(p for p in fields(state) if p[0] != "format"):
        for value in [*(BAD_VALUES[(4 * n + k) % len(BAD_VALUES)] for k in range(4)), KeyError]:
            try:
                tg.save(edited(state, field, value), path)
            except (TypeError, ValueError):
                counts["not saveable"] += 1
                continue
            before = snapshot(trainer)
            try:
                trainer.load_checkpoint(path)
            except Exception as exc:  # noqa: BLE001 - every outcome is counted
                changed = snapshot(trainer) != before
                documented = isinstance(exc, ValueError | RuntimeError) and (
                    str(exc).startswith(OURS) or ".load_state_dict:" in str(exc))
                counts["partially applied" if changed else
                       "refused cleanly" if documented else "raw error"] += 1
                if changed or not documented:
                    trainer = make_trainer(epochs=3)
            else:
                counts["loaded"] += 1
                trainer = make_trainer(epochs=3)
    return counts


def damage_counts(data: bytes, same: Any, path: Path, trials: int, seed: int) -> Counter[str]:
    """Flip 1-3 bytes, cut the file, or set a zip header field to a random value."""
    rng = np.random.default_rng(seed)
    headers = [i for i in range(len(data) - 4) if data[i:i + 4] in (b"PK\x03\x04", b"PK\x01\x02")]
    counts: Counter[str] = Counter()
    for trial in range(trials):
        damaged = bytearray(data)
        if trial % 4 == 0:
            damaged = damaged[:rng.integers(0, len(data))]
        elif trial % 4 == 1 and headers:  # a 2- or 4-byte field of a zip header
            at = int(rng.choice(headers)) + int(rng.integers(4, 30))
            fmt = "<H" if rng.integers(2) else "<L"
            struct.pack_into(fmt, damaged, min(at, len(damaged) - 4),
                             int(rng.integers(0, 2 ** (16 if fmt == "<H" else 32))))
        else:
            for _ in range(rng.integers(1, 4)):
                damaged[rng.integers(0, len(data))] = rng.integers(0, 256)
        path.write_bytes(bytes(damaged))
        try:
            loaded = tg.load(path)
        except ValueError as exc:
            counts["ValueError naming the file" if str(path) in str(exc) else "raw error"] += 1
        except Exception:  # noqa: BLE001 - every outcome is counted
            counts["raw error"] += 1
        else:
            try:
                right = same(loaded)
            except Exception:  # noqa: BLE001 - a damaged object is not the saved one
                right = False
            counts["the saved object" if right else "another object, silently"] += 1
    return counts


def native_bytes() -> tuple[bytes, Any]:
    state = {"w": tg.arange(12, dtype=tg.float32).reshape(3, 4), "step": 7, "names": ["a", "b"]}
    buffer = io.BytesIO()
    tg.save(state, buffer)

    def same(obj: Any) -> bool:
        return (isinstance(obj, dict) and obj.get("step") == 7 and obj.get("names") == ["a", "b"]
                and np.array_equal(obj["w"].numpy(), state["w"].numpy()))
    return buffer.getvalue(), same


def torch_bytes(legacy: bool) -> tuple[bytes, Any]:
    import torch
    base = torch.arange(12.0).reshape(3, 4)
    buffer = io.BytesIO()
    torch.save({"w": base, "v": base[1], "n": [1, 2.5, "x"]}, buffer,
               _use_new_zipfile_serialization=not legacy)

    def same(obj: Any) -> bool:
        return (isinstance(obj, dict) and obj.get("n") == [1, 2.5, "x"]
                and np.array_equal(obj["w"].numpy(), base.numpy())
                and np.array_equal(obj["v"].numpy(), base[1].numpy()))
    return buffer.getvalue(), same


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with TemporaryDirectory() as tmp:
        print("checkpoint corpus:", dict(corpus_counts(Path(tmp))))
        for name, (data, same) in {"native archive": native_bytes(),
                                   "torch zip file": torch_bytes(False),
                                   "torch legacy file": torch_bytes(True)}.items():
            counts = damage_counts(data, same, Path(tmp) / "ckpt.pt", trials, seed=0)
            print(f"{name} ({trials} random damages):", dict(counts))


if __name__ == "__main__":
    main()
