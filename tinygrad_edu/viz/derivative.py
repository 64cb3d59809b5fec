"""How ``draw_graph`` shows a derivative's own graph: the nodes ``create_graph=True`` made.

``autograd.grad(y, x, create_graph=True)`` does not only return numbers: the engine runs each
op's backward as Tensor operations (``autograd/higher.py``), so the gradient has a graph of
its own, made of ops like any other, that can be differentiated again. Drawn plainly, that
graph looks like more forward computation. Here its ops are set apart: filled by derivative
order (pink for the graph of a first derivative, violet for a second, blue for a third or
higher), outlined dashed, and labelled with the op whose backward made them ("from grad of
'tanh'"); the tensors they produce get the same dashed outline, the edges into them the
order's colour, and the legend says what the colours mean. Ops of the forward computation
keep their usual look, so a student sees where the forward ends and the derivative begins.

The information comes from the engine (``autograd.higher.derived``), which marks every node a
``create_graph`` walk made with its order and the op it differentiates.
"""

from __future__ import annotations

from typing import Any

from ..autograd.higher import Derived, derived

__all__ = ["ORDER_BORDER", "ORDER_FILL", "edge_attrs", "legend_rows", "style_op",
           "style_tensor"]

ORDER_FILL = {1: "#fbcfe8", 2: "#ddd6fe", 3: "#bae6fd"}     # op fill by derivative order
ORDER_BORDER = {1: "#be185d", 2: "#6d28d9", 3: "#0369a1"}   # outline and edge colour
TENSOR_FILL = {1: "#fdf2f8", 2: "#f5f3ff", 3: "#f0f9ff"}    # fill of the tensors they make
ORDER_TEXT = {1: "first derivative's graph", 2: "second derivative's graph",
              3: "third (or higher) derivative's graph"}


def _order(node: Any) -> tuple[int, Derived] | None:
    info = derived(node)
    return None if info is None else (min(info.order, 3), info)


def style_op(item: Any, node: Any) -> None:
    """An op (ellipse, or a compact result box) made by a ``create_graph`` walk: the order's
    fill, a dashed outline, and a line naming the op whose backward made it."""
    found = _order(node)
    if found is None:
        return
    k, info = found
    item.lines.append(f"from grad of {info.of!r}")
    style = "rounded,filled,dashed" if item.attrs.get("shape") == "box" else "filled,dashed"
    item.attrs.update(fillcolor=ORDER_FILL[k], color=ORDER_BORDER[k], penwidth="1.6",
                      style=style)
    item.legend.add(f"deriv{k}")


def style_tensor(item: Any, node: Any, keep_fill: bool) -> None:
    """A tensor made by such an op: dashed outline in the order's colour (and a light fill
    of it, unless the fill shows something else, e.g. the gradient's norm)."""
    found = _order(node)
    if found is None:
        return
    k, _ = found
    item.attrs.update(color=ORDER_BORDER[k], penwidth="1.6", style="rounded,filled,dashed")
    if not keep_fill:
        item.attrs["fillcolor"] = TENSOR_FILL[k]
    item.legend.add(f"deriv{k}")


def edge_attrs(node: Any) -> dict[str, str]:
    """Edges into an op of a derivative's graph take the order's colour."""
    found = _order(node)
    return {} if found is None else {"color": ORDER_BORDER[found[0]]}


def legend_rows(used: set[str]) -> list[tuple[str, str, str]]:
    """(fill, border, text) for each derivative order that appears in the drawing."""
    return [(ORDER_FILL[k], ORDER_BORDER[k],
             f"dashed: op/tensor of the {ORDER_TEXT[k]} (made by create_graph=True)")
            for k in (1, 2, 3) if f"deriv{k}" in used]
