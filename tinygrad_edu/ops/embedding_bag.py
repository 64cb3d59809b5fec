"""Embedding bags: the sum, mean or max of the table rows of each bag of ids, in one op.

``EmbeddingBag`` is ``embedding`` followed by a reduction over variable-length groups
("bags") of tokens, e.g. the words of each sentence of a batch, without ever building the
(tokens, D) matrix of looked-up rows per bag. The ids are one flat list; ``offsets[b]`` is
where bag b starts (bag b is ``indices[offsets[b]:offsets[b + 1]]``, the last bag runs to
the end, or to ``offsets[-1]`` with ``include_last_offset``). Ids equal to ``padding_idx``
are left out of their bag (they count for nothing, not even in the mean's denominator), and
an empty bag gives a zero vector.

The gradient is the embedding's scatter-add, weighted by how each row entered its bag:

* sum: d weight[v] += dout[b] * w_i for each token i = v of bag b (w_i the per-sample
  weight, 1 without); d w_i = dout[b] . weight[v].
* mean: the same with w_i = 1 / (size of bag b).
* max: each output element out[b, d] is one table entry, weight[v*, d] with v* the first
  token of the bag holding the maximum; the gradient goes to that entry alone.

With ``scale_grad_by_freq`` each row's gradient is also divided by how often its id occurs
in the whole input (sum and mean).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..kernels import rnn as kernels
from ..kernels.jit import ready
from .registry import register_op

Array = NDArray[Any]

MODES = ("sum", "mean", "max")


class Bags(NamedTuple):
    """Which bag each token belongs to, for the tokens that count."""

    bag: Array  # (K,) int64: the bag of each kept token
    ids: Array  # (K,) int64: its id (table row)
    kept: Array  # (n,) bool: token i is in a bag and is not padding
    sizes: Array  # (B,) int64: tokens kept per bag


def bag_layout(indices: Array, offsets: Array, include_last_offset: bool, padding_idx: int
               ) -> Bags:
    """Assign each token to its bag: bag b holds the tokens at positions [start_b, end_b).

    ``searchsorted`` finds, for each position, the last bag starting at or before it (an
    empty bag shares its start with the next one, so it gets no token).
    """
    n = indices.shape[0]
    starts = offsets[:-1] if include_last_offset else offsets
    end = int(offsets[-1]) if include_last_offset and offsets.size else n
    positions = np.arange(n)
    bag = np.searchsorted(starts, positions, side="right") - 1
    kept = (bag >= 0) & (positions < end) & (indices != padding_idx)
    sizes = np.bincount(bag[kept], minlength=starts.shape[0]).astype(np.int64)
    return Bags(bag[kept], indices[kept], kept, sizes)


class EmbeddingBagCache(NamedTuple):
    """Cache of ``embedding_bag``: the bag layout, the rows' weights and the max winners."""

    bags: Bags
    scale: Array | None  # (K,) weight of each kept token in its bag (sum/mean), else None
    winners: Array | None  # (B, D) int64 table row of each max output element, -1: empty bag
    weight: Array  # the table (for the per-sample weights' gradient)
    weighted: bool  # per-sample weights were given
    n_tokens: int
    scale_grad_by_freq: bool
    indices: Array  # all ids (the frequencies for scale_grad_by_freq)


def embedding_bag_forward(indices: Array, offsets: Array, weight: Array,
                          per_sample_weights: Array, *, mode: str = "mean",
                          include_last_offset: bool = False, padding_idx: int = -1,
                          scale_grad_by_freq: bool = False, max_norm: float | None = None,
                          norm_type: float = 2.0) -> tuple[Array, EmbeddingBagCache]:
    """out[b] = reduce over the tokens i of bag b of (w_i *) weight[indices[i]].

    Shape: indices (n,) ids in [0, V), offsets (B,) non-decreasing starts (offsets[0] = 0;
    (B + 1,) with include_last_offset), weight (V, D), per_sample_weights (n,) (sum only) or
    (0,) for none -> out (B, D) in weight's dtype. padding_idx -1 means none. ``max_norm``
    and ``norm_type`` are only recorded (see ``embedding_forward``).
    """
    if mode not in MODES:
        raise ValueError(f"embedding_bag_forward: mode has to be one of sum, mean or max, got "
                         f"{mode!r}")
    ids = np.asarray(indices, dtype=np.int64).reshape(-1)
    bags = bag_layout(ids, np.asarray(offsets, dtype=np.int64), include_last_offset,
                      padding_idx)
    rows = weight[bags.ids]  # (K, D): the looked-up rows of the kept tokens, bag by bag
    weighted = per_sample_weights.shape == ids.shape  # (0,) means none (unless n = 0)
    scale = winners = None
    if mode == "max":
        out, winners = _bag_max(bags, rows)
    else:
        if weighted:
            scale = per_sample_weights.reshape(-1)[bags.kept].astype(weight.dtype)
        elif mode == "mean":
            scale = (1.0 / bags.sizes[bags.bag]).astype(weight.dtype)
        else:
            scale = np.ones(bags.bag.shape[0], dtype=weight.dtype)
        out = _per_bag(np.add, rows * scale[:, None], bags.sizes, 0)
    return out, EmbeddingBagCache(bags, scale, winners, weight, weighted, ids.size,
                                  scale_grad_by_freq, ids)


