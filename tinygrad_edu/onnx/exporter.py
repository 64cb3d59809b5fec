"""``export``: write a model as an ONNX file, with ``torch.onnx.export``'s arguments.

The steps:

1. run the model once on the example inputs (in eval mode unless asked otherwise) and walk
   the recorded graph from the outputs (``trace.py``); with ``dynamic_axes``, run it a
   second time with other sizes along those axes, to see which sizes follow them;
2. give every leaf a name: the example inputs are the graph inputs (``input_names``), the
   parameters and buffers are initializers named by their ``state_dict`` names, other
   arrays become constant initializers;
3. hand each op to its converter (``converters.py``), which adds ONNX nodes (``builder.py``);
4. check the model with ``onnx.checker`` and save it.
"""

from __future__ import annotations

import enum
import inspect
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

import numpy as np

from ..autograd.anomaly import user_origin
from ..nn import Module
from ..tensor import Tensor
from .converters import CONVERTERS, ExportError, OpCall, supported_ops
from .trace import Leaf, Step, Trace, run_trace

__all__ = ["DEFAULT_OPSET", "MAX_OPSET", "MIN_OPSET", "TrainingMode", "export",
           "is_in_onnx_export"]

#: the opset written when ``opset_version`` is not given (torch's default too)
DEFAULT_OPSET = 17
#: the opsets ``export`` can write: the converters need opset 13 (``ReduceSum``, ``Squeeze``
#: and ``Unsqueeze`` with axes as inputs); 21 is the newest ONNX Runtime 1.17 (the oldest
#: supported) runs
MIN_OPSET, MAX_OPSET = 13, 21


_exporting = [False]  # set while export runs the model


def is_in_onnx_export() -> bool:
    """True while ``export`` runs the model (a forward may check it, as with torch)."""
    return _exporting[0]


