"""Gradients of gradients: the backward walk of ``create_graph=True``.

The first-order walk (``engine.walk``) runs each op's numpy ``backward(dout, cache)``: fast,
and the lesson, but its result is a plain array that remembers nothing. To differentiate a
gradient again (a gradient penalty, d2u/dx2 in a physics-informed loss, a Hessian-vector
product), the gradient itself must be a graph. This walk visits the same nodes in the same
order, but for each node it runs the op's *differentiable* backward, ``op.grad(ctx, dout)``:
the same formula written with Tensor operations on the op's input Tensors, recorded like any
forward computation. For ``mul`` that is two lines::

    def mul_grad(ctx, dout):
        x, y = ctx.inputs
        return dout * y, dout * x

``dout * y`` is a new graph node whose inputs are ``dout`` (itself a graph when the walk is
nested) and ``y``, so the gradient can be differentiated with respect to ``x`` and ``y``
again, to any order. An op whose backward is another registered op says so with
``ctx.apply(name, ...)``; an op with no differentiable backward stops the walk with an error
that names it: never a silent zero or a detached gradient.

An ``autograd.Function``'s node carries its own differentiable backward (the user's
``backward`` run with recording on, ``function.py``); it reads the node itself (the ctx and
its saved tensors) rather than the node's inputs.

For the tools: while a node's differentiable backward runs, the node is on
``anomaly.DEBUG.during``, so that ops recorded under anomaly mode or ``record_ops`` know which
op's backward made them; and each walk marks the nodes it made (``derived``: the derivative's
order and the op they differentiate), which ``viz.draw_graph`` uses to draw a derivative's own
graph apart from the forward one.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from ..ops.registry import OPS, OpDef
from .anomaly import DEBUG, OpRecord, check_backward, node_origin
from .engine import FREED, _check_versions, toposort
from .grad_mode import enable_grad
from .graph import GraphTensor, Node, OutputGrads, apply_op

__all__ = ["Derived", "GradContext", "derived", "seeds_only", "walk_graph"]


class Derived(NamedTuple):
    """Where a node of a derivative's graph came from (see ``derived``).

    Attributes:
        order: 1 for a node of a first derivative's graph (made by a ``create_graph`` walk
            over a forward graph), 2 for one made by a walk over a graph that holds such
            nodes (a second derivative's graph), and so on.
        of: the registered name of the op whose differentiable backward made the node.
        origin: that op's ``OpRecord`` (its user's line) when it was recorded under anomaly
            mode or a recorder, else None.
    """

    order: int
    of: str
    origin: OpRecord | None


#: the nodes each create_graph walk made; weak keys: an entry lives as long as its node
_DERIVED: weakref.WeakKeyDictionary[Node, Derived] = weakref.WeakKeyDictionary()


def derived(node: Any) -> Derived | None:
    """``Derived`` for a node made by a ``create_graph=True`` backward walk, else None.

    ``viz.draw_graph`` uses it to draw a derivative's own graph apart from the forward one.
    """
    return _DERIVED.get(node) if isinstance(node, Node) else None


def _mark(results: Any, info: Derived, known: set[int], marked: dict[int, Node]) -> None:
    """Mark the nodes behind ``results`` (Tensors, None or ``OutputGrads``) as made by the
    walk: every node reachable from them that is not in the graph being differentiated
    (``known``, with the seed's graph) and not marked already (by this walk: ``marked``, which
    holds them, so that their ids stay theirs; or by an earlier one)."""
    stack = []
    for r in results:
        for t in (r.values() if r.__class__ is OutputGrads else (r,)):
            node = getattr(t, "_ctx", None)
            if node is not None:
                stack.append(node)
    while stack:
        node = stack.pop()
        key = id(node)
        if key in known or key in marked:
            continue
        marked[key] = node
        if node in _DERIVED:
            continue
        _DERIVED[node] = info
        for e in node.edges:
            if isinstance(e, Node):
                stack.append(e)


def _walk_order(nodes: list[Node]) -> int:
    """The order of the derivative a walk over ``nodes`` computes: one more than the
    highest order among them (0 for a forward graph)."""
    return 1 + max((d.order for d in map(_DERIVED.get, nodes) if d is not None), default=0)


class GradContext:
    """What an op's differentiable backward gets besides ``dout``.

    Attributes:
        inputs: the op's input Tensors, as the forward got them.
        static: the op's static (non-Tensor) arguments.
        needs: per input, whether its gradient is wanted (an input that needs none may get
            ``None``).
        cache: the forward's cache, for constants (masks, argmax indices).
    """

    __slots__ = ("constant", "inputs", "needs", "node", "outputs", "static")

    def __init__(self, node: Node, constant_inputs: bool = False,
                 outputs: _Outputs | None = None) -> None:
        self.node = node
        self.constant = constant_inputs
        self.inputs = (tuple(t if t is None else t.detach() for t in node.inputs)
                       if constant_inputs else node.inputs)
        self.static = node.static
        self.needs = tuple([e is not None for e in node.edges])
        self.outputs = outputs

    def apply(self, op: OpDef | str, *tensors: Any, **static: Any) -> Any:
        """Run a registered op on Tensors, recorded: a backward made of other ops."""
        return apply_op(op, *tensors, **static)

    @property
    def output(self) -> Any:
        """The op's output as part of the graph: the forward's own output Tensor (its node is
        this one, so the derivative flows back through the op, as PyTorch's saved result
        does) while the walk can find it unchanged, else computed again from the inputs."""
        out = None if self.outputs is None else self.outputs.find(self.node)
        if out is None:
            return apply_op(self.node.op, *self.inputs, **self.static)
        return out.detach() if self.constant else out

    @property
    def cache(self) -> Any:
        """The forward's cache (the numpy backward's saved values: a mask, argmax indices),
        for constants of the formula."""
        return self.node.cache

    def const(self, array: Any) -> Any:
        """A Tensor around ``array`` outside the graph (a constant of the formula)."""
        return self.inputs[0]._wrap(array)


class _Outputs:
    """The output Tensors of a walk's nodes, found when an op's backward first asks for one
    (``GradContext.output``): each node's output is an input of the nodes after it (kept
    in their ``inputs``), or one of the walk's roots."""

    __slots__ = ("by_node", "order", "roots")

    def __init__(self, order: list[Node], roots: tuple[Any, ...]) -> None:
        self.order, self.roots = order, roots
        self.by_node: dict[int, Any] | None = None

    def find(self, node: Node) -> Any:
        """``node``'s output Tensor if it is still the forward's result, unchanged (same
        array, never modified in place), else None."""
        if self.by_node is None:
            self.by_node = {}
            for n in self.order:
                for t in n.inputs:
                    if t is not None and t._ctx is not None:
                        self.by_node[id(t._ctx)] = t
            for t in self.roots:
                if t._ctx is not None:
                    self.by_node[id(t._ctx)] = t
        out = self.by_node.get(id(node))
        if (out is None or out._ctx is not node or out._version is not node.out_version
                or out._version[0] != 0 or id(out._data) != node.out_id):
            return None
        return out


