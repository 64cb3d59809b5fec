"""Draw the computation graph with graphviz: tensors, ops, gradients, modules.

``draw_graph(output)`` returns a ``graphviz.Digraph`` (the ``viz`` extra). Building it and
saving its ``.dot`` source needs only the python package; turning it into SVG/PNG/PDF needs
the graphviz program ``dot``, and a missing ``dot`` raises an error that says how to install
it. In Jupyter the returned object displays inline as SVG.

The picture has one box per tensor (named parameters and inputs on the left, the output on the
right) and one ellipse per op, labelled with the op's registered name. The graph of a gradient
taken with ``create_graph=True`` (a derivative's own graph) is drawn apart, by derivative order
(``derivative.py``). Optional extras:
values and gradients (the micrograd picture), statistics of large tensors, gradient-norm
colours, NaN/Inf marks, the arrays each op saved for backward, and module clusters or one box
per module for real models.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import autograd
from ..autograd import Node
from ..nn.module import Module
from ..tensor import Tensor
from . import derivative, walk

try:
    import graphviz
except ImportError:  # pragma: no cover - depends on the environment
    graphviz = None  # importing works (doctest collection); draw_graph says what to install

Array = NDArray[Any]
GRAPHVIZ_MISSING = ("tinygrad_edu.viz.draw_graph needs the graphviz python package: install the "
                    "viz extra, e.g. pip install -e \".[viz]\" (or pip install graphviz); "
                    "rendering also needs the graphviz program `dot`")
_Digraph: Any = graphviz.Digraph if graphviz is not None else object
_NotFound: Any = graphviz.ExecutableNotFound if graphviz is not None else RuntimeError

__all__ = ["DOT_INSTALL_HINT", "DotNotFoundError", "GraphDrawing", "draw_graph", "grad_bucket"]

DOT_INSTALL_HINT = (
    "the graphviz program `dot` was not found on PATH. Install it with your system's package "
    "manager: Debian/Ubuntu `sudo apt-get install graphviz`, Fedora `sudo dnf install "
    "graphviz`, macOS `brew install graphviz`, conda `conda install -c conda-forge graphviz`, "
    "Windows: the installer from https://graphviz.org/download/ (add it to PATH). Without it "
    "you can still build the graph and save its source: drawing.source, drawing.save('g.dot').")


class DotNotFoundError(_NotFound):  # type: ignore[misc]
    """Rendering needs the graphviz program ``dot``, which is not installed.

    A ``graphviz.ExecutableNotFound`` (so code written for graphviz still catches it) whose
    message says how to install the program.
    """

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)  # graphviz's __init__ expects the command line


class GraphDrawing(_Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` whose rendering errors say how to install ``dot``.

    ``write(path)`` saves by file suffix: ``.dot``/``.gv`` writes the source (no program
    needed), anything else (``.svg``, ``.png``, ``.pdf``) renders with ``dot``.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - graphviz's method
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            raise DotNotFoundError(DOT_INSTALL_HINT) from exc

    def render(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - graphviz's method
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            raise DotNotFoundError(DOT_INSTALL_HINT) from exc

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)  # type: ignore[no-any-return]
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"<graph of {len(self.body)} lines; {DOT_INSTALL_HINT}>"}

    def write(self, path: str | Path) -> Path:
        """Save the drawing; the suffix picks the format (``.dot``, ``.svg``, ``.png``, ...)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = path.suffix.lstrip(".").lower()
        if fmt in ("dot", "gv", ""):
            path.write_text(self.source, encoding="utf-8")
        else:
            path.write_bytes(self.pipe(format=fmt))
        return path


# ----------------------------------------------------------------------------- styles

