"""Recording the graph: ``apply_op`` runs an op on Tensors and remembers a ``Node``.

``apply_op(op, *tensors, **static)`` runs the op's forward on the arrays inside the tensors
and wraps the result in a new Tensor. When grad mode is on and some input requires grad, the
result also gets a ``Node``: the op, the forward's cache, the backward to call and one edge
per input (the input's own ``Node``, the leaf Tensor itself, or ``None`` when that input needs
no gradient). float16/bfloat16 inputs are computed in float32 and the result rounded back
(``dtypes.half_pair``), as PyTorch's CPU kernels do. The backward walk (``engine.py``)
follows these edges from the output back.

The node is the tensor's ``grad_fn``, and, as in PyTorch, its class is named after the
backward it runs: ``(a + b).grad_fn`` is an ``AddBackward0`` (a subclass of ``Node`` made by
``node_class``; ``node_names.py`` holds PyTorch's name for each op). ``name()`` and
``next_functions`` show the graph the way PyTorch shows it, with an ``AccumulateGrad`` for
each leaf that requires grad.

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

from ..checks import check_dtypes
from ..dtypes import half_pair, has_half
from ..ops.registry import Backward, Forward, OpDef, lookup, set_needs
from .anomaly import DEBUG, OpRecord, record, user_origin
from .grad_mode import INFERENCE_SEEN, _grad_mode
from .node_names import TORCH_NODE_NAMES, torch_node_name

__all__ = ["AccumulateGrad", "GraphTensor", "Node", "OutputGrads", "apply_op", "input_versions",
           "is_graph_tensor", "node_class", "relabel"]


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


def is_graph_tensor(x: Any) -> bool:
    """Does ``x`` follow the ``GraphTensor`` protocol (is it a Tensor)? Code in ``autograd/``
    recognises tensors this way, without importing the Tensor class from the layer above."""
    return isinstance(getattr(x, "_version", None), list) and hasattr(x, "_wrap")


class OutputGrads(dict[int, Any]):
    """The gradients of several outputs of one node, by output index.

    A node with several outputs (an ``autograd.Function`` returning a tuple) gets them
    together; gradients that meet add up as usual, output by output.
    """

    def __add__(self, other: OutputGrads) -> OutputGrads:
        out = OutputGrads(self)
        for i, g in other.items():
            out[i] = g if i not in out else out[i] + g
        return out


class Node:
    """One recorded op application: what backward needs to send gradients to the inputs.

    Each recorded node is an instance of a subclass named as PyTorch names the node
    (``AddBackward0``, see ``node_class``); ``isinstance(x, Node)`` tells nodes from leaves.

    Attributes:
        op: the ``OpDef`` that ran.
        backward: the backward that goes with the forward that ran (the op's fast pair or its
            readable one, see ``reference_ops``).
        cache: the forward's cache (``FREED`` once backward released it).
        edges: per input, the input's ``Node``, the leaf Tensor that accumulates the
            gradient, or ``None`` when that input needs no gradient.
        needs: per input, whether it needs a gradient (its edge is not None): what
            ``needs_input_grad`` answers while the backward runs.
        saved: ``(version_counter, version, description)`` for each input or output array the
            cache holds, checked before backward uses the cache. For a recorded op it is found
            when first read (``versions`` tells the engine whether it has to look).
        arrays, versions, out_id, out_version: for a recorded op, the arrays its forward ran
            on, the versions of its inputs then, the output's ``id`` and version counter: what
            ``saved`` is found from.
        hooks: gradient hooks of the (non-leaf) output tensor, functions of ndarrays.
        retain: weak reference to the output tensor when it called ``retain_grad()``.
        shape, dtype: the output's.
        origin: where the op was created (an ``OpRecord``), set only while
            ``detect_anomaly`` or a recorder is on; read it with ``node_origin``.
        inputs, static: the op's input Tensors and static arguments, for a backward that
            builds a graph itself (``create_graph=True``, see ``higher.py``); released with
            the cache.
    """

    __slots__ = ("op", "backward", "cache", "edges", "needs", "_saved", "hooks", "retain", "shape",
                 "dtype", "origin", "inputs", "static", "arrays", "versions", "out_id",
                 "out_version",
                 "__weakref__")
    origin: OpRecord  # set only under anomaly mode or a recorder: read it with node_origin

    def __init__(self, op: OpDef, backward: Backward, cache: Any, edges: tuple[Any, ...],
                 saved: tuple[tuple[list[int], int, str], ...] | None, out: NDArray[Any],
                 inputs: tuple[GraphTensor, ...] = (), static: dict[str, Any] | None = None,
                 arrays: Any = (), versions: tuple[int, ...] | None = None,
                 out_version: list[int] | None = None, needs: tuple[bool, ...] | None = None
                 ) -> None:
        self.op = op
        self.backward = backward
        self.cache = cache
        self.edges = edges
        self.needs = tuple([e is not None for e in edges]) if needs is None else needs
        self._saved = saved
        self.hooks: list[Callable[[NDArray[Any]], NDArray[Any]]] | None = None
        self.retain: weakref.ref[GraphTensor] | None = None
        self.shape = out.shape
        self.dtype = out.dtype
        self.inputs = inputs
        self.static: dict[str, Any] = {} if static is None else static
        self.arrays = arrays
        self.versions = versions
        self.out_id = id(out)
        self.out_version = out_version

    @property
    def saved(self) -> tuple[tuple[list[int], int, str], ...]:
        """``(version_counter, version at forward, "input 0" | "output 0")`` for each input or
        output array the cache holds (empty once the cache is freed)."""
        if self._saved is None:
            if not isinstance(self.cache, tuple) or not self.inputs:
                return ()
            self._saved = _find_saved(self)
        return self._saved

    def name(self) -> str:
        """PyTorch's name for this node, e.g. ``'AddBackward0'`` (also its class's name).

        The registered op that ran is ``node.op.name`` (``'add'``).
        """
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """Where this node sends gradients, one ``(node, output index)`` pair per input.

        As in PyTorch: the node that made the input (with which of its outputs the input
        is), an ``AccumulateGrad`` for a leaf that requires grad, ``(None, 0)`` for an input
        that needs no gradient.
        """
        return tuple([(None, 0) if e is None else e._next_entry() if isinstance(e, Node)
                      else (AccumulateGrad.of(e), 0) for e in self.edges])

    def _next_entry(self) -> tuple[Node, int]:
        """This node as an entry of ``next_functions``: the node and which output it is.

        A node standing for one output of a several-output ``autograd.Function`` answers
        with the function's node and the output's index (see ``autograd/function.py``).
        """
        return self, 0


class AccumulateGrad:
    """The end of a path in the graph: adds the gradient into a leaf's ``.grad``.

    PyTorch shows one in ``next_functions`` wherever a leaf that requires grad enters an op;
    ``.variable`` is the leaf. Our engine adds into leaves directly, so this object exists only
    to be looked at; there is one per leaf while someone holds it (as in PyTorch).
    """

    _alive: weakref.WeakValueDictionary[int, AccumulateGrad] = weakref.WeakValueDictionary()

    def __init__(self, variable: GraphTensor) -> None:
        self.variable = variable

    @classmethod
    def of(cls, leaf: GraphTensor) -> AccumulateGrad:
        """The leaf's ``AccumulateGrad`` (the same object while one is alive; it holds the
        leaf, so the id cannot be reused meanwhile)."""
        acc = cls._alive.get(id(leaf))
        if acc is None:
            acc = cls(leaf)
            cls._alive[id(leaf)] = acc
        return acc

    def name(self) -> str:
        """PyTorch's name, ``'torch::autograd::AccumulateGrad'``."""
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """Nothing: a leaf is where the backward pass ends."""
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


