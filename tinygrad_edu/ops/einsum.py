"""``einsum``: sums of products over the letters of an equation, and their gradient.

The forward is one ``np.einsum``. The backward is the product rule term by term: the
gradient of one operand is an einsum of dout with all the other operands (``"ij,jk->ik"``
gives ``dA = einsum("ik,jk->ij", dout, B)``, the familiar ``dout @ B^T``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .registry import needs_input_grad, register_op

Array = NDArray[Any]


class EinsumCache(NamedTuple):
    """Cache of ``einsum``: the subscripts, the (broadcast) operands, their own shapes."""

    inputs: tuple[str, ...]
    output: str
    operands: tuple[Array, ...]
    shapes: tuple[tuple[int, ...], ...]


def letter_sizes(inputs: tuple[str, ...], shapes: tuple[tuple[int, ...], ...]) -> dict[str, int]:
    """The size of each subscript letter; a size of 1 broadcasts against any other."""
    sizes: dict[str, int] = {}
    for k, (sub, shape) in enumerate(zip(inputs, shapes, strict=True)):
        if len(sub) != len(shape):
            raise RuntimeError(f"einsum: the number of subscripts in the equation ({len(sub)}) "
                               f"does not match the number of dimensions ({len(shape)}) for "
                               f"operand {k}")
        own: dict[str, int] = {}
        for c, n in zip(sub, shape, strict=True):
            if own.setdefault(c, n) != n:
                raise RuntimeError(f"einsum: subscript {c} is repeated for operand {k} but the "
                                   f"sizes don't match, {own[c]} != {n}")
            seen = sizes.get(c, 1)
            if n != seen and 1 not in (n, seen):
                raise RuntimeError(f"einsum: subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {seen}")
            sizes[c] = max(n, seen) if n and seen else 0
    return sizes


def einsum_forward(*operands: Array, inputs: tuple[str, ...], output: str
                   ) -> tuple[Array, EinsumCache]:
    """out = the sum over every letter not in ``output`` of the products of the operands.

    ``inputs`` are the letters of each operand (``("ij", "jk")``) and ``output`` the letters
    of the result (``"ik"``): the matrix product. The Tensor layer has already expanded
    ``...`` and the implicit output into letters. A size-1 axis broadcasts.

    Backward: the product rule term by term. Operand k's gradient is an einsum of dout with
    all the other operands that produces operand k's letters; a letter that only operand k
    has was summed in the forward, so its gradient is copied along it; a repeated letter
    (``"ii"``, the diagonal) puts the gradient on the diagonal.
    """
    shapes = tuple(a.shape for a in operands)
    sizes = letter_sizes(inputs, shapes)
    broad = tuple(np.broadcast_to(a, tuple(sizes[c] for c in sub))
                  for a, sub in zip(operands, inputs, strict=True))
    spec = f"{','.join(inputs)}->{output}"
    out = np.einsum(spec, *broad, optimize=len(broad) > 1)
    return np.asarray(out), EinsumCache(inputs, output, broad, shapes)


def _einsum_grad(dout: Array, cache: EinsumCache, k: int) -> Array:
    """dL/d(operand k): dout contracted with the other operands, as explained above."""
    sub, operand = cache.inputs[k], cache.operands[k]
    others = [(s, a) for j, (s, a) in enumerate(zip(cache.inputs, cache.operands, strict=True))
              if j != k]
    unique = "".join(dict.fromkeys(sub))
    reachable = set(cache.output).union(*[set(s) for s, _ in others])
    keep = "".join(c for c in unique if c in reachable)
    spec = ",".join([cache.output, *[s for s, _ in others]]) + "->" + keep
    g = np.einsum(spec, dout, *[a for _, a in others], optimize=len(others) > 0)
    # letters summed away inside this operand alone: the gradient is the same all along them
    sizes = dict(zip(sub, operand.shape, strict=True))
    g = np.expand_dims(g, tuple(i for i, c in enumerate(unique) if c not in keep))
    g = np.broadcast_to(g, tuple(sizes[c] for c in unique))
    if len(unique) == len(sub):
        grad = np.transpose(g, [unique.index(c) for c in sub])
    else:  # a repeated letter: write onto the diagonal (einsum returns a writable view)
        grad = np.zeros(operand.shape, dtype=dout.dtype)
        np.einsum(f"{sub}->{unique}", grad)[...] = g
    # sum back over axes of size 1 that the forward broadcast
    own = cache.shapes[k]
    axes = tuple(i for i, (n, m) in enumerate(zip(own, grad.shape, strict=True)) if n != m)
    return np.sum(grad, axis=axes, keepdims=True) if axes else np.array(grad)


def einsum_backward(dout: Array, cache: EinsumCache) -> tuple[Array | None, ...]:
    """One einsum per operand that needs a gradient (see the forward)."""
    return tuple(_einsum_grad(dout, cache, k) if needs_input_grad(k) else None
                 for k in range(len(cache.inputs)))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def einsum_grad(ctx: Any, dout: Any) -> tuple[Any, ...]:
    """Differentiable backward: each operand's gradient as ONE einsum (so it differentiates
    again as einsum): dout and the other operands, a ones vector for each letter that only
    this operand has (copy along it), and an identity matrix tying each repeated letter to a
    fresh one (the diagonal)."""
    inputs, dtype = ctx.static["inputs"], dout.numpy(force=True).dtype
    sizes = letter_sizes(inputs, tuple(tuple(x.shape) for x in ctx.inputs))
    return tuple(_operand_grad(ctx, dout, k, sizes, dtype) if ctx.needs[k] else None
                 for k in range(len(inputs)))


def _operand_grad(ctx: Any, dout: Any, k: int, sizes: dict[str, int], dtype: Any) -> Any:
    """d/d(operand k) of <dout, einsum(...)>, as one einsum (see ``einsum_grad``)."""
    inputs, output = ctx.static["inputs"], ctx.static["output"]
    spare = iter(c for c in _LETTERS if c not in sizes)
    subs = [output, *[s for j, s in enumerate(inputs) if j != k]]
    tensors = [dout, *[x for j, x in enumerate(ctx.inputs) if j != k]]
    own = dict(zip(inputs[k], ctx.inputs[k].shape, strict=True))
    reach = letter_sizes(tuple(subs), tuple(tuple(t.shape) for t in tensors))
    result = ""
    for c in inputs[k]:
        if c in result:  # a repeated letter: a fresh one, tied to it by the identity
            fresh = next(spare)
            subs.append(c + fresh)
            tensors.append(ctx.const(np.eye(sizes[c], dtype=dtype)))
            result += fresh
            continue
        if c not in reach or reach[c] < own[c]:  # summed inside this operand alone (or
            subs.append(c)  # broadcast from size 1): the gradient is the same all along c
            tensors.append(ctx.const(np.ones(own[c], dtype=dtype)))
            reach[c] = own[c]
        result += c
    return ctx.apply("einsum", *tensors, inputs=tuple(subs), output=result)


register_op("einsum", einsum_forward, einsum_backward, grad=einsum_grad)