FONT = "Helvetica"
FILL = {
    "param": "#dbeafe",      # named / trainable leaves: light blue
    "input": "#f3f4f6",      # leaves that need no gradient: grey
    "tensor": "#ffffff",     # intermediate results: white
    "output": "#dcfce7",     # the output: light green
    "op": "#fef3c7",         # ops: light amber
    "module": "#e0e7ff",     # a collapsed module: lavender
    "more": "#ffffff",
}
NAN_BORDER = "#dc2626"       # red border: this tensor holds NaN or Inf
NAN_FILL = "#fca5a5"         # red fill: this op produced the first NaN/Inf
GRAD_BUCKETS = (             # (upper bound of the L2 norm, colour, legend text)
    (0.0, "#e5e7eb", "grad = 0"),
    (1e-6, "#93c5fd", "vanishing |grad| < 1e-6"),
    (1e-3, "#bfdbfe", "small 1e-6 .. 1e-3"),
    (1e1, "#bbf7d0", "healthy 1e-3 .. 10"),
    (1e3, "#fde68a", "large 10 .. 1e3"),
    (float("inf"), "#fb923c", "exploding > 1e3"),
)
COMMUTATIVE = frozenset({"add", "mul", "maximum", "minimum"})
SMALL = 4                    # tensors with at most this many numbers show them all


def grad_bucket(norm: float) -> tuple[str, str]:
    """(fill colour, legend text) for a gradient of L2 norm ``norm``."""
    if not np.isfinite(norm):
        return NAN_FILL, "NaN / Inf"
    for bound, colour, text in GRAD_BUCKETS:
        if norm <= bound:
            return colour, text
    return GRAD_BUCKETS[-1][1], GRAD_BUCKETS[-1][2]


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _num(v: float) -> str:
    return f"{v:.4g}"


def _shape(shape: tuple[int, ...]) -> str:
    return "scalar" if shape == () else str(tuple(shape))


def _values(prefix: str, a: Array, stats: bool) -> list[str]:
    """``data 2.5`` for small tensors; min/mean/max and the norm for large ones."""
    if a.size == 0:
        return [f"{prefix} (empty)"]
    if a.size <= SMALL and not stats:
        flat = a.reshape(-1)
        body = _num(flat[0]) if a.ndim == 0 or a.size == 1 else (
            "[" + ", ".join(_num(v) for v in flat) + "]")
        return [f"{prefix} {body}"]
    x = a.astype(np.float64, copy=False)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return [f"{prefix}: no finite values"]
    return [f"{prefix} min {_num(finite.min())}, mean {_num(finite.mean())}, max "
            f"{_num(finite.max())}", f"{prefix} norm {_num(float(np.linalg.norm(finite)))}"]


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KB" if n < 1024 ** 2 else f"{n / 1024 ** 2:.1f} MB"


def _nonfinite(a: Array | None) -> str:
    if a is None or a.dtype.kind not in "fc":
        return ""
    if np.isnan(a).any():
        return "NaN"
    return "Inf" if np.isinf(a).any() else ""


# ----------------------------------------------------------------------------- what to draw

@dataclass
class Item:
    """One box or ellipse of the drawing, before it is written as DOT."""

    name: str
    lines: list[str]
    attrs: dict[str, str]
    legend: set[str] = field(default_factory=set)  # legend rows this item needs


@dataclass
class Options:
    """draw_graph's arguments, resolved."""

    show: frozenset[str]
    show_data: bool
    show_grad: bool
    names: dict[int, str]
    group: int | None  # None: no collapse; 0: innermost module; k: depth k


@dataclass
class Scene:
    """Everything known about the graph, and the items and edges to draw."""

    roots: list[Tensor]
    nodes: list[Node]
    leaves: list[Tensor]
    values: dict[int, Array]
    grads: dict[int, Array]
    tainted: set[int] = field(default_factory=set)
    limit: int = 0  # how many of ``nodes`` (nearest the output first) are drawn
    items: dict[str, Item] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    @property
    def used(self) -> set[str]:
        """Legend rows needed by the items drawn."""
        return set().union(*(item.legend for item in self.items.values()))


