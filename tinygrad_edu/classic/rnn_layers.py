"""The course's recurrent layers: RNN and LSTM steps and sequences, embeddings, temporal layers.

Adapters over the readable pairs of the engine's recurrent ops (``tinygrad_edu/ops/rnn.py``:
one step in numpy, and sequences that loop the step forward and backward in time) with the
course's conventions, which differ from PyTorch's in three places:

- weights are (in, out): ``Wx`` (D, kH), ``Wh`` (H, kH) and one bias ``b`` (kH,) (PyTorch:
  ``weight_ih`` (kH, D), ``weight_hh`` (kH, H) and two biases);
- sequences are batch-major, x (N, T, D) (PyTorch's default is time-major (T, N, D));
- the LSTM's four gates are stacked i, f, o, g (PyTorch: i, f, g, o). The adapters permute
  the gate blocks on the way in and the gradients on the way back.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.rnn_layers import rnn_forward, rnn_backward
    >>> N, T, D, H = 2, 3, 4, 5
    >>> x, h0 = np.ones((N, T, D)), np.zeros((N, H))
    >>> h, cache = rnn_forward(x, h0, np.ones((D, H)) / 10, np.eye(H), np.zeros(H))
    >>> h.shape
    (2, 3, 5)
    >>> [g.shape for g in rnn_backward(np.ones_like(h), cache)]
    [(2, 3, 4), (2, 5), (4, 5), (5, 5), (5,)]
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..ops import loss
from ..ops import rnn as rnn_ops
from . import _checks
from .layers import AffineCache, affine_backward, affine_forward

Array = NDArray[Any]

__all__ = [
    "lstm_backward", "lstm_forward", "lstm_step_backward", "lstm_step_forward", "rnn_backward",
    "rnn_forward", "rnn_step_backward", "rnn_step_forward", "temporal_affine_backward",
    "temporal_affine_forward", "temporal_softmax_loss", "word_embedding_backward",
    "word_embedding_forward",
]


def _check_weights(name: str, x: Array, prev_h: Array, Wx: Array, Wh: Array, b: Array,  # noqa: N803
                   gates: int) -> None:
    """x (..., D), prev_h (N, H), Wx (D, gates*H), Wh (H, gates*H), b (gates*H,)."""
    for arg, value in (("x", x), ("h", prev_h), ("Wx", Wx), ("Wh", Wh), ("b", b)):
        _checks.array(name, arg, value)
    hidden = prev_h.shape[-1] if prev_h.ndim == 2 else -1
    width = gates * hidden
    if (prev_h.ndim != 2 or Wx.shape != (x.shape[-1], width) or Wh.shape != (hidden, width)
            or b.shape != (width,) or x.shape[0] != prev_h.shape[0]):
        g = "" if gates == 1 else f"{gates}"
        raise ValueError(f"{name}: expected x (N, ..., D), h (N, H), Wx (D, {g}H), "
                         f"Wh (H, {g}H), b ({g}H,); got x {x.shape}, h {prev_h.shape}, "
                         f"Wx {Wx.shape}, Wh {Wh.shape}, b {b.shape}")


def _gate_order(hidden: int) -> Array:
    """Columns of the course's [i | f | o | g] gates in the engine's [i | f | g | o] order.

    The permutation swaps the last two blocks, so it is its own inverse.
    """
    blocks = np.arange(4 * hidden).reshape(4, hidden)
    return blocks[[0, 1, 3, 2]].reshape(-1)


# ----------------------------------------------------------------------------- vanilla RNN

class RNNStepCache(NamedTuple):
    """Cache of ``rnn_step_forward``: the engine's ``rnn_tanh_cell`` cache."""

    cell: rnn_ops.RNNCellCache


