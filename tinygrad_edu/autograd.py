"""The autograd engine: op registry, graph recording and the backward walk.

Every op is a pair of plain numpy functions, the shape CS231n teaches::

    def mul_forward(x, y):            # ndarrays in, static hyper-parameters as keywords
        return x * y, MulCache(x, y)  # (out, cache)

    def mul_backward(dout, cache):    # upstream gradient and the cache
        return dout * cache.y, dout * cache.x   # one gradient per array input

    register_op("mul", mul_forward, mul_backward)

``register_op`` stores the pair in ``OPS``; ``apply_op`` runs the forward on the ndarrays
inside Tensors and, when a gradient is needed, records a ``Node`` that remembers the cache and
the edges to the inputs' nodes. ``Tensor.backward`` then calls ``backward`` below, which walks
the nodes in reverse topological order without recursion.

Semantics follow PyTorch: the graph is recorded only when grad mode is on and some input
requires grad; gradients of a tensor used twice add up; caches are freed after backward
unless ``retain_graph=True``; in-place changes to a tensor saved for backward are detected with
version counters. Gradients are first order only: backward functions return ndarrays, so
there is no double backward.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .tensor import Tensor

Forward = Callable[..., tuple[Any, Any]]
Backward = Callable[[NDArray[Any], Any], tuple[Any, ...]]


class OpDef(NamedTuple):
    """A registered op: its name, its forward/backward pair and its docstring."""

    name: str
    forward: Forward
    backward: Backward | None
    doc: str


OPS: dict[str, OpDef] = {}


def register_op(name: str, forward: Forward, backward: Backward | None) -> OpDef:
    """Register a forward/backward pair under ``name`` and return its ``OpDef``.

    Args:
        name: the op's name; it labels graph nodes and error messages.
        forward: ``forward(*arrays, **static) -> (out, cache)``.
        backward: ``backward(dout, cache) -> tuple`` with one gradient (or ``None``) per array
            input, or ``None`` for ops that are not differentiable (comparisons, argmax).

    Returns:
        The ``OpDef`` stored in ``OPS``; pass it (or its name) to ``apply_op``.
    """
    if name in OPS:
        raise ValueError(f"register_op: an op named {name!r} is already registered")
    doc = (forward.__doc__ or "").strip()
    op = OpDef(name, forward, backward, doc)
    OPS[name] = op
    return op


# ----------------------------------------------------------------------------- grad mode

class _GradMode(threading.local):
    enabled = True
    needs: tuple[bool, ...] | None = None  # which inputs of the running backward need a grad


_grad_mode = _GradMode()


def needs_input_grad(i: int) -> bool:
    """Inside a backward called by the engine: does input ``i`` need its gradient?

    A backward may skip computing a gradient nobody needs (``matmul`` skips ``dx`` for a data
    batch) and return ``None`` in its place. Called directly (outside the engine), every input
    needs its gradient.
    """
    needs = _grad_mode.needs
    return needs is None or needs[i]


def is_grad_enabled() -> bool:
    """Return True when operations are being recorded for backward."""
    return _grad_mode.enabled


class _GradModeContext:
    """Turns recording to ``mode`` inside ``with`` or a decorated function (also bare:
    ``@no_grad`` works like ``@no_grad()``)."""

    mode = True

    def __new__(cls, *args: Any) -> Any:
        self = super().__new__(cls)
        if cls is not set_grad_enabled and args and callable(args[0]):
            return self(args[0])  # used as a bare decorator
        return self

    def __enter__(self) -> None:
        self.prev = _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled = self.prev

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _grad_mode.enabled
            _grad_mode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _grad_mode.enabled = prev

        return wrapper


class set_grad_enabled(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Turn recording on or off: as a call, a context manager or a decorator (PyTorch's API)."""

    def __init__(self, mode: bool) -> None:
        self.prev = _grad_mode.enabled
        self.mode = bool(mode)
        _grad_mode.enabled = self.mode  # a plain call takes effect at once

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        _grad_mode.enabled = self.prev  # used as a decorator: only the function is affected
        return super().__call__(fn)


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Disable graph recording inside a ``with`` block or a decorated function.

    Example:
        >>> import tinygrad_edu as tg
        >>> w = tg.ones(2, requires_grad=True)
        >>> with tg.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    mode = False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Re-enable graph recording inside ``no_grad`` (context manager or decorator)."""

    mode = True


# ----------------------------------------------------------------------------- the graph

class Node:
    """One recorded op application: what backward needs to send gradients to the inputs.

    Attributes:
        op: the ``OpDef`` that ran.
        cache: the forward's cache (``None`` once freed by backward).
        edges: per input, the input's ``Node``, the leaf Tensor that accumulates the
            gradient, or ``None`` when that input needs no gradient.
        saved: ``(version_counter, version, description)`` for each input or output array the
            cache holds, checked before backward uses the cache.
        hooks: gradient hooks registered on the (non-leaf) output tensor.
        retain: weak reference to the output tensor when it called ``retain_grad()``.
    """

    __slots__ = ("op", "cache", "edges", "saved", "hooks", "retain", "shape", "dtype",
                 "__weakref__")

    def __init__(self, op: OpDef, cache: Any, edges: tuple[Any, ...],
                 saved: tuple[tuple[list[int], int, str], ...], out: NDArray[Any]) -> None:
        self.op = op
        self.cache = cache
        self.edges = edges
        self.saved = saved
        self.hooks: list[Callable[[Any], Any]] | None = None
        self.retain: weakref.ref[Tensor] | None = None
        self.shape = out.shape
        self.dtype = out.dtype

    def __repr__(self) -> str:
        return f"<{self.op.name} backward node, output shape {self.shape}>"

    @property
    def name(self) -> str:
        """The op's registered name."""
        return self.op.name


