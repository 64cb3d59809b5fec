"""Temporal layers, the masked temporal softmax loss, CaptioningRNN and the sequence examples."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.models.captioning import CaptioningRNN
from tinygrad_edu.nn.functional import temporal_affine, temporal_softmax_loss
from tinygrad_edu.nn.temporal import TemporalAffine
from tinygrad_edu.testing import gradcheck

torch = pytest.importorskip("torch")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# ----------------------------------------------------------------------------- temporal layers

def temporal_softmax_loss_naive(x, y, mask):
    """The course's numpy reference: loss summed over time, averaged over the batch."""
    n, t, v = x.shape
    flat = x.reshape(n * t, v)
    probs = np.exp(flat - flat.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.sum(mask.reshape(-1) * np.log(probs[np.arange(n * t), y.reshape(-1)])) / n
    dx = probs.copy()
    dx[np.arange(n * t), y.reshape(-1)] -= 1
    dx *= mask.reshape(-1, 1) / n
    return loss, dx.reshape(n, t, v)


@given(n=st.integers(1, 4), t=st.integers(1, 5), v=st.integers(2, 6),
       dtype=st.sampled_from([np.float64, np.float32]), seed=st.integers(0, 2**16))
def test_temporal_softmax_loss_matches_course_reference_and_torch(n, t, v, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t, v)).astype(dtype)
    y = rng.integers(0, v, (n, t))
    mask = rng.random((n, t)) < 0.7
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    xt = tg.tensor(x, requires_grad=True)
    loss = temporal_softmax_loss(xt, y, mask)
    loss.backward()
    ref_loss, ref_dx = temporal_softmax_loss_naive(x.astype(np.float64), y, mask)
    np.testing.assert_allclose(loss.item(), ref_loss, **tol)
    np.testing.assert_allclose(xt.grad.numpy(), ref_dx, **tol)
    # the same loss through torch's cross_entropy with ignore_index
    xx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(
        xx.reshape(-1, v), torch.tensor(np.where(mask, y, -100).reshape(-1)), ignore_index=-100,
        reduction="sum") / n
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), **tol)
    np.testing.assert_allclose(xt.grad.numpy(), xx.grad.numpy(), **tol)


def test_temporal_softmax_loss_is_cross_entropy_with_ignore_index():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5))
    y = rng.integers(1, 5, (3, 4))
    y[:, 2:] = 0  # padding id 0 after each caption
    ours = temporal_softmax_loss(tg.tensor(x), y, y != 0)
    # (N, V, T) layout with class dim 1, as F.cross_entropy takes it
    other = F.cross_entropy(tg.tensor(x).transpose(1, 2), tg.tensor(y), ignore_index=0,
                            reduction="sum") / 3
    np.testing.assert_allclose(ours.item(), other.item(), rtol=1e-12)
    unmasked = temporal_softmax_loss(tg.tensor(x), y)
    assert unmasked.item() > ours.item()
    assert gradcheck(lambda s: temporal_softmax_loss(s, y, y != 0), [x])


