"""The arguments of the recurrent ops (steps and whole sequences), checked once.

Both pairs of every RNN/LSTM/GRU op, the readable one (``rnn.py``) and the fast one
(``rnn_fast.py``), start their forward with ``check_step`` or ``check_sequence``: shapes and
dtypes of the input, the state(s), the weights (PyTorch's layout, w_ih (G, D), w_hh (G, H)
with G = gates * H) and the biases ((G,) each, or both (0,) for a layer without bias), with a
message naming the op. ``nn.functional``'s recurrent functions use the same ``check_weights``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

__all__ = ["GATES", "check_sequence", "check_step", "check_weights"]

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}  # gate blocks per step


def check_weights(name: str, gates: int, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> int:
    """The hidden size H implied by w_hh (G, H), G = gates * H, after checking all shapes.

    Works on arrays and Tensors alike; a bias of None is absent.
    """
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
    return int(w_hh.shape[1])


def check_step(name: str, gates: int, x: Array, states: Sequence[Array], w_ih: Array,
               w_hh: Array, b_ih: Array, b_hh: Array) -> None:
    """One step: x (N, D), every state (N, H), the weights and biases of ``check_weights``."""
    _check(name, gates, x, 2, "(N, D)", dict(zip(("h", "c"), states, strict=False)), w_ih,
           w_hh, b_ih, b_hh)


def check_sequence(name: str, gates: int, x: Array, states: Sequence[Array], w_ih: Array,
                   w_hh: Array, b_ih: Array, b_hh: Array) -> None:
    """A sequence: time-major x (T, N, D) with T >= 1, initial states (N, H), the weights."""
    _check(name, gates, x, 3, "(T, N, D) with T >= 1", dict(zip(("h0", "c0"), states,
                                                                 strict=False)),
           w_ih, w_hh, b_ih, b_hh)


def _check(name: str, gates: int, x: Array, rank: int, layout: str, states: dict[str, Array],
           w_ih: Array, w_hh: Array, b_ih: Array, b_hh: Array) -> None:
    arrays = {"x": x, **states, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh}
    for arg, a in arrays.items():
        if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or a.dtype != x.dtype:
            got = f"dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
            raise TypeError(f"{name}: {arg} must be a numpy array of x's floating point "
                            f"dtype, got {got} (x: {getattr(x, 'dtype', type(x).__name__)})")
    no_bias = b_ih.size == 0 and b_hh.size == 0  # both (0,): a layer without bias
    hidden = check_weights(name, gates, w_ih, w_hh, None if no_bias else b_ih,
                           None if no_bias else b_hh)
    if x.ndim != rank or x.shape[-1] != w_ih.shape[1] or (rank == 3 and x.shape[0] < 1):
        raise RuntimeError(f"{name}: expected x of shape {layout} with D = {w_ih.shape[1]} "
                           f"(w_ih {w_ih.shape}), got {x.shape}")
    expected = (x.shape[-2], hidden)
    for what, state in states.items():
        if state.shape != expected:
            raise RuntimeError(f"{name}: expected {what} of shape (N, H) = {expected}, got "
                               f"{state.shape}")
