"""Embeddings and recurrent layers: functions and PyTorch's modules.

Functions:

- ``embedding(input, weight, padding_idx=None, ...)``: ``F.embedding``;
- ``rnn_tanh_cell``, ``rnn_relu_cell``, ``lstm_cell``, ``gru_cell``: one time step, with the
  signatures of ``torch.rnn_tanh_cell`` etc.;
- ``rnn_tanh``, ``rnn_relu``, ``lstm``, ``gru``: one layer in one direction over a time-major
  sequence (T, N, D), returning ``(output, h_n)`` (``(output, (h_n, c_n))`` for the LSTM).

Modules: ``Embedding``, ``RNN``, ``LSTM``, ``GRU`` (layers stacked, optionally bidirectional,
with dropout between layers), ``RNNCell``, ``LSTMCell``, ``GRUCell``. Names, shapes, defaults
and return values are PyTorch's.

The functions check shapes and dtypes (errors name the function or module, the shape seen
and the shape expected) and call the ops of ``tinygrad_edu/ops/rnn.py``, where the forward and
backward of every step and sequence are written out.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..autograd import OPS, no_grad
from ..autograd import apply_op as _apply_op
from ..functions import cat, stack
from ..ops import rnn as _rnn_ops  # noqa: F401 - importing registers the ops
from ..tensor import Tensor
from . import init
from .dropout import dropout as _dropout
from .module import Module, Parameter

__all__ = [
    "GRU", "LSTM", "RNN", "Embedding", "GRUCell", "LSTMCell", "RNNBase", "RNNCell",
    "RNNCellBase", "embedding", "gru", "gru_cell", "lstm", "lstm_cell", "rnn_relu",
    "rnn_relu_cell", "rnn_tanh", "rnn_tanh_cell",
]

_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
_MODE_OPS = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "LSTM": "lstm", "GRU": "gru"}


# ----------------------------------------------------------------------------- embedding

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
    return _embedding("embedding", input, weight, padding_idx, max_norm, norm_type,
                      scale_grad_by_freq, sparse)


def _embedding(name: str, input: Any, weight: Tensor, padding_idx: int | None,  # noqa: A002
               max_norm: float | None, norm_type: float, scale_grad_by_freq: bool,
               sparse: bool) -> Tensor:
    ids = input if isinstance(input, Tensor) else creation.tensor(np.asarray(input))
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
    pad = _padding_index(name, padding_idx, rows)
    if max_norm is not None:
        _renorm_rows(weight, ids, max_norm, norm_type)
    return _apply_op(OPS["embedding"], ids, weight, padding_idx=-1 if pad is None else pad,
                     scale_grad_by_freq=bool(scale_grad_by_freq))


def _check_ids(name: str, ids: Tensor, rows: int) -> None:
    data = ids._data
    bad = (data < 0) | (data >= rows)
    if data.size and bad.any():
        raise IndexError(f"{name}: token id {data[bad].flat[0]} is out of range for a table "
                         f"of {rows} rows (num_embeddings={rows}): ids must be in "
                         f"[0, {rows - 1}]; input of shape {ids.shape}")


def _padding_index(name: str, padding_idx: int | None, rows: int) -> int | None:
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{name}: padding_idx must be within num_embeddings ({rows}), got "
                         f"{padding_idx}")
    return padding_idx % rows


def _renorm_rows(weight: Tensor, ids: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: rows looked up with a norm above max_norm shrink to it."""
    with no_grad():
        rows = np.unique(ids._data)
        norms = np.linalg.norm(weight._data[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        scale = (max_norm / (norms[big] + 1e-7)).astype(weight.dtype)
        weight._data[rows[big]] *= scale[:, None]
        weight._version[0] += 1


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
        >>> emb = tg.nn.rnn.Embedding(10, 3, padding_idx=0)
        >>> emb
        Embedding(10, 3, padding_idx=0)
        >>> emb(tg.tensor([[1, 2, 0]])).shape
        (1, 3, 3)
        >>> emb(tg.tensor([0]))
        tensor([[0., 0., 0.]], grad_fn=<embedding>)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dtypes.check_device(device, "Embedding")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index("Embedding", padding_idx, num_embeddings)
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
            with no_grad():
                self.weight._data[self.padding_idx] = 0

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
        return _embedding("Embedding", input, self.weight, self.padding_idx, self.max_norm,
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


# ----------------------------------------------------------------------------- checks

def _check_weights(name: str, op: str, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                   b_hh: Tensor | None) -> int:
    """The hidden size H implied by w_hh (G, H), G = gates * H, after checking all shapes."""
    gates = _GATES[op.removesuffix("_cell")]
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise RuntimeError(f"{name}: expected w_hh of shape ({gates} * H, H), got "
                           f"{w_hh.shape}")
    g = w_hh.shape[0]
    if w_ih.ndim != 2 or w_ih.shape[0] != g:
        raise RuntimeError(f"{name}: expected w_ih of shape ({g}, input_size) to match w_hh "
                           f"{w_hh.shape}, got {w_ih.shape}")
    for what, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and b.shape != (g,):
            raise RuntimeError(f"{name}: expected {what} of shape ({g},), got {b.shape}")
    return w_hh.shape[1]


def _check_dtypes(name: str, x: Tensor, *others: Tensor | None) -> None:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got dtype {x.dtype}")
    for t in others:
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(f"{name}: input ({x.dtype}) and weights or hidden states "
                               f"({t.dtype}) must have the same dtype; convert the module "
                               "with .to(dtype) or the input with .type(dtype)")


def _check_state(name: str, what: str, state: Any, expected: tuple[int, ...],
                 meaning: str) -> Tensor:
    if not isinstance(state, Tensor):
        raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(state).__name__}")
    if state.shape != expected:
        raise RuntimeError(f"{name}: expected hidden state {what} of shape {expected} "
                           f"{meaning}, got {state.shape}")
    return state


def _bias(b: Tensor | None, like: Tensor) -> Tensor:
    return b if b is not None else like._wrap(np.empty(0, dtype=like.dtype))


def _zeros(like: Tensor, shape: tuple[int, ...]) -> Tensor:
    return like._wrap(np.zeros(shape, dtype=like.dtype))


# ----------------------------------------------------------------------------- cells

def _cell(op: str, name: str, input: Tensor, states: tuple[Any, ...],  # noqa: A002
          w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
          ) -> list[Tensor]:
    """Check, add the batch dim of unbatched input, run one step; the new state(s)."""
    hidden = _check_weights(name, op, w_ih, w_hh, b_ih, b_hh)
    features = w_ih.shape[1]
    if input.ndim not in (1, 2) or input.shape[-1] != features:
        raise RuntimeError(f"{name}: expected input of shape (N, {features}) or "
                           f"({features},) (input_size={features}), got {input.shape}")
    batched = input.ndim == 2
    x = input if batched else input.unsqueeze(0)
    expected = (x.shape[0], hidden) if batched else (hidden,)
    full = []
    for what, state in zip(("hx", "cx"), states, strict=False):
        if state is None:
            full.append(_zeros(x, (x.shape[0], hidden)))
            continue
        state = _check_state(name, what, state, expected,
                             "(batch, hidden_size)" if batched else "(hidden_size,)")
        full.append(state if batched else state.unsqueeze(0))
    _check_dtypes(name, x, *full, w_ih, w_hh, b_ih, b_hh)
    out = _apply_op(OPS[op], x, *full, w_ih, w_hh, _bias(b_ih, x), _bias(b_hh, x))
    outs = [out[0], out[1]] if op == "lstm_cell" else [out]
    return outs if batched else [o.squeeze(0) for o in outs]


def rnn_tanh_cell(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One tanh RNN step: tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh).

    input (N, D) or (D,), hx like the output (N, H) or (H,) (None: zeros), w_ih (H, D),
    w_hh (H, H), biases (H,) or None.
    """
    return _cell("rnn_tanh_cell", "rnn_tanh_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One relu RNN step: relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh); see rnn_tanh_cell."""
    return _cell("rnn_relu_cell", "rnn_relu_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor] | None, w_ih: Tensor,  # noqa: A002
              w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
              ) -> tuple[Tensor, Tensor]:
    """One LSTM step; returns the new ``(h, c)``.

    input (N, D) or (D,), hx = (h, c) each (N, H) or (H,) (None: zeros), w_ih (4H, D),
    w_hh (4H, H), biases (4H,) or None; gates in PyTorch's order i, f, g, o.
    """
    states = (None, None) if hx is None else _pair(hx, "lstm_cell", "hx")
    h, c = _cell("lstm_cell", "lstm_cell", input, states, w_ih, w_hh, b_ih, b_hh)
    return h, c


def gru_cell(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (PyTorch's formulation, gates r, z, n).

    input (N, D) or (D,), hx (N, H) or (H,) (None: zeros), w_ih (3H, D), w_hh (3H, H),
    biases (3H,) or None.
    """
    return _cell("gru_cell", "gru_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def _pair(hx: Any, name: str, what: str) -> tuple[Any, Any]:
    if not isinstance(hx, tuple | list) or len(hx) != 2:
        raise TypeError(f"{name}: expected {what} to be a tuple (h, c) of two Tensors, got "
                        f"{type(hx).__name__}")
    return hx[0], hx[1]


# ----------------------------------------------------------------------------- one layer

def _layer(op: str, name: str, x: Tensor, states: list[Tensor], w_ih: Tensor, w_hh: Tensor,
           b_ih: Tensor | None, b_hh: Tensor | None, reverse: bool
           ) -> tuple[Tensor, list[Tensor]]:
    """One layer, one direction: the output sequence and the final state(s)."""
    length = x.shape[0]
    y = _apply_op(OPS[op], x, *states, w_ih, w_hh, _bias(b_ih, x), _bias(b_hh, x),
                  reverse=reverse)
    last = 0 if reverse else length - 1
    if op == "lstm":  # y holds the states h, then the final cell state (see ops/rnn.py)
        return y[:length], [y[last], y[length]]
    return y, [y[last]]


def _sequence(op: str, input: Tensor, states: tuple[Any, ...], w_ih: Tensor,  # noqa: A002
              w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None, reverse: bool
              ) -> tuple[Tensor, list[Tensor]]:
    hidden = _check_weights(op, op, w_ih, w_hh, b_ih, b_hh)
    if input.ndim != 3 or input.shape[0] < 1 or input.shape[2] != w_ih.shape[1]:
        raise RuntimeError(f"{op}: expected a time-major input of shape (T, N, "
                           f"{w_ih.shape[1]}) with T >= 1, got {input.shape}")
    expected = (input.shape[1], hidden)
    full = [_zeros(input, expected) if s is None else
            _check_state(op, what, s, expected, "(batch, hidden_size)")
            for what, s in zip(("hx", "cx"), states, strict=False)]
    _check_dtypes(op, input, *full, w_ih, w_hh, b_ih, b_hh)
    return _layer(op, op, input, full, w_ih, w_hh, b_ih, b_hh, reverse)


def rnn_tanh(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
             b_ih: Tensor | None = None, b_hh: Tensor | None = None, reverse: bool = False
             ) -> tuple[Tensor, Tensor]:
    """One tanh RNN layer over a time-major sequence.

    Args:
        input: (T, N, D).
        hx: initial state (N, H), or None for zeros.
        w_ih: input weights (H, D).
        w_hh: recurrent weights (H, H).
        b_ih: input bias (H,) or None.
        b_hh: recurrent bias (H,) or None.
        reverse: run from the last step to the first (output[t] still belongs to input[t]).

    Returns:
        ``(output, h_n)``: every step's state (T, N, H) and the final one (N, H).
    """
    out, (h_n,) = _sequence("rnn_tanh", input, (hx,), w_ih, w_hh, b_ih, b_hh, reverse)
    return out, h_n


def rnn_relu(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
             b_ih: Tensor | None = None, b_hh: Tensor | None = None, reverse: bool = False
             ) -> tuple[Tensor, Tensor]:
    """One relu RNN layer over a time-major sequence; see ``rnn_tanh``."""
    out, (h_n,) = _sequence("rnn_relu", input, (hx,), w_ih, w_hh, b_ih, b_hh, reverse)
    return out, h_n


def lstm(input: Tensor, hx: tuple[Tensor, Tensor] | None, w_ih: Tensor,  # noqa: A002
         w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None,
         reverse: bool = False) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """One LSTM layer over a time-major sequence.

    Args:
        input: (T, N, D).
        hx: initial ``(h_0, c_0)``, each (N, H), or None for zeros.
        w_ih: input weights (4H, D), blocks [i | f | g | o].
        w_hh: recurrent weights (4H, H).
        b_ih: input bias (4H,) or None.
        b_hh: recurrent bias (4H,) or None.
        reverse: run from the last step to the first.

    Returns:
        ``(output, (h_n, c_n))``: every step's h (T, N, H) and the final h and c (N, H).
    """
    states = (None, None) if hx is None else _pair(hx, "lstm", "hx")
    out, (h_n, c_n) = _sequence("lstm", input, states, w_ih, w_hh, b_ih, b_hh, reverse)
    return out, (h_n, c_n)


def gru(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
        b_ih: Tensor | None = None, b_hh: Tensor | None = None, reverse: bool = False
        ) -> tuple[Tensor, Tensor]:
    """One GRU layer over a time-major sequence; weights (3H, D), (3H, H); see ``rnn_tanh``."""
    out, (h_n,) = _sequence("gru", input, (hx,), w_ih, w_hh, b_ih, b_hh, reverse)
    return out, h_n


# ----------------------------------------------------------------------------- modules

class RNNBase(Module):
    """Shared code of RNN, LSTM and GRU: parameters per layer and direction, the layer loop.

    ``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'. See ``RNN`` for the arguments.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        dtypes.check_device(device, name)
        if mode not in _MODE_OPS:
            raise ValueError(f"{name}: unrecognized RNN mode {mode!r}; expected one of "
                             f"{sorted(_MODE_OPS)}")
        _check_sizes(name, input_size, hidden_size, num_layers, dropout, proj_size)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        gates = _GATES[_MODE_OPS[mode]] * hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for suffix in self._suffixes():
                inputs = input_size if layer == 0 else hidden_size * self._directions()
                shapes: dict[str, tuple[int, ...]] = {"weight_ih": (gates, inputs),
                                                      "weight_hh": (gates, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                for kind, shape in shapes.items():
                    key = f"{kind}_l{layer}{suffix}"
                    setattr(self, key, Parameter(creation.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(key)
        self.reset_parameters()

    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Do nothing: PyTorch packs the weights for cuDNN here; kept so that such code runs."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Per layer and direction: [weight_ih, weight_hh, bias_ih, bias_hh].

        The biases are left out when ``bias=False``.
        """
        per = 4 if self.bias else 2
        flat = [getattr(self, key) for key in self._flat_weights_names]
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def _weights(self, layer: int, suffix: str) -> tuple[Tensor, Tensor, Any, Any]:
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        if not self.bias:
            return w_ih, w_hh, None, None
        return (w_ih, w_hh, getattr(self, f"bias_ih_l{layer}{suffix}"),
                getattr(self, f"bias_hh_l{layer}{suffix}"))

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:  # noqa: A002
        name = type(self).__name__
        x, batched = self._time_major(input, name)
        states = self._initial_states(hx, x, batched, name)
        output, finals = self._layers(x, states, name)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output, finals = output.squeeze(1), [f.squeeze(1) for f in finals]
        return (output, (finals[0], finals[1])) if self.mode == "LSTM" else (output, finals[0])

    def _time_major(self, input: Tensor, name: str) -> tuple[Tensor, bool]:  # noqa: A002
        """(T, N, D) from batched (T, N, D) / (N, T, D) or unbatched (T, D) input."""
        layout = "(N, T, D)" if self.batch_first else "(T, N, D)"
        if not isinstance(input, Tensor) or input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input of shape {layout} (batched) or (T, D) "
                             f"(unbatched), got {getattr(input, 'shape', type(input).__name__)}")
        if input.shape[-1] != self.input_size or input.numel() == 0:
            raise RuntimeError(f"{name}: expected input of shape {layout} or (T, D) with "
                               f"D = input_size = {self.input_size} and T, N >= 1, got "
                               f"{input.shape}")
        batched = input.ndim == 3
        if not batched:
            return input.unsqueeze(1), False
        return (input.transpose(0, 1) if self.batch_first else input), True

    def _initial_states(self, hx: Any, x: Tensor, batched: bool, name: str
                        ) -> list[Tensor | None]:
        """h_0 (and c_0) as (layers * directions, N, H) Tensors, or None for zeros."""
        if hx is None:
            return [None, None] if self.mode == "LSTM" else [None]
        given = _pair(hx, name, "hx = (h_0, c_0)") if self.mode == "LSTM" else (hx,)
        layers, n, h = self.num_layers * self._directions(), x.shape[1], self.hidden_size
        expected = (layers, n, h) if batched else (layers, h)
        meaning = ("(num_layers * num_directions, batch, hidden_size)" if batched else
                   "(num_layers * num_directions, hidden_size)")
        states: list[Tensor | None] = []
        for what, state in zip(("h_0", "c_0"), given, strict=False):
            state = _check_state(name, what, state, expected, meaning)
            states.append(state if batched else state.unsqueeze(1))
        return states

    def _layers(self, x: Tensor, states: list[Tensor | None], name: str
                ) -> tuple[Tensor, list[Tensor]]:
        """Run the stack: each layer's output (both directions side by side) feeds the next."""
        op, n = _MODE_OPS[self.mode], x.shape[1]
        finals: list[list[Tensor]] = [[] for _ in states]
        zeros = _zeros(x, (n, self.hidden_size))
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._suffixes()):
                k = layer * self._directions() + d
                weights = self._weights(layer, suffix)
                start = [zeros if s is None else s[k] for s in states]
                _check_dtypes(name, x, *start, *weights)
                out, last = _layer(op, name, x, start, *weights, reverse=d == 1)
                outputs.append(out)
                for i, state in enumerate(last):
                    finals[i].append(state)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        return x, [stack(f) for f in finals]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _check_sizes(name: str, input_size: int, hidden_size: int, num_layers: int,
                 dropout: Any, proj_size: int) -> None:
    for what, value in (("input_size", input_size), ("hidden_size", hidden_size),
                        ("num_layers", num_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name}: {what} must be a positive int, got {value!r}")
    if isinstance(dropout, bool) or not isinstance(dropout, int | float) or \
            not 0 <= dropout <= 1:
        raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                         f"the probability of an element being zeroed, got {dropout!r}")
    if dropout > 0 and num_layers == 1:
        warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                      "layer, so non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=4)
    if proj_size != 0:
        raise ValueError(f"{name}: proj_size={proj_size} is not supported (LSTM projections); "
                         "use proj_size=0")


class RNN(RNNBase):
    """A multi-layer Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    Args:
        input_size: features of each input step x_t.
        hidden_size: features of the state h_t.
        num_layers: stacked layers; layer k > 0 reads the output of layer k - 1.
        nonlinearity: 'tanh' (default) or 'relu'.
        bias: learn b_ih and b_hh (default True).
        batch_first: input and output are (N, T, *) instead of (T, N, *).
        dropout: dropout probability on each layer's output except the last's (training only).
        bidirectional: a second layer reads the sequence backwards; outputs are concatenated.

    Shape:
        input (T, N, input_size), (N, T, input_size) with batch_first, or (T, input_size);
        h_0 (num_layers * num_directions, N, hidden_size), or without N for unbatched input,
        zeros when omitted. Returns ``(output, h_n)``: output (T, N, num_directions *
        hidden_size) (batch first when ``batch_first``), the last layer's state at every
        step; h_n like h_0, every layer's final state.

    Attributes:
        weight_ih_l{k}, weight_hh_l{k}: (hidden_size, input_size or num_directions *
            hidden_size) and (hidden_size, hidden_size); bias_ih_l{k}, bias_hh_l{k}:
            (hidden_size,). The reverse direction's end in ``_reverse``. All from
            U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> rnn = tg.nn.rnn.RNN(10, 20, num_layers=2, batch_first=True)
        >>> output, h_n = rnn(tg.randn(3, 5, 10))
        >>> output.shape, h_n.shape
        ((3, 5, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' "
                             "or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A multi-layer long short-term memory RNN (gates in PyTorch's order i, f, g, o).

    i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    (split in four), c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as in
            ``RNN``.
        proj_size: must be 0 (projections are not supported).

    Shape:
        input as in ``RNN``; hx = (h_0, c_0), each (num_layers * num_directions, N,
        hidden_size), zeros when omitted. Returns ``(output, (h_n, c_n))``.

    Attributes:
        weight_ih_l{k}: (4 * hidden_size, layer input size), weight_hh_l{k}: (4 * hidden_size,
            hidden_size), bias_ih_l{k}, bias_hh_l{k}: (4 * hidden_size,), blocks [i | f | g | o];
            ``_reverse`` for the reverse direction. U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> lstm = tg.nn.rnn.LSTM(10, 20, bidirectional=True)
        >>> output, (h_n, c_n) = lstm(tg.randn(5, 3, 10))
        >>> output.shape, h_n.shape, c_n.shape
        ((5, 3, 40), (2, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit RNN (PyTorch's formulation, gates r, z, n).

    r, z = sigmoid(x_t W_i{r,z}^T + b_i{r,z} + h_{t-1} W_h{r,z}^T + b_h{r,z}),
    n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn)), h_t = (1 - z) * n + z * h_{t-1}.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as in
            ``RNN``.

    Shape:
        as in ``RNN``; returns ``(output, h_n)``.

    Attributes:
        weight_ih_l{k}: (3 * hidden_size, layer input size), weight_hh_l{k}: (3 * hidden_size,
            hidden_size), biases (3 * hidden_size,), blocks [r | z | n].
            U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> gru = tg.nn.rnn.GRU(4, 8)
        >>> output, h_n = gru(tg.randn(6, 4))  # unbatched: (T, input_size)
        >>> output.shape, h_n.shape
        ((6, 8), (1, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class RNNCellBase(Module):
    """Shared code of the cells: the parameters and the argument checks.

    weight_ih (G, input_size), weight_hh (G, hidden_size) and the biases (G,), with
    G = gates * hidden_size, all from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    _op = "rnn_tanh_cell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        dtypes.check_device(device, name)
        _check_sizes(name, input_size, hidden_size, 1, 0.0, 0)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(gates, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(gates, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(gates, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(gates, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _step(self, input: Tensor, states: tuple[Any, ...]) -> list[Tensor]:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected input to be a Tensor, got "
                            f"{type(input).__name__}")
        return _cell(self._op, type(self).__name__, input, states, self.weight_ih,
                     self.weight_hh, self.bias_ih, self.bias_hh)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Args:
        input_size, hidden_size: features of x and h.
        bias: learn b_ih and b_hh (default True).
        nonlinearity: 'tanh' (default) or 'relu'.

    Shape:
        input (N, input_size) or (input_size,), hx (N, hidden_size) or (hidden_size,) (zeros
        when omitted) -> h' like hx.

    Attributes:
        weight_ih (hidden_size, input_size), weight_hh (hidden_size, hidden_size),
        bias_ih, bias_hh (hidden_size,): U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> cell = tg.nn.rnn.RNNCell(10, 20)
        >>> h = None
        >>> for x in tg.randn(6, 3, 10):  # six steps, batch of 3
        ...     h = cell(x, h)
        >>> h.shape
        (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from "
                             "'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity
        self._op = f"rnn_{nonlinearity}_cell"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, (hx,))[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: returns the new ``(h, c)`` (gates i, f, g, o as in ``LSTM``).

    Shape:
        input (N, input_size) or (input_size,), hx = (h, c), each (N, hidden_size) or
        (hidden_size,), zeros when omitted -> (h', c'), each like h.

    Attributes:
        weight_ih (4 * hidden_size, input_size), weight_hh (4 * hidden_size, hidden_size),
        bias_ih, bias_hh (4 * hidden_size,): U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> cell = tg.nn.rnn.LSTMCell(4, 8)
        >>> h, c = cell(tg.randn(2, 4))
        >>> h.shape, c.shape
        ((2, 8), (2, 8))
    """

    _op = "lstm_cell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None  # noqa: A002
                ) -> tuple[Tensor, Tensor]:
        states = (None, None) if hx is None else _pair(hx, "LSTMCell", "hx = (h, c)")
        h, c = self._step(input, states)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n as in ``GRU``).

    Shape:
        input (N, input_size) or (input_size,), hx (N, hidden_size) or (hidden_size,) (zeros
        when omitted) -> h' like hx.

    Attributes:
        weight_ih (3 * hidden_size, input_size), weight_hh (3 * hidden_size, hidden_size),
        bias_ih, bias_hh (3 * hidden_size,): U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.rnn.GRUCell(4, 8)(tg.randn(4)).shape
        (8,)
    """

    _op = "gru_cell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, (hx,))[0]
