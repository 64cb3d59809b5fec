"""Dropout: zero each element with probability p, scale the survivors by 1 / (1 - p).

The scaling ("inverted dropout") keeps the expected value of every output equal to its input,
so nothing changes at evaluation time, when dropout is the identity. The mask is drawn once in
the forward and saved, already scaled: backward multiplies by the same mask, so the gradient
flows only through the elements that were kept.

The fast pair (``dropout_fast_forward``, registered with ``fast=``) draws the same mask from
the same stream; a compiled loop turns the raw random words into 0 or 1 / (1 - p) block by
block, where the readable forward builds uniforms, a boolean array and then the mask.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..random import Generator, get_generator
from ..random_dist import bernoulli_scalar, scaled_bernoulli
from .registry import register_op

Array = NDArray[Any]


class DropoutCache(NamedTuple):
    """Cache of ``dropout``: the scaled keep mask (0 or 1 / (1 - p)), never the input."""

    mask: Array  # mask_shape, in x's dtype; broadcasts against x


def dropout_forward(x: Array, *, p: float, mask_shape: tuple[int, ...] | None = None,
                    generator: Generator | None = None) -> tuple[Array, DropoutCache]:
    """out = x * mask, mask = keep / (1 - p) with keep ~ Bernoulli(1 - p) (all zeros when p = 1).

    p is the probability to DROP an element (PyTorch's convention; the CS231n notebooks use
    the keep probability). The draws are PyTorch's: ``keep`` is ``bernoulli_(1 - p)`` on a
    tensor of ``mask_shape`` from ``generator`` (the global one, seeded by ``tg.manual_seed``,
    when None), so the same seed drops the same elements as ``torch.nn.functional.dropout``.
    Nothing is drawn when p is 0 or 1 or x is empty. ``mask_shape`` (default x.shape) may
    have size-1 dims that broadcast: (N, C, 1, 1) drops whole channels (``dropout2d``).

    Shape: x (*) -> out like x; cache mask of mask_shape.

    Backward: dx = dout * mask, i.e. dout / (1 - p) where kept and 0 where dropped.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout_forward: dropout probability has to be between 0 and 1, but "
                         f"got {p}")
    shape = x.shape if mask_shape is None else tuple(mask_shape)
    if p == 0 or x.size == 0:
        mask = np.ones(shape, dtype=x.dtype)
    elif p == 1:
        mask = np.zeros(shape, dtype=x.dtype)
    else:
        keep = bernoulli_scalar(get_generator(generator, "dropout"), shape, 1.0 - p)
        mask = np.multiply(keep, 1.0 / (1.0 - p), dtype=x.dtype)
    with np.errstate(invalid="ignore"):  # inf * 0 is nan, as in PyTorch
        return x * mask, DropoutCache(mask)


def dropout_backward(dout: Array, cache: DropoutCache) -> tuple[Array]:
    """The gradient passes where the mask kept the element, scaled the same way."""
    return (dout * cache.mask,)


def dropout_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout times the same mask, a constant (the one the forward drew
    and saved: running the forward again would draw another)."""
    return (dout * ctx.const(ctx.cache.mask),)


def dropout_fast_forward(x: Array, *, p: float, mask_shape: tuple[int, ...] | None = None,
                         generator: Generator | None = None) -> tuple[Array, DropoutCache]:
    """``dropout_forward`` with the scaled mask made from the raw stream in one compiled pass
    (``random_dist.scaled_bernoulli``): the same draws, so the same mask, bit for bit."""
    if not 0 < p < 1 or x.size == 0 or x.dtype not in (np.float32, np.float64):
        return dropout_forward(x, p=p, mask_shape=mask_shape, generator=generator)
    shape = x.shape if mask_shape is None else tuple(mask_shape)
    mask = scaled_bernoulli(get_generator(generator, "dropout"), shape, 1.0 - p,
                            1.0 / (1.0 - p), x.dtype)
    with np.errstate(invalid="ignore"):  # inf * 0 is nan, as in PyTorch
        return x * mask, DropoutCache(mask)


register_op("dropout", dropout_forward, dropout_backward,
            fast=(dropout_fast_forward, dropout_backward), grad=dropout_grad)
