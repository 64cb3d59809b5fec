"""``Embedding``: a table of vectors looked up by integer ids (word vectors); ``EmbeddingBag``:
their sum, mean or max over bags of ids.

``F.embedding`` (``nn/functional/embedding.py``) does the lookup with the ``embedding`` op,
whose backward (a scatter-add of the output gradient's rows) is in ``ops/rnn.py``.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..checks import layer_size
from ..tensor import Tensor, creation
from . import init
from .functional.embedding import embedding_bag, lookup, padding_index
from .module import Module, Parameter

__all__ = ["Embedding", "EmbeddingBag"]


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim`` (word vectors).

    Args:
        num_embeddings: size of the vocabulary.
        embedding_dim: size of each vector.
        padding_idx: this id's row is initialised to zeros and gets no gradient.
        max_norm, norm_type, scale_grad_by_freq, sparse: as in ``embedding``.
        _weight: an initial table instead of the random one; _freeze: don't train it.

    Shape:
        input (*) integer ids in [0, num_embeddings) -> output (*, embedding_dim).

    Attributes:
        weight: (num_embeddings, embedding_dim), initialised from N(0, 1).

    Example:
        >>> import tinygrad_edu as tg
        >>> emb = tg.nn.Embedding(10, 3, padding_idx=0)
        >>> emb
        Embedding(10, 3, padding_idx=0)
        >>> emb(tg.tensor([[1, 2, 0]])).shape
        torch.Size([1, 3, 3])
        >>> emb(tg.tensor([0]))
        tensor([[0., 0., 0.]], grad_fn=<EmbeddingBackward0>)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dtypes.check_device(device, "Embedding")
        # the weight's sizes: PyTorch refuses a bool as the first
        num_embeddings = layer_size(num_embeddings, "Embedding", "num_embeddings",
                                    bool_ok=False)
        embedding_dim = layer_size(embedding_dim, "Embedding", "embedding_dim")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_index("Embedding", padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight of shape {tuple(_weight.shape)} does not "
                                 f"match ({num_embeddings}, {embedding_dim}) = "
                                 "(num_embeddings, embedding_dim)")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """N(0, 1) entries, with the padding row zeroed (PyTorch's default)."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with self.weight.mutate() as table:
                table[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose table is ``embeddings`` (2-D); frozen by default."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return lookup("Embedding", input, self.weight, self.padding_idx, self.max_norm,
                      self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse:
            s += ", sparse=True"
        return s


class EmbeddingBag(Module):
    """A lookup table whose rows are summed, averaged or max-ed over bags of ids.

    ``EmbeddingBag(V, D, mode="mean")(ids, offsets)`` is the mean of ``Embedding(V, D)``'s
    rows over each bag, computed without the (tokens, D) intermediate (see
    ``F.embedding_bag``).

    Args:
        num_embeddings: size of the vocabulary.
        embedding_dim: size of each vector.
        max_norm, norm_type, scale_grad_by_freq, sparse: as in ``Embedding``.
        mode: "sum", "mean" (default) or "max".
        _weight: an initial table instead of the random one.
        include_last_offset: offsets has one more entry, the end of the last bag.
        padding_idx: this id's row is initialised to zeros and left out of every bag.

    Shape:
        input (B, N) with offsets None, or (n,) with offsets (B,) -> output (B, embedding_dim).
        per_sample_weights (mode="sum" only): like input.

    Attributes:
        weight: (num_embeddings, embedding_dim), initialised from N(0, 1).

    Example:
        >>> import tinygrad_edu as tg
        >>> bag = tg.nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag
        EmbeddingBag(10, 3, mode='sum')
        >>> bag(tg.tensor([1, 2, 4, 5, 4]), tg.tensor([0, 2])).shape
        torch.Size([2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dtypes.check_device(device, "EmbeddingBag")
        # the weight's sizes: PyTorch refuses a bool as the first
        num_embeddings = layer_size(num_embeddings, "EmbeddingBag", "num_embeddings",
                                    bool_ok=False)
        embedding_dim = layer_size(embedding_dim, "EmbeddingBag", "embedding_dim")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise AssertionError("padding_idx must be within num_embeddings")
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        if _weight is None:
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, dtype=dtype))
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight)
        self.mode, self.sparse = mode, sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        """N(0, 1) entries, with the padding row zeroed (PyTorch's default)."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with self.weight.mutate() as table:
                table[self.padding_idx] = 0

    def forward(self, input: Tensor, offsets: Tensor | None = None,  # noqa: A002
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose table is ``embeddings`` (2-D); frozen by default."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings!r}, {self.embedding_dim!r}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s
