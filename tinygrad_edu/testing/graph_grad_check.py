"""gradcheck_graph's second-order check: one recorded op's differentiable backward, alone.

With ``create_graph=True`` the engine does not run an op's numpy backward but its ``grad``: the
same formula written with Tensor operations, whose graph is then differentiated again. That
formula can be wrong even when the numpy one is right (a ``detach()`` too many, a missing
term), and then every op of the derivative's graph passes its own first-order check while the
second derivative is wrong. So, for an op with a ``grad``, this module checks the formula
itself, on float64 copies of the op's recorded inputs:

- analytically: ``g = grad(x, v)`` (the op's differentiable backward, run by the engine with
  ``create_graph=True``) weighted with a random direction ``u``; ``d<g, u>/dx`` and
  ``d<g, u>/dv`` by backward;
- numerically: central differences of ``<backward(x, v), u>`` computed with the op's numpy
  backward (which the first-order check has just checked).

A disagreement is reported like a wrong backward, naming the op, its ``grad`` function and the
user's line that created the op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..autograd import OpRecord, apply_op, call_backward, enable_grad, grad
from ..ops.registry import OPS
from ..tensor.creation import tensor
from .gradcheck import Mismatch

__all__ = ["check_grad_record", "grad_function"]

Array = NDArray[Any]
Replay = Callable[[list[Any]], tuple[Array, Any]]  # gradcheck_graph._Replay


def grad_function(record: OpRecord) -> Any:
    """The op's differentiable backward (``grad``), or None when it has none."""
    if record.op.grad is not None:
        return record.op.grad
    registered = OPS.get(record.op.name)
    return None if registered is None else registered.grad


def check_grad_record(record: OpRecord, replay: Any, xs: list[Any], checked: list[bool],
                      rng: np.random.Generator, eps: float, atol: float, rtol: float,
                      max_elements: int) -> list[Mismatch]:
    """Compare ``d<grad(x, v), u>`` by backward with central differences of the numpy
    backward, at sampled elements of each checked input and of ``v``; the failures.

    Args:
        record: the op as recorded (its inputs, static arguments, the pair that ran).
        replay: ``gradcheck_graph._Replay``: the op's forward with its random state.
        xs: float64 copies of the op's inputs (others as they were).
        checked: per input, whether it is differentiated.
        rng, eps, atol, rtol, max_elements: as in ``gradcheck_graph``.

    Returns:
        One ``Mismatch`` per failing input; ``input_index == len(xs)`` stands for ``v``
        (the upstream gradient, ``dout``).
    """
    out, _ = replay(xs)
    v = rng.standard_normal(out.shape)
    us = {i: rng.standard_normal(np.shape(xs[i])) for i, c in enumerate(checked) if c}
    analytic = _analytic(record, replay, xs, checked, v, us)
    targets = [(np.shape(x), np.float64) if c else None for x, c in zip(xs, checked, strict=True)]

    def value(xs_now: list[Any], v_now: Array) -> float:
        _, cache = replay(xs_now)
        with np.errstate(all="ignore"):
            grads = call_backward(record.op.name, record.backward, v_now, cache, targets)
        return sum(float(np.sum(grads[i] * u)) for i, u in us.items() if grads[i] is not None)

    failures = []
    for k in [*us, len(xs)]:
        base = v if k == len(xs) else xs[k]

        def moved(flat_index: int, delta: float, k: int = k, base: Array = base) -> float:
            shifted = np.array(base, dtype=np.float64, copy=True)
            shifted.flat[flat_index] += delta
            if k == len(xs):
                return value(xs, shifted)
            return value([*xs[:k], shifted, *xs[k + 1:]], v)

        worst = _worst(analytic[k], moved, base.size, rng, eps, atol, rtol, max_elements)
        if worst is not None:
            error, j, a, n = worst
            element = tuple(int(i) for i in np.unravel_index(j, base.shape))
            failures.append(Mismatch(k, tuple(base.shape), element, a, n, error))
    return failures


def _analytic(record: OpRecord, replay: Any, xs: list[Any], checked: list[bool], v: Array,
              us: dict[int, Array]) -> dict[int, Array]:
    """``d<g, u>/dx_i`` and ``d<g, u>/dv`` (key ``len(xs)``), through the op's ``grad``."""
    leaves = [tensor(np.array(x, copy=True), requires_grad=c) if c else tensor(x)
              for x, c in zip(xs, checked, strict=True)]
    v_leaf = tensor(v.copy(), requires_grad=True)
    replay.restore()  # a random op draws what it drew when it was recorded
    with enable_grad(), np.errstate(all="ignore"):
        y = apply_op(record.op, *leaves, **replay.static)
        wanted = list(us)
        gs = grad(y, [leaves[i] for i in wanted], v_leaf, create_graph=True, allow_unused=True)
        terms = [(g * tensor(us[i])).sum() for g, i in zip(gs, wanted, strict=True)
                 if g is not None]
        if terms:
            s = sum(terms[1:], terms[0])
            if s.requires_grad:
                s.backward()
    found = {i: np.zeros(np.shape(xs[i])) if leaves[i].grad is None
             else leaves[i].grad.numpy().astype(np.float64) for i in us}
    found[len(xs)] = np.zeros(v.shape) if v_leaf.grad is None else v_leaf.grad.numpy()
    return found


def _worst(analytic: Array, moved: Callable[[int, float], float], size: int,
           rng: np.random.Generator, eps: float, atol: float, rtol: float,
           max_elements: int) -> tuple[float, int, float, float] | None:
    """The worst sampled element: ``(abs error, flat index, analytical, numerical)``."""
    picks = np.arange(size)
    if size > max_elements:
        picks = np.sort(rng.choice(size, size=max_elements, replace=False))
    worst = None
    for j in picks:
        numeric = (moved(int(j), eps) - moved(int(j), -eps)) / (2 * eps)
        value = float(analytic.flat[j])
        error = abs(value - numeric)
        if error <= atol + rtol * abs(numeric):
            continue
        if worst is None or error > worst[0]:
            worst = (error, int(j), value, numeric)
    return worst