class TrainingMode(enum.IntEnum):
    """The mode the model is exported in (``torch.onnx.TrainingMode``)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


def export(model: Module | Callable[..., Any], args: Any = (),
           f: str | os.PathLike[str] | IO[bytes] | None = None, *,
           kwargs: dict[str, Any] | None = None, verbose: bool | None = None,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           opset_version: int | None = None, dynamo: bool = True, external_data: bool = True,
           dynamic_shapes: Any = None, custom_translation_table: Any = None,
           report: bool = False, optimize: bool = True, verify: bool = False,
           profile: bool = False, dump_exported_program: bool = False,
           artifacts_dir: str | os.PathLike[str] = ".", export_params: bool = True,
           keep_initializers_as_inputs: bool = False,
           dynamic_axes: Mapping[str, Any] | None = None,
           training: TrainingMode = TrainingMode.EVAL, operator_export_type: Any = None,
           do_constant_folding: bool = True, custom_opsets: Mapping[str, int] | None = None,
           export_modules_as_functions: Any = False, autograd_inlining: bool = True) -> Any:
    """Write ``model`` as an ONNX file, traced from one forward pass on ``args``.

    The arguments are ``torch.onnx.export``'s; the ones that matter here:

    Args:
        model: an ``nn.Module`` (or a function of Tensors).
        args: the example input: a Tensor, or a tuple of Tensors (a trailing dict is passed
            as keyword arguments, as in torch).
        f: a file name or a binary file object to write to; None writes nothing.
        kwargs: keyword arguments for the forward (Tensors among them become graph inputs).
        verbose: print the graph.
        input_names, output_names: names of the graph's inputs and outputs, in order
            (default: the forward's argument names, and ``output``/``output_<i>``).
        opset_version: the ONNX opset to write (default 17; 13 to 21).
        verify: run the written model in ONNX Runtime on ``args`` and compare it with the
            model's output (needs onnxruntime).
        export_params: store the parameters in the file (else they are graph inputs).
        keep_initializers_as_inputs: also list the stored parameters as graph inputs.
        dynamic_axes: axes whose size may change, by input/output name: ``{"input": {0:
            "batch"}}`` or ``{"input": [0]}`` (named ``<name>_dynamic_axes_<i>``).
        training: ``TrainingMode.EVAL`` (default: export in eval mode, the model's own mode
            restored afterwards), ``PRESERVE`` or ``TRAINING``.

    torch's other options are accepted where they change nothing here (``dynamo``,
    ``external_data``, ``optimize``, ``do_constant_folding``, ``report``, ...: there is one
    exporter, constants are always folded, the file is self-contained); ``dynamic_shapes``,
    ``custom_translation_table``, ``custom_opsets``, ``export_modules_as_functions`` and an
    ``operator_export_type`` other than ONNX are refused.

    Returns:
        The ``onnx.ModelProto`` written.

    Raises:
        ImportError: the ``onnx`` package is missing (``pip install tinygrad_edu[onnx]``).
        ExportError: the model uses an op without a converter, or one ONNX cannot express.
    """
    _refuse_options(dynamic_shapes=dynamic_shapes, custom_opsets=custom_opsets or None,
                    custom_translation_table=custom_translation_table or None,
                    export_modules_as_functions=export_modules_as_functions or None,
                    operator_export_type=None if operator_export_type in (None, 0)
                    else operator_export_type)
    onnx = _require_onnx()
    caller = user_origin()  # ops made inside the package's own modules point here: not shown
    opset = _check_opset(opset_version)
    positional, kw = _split_args(args, kwargs)
    tensors, names = _graph_inputs(model, positional, kw, input_names)
    _check_target(f)
    axes = _check_dynamic_axes(dynamic_axes)
    params = _named_tensors(model)
    call = _forward_call(model, positional, kw)
    first, second = _traces(model, call, tensors, params, axes, names, training)
    out_names = _output_names(output_names, len(first.outputs))
    unknown = set(axes) - set(names) - set(out_names)
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {sorted(unknown)}, which are neither "
                         f"input_names {names} nor output_names {out_names}")
    from .builder import Builder
    b = Builder(opset, params_as_inputs=not export_params)
    b.name_parameters({name: t._data for name, t in params.items()})
    _write(b, first, second, names, out_names, axes, params,
           None if caller is None else str(caller))
    _warn_unread_inputs(b, names)
    proto = b.model(type(model).__name__, "tinygrad_edu", keep_initializers_as_inputs)
    onnx.checker.check_model(proto, full_check=True)
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    if verify:
        _verify(proto, model, first, names)
    if f is not None:
        onnx.save_model(proto, f)
    return proto


def _refuse_options(**options: Any) -> None:
    """torch's options that this exporter does not have must keep their defaults."""
    for name, value in options.items():
        if value is not None:
            hint = " (use dynamic_axes)" if name == "dynamic_shapes" else ""
            raise ValueError(f"onnx.export: {name}={value!r} is not supported{hint}")