def _per_bag(ufunc: np.ufunc, values: Array, sizes: Array, empty: Any) -> Array:
    """``ufunc`` reduced over the consecutive runs of ``sizes[b]`` rows of ``values`` (the
    kept tokens are in bag order), ``empty`` for a bag of size 0."""
    out = np.full((sizes.shape[0],) + values.shape[1:], empty, dtype=values.dtype)
    full = sizes > 0
    if full.any():
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])[full]
        out[full] = ufunc.reduceat(values, starts, axis=0)
    return out


def _bag_max(bags: Bags, rows: Array) -> tuple[Array, Array]:
    """Elementwise max over each bag (0 for an empty one) and the row each max came from.

    As in PyTorch, the first token holding the maximum wins a tie.
    """
    out = _per_bag(np.maximum, rows, bags.sizes, 0)
    k = bags.bag.shape[0]
    is_max = rows == out[bags.bag]  # (K, D)
    first = _per_bag(np.minimum, np.where(is_max, np.arange(k)[:, None], k), bags.sizes, k)
    winners = np.where(first < k, np.append(bags.ids, -1)[np.minimum(first, k)], -1)
    return out, winners


def embedding_bag_backward(dout: Array, cache: EmbeddingBagCache
                           ) -> tuple[None, None, Array, Array | None]:
    """Scatter each bag's output gradient back to the rows (and weights) that made it."""
    bags, scale, winners, weight = cache.bags, cache.scale, cache.winners, cache.weight
    if winners is not None:  # max: each output element came from one table entry
        dweight = np.zeros_like(weight)
        b, d = np.nonzero(winners >= 0)
        np.add.at(dweight, (winners[b, d], d), dout[b, d])
    else:  # sum / mean: each kept token's row gets its bag's gradient times its weight
        contrib = dout[bags.bag] * scale[:, None]
        if cache.scale_grad_by_freq:
            freq = np.bincount(cache.indices, minlength=weight.shape[0])
            contrib = contrib / freq[bags.ids][:, None].astype(weight.dtype)
        # the embedding's scatter-add (kernels/rnn.py); padding tokens are already left out
        dweight = ready(kernels.embedding_bwd)(bags.ids, np.ascontiguousarray(contrib,
                                                                              weight.dtype),
                                               weight.shape[0], -1)
    dpsw = None
    if cache.weighted:
        dpsw = np.zeros(cache.n_tokens, dtype=weight.dtype)
        dpsw[bags.kept] = np.einsum("kd,kd->k", dout[bags.bag], weight[bags.ids])
    return None, None, dweight, dpsw


def embedding_bag_grad(ctx: Any, dout: Any) -> tuple[None, None, Any, Any]:
    """Differentiable backward: the same scatter-adds as Tensor operations (accumulating
    ``index_put``; their backward gathers). The bag layout and max's winners are constants of
    the formula (read from the forward's cache); the per-sample weights are not: they enter
    dweight as a Tensor, so d(dweight)/d(weights) is there for a second derivative."""
    _, _, weight, psw = ctx.inputs
    cache = ctx.cache
    bags, dtype = cache.bags, dout.numpy(force=True).dtype
    zeros = ctx.const(np.zeros(tuple(weight.shape), dtype))
    if cache.winners is not None:  # max: each output element came from one table entry
        b, d = np.nonzero(cache.winners >= 0)
        picked = ctx.apply("getitem", dout, key=(b, d))
        return None, None, ctx.apply("index_put", zeros, picked, key=(cache.winners[b, d], d),
                                     accumulate=True), None
    per_token = ctx.apply("getitem", dout, key=(bags.bag,))  # (K, D): each token's bag grad
    scale: Any = ctx.const(cache.scale[:, None])
    if cache.weighted:
        kept = np.flatnonzero(bags.kept)
        scale = ctx.apply("reshape", ctx.apply("getitem", psw, key=(kept,)), shape=(-1, 1))
    if cache.scale_grad_by_freq:
        freq = np.bincount(cache.indices, minlength=weight.shape[0])[bags.ids]
        scale = scale * ctx.const((1.0 / freq[:, None]).astype(dtype))
    dweight = ctx.apply("index_put", zeros, per_token * scale, key=(bags.ids,), accumulate=True)
    dpsw = None
    if cache.weighted and ctx.needs[3]:
        rows = ctx.apply("getitem", weight, key=(bags.ids,))
        dots = (per_token * rows).sum(dim=1)
        dpsw = ctx.apply("index_put", ctx.const(np.zeros(cache.n_tokens, dtype)), dots,
                         key=(np.flatnonzero(bags.kept),))
    return None, None, dweight, dpsw


register_op("embedding_bag", embedding_bag_forward, embedding_bag_backward,
            grad=embedding_bag_grad)
