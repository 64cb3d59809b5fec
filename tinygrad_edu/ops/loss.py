"""Softmax, log-softmax and the negative log-likelihood: the classifier's lesson ops.

``cross_entropy`` is ``nll_loss(log_softmax(x))`` (see ``nn/functional/loss.py``); the two
primitives here are written by hand because their backward is the lesson and because the
max-shift inside them keeps logits of +-1e4 finite.

The file ends with the fast pairs of ``log_softmax`` and ``nll_loss`` (registered with
``fast=``, run by autograd outside ``reference_ops()``): the same arithmetic on (N, C) rows as
compiled loops (``kernels/loss.py``), since numpy's reductions along a short class axis cost
more than the loss itself.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..checks import FLOATING
from ..kernels import loss as kernels
from ..kernels.jit import ready
from .registry import needs_input_grad, register_op

Array = NDArray[Any]


class SoftmaxCache(NamedTuple):
    """Cache of ``softmax``/``log_softmax``: the output and the axis."""

    out: Array
    dim: int


def _check_dim(name: str, x: Array, dim: Any) -> None:
    n = max(x.ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or not -n <= dim < n:
        raise IndexError(f"{name}: dim must be an int in [{-n}, {n - 1}] for an input of shape "
                         f"{x.shape}, got {dim!r}")


def softmax_forward(x: Array, *, dim: int) -> tuple[Array, SoftmaxCache]:
    """out = exp(x - max) / sum(exp(x - max)) along ``dim`` (the shift avoids overflow).

    Backward: dx = out * (dout - sum(dout * out, dim)).
    """
    _check_dim("softmax_forward", x, dim)
    with np.errstate(invalid="ignore"):  # inf - inf in a row of infs is nan, as in PyTorch
        e = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))
        out = e / np.sum(e, axis=dim, keepdims=True)
    return out, SoftmaxCache(out, dim)


def softmax_backward(dout: Array, cache: SoftmaxCache) -> tuple[Array]:
    """Jacobian-vector product of softmax without building the Jacobian."""
    out = cache.out
    return (out * (dout - np.sum(dout * out, axis=cache.dim, keepdims=True)),)


def softmax_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = s * (dout - sum(dout * s, dim)), s = softmax(x)."""
    dim, s = ctx.static["dim"], ctx.output
    return (s * (dout - (dout * s).sum(dim=dim, keepdim=True)),)


register_op("softmax", softmax_forward, softmax_backward, grad=softmax_grad, dtypes=FLOATING)


def log_softmax_forward(x: Array, *, dim: int) -> tuple[Array, SoftmaxCache]:
    """out = x - max - log(sum(exp(x - max))) along ``dim``.

    Backward: dx = dout - softmax(x) * sum(dout, dim), with softmax(x) = exp(out).
    """
    _check_dim("log_softmax_forward", x, dim)
    with np.errstate(invalid="ignore", divide="ignore"):  # infs give nan, as in PyTorch
        shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)  # empty rows: -inf
        out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
    return out, SoftmaxCache(out, dim)


def log_softmax_backward(dout: Array, cache: SoftmaxCache) -> tuple[Array]:
    """Every output depends on every input through the normaliser."""
    return (dout - np.exp(cache.out) * np.sum(dout, axis=cache.dim, keepdims=True),)


