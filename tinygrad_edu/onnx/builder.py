"""The ``Builder``: collects the ONNX nodes, constants and inputs of the graph being written.

An ONNX graph is a list of nodes (``op_type``, input names, output names, attributes), the
graph's inputs and outputs (names with a type and a shape, where a dynamic axis has a name
instead of a number) and initializers (named constant tensors: the weights). Converters
(``converters.py``) add to it through a few methods:

- ``node(op_type, inputs, outputs=1, **attributes)``: add a node, get its output name(s);
- ``const(array)`` / ``ints(values)``: add a constant, get its name (a parameter's array gets
  the parameter's ``state_dict`` name);
- ``dim(size, size2)`` / ``shape_value(sizes, sizes2)``: the size of a dynamic axis, read at run
  time from a graph input (``Shape`` -> ``Gather``), for targets of ``Reshape``/``Expand``.

This module needs the ``onnx`` package; ``export`` imports it only after checking it is there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .converters import ExportError

__all__ = ["Builder"]


class Builder:
    """The graph under construction (see the module docstring).

    Attributes:
        opset: the ONNX opset being written (converters may choose nodes by it).
        nodes, initializers, inputs, outputs: the graph's parts, as onnx protos.
    """

    def __init__(self, opset: int, params_as_inputs: bool = False) -> None:
        self.opset = opset
        self.params_as_inputs = params_as_inputs  # export_params=False: weights are inputs
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[onnx.ValueInfoProto] = []
        self._used: set[str] = set()
        self._counts: dict[str, int] = {}
        self._small: dict[tuple[str, tuple[int, ...], bytes], str] = {}  # small constants, shared
        self._param_names: dict[int, tuple[str, Any]] = {}  # id(array) -> (name, array)
        self._dim_sources: dict[tuple[int, int], tuple[str, int]] = {}  # (size, size2) -> where
        self._dims: dict[tuple[int, int], str] = {}  # sizes already read, by (size, size2)

    # ------------------------------------------------------------------------- names
    def fresh(self, hint: str) -> str:
        """A value name not used yet, made from ``hint`` (``"relu"`` -> ``"relu_3"``)."""
        hint = hint or "v"
        while True:
            n = self._counts.get(hint, 0)
            self._counts[hint] = n + 1
            name = f"{hint}_{n}"
            if name not in self._used:
                self._used.add(name)
                return name

    def claim(self, name: str) -> str:
        """Reserve a name given by the user (an input, output or parameter name)."""
        if name in self._used:
            raise ExportError(f"onnx.export: the name {name!r} is used twice in the graph")
        self._used.add(name)
        return name

    # ------------------------------------------------------------------------- nodes
    def node(self, op_type: str, inputs: list[str], outputs: int = 1, **attributes: Any
             ) -> Any:
        """Add a node; return its output name, or a list of names when ``outputs > 1``.

        ``inputs`` are value names ("" for an optional input left out); ``attributes`` are
        the node's attributes (ints, floats, strings, lists of them), None ones left out.
        """
        names = [self.fresh(op_type.lower()) for _ in range(outputs)]
        attrs = {k: v for k, v in attributes.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, list(inputs), names,
                                           name=f"{op_type}_{len(self.nodes)}", **attrs))
        return names[0] if outputs == 1 else names

    # ------------------------------------------------------------------------- constants
    def name_parameters(self, named: dict[str, Any]) -> None:
        """Remember the ``state_dict`` names of the parameters' and buffers' arrays, so that
        ``const`` names them (and stores each once)."""
        for name, array in named.items():
            self._param_names.setdefault(id(array), (name, array))

    def parameter_name(self, array: Any) -> str | None:
        """The ``state_dict`` name of ``array`` when it is (a reshaped view of) a parameter's or
        buffer's array, else None."""
        for candidate in (array, getattr(array, "base", None)):
            hit = self._param_names.get(id(candidate)) if candidate is not None else None
            if hit is not None and hit[1].size == array.size:
                return hit[0]
        return None

    def const(self, value: Any, dtype: Any = None, name: str | None = None) -> str:
        """Add a constant (an initializer) holding ``value``; return its name.

        A parameter's or buffer's array gets its ``state_dict`` name and is stored once;
        small constants with equal values are stored once too.
        """
        array = np.asarray(value, dtype=dtype)
        pname = self.parameter_name(array) if name is None else None
        if pname is not None:
            if pname not in self._used:
                if self.params_as_inputs:
                    self.add_input(pname, array.dtype, array.shape, {}, array.shape)
                else:
                    self.claim(pname)
                    self._add_initializer(np.array(array, order="C"), pname)
            return pname
        key = None
        if name is None and array.size <= 16:
            key = (array.dtype.str, array.shape, array.tobytes())
            if key in self._small:
                return self._small[key]
        name = self.claim(name) if name is not None else self.fresh("const")
        self._add_initializer(np.array(array, order="C"), name)
        if key is not None:
            self._small[key] = name
        return name

    def _add_initializer(self, array: np.ndarray[Any, Any], name: str) -> None:
        if array.dtype.kind not in "biuf":
            raise ExportError(f"onnx.export: cannot store a constant of dtype {array.dtype}")
        self.initializers.append(numpy_helper.from_array(array, name))

    def ints(self, values: Any) -> str:
        """A constant int64 vector (or scalar, for a 0-d ``values``): shapes, axes, pads."""
        return self.const(np.asarray(values, dtype=np.int64))

    def scalar(self, value: float, dtype: Any) -> str:
        """A 0-d constant of ``dtype`` (the dtype of the tensor it meets)."""
        return self.const(np.asarray(value, dtype=dtype))

    # ------------------------------------------------------------------------- graph inputs
    def add_input(self, name: str, dtype: Any, shape: tuple[int, ...],
                  axis_names: dict[int, str], shape2: tuple[int, ...]) -> str:
        """Add a graph input; ``axis_names`` names its dynamic axes (``{0: "batch"}``), and
        ``shape2`` is its shape in the second run (where dynamic axes had other sizes)."""
        self.claim(name)
        dims: list[Any] = [axis_names.get(d, size) for d, size in enumerate(shape)]
        self.inputs.append(helper.make_tensor_value_info(name, _onnx_type(dtype), dims))
        for d, (a, b) in enumerate(zip(shape, shape2, strict=True)):
            if a != b:
                self._dim_sources.setdefault((a, b), (name, d))
        return name

    def add_output(self, name: str, dtype: Any, shape: tuple[int, ...],
                   axis_names: dict[int, str], shape2: tuple[int, ...]) -> None:
        """Declare a graph output; dims that follow a dynamic axis but have no name of the
        user get a made-up one (``"<name>_dim_1"``)."""
        dims: list[Any] = [axis_names.get(d, f"{name}_dim_{d}" if size != size2 else size)
                           for d, (size, size2) in enumerate(zip(shape, shape2, strict=True))]
        self.outputs.append(helper.make_tensor_value_info(name, _onnx_type(dtype), dims))

    # ------------------------------------------------------------------------- dynamic sizes
    def dim(self, size: int, size2: int) -> str | None:
        """A 1-element int64 value holding a dim's size at run time.

        ``size``/``size2`` are the dim's sizes in the two runs. A static dim (equal sizes)
        gives a constant; a dynamic one is read from a graph input whose dim had the same
        two sizes (``Shape`` + ``Gather``); None when no graph input has such a dim.
        """
        if size == size2:
            return self.ints([size])
        if (size, size2) in self._dims:
            return self._dims[(size, size2)]
        source = self._dim_sources.get((size, size2))
        if source is None:
            return None
        shape = self.node("Shape", [source[0]])
        out = self.node("Gather", [shape, self.ints([source[1]])], axis=0)
        self._dims[(size, size2)] = out
        return out

    def shape_value(self, sizes: tuple[int, ...], sizes2: tuple[int, ...],
                    what: str = "a shape") -> str:
        """An int64 vector value holding the shape ``sizes`` at run time (see ``dim``).

        Raises ExportError when a dynamic entry cannot be read from a graph input.
        """
        if tuple(sizes) == tuple(sizes2):
            return self.ints(list(sizes))
        parts = []
        for size, size2 in zip(sizes, sizes2, strict=True):
            part = self.dim(size, size2)
            if part is None:
                raise ExportError(
                    f"onnx.export: {what} {tuple(sizes)} has a size ({size}) that follows a "
                    "dynamic axis but is not the size of a dynamic axis of an input; export "
                    "without dynamic_axes, or compute it from input shapes differently")
            parts.append(part)
        return self.node("Concat", parts, axis=0)

    # ------------------------------------------------------------------------- output
    def rename(self, old: str, new: str) -> None:
        """Make the node that produces ``old`` produce ``new`` (for the graph outputs)."""
        for n in self.nodes:
            n.input[:] = [new if x == old else x for x in n.input]
            n.output[:] = [new if x == old else x for x in n.output]

    def produced(self, name: str) -> bool:
        """Is ``name`` the output of a node (not an input or a constant)?"""
        return any(name in n.output for n in self.nodes)

    def model(self, graph_name: str, producer: str, initializers_as_inputs: bool = False
              ) -> onnx.ModelProto:
        """The finished ``ModelProto``, without the nodes and constants no output needs.

        ``initializers_as_inputs`` also lists the initializers among the graph's inputs (so
        that a runtime may feed other values for them).
        """
        needed = {o.name for o in self.outputs}
        nodes = []
        for n in reversed(self.nodes):
            if any(o in needed for o in n.output):
                nodes.append(n)
                needed.update(i for i in n.input if i)
        initializers = [t for t in self.initializers if t.name in needed]
        inputs = list(self.inputs)
        if initializers_as_inputs:
            inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                       for t in initializers]
        graph = helper.make_graph(nodes[::-1], graph_name, inputs, self.outputs, initializers)
        return helper.make_model(graph, producer_name=producer,
                                 opset_imports=[helper.make_opsetid("", self.opset)])


def _onnx_type(dtype: Any) -> int:
    """The ONNX element type of a numpy dtype."""
    return int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
