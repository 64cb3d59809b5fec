"""Training plots saved as PNG files: loss, accuracy, filters, per-class accuracy, confusion.

Figures are built with matplotlib's object API (``matplotlib.figure.Figure``) and written by
its Agg renderer, without pyplot: nothing opens a window, nothing changes the backend of a
notebook or script that imports this, and it works on a machine without a display. Every
``plot_*`` function saves one PNG (creating its folder) and returns the path.

``filter_grid`` builds the filter mosaic as a plain numpy image and needs no matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..nn.conv import Conv2d
from ..nn.layers import Linear
from ..nn.module import Module
from ..tensor import Tensor

__all__ = [
    "filter_grid", "plot_accuracy", "plot_confusion_matrix", "plot_filters", "plot_history",
    "plot_loss", "plot_per_class_accuracy",
]

Array = NDArray[Any]
PathLike = str | Path


def _figure(width: float, height: float) -> Any:
    """A new matplotlib Figure (no pyplot), or an ImportError naming the ``plot`` extra."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("tinygrad_edu.viz plots need matplotlib: install the plot extra, "
                          "e.g. pip install -e \".[plot]\" (or pip install matplotlib)") from exc
    return Figure(figsize=(width, height), layout="constrained")


def _save(fig: Any, path: PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, format="png")
    return path


def _series(history: Any, name: str) -> list[float | None]:
    """``history.<name>`` from a History or a dict of lists."""
    values = history.get(name, []) if isinstance(history, Mapping) else getattr(history, name)
    return list(values)


def _draw_loss(ax: Any, history: Any) -> None:
    loss = np.asarray(_series(history, "loss"), dtype=np.float64)
    if loss.size == 0:
        raise ValueError("plot_loss: the history has no iterations")
    steps = np.arange(1, loss.size + 1)
    ax.plot(steps, loss, lw=0.8, alpha=0.4, label="per iteration")
    window = max(1, loss.size // 25)
    if window > 1:  # a moving average shows the trend through the mini-batch noise
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1:], smooth, lw=2, label=f"mean of {window}")
        ax.legend()
    ax.set(xlabel="iteration", ylabel="training loss", title="Loss")
    ax.grid(alpha=0.3)


def _draw_accuracy(ax: Any, history: Any) -> None:
    drawn = False
    for name, label in (("train_acc", "train"), ("val_acc", "validation")):
        values = [np.nan if v is None else 100 * v for v in _series(history, name)]
        if values and not np.all(np.isnan(values)):
            ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=label)
            drawn = True
    if not drawn:
        raise ValueError("plot_accuracy: the history has no accuracy values (accuracy is "
                         "measured for classification only)")
    ax.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    ax.legend()
    ax.grid(alpha=0.3)


def plot_loss(history: Any, path: PathLike) -> Path:
    """Save the training loss per iteration (with a moving average) as a PNG.

    Args:
        history: a ``train.History`` or its ``to_dict()``.
        path: the PNG file to write.

    Returns:
        The path written.
    """
    fig = _figure(6, 4)
    _draw_loss(fig.subplots(), history)
    return _save(fig, path)


def plot_accuracy(history: Any, path: PathLike) -> Path:
    """Save the train and validation accuracy per epoch as a PNG (see ``plot_loss``)."""
    fig = _figure(6, 4)
    _draw_accuracy(fig.subplots(), history)
    return _save(fig, path)


def plot_history(history: Any, path: PathLike) -> Path:
    """Save the loss curve and the accuracy curves side by side in one PNG."""
    fig = _figure(11, 4)
    loss_ax, acc_ax = fig.subplots(1, 2)
    _draw_loss(loss_ax, history)
    _draw_accuracy(acc_ax, history)
    return _save(fig, path)


def _first_weight(source: Any) -> Array:
    """The weight array of ``source``: a Module's first Conv2d (or Linear), a Tensor, an array."""
    if isinstance(source, Module):
        for kind in (Conv2d, Linear):
            layer = next((m for m in source.modules() if isinstance(m, kind)), None)
            if layer is not None:
                return np.asarray(layer.weight.numpy(force=True))
        raise ValueError(f"plot_filters: {type(source).__name__} has no Conv2d or Linear layer")
    return np.asarray(source.numpy(force=True) if isinstance(source, Tensor) else source)


