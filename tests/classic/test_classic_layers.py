"""classic.layers and classic.layer_utils: numerical gradients, torch parity, the engine's ops,
naive vs fast, and the course's conventions (keep probability, running statistics)."""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.classic import fast_layers, layer_utils, layers
from tinygrad_edu.classic.gradient_check import eval_numerical_gradient_array, rel_error
from tinygrad_edu.ops import conv as conv_ops
from tinygrad_edu.ops import norm as norm_ops

torch = pytest.importorskip("torch")
F = torch.nn.functional


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def numeric_grads(forward: Any, args: list[Any], dout: np.ndarray, which: list[int]
                  ) -> list[np.ndarray]:
    """Central differences of sum(forward(*args)[0] * dout) for the args at ``which``."""
    grads = []
    for i in which:
        def f(_: np.ndarray, i: int = i) -> np.ndarray:
            return forward(*args)[0]
        grads.append(eval_numerical_gradient_array(f, args[i], dout))
    return grads


def t(a: np.ndarray, grad: bool = True) -> Any:
    return torch.tensor(a, requires_grad=grad)


def assert_grads(analytic: Any, numeric: Any, tol: float = 1e-7) -> None:
    for k, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        assert a.shape == n.shape, k
        assert rel_error(a, n) < tol, (k, rel_error(a, n))


# ----------------------------------------------------------------------------- affine, relu

def test_affine_matches_torch_and_numerical_gradients() -> None:
    r = rng(1)
    x, w, b = r.standard_normal((3, 2, 4)), r.standard_normal((8, 5)), r.standard_normal(5)
    out, cache = layers.affine_forward(x, w, b)
    dout = r.standard_normal(out.shape)
    dx, dw, db = layers.affine_backward(dout, cache)
    xt, wt, bt = t(x), t(w), t(b)
    ref = F.linear(xt.flatten(1), wt.T, bt)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12)
    for mine, theirs in ((dx, xt), (dw, wt), (db, bt)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert_grads([dx, dw, db], numeric_grads(layers.affine_forward, [x, w, b], dout, [0, 1, 2]))


def test_affine_keeps_float32() -> None:
    x, w, b = (np.ones(s, np.float32) for s in ((2, 3), (3, 4), (4,)))
    out, cache = layers.affine_forward(x, w, b)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layers.affine_backward(out, cache))


def test_relu_backward_is_a_bare_array_and_gates_at_zero() -> None:
    x = np.array([[-1.0, 0.0, 2.0]])
    out, cache = layers.relu_forward(x)
    dx = layers.relu_backward(np.ones_like(x), cache)
    assert isinstance(dx, np.ndarray)
    assert out.tolist() == [[0.0, 0.0, 2.0]]
    assert dx.tolist() == [[0.0, 0.0, 1.0]]


# ----------------------------------------------------------------------------- losses

def test_softmax_loss_matches_torch_and_numerical() -> None:
    r = rng(2)
    x, y = r.standard_normal((6, 5)), r.integers(0, 5, 6)
    loss, dx = layers.softmax_loss(x, y)
    xt = t(x)
    ref = F.cross_entropy(xt, torch.tensor(y))
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_svm_loss_is_torch_multi_margin_times_classes() -> None:
    r = rng(3)
    x, y = r.standard_normal((7, 4)), r.integers(0, 4, 7)
    loss, dx = layers.svm_loss(x, y)
    xt = t(x)
    ref = F.multi_margin_loss(xt, torch.tensor(y)) * 4
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    numeric = eval_numerical_gradient_array(lambda v: np.array(layers.svm_loss(v, y)[0]), x,
                                            np.array(1.0))
    assert rel_error(dx, numeric) < 1e-8


# ----------------------------------------------------------------------------- batch norm

