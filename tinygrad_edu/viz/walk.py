"""Reading the recorded graph from outside the engine: walk, gradients, values, module regions.

Everything the drawings and ``explain_backward`` show comes from here. The engine's ``Node``
(``autograd.py``) keeps the op, the forward's cache and one edge per input (the input's
``Node``, the leaf Tensor, or ``None``); this module only reads those fields, never changes
them, and never recurses (a chain of 10^5 ops walks like a chain of 3).

- ``bfs_nodes`` lists the nodes from the output backwards, in a stable order.
- ``replay_backward`` runs the engine's backward walk again (``autograd.walk``) from the saved
  caches and writes down every gradient (dL/d of each node and leaf) without touching
  ``.grad``; it works before ``backward()`` or after ``backward(retain_graph=True)``.
- ``node_values`` finds the forward value of each node where one is still around.
- ``trace_modules`` records which module's forward made each node (forward hooks).
"""

from __future__ import annotations

import gc
import itertools
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import autograd
from ..autograd import Node
from ..nn.module import Module
from ..tensor import Tensor

Array = NDArray[Any]

__all__ = ["ModuleTrace", "bfs_nodes", "node_values", "replay_backward", "trace_modules"]


def bfs_nodes(roots: Iterable[Node]) -> tuple[list[Node], list[Tensor]]:
    """Nodes reachable from ``roots`` (breadth first, inputs in order) and the leaves met.

    The order depends only on the graph's structure, so drawings are stable run to run.
    """
    order: list[Node] = []
    leaves: list[Tensor] = []
    seen: set[int] = set()
    queue: deque[Node] = deque()
    for root in roots:
        if id(root) not in seen:
            seen.add(id(root))
            queue.append(root)
    while queue:
        node = queue.popleft()
        order.append(node)
        for edge in node.edges:
            if edge is None or id(edge) in seen:
                continue
            seen.add(id(edge))
            if isinstance(edge, Node):
                queue.append(edge)
            else:
                leaves.append(edge)
    return order, leaves


@dataclass
class Step:
    """One op of the backward pass: its upstream gradient and what it sent to each input.

    ``received`` lists the contributions that added up to ``upstream``, in arrival order.
    ``sent`` holds ``(input index, edge, contribution)`` for the inputs that get a gradient.
    """

    node: Node
    upstream: Array
    received: list[Array]
    sent: list[tuple[int, Any, Array]] = field(default_factory=list)


def replay_backward(root: Tensor, grad: Array | None = None, strict: bool = False
                    ) -> tuple[dict[int, Array], list[Step]]:
    """Run the backward pass again from the saved caches, without touching ``.grad``.

    It is the engine's own walk (``autograd.walk``) with the caches kept, the hooks off and a
    callback that writes down each step.

    Args:
        root: the output tensor.
        grad: d(loss)/d(root); ones by default.
        strict: raise (like the engine) when a cache was freed; otherwise pass over it.

    Returns:
        ``(grads, steps)``: ``grads`` maps ``id(node)`` or ``id(leaf)`` to its summed gradient;
        ``steps`` is the backward pass in order (see ``Step``). Tensor hooks are not run.
    """
    data = root.numpy(force=True)
    seed = np.ones_like(data) if grad is None else np.asarray(grad, data.dtype)
    if root.grad_fn is None:
        return {id(root): seed}, []
    received: dict[int, list[Array]] = {id(root.grad_fn): [seed]}
    grads: dict[int, Array] = {}
    steps: list[Step] = []

    def on_step(node: Node, upstream: Array, sent: list[tuple[int, Any, Array]]) -> None:
        grads[id(node)] = upstream
        steps.append(Step(node, upstream, received.pop(id(node), [upstream]), list(sent)))
        for _, edge, g in sent:
            if isinstance(edge, Node):
                received.setdefault(id(edge), []).append(g)

    if strict:
        for node in autograd.toposort(root.grad_fn):
            if autograd.is_freed(node):
                raise RuntimeError(
                    f"explain_backward: {node.op.name!r} already freed its saved arrays "
                    "(backward ran without retain_graph=True); explain before backward")
    leaves = autograd.walk(root.grad_fn, seed, retain_graph=True, run_hooks=False,
                           skip_freed=True, on_step=on_step)
    grads.update({key: g for key, (_, g) in leaves.items()})
    return grads, steps


