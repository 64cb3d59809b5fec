"""Replay a recorded graph in PyTorch, op by op, and find the first op that diverges.

``compare_with_torch(fn, inputs)`` runs ``fn`` once with tinygrad_edu while recording every op
(``autograd.record_ops``). Then, for each recorded op in the order it ran, it feeds the op's own
inputs (as float64) to the op's forward and to the matching PyTorch function, and compares the
outputs; then it sends one random upstream gradient through the op's backward and through
``torch.autograd.grad`` and compares the input gradients. The first op whose forward output or
input gradient differs beyond the tolerance is reported with its name, the phase, the worst
element, both values and the user's line that created it.

Each op gets the same inputs on both sides, so an error early in the network cannot make every
later op look wrong: the report points at the one op that differs.

The PyTorch side of every op is its entry of ``TORCH_OPS`` (``torch_ops.py``, one table keyed
by op name that every registered op has an entry in). Random ops are checked too: dropout's
entry reads the mask from the cache of our forward. Ops whose output is not a float array
(comparisons, argmax, casts to integers) are compared exactly, forward only. Only ops that
you registered yourself without adding a ``TORCH_OPS`` entry are skipped, and listed in the
report. ``compare_record`` checks one recorded op. Needs torch
(``pip install torch==2.13.0``).

Usage::

    import numpy as np
    import tinygrad_edu as tg
    from tinygrad_edu.models import MLP
    from tinygrad_edu.testing import compare_with_torch

    net = MLP(6, (8,), num_classes=3)
    x = np.random.default_rng(0).standard_normal((4, 6))
    print(compare_with_torch(lambda x: net(x).tanh().sum(), [x]))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..autograd import OpRecord, call_backward, enable_grad, record_ops
from ..random import default_generator
from .gradcheck_graph import _as_input, _float64  # the same inputs and float64 replay
from .torch_ops import TORCH_OPS, TorchFn, TorchRef

__all__ = ["TORCH_OPS", "CompareReport", "TorchDivergenceError", "TorchFn", "TorchRef",
           "compare_record", "compare_with_torch"]

Array = NDArray[Any]


class CompareReport(NamedTuple):
    """What ``compare_with_torch`` did: ops that matched and ops skipped (with the reason)."""

    checked: list[tuple[int, str]]
    skipped: list[tuple[int, str, str]]

    def __str__(self) -> str:
        lines = [f"compare_with_torch: {len(self.checked)} ops match PyTorch forward and "
                 f"backward; {len(self.skipped)} skipped"]
        lines += [f"  skipped #{i} {name!r}: {why}" for i, name, why in self.skipped]
        return "\n".join(lines)


class TorchDivergenceError(AssertionError):
    """An op whose forward output or input gradient differs from PyTorch's.

    Attributes:
        op: the registered op name.
        position: the op's position in the recorded graph.
        phase: ``"forward"`` or ``"backward"``.
        input_index: for ``"backward"``, the input whose gradient differs (else None).
        record: the ``OpRecord`` (inputs, static arguments, user's line).
    """

    def __init__(self, message: str, op: str, position: int, phase: str,
                 input_index: int | None, record: OpRecord) -> None:
        """Store the message and the facts it reports."""
        super().__init__(message)
        self.op = op
        self.position = position
        self.phase = phase
        self.input_index = input_index
        self.record = record


# ----------------------------------------------------------------------------- the check

def compare_with_torch(fn: Callable[..., Any], inputs: Sequence[Any], *, atol: float = 1e-6,
                       rtol: float = 1e-5, seed: int = 0) -> CompareReport:
    """Find the first op of ``fn(*inputs)`` whose forward or backward differs from PyTorch.

    Args:
        fn: builds a graph from Tensors (a model's forward and loss, say).
        inputs: ndarrays, Tensors or scalars; floating ones become float64 Tensors that
            require grad, integer ones are passed unchanged.
        atol: absolute tolerance.
        rtol: relative tolerance (relative to PyTorch's value).
        seed: seeds the random upstream gradients.

    Returns:
        A ``CompareReport`` of the ops that matched and those skipped (ops registered without
        a ``TORCH_OPS`` entry).

    Raises:
        TorchDivergenceError: the first op (in the order the ops ran) that differs.
        TypeError: when ``fn`` is not callable or ``inputs`` is not a list or tuple.
    """
    if not callable(fn):
        raise TypeError(f"compare_with_torch: fn must be callable, got {type(fn).__name__}")
    if not isinstance(inputs, list | tuple):
        raise TypeError(f"compare_with_torch: inputs must be a list or tuple, got "
                        f"{type(inputs).__name__}")
    _import_torch()
    rng = np.random.default_rng(seed)
    state = default_generator.get_state()
    with record_ops() as records, enable_grad():
        fn(*[_as_input(x) for x in inputs])
    default_generator.set_state(state)
    checked: list[tuple[int, str]] = []
    skipped: list[tuple[int, str, str]] = []
    for position, record in enumerate(records):
        if record.op.name in TORCH_OPS:
            compare_record(record, position, atol=atol, rtol=rtol, rng=rng)
            checked.append((position, record.op.name))
        else:
            skipped.append((position, record.op.name, "no PyTorch reference in TORCH_OPS "
                            "(add a TorchRef for it in tinygrad_edu/testing/torch_ops.py)"))
    return CompareReport(checked, skipped)


def compare_record(record: OpRecord, position: int = 0, *, atol: float = 1e-6,
                   rtol: float = 1e-5, rng: np.random.Generator | None = None
                   ) -> tuple[int, ...]:
    """Check one recorded op against its ``TORCH_OPS`` entry, forward and backward.

    The op's forward runs again on the recorded inputs (floats as float64) and its reference
    runs in torch on the same values; the outputs must agree (exactly, and with the same
    dtype, when ours is not a float array). Then, if the op has a backward and its output is
    a float array, one random upstream gradient goes through our backward and through
    ``torch.autograd.grad``, and the gradients of the inputs that required grad (and are
    floats) must agree.

    Args:
        record: an ``OpRecord`` from ``autograd.record_ops``.
        position: the op's position in the recorded graph (for the report).
        atol: absolute tolerance.
        rtol: relative tolerance (relative to PyTorch's value).
        rng: draws the upstream gradient (default: seeded with 0).

    Returns:
        The indices of the inputs whose gradients were compared (empty: forward only).

    Raises:
        TorchDivergenceError: the forward output or an input gradient differs.
        KeyError: the op has no entry in ``TORCH_OPS``.
        RuntimeError: the reference does not let torch differentiate the output.
    """
    torch = _import_torch()
    ref = _reference(record.op.name)
    rng = np.random.default_rng(0) if rng is None else rng
    xs = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in record.inputs]
    static = {k: _float64(v) for k, v in record.static.items()}
    with np.errstate(all="ignore"):
        ours, cache = record.forward(*xs, **static)
    ours = np.asarray(ours)
    differentiable = record.backward is not None and ours.dtype.kind == "f"
    grad_wanted = [differentiable and bool(rg) and a.dtype.kind == "f"
                   for a, rg in zip(xs, record.requires_grad, strict=True)]
    txs = [torch.tensor(a, requires_grad=want) for a, want in zip(xs, grad_wanted, strict=True)]
    theirs = ref.run(torch, txs, static, cache)
    _assert_close(ours, theirs.detach().numpy(), position, record, "forward", None, atol, rtol)
    if not any(grad_wanted):
        return ()
    if not theirs.requires_grad:
        raise RuntimeError(f"compare_record: the TORCH_OPS entry of {record.op.name!r} returned "
                           "a tensor that does not require grad although its inputs do; the "
                           "reference must be computed with differentiable torch operations")
    dout = rng.standard_normal(ours.shape)
    targets = [(x.shape, np.float64) if want else None for x, want in zip(xs, grad_wanted,
                                                                          strict=True)]
    with np.errstate(all="ignore"):  # the engine's own call of the op's backward
        grads = call_backward(record.op.name, record.backward, dout, cache, targets)
    wanted = [t for t, want in zip(txs, grad_wanted, strict=True) if want]
    torch_grads = iter(torch.autograd.grad(theirs, wanted, torch.from_numpy(dout),
                                           allow_unused=True))
    compared = []
    for i, want in enumerate(grad_wanted):
        if not want:
            continue
        expected = next(torch_grads)
        expected = np.zeros(xs[i].shape) if expected is None else expected.numpy()
        got = np.zeros(xs[i].shape) if grads[i] is None else grads[i]
        _assert_close(got, expected, position, record, "backward", i, atol, rtol)
        compared.append(i)
    return tuple(compared)


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError("compare_with_torch needs PyTorch: pip install torch==2.13.0") from exc
    return torch


def _reference(name: str) -> TorchRef:
    """The op's entry; a bare ``fn(torch, xs, static)`` (the table's old form) still works."""
    try:
        ref = TORCH_OPS[name]
    except KeyError:
        raise KeyError(f"compare_record: op {name!r} has no PyTorch reference in TORCH_OPS "
                       "(add a TorchRef for it in tinygrad_edu/testing/torch_ops.py)") from None
    return ref if isinstance(ref, TorchRef) else TorchRef(ref, "")


def _assert_close(ours: Array, theirs: Array, position: int, record: OpRecord, phase: str,
                  input_index: int | None, atol: float, rtol: float) -> None:
    what = "forward output" if input_index is None else f"gradient of input {input_index}"
    exact = ours.dtype.kind != "f"  # bool and integer outputs: equal values and dtype
    if exact:
        atol = rtol = 0.0
    if ours.shape != theirs.shape:
        detail = f"shape {ours.shape} here, {theirs.shape} in PyTorch"
    elif exact and ours.dtype != theirs.dtype:
        detail = f"dtype {ours.dtype} here, {theirs.dtype} in PyTorch"
    else:
        ours64, theirs64 = ours.astype(np.float64), theirs.astype(np.float64)
        bad = ~np.isclose(ours64, theirs64, rtol=rtol, atol=atol, equal_nan=True)
        if not bad.any():
            return
        error = np.where(bad, np.abs(ours64 - theirs64), -1.0)
        error = np.nan_to_num(error, nan=np.inf)
        flat = int(np.argmax(error))
        worst = tuple(int(k) for k in np.unravel_index(flat, error.shape)) if error.ndim else ()
        detail = (f"worst element {worst}: {float(ours64[worst]):.8g} here, "
                  f"{float(theirs64[worst]):.8g} in PyTorch ({int(bad.sum())} of {bad.size} "
                  f"elements differ beyond atol={atol}, rtol={rtol})")
    lines = [f"compare_with_torch: op #{position} {record.op.name!r} diverges from PyTorch in "
             f"its {phase} ({what}): {detail}"]
    if record.origin is not None:
        lines.append(f"  created at {record.origin.filename}:{record.origin.lineno} in "
                     f"{record.origin.function}\n    {record.origin.code}")
    lines.append("  inputs: " + ", ".join(f"{a.shape} {a.dtype}" for a in record.inputs))
    if record.static:
        lines.append(f"  static arguments: {record.static}")
    raise TorchDivergenceError("\n".join(lines), record.op.name, position, phase, input_index,
                               record)
