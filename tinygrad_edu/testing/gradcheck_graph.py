"""Check every op of a whole network's graph on its own: which backward is wrong?

``gradcheck`` tells you that the gradient of a network is wrong, not where. ``gradcheck_graph``
records the graph once, then takes each recorded op alone: it re-runs that op's forward on
float64 copies of the op's own inputs, sends a random upstream gradient ``dout`` through the
op's backward, and compares the result with central differences of
``sum(forward(x) * dout)``, element by element. The first op whose backward disagrees is
reported with its name, its forward/backward functions, the shapes, the worst element and the
line of your code that created it.

Because each op is checked alone, an error cannot hide behind another one, and the report
points at one pair of functions, not at the whole network.

Second-order graphs. When ``output_fn`` differentiates with ``create_graph=True`` (a gradient
penalty, a Hessian-vector product), the ops that the engine runs to build the gradient's graph
are recorded too, each with the op whose differentiable backward made it (``made_by`` in the
report; an error names that op and its line as well as the op's own). Such ops are checked
like any other. On top, each op's differentiable backward (its ``grad``, the formula the
``create_graph`` walk runs) is checked alone (``graph_grad_check.py``): its derivative must
match central differences of the op's numpy backward, so a ``grad`` that is right only to
first order is found and named even though every op it is made of is correct.

Usage::

    import numpy as np
    import tinygrad_edu as tg
    from tinygrad_edu.models import MLP
    from tinygrad_edu.testing import gradcheck_graph

    net = MLP(6, (8,), num_classes=3)
    x = np.random.default_rng(0).standard_normal((4, 6))
    y = np.array([0, 2, 1, 0])
    report = gradcheck_graph(lambda x, y: tg.nn.functional.cross_entropy(net(x), y), [x, y])
    print(report)   # which ops were checked, which skipped and why

Notes:
    Random ops (dropout) are replayed with the random state they started from, so each
    re-run draws the same mask. At kinks (relu at 0, ties in max) the central difference is
    not a derivative; an element is accepted there when the backward's value lies between the
    left and right one-sided slopes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..autograd import OpRecord, call_backward, enable_grad, record_ops
from ..autograd.anomaly import derivative_lines
from ..random import Generator, default_generator
from ..tensor import Tensor
from ..tensor.creation import tensor
from .gradcheck import GradcheckError, Mismatch
from .graph_grad_check import check_grad_record, grad_function

__all__ = ["GraphCheckError", "GraphCheckReport", "gradcheck_graph"]

Array = NDArray[Any]


class GraphCheckReport(NamedTuple):
    """What ``gradcheck_graph`` did.

    Attributes:
        checked: ``(position, op name)`` of each op whose backward was checked and agreed.
        skipped: ``(position, op name, reason)`` of each op that was not checked.
        grad_checked: ``(position, op name)`` of each op whose differentiable backward
            (``grad``, second order) was checked and agreed.
        made_by: ``{position: position}``: for each op of a derivative's graph, the op whose
            differentiable backward made it (``create_graph=True``).
    """

    checked: list[tuple[int, str]]
    skipped: list[tuple[int, str, str]]
    grad_checked: list[tuple[int, str]] | None = None
    made_by: dict[int, int] | None = None

    def __str__(self) -> str:
        lines = [f"gradcheck_graph: {len(self.checked)} ops checked, all backward functions "
                 f"agree with central differences; {len(self.skipped)} skipped"]
        if self.made_by:
            lines.append(f"  {len(self.made_by)} of the ops belong to a derivative's graph "
                         "(made by create_graph=True)")
        if self.grad_checked:
            lines.append(f"  {len(self.grad_checked)} differentiable backward functions (grad, "
                         "second order) agree with central differences")
        lines += [f"  skipped #{i} {name!r}: {why}" for i, name, why in self.skipped]
        return "\n".join(lines)


class GraphCheckError(GradcheckError):
    """One op's backward disagrees with central differences of that op alone.

    Attributes:
        op: the registered op name.
        position: the op's position in the recorded graph (0 = first op that ran).
        record: the ``OpRecord`` (inputs, static arguments, user's line).
        failures: one ``Mismatch`` per failing input of that op.
    """

    def __init__(self, message: str, op: str, position: int, record: OpRecord,
                 failures: Sequence[Mismatch], order: int = 1) -> None:
        """Store the message, the op and the mismatches (``order`` 2: the op's ``grad``)."""
        super().__init__(message, failures)
        self.op = op
        self.position = position
        self.record = record
        self.order = order

    @property
    def origin(self) -> Any:
        """The user's source line that created the op (an ``autograd.Origin``) or None."""
        return self.record.origin


def gradcheck_graph(output_fn: Callable[..., Any], inputs: Sequence[Any], *, eps: float = 1e-6,
                    atol: float = 1e-5, rtol: float = 1e-3, max_elements: int = 64,
                    seed: int = 0, raise_exception: bool = True,
                    second_order: bool | None = None) -> GraphCheckReport:
    """Check the backward of every op in the graph of ``output_fn(*inputs)`` separately.

    Args:
        output_fn: builds the graph from Tensors (a model's forward and loss, say).
        inputs: ndarrays, Tensors or scalars; floating ones become float64 Tensors that
            require grad, integer ones (labels, indices) are passed unchanged.
        eps: central-difference step.
        atol: absolute tolerance per element.
        rtol: relative tolerance per element (relative to the numerical value).
        max_elements: per op input, at most this many randomly chosen elements are checked.
        seed: seeds the upstream gradients and the element choice.
        raise_exception: raise ``GraphCheckError`` on the first wrong op (else return the
            report with the failure listed in ``skipped`` under reason "WRONG: ...").
        second_order: also check each op's differentiable backward (``grad``) alone. The
            default, None, does so when ``output_fn`` differentiated with
            ``create_graph=True`` (some recorded op belongs to a derivative's graph).

    Returns:
        A ``GraphCheckReport`` listing checked and skipped ops.

    Raises:
        GraphCheckError: the first op, in the order the ops ran, whose backward is wrong.
        TypeError: when ``output_fn`` is not callable or ``inputs`` is not a sequence.
    """
    if not callable(output_fn):
        raise TypeError(f"gradcheck_graph: output_fn must be callable, got "
                        f"{type(output_fn).__name__}")
    if not isinstance(inputs, list | tuple):
        raise TypeError(f"gradcheck_graph: inputs must be a list or tuple, got "
                        f"{type(inputs).__name__}")
    rng = np.random.default_rng(seed)
    state = default_generator.get_state()
    with record_ops() as records, enable_grad():
        output_fn(*[_as_input(x) for x in inputs])
    checked: list[tuple[int, str]] = []
    skipped: list[tuple[int, str, str]] = []
    grad_checked: list[tuple[int, str]] = []
    where = {id(r): k for k, r in enumerate(records)}
    made_by = {k: where[id(r.parent)] for k, r in enumerate(records)
               if r.parent is not None and id(r.parent) in where}
    if second_order is None:
        second_order = bool(made_by)
    tolerances = (eps, atol, rtol, max_elements)
    try:
        for position, record in enumerate(records):
            name = record.op.name
            reason = _why_skip(record)
            if reason is None:
                failures, reason = _check_record(record, rng, *tolerances)
                order = 1
                if not failures and reason is None and second_order and grad_function(record):
                    failures, order = _check_grad(record, rng, *tolerances), 2
                    if not failures:
                        grad_checked.append((position, name))
                if failures:
                    error = GraphCheckError(
                        _message(position, record, failures, made_by, order), name, position,
                        record, failures, order)
                    if raise_exception:
                        raise error
                    reason = "WRONG: " + str(error)
            if reason is None:
                checked.append((position, name))
            else:
                skipped.append((position, name, reason))
    finally:
        default_generator.set_state(state)
    return GraphCheckReport(checked, skipped, grad_checked, made_by)


def _as_input(x: Any) -> Any:
    if isinstance(x, Tensor):
        x = x.detach().numpy()
    array = np.asarray(x)
    if array.dtype.kind == "f":
        return tensor(array.astype(np.float64), requires_grad=True)
    return tensor(array)


def _why_skip(record: OpRecord) -> str | None:
    if record.backward is None:
        return "not differentiable (no backward)"
    if record.node is None:
        return "no input requires grad"
    if not isinstance(record.output, np.ndarray) or record.output.dtype.kind != "f":
        return "output is not a floating-point array"
    if not any(_checked_inputs(record)):
        return "no floating-point input requires grad"
    return None


def _checked_inputs(record: OpRecord) -> list[bool]:
    return [bool(rg) and a.dtype.kind == "f" for a, rg in zip(record.inputs, record.requires_grad,
                                                             strict=True)]


def _float64(value: Any) -> Any:
    """Float dtypes in static arguments become float64 (``cast`` to float32, say)."""
    try:
        if isinstance(value, np.dtype | type) and np.dtype(value).kind == "f":
            return np.dtype(np.float64)
    except TypeError:
        pass
    return value


def _replay_static(record: OpRecord) -> dict[str, Any]:
    """The static arguments for re-running the op alone, in float64.

    ``batch_norm`` in training mode may be handed the batch statistics it would compute from
    x (``F.batch_norm`` passes the ones it used for the running averages); its backward
    differentiates through them, so the replay lets the forward recompute them from x.
    """
    static = {k: _float64(v) for k, v in record.static.items()}
    if record.op.name == "batch_norm" and static.get("training"):
        static.pop("mean", None)
        static.pop("var", None)
    return static


class _Replay:
    """Runs one op's forward again and again with the random state it started from."""

    def __init__(self, record: OpRecord) -> None:
        self.forward = record.forward
        self.static = _replay_static(record)
        self.generators = [default_generator, *(v for v in self.static.values()
                                                if isinstance(v, Generator))]
        self.states = [g.get_state() for g in self.generators]

    def restore(self) -> None:
        """Put the random generators back in the state the op started from."""
        for g, s in zip(self.generators, self.states, strict=True):
            g.set_state(s)

    def __call__(self, arrays: list[Any]) -> tuple[Array, Any]:
        self.restore()
        with np.errstate(all="ignore"):
            out, cache = self.forward(*arrays, **self.static)
        return np.asarray(out, dtype=np.float64), cache


def _check_record(record: OpRecord, rng: np.random.Generator, eps: float, atol: float,
                  rtol: float, max_elements: int) -> tuple[list[Mismatch], str | None]:
    """Compare the op's backward with central differences; returns (mismatches, skip reason)."""
    xs = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in record.inputs]
    replay = _Replay(record)
    out, cache = replay(xs)
    if not np.array_equal(out, replay(xs)[0], equal_nan=True):
        return [], "forward is not repeatable"
    if not np.isfinite(out).all():
        return [], "forward output is not finite"
    dout = rng.standard_normal(out.shape)
    checked = _checked_inputs(record)
    targets = [(x.shape, np.float64) if check else None for x, check in zip(xs, checked,
                                                                           strict=True)]
    with np.errstate(all="ignore"):
        try:  # the engine's own call: gradients reduced to the inputs' shapes, or an error
            grads = call_backward(record.op.name, record.backward, dout, cache, targets)
        except RuntimeError:  # a gradient of the wrong shape (or count)
            i = next(k for k, check in enumerate(checked) if check)
            return [Mismatch(i, xs[i].shape, None, float("nan"), float("nan"),
                             float("inf"))], None
    failures = []
    for i, check in enumerate(checked):
        if not check:
            continue
        analytic = grads[i]
        if analytic is None:
            return [Mismatch(i, xs[i].shape, None, float("nan"), float("nan"),
                             float("inf"))], None
        mismatch = _compare(replay, xs, i, dout, analytic, rng, eps, atol, rtol, max_elements)
        if mismatch is not None:
            failures.append(mismatch)
    return failures, None


def _check_grad(record: OpRecord, rng: np.random.Generator, eps: float, atol: float,
                rtol: float, max_elements: int) -> list[Mismatch]:
    """The op's differentiable backward against central differences of its numpy one."""
    xs = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in record.inputs]
    return check_grad_record(record, _Replay(record), xs, _checked_inputs(record), rng, eps,
                             atol, rtol, max_elements)


