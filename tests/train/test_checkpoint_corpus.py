"""A generated corpus of edited training checkpoints: ``Trainer.load_checkpoint`` either
refuses an edit with the documented error (ValueError, or the model's RuntimeError) naming
what it found, leaving the model, the optimizer, the scheduler and the trainer byte-identical,
or, for an edit that keeps the checkpoint valid, loads it.

Each edit replaces one field (found by walking the saved checkpoint: 104 of them) with a
value of the wrong type, shape, sign or size (four per field, taken in turn from a list of
twelve), or removes it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_train import make_trainer

import tinygrad_edu as tg

BAD_VALUES: list[Any] = [None, "abc", -100, 10 ** 12, 2.5, float("nan"), True, [1, 2],
                         {"x": 1}, np.zeros((7, 7), np.float32), np.array(1 + 2j),
                         np.datetime64("2020-01-01")]


def fields(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into the checkpoint (dict keys and list indices), containers included."""
    if path:
        yield path
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from fields(value, (*path, key))
    elif isinstance(obj, list | tuple) and len(obj) <= 8:
        for i, value in enumerate(obj):
            yield from fields(value, (*path, i))


def edited(state: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(state)
    holder = out
    for key in path[:-1]:
        holder = holder[key]
    if isinstance(holder, tuple):
        return out  # tuples are not edited in place (rng states are arrays)
    if value is KeyError:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return out


def snapshot(trainer: Any) -> tuple[Any, ...]:
    arrays = {k: v.numpy().tobytes() for k, v in trainer.model.state_dict().items()}
    return (arrays, repr(trainer.optimizer.state_dict()), repr(trainer.scheduler.state_dict()),
            trainer.epoch, repr(trainer.history), trainer.best_score, trainer.best_epoch,
            trainer.wait, bytes(np.asarray(tg.default_generator.get_state())))


def test_every_edited_checkpoint_is_refused_cleanly_or_loaded(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.pt"
    make_trainer(epochs=2, checkpoint=path).fit()
    state = dict(tg.load(path))
    paths = [p for p in fields(state) if p[0] != "format"]
    counts = {"refused": 0, "loaded": 0}
    raw: list[str] = []
    trainer = make_trainer(epochs=3)
    for n, field in enumerate(paths):  # four bad values per field, in turn, and removal
        for value in [*(BAD_VALUES[(4 * n + k) % len(BAD_VALUES)] for k in range(4)), KeyError]:
            damaged = edited(state, field, value)
            try:
                tg.save(damaged, path)
            except TypeError as exc:  # a value no checkpoint can hold (a numpy date)
                assert str(exc).startswith("save: can't save")  # noqa: PT017
                continue
            before = snapshot(trainer)
            try:
                trainer.load_checkpoint(path)
            except (ValueError, RuntimeError) as exc:
                counts["refused"] += 1
                if snapshot(trainer) != before:
                    raw.append(f"{field} = {value!r:.30}: refused but changed the trainer")
                if not str(exc).startswith(("Trainer:", "Error(s) in loading state_dict",
                                            "load_state_dict:")) and \
                        ".load_state_dict:" not in str(exc):
                    raw.append(f"{field} = {value!r:.30}: {type(exc).__name__}: {exc!s:.120}")
            except Exception as exc:  # noqa: BLE001 - counted: a raw error is the failure
                raw.append(f"{field} = {value!r:.30}: raw {type(exc).__name__}: {exc!s:.120}")
            else:
                counts["loaded"] += 1
                trainer = make_trainer(epochs=3)  # start the next edit from a fresh trainer
    assert not raw, f"{len(raw)} of {sum(counts.values()) + len(raw)} edits:\n" + "\n".join(
        raw[:25])
    assert counts["refused"] > 3 * len(paths)


@pytest.mark.parametrize(("field", "value", "message"), [
    (("epoch",), -100, "'epoch' is -100"),
    (("epoch",), 10 ** 12, r"'history' is '\[2\] entries per epoch list'"),
    (("best", "wait"), "abc", "'best.wait' is 'abc'"),
    (("rng", "default"), np.zeros(3, np.uint8), "'rng.default'"),
    (("scheduler", "optimizer"), 1, "'optimizer' is not part of its state"),
    (("scheduler", "T_max"), 0, "ZeroDivisionError"),
])
def test_named_edits_name_the_field(tmp_path: Path, field: tuple[str, ...], value: Any,
                                    message: str) -> None:
    path = tmp_path / "ckpt.pt"
    make_trainer(epochs=2, checkpoint=path).fit()
    tg.save(edited(dict(tg.load(path)), field, value), path)
    trainer = make_trainer(epochs=3)
    before = snapshot(trainer)
    with pytest.raises(ValueError, match=message):
        trainer.load_checkpoint(path)
    assert snapshot(trainer) == before
