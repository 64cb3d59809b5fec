"""classic.rnn_layers: torch parity (course gate order i, f, o, g), numerical gradients, the
sequence functions against their steps, embeddings and temporal layers."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.classic import rnn_layers as R
from tinygrad_edu.classic.gradient_check import eval_numerical_gradient_array, rel_error

torch = pytest.importorskip("torch")
F = torch.nn.functional

N, T, D, H, V = 3, 4, 5, 6, 7


def arrays(seed: int, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    r = np.random.default_rng(seed)
    return [r.standard_normal(s) * 0.5 for s in shapes]


def t(a: np.ndarray) -> Any:
    return torch.tensor(a, requires_grad=True)


def numeric(forward: Any, args: list[np.ndarray], dout: np.ndarray, index: int = 0
            ) -> list[np.ndarray]:
    """Central differences of sum(forward(*args)[index] * dout) for every float arg."""
    return [eval_numerical_gradient_array(lambda _: forward(*args)[index], a, dout)
            for a in args]


def torch_lstm_step(x: Any, h: Any, c: Any, wx: Any, wh: Any, b: Any) -> tuple[Any, Any]:
    """The course's LSTM step written in torch: gates stacked i, f, o, g."""
    i, f, o, g = (x @ wx + h @ wh + b).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def test_rnn_step_matches_torch_and_numerical() -> None:
    x, h, wx, wh, b = arrays(0, (N, D), (N, H), (D, H), (H, H), (H,))
    out, cache = R.rnn_step_forward(x, h, wx, wh, b)
    dout = arrays(1, out.shape)[0]
    grads = R.rnn_step_backward(dout, cache)
    tensors = [t(a) for a in (x, h, wx, wh, b)]
    ref = torch.tanh(tensors[0] @ tensors[2] + tensors[1] @ tensors[3] + tensors[4])
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    for mine, theirs in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)
    for mine, num in zip(grads, numeric(R.rnn_step_forward, [x, h, wx, wh, b], dout),
                         strict=True):
        assert rel_error(mine, num) < 1e-7


def test_rnn_sequence_matches_torch_rnn_and_the_steps() -> None:
    x, h0, wx, wh, b = arrays(2, (N, T, D), (N, H), (D, H), (H, H), (H,))
    h, cache = R.rnn_forward(x, h0, wx, wh, b)
    assert h.shape == (N, T, H)
    dh = arrays(3, h.shape)[0]
    grads = R.rnn_backward(dh, cache)
    rnn = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(wx.T))
        rnn.weight_hh_l0.copy_(torch.tensor(wh.T))
        rnn.bias_ih_l0.copy_(torch.tensor(b))
        rnn.bias_hh_l0.zero_()
    xt, h0t = t(x), t(h0)
    ref, _ = rnn(xt, h0t[None])
    ref.backward(torch.tensor(dh))
    np.testing.assert_allclose(h, ref.detach().numpy(), rtol=1e-10, atol=1e-13)
    expected = (xt.grad, h0t.grad, rnn.weight_ih_l0.grad.T, rnn.weight_hh_l0.grad.T,
                rnn.bias_ih_l0.grad)
    for mine, theirs in zip(grads, expected, strict=True):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-9, atol=1e-12)
    prev = h0
    for step in range(T):  # the sequence is the step run T times
        prev, _ = R.rnn_step_forward(x[:, step], prev, wx, wh, b)
        np.testing.assert_allclose(h[:, step], prev, rtol=1e-12, atol=1e-14)


def test_rnn_sequence_numerical_gradients() -> None:
    x, h0, wx, wh, b = arrays(4, (2, 3, 3), (2, 4), (3, 4), (4, 4), (4,))
    h, cache = R.rnn_forward(x, h0, wx, wh, b)
    dh = arrays(5, h.shape)[0]
    for mine, num in zip(R.rnn_backward(dh, cache),
                         numeric(R.rnn_forward, [x, h0, wx, wh, b], dh), strict=True):
        assert rel_error(mine, num) < 1e-7