_CLASSES: dict[str, type[Node]] = {}


def node_class(name: str, module: str | None = None) -> type[Node]:
    """The ``Node`` subclass called ``name`` (made once, then reused).

    Args:
        name: PyTorch's node name, e.g. ``"AddBackward0"``.
        module: the class's ``__module__`` (``autograd.Function`` nodes name their module, as
            PyTorch prints ``<torch.autograd.function.MyFnBackward object at ...>``); the
            built-in nodes print without one, ``<AddBackward0 object at ...>``.
    """
    key = f"{module}.{name}" if module else name
    cls = _CLASSES.get(key)
    if cls is None:
        cls = type(name, (Node,), {"__slots__": (), "__module__": module or "builtins",
                                   "__doc__": f"A graph node named as PyTorch names it ({name})."})
        _CLASSES[key] = cls
    return cls


# op name -> its node class, for the ops whose PyTorch name does not depend on the call
_FIXED = {op: node_class(name) for op, name in TORCH_NODE_NAMES.items() if isinstance(name, str)}


def _node_class_for(op: OpDef, static: dict[str, Any], arrays: list[Any],
                    edges: tuple[Any, ...]) -> type[Node]:
    cls = _FIXED.get(op.name)
    if cls is None:
        cls = node_class(torch_node_name(op.name, static, arrays, edges))
        if op.name not in TORCH_NODE_NAMES:  # the CamelCase rule: depends on the name only
            _FIXED[op.name] = cls
    return cls


