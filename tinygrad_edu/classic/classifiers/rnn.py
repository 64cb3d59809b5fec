"""The course's image-captioning RNN with a params dict, gradients from the autograd engine.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.classifiers import CaptioningRNN
    >>> vocab = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3}
    >>> np.random.seed(0)
    >>> model = CaptioningRNN(vocab, input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type="lstm")
    >>> model.params["Wx"].shape
    (4, 20)
    >>> loss, grads = model.loss(np.random.randn(2, 6), np.array([[1, 3, 2], [1, 3, 0]]))
    >>> model.sample(np.random.randn(2, 6), max_length=4).shape
    (2, 4)
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...autograd import apply_op
from ...nn.functional import temporal_softmax_loss
from ...tensor import Tensor
from ...tensor.creation import tensor
from ...tensor.functions import cat
from .. import rnn_layers
from . import _engine

Array = NDArray[Any]

__all__ = ["CaptioningRNN"]


class CaptioningRNN:
    """Captions from image features: projection -> h0, embedded words -> RNN/LSTM -> scores.

    Args:
        word_to_idx: the vocabulary, word -> id. Must hold '<NULL>' (padding, not counted by
            the loss); ``sample`` needs '<START>' and stops at '<END>' if present. As in the
            course, V = len(word_to_idx) sets the sizes of 'W_embed' (V, W) and 'W_vocab'
            (H, V), whatever the ids are: the course's own unit test uses
            ``{'<NULL>': 0, 'cat': 2, 'dog': 3}`` with V = 3 (ids with gaps, id 1 unnamed) and
            captions of ids in [0, 3). Captions must hold ids in [0, V).
        input_dim: D, the size of an image's feature vector.
        wordvec_dim: W, the size of a word vector.
        hidden_dim: H, the size of the hidden state.
        cell_type: 'rnn' or 'lstm' (gates stacked i, f, o, g).
        dtype: the parameters' dtype (np.float64 for gradient checks).

    Attributes:
        params: drawn in this order from numpy's global generator, as the course does:
            'W_embed' randn(V, W) / 100, 'W_proj' randn(D, H) / sqrt(D), 'b_proj' zeros,
            'Wx' randn(W, kH) / sqrt(W), 'Wh' randn(H, kH) / sqrt(H), 'b' zeros (k = 1 for
            rnn, 4 for lstm), 'W_vocab' randn(H, V) / sqrt(H), 'b_vocab' zeros.
    """

    def __init__(self, word_to_idx: dict[str, int], input_dim: int = 512,
                 wordvec_dim: int = 128, hidden_dim: int = 128, cell_type: str = "rnn",
                 dtype: Any = np.float32) -> None:
        if cell_type not in ("rnn", "lstm"):
            raise ValueError(f"CaptioningRNN: invalid cell_type {cell_type!r}; expected 'rnn' "
                             "or 'lstm'")
        if "<NULL>" not in word_to_idx:
            raise ValueError("CaptioningRNN: word_to_idx must contain the padding word '<NULL>'")
        vocab_size = len(word_to_idx)  # the course's V, even when the ids have gaps
        self.cell_type, self.dtype = cell_type, np.dtype(dtype)
        self.vocab_size = vocab_size
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>")
        self._end = word_to_idx.get("<END>")
        k = {"rnn": 1, "lstm": 4}[cell_type]
        randn = np.random.randn
        self.params: dict[str, Array] = {}
        self.params["W_embed"] = randn(vocab_size, wordvec_dim) / 100
        self.params["W_proj"] = randn(input_dim, hidden_dim) / np.sqrt(input_dim)
        self.params["b_proj"] = np.zeros(hidden_dim)
        self.params["Wx"] = randn(wordvec_dim, k * hidden_dim) / np.sqrt(wordvec_dim)
        self.params["Wh"] = randn(hidden_dim, k * hidden_dim) / np.sqrt(hidden_dim)
        self.params["b"] = np.zeros(k * hidden_dim)
        self.params["W_vocab"] = randn(hidden_dim, vocab_size) / np.sqrt(hidden_dim)
        self.params["b_vocab"] = np.zeros(vocab_size)
        for key, value in self.params.items():
            self.params[key] = value.astype(self.dtype)

    def loss(self, features: Array, captions: Array) -> tuple[float, dict[str, Array]]:
        """Temporal softmax loss of predicting captions[:, 1:] from captions[:, :-1].

        Args:
            features: (N, D) image features.
            captions: (N, T + 1) integer word ids; steps whose target is '<NULL>' don't count.

        Returns:
            ``(loss, grads)``, the loss summed over time and averaged over N.
        """
        captions = np.asarray(captions)
        if captions.ndim != 2 or captions.shape[1] < 2 or captions.dtype.kind not in "iu":
            raise ValueError(f"CaptioningRNN.loss: captions must be integer ids (N, T + 1) "
                             f"with T >= 1, got {captions.dtype} of shape {captions.shape}")
        bad = captions[(captions < 0) | (captions >= self.vocab_size)]
        if bad.size:
            raise IndexError(f"CaptioningRNN.loss: caption word id {bad[0]} is out of range: ids "
                             f"must be in [0, {self.vocab_size - 1}] (V = len(word_to_idx) = "
                             f"{self.vocab_size} rows of W_embed), got captions of shape "
                             f"{captions.shape}")
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        dtype = self._compute_dtype()
        params = _engine.leaves({k: np.asarray(v, dtype=dtype) for k, v in self.params.items()})
        feats = _engine.constant(np.asarray(features, dtype=dtype))
        h0 = feats @ params["W_proj"] + params["b_proj"]
        words = apply_op("embedding", tensor(captions_in.astype(np.int64)), params["W_embed"])
        hidden = self._recurrence(words.transpose(0, 1), h0, params).transpose(0, 1)
        n, t, h = hidden.shape
        scores = (hidden.reshape(n * t, h) @ params["W_vocab"] + params["b_vocab"])
        loss = temporal_softmax_loss(scores.reshape(n, t, -1), captions_out,
                                     captions_out != self._null)
        return float(loss.item()), _engine.gradients(loss, params)

    def _recurrence(self, x: Tensor, h0: Tensor, params: dict[str, Tensor]) -> Tensor:
        """The engine's rnn_tanh or lstm op on time-major x (T, N, W) -> h (T, N, H)."""
        wx, wh, b = params["Wx"], params["Wh"], params["b"]
        no_bias = tensor(np.zeros(b.shape, dtype=b.dtype.np_dtype))
        if self.cell_type == "rnn":
            return apply_op("rnn_tanh", x, h0, wx.T, wh.T, b, no_bias)
        hid = h0.shape[1]

        def engine_order(a: Tensor) -> Tensor:  # course gates i|f|o|g -> engine i|f|g|o
            return cat([a[..., :2 * hid], a[..., 3 * hid:], a[..., 2 * hid:3 * hid]], dim=-1)

        c0 = tensor(np.zeros(h0.shape, dtype=b.dtype.np_dtype))
        out = apply_op("lstm", x, h0, c0, engine_order(wx).T, engine_order(wh).T,
                       engine_order(b), no_bias)
        return out[:-1]  # the last entry is the final cell state

    def _compute_dtype(self) -> np.dtype[Any]:
        """The dtype the forward pass runs in: the parameters' common floating dtype.

        Normally ``self.dtype``; a notebook that replaces the parameters by float64 arrays
        (``model.params[k] = np.linspace(...)``) in a float32 model gets float64 arithmetic,
        as numpy's promotion gives the course's reference.
        """
        dtypes = [np.asarray(v).dtype for v in self.params.values()]
        if not all(d.kind == "f" for d in dtypes):
            return self.dtype
        return np.result_type(*dtypes)

    def sample(self, features: Array, max_length: int = 30) -> Array:
        """Greedy captions: start from '<START>', feed back the best-scoring word each step.

        Returns:
            An int32 array (N, max_length) of the words after '<START>'; after a caption's
            '<END>' the rest of its row is '<NULL>'.
        """
        if self._start is None:
            raise ValueError("CaptioningRNN.sample: the vocabulary has no '<START>' word")
        dtype = self._compute_dtype()
        p = {k: np.asarray(v, dtype=dtype) for k, v in self.params.items()}
        feats = np.asarray(features, dtype=dtype)
        n = feats.shape[0]
        h = feats @ p["W_proj"] + p["b_proj"]
        c = np.zeros_like(h)
        words = np.full(n, self._start, dtype=np.int64)
        captions = np.full((n, max_length), self._null, dtype=np.int32)
        done = np.zeros(n, dtype=bool)
        for t in range(max_length):
            x = p["W_embed"][words]
            if self.cell_type == "rnn":
                h, _ = rnn_layers.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
            else:
                h, c, _ = rnn_layers.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
            words = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
            captions[~done, t] = words[~done]
            if self._end is not None:
                done |= words == self._end
        return captions