def test_lstm_step_uses_the_course_gate_order() -> None:
    x, h, c, wx, wh, b = arrays(6, (N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,))
    next_h, next_c, cache = R.lstm_step_forward(x, h, c, wx, wh, b)
    dnh, dnc = arrays(7, (N, H), (N, H))
    grads = R.lstm_step_backward(dnh, dnc, cache)
    tensors = [t(a) for a in (x, h, c, wx, wh, b)]
    ref_h, ref_c = torch_lstm_step(*tensors)
    torch.autograd.backward([ref_h, ref_c], [torch.tensor(dnh), torch.tensor(dnc)])
    np.testing.assert_allclose(next_h, ref_h.detach().numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(next_c, ref_c.detach().numpy(), rtol=1e-10, atol=1e-13)
    assert len(grads) == 6
    for mine, theirs in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    args = [x, h, c, wx, wh, b]
    num_h = numeric(R.lstm_step_forward, args, dnh, 0)
    num_c = numeric(R.lstm_step_forward, args, dnc, 1)
    for mine, a, bb in zip(grads, num_h, num_c, strict=True):
        assert rel_error(mine, a + bb) < 1e-7


def test_lstm_sequence_matches_torch_lstm_with_permuted_gates() -> None:
    x, h0, wx, wh, b = arrays(8, (N, T, D), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,))
    h, cache = R.lstm_forward(x, h0, wx, wh, b)
    dh = arrays(9, h.shape)[0]
    grads = R.lstm_backward(dh, cache)
    order = np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]  # course i f o g -> torch i f g o
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(wx[:, order].T))
        lstm.weight_hh_l0.copy_(torch.tensor(wh[:, order].T))
        lstm.bias_ih_l0.copy_(torch.tensor(b[order]))
        lstm.bias_hh_l0.zero_()
    xt, h0t = t(x), t(h0)
    ref, _ = lstm(xt, (h0t[None], torch.zeros(1, N, H, dtype=torch.float64)))
    ref.backward(torch.tensor(dh))
    np.testing.assert_allclose(h, ref.detach().numpy(), rtol=1e-10, atol=1e-13)
    dwx, dwh, db = np.empty_like(wx), np.empty_like(wh), np.empty_like(b)
    dwx[:, order] = lstm.weight_ih_l0.grad.numpy().T
    dwh[:, order] = lstm.weight_hh_l0.grad.numpy().T
    db[order] = lstm.bias_ih_l0.grad.numpy()
    for mine, theirs in zip(grads, (xt.grad.numpy(), h0t.grad.numpy(), dwx, dwh, db),
                            strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_lstm_sequence_numerical_gradients_and_steps() -> None:
    x, h0, wx, wh, b = arrays(10, (2, 3, 3), (2, 2), (3, 8), (2, 8), (8,))
    h, cache = R.lstm_forward(x, h0, wx, wh, b)
    dh = arrays(11, h.shape)[0]
    for mine, num in zip(R.lstm_backward(dh, cache),
                         numeric(R.lstm_forward, [x, h0, wx, wh, b], dh), strict=True):
        assert rel_error(mine, num) < 1e-7
    prev_h, prev_c = h0, np.zeros_like(h0)  # lstm_forward starts from c0 = 0
    for step in range(3):
        prev_h, prev_c, _ = R.lstm_step_forward(x[:, step], prev_h, prev_c, wx, wh, b)
        np.testing.assert_allclose(h[:, step], prev_h, rtol=1e-12, atol=1e-14)


def test_word_embedding_backward_is_a_bare_scatter_add() -> None:
    W = arrays(12, (V, D))[0]  # noqa: N806
    x = np.array([[0, 3, 3], [6, 0, 3]])
    out, cache = R.word_embedding_forward(x, W)
    np.testing.assert_array_equal(out, W[x])
    dout = arrays(13, out.shape)[0]
    dW = R.word_embedding_backward(dout, cache)  # noqa: N806
    assert isinstance(dW, np.ndarray)
    Wt = t(W)  # noqa: N806
    F.embedding(torch.tensor(x), Wt).backward(torch.tensor(dout))
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-12, atol=1e-15)
    num = eval_numerical_gradient_array(lambda _: R.word_embedding_forward(x, W)[0], W, dout)
    assert rel_error(dW, num) < 1e-8


