"""The backward pass: one walk over the recorded graph, from the output to the leaves.

``walk(root, grad)`` visits the nodes in reverse topological order (``toposort``, iterative,
so graphs of 10^5 ops work), so that a node runs only after every node it fed has sent its
gradient: contributions to a tensor used twice add up before they move on. For each node,
``node_backward`` calls the op's backward on the node's cache (``_run``: the one place an op's
backward is called), brings each input gradient to its input's shape (undoing broadcasting,
``_fit``, which also checks the shape) and hands it to the input's node, or to the leaf.
``call_backward`` does the same for one recorded op outside a walk.

Everything that needs a backward pass goes through this module: ``Tensor.backward``
(``backward`` below: walk, then accumulate into the leaves' ``.grad``), the step-by-step
lessons of ``viz.explain_backward`` (``walk`` with ``on_step`` and ``retain_graph``), and the
per-op checks of ``testing.gradcheck_graph`` and ``testing.compare_with_torch``
(``call_backward`` on one recorded op).

Semantics are PyTorch's: caches are freed after backward unless ``retain_graph=True``; a second
backward through freed caches, and a cache whose arrays were changed in place since the
forward, raise errors naming the op.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..ops.registry import Backward, set_needs
from .anomaly import DEBUG, check_backward, check_seed
from .grad_mode import no_grad
from .graph import GraphTensor, Node, OutputGrads, input_versions

Array = NDArray[Any]
Target = tuple[tuple[int, ...], Any] | None  # (shape, dtype) of an input wanting a gradient
StepCallback = Callable[[Node, Array, list[tuple[int, Any, Array]]], None]

__all__ = ["FREED", "backward", "call_backward", "is_freed", "node_backward", "toposort",
           "unbroadcast", "walk"]


class _Freed:
    def __repr__(self) -> str:
        return "<freed>"


FREED = _Freed()  # a node's cache after backward released it


def is_freed(node: Node) -> bool:
    """True when backward already released the node's cache (no ``retain_graph``)."""
    return node.cache is FREED


