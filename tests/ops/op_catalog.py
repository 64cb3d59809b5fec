"""The op catalog: one or more rows per op, driving the parity, gradcheck and registry tests.

Like PyTorch's OpInfo, a row says how to call an op in tinygrad_edu and in PyTorch, which
inputs it accepts (shapes, including broadcasting pairs, and the domain of the values), whether
it is differentiable and how close the results must be. The tests never restate this:

- ``test_ops_parity.py`` runs every row forward (float64 and float32) and backward (float64,
  random cotangent) against PyTorch;
- ``test_gradcheck.py`` checks every differentiable row against central differences;
- ``test_registry.py`` fails when a registered op (``tinygrad_edu.autograd.OPS``) has no row
  whose ``covers`` names it, or when a row names an op that is not registered;
- ``test_torch_ops.py`` replays every op a row runs against its entry of
  ``tinygrad_edu.testing.TORCH_OPS``.

The framework (``OpRow``, ``Sample``, specs, value helpers, row factories and the shared test
plumbing) is in ``catalog/base.py`` and re-exported here. The rows live in one module per op
family, matching ``tinygrad_edu/ops/*.py``: ``catalog/elementwise.py``, ``reduce.py``,
``movement.py``, ``matmul.py``, ``loss.py``, ``conv.py``, ``pool.py``, ``norm.py``,
``dropout.py`` and ``rnn.py``. ``ROWS`` joins them in that order.

Adding an op: register it, then add a row to its family's module; the test files pick it up.
"""

from __future__ import annotations

from catalog import (
    conv,
    dropout,
    einsum,
    elementwise,
    embedding_bag,
    fold,
    grid,
    index,
    linalg,
    loss,
    matmul,
    movement,
    norm,
    pool,
    reduce,
    rnn,
    scan,
    sort,
    stats,
)
from catalog import math as math_ops
from catalog.base import (
    GRAD,
    PARITY,
    Array,
    OpRow,
    Sample,
    Size,
    Spec,
    Values,
    as_list,
    away,
    binary,
    bshapes,
    distinct,
    draw_layouts,
    fill,
    fixed,
    given_values,
    ints,
    noncontiguous,
    normal,
    one_of,
    pick_dims,
    picked,
    reduction,
    row,
    run_examples,
    shapes,
    sides,
    signed,
    unary,
    uniform,
    with_layouts,
    xfail_params,
)

__all__ = [
    "COMPOSITES", "DIFFERENTIABLE_ROWS", "F32_ROWS", "FAMILIES", "GRAD", "GRADCHECK_ROWS",
    "ISSUE_NAMES", "PARITY", "ROWS", "ROW_IDS", "Array", "OpRow", "Sample", "Size", "Spec",
    "Values", "as_list", "away", "binary", "bshapes", "covered_ops", "distinct", "draw_layouts",
    "fill", "fixed", "given_values", "ints", "noncontiguous", "normal", "one_of", "pick_dims",
    "picked", "reduction", "row", "rows_named", "run_examples", "shapes", "sides", "signed",
    "unary", "uniform", "with_layouts", "xfail_params",
]

#: The family modules, in the order their rows appear in ``ROWS``.
FAMILIES = (elementwise, reduce, movement, matmul, loss, conv, pool, norm, dropout, rnn,
            math_ops, sort, scan, index, stats, linalg, einsum,
            fold,
            grid, embedding_bag)

#: Every row of every family.
ROWS: list[OpRow] = [r for family in FAMILIES for r in family.ROWS]


# ----------------------------------------------------------------------------- indexes

#: Composite (and API-level) names that may appear as a row's ``name`` besides OPS keys.
COMPOSITES = frozenset({
    "mean", "var", "std", "logsumexp", "masked_fill", "repeat", "split", "chunk", "stack",
    "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "view", "max", "min",
    "cross_entropy", "mse_loss", "l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "multi_margin_loss", "linear", "group_norm",
    "instance_norm",
})
COMPOSITES |= frozenset({  # sorting, scans, indexing, statistics
    "sort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "quantile",
    "nanquantile", "cummax", "cummin", "diff", "index_select", "index_add", "index_copy",
    "index_fill", "masked_select", "masked_scatter", "take", "put", "norm", "dist", "nansum",
    "nanmean", "aminmax", "cov", "corrcoef",
})

#: Every op name listed in the issue; each must have a row with that name.
ISSUE_NAMES = (
    "add sub mul div pow neg abs exp log sqrt sin cos tanh sigmoid relu leaky_relu elu gelu "
    "softplus clamp maximum minimum where masked_fill eq ne lt le gt ge sum mean max min amax "
    "argmax argmin var std logsumexp prod reshape view flatten unflatten squeeze unsqueeze "
    "permute transpose expand repeat getitem cat stack split chunk pad matmul softmax "
    "log_softmax cross_entropy nll_loss mse_loss l1_loss binary_cross_entropy "
    "binary_cross_entropy_with_logits multi_margin_loss"
).split()

ROW_IDS = [r.id for r in ROWS]
DIFFERENTIABLE_ROWS = [r for r in ROWS if r.differentiable]
GRADCHECK_ROWS = [r for r in ROWS if r.differentiable and r.gradcheck]
F32_ROWS = [r for r in ROWS if r.f32]


def rows_named(name: str) -> list[OpRow]:
    """All rows with this name."""
    return [r for r in ROWS if r.name == name]


def covered_ops() -> set[str]:
    """The union of every row's ``covers``."""
    return set().union(*(r.covers for r in ROWS))