def _verify(proto: Any, model: Any, trace: Trace, names: list[str]) -> None:
    """Run the model in ONNX Runtime on the example inputs; compare with the traced outputs."""
    try:
        import onnxruntime
    except ImportError as e:
        raise ImportError("onnx.export(verify=True) needs onnxruntime; install it with "
                          "pip install 'tinygrad_edu[onnx]'") from e
    session = onnxruntime.InferenceSession(proto.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    feeds = {n: t._data for n, t in zip(names, trace.input_tensors, strict=True)}
    got = session.run(None, feeds)
    for k, (g, t) in enumerate(zip(got, trace.output_tensors, strict=True)):
        want = t._data
        close = (g.shape == want.shape and g.dtype == want.dtype
                 and (np.allclose(g, want, rtol=1e-4, atol=1e-5) if want.dtype.kind in "fc"
                      else np.array_equal(g, want)))
        if not close:
            raise ExportError(f"onnx.export(verify=True): output {k} of ONNX Runtime differs "
                              f"from the model's: got {g.dtype} {g.shape}, expected "
                              f"{want.dtype} {want.shape}")


# ----------------------------------------------------------------------------- arguments
def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError as e:
        raise ImportError("tinygrad_edu.onnx.export needs the onnx package; install it with "
                          "pip install 'tinygrad_edu[onnx]'") from e
    return onnx


def _check_opset(opset_version: int | None) -> int:
    if opset_version is None:
        return DEFAULT_OPSET
    if not isinstance(opset_version, int) or isinstance(opset_version, bool):
        raise TypeError(f"onnx.export: opset_version must be an int, not "
                        f"{type(opset_version).__name__}")
    if not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise ValueError(f"onnx.export: opset_version {opset_version} is not supported; "
                         f"expected {MIN_OPSET} to {MAX_OPSET} (default {DEFAULT_OPSET})")
    return opset_version


def _split_args(args: Any, kwargs: dict[str, Any] | None) -> tuple[list[Any], dict[str, Any]]:
    """torch's convention: a Tensor, or a tuple whose last item may be a dict of keywords."""
    if isinstance(args, Tensor):
        positional: list[Any] = [args]
    elif isinstance(args, (tuple, list)):
        positional = list(args)
    else:
        raise TypeError(f"onnx.export: args must be a Tensor or a tuple of Tensors, not "
                        f"{type(args).__name__}")
    kw = dict(kwargs or {})
    if positional and isinstance(positional[-1], dict):
        kw.update(positional.pop())
    return positional, kw


def _graph_inputs(model: Any, positional: list[Any], kw: dict[str, Any],
                  input_names: Sequence[str] | None) -> tuple[list[Tensor], list[str]]:
    """The example Tensors that become graph inputs, and their names."""
    for i, a in enumerate(positional):
        if not isinstance(a, Tensor):
            raise TypeError(f"onnx.export: args[{i}] must be a Tensor, not {type(a).__name__}")
    tensors = positional + [v for v in kw.values() if isinstance(v, Tensor)]
    if not tensors:
        raise ValueError("onnx.export: args holds no Tensor: the graph would have no input")
    default = _argument_names(model, len(positional)) + [k for k, v in kw.items()
                                                         if isinstance(v, Tensor)]
    if input_names is None:
        return tensors, default
    if isinstance(input_names, str) or not all(isinstance(n, str) for n in input_names):
        raise TypeError(f"onnx.export: input_names must be a list of str, got {input_names!r}")
    names = list(input_names)
    if len(names) > len(tensors):
        raise ValueError(f"onnx.export: {len(names)} input_names given for {len(tensors)} "
                         "inputs")
    if len(set(names)) != len(names):
        raise ValueError(f"onnx.export: input_names must be distinct, got {names}")
    return tensors, names + default[len(names):]


def _argument_names(model: Any, n: int) -> list[str]:
    """The forward's positional parameter names (``x``), as torch names the inputs."""
    fn = model.forward if isinstance(model, Module) else model
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) < n:
        params = [f"input_{i}" for i in range(n)]
    return params[:n]


def _output_names(output_names: Sequence[str] | None, n: int) -> list[str]:
    default = ["output"] if n == 1 else [f"output_{i}" for i in range(n)]
    if output_names is None:
        return default
    if isinstance(output_names, str) or not all(isinstance(x, str) for x in output_names):
        raise TypeError(f"onnx.export: output_names must be a list of str, got "
                        f"{output_names!r}")
    names = list(output_names)
    if len(names) > n:
        raise ValueError(f"onnx.export: {len(names)} output_names given, but the model "
                         f"returns {n} output(s)")
    if len(set(names)) != len(names):
        raise ValueError(f"onnx.export: output_names must be distinct, got {names}")
    return names + default[len(names):]


def _check_target(f: Any) -> None:
    if f is None or isinstance(f, (str, os.PathLike)) or callable(getattr(f, "write", None)):
        return
    raise TypeError(f"onnx.export: f must be a file name or a binary file object, not "
                    f"{type(f).__name__}")


