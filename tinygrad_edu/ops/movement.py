"""Movement ops: reshape, permute, expand, indexing, concatenation and padding.

They move numbers around without computing new ones, so each backward moves the gradient back
the same way: reshape back, permute by the inverse permutation, sum over expanded axes, or
scatter into zeros at the indexed positions.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .registry import register_op

Array = NDArray[Any]


class ShapeCache(NamedTuple):
    """Cache holding the input's shape."""

    shape: tuple[int, ...]


def reshape_forward(x: Array, *, shape: tuple[int, ...]) -> tuple[Array, ShapeCache]:
    """out = x with a new shape and the same elements in row-major order. Backward: reshape."""
    try:
        out = np.reshape(x, shape)
    except (ValueError, TypeError):
        raise RuntimeError(f"reshape_forward: shape {shape!r} is invalid for an input of shape "
                           f"{x.shape} ({x.size} elements)") from None
    return out, ShapeCache(x.shape)


def reshape_backward(dout: Array, cache: ShapeCache) -> tuple[Array]:
    """Give dout the input's shape back."""
    return (np.reshape(dout, cache.shape),)


def reshape_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: reshape dout back to the input's shape."""
    return (ctx.apply("reshape", dout, shape=tuple(ctx.inputs[0].shape)),)


register_op("reshape", reshape_forward, reshape_backward, grad=reshape_grad)


class PermuteCache(NamedTuple):
    """Cache of ``permute``: the axis order used."""

    dims: tuple[int, ...]


def permute_forward(x: Array, *, dims: tuple[int, ...]) -> tuple[Array, PermuteCache]:
    """out.shape[i] = x.shape[dims[i]]. Backward: permute dout by the inverse order."""
    return np.transpose(x, dims), PermuteCache(dims)


def permute_backward(dout: Array, cache: PermuteCache) -> tuple[Array]:
    """The inverse permutation is argsort(dims)."""
    return (np.transpose(dout, np.argsort(cache.dims)),)


def permute_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: permute dout by the inverse order."""
    inverse = tuple(int(i) for i in np.argsort(ctx.static["dims"]))
    return (ctx.apply("permute", dout, dims=inverse),)


register_op("permute", permute_forward, permute_backward, grad=permute_grad)


def expand_forward(x: Array, *, shape: tuple[int, ...]) -> tuple[Array, ShapeCache]:
    """out = x broadcast to ``shape`` (a read-only view). Backward: sum over expanded axes."""
    return np.broadcast_to(x, shape), ShapeCache(x.shape)


def expand_backward(dout: Array, cache: ShapeCache) -> tuple[Array]:
    """Each input element was used many times; the engine sums dout back to its shape."""
    return (dout,)


def expand_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout (the engine sums it over the expanded axes)."""
    return (dout,)


register_op("expand", expand_forward, expand_backward, grad=expand_grad)


class IndexCache(NamedTuple):
    """Cache of indexing: input shape, dtype and the (normalised) index."""

    shape: tuple[int, ...]
    key: Any
    advanced: bool


def is_advanced_index(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray | list) for k in parts)


def getitem_forward(x: Array, *, key: Any) -> tuple[Array, IndexCache]:
    """out = x[key] with ints, slices, None, Ellipsis, bool masks and integer arrays.

    Backward: dout is written (basic indexing) or added (integer arrays, where an index can
    repeat) into zeros of the input's shape.
    """
    out = x[key]
    if out.__class__ is not np.ndarray:  # ints only: numpy copies the element; with a
        out = x[(*key, Ellipsis) if isinstance(key, tuple) else (key, Ellipsis)]  # trailing
    return out, IndexCache(x.shape, key, is_advanced_index(key))  # ... it gives a 0-d view


def getitem_backward(dout: Array, cache: IndexCache) -> tuple[Array]:
    """Scatter dout back to where it was read from; repeated indices accumulate."""
    dx = np.zeros(cache.shape, dtype=dout.dtype)
    if cache.advanced:
        np.add.at(dx, cache.key, dout)
    else:
        dx[cache.key] = dout
    return (dx,)


