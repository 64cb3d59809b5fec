"""Catalog rows of the reductions (``tinygrad_edu/ops/reduce.py``): sum, mean/var/std, prod,
amax/amin, max/min, argmax/argmin, logsumexp and take_along_dim/gather.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from catalog.base import (
    OpRow,
    Sample,
    distinct,
    given_values,
    ints,
    normal,
    reduction,
    row,
    shapes,
    signed,
    torch,
    unary,
)
from tinygrad_edu.autograd import apply_op

ROWS: list[OpRow] = []
add = ROWS.append

# --- reductions
# A float32 sum of up to a few hundred unit-sized values that cancel keeps an absolute error of
# a few 1e-6 whatever the order of the additions (numpy's pairwise sum vs torch's): the
# tolerance is absolute, like matmul's, since the result can be near zero.
SUM_F32 = {"f32_atol": 1e-5}
add(reduction("sum", lambda x, dim, keepdim: x.sum(dim=dim, keepdim=keepdim), **SUM_F32))
add(unary("sum", lambda x: x.sum(), variant="all", **SUM_F32))
add(reduction("mean", lambda x, dim, keepdim: x.mean(dim=dim, keepdim=keepdim),
              covers=("sum", "div")))
for _c in (0, 1, 2):
    add(reduction("var", lambda x, dim, keepdim, c=_c: x.var(dim=dim, keepdim=keepdim,
                                                             correction=c),
                  min_side=_c + 1, min_dims=min(_c, 1), variant=f"correction{_c}",
                  covers=("sum", "sub", "mul", "div")))
add(reduction("var", lambda x, dim, keepdim: x.var(dim, False, keepdim), tup=False, none=False,
              min_dims=1, variant="unbiased_false", covers=("sum", "mul")))
add(reduction("std", lambda x, dim, keepdim: x.std(dim=dim, keepdim=keepdim), min_side=2,
              min_dims=1,
              covers=("sum", "sub", "mul", "div", "sqrt")))
add(reduction("std", lambda x, dim, keepdim: x.std(dim=dim, keepdim=keepdim, correction=0),
              min_side=2, min_dims=1, variant="correction0", covers=("sqrt",)))
add(given_values("std", lambda x: x.std(dim=1, correction=0), None,
                 [[[0.5, 0.5, 0.5], [1.0, -2.0, 0.25]]], variant="zero_variance",
                 covers=("sqrt", "where"), gradcheck=False))
add(reduction("prod", lambda x, dim, keepdim: x.prod() if dim is None else
              x.prod(dim, keepdim=keepdim), values=lambda r, s: signed(r, s, 0.5, 1.5),
              tup=False))
add(given_values("prod", lambda x, dim: x.prod(dim), None,
                 [[[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.2, -0.7, 2.0]]], {"dim": 1},
                 variant="zeros_dim"))
add(given_values("prod", lambda x: x.prod(), None, [[[0.0, 2.0], [-3.0, 0.5]]],
                 variant="one_zero_all"))
add(given_values("prod", lambda x: x.prod(), None, [[0.0, 2.0, 0.0, 1.5]],
                 variant="two_zeros_all"))


def _amax_fn(op: str) -> Callable[..., Any]:
    return lambda x, dim, keepdim: getattr(x, op)(dim=() if dim is None else dim,
                                                  keepdim=keepdim)


add(reduction("amax", _amax_fn("amax"), values=distinct))
add(reduction("amin", _amax_fn("amin"), values=distinct))
TIED = [[[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0]],
        [[5.0, 5.0, 5.0, 5.0], [-1.0, 0.0, 0.0, 4.0]]]
for _op in ("amax", "amin"):
    add(given_values(_op, lambda x, dim, keepdim, op=_op: getattr(x, op)(dim, keepdim=keepdim),
                     None, [TIED], {"dim": (0, 2), "keepdim": False}, variant="ties_tuple_dim",
                     gradcheck=False))
    add(given_values(_op, lambda x, op=_op: getattr(x, op)(-1), None, [TIED],
                     variant="ties_last_dim", gradcheck=False))
    add(given_values(_op, lambda x, op=_op: getattr(x, op)(), None, [TIED], variant="ties_all",
                     gradcheck=False))
add(unary("max", lambda x: x.max(), values=distinct, variant="all", covers=("amax",)))
add(unary("min", lambda x: x.min(), values=distinct, variant="all", covers=("amin",)))
add(given_values("max", lambda x: x.max(), None, [TIED], variant="all_ties", covers=("amax",),
                 gradcheck=False))
add(given_values("min", lambda x: x.min(), None, [TIED], variant="all_ties", covers=("amin",),
                 gradcheck=False))
for _op, _arg in (("max", "argmax"), ("min", "argmin")):
    add(reduction(_op, lambda x, dim, keepdim, op=_op: tuple(getattr(x, op)(dim, keepdim)),
                  values=distinct, none=False, tup=False, min_dims=1, variant="dim",
                  covers=(_arg, "take_along_dim")))
    add(given_values(_op, lambda x, op=_op: tuple(getattr(x, op)(2)), None, [TIED],
                     variant="dim_ties_route_to_index", covers=(_arg, "take_along_dim"),
                     gradcheck=False))
    add(reduction(_arg, lambda x, dim, keepdim, op=_arg: getattr(x, op)(dim=dim, keepdim=keepdim),
                  values=distinct, tup=False, differentiable=False))
    add(given_values(_arg, lambda x, dim, op=_arg: getattr(x, op)(dim), None, [TIED],
                     {"dim": 2}, variant="ties_first_index", differentiable=False))
    add(given_values(_arg, lambda x, op=_arg: getattr(x, op)(), None, [TIED],
                     variant="ties_flat", differentiable=False))
add(reduction("logsumexp", lambda x, dim, keepdim: x.logsumexp(dim, keepdim=keepdim), none=False,
              min_dims=1, covers=("amax", "sub", "exp", "sum", "log", "add")))
add(reduction("logsumexp", lambda x, dim, keepdim: x.logsumexp(dim, keepdim=keepdim), none=False,
              min_dims=1, values=lambda r, s: normal(r, s, 1e4), variant="large_1e4",
              covers=("amax", "exp", "log"), f32=False, atol=1e-8))


def _take_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim = int(rng.integers(len(shape)))
    ishape = list(shape)
    ishape[dim] = int(rng.integers(1, 5))
    index = ints(rng, ishape, 0, shape[dim])  # repeats accumulate in backward
    return Sample((normal(rng, shape), index), {"dim": dim})


add(row("take_along_dim", lambda x, i, dim: apply_op("take_along_dim", x, i, dim=dim),
        lambda x, i, dim: torch.take_along_dim(x, i, dim), shapes(1), _take_make))

add(row("take_along_dim", lambda x, i: x.gather(1, i), lambda x, i: x.gather(1, i),
        lambda size: st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 4)),
        lambda rng, s: Sample((normal(rng, [s[0], s[1]]),
                               rng.integers(0, s[1], (s[0], s[2])))), variant="gather"))