def rnn_step_forward(x: Array, prev_h: Array, Wx: Array, Wh: Array, b: Array  # noqa: N803
                     ) -> tuple[Array, RNNStepCache]:
    """next_h = tanh(x @ Wx + prev_h @ Wh + b) (PyTorch: ``nn.RNNCell`` with weights .T).

    Shape: x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,) -> next_h (N, H).
    """
    _checks.array("rnn_step_forward", "x", x, 2)
    _check_weights("rnn_step_forward", x, prev_h, Wx, Wh, b, 1)
    out, cache = rnn_ops.rnn_tanh_cell_forward(x, prev_h, Wx.T, Wh.T, b, np.zeros_like(b))
    return out, RNNStepCache(cache)


def rnn_step_backward(dnext_h: Array, cache: RNNStepCache
                      ) -> tuple[Array, Array, Array, Array, Array]:
    """dx, dprev_h, dWx, dWh, db of one step."""
    dx, dh, dw_ih, dw_hh, db, _ = rnn_ops.rnn_cell_backward(dnext_h, cache.cell)
    assert dx is not None
    assert dh is not None
    assert dw_ih is not None
    assert dw_hh is not None
    return dx, dh, dw_ih.T, dw_hh.T, db  # type: ignore[return-value]


class RNNSequenceCache(NamedTuple):
    """Cache of ``rnn_forward``: the engine's time-major ``rnn_tanh`` cache."""

    seq: rnn_ops.RNNCache


def rnn_forward(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array  # noqa: N803
                ) -> tuple[Array, RNNSequenceCache]:
    """Run the RNN step over T steps: h[:, t] = tanh(x[:, t] @ Wx + h[:, t-1] @ Wh + b).

    PyTorch: ``nn.RNN(D, H, batch_first=True)`` with the weights transposed.

    Shape: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,) -> h (N, T, H).
    """
    _checks.array("rnn_forward", "x", x, 3)
    _check_weights("rnn_forward", x, h0, Wx, Wh, b, 1)
    out, cache = rnn_ops.rnn_tanh_forward(x.transpose(1, 0, 2), h0, Wx.T, Wh.T, b,
                                          np.zeros_like(b))
    return out.transpose(1, 0, 2), RNNSequenceCache(cache)


def rnn_backward(dh: Array, cache: RNNSequenceCache
                 ) -> tuple[Array, Array, Array, Array, Array]:
    """dx (N, T, D), dh0, dWx, dWh, db, given the upstream gradient dh (N, T, H) of all h."""
    dx, dh0, dw_ih, dw_hh, db, _ = rnn_ops.rnn_backward(dh.transpose(1, 0, 2), cache.seq)
    assert dx is not None
    assert dh0 is not None
    assert dw_ih is not None
    assert dw_hh is not None
    return dx.transpose(1, 0, 2), dh0, dw_ih.T, dw_hh.T, db  # type: ignore[return-value]


# ----------------------------------------------------------------------------- LSTM

class LSTMStepCache(NamedTuple):
    """Cache of ``lstm_step_forward``: the engine's ``lstm_cell`` cache and the gate order."""

    cell: rnn_ops.LSTMCellCache
    order: Array


def _engine_weights(Wx: Array, Wh: Array, b: Array, order: Array  # noqa: N803
                    ) -> tuple[Array, Array, Array]:
    """Course (in, 4H) weights, gates i|f|o|g -> engine (4H, in) weights, gates i|f|g|o."""
    return Wx[:, order].T, Wh[:, order].T, b[order]


def _course_grads(dw_ih: Any, dw_hh: Any, db: Any, order: Array) -> tuple[Array, Array, Array]:
    """Engine-layout gradients back to the course's layout and gate order."""
    dWx, dWh, dbias = np.empty_like(dw_ih.T), np.empty_like(dw_hh.T), np.empty_like(db)  # noqa: N806
    dWx[:, order], dWh[:, order], dbias[order] = dw_ih.T, dw_hh.T, db
    return dWx, dWh, dbias


