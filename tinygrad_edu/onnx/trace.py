"""Tracing: run the model once and read the recorded graph as a list of values.

The forward runs on detached copies of the example inputs that require grad, with every
floating-point parameter and buffer requiring grad too, so each op that depends on an input
or a parameter records a ``Node`` (``tensor._ctx``: the op, its input Tensors, its static
arguments). Ops that never record a node, because they have no backward (comparisons,
``argmax``), are followed through ``trace_ops``, which keeps every op application with its
arrays: an array that is the output of such an op is that op's output, not a constant.

The walk from the outputs gives a list of values in topological order, each one of

- ``Leaf("input", k)``: the k-th example input (a graph input);
- ``Leaf("param", name)``: a parameter or buffer, by its ``state_dict`` name (an initializer);
- ``Leaf("const", array)``: any other array (an initializer holding its value);
- ``Step``: an op application, with the indices of its input values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..autograd.anomaly import OpRecord, trace_ops
from ..tensor import Tensor

__all__ = ["Leaf", "Step", "Trace", "run_trace"]


@dataclass
class Leaf:
    """A value that no op of the graph made (see the module docstring)."""

    kind: str  # "input", "param" or "const"
    ref: Any  # the input's index, the parameter's name, or the constant's array
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    depends: bool = False  # does it depend on a graph input?


@dataclass
class Step:
    """One op application: the op's name, its inputs (value indices) and static arguments."""

    op: str
    inputs: list[int]
    static: dict[str, Any]
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    origin: str | None
    depends: bool = True


@dataclass
class Trace:
    """The values of one forward pass and which of them are the outputs."""

    values: list[Leaf | Step] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    output_tensors: list[Any] = field(default_factory=list)
    input_tensors: list[Any] = field(default_factory=list)


def run_trace(model: Any, args: list[Tensor], kwargs: dict[str, Any],
              params: dict[str, Tensor]) -> Trace:
    """Run ``model(*args, **kwargs)`` once, recording, and walk the graph from its outputs."""
    inputs = [a.detach().requires_grad_() if a.is_floating_point() else a.detach() for a in args]
    with enable_grad(), trace_ops() as records:
        out = model(*inputs, **kwargs)
    outputs = _flatten(out)
    walk = _Walk(inputs, params, records)
    trace = Trace(output_tensors=outputs, input_tensors=inputs)
    trace.outputs = [walk.value_of(t) for t in outputs]
    trace.values = walk.values
    return trace


def _flatten(out: Any) -> list[Tensor]:
    """The output tensors of a forward that returns a Tensor or (nested) tuples/lists of them."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    raise TypeError(f"onnx.export: the model must return a Tensor or a tuple/list of Tensors, "
                    f"not {type(out).__name__}")


class _Walk:
    """Turns tensors, graph nodes and traced op records into values, inputs first.

    A reference to follow is a Tensor (an input of a node) or an ndarray (an input of an op
    record); its key identifies the value it stands for: the node that made it, else its array.
    """

    def __init__(self, inputs: list[Tensor], params: dict[str, Tensor],
                 records: list[OpRecord]) -> None:
        self.values: list[Leaf | Step] = []
        self._index: dict[tuple[str, int], int] = {}
        self._inputs = {id(t._data): k for k, t in enumerate(inputs)}
        self._params: dict[int, str] = {}
        for name, p in params.items():
            self._params.setdefault(id(p._data), name)
        self._made_by: dict[int, OpRecord] = {}  # id(output array) -> the op record that made it
        for rec in records:
            if all(rec.output is not a for a in rec.inputs):  # an op handing its input back
                self._made_by[id(rec.output)] = rec       # stays the input's own value
        self._keep = (inputs, params, records)  # the arrays stay alive: their ids stay unique

    def _key(self, ref: Any) -> tuple[str, int]:
        if isinstance(ref, Tensor):
            return ("node", id(ref._ctx)) if ref._ctx is not None else ("array", id(ref._data))
        rec = self._made_by.get(id(ref))
        if rec is not None and rec.node is not None:
            return ("node", id(rec.node))
        return ("array", id(ref))

    def _producer(self, ref: Any) -> tuple[Any, list[Any]] | None:
        """What made ``ref`` (a node or an op record) and its input references; None for a
        leaf."""
        if isinstance(ref, Tensor) and ref._ctx is not None:
            return ref._ctx, list(ref._ctx.inputs)
        array = ref._data if isinstance(ref, Tensor) else ref
        if id(array) in self._inputs or id(array) in self._params:
            return None
        rec = self._made_by.get(id(array))
        if rec is None:
            return None
        if rec.node is not None:
            return rec.node, list(rec.node.inputs)
        return rec, list(rec.inputs)

    def value_of(self, ref: Any) -> int:
        """The index of the value ``ref`` stands for, adding it (and its inputs) if new."""
        stack = [ref]
        while stack:
            top = stack[-1]
            if self._key(top) in self._index:
                stack.pop()
                continue
            made = self._producer(top)
            if made is None:
                self._add(top, self._leaf(top))
                stack.pop()
                continue
            missing = [r for r in made[1] if self._key(r) not in self._index]
            if missing:
                stack.extend(reversed(missing))
                continue
            self._add(top, self._step(top, *made))
            stack.pop()
        return self._index[self._key(ref)]

    def _add(self, ref: Any, value: Leaf | Step) -> None:
        self._index[self._key(ref)] = len(self.values)
        self.values.append(value)

    def _leaf(self, ref: Any) -> Leaf:
        array = ref._data if isinstance(ref, Tensor) else ref
        if id(array) in self._inputs:
            return Leaf("input", self._inputs[id(array)], array.shape, array.dtype, True)
        if id(array) in self._params:
            return Leaf("param", self._params[id(array)], array.shape, array.dtype)
        return Leaf("const", array, array.shape, array.dtype)

    def _step(self, ref: Any, made: Any, inputs: list[Any]) -> Leaf | Step:
        ids = [self._index[self._key(r)] for r in inputs]
        depends = any(self.values[i].depends for i in ids)
        if isinstance(made, OpRecord):
            if not depends:  # an op outside the graph on constants only: its result is one
                return Leaf("const", made.output, made.output.shape, made.output.dtype)
            line = None if made.origin is None else str(made.origin)
            return Step(made.op.name, ids, made.static, made.output.shape, made.output.dtype,
                        line, True)
        rec = getattr(made, "origin", None)
        origin = None if rec is None or rec.origin is None else str(rec.origin)
        return Step(made.op.name, ids, made.static, tuple(made.shape), np.dtype(made.dtype),
                    origin, depends)