def getitem_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout written into zeros of x's shape at the read places, added
    up where an integer-array index reads a place twice (``index_put``, whose own backward
    reads them again with ``getitem``)."""
    x, key = ctx.inputs[0], ctx.static["key"]
    zeros = ctx.const(np.zeros(tuple(x.shape), dout.numpy(force=True).dtype))
    return (ctx.apply("index_put", zeros, dout, key=key, accumulate=is_advanced_index(key)),)


register_op("getitem", getitem_forward, getitem_backward, grad=getitem_grad)


class PutCache(NamedTuple):
    """Cache of ``index_put``: the index and whether the values were added."""

    key: Any
    accumulate: bool


def index_put_forward(x: Array, value: Array, *, key: Any, accumulate: bool = False
                      ) -> tuple[Array, PutCache]:
    """out = copy of x with out[key] = value (what ``x[key] = value`` computes), or
    out[key] += value with ``accumulate`` (a position named twice gets both values).

    Backward: dx = dout with the overwritten positions zeroed (all of dout when the values
    were added); dvalue = dout[key].
    """
    out = x.copy()
    if accumulate:
        np.add.at(out, key, value)
    else:
        out[key] = value
    return out, PutCache(key, accumulate)


def index_put_backward(dout: Array, cache: PutCache) -> tuple[Array, Array]:
    """Overwritten elements of x no longer affect the output; value's elements do."""
    dx = dout
    if not cache.accumulate:
        dx = dout.copy()
        dx[cache.key] = 0
    return dx, dout[cache.key]


def index_put_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: the same, with ``index_put`` and ``getitem`` on Tensors."""
    key, accumulate = ctx.static["key"], ctx.static.get("accumulate", False)
    dx = dout
    if not accumulate and ctx.needs[0]:
        zero = ctx.const(np.zeros((), dout.numpy(force=True).dtype))
        dx = ctx.apply("index_put", dout, zero, key=key)
    return dx, ctx.apply("getitem", dout, key=key)


register_op("index_put", index_put_forward, index_put_backward, grad=index_put_grad)


class CatCache(NamedTuple):
    """Cache of ``cat``: where each input ends along ``dim``."""

    splits: tuple[int, ...]
    dim: int


def cat_forward(*xs: Array, dim: int = 0) -> tuple[Array, CatCache]:
    """out = the inputs joined along ``dim``. Backward: split dout at the same places."""
    splits = tuple(np.cumsum([x.shape[dim] for x in xs])[:-1].tolist())
    return np.concatenate(xs, axis=dim), CatCache(splits, dim)


def cat_backward(dout: Array, cache: CatCache) -> tuple[Array, ...]:
    """Each input gets back its own slab of dout."""
    return tuple(np.split(dout, cache.splits, axis=cache.dim))


def cat_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: each input gets its own slab of dout (a slice)."""
    dim, start, grads = ctx.static.get("dim", 0), 0, []
    for x in ctx.inputs:
        n = x.shape[dim]
        key = (slice(None),) * (dim % dout.ndim) + (slice(start, start + n),)
        grads.append(ctx.apply("getitem", dout, key=key))
        start += n
    return tuple(grads)


register_op("cat", cat_forward, cat_backward, grad=cat_grad)


class PadCache(NamedTuple):
    """Cache of ``pad``: the slices that recover the input from the output."""

    inner: tuple[slice, ...]


def pad_forward(x: Array, *, pad_width: tuple[tuple[int, int], ...], value: float = 0.0
                ) -> tuple[Array, PadCache]:
    """out = x surrounded by ``value``; pad_width[i] = (before, after) for axis i.

    Backward: dx = the inner (unpadded) part of dout.
    """
    out = np.pad(x, pad_width, mode="constant", constant_values=value)
    inner = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, x.shape, strict=True))
    return out, PadCache(inner)


def pad_backward(dout: Array, cache: PadCache) -> tuple[Array]:
    """The padding is constant; only the inner part of dout reaches x."""
    return (dout[cache.inner],)


def pad_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: the inner (unpadded) part of dout."""
    inner = tuple(slice(b, b + n) for (b, _), n in zip(ctx.static["pad_width"],
                                                       ctx.inputs[0].shape, strict=True))
    return (ctx.apply("getitem", dout, key=inner),)


register_op("pad", pad_forward, pad_backward, grad=pad_grad)


def clone_forward(x: Array) -> tuple[Array, NamedTuple]:
    """out = a copy of x in its own (contiguous) memory. Backward: dx = dout."""
    return np.array(x, order="C"), CloneCache()


class CloneCache(NamedTuple):
    """``clone`` needs nothing for backward."""


def clone_backward(dout: Array, cache: CloneCache) -> tuple[Array]:
    """A copy passes the gradient through."""
    return (dout,)


def clone_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout."""
    return (dout,)


register_op("clone", clone_forward, clone_backward, grad=clone_grad)
