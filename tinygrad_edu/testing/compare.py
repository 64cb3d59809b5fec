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

Ops without a PyTorch counterpart in ``TORCH_OPS`` (and random ones such as dropout) are
skipped and listed in the report. Needs torch (``pip install torch==2.13.0``).

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

import tinygrad_edu as tg
from tinygrad_edu.autograd import OpRecord, call_backward, record_ops
from tinygrad_edu.random import default_generator

from .gradcheck_graph import _as_input, _float64  # the same inputs and float64 replay

__all__ = ["TORCH_OPS", "CompareReport", "TorchDivergenceError", "compare_with_torch"]

Array = NDArray[Any]
TorchFn = Callable[[Any, list[Any], dict[str, Any]], Any]


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


# ----------------------------------------------------------------------------- the mapping

def _unary(name: str) -> TorchFn:
    return lambda torch, xs, s: getattr(torch, name)(xs[0])


def _binary(name: str) -> TorchFn:
    return lambda torch, xs, s: getattr(torch, name)(xs[0], xs[1])


def _all_dims(x: Any, dim: Any) -> Any:
    return tuple(range(x.ndim)) if dim is None else dim


def _reduce(name: str) -> TorchFn:
    def run(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
        dims = _all_dims(xs[0], s.get("dim"))
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if not dims:
            return xs[0].clone()
        if name == "prod":  # torch.prod takes one dim at a time
            out = xs[0]
            for d in sorted(dims, reverse=True):
                out = torch.prod(out, dim=d, keepdim=bool(s.get("keepdim")))
            return out
        return getattr(torch, name)(xs[0], dim=dims, keepdim=bool(s.get("keepdim")))
    return run


def _key(torch: Any, key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_key(torch, k) for k in key)
    if isinstance(key, np.ndarray):
        return torch.from_numpy(key if key.dtype == bool else key.astype(np.int64))
    return key


def _pad(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    flat = [int(n) for pair in reversed(s["pad_width"]) for n in pair]
    return torch.nn.functional.pad(xs[0], flat, value=s.get("value", 0.0))


def _batch_norm(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    x, w, b = xs
    if s["training"]:
        return torch.nn.functional.batch_norm(x, None, None, w, b, True, 0.0, s.get("eps", 1e-5))
    mean = torch.from_numpy(np.asarray(s["mean"], dtype=np.float64))
    var = torch.from_numpy(np.asarray(s["var"], dtype=np.float64))
    return torch.nn.functional.batch_norm(x, mean, var, w, b, False, 0.0, s.get("eps", 1e-5))


def _nll(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.nn.functional.nll_loss(xs[0], xs[1].long(), xs[2],
                                        ignore_index=s.get("ignore_index", -100),
                                        reduction=s.get("reduction", "mean"))


def _embedding(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    pad = s.get("padding_idx", -1)
    return torch.nn.functional.embedding(xs[0].long(), xs[1],
                                         padding_idx=None if pad < 0 else pad,
                                         scale_grad_by_freq=s.get("scale_grad_by_freq", False))


def _functional(name: str, *keys: str) -> TorchFn:
    return lambda torch, xs, s: getattr(torch.nn.functional, name)(
        *xs, **{k: s[k] for k in keys if k in s})


TORCH_OPS: dict[str, TorchFn] = {
    **{n: _unary(n) for n in ("abs", "cos", "exp", "log", "neg", "relu", "sigmoid", "sin",
                              "sqrt", "tanh", "clone")},
    **{n: _binary(n) for n in ("add", "sub", "mul", "div", "pow", "maximum", "minimum",
                               "matmul")},
    **{n: _reduce(n) for n in ("sum", "amax", "amin", "prod")},
    "elu": _functional("elu", "alpha"),
    "leaky_relu": _functional("leaky_relu", "negative_slope"),
    "gelu": _functional("gelu", "approximate"),
    "softplus": _functional("softplus", "beta", "threshold"),
    "clamp": lambda torch, xs, s: torch.clamp(xs[0], s.get("min"), s.get("max")),
    "cast": lambda torch, xs, s: xs[0].clone(),  # float casts replay as float64 -> float64
    "softmax": lambda torch, xs, s: torch.softmax(xs[0], dim=s["dim"]),
    "log_softmax": lambda torch, xs, s: torch.log_softmax(xs[0], dim=s["dim"]),
    "reshape": lambda torch, xs, s: xs[0].reshape(s["shape"]),
    "permute": lambda torch, xs, s: xs[0].permute(*s["dims"]),
    "expand": lambda torch, xs, s: xs[0].expand(*s["shape"]),
    "getitem": lambda torch, xs, s: xs[0][_key(torch, s["key"])],
    "pad": _pad,
    "cat": lambda torch, xs, s: torch.cat(xs, dim=s.get("dim", 0)),
    "where": lambda torch, xs, s: torch.where(xs[0].bool(), xs[1], xs[2]),
    "conv2d": _functional("conv2d", "stride", "padding", "dilation", "groups"),
    "conv_transpose2d": _functional("conv_transpose2d", "stride", "padding", "output_padding",
                                    "groups", "dilation"),
    "max_pool2d": _functional("max_pool2d", "kernel_size", "stride", "padding", "dilation",
                              "ceil_mode"),
    "avg_pool2d": _functional("avg_pool2d", "kernel_size", "stride", "padding", "ceil_mode",
                              "count_include_pad", "divisor_override"),
    "adaptive_avg_pool2d": _functional("adaptive_avg_pool2d", "output_size"),
    "adaptive_max_pool2d": _functional("adaptive_max_pool2d", "output_size"),
    "batch_norm": _batch_norm,
    "layer_norm": lambda torch, xs, s: torch.nn.functional.layer_norm(
        xs[0], tuple(xs[1].shape), xs[1], xs[2], eps=s.get("eps", 1e-5)),
    "nll_loss": _nll,
    "binary_cross_entropy": lambda torch, xs, s: torch.nn.functional.binary_cross_entropy(
        xs[0], xs[1], reduction="none"),
    "take_along_dim": lambda torch, xs, s: torch.take_along_dim(xs[0], xs[1].long(),
                                                                dim=s["dim"]),
    "embedding": _embedding,
}
"""Op name -> ``fn(torch, input_tensors, static) -> torch output``; extend it for your ops."""


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
        A ``CompareReport`` of the ops that matched and those skipped.

    Raises:
        TorchDivergenceError: the first op (in the order the ops ran) that differs.
        TypeError: when ``fn`` is not callable or ``inputs`` is not a list or tuple.
    """
    if not callable(fn):
        raise TypeError(f"compare_with_torch: fn must be callable, got {type(fn).__name__}")
    if not isinstance(inputs, list | tuple):
        raise TypeError(f"compare_with_torch: inputs must be a list or tuple, got "
                        f"{type(inputs).__name__}")
    import torch

    rng = np.random.default_rng(seed)
    state = default_generator.get_state()
    with record_ops() as records, tg.enable_grad():
        fn(*[_as_input(x) for x in inputs])
    default_generator.set_state(state)
    checked: list[tuple[int, str]] = []
    skipped: list[tuple[int, str, str]] = []
    for position, record in enumerate(records):
        reason = _why_skip(record)
        if reason is None:
            _compare_record(torch, position, record, rng, atol, rtol)
            checked.append((position, record.op.name))
        else:
            skipped.append((position, record.op.name, reason))
    return CompareReport(checked, skipped)


def _why_skip(record: OpRecord) -> str | None:
    if record.op.name not in TORCH_OPS:
        return "no PyTorch counterpart in TORCH_OPS" if record.op.name != "dropout" else \
            "random op (the two libraries draw different masks)"
    if not isinstance(record.output, np.ndarray) or record.output.dtype.kind != "f":
        return "output is not a floating-point array"
    return None


def _compare_record(torch: Any, position: int, record: OpRecord, rng: np.random.Generator,
                    atol: float, rtol: float) -> None:
    xs = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in record.inputs]
    static = {k: _float64(v) for k, v in record.static.items()}
    with np.errstate(all="ignore"):
        ours, cache = record.forward(*xs, **static)
    grad_wanted = [bool(rg) and a.dtype.kind == "f" for a, rg in zip(xs, record.requires_grad,
                                                                     strict=True)]
    txs = [torch.tensor(a, requires_grad=want) for a, want in zip(xs, grad_wanted, strict=True)]
    theirs = TORCH_OPS[record.op.name](torch, txs, static)
    _assert_close(np.asarray(ours), theirs.detach().numpy(), position, record, "forward", None,
                  atol, rtol)
    if record.backward is None or not any(grad_wanted):
        return
    dout = rng.standard_normal(np.shape(ours))
    targets = [(x.shape, np.float64) if want else None for x, want in zip(xs, grad_wanted,
                                                                          strict=True)]
    with np.errstate(all="ignore"):  # the engine's own call of the op's backward
        grads = call_backward(record.op.name, record.backward, dout, cache, targets)
    wanted = [t for t, want in zip(txs, grad_wanted, strict=True) if want]
    torch_grads = iter(torch.autograd.grad(theirs, wanted, torch.from_numpy(dout),
                                           allow_unused=True))
    for i, want in enumerate(grad_wanted):
        if not want:
            continue
        expected = next(torch_grads)
        expected = np.zeros(xs[i].shape) if expected is None else expected.numpy()
        got = np.zeros(xs[i].shape) if grads[i] is None else grads[i]
        _assert_close(got, expected, position, record, "backward", i, atol, rtol)


def _assert_close(ours: Array, theirs: Array, position: int, record: OpRecord, phase: str,
                  input_index: int | None, atol: float, rtol: float) -> None:
    what = "forward output" if input_index is None else f"gradient of input {input_index}"
    if ours.shape != theirs.shape:
        detail = f"shape {ours.shape} here, {theirs.shape} in PyTorch"
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
