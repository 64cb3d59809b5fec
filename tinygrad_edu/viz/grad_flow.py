"""``plot_grad_flow(model)``: how big the gradients are, layer by layer (matplotlib).

After ``loss.backward()``, one bar pair per parameter, from the input side to the output
side: the largest absolute gradient (light) and the mean absolute gradient (dark), on a log
scale. Gradients that shrink towards the input show vanishing gradients; a layer with zero
gradient is dead or disconnected; towering bars mean exploding gradients.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..nn.module import Module
from .plots import _figure, _save

__all__ = ["GradStat", "grad_flow_stats", "plot_grad_flow"]


class GradStat(NamedTuple):
    """Gradient size of one parameter."""

    name: str
    mean_abs: float
    max_abs: float


def grad_flow_stats(model: Module, include_bias: bool = False) -> list[GradStat]:
    """Mean and max absolute gradient of each parameter with a gradient, in model order.

    Args:
        model: a Module after ``backward()``.
        include_bias: also list 1-D bias vectors (left out by default: they are small and
            would double the number of bars).

    Returns:
        One ``GradStat`` per parameter that requires grad and has ``.grad``.
    """
    stats = []
    for name, p in model.named_parameters():
        if not p.requires_grad or p.grad is None:
            continue
        if not include_bias and name.rsplit(".", 1)[-1].startswith("bias"):
            continue
        g = np.abs(p.grad.numpy(force=True).astype(np.float64, copy=False))
        stats.append(GradStat(name, float(g.mean()) if g.size else 0.0,
                              float(g.max()) if g.size else 0.0))
    return stats


def plot_grad_flow(model: Module, path: str | Path | None = None, include_bias: bool = False,
                   title: str = "Gradient flow") -> Any:
    """Draw mean and max absolute gradient per layer as bars (log scale).

    Args:
        model: a Module after ``loss.backward()``.
        path: save the figure as a PNG here (optional).
        include_bias: also draw bias vectors.
        title: the figure title.

    Returns:
        The matplotlib ``Figure`` (no pyplot, so no window opens and no backend changes).
    """
    stats = grad_flow_stats(model, include_bias)
    if not stats:
        raise ValueError("plot_grad_flow: no parameter has a gradient; call loss.backward() "
                         "first")
    fig = _figure(max(6.0, 0.45 * len(stats) + 2), 4.5)
    ax = fig.subplots()
    x = np.arange(len(stats))
    tiny = 1e-12  # zero gradients still get a visible stub on the log scale
    ax.bar(x, [max(s.max_abs, tiny) for s in stats], width=0.8, color="#93c5fd",
           label="max |grad|")
    ax.bar(x, [max(s.mean_abs, tiny) for s in stats], width=0.5, color="#1d4ed8",
           label="mean |grad|")
    for i, s in enumerate(stats):
        if s.max_abs == 0:
            ax.annotate("0", (i, tiny), ha="center", va="bottom", color="#dc2626")
    ax.set_yscale("log")
    ax.set_xticks(x, [s.name for s in stats], rotation=60, ha="right", fontsize=8)
    ax.set(xlabel="parameter (input side -> output side)", ylabel="|gradient|", title=title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    if path is not None:
        _save(fig, path)
    return fig