def test_batchnorm_train_matches_torch_gradients_and_alt() -> None:
    r = rng(4)
    x = 3 * r.standard_normal((8, 5)) + 2
    gamma, beta = r.standard_normal(5), r.standard_normal(5)
    bn_param: dict[str, Any] = {"mode": "train"}
    out, cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
    dout = r.standard_normal(out.shape)
    grads = layers.batchnorm_backward(dout, cache)
    xt, gt, bt = t(x), t(gamma), t(beta)
    ref = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(grads, (xt, gt, bt), strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    alt = layers.batchnorm_backward_alt(dout, cache)
    for a, b in zip(grads, alt, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    fwd = lambda x, g, b: layers.batchnorm_forward(x, g, b, {"mode": "train"})  # noqa: E731
    assert_grads(grads, numeric_grads(fwd, [x, gamma, beta], dout, [0, 1, 2]), 1e-6)


def test_batchnorm_running_stats_follow_the_course() -> None:
    """Zeros at first, momentum 0.9 on the OLD value, biased variance, stored in the dict."""
    r = rng(5)
    bn_param: dict[str, Any] = {"mode": "train"}
    gamma, beta = np.ones(3), np.zeros(3)
    expected_mean, expected_var = np.zeros(3), np.zeros(3)
    for _ in range(3):
        x = r.standard_normal((10, 3)) * 2 + 1
        layers.batchnorm_forward(x, gamma, beta, bn_param)
        expected_mean = 0.9 * expected_mean + 0.1 * x.mean(axis=0)
        expected_var = 0.9 * expected_var + 0.1 * x.var(axis=0)
    np.testing.assert_allclose(bn_param["running_mean"], expected_mean, rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], expected_var, rtol=1e-12)
    bn_param["mode"] = "test"
    x = r.standard_normal((4, 3))
    out, cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, (x - expected_mean) / np.sqrt(expected_var + 1e-5),
                               rtol=1e-10)
    dout = r.standard_normal(x.shape)
    dx, _, _ = layers.batchnorm_backward(dout, cache)
    np.testing.assert_allclose(dx, dout / np.sqrt(expected_var + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(layers.batchnorm_backward_alt(dout, cache)[0], dx, rtol=1e-10)


def test_batchnorm_custom_momentum_and_eps() -> None:
    x = rng(6).standard_normal((5, 2))
    bn_param = {"mode": "train", "momentum": 0.5, "eps": 1e-3,
                "running_mean": np.ones(2), "running_var": np.ones(2)}
    out, _ = layers.batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.5 + 0.5 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-10)


def test_spatial_batchnorm_matches_torch() -> None:
    r = rng(7)
    x = r.standard_normal((3, 4, 5, 2)) * 2 - 1
    gamma, beta = r.standard_normal(4), r.standard_normal(4)
    bn_param: dict[str, Any] = {"mode": "train"}
    out, cache = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    dout = r.standard_normal(out.shape)
    grads = layers.spatial_batchnorm_backward(dout, cache)
    xt, gt, bt = t(x), t(gamma), t(beta)
    ref = F.batch_norm(xt, None, None, gt, bt, training=True)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(grads, (xt, gt, bt), strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=(0, 2, 3)),
                               rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=(0, 2, 3)),
                               rtol=1e-12)


# ----------------------------------------------------------------------------- layer/group norm

def test_layernorm_matches_torch_and_numerical() -> None:
    r = rng(8)
    x = r.standard_normal((4, 6)) * 3
    gamma, beta = r.standard_normal(6), r.standard_normal(6)
    out, cache = layers.layernorm_forward(x, gamma, beta, {"eps": 1e-4})
    dout = r.standard_normal(out.shape)
    grads = layers.layernorm_backward(dout, cache)
    xt, gt, bt = t(x), t(gamma), t(beta)
    ref = F.layer_norm(xt, (6,), gt, bt, eps=1e-4)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(grads, (xt, gt, bt), strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    fwd = lambda x, g, b: layers.layernorm_forward(x, g, b, {"eps": 1e-4})  # noqa: E731
    assert_grads(grads, numeric_grads(fwd, [x, gamma, beta], dout, [0, 1, 2]), 1e-6)


def test_spatial_groupnorm_matches_torch_and_numerical() -> None:
    r = rng(9)
    x = r.standard_normal((2, 6, 3, 2)) * 2
    gamma, beta = r.standard_normal((1, 6, 1, 1)), r.standard_normal((1, 6, 1, 1))
    out, cache = layers.spatial_groupnorm_forward(x, gamma, beta, 3, {})
    dout = r.standard_normal(out.shape)
    dx, dgamma, dbeta = layers.spatial_groupnorm_backward(dout, cache)
    assert dgamma.shape == dbeta.shape == (1, 6, 1, 1)
    xt, gt, bt = t(x), t(gamma.ravel()), t(beta.ravel())
    ref = F.group_norm(xt, 3, gt, bt, eps=1e-5)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dgamma.ravel(), gt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dbeta.ravel(), bt.grad.numpy(), rtol=1e-9, atol=1e-12)
    fwd = lambda x, g, b: layers.spatial_groupnorm_forward(x, g, b, 3, {})  # noqa: E731
    assert_grads([dx, dgamma, dbeta], numeric_grads(fwd, [x, gamma, beta], dout, [0, 1, 2]),
                 1e-6)