def _names(params: Any) -> tuple[dict[int, str], list[Tensor]]:
    """``id(tensor or node) -> name`` from a Module, a mapping or (name, tensor) pairs."""
    if params is None:
        return {}, []
    if isinstance(params, Module):
        pairs: Iterable[tuple[str, Any]] = params.named_parameters()
    elif isinstance(params, Mapping):
        pairs = params.items()
    else:
        pairs = params
    names: dict[int, str] = {}
    tensors: list[Tensor] = []
    for name, t in pairs:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: params must map names to Tensors, got "
                            f"{type(t).__name__} for {name!r}")
        names.setdefault(id(t.grad_fn) if t.grad_fn is not None else id(t), str(name))
        tensors.append(t)
    return names, tensors


def _roots(output: Any) -> list[Tensor]:
    roots = walk.tensors_in(output)
    if not roots:
        raise TypeError(f"draw_graph: expected a Tensor (or a tuple of Tensors), got "
                        f"{type(output).__name__}")
    return roots


# ----------------------------------------------------------------------------- tensors and ops

def _tensor_item(opt: Options, key: str, data: Array | None,
                 meta: tuple[tuple[int, ...], Any], kind: str, title: str,
                 grad: Array | None) -> Item:
    """A tensor's box: name, shape and dtype, values or statistics, gradient, NaN mark."""
    lines = [title] if title else []
    desc = " ".join(p for p, on in ((_shape(meta[0]), "shape" in opt.show),
                                    (meta[1].name, "dtype" in opt.show)) if on)
    if desc:
        lines.append(desc)
    if data is not None and (opt.show_data or "stats" in opt.show):
        lines += _values("data", data, stats="stats" in opt.show and data.size > 1)
    item = Item(key, lines, {"shape": "box", "style": "rounded,filled", "fillcolor": FILL[kind]},
                {kind})
    if opt.show_grad:
        _grad_style(item, grad, kind)
    bad = _nonfinite(data)
    if bad:
        lines.append(f"contains {bad}")
        item.attrs.update(color=NAN_BORDER, penwidth="2.5")
        item.legend.add("nan")
    if kind == "output":
        item.attrs["peripheries"] = "2"
    return item


def _grad_style(item: Item, grad: Array | None, kind: str) -> None:
    if grad is None:  # white, and one legend row says why, instead of a line on every box
        if kind != "input":
            item.attrs["fillcolor"] = "#ffffff"
            item.legend.add("nograd")
        return
    item.lines += _values("grad", grad, stats=False)
    norm = float(np.linalg.norm(grad.astype(np.float64, copy=False).reshape(-1)))
    item.attrs["fillcolor"] = grad_bucket(norm)[0]
    if kind == "param":  # the kind still shows, as a blue border
        item.attrs.update(color="#1d4ed8", penwidth="2")


def _op_item(scene: Scene, opt: Options, node: Node, key: str) -> Item:
    lines = [node.op.name]
    if "saved" in opt.show:
        lines += _saved_lines(node)
    item = Item(key, lines, {"shape": "ellipse", "style": "filled", "fillcolor": FILL["op"]},
                {"op"})
    derivative.style_op(item, node)  # an op of a derivative's graph (create_graph=True)
    if _produced_nonfinite(scene, node):
        lines.append(f"produced {_nonfinite(scene.values.get(id(node)))}")
        item.attrs.update(fillcolor=NAN_FILL, color=NAN_BORDER, penwidth="3")
        item.legend.add("nan_op")
    return item


def _saved_lines(node: Node) -> list[str]:
    """``saved x (3, 4) float32 48 B`` per cache array, then the total."""
    if autograd.is_freed(node):
        return ["saved: freed by backward"]
    cache = node.cache
    if not isinstance(cache, tuple):
        return [f"saved: {type(cache).__name__}"]
    names = getattr(cache, "_fields", None) or [f"#{i}" for i in range(len(cache))]
    lines, total = [], 0
    for name, value in zip(names, cache, strict=False):
        if isinstance(value, np.ndarray):
            total += value.nbytes
            lines.append(f"saved {name} {_shape(value.shape)} {value.dtype} "
                         f"{_bytes(value.nbytes)}")
    return lines + [f"saved total {_bytes(total)}"] if lines else ["saved: nothing"]


