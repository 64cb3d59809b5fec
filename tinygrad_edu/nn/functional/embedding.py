"""``F.embedding``: rows of a table looked up by integer ids (the ``embedding`` op); and
``F.one_hot``, the ids as one-hot rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...tensor import Tensor

__all__ = ["embedding", "one_hot"]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight``: out[...] = weight[input[...]].

    Args:
        input: integer token ids (any shape), each in [0, num_embeddings).
        weight: the table (num_embeddings, embedding_dim).
        padding_idx: this id's row gets no gradient (it stays as it is during training).
        max_norm: rows that are looked up and whose ``norm_type``-norm exceeds ``max_norm``
            are rescaled to that norm first, in place (as in PyTorch).
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by the count of its id in the batch.
        sparse: sparse gradients are not supported; must be False.

    Returns:
        (*input.shape, embedding_dim).
    """
    return lookup("embedding", input, weight, padding_idx, max_norm, norm_type,
                      scale_grad_by_freq, sparse)


def lookup(name: str, input: Any, weight: Tensor, padding_idx: int | None,  # noqa: A002
               max_norm: float | None, norm_type: float, scale_grad_by_freq: bool,
               sparse: bool) -> Tensor:
    ids = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if ids.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected integer token ids (int64 or int32), got dtype "
                           f"{ids.dtype} for input of shape {ids.shape}; use input.long()")
    if weight.ndim != 2:
        raise RuntimeError(f"{name}: expected a 2-D weight (num_embeddings, embedding_dim), "
                           f"got shape {weight.shape}")
    rows = weight.shape[0]
    _check_ids(name, ids, rows)
    if sparse:
        raise ValueError(f"{name}: sparse gradients are not supported; use sparse=False")
    pad = padding_index(name, padding_idx, rows)
    if max_norm is not None:
        _renorm_rows(weight, ids, max_norm, norm_type)
    return apply_op(OPS["embedding"], ids, weight, padding_idx=-1 if pad is None else pad,
                    scale_grad_by_freq=bool(scale_grad_by_freq))


def _check_ids(name: str, ids: Tensor, rows: int) -> None:
    data = ids.numpy()
    bad = (data < 0) | (data >= rows)
    if data.size and bad.any():
        raise IndexError(f"{name}: token id {data[bad].flat[0]} is out of range for a table "
                         f"of {rows} rows (num_embeddings={rows}): ids must be in "
                         f"[0, {rows - 1}]; input of shape {ids.shape}")


def padding_index(name: str, padding_idx: int | None, rows: int) -> int | None:
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{name}: padding_idx must be within num_embeddings ({rows}), got "
                         f"{padding_idx}")
    return padding_idx % rows


def _renorm_rows(weight: Tensor, ids: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: rows looked up with a norm above max_norm shrink to it."""
    rows = np.unique(ids.numpy())
    with weight.mutate() as table:
        norms = np.linalg.norm(table[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        scale = (max_norm / (norms[big] + 1e-7)).astype(weight.dtype)
        table[rows[big]] *= scale[:, None]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class ids -> one-hot rows: out[..., c] = 1 where tensor[...] == c, else 0 (int64).

    ``num_classes=-1`` uses max(tensor) + 1. The result has one more dim than the input. It
    is an integer tensor (no gradient); ``.float()`` it to multiply with weights.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.functional.one_hot(tg.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    if not isinstance(tensor, Tensor) or tensor.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    ids = tensor.numpy()
    if num_classes == -1:
        if ids.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(ids.max()) + 1
    if ids.size and ids.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if ids.size and ids.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor(np.equal.outer(ids, np.arange(num_classes)).astype(np.int64))
