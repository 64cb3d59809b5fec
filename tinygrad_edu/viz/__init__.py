"""Seeing the graph and the training: graphviz drawings and matplotlib plots.

- ``draw_graph`` (``graph.py``, the ``viz`` extra: graphviz): the computation graph with
  shapes, values, gradients, NaN marks, saved arrays, module clusters; ``trace_modules``
  (``walk.py``) records which module made each op.
- ``summary`` (``model_summary.py``): a torchinfo-like table of layers, output shapes and
  parameters.
- ``explain_backward`` (``explain.py``): the backward pass told step by step, for lessons.
- ``plot_grad_flow`` (``grad_flow.py``, the ``plot`` extra): gradient size per layer.

``tinygrad_edu.viz.plots`` draws the loss curve, train/validation accuracy, the first-layer
filter grid (the course's "visualize filters"), per-class accuracy and the confusion matrix,
each saved as a PNG. Importing this package imports no plotting library: matplotlib loads on
the first plot, and a missing matplotlib gives an ImportError naming the ``plot`` extra.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "draw_graph": "graph", "GraphDrawing": "graph", "DotNotFoundError": "graph",
    "trace_modules": "walk", "summary": "model_summary", "ModelSummary": "model_summary",
    "explain_backward": "explain", "plot_grad_flow": "grad_flow", "grad_flow_stats": "grad_flow",
}
_PLOTS = ("filter_grid", "plot_accuracy", "plot_confusion_matrix", "plot_filters",
          "plot_history", "plot_loss", "plot_per_class_accuracy")

__all__ = [*_LAZY, *_PLOTS]


def __getattr__(name: str) -> Any:
    # plots.py itself imports matplotlib only inside its functions; going through this hook
    # keeps `import tinygrad_edu.viz` free of it too
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    if name in _LAZY:  # graph.py needs graphviz; none of them loads before it is asked for
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'tinygrad_edu.viz' has no attribute {name!r}")