def _compare(replay: _Replay, xs: list[Any], i: int, dout: Array, analytic: Array,
             rng: np.random.Generator, eps: float, atol: float, rtol: float,
             max_elements: int) -> Mismatch | None:
    """Central differences at sampled elements of input ``i``; the worst failure or None."""
    x = xs[i]
    picks = np.arange(x.size)
    if x.size > max_elements:
        picks = np.sort(rng.choice(x.size, size=max_elements, replace=False))

    def loss(flat_index: int, delta: float) -> float:
        moved = np.array(x, dtype=np.float64, copy=True)
        moved.flat[flat_index] += delta
        return float(np.sum(replay([*xs[:i], moved, *xs[i + 1:]])[0] * dout))

    center = float(np.sum(replay(xs)[0] * dout))
    worst: tuple[float, int, float, float] | None = None
    for j in picks:
        up, down = loss(int(j), eps), loss(int(j), -eps)
        numeric, value = (up - down) / (2 * eps), float(analytic.flat[j])
        error = abs(value - numeric)
        if error <= atol + rtol * abs(numeric) or _at_kink(value, up, down, center, eps, atol,
                                                          rtol):
            continue
        if worst is None or error > worst[0]:
            worst = (error, int(j), value, numeric)
    if worst is None:
        return None
    error, j, value, numeric = worst
    element = tuple(int(k) for k in np.unravel_index(j, x.shape))
    return Mismatch(i, x.shape, element, value, numeric, error)