def _op_grad(node: Node) -> Any:
    """The node's differentiable backward, or an error that names the op."""
    if node.op.grad is not None:  # also the nodes of an autograd.Function (function.py)
        return node.op.grad
    op = OPS.get(node.op.name, node.op)
    if op.grad is None:
        raise RuntimeError(
            f"{node.op.name}: the gradient of this op cannot be differentiated yet "
            "(create_graph=True needs its backward written with Tensor operations; it has "
            "only the numpy one). Use create_graph=False, or express the computation with "
            "ops that support higher-order gradients.")
    return op.grad


def _fit(name: str, i: int, g: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """Bring a gradient Tensor to its input's shape (summing out broadcasting) and dtype."""
    if g._data.shape != shape:
        extra = g.ndim - len(shape)
        if extra > 0:
            g = g.sum(dim=tuple(range(extra)))
        axes = tuple(d for d, n in enumerate(shape) if n == 1 and g.shape[d] != 1)
        if axes and g.ndim == len(shape):
            g = g.sum(dim=axes, keepdim=True)
        if tuple(g.shape) != shape:
            raise RuntimeError(f"{name} grad: gradient for input {i} has shape "
                               f"{tuple(g.shape)}, but the input has shape {shape}")
    if g._data.dtype != dtype:
        g = apply_op("cast", g, dtype=dtype)
    return g


def _node_grad(node: Node, g: Any, retain_graph: bool, constant_inputs: bool = False,
               outputs: _Outputs | None = None) -> list[tuple[int, Any, Any]]:
    """Run ``node``'s differentiable backward on ``g``: ``[(input index, edge, grad)]``."""
    if node.cache is FREED:
        raise RuntimeError(
            f"Trying to backward through the graph a second time ({node.op.name!r} already "
            "freed its saved arrays). Specify retain_graph=True on the first backward call "
            "if you need to backward twice.")
    own = node.op.grad is not None and OPS.get(node.op.name) is not node.op
    if not node.inputs and not own:  # (an autograd.Function's node reads its ctx instead)
        raise RuntimeError(f"{node.name()}: create_graph=True reached a node that did not "
                           "keep its inputs (a graph node made outside apply_op); its "
                           "gradient cannot be differentiated yet")
    _check_versions(node)
    DEBUG.during.append(node)  # ops recorded now are part of node's derivative (anomaly.py)
    try:
        grads = _op_grad(node)(GradContext(node, constant_inputs, outputs), g)
    finally:
        DEBUG.during.pop()
    if len(grads) != len(node.edges):
        raise RuntimeError(f"{node.op.name} grad returned {len(grads)} gradients for "
                           f"{len(node.edges)} inputs")
    sent = []
    for i, (edge, ig) in enumerate(zip(node.edges, grads, strict=True)):
        if edge is None or ig is None:
            continue
        if ig.__class__ is OutputGrads:  # to a several-output Function's node, as it is
            sent.append((i, edge, ig))
            continue
        shape, dtype = (edge.shape, edge.dtype) if isinstance(edge, Node) else (
            edge._data.shape, edge._data.dtype)
        sent.append((i, edge, _fit(node.op.name, i, ig, shape, dtype)))
    if DEBUG.anomaly:  # a NaN/Inf in a gradient names the op whose backward made it
        check_backward(node, getattr(g, "_data", g), tuple(
            None if ig is None or isinstance(ig, OutputGrads) else ig._data for ig in grads))
    if not retain_graph:
        node.cache = FREED
        node.inputs = node.arrays = ()
    return sent


def walk_graph(root: Node, grad: Any, *, retain_graph: bool, capture: set[int] = frozenset(),
               roots: tuple[Any, ...] = ()
               ) -> tuple[dict[int, tuple[GraphTensor, Any]], dict[int, Any]]:
    """The backward pass from ``root``, building the graph of the gradients.

    Args:
        root: the output's node (or the node standing for several outputs).
        grad: d(loss)/d(output), a Tensor (it may itself be part of a graph).
        retain_graph: keep every node's saved arrays and inputs.
        capture: ids of nodes whose arriving gradient to return (non-leaf ``inputs``).
        roots: the output Tensors (for an op's backward that reads its output, see
            ``GradContext.output``).

    Inside ``seeds_only()`` the gradients' graphs lead to the seeds only (see there).

    Returns:
        ``({id(leaf): (leaf, gradient)}, {id(node): gradient})``, gradients as Tensors.
    """
    grads: dict[int, Any] = {id(root): grad}
    leaf_grads: dict[int, tuple[GraphTensor, Any]] = {}
    captured: dict[int, Any] = {}
    order = toposort(root)
    known = {id(n) for n in order} | _seed_nodes(root, grad)  # nodes that are not new
    marked: dict[int, Node] = {}  # the new nodes marked so far (see _mark)
    walk_order = _walk_order(order)
    constant_inputs = _take_seeds_only()
    # a node's output Tensor serves its backward only while the node keeps its saved arrays:
    # a walk that frees them computes the output again (a graph of its own)
    outputs = _Outputs(order, roots) if retain_graph else None
    with enable_grad():  # every operation of the backward is recorded
        for node in order:
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if id(node) in capture:
                captured[id(node)] = g
            _retained(node, g)
            if node.hooks:
                raise NotImplementedError(
                    f"{node.name()}: gradient hooks on non-leaf tensors do not run with "
                    "create_graph=True yet; remove the hook or use create_graph=False")
            if node.op.name == "backward":  # the node standing for several outputs
                sent = [(i, e, s) for i, (e, s) in enumerate(zip(node.edges, node.cache,
                                                                  strict=True))]
            else:
                sent = _node_grad(node, g, retain_graph, constant_inputs, outputs)
            info = Derived(walk_order, node.op.name, node_origin(node))
            _mark([ig for _, _, ig in sent], info, known, marked)
            for _, edge, ig in sent:
                key = id(edge)
                if isinstance(edge, Node):
                    prev = grads.get(key)
                    if prev is None:
                        grads[key] = ig
                    else:
                        grads[key] = prev + ig
                        _mark([grads[key]], info, known, marked)  # the sum of contributions
                else:
                    prev_leaf = leaf_grads.get(key)
                    if prev_leaf is None:
                        leaf_grads[key] = (edge, ig)
                    else:
                        leaf_grads[key] = (edge, prev_leaf[1] + ig)
                        _mark([leaf_grads[key][1]], info, known, marked)
    return leaf_grads, captured


def _seed_nodes(root: Node, grad: Any) -> set[int]:
    """Ids of the nodes of the seed gradients' own graphs (made before the walk)."""
    seeds = root.cache if root.op.name == "backward" else [grad]
    ids: set[int] = set()
    for seed in seeds:
        node = getattr(seed, "_ctx", None)
        if node is not None and id(node) not in ids:
            ids.update(id(n) for n in toposort(node))
    return ids


def _retained(node: Node, g: Any) -> None:
    """``retain_grad()``: the tensor's ``.grad`` gets the gradient, graph included."""
    if node.retain is None:
        return
    tensor = node.retain()
    if tensor is not None:
        tensor.grad = g if tensor.grad is None else tensor.grad + g


_SEEDS_ONLY = threading.local()


@contextmanager
def seeds_only() -> Iterator[None]:
    """The next ``create_graph`` walk in this block builds gradients that are graphs of the
    seed gradients (``grad_outputs``) only: each op's differentiable backward sees its inputs
    as constants, so whatever it computes from them alone (tanh's 1 - out**2, a transpose of
    a weight) is not recorded, and the gradients cannot be differentiated with respect to the
    forward graph's inputs.

    For the double-backward trick (``functional.jvp`` and ``hvp`` without
    ``create_graph``): there the gradient's graph is differentiated only with respect to the
    dummy seed ``u``, and the backward over it then visits only the nodes on paths from
    ``u``, as PyTorch's engine visits only the nodes that lead to the inputs asked for.
    Walks nested in that walk (an ``autograd.Function``'s backward calling ``grad``) record
    as usual.
    """
    before = getattr(_SEEDS_ONLY, "on", False)
    _SEEDS_ONLY.on = True
    try:
        yield
    finally:
        _SEEDS_ONLY.on = before


def _take_seeds_only() -> bool:
    """Whether this walk is in ``seeds_only`` (and make the walks nested in it normal)."""
    on = getattr(_SEEDS_ONLY, "on", False)
    _SEEDS_ONLY.on = False
    return on