def toposort(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, each after every node that sends it a gradient."""
    order: list[Node] = []
    visited = {root}  # nodes hash by identity
    stack: list[tuple[Node, Iterator[Any]]] = [(root, iter(root.edges))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if isinstance(child, Node) and child not in visited:
                visited.add(child)
                stack.append((child, iter(child.edges)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` over the axes that broadcasting added or stretched, to get ``shape``."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _fit(name: str, i: int, grad: Any, shape: tuple[int, ...], dtype: Any) -> Array:
    """Bring an op's gradient for input ``i`` to the input's shape and dtype, or fail loudly."""
    grad = np.asarray(grad)
    if grad.shape != shape:
        reduced = unbroadcast(grad, shape) if grad.ndim >= len(shape) else grad
        if reduced.shape != shape:
            raise RuntimeError(
                f"{name} backward: gradient for input {i} has shape {grad.shape}, "
                f"but the input has shape {shape}")
        grad = reduced
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _run(name: str, backward: Backward, dout: Array, cache: Any, needs: tuple[bool, ...],
         asks: bool = True) -> tuple[Any, ...]:
    """Call ``backward(dout, cache)`` while ``needs_input_grad`` answers ``needs`` (when the
    backward ``asks``, see ``OpDef.backward_asks``): the one place an op's backward is
    called."""
    if asks:
        prev = set_needs(needs)
        try:
            in_grads = backward(dout, cache)
        finally:
            set_needs(prev)
    else:
        in_grads = backward(dout, cache)
    if len(in_grads) != len(needs):
        raise RuntimeError(f"{name} backward returned {len(in_grads)} gradients for "
                           f"{len(needs)} inputs")
    return in_grads


def call_backward(name: str, backward: Backward, dout: Array, cache: Any,
                  targets: Sequence[Target]) -> list[Any]:
    """Run one op's backward; return each wanted gradient at its input's shape and dtype.

    Args:
        name: the op's name, for error messages.
        backward: ``backward(dout, cache)``.
        dout: the upstream gradient.
        cache: the cache its forward returned.
        targets: per input, ``(shape, dtype)`` when it wants a gradient, else None (the
            backward sees this through ``needs_input_grad``).

    Returns:
        Per input, its gradient (None where not wanted or not returned).
    """
    in_grads = _run(name, backward, dout, cache, tuple([t is not None for t in targets]))
    fitted: list[Any] = []
    for i, t in enumerate(targets):
        g = in_grads[i]
        if t is None or g is None:
            g = None
        elif g.__class__ is np.ndarray and g.shape == t[0] and g.dtype is t[1]:
            pass  # the usual case, checked with the cheapest tests first
        elif g.__class__ is not OutputGrads:  # see graph.py
            g = _fit(name, i, g, t[0], t[1])
        fitted.append(g)
    return fitted


def _unchanged(node: Node) -> bool:
    """A recorded op whose inputs and output are at their versions of the forward (the usual
    case, checked without looking at the cache)."""
    versions = node.versions
    return versions is not None and node.out_version[0] == 0 and \
        input_versions(node.inputs) == versions


def _check_versions(node: Node) -> None:
    if _unchanged(node):
        return
    for counter, version, where in node.saved:
        if counter[0] != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {where} of {node.op.name!r} (shape {node.shape}) is at "
                f"version {counter[0]}; expected version {version} instead. Clone the tensor "
                "before changing it in place, or change it after backward.")


def node_backward(node: Node, g: Array, retain_graph: bool) -> list[tuple[int, Any, Array]]:
    """Run ``node``'s backward on upstream gradient ``g``: ``[(input index, edge, grad)]``.

    Each gradient is brought to its input's shape and dtype (``call_backward``'s rule, with the
    shape and dtype read from the edge: a node's output or a leaf's array).
    """
    if node.cache is FREED:
        raise RuntimeError(
            f"Trying to backward through the graph a second time ({node.op.name!r} already "
            "freed its saved arrays). Specify retain_graph=True on the first backward call "
            "if you need to backward twice.")
    _check_versions(node)
    edges, name = node.edges, node.op.name
    in_grads = _run(name, node.backward, g, node.cache, node.needs, node.op.backward_asks)
    sent = []
    for i, e in enumerate(edges):
        ig = in_grads[i]
        if e is None or ig is None:
            continue
        shape, dtype = (e.shape, e.dtype) if isinstance(e, Node) else \
            (e._data.shape, e._data.dtype)
        if (ig.__class__ is not np.ndarray or ig.shape != shape or ig.dtype is not dtype) and \
                ig.__class__ is not OutputGrads:  # (the usual case is checked first)
            ig = _fit(name, i, ig, shape, dtype)
        sent.append((i, e, ig))
    if DEBUG.anomaly:
        per_input: list[Any] = [None] * len(edges)
        for i, _, ig in sent:
            per_input[i] = ig
        check_backward(node, g, tuple(per_input))
    if not retain_graph:
        node.cache = FREED
        node.inputs = node.arrays = ()
    return sent


def walk(root: Node, grad: Array, *, retain_graph: bool = False, run_hooks: bool = True,
         skip_freed: bool = False, on_step: StepCallback | None = None
         ) -> dict[int, tuple[GraphTensor, Array]]:
    """The backward pass from ``root`` with upstream gradient ``grad``.

    Args:
        root: the output's node.
        grad: d(loss)/d(output).
        retain_graph: keep every cache (else each is freed once its node has run).
        run_hooks: run the tensors' gradient hooks and fill ``retain_grad()`` tensors.
        skip_freed: pass over nodes whose cache was freed instead of raising.
        on_step: called as ``on_step(node, upstream, sent)`` after each node's backward, with
            ``sent`` its ``[(input index, edge, gradient)]``.

    Returns:
        ``{id(leaf): (leaf, summed gradient)}`` for every leaf reached.
    """
    grads: dict[Node, Array] = {root: grad}  # (nodes hash by identity)
    leaf_grads: dict[int, tuple[GraphTensor, Array]] = {}
    with no_grad(), np.errstate(all="ignore"):  # inf/nan propagate silently, as in PyTorch
        for node in toposort(root):
            g = grads.pop(node, None)
            if g is None:
                continue
            if run_hooks and (node.hooks or node.retain is not None):
                g = _node_hooks(node, g)
            if skip_freed and node.cache is FREED:
                continue
            sent = node_backward(node, g, retain_graph)
            if on_step is not None:
                on_step(node, g, sent)
            for _, edge, ig in sent:
                if isinstance(edge, Node):
                    prev = grads.get(edge)
                    grads[edge] = ig if prev is None else prev + ig
                else:
                    key = id(edge)
                    prev_leaf = leaf_grads.get(key)
                    leaf_grads[key] = (edge, ig if prev_leaf is None else prev_leaf[1] + ig)
    return leaf_grads


def _node_hooks(node: Node, g: Array) -> Array:
    if node.hooks:
        for hook in node.hooks:
            g = hook(g)
    if node.retain is not None:
        tensor = node.retain()
        if tensor is not None:
            _accumulate(tensor, g)
    return g


def backward(root: GraphTensor, grad: Array, retain_graph: bool = False) -> None:
    """Backpropagate ``grad`` from ``root`` and add the result into every leaf's ``.grad``."""
    if root._ctx is None:
        _accumulate_leaves({id(root): (root, grad)}, {id(grad)})
        return
    if DEBUG.anomaly:
        check_seed(root._ctx.op.name, grad)
    leaf_grads = walk(root._ctx, grad, retain_graph=retain_graph)
    _accumulate_leaves(leaf_grads, {id(grad)})