def test_temporal_affine_matches_torch_and_numerical() -> None:
    x, w, b = arrays(14, (N, T, D), (D, V), (V,))
    out, cache = R.temporal_affine_forward(x, w, b)
    dout = arrays(15, out.shape)[0]
    grads = R.temporal_affine_backward(dout, cache)
    tensors = [t(a) for a in (x, w, b)]
    ref = F.linear(tensors[0], tensors[1].T, tensors[2])
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    for mine, theirs in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-12, atol=1e-13)
    for mine, num in zip(grads, numeric(R.temporal_affine_forward, [x, w, b], dout),
                         strict=True):
        assert rel_error(mine, num) < 1e-8


def test_temporal_softmax_loss_sums_over_time_divides_by_n(
        capsys: pytest.CaptureFixture[str]) -> None:
    x = arrays(16, (N, T, V))[0]
    r = np.random.default_rng(17)
    y, mask = r.integers(0, V, (N, T)), r.random((N, T)) > 0.3
    loss, dx = R.temporal_softmax_loss(x, y, mask, verbose=True)
    assert "dx_flat:  (12, 7)" in capsys.readouterr().out
    xt = t(x)
    target = torch.tensor(np.where(mask, y, -100).reshape(-1))
    ref = F.cross_entropy(xt.reshape(N * T, V), target, reduction="sum") / N
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    num = eval_numerical_gradient_array(
        lambda v: np.array(R.temporal_softmax_loss(v, y, mask)[0]), x, np.array(1.0))
    assert rel_error(dx, num) < 1e-7
    # the course's sanity values: about log(V) per counted step
    big = np.zeros((100, 10, 10))
    loss, _ = R.temporal_softmax_loss(big, np.zeros((100, 10), int), np.ones((100, 10)))
    assert loss == pytest.approx(10 * np.log(10))


@pytest.mark.parametrize(("call", "words"), [
    (lambda: R.rnn_step_forward(np.ones((2, 3)), np.ones((2, 4)), np.ones((3, 5)),
                                np.ones((4, 4)), np.ones(4)), "rnn_step_forward: expected"),
    (lambda: R.lstm_forward(np.ones((2, 3, 3)), np.ones((2, 4)), np.ones((3, 4)),
                            np.ones((4, 16)), np.ones(16)), "Wx (D, 4H)"),
    (lambda: R.word_embedding_forward(np.array([[0, 9]]), np.ones((5, 2))),
     "word ids must be in [0, 4]"),
    (lambda: R.temporal_softmax_loss(np.ones((2, 3, 4)), np.zeros((2, 2), int),
                                     np.ones((2, 3))), "y must have shape (2, 3)"),
])
def test_bad_inputs_raise_value_errors_naming_the_function(call: Any, words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        call()


def test_recurrent_layers_compute_in_float32() -> None:
    r = np.random.default_rng(18)

    def a(*shape: int) -> np.ndarray:
        return r.standard_normal(shape).astype(np.float32)

    for forward, backward, args in (
            (R.rnn_forward, R.rnn_backward, [a(2, 3, 4), a(2, 5), a(4, 5), a(5, 5), a(5)]),
            (R.lstm_forward, R.lstm_backward,
             [a(2, 3, 4), a(2, 5), a(4, 20), a(5, 20), a(20)]),
            (R.temporal_affine_forward, R.temporal_affine_backward, [a(2, 3, 4), a(4, 6), a(6)])):
        out, cache = forward(*args)
        assert out.dtype == np.float32
        assert all(g.dtype == np.float32 for g in backward(np.ones_like(out), cache))
    next_h, next_c, cache = R.lstm_step_forward(a(2, 4), a(2, 5), a(2, 5), a(4, 20), a(5, 20),
                                                a(20))
    assert next_h.dtype == next_c.dtype == np.float32
    grads = R.lstm_step_backward(np.ones_like(next_h), np.ones_like(next_c), cache)
    assert all(g.dtype == np.float32 for g in grads)
