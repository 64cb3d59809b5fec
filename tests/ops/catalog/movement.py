"""Catalog rows of the movement ops (``tinygrad_edu/ops/movement.py``): clone, reshape and view,
flatten/unflatten, squeeze/unsqueeze, permute/transpose, expand/repeat, indexing (getitem and
setitem), cat/stack/split/chunk and pad.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from catalog.base import (
    TF,
    OpRow,
    Sample,
    fixed,
    normal,
    pick_dims,
    row,
    shapes,
    torch,
    unary,
)

ROWS: list[OpRow] = []
add = ROWS.append


# ----------------------------------------------------------------------------- lambda helpers


def setitem(x: Any, key: Any, value: Any) -> Any:
    """``y = x.clone(); y[key] = value``: the same code runs on both libraries."""
    y = x.clone()
    y[key] = value
    return y


def setitem_midgraph(x: Any, v: Any, key: Any) -> Any:
    """In-place write into a non-leaf, then use both the result and x again."""
    y = x * 2.0
    y[key] = v
    return y * x


# --- copies
add(unary("clone", lambda x: x.clone()))
add(row("clone", lambda x: x.T.contiguous(), None, shapes(2, 2),
        lambda rng, s: Sample((normal(rng, s),)), covers=("permute", "clone"),
        variant="contiguous_of_transpose"))

# --- shapes: reshape, view, flatten, squeeze, permute, expand, repeat


def _reshape_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    n = int(np.prod(shape))
    options: list[tuple[int, ...]] = [(n,), (-1,), tuple(reversed(shape)), (1, *shape, 1)]
    if shape:
        options.append((*shape[:-1], 1, shape[-1]) if len(shape) > 1 else (1, n))
        options.append((-1, shape[-1]))
    return Sample((normal(rng, shape),), {"shape": options[int(rng.integers(len(options)))]})


def _reshape_varargs_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    sample = _reshape_make(rng, shape)
    if not sample.kwargs["shape"]:  # x.view() with no sizes is not a call torch accepts
        sample.kwargs["shape"] = (1,)
    return sample


add(row("reshape", lambda x, shape: x.reshape(shape), None, shapes(), _reshape_make))
add(row("reshape", lambda x, shape: x.reshape(*shape), None, shapes(), _reshape_varargs_make,
        variant="varargs"))
add(row("view", lambda x, shape: x.view(*shape), None, shapes(), _reshape_varargs_make,
        covers=("reshape",)))


def _flatten_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    nd = max(len(shape), 1)
    a, b = sorted(int(v) for v in rng.integers(0, nd, 2))
    return Sample((normal(rng, shape),), {"start_dim": a - nd * int(rng.integers(2)),
                                          "end_dim": b})


add(row("flatten", lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim), None,
        shapes(1), _flatten_make, covers=("reshape",)))
add(unary("flatten", lambda x: x.flatten(), variant="all", covers=()))


def _unflatten_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int, int]) -> Sample:
    shape, a, b = spec
    dim = int(rng.integers(len(shape) + 1))
    full = (*shape[:dim], a * b, *shape[dim:])
    sizes = (a, b) if rng.random() < 0.5 else (-1, b)
    return Sample((normal(rng, full),), {"dim": dim - len(full) * int(rng.integers(2)),
                                         "sizes": sizes})


add(row("unflatten", lambda x, dim, sizes: x.unflatten(dim, sizes), None,
        lambda size: st.tuples(shapes(0, 2)(size), st.integers(1, 3), st.integers(1, 3)),
        _unflatten_make, covers=("reshape",)))


def _squeeze_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim: Any = None
    if shape and rng.random() < 0.7:
        dim = pick_dims(rng, len(shape), none=False)
    return Sample((normal(rng, shape),), {"dim": dim})


add(row("squeeze", lambda x, dim: x.squeeze() if dim is None else x.squeeze(dim), None,
        lambda size: hnp.array_shapes(min_dims=0, max_dims=size.max_dims, max_side=2),
        _squeeze_make, covers=()))
add(row("unsqueeze", lambda x, dim: x.unsqueeze(dim), None, shapes(),
        lambda rng, s: Sample((normal(rng, s),), {"dim": int(rng.integers(-len(s) - 1,
                                                                          len(s) + 1))}),
        covers=("reshape",)))
add(row("permute", lambda x, dims: x.permute(*dims), None, shapes(1),
        lambda rng, s: Sample((normal(rng, s),), {"dims": tuple(
            int(d) - len(s) * int(rng.integers(2)) for d in rng.permutation(len(s)))})))
add(row("permute", lambda x, dims: x.permute(dims), None, shapes(2),
        lambda rng, s: Sample((normal(rng, s),), {"dims": tuple(int(d) for d in
                                                                rng.permutation(len(s)))}),
        variant="tuple_arg"))
add(row("transpose", lambda x, a, b: x.transpose(a, b), None, shapes(1),
        lambda rng, s: Sample((normal(rng, s),), {"a": int(rng.integers(-len(s), len(s))),
                                                  "b": int(rng.integers(-len(s), len(s)))}),
        covers=()))
add(row("transpose", lambda x: x.T, None, shapes(2, 2), lambda rng, s: Sample((normal(rng, s),)),
        variant="T", covers=("permute",)))
add(row("transpose", lambda x: x.t(), None, shapes(2, 2), lambda rng, s: Sample((normal(rng, s),)),
        variant="t", covers=("permute",)))


def _expand_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    shape, lead = spec
    lead = max(lead, 0 if shape else 1)  # x.expand() with no sizes is not a valid call
    small = tuple(1 if rng.random() < 0.5 else n for n in shape)
    keep = [n if m != 1 else (-1 if rng.random() < 0.3 else n)
            for m, n in zip(small, shape, strict=True)]
    target = [int(n) for n in rng.integers(1, 4, lead)] + keep
    return Sample((normal(rng, small),), {"shape": tuple(target)})


add(row("expand", lambda x, shape: x.expand(*shape), None,
        lambda size: st.tuples(shapes(0, 3)(size), st.integers(0, 2)), _expand_make))
add(row("repeat", lambda x, sizes: x.repeat(*sizes), None, shapes(0, 3),
        lambda rng, s: Sample((normal(rng, s),), {"sizes": tuple(
            int(v) for v in rng.integers(1, 4, max(1, len(s) + int(rng.integers(0, 2)))))}),
        covers=("reshape", "expand")))

# --- indexing: getitem and setitem (index_put)
IDX_SHAPE = (4, 5, 3)
GETITEM_KEYS: dict[str, Any] = {
    "int": 1,
    "negative_int": -1,
    "int_int": (2, -2),
    "slice_step": (slice(None, None, 2), slice(1, None)),
    "slice_partial": (slice(1, 3), slice(None), slice(0, 2)),
    "none_ellipsis": (None, Ellipsis, 1),
    "ellipsis_none_slice": (Ellipsis, None, slice(0, 2)),
    "bool_mask_full": np.array(np.random.default_rng(7).random(IDX_SHAPE) < 0.4),
    "bool_mask_dim0": np.array([True, False, True, True]),
    "int_array_repeated": np.array([2, 0, 2, 2]),
    "int_list_repeated": [0, 3, 0],
    "int_array_2d": np.array([[0, 1], [1, 1], [3, 0]]),
    "array_then_slice": (np.array([3, 3, 1]), slice(1, 4)),
    "slice_then_array": (slice(None), np.array([4, 0, 4])),
    "two_arrays": (np.array([0, 2, 2]), np.array([1, 1, 4])),
    "arrays_broadcast": (np.array([[0], [3]]), np.array([1, 1, 2]), 0),
}
for _variant, _key in GETITEM_KEYS.items():
    add(row("getitem", lambda x, key: x[key], None, fixed(),
            lambda rng, _, key=_key: Sample((normal(rng, IDX_SHAPE),), {"key": key}),
            variant=_variant))
add(row("getitem", lambda x, i: x[i], lambda x, i: x[i], fixed(),
        lambda rng, _: Sample((normal(rng, IDX_SHAPE), np.array([1, 1, 0, 3]))),
        variant="tensor_index", covers=("getitem",)))

SETITEM_CASES: dict[str, tuple[Any, tuple[int, ...]]] = {
    "slice": ((slice(1, 3),), (2, 5, 3)),
    "slice_broadcast_value": ((slice(None), slice(0, 2)), (3,)),
    "int": ((2, 1), (3,)),
    "int_array": ((np.array([3, 0]),), (2, 5, 3)),
    "two_arrays": ((np.array([0, 2, 3]), np.array([4, 0, 1])), (3, 3)),
    "bool_mask": ((np.array([True, False, True, False]),), (2, 5, 3)),
    "ellipsis": ((Ellipsis, 1), (4, 5)),
}
for _variant, (_key, _vshape) in SETITEM_CASES.items():
    add(row("index_put", lambda x, v, key: setitem(x, key, v), None, fixed(),
            lambda rng, _, key=_key, vs=_vshape: Sample((normal(rng, IDX_SHAPE),
                                                         normal(rng, vs)), {"key": key}),
            variant=f"setitem_{_variant}", covers=("index_put", "clone")))
add(row("index_put", lambda x, key: setitem(x, key, 0.25), None, fixed(),
        lambda rng, _: Sample((normal(rng, IDX_SHAPE),), {"key": (slice(None), 2)}),
        variant="setitem_python_scalar"))
add(row("index_put", lambda x, v, key: setitem_midgraph(x, v, key), None, fixed(),
        lambda rng, _: Sample((normal(rng, IDX_SHAPE), normal(rng, (5, 3))), {"key": 1}),
        variant="setitem_non_leaf", covers=("index_put", "mul")))

# --- joining and splitting


def _cat_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    shape, n = spec
    dim = int(rng.integers(len(shape)))
    arrays = []
    for _ in range(n):
        s = list(shape)
        s[dim] = int(rng.integers(1, 4))
        arrays.append(normal(rng, s))
    return Sample(tuple(arrays), {"dim": dim - len(shape) * int(rng.integers(2))})


add(row("cat", lambda *xs, dim: tg.cat(list(xs), dim), lambda *xs, dim: torch.cat(list(xs), dim),
        lambda size: st.tuples(shapes(1, 3)(size), st.integers(1, 3)), _cat_make))


def _stack_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    shape, n = spec
    dim = int(rng.integers(-len(shape) - 1, len(shape) + 1))
    return Sample(tuple(normal(rng, shape) for _ in range(n)), {"dim": dim})


add(row("stack", lambda *xs, dim: tg.stack(list(xs), dim),
        lambda *xs, dim: torch.stack(list(xs), dim),
        lambda size: st.tuples(shapes(0, 3)(size), st.integers(1, 3)), _stack_make,
        covers=("cat", "reshape")))


def _split_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    dim = int(rng.integers(len(shape)))
    n = shape[dim]
    if rng.random() < 0.5:
        size: Any = int(rng.integers(1, n + 1))
    else:
        cuts = sorted(int(c) for c in rng.integers(0, n + 1, 2))
        size = [cuts[0], cuts[1] - cuts[0], n - cuts[1]]
    return Sample((normal(rng, shape),), {"size": size, "dim": dim - len(shape) * int(
        rng.integers(2))})


add(row("split", lambda x, size, dim: x.split(size, dim), None, shapes(1), _split_make,
        covers=("getitem",)))
add(row("chunk", lambda x, chunks, dim: x.chunk(chunks, dim), None, shapes(1),
        lambda rng, s: Sample((normal(rng, s),), {"chunks": int(rng.integers(1, 5)),
                                                  "dim": int(rng.integers(-len(s), len(s)))}),
        covers=("getitem",)))


def _pad_make(rng: np.random.Generator, shape: tuple[int, ...]) -> Sample:
    k = int(rng.integers(1, len(shape) + 1))
    pad = tuple(int(p) for p in rng.integers(0, 3, 2 * k))
    return Sample((normal(rng, shape),), {"pad": pad, "value": float(rng.choice([0.0, -1.5]))})


add(row("pad", lambda x, pad, value: F.pad(x, pad, value=value),
        lambda x, pad, value: TF.pad(x, pad, value=value), shapes(1), _pad_make))