# ----------------------------------------------------------------------------- leaves

def _base_refcount(view: Array) -> int:
    """``sys.getrefcount`` of a view's base, counted the way ``_private`` counts it."""
    return sys.getrefcount(view.base)


# What that count is for a base that only its view references (2 on CPython 3.11: the view's
# reference and getrefcount's argument; Python versions differ, so it is measured).
_ONE_REFERENCE = _base_refcount(np.empty(2).reshape(1, 2))


def _private(g: Array) -> bool:
    """Only ``g`` reaches its memory, so it may become a ``.grad`` without a copy.

    True when ``g`` owns its memory, or when every object along its chain of bases (a
    ``reshape`` of a fresh array; the memory object behind an array a Numba kernel returned)
    is referenced by nothing but the previous link. Backward functions often return such
    arrays; copying them would cost a pass over the gradient.
    """
    link: Any = g
    while isinstance(link, np.ndarray) and not link.flags.owndata:
        if link.base is None or _base_refcount(link) > _ONE_REFERENCE:
            return False
        link = link.base
        if isinstance(link, np.ndarray) and link.size != g.size:  # g is a slice of it
            return False
    return True


def _same_layout(g: Array, like: Array) -> bool:
    """g is contiguous in ``like``'s order: Fortran for a Fortran-only array, else C."""
    fortran = like.flags.f_contiguous and not like.flags.c_contiguous
    return bool(g.flags.f_contiguous if fortran else g.flags.c_contiguous)


def _copy_like(like: Array, g: Array) -> Array:
    """A copy of ``g`` with the dtype and memory layout (C, Fortran, ...) of ``like``."""
    out = np.empty_like(like)
    np.copyto(out, g, casting="unsafe")
    return out


def _accumulate(tensor: GraphTensor, g: Array, owned: bool = False) -> None:
    """Add ``g`` into ``tensor.grad``; ``owned`` means nothing else holds ``g`` (no copy)."""
    if tensor.grad is None:
        # copy unless owned: the gradient may be a view of dout, or shared with another input.
        # The copy takes the tensor's memory layout, as PyTorch lays out .grad: a weight's
        # gradient that arrives transposed (x @ w.T) would otherwise stay transposed, and the
        # optimizer's pass over weight and gradient together would stride through memory.
        if not owned:
            g = _copy_like(tensor._data, g)
        tensor.grad = tensor._wrap(g)
    else:  # in place, like PyTorch: a reference to .grad sees the accumulated value
        np.add(tensor.grad._data, g, out=tensor.grad._data, casting="unsafe")
        tensor.grad._version[0] += 1


def _accumulate_leaves(leaf_grads: dict[int, tuple[GraphTensor, Array]],
                       handed_out: set[int]) -> None:
    """Store the summed gradient of each leaf, adopting fresh arrays instead of copying them.

    An array can be adopted when nothing else can reach its memory (``_private``), it is
    writable, laid out like the leaf (C order, or Fortran order for a Fortran-ordered leaf),
    has the leaf's dtype, and was not given to another leaf (``add`` sends one array to both
    inputs) or passed in by the caller (``handed_out`` starts with the root gradient).
    """
    for tensor, g in leaf_grads.values():
        if tensor._hooks:
            for hook in tensor._hooks:
                g = hook(g)
        owned = (not tensor._hooks and _private(g) and g.flags.writeable and
                 _same_layout(g, tensor._data) and g.dtype == tensor._data.dtype and
                 id(g) not in handed_out)
        handed_out.add(id(g))
        _accumulate(tensor, g, owned)
