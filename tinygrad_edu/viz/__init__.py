"""Pictures of training: matplotlib plots of a run (the ``plot`` extra).

``tinygrad_edu.viz.plots`` draws the loss curve, train/validation accuracy, the first-layer
filter grid (the course's "visualize filters"), per-class accuracy and the confusion matrix,
each saved as a PNG. Importing this package imports no plotting library: matplotlib loads on
the first plot, and a missing matplotlib gives an ImportError naming the ``plot`` extra.
"""

from __future__ import annotations

from typing import Any

_PLOTS = ("filter_grid", "plot_accuracy", "plot_confusion_matrix", "plot_filters",
          "plot_history", "plot_loss", "plot_per_class_accuracy")

__all__ = list(_PLOTS)


def __getattr__(name: str) -> Any:
    # plots.py itself imports matplotlib only inside its functions; going through this hook
    # keeps `import tinygrad_edu.viz` free of it too
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'tinygrad_edu.viz' has no attribute {name!r}")
