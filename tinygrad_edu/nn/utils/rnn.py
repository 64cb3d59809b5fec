"""``nn.utils.rnn``: batches of sequences of different lengths, padded or packed.

A batch of B sequences with lengths L_0..L_{B-1} can be stored two ways:

- **padded**: one (T, B, *) Tensor (or (B, T, *) with ``batch_first``), T = max length, the
  tail of each shorter sequence filled with ``padding_value``;
- **packed**: a ``PackedSequence``, the sequences sorted by decreasing length and read time
  step by time step, so only real steps are stored. ``data[...]`` holds step 0 of every
  sequence, then step 1 of every sequence still running, ...; ``batch_sizes[t]`` says how many
  sequences are still running at step t. A recurrent layer fed a PackedSequence stops each
  sequence at its own length, so padding never leaks into the final hidden state.

Both conversions are gathers (an index lookup), so gradients flow back to the original data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ...tensor import Tensor, creation
from ...tensor.functions import cat, stack

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


class PackedSequence(NamedTuple):
    """A packed batch of sequences (see the module docstring).

    Attributes:
        data: (sum of lengths, *) the steps, time-major, sequences in decreasing length.
        batch_sizes: int64 (T,), how many sequences are still running at each step.
        sorted_indices: int64 (B,), the original batch index of each packed column (None when
            the input was already sorted, ``enforce_sorted=True``).
        unsorted_indices: int64 (B,), the inverse permutation (None likewise).
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data`` converted (dtype or device); the index tensors stay as they are."""
        return self._replace(data=self.data.to(*args, **kwargs))

    def cpu(self) -> PackedSequence:
        return self

    def float(self) -> PackedSequence:
        return self._replace(data=self.data.float())

    def double(self) -> PackedSequence:
        return self._replace(data=self.data.double())

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation q with q[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    p = _ints(permutation)
    inverse = np.empty_like(p)
    inverse[p] = np.arange(len(p))
    return Tensor(inverse)


def _ints(values: Any) -> np.ndarray:
    array = values.numpy() if isinstance(values, Tensor) else np.asarray(values)
    return array.astype(np.int64).reshape(-1)


# ----------------------------------------------------------------------------- padding

def pad_sequence(sequences: Sequence[Tensor] | Tensor, batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shape (L_i, *) into one (T, B, *) Tensor, T = max L_i.

    Each sequence is padded with ``padding_value`` at its end (``padding_side='right'``) or
    its start (``'left'``). With ``batch_first`` the result is (B, T, *).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.utils.rnn import pad_sequence
        >>> pad_sequence([tg.ones(2), tg.ones(3)], batch_first=True)
        tensor([[1., 1., 0.],
                [1., 1., 1.]])
    """
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError("pad_sequence: expected padding_side to be one of left or right, "
                           f"but got {padding_side}.")
    tail = tuple(sequences[0].shape[1:])
    for i, seq in enumerate(sequences):
        if not isinstance(seq, Tensor) or seq.ndim < 1 or tuple(seq.shape[1:]) != tail:
            raise RuntimeError(f"pad_sequence: every sequence must be a Tensor of shape (L, "
                               f"*{tail}), got {getattr(seq, 'shape', type(seq).__name__)} "
                               f"at position {i}")
    longest = max(seq.shape[0] for seq in sequences)
    padded = []
    for seq in sequences:
        gap = longest - seq.shape[0]
        if gap:
            fill = creation.full((gap, *tail), padding_value, dtype=seq.dtype)
            seq = cat([seq, fill] if padding_side == "right" else [fill, seq])
        padded.append(seq)
    return stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """The inverse of ``pad_sequence`` (right padding): a list of (L_i, *) Tensors."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_ints(lengths))]


# ----------------------------------------------------------------------------- packing

def _sort_order(lengths: np.ndarray, enforce_sorted: bool) -> np.ndarray | None:
    """Indices that sort the batch by decreasing length (stable), or None if sorted already."""
    if enforce_sorted:
        if np.any(lengths[:-1] < lengths[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        return None
    return np.argsort(-lengths, kind="stable")


def _batch_sizes(sorted_lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many sequences are longer than t."""
    steps = np.arange(int(sorted_lengths[0]))
    return (sorted_lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) batch (or (B, T, *) with ``batch_first``) of known lengths.

    Args:
        input: the padded batch.
        lengths: the length of each sequence (a list or a 1-d Tensor), each in [1, T].
        batch_first: the batch dimension is first.
        enforce_sorted: the lengths must already be in decreasing order (else a RuntimeError);
            with False the batch is sorted here and the permutation is kept in the result.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.utils.rnn import pack_padded_sequence
        >>> x = tg.tensor([[1, 2, 3], [4, 5, 0]])
        >>> pack_padded_sequence(x, [3, 2], batch_first=True).data
        tensor([1, 4, 2, 5, 3])
    """
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise RuntimeError("pack_padded_sequence: expected input to be a Tensor of at least 2 "
                           f"dimensions, got {getattr(input, 'shape', type(input).__name__)}")
    x = input.transpose(0, 1) if batch_first else input
    steps, batch = x.shape[0], x.shape[1]
    lengths = _ints(lengths)
    if len(lengths) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch})")
    if np.any(lengths <= 0):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(lengths > steps):
        raise RuntimeError(f"pack_padded_sequence: a length exceeds the padded length "
                           f"{steps}: lengths {lengths.tolist()}")
    order = _sort_order(lengths, enforce_sorted)
    sorted_lengths = lengths if order is None else lengths[order]
    columns = np.arange(batch) if order is None else order
    sizes = _batch_sizes(sorted_lengths)
    data = gather_packed(x, sizes, columns)
    sorted_indices = None if order is None else Tensor(order.astype(np.int64))
    return PackedSequence(data, Tensor(sizes), sorted_indices,
                          invert_permutation(sorted_indices))


def gather_packed(padded: Tensor, batch_sizes: Any, columns: Any) -> Tensor:
    """The packed ``data`` of a time-major padded (T, B, *) batch.

    Row by row: step t of the batch columns ``columns[:batch_sizes[t]]`` (``columns`` is the
    batch sorted by decreasing length). One gather, so the gradient is a scatter-add back.
    """
    sizes, columns = _ints(batch_sizes), _ints(columns)
    time_index = np.repeat(np.arange(len(sizes)), sizes)
    batch_index = np.concatenate([columns[:n] for n in sizes])
    return padded[Tensor(time_index), Tensor(batch_index)]


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Unpack a PackedSequence into ``(padded, lengths)``, the batch in its original order.

    ``padded`` is (T, B, *) (or (B, T, *) with ``batch_first``), T = ``total_length`` when
    given (at least the longest length), else the longest length; ``lengths`` is int64 (B,).
    """
    data, sizes = sequence.data, _ints(sequence.batch_sizes)
    batch = int(sizes[0])
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    # row[t, b] = the row of data holding step t of packed column b; len(data) = padding.
    row = np.full((steps, batch), data.shape[0], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for t, (start, n) in enumerate(zip(offsets, sizes, strict=True)):
        row[t, :n] = start + np.arange(n)
    lengths = (row < data.shape[0]).sum(axis=0).astype(np.int64)
    if sequence.unsorted_indices is not None:
        order = _ints(sequence.unsorted_indices)
        row, lengths = row[:, order], lengths[order]
    pad = creation.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, pad])[Tensor(row)]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) Tensors: ``pad_sequence`` then ``pack_padded_sequence``."""
    lengths = [seq.shape[0] for seq in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of ``pack_sequence``: the list of (L_i, *) Tensors, in original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