def _produced_nonfinite(scene: Scene, node: Node) -> bool:
    """The op's output holds NaN/Inf and no input may hold one (see ``_tainted``)."""
    if not _nonfinite(scene.values.get(id(node))):
        return False
    return not any(
        (id(e) in scene.tainted) if isinstance(e, Node) else bool(_nonfinite(e.numpy(force=True)))
        for e in node.edges if e is not None)


def _tainted(roots: list[Tensor], values: dict[int, Array]) -> set[int]:
    """Nodes whose output holds NaN/Inf, or whose value is unknown and an input is tainted.

    Inputs are handled before the ops that use them, so an op is blamed for a NaN only when
    none of its inputs could have brought it in.
    """
    tainted: set[int] = set()
    seen: set[int] = set()
    for root in roots:
        if root.grad_fn is None:
            continue
        for node in reversed(autograd.toposort(root.grad_fn)):
            if id(node) in seen:
                continue
            seen.add(id(node))
            value = values.get(id(node))
            if _nonfinite(value) or (value is None and any(
                    (id(e) in tainted) if isinstance(e, Node)
                    else bool(_nonfinite(e.numpy(force=True)))
                    for e in node.edges if e is not None)):
                tainted.add(id(node))
    return tainted


# ----------------------------------------------------------------------------- building

def _leaf_kind(scene: Scene, opt: Options, leaf: Tensor) -> tuple[str, str]:
    name = opt.names.get(id(leaf), "")
    if any(leaf is r for r in scene.roots):
        return "output", name or "output"
    if leaf.requires_grad:
        return "param", name or "leaf"
    return "input", name or "input"


def _build(scene: Scene, opt: Options, keep: list[Node], cut: int) -> None:
    """Items for the drawn ops, their results and the leaves, and the edges between them."""
    root_ids = {id(r.grad_fn) for r in scene.roots if r.grad_fn is not None}
    compact = "op" not in opt.show
    for k, node in enumerate(keep):
        _node_items(scene, opt, node, k, compact, id(node) in root_ids)
    for j, leaf in enumerate(scene.leaves):
        kind, title = _leaf_kind(scene, opt, leaf)
        scene.items[f"leaf{j}"] = _tensor_item(
            opt, f"leaf{j}", leaf.numpy(force=True), (leaf.shape, leaf.dtype), kind, title,
            scene.grads.get(id(leaf)) if leaf.grad is None else leaf.grad.numpy(force=True))
    _input_edges(scene, keep, compact)
    if cut:
        scene.items["more"] = Item("more", [f"... {cut:,} more ops",
                                            "(raise max_nodes to see them)"],
                                   {"shape": "note", "style": "filled", "fillcolor": FILL["more"]})


def _input_edges(scene: Scene, keep: list[Node], compact: bool) -> None:
    """An edge from each input to the op; inputs of non-commutative ops say which they are."""
    index = {id(n): k for k, n in enumerate(keep)}
    leaf_key = {id(leaf): f"leaf{j}" for j, leaf in enumerate(scene.leaves)}
    for k, node in enumerate(keep):
        ordered = sum(e is not None for e in node.edges) > 1 and node.op.name not in COMMUTATIVE
        for i, edge in enumerate(node.edges):
            if edge is None:
                continue
            if not isinstance(edge, Node):
                tail = leaf_key[id(edge)]
            elif id(edge) in index:
                tail = f"{'op' if compact else 't'}{index[id(edge)]}"
            else:
                tail = "more"
            attrs = {"label": f"in {i}", "fontsize": "8", "fontcolor": "#6b7280"} if ordered else {}
            attrs.update(derivative.edge_attrs(node))
            scene.edges.setdefault((tail, f"op{k}"), attrs)