def relabel(tensor: Any, name: str, *sources: Any) -> Any:
    """Give the node that made ``tensor`` PyTorch's ``name`` for the whole call; return it.

    A composite method (``mean``: a sum, then a division) ends in the node of its last op;
    PyTorch shows one node for the call (``MeanBackward0``), and printed losses show its name.
    Only the name changes: the node still runs its op's backward.

    ``sources`` are the call's input tensors: when ``tensor`` is one of them, or its node is
    the node of one of them (a composite that had nothing to do and handed an input back),
    that node was not made by this call and keeps its name.
    """
    node = tensor._ctx
    if node is None or type(node).__module__ != "builtins":
        return tensor
    if any(s is tensor or getattr(s, "_ctx", None) is node for s in sources):
        return tensor
    node.__class__ = node_class(name)
    return tensor


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

    This runs for every op a program calls, so it is written for speed: at 8x8 the engine's
    own work is most of an op's time (``benchmarks/bench_elementwise.py``). The steps are
    plain all the same: check the dtypes, pick the pair, run the forward on the arrays, wrap
    the result, and record a node when some input requires grad.
    """
    if op.__class__ is not OpDef:
        op = lookup(op)
    if op.dtypes is not None:  # declared with the op (register_op's dtypes=)
        check_dtypes(op.name, op.dtypes, *inputs)
    if op.fast_forward is None:  # (most ops have one pair: no need to ask which to run)
        forward, backward = op.forward, op.backward
    else:
        forward, backward = op.pair()
    arrays = _arrays(inputs)
    if has_half(arrays) and op.name not in HALF_NATIVE:  # float16/bfloat16: compute in float32
        forward, backward, arrays = half_pair(forward, backward, arrays)
    if DEBUG.on:  # anomaly mode or a recorder: remember where the op came from
        return _apply_debug(op, forward, backward, inputs, arrays, static)
    if backward is not None and _grad_mode.enabled:
        needs = _needs(inputs)
        if True in needs:
            return _recorded(op, forward, backward, inputs, arrays, static, needs)
    return inputs[0]._wrap(forward(*arrays, **static)[0])  # _wrap makes numpy scalars arrays


# Each op reads a few fields of every input. Most ops have one or two inputs, and listing
# those directly is about three times cheaper than a comprehension (in Python 3.11 a
# comprehension is a function call of its own), so these helpers spell out the usual cases.

def _arrays(inputs: tuple[GraphTensor, ...]) -> list[Any]:
    """The inputs' arrays."""
    if len(inputs) == 2:
        return [inputs[0]._data, inputs[1]._data]
    if len(inputs) == 1:
        return [inputs[0]._data]
    return [t._data for t in inputs]


def _needs(inputs: tuple[GraphTensor, ...]) -> tuple[bool, ...]:
    """Which inputs require grad."""
    if len(inputs) == 2:
        return inputs[0].requires_grad, inputs[1].requires_grad
    if len(inputs) == 1:
        return (inputs[0].requires_grad,)
    return tuple([t.requires_grad for t in inputs])