# ----------------------------------------------------------------------------- values

def saved_arrays(node: Node) -> dict[str, Array]:
    """The cache arrays that are the node's inputs or output: {"input 0": x, "output 0": out}.

    The engine records which inputs/outputs a cache holds (``node.saved``) but not in which
    field; the fields are matched in order by shape and dtype, and only when exactly one
    matching exists (an unrelated array of the same shape makes it ambiguous: then nothing
    is returned rather than a possibly wrong value).
    """
    cache = node.cache
    if not isinstance(cache, tuple) or not node.saved:
        return {}
    fields = [f for f in cache if isinstance(f, np.ndarray)]
    runs = _saved_runs(node)
    if len(runs) > len(fields) or len(fields) > 12:
        return {}
    fits = [[all(_compatible(f, node, where) for where in run) for f in fields] for run in runs]
    choices = [c for c in itertools.combinations(range(len(fields)), len(runs))
               if all(fits[r][k] for r, k in enumerate(c))]
    if len({tuple(id(fields[k]) for k in c) for c in choices}) != 1:
        return {}
    return {where: fields[k] for run, k in zip(runs, choices[0], strict=True) for where in run}


def _saved_runs(node: Node) -> list[list[str]]:
    """Group ``node.saved`` into one run per cache field (entries of one field are in order
    of input index and share one tensor's version counter)."""
    runs: list[list[str]] = []
    last_counter: Any = None
    last_index = -1
    for counter, _, where in node.saved:
        kind, _, number = where.partition(" ")
        if kind not in ("input", "output") or not number.isdigit():
            return []  # a description this reader does not know: claim nothing
        index = int(number) + (len(node.edges) if kind == "output" else 0)
        if runs and counter is last_counter and index > last_index:
            runs[-1].append(where)
        else:
            runs.append([where])
        last_counter, last_index = counter, index
    return runs


def _compatible(array: Array, node: Node, where: str) -> bool:
    if where.startswith("output"):
        return array.shape == node.shape and array.dtype == node.dtype
    edge = node.edges[int(where.split()[1])]
    return edge is None or (array.shape, array.dtype) == (edge.shape, edge.dtype)


def node_values(nodes: list[Node], roots: Iterable[Tensor], named: Iterable[Tensor] = (),
                scan_live: bool = False) -> dict[int, Array]:
    """Forward values of nodes, keyed by ``id(node)``, wherever one can still be found.

    Sources, in order: the output tensors, tensors passed by name, tensors that called
    ``retain_grad()``, the input tensors each node keeps until backward frees it (for
    ``create_graph=True``), live tensors found by a garbage-collector scan (``scan_live``, for
    the small graphs of lessons), and arrays saved in caches (a node's own output, or a
    consumer's saved input).
    """
    values: dict[int, Array] = {}
    for t in itertools.chain(roots, named):
        if t.grad_fn is not None:
            values.setdefault(id(t.grad_fn), t.numpy(force=True))
    for node in nodes:
        kept = node.retain() if node.retain is not None else None
        if kept is not None:
            values.setdefault(id(node), kept.numpy(force=True))
    for node in nodes:
        for t, edge in zip(node.inputs, node.edges, strict=False):
            if isinstance(edge, Node):
                values.setdefault(id(edge), t.numpy(force=True))
    if scan_live:
        _scan_live(nodes, values)
    for node in nodes:
        for where, array in saved_arrays(node).items():
            source = node if where.startswith("output") else node.edges[int(where.split()[1])]
            if isinstance(source, Node):
                values.setdefault(id(source), array)
    return values