def _check_dynamic_axes(dynamic_axes: Mapping[str, Any] | None) -> dict[str, dict[int, str]]:
    """torch's two forms: ``{name: {axis: axis_name}}`` or ``{name: [axis, ...]}``."""
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, Mapping):
        raise TypeError(f"onnx.export: dynamic_axes must be a dict, not "
                        f"{type(dynamic_axes).__name__}")
    axes: dict[str, dict[int, str]] = {}
    for name, spec in dynamic_axes.items():
        if isinstance(spec, Mapping):
            items = dict(spec)
        elif isinstance(spec, (list, tuple)):
            items = {a: f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(spec)}
        else:
            raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must be a dict {{axis: name}}"
                            f" or a list of axes, not {type(spec).__name__}")
        for a, n in items.items():
            if not isinstance(a, int) or isinstance(a, bool) or not isinstance(n, str):
                raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must map int axes to "
                                f"str names, got {a!r}: {n!r}")
        axes[name] = items
    return axes


def _named_tensors(model: Any) -> dict[str, Tensor]:
    """The model's parameters and buffers by ``state_dict`` name (empty for a function)."""
    if not isinstance(model, Module):
        if not callable(model):
            raise TypeError(f"onnx.export: model must be an nn.Module or a function, not "
                            f"{type(model).__name__}")
        return {}
    named: dict[str, Tensor] = {}
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        if t is not None:
            named.setdefault(name, t)
    return named


def _forward_call(model: Any, positional: list[Any], kw: dict[str, Any]
                  ) -> Callable[[list[Tensor]], Any]:
    """``call(inputs)``: the forward on the given graph-input Tensors (positional first,
    then the Tensor keywords, in order)."""
    tensor_keys = [k for k, v in kw.items() if isinstance(v, Tensor)]

    def call(inputs: list[Tensor]) -> Any:
        kwargs = dict(kw)
        kwargs.update(zip(tensor_keys, inputs[len(positional):], strict=True))
        return model(*inputs[:len(positional)], **kwargs)
    return call


# ----------------------------------------------------------------------------- tracing
def _traces(model: Any, call: Callable[[list[Tensor]], Any], tensors: list[Tensor],
            params: dict[str, Tensor], axes: dict[str, dict[int, str]], names: list[str],
            training: TrainingMode) -> tuple[Trace, Trace]:
    """Trace once, and again with other sizes along the dynamic axes of the inputs."""
    if not isinstance(training, TrainingMode) and training not in (0, 1, 2):
        raise TypeError(f"onnx.export: training must be a TrainingMode, got {training!r}")
    was = model.training if isinstance(model, Module) else None
    marked = [t for t in params.values() if not t.requires_grad and t.is_floating_point()]
    _exporting[0] = True
    try:
        if was is not None and training != TrainingMode.PRESERVE:
            model.train(training == TrainingMode.TRAINING)
        for t in marked:  # so that ops on buffers (and frozen parameters) are recorded
            t.requires_grad_(True)
        first = run_trace(lambda *xs: call(list(xs)), tensors, {}, params)
        second = first
        if _grown_inputs(tensors, names, axes, True) is not None:
            second = _second_trace(call, tensors, names, axes, params)
    finally:
        _exporting[0] = False
        for t in marked:
            t.requires_grad_(False)
        if was is not None:
            model.train(was)
    return first, second


def _second_trace(call: Callable[[list[Tensor]], Any], tensors: list[Tensor],
                  names: list[str], axes: dict[str, dict[int, str]],
                  params: dict[str, Tensor]) -> Trace:
    """The trace with other sizes along the dynamic axes: each axis name grown by its own
    amount (so that a size tells which axis it follows) or, when the forward refuses that
    (axes named differently that must be equal), all grown by the same amount."""
    try:
        grown = _grown_inputs(tensors, names, axes, False)
        return run_trace(lambda *xs: call(list(xs)), grown or tensors, {}, params)
    except (RuntimeError, ValueError, IndexError):
        grown = _grown_inputs(tensors, names, axes, True)
    try:
        return run_trace(lambda *xs: call(list(xs)), grown or tensors, {}, params)
    except (RuntimeError, ValueError, IndexError) as e:
        raise ExportError(f"onnx.export: the model fails on inputs with other sizes along the "
                          f"dynamic axes {axes} ({type(e).__name__}: {e}), so these axes "
                          "cannot be dynamic") from e


