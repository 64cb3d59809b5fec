"""classic.classifiers: initialisation order, engine gradients against the hand-written layer
backwards, numerical gradients and torch, and the course's conventions."""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.classic import layer_utils as U
from tinygrad_edu.classic import layers as L
from tinygrad_edu.classic import rnn_layers as R
from tinygrad_edu.classic.classifiers import (
    CaptioningRNN,
    FullyConnectedNet,
    ThreeLayerConvNet,
    TwoLayerNet,
)
from tinygrad_edu.classic.gradient_check import eval_numerical_gradient, rel_error

torch = pytest.importorskip("torch")


def assert_same_grads(grads: dict[str, np.ndarray], expected: dict[str, np.ndarray],
                      tol: float = 1e-9) -> None:
    assert sorted(grads) == sorted(expected)
    for name in grads:
        assert grads[name].shape == expected[name].shape, name
        np.testing.assert_allclose(grads[name], expected[name], rtol=tol, atol=1e-12,
                                   err_msg=name)


def numerical_check(model: Any, X: np.ndarray, y: np.ndarray, names: list[str],  # noqa: N803
                    tol: float) -> None:
    _, grads = model.loss(X, y)
    for name in names:
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                      verbose=False, h=1e-6)
        assert rel_error(num, grads[name]) < tol, name


# ----------------------------------------------------------------------------- TwoLayerNet

def test_two_layer_net_init_order_and_course_values() -> None:
    np.random.seed(0)
    model = TwoLayerNet(input_dim=6, hidden_dim=4, num_classes=3, weight_scale=0.1)
    np.random.seed(0)
    np.testing.assert_array_equal(model.params["W1"], 0.1 * np.random.randn(6, 4))
    np.testing.assert_array_equal(model.params["W2"], 0.1 * np.random.randn(4, 3))
    assert not model.params["b1"].any()
    assert model.params["b2"].shape == (3,)


def test_two_layer_net_gradients_against_layers_torch_and_numbers() -> None:
    np.random.seed(1)
    model = TwoLayerNet(input_dim=5, hidden_dim=6, num_classes=4, weight_scale=0.3, reg=0.7)
    X, y = np.random.randn(3, 5), np.array([0, 3, 1])  # noqa: N806
    loss, grads = model.loss(X, y)
    p = model.params
    hidden, cache1 = U.affine_relu_forward(X, p["W1"], p["b1"])
    scores, cache2 = L.affine_forward(hidden, p["W2"], p["b2"])
    np.testing.assert_allclose(model.loss(X), scores, rtol=1e-12)
    data_loss, dscores = L.softmax_loss(scores, y)
    assert loss == pytest.approx(data_loss + 0.35 * (np.sum(p["W1"]**2) + np.sum(p["W2"]**2)))
    dh, dw2, db2 = L.affine_backward(dscores, cache2)
    _, dw1, db1 = U.affine_relu_backward(dh, cache1)
    assert_same_grads(grads, {"W1": dw1 + 0.7 * p["W1"], "b1": db1, "W2": dw2 + 0.7 * p["W2"],
                              "b2": db2})
    numerical_check(model, X, y, ["W1", "b1", "W2", "b2"], 1e-6)


def test_loss_reads_the_params_fresh_every_call() -> None:
    np.random.seed(2)
    model = TwoLayerNet(input_dim=3, hidden_dim=3, num_classes=2, weight_scale=1.0)
    X, y = np.random.randn(4, 3), np.array([0, 1, 1, 0])  # noqa: N806
    before = model.loss(X, y)[0]
    model.params["b2"][0] += 1.0  # in place, as a gradient check does
    assert model.loss(X, y)[0] != before
    model.params["b2"] = model.params["b2"] - np.array([1.0, 0.0])  # replaced (the Solver)
    after, grads = model.loss(X, y)
    assert after == pytest.approx(before)
    assert grads["b2"].shape == (2,)


# ----------------------------------------------------------------------------- FullyConnectedNet

def test_fc_net_init_order_dtype_and_bn_params() -> None:
    np.random.seed(3)
    model = FullyConnectedNet([4, 5], input_dim=3, num_classes=2, weight_scale=0.5,
                              normalization="batchnorm")
    np.random.seed(3)
    for i, (fan_in, fan_out) in enumerate([(3, 4), (4, 5), (5, 2)], start=1):
        expected = (0.5 * np.random.randn(fan_in, fan_out)).astype(np.float32)
        np.testing.assert_array_equal(model.params[f"W{i}"], expected)
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert sorted(model.params) == ["W1", "W2", "W3", "b1", "b2", "b3", "beta1", "beta2",
                                    "gamma1", "gamma2"]
    assert model.params["gamma2"].tolist() == [1.0] * 5
    assert model.bn_params == [{"mode": "train"}, {"mode": "train"}]
    assert model.dropout_param == {}


