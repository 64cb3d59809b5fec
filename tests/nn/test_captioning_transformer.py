"""CaptioningTransformer and PositionalEncoding: torch parity of the whole model's loss and
gradients, the causal mask, <NULL> ignored by the loss, greedy sampling, and the example's
overfit run."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.models import CaptioningTransformer
from tinygrad_edu.models.transformer_captioning import PositionalEncoding

torch = pytest.importorskip("torch")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VOCAB = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "cat": 4, "dog": 5, "sits": 6,
         "runs": 7}
CAPTIONS = np.array([[1, 3, 4, 6, 2, 0], [1, 3, 5, 7, 2, 0], [1, 5, 2, 0, 0, 0]])


def _model(dtype=tg.float64, dropout=0.0, **kw):
    tg.manual_seed(0)
    args = dict(input_dim=6, wordvec_dim=8, num_heads=2, num_layers=2, dim_feedforward=16,
                dropout=dropout, max_length=10, dtype=dtype)
    return CaptioningTransformer(VOCAB, **{**args, **kw})


# ----------------------------------------------------------------------------- positions

def test_positional_encoding_values():
    pe = PositionalEncoding(6, dropout=0.0, max_len=5, dtype=tg.float64)
    out = pe(tg.zeros(2, 4, 6, dtype=tg.float64)).numpy()
    for t in range(4):
        for i in range(3):  # pairs (sin, cos) at frequency 10000^(-2i/6)
            angle = t / 10000 ** (2 * i / 6)
            np.testing.assert_allclose(out[:, t, 2 * i], np.sin(angle), rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(out[:, t, 2 * i + 1], np.cos(angle), rtol=1e-12)
    assert pe.pe.shape == (1, 5, 6)
    assert "pe" in dict(pe.named_buffers())
    x = tg.randn(1, 5, 6, dtype=tg.float64)
    np.testing.assert_allclose(pe(x).numpy() - x.numpy(), pe.pe.numpy(), rtol=1e-12)


def test_positional_encoding_bad_input():
    with pytest.raises(ValueError, match="embed_dim must be even"):
        PositionalEncoding(5)
    pe = PositionalEncoding(4, max_len=3)
    with pytest.raises(ValueError, match=r"S <= max_len=3, got torch.Size\(\[1, 4, 4\]\)"):
        pe(tg.zeros(1, 4, 4))


# ----------------------------------------------------------------------------- the model

def _torch_loss(model, features, captions):
    """The same model assembled from torch's modules holding copies of the weights."""
    tnn = torch.nn
    state = {k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()}
    w = model.wordvec_dim
    layer = tnn.TransformerDecoderLayer(w, model.num_heads, 16, 0.0, batch_first=True)
    parts = tnn.ModuleDict({
        "visual_projection": tnn.Linear(model.input_dim, w),
        "embedding": tnn.Embedding(model.vocab_size, w, padding_idx=0),
        "transformer": tnn.TransformerDecoder(layer, model.num_layers),
        "output": tnn.Linear(w, model.vocab_size)}).double()
    parts.load_state_dict({k: v for k, v in state.items() if not k.endswith(".pe")})
    ids = torch.tensor(captions)
    t = ids.shape[1] - 1
    words = parts["embedding"](ids[:, :-1]) + state["positional_encoding.pe"][:, :t]
    memory = parts["visual_projection"](torch.tensor(features)).unsqueeze(1)
    mask = tnn.Transformer.generate_square_subsequent_mask(t, dtype=torch.float64)
    scores = parts["output"](parts["transformer"](words, memory, tgt_mask=mask))
    targets = ids[:, 1:].reshape(-1)
    loss = tnn.functional.cross_entropy(scores.reshape(-1, model.vocab_size), targets,
                                        ignore_index=0, reduction="sum") / len(features)
    loss.backward()
    return loss, dict(parts.named_parameters())


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_loss_and_gradients_match_torch(mode):
    model = _model()
    model.train(mode == "train")
    features = np.random.default_rng(1).standard_normal((3, 6))
    loss = model.loss(features, CAPTIONS)
    loss.backward()
    ref, params = _torch_loss(model, features, CAPTIONS)
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-10)
    names = [n for n, _ in model.named_parameters()]
    assert sorted(names) == sorted(params)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[name].grad.numpy(), rtol=1e-8,
                                   atol=1e-12, err_msg=name)


def test_forward_shapes_and_state_dict_names():
    model = _model(dtype=tg.float32)
    scores = model(tg.randn(3, 6), CAPTIONS[:, :-1])
    assert scores.shape == (3, 5, len(VOCAB))
    assert scores.dtype == tg.float32
    keys = set(model.state_dict())
    assert {"visual_projection.weight", "embedding.weight", "positional_encoding.pe",
            "transformer.layers.1.multihead_attn.in_proj_weight", "output.bias"} <= keys
    assert "vocab_size=8, wordvec_dim=8, num_heads=2, num_layers=2" in repr(model)


def test_initialisation_is_the_courses():
    model = CaptioningTransformer(VOCAB, input_dim=64, wordvec_dim=32, num_heads=4,
                                  dim_feedforward=64)
    for name in ("visual_projection.weight", "embedding.weight", "output.weight",
                 "transformer.layers.0.linear1.weight"):
        w = dict(model.named_parameters())[name].detach().numpy()
        assert abs(w.std() - 0.02) < 0.004, name
    assert not model.output.bias.detach().numpy().any()
    np.testing.assert_array_equal(model.transformer.layers[0].norm1.weight.detach().numpy(), 1)