def test_temporal_affine_matches_torch_linear():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    ours = [tg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = temporal_affine(*ours)
    ref = torch.nn.functional.linear(*theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    cot = rng.standard_normal(out.shape)
    out.backward(tg.tensor(cot))
    ref.backward(torch.tensor(cot))
    for a, c in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=1e-12)
    layer = TemporalAffine(3, 4)
    assert layer(tg.zeros(2, 5, 3)).shape == (2, 5, 4)
    with pytest.raises(RuntimeError, match=r"TemporalAffine: expected input of shape \(N, T, "
                                           r"3\).*got torch.Size\(\[2, 3\]\)"):
        layer(tg.zeros(2, 3))


@pytest.mark.parametrize(("call", "pattern"), [
    (lambda: temporal_softmax_loss(tg.zeros(2, 3), np.zeros((2, 3), int)), "x of shape"),
    (lambda: temporal_softmax_loss(tg.zeros(2, 3, 4), np.zeros((3, 2), int)),
     r"targets y of shape \(2, 3\).*got int64 of shape \(3, 2\)"),
    (lambda: temporal_softmax_loss(tg.zeros(2, 3, 4), np.zeros((2, 3), int), np.ones((2, 3))),
     "boolean mask"),
    (lambda: temporal_affine(tg.zeros(2, 3, 4), tg.zeros(5, 3)), "same D"),
])
def test_temporal_bad_input(call, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        call()


# ----------------------------------------------------------------------------- CaptioningRNN

VOCAB = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "cat": 4, "dog": 5, "sits": 6,
         "runs": 7}


def _torch_captioning_loss(model, features, captions):
    """The same model in torch, assembled from torch modules holding copies of the weights."""
    tn = torch.nn
    state = {k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()}
    proj = tn.Linear(model.input_dim, model.hidden_dim).double()
    emb = tn.Embedding(model.vocab_size, model.wordvec_dim).double()
    cell = (tn.RNN if model.cell_type == "rnn" else tn.LSTM)(
        model.wordvec_dim, model.hidden_dim, batch_first=True).double()
    vocab = tn.Linear(model.hidden_dim, model.vocab_size).double()
    for prefix, module in (("visual_projection.", proj), ("word_embedding.", emb),
                           ("rnn.", cell), ("output_projection.", vocab)):
        module.load_state_dict({k[len(prefix):]: v for k, v in state.items()
                                if k.startswith(prefix)})
    h0 = proj(torch.tensor(features)).unsqueeze(0)
    hx = h0 if model.cell_type == "rnn" else (h0, torch.zeros_like(h0))
    out, _ = cell(emb(torch.tensor(captions[:, :-1])), hx)
    scores = vocab(out)
    targets = torch.tensor(np.where(captions[:, 1:] != 0, captions[:, 1:], -100))
    loss = tn.functional.cross_entropy(scores.reshape(-1, model.vocab_size),
                                       targets.reshape(-1), reduction="sum") / len(features)
    loss.backward()
    return loss, [proj, emb, cell, vocab]


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_loss_and_gradients_match_torch(cell_type):
    rng = np.random.default_rng(2)
    model = CaptioningRNN(VOCAB, input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type=cell_type,
                          dtype=tg.float64)
    features = rng.standard_normal((3, 6))
    captions = np.array([[1, 3, 4, 6, 2, 0], [1, 3, 5, 7, 2, 0], [1, 5, 2, 0, 0, 0]])
    loss = model.loss(features, captions)
    loss.backward()
    ref, modules = _torch_captioning_loss(model, features, captions)
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-10)
    theirs = [p for m in modules for p in m.parameters()]
    for (name, p), q in zip(model.named_parameters(), theirs, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def _overfit(cell_type):
    """50 random captions of 4-7 words over a 12-word vocabulary, random features."""
    rng = np.random.default_rng(3)
    vocab = {"<NULL>": 0, "<START>": 1, "<END>": 2, **{f"w{i}": i + 3 for i in range(9)}}
    captions = np.zeros((50, 9), dtype=np.int64)
    for row in captions:
        words = rng.integers(3, 12, rng.integers(4, 8))
        row[:len(words) + 2] = [1, *words, 2]
    features = rng.standard_normal((50, 20)).astype(np.float32)
    tg.manual_seed(0)
    model = CaptioningRNN(vocab, input_dim=20, wordvec_dim=16, hidden_dim=64,
                          cell_type=cell_type)
    opt = tg.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(400):
        loss = model.loss(features, captions)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if loss.item() < 0.05:
            break
    return model, features, captions, model.loss(features, captions).item()


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_overfits_50_captions_and_samples_them_back(cell_type):
    model, features, captions, loss = _overfit(cell_type)
    assert loss < 0.1
    sampled = model.sample(features, max_length=8)
    assert sampled.shape == (50, 8)
    np.testing.assert_array_equal(sampled, captions[:, 1:])  # <NULL> after <END> included
    assert model.decode(sampled)[0].endswith("<END>")


def test_captioning_works_without_start_and_end_for_the_loss():
    vocab = {"<NULL>": 0, "x": 1, "y": 2}
    model = CaptioningRNN(vocab, input_dim=3, wordvec_dim=2, hidden_dim=4)
    captions = np.array([[1, 2, 1, 0], [2, 2, 0, 0]])
    loss = model.loss(tg.randn(2, 3), captions)
    loss.backward()
    assert np.isfinite(loss.item())
    assert model.word_embedding.weight.grad is not None
    with pytest.raises(ValueError, match="no '<START>'"):
        model.sample(tg.randn(2, 3))


def test_captioning_sample_stops_at_end_and_forward_shapes():
    model = CaptioningRNN(VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=5, cell_type="lstm")
    feats = tg.randn(3, 4)
    assert model(feats, np.ones((3, 6), dtype=np.int64)).shape == (3, 6, len(VOCAB))
    with tg.no_grad():  # force <END> everywhere: every caption is "<END>" then <NULL>
        model.output_projection.bias._data[:] = -1e3
        model.output_projection.bias._data[VOCAB["<END>"]] = 1e3
    sampled = model.sample(feats, max_length=4)
    np.testing.assert_array_equal(sampled, [[2, 0, 0, 0]] * 3)
    assert model.decode(sampled) == ["<END>"] * 3


@pytest.mark.parametrize(("call", "error", "pattern"), [
    (lambda m: m.loss(tg.randn(2, 5), np.ones((2, 4), dtype=np.int64)), ValueError,
     r"CaptioningRNN: expected features of shape \(N, 4\) \(N images, input_dim=4\), got "
     r"torch.Size\(\[2, 5\]\)"),
    (lambda m: m.loss(tg.randn(2, 4), np.array([[1, 3, 9], [1, 2, 0]])), IndexError,
     r"CaptioningRNN: caption word id 9 is out of range: ids must be in \[0, 7\] .*captions "
     r"of shape \(2, 3\)"),
    (lambda m: m.loss(tg.randn(2, 4), np.ones((3, 4), dtype=np.int64)), ValueError,
     r"captions of shape \(2, L\) with L >= 2 for 2 feature vectors, got int64 of shape "
     r"\(3, 4\)"),
    (lambda m: m.sample(tg.randn(4)), ValueError, r"features of shape \(N, 4\)"),
    (lambda m: CaptioningRNN(VOCAB, cell_type="gru"), ValueError, "cell_type"),
    (lambda m: CaptioningRNN({"a": 0}), ValueError, "<NULL>"),
    (lambda m: CaptioningRNN({"<NULL>": 0, "a": 2}), ValueError, "ids 0..1"),
])
def test_captioning_bad_input(call, error, pattern):
    model = CaptioningRNN(VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=5)
    with pytest.raises(error, match=pattern):
        call(model)


# ----------------------------------------------------------------------------- examples

def _run_example(name, *args, monkeypatch):
    monkeypatch.setattr(sys, "argv", [name, *args])
    return runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def test_char_rnn_example_quick(monkeypatch, capsys):
    _run_example("char_rnn.py", "--quick", monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    losses = [float(line.split("loss")[1].split()[0]) for line in out.splitlines()
              if line.startswith("step")]
    assert losses[-1] < losses[0] - 0.3, out  # it learns (3.8 = log(45) at the start)
    assert out.count("  | The ") >= 2  # samples printed as it trains


def test_captioning_digits_example_quick(monkeypatch, capsys, tmp_path):
    pytest.importorskip("sklearn")
    figure = tmp_path / "captions.png"
    _run_example("captioning_digits.py", "--quick", "--out", str(figure),
                 monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    assert "50/50 training captions sampled back exactly" in out, out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no figure" in out
    else:
        assert figure.stat().st_size > 1000
