"""The record of a search: one row per trial, the best trial, files and plots.

Everything is read back from the Optuna study (its trials' parameters, states and the
attributes the driver stored: status, per-epoch history, seconds, traceback), so a study
continued with ``resume=True`` or reopened with ``tune.load`` gives the same table.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Results"]

FINISHED = ("completed", "pruned", "failed")


def _best(values: Sequence[float | None], mode: str) -> tuple[float | None, int | None]:
    """The best value of a curve and its 1-based epoch."""
    best: tuple[float | None, int | None] = (None, None)
    for epoch, v in enumerate(values, start=1):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if best[0] is None or (v > best[0] if mode == "max" else v < best[0]):
            best = (v, epoch)
    return best


@dataclass
class Results:
    """The trials of a search (``rows``) and the best completed one.

    Attributes:
        rows: one dict per trial: ``trial``, ``status`` (completed, pruned, failed, lost:
            its worker died and the config was run again, interrupted: stopped by Ctrl-C and
            run again on resume), the config's searched values, the best ``metric`` value and
            its epoch, ``epochs`` run, ``seconds``, and the first line of an ``error``.
        history: per trial, the list of reported metric dicts (one per epoch).
        errors: per failed trial, the full traceback.
        best_trial, best_config, best_value: the completed trial with the best metric.
        best_checkpoint: its checkpoint file (when the trainable reported one), else None.
    """

    metric: str
    mode: str
    params: list[str]
    constants: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    history: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    storage: Path | None = None
    study: Any = None

    @classmethod
    def from_study(cls, study: Any, metric: str, mode: str, params: list[str],
                   constants: dict[str, Any], storage: Path | None) -> Results:
        res = cls(metric, mode, params, constants, storage=storage, study=study)
        for t in study.get_trials(deepcopy=False):
            status = t.user_attrs.get("status")
            if status is None:
                continue  # waiting or running
            curve = t.user_attrs.get("history", [])
            value, epoch = _best([h.get(metric) for h in curve], mode)
            error = t.user_attrs.get("error")
            row = {"trial": t.number, "status": status,
                   **{p: t.params.get(p) for p in params},
                   metric: value, "best_epoch": epoch, "epochs": len(curve),
                   "seconds": round(float(t.user_attrs.get("seconds", 0.0)), 2),
                   "error": error.strip().splitlines()[-1] if error else ""}
            res.rows.append(row)
            res.history[t.number] = curve
            if error:
                res.errors[t.number] = error
        return res

    # ------------------------------------------------------------------ best

    def _best_row(self) -> dict[str, Any] | None:
        done = [r for r in self.rows if r["status"] == "completed" and r[self.metric] is not None]
        if not done:
            return None
        sign = 1.0 if self.mode == "max" else -1.0
        return max(done, key=lambda r: sign * r[self.metric])

    @property
    def best_trial(self) -> int | None:
        row = self._best_row()
        return None if row is None else int(row["trial"])

    @property
    def best_value(self) -> float | None:
        row = self._best_row()
        return None if row is None else float(row[self.metric])

    @property
    def best_config(self) -> dict[str, Any] | None:
        row = self._best_row()
        if row is None:
            return None
        return {**self.constants, **{p: row[p] for p in self.params}}

    @property
    def best_checkpoint(self) -> Path | None:
        n = self.best_trial
        if self.storage is None or n is None:
            return None
        path = self.storage / "trials" / str(n) / "checkpoint.npz"
        return path if path.exists() else None

    def log_params(self) -> set[str]:
        """The searched parameters drawn on a log scale (``loguniform``)."""
        if self.study is None:
            return set()
        return {name for t in self.study.get_trials(deepcopy=False)
                for name, d in t.distributions.items() if getattr(d, "log", False)}

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r["status"]] = out.get(r["status"], 0) + 1
        return out

    # ------------------------------------------------------------------ output

    def table(self, sort: bool = True) -> str:
        """The rows as a text table (best first when ``sort``)."""
        rows = list(self.rows)
        if sort:
            sign = -1.0 if self.mode == "max" else 1.0
            rows.sort(key=lambda r: (r[self.metric] is None,
                                     sign * (r[self.metric] or 0.0), r["trial"]))
        cols = ["trial", "status", *self.params, self.metric, "best_epoch", "epochs", "seconds"]

        def fmt(v: Any) -> str:
            if isinstance(v, float):
                return f"{v:.4g}"
            return "-" if v is None else str(v)

        cells = [[fmt(r[c]) for c in cols] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
                  for i, c in enumerate(cols)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True))
                  for row in cells]
        return "\n".join(lines)

    def write(self, folder: str | Path | None = None) -> Path:
        """Write results.csv, results.json, best_config.json (and best_checkpoint.npz)."""
        out = Path(folder) if folder is not None else self.storage
        if out is None:
            raise ValueError("Results.write: no folder given and the search had no storage")
        out.mkdir(parents=True, exist_ok=True)
        cols = ["trial", "status", *self.params, self.metric, "best_epoch", "epochs", "seconds",
                "error"]
        tmp = out / "results.csv.tmp"
        with tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=cols)
            writer.writeheader()
            writer.writerows(self.rows)
        tmp.replace(out / "results.csv")
        doc = {"metric": self.metric, "mode": self.mode, "constants": self.constants,
               "best_trial": self.best_trial, "best_value": self.best_value,
               "best_config": self.best_config,
               "trials": [{**r, "error": self.errors.get(r["trial"], ""),
                           "history": self.history.get(r["trial"], [])} for r in self.rows]}
        _write_json(out / "results.json", doc)
        if self.best_config is not None:
            _write_json(out / "best_config.json", self.best_config)
        if self.best_checkpoint is not None:
            shutil.copyfile(self.best_checkpoint, out / "best_checkpoint.npz.tmp")
            (out / "best_checkpoint.npz.tmp").replace(out / "best_checkpoint.npz")
        return out

    def plot(self, folder: str | Path | None = None) -> list[Path]:
        """metric_vs_params.png and learning_curves.png (needs the ``plot`` extra)."""
        from .plots import plot_curves, plot_params
        out = Path(folder) if folder is not None else self.storage
        if out is None:
            raise ValueError("Results.plot: no folder given and the search had no storage")
        return [plot_params(self, out / "metric_vs_params.png"),
                plot_curves(self, out / "learning_curves.png")]


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n")
    tmp.replace(path)
