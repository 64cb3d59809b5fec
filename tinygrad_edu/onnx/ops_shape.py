"""Converters of the ops that move elements: reshape, permute, expand, getitem, cat, pad.

The recorded ``reshape`` and ``expand`` hold their target shape as numbers (``flatten`` of a
batch of 2 recorded ``shape=(2, 256)``). With dynamic axes those numbers must not be written
as they are: a ``Reshape`` target keeps an input dim with ``0`` (copy that dim) and lets one
dim be ``-1`` (whatever is left); an ``Expand`` target writes ``1`` where the input already
has the dim. What remains is read from the graph inputs at run time (``Builder.dim``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .converters import OpCall, converter, inputs_as, unsupported

Builder = Any  # builder.Builder


def _parts_value(b: Builder, parts: list[int | str]) -> str:
    """An int64 vector from a mix of numbers and 1-element int64 values (``Concat``)."""
    if all(isinstance(p, int) for p in parts):
        return b.ints(parts)
    pieces: list[str] = []
    run: list[int] = []
    for p in parts:
        if isinstance(p, int):
            run.append(p)
            continue
        if run:
            pieces.append(b.ints(run))
            run = []
        pieces.append(p)
    if run:
        pieces.append(b.ints(run))
    return b.node("Concat", pieces, axis=0)


@converter("reshape")
def reshape(b: Builder, call: OpCall) -> str:
    """``Reshape``: a size that is the same in both runs is written as it is, a dynamic one
    kept from the input at the same position as ``0``, one left-over dynamic size as ``-1``,
    several read from the graph inputs."""
    target, target2 = tuple(call.static["shape"]), tuple(call.static2["shape"])
    if 0 in target:  # an empty tensor: 0 must mean zero, not "copy"
        if b.opset < 14 or target != target2:
            raise unsupported(call, f"an empty reshape target {target} (needs opset 14 and "
                              "no dynamic axes)")
        return b.node("Reshape", [call.inputs[0], b.ints(target)], allowzero=1)
    source, source2 = call.shapes[0], call.shapes2[0]
    copied = {i for i, (t, t2) in enumerate(zip(target, target2, strict=True))
              if t != t2 and i < len(source) and (source[i], source2[i]) == (t, t2)}
    open_ = [i for i, (t, t2) in enumerate(zip(target, target2, strict=True))
             if t != t2 and i not in copied]
    parts: list[int | str] = []
    for i, t in enumerate(target):
        if i in copied:
            parts.append(0)  # copy the input's dim i
        elif i not in open_:
            parts.append(t)
        elif len(open_) == 1:
            parts.append(-1)  # whatever is left
        else:
            dim = b.dim(t, target2[i])
            if dim is None:
                raise unsupported(call, f"the reshape target {target} has several sizes that "
                                  "follow dynamic axes and cannot be read from the inputs")
            parts.append(dim)
    return b.node("Reshape", [call.inputs[0], _parts_value(b, parts)])


@converter("permute")
def permute(b: Builder, call: OpCall) -> str:
    ndim = len(call.shapes[0])
    perm = [d % ndim for d in call.static["dims"]] if ndim else []
    return b.node("Transpose", [call.inputs[0]], perm=perm)


@converter("expand")
def expand(b: Builder, call: OpCall) -> str:
    """``Expand`` broadcasts: a target 1 keeps the input's dim, so dims the input already
    has are written as 1 (they may be dynamic); new dynamic dims are read from the inputs."""
    target, target2 = tuple(call.static["shape"]), tuple(call.static2["shape"])
    source = call.shapes[0]
    lead = len(target) - len(source)
    parts: list[int | str] = []
    for i, (t, t2) in enumerate(zip(target, target2, strict=True)):
        j = i - lead
        if j >= 0 and source[j] == t and call.shapes2[0][j] == t2:
            parts.append(1)
        elif t == t2:
            parts.append(t)
        else:
            dim = b.dim(t, t2)
            if dim is None:
                raise unsupported(call, f"the expand target {target} has a size that follows "
                                  "a dynamic axis and cannot be read from the inputs")
            parts.append(dim)
    return b.node("Expand", [call.inputs[0], _parts_value(b, parts)])


@converter("cat")
def cat(b: Builder, call: OpCall) -> str:
    ndim = len(call.out_shape)
    return b.node("Concat", inputs_as(b, call), axis=call.static.get("dim", 0) % ndim)


@converter("pad")
def pad(b: Builder, call: OpCall) -> str:
    widths = call.static["pad_width"]
    begins, ends = [int(w[0]) for w in widths], [int(w[1]) for w in widths]
    if min(begins + ends) < 0:
        raise unsupported(call, f"negative padding {widths}")
    value = b.scalar(call.static.get("value", 0.0), call.out_dtype)
    return b.node("Pad", [call.inputs[0], b.ints(begins + ends), value], mode="constant")


@converter("getitem")
def getitem(b: Builder, call: OpCall) -> str:
    """Basic indexing: ints, slices (any step), ``None`` and ``...``; index arrays are refused."""
    shape, shape2 = call.shapes[0], call.shapes2[0]
    items = _expand_ellipsis(call, _key(call.static), len(shape))
    items2 = _expand_ellipsis(call, _key(call.static2), len(shape2))
    starts, ends, axes, steps, squeeze, unsqueeze_at = [], [], [], [], [], []
    dim, out_dim = 0, 0
    for item, item2 in zip(items, items2, strict=True):
        if item is not None:
            item = _from_end(call, item, item2, shape[dim], shape2[dim])
        if item is None:
            unsqueeze_at.append(out_dim)
            out_dim += 1
            continue
        n = shape[dim]
        n2 = shape2[dim]
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            i = int(item)
            if not -n <= i < n:
                raise unsupported(call, f"index {i} out of range for size {n}")
            start, end = (i, i + 1) if i != -1 else (-1, 2 ** 62)  # negative: from the end
            starts.append(start)
            ends.append(end)
            axes.append(dim)
            steps.append(1)
            squeeze.append(dim)
        elif isinstance(item, slice):
            full = slice(None)
            if item != full:
                start, end, step = _slice_bounds(call, item, n, n != n2)
                starts.append(start)
                ends.append(end)
                axes.append(dim)
                steps.append(step)
            out_dim += 1
        else:
            raise unsupported(call, f"index {item!r} (only ints, slices, None and ...)")
        dim += 1
    x = call.inputs[0]
    if axes:
        x = b.node("Slice", [x, b.ints(starts), b.ints(ends), b.ints(axes), b.ints(steps)])
    if squeeze:
        x = b.node("Squeeze", [x, b.ints(squeeze)])
    if unsqueeze_at:
        x = b.node("Unsqueeze", [x, b.ints(unsqueeze_at)])
    if not (axes or squeeze or unsqueeze_at):
        x = b.node("Identity", [x])
    return x


def _key(static: dict[str, Any]) -> tuple[Any, ...]:
    key = static["key"]
    return key if isinstance(key, tuple) else (key,)


def _from_end(call: OpCall, item: Any, item2: Any, n: int, n2: int) -> Any:
    """The index of one dim, the same for both traced sizes ``n`` and ``n2``.

    An index the forward computed from the size (``x[len(x) - 1]``, ``x[:n - 2]``) differs
    between the traces by exactly the change of size: it counts from the end, so it is
    written as a negative index. Any other difference cannot be written in the graph.
    """
    if item == item2:
        return item
    def pick(a: Any, a2: Any) -> Any:
        if a == a2:
            return a
        if a is not None and a2 is not None and a - n == a2 - n2 and a - n < 0:
            return a - n
        raise unsupported(call, f"an index that depends on the size of a dynamic axis in a "
                                f"way the graph cannot express ({item!r} for size {n}, "
                                f"{item2!r} for size {n2})")
    if isinstance(item, slice) and isinstance(item2, slice):
        return slice(pick(item.start, item2.start), pick(item.stop, item2.stop),
                     pick(item.step, item2.step))
    return pick(item, item2)


def _expand_ellipsis(call: OpCall, key: tuple[Any, ...], ndim: int) -> list[Any]:
    """The key with ``...`` replaced by full slices and missing trailing dims filled in."""
    for item in key:
        if isinstance(item, (list, np.ndarray)) or (hasattr(item, "shape") and item is not None
                                                    and not isinstance(item, (int, np.integer))):
            raise unsupported(call, "indexing with an index array or mask (advanced indexing)")
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    items: list[Any] = []
    for k in key:
        if k is Ellipsis:
            items.extend([slice(None)] * (ndim - n_real))
        else:
            items.append(k)
    if Ellipsis not in key:
        items.extend([slice(None)] * (ndim - n_real))
    return items


def _slice_bounds(call: OpCall, item: slice, n: int, dynamic: bool) -> tuple[int, int, int]:
    """ONNX ``Slice`` start/end/step of a Python slice of a dim of size ``n``.

    A static dim gets the numbers Python computes. A dynamic dim keeps the slice's own
    (possibly negative, possibly open) bounds, which ``Slice`` reads the way Python does.
    """
    step = 1 if item.step is None else int(item.step)
    if step <= 0:
        raise unsupported(call, f"slice step {step} (must be positive)")
    if not dynamic:
        start, end, step = item.indices(n)
        return start, end, step
    start = 0 if item.start is None else int(item.start)
    end = 2 ** 62 if item.stop is None else int(item.stop)
    return start, end, step
