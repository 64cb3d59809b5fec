"""Recurrent functions: one time step, and one layer over a sequence.

- ``rnn_tanh_cell``, ``rnn_relu_cell``, ``lstm_cell``, ``gru_cell``: one time step, with the
  signatures of ``torch.rnn_tanh_cell`` etc.;
- ``rnn_tanh``, ``rnn_relu``, ``lstm``, ``gru``: one layer in one direction over a time-major
  sequence (T, N, D), returning ``(output, h_n)`` (``(output, (h_n, c_n))`` for the LSTM).

They check shapes and dtypes (errors name the function, the shape seen and the shape expected)
and call the ops of ``tinygrad_edu/ops/rnn.py``, where the forward and backward of every step
and sequence are written out. The modules (``nn.RNN``, ``nn.LSTMCell``, ...) stack these.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...checks import input_dims
from ...ops.rnn_args import GATES, check_weights
from ...tensor import Tensor

__all__ = ["gru", "gru_cell", "lstm", "lstm_cell", "rnn_relu", "rnn_relu_cell", "rnn_tanh",
           "rnn_tanh_cell"]

def _check_weights(name: str, op: str, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                   b_hh: Tensor | None) -> int:
    """The hidden size H implied by w_hh (G, H), after checking all shapes (the ops' rule)."""
    return check_weights(name, GATES[op.removesuffix("_cell")], w_ih, w_hh, b_ih, b_hh)


def check_dtypes(name: str, x: Tensor, *others: Tensor | None) -> None:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got dtype {x.dtype}")
    for t in others:
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(f"{name}: input ({x.dtype}) and weights or hidden states "
                               f"({t.dtype}) must have the same dtype; convert the module "
                               "with .to(dtype) or the input with .type(dtype)")


def check_state(name: str, what: str, state: Any, expected: tuple[int, ...],
                 meaning: str) -> Tensor:
    if not isinstance(state, Tensor):
        raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(state).__name__}")
    if state.shape != expected:
        raise RuntimeError(f"{name}: expected hidden state {what} of shape {expected} "
                           f"{meaning}, got {state.shape}")
    return state


def _bias(b: Tensor | None, like: Tensor) -> Tensor:
    return b if b is not None else Tensor(np.empty(0, dtype=like.dtype))


def zeros_state(like: Tensor, shape: tuple[int, ...]) -> Tensor:
    return Tensor(np.zeros(shape, dtype=like.dtype))


def cell(op: str, name: str, input: Tensor, states: tuple[Any, ...],  # noqa: A002
          w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
          ) -> list[Tensor]:
    """Check, add the batch dim of unbatched input, run one step; the new state(s)."""
    hidden = _check_weights(name, op, w_ih, w_hh, b_ih, b_hh)
    features = w_ih.shape[1]
    input_dims(input, (1, 2), name, what=f" of shape (N, {features}) or ({features},)")
    if input.shape[-1] != features:
        raise RuntimeError(f"{name}: expected input of shape (N, {features}) or "
                           f"({features},) (input_size={features}), got {input.shape}")
    batched = input.ndim == 2
    x = input if batched else input.unsqueeze(0)
    expected = (x.shape[0], hidden) if batched else (hidden,)
    full = []
    for what, state in zip(("hx", "cx"), states, strict=False):
        if state is None:
            full.append(zeros_state(x, (x.shape[0], hidden)))
            continue
        state = check_state(name, what, state, expected,
                             "(batch, hidden_size)" if batched else "(hidden_size,)")
        full.append(state if batched else state.unsqueeze(0))
    check_dtypes(name, x, *full, w_ih, w_hh, b_ih, b_hh)
    out = apply_op(OPS[op], x, *full, w_ih, w_hh, _bias(b_ih, x), _bias(b_hh, x))
    outs = [out[0], out[1]] if op == "lstm_cell" else [out]
    return outs if batched else [o.squeeze(0) for o in outs]