def test_later_words_do_not_change_earlier_scores():
    """The causal mask: scores at step t depend on words 0..t only."""
    model = _model()
    feats = np.random.default_rng(2).standard_normal((2, 6))
    a = np.array([[1, 3, 4, 6, 2], [1, 5, 7, 2, 0]])
    b = a.copy()
    b[:, 3:] = [[5, 5], [3, 4]]
    sa, sb = (model(feats, x).detach().numpy() for x in (a, b))
    np.testing.assert_allclose(sa[:, :3], sb[:, :3], rtol=1e-12)
    assert not np.allclose(sa[:, 3:], sb[:, 3:])


def test_loss_ignores_null_targets():
    model = _model()
    feats = np.random.default_rng(3).standard_normal((3, 6))
    base = model.loss(feats, CAPTIONS).item()
    padded = np.concatenate([CAPTIONS, np.zeros((3, 3), np.int64)], axis=1)  # more <NULL>
    np.testing.assert_allclose(model.loss(feats, padded).item(), base, rtol=1e-12)
    # the same loss from the scores by cross-entropy with ignore_index=<NULL>
    scores = model(feats, CAPTIONS[:, :-1])
    ref = tg.nn.functional.cross_entropy(scores.reshape(-1, len(VOCAB)),
                                         tg.tensor(CAPTIONS[:, 1:].reshape(-1)),
                                         ignore_index=0, reduction="sum") / 3
    np.testing.assert_allclose(ref.item(), base, rtol=1e-12)
    # no gradient reaches the scores of steps whose target is <NULL>
    scores = model(feats, CAPTIONS[:, :-1])
    scores.retain_grad()
    targets = CAPTIONS[:, 1:]
    tg.nn.functional.temporal_softmax_loss(scores, targets, targets != 0).backward()
    assert not scores.grad.numpy()[targets == 0].any()
    assert scores.grad.numpy()[targets != 0].any()


def test_gradient_reaches_every_parameter():
    model = _model(dropout=0.1)
    model.train()
    model.loss(np.random.default_rng(4).standard_normal((3, 6)), CAPTIONS).backward()
    for name, p in model.named_parameters():
        grad = p.grad.numpy()
        assert np.isfinite(grad).all(), name
        assert np.abs(grad).sum() > 0, name
    assert not model.embedding.weight.grad.numpy()[0].any()  # padding_idx=<NULL>


def test_sample_stops_at_end_and_restores_the_mode():
    model = _model(dropout=0.5)
    model.train()
    feats = tg.randn(3, 6, dtype=tg.float64)
    with tg.no_grad():  # force <END> everywhere: every caption is "<END>" then <NULL>
        model.output.bias.fill_(-1e3)
        model.output.bias[VOCAB["<END>"]] = 1e3
    sampled = model.sample(feats, max_length=4)
    np.testing.assert_array_equal(sampled, [[2, 0, 0, 0]] * 3)
    assert sampled.dtype == np.int64
    assert model.training  # sampling ran in eval mode and put the mode back
    assert model.decode(sampled) == ["<END>"] * 3
    with tg.no_grad():  # "cat" always: no <END>, max_length words
        model.output.bias[VOCAB["<END>"]] = -1e3
        model.output.bias[VOCAB["cat"]] = 1e3
    np.testing.assert_array_equal(model.sample(feats, max_length=10), np.full((3, 10), 4))


@pytest.mark.parametrize(("call", "error", "pattern"), [
    (lambda m: m.loss(tg.randn(2, 5), np.ones((2, 4), dtype=np.int64)), ValueError,
     r"CaptioningTransformer: expected features of shape \(N, 6\)"),
    (lambda m: m.loss(tg.randn(2, 6), np.array([[1, 3, 9], [1, 2, 0]])), IndexError,
     r"CaptioningTransformer: caption word id 9 is out of range"),
    (lambda m: m(tg.randn(1, 6), np.ones((1, 11), dtype=np.int64)), ValueError,
     "longer than max_length=10"),
    (lambda m: m.sample(tg.randn(1, 6), max_length=11), ValueError,
     "max_length=11 is more than the model's max_length=10"),
    (lambda m: CaptioningTransformer({"<NULL>": 0, "a": 1}, 6, 8, 2).sample(tg.randn(1, 6)),
     ValueError, "no '<START>'"),
    (lambda m: CaptioningTransformer({"a": 0}), ValueError, "<NULL>"),
    (lambda m: CaptioningTransformer(VOCAB, 6, wordvec_dim=6, num_heads=4), AssertionError,
     "divisible"),
])
def test_bad_input(call, error, pattern):
    model = _model(dtype=tg.float32)
    with pytest.raises(error, match=pattern):
        call(model)


# ----------------------------------------------------------------------------- example

@pytest.mark.slow
def test_example_quick_overfits_and_samples_training_captions_back(monkeypatch, capsys,
                                                                  tmp_path):
    pytest.importorskip("sklearn")
    figure = tmp_path / "captions.png"
    monkeypatch.setattr(sys, "argv", ["captioning_transformer_digits.py", "--quick", "--out",
                                      str(figure)])
    runpy.run_path(str(EXAMPLES / "captioning_transformer_digits.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "50/50 training captions sampled back exactly" in out, out
    losses = [float(line.split("loss")[1].split()[0]) for line in out.splitlines()
              if line.strip().startswith("step")]
    assert losses[0] > 10 > 0.05 > losses[-1]