def filter_grid(weights: Any, padding: int = 1, pad_value: float = 1.0) -> Array:
    """Tile filters (F, C, KH, KW) into one image, each filter scaled to [0, 1] on its own.

    Three-channel filters become RGB tiles; otherwise every (filter, channel) pair becomes a
    grey tile. Tiles fill a near-square grid separated by ``padding`` pixels of ``pad_value``
    (white), like the course's ``visualize_grid``.

    Args:
        weights: an array or Tensor (F, C, KH, KW), or (F, KH, KW) for one channel.
        padding: pixels between tiles.
        pad_value: the value of the separating pixels (and of unused grid cells).

    Returns:
        (H, W) or (H, W, 3) float array in [0, 1].

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.viz.plots import filter_grid
        >>> filter_grid(np.random.default_rng(0).normal(size=(6, 1, 3, 3))).shape
        (7, 11)
    """
    w = np.asarray(weights.numpy(force=True) if isinstance(weights, Tensor) else weights,
                   np.float64)
    if w.ndim == 3:
        w = w[:, None]
    if w.ndim != 4:
        raise ValueError(f"filter_grid: expected weights (F, C, KH, KW), got shape {w.shape}")
    tiles = w.transpose(0, 2, 3, 1) if w.shape[1] == 3 else w.reshape(-1, 1, *w.shape[2:])[
        :, 0, :, :, None]
    lo = tiles.min(axis=(1, 2, 3), keepdims=True)
    span = tiles.max(axis=(1, 2, 3), keepdims=True) - lo
    tiles = (tiles - lo) / np.where(span > 0, span, 1.0)
    n, kh, kw, c = tiles.shape
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    height, width = rows * (kh + padding) - padding, cols * (kw + padding) - padding
    grid = np.full((height, width, c), pad_value)
    for i, tile in enumerate(tiles):
        r, q = divmod(i, cols)
        grid[r * (kh + padding):r * (kh + padding) + kh,
             q * (kw + padding):q * (kw + padding) + kw] = tile
    return grid[..., 0] if c == 1 else grid


def plot_filters(source: Any, path: PathLike, image_shape: Sequence[int] | None = None,
                 title: str = "First-layer filters") -> Path:
    """Save the first layer's filters as a grid of small images.

    Args:
        source: a model (its first Conv2d is drawn; for a fully connected model its first
            Linear layer, each row reshaped to ``image_shape``), or weights (F, C, KH, KW).
        path: the PNG file to write.
        image_shape: (C, H, W) of the input, to draw a Linear layer's rows as images.
        title: the figure title.

    Returns:
        The path written.
    """
    w = _first_weight(source)
    if w.ndim == 2:  # a Linear layer: one template per hidden unit, as the course shows
        if image_shape is None:
            raise ValueError("plot_filters: pass image_shape=(C, H, W) to draw the rows of a "
                             "Linear layer as images")
        w = w.reshape(w.shape[0], *image_shape)
    grid = filter_grid(w)
    fig = _figure(5, 5)
    ax = fig.subplots()
    ax.imshow(grid, cmap="gray", interpolation="nearest")
    ax.set_title(f"{title} ({w.shape[0]} x {w.shape[1]} x {w.shape[2]} x {w.shape[3]})")
    ax.axis("off")
    return _save(fig, path)


def _class_names(n: int, class_names: Sequence[str] | None) -> list[str]:
    names = [str(i) for i in range(n)] if class_names is None else list(class_names)
    if len(names) != n:
        raise ValueError(f"got {len(names)} class names for {n} classes")
    return names


def plot_per_class_accuracy(cm: Any, path: PathLike,
                            class_names: Sequence[str] | None = None) -> Path:
    """Save a bar chart of each class's accuracy, from a confusion matrix (rows = truth).

    Args:
        cm: a confusion matrix (C, C), e.g. from ``train.confusion_matrix``.
        path: the PNG file to write.
        class_names: C labels for the bars (default 0..C-1).

    Returns:
        The path written.
    """
    cm = np.asarray(cm, dtype=np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_per_class_accuracy: expected a square confusion matrix, got "
                         f"shape {cm.shape}")
    totals = cm.sum(axis=1)
    acc = 100 * np.diag(cm) / np.maximum(totals, 1)
    names = _class_names(len(cm), class_names)
    fig = _figure(max(5, 0.6 * len(cm)), 4)
    ax = fig.subplots()
    ax.bar(names, acc, color="tab:blue")
    overall = 100 * np.trace(cm) / max(cm.sum(), 1)
    ax.axhline(overall, color="tab:red", ls="--", label=f"overall {overall:.1f}%")
    ax.set(xlabel="class", ylabel="accuracy (%)", ylim=(0, 105), title="Per-class accuracy")
    ax.legend(loc="lower right")
    return _save(fig, path)


def plot_confusion_matrix(cm: Any, path: PathLike,
                          class_names: Sequence[str] | None = None) -> Path:
    """Save a confusion matrix (rows = true class, columns = predicted) as a heat map."""
    cm = np.asarray(cm)
    names = _class_names(len(cm), class_names)
    fig = _figure(max(4, 0.5 * len(cm) + 2), max(4, 0.5 * len(cm) + 1.5))
    ax = fig.subplots()
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax)
    ticks = np.arange(len(cm))
    ax.set_xticks(ticks, names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(ticks, names)
    for (i, j), count in np.ndenumerate(cm):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                color="white" if count > cm.max() / 2 else "black")
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix")
    return _save(fig, path)
