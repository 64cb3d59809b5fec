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
import linecache
import os
import sys
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
        origin: where the op was created (an ``OpRecord``), set only while
            ``detect_anomaly`` or a graph recorder is on; read it with ``node_origin``.
    """

    __slots__ = ("op", "cache", "edges", "saved", "hooks", "retain", "shape", "dtype",
                 "origin", "__weakref__")
    origin: OpRecord  # set only under anomaly mode or a recorder: read it with node_origin

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
    if _debug_on:  # anomaly mode or a graph recorder: the slow path below
        return _apply_op_debug(op, inputs, static)
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


# ----------------------------------------------------------------------------- anomaly mode

class Origin(NamedTuple):
    """Where an op was created: the first frame outside the tinygrad_edu package."""

    filename: str
    lineno: int
    function: str
    code: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno} in {self.function}: {self.code}"


class OpRecord(NamedTuple):
    """One op application seen while ``detect_anomaly`` or ``record_ops`` was on.

    Attributes:
        op: the ``OpDef`` that ran.
        inputs: the input arrays (copies when recorded by ``record_ops``).
        static: the keyword hyper-parameters passed to the forward.
        output: the forward's output array.
        node: the graph ``Node`` (None when nothing was recorded for backward).
        origin: the user's source line that created the op (None when not found).
        requires_grad: per input, whether it required grad.
    """

    op: OpDef
    inputs: tuple[Any, ...]
    static: dict[str, Any]
    output: Any
    node: Node | None
    origin: Origin | None
    requires_grad: tuple[bool, ...]


class AnomalyError(RuntimeError):
    """A NaN or Inf found by ``detect_anomaly``; names the op, the user's line and the phase."""

    def __init__(self, message: str, op: str, origin: Origin | None, phase: str) -> None:
        super().__init__(message)
        self.op = op
        self.origin = origin
        self.phase = phase


_debug_on = False    # the one check apply_op makes: anomaly mode or a recorder is on
_anomaly_on = False
_anomaly_forward = True
_recorders: list[list[OpRecord]] = []
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_in_package: dict[str, bool] = {}


def _update_debug() -> None:
    global _debug_on
    _debug_on = _anomaly_on or bool(_recorders)


def set_detect_anomaly(mode: bool, check_forward: bool = True) -> None:
    """Turn anomaly detection on or off for the whole program (see ``detect_anomaly``)."""
    global _anomaly_on, _anomaly_forward
    _anomaly_on = bool(mode)
    _anomaly_forward = bool(check_forward)
    _update_debug()