def _lookup(op: OpDef | str) -> OpDef:
    if isinstance(op, OpDef):
        return op
    try:
        return OPS[op]
    except KeyError:
        raise KeyError(f"apply_op: no op named {op!r} is registered") from None


def apply_op(op: OpDef | str, *inputs: Tensor, **static: Any) -> Tensor:
    """Run a registered op on Tensors and record it for backward when needed.

    Args:
        op: the ``OpDef`` (or its registered name).
        *inputs: the array inputs, as Tensors.
        **static: hyper-parameters passed through to the forward as keywords.

    Returns:
        A new Tensor holding the forward's output; it has a ``Node`` when recorded.
    """
    if op.__class__ is not OpDef:
        op = _lookup(op)
    arrays = [t._data for t in inputs]
    out, cache = op.forward(*arrays, **static)
    result = inputs[0]._wrap(out)
    if _grad_mode.enabled and op.backward is not None:
        edges = tuple([(t._ctx or t) if t.requires_grad else None for t in inputs])
        if any(e is not None for e in edges):
            result._ctx = Node(op, cache, edges, _saved_versions(op, cache, inputs, arrays, result),
                               out)
            result.requires_grad = True
    return result


def _saved_versions(op: OpDef, cache: Any, inputs: tuple[Tensor, ...], arrays: list[Any],
                    result: Tensor) -> tuple[tuple[list[int], int, str], ...]:
    """Find which input/output arrays the cache holds, with their current versions."""
    if not isinstance(cache, tuple):
        return ()
    saved = []
    for field in cache:
        if field.__class__ is not np.ndarray:
            continue
        for i, a in enumerate(arrays):
            if field is a:
                saved.append((inputs[i]._version, inputs[i]._version[0], f"input {i}"))
        if field is result._data:
            saved.append((result._version, result._version[0], "output 0"))
    return tuple(saved)


# ----------------------------------------------------------------------------- backward

def _toposort(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, each after every node that sends it a gradient."""
    order: list[Node] = []
    visited = {id(root)}
    stack: list[tuple[Node, Iterator[Any]]] = [(root, iter(root.edges))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child.__class__ is Node and id(child) not in visited:
                visited.add(id(child))
                stack.append((child, iter(child.edges)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def unbroadcast(grad: NDArray[Any], shape: tuple[int, ...]) -> NDArray[Any]:
    """Sum ``grad`` over the axes that broadcasting added or stretched, to get ``shape``."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _fit_grad(node: Node, i: int, grad: Any, shape: tuple[int, ...], dtype: np.dtype[Any]
              ) -> NDArray[Any]:
    """Bring an op's gradient for input ``i`` to the input's shape and dtype, or fail loudly."""
    grad = np.asarray(grad)
    if grad.shape != shape:
        reduced = unbroadcast(grad, shape) if grad.ndim >= len(shape) else grad
        if reduced.shape != shape:
            raise RuntimeError(
                f"{node.op.name} backward: gradient for input {i} has shape {grad.shape}, "
                f"but the input has shape {shape}")
        grad = reduced
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _check_versions(node: Node) -> None:
    for counter, version, where in node.saved:
        if counter[0] != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {where} of {node.op.name!r} (shape {node.shape}) is at "
                f"version {counter[0]}; expected version {version} instead. Clone the tensor "
                "before changing it in place, or change it after backward.")


