"""Scatter: write (or add) values into a copy of x at positions given along one dim.

``scatter`` is the mirror of ``take_along_dim`` (PyTorch's ``gather``). For dim 0 and 2-d
tensors, with ``index`` and ``src`` of the same shape::

    out[index[i][j]][j] = src[i][j]      (scatter)
    out[index[i][j]][j] += src[i][j]     (scatter_add)

``index`` may be smaller than x and src; only its positions are used, and only the part of src
of index's shape. ``index_add``, ``index_copy`` and ``index_fill`` (``tensor/index.py``) are
these ops with a 1-d index repeated along the other dims.

The backward of a scatter is a gather: src[i][j] went to out[index[i][j]][j], so its gradient
comes back from there. Written with Tensor operations (for gradients of gradients), that gather
is ``getitem`` with the key ``along(index, dim)``, whose own backward is the accumulating
``index_put``: a scatter-add again.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .registry import register_op

Array = NDArray[Any]


def along(index: Array, dim: int) -> tuple[Any, ...]:
    """The numpy key that reaches out[index[i][j]][j] (for dim 0): ``index`` on ``dim``,
    and the position itself on every other dim."""
    grid: list[Any] = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def leading(src: Array, shape: tuple[int, ...]) -> tuple[slice, ...]:
    """The slices that cut from src its leading part of ``shape`` (index's shape)."""
    return tuple(slice(0, n) for n in shape)


class ScatterCache(NamedTuple):
    """Cache of a scatter: the key it wrote through, and the shapes of src and index."""

    key: tuple[Any, ...]
    src_shape: tuple[int, ...]
    index_shape: tuple[int, ...]


def scatter_forward(x: Array, index: Array, src: Array, *, dim: int
                    ) -> tuple[Array, ScatterCache]:
    """out = copy of x, then out[index[i][j]][j] = src[i][j] (dim 0), for every i, j of index.

    Backward: an overwritten element of x no longer reaches the output, so dx = dout with
    those positions zeroed; dsrc[i][j] = dout[index[i][j]][j] (a gather). When an index
    repeats, which src element wins is undefined in PyTorch; do not rely on it.
    """
    key = along(index, dim)
    out = x.copy()
    out[key] = src[leading(src, index.shape)]
    return out, ScatterCache(key, src.shape, index.shape)


def _src_grad(dout: Array, cache: ScatterCache) -> Array:
    """Gather dout back into src's shape (zeros outside index's part)."""
    dsrc = np.zeros(cache.src_shape, dtype=dout.dtype)
    dsrc[leading(dsrc, cache.index_shape)] = dout[cache.key]
    return dsrc


def scatter_backward(dout: Array, cache: ScatterCache) -> tuple[Array, None, Array]:
    """x loses the written positions; src gets dout gathered from them."""
    dx = dout.copy()
    dx[cache.key] = 0
    return dx, None, _src_grad(dout, cache)


def gathered(ctx: Any, dout: Any) -> Any:
    """d src as Tensor operations: dout read at the written places (``getitem``, a gather),
    padded with zeros to src's shape."""
    _, index, src = ctx.inputs
    part = ctx.apply("getitem", dout, key=along(index.numpy(force=True), ctx.static["dim"]))
    if tuple(part.shape) == tuple(src.shape):
        return part
    return ctx.apply("pad", part, pad_width=tuple((0, s - i) for s, i in zip(
        src.shape, index.shape, strict=True)))


def scatter_grad(ctx: Any, dout: Any) -> tuple[Any, None, Any]:
    """Differentiable backward: dx = dout with the written places set to 0 (``index_put``);
    dsrc = dout gathered from them."""
    dx = None
    if ctx.needs[0]:
        key = along(ctx.inputs[1].numpy(force=True), ctx.static["dim"])
        zero = ctx.const(np.zeros((), dout.numpy(force=True).dtype))
        dx = ctx.apply("index_put", dout, zero, key=key)
    return dx, None, gathered(ctx, dout) if ctx.needs[2] else None


register_op("scatter", scatter_forward, scatter_backward, grad=scatter_grad)


def scatter_add_forward(x: Array, index: Array, src: Array, *, dim: int
                        ) -> tuple[Array, ScatterCache]:
    """out = copy of x, then out[index[i][j]][j] += src[i][j] (dim 0); repeats accumulate.

    Backward: out is x plus terms, so dx = dout; dsrc[i][j] = dout[index[i][j]][j].
    """
    key = along(index, dim)
    out = x.copy()
    np.add.at(out, key, src[leading(src, index.shape)])
    return out, ScatterCache(key, src.shape, index.shape)


def scatter_add_backward(dout: Array, cache: ScatterCache) -> tuple[Array, None, Array]:
    """x passes dout through; src gets dout gathered from where it was added."""
    return dout, None, _src_grad(dout, cache)


def scatter_add_grad(ctx: Any, dout: Any) -> tuple[Any, None, Any]:
    """Differentiable backward: dx = dout; dsrc = dout gathered from where src was added."""
    return dout, None, gathered(ctx, dout) if ctx.needs[2] else None


register_op("scatter_add", scatter_add_forward, scatter_add_backward, grad=scatter_add_grad)


class ReduceCache(NamedTuple):
    """Cache of ``scatter_reduce``: inputs, output, key and what was reduced."""

    x: Array
    src: Array
    out: Array
    key: tuple[Any, ...]
    index_shape: tuple[int, ...]
    reduce: str
    include_self: bool
    count: Array


_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
          "amin": np.minimum}


