"""The converter registry: how each recorded op becomes ONNX nodes.

``export`` walks the recorded graph of one forward pass and hands every op to the converter
registered under the op's name (``node.op.name``: ``"relu"``, ``"conv2d"``, ...). Writing
one is short::

    @converter("relu")
    def relu(b: Builder, call: OpCall) -> str:
        return b.node("Relu", call.inputs)

A converter gets

- ``b``, the ``Builder`` of the graph being written (``builder.py``): ``b.node(op_type,
  inputs, outputs=1, **attributes)`` adds an ONNX node and returns its output name (a list
  of names when ``outputs > 1``); ``b.const(array)`` adds a constant (an initializer) and
  returns its name; ``b.ints(values)`` is the same for an int64 vector and
  ``b.scalar(value, dtype)`` for a 0-d value of the tensor's dtype; ``b.opset`` is the
  opset being written; ``b.dim(size, size2)`` and ``b.shape_value(...)`` build shapes
  that follow the dynamic axes at run time.
- ``call``, the ``OpCall`` (below): the op's input value names, their recorded shapes and
  dtypes, the static (keyword) arguments, the output's shape and dtype, which dims are
  dynamic, and the values of the inputs that are constants;

and returns the name of the value holding the op's output. When the op is called in a way
ONNX cannot express, the converter raises ``ExportError`` (``unsupported(call, why)`` words
it and names the user's line).

Helpers for converters (below): ``inputs_as(b, call)`` / ``input_as(b, call, i, dtype)`` give
the inputs in one dtype (ONNX does not promote types), ``reduce(b, "ReduceMean", x, axes,
keepdim)`` writes a reduction the way the opset wants it, ``axes_input`` normalises a ``dim``.

Dynamic axes: with ``dynamic_axes``, ``export`` runs the forward twice, the second time with
other sizes along the dynamic axes, so every ``OpCall`` also knows the shapes and static
arguments of the second run (``shapes2``, ``out_shape2``, ``static2``): what differs between
the two runs follows the dynamic axes and must not be written into the graph as a number.
Without dynamic axes the two are equal. A tensor the forward makes without ops from sizes
(``tg.zeros(b, t)``) is a constant of the graph: written as an ``Expand`` of its one value
when all its values are equal, refused when its values depend on the sizes (a causal mask).

The modules that register converters are imported by the package (``__init__.py``); a new
module of converters adds one import line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Builder = Any  # builder.Builder: it needs onnx, and this module must import without it

__all__ = ["CONVERTERS", "Converter", "ExportError", "OpCall", "axes_input", "converter",
           "input_as", "inputs_as", "reduce", "supported_ops", "unsupported"]


class ExportError(RuntimeError):
    """The model cannot be written as ONNX (an op without a converter, an unsupported call)."""


@dataclass
class OpCall:
    """One recorded op application, as a converter sees it.

    Attributes:
        op: the registered op name, e.g. ``"conv2d"``.
        inputs: the ONNX value names of the op's array inputs, in the op's order.
        shapes, dtypes: the inputs' recorded shapes and numpy dtypes.
        static: the op's static (keyword) arguments, e.g. ``{"stride": (1, 1), ...}``.
        out_shape, out_dtype: the output's shape and numpy dtype.
        constants: per input, its value (an ndarray) when the input is a constant of the
            graph (not a graph input, not a parameter or buffer), else None.
        shapes2, out_shape2, static2: the same in the second run, with other sizes along the
            dynamic axes (equal to the first when there are none).
        origin: the user's source line that called the op (``"file.py:12 in forward: ..."``),
            or None when unknown.
    """

    op: str
    inputs: list[str]
    shapes: list[tuple[int, ...]]
    dtypes: list[np.dtype[Any]]
    static: dict[str, Any]
    out_shape: tuple[int, ...]
    out_dtype: np.dtype[Any]
    constants: list[np.ndarray[Any, Any] | None] = field(default_factory=list)
    shapes2: list[tuple[int, ...]] = field(default_factory=list)
    out_shape2: tuple[int, ...] = ()
    static2: dict[str, Any] = field(default_factory=dict)
    origin: str | None = None

    def dynamic_dims(self, i: int | None = None) -> set[int]:
        """The dims of input ``i`` (of the output when ``i`` is None) whose size follows a
        dynamic axis (they differ between the two runs)."""
        a, b = (self.out_shape, self.out_shape2) if i is None else (self.shapes[i], self.shapes2[i])
        return {d for d, (x, y) in enumerate(zip(a, b, strict=True)) if x != y}

    def is_dynamic(self) -> bool:
        """Does anything about this call (a shape, a static argument) follow a dynamic axis?"""
        return (self.shapes != self.shapes2 or self.out_shape != self.out_shape2
                or not _same(self.static, self.static2))

    def where(self) -> str:
        """`` (called at <user's line>)`` when the line is known, else ``""``; for messages."""
        return f" (called at {self.origin})" if self.origin else ""


def _same(a: Any, b: Any) -> bool:
    """Equality of static arguments that may hold arrays."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


Converter = Callable[[Builder, OpCall], str]

#: op name -> the function that writes it as ONNX nodes
CONVERTERS: dict[str, Converter] = {}


def converter(*ops: str) -> Callable[[Converter], Converter]:
    """Register the decorated function as the converter of the ops named ``ops``."""
    def register(fn: Converter) -> Converter:
        for op in ops:
            if op in CONVERTERS:
                raise ValueError(f"converter: the op {op!r} already has a converter "
                                 f"({CONVERTERS[op].__module__}.{CONVERTERS[op].__name__})")
            CONVERTERS[op] = fn
        return fn
    return register


def supported_ops() -> list[str]:
    """The names of the ops ``export`` can write, sorted (for the docs)."""
    return sorted(CONVERTERS)


def unsupported(call: OpCall, why: str) -> ExportError:
    """The error a converter raises for a call ONNX (or this exporter) cannot express."""
    return ExportError(f"onnx.export: cannot export {call.op!r}{call.where()}: {why}")


# ----------------------------------------------------------------------------- helpers
# Small pieces many converters share. ONNX does not promote types (both inputs of ``Add``
# must have one dtype): ``inputs_as`` gives the inputs in the dtype the op computed in.

def input_as(b: Builder, call: OpCall, i: int, dtype: Any) -> str:
    """Input ``i`` of ``call`` as a value of ``dtype`` (a constant is stored in that dtype,
    another value gets a ``Cast`` when its dtype differs)."""
    dtype = np.dtype(dtype)
    const = call.constants[i] if call.constants else None
    if const is not None and b.parameter_name(const) is None:
        return b.const(np.asarray(const).astype(dtype))
    if call.dtypes[i] == dtype:
        return call.inputs[i]
    return b.node("Cast", [call.inputs[i]], to=_onnx_dtype(dtype))


def inputs_as(b: Builder, call: OpCall, dtype: Any = None) -> list[str]:
    """All inputs as values of ``dtype`` (default: the output's dtype)."""
    dtype = call.out_dtype if dtype is None else dtype
    return [input_as(b, call, i, dtype) for i in range(len(call.inputs))]


def _onnx_dtype(dtype: Any) -> int:
    from onnx import helper
    return int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))


def axes_input(dims: Any, ndim: int) -> list[int] | None:
    """The static ``dim`` argument of a reduction as a sorted list of axes (None for all)."""
    if dims is None:
        return None
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return sorted(d % ndim if ndim else 0 for d in dims)


def reduce(b: Builder, op_type: str, x: str, axes: list[int] | None, keepdim: bool) -> str:
    """A ``Reduce*`` node: axes as an input for ReduceSum (opset 13+) and for all of them
    from opset 18, as an attribute before."""
    keep = int(bool(keepdim))
    if axes is None:
        return b.node(op_type, [x], keepdims=keep)
    if op_type == "ReduceSum" or b.opset >= 18:
        return b.node(op_type, [x, b.ints(axes)], keepdims=keep)
    return b.node(op_type, [x], axes=axes, keepdims=keep)
