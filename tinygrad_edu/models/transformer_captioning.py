"""Image captioning with a Transformer decoder (the course's ``CaptioningTransformer``).

The RNN captioner (``captioning.py``) reads the caption one word at a time and carries what it
has seen in a hidden state. A Transformer instead looks at all the words at once, and lets
each position gather what it needs from the others with attention. The steps:

1. **Memory from the image.** An affine layer projects the feature vector (N, D) to the model
   width W; it becomes a memory of one "token" per image, (N, 1, W), that the decoder
   attends to (a CNN's grid of region features would give more memory tokens).
2. **Words to vectors.** The input words (N, T) are embedded, (N, T, W). Attention ignores
   order (it is a weighted sum over a set), so a **positional encoding** is added: row t
   holds sines and cosines of t at geometrically spaced frequencies,
   ``pe[t, 2i] = sin(t / 10000^(2i/W))``, ``pe[t, 2i+1] = cos(t / 10000^(2i/W))``, which
   lets the model tell positions apart and compare them.
3. **Decoder layers** (``nn.TransformerDecoder`` of ``nn.TransformerDecoderLayer``): each
   does masked self-attention among the words, cross-attention from the words to the image
   memory, and a position-wise feed-forward network, each in a residual block with
   LayerNorm. The **causal mask** (``nn.Transformer.generate_square_subsequent_mask``:
   -inf above the diagonal) stops position t from looking at words after t: training sees
   the whole caption at once (teacher forcing) but each prediction may only use the words
   before it, exactly as at generation time.
4. **Scores.** An affine layer maps each position to scores over the V words, (N, T, V).
5. **Loss.** Cross-entropy of the scores at step t against word t + 1, skipping steps whose
   target is ``<NULL>`` padding (``CaptioningModel.loss``: summed over time, averaged over
   the captions).
6. **Greedy sampling.** Start with ``<START>``; run the decoder on the words so far, append
   the highest-scoring next word, repeat. (Each step recomputes the whole prefix: simple,
   and cheap for short captions.)

Weights are initialised as the course does: N(0, 0.02) for linear and embedding weights
(here the output layer's too), zero biases, LayerNorm at identity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import no_grad
from ..nn import Dropout, Embedding, LayerNorm, Linear
from ..nn.init import normal_, ones_, zeros_
from ..nn.module import Module
from ..nn.transformer import Transformer, TransformerDecoder, TransformerDecoderLayer
from ..tensor import Tensor, creation
from .captioning import CaptioningModel

__all__ = ["CaptioningTransformer", "PositionalEncoding"]

NDArray = np.ndarray


class PositionalEncoding(Module):
    """Add sinusoidal position vectors to a batch of sequences, then dropout.

    Args:
        embed_dim: W, the width of the vectors (even).
        dropout: dropout probability after the addition (default 0.1).
        max_len: the longest sequence it can encode (default 5000).

    Shape:
        x (N, S, W) with S <= max_len -> the same shape.

    Attributes:
        pe: buffer (1, max_len, W); ``pe[0, t, 2i] = sin(t * 10000^(-2i/W))`` and
            ``pe[0, t, 2i+1] = cos(t * 10000^(-2i/W))``.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models.transformer_captioning import PositionalEncoding
        >>> pe = PositionalEncoding(4, dropout=0.0, max_len=3)
        >>> pe(tg.zeros(1, 2, 4))
        tensor([[[0.0000, 1.0000, 0.0000, 1.0000],
                 [0.8415, 0.5403, 0.0100, 0.9999]]])
    """

    def __init__(self, embed_dim: int, dropout: float = 0.1, max_len: int = 5000,
                 dtype: Any = dtypes.float32) -> None:
        super().__init__()
        if embed_dim % 2 != 0:
            raise ValueError(f"PositionalEncoding: embed_dim must be even (sin and cos pairs), "
                             f"got {embed_dim}")
        self.dropout = Dropout(p=dropout)
        self.max_len = max_len
        positions = np.arange(max_len)[:, None]
        frequencies = 10000.0 ** (-np.arange(0, embed_dim, 2) / embed_dim)
        pe = np.zeros((1, max_len, embed_dim))
        pe[0, :, 0::2] = np.sin(positions * frequencies)
        pe[0, :, 1::2] = np.cos(positions * frequencies)
        self.register_buffer("pe", creation.tensor(pe, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[1] > self.max_len or x.shape[2] != self.pe.shape[2]:
            raise ValueError(f"PositionalEncoding: expected input of shape (N, S, "
                             f"{self.pe.shape[2]}) with S <= max_len={self.max_len}, got "
                             f"{x.shape}")
        out: Tensor = self.dropout(x + self.pe[:, :x.shape[1], :])
        return out


class CaptioningTransformer(CaptioningModel):
    """Generate captions from image features with a Transformer decoder.

    Args:
        word_to_idx: the vocabulary, word -> id, with ids 0..V-1. It must hold ``'<NULL>'``
            (padding, ignored by the loss); ``sample`` also needs ``'<START>'`` and stops a
            caption at ``'<END>'`` if there is one.
        input_dim: size D of an image's feature vector.
        wordvec_dim: W, the width of the word vectors and of the whole decoder (even, and
            divisible by num_heads).
        num_heads: attention heads per layer (default 4).
        num_layers: decoder layers (default 2).
        max_length: the longest caption the positional encoding covers (default 50).
        dim_feedforward: hidden size of each feed-forward block (default 2048, as the course
            and ``nn.TransformerDecoderLayer``).
        dropout: dropout probability in the decoder and after the positional encoding
            (default 0.1).
        dtype: dtype of the parameters (float32 by default, float64 for gradient checks).

    Shape:
        features (N, input_dim), captions (N, T + 1) integer ids; ``forward(features,
        captions_in)`` with captions_in (N, T) gives scores (N, T, V); ``loss`` a scalar;
        ``sample`` an (N, max_length) numpy array of ids.

    Attributes:
        visual_projection: ``Linear(input_dim, wordvec_dim)``: features to the memory.
        embedding: ``Embedding(V, wordvec_dim, padding_idx=<NULL>)``.
        positional_encoding: ``PositionalEncoding(wordvec_dim, dropout, max_length)``.
        transformer: ``TransformerDecoder`` of ``num_layers`` batch-first
            ``TransformerDecoderLayer(wordvec_dim, num_heads, dim_feedforward, dropout)``.
        output: ``Linear(wordvec_dim, V)``: the scores of the next word.

    Example:
        >>> import numpy as np
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models import CaptioningTransformer
        >>> vocab = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3, "dog": 4}
        >>> model = CaptioningTransformer(vocab, input_dim=6, wordvec_dim=8, num_heads=2,
        ...                               num_layers=1, dim_feedforward=16)
        >>> features = tg.randn(2, 6)
        >>> captions = np.array([[1, 3, 2, 0], [1, 4, 4, 2]])
        >>> model(features, captions[:, :-1]).shape
        torch.Size([2, 3, 5])
        >>> model.loss(features, captions).shape
        torch.Size([])
        >>> model.sample(features, max_length=5).shape
        (2, 5)
    """

    def __init__(self, word_to_idx: dict[str, int], input_dim: int = 512,
                 wordvec_dim: int = 256, num_heads: int = 4, num_layers: int = 2,
                 max_length: int = 50, dim_feedforward: int = 2048, dropout: float = 0.1,
                 dtype: Any = dtypes.float32) -> None:
        super().__init__(word_to_idx, input_dim)
        self.wordvec_dim, self.num_heads, self.num_layers = wordvec_dim, num_heads, num_layers
        self.max_length = max_length
        vocab_size = len(word_to_idx)
        self.visual_projection = Linear(input_dim, wordvec_dim, dtype=dtype)
        self.embedding = Embedding(vocab_size, wordvec_dim, padding_idx=self._null, dtype=dtype)
        self.positional_encoding = PositionalEncoding(wordvec_dim, dropout, max_length, dtype)
        layer = TransformerDecoderLayer(wordvec_dim, num_heads, dim_feedforward, dropout,
                                        batch_first=True, dtype=dtype)
        self.transformer = TransformerDecoder(layer, num_layers=num_layers)
        self.output = Linear(wordvec_dim, vocab_size, dtype=dtype)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: Module) -> None:
        """The course's initialisation: small normal weights, zero biases."""
        with no_grad():
            if isinstance(module, (Linear, Embedding)):
                normal_(module.weight, mean=0.0, std=0.02)
                if isinstance(module, Linear) and module.bias is not None:
                    zeros_(module.bias)
            elif isinstance(module, LayerNorm):
                ones_(module.weight)
                zeros_(module.bias)

    def forward(self, features: Any, captions: Any) -> Tensor:
        """Scores (N, T, V) for the next word after each of the T input words (N, T)."""
        feats = self._features(features)
        ids = self._captions(captions, feats.shape[0], 1)
        if ids.shape[1] > self.max_length:
            raise ValueError(f"CaptioningTransformer: captions of {ids.shape[1]} words are "
                             f"longer than max_length={self.max_length}")
        memory = self.visual_projection(feats).unsqueeze(1)            # (N, 1, W)
        words = self.positional_encoding(self.embedding(self._ids_tensor(captions, ids)))
        causal = Transformer.generate_square_subsequent_mask(ids.shape[1], dtype=words.dtype)
        hidden = self.transformer(words, memory, tgt_mask=causal)     # (N, T, W)
        scores: Tensor = self.output(hidden)                          # (N, T, V)
        return scores

    def sample(self, features: Any, max_length: int = 30) -> NDArray:
        """Greedy captions: start from ``<START>``, append the highest-scoring next word.

        Runs in evaluation mode (no dropout); the model's mode is restored afterwards.

        Args:
            features: (N, input_dim) image features.
            max_length: number of words to generate per caption (<= the model's
                ``max_length``).

        Returns:
            An (N, max_length) int64 array of word ids (without ``<START>``). A caption that
            produced ``<END>`` is padded with ``<NULL>`` after it.
        """
        start = self._check_can_sample()
        if max_length > self.max_length:
            raise ValueError(f"CaptioningTransformer.sample: max_length={max_length} is more "
                             f"than the model's max_length={self.max_length}")
        feats = self._features(features)
        n = feats.shape[0]
        captions = np.full((n, max_length), self._null, dtype=np.int64)
        prefix = np.full((n, 1), start, dtype=np.int64)
        done = np.zeros(n, dtype=bool)
        was_training = self.training
        self.eval()
        try:
            with no_grad():  # generation: no graph
                for t in range(max_length):
                    scores = self.forward(feats, prefix).numpy()
                    words = scores[:, -1, :].argmax(axis=1)
                    captions[:, t] = np.where(done, self._null, words)
                    if self._end is not None:
                        done |= words == self._end
                    if done.all():
                        break
                    prefix = np.concatenate([prefix, words[:, None]], axis=1)
        finally:
            self.train(was_training)
        return captions

    def extra_repr(self) -> str:
        return (f"vocab_size={self.vocab_size}, wordvec_dim={self.wordvec_dim}, "
                f"num_heads={self.num_heads}, num_layers={self.num_layers}, "
                f"max_length={self.max_length}")

