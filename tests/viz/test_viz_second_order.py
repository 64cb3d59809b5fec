"""draw_graph on a derivative's own graph: the nodes create_graph=True made are set apart.

The drawings are rendered to SVG with ``dot`` and read back: each op made by a create_graph
walk has its order's fill, a dashed outline and a "from grad of '<op>'" line; forward ops keep
the plain op colour; the legend explains the marking.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

graphviz = pytest.importorskip("graphviz")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.autograd.higher import derived  # noqa: E402
from tinygrad_edu.viz import draw_graph  # noqa: E402
from tinygrad_edu.viz.derivative import ORDER_BORDER, ORDER_FILL  # noqa: E402
from tinygrad_edu.viz.graph import FILL  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the graphviz program `dot` is not installed")
SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class SvgNode:
    texts: list[str]
    fills: list[str]
    strokes: list[str]
    dashed: bool


def render(drawing: graphviz.Digraph) -> dict[str, SvgNode]:
    """The rendered SVG's nodes, by DOT name."""
    root = ET.fromstring(drawing.pipe(format="svg"))
    nodes = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        shapes = [e for e in g if e.tag != f"{SVG}text" and e.tag != f"{SVG}title"]
        nodes[g.find(f"{SVG}title").text] = SvgNode(
            [t.text or "" for t in g.iter(f"{SVG}text")],
            [e.get("fill", "") for e in shapes if e.get("fill")],
            [e.get("stroke", "") for e in shapes if e.get("stroke")],
            any(e.get("stroke-dasharray") for e in shapes))
    return nodes


def ops(nodes: dict[str, SvgNode]) -> dict[str, SvgNode]:
    return {k: v for k, v in nodes.items() if k.startswith("op")}


def first_derivative() -> tuple[tg.Tensor, tg.Tensor]:
    x = tg.tensor([0.5, -1.0], dtype=tg.float64, requires_grad=True)
    w = tg.tensor([2.0, 0.3], dtype=tg.float64, requires_grad=True)
    y = (x * w).tanh().sum()
    (gx,) = tg.autograd.grad(y, x, create_graph=True)
    return gx, x


@needs_dot
def test_first_derivative_graph_is_marked_and_forward_ops_are_not() -> None:
    gx, x = first_derivative()
    drawing = draw_graph(gx, params={"x": x}, title="d/dx tanh(x * w)")
    nodes = render(drawing)
    drawn = ops(nodes)
    derived_ops = [n for n in drawn.values() if any(t.startswith("from grad of") for t in n.texts)]
    plain_ops = [n for n in drawn.values() if n not in derived_ops]
    assert derived_ops
    assert all(ORDER_FILL[1] in n.fills for n in derived_ops)
    assert all(ORDER_BORDER[1] in n.strokes for n in derived_ops)
    assert all(n.dashed for n in derived_ops)
    # the forward x * w and tanh are drawn plainly: tanh's grad, dout * (1 - out^2), reads
    # the forward's own output (as PyTorch's saved result), and its ops are the derivative's
    assert sorted(n.texts[0] for n in plain_ops) == ["mul", "tanh"]
    assert "tanh" not in [n.texts[0] for n in derived_ops]
    assert all(FILL["op"] in n.fills for n in plain_ops)
    assert not any(n.dashed for n in plain_ops)
    assert "from grad of 'tanh'" in {t for n in derived_ops for t in n.texts}
    legend = " ".join(nodes["legend"].texts)
    assert "first derivative's graph (made by create_graph=True)" in legend
    assert "second derivative" not in legend
    # the tensors the derivative's ops produce are dashed in the same colour
    tensors = [v for k, v in nodes.items() if k.startswith("t") and v.dashed]
    assert tensors
    assert all(ORDER_BORDER[1] in t.strokes for t in tensors)


@needs_dot
def test_second_derivative_graph_has_its_own_colour(tmp_path) -> None:
    x = tg.tensor([0.5, 1.0], dtype=tg.float64, requires_grad=True)
    y = (x ** 3).sin().sum()
    (g,) = tg.autograd.grad(y, x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x, create_graph=True)
    path = draw_graph(h, params={"x": x}).write(tmp_path / "second.svg")
    assert path.read_text().startswith("<?xml")
    nodes = render(draw_graph(h, params={"x": x}))
    fills = [f for n in ops(nodes).values() for f in n.fills]
    assert ORDER_FILL[2] in fills  # made by the second walk
    assert ORDER_FILL[1] in fills  # g's own ops, which h's graph goes through
    assert FILL["op"] in fills     # the forward x ** 3 that cos(x ** 3) reads
    legend = " ".join(nodes["legend"].texts)
    assert "first derivative's graph" in legend
    assert "second derivative's graph" in legend
    assert derived(h.grad_fn).order == 2
    assert derived(g.grad_fn).order == 1


@needs_dot
def test_a_forward_graph_has_no_derivative_marking() -> None:
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    nodes = render(draw_graph((x * 2).tanh().sum(), params={"x": x}))
    assert not any(n.dashed for n in nodes.values())
    assert not any(t.startswith("from grad of") for n in nodes.values() for t in n.texts)
    assert "derivative" not in " ".join(nodes["legend"].texts)


def test_compact_drawing_marks_the_result_boxes() -> None:
    gx, x = first_derivative()
    source = draw_graph(gx, params={"x": x}, show=("shape",)).source
    marked = [line for line in source.splitlines() if "from grad of" in line]
    assert marked
    assert all("dashed" in line and ORDER_BORDER[1] in line for line in marked)
    assert all("shape=box" in line for line in marked)


def test_gradient_left_in_dot_grad_by_backward_with_create_graph() -> None:
    w = tg.tensor([[0.3, -0.2], [0.1, 0.4]], dtype=tg.float64, requires_grad=True)
    x = tg.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=tg.float64)
    with pytest.warns(UserWarning, match="reference cycle"):
        ((x @ w).sigmoid() ** 2).sum().backward(create_graph=True)
    source = draw_graph(w.grad, params={"w": w}).source
    assert "from grad of 'sigmoid'" in source
    assert "from grad of 'matmul'" in source
    assert "first derivative&#x27;s graph" in source  # the legend (HTML-escaped)


def test_custom_function_backward_is_part_of_the_derivative_graph() -> None:
    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = tg.tensor([0.5, 2.0], dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    source = draw_graph(g, params={"x": x}).source
    assert "from grad of 'Cube'" in source
    assert derived(g.grad_fn).of == "Cube"
