"""draw_graph: the produced SVG is parsed (nodes, labels, colours, clusters), not just written."""

from __future__ import annotations

import re
import runpy
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

graphviz = pytest.importorskip("graphviz")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.models import MLP, ConvNet  # noqa: E402
from tinygrad_edu.viz import DotNotFoundError, draw_graph, trace_modules  # noqa: E402
from tinygrad_edu.viz.graph import GRAD_BUCKETS, NAN_BORDER, NAN_FILL  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the graphviz program `dot` is not installed")
SVG = "{http://www.w3.org/2000/svg}"
BUCKET = {text: colour for _, colour, text in GRAD_BUCKETS}


@dataclass
class SvgNode:
    title: str
    texts: list[str]
    fills: list[str]
    strokes: list[str]
    shapes: set[str] = field(default_factory=set)


def parse(drawing: graphviz.Digraph) -> tuple[dict[str, SvgNode], dict[str, list[str]]]:
    """Nodes (by DOT name) and clusters (title -> label lines) of the rendered SVG."""
    root = ET.fromstring(drawing.pipe(format="svg"))
    nodes: dict[str, SvgNode] = {}
    clusters: dict[str, list[str]] = {}
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        texts = [t.text or "" for t in g.iter(f"{SVG}text")]
        if g.get("class") == "node":
            fills = [e.get("fill", "") for e in g if e.tag != f"{SVG}text" and e.get("fill")]
            strokes = [e.get("stroke", "") for e in g if e.get("stroke")]
            shapes = {e.tag.removeprefix(SVG) for e in g}
            nodes[title.text] = SvgNode(title.text, texts, fills, strokes, shapes)
        elif g.get("class") == "cluster":
            clusters[title.text] = texts
    return nodes, clusters


def graph_nodes(nodes: dict[str, SvgNode]) -> dict[str, SvgNode]:
    """Everything but the legend."""
    return {k: v for k, v in nodes.items() if k != "legend"}


def by_first_line(nodes: dict[str, SvgNode], first: str) -> SvgNode:
    found = [n for n in nodes.values() if n.texts and n.texts[0] == first]
    assert len(found) == 1, (first, [n.texts for n in nodes.values()])
    return found[0]


def micrograd_expression() -> tuple[tg.Tensor, dict[str, tg.Tensor]]:
    """Karpathy's micrograd example: L = (a*b + c) * f."""
    a = tg.tensor(2.0, requires_grad=True)
    b = tg.tensor(-3.0, requires_grad=True)
    c = tg.tensor(10.0, requires_grad=True)
    f = tg.tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    return d * f, {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d}


# ----------------------------------------------------------------------------- no dot needed