# ----------------------------------------------------------------------------- dropout

def test_dropout_keeps_with_probability_p_and_uses_numpy_global_generator() -> None:
    x = rng(10).standard_normal((50, 40))
    param = {"mode": "train", "p": 0.3, "seed": 123}
    out, cache = layers.dropout_forward(x, param)
    np.random.seed(123)
    mask = (np.random.rand(*x.shape) < 0.3) / 0.3
    np.testing.assert_array_equal(out, x * mask)
    assert abs((out != 0).mean() - 0.3) < 0.03  # p is the KEEP probability
    dout = rng(11).standard_normal(x.shape)
    dx = layers.dropout_backward(dout, cache)
    assert isinstance(dx, np.ndarray)
    np.testing.assert_array_equal(dx, dout * mask)
    again, _ = layers.dropout_forward(x, param)  # reseeded before each mask
    np.testing.assert_array_equal(again, out)


def test_dropout_without_seed_continues_the_global_stream_and_test_mode_is_identity() -> None:
    x = np.ones((4, 5), np.float32)
    np.random.seed(0)
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5})
    np.random.seed(0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, ((np.random.rand(4, 5) < 0.5) / 0.5).astype(np.float32))
    out, cache = layers.dropout_forward(x, {"mode": "test", "p": 0.5})
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(layers.dropout_backward(2 * x, cache), 2 * x)


# ----------------------------------------------------------------------------- convolution

CONV_CASES = [((2, 3, 7, 7), (4, 3, 3, 3), 1, 1), ((2, 3, 8, 6), (2, 3, 3, 2), 2, 1),
              ((1, 2, 5, 5), (3, 2, 5, 5), 1, 0), ((3, 1, 9, 9), (2, 1, 4, 4), 3, 2)]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "pad"), CONV_CASES)
