"""plot_grad_flow: per-layer gradient sizes, drawn with matplotlib's Agg renderer."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.models import MLP  # noqa: E402
from tinygrad_edu.viz import grad_flow_stats, plot_grad_flow  # noqa: E402


def trained_once() -> MLP:
    model = MLP(6, hidden_sizes=(5, 4), num_classes=3)
    loss = nn.functional.cross_entropy(model(tg.randn(8, 6)), tg.tensor([0, 1, 2, 0, 1, 2, 0, 1]))
    loss.backward()
    return model


def test_stats_are_mean_and_max_of_abs_grad() -> None:
    model = trained_once()
    stats = grad_flow_stats(model)
    assert [s.name for s in stats] == ["net.1.weight", "net.3.weight", "net.5.weight"]
    g = np.abs(model.net[3].weight.grad.numpy())
    assert stats[1].mean_abs == pytest.approx(g.mean())
    assert stats[1].max_abs == pytest.approx(
        g.max())
    assert len(grad_flow_stats(model, include_bias=True)) == 6


def test_plot_saves_a_png_with_two_bars_per_layer(tmp_path) -> None:
    model = trained_once()
    fig = plot_grad_flow(model, tmp_path / "flow.png")
    assert (tmp_path / "flow.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 3
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "net.1.weight", "net.3.weight", "net.5.weight"]
    assert ax.get_yscale() == "log"


def test_dead_layer_is_flagged_and_no_grad_is_an_error() -> None:
    model = trained_once()
    model.net[1].weight.grad = tg.zeros(*model.net[1].weight.shape)
    fig = plot_grad_flow(model)
    assert any(t.get_text() == "0" for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="backward"):
        plot_grad_flow(MLP(3, (2,), 2))
