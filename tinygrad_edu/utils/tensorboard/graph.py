"""A model's graph for TensorBoard's Graphs tab, from the graph one forward pass records.

PyTorch's ``add_graph`` traces the model with TorchScript. tinygrad_edu needs no tracer: every
op a forward pass runs leaves a ``Node`` behind (``tensor.grad_fn``), holding the op
(``node.op.name``), its input tensors (``node.inputs``), its static arguments
(``node.static``: stride, padding, ...) and its output's shape. Walking those nodes from the
outputs back to the inputs gives the whole computation, and ``viz.walk.trace_modules``
tells which submodule's forward made each node.

TensorBoard reads a ``GraphDef``: a flat list of ``NodeDef`` entries, each with a unique
name, an op type, the names of its inputs and attributes. Names are paths; TensorBoard
folds every ``a/b/...`` prefix into a box you can open, so the names follow PyTorch's
scheme ``Net/Conv2d[conv1]/conv2d``: the model's class, then ``Class[attribute]`` for each
submodule on the way down, then the op. The model's inputs are ``input/<argument name>``,
its outputs ``output/output.<k>``, and parameters ``<module scope>/<parameter name>``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import numpy as np
from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ... import autograd
from ...autograd import Node, enable_grad
from ...nn.module import Module
from ...tensor import Tensor
from ...tensor.creation import tensor as to_tensor
from ...viz import walk

__all__ = ["graph_def"]


def _shape_attr(shape: Iterable[int]) -> AttrValue:
    proto = TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in shape])
    return AttrValue(list=AttrValue.ListValue(shape=[proto]))


def _describe(value: Any, limit: int = 120) -> str:
    """A static argument as short text: arrays by shape and dtype, long values cut."""
    if isinstance(value, np.ndarray):
        return f"array{tuple(value.shape)} {value.dtype}"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _node_def(name: str, op: str, inputs: list[str], shape: Iterable[int] | None,
              static: dict[str, Any] | None = None) -> NodeDef:
    """One NodeDef; ``attr`` holds the static arguments as text, as PyTorch writes them."""
    text = "{" + ", ".join(f" {k} : {_describe(v)}" for k, v in (static or {}).items()) + \
        (" }" if static else "}")
    attr = {"attr": AttrValue(s=text.encode("utf_8"))}
    if shape is not None:
        attr["_output_shapes"] = _shape_attr(shape)
    return NodeDef(name=name, op=op, input=inputs, attr=attr)


class _Namer:
    """Unique NodeDef names and the name each tensor or node already has."""

    def __init__(self, model: Module, trace: walk.ModuleTrace) -> None:
        self.root, self.trace = type(model).__name__, trace
        self.taken: dict[str, int] = {}  # name -> how many nodes asked for it
        self.of: dict[int, str] = {}  # id(Node or Tensor) -> NodeDef name
        self.nodes: list[NodeDef] = []

    def unique(self, name: str) -> str:
        """``name`` the first time, then ``name_1``, ``name_2``, ... (skipping taken ones)."""
        candidate = name
        while candidate in self.taken:
            self.taken[name] += 1
            candidate = f"{name}_{self.taken[name]}"
        self.taken[candidate] = 0
        return candidate

    def scope(self, path: str) -> str:
        """``Net/Sequential[features]/Conv2d[0]`` for the module at ``features.0``."""
        parts = path.split(".") if path else []
        steps = [f"{self.trace.modules['.'.join(parts[:i + 1])].kind}[{part}]"
                 for i, part in enumerate(parts)]
        return "/".join([self.root, *steps])

    def add(self, key: int, name: str, op: str, inputs: list[str],
            shape: Iterable[int] | None, static: dict[str, Any] | None = None) -> str:
        name = self.unique(name)
        self.of[key] = name
        self.nodes.append(_node_def(name, op, inputs, shape, static))
        return name

    def source(self, t: Any, consumer_scope: str) -> str:
        """The NodeDef name of an op's input: an op's output, a model input, a parameter or
        a constant (made on first use)."""
        key = id(t._ctx) if isinstance(t._ctx, Node) else id(t)
        if key in self.of:
            return self.of[key]
        if id(t) in self.trace.param_name:
            owner = self.trace.param_owner[id(t)]
            attribute = self.trace.param_name[id(t)].rpartition(".")[2]
            return self.add(id(t), f"{self.scope(owner)}/{attribute}", "Parameter", [],
                            t.shape)
        return self.add(id(t), f"{consumer_scope}/constant", "Constant", [], t.shape)


def _argument_names(model: Module, count: int) -> list[str]:
    """The forward's positional parameter names (``x``), or ``input.<k>`` past them."""
    try:
        params = [p.name for p in inspect.signature(model.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[k] if k < len(params) else f"input.{k}" for k in range(count)]


def _forward_order(outputs: list[Tensor]) -> list[Node]:
    """Every node the outputs depend on, each after the nodes that feed it."""
    order: list[Node] = []
    seen: set[int] = set()
    for out in outputs:
        if isinstance(out._ctx, Node):
            for node in reversed(autograd.toposort(out._ctx)):
                if id(node) not in seen:
                    seen.add(id(node))
                    order.append(node)
    return order


def _prepare_inputs(method: str, inputs: Any) -> tuple[Tensor, ...]:
    """The inputs as Tensors; float ones become fresh leaves that require grad, so that every
    op touching them is recorded (an op on inputs that need no gradient leaves no node)."""
    if inputs is None:
        raise TypeError(f"{method}: pass input_to_model (a Tensor or a tuple of Tensors) to "
                        "run the model on once")
    args = inputs if isinstance(inputs, tuple | list) else (inputs,)
    prepared = []
    for k, a in enumerate(args):
        if not isinstance(a, Tensor):
            if not isinstance(a, np.ndarray | int | float | list):
                raise TypeError(f"{method}: input_to_model[{k}] must be a Tensor or a numpy "
                                f"array, got {type(a).__name__}")
            a = to_tensor(a)
        if a.dtype.is_floating_point:
            a = a.detach().requires_grad_(True)
        prepared.append(a)
    return tuple(prepared)


def graph_def(model: Module, inputs: Any, method: str = "add_graph"
              ) -> tuple[GraphDef, RunMetadata]:
    """Run ``model`` once on ``inputs`` (in eval mode) and describe what ran as a GraphDef.

    Returns:
        ``(graph, run_metadata)``: the GraphDef, and the (empty, CPU) run metadata PyTorch
        writes next to it.
    """
    if not isinstance(model, Module):
        raise TypeError(f"{method}: model must be an nn.Module, got {type(model).__name__}")
    args = _prepare_inputs(method, inputs)
    was_training = model.training
    model.eval()
    try:
        with enable_grad(), walk.trace_modules(model) as trace:
            outputs = walk.tensors_in(model(*args))
    finally:
        model.train(was_training)
    if not outputs:
        raise TypeError(f"{method}: the model returned no Tensor (it returned "
                        f"{type(outputs).__name__})")
    names = _Namer(model, trace)
    for arg, arg_name in zip(args, _argument_names(model, len(args)), strict=True):
        names.add(id(arg), f"input/{arg_name}", "IO Node", [], arg.shape)
    for node in _forward_order(outputs):
        owner = walk.NODE_MODULE.get(node)
        scope = names.scope(owner[1]) if owner is not None and owner[0] is trace \
            else names.root
        sources = [names.source(t, scope) for t in node.inputs]
        names.add(id(node), f"{scope}/{node.op.name}", node.op.name, sources, node.shape,
                  node.static)
    for k, out in enumerate(outputs):
        names.add(-1 - k, f"output/output.{k}", "IO Node", [names.source(out, names.root)],
                  out.shape)
    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(
        device="/device:CPU:0")]))
    return GraphDef(node=names.nodes, versions=VersionDef(producer=22)), stats
