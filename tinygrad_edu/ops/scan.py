"""Scans (running reductions along one dim): cumsum, cumprod, logcumsumexp, cummax indices.

out[i] combines x[0], ..., x[i]. So x[i] moves every output from i on, and each backward is a
*reverse* scan: it sums the upstream gradient from the end of the dim back to i.
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


register_op("cumsum", cumsum_forward, cumsum_backward)


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


register_op("cumprod", cumprod_forward, cumprod_backward)


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


register_op("logcumsumexp", logcumsumexp_forward, logcumsumexp_backward)


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