def log_softmax_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout - exp(out) * sum(dout, dim), as one op of dout and
    the output (``log_softmax_backward_data``)."""
    return (ctx.apply("log_softmax_backward_data", dout, ctx.output, dim=ctx.static["dim"]),)


class GradSoftmaxCache(NamedTuple):
    """Cache of ``log_softmax_backward_data``: the upstream gradient, exp(output), the axis."""

    dout: Array
    probs: Array
    dim: int


def log_softmax_backward_data_forward(dout: Array, out: Array, *, dim: int
                                      ) -> tuple[Array, GradSoftmaxCache]:
    """log_softmax's backward as an op of the upstream gradient and log_softmax's output
    (PyTorch's ``_log_softmax_backward_data``): dx = dout - exp(out) * sum(dout, dim).

    Its own backward, for gradients of gradients, with p = exp(out):
    d dout = g - sum(g * p, dim), d out = -sum(dout, dim) * p * g.
    """
    _check_dim("log_softmax_backward_data_forward", out, dim)
    probs = np.exp(out)
    return dout - probs * np.sum(dout, axis=dim, keepdims=True), GradSoftmaxCache(dout, probs,
                                                                                   dim)


def log_softmax_backward_data_backward(g: Array, cache: GradSoftmaxCache
                                       ) -> tuple[Array | None, Array | None]:
    """The gradients of the upstream gradient and of the output."""
    dout, probs, dim = cache
    d_dout = g - np.sum(g * probs, axis=dim, keepdims=True) if needs_input_grad(0) else None
    d_out = -np.sum(dout, axis=dim, keepdims=True) * probs * g if needs_input_grad(1) else None
    return d_dout, d_out


def log_softmax_backward_data_grad(ctx: Any, g: Any) -> tuple[Any, Any]:
    """Differentiable backward: d dout = g - sum(g * p, dim), d out = -sum(dout, dim) * p * g,
    p = exp(out)."""
    dout, out = ctx.inputs
    dim = ctx.static["dim"]
    probs = out.exp()
    return (g - (g * probs).sum(dim=dim, keepdim=True) if ctx.needs[0] else None,
            -(dout.sum(dim=dim, keepdim=True) * probs * g) if ctx.needs[1] else None)


register_op("log_softmax_backward_data", log_softmax_backward_data_forward,
            log_softmax_backward_data_backward, grad=log_softmax_backward_data_grad,
            dtypes=FLOATING)


class NllCache(NamedTuple):
    """Cache of ``nll_loss``: where each target sits, its weight and the reduction."""

    shape: tuple[int, ...]
    target: Array
    weights: Array
    scale: float
    reduction: str


def _classes_last(x: Array) -> Array:
    """(N, C, d1, ...) -> (N * d1 * ..., C); (C,) -> (1, C)."""
    if x.ndim == 1:
        return x[None, :]
    if x.ndim == 2:  # already (N, C) (moveaxis would cost more than the loss itself)
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def nll_loss_forward(logp: Array, target: Array, weight: Array, *, ignore_index: int = -100,
                     reduction: str = "mean") -> tuple[Array, NllCache]:
    """loss_i = -weight[t_i] * logp[i, t_i]; targets equal to ``ignore_index`` count 0.

    Shape: logp (N, C) or (N, C, d1, ...) or (C,); target (N,) or (N, d1, ...) or ();
    weight (C,). ``mean`` divides by the total weight of the counted targets.

    Backward: dlogp[i, t_i] = -weight[t_i] * dout (scaled by the mean's divisor).
    """
    flat, t = _classes_last(logp), target.reshape(-1)
    n_classes = logp.shape[1] if logp.ndim > 1 else logp.shape[0]
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"nll_loss: Target {t[bad][0]} is out of bounds; expected class "
                         f"indices in [0, {n_classes - 1}] (or ignore_index={ignore_index})")
    safe_t = np.where(valid, t, 0)
    w = np.where(valid, weight[safe_t], 0).astype(logp.dtype)
    losses = -w * flat[np.arange(flat.shape[0]), safe_t]
    scale = 1.0
    if reduction == "none":
        out = losses.reshape(target.shape)
    elif reduction == "sum":
        out = np.sum(losses)
    else:
        total = np.sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.sum(losses) / total  # nan when every target is ignored, as in PyTorch
        scale = 1.0 / total if total else 0.0  # ... whose gradient is then zero
    return np.asarray(out, dtype=logp.dtype), NllCache(logp.shape, safe_t, w, scale, reduction)


def nll_loss_backward(dout: Array, cache: NllCache) -> tuple[Array, None, None]:
    """Only the log-probability of each target class receives gradient."""
    upstream = dout.reshape(-1) if cache.reduction == "none" else dout * cache.scale
    rows = np.arange(cache.target.shape[0])
    flat = np.zeros((rows.shape[0], cache.shape[1] if len(cache.shape) > 1 else cache.shape[0]),
                    dtype=dout.dtype)
    flat[rows, cache.target] = -cache.weights * upstream
    if len(cache.shape) <= 2:
        return flat.reshape(cache.shape), None, None
    moved = flat.reshape((cache.shape[0],) + cache.shape[2:] + (cache.shape[1],))
    return np.moveaxis(moved, -1, 1), None, None


def nll_loss_grad(ctx: Any, dout: Any) -> tuple[Any, None, None]:
    """Differentiable backward: dlogp = dout (with a class axis put back) times the constant
    -weight[t] (scaled for the mean) at each target class, 0 elsewhere: linear in dout, and
    independent of logp (its second derivative in logp is 0)."""
    logp, target, weight = (t.numpy(force=True) for t in ctx.inputs)
    _, cache = nll_loss_forward(logp, target, weight, **ctx.static)
    dtype = dout.numpy(force=True).dtype
    factor, _, _ = nll_loss_backward(np.ones(np.shape(target) if cache.reduction == "none"
                                             else (), dtype), cache)
    if cache.reduction == "none" and logp.ndim > 1:  # (N, d1, ...) -> (N, 1, d1, ...)
        dout = ctx.apply("reshape", dout, shape=(logp.shape[0], 1) + logp.shape[2:])
    return dout * ctx.const(factor), None, None


class BceCache(NamedTuple):
    """Cache of ``binary_cross_entropy``: probabilities and targets."""

    x: Array
    y: Array


def binary_cross_entropy_forward(x: Array, y: Array) -> tuple[Array, BceCache]:
    """loss = -(y log x + (1 - y) log(1 - x)) elementwise, each log clamped at -100.

    Backward: dx = dout * (x - y) / max(x (1 - x), 1e-12) (finite at x = 0 or 1, PyTorch's
    rule); dy = dout * (log(1 - x) - log x).
    """
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), -100)
        log_1mx = np.maximum(np.log1p(-x), -100)
    return -(y * log_x + (1 - y) * log_1mx), BceCache(x, y)


def binary_cross_entropy_backward(dout: Array, cache: BceCache) -> tuple[Array, Array]:
    """The sigmoid-free form of the BCE derivative, with its denominator kept away from 0."""
    x, y = cache
    # PyTorch's epsilon is the float32 number nearest 1e-12, whatever the dtype
    dx = dout * (x - y) / np.maximum(x * (1 - x), float(np.float32(1e-12)))
    with np.errstate(divide="ignore"):
        dy = dout * (np.maximum(np.log1p(-x), -100) - np.maximum(np.log(x), -100))
    return dx, dy


def binary_cross_entropy_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout * (x - y) / (x (1 - x)), dy = dout * (log(1 - x) -
    log x), with the numpy backward's clamps as constant masks (where a clamp holds, the
    clamped value is a constant and its derivative 0)."""
    x, y = ctx.inputs
    values = x.numpy(force=True)
    one = ctx.const(np.ones((), values.dtype))
    dx = dy = None
    if ctx.needs[0]:
        denom = x * (one - x)
        tiny = denom.numpy(force=True) < float(np.float32(1e-12))  # the clamp at 1e-12
        if tiny.any():
            eps = ctx.const(np.full((), float(np.float32(1e-12)), values.dtype))
            denom = ctx.apply("where", ctx.const(tiny), eps, denom)
        dx = dout * (x - y) / denom
    if ctx.needs[1]:
        with np.errstate(divide="ignore"):
            low_x, low_1mx = np.log(values) < -100, np.log1p(-values) < -100
        dy = dout * (_clamped_log(ctx, one - x, low_1mx) - _clamped_log(ctx, x, low_x))
    return dx, dy


def _clamped_log(ctx: Any, v: Any, low: Any) -> Any:
    """max(log v, -100) as Tensor operations; where log v < -100 (``low``) the constant -100
    (v is replaced by 1 there first, so log's derivative 1 / v never meets v = 0)."""
    if not low.any():
        return v.log()
    dtype = v.numpy(force=True).dtype
    mask = ctx.const(low)
    safe = ctx.apply("where", mask, ctx.const(np.ones((), dtype)), v)
    return ctx.apply("where", mask, ctx.const(np.full((), -100.0, dtype)), safe.log())


register_op("binary_cross_entropy", binary_cross_entropy_forward, binary_cross_entropy_backward,
            grad=binary_cross_entropy_grad, dtypes=FLOATING._replace(same=True))


# ----------------------------------------------------------------------------- the fast pairs

_ROW_DTYPES = (np.float32, np.float64)


def _rows(x: Array, dim: int) -> Array | None:
    """x as (rows, C) when ``dim`` is its last axis, x is C-contiguous float32/float64 and not
    empty (what the row loops take); else None."""
    if (x.ndim == 0 or x.size == 0 or dim % x.ndim != x.ndim - 1 or x.dtype not in _ROW_DTYPES
            or not x.flags.c_contiguous):
        return None
    return x.reshape(-1, x.shape[-1])


class LogSoftmaxRowsCache(NamedTuple):
    """Cache of the fast ``log_softmax``: the output and the axis."""

    out: Array
    dim: int


def log_softmax_fast_forward(x: Array, *, dim: int) -> tuple[Array, LogSoftmaxRowsCache]:
    """``log_softmax_forward``, by ``kernels.loss.log_softmax_rows`` along the last axis."""
    _check_dim("log_softmax_forward", x, dim)
    rows = _rows(x, dim)
    if rows is None:
        out, _ = log_softmax_forward(x, dim=dim)
    else:
        out = np.empty_like(x)
        ready(kernels.log_softmax_rows)(rows, out.reshape(rows.shape))
    return out, LogSoftmaxRowsCache(out, dim)


def log_softmax_fast_backward(dout: Array, cache: LogSoftmaxRowsCache) -> tuple[Array]:
    """``log_softmax_backward``, by ``kernels.loss.log_softmax_bwd_rows`` on rows."""
    out = cache.out
    rows = _rows(out, cache.dim)
    if rows is None or dout.dtype != out.dtype or not dout.flags.c_contiguous:
        return log_softmax_backward(dout, SoftmaxCache(*cache))
    dx = np.empty_like(out)
    ready(kernels.log_softmax_bwd_rows)(dout.reshape(rows.shape), rows, dx.reshape(rows.shape))
    return (dx,)


class NllRowsCache(NamedTuple):
    """Cache of the fast ``nll_loss``: the fields of ``NllCache``."""

    shape: tuple[int, ...]
    target: Array
    weights: Array
    scale: float
    reduction: str


def nll_loss_fast_forward(logp: Array, target: Array, weight: Array, *,
                          ignore_index: int = -100, reduction: str = "mean"
                          ) -> tuple[Array, NllRowsCache]:
    """``nll_loss_forward``; (N, C) log-probabilities by ``kernels.loss.nll_rows``."""
    if (logp.ndim != 2 or logp.dtype not in _ROW_DTYPES or target.shape != logp.shape[:1]
            or target.dtype != np.int64 or weight.dtype != logp.dtype
            or not (logp.flags.c_contiguous and target.flags.c_contiguous
                    and weight.flags.c_contiguous)):
        out, cache = nll_loss_forward(logp, target, weight, ignore_index=ignore_index,
                                      reduction=reduction)
        return out, NllRowsCache(*cache)
    n = logp.shape[0]
    safe_t, w, losses = np.empty(n, np.int64), np.empty(n, logp.dtype), np.empty(n, logp.dtype)
    loss_sum, weight_sum, bad = ready(kernels.nll_rows)(logp, target, weight, ignore_index,
                                                        safe_t, w, losses)
    if bad >= 0:  # the lesson pair raises the error, naming the first bad target
        nll_loss_forward(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    scale = 1.0
    if reduction == "none":
        out = losses
    elif reduction == "sum":
        out = loss_sum
    elif weight_sum:
        out = np.float64(loss_sum) / weight_sum
        scale = 1.0 / weight_sum
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.float64(loss_sum) / weight_sum  # nan when every target is ignored
        scale = 0.0
    cache = NllRowsCache(logp.shape, safe_t, w, scale, reduction)
    return np.asarray(out, dtype=logp.dtype), cache


def nll_loss_fast_backward(dout: Array, cache: NllRowsCache) -> tuple[Array, None, None]:
    """``nll_loss_backward``; a single (1, C) row with a reduced loss (a batch of one) sets its
    one gradient entry by plain indexing instead of building index arrays."""
    if len(cache.shape) == 2 and cache.shape[0] == 1 and cache.reduction != "none":
        flat = np.zeros(cache.shape, dtype=dout.dtype)
        flat[0, cache.target[0]] = -cache.weights[0] * (dout * cache.scale)
        return flat, None, None
    return nll_loss_backward(dout, cache)


register_op("log_softmax", log_softmax_forward, log_softmax_backward, grad=log_softmax_grad,
            dtypes=FLOATING, fast=(log_softmax_fast_forward, log_softmax_fast_backward))
register_op("nll_loss", nll_loss_forward, nll_loss_backward, grad=nll_loss_grad,
            fast=(nll_loss_fast_forward, nll_loss_fast_backward))