def test_fc_net_without_dropout_draws_no_random_numbers() -> None:
    np.random.seed(4)
    model = FullyConnectedNet([3], input_dim=2, num_classes=2, dropout_keep_ratio=1)
    state = np.random.get_state()[1].copy()
    position = np.random.get_state()[2]
    model.loss(np.ones((2, 2)), np.array([0, 1]))
    assert np.array_equal(np.random.get_state()[1], state)
    assert np.random.get_state()[2] == position
    assert not model.use_dropout


def test_fc_net_accepts_the_old_dropout_keyword() -> None:
    model = FullyConnectedNet([3], input_dim=2, num_classes=2, dropout=0.25, seed=7)
    assert model.dropout_param == {"mode": "train", "p": 0.25, "seed": 7}
    with pytest.raises(TypeError, match="unexpected keyword"):
        FullyConnectedNet([3], input_dim=2, num_classes=2, dropuot=0.5)
    with pytest.raises(ValueError, match="normalization must be"):
        FullyConnectedNet([3], normalization="groupnorm")


def layer_path(model: FullyConnectedNet, X: np.ndarray, y: np.ndarray  # noqa: N803
               ) -> tuple[float, dict[str, np.ndarray]]:
    """The same loss and gradients with the hand-written backwards of classic.layers."""
    p, caches, h = model.params, [], X
    for i in range(1, model.num_layers):
        h, fc = L.affine_forward(h, p[f"W{i}"], p[f"b{i}"])
        norm = None
        if model.normalization == "batchnorm":
            h, norm = L.batchnorm_forward(h, p[f"gamma{i}"], p[f"beta{i}"], model.bn_params[i - 1])
        elif model.normalization == "layernorm":
            h, norm = L.layernorm_forward(h, p[f"gamma{i}"], p[f"beta{i}"], model.bn_params[i - 1])
        h, relu = L.relu_forward(h)
        drop = None
        if model.use_dropout:
            h, drop = L.dropout_forward(h, model.dropout_param)
        caches.append((fc, norm, relu, drop))
    last = model.num_layers
    scores, fc_last = L.affine_forward(h, p[f"W{last}"], p[f"b{last}"])
    loss, dout = L.softmax_loss(scores, y)
    grads: dict[str, np.ndarray] = {}
    dout, grads[f"W{last}"], grads[f"b{last}"] = L.affine_backward(dout, fc_last)
    for i in range(last - 1, 0, -1):
        fc, norm, relu, drop = caches[i - 1]
        if drop is not None:
            dout = L.dropout_backward(dout, drop)
        dout = L.relu_backward(dout, relu)
        if model.normalization == "batchnorm":
            dout, grads[f"gamma{i}"], grads[f"beta{i}"] = L.batchnorm_backward(dout, norm)
        elif model.normalization == "layernorm":
            dout, grads[f"gamma{i}"], grads[f"beta{i}"] = L.layernorm_backward(dout, norm)
        dout, grads[f"W{i}"], grads[f"b{i}"] = L.affine_backward(dout, fc)
    for i in range(1, last + 1):
        loss += 0.5 * model.reg * np.sum(p[f"W{i}"] ** 2)
        grads[f"W{i}"] += model.reg * p[f"W{i}"]
    return loss, grads


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
@pytest.mark.parametrize("keep", [1, 0.6])
def test_fc_net_engine_gradients_equal_the_layer_backwards(normalization: str | None,
                                                           keep: float) -> None:
    np.random.seed(5)
    model = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, weight_scale=0.4, reg=0.3,
                              normalization=normalization, dropout_keep_ratio=keep, seed=11,
                              dtype=np.float64)
    X, y = np.random.randn(5, 4), np.array([0, 2, 1, 1, 0])  # noqa: N806
    twin = copy.deepcopy(model)
    loss, grads = model.loss(X, y)
    ref_loss, ref_grads = layer_path(twin, X, y)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert_same_grads(grads, ref_grads)
    if normalization == "batchnorm":  # running statistics updated the course's way
        for ours, theirs in zip(model.bn_params, twin.bn_params, strict=True):
            np.testing.assert_allclose(ours["running_var"], theirs["running_var"], rtol=1e-12)


def test_fc_net_numerical_gradients_with_batchnorm_and_dropout() -> None:
    np.random.seed(6)
    model = FullyConnectedNet([5, 4], input_dim=3, num_classes=3, weight_scale=0.5, reg=0.1,
                              normalization="batchnorm", dropout_keep_ratio=0.7, seed=3,
                              dtype=np.float64)
    X, y = np.random.randn(6, 3), np.array([0, 1, 2, 0, 1, 2])  # noqa: N806
    numerical_check(model, X, y, sorted(model.params), 1e-5)


