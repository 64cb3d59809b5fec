"""Scans (running reductions along one dim): cumsum, cumprod, logcumsumexp, cummax indices,
and the linear recurrence that differentiates them again.

out[i] combines x[0], ..., x[i]. So x[i] moves every output from i on, and each backward is a
*reverse* scan: it sums the upstream gradient from the end of the dim back to i.

The reverse scans of cumprod and logcumsumexp are linear recurrences, S[i] = c[i] * S[i + 1]
+ dout[i]. ``linear_scan`` is that recurrence as an op of its own, and its backward is the same
recurrence run the other way: so the gradients of the scans can be differentiated again, to
any order, exactly (no division, so zeros in cumprod's input are no special case).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .registry import register_op

Array = NDArray[Any]


def scan_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """PyTorch's result dtype of a sum or product scan: integers and bools become int64."""
    return dtype if dtype.kind in "fc" else np.dtype(np.int64)


def reverse_cumsum(a: Array, dim: int) -> Array:
    """out[i] = a[i] + a[i + 1] + ... + a[n - 1] along ``dim``."""
    return np.flip(np.cumsum(np.flip(a, dim), axis=dim), dim)


def _at(dim: int, part: slice) -> tuple[slice, ...]:
    """The index key that applies ``part`` to axis ``dim`` and keeps every axis before it."""
    return (slice(None),) * dim + (part,)


class ScanCache(NamedTuple):
    """Cache of a scan: the input, the output and the dim."""

    x: Array
    out: Array
    dim: int


def cumsum_forward(x: Array, *, dim: int) -> tuple[Array, ScanCache]:
    """out[i] = x[0] + ... + x[i] along ``dim`` (ints and bools sum as int64).

    Backward: x[i] appears in out[i], out[i+1], ..., so dx[i] = dout[i] + ... + dout[n-1],
    a cumulative sum taken from the end.
    """
    out = np.cumsum(x, axis=dim, dtype=scan_dtype(x.dtype))
    return out, ScanCache(x, out, dim)


def cumsum_backward(dout: Array, cache: ScanCache) -> tuple[Array]:
    """The reverse cumulative sum of dout."""
    return (reverse_cumsum(dout, cache.dim),)


def cumsum_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: the reverse cumulative sum of dout (flip, cumsum, flip)."""
    dim = ctx.static["dim"] % dout.ndim
    flip = _at(dim, slice(None, None, -1))
    forward = ctx.apply("cumsum", ctx.apply("getitem", dout, key=flip), dim=dim)
    return (ctx.apply("getitem", forward, key=flip),)


register_op("cumsum", cumsum_forward, cumsum_backward, grad=cumsum_grad)


def cumprod_forward(x: Array, *, dim: int) -> tuple[Array, ScanCache]:
    """out[i] = x[0] * ... * x[i] along ``dim`` (ints and bools multiply as int64).

    Backward: d out[j] / d x[i] (j >= i) is the product of x[0..j] without x[i], so
        dx[i] = (x[0] * ... * x[i-1]) * S[i],   S[i] = sum_j>=i dout[j] * x[i+1] * ... * x[j],
    and S runs backwards: S[n-1] = dout[n-1], S[i] = dout[i] + x[i+1] * S[i+1]. No division,
    so zeros in x are exact (dividing out by x would give 0/0 there).
    """
    out = np.cumprod(x, axis=dim, dtype=scan_dtype(x.dtype))
    return out, ScanCache(x, out, dim)


def cumprod_backward(dout: Array, cache: ScanCache) -> tuple[Array]:
    """Exclusive prefix products times the backward recurrence S (see the forward)."""
    x = np.moveaxis(cache.x, cache.dim, -1)
    g = np.moveaxis(dout, cache.dim, -1)
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    s = np.empty_like(g)
    running = np.zeros(g.shape[:-1], dtype=g.dtype)
    for i in reversed(range(x.shape[-1])):
        nxt = x[..., i + 1] if i + 1 < x.shape[-1] else 0.0
        running = g[..., i] + nxt * running
        s[..., i] = running
    return (np.moveaxis(before * s, -1, cache.dim),)


def cumprod_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = before * S, two linear recurrences (``linear_scan``):
    before[i] = x[i - 1] * before[i - 1] from before[0] = 1 (the product of the x before i),
    and S[i] = x[i + 1] * S[i + 1] + dout[i] from the end."""
    x = ctx.inputs[0]
    dim = ctx.static["dim"] % x.ndim
    head = ctx.apply("getitem", x, key=_at(dim, slice(None, -1)))
    tail = ctx.apply("getitem", x, key=_at(dim, slice(1, None)))
    first = np.zeros(tuple(x.shape), dout.numpy(force=True).dtype)
    first[_at(dim, slice(0, 1))] = 1
    before = ctx.apply("linear_scan", head, ctx.const(first), dim=dim)
    s = ctx.apply("linear_scan", tail, dout, dim=dim, reverse=True)
    return (before * s,)