def _node_items(scene: Scene, opt: Options, node: Node, k: int, compact: bool,
                is_root: bool) -> None:
    value = scene.values.get(id(node))
    grad = _node_grad(scene, node)
    name = opt.names.get(id(node), "")
    kind = "output" if is_root else "tensor"
    title = name or ("output" if is_root else "")
    if compact:
        item = _tensor_item(opt, f"op{k}", value, (node.shape, node.dtype), kind,
                            title, grad)
        op = _op_item(scene, opt, node, f"op{k}")
        item.lines = op.lines + item.lines
        item.legend |= op.legend - {"op"}
        if op.attrs["fillcolor"] == NAN_FILL:
            item.attrs.update(op.attrs, shape="box", style="rounded,filled")
        else:
            derivative.style_tensor(item, node, keep_fill=opt.show_grad or is_root)
        scene.items[item.name] = item
        return
    scene.items[f"op{k}"] = _op_item(scene, opt, node, f"op{k}")
    scene.items[f"t{k}"] = _tensor_item(opt, f"t{k}", value, (node.shape, node.dtype),
                                        kind, title, grad)
    derivative.style_tensor(scene.items[f"t{k}"], node, keep_fill=opt.show_grad or is_root)
    scene.edges[(f"op{k}", f"t{k}")] = derivative.edge_attrs(node)


def _node_grad(scene: Scene, node: Node) -> Array | None:
    kept = node.retain() if node.retain is not None else None
    if kept is not None and kept.grad is not None:
        return kept.grad.numpy(force=True)
    return scene.grads.get(id(node))


# ----------------------------------------------------------------------------- modules

ClusterKey = tuple[int, str]  # (which traced model, dotted module path)


def _module_keys(scene: Scene, keep: list[Node], opt: Options
                 ) -> tuple[dict[str, ClusterKey], list[walk.ModuleTrace]]:
    """Which module each item belongs to (innermost traced module; "" is the model itself)."""
    traces: list[walk.ModuleTrace] = []
    where: dict[str, ClusterKey] = {}
    for k, node in enumerate(keep):
        found = walk.NODE_MODULE.get(node)
        if found is None:
            continue
        trace, path = found
        if not any(trace is t for t in traces):
            traces.append(trace)
        ti = next(i for i, t in enumerate(traces) if t is trace)
        where[f"op{k}"] = where[f"t{k}"] = (ti, path)
    for j, leaf in enumerate(scene.leaves):
        for ti, trace in enumerate(traces):
            if id(leaf) in trace.param_owner:
                where[f"leaf{j}"] = (ti, trace.param_owner[id(leaf)])
                if id(leaf) not in opt.names:
                    scene.items[f"leaf{j}"].lines[0] = trace.param_name[id(leaf)]
                break
    return where, traces


def _group_key(path: str, depth: int) -> str:
    return path if depth == 0 else ".".join(path.split(".")[:depth])


def _collapse(scene: Scene, opt: Options, where: dict[str, ClusterKey],
              traces: list[walk.ModuleTrace]) -> None:
    """Replace each module's items by one box; edges between modules stay, inner ones go."""
    depth = opt.group or 0
    target: dict[str, str] = {}
    groups: dict[ClusterKey, str] = {}
    for name in list(scene.items):
        if name not in where or where[name][1] == "":
            continue
        ti, path = where[name]
        key = (ti, _group_key(path, depth))
        if key not in groups:
            groups[key] = f"m{len(groups)}"
        target[name] = groups[key]
    members: dict[str, list[Item]] = {}
    for name, group in target.items():
        members.setdefault(group, []).append(scene.items.pop(name))
    for (ti, path), group in groups.items():
        scene.items[group] = _module_item(scene, opt, traces[ti], path, group, members[group])
    edges: dict[tuple[str, str], dict[str, str]] = {}
    for (tail, head), attrs in scene.edges.items():
        a, b = target.get(tail, tail), target.get(head, head)
        if a != b:
            edges.setdefault((a, b), {} if (a, b) != (tail, head) else attrs)
    scene.edges = edges