def _at_kink(value: float, up: float, down: float, center: float, eps: float, atol: float,
             rtol: float) -> bool:
    """A kink: the one-sided slopes differ, and the backward's value lies between them."""
    right, left = (up - center) / eps, (center - down) / eps
    tol = atol + rtol * max(abs(right), abs(left))
    if abs(right - left) <= 10 * tol:
        return False
    return min(right, left) - tol <= value <= max(right, left) + tol


def _message(position: int, record: OpRecord, failures: Sequence[Mismatch],
             made_by: dict[int, int], order: int) -> str:
    op, forward, backward = record.op, record.forward, record.backward
    if order == 2:
        fn = grad_function(record)
        lines = [f"gradcheck_graph: the differentiable backward (grad) of op #{position} "
                 f"{op.name!r} disagrees with central differences of its numpy backward: the "
                 "second derivative through that op alone is wrong",
                 f"  grad {fn.__module__}.{fn.__qualname__}, backward "
                 f"{backward.__module__}.{backward.__qualname__}"]  # type: ignore[union-attr]
    else:
        lines = [f"gradcheck_graph: the backward of op #{position} {op.name!r} disagrees with "
                 f"central differences of that op alone",
                 f"  forward {forward.__module__}.{forward.__qualname__}, backward "
                 f"{backward.__module__}.{backward.__qualname__}"]  # type: ignore[union-attr]
    if record.origin is not None:
        lines.append(f"  created at {record.origin.filename}:{record.origin.lineno} in "
                     f"{record.origin.function}\n    {record.origin.code}")
    if position in made_by:
        lines.append(f"  op #{position} is part of a derivative's graph: made by the "
                     f"differentiable backward of op #{made_by[position]}")
        lines += derivative_lines(record)
    shapes = ", ".join(f"{a.shape} {a.dtype}" for a in record.inputs)
    lines.append(f"  inputs: {shapes}; output {record.output.shape}")
    if record.static:
        lines.append(f"  static arguments: {record.static}")
    n_inputs = len(record.inputs)
    for m in failures:
        what = "dout" if m.input_index == n_inputs else f"input {m.input_index}"
        if m.element is None:
            lines.append(f"  {what}: backward returned no gradient of shape {m.shape}")
            continue
        if order == 2:
            lines.append(f"  {what} {m.shape}: worst element {m.element}: d<grad, u>/d({what}) "
                         f"gives {m.analytical:.6g}, central difference of <backward, u> gives "
                         f"{m.numerical:.6g} (abs error {m.max_abs_error:.3g})")
            continue
        lines.append(f"  {what} {m.shape}: worst element {m.element}: backward "
                     f"gives {m.analytical:.6g}, central difference gives {m.numerical:.6g} "
                     f"(abs error {m.max_abs_error:.3g})")
    return "\n".join(lines)