def is_anomaly_enabled() -> bool:
    """True while ``detect_anomaly`` is on."""
    return _anomaly_on


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Find where a NaN or Inf first appears, forward or backward (PyTorch's anomaly mode).

    While on, every op remembers the user's source line that created it, and every forward
    output and backward gradient is checked. The first non-finite value raises an
    ``AnomalyError`` naming the op, that line, the input shapes with their min/max and
    NaN/Inf flags, and whether it appeared in the forward or the backward. Ops run slower
    while it is on; when off it costs one bool check per op.

    Args:
        check_forward: also check forward outputs (PyTorch checks only backward). Turn it off
            when -inf is intended, e.g. attention masks filled with -inf.

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([1.0, -1.0], requires_grad=True)
        >>> with tg.autograd.detect_anomaly():  # doctest: +ELLIPSIS
        ...     y = x.log()
        Traceback (most recent call last):
        ...
        tinygrad_edu.autograd.AnomalyError: detect_anomaly: 'log' produced 1 NaN ...
    """

    def __init__(self, check_forward: bool = True) -> None:
        self.check_forward = bool(check_forward)

    def __enter__(self) -> detect_anomaly:
        self.prev = (_anomaly_on, _anomaly_forward)
        set_detect_anomaly(True, self.check_forward)
        return self

    def __exit__(self, *exc: object) -> None:
        set_detect_anomaly(*self.prev)


class record_ops:  # noqa: N801 - a context manager, named like the others here
    """Record every op application (inputs copied, static arguments, output, user's line).

    ``with record_ops() as records:`` gives a list that fills with ``OpRecord`` in the order
    the ops ran; ``testing.gradcheck_graph`` and ``testing.compare_with_torch`` replay it.
    """

    def __enter__(self) -> list[OpRecord]:
        self.records: list[OpRecord] = []
        _recorders.append(self.records)
        _update_debug()
        return self.records

    def __exit__(self, *exc: object) -> None:
        _recorders.remove(self.records)
        _update_debug()


def user_origin() -> Origin | None:
    """The innermost frame of the caller's stack that lies outside the tinygrad_edu package."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        inside = _in_package.get(filename)
        if inside is None:
            inside = _in_package[filename] = os.path.abspath(filename).startswith(_PACKAGE_DIR)
        if not inside:
            code = linecache.getline(filename, frame.f_lineno).strip()
            return Origin(filename, frame.f_lineno, frame.f_code.co_name, code)
        frame = frame.f_back  # type: ignore[assignment]
    return None


def node_origin(node: Node) -> OpRecord | None:
    """The ``OpRecord`` kept on ``node`` when it was created under anomaly mode or a recorder."""
    return getattr(node, "origin", None)  # type: ignore[no-any-return]


def _apply_op_debug(op: OpDef, inputs: tuple[Tensor, ...], static: dict[str, Any]) -> Tensor:
    """``apply_op`` with the user's line recorded, records kept and forward outputs checked."""
    origin = user_origin()
    arrays = [t._data for t in inputs]
    flags = tuple(bool(t.requires_grad) for t in inputs)
    out, cache = op.forward(*arrays, **static)
    result = inputs[0]._wrap(out)
    node = None
    if _grad_mode.enabled and op.backward is not None:
        edges = tuple([(t._ctx or t) if t.requires_grad else None for t in inputs])
        if any(e is not None for e in edges):
            node = Node(op, cache, edges, _saved_versions(op, cache, inputs, arrays, result), out)
            result._ctx = node
            result.requires_grad = True
    if _recorders:
        copies = tuple(np.array(a, copy=True) for a in arrays)
        record = OpRecord(op, copies, dict(static), np.array(out, copy=True), node, origin, flags)
        for records in _recorders:
            records.append(record)
    else:
        record = OpRecord(op, tuple(arrays), dict(static), out, node, origin, flags)
    if node is not None:
        node.origin = record
    if _anomaly_on and _anomaly_forward:
        _check_forward(record, out)
    return result


def _nonfinite(a: Any) -> bool:
    return isinstance(a, np.ndarray) and a.dtype.kind in "fc" and not np.isfinite(a).all()


def describe_array(a: Any) -> str:
    """Shape, dtype, min/max of the finite values and NaN/Inf flags, for error messages."""
    a = np.asarray(a)
    head = f"shape {a.shape} {a.dtype}"
    if a.size == 0 or a.dtype.kind not in "biufc":
        return head
    if a.dtype.kind not in "fc":
        return f"{head}, min {a.min()}, max {a.max()}"
    nan, inf = np.isnan(a), np.isinf(a)
    finite = a[~(nan | inf)]
    span = f"min {finite.min():.6g}, max {finite.max():.6g}" if finite.size else "no finite value"
    return (f"{head}, {span}, has NaN: {bool(nan.any())} ({int(nan.sum())}), "
            f"has Inf: {bool(inf.any())} ({int(inf.sum())})")


def _where(origin: Origin | None) -> str:
    if origin is None:
        return "  created at: unknown (the op was created before anomaly mode was turned on)"
    return f"  created at {origin.filename}:{origin.lineno} in {origin.function}\n    {origin.code}"


def _count(a: Any) -> str:
    nan, inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    return " and ".join(p for p in (f"{nan} NaN" if nan else "", f"{inf} Inf" if inf else "") if p)


def _check_forward(record: OpRecord, out: Any) -> None:
    if not _nonfinite(out):
        return
    lines = [f"detect_anomaly: {record.op.name!r} produced {_count(out)} in its forward output "
             f"({describe_array(out)}); found in forward", _where(record.origin), "  inputs:"]
    lines += [f"    input {i}: {describe_array(a)}" for i, a in enumerate(record.inputs)]
    if record.static:
        lines.append(f"  static arguments: {record.static}")
    raise AnomalyError("\n".join(lines), record.op.name, record.origin, "forward")


def _check_backward(node: Node, dout: Any, in_grads: tuple[Any, ...]) -> None:
    for i, grad in enumerate(in_grads):
        if grad is None or i >= len(node.edges) or node.edges[i] is None:
            continue
        grad = np.asarray(grad)
        if not _nonfinite(grad):
            continue
        record = node_origin(node)
        lines = [f"detect_anomaly: the backward of {node.op.name!r} returned {_count(grad)} in "
                 f"the gradient for input {i} ({describe_array(grad)}); found in backward",
                 _where(None if record is None else record.origin),
                 f"  upstream gradient: {describe_array(dout)}"]
        if record is not None:
            lines.append("  forward inputs:")
            lines += [f"    input {j}: {describe_array(a)}" for j, a in enumerate(record.inputs)]
        raise AnomalyError("\n".join(lines), node.op.name,
                           None if record is None else record.origin, "backward")


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
    if _anomaly_on and _nonfinite(grad):
        raise AnomalyError(f"detect_anomaly: the gradient passed to backward has "
                           f"{_count(grad)} ({describe_array(grad)}); found in backward",
                           root._ctx.op.name, None, "backward")
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
    if _anomaly_on:
        _check_backward(node, g, in_grads)
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


def _base_refcount(view: NDArray[Any]) -> int:
    """``sys.getrefcount`` of a view's base, counted the way ``_private`` counts it."""
    return sys.getrefcount(view.base)


# What that count is for a base that only its view references (2 on CPython 3.11: the view's
# reference and getrefcount's argument; Python versions differ, so it is measured).
_ONE_REFERENCE = _base_refcount(np.empty(2).reshape(1, 2))


def _private(g: NDArray[Any]) -> bool:
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


def _same_layout(g: NDArray[Any], like: NDArray[Any]) -> bool:
    """g is contiguous in ``like``'s order: Fortran for a Fortran-only array, else C."""
    fortran = like.flags.f_contiguous and not like.flags.c_contiguous
    return bool(g.flags.f_contiguous if fortran else g.flags.c_contiguous)


def _copy_like(like: NDArray[Any], g: NDArray[Any]) -> NDArray[Any]:
    """A copy of ``g`` with the dtype and memory layout (C, Fortran, ...) of ``like``."""
    out = np.empty_like(like)
    np.copyto(out, g, casting="unsafe")
    return out


def _accumulate(tensor: Tensor, g: NDArray[Any], owned: bool = False) -> None:
    """Add ``g`` into ``tensor.grad``; ``owned`` means nothing else holds ``g`` (no copy)."""
    from .tensor import Tensor

    if tensor.grad is None:
        # copy unless owned: the gradient may be a view of dout, or shared with another input.
        # The copy takes the tensor's memory layout, as PyTorch lays out .grad: a weight's
        # gradient that arrives transposed (x @ w.T) would otherwise stay transposed, and the
        # optimizer's pass over weight and gradient together would stride through memory.
        if not owned:
            g = _copy_like(tensor._data, g)
        tensor.grad = Tensor(g)
    else:  # in place, like PyTorch: a reference to .grad sees the accumulated value
        np.add(tensor.grad._data, g, out=tensor.grad._data, casting="unsafe")
        tensor.grad._version[0] += 1


def _accumulate_leaves(leaf_grads: dict[int, tuple[Tensor, NDArray[Any]]],
                       handed_out: set[int]) -> None:
    """Store the summed gradient of each leaf, adopting fresh arrays instead of copying them.

    An array can be adopted when nothing else can reach its memory (``_private``), it is
    writable, laid out like the leaf (C order, or Fortran order for a Fortran-ordered leaf),
    has the leaf's dtype, and was not given to another leaf (``add`` sends one array to both
    inputs) or passed in by the caller (``handed_out`` starts with the root gradient).
    """
    for tensor, g in leaf_grads.values():
        if tensor._hooks:
            g = _call_hooks(tensor._hooks, g)
        owned = (not tensor._hooks and _private(g) and g.flags.writeable and
                 _same_layout(g, tensor._data) and g.dtype == tensor._data.dtype and
                 id(g) not in handed_out)
        handed_out.add(id(g))
        _accumulate(tensor, g, owned)