def _module_item(scene: Scene, opt: Options, trace: walk.ModuleTrace, path: str, name: str,
                 members: list[Item]) -> Item:
    info = trace.modules[path]
    inner = [m for p, m in trace.modules.items() if p == path or p.startswith(path + ".")]
    count = sum(m.num_params for m in inner)
    lines = [path, info.kind]
    if info.out_shape is not None and "shape" in opt.show:
        lines.append("out " + _shape(info.out_shape))
    ops = sum(m.name.startswith("op") for m in members)
    lines.append(f"{count:,} params, {ops:,} op{'s' if ops != 1 else ''}")
    item = Item(name, lines, {"shape": "box3d", "style": "filled",
                              "fillcolor": FILL["module"]}, {"module"})
    if opt.show_grad:
        _module_grad(scene, trace, path, item)
    if any("nan_op" in m.legend for m in members):
        lines.append("produced NaN/Inf inside")
        item.attrs.update(fillcolor=NAN_FILL, color=NAN_BORDER, penwidth="3")
        item.legend.add("nan_op")
    return item


def _module_grad(scene: Scene, trace: walk.ModuleTrace, path: str, item: Item) -> None:
    grads = [leaf.grad.numpy(force=True) for leaf in scene.leaves if leaf.grad is not None
             and (trace.param_owner.get(id(leaf), "\0") + ".").startswith(path + ".")]
    if grads:
        norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads)))
        item.lines.append(f"param grad norm {_num(norm)}")
        item.attrs["fillcolor"] = grad_bucket(norm)[0]


# ----------------------------------------------------------------------------- DOT output

def _label(lines: list[str]) -> str:
    return "\\n".join(_esc(line) for line in lines)


def _emit_items(graph: Any, items: list[Item]) -> None:
    for item in items:
        graph.node(item.name, _label(item.lines), **item.attrs)


def _cluster_tree(scene: Scene, where: dict[str, ClusterKey]
                  ) -> tuple[list[Item], dict[ClusterKey, list[Item]],
                             dict[ClusterKey | None, list[ClusterKey]]]:
    """Items outside any module, items per module, and each module's child modules."""
    outside: list[Item] = []
    inside: dict[ClusterKey, list[Item]] = {}
    children: dict[ClusterKey | None, list[ClusterKey]] = {}
    for item in scene.items.values():
        key = where.get(item.name)
        if key is None or key[1] == "":
            outside.append(item)
            continue
        inside.setdefault(key, []).append(item)
        parts = key[1].split(".")
        for d in range(len(parts), 0, -1):  # register every enclosing module once
            child = (key[0], ".".join(parts[:d]))
            parent = (key[0], ".".join(parts[:d - 1])) if d > 1 else None
            if child in children.get(parent, []):
                break
            children.setdefault(parent, []).append(child)
    return outside, inside, children


def _emit_clusters(graph: Any, scene: Scene, where: dict[str, ClusterKey],
                   traces: list[walk.ModuleTrace]) -> None:
    """Items inside nested ``cluster_`` subgraphs, one per module, outside ones at top level."""
    outside, inside, children = _cluster_tree(scene, where)
    _emit_items(graph, outside)
    counter = [0]

    def emit(parent_graph: Any, key: ClusterKey) -> None:  # depth = module nesting, small
        counter[0] += 1
        info = traces[key[0]].modules[key[1]]
        with parent_graph.subgraph(name=f"cluster_{counter[0]}") as sub:
            sub.attr(label=f"{key[1]}: {info.kind}", style="rounded,dashed", color="#6366f1",
                     fontcolor="#4338ca", fontsize="10", labeljust="l")
            _emit_items(sub, inside.get(key, []))
            for child in children.get(key, []):
                emit(sub, child)

    for top in children.get(None, []):
        emit(graph, top)


LEGEND = (  # (kind, text); the swatch is the kind's fill colour
    ("param", "parameter / leaf that needs grad"),
    ("input", "input (no grad)"),
    ("tensor", "intermediate tensor"),
    ("output", "output (double border)"),
    ("op", "op (ellipse, registered name)"),
    ("module", "module (collapsed, 3-D box)"),
)


