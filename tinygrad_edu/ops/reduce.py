"""Reductions: sum, amax/amin, prod, gather along a dim, argmax/argmin.

``dim`` is always a tuple of non-negative axes or ``None`` (all axes) here; the Tensor layer
normalises what the user wrote. The common backward move is to put the reduced axes back
(``keepdims``) so that ``dout`` broadcasts against the input.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..checks import NOT_BOOL
from .elementwise import NO_CACHE, NoCache
from .registry import register_op

Array = NDArray[Any]
Dims = tuple[int, ...] | None


def _keep(dout: Array, shape: tuple[int, ...], dim: Dims, keepdim: bool) -> Array:
    """Re-insert reduced axes into ``dout`` so it broadcasts against an input of ``shape``."""
    if keepdim or dim is None and dout.ndim == len(shape):
        return dout
    if dim is None:
        return dout.reshape((1,) * len(shape))
    return np.expand_dims(dout, dim)


class SumCache(NamedTuple):
    """Cache of ``sum``: input shape and the reduction."""

    shape: tuple[int, ...]
    dim: Dims
    keepdim: bool


def sum_forward(x: Array, *, dim: Dims = None, keepdim: bool = False) -> tuple[Array, SumCache]:
    """out = sum of x over ``dim``. Backward: every input element gets dout (broadcast back)."""
    try:
        out = np.sum(x, axis=dim, keepdims=keepdim)
    except (ValueError, TypeError):  # numpy's AxisError is a ValueError
        raise IndexError(f"sum_forward: dim {dim!r} is out of range or not ints for an input of "
                         f"shape {x.shape}; expected dims in [{-x.ndim}, {x.ndim - 1}]") from None
    return out, SumCache(x.shape, dim, keepdim)


def sum_backward(dout: Array, cache: SumCache) -> tuple[Array]:
    """Each summand contributes with slope 1, so dout is copied to all of them."""
    return (np.broadcast_to(_keep(dout, cache.shape, cache.dim, cache.keepdim), cache.shape),)


def kept_shape(shape: tuple[int, ...], dim: Any) -> tuple[int, ...]:
    """``shape`` with the reduced axes ``dim`` (None: all; an int or a tuple) set to 1."""
    kept = [1] * len(shape) if dim is None else list(shape)
    for d in () if dim is None else (dim,) if isinstance(dim, int) else dim:
        kept[d % len(shape)] = 1
    return tuple(kept)


def kept_dout(ctx: Any, dout: Any) -> Any:
    """A reduction's dout with its reduced axes put back as size 1 (it broadcasts against x)."""
    shape = kept_shape(tuple(ctx.inputs[0].shape), ctx.static.get("dim"))
    return ctx.apply("reshape", dout, shape=shape)


def sum_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout, with the summed axes put back, expanded to x's shape."""
    shape = tuple(ctx.inputs[0].shape)
    return (ctx.apply("expand", kept_dout(ctx, dout), shape=shape),)


register_op("sum", sum_forward, sum_backward, grad=sum_grad)


class ExtremeCache(NamedTuple):
    """Cache of ``amax``/``amin``: the input and the extreme value with axes kept."""

    x: Array
    best: Array
    dim: Dims
    keepdim: bool


def amax_forward(x: Array, *, dim: Dims = None, keepdim: bool = False
                 ) -> tuple[Array, ExtremeCache]:
    """out = max of x over ``dim``. Backward: dout split evenly among the tied maxima."""
    best = np.max(x, axis=dim, keepdims=True)
    out = best if keepdim else best.reshape(np.max(x, axis=dim).shape)
    return out, ExtremeCache(x, best, dim, keepdim)


def amin_forward(x: Array, *, dim: Dims = None, keepdim: bool = False
                 ) -> tuple[Array, ExtremeCache]:
    """out = min of x over ``dim``. Backward: dout split evenly among the tied minima."""
    best = np.min(x, axis=dim, keepdims=True)
    out = best if keepdim else best.reshape(np.min(x, axis=dim).shape)
    return out, ExtremeCache(x, best, dim, keepdim)


def extreme_backward(dout: Array, cache: ExtremeCache) -> tuple[Array]:
    """Only the elements equal to the extreme moved the output; ties share dout (PyTorch)."""
    mask = cache.x == cache.best
    count = np.sum(mask, axis=cache.dim, keepdims=True)
    return (mask * (_keep(dout, cache.x.shape, cache.dim, cache.keepdim) / count),)


def _extreme_grad(ctx: Any, dout: Any, best: Any) -> tuple[Any]:
    """dout times the constant share mask / count (the mask only changes where a tie forms or
    breaks, so its own derivative is 0)."""
    x, dim = ctx.inputs[0].numpy(force=True), ctx.static.get("dim")
    mask = x == best(x, axis=dim, keepdims=True)
    share = mask / np.maximum(np.sum(mask, axis=dim, keepdims=True), 1)
    return (kept_dout(ctx, dout) * ctx.const(share.astype(dout.numpy(force=True).dtype)),)


def amax_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout shared among the maxima (a constant mask)."""
    return _extreme_grad(ctx, dout, np.max)


def amin_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout shared among the minima (a constant mask)."""
    return _extreme_grad(ctx, dout, np.min)


register_op("amax", amax_forward, extreme_backward, grad=amax_grad)
register_op("amin", amin_forward, extreme_backward, grad=amin_grad)