def test_conv_naive_fast_torch_agree(x_shape: tuple[int, ...], w_shape: tuple[int, ...],
                                     stride: int, pad: int) -> None:
    r = rng(12)
    x, w, b = r.standard_normal(x_shape), r.standard_normal(w_shape), r.standard_normal(
        w_shape[0])
    param = {"stride": stride, "pad": pad}
    naive, naive_cache = layers.conv_forward_naive(x, w, b, param)
    fast, fast_cache = fast_layers.conv_forward_fast(x, w, b, param)
    np.testing.assert_allclose(naive, fast, rtol=1e-9, atol=1e-12)
    dout = r.standard_normal(naive.shape)
    naive_grads = layers.conv_backward_naive(dout, naive_cache)
    fast_grads = fast_layers.conv_backward_fast(dout, fast_cache)
    xt, wt, bt = t(x), t(w), t(b)
    ref = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(naive, ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    for a, c, theirs in zip(naive_grads, fast_grads, (xt, wt, bt), strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(a, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_conv_naive_backward_matches_numerical_gradient() -> None:
    r = rng(13)
    x, w, b = r.standard_normal((2, 2, 5, 5)), r.standard_normal((3, 2, 3, 3)), \
        r.standard_normal(3)
    param = {"stride": 2, "pad": 1}
    out, cache = layers.conv_forward_naive(x, w, b, param)
    dout = r.standard_normal(out.shape)
    fwd = lambda x, w, b: layers.conv_forward_naive(x, w, b, param)  # noqa: E731
    assert_grads(layers.conv_backward_naive(dout, cache),
                 numeric_grads(fwd, [x, w, b], dout, [0, 1, 2]), 1e-7)


def test_conv_fast_is_the_engine_op() -> None:
    r = rng(14)
    x, w, b = r.standard_normal((2, 3, 6, 6)), r.standard_normal((2, 3, 3, 3)), \
        r.standard_normal(2)
    out, _ = fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    ref, _ = conv_ops.conv2d_forward(x, w, b, stride=(1, 1), padding=(1, 1))
    np.testing.assert_array_equal(out, ref)


# ----------------------------------------------------------------------------- max pooling

POOL_CASES = [((2, 3, 8, 8), 2, 2, 2), ((2, 2, 7, 5), 3, 2, 1), ((1, 3, 6, 9), 2, 3, 3)]


@pytest.mark.parametrize(("x_shape", "ph", "pw", "stride"), POOL_CASES)
def test_max_pool_naive_equals_fast_exactly_and_matches_torch(x_shape: tuple[int, ...], ph: int,
                                                              pw: int, stride: int) -> None:
    r = rng(15)
    x = r.standard_normal(x_shape)
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    naive, naive_cache = layers.max_pool_forward_naive(x, param)
    fast, fast_cache = fast_layers.max_pool_forward_fast(x, param)
    np.testing.assert_array_equal(naive, fast)
    dout = r.standard_normal(naive.shape)
    dx_naive = layers.max_pool_backward_naive(dout, naive_cache)
    dx_fast = fast_layers.max_pool_backward_fast(dout, fast_cache)
    assert isinstance(dx_naive, np.ndarray)
    assert isinstance(dx_fast, np.ndarray)
    np.testing.assert_array_equal(dx_naive, dx_fast)
    xt = t(x)
    ref = F.max_pool2d(xt, (ph, pw), stride)
    ref.backward(torch.tensor(dout))
    np.testing.assert_array_equal(naive, ref.detach().numpy())
    np.testing.assert_allclose(dx_naive, xt.grad.numpy(), rtol=1e-12, atol=1e-15)
    numeric = eval_numerical_gradient_array(
        lambda v: layers.max_pool_forward_naive(v, param)[0], x, dout)
    assert rel_error(dx_naive, numeric) < 1e-8


# ----------------------------------------------------------------------------- sandwiches

def test_sandwich_layers_compose_the_layers() -> None:
    r = rng(16)
    x, w, b = r.standard_normal((4, 6)), r.standard_normal((6, 5)), r.standard_normal(5)
    gamma, beta = r.standard_normal(5), r.standard_normal(5)
    out, cache = layer_utils.affine_bn_relu_forward(x, w, b, gamma, beta, {"mode": "train"})
    dout = r.standard_normal(out.shape)
    grads = layer_utils.affine_bn_relu_backward(dout, cache)
    fwd = lambda *a: layer_utils.affine_bn_relu_forward(*a, {"mode": "train"})  # noqa: E731
    assert_grads(grads, numeric_grads(fwd, [x, w, b, gamma, beta], dout, [0, 1, 2, 3, 4]), 1e-5)

    out, cache = layer_utils.affine_relu_forward(x, w, b)
    grads = layer_utils.affine_relu_backward(dout, cache)
    assert_grads(grads, numeric_grads(layer_utils.affine_relu_forward, [x, w, b], dout,
                                      [0, 1, 2]), 1e-6)


def test_conv_sandwiches_match_torch() -> None:
    r = rng(17)
    x, w, b = r.standard_normal((2, 3, 6, 6)), r.standard_normal((4, 3, 3, 3)), \
        r.standard_normal(4)
    gamma, beta = r.standard_normal(4), r.standard_normal(4)
    conv_param = {"stride": 1, "pad": 1}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    cases = [
        (layer_utils.conv_relu_forward, layer_utils.conv_relu_backward, (conv_param,),
         lambda xt, wt, bt: F.relu(F.conv2d(xt, wt, bt, padding=1)), [x, w, b]),
        (layer_utils.conv_relu_pool_forward, layer_utils.conv_relu_pool_backward,
         (conv_param, pool_param),
         lambda xt, wt, bt: F.max_pool2d(F.relu(F.conv2d(xt, wt, bt, padding=1)), 2, 2),
         [x, w, b]),
        (layer_utils.conv_bn_relu_forward, layer_utils.conv_bn_relu_backward,
         (conv_param, {"mode": "train"}),
         lambda xt, wt, bt, gt, btt: F.relu(F.batch_norm(F.conv2d(xt, wt, bt, padding=1), None,
                                                         None, gt, btt, training=True)),
         [x, w, b, gamma, beta]),
    ]
    for forward, backward, params, reference, args in cases:
        out, cache = forward(*args, *params)
        dout = r.standard_normal(out.shape)
        grads = backward(dout, cache)
        tensors = [t(a) for a in args]
        ref = reference(*tensors)
        ref.backward(torch.tensor(dout))
        np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-9, atol=1e-12)
        for mine, theirs in zip(grads, tensors, strict=True):
            np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-8, atol=1e-11)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: layers.affine_forward(np.ones((2, 3)), np.ones((4, 5)), np.ones(5)), ValueError,
     "affine_forward: expected x"),
    (lambda: layers.affine_forward([[1.0]], np.ones((1, 1)), np.ones(1)), TypeError,
     "affine_forward: x must be a numpy array, got list"),
    (lambda: layers.conv_forward_naive(np.ones((1, 2, 4, 4)), np.ones((3, 3, 2, 2)),
                                       np.ones(3), {"stride": 1, "pad": 0}), ValueError,
     "same C"),
    (lambda: layers.conv_forward_fast(np.ones((1, 2, 4, 4)), np.ones((3, 2, 2, 2)),
                                      np.ones(3), {"stride": 1}), ValueError, "no 'pad' entry"),
    (lambda: layers.max_pool_forward_fast(np.ones((1, 1, 4, 4)),
                                          {"pool_height": 2, "pool_width": 2, "stride": 0}),
     ValueError, "pool_param['stride'] must be an int >= 1, got 0"),
    (lambda: layers.dropout_forward(np.ones(3), {"mode": "train", "p": 0.0}), ValueError,
     "probability of keeping"),
    (lambda: layers.batchnorm_forward(np.ones((2, 3)), np.ones(3), np.ones(3), {"mode": "x"}),
     ValueError, "'train' or 'test'"),
    (lambda: layers.batchnorm_forward(np.ones((2, 3)), np.ones(4), np.ones(3), {"mode": "train"}),
     ValueError, "gamma must have shape (3,)"),
    (lambda: layers.spatial_groupnorm_forward(np.ones((1, 4, 2, 2)), np.ones((1, 4, 1, 1)),
                                              np.ones((1, 4, 1, 1)), 3, {}), ValueError,
     "dividing the 4 channels"),
    (lambda: layers.softmax_loss(np.ones((2, 3)), np.array([0, 3])), ValueError,
     "labels must be in [0, 2]"),
    (lambda: layers.svm_loss(np.ones((2, 3)), np.array([0.0, 1.0])), TypeError,
     "svm_loss: y must be an integer array"),
])
def test_bad_inputs_name_the_function(call: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_batchnorm_cache_is_the_engine_cache() -> None:
    x = rng(18).standard_normal((4, 3))
    _, cache = layers.batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
    assert isinstance(cache, norm_ops.BatchNormCache)


# ----------------------------------------------------------------------------- dtypes

def _float32_cases() -> list[tuple[str, Any, Any, list[Any]]]:
    r = rng(19)

    def a(*shape: int) -> np.ndarray:
        return r.standard_normal(shape).astype(np.float32)

    conv, pool = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    return [
        ("affine", layers.affine_forward, layers.affine_backward, [a(2, 3), a(3, 4), a(4)]),
        ("relu", layers.relu_forward, layers.relu_backward, [a(2, 3)]),
        ("batchnorm", layers.batchnorm_forward, layers.batchnorm_backward,
         [a(4, 3), a(3), a(3), {"mode": "train"}]),
        ("batchnorm_alt", layers.batchnorm_forward, layers.batchnorm_backward_alt,
         [a(4, 3), a(3), a(3), {"mode": "train"}]),
        ("layernorm", layers.layernorm_forward, layers.layernorm_backward,
         [a(4, 3), a(3), a(3), {}]),
        ("dropout", layers.dropout_forward, layers.dropout_backward,
         [a(4, 3), {"mode": "train", "p": 0.5, "seed": 1}]),
        ("conv_naive", layers.conv_forward_naive, layers.conv_backward_naive,
         [a(1, 2, 4, 4), a(2, 2, 3, 3), a(2), conv]),
        ("conv_fast", layers.conv_forward_fast, layers.conv_backward_fast,
         [a(1, 2, 4, 4), a(2, 2, 3, 3), a(2), conv]),
        ("pool_naive", layers.max_pool_forward_naive, layers.max_pool_backward_naive,
         [a(1, 2, 4, 4), pool]),
        ("pool_fast", layers.max_pool_forward_fast, layers.max_pool_backward_fast,
         [a(1, 2, 4, 4), pool]),
        ("spatial_batchnorm", layers.spatial_batchnorm_forward, layers.spatial_batchnorm_backward,
         [a(2, 3, 2, 2), a(3), a(3), {"mode": "train"}]),
        ("groupnorm", layers.spatial_groupnorm_forward, layers.spatial_groupnorm_backward,
         [a(2, 4, 2, 2), a(1, 4, 1, 1), a(1, 4, 1, 1), 2, {}]),
    ]


@pytest.mark.parametrize("case", _float32_cases(), ids=lambda c: c[0])
def test_layers_compute_in_the_inputs_dtype(case: tuple[str, Any, Any, list[Any]]) -> None:
    _, forward, backward, args = case
    out, cache = forward(*args)
    assert out.dtype == np.float32
    grads = backward(np.ones_like(out), cache)
    for g in grads if isinstance(grads, tuple) else (grads,):
        assert g.dtype == np.float32
    for loss in (layers.softmax_loss, layers.svm_loss):
        assert loss(args[0].reshape(args[0].shape[0], -1), np.zeros(args[0].shape[0], int)
                    )[1].dtype == np.float32


# ----------------------------------------------------------------------------- same engine

def _groupnorm_backward_flat(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, ...]:
    dx, dgamma, dbeta = layers.spatial_groupnorm_backward(dout, cache)
    return dx, dgamma.ravel(), dbeta.ravel()


def _affine_backward_torch_layout(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, ...]:
    dx, dw, db = layers.affine_backward(dout, cache)
    return dx, dw.T, db  # (D, M) -> Linear's (M, D)


def test_classic_layers_equal_the_tensor_api() -> None:
    """Two front doors, one engine: the classic functions and tinygrad_edu's functional API
    give the same outputs and gradients (conv, pooling, batch/layer/group norm, affine)."""
    import tinygrad_edu as tg
    from tinygrad_edu.nn import functional as TF  # noqa: N812

    r = rng(20)
    x4, w4, b4 = r.standard_normal((2, 4, 6, 6)), r.standard_normal((3, 4, 3, 3)), \
        r.standard_normal(3)
    x2, g, bt = r.standard_normal((5, 4)), r.standard_normal(4), r.standard_normal(4)
    cases = [
        (lambda x, w, b: layers.conv_forward_fast(x, w, b, {"stride": 2, "pad": 1}),
         layers.conv_backward_fast,
         lambda x, w, b: TF.conv2d(x, w, b, stride=2, padding=1), [x4, w4, b4]),
        (lambda x: layers.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 3,
                                                     "stride": 2}),
         layers.max_pool_backward_naive, lambda x: TF.max_pool2d(x, (2, 3), 2), [x4]),
        (lambda x, g, b: layers.batchnorm_forward(x, g, b, {"mode": "train"}),
         layers.batchnorm_backward,
         lambda x, g, b: TF.batch_norm(x, None, None, g, b, training=True), [x2, g, bt]),
        (lambda x, g, b: layers.layernorm_forward(x, g, b, {}), layers.layernorm_backward,
         lambda x, g, b: TF.layer_norm(x, (4,), g, b), [x2, g, bt]),
        (lambda x, g, b: layers.spatial_groupnorm_forward(x, g.reshape(1, 4, 1, 1),
                                                          b.reshape(1, 4, 1, 1), 2, {}),
         _groupnorm_backward_flat,
         lambda x, g, b: TF.group_norm(x, 2, g, b), [x4, g, bt]),
        (lambda x, w, b: layers.affine_forward(x, w.T, b),
         _affine_backward_torch_layout,
         lambda x, w, b: TF.linear(x, w, b), [x2, r.standard_normal((3, 4)),
                                              r.standard_normal(3)]),
    ]
    for forward, backward, tensor_fn, args in cases:
        out, cache = forward(*args)
        dout = r.standard_normal(out.shape)
        grads = backward(dout, cache)
        grads = grads if isinstance(grads, tuple) else (grads,)
        tensors = [tg.tensor(a, requires_grad=True) for a in args]
        result = tensor_fn(*tensors)
        result.backward(tg.tensor(dout))
        np.testing.assert_allclose(out, result.detach().numpy(), rtol=1e-12, atol=1e-12)
        for mine, theirs in zip(grads, tensors, strict=True):
            np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
