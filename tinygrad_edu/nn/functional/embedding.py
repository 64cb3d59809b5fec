"""``F.embedding``: rows of a table looked up by integer ids (the ``embedding`` op);
``F.embedding_bag``: their sum, mean or max per bag of ids (the ``embedding_bag`` op); and
``F.one_hot``, the ids as one-hot rows."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...tensor import Tensor

__all__ = ["embedding", "embedding_bag", "one_hot"]


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
                    scale_grad_by_freq=bool(scale_grad_by_freq),
                    **_recorded_renorm(max_norm, norm_type))


def _recorded_renorm(max_norm: float | None, norm_type: float) -> dict[str, float]:
    """``max_norm``/``norm_type`` for the op's record (the rows are already shrunk in place),
    so that a graph written from it (ONNX export) shrinks the rows it looks up."""
    if max_norm is None:
        return {}
    return {"max_norm": float(max_norm), "norm_type": float(norm_type)}


def _check_ids(name: str, ids: Tensor, rows: int) -> None:
    data = ids.numpy()
    if rows == 0 and data.size:  # PyTorch's RuntimeError: nothing to index into
        raise RuntimeError(f"{name}: the embedding table has 0 rows (weight of shape (0, D)), "
                           f"so no token id can be looked up; input of shape {ids.shape}")
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


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of the table rows of each bag of ids, without the (tokens, D)
    intermediate: ``embedding`` and a per-bag reduction in one op.

    Args:
        input: (B, N) ids, B bags of N ids each; or (n,) ids of all bags one after another,
            with ``offsets``.
        weight: the table (num_embeddings, embedding_dim).
        offsets: (B,) where each bag starts in a 1-D input (offsets[0] = 0,
            non-decreasing); with ``include_last_offset`` (B + 1,), the last one the end.
        max_norm, norm_type: rows looked up with a larger norm are shrunk to max_norm first
            (in place), as in ``embedding``.
        scale_grad_by_freq: divide each row's gradient by the count of its id in the input
            (not with mode="max").
        mode: "sum", "mean" (default) or "max".
        sparse: sparse gradients are not supported; must be False.
        per_sample_weights: (like input) a weight per id, multiplying its row (mode="sum").
        include_last_offset: offsets has B + 1 entries, the last one the end of the last bag.
        padding_idx: ids equal to it are left out of their bag (not counted by the mean).

    Returns:
        (B, embedding_dim); an empty bag gives zeros.

    Example:
        >>> import tinygrad_edu as tg
        >>> table = tg.arange(12.0).reshape(4, 3)
        >>> ids, offsets = tg.tensor([0, 1, 3, 2]), tg.tensor([0, 2, 2])
        >>> tg.nn.functional.embedding_bag(ids, table, offsets, mode="sum")
        tensor([[ 3.,  5.,  7.],
                [ 0.,  0.,  0.],
                [15., 17., 19.]])
    """
    ids, weight, offs, psw = _bag_inputs(input, weight, offsets, per_sample_weights)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if sparse:
        raise ValueError("embedding_bag: sparse gradients are not supported; use sparse=False")
    rows = weight.shape[0]
    if padding_idx is not None and not -rows <= padding_idx < rows:
        raise RuntimeError(f"padding_idx must be within the number of embeddings, {-rows} "
                           f"through {rows - 1}, but got {padding_idx}")
    _check_bag_ids(ids, offs, rows, include_last_offset)
    if max_norm is not None:
        _renorm_rows(weight, ids, max_norm, norm_type)
    if psw is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}').")
    if psw is None:
        psw = Tensor(np.zeros(0, dtype=weight.dtype))  # (0,): no per-sample weights
    return apply_op(OPS["embedding_bag"], ids, offs, weight, psw, mode=mode,
                    include_last_offset=bool(include_last_offset),
                    padding_idx=-1 if padding_idx is None else padding_idx % rows,
                    scale_grad_by_freq=bool(scale_grad_by_freq),
                    **_recorded_renorm(max_norm, norm_type))


def _bag_inputs(input: Any, weight: Tensor, offsets: Any, per_sample_weights: Any  # noqa: A002
                ) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """Flat ids, the table, offsets and per-sample weights; a 2-D input becomes bags of equal
    size (and the old argument order, table first, is swapped back with a warning)."""
    if (isinstance(weight, Tensor) and isinstance(input, Tensor) and weight.dtype == np.int64
            and input.dtype.kind == "f"):
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=3)
        weight, input = input, weight
    ids = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if per_sample_weights is not None and ids.shape != per_sample_weights.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({ids.shape})")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError("weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{getattr(weight, 'ndim', type(weight).__name__)}")
    if ids.dtype.kind not in "iu":
        raise RuntimeError("embedding_bag: expected integer ids (int64 or int32) for argument "
                           f"'indices', got dtype {ids.dtype}")
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets)}")
        if ids.shape[1] == 0:
            raise RuntimeError("embedding_bag: a 2-D input of shape "
                               f"{ids.shape} has bags of no ids (step must be nonzero)")
        offsets = Tensor(np.arange(0, ids.numel(), ids.shape[1], dtype=np.int64))
        ids = ids.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif ids.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        offsets = offsets if isinstance(offsets, Tensor) else Tensor(np.asarray(offsets))
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{ids.ndim}")
    return ids, weight, offsets, per_sample_weights


def _check_bag_ids(ids: Tensor, offsets: Tensor, rows: int, include_last_offset: bool) -> None:
    """PyTorch's checks of the ids and offsets."""
    data, offs = ids.numpy(), offsets.numpy()
    bad = (data < 0) | (data >= rows)
    if data.size and bad.any():
        i = int(np.argmax(bad))
        raise RuntimeError(f"embedding_bag: Index {i} of input takes value {data[i]} which is not "
                         f"in the valid range [0, {rows})")
    if offs.size and offs[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {offs[0]}")
    if offs.size and offs[-1] > data.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {data.size} but "
                           f"got offsets[-1] of {offs[-1]}")
    if np.any(np.diff(offs) < 0):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {offs.tolist()}")
    if include_last_offset and offs.size == 0:
        raise RuntimeError("include_last_offset: number of offset should be at least 1 (the "
                           "end of the last bag)")