register_op("cumprod", cumprod_forward, cumprod_backward, grad=cumprod_grad)


def logcumsumexp_forward(x: Array, *, dim: int) -> tuple[Array, ScanCache]:
    """out[i] = log(exp(x[0]) + ... + exp(x[i])), scanned with logaddexp (no overflow).

    Backward: d out[j] / d x[i] = exp(x[i] - out[j]) for j >= i (a softmax weight), so
        dx[i] = exp(x[i] - out[i]) * T[i],   T[i] = sum_j>=i dout[j] * exp(out[i] - out[j]),
    and T runs backwards: T[i] = dout[i] + exp(out[i] - out[i+1]) * T[i+1]. out never
    decreases, so every exponent is <= 0: nothing overflows.
    """
    out = np.logaddexp.accumulate(x, axis=dim)
    return out, ScanCache(x, out, dim)


def logcumsumexp_backward(dout: Array, cache: ScanCache) -> tuple[Array]:
    """The stable backward recurrence T (see the forward)."""
    x = np.moveaxis(cache.x, cache.dim, -1)
    out = np.moveaxis(cache.out, cache.dim, -1)
    g = np.moveaxis(dout, cache.dim, -1)
    with np.errstate(invalid="ignore"):  # -inf - -inf: an element that adds nothing
        weight = np.nan_to_num(np.exp(x - out), nan=0.0)
        step = np.nan_to_num(np.exp(out[..., :-1] - out[..., 1:]), nan=1.0)
    t = np.empty_like(g)
    running = np.zeros(g.shape[:-1], dtype=g.dtype)
    for i in reversed(range(x.shape[-1])):
        running = g[..., i] + (step[..., i] * running if i + 1 < x.shape[-1] else 0.0)
        t[..., i] = running
    return (np.moveaxis(weight * t, -1, cache.dim),)


