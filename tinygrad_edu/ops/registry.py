"""The op registry: every forward/backward pair, by name.

An op is registered once, in the block of ``ops/`` that defines it::

    register_op("mul", mul_forward, mul_backward)

``OPS`` maps the name to an ``OpDef``; the autograd engine (``tinygrad_edu.autograd``) runs
the pair on Tensors, and students can call the two functions directly on numpy arrays.

Where speed needs more than the readable pair (chunked im2col and Winograd for conv2d, fused
Numba loops for pooling, the norms and the RNNs), the op registers that fast pair beside its
lesson pair: ``register_op("conv2d", conv2d_forward, conv2d_backward, fast=(conv2d_fast_forward,
conv2d_fast_backward))``. Both compute the same numbers, and the tests compare them. Autograd
runs the fast pair, except inside ``reference_ops()``, where every op runs its readable pair,
so a student can step through the plain numpy backward of a whole network.

This module sits at the bottom of the package with the ops: it knows nothing about Tensors
or graphs. It also holds the one piece of state a backward may ask about while the engine
runs it, ``needs_input_grad``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from numpy.typing import NDArray

from ..checks import DtypeRule

Forward = Callable[..., tuple[Any, Any]]
Backward = Callable[[NDArray[Any], Any], tuple[Any, ...]]
#: ``grad(ctx, dout) -> one Tensor (or None) per input``: the backward written with
#: differentiable Tensor operations, run when a gradient must itself be differentiated
#: (``create_graph=True``). ``ctx`` gives the op's input Tensors, its static arguments and
#: ``apply`` for ops whose backward is another registered op (see ``autograd/higher.py``).
Grad = Callable[[Any, Any], tuple[Any, ...]]

__all__ = ["OPS", "Backward", "Forward", "Grad", "OpDef", "lookup", "needs_input_grad",
           "reference_ops", "register_grad", "register_op", "set_needs", "use_reference"]


class OpDef(NamedTuple):
    """A registered op.

    Attributes:
        name: the op's name; it labels graph nodes and error messages.
        forward: the readable forward, ``forward(*arrays, **static) -> (out, cache)``.
        backward: its backward, ``backward(dout, cache) -> grads`` (one per array input), or
            None for ops that have no gradient (comparisons, argmax).
        doc: the forward's docstring (the op's math, shapes and backward rule).
        fast_forward: a faster forward computing the same numbers, or None.
        fast_backward: the backward that goes with ``fast_forward``'s cache.
        grad: the backward as differentiable Tensor operations (for gradients of
            gradients), or None while the op has none.
        dtypes: the dtypes its Tensor inputs may have (``checks.DtypeRule``: ``FLOATING`` for
            an op with no integer or bool kernel, ``SAME`` for one dtype across the inputs),
            checked once per call by the engine; None takes every dtype.
        forward_asks, backward_asks: whether a forward (readable or fast), or a backward,
            calls ``needs_input_grad`` (``mul``'s forward keeps only the input that the other
            input's gradient needs); the engine sets the answer only around the functions that
            ask. ``register_op`` finds out from their code (``_asks_needs``).
    """

    name: str
    forward: Forward
    backward: Backward | None
    doc: str
    fast_forward: Forward | None = None
    fast_backward: Backward | None = None
    grad: Grad | None = None
    dtypes: DtypeRule | None = None
    forward_asks: bool = True
    backward_asks: bool = True

    def pair(self) -> tuple[Forward, Backward | None]:
        """The (forward, backward) the engine runs now: the fast pair unless in reference mode."""
        if self.fast_forward is not None and not _state.reference:
            return self.fast_forward, self.fast_backward
        return self.forward, self.backward


OPS: dict[str, OpDef] = {}


def register_op(name: str, forward: Forward, backward: Backward | None, *,
                fast: tuple[Forward, Backward | None] | None = None,
                grad: Grad | None = None, dtypes: DtypeRule | None = None) -> OpDef:
    """Register a forward/backward pair under ``name`` and return its ``OpDef``.

    Args:
        name: the op's name; it labels graph nodes and error messages.
        forward: ``forward(*arrays, **static) -> (out, cache)``.
        backward: ``backward(dout, cache) -> tuple`` with one gradient (or ``None``) per array
            input, or ``None`` for ops that are not differentiable (comparisons, argmax).
        fast: an optional faster ``(forward, backward)`` pair with the same signature and the
            same results, which autograd runs outside ``reference_ops()``.
        grad: the same backward written with differentiable Tensor operations,
            ``grad(ctx, dout) -> one Tensor or None per input``, which the engine runs when
            ``create_graph=True`` asks for a gradient that can be differentiated again.
        dtypes: what the op's Tensor inputs may be (a ``checks.DtypeRule``); the engine raises
            PyTorch's error naming the op for another dtype
            ("elu: expected a floating point input, got torch.bool").

    Returns:
        The ``OpDef`` stored in ``OPS``.
    """
    if name in OPS:
        raise ValueError(f"register_op: an op named {name!r} is already registered")
    if fast is not None and (len(fast) != 2 or not callable(fast[0])):
        raise TypeError(f"register_op: fast must be a (forward, backward) pair, got {fast!r}")
    doc = (forward.__doc__ or "").strip()
    fast_forward, fast_backward = fast if fast is not None else (None, None)
    op = OpDef(name, forward, backward, doc, fast_forward, fast_backward, grad, dtypes,
               _asks_needs(forward) or _asks_needs(fast_forward),
               _asks_needs(backward) or _asks_needs(fast_backward))
    OPS[name] = op
    return op


def _asks_needs(fn: Any) -> bool:
    """Does ``fn`` call ``needs_input_grad``: in its code, in a function defined inside it, in
    a function of its module that it calls by name, or in the function a decorator wrapped
    (and so on)?"""
    seen: set[int] = set()
    functions = [fn]
    while functions:
        function = functions.pop()
        code = getattr(function, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        for cell in function.__closure__ or ():
            try:
                functions.append(cell.cell_contents)
            except ValueError:  # a cell not filled yet
                pass
        codes = [code]
        while codes:
            code = codes.pop()
            if "needs_input_grad" in code.co_names:
                return True
            codes.extend(c for c in code.co_consts if hasattr(c, "co_names"))
            functions.extend(function.__globals__.get(n) for n in code.co_names)
    return False


def register_grad(name: str, grad: Grad) -> OpDef:
    """Give the registered op ``name`` its differentiable backward (see ``register_op``).

    For an op registered in a block that its differentiable backward cannot sit in (the
    backward uses an op registered later); the usual place is ``register_op(..., grad=)``.
    """
    op = lookup(name, "register_grad")
    if op.grad is not None:
        raise ValueError(f"register_grad: {name!r} already has a differentiable backward")
    OPS[name] = op._replace(grad=grad)
    return OPS[name]


def lookup(op: OpDef | str, caller: str = "apply_op") -> OpDef:
    """The ``OpDef`` for an ``OpDef`` or a registered name (KeyError naming ``caller``)."""
    if isinstance(op, OpDef):
        return op
    try:
        return OPS[op]
    except KeyError:
        raise KeyError(f"{caller}: no op named {op!r} is registered") from None


# ----------------------------------------------------------------------------- state

class _State(threading.local):
    needs: tuple[bool, ...] | None = None  # which inputs of the running backward need a grad
    reference: bool = False  # run every op's readable pair


_state = _State()


def needs_input_grad(i: int) -> bool:
    """Inside a backward called by the engine: does input ``i`` need its gradient?

    A backward may skip computing a gradient nobody needs (``matmul`` skips ``dx`` for a data
    batch) and return ``None`` in its place. A forward may ask too (``mul`` keeps only what
    backward will use). The engine answers around the forwards and backwards that call this
    function, directly or through functions of their module (``OpDef.forward_asks``,
    ``backward_asks``). Called directly (outside the engine), every input needs its gradient.
    """
    needs = _state.needs
    return needs is None or needs[i]


def set_needs(needs: tuple[bool, ...] | None) -> tuple[bool, ...] | None:
    """Set what ``needs_input_grad`` answers (the engine, around one backward); returns the
    previous value so that the caller can restore it."""
    prev = _state.needs
    _state.needs = needs
    return prev


def use_reference() -> bool:
    """True inside ``reference_ops()``."""
    return _state.reference


@contextmanager
def reference_ops(enabled: bool = True) -> Iterator[None]:
    """Run every op by its readable numpy pair (the lesson) instead of its fast path.

    Inside the block, the ops that have a fast path (conv2d and conv_transpose2d, pooling,
    batch and layer norm, the RNN/LSTM/GRU steps and sequences, matmul, log_softmax and
    nll_loss) run the plain numpy forward and backward that their file opens with, so a
    debugger or a print in those functions shows the backward of a real network step by
    step. Results agree with the fast path to rounding; it is slower
    (``benchmarks/bench_reference.py`` shows by how much). A backward always runs the pair of
    the forward that ran, even if the block ended in between.

    Example:
        >>> import tinygrad_edu as tg
        >>> conv = tg.nn.Conv2d(1, 2, 3)
        >>> with tg.ops.reference_ops():
        ...     conv(tg.randn(1, 1, 5, 5)).sum().backward()
        >>> conv.weight.grad.shape
        torch.Size([2, 1, 3, 3])
    """
    prev = _state.reference
    _state.reference = bool(enabled)
    try:
        yield
    finally:
        _state.reference = prev