def test_fc_net_matches_torch() -> None:
    np.random.seed(7)
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, weight_scale=0.5, reg=0.2,
                              normalization="layernorm", dtype=np.float64)
    X, y = np.random.randn(4, 4), np.array([2, 0, 1, 1])  # noqa: N806
    loss, grads = model.loss(X, y)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    h = torch.nn.functional.layer_norm(torch.tensor(X) @ p["W1"] + p["b1"], (5,), p["gamma1"],
                                       p["beta1"])
    scores = torch.relu(h) @ p["W2"] + p["b2"]
    ref = torch.nn.functional.cross_entropy(scores, torch.tensor(y)) + 0.1 * (
        (p["W1"] ** 2).sum() + (p["W2"] ** 2).sum())
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    assert_same_grads(grads, {k: v.grad.numpy() for k, v in p.items()})


def test_fc_net_test_mode_uses_running_stats_and_no_dropout() -> None:
    np.random.seed(8)
    model = FullyConnectedNet([4], input_dim=3, num_classes=2, normalization="batchnorm",
                              dropout_keep_ratio=0.5, dtype=np.float64)
    X = np.random.randn(5, 3)  # noqa: N806
    model.loss(X, np.zeros(5, dtype=int))
    state = np.random.get_state()[2]
    scores = model.loss(X)
    assert model.bn_params[0]["mode"] == "test"
    assert model.dropout_param["mode"] == "test"
    assert np.random.get_state()[2] == state  # no mask drawn in test mode
    p, bn = model.params, model.bn_params[0]
    h = X @ p["W1"] + p["b1"]
    h = (h - bn["running_mean"]) / np.sqrt(bn["running_var"] + 1e-5) * p["gamma1"] + p["beta1"]
    np.testing.assert_allclose(scores, np.maximum(h, 0) @ p["W2"] + p["b2"], rtol=1e-10)


def test_float32_models_cast_inputs() -> None:
    model = FullyConnectedNet([3], input_dim=2, num_classes=2)
    loss, grads = model.loss(np.ones((2, 2)), np.array([0, 1]))
    assert isinstance(loss, float)
    assert all(g.dtype == np.float32 for g in grads.values())


# ----------------------------------------------------------------------------- ThreeLayerConvNet

def test_three_layer_convnet_matches_the_layer_functions() -> None:
    np.random.seed(9)
    model = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=4,
                              num_classes=3, weight_scale=0.3, reg=0.2, dtype=np.float64)
    np.random.seed(9)
    np.testing.assert_array_equal(model.params["W1"], 0.3 * np.random.randn(3, 2, 3, 3))
    assert model.params["W2"].shape == (3 * 3 * 3, 4)
    X, y = np.random.randn(2, 2, 6, 6), np.array([1, 2])  # noqa: N806
    loss, grads = model.loss(X, y)
    p = model.params
    conv, pool = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    h1, c1 = U.conv_relu_pool_forward(X, p["W1"], p["b1"], conv, pool)
    h2, c2 = U.affine_relu_forward(h1, p["W2"], p["b2"])
    scores, c3 = L.affine_forward(h2, p["W3"], p["b3"])
    ref_loss, d = L.softmax_loss(scores, y)
    ref_loss += 0.1 * sum(np.sum(p[w] ** 2) for w in ("W1", "W2", "W3"))
    d, dw3, db3 = L.affine_backward(d, c3)
    d, dw2, db2 = U.affine_relu_backward(d, c2)
    _, dw1, db1 = U.conv_relu_pool_backward(d, c1)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert_same_grads(grads, {"W1": dw1 + 0.2 * p["W1"], "b1": db1, "W2": dw2 + 0.2 * p["W2"],
                              "b2": db2, "W3": dw3 + 0.2 * p["W3"], "b3": db3})
    numerical_check(model, X, y, ["W1", "W3"], 1e-5)


# ----------------------------------------------------------------------------- CaptioningRNN

VOCAB = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3, "dog": 4, "sat": 5}