def logcumsumexp_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = exp(x - out) * T, T the recurrence ``linear_scan`` with
    links exp(out[i] - out[i + 1]) over dout (run from the end)."""
    x, out = ctx.inputs[0], ctx.output
    dim = ctx.static["dim"] % x.ndim
    head, tail = _at(dim, slice(None, -1)), _at(dim, slice(1, None))
    values = out.numpy(force=True)
    dead = np.isneginf(values)  # out = -inf where x was -inf up to here: use 0 in its place
    if dead.any():  # (weight exp(x - 0) = 0; its link is never used), never -inf - -inf = nan
        zero = ctx.const(np.zeros((), values.dtype))
        out = ctx.apply("where", ctx.const(dead), zero, out)
        drop = ctx.apply("where", ctx.const(dead[head]), zero, out[head] - out[tail])
    else:
        drop = out[head] - out[tail]
    gap = x - out
    t = ctx.apply("linear_scan", drop.exp(), dout, dim=dim, reverse=True)
    return (gap.exp() * t,)


register_op("logcumsumexp", logcumsumexp_forward, logcumsumexp_backward, grad=logcumsumexp_grad)


class LinearScanCache(NamedTuple):
    """Cache of ``linear_scan``: the links (broadcast), the output, the dim and the direction."""

    c: Array
    out: Array
    dim: int
    reverse: bool


def linear_scan_forward(c: Array, b: Array, *, dim: int, reverse: bool = False
                        ) -> tuple[Array, LinearScanCache]:
    """h[i] = c[i - 1] * h[i - 1] + b[i] along ``dim``, from h[0] = b[0]: a linear recurrence.

    c[i] links position i to position i + 1, so c has one entry fewer than b along ``dim``
    (it broadcasts against b otherwise). With ``reverse`` the recurrence runs from the end:
    h[i] = c[i] * h[i + 1] + b[i], from h[n - 1] = b[n - 1]. cumsum is c = 1; the exclusive
    running product of x is c = x[:-1] with b = (1, 0, 0, ...); an exponential moving average
    is c = 1 - a with b = a * x (and b[0] = x[0]).

    Backward: h[i] reaches the loss directly (dout[i]) and through h[i + 1] = c[i] h[i] + ...
    (c[i] times the gradient of h[i + 1]), so the gradient of h is the same recurrence run the
    other way over dout, g = linear_scan(c, dout, reverse=not reverse); then db = g, and
    dc[i] = g[i + 1] * h[i] (reverse: g[i] * h[i + 1]).
    """
    dim = dim % max(b.ndim, 1)
    n = b.shape[dim]
    links = b.shape[:dim] + (max(n - 1, 0),) + b.shape[dim + 1:]
    try:
        c = np.broadcast_to(c, links)
    except ValueError:
        raise RuntimeError(f"linear_scan_forward: the links c of shape {c.shape} must broadcast "
                           f"to {links} (b's shape {b.shape} with one entry fewer along dim "
                           f"{dim})") from None
    cs, bs = np.moveaxis(c, dim, -1), np.moveaxis(b, dim, -1)
    h = np.empty(bs.shape, np.result_type(c, b))
    order = range(n - 1, -1, -1) if reverse else range(n)
    for step, i in enumerate(order):
        if step == 0:
            h[..., i] = bs[..., i]
        elif reverse:
            h[..., i] = cs[..., i] * h[..., i + 1] + bs[..., i]
        else:
            h[..., i] = cs[..., i - 1] * h[..., i - 1] + bs[..., i]
    out = np.moveaxis(h, -1, dim)
    return out, LinearScanCache(c, out, dim, reverse)


def linear_scan_backward(dout: Array, cache: LinearScanCache) -> tuple[Array, Array]:
    """The recurrence run the other way over dout, then dc from neighbouring g and h."""
    c, out, dim, reverse = cache
    g, _ = linear_scan_forward(c, dout, dim=dim, reverse=not reverse)
    head, tail = _at(dim, slice(None, -1)), _at(dim, slice(1, None))
    dc = g[head] * out[tail] if reverse else g[tail] * out[head]
    return dc, g


def linear_scan_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: the same, with ``linear_scan`` and products of Tensors."""
    c, dim, reverse = ctx.inputs[0], ctx.static["dim"] % dout.ndim, ctx.static.get("reverse",
                                                                                    False)
    g = ctx.apply("linear_scan", c, dout, dim=dim, reverse=not reverse)
    if not ctx.needs[0]:
        return None, g
    out, head, tail = ctx.output, _at(dim, slice(None, -1)), _at(dim, slice(1, None))
    dc = g[head] * out[tail] if reverse else g[tail] * out[head]
    return dc, g


register_op("linear_scan", linear_scan_forward, linear_scan_backward, grad=linear_scan_grad)


def cumextreme_indices(x: Array, dim: int, largest: bool) -> Array:
    """Index of the running maximum (``largest``) or minimum along ``dim``, as int64.

    A tie moves the index to the newer element, and a NaN wins from then on (PyTorch's
    cummax/cummin). The values are ``take_along_dim(x, indices)``, which gives the gradient.
    """
    xs = np.moveaxis(x, dim, -1)
    idx = np.zeros(xs.shape, dtype=np.int64)
    if xs.shape[-1] == 0:
        return np.moveaxis(idx, -1, dim)
    best = xs[..., 0].copy()
    for i in range(1, xs.shape[-1]):
        v = xs[..., i]
        with np.errstate(invalid="ignore"):
            take = (v >= best) if largest else (v <= best)
        if xs.dtype.kind == "f":
            take = (take | np.isnan(v)) & ~np.isnan(best)
        idx[..., i] = np.where(take, i, idx[..., i - 1])
        best = np.where(take, v, best)
    return np.moveaxis(idx, -1, dim)
