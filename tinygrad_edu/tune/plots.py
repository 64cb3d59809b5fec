"""The two plots of a search: the metric against each hyper-parameter, and all the curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..viz.plots import _figure, _save

_COLORS = {"completed": "tab:blue", "pruned": "tab:orange", "failed": "tab:red"}


def plot_params(results: Any, path: Path) -> Path:
    """One panel per searched hyper-parameter: each trial's best metric against its value."""
    params = results.params or ["trial"]
    fig = _figure(3.2 * len(params), 3.0)
    axes = fig.subplots(1, len(params), squeeze=False)[0]
    log_scale = results.log_params()
    for ax, p in zip(axes, params, strict=True):
        for status, color in _COLORS.items():
            rows = [r for r in results.rows if r["status"] == status
                    and r[results.metric] is not None]
            xs = [r[p] for r in rows]
            if xs and all(isinstance(x, int | float) for x in xs):
                ax.scatter(xs, [r[results.metric] for r in rows], c=color, s=18, label=status)
            elif xs:
                ax.scatter([str(x) for x in xs], [r[results.metric] for r in rows], c=color,
                           s=18, label=status)
        if p in log_scale:
            from matplotlib.ticker import NullFormatter
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # labels at the decades only
        ax.set_xlabel(p)
        ax.set_ylabel(results.metric)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"best {results.metric} per trial ({results.mode})")
    return _save(fig, path)


def plot_curves(results: Any, path: Path) -> Path:
    """The metric per epoch of every trial; pruned trials dashed and ended with an x."""
    fig = _figure(6.0, 4.0)
    ax = fig.subplots()
    best = results.best_trial
    for row in results.rows:
        curve = [h.get(results.metric) for h in results.history.get(row["trial"], [])]
        if not curve:
            continue
        epochs = list(range(1, len(curve) + 1))
        pruned = row["status"] == "pruned"
        ax.plot(epochs, curve, linestyle="--" if pruned else "-",
                color=_COLORS.get(row["status"], "gray"),
                linewidth=2.5 if row["trial"] == best else 1.0, alpha=0.8,
                label=f"trial {row['trial']} (best)" if row["trial"] == best else None)
        if pruned:
            ax.plot(epochs[-1], curve[-1], "x", color="tab:orange", markersize=7)
    ax.set_xlabel("epoch")
    ax.set_ylabel(results.metric)
    ax.set_title("learning curves (pruned: dashed, x where stopped)")
    if best is not None:
        ax.legend(fontsize=7)
    return _save(fig, path)