def _grown_inputs(tensors: list[Tensor], names: list[str], axes: dict[str, dict[int, str]],
                  uniform: bool) -> list[Tensor] | None:
    """The inputs with each dynamic axis grown (by 3 for the first axis name, 5 for the
    second, ...; by 3 for all when ``uniform``), repeating the first entries so that the
    values stay valid (token ids); None when no input has a dynamic axis. Odd, distinct
    amounts make a size computed from another (``n // 2``) differ between the traces
    where growing by 1 could leave it equal."""
    growth: dict[str, int] = {}
    grown, changed = [], False
    for t, name in zip(tensors, names, strict=True):
        data = t._data
        for axis, axis_name in sorted(axes.get(name, {}).items()):
            if not -data.ndim <= axis < data.ndim:
                raise ValueError(f"onnx.export: dynamic_axes[{name!r}] names axis {axis}, but "
                                 f"the input has {data.ndim} dims")
            extra = growth.setdefault(axis_name, 3 if uniform else 2 * len(growth) + 3)
            n = data.shape[axis]
            if n == 0:
                raise ValueError(f"onnx.export: dynamic axis {axis} of {name!r} has size 0")
            data = np.take(data, np.arange(n + extra) % n, axis=axis)
            changed = True
        grown.append(Tensor(data) if data is not t._data else t)
    return grown if changed else None


# ----------------------------------------------------------------------------- writing
def _write(b: Any, first: Trace, second: Trace, names: list[str], out_names: list[str],
           axes: dict[str, dict[int, str]], params: dict[str, Tensor], caller: str | None
           ) -> None:
    """Add the inputs, every value reachable from the outputs, then the outputs."""
    _check_same_graph(first, second)
    for k, (t, t2) in enumerate(zip(first.input_tensors, second.input_tensors, strict=True)):
        b.add_input(names[k], t.dtype, tuple(t.shape), axes.get(names[k], {}), tuple(t2.shape))
    needed = _reachable(first)
    value_names: dict[int, str] = {}
    for i, v in enumerate(first.values):
        if i not in needed:
            continue
        v2 = second.values[i]
        if isinstance(v, Leaf):
            assert isinstance(v2, Leaf)
            value_names[i] = _leaf_name(b, v, v2, names, params)
        else:
            assert isinstance(v2, Step)
            if v.origin == caller:
                v.origin = None
            value_names[i] = _convert(b, v, v2, first.values, second.values, value_names)
    for k, (i, name) in enumerate(zip(first.outputs, out_names, strict=True)):
        value = value_names[i]
        if b.produced(value) and value not in out_names and first.outputs.index(i) == k:
            b.rename(value, b.claim(name))
        else:
            b.node("Identity", [value])
            b.rename(b.nodes[-1].output[0], b.claim(name))
        v, v2 = first.values[i], second.values[i]
        b.add_output(name, v.dtype, v.shape, axes.get(name, {}), v2.shape)


def _warn_unread_inputs(b: Any, names: list[str]) -> None:
    """Warn about a graph input that no node reads: the forward ignored it, or computed with
    it outside the recorded ops (plain numpy, ``.item()``), so its values at export time are
    baked into the graph and other values will not change the result."""
    read = {name for n in b.nodes for name in n.input}
    for name in names:
        if name not in read:
            warnings.warn(f"onnx.export: the graph never reads input {name!r}: the forward "
                          "ignores it or uses its values outside the recorded ops (numpy, "
                          ".item(), .tolist()), which the graph then holds as constants",
                          UserWarning, stacklevel=3)