def lstm_step_forward(x: Array, prev_h: Array, prev_c: Array, Wx: Array, Wh: Array,  # noqa: N803
                      b: Array) -> tuple[Array, Array, LSTMStepCache]:
    """One LSTM step with the gates a = x @ Wx + prev_h @ Wh + b stacked [i | f | o | g].

    next_c = sigmoid(f) * prev_c + sigmoid(i) * tanh(g), next_h = sigmoid(o) * tanh(next_c).
    PyTorch: ``nn.LSTMCell``, whose gates are stacked [i | f | g | o].

    Shape: x (N, D), prev_h and prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,) ->
    next_h, next_c (N, H).

    Returns:
        ``(next_h, next_c, cache)``.
    """
    _checks.array("lstm_step_forward", "x", x, 2)
    _check_weights("lstm_step_forward", x, prev_h, Wx, Wh, b, 4)
    _checks.shape("lstm_step_forward", "prev_c", _checks.array("lstm_step_forward", "prev_c",
                                                                prev_c), prev_h.shape,
                  "like prev_h")
    order = _gate_order(prev_h.shape[1])
    w_ih, w_hh, bias = _engine_weights(Wx, Wh, b, order)
    out, cache = rnn_ops.lstm_cell_forward(x, prev_h, prev_c, w_ih, w_hh, bias,
                                           np.zeros_like(bias))
    return out[0], out[1], LSTMStepCache(cache, order)


def lstm_step_backward(dnext_h: Array, dnext_c: Array, cache: LSTMStepCache
                       ) -> tuple[Array, Array, Array, Array, Array, Array]:
    """dx, dprev_h, dprev_c, dWx, dWh, db of one LSTM step."""
    dout = np.stack([dnext_h, dnext_c])
    dx, dh, dc, dw_ih, dw_hh, db, _ = rnn_ops.lstm_cell_backward(dout, cache.cell)
    assert dx is not None
    assert dh is not None
    assert dc is not None
    return (dx, dh, dc, *_course_grads(dw_ih, dw_hh, db, cache.order))


class LSTMSequenceCache(NamedTuple):
    """Cache of ``lstm_forward``: the engine's time-major ``lstm`` cache and the gate order."""

    seq: rnn_ops.LSTMCache
    order: Array


def lstm_forward(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array  # noqa: N803
                 ) -> tuple[Array, LSTMSequenceCache]:
    """An LSTM over T steps from h0 and c0 = 0, gates stacked [i | f | o | g].

    PyTorch: ``nn.LSTM(D, H, batch_first=True)`` (gates [i | f | g | o], weights transposed).

    Shape: x (N, T, D), h0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,) -> h (N, T, H).

    Returns:
        ``(h, cache)``; the cell states are internal.
    """
    _checks.array("lstm_forward", "x", x, 3)
    _check_weights("lstm_forward", x, h0, Wx, Wh, b, 4)
    order = _gate_order(h0.shape[1])
    w_ih, w_hh, bias = _engine_weights(Wx, Wh, b, order)
    out, cache = rnn_ops.lstm_forward(x.transpose(1, 0, 2), h0, np.zeros_like(h0), w_ih, w_hh,
                                      bias, np.zeros_like(bias))
    return out[:-1].transpose(1, 0, 2), LSTMSequenceCache(cache, order)


def lstm_backward(dh: Array, cache: LSTMSequenceCache
                  ) -> tuple[Array, Array, Array, Array, Array]:
    """dx (N, T, D), dh0, dWx, dWh, db, given the upstream gradient dh (N, T, H) of all h."""
    steps = dh.shape[1]
    dout = np.zeros((steps + 1,) + dh.shape[:1] + dh.shape[2:], dtype=dh.dtype)
    dout[:steps] = dh.transpose(1, 0, 2)  # the final cell state gets no upstream gradient
    dx, dh0, _, dw_ih, dw_hh, db, _ = rnn_ops.lstm_backward(dout, cache.seq)
    assert dx is not None
    assert dh0 is not None
    return (dx.transpose(1, 0, 2), dh0, *_course_grads(dw_ih, dw_hh, db, cache.order))


# ----------------------------------------------------------------------------- embedding