def backward(root: Tensor, grad: NDArray[Any], retain_graph: bool = False) -> None:
    """Backpropagate ``grad`` from ``root`` to every leaf that requires grad.

    The walk is iterative, so graphs of any depth work. A node runs once, after all its
    consumers have sent their gradients, which therefore add up (the "used twice" rule).
    """
    leaf_grads: dict[int, tuple[Tensor, NDArray[Any]]] = {}
    if root._ctx is None:
        leaf_grads[id(root)] = (root, grad)
        _accumulate_leaves(leaf_grads, {id(grad)})
        return
    grads: dict[int, NDArray[Any]] = {id(root._ctx): grad}
    with no_grad(), np.errstate(all="ignore"):  # inf/nan propagate silently, as in PyTorch
        for node in _toposort(root._ctx):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            g = _run_hooks(node, g)
            _backward_node(node, g, grads, leaf_grads, retain_graph)
    _accumulate_leaves(leaf_grads, {id(grad)})


def _run_hooks(node: Node, g: NDArray[Any]) -> NDArray[Any]:
    if node.hooks:
        g = _call_hooks(node.hooks, g)
    if node.retain is not None:
        tensor = node.retain()
        if tensor is not None:
            _accumulate(tensor, g)
    return g


def _backward_node(node: Node, g: NDArray[Any], grads: dict[int, NDArray[Any]],
                   leaf_grads: dict[int, tuple[Tensor, NDArray[Any]]], retain_graph: bool) -> None:
    if node.cache is _FREED:
        raise RuntimeError(
            f"Trying to backward through the graph a second time ({node.op.name!r} already "
            "freed its saved arrays). Specify retain_graph=True on the first backward call "
            "if you need to backward twice.")
    _check_versions(node)
    _grad_mode.needs = tuple(e is not None for e in node.edges)
    try:
        in_grads = node.op.backward(g, node.cache)  # type: ignore[misc]
    finally:
        _grad_mode.needs = None
    if not retain_graph:
        node.cache = _FREED
    if len(in_grads) != len(node.edges):
        raise RuntimeError(f"{node.op.name} backward returned {len(in_grads)} gradients for "
                           f"{len(node.edges)} inputs")
    for i, (edge, ig) in enumerate(zip(node.edges, in_grads, strict=True)):
        if edge is None or ig is None:
            continue
        if edge.__class__ is Node:
            ig = _fit_grad(node, i, ig, edge.shape, edge.dtype)
            key = id(edge)
            prev = grads.get(key)
            grads[key] = ig if prev is None else prev + ig
        else:
            ig = _fit_grad(node, i, ig, edge._data.shape, edge._data.dtype)
            key = id(edge)
            prev_leaf = leaf_grads.get(key)
            leaf_grads[key] = (edge, ig if prev_leaf is None else prev_leaf[1] + ig)


class _Freed:
    def __repr__(self) -> str:
        return "<freed>"


_FREED = _Freed()


def _call_hooks(hooks: list[Callable[[Any], Any]], g: NDArray[Any]) -> NDArray[Any]:
    from .tensor import Tensor  # hooks see Tensors, like in PyTorch

    for hook in hooks:
        res = hook(Tensor(g))
        if res is not None:
            g = res._data if isinstance(res, Tensor) else np.asarray(res)
    return g


def _accumulate(tensor: Tensor, g: NDArray[Any], owned: bool = False) -> None:
    """Add ``g`` into ``tensor.grad``; ``owned`` means nothing else holds ``g`` (no copy)."""
    from .tensor import Tensor

    if tensor.grad is None:
        # copy unless owned: the gradient may be a view of dout, or shared with another input
        tensor.grad = Tensor(g if owned else np.array(g, dtype=tensor._data.dtype))
    else:  # in place, like PyTorch: a reference to .grad sees the accumulated value
        np.add(tensor.grad._data, g, out=tensor.grad._data, casting="unsafe")
        tensor.grad._version[0] += 1


def _accumulate_leaves(leaf_grads: dict[int, tuple[Tensor, NDArray[Any]]],
                       handed_out: set[int]) -> None:
    """Store the summed gradient of each leaf, adopting fresh arrays instead of copying them.

    An array can be adopted when it owns its memory, is writable and contiguous, has the
    leaf's dtype, and was not given to another leaf (``add`` sends one array to both inputs)
    or passed in by the caller (``handed_out`` starts with the root gradient).
    """
    for tensor, g in leaf_grads.values():
        if tensor._hooks:
            g = _call_hooks(tensor._hooks, g)
        owned = (not tensor._hooks and g.flags.owndata and g.flags.writeable and
                 g.flags.c_contiguous and g.dtype == tensor._data.dtype and
                 id(g) not in handed_out)
        handed_out.add(id(g))
        _accumulate(tensor, g, owned)