def _check_same_graph(first: Trace, second: Trace) -> None:
    def same(a: Leaf | Step, c: Leaf | Step) -> bool:
        if isinstance(a, Step) and isinstance(c, Step):
            return a.op == c.op and a.inputs == c.inputs
        return isinstance(a, Leaf) and isinstance(c, Leaf) and a.kind == c.kind

    if len(first.values) != len(second.values) or not all(
            same(a, c) for a, c in zip(first.values, second.values, strict=True)):
        raise ExportError("onnx.export: the recorded graph changes when the dynamic axes "
                          "change size (the forward takes other ops for another size), so "
                          "it cannot be exported with these dynamic_axes")


def _reachable(trace: Trace) -> set[int]:
    needed: set[int] = set()
    stack = list(trace.outputs)
    while stack:
        i = stack.pop()
        if i not in needed:
            needed.add(i)
            v = trace.values[i]
            if isinstance(v, Step):
                stack.extend(v.inputs)
    return needed


def _leaf_name(b: Any, v: Leaf, v2: Leaf, names: list[str], params: dict[str, Tensor]) -> str:
    if v.kind == "input":
        return names[v.ref]
    if v.kind == "param":  # named by its state_dict name (an input with export_params=False)
        return b.const(params[v.ref]._data)
    return _constant(b, v, v2)


def _constant(b: Any, v: Leaf, v2: Leaf) -> str:
    """A constant; one whose shape follows a dynamic axis is written as an ``Expand`` of its
    single value (zeros_like, ones_like), others refused."""
    a, a2 = v.ref, v2.ref
    if _const_value(v, v2) is not None:
        return b.const(a)
    if a.size and a2.size and (a == a.flat[0]).all() and (a2 == a.flat[0]).all():
        return b.node("Expand", [b.const(a.flat[0]), b.shape_value(a.shape, a2.shape,
                                                                   "a constant's shape")])
    raise ExportError(
        f"onnx.export: a constant of shape {a.shape} computed outside the recorded graph "
        "depends on the size of a dynamic axis (another size gave shape "
        f"{a2.shape} or other values); export without dynamic_axes, or compute it with ops on "
        "the input")


def _convert(b: Any, v: Step, v2: Step, values: list[Leaf | Step],
             values2: list[Leaf | Step], value_names: dict[int, str]) -> str:
    fn = CONVERTERS.get(v.op)
    where = f" (called at {v.origin})" if v.origin else ""
    if fn is None:
        raise ExportError(f"onnx.export: the op {v.op!r}{where} has no ONNX converter; "
                          f"supported ops: {', '.join(supported_ops())}")
    call = OpCall(
        op=v.op, inputs=[value_names[i] for i in v.inputs],
        shapes=[tuple(values[i].shape) for i in v.inputs],
        dtypes=[np.dtype(values[i].dtype) for i in v.inputs], static=v.static,
        out_shape=tuple(v.shape), out_dtype=np.dtype(v.dtype),
        constants=[_const_value(values[i], values2[i]) for i in v.inputs],
        shapes2=[tuple(values2[i].shape) for i in v2.inputs], out_shape2=tuple(v2.shape),
        static2=v2.static, origin=v.origin)
    out = fn(b, call)
    if not isinstance(out, str):
        raise ExportError(f"onnx.export: the converter of {v.op!r} returned {out!r}, not the "
                          "name of one output value")
    return out


def _const_value(v: Leaf | Step, v2: Leaf | Step) -> Any:
    """The value of a constant input that is the same in both runs, else None."""
    if isinstance(v, Leaf) and v.kind == "const" and isinstance(v2, Leaf):
        if v.ref.shape == v2.ref.shape and np.array_equal(v.ref, v2.ref,
                                                          equal_nan=v.ref.dtype.kind == "f"):
            return v.ref
    return None