def word_embedding_forward(x: Array, W: Array) -> tuple[Array, rnn_ops.EmbeddingCache]:  # noqa: N803
    """out[n, t] = W[x[n, t]] (PyTorch: ``F.embedding(x, W)``).

    Shape: x (N, T) integers in [0, V), W (V, D) -> out (N, T, D).
    """
    name = "word_embedding_forward"
    x = _checks.array(name, "x", x, floating=False)
    W = _checks.array(name, "W", W, 2)  # noqa: N806
    if x.size and (x.min() < 0 or x.max() >= W.shape[0]):
        raise ValueError(f"{name}: word ids must be in [0, {W.shape[0] - 1}] (W has "
                         f"{W.shape[0]} rows), got values from {x.min()} to {x.max()}")
    return rnn_ops.embedding_forward(x, W)


def word_embedding_backward(dout: Array, cache: rnn_ops.EmbeddingCache) -> Array:
    """dW: each row the sum of dout over the positions that read it; a bare array."""
    return rnn_ops.embedding_backward(dout, cache)[1]


# ----------------------------------------------------------------------------- temporal layers

class TemporalAffineCache(NamedTuple):
    """Cache of ``temporal_affine_forward``: the affine cache over the N*T rows."""

    x_shape: tuple[int, ...]
    affine: AffineCache


def temporal_affine_forward(x: Array, w: Array, b: Array
                            ) -> tuple[Array, TemporalAffineCache]:
    """out[n, t] = x[n, t] @ w + b at every step (PyTorch: ``F.linear(x, w.T, b)``).

    Shape: x (N, T, D), w (D, M), b (M,) -> out (N, T, M).
    """
    x = _checks.array("temporal_affine_forward", "x", x, 3)
    n, t, d = x.shape
    out, cache = affine_forward(x.reshape(n * t, d), w, b)
    return out.reshape(n, t, -1), TemporalAffineCache(x.shape, cache)


def temporal_affine_backward(dout: Array, cache: TemporalAffineCache
                             ) -> tuple[Array, Array, Array]:
    """dx (N, T, D), dw (D, M), db (M,)."""
    n, t, _ = cache.x_shape
    dx, dw, db = affine_backward(dout.reshape(n * t, -1), cache.affine)
    return dx.reshape(cache.x_shape), dw, db


def temporal_softmax_loss(x: Array, y: Array, mask: Array, verbose: bool = False
                          ) -> tuple[float, Array]:
    """Softmax loss at every step where mask is True, summed over time and divided by N.

    PyTorch: ``F.cross_entropy(x.reshape(N*T, V), where(mask, y, -100).ravel(),
    reduction='sum') / N``.

    Args:
        x: scores (N, T, V).
        y: targets (N, T), integers in [0, V).
        mask: (N, T) booleans (or 0/1), True where the step counts.
        verbose: print the shape of the flattened gradient (as the course does).

    Returns:
        ``(loss, dx)``, dx (N, T, V).
    """
    name = "temporal_softmax_loss"
    x = _checks.array(name, "x", x, 3)
    n, t, v = x.shape
    y = _checks.array(name, "y", y, 2, floating=False)
    mask = np.asarray(mask)
    _checks.shape(name, "y", y, (n, t), "one target per step")
    _checks.shape(name, "mask", mask, (n, t), "one flag per step")
    keep = mask.astype(bool).reshape(-1)
    targets = np.where(keep, y.reshape(-1), -100)
    if np.any(keep & ((targets < 0) | (targets >= v))):
        raise ValueError(f"{name}: targets must be in [0, {v - 1}] where mask is True")
    logp, soft_cache = loss.log_softmax_forward(x.reshape(n * t, v), dim=1)
    total, nll_cache = loss.nll_loss_forward(logp, targets, np.ones(v, x.dtype),
                                             ignore_index=-100, reduction="sum")
    dlogp = loss.nll_loss_backward(np.asarray(1.0 / n, x.dtype), nll_cache)[0]
    (dx_flat,) = loss.log_softmax_backward(dlogp, soft_cache)
    if verbose:
        print("dx_flat: ", dx_flat.shape)
    return float(total) / n, dx_flat.reshape(n, t, v)
