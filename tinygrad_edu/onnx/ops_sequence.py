"""Converters of the sequence ops: RNN / LSTM / GRU layers and cells, embeddings.

**Recurrent layers.** A recorded ``rnn_tanh``, ``rnn_relu``, ``lstm`` or ``gru`` is one layer
running in one direction over a time-major sequence x (T, N, D) (``ops/rnn.py``); ``nn.RNN``
and friends stack them, and their other steps (``batch_first`` transposes, the two
directions side by side, the states stacked per layer, the final states picked out) are
ordinary recorded ops that the other converters write. So each recorded layer becomes one
ONNX ``RNN`` / ``LSTM`` / ``GRU`` node with ``direction`` "forward" or "reverse". ONNX's
operators hold the same numbers as PyTorch's weights, laid out differently:

- the weights are stacked per direction: W (1, G, D), R (1, G, H), B (1, 2G) where B is the
  input bias and the recurrent bias side by side (``concat(b_ih, b_hh)``), and the
  initial states are (1, N, H);
- the gate blocks come in another order. PyTorch's LSTM rows are [i | f | g | o] (input,
  forget, cell candidate, output), ONNX's [i | o | f | c]; PyTorch's GRU rows are
  [r | z | n], ONNX's [z | r | h]. The vanilla RNN has a single block;
- PyTorch's GRU applies the reset gate after the recurrent product,
  ``n = tanh(x W_n + b_in + r * (h R_n + b_hn))``: ONNX's ``linear_before_reset=1``;
- the outputs are Y (T, 1, N, H), every step's state, and Y_h (Y_c) (1, N, H), the final
  state(s).

The parameters stay in the file as they are in the ``state_dict`` (initializers named by
their keys); a ``Gather`` of the rows in ONNX's order reorders them inside the graph, and
ONNX Runtime folds it away when it loads the model. The recorded ``lstm`` returns the states
and then the final cell state as one (T + 1, N, H) array, so its converter appends Y_c to
the states (``Concat``). Biases recorded as empty arrays (``bias=False``) leave B out:
ONNX's default is zero.

**Cells** (``rnn_tanh_cell``, ..., ``gru_cell``) are the same ONNX nodes over a sequence of
length one: x (N, D) becomes (1, N, D), and the new state is Y_h ((h', c') stacked for the
LSTM cell, as the recorded op returns them).

ONNX allows double precision for these operators, but ONNX Runtime's CPU kernels run them in
float32 only: a float64 recurrent model exports, and runs elsewhere. A ``PackedSequence``
input is run by index picking that ONNX export refuses (pad the batch instead).

**Embeddings.** ``embedding`` is a ``Gather`` of table rows (``padding_idx`` only matters for
the gradient). With ``max_norm``, ``F.embedding`` shrinks the table's rows in place before the
look-up; the graph cannot change its initializers, so it shrinks the rows it looks up instead
(the same numbers). ``embedding_bag`` is written as a matrix product: a (bags, tokens) matrix
holds, in row b, the weight each token has in bag b (1 for a sum, 1 / size for a mean, times
the per-sample weight, 0 for tokens of other bags and for padding), and multiplies the
looked-up rows (tokens, D); ``max`` takes the maximum over the masked rows instead.

The attention layers (``nn.MultiheadAttention``, the Transformer layers) record only
primitive ops (matmul, softmax, where, reshape, ...), which the other converter modules
write.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .converters import OpCall, converter, reduce, unsupported

Builder = Any  # builder.Builder: it needs onnx, and this module must import without it

__all__ = ["GATE_ORDER", "ONNX_OP"]

#: the ONNX operator of each recorded recurrent op (sequence and cell)
ONNX_OP = {"rnn_tanh": "RNN", "rnn_relu": "RNN", "lstm": "LSTM", "gru": "GRU"}

#: ONNX's gate blocks, as indices of PyTorch's: LSTM [i|o|f|c] from [i|f|g|o], GRU [z|r|h]
#: from [r|z|n]
GATE_ORDER = {"rnn_tanh": (0,), "rnn_relu": (0,), "lstm": (0, 3, 1, 2), "gru": (1, 0, 2)}

_END = 2 ** 62  # a Slice end meaning "to the end"


# ----------------------------------------------------------------------------- recurrent
@converter("rnn_tanh", "rnn_relu", "lstm", "gru")
def recurrent_layer(b: Builder, call: OpCall) -> str:
    """One layer in one direction: x (T, N, D) -> states (T, N, H) (LSTM: (T + 1, N, H))."""
    y, _, y_c = _recurrent_node(b, call, call.inputs[0], call.static.get("reverse", False))
    states = b.node("Squeeze", [y, b.ints([1])])  # (T, 1, N, H) -> (T, N, H)
    if call.op == "lstm":  # the final cell state follows the states, as the op returns it
        return b.node("Concat", [states, y_c], axis=0)  # type: ignore[no-any-return]
    return states  # type: ignore[no-any-return]


@converter("rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell")
def recurrent_cell(b: Builder, call: OpCall) -> str:
    """One step: a sequence of length one, x (N, D) -> (1, N, D); the new state is Y_h."""
    x = b.node("Unsqueeze", [call.inputs[0], b.ints([0])])
    _, y_h, y_c = _recurrent_node(b, call, x, reverse=False)
    if call.op == "lstm_cell":  # (2, N, H): h' then c'
        return b.node("Concat", [y_h, y_c], axis=0)  # type: ignore[no-any-return]
    return b.node("Squeeze", [y_h, b.ints([0])])  # type: ignore[no-any-return]


def _recurrent_node(b: Builder, call: OpCall, x: str, reverse: bool
                    ) -> tuple[str, str, str | None]:
    """Add the ONNX RNN / LSTM / GRU node; return its Y, Y_h and Y_c (None but for LSTM).

    The recorded inputs are x, the state(s) (N, H), w_ih (G, D), w_hh (G, H), b_ih, b_hh
    (G,) or (0,).
    """
    kind = call.op.removesuffix("_cell")
    n_states = 2 if kind == "lstm" else 1
    w_ih, w_hh, b_ih, b_hh = range(1 + n_states, 5 + n_states)
    hidden = call.shapes[w_hh][1]
    order = GATE_ORDER[kind]
    inputs = [x, _weights(b, call.inputs[w_ih], order, hidden),
              _weights(b, call.inputs[w_hh], order, hidden),
              _bias(b, call, (b_ih, b_hh), call.shapes[w_hh][0], order),
              ""]  # sequence_lens: every sequence runs for all T steps
    inputs += [b.node("Unsqueeze", [call.inputs[i], b.ints([0])])
               for i in range(1, 1 + n_states)]  # initial states (1, N, H)
    attributes: dict[str, Any] = {"hidden_size": hidden,
                                  "direction": "reverse" if reverse else "forward"}
    if kind == "gru":
        attributes["linear_before_reset"] = 1  # PyTorch's r * (h R_n + b_hn)
    if kind == "rnn_relu":
        attributes["activations"] = ["Relu"]
    outputs = b.node(ONNX_OP[kind], inputs, outputs=1 + n_states, **attributes)
    return outputs[0], outputs[1], outputs[2] if kind == "lstm" else None


def _gate_rows(order: tuple[int, ...], hidden: int) -> np.ndarray[Any, Any]:
    """The row indices that put PyTorch's gate blocks (``hidden`` rows each) in ``order``."""
    return np.concatenate([np.arange(k * hidden, (k + 1) * hidden) for k in order])


