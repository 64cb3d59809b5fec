"""Catalog rows of scatter and indexing (``tinygrad_edu/ops/index.py``): scatter, scatter_add,
scatter_reduce, and the index methods built on them or on getitem: index_select, index_add,
index_copy, index_fill, masked_select, masked_scatter, take and put.

The gradient of src is checked where torch's is defined: scatter rows use indices that do not
repeat within a column (with repeats, which src element lands is unspecified).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from catalog.base import OpRow, Sample, distinct, ints, normal, row, shapes

ROWS: list[OpRow] = []
add = ROWS.append


def _scatter_make(unique: bool, values: Any = normal) -> Any:
    """x, an index no larger than x off ``dim`` (unique along dim when asked) and a src at
    least as large as the index."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = int(rng.integers(len(shape)))
        ishape = [int(rng.integers(1, n + 1)) for n in shape]
        if unique:
            ishape[dim] = int(rng.integers(1, shape[dim] + 1))
            picks = np.argsort(rng.random(ishape[:dim] + [shape[dim]] + ishape[dim + 1:]),
                               axis=dim)
            index = np.take(picks, np.arange(ishape[dim]), axis=dim).astype(np.int64)
        else:
            ishape[dim] = int(rng.integers(1, 5))
            index = ints(rng, ishape, 0, shape[dim])
        sshape = ishape  # (torch's backward fails for a src larger than index)
        src = values(rng, sshape) + 0.0137  # (distinct() of one element is 0: no x-src tie)
        return Sample((values(rng, shape), index, src),
                      {"dim": dim - len(shape) if rng.integers(2) else dim})

    return make


add(row("scatter", lambda x, i, s, dim: x.scatter(dim, i, s),
        lambda x, i, s, dim: x.scatter(dim, i, s), shapes(1), _scatter_make(True)))
add(row("scatter", lambda x, i, s, dim: x.scatter(dim, i, 2.5),
        lambda x, i, s, dim: x.scatter(dim, i, 2.5), shapes(1), _scatter_make(True),
        variant="value"))
add(row("scatter_add", lambda x, i, s, dim: x.scatter_add(dim, i, s),
        lambda x, i, s, dim: x.scatter_add(dim, i, s), shapes(1), _scatter_make(False),
        variant="repeats"))
for _reduce in ("sum", "prod", "mean", "amax", "amin"):
    for _self in (True, False):
        add(row("scatter_reduce",
                lambda x, i, s, dim, r=_reduce, k=_self: x.scatter_reduce(dim, i, s, r,
                                                                          include_self=k),
                lambda x, i, s, dim, r=_reduce, k=_self: x.scatter_reduce(dim, i, s, r,
                                                                          include_self=k),
                shapes(1), _scatter_make(False, distinct),
                variant=f"{_reduce}_include_self_{_self}"))


def _index_make(unique: bool) -> Any:
    """x, a 1-d index along ``dim`` and a source of x's shape with index's length there."""

    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
        dim = int(rng.integers(len(shape)))
        n = shape[dim]
        index = rng.permutation(n)[: int(rng.integers(1, n + 1))] if unique else \
            rng.integers(0, n, int(rng.integers(1, 5)))
        sshape = list(shape)
        sshape[dim] = len(index)
        return Sample((normal(rng, shape), np.asarray(index, np.int64), normal(rng, sshape)),
                      {"dim": dim - len(shape) if rng.integers(2) else dim})

    return make


add(row("index_select", lambda x, i, s, dim: x.index_select(dim, i),
        lambda x, i, s, dim: x.index_select(dim, i), shapes(1), _index_make(False),
        ("getitem",)))
add(row("index_add", lambda x, i, s, dim: x.index_add(dim, i, s, alpha=1.5),
        lambda x, i, s, dim: x.index_add(dim, i, s, alpha=1.5), shapes(1), _index_make(False),
        ("scatter_add", "mul")))
add(row("index_copy", lambda x, i, s, dim: x.index_copy(dim, i, s),
        lambda x, i, s, dim: x.index_copy(dim, i, s), shapes(1), _index_make(True),
        ("scatter",)))
add(row("index_fill", lambda x, i, s, dim: x.index_fill(dim, i, -2.0),
        lambda x, i, s, dim: x.index_fill(dim, i, -2.0), shapes(1), _index_make(False),
        ("where",)))


def _mask_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    mshape = tuple(1 if rng.integers(3) == 0 else n for n in shape)
    mask = rng.random(mshape) < 0.5
    return Sample((normal(rng, shape), mask, normal(rng, (int(np.prod(shape)) + 1,))))


add(row("masked_select", lambda x, m, s: x.masked_select(m), lambda x, m, s: x.masked_select(m),
        shapes(), _mask_make, ("getitem",)))
add(row("masked_scatter", lambda x, m, s: x.masked_scatter(m, s),
        lambda x, m, s: x.masked_scatter(m, s), shapes(), _mask_make,
        ("index_put", "getitem")))


def _take_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    n = int(np.prod(shape))
    ishape = tuple(int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3))))
    return Sample((normal(rng, shape), ints(rng, ishape, -n, n)))


add(row("take", lambda x, i: x.take(i), lambda x, i: x.take(i), shapes(), _take_make,
        ("getitem", "reshape")))


def _put_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    n = int(np.prod(shape))
    k = int(rng.integers(1, n + 1))
    return Sample((normal(rng, shape), rng.permutation(n)[:k].astype(np.int64),
                   normal(rng, (k,))), {"accumulate": bool(rng.integers(2))})


add(row("put", lambda x, i, s, accumulate: x.put(i, s, accumulate),
        lambda x, i, s, accumulate: x.put(i, s, accumulate), shapes(), _put_make,
        ("scatter", "scatter_add", "reshape")))