def _identity(reduce: str, dtype: np.dtype[Any]) -> Any:
    """The value a reduction starts from: 0 for sums, 1 for products, -inf/+inf for max/min
    (the smallest/largest integer for integer dtypes)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def scatter_reduce_forward(x: Array, index: Array, src: Array, *, dim: int, reduce: str,
                           include_self: bool = True) -> tuple[Array, ReduceCache]:
    """out[index[i][j]][j] = reduce(x[index[i][j]][j] (if include_self), every src sent there).

    ``reduce`` is "sum", "prod", "mean", "amax" or "amin"; positions no src reaches keep x.
    Backward (each position's reduction, as for the whole-tensor reductions):
    sum: every term gets dout; mean: dout / count; prod: dout * out / term (the product of
    the others; computed without dividing where a term is 0); amax/amin: dout shared evenly
    among the terms equal to the result.
    """
    key = along(index, dim)
    part = src[leading(src, index.shape)]
    hit = np.zeros(x.shape, dtype=bool)
    hit[key] = True
    out = x.copy()
    if not include_self:  # start each reached position from the reduction's identity
        out[hit] = _identity(reduce, x.dtype)
    _UFUNC[reduce].at(out, key, part)
    count = np.zeros(x.shape, dtype=np.int64)  # how many terms each position reduced
    np.add.at(count, key, 1)
    if include_self:
        count += hit
    if reduce == "mean":
        total = np.maximum(count, 1)
        out = np.where(hit, out / total, out) if x.dtype.kind == "f" else \
            np.where(hit, out // total, out)
    return out.astype(x.dtype), ReduceCache(x, src, out, key, index.shape, reduce,
                                            include_self, count)


def _others_product(terms: Array) -> Array:
    """Product of all other entries of each row (last axis), exact where an entry is 0."""
    ones = np.ones(terms.shape[:-1] + (1,), dtype=terms.dtype)
    before = np.cumprod(np.concatenate([ones, terms[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, terms[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before * after


def scatter_reduce_backward(dout: Array, cache: ReduceCache) -> tuple[Array, None, Array]:
    """Each term's share of its position's dout (see the forward's docstring)."""
    x, key, reduce = cache.x, cache.key, cache.reduce
    hit = np.zeros(x.shape, dtype=bool)
    hit[key] = True
    at = dout[key]  # the upstream gradient of the position each src term went to
    if reduce == "sum":
        dx, dpart = dout.copy(), at
    elif reduce == "mean":
        share = dout / np.maximum(cache.count, 1)
        dx, dpart = np.where(hit, share, dout), share[key]
    elif reduce in ("amax", "amin"):
        part = cache.src[leading(cache.src, cache.index_shape)]
        dx_is = (x == cache.out) & hit if cache.include_self else np.zeros(x.shape, bool)
        ties = dx_is.astype(np.int64)
        np.add.at(ties, key, part == cache.out[key])
        share = dout / np.maximum(ties, 1)
        dx = np.where(hit, np.where(dx_is, share, 0.0), dout)
        dpart = np.where(part == cache.out[key], share[key], 0.0)
    else:  # prod: the product of every other term of the same position
        dx, dpart = _prod_grads(dout, cache, hit)
    dsrc = np.zeros(cache.src.shape, dtype=dout.dtype)
    dsrc[leading(dsrc, cache.index_shape)] = dpart
    if not cache.include_self:
        dx = np.where(hit, 0.0, dx)
    return dx.astype(dout.dtype), None, dsrc


def _prod_grads(dout: Array, cache: ReduceCache, hit: Array) -> tuple[Array, Array]:
    """prod: each term's gradient is dout times the product of the other terms there.

    Terms are grouped position by position (a Python loop over the reached positions: the
    readable way; scatter_reduce("prod") is rare enough for it).
    """
    x, key = cache.x, cache.key
    part = cache.src[leading(cache.src, cache.index_shape)]
    flat_pos = np.ravel_multi_index(tuple(np.broadcast_to(k, part.shape) for k in key), x.shape)
    flat_pos, flat_part = flat_pos.ravel(), part.ravel()
    dx, dpart = dout.copy(), np.zeros(flat_part.shape, dtype=dout.dtype)
    dx_flat, x_flat, g_flat = dx.reshape(-1), x.reshape(-1), dout.reshape(-1)
    for pos in np.unique(flat_pos):
        sent = np.nonzero(flat_pos == pos)[0]
        terms = flat_part[sent]
        if cache.include_self:
            terms = np.concatenate([[x_flat[pos]], terms])
        others = _others_product(terms.astype(np.float64)) * g_flat[pos]
        if cache.include_self:
            dx_flat[pos], others = others[0], others[1:]
        dpart[sent] = others
    return dx, dpart.reshape(part.shape)


def scatter_reduce_grad(ctx: Any, dout: Any) -> tuple[Any, None, Any]:
    """Differentiable backward. sum, mean, amax, amin: the numpy backward is dout times
    constant factors (1, 1 / count, tie masks / ties), read off by running it on dout = 1;
    prod: the products of the other terms of each place as Tensor operations."""
    x, index, src = ctx.inputs
    _, cache = scatter_reduce_forward(x.numpy(force=True), index.numpy(force=True),
                                      src.numpy(force=True), **ctx.static)
    if cache.reduce == "prod":
        dx, dpart = _prod_terms_grad(ctx, dout, cache)
    else:
        wx, _, wsrc = scatter_reduce_backward(np.ones(cache.x.shape, cache.x.dtype), cache)
        dx = dout * ctx.const(wx)
        part = wsrc[leading(wsrc, cache.index_shape)]
        dpart = ctx.apply("getitem", dout, key=cache.key) * ctx.const(part)
    if tuple(dpart.shape) != tuple(src.shape):
        dpart = ctx.apply("pad", dpart, pad_width=tuple((0, s - i) for s, i in zip(
            src.shape, cache.index_shape, strict=True)))
    return dx, None, dpart


def _prod_terms_grad(ctx: Any, dout: Any, cache: ReduceCache) -> tuple[Any, Any]:
    """prod: each term's gradient is dout at its place times the product of the other terms
    there. The terms (x's own value first with include_self, then the src terms) are sorted by
    place, so each place's terms are a run; the products before and after each term within
    its run are linear recurrences (``linear_scan``) whose links are cut between runs."""
    x, _, src = ctx.inputs
    shape, dtype = cache.x.shape, cache.x.dtype
    hit = np.zeros(shape, dtype=bool)
    hit[cache.key] = True
    places = np.ravel_multi_index(tuple(np.broadcast_to(k, cache.index_shape)
                                        for k in cache.key), shape).ravel()
    part = ctx.apply("reshape", ctx.apply("getitem", src, key=leading(cache.src,
                                                                      cache.index_shape)),
                     shape=(-1,))
    own = np.flatnonzero(hit) if cache.include_self else np.zeros(0, np.int64)
    flat_x = ctx.apply("reshape", x, shape=(-1,))
    terms = ctx.apply("cat", ctx.apply("getitem", flat_x, key=own), part, dim=0)
    where = np.concatenate([own, places])  # the place of each term
    order = np.argsort(where, kind="stable")
    run = where[order][:-1] == where[order][1:]  # term k and k + 1 share their place
    start, end = np.append(True, ~run).astype(dtype), np.append(~run, True).astype(dtype)
    ranked = ctx.apply("getitem", terms, key=order)
    links = ctx.const(run.astype(dtype))
    before = ctx.apply("linear_scan", ranked[:-1] * links, ctx.const(start), dim=0)
    after = ctx.apply("linear_scan", ranked[1:] * links, ctx.const(end), dim=0, reverse=True)
    others = ctx.apply("getitem", before * after, key=np.argsort(order))
    flat_dout = ctx.apply("reshape", dout, shape=(-1,))
    grads = ctx.apply("getitem", flat_dout, key=where) * others
    dx = flat_dout * ctx.const((~hit).reshape(-1).astype(dtype))
    if own.size:
        dx = ctx.apply("index_put", dx, ctx.apply("getitem", grads, key=(slice(0, own.size),)),
                       key=own)
    dpart = ctx.apply("getitem", grads, key=(slice(own.size, None),))
    return (ctx.apply("reshape", dx, shape=shape),
            ctx.apply("reshape", dpart, shape=cache.index_shape))


register_op("scatter_reduce", scatter_reduce_forward, scatter_reduce_backward,
            grad=scatter_reduce_grad)
