"""Finding where things go wrong: anomaly mode, op recording and the user's source line.

- ``detect_anomaly`` checks every forward output and backward gradient; the first NaN or Inf
  raises an ``AnomalyError`` naming the op, the user's line that created it, its inputs and
  the phase.
- ``record_ops`` keeps an ``OpRecord`` (input copies, static arguments, output, user's line)
  of every op application; ``testing.gradcheck_graph`` and ``testing.compare_with_torch``
  replay them one op at a time.

Both switch ``apply_op`` (``graph.py``) to its recording branch; while both are off, that
costs one attribute check per op.
"""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any, NamedTuple

import numpy as np

from ..ops.registry import Backward, Forward, OpDef

Node = Any  # a graph.Node (graph.py imports this module, so it is not imported here)

__all__ = ["AnomalyError", "OpRecord", "Origin", "derivative_lines", "describe_array",
           "detect_anomaly", "is_anomaly_enabled", "node_origin", "record_ops",
           "set_detect_anomaly", "trace_ops", "user_origin"]


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
        forward, backward: the pair that ran (the op's fast pair, or its readable one inside
            ``reference_ops``).
        parent: for an op run by the differentiable backward of another op (a
            ``create_graph=True`` walk: the op is part of a derivative's graph), that op's
            record, when it was recorded too; else None.
    """

    op: OpDef
    inputs: tuple[Any, ...]
    static: dict[str, Any]
    output: Any
    node: Node | None
    origin: Origin | None
    requires_grad: tuple[bool, ...]
    forward: Forward
    backward: Backward | None
    parent: OpRecord | None = None  # made by the create_graph backward of this op (if known)


class AnomalyError(RuntimeError):
    """A NaN or Inf found by ``detect_anomaly``; names the op, the user's line and the phase."""

    def __init__(self, message: str, op: str, origin: Origin | None, phase: str) -> None:
        super().__init__(message)
        self.op = op
        self.origin = origin
        self.phase = phase


class _Debug:
    """What ``apply_op`` and the backward walk check: is any of this on?"""

    on = False  # anomaly mode or a recorder: apply_op takes its recording branch
    anomaly = False
    check_forward = True
    recorders: list[list[OpRecord]] = []
    tracers: list[list[OpRecord]] = []  # like recorders, but the records hold the arrays
    during: list[Node] = []  # nodes whose differentiable backward is running (higher.py)

    def update(self) -> None:
        self.on = self.anomaly or bool(self.recorders) or bool(self.tracers)


DEBUG = _Debug()
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_in_package: dict[str, bool] = {}


def set_detect_anomaly(mode: bool, check_forward: bool = True) -> None:
    """Turn anomaly detection on or off for the whole program (see ``detect_anomaly``)."""
    DEBUG.anomaly = bool(mode)
    DEBUG.check_forward = bool(check_forward)
    DEBUG.update()


def is_anomaly_enabled() -> bool:
    """True while ``detect_anomaly`` is on."""
    return DEBUG.anomaly


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Find where a NaN or Inf first appears, forward or backward (PyTorch's anomaly mode).

    While on, every op remembers the user's source line that created it, and every forward
    output and backward gradient is checked. The first non-finite value raises an
    ``AnomalyError`` naming the op, that line, the input shapes with their min/max and
    NaN/Inf flags, and whether it appeared in the forward or the backward. Ops run slower
    while it is on; when off it costs one attribute check per op.

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
        tinygrad_edu.autograd.anomaly.AnomalyError: detect_anomaly: 'log' produced 1 NaN ...
    """

    def __init__(self, check_forward: bool = True) -> None:
        self.check_forward = bool(check_forward)

    def __enter__(self) -> detect_anomaly:
        self.prev = (DEBUG.anomaly, DEBUG.check_forward)
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
        DEBUG.recorders.append(self.records)
        DEBUG.update()
        return self.records

    def __exit__(self, *exc: object) -> None:
        DEBUG.recorders.remove(self.records)
        DEBUG.update()


class trace_ops:  # noqa: N801 - a context manager, named like the others here
    """Like ``record_ops``, but the records hold the arrays themselves, not copies.

    Used to follow, by array identity, ops that the graph does not record (comparisons,
    argmax: ops without a backward), e.g. by ``tinygrad_edu.onnx.export``. The arrays must not
    be changed while the records are used.
    """

    def __enter__(self) -> list[OpRecord]:
        self.records: list[OpRecord] = []
        DEBUG.tracers.append(self.records)
        DEBUG.update()
        return self.records

    def __exit__(self, *exc: object) -> None:
        DEBUG.tracers.remove(self.records)
        DEBUG.update()


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


def record(op: OpDef, pair: tuple[Forward, Backward | None], arrays: list[Any],
           static: dict[str, Any], out: Any, node: Node | None, origin: Origin | None,
           flags: tuple[bool, ...]) -> None:
    """What ``apply_op`` does after the forward while debugging: keep records, check out."""
    parent = node_origin(DEBUG.during[-1]) if DEBUG.during else None
    rec = OpRecord(op, tuple(arrays), dict(static), out, node, origin, flags, *pair, parent)
    for traced in DEBUG.tracers:
        traced.append(rec)
    if DEBUG.recorders:
        rec = rec._replace(inputs=tuple(np.array(a, copy=True) for a in arrays),
                           output=np.array(out, copy=True))
        for records in DEBUG.recorders:
            records.append(rec)
    if node is not None:
        node.origin = rec
    if DEBUG.anomaly and DEBUG.check_forward:
        _check_forward(rec, out)


def nonfinite(a: Any) -> bool:
    """True for a float array holding a NaN or an Inf."""
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


def derivative_lines(rec: OpRecord | None) -> list[str]:
    """For an op of a derivative's graph: which op's backward made it, and that op's line,
    up the chain (a second derivative's op was made by the backward of a first one's)."""
    lines = []
    while rec is not None and rec.parent is not None:
        rec = rec.parent
        where = ("" if rec.origin is None else
                 f", created at {rec.origin.filename}:{rec.origin.lineno} in "
                 f"{rec.origin.function}\n    {rec.origin.code}")
        lines.append(f"  part of the gradient graph built by create_graph=True from the "
                     f"backward of {rec.op.name!r}{where}")
    return lines


def count_nonfinite(a: Any) -> str:
    """'2 NaN and 1 Inf'-style count of the non-finite values of ``a``."""
    nan, inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    return " and ".join(p for p in (f"{nan} NaN" if nan else "", f"{inf} Inf" if inf else "") if p)


def _check_forward(rec: OpRecord, out: Any) -> None:
    if not nonfinite(out):
        return
    lines = [f"detect_anomaly: {rec.op.name!r} produced {count_nonfinite(out)} in its forward "
             f"output ({describe_array(out)}); found in forward", _where(rec.origin),
             *derivative_lines(rec), "  inputs:"]
    lines += [f"    input {i}: {describe_array(a)}" for i, a in enumerate(rec.inputs)]
    if rec.static:
        lines.append(f"  static arguments: {rec.static}")
    raise AnomalyError("\n".join(lines), rec.op.name, rec.origin, "forward")


def check_backward(node: Node, dout: Any, in_grads: tuple[Any, ...]) -> None:
    """AnomalyError for the first input gradient of ``node`` holding a NaN or Inf."""
    for i, grad in enumerate(in_grads):
        if grad is None or i >= len(node.edges) or node.edges[i] is None:
            continue
        if isinstance(grad, dict):  # several outputs' gradients (graph.OutputGrads): each is
            continue                # checked where it was computed
        grad = np.asarray(grad)
        if not nonfinite(grad):
            continue
        rec = node_origin(node)
        lines = [f"detect_anomaly: the backward of {node.op.name!r} returned "
                 f"{count_nonfinite(grad)} in the gradient for input {i} "
                 f"({describe_array(grad)}); found in backward",
                 _where(None if rec is None else rec.origin), *derivative_lines(rec),
                 f"  upstream gradient: {describe_array(dout)}"]
        if rec is not None:
            lines.append("  forward inputs:")
            lines += [f"    input {j}: {describe_array(a)}" for j, a in enumerate(rec.inputs)]
        raise AnomalyError("\n".join(lines), node.op.name,
                           None if rec is None else rec.origin, "backward")


def check_seed(op_name: str, grad: Any) -> None:
    """AnomalyError when the gradient handed to backward itself holds a NaN or Inf."""
    if nonfinite(grad):
        raise AnomalyError(f"detect_anomaly: the gradient passed to backward has "
                           f"{count_nonfinite(grad)} ({describe_array(grad)}); found in "
                           "backward", op_name, None, "backward")
