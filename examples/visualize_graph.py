"""See the graph: three drawings of computation, gradients and models, written as SVG files.

1. ``expression.svg``: micrograd's scalar expression L = (a*b + c) * f with every value and
   gradient, coloured by gradient size (drawn before backward, so the intermediate gradients
   are still computable from the saved arrays).
2. ``mlp_modules.svg``: one training step of a small MLP, its modules drawn as clusters, the
   parameters coloured by the size of their gradients.
3. ``convnet_collapsed.svg``: a ConvNet with each module collapsed to one box (what you want
   for real models), plus the layer table of ``summary``.

It also prints the backward pass of x*x + x step by step (``explain_backward``).

Rendering SVG needs the graphviz program ``dot``; without it the script writes the ``.dot``
sources instead and says how to install it.

Run:
    python examples/visualize_graph.py                  # writes examples/out/graphs/*.svg
    python examples/visualize_graph.py --out docs/img   # somewhere else
"""

from __future__ import annotations

import argparse
from pathlib import Path

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.models import MLP, ConvNet
from tinygrad_edu.viz import DotNotFoundError, draw_graph, explain_backward, summary, trace_modules
from tinygrad_edu.viz.graph import GraphDrawing


def expression() -> GraphDrawing:
    """micrograd's example, with names for every tensor we want labelled."""
    a = tg.tensor(2.0, requires_grad=True)
    b = tg.tensor(-3.0, requires_grad=True)
    c = tg.tensor(10.0, requires_grad=True)
    f = tg.tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    loss = d * f
    return draw_graph(loss, params={"a": a, "b": b, "c": c, "f": f, "e": e, "d": d},
                      show_data=True, show_grad=True, title="L = (a*b + c) * f")


def mlp_step() -> GraphDrawing:
    """Forward and backward of a 2-hidden-layer MLP, drawn with its module clusters."""
    tg.manual_seed(0)
    model = MLP(8, hidden_sizes=(16, 16), num_classes=3)
    with trace_modules(model):  # remember which module made each op
        loss = F.cross_entropy(model(tg.randn(4, 8)), tg.tensor([0, 1, 2, 1]))
    # retain_graph keeps the saved arrays, so the drawing can show the intermediate gradients
    loss.backward(retain_graph=True)
    return draw_graph(loss, params=model, show_grad=True, title="MLP: one training step")


def convnet() -> GraphDrawing:
    """A ConvNet collapsed to one box per module, and its summary table."""
    tg.manual_seed(0)
    model = ConvNet(in_channels=1, num_classes=10, widths=(8, 16), image_size=8)
    summary(model, (2, 1, 8, 8))
    return draw_graph(model, inputs=tg.randn(2, 1, 8, 8), group_modules=True,
                      title="ConvNet, one box per module")


def one_batch() -> GraphDrawing:
    """One batch through conv -> relu -> max pool -> linear -> cross-entropy, with gradients:
    the picture of docs/architecture.md (each op is one forward/backward pair of ops/)."""
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Conv2d(1, 4, 3, padding=1), tg.nn.ReLU(), tg.nn.MaxPool2d(2),
                             tg.nn.Flatten(), tg.nn.Linear(4 * 4 * 4, 3))
    with trace_modules(model):
        loss = F.cross_entropy(model(tg.randn(2, 1, 8, 8)), tg.tensor([0, 2]))
    loss.backward(retain_graph=True)
    return draw_graph(loss, params=model, show_grad=True,
                      title="One batch: conv, relu, max pool, linear, cross-entropy")


def save(drawing: GraphDrawing, path: Path) -> Path:
    """Write SVG, or the .dot source when the graphviz program is missing."""
    try:
        return drawing.write(path)
    except DotNotFoundError as exc:
        print(f"  {exc}")
        return drawing.write(path.with_suffix(".dot"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("examples/out/graphs"),
                        help="folder for the SVG files")
    args = parser.parse_args()

    print("the backward pass of x*x + x at x = 3, step by step:")
    x = tg.tensor(3.0, requires_grad=True)
    y = x * x + x
    explain_backward(y)
    y.backward()
    print(f"x.grad = {x.grad.item()}  (2x + 1 = 7)\n")

    for name, draw in (("expression", expression), ("mlp_modules", mlp_step),
                       ("convnet_collapsed", convnet), ("one_batch", one_batch)):
        written = save(draw(), args.out / f"{name}.svg")
        print(f"wrote {written}")


if __name__ == "__main__":
    main()
