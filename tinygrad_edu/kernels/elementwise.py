"""Elementwise loops for float arrays: ReLU, gradient gating, the SGD momentum update.

numpy runs ``x > 0`` and ``np.maximum(x, 0)`` as two passes (and ``np.maximum`` checks for
NaN on the way); one loop writes the output and the mask together, 3-4x faster on one
thread, and very large arrays are split over the threads. Likewise SGD's three in-place
numpy statements become one pass (3.5x faster on a 3 MB weight). The callers use these only
when ``loop_pays`` says so, and compute the same values in numpy otherwise, with the same
operations in the same order: the results are bit-identical either way. Every element is
computed on its own, so they never depend on the number of threads.

Each loop is a compiled function of a range ``[start, stop)`` of the flattened arrays (the
``*_range`` kernels); the function of the same name without the suffix allocates the result
and runs the ranges on the thread pool (``threads.parallel_for``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from . import threads
from .jit import ready

# Arrays at least this large run these loops; on smaller ones numpy's few calls cost no more
# than calling a compiled loop.
LOOP_MIN_SIZE = 1 << 13
# One cheap pass per element: half the work per element of the norms' and pools' loops that
# ``threads.PARALLEL_MIN_WORK`` is measured for, so these split from 2**21 elements.
PASS_WORK = 0.5


def loop_pays(*arrays: Any) -> bool:
    """Not tiny, C-contiguous, float32/float64 arrays of one shape: what these loops take."""
    first = arrays[0]
    return (first.size >= LOOP_MIN_SIZE and first.dtype in (np.float32, np.float64)
            and all(a.flags.c_contiguous and a.shape == first.shape for a in arrays))


@njit(cache=True, nogil=True)
def relu_range(flat, out, mask, start, stop):  # pragma: no cover - compiled; also run without JIT
    """out = max(x, 0) (NaN stays NaN, -0.0 becomes 0.0) and mask = not (x <= 0), in one pass.

    The mask is where the gradient passes: x > 0, and also NaN, as in PyTorch (whose ReLU
    backward zeroes the gradient where the output is <= 0).

    Args:
        flat: contiguous 1-D float32/float64 input.
        out: 1-D output like flat; mask: 1-D bool output; both filled on [start, stop).
        start, stop: the range of elements this call computes.
    """
    xs, os, ms = flat[start:stop], out[start:stop], mask[start:stop]
    for i in range(xs.size):  # from 0: no negative-index test, so the loop vectorises
        v = xs[i]
        passes = not v <= 0  # x > 0 or NaN
        ms[i] = passes
        os[i] = v if passes else 0.0


def relu(x: Any) -> tuple[Any, Any]:
    """``relu_range`` over all of x (any shape, contiguous): (out, mask) with x's shape."""
    flat = x.reshape(-1)
    out, mask = np.empty_like(flat), np.empty(flat.size, dtype=np.bool_)
    kernel = ready(relu_range)
    threads.parallel_for(flat.size, lambda i0, i1: kernel(flat, out, mask, i0, i1),
                         work=int(flat.size * PASS_WORK))
    return out.reshape(x.shape), mask.reshape(x.shape)


@njit(cache=True, nogil=True)
def gate_range(flat, keep, dx, start, stop):  # pragma: no cover - compiled; also run without JIT
    """dx = dout * mask on [start, stop), bit for bit as numpy computes it (a gated -1.0
    gives -0.0, NaN NaN). flat, dx: 1-D float32/float64; keep: 1-D bool."""
    gs, ks, ds = flat[start:stop], keep[start:stop], dx[start:stop]
    for i in range(gs.size):  # from 0: no negative-index test, so the loop vectorises
        ds[i] = gs[i] * ks[i]


def gate(dout: Any, mask: Any) -> Any:
    """``gate_range`` over all of dout (contiguous) and its bool mask of the same shape."""
    flat, keep = dout.reshape(-1), mask.reshape(-1)
    dx = np.empty_like(flat)
    kernel = ready(gate_range)
    threads.parallel_for(flat.size, lambda i0, i1: kernel(flat, keep, dx, i0, i1),
                         work=int(flat.size * PASS_WORK))
    return dx.reshape(dout.shape)


@njit(cache=True, nogil=True)
def sgd_momentum_range(p, g, b, neg_lr, momentum, weight_decay, start, stop
                       ):  # pragma: no cover - compiled; the tests also run it without JIT
    """One SGD step with momentum (no dampening, not Nesterov) on [start, stop), in place.

    ``d = grad + weight_decay * param`` (when weight_decay != 0), ``buf = buf * momentum + d``,
    ``param = param + neg_lr * buf``: the same roundings as the numpy statements in
    ``optim.SGD``, when the scalars have the arrays' dtype.

    Args:
        p, g, b: 1-D param, grad and momentum buffer of one float dtype; p and b change.
        neg_lr, momentum, weight_decay: scalars of the arrays' dtype.
        start, stop: the range of elements this call updates.
    """
    ps, gs, bs = p[start:stop], g[start:stop], b[start:stop]
    for i in range(ps.size):  # from 0: no negative-index test, so the loop vectorises
        d = gs[i]
        if weight_decay != 0:
            d = d + weight_decay * ps[i]
        v = bs[i] * momentum + d
        bs[i] = v
        ps[i] = ps[i] + neg_lr * v


def sgd_momentum(param: Any, grad: Any, buf: Any, neg_lr: Any, momentum: Any,
                 weight_decay: Any) -> None:
    """``sgd_momentum_range`` over all of param, grad and buf (contiguous, one shape)."""
    p, g, b = param.reshape(-1), grad.reshape(-1), buf.reshape(-1)
    kernel = ready(sgd_momentum_range)
    threads.parallel_for(p.size, lambda i0, i1: kernel(p, g, b, neg_lr, momentum, weight_decay,
                                                       i0, i1), work=int(p.size * PASS_WORK))