def test_captioning_init_follows_the_course() -> None:
    np.random.seed(10)
    model = CaptioningRNN(VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=5, cell_type="lstm")
    np.random.seed(10)
    r = np.random.randn
    expected = {"W_embed": r(6, 3) / 100, "W_proj": r(4, 5) / np.sqrt(4),
                "Wx": r(3, 20) / np.sqrt(3), "Wh": r(5, 20) / np.sqrt(5),
                "W_vocab": r(5, 6) / np.sqrt(5)}
    for name, value in expected.items():
        np.testing.assert_array_equal(model.params[name], value.astype(np.float32))
    assert model.params["b"].shape == (20,)
    assert not model.params["b_vocab"].any()


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_loss_equals_the_layer_functions(cell_type: str) -> None:
    np.random.seed(11)
    model = CaptioningRNN(VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=5, cell_type=cell_type,
                          dtype=np.float64)
    features = np.random.randn(3, 4)
    captions = np.array([[1, 3, 5, 2, 0], [1, 4, 2, 0, 0], [1, 3, 4, 5, 2]])
    loss, grads = model.loss(features, captions)
    p = model.params
    h0, c_proj = L.affine_forward(features, p["W_proj"], p["b_proj"])
    x, c_embed = R.word_embedding_forward(captions[:, :-1], p["W_embed"])
    forward, backward = ((R.rnn_forward, R.rnn_backward) if cell_type == "rnn"
                         else (R.lstm_forward, R.lstm_backward))
    h, c_rnn = forward(x, h0, p["Wx"], p["Wh"], p["b"])
    scores, c_vocab = R.temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    ref_loss, d = R.temporal_softmax_loss(scores, captions[:, 1:], captions[:, 1:] != 0)
    ref: dict[str, np.ndarray] = {}
    d, ref["W_vocab"], ref["b_vocab"] = R.temporal_affine_backward(d, c_vocab)
    dx, dh0, ref["Wx"], ref["Wh"], ref["b"] = backward(d, c_rnn)
    ref["W_embed"] = R.word_embedding_backward(dx, c_embed)
    _, ref["W_proj"], ref["b_proj"] = L.affine_backward(dh0, c_proj)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert_same_grads(grads, ref)


def test_captioning_numerical_gradients() -> None:
    np.random.seed(12)
    model = CaptioningRNN(VOCAB, input_dim=3, wordvec_dim=2, hidden_dim=3, cell_type="lstm",
                          dtype=np.float64)
    features, captions = np.random.randn(2, 3), np.array([[1, 3, 2, 0], [1, 4, 5, 2]])
    model.params["W_embed"] *= 100  # word vectors of size 1, so that every gradient is sizeable
    _, grads = model.loss(features, captions)
    for name in ("Wx", "Wh", "W_embed", "W_proj"):
        num = eval_numerical_gradient(lambda _: model.loss(features, captions)[0],
                                      model.params[name], verbose=False, h=1e-6)
        assert rel_error(num, grads[name]) < 1e-6, name


def test_captioning_sample_pads_with_null_after_end() -> None:
    np.random.seed(13)
    model = CaptioningRNN(VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=5, dtype=np.float64)
    model.params["b_vocab"][:] = 0
    model.params["b_vocab"][2] = 100.0  # <END> always wins: first word <END>, then <NULL>
    captions = model.sample(np.random.randn(2, 4), max_length=4)
    assert captions.dtype.kind == "i"
    assert captions.shape == (2, 4)
    assert captions.tolist() == [[2, 0, 0, 0], [2, 0, 0, 0]]
    model.params["b_vocab"][2] = 0
    model.params["b_vocab"][3] = 100.0  # "cat" forever: no <END>, no padding
    assert model.sample(np.random.randn(1, 4), max_length=3).tolist() == [[3, 3, 3]]


def test_captioning_sample_matches_step_functions() -> None:
    np.random.seed(14)
    model = CaptioningRNN(VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=5, cell_type="lstm",
                          dtype=np.float64)
    features = np.random.randn(2, 4)
    p = model.params
    h, c, word = features @ p["W_proj"] + p["b_proj"], np.zeros((2, 5)), np.array([1, 1])
    expected = []
    for _ in range(5):
        h, c, _ = R.lstm_step_forward(p["W_embed"][word], h, c, p["Wx"], p["Wh"], p["b"])
        word = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
        expected.append(word)
    sampled = model.sample(features, max_length=5)
    raw = np.stack(expected, axis=1)
    for row, ref in zip(sampled, raw, strict=True):
        end = list(ref).index(2) + 1 if 2 in ref else len(ref)
        assert row[:end].tolist() == ref[:end].tolist()
        assert not row[end:].any()


def test_captioning_errors() -> None:
    with pytest.raises(ValueError, match="cell_type"):
        CaptioningRNN(VOCAB, cell_type="gru")
    with pytest.raises(ValueError, match="<NULL>"):
        CaptioningRNN({"a": 0})
    model = CaptioningRNN(VOCAB, input_dim=2, wordvec_dim=2, hidden_dim=2)
    with pytest.raises(ValueError, match=r"captions must be integer ids \(N, T \+ 1\)"):
        model.loss(np.ones((1, 2)), np.array([[1]]))