def test_source_is_built_without_dot(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    loss, names = micrograd_expression()
    g = draw_graph(loss, params=names, show_data=True)
    assert isinstance(g, graphviz.Digraph)
    assert g.source.startswith("digraph")
    assert g.source.count("label=mul") == 2
    assert g.source.count("label=add") == 1
    assert 'label="a\\nscalar float32\\ndata 2"' in g.source
    written = g.write(tmp_path / "g.dot")
    assert written.read_text().startswith("digraph")
    with pytest.raises(DotNotFoundError, match="apt-get install graphviz"):
        g.write(tmp_path / "g.svg")
    with pytest.raises(DotNotFoundError, match="brew install graphviz"):
        g.pipe(format="svg")
    bundle = g._repr_mimebundle_()
    assert "dot" in bundle["text/plain"]
    assert "image/svg+xml" not in bundle


def test_unknown_show_field_is_rejected() -> None:
    loss, _ = micrograd_expression()
    with pytest.raises(ValueError, match="unknown show field"):
        draw_graph(loss, show=("shape", "colour"))
    with pytest.raises(TypeError, match="expected a Tensor"):
        draw_graph(3.0)


def test_drawing_is_stable() -> None:
    sources = []
    for _ in range(2):
        loss, names = micrograd_expression()
        sources.append(draw_graph(loss, params=names, show_data=True, show_grad=True).source)
    assert sources[0] == sources[1]


# ----------------------------------------------------------------------------- rendered

@needs_dot
def test_micrograd_picture_values_and_gradients() -> None:
    loss, names = micrograd_expression()
    nodes, _ = parse(draw_graph(loss, params=names, show_data=True, show_grad=True))
    drawn = graph_nodes(nodes)
    assert len(drawn) == 3 + 7  # 3 ops, 4 leaves + 2 intermediates + the output
    assert sorted(n.texts[0] for n in drawn.values() if "ellipse" in n.shapes) == [
        "add", "mul", "mul"]
    # dL/da = b*f = 6, dL/db = a*f = -4, dL/de = dL/dd = f = -2, dL/dc = -2, dL/df = d = 4
    expected = {"a": (2, 6), "b": (-3, -4), "c": (10, -2), "f": (-2, 4), "e": (-6, -2),
                "d": (4, -2), "output": (-8, 1)}
    for name, (data, grad) in expected.items():
        node = by_first_line(drawn, name)
        assert f"data {data}" in node.texts, node.texts
        assert f"grad {grad}" in node.texts, node.texts
        assert "scalar float32" in node.texts
        assert BUCKET["healthy 1e-3 .. 10"] in node.fills  # |grad| between 1e-3 and 10
    legend = nodes["legend"].texts
    assert "grad norm: exploding > 1e3" in legend
    assert "op (ellipse, registered name)" in legend


@needs_dot
def test_gradient_norm_colours_after_backward() -> None:
    tiny = tg.tensor([1.0, 2.0], requires_grad=True)
    huge = tg.tensor([1.0, 2.0], requires_grad=True)
    dead = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (tiny * 1e-9).sum() + (huge * 1e4).sum() + (dead * 0.0).sum()
    loss.backward()
    nodes, _ = parse(draw_graph(loss, params={"tiny": tiny, "huge": huge, "dead": dead},
                                show_grad=True))
    assert BUCKET["vanishing |grad| < 1e-6"] in by_first_line(nodes, "tiny").fills
    assert BUCKET["exploding > 1e3"] in by_first_line(nodes, "huge").fills
    assert BUCKET["grad = 0"] in by_first_line(nodes, "dead").fills
    assert "grad [1e+04, 1e+04]" in by_first_line(nodes, "huge").texts
    # caches were freed by backward: intermediates stay white (the legend says why) rather
    # than show a wrong value; 3 muls, 3 sums and the first add (the second is the output)
    intermediate = [n for n in graph_nodes(nodes).values()
                    if "ellipse" not in n.shapes and n.texts[0] == "(2,) float32"
                    or n.texts[0] == "scalar float32"]
    assert len(intermediate) == 7
    assert all(n.fills == ["#ffffff"] for n in intermediate)
    assert not any(t.startswith("grad") for n in intermediate for t in n.texts)
    assert any("gradient not kept" in t for t in nodes["legend"].texts)


@needs_dot
def test_nan_is_marked_where_it_is_produced() -> None:
    x = tg.tensor([1.0, -1.0, 4.0], requires_grad=True)
    w = tg.tensor(2.0, requires_grad=True)
    y = x.log()          # log(-1) = NaN: this op produced it
    z = (y * w).sum()    # these only carry it along
    nodes, _ = parse(draw_graph(z, params={"x": x, "w": w}))
    drawn = graph_nodes(nodes)
    producers = [n for n in drawn.values() if NAN_FILL in n.fills]
    assert [n.texts[0] for n in producers] == ["log"]
    assert "produced NaN" in producers[0].texts
    assert NAN_BORDER in producers[0].strokes
    holders = [n for n in drawn.values() if "contains NaN" in n.texts]
    # log's output (mul saved it for w's gradient), mul's output (sum keeps its input tensor
    # until backward frees the graph) and the sum
    assert len(holders) == 3
    assert all(NAN_BORDER in n.strokes for n in holders)
    assert NAN_BORDER not in by_first_line(drawn, "x").strokes
    assert "produced the NaN / Inf" in nodes["legend"].texts


@needs_dot
def test_saved_arrays_and_their_bytes() -> None:
    x = tg.randn(3, 4, requires_grad=True)
    w = tg.randn(4, 2, requires_grad=True)
    y = (x @ w).sum()
    show = ("shape", "dtype", "op", "saved")
    nodes, _ = parse(draw_graph(y, show=show))
    matmul = by_first_line(nodes, "matmul")
    assert "saved x (3, 4) float32 48 B" in matmul.texts
    assert "saved y (4, 2) float32 32 B" in matmul.texts
    assert "saved total 80 B" in matmul.texts
    y.backward()
    nodes, _ = parse(draw_graph(y, show=show))
    assert "saved: freed by backward" in by_first_line(nodes, "matmul").texts


@needs_dot
def test_statistics_for_large_tensors() -> None:
    data = np.arange(100, dtype=np.float32) - 20
    x = tg.tensor(data, requires_grad=True)
    nodes, _ = parse(draw_graph((x * 2.0).sum(), params={"x": x}, show_data=True))
    texts = by_first_line(nodes, "x").texts
    norm = np.linalg.norm(data.astype(np.float64))
    assert f"data min -20, mean {data.mean():.4g}, max 79" in texts, texts
    assert f"data norm {norm:.4g}" in texts
    assert "(100,) float32" in texts


@needs_dot
def test_compact_mode_draws_one_box_per_op() -> None:
    loss, names = micrograd_expression()
    nodes, _ = parse(draw_graph(loss, params=names, show=("shape",), legend=False))
    assert len(nodes) == 3 + 4  # ops merged with their results, and the 4 leaves
    assert not any("ellipse" in n.shapes for n in nodes.values())
    assert by_first_line(nodes, "add").texts == ["add", "d", "scalar"]


@needs_dot
def test_module_clusters() -> None:
    model = MLP(16, hidden_sizes=(8, 8), num_classes=3)
    with trace_modules(model):
        loss = nn.functional.cross_entropy(model(tg.randn(4, 16)), tg.tensor([0, 1, 2, 0]))
    nodes, clusters = parse(draw_graph(loss, params=model))
    labels = {texts[0] for texts in clusters.values()}
    assert labels == {"net: Sequential", "net.1: Linear", "net.2: ReLU", "net.3: Linear",
                      "net.4: ReLU", "net.5: Linear"}
    names = {n.texts[0] for n in nodes.values()}
    assert {"net.1.weight", "net.1.bias", "net.5.weight", "nll_loss", "log_softmax"} <= names


@needs_dot
def test_group_modules_collapses_each_module() -> None:
    model = ConvNet(in_channels=1, widths=(4, 8), image_size=8)
    x = tg.randn(2, 1, 8, 8)
    nodes, clusters = parse(draw_graph(model, inputs=x, group_modules=True))
    drawn = graph_nodes(nodes)
    assert not clusters
    assert not any("ellipse" in n.shapes for n in drawn.values())
    assert sorted(n.texts[0] for n in drawn.values()) == sorted(
        [f"features.{b}.{i}" for b in (0, 1) for i in range(4)] +
        [f"classifier.{i}" for i in range(3)])
    conv = by_first_line(drawn, "features.1.0")
    assert conv.texts[1] == "Conv2d"
    assert "out (2, 8, 4, 4)" in conv.texts
    assert "288 params, 1 op" in conv.texts  # 8 x 4 x 3 x 3 weights, no bias
    top, _ = parse(draw_graph(model, inputs=x, group_modules=1, legend=False))
    assert sorted(n.texts[0] for n in top.values()) == ["classifier", "features"]
    assert f"{sum(p.numel() for p in model.features.parameters()):,} params" in " ".join(
        top["m0"].texts + top["m1"].texts)


@needs_dot
def test_jupyter_displays_svg() -> None:
    loss, names = micrograd_expression()
    bundle = draw_graph(loss, params=names)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


# ----------------------------------------------------------------------------- large graphs

def test_ten_thousand_op_chain_draws_fast() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    start = time.perf_counter()
    g = draw_graph(y.sum(), params={"x": x}, max_nodes=100)
    assert time.perf_counter() - start < 15
    assert len(re.findall(r"^\s*op\d+ \[", g.source, flags=re.M)) == 100
    assert "9,901 more ops" in g.source  # 10,001 ops in all (the sum too)
    if shutil.which("dot"):
        nodes, _ = parse(g)
        assert len(graph_nodes(nodes)) == 100 + 100 + 1


def test_ten_thousand_module_calls_collapse_to_one_box() -> None:
    class Step(nn.Module):
        def forward(self, x: tg.Tensor) -> tg.Tensor:
            return x * 1.0001

    class Chain(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.step = Step()

        def forward(self, x: tg.Tensor) -> tg.Tensor:
            for _ in range(10_000):
                x = self.step(x)
            return x

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    start = time.perf_counter()
    g = draw_graph(Chain(), inputs=x, group_modules=True, legend=False)
    assert time.perf_counter() - start < 30
    assert len(re.findall(r"^\s*m\d+ \[", g.source, flags=re.M)) == 1
    assert "10,000 ops" in g.source


# ----------------------------------------------------------------------------- the example

@needs_dot
def test_visualize_graph_example_writes_the_svgs(
        tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "visualize_graph.py"
    monkeypatch.setattr(sys, "argv", ["visualize_graph.py", "--out", str(tmp_path)])
    runpy.run_path(str(example), run_name="__main__")
    printed = capsys.readouterr().out
    assert "x0.grad = 1 + 3 + 3 = 7" in printed
    assert "Total params: 1,922" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "convnet_collapsed.svg", "expression.svg", "mlp_modules.svg", "one_batch.svg"]
    root = ET.parse(tmp_path / "expression.svg").getroot()
    titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(titles) == 3 + 7 + 1  # ops, tensors, legend
    mlp = ET.parse(tmp_path / "mlp_modules.svg").getroot()
    assert sum(g.get("class") == "cluster" for g in mlp.iter(f"{SVG}g")) == 6
    convnet = (tmp_path / "convnet_collapsed.svg").read_text()
    assert "features.1.0" in convnet
    assert "classifier.2" in convnet
    assert "<ellipse" not in convnet  # every op is inside a module box
    batch = (tmp_path / "one_batch.svg").read_text()
    for op in ("conv2d", "relu", "max_pool2d", "linear", "log_softmax", "nll_loss"):
        assert op in batch, op


def test_group_modules_without_module_information_still_honours_max_nodes() -> None:
    y = tg.tensor([1.0], requires_grad=True)
    for _ in range(500):
        y = y + 1.0
    g = draw_graph(y, group_modules=True, max_nodes=50)
    assert "450 more ops" in g.source


def test_values_of_temporaries_come_from_the_saved_arrays() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([3.0, 4.0], requires_grad=True)
    out = ((x + y) * y).sum()  # x + y is gone from Python; mul saved it as its input 0
    g = draw_graph(out, params={"x": x, "y": y}, show_data=True, legend=False)
    assert 'label="(2,) float32\\ndata [4, 6]"' in g.source
    # mul's output is not in a cache, but sum keeps its input tensor (for create_graph=True)
    # until backward frees the graph
    assert 'label="(2,) float32\\ndata [12, 24]"' in g.source
    assert 'label="output\\nscalar float32\\ndata 36"' in g.source
    out.backward()  # caches and kept inputs are released: no values left to show
    freed = draw_graph(out, show_data=True, legend=False).source
    assert "data [12, 24]" not in freed
    assert "data [4, 6]" not in freed