def rnn_tanh_cell(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One tanh RNN step: tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh).

    input (N, D) or (D,), hx like the output (N, H) or (H,) (None: zeros), w_ih (H, D),
    w_hh (H, H), biases (H,) or None.
    """
    return cell("rnn_tanh_cell", "rnn_tanh_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One relu RNN step: relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh); see rnn_tanh_cell."""
    return cell("rnn_relu_cell", "rnn_relu_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor] | None, w_ih: Tensor,  # noqa: A002
              w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None
              ) -> tuple[Tensor, Tensor]:
    """One LSTM step; returns the new ``(h, c)``.

    input (N, D) or (D,), hx = (h, c) each (N, H) or (H,) (None: zeros), w_ih (4H, D),
    w_hh (4H, H), biases (4H,) or None; gates in PyTorch's order i, f, g, o.
    """
    states = (None, None) if hx is None else state_pair(hx, "lstm_cell", "hx")
    h, c = cell("lstm_cell", "lstm_cell", input, states, w_ih, w_hh, b_ih, b_hh)
    return h, c


def gru_cell(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (PyTorch's formulation, gates r, z, n).

    input (N, D) or (D,), hx (N, H) or (H,) (None: zeros), w_ih (3H, D), w_hh (3H, H),
    biases (3H,) or None.
    """
    return cell("gru_cell", "gru_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def state_pair(hx: Any, name: str, what: str) -> tuple[Any, Any]:
    if not isinstance(hx, tuple | list) or len(hx) != 2:
        raise TypeError(f"{name}: expected {what} to be a tuple (h, c) of two Tensors, got "
                        f"{type(hx).__name__}")
    return hx[0], hx[1]


def layer(op: str, name: str, x: Tensor, states: list[Tensor], w_ih: Tensor, w_hh: Tensor,
           b_ih: Tensor | None, b_hh: Tensor | None, reverse: bool
           ) -> tuple[Tensor, list[Tensor]]:
    """One layer, one direction: the output sequence and the final state(s)."""
    y = apply_op(OPS[op], x, *states, w_ih, w_hh, _bias(b_ih, x), _bias(b_hh, x),
                  reverse=reverse)
    # counted from the end, the indices hold for every length (an exported graph keeps them)
    if op == "lstm":  # y holds the states h, then the final cell state (see ops/rnn.py)
        return y[:-1], [y[0] if reverse else y[-2], y[-1]]
    return y, [y[0] if reverse else y[-1]]


def _sequence(op: str, input: Tensor, states: tuple[Any, ...], w_ih: Tensor,  # noqa: A002
              w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None, reverse: bool
              ) -> tuple[Tensor, list[Tensor]]:
    hidden = _check_weights(op, op, w_ih, w_hh, b_ih, b_hh)
    if input.ndim != 3 or input.shape[0] < 1 or input.shape[2] != w_ih.shape[1]:
        raise RuntimeError(f"{op}: expected a time-major input of shape (T, N, "
                           f"{w_ih.shape[1]}) with T >= 1, got {input.shape}")
    expected = (input.shape[1], hidden)
    full = [zeros_state(input, expected) if s is None else
            check_state(op, what, s, expected, "(batch, hidden_size)")
            for what, s in zip(("hx", "cx"), states, strict=False)]
    check_dtypes(op, input, *full, w_ih, w_hh, b_ih, b_hh)
    return layer(op, op, input, full, w_ih, w_hh, b_ih, b_hh, reverse)


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
    states = (None, None) if hx is None else state_pair(hx, "lstm", "hx")
    out, (h_n, c_n) = _sequence("lstm", input, states, w_ih, w_hh, b_ih, b_hh, reverse)
    return out, (h_n, c_n)


def gru(input: Tensor, hx: Tensor | None, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
        b_ih: Tensor | None = None, b_hh: Tensor | None = None, reverse: bool = False
        ) -> tuple[Tensor, Tensor]:
    """One GRU layer over a time-major sequence; weights (3H, D), (3H, H); see ``rnn_tanh``."""
    out, (h_n,) = _sequence("gru", input, (hx,), w_ih, w_hh, b_ih, b_hh, reverse)
    return out, h_n
