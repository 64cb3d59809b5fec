"""Vision functions: ``F.pad`` with PyTorch's four modes.

``'constant'`` runs the ``pad`` op. The other modes read every output cell from some input
cell, so each is one gather with an index array per padded dim (``x[..., idx]``), whose
backward adds every copy's gradient back into its source (overlapping copies add up):

- ``'reflect'``: mirror without repeating the edge, ``[1 0 | 0 1 2 3 | 2 1]``;
- ``'replicate'``: repeat the edge, ``[0 0 | 0 1 2 3 | 3 3]``;
- ``'circular'``: wrap around, ``[2 3 | 0 1 2 3 | 0 1]``.

The interpolations of ``resample.py`` use the same idea.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...checks import NUMBERS, check_dtypes, check_scalar, pad_arg
from ...tensor import Tensor, shape
from ...tensor.convert import check_tensor

__all__ = ["pad", "pad_indices"]

_MODES = ("constant", "reflect", "replicate", "circular")


def pad_indices(mode: str, size: int, before: int, after: int) -> np.ndarray:
    """The source index of every output cell along one padded dim of length ``size``
    (a negative ``before``/``after`` crops, as in PyTorch)."""
    j = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    if mode == "circular":  # wrap inside what is left after cropping (negative padding)
        lo, hi = max(-before, 0), size - max(-after, 0)
        return lo + (np.arange(-max(before, 0), hi - lo + max(after, 0)) % (hi - lo))
    j = np.abs(j)  # reflect: mirror at 0, then at size - 1
    return np.where(j > size - 1, 2 * (size - 1) - j, j)


def _check_mode(input: Tensor, pad: Sequence[int], mode: str) -> int:  # noqa: A002
    """The number of padded dims, after PyTorch's checks of the non-constant modes."""
    dims = len(pad) // 2
    if input.ndim not in (dims + 1, dims + 2) or dims > 3:
        raise NotImplementedError(
            f"pad: mode {mode!r} pads the last 1, 2 or 3 dims of a (batched) input of "
            f"{dims + 1} or {dims + 2} dims; got a pad of length {len(pad)} for an input of "
            f"shape {input.shape}")
    for i in range(dims):
        size, before, after = input.shape[-1 - i], pad[2 * i], pad[2 * i + 1]
        if mode == "reflect" and max(before, after) >= size:
            raise RuntimeError(f"pad: padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({before}, {after}) at dimension "
                               f"{input.ndim - 1 - i} of input {input.shape}")
        if mode == "circular" and max(before, after) > size:
            raise RuntimeError(f"pad: padding value causes wrapping around more than once: "
                             f"padding ({before}, {after}) for a dimension of size {size}")
        if mode == "replicate" and size == 0:
            raise RuntimeError(f"pad: cannot replicate an empty dimension of input "
                               f"{input.shape}")
    if mode == "replicate" and 0 in input.shape[input.ndim - dims - 1:]:
        raise RuntimeError(f"pad: mode 'replicate' expects a {dims + 1}D or {dims + 2}D (batch "
                           f"mode) input with possibly 0 batch size and other non-zero "
                           f"dimensions, got shape {input.shape}")
    return dims


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad the last dims: ``pad = (left, right, top, bottom, front, back)`` from the last dim.

    Args:
        input: the Tensor.
        pad: (before, after) pairs, the last dim first; its length must be even.
        mode: ``'constant'`` (fill with ``value``, default 0), ``'reflect'``, ``'replicate'``
            or ``'circular'`` (these pad at most the last 3 dims of a batched input).
        value: the fill value of constant mode.

    Example:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> F.pad(tg.tensor([[[0.0, 1.0, 2.0]]]), (2, 1), mode="reflect").tolist()
        [[[2.0, 1.0, 0.0, 1.0, 2.0, 1.0]]]
    """
    check_tensor(input, "pad")
    if mode not in _MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r}; expected one of "
                                  f"{', '.join(_MODES)}")
    if mode == "constant":
        if value is not None:
            check_scalar(value, "value", "pad")
        return shape.pad(input, pad, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"pad: padding mode {mode!r} doesn't take in value argument")
    pad = pad_arg(pad, input.ndim)
    if mode in ("reflect", "replicate"):  # PyTorch has no bool kernel for these two
        check_dtypes(f"pad ({mode})", NUMBERS, input)
    out = input
    for i in range(_check_mode(input, pad, mode)):
        dim = input.ndim - 1 - i
        idx = pad_indices(mode, input.shape[dim], pad[2 * i], pad[2 * i + 1])
        out = out[(slice(None),) * dim + (Tensor(idx),)]
    return out