def _edges(inputs: tuple[GraphTensor, ...], needs: tuple[bool, ...]) -> tuple[Any, ...]:
    """Per input, where its gradient goes: its node, the leaf itself, or None."""
    if len(inputs) == 2:
        a, b = inputs
        return (a._ctx or a) if needs[0] else None, (b._ctx or b) if needs[1] else None
    if len(inputs) == 1:
        return ((inputs[0]._ctx or inputs[0]),)  # (needs[0] is True: some input needs it)
    return tuple([(t._ctx or t) if t.requires_grad else None for t in inputs])


def input_versions(inputs: tuple[GraphTensor, ...]) -> tuple[int, ...]:
    """The inputs' version counters now (recorded at forward, compared before backward)."""
    if len(inputs) == 2:
        return inputs[0]._version[0], inputs[1]._version[0]
    if len(inputs) == 1:
        return (inputs[0]._version[0],)
    return tuple([t._version[0] for t in inputs])


def _recorded(op: OpDef, forward: Forward, backward: Backward, inputs: tuple[GraphTensor, ...],
              arrays: list[Any], static: dict[str, Any], needs: tuple[bool, ...]) -> GraphTensor:
    """Run the forward (while ``needs_input_grad`` answers ``needs``, for a forward that
    asks); wrap the output and give it a node whose edges lead to the inputs that require
    grad."""
    if op.forward_asks:  # the forward may ask what its backward will have to compute
        prev = set_needs(needs)
        try:
            out, cache = forward(*arrays, **static)
        finally:
            set_needs(prev)
    else:
        out, cache = forward(*arrays, **static)
    if out.__class__ is not np.ndarray:  # numpy gives scalars for 0-d results: a Tensor's
        out = np.asarray(out)            # data is always an ndarray
    result = inputs[0]._wrap(out)
    edges = _edges(inputs, needs)
    versions = input_versions(inputs)
    cls = _FIXED.get(op.name) or _node_class_for(op, static, arrays, edges)
    # Which arrays the cache holds is found only when backward needs to know (an input was
    # changed in place since), from the inputs' versions now; see ``Node.saved``.
    node = cls(op, backward, cache, edges, None, out, inputs, static, arrays, versions,
               result._version, needs)
    if INFERENCE_SEEN.seen:  # an inference tensor saved for backward is an error at once
        _refuse_inference(node)
    result._ctx = node
    result.requires_grad = True
    return result


def _apply_debug(op: OpDef, forward: Forward, backward: Backward | None,
                 inputs: tuple[GraphTensor, ...], arrays: list[Any], static: dict[str, Any]
                 ) -> Any:
    """``apply_op``'s last steps under anomaly mode or a recorder, plus the op's record
    (where in the user's code it was called, its arrays for the checks)."""
    origin = user_origin()
    needs = _needs(inputs)
    node = None
    if backward is not None and _grad_mode.enabled and True in needs:
        result = _recorded(op, forward, backward, inputs, arrays, static, needs)
        node = result._ctx
    else:
        result = inputs[0]._wrap(forward(*arrays, **static)[0])
    record(op, (forward, backward), arrays, static, result._data, node, origin, needs)
    return result


def _find_saved(node: Node) -> tuple[tuple[list[int], int, str], ...]:
    """``Node.saved`` of a recorded op: the cache's fields that are the op's input arrays or
    its output, with the version each had at forward (the output's was 0)."""
    saved = []
    for field in node.cache:
        if field.__class__ is not np.ndarray:
            continue
        for i, a in enumerate(node.arrays):
            if field is a:
                saved.append((node.inputs[i]._version, node.versions[i], f"input {i}"))
        if id(field) == node.out_id:  # the output lives as long as the cache holds it
            saved.append((node.out_version, 0, "output 0"))
    return tuple(saved)


def _refuse_inference(node: Node) -> None:
    """PyTorch's error when the op's cache holds an inference tensor's array."""
    held = {id(f) for f in node.cache} if isinstance(node.cache, tuple) else set()
    if any(getattr(t, "_inference", False) and id(a) in held
           for t, a in zip(node.inputs, node.arrays, strict=True)):
        raise RuntimeError(
            "Inference tensors cannot be saved for backward. Please do not use "
            "Tensors created in inference mode in computation tracked by autograd. "
            "To work around this, you can make a clone to get a normal tensor and "
            "use it in autograd, or use `torch.no_grad()` instead of "
            "`torch.inference_mode()`.")