def _scan_live(nodes: list[Node], values: dict[int, Array]) -> None:
    wanted = {id(n) for n in nodes} - values.keys()
    if not wanted:
        return
    for obj in gc.get_objects():
        # type(), not isinstance(): isinstance may read __class__, which some lazy module
        # proxies (torch's deprecated aliases) answer with a warning
        if issubclass(type(obj), Tensor) and obj.grad_fn is not None and id(obj.grad_fn) in wanted:
            values.setdefault(id(obj.grad_fn), obj.numpy(force=True))


# ----------------------------------------------------------------------------- modules

@dataclass
class ModuleInfo:
    """One traced module: its dotted path, class name, parameter count and last output shape."""

    path: str
    kind: str
    num_params: int
    out_shape: tuple[int, ...] | None = None


@dataclass
class ModuleTrace:
    """What ``trace_modules`` recorded for one model.

    Attributes:
        modules: path -> ModuleInfo for every submodule (the model itself has path "").
        param_owner: ``id(parameter)`` -> path of the module that holds it.
        param_name: ``id(parameter)`` -> dotted parameter name.
    """

    model: Module
    modules: dict[str, ModuleInfo] = field(default_factory=dict)
    param_owner: dict[int, str] = field(default_factory=dict)
    param_name: dict[int, str] = field(default_factory=dict)


# node -> (trace, path of the innermost module whose forward created it); entries vanish with
# the graph, so tracing many batches keeps nothing alive
NODE_MODULE: weakref.WeakKeyDictionary[Node, tuple[ModuleTrace, str]] = (
    weakref.WeakKeyDictionary())


def tensors_in(value: Any) -> list[Tensor]:
    """Tensors inside a module's arguments or output (nested tuples, lists and dicts)."""
    found: list[Tensor] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
        elif isinstance(item, Mapping):
            stack.extend(reversed(list(item.values())))
    return found


@contextmanager
def trace_modules(model: Module) -> Iterator[ModuleTrace]:
    """Record which submodule's forward created each graph node, while the block runs.

    ``draw_graph`` then draws modules as clusters or collapses them (``group_modules``), and
    ``summary`` reads the output shapes. Hooks are removed when the block ends.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.viz import trace_modules
        >>> net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU())
        >>> with trace_modules(net) as trace:
        ...     out = net(tg.randn(2, 3))
        >>> trace.modules["0"].kind, trace.modules["0"].out_shape
        ('Linear', (2, 4))
    """
    trace = ModuleTrace(model)
    handles = []
    for path, module in model.named_modules():
        own = [p for p in module._parameters.values() if p is not None]
        trace.modules[path] = ModuleInfo(path, type(module).__name__, sum(p.numel() for p in own))
        for name, p in module._parameters.items():
            if p is not None:
                trace.param_owner.setdefault(id(p), path)
                trace.param_name.setdefault(id(p), f"{path}.{name}" if path else name)
        handles.extend(_hook(module, path, trace))
    try:
        yield trace
    finally:
        for handle in handles:
            handle.remove()


def _hook(module: Module, path: str, trace: ModuleTrace) -> list[Any]:
    starts: list[set[int]] = []

    def before(mod: Module, args: Any) -> None:
        starts.append({id(t.grad_fn) for t in tensors_in(args) if t.grad_fn is not None})

    def after(mod: Module, args: Any, out: Any) -> None:
        stop = starts.pop() if starts else set()
        outs = tensors_in(out)
        if outs:
            trace.modules[path].out_shape = tuple(outs[0].shape)
        _claim([t.grad_fn for t in outs if t.grad_fn is not None], stop, trace, path)

    return [module.register_forward_pre_hook(before), module.register_forward_hook(after)]


def _claim(roots: list[Node], stop: set[int], trace: ModuleTrace, path: str) -> None:
    """Give the nodes between a module's inputs and outputs to the module, unless an inner
    module (whose hook ran first) already owns them."""
    seen = set(stop)
    stack = [n for n in roots if id(n) not in seen]
    seen.update(id(n) for n in stack)
    while stack:
        node = stack.pop()
        if node not in NODE_MODULE:
            NODE_MODULE[node] = (trace, path)
        for edge in node.edges:
            if isinstance(edge, Node) and id(edge) not in seen:
                seen.add(id(edge))
                stack.append(edge)