class ProdCache(NamedTuple):
    """Cache of ``prod``: the input and the reduction."""

    x: Array
    dim: Dims
    keepdim: bool


def prod_forward(x: Array, *, dim: Dims = None, keepdim: bool = False
                 ) -> tuple[Array, ProdCache]:
    """out = product of x over ``dim``. Backward: dx_i = dout * (product of all x_j, j != i)."""
    return np.prod(x, axis=dim, keepdims=keepdim), ProdCache(x, dim, keepdim)


def prod_backward(dout: Array, cache: ProdCache) -> tuple[Array]:
    """Products of the others, from exclusive prefix and suffix products (exact with zeros)."""
    x, dim = cache.x, cache.dim
    if x.size == 0:  # no element to send a gradient to (and no product to split)
        return (np.zeros(x.shape, dtype=np.result_type(x, dout)),)
    axes = tuple(range(x.ndim)) if dim is None else dim
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = np.transpose((before * after).reshape(moved.shape), np.argsort(rest + list(axes)))
    return (others * _keep(dout, x.shape, dim, cache.keepdim),)


def prod_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx_i = dout * (product of the x_j before i) * (product of the
    x_j after i), the reduced axes flattened into one; both running products are linear
    recurrences (``linear_scan``), exact with zeros."""
    x = ctx.inputs[0]
    shape, dim = tuple(x.shape), ctx.static.get("dim")
    axes = tuple(range(len(shape))) if dim is None else tuple(d % len(shape) for d in dim)
    rest = [a for a in range(len(shape)) if a not in axes]
    order = tuple(rest + list(axes))
    moved = ctx.apply("permute", x, dims=order)
    flat = ctx.apply("reshape", moved, shape=tuple(moved.shape[: len(rest)]) + (-1,))
    start = np.zeros(tuple(flat.shape), dout.numpy(force=True).dtype)
    start[..., :1] = 1  # a running product starts at 1, then only the links multiply
    before = ctx.apply("linear_scan", flat[..., :-1], ctx.const(start), dim=len(rest))
    after = ctx.apply("linear_scan", flat[..., 1:], ctx.const(start[..., ::-1].copy()),
                      dim=len(rest), reverse=True)  # x[i + 1] * ... * x[n - 1]
    others = ctx.apply("reshape", before * after, shape=tuple(moved.shape))
    back = tuple(int(i) for i in np.argsort(order))
    return (ctx.apply("permute", others, dims=back) * kept_dout(ctx, dout),)


register_op("prod", prod_forward, prod_backward, grad=prod_grad)


class GatherCache(NamedTuple):
    """Cache of ``take_along_dim``: input shape, the indices and the axis."""

    shape: tuple[int, ...]
    index: Array
    dim: int


def take_along_dim_forward(x: Array, index: Array, *, dim: int) -> tuple[Array, GatherCache]:
    """out[..., j, ...] = x[..., index[..., j, ...], ...] along ``dim`` (PyTorch's gather).

    Backward: dout is added back at the gathered positions (repeated indices accumulate).
    """
    return np.take_along_axis(x, index, axis=dim), GatherCache(x.shape, index, dim)


def take_along_dim_backward(dout: Array, cache: GatherCache) -> tuple[Array, None]:
    """Scatter-add dout to the positions it was gathered from."""
    shape = list(dout.shape)  # x broadcast against index (the engine sums it back to x)
    shape[cache.dim] = cache.shape[cache.dim]
    dx = np.zeros(shape, dtype=dout.dtype)
    index = np.broadcast_to(cache.index, dout.shape)
    grid = list(np.indices(dout.shape, sparse=True))
    grid[cache.dim] = index
    np.add.at(dx, tuple(grid), dout)
    return dx, None


def take_along_dim_grad(ctx: Any, dout: Any) -> tuple[Any, None]:
    """Differentiable backward: dout added into zeros at the gathered places (an accumulating
    ``index_put``, whose own backward gathers again)."""
    x, index = ctx.inputs
    dim = ctx.static["dim"] % dout.ndim
    grid = list(np.indices(tuple(dout.shape), sparse=True))
    grid[dim] = np.broadcast_to(index.numpy(force=True), tuple(dout.shape))
    shape = list(dout.shape)  # x broadcast against index (the engine sums it back to x)
    shape[dim] = x.shape[dim]
    zeros = ctx.const(np.zeros(tuple(shape), dout.numpy(force=True).dtype))
    return ctx.apply("index_put", zeros, dout, key=tuple(grid), accumulate=True), None


register_op("take_along_dim", take_along_dim_forward, take_along_dim_backward,
            grad=take_along_dim_grad)


def argmax_forward(x: Array, *, dim: int | None = None, keepdim: bool = False
                   ) -> tuple[Array, NoCache]:
    """Index of the (first) maximum over ``dim``, as int64. Not differentiable."""
    return np.argmax(x, axis=dim, keepdims=keepdim).astype(np.int64), NO_CACHE


def argmin_forward(x: Array, *, dim: int | None = None, keepdim: bool = False
                   ) -> tuple[Array, NoCache]:
    """Index of the (first) minimum over ``dim``, as int64. Not differentiable."""
    return np.argmin(x, axis=dim, keepdims=keepdim).astype(np.int64), NO_CACHE


register_op("argmax", argmax_forward, None, dtypes=NOT_BOOL)
register_op("argmin", argmin_forward, None, dtypes=NOT_BOOL)