def _legend_rows(scene: Scene, opt: Options) -> list[tuple[str, str, str]]:
    """(fill, border colour, text) per legend row, for the kinds that appear."""
    rows = []
    used = scene.used
    for kind, text in LEGEND:
        if kind in used:
            recoloured = opt.show_grad and kind != "op"  # fills show gradient norms instead
            border = "#1d4ed8" if recoloured and kind == "param" else "#000000"
            text = text + (" (blue border)" if border != "#000000" else "")
            rows.append(("#ffffff" if recoloured else FILL[kind], border, text))
    rows += derivative.legend_rows(used)
    if "nan" in used:
        rows.append(("#ffffff", NAN_BORDER, "holds NaN / Inf (red border)"))
    if "nan_op" in used:
        rows.append((NAN_FILL, NAN_BORDER, "produced the NaN / Inf"))
    if opt.show_grad:
        rows += [(colour, "#000000", "grad norm: " + text) for _, colour, text in GRAD_BUCKETS]
    if "nograd" in used:
        rows.append(("#ffffff", "#000000", "white: gradient not kept (draw before backward, or "
                     "backward(retain_graph=True))"))
    return rows


def _legend(graph: Any, scene: Scene, opt: Options) -> None:
    """One node holding a table of colour swatches (compact, and it never moves the graph)."""
    cells = "".join(
        f'<TR><TD BGCOLOR="{fill}" COLOR="{border}" WIDTH="18"> </TD>'
        f'<TD ALIGN="LEFT" BORDER="0">{html.escape(text)}</TD></TR>'
        for fill, border, text in _legend_rows(scene, opt))
    table = ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="3" CELLPADDING="2">'
             f'<TR><TD COLSPAN="2" BORDER="0"><B>legend</B></TD></TR>{cells}</TABLE>>')
    graph.node("legend", table, shape="plaintext", fontsize="9")


def _emit(scene: Scene, opt: Options, rankdir: str, legend: bool, title: str | None,
          where: dict[str, ClusterKey], traces: list[walk.ModuleTrace]) -> GraphDrawing:
    graph = GraphDrawing(
        name="tinygrad_edu",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "11", "nodesep": "0.25",
                    "ranksep": "0.35", "labelloc": "t",
                    **({"label": _esc(title)} if title else {})},
        node_attr={"fontname": FONT, "fontsize": "10", "height": "0.3",
                   "margin": "0.1,0.04"},
        edge_attr={"arrowsize": "0.6", "color": "#4b5563", "fontname": FONT})
    if opt.group is None:
        _emit_clusters(graph, scene, where, traces)
    else:
        _emit_items(graph, list(scene.items.values()))
    for (tail, head), attrs in scene.edges.items():
        graph.edge(tail, head, **attrs)
    if legend:
        _legend(graph, scene, opt)
    return graph


# ----------------------------------------------------------------------------- draw_graph

SHOW_FIELDS = frozenset({"shape", "dtype", "op", "stats", "saved"})


