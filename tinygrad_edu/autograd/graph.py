"""Recording the graph: ``apply_op`` runs an op on Tensors and remembers a ``Node``.

``apply_op(op, *tensors, **static)`` runs the op's forward on the arrays inside the tensors
and wraps the result in a new Tensor. When grad mode is on and some input requires grad, the
result also gets a ``Node``: the op, the forward's cache, the backward to call and one edge
per input (the input's own ``Node``, the leaf Tensor itself, or ``None`` when that input needs
no gradient). float16/bfloat16 inputs are computed in float32 and the result rounded back
(``dtypes.half_pair``), as PyTorch's CPU kernels do. The backward walk (``engine.py``)
follows these edges from the output back.

The engine works on Tensors through a small protocol, the only fields of a Tensor that code
outside ``tinygrad_edu/tensor/`` may touch, and only here and in ``engine.py``:

- ``_data``: the ndarray; ``_version``: a one-element list counting in-place changes
  (shared by views and ``detach()``);
- ``_ctx``: the ``Node`` that made the tensor (None for leaves); ``requires_grad``;
- ``_wrap(array)``: a new, graph-free Tensor around an array;
- for leaves, ``grad`` (read and assigned) and ``_hooks`` (gradient hooks on ndarrays).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from ..dtypes import half_pair, has_half
from ..ops.registry import Backward, OpDef, lookup, set_needs
from .anomaly import DEBUG, OpRecord, record, user_origin
from .grad_mode import _grad_mode

__all__ = ["GraphTensor", "Node", "apply_op"]


class GraphTensor(Protocol):
    """The fields of a Tensor that the engine reads and writes (see the module docstring)."""

    _data: NDArray[Any]
    _version: list[int]
    _ctx: Node | None
    _hooks: list[Callable[[NDArray[Any]], NDArray[Any]]] | None
    requires_grad: bool
    grad: Any

    def _wrap(self, array: NDArray[Any]) -> GraphTensor:
        """A new Tensor around ``array``, outside the graph."""


class Node:
    """One recorded op application: what backward needs to send gradients to the inputs.

    Attributes:
        op: the ``OpDef`` that ran.
        backward: the backward that goes with the forward that ran (the op's fast pair or its
            readable one, see ``reference_ops``).
        cache: the forward's cache (``FREED`` once backward released it).
        edges: per input, the input's ``Node``, the leaf Tensor that accumulates the
            gradient, or ``None`` when that input needs no gradient.
        saved: ``(version_counter, version, description)`` for each input or output array the
            cache holds, checked before backward uses the cache.
        hooks: gradient hooks of the (non-leaf) output tensor, functions of ndarrays.
        retain: weak reference to the output tensor when it called ``retain_grad()``.
        shape, dtype: the output's.
        origin: where the op was created (an ``OpRecord``), set only while
            ``detect_anomaly`` or a recorder is on; read it with ``node_origin``.
    """

    __slots__ = ("op", "backward", "cache", "edges", "saved", "hooks", "retain", "shape",
                 "dtype", "origin", "__weakref__")
    origin: OpRecord  # set only under anomaly mode or a recorder: read it with node_origin

    def __init__(self, op: OpDef, backward: Backward, cache: Any, edges: tuple[Any, ...],
                 saved: tuple[tuple[list[int], int, str], ...], out: NDArray[Any]) -> None:
        self.op = op
        self.backward = backward
        self.cache = cache
        self.edges = edges
        self.saved = saved
        self.hooks: list[Callable[[NDArray[Any]], NDArray[Any]]] | None = None
        self.retain: weakref.ref[GraphTensor] | None = None
        self.shape = out.shape
        self.dtype = out.dtype

    def __repr__(self) -> str:
        return f"<{self.op.name} backward node, output shape {self.shape}>"

    @property
    def name(self) -> str:
        """The op's registered name."""
        return self.op.name


#: ops that move or pick elements without arithmetic: they run on float16/bfloat16 arrays
#: as they are (views stay views); every other op computes half inputs in float32.
HALF_NATIVE = frozenset({"cast", "reshape", "permute", "expand", "getitem", "index_put", "cat",
                         "pad", "clone", "where"})


def apply_op(op: OpDef | str, *inputs: GraphTensor, **static: Any) -> Any:
    """Run a registered op on Tensors and record it for backward when needed.

    Args:
        op: the ``OpDef`` (or its registered name).
        *inputs: the array inputs, as Tensors.
        **static: hyper-parameters passed through to the forward as keywords.

    Returns:
        A new Tensor holding the forward's output; it has a ``Node`` when recorded.
    """
    if op.__class__ is not OpDef:
        op = lookup(op)
    debug = DEBUG.on  # anomaly mode or a recorder: remember where the op came from
    origin = user_origin() if debug else None
    forward, backward = op.pair()
    arrays = [t._data for t in inputs]
    if has_half(arrays) and op.name not in HALF_NATIVE:  # float16/bfloat16: compute in float32
        forward, backward, arrays = half_pair(forward, backward, arrays)
    edges = None
    if _grad_mode.enabled and backward is not None:
        edges = tuple([(t._ctx or t) if t.requires_grad else None for t in inputs])
        if all(e is None for e in edges):
            edges = None
    if edges is None:
        out, cache = forward(*arrays, **static)
    else:  # the forward may ask needs_input_grad what its backward will have to compute
        prev = set_needs(tuple([e is not None for e in edges]))
        try:
            out, cache = forward(*arrays, **static)
        finally:
            set_needs(prev)
    if out.__class__ is not np.ndarray:  # numpy gives scalars for 0-d results: a Tensor's
        out = np.asarray(out)            # data is always an ndarray
    result = inputs[0]._wrap(out)
    node = None
    if edges is not None:
        node = Node(op, backward, cache, edges, _saved_versions(cache, inputs, arrays, result),
                    out)
        result._ctx = node
        result.requires_grad = True
    if debug:
        record(op, (forward, backward), arrays, static, out, node, origin,
               tuple(bool(t.requires_grad) for t in inputs))
    return result


def _saved_versions(cache: Any, inputs: tuple[GraphTensor, ...], arrays: list[Any],
                    result: GraphTensor) -> tuple[tuple[list[int], int, str], ...]:
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