def _weights(b: Builder, weight: str, order: tuple[int, ...], hidden: int) -> str:
    """(G, K) in PyTorch's gate order -> (1, G, K) in ONNX's: one ``Gather`` of the rows
    (indices of shape (1, G) add the leading direction dim)."""
    return b.node("Gather", [weight, b.ints(_gate_rows(order, hidden)[None])],  # type: ignore[no-any-return]
                  axis=0)


def _bias(b: Builder, call: OpCall, biases: tuple[int, int], gates: int,
          order: tuple[int, ...]) -> str:
    """B (1, 2G) = the input bias then the recurrent bias, each in ONNX's gate order; ""
    (ONNX's zero default) when there are none (both recorded as empty arrays)."""
    if call.shapes[biases[0]][0] == 0:
        return ""
    both = b.node("Concat", [call.inputs[i] for i in biases], axis=0)
    rows = _gate_rows(order, gates // len(order))
    return b.node("Gather", [both, b.ints(np.concatenate([rows, gates + rows])[None])],  # type: ignore[no-any-return]
                  axis=0)


# ----------------------------------------------------------------------------- embeddings
def _indices(b: Builder, call: OpCall, i: int) -> str:
    """Input ``i`` as indices ONNX's ``Gather`` takes (int32 or int64)."""
    if call.dtypes[i] in (np.dtype(np.int32), np.dtype(np.int64)):
        return call.inputs[i]
    return _cast(b, call.inputs[i], np.int64)


@converter("embedding")
def embedding(b: Builder, call: OpCall) -> str:
    """out = weight[indices]: a ``Gather`` of rows (``padding_idx`` matters only for the
    gradient); with ``max_norm``, the rows shrunk as ``F.embedding`` shrinks them."""
    rows = b.node("Gather", [call.inputs[1], _indices(b, call, 0)], axis=0)
    if call.static.get("max_norm") is None:
        return rows  # type: ignore[no-any-return]
    return _renorm(b, call, rows, call.static["max_norm"], call.static.get("norm_type", 2.0))


def _renorm(b: Builder, call: OpCall, rows: str, max_norm: float, p: float) -> str:
    """Rows whose p-norm exceeds ``max_norm`` scaled to it: times max_norm / (norm + 1e-7),
    PyTorch's ``embedding_renorm_`` (which changes the table in place) on the rows looked up."""
    dtype = call.out_dtype
    if p == np.inf:
        norm = reduce(b, "ReduceMax", b.node("Abs", [rows]), [-1], True)
    elif p == 2 or p == 1:
        norm = reduce(b, "ReduceL2" if p == 2 else "ReduceL1", rows, [-1], True)
    elif p > 0:
        powers = b.node("Pow", [b.node("Abs", [rows]), b.scalar(p, dtype)])
        norm = b.node("Pow", [reduce(b, "ReduceSum", powers, [-1], True), b.scalar(1 / p, dtype)])
    else:
        raise unsupported(call, f"max_norm with norm_type={p} (expected a positive p or inf)")
    limit = b.scalar(max_norm, dtype)
    shrink = b.node("Div", [limit, b.node("Add", [norm, b.scalar(1e-7, dtype)])])
    scale = b.node("Where", [b.node("Greater", [norm, limit]), shrink, b.scalar(1, dtype)])
    return b.node("Mul", [rows, scale])  # type: ignore[no-any-return]


@converter("embedding_bag")
def embedding_bag(b: Builder, call: OpCall) -> str:
    """The rows of each bag reduced: a (bags, tokens) matrix of token weights times the rows
    (sum, mean), or the maximum over the rows each bag holds (max); see the module docstring.

    Inputs: ids (n,), offsets (B,) (or (B + 1,) with ``include_last_offset``), the table
    (V, D), per-sample weights (n,) or (0,).
    """
    mode = call.static.get("mode", "mean")
    member = _bag_membership(b, call)  # (B, n) bool
    rows = b.node("Gather", [call.inputs[2], _indices(b, call, 0)], axis=0)  # (n, D)
    if call.static.get("max_norm") is not None:
        rows = _renorm(b, call, rows, call.static["max_norm"], call.static.get("norm_type", 2.0))
    dtype = call.out_dtype
    counts = reduce(b, "ReduceSum", _cast(b, member, dtype), [1], True)  # (B, 1)
    if mode == "max":
        fill = b.scalar(-np.inf, dtype)
        masked = b.node("Where", [b.node("Unsqueeze", [member, b.ints([2])]),
                                  b.node("Unsqueeze", [rows, b.ints([0])]), fill])  # (B, n, D)
        best = reduce(b, "ReduceMax", masked, [1], False)
        nonempty = b.node("Greater", [counts, b.scalar(0, dtype)])
        return b.node("Where", [nonempty, best, b.scalar(0, dtype)])  # type: ignore[no-any-return]
    if mode not in ("sum", "mean"):
        raise unsupported(call, f"mode={mode!r} (expected 'sum', 'mean' or 'max')")
    weights = _cast(b, member, dtype)
    if call.shapes[3][0]:  # per-sample weights
        weights = b.node("Mul", [weights, call.inputs[3]])
    if mode == "mean":  # an empty bag divides zeros by 1
        weights = b.node("Div", [weights, b.node("Max", [counts, b.scalar(1, dtype)])])
    return b.node("MatMul", [weights, rows])  # type: ignore[no-any-return]


def _bag_membership(b: Builder, call: OpCall) -> str:
    """(B, n) bool: token i belongs to bag b (starts[b] <= i < ends[b]) and is not padding."""
    ids, offsets = _indices(b, call, 0), _indices(b, call, 1)
    count = _cast(b, b.node("Shape", [ids]), call.dtypes[1])  # (1,): n
    if call.static.get("include_last_offset", False):  # offsets holds the last end too
        starts = b.node("Slice", [offsets, b.ints([0]), b.ints([-1])])
        ends = b.node("Slice", [offsets, b.ints([1]), b.ints([_END])])
    else:  # each bag ends where the next starts, the last at the end of the ids
        starts = offsets
        ends = b.node("Concat", [b.node("Slice", [offsets, b.ints([1]), b.ints([_END])]),
                                 count], axis=0)
    positions = b.node("Range", [b.scalar(0, call.dtypes[1]), _scalar(b, count),
                                 b.scalar(1, call.dtypes[1])])  # (n,): 0, 1, ..., n - 1
    column = b.ints([1])
    member = b.node("And", [
        b.node("GreaterOrEqual", [positions, b.node("Unsqueeze", [starts, column])]),
        b.node("Less", [positions, b.node("Unsqueeze", [ends, column])])])
    padding = call.static.get("padding_idx", -1)
    if padding >= 0:
        pad = b.const(np.asarray(padding, call.dtypes[0]))
        member = b.node("And", [member, b.node("Not", [b.node("Equal", [call.inputs[0], pad])])])
    return member  # type: ignore[no-any-return]


def _cast(b: Builder, x: str, dtype: Any) -> str:
    """``Cast`` to the ONNX type of a numpy dtype."""
    from onnx import helper  # the builder has checked that onnx is installed
    return b.node("Cast", [x], to=int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype))))  # type: ignore[no-any-return]


def _scalar(b: Builder, vector: str) -> str:
    """The 0-d value of a 1-element vector (``Range`` takes 0-d bounds)."""
    return b.node("Squeeze", [vector, b.ints([0])])  # type: ignore[no-any-return]