def draw_graph(output: Any, params: Any = None, show: Sequence[str] = ("shape", "dtype", "op"),
               show_data: bool = False, show_grad: bool = False, rankdir: str = "LR",
               max_nodes: int = 300, group_modules: bool | int = False, *,
               inputs: Any = None, legend: bool = True, title: str | None = None
               ) -> GraphDrawing:
    """Draw how ``output`` was computed: one box per tensor, one ellipse per op.

    Args:
        output: the Tensor to explain (or a tuple of them). A ``Module`` together with
            ``inputs`` runs the forward under ``trace_modules`` and draws its output.
        params: names for tensors: ``dict(model.named_parameters())``, a ``Module``, any
            ``{name: tensor}`` mapping (intermediate tensors may be named too) or pairs.
        show: label fields. ``"shape"``, ``"dtype"``; ``"op"`` draws ops as their own nodes
            (leave it out for a compact picture where each result box names its op);
            ``"stats"`` min/mean/max and norm of every tensor; ``"saved"`` the arrays each
            op saved for backward, with their bytes.
        show_data: values (tensors of up to 4 numbers) or statistics (larger ones).
        show_grad: gradients the same way, and fill colours by gradient norm (see the
            legend). Leaves show ``.grad``; other tensors get d(output)/d(tensor) recomputed
            from the saved caches, which needs them alive: draw before ``backward()`` or
            after ``backward(retain_graph=True)``. A non-scalar output is seeded with ones.
        rankdir: graphviz layout direction, ``"LR"`` (inputs left) or ``"TB"``.
        max_nodes: draw at most this many ops (the ones nearest the output); the rest
            become one "... more ops" note. Not applied when modules are collapsed.
        group_modules: with module information (see ``output`` and ``trace_modules``):
            ``False`` draws each module as a dashed cluster, ``True`` collapses every
            innermost module to one box, an int ``k`` collapses at nesting depth ``k``.
        inputs: the model's input(s) when ``output`` is a Module.
        legend: add a legend of the colours and shapes used.
        title: a caption above the graph.

    Returns:
        A ``graphviz.Digraph`` (``.source`` without ``dot``; ``.write("g.svg")``,
        ``.render()``, Jupyter display with it).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.viz import draw_graph
        >>> a = tg.tensor(2.0, requires_grad=True)
        >>> b = tg.tensor(-3.0, requires_grad=True)
        >>> g = draw_graph(a * b + a, params={"a": a, "b": b}, show_data=True, legend=False)
        >>> print(sum(line.count("label=") for line in g.body))  # 2 ops + 4 tensors
        6
    """
    if graphviz is None:
        raise ImportError(GRAPHVIZ_MISSING)
    if isinstance(output, Module):
        return _draw_model(output, inputs, params=params, show=show, show_data=show_data,
                           show_grad=show_grad, rankdir=rankdir, max_nodes=max_nodes,
                           group_modules=group_modules, legend=legend, title=title)
    unknown = set(show) - SHOW_FIELDS
    if unknown:
        raise ValueError(f"draw_graph: unknown show field(s) {sorted(unknown)}; choose from "
                         f"{sorted(SHOW_FIELDS)}")
    roots = _roots(output)
    names, named = _names(params)
    group = None if group_modules is False else (0 if group_modules is True else
                                                 int(group_modules))
    opt = Options(frozenset(show), show_data, show_grad, names, group)
    scene = _scene(roots, named, opt, max_nodes)
    keep = scene.nodes[:scene.limit]
    _build(scene, opt, keep, len(scene.nodes) - len(keep))
    where, traces = _module_keys(scene, keep, opt)
    if group is not None:
        _collapse(scene, opt, where, traces)
    return _emit(scene, opt, rankdir, legend, title, where, traces)


def _scene(roots: list[Tensor], named: list[Tensor], opt: Options, max_nodes: int) -> Scene:
    nodes, leaves = walk.bfs_nodes([r.grad_fn for r in roots if r.grad_fn is not None])
    # collapsed modules keep big models small; without module information, max_nodes does
    grouped = opt.group is not None and any(n in walk.NODE_MODULE for n in nodes)
    limit = len(nodes) if grouped else max_nodes
    keep = nodes[:limit]
    if len(keep) < len(nodes):  # only the leaves that the drawn ops use
        used = {id(e) for n in keep for e in n.edges if e is not None}
        leaves = [leaf for leaf in leaves if id(leaf) in used]
    leaves += [r for r in roots if r.grad_fn is None and not any(r is x for x in leaves)]
    values = walk.node_values(keep, roots, named, scan_live=opt.show_data and len(keep) <= 500)
    grads: dict[int, Array] = {}
    if opt.show_grad and roots[0].grad_fn is not None:
        grads = walk.replay_backward(roots[0])[0]
    return Scene(roots, nodes, leaves, values, grads, _tainted(roots, values), limit)


def _draw_model(model: Module, inputs: Any, **kwargs: Any) -> GraphDrawing:
    from ..autograd import enable_grad
    from ..tensor.creation import tensor

    if inputs is None:
        raise TypeError("draw_graph(model, inputs=x): pass the input(s) to run the model on")
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    args = tuple(a if isinstance(a, Tensor) else tensor(a) for a in args)
    with enable_grad(), walk.trace_modules(model):
        out = model(*args)
    if kwargs.get("params") is None:
        kwargs["params"] = model
    return draw_graph(out, **kwargs)
