"""Image captioning with a recurrent network (the course's ``CaptioningRNN``) as an nn.Module.

An image's feature vector becomes the initial hidden state (an affine projection); the
caption's words are embedded and fed to an RNN or LSTM one per step, and at every step an
affine layer scores the next word:

    h0     = visual_projection(features)            (N, D) -> (N, H)
    x      = word_embedding(captions[:, :-1])       (N, T) -> (N, T, W)
    h, _   = rnn(x, h0)                             (N, T, H)
    scores = output_projection(h)                   (N, T, V)
    loss   = temporal_softmax_loss(scores, captions[:, 1:], captions[:, 1:] != <NULL>)

Training teaches each step to predict the word that follows (teacher forcing); ``sample``
generates captions greedily, feeding each predicted word back in, starting from ``<START>``.

``CaptioningModel`` holds what every captioning model here shares (the vocabulary, the input
checks, the loss, ``decode``); ``models/transformer_captioning.py`` builds the Transformer
captioner on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import no_grad
from ..nn import LSTM, RNN, Embedding
from ..nn.functional import temporal_softmax_loss
from ..nn.layers import Linear
from ..nn.module import Module
from ..nn.temporal import TemporalAffine
from ..tensor import Tensor, creation

__all__ = ["CaptioningModel", "CaptioningRNN"]

NDArray = np.ndarray


class CaptioningModel(Module):
    """What the captioning models share: the vocabulary, input checks, loss and ``decode``.

    A subclass builds ``visual_projection`` (a ``Linear`` whose input is the image feature
    vector) and writes ``forward(features, captions_in) -> scores (N, T, V)`` and ``sample``.

    Args:
        word_to_idx: the vocabulary, word -> id, with ids 0..V-1; it must hold ``'<NULL>'``.
        input_dim: size D of an image's feature vector.
    """

    def __init__(self, word_to_idx: dict[str, int], input_dim: int) -> None:
        super().__init__()
        name = type(self).__name__
        ids = sorted(word_to_idx.values())
        if ids != list(range(len(ids))):
            raise ValueError(f"{name}: word_to_idx must map its words to the ids "
                             f"0..{len(ids) - 1}, each once")
        if "<NULL>" not in word_to_idx:
            raise ValueError(f"{name}: word_to_idx must contain the padding word '<NULL>'")
        self.input_dim = input_dim
        self.word_to_idx = dict(word_to_idx)
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>")
        self._end = word_to_idx.get("<END>")

    @property
    def vocab_size(self) -> int:
        """V, the number of words."""
        return len(self.word_to_idx)

    def loss(self, features: Any, captions: Any) -> Tensor:
        """Temporal softmax loss of predicting captions[:, 1:] from captions[:, :-1].

        Steps whose target is ``<NULL>`` do not count; the loss is summed over time and
        averaged over the N captions.

        Args:
            features: (N, input_dim) image features (Tensor or array).
            captions: (N, T + 1) integer word ids, T >= 1 (Tensor or array).

        Returns:
            A scalar Tensor; call ``.backward()`` on it to get the gradients.
        """
        feats = self._features(features)
        ids = self._captions(captions, feats.shape[0], 2)
        targets = ids[:, 1:]
        scores = self.forward(feats, ids[:, :-1])
        return temporal_softmax_loss(scores, targets, targets != self._null)

    def decode(self, captions: Any) -> list[str]:
        """Word ids (N, T) to strings, skipping ``<NULL>`` and stopping after ``<END>``."""
        ids = np.asarray(captions.numpy(force=True) if isinstance(captions, Tensor) else captions)
        ids = ids.reshape(1, -1) if ids.ndim == 1 else ids
        texts = []
        for row in ids:
            words = []
            for i in row:
                word = self.idx_to_word.get(int(i), "<UNK>")
                if word != "<NULL>":
                    words.append(word)
                if word == "<END>":
                    break
            texts.append(" ".join(words))
        return texts

    def _check_can_sample(self) -> int:
        """The ``<START>`` id, or a ValueError if the vocabulary has none."""
        if self._start is None:
            raise ValueError(f"{type(self).__name__}.sample: the vocabulary has no '<START>' "
                             "word to start captions from")
        return self._start

    def _features(self, features: Any) -> Tensor:
        name = type(self).__name__
        feats = features if isinstance(features, Tensor) else creation.tensor(
            np.asarray(features))
        if feats.ndim != 2 or feats.shape[1] != self.input_dim:
            raise ValueError(f"{name}: expected features of shape (N, {self.input_dim}) "
                             f"(N images, input_dim={self.input_dim}), got {feats.shape}")
        if feats.dtype.kind != "f":
            raise TypeError(f"{name}: expected floating point features, got {feats.dtype}")
        dtype = self.visual_projection.weight.dtype
        return feats if feats.dtype == dtype else feats.type(dtype)

    @staticmethod
    def _ids_tensor(captions: Any, ids: NDArray) -> Tensor:
        """The checked word ids as a Tensor: the caller's own when it is an int64 Tensor (so
        that a traced graph, e.g. for ONNX export, reads its input), else a new one."""
        if isinstance(captions, Tensor) and captions.dtype == np.int64:
            return captions
        return creation.tensor(ids)

    def _captions(self, captions: Any, n: int, min_length: int) -> NDArray:
        name = type(self).__name__
        ids = np.asarray(captions.numpy(force=True) if isinstance(captions, Tensor) else captions)
        if ids.ndim != 2 or ids.shape[0] != n or ids.shape[1] < min_length or \
                ids.dtype.kind not in "iu":
            raise ValueError(f"{name}: expected integer captions of shape ({n}, L) with "
                             f"L >= {min_length} for {n} feature vectors, got {ids.dtype} of "
                             f"shape {ids.shape}")
        bad = (ids < 0) | (ids >= self.vocab_size)
        if bad.any():
            raise IndexError(f"{name}: caption word id {ids[bad].flat[0]} is out of "
                             f"range: ids must be in [0, {self.vocab_size - 1}] (vocabulary "
                             f"of {self.vocab_size} words); captions of shape {ids.shape}")
        return ids.astype(np.int64, copy=False)


class CaptioningRNN(CaptioningModel):
    """Generate captions from image features with an RNN or LSTM.

    Args:
        word_to_idx: the vocabulary, word -> id, with ids 0..V-1. It must hold ``'<NULL>'``
            (padding, ignored by the loss); ``sample`` also needs ``'<START>'`` and stops a
            caption at ``'<END>'`` if there is one.
        input_dim: size D of an image's feature vector.
        wordvec_dim: size W of the word vectors.
        hidden_dim: size H of the recurrent state.
        cell_type: ``'rnn'`` (tanh) or ``'lstm'``.
        dtype: dtype of the parameters (float32 by default, float64 for gradient checks).

    Shape:
        features (N, input_dim), captions (N, T + 1) integer ids; ``forward(features,
        captions_in)`` with captions_in (N, T) gives scores (N, T, V); ``loss`` a scalar;
        ``sample`` an (N, max_length) numpy array of ids.

    Attributes:
        visual_projection: ``Linear(input_dim, hidden_dim)``, the course's W_proj, b_proj.
        word_embedding: ``Embedding(V, wordvec_dim)``, the course's W_embed.
        rnn: ``RNN`` or ``LSTM(wordvec_dim, hidden_dim, batch_first=True)``: Wx, Wh, b.
        output_projection: ``TemporalAffine(hidden_dim, V)``, the course's W_vocab, b_vocab.
        Each is initialised as its module is by default.

    Example:
        >>> import numpy as np
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.models.captioning import CaptioningRNN
        >>> vocab = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3, "dog": 4}
        >>> model = CaptioningRNN(vocab, input_dim=6, wordvec_dim=4, hidden_dim=8)
        >>> features = tg.randn(2, 6)
        >>> captions = np.array([[1, 3, 2, 0], [1, 4, 4, 2]])
        >>> model.loss(features, captions).shape
        torch.Size([])
        >>> model.sample(features, max_length=5).shape
        (2, 5)
    """

    def __init__(self, word_to_idx: dict[str, int], input_dim: int = 512,
                 wordvec_dim: int = 128, hidden_dim: int = 128, cell_type: str = "rnn",
                 dtype: Any = dtypes.float32) -> None:
        if cell_type not in ("rnn", "lstm"):
            raise ValueError(f"CaptioningRNN: invalid cell_type {cell_type!r}; expected 'rnn' "
                             "or 'lstm'")
        super().__init__(word_to_idx, input_dim)
        self.cell_type = cell_type
        self.wordvec_dim, self.hidden_dim = wordvec_dim, hidden_dim
        vocab_size = len(word_to_idx)
        self.visual_projection = Linear(input_dim, hidden_dim, dtype=dtype)
        self.word_embedding = Embedding(vocab_size, wordvec_dim, dtype=dtype)
        cell = RNN if cell_type == "rnn" else LSTM
        self.rnn = cell(wordvec_dim, hidden_dim, batch_first=True, dtype=dtype)
        self.output_projection = TemporalAffine(hidden_dim, vocab_size, dtype=dtype)

    def forward(self, features: Any, captions: Any) -> Tensor:
        """Scores (N, T, V) for the next word after each of the T input words (N, T)."""
        feats = self._features(features)
        ids = self._captions(captions, feats.shape[0], 1)
        words = self.word_embedding(self._ids_tensor(captions, ids))
        hidden, _ = self.rnn(words, self._initial_state(feats))
        scores: Tensor = self.output_projection(hidden)
        return scores

    def sample(self, features: Any, max_length: int = 30) -> NDArray:
        """Greedy captions: start from ``<START>``, feed back the highest-scoring word.

        Args:
            features: (N, input_dim) image features.
            max_length: number of words to generate per caption.

        Returns:
            An (N, max_length) int64 array of word ids (without ``<START>``). A caption that
            produced ``<END>`` is padded with ``<NULL>`` after it.
        """
        start = self._check_can_sample()
        feats = self._features(features)
        n = feats.shape[0]
        captions = np.full((n, max_length), self._null, dtype=np.int64)
        words = np.full((n, 1), start, dtype=np.int64)
        done = np.zeros(n, dtype=bool)
        with no_grad():  # generation: no graph
            state = self._initial_state(feats)
            for t in range(max_length):
                hidden, state = self.rnn(self.word_embedding(creation.tensor(words)), state)
                words = self.output_projection(hidden).numpy().argmax(axis=2)
                captions[:, t] = np.where(done, self._null, words[:, 0])
                if self._end is not None:
                    done |= words[:, 0] == self._end
                if done.all():
                    break
        return captions

    def _initial_state(self, features: Tensor) -> Any:
        h0 = self.visual_projection(features).unsqueeze(0)  # (1, N, H): one layer
        if self.cell_type == "lstm":
            return h0, creation.zeros(*h0.shape, dtype=h0.dtype)
        return h0

    def extra_repr(self) -> str:
        return f"cell_type={self.cell_type!r}, vocab_size={self.vocab_size}"
