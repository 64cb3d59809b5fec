"""The course's own code, verbatim: notebook cells and unit tests run on the classic API.

Each test body is a cell as the CS231n (or nndl) notebooks write it (imports aside), followed
by the checks of what the notebook prints: integer gamma/beta arrays in the normalisation
layers, the captioning unit tests with a vocabulary whose ids have gaps (and their published
expected losses), ``sgd_nesterov_momentum``, the Solver's options of every course version,
and the COCO caption helpers with ``CaptioningSolver`` on the project's digit captions.
"""

# ruff: noqa: NPY002, N806, E731, UP031 - notebook code: the global generator, X/N names,
# lambdas, %-formatting

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinygrad_edu.classic.captioning_solver import CaptioningSolver
from tinygrad_edu.classic.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from tinygrad_edu.classic.classifiers.rnn import CaptioningRNN
from tinygrad_edu.classic.coco_utils import (
    decode_captions,
    load_digit_captions,
    sample_coco_minibatch,
)
from tinygrad_edu.classic.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from tinygrad_edu.classic.layers import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)
from tinygrad_edu.classic.optim import sgd_nesterov_momentum
from tinygrad_edu.classic.solver import Solver

torch = pytest.importorskip("torch")


def print_mean_std(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's helper (printing, and returning what it prints, for the checks)."""
    print(f"  means: {x.mean(axis=axis)}")
    print(f"  stds:  {x.std(axis=axis)}\n")
    return x.mean(axis=axis), x.std(axis=axis)


# --------------------------------------------------------------------------- numpy references

def reference_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, axes: tuple[int, ...],
                   eps: float = 1e-5) -> np.ndarray:
    """The course's numpy computation, with whatever dtypes it is given (numpy promotes)."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def reference_groupnorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int,
                        eps: float = 1e-5) -> np.ndarray:
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mean = xg.mean(axis=(2, 3, 4), keepdims=True)
    var = xg.var(axis=(2, 3, 4), keepdims=True)
    return gamma * ((xg - mean) / np.sqrt(var + eps)).reshape(x.shape) + beta


# ------------------------------------------------------------------------ 1. integer gamma/beta

@pytest.mark.parametrize(("gamma_values", "beta_values"), [
    ([1.0, 2.0, 3.0], [11.0, 12.0, 13.0]),  # the notebook's floats
    ([1, 2, 3], [11, 12, 13]),               # the same as integers
])
def test_batchnorm_forward_cell_with_integer_gamma(gamma_values: list[Any],
                                                   beta_values: list[Any]) -> None:
    # Simulate the forward pass for a two-layer network
    np.random.seed(231)
    N, D1, D2, D3 = 200, 50, 60, 3
    X = np.random.randn(N, D1)
    W1 = np.random.randn(D1, D2)
    W2 = np.random.randn(D2, D3)
    a = np.maximum(0, X.dot(W1)).dot(W2)

    print('Before batch normalization:')
    print_mean_std(a, axis=0)

    gamma = np.ones((D3,))
    beta = np.zeros((D3,))
    # Means should be close to zero and stds close to one
    print('After batch normalization (gamma=1, beta=0)')
    a_norm, _ = batchnorm_forward(a, gamma, beta, {'mode': 'train'})
    means, stds = print_mean_std(a_norm, axis=0)
    np.testing.assert_allclose(means, 0, atol=1e-12)
    np.testing.assert_allclose(stds, 1, atol=1e-6)

    gamma = np.asarray(gamma_values)
    beta = np.asarray(beta_values)
    # Now means should be close to beta and stds close to gamma
    print('After batch normalization (gamma=', gamma, ', beta=', beta, ')')
    a_norm, _ = batchnorm_forward(a, gamma, beta, {'mode': 'train'})
    means, stds = print_mean_std(a_norm, axis=0)

    np.testing.assert_allclose(means, beta, rtol=1e-12)
    np.testing.assert_allclose(stds, gamma, rtol=1e-6)
    assert a_norm.dtype == np.float64
    np.testing.assert_allclose(a_norm, reference_norm(a, gamma, beta, (0,)), rtol=1e-12,
                               atol=1e-12)


def test_batchnorm_backward_with_integer_gamma_matches_the_float_one() -> None:
    np.random.seed(231)
    N, D = 4, 5
    x = 5 * np.random.randn(N, D) + 12
    gamma = np.asarray([1, -2, 3, 0, 4])
    beta = np.asarray([0, 1, -1, 2, 5])
    dout = np.random.randn(N, D)

    bn_param = {'mode': 'train'}
    fx = lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0]
    dx_num = eval_numerical_gradient_array(fx, x, dout)

    _, cache = batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    _, float_cache = batchnorm_forward(x, gamma.astype(float), beta.astype(float), bn_param)
    ref = batchnorm_backward(dout, float_cache)
    # You should expect to see relative errors between 1e-13 and 1e-8
    assert rel_error(dx_num, dx) < 1e-8
    for mine, theirs in zip((dx, dgamma, dbeta), ref, strict=True):
        assert mine.dtype == np.float64
        np.testing.assert_array_equal(mine, theirs)
    assert dgamma.shape == dbeta.shape == (D,)
    alt = batchnorm_backward_alt(dout, cache)
    for mine, theirs in zip(alt, ref, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_spatial_batchnorm_forward_cell_with_integer_gamma() -> None:
    np.random.seed(231)
    # Check the training-time forward pass by checking means and variances
    # of features both before and after spatial batch normalization

    N, C, H, W = 2, 3, 4, 5
    x = 4 * np.random.randn(N, C, H, W) + 10

    print('Before spatial batch normalization:')
    print('  Shape: ', x.shape)
    print('  Means: ', x.mean(axis=(0, 2, 3)))
    print('  Stds: ', x.std(axis=(0, 2, 3)))

    # Means should be close to zero and stds close to one
    gamma, beta = np.ones(C), np.zeros(C)
    bn_param = {'mode': 'train'}
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    print('After spatial batch normalization:')
    print('  Shape: ', out.shape)
    print('  Means: ', out.mean(axis=(0, 2, 3)))
    print('  Stds: ', out.std(axis=(0, 2, 3)))
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=1e-5)

    # Means should be close to beta and stds close to gamma
    gamma, beta = np.asarray([3, 4, 5]), np.asarray([6, 7, 8])
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    print('After spatial batch normalization (nontrivial gamma, beta):')
    print('  Shape: ', out.shape)
    print('  Means: ', out.mean(axis=(0, 2, 3)))
    print('  Stds: ', out.std(axis=(0, 2, 3)))

    assert out.dtype == np.float64
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-5)
    ref = reference_norm(x, gamma.reshape(1, C, 1, 1), beta.reshape(1, C, 1, 1), (0, 2, 3))
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


def test_spatial_batchnorm_backward_with_integer_gamma() -> None:
    np.random.seed(231)
    N, C, H, W = 2, 3, 4, 5
    x = 5 * np.random.randn(N, C, H, W) + 12
    gamma = np.asarray([3, 4, 5])
    beta = np.asarray([6, 7, 8])
    dout = np.random.randn(N, C, H, W)

    bn_param = {'mode': 'train'}
    fx = lambda x: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]
    fg = lambda a: spatial_batchnorm_forward(x, a, beta, bn_param)[0]
    fb = lambda b: spatial_batchnorm_forward(x, gamma, b, bn_param)[0]

    dx_num = eval_numerical_gradient_array(fx, x, dout)
    da_num = eval_numerical_gradient_array(fg, gamma.astype(float), dout)
    db_num = eval_numerical_gradient_array(fb, beta.astype(float), dout)

    _, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    # You should expect errors of magnitudes between 1e-12~1e-06
    print('dx error: ', rel_error(dx_num, dx))
    print('dgamma error: ', rel_error(da_num, dgamma))
    print('dbeta error: ', rel_error(db_num, dbeta))
    assert rel_error(dx_num, dx) < 1e-6
    assert rel_error(da_num, dgamma) < 1e-8
    assert rel_error(db_num, dbeta) < 1e-8
    assert dgamma.shape == dbeta.shape == (C,)
    assert dgamma.dtype == dbeta.dtype == np.float64


def test_spatial_batchnorm_test_time_cell_runs_with_integer_gamma() -> None:
    np.random.seed(231)
    N, C, H, W = 10, 4, 11, 12

    bn_param = {'mode': 'train'}
    gamma = np.ones(C, dtype=int)
    beta = np.zeros(C, dtype=int)
    for _t in range(50):
        x = 2.3 * np.random.randn(N, C, H, W) + 13
        spatial_batchnorm_forward(x, gamma, beta, bn_param)
    bn_param['mode'] = 'test'
    x = 2.3 * np.random.randn(N, C, H, W) + 13
    a_norm, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)

    # Means should be close to zero and stds close to one, but will be
    # noisier than training-time forward passes.
    print('After spatial batch normalization (test-time):')
    print('  means: ', a_norm.mean(axis=(0, 2, 3)))
    print('  stds: ', a_norm.std(axis=(0, 2, 3)))
    np.testing.assert_allclose(a_norm.mean(axis=(0, 2, 3)), 0, atol=0.1)
    np.testing.assert_allclose(a_norm.std(axis=(0, 2, 3)), 1, atol=0.1)
    assert bn_param['running_mean'].dtype == np.float64


def test_layernorm_forward_cell_with_integer_gamma() -> None:
    # Simulate the forward pass for a two-layer network
    np.random.seed(231)
    N, D1, D2, D3 = 4, 50, 60, 3
    X = np.random.randn(N, D1)
    W1 = np.random.randn(D1, D2)
    W2 = np.random.randn(D2, D3)
    a = np.maximum(0, X.dot(W1)).dot(W2)

    print('Before layer normalization:')
    print_mean_std(a, axis=1)

    gamma = np.ones(D3)
    beta = np.zeros(D3)
    # Means should be close to zero and stds close to one
    print('After layer normalization (gamma=1, beta=0)')
    a_norm, _ = layernorm_forward(a, gamma, beta, {'mode': 'train'})
    print_mean_std(a_norm, axis=1)

    gamma = np.asarray([3, 3, 3])
    beta = np.asarray([5, 5, 5])
    # Now means should be close to beta and stds close to gamma
    print('After layer normalization (gamma=', gamma, ', beta=', beta, ')')
    a_norm, _ = layernorm_forward(a, gamma, beta, {'mode': 'train'})
    means, stds = print_mean_std(a_norm, axis=1)

    np.testing.assert_allclose(means, 5, rtol=1e-12)
    np.testing.assert_allclose(stds, 3, rtol=1e-5)
    np.testing.assert_allclose(a_norm, reference_norm(a, gamma, beta, (1,)), rtol=1e-12)
    dout = np.random.randn(*a.shape)
    _, cache = layernorm_forward(a, gamma, beta, {'mode': 'train'})
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    fx = lambda x: layernorm_forward(x, gamma, beta, {})[0]
    assert rel_error(eval_numerical_gradient_array(fx, a.copy(), dout), dx) < 1e-6
    assert dgamma.shape == dbeta.shape == (D3,)
    assert dgamma.dtype == dbeta.dtype == np.float64


def test_spatial_groupnorm_cells_with_integer_gamma() -> None:
    np.random.seed(231)
    # Check the training-time forward pass by checking means and variances
    # of features both before and after spatial batch normalization

    N, C, H, W = 2, 6, 4, 5
    G = 2
    x = 4 * np.random.randn(N, C, H, W) + 10
    x_g = x.reshape((N*G, -1))
    print('Before spatial group normalization:')
    print('  Shape: ', x.shape)
    print('  Means: ', x_g.mean(axis=1))
    print('  Stds: ', x_g.std(axis=1))

    # Means should be close to zero and stds close to one
    gamma, beta = np.ones((1, C, 1, 1), dtype=int), np.zeros((1, C, 1, 1), dtype=int)
    bn_param = {'mode': 'train'}

    out, _ = spatial_groupnorm_forward(x, gamma, beta, G, bn_param)
    out_g = out.reshape((N*G, -1))
    print('After spatial group normalization:')
    print('  Shape: ', out.shape)
    print('  Means: ', out_g.mean(axis=1))
    print('  Stds: ', out_g.std(axis=1))
    np.testing.assert_allclose(out_g.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out_g.std(axis=1), 1, atol=1e-5)

    # backward, the notebook's gradient check with integer gamma and beta
    np.random.seed(231)
    x = 5 * np.random.randn(N, C, H, W) + 12
    gamma = np.random.randint(-3, 4, size=(1, C, 1, 1))
    beta = np.random.randint(-3, 4, size=(1, C, 1, 1))
    dout = np.random.randn(N, C, H, W)

    gn_param = {}
    fx = lambda x: spatial_groupnorm_forward(x, gamma, beta, G, gn_param)[0]
    out, cache = spatial_groupnorm_forward(x, gamma, beta, G, gn_param)
    np.testing.assert_allclose(out, reference_groupnorm(x, gamma, beta, G), rtol=1e-12,
                               atol=1e-12)
    dx_num = eval_numerical_gradient_array(fx, x, dout)
    dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
    assert rel_error(dx_num, dx) < 1e-6
    xhat = (reference_groupnorm(x, np.ones_like(gamma), np.zeros_like(beta), G))
    np.testing.assert_allclose(dgamma, (dout * xhat).sum(axis=(0, 2, 3), keepdims=True),
                               rtol=1e-10)
    np.testing.assert_allclose(dbeta, dout.sum(axis=(0, 2, 3), keepdims=True), rtol=1e-10)
    assert dgamma.shape == dbeta.shape == (1, C, 1, 1)
    assert dgamma.dtype == dbeta.dtype == np.float64


def test_integer_gamma_follows_x_dtype_and_bad_shapes_still_fail() -> None:
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out, cache = batchnorm_forward(x, np.asarray([1, 2, 3]), np.asarray([0, 0, 1]),
                                   {'mode': 'train'})
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in batchnorm_backward(np.ones_like(out), cache))
    out, _ = batchnorm_forward(x, [1, 2, 3], (0, 0, 1), {'mode': 'train'})  # lists work too
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match=r"batchnorm_forward: gamma must have shape \(3,\)"):
        batchnorm_forward(x, np.asarray([1, 2]), np.zeros(3), {'mode': 'train'})
    with pytest.raises(TypeError, match="beta must be a floating-point array"):
        layernorm_forward(x, np.ones(3), np.array(["a", "b", "c"]), {})


# ---------------------------------------------------------------------------- 2. captioning RNN

def test_rnn_captioning_loss_cell_with_gap_vocabulary() -> None:
    N, D, W, H = 10, 20, 30, 40
    word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
    V = len(word_to_idx)
    T = 13

    model = CaptioningRNN(
        word_to_idx,
        input_dim=D,
        wordvec_dim=W,
        hidden_dim=H,
        cell_type='rnn',
        dtype=np.float64
    )

    # Set all model parameters to fixed values
    for k, v in model.params.items():
        model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(*v.shape)

    features = np.linspace(-1.5, 0.3, num=(N * D)).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)

    loss, grads = model.loss(features, captions)
    expected_loss = 9.83235591003

    print('loss: ', loss)
    print('expected loss: ', expected_loss)
    print('difference: ', abs(loss - expected_loss))
    assert abs(loss - expected_loss) < 1e-10
    assert model.params['W_embed'].shape == (V, W)
    assert model.params['W_vocab'].shape == (H, V)
    assert {k: g.shape for k, g in grads.items()} == {k: v.shape for k, v in model.params.items()}


def test_lstm_captioning_loss_cell_with_gap_vocabulary() -> None:
    N, D, W, H = 10, 20, 30, 40
    word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
    V = len(word_to_idx)
    T = 13

    model = CaptioningRNN(word_to_idx,
              input_dim=D,
              wordvec_dim=W,
              hidden_dim=H,
              cell_type='lstm',
              dtype=np.float64)

    # Set all model parameters to fixed values
    for k, v in model.params.items():
        model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(*v.shape)

    features = np.linspace(-0.5, 1.7, num=N*D).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)

    loss, grads = model.loss(features, captions)
    expected_loss = 9.82445935443

    print('loss: ', loss)
    print('expected loss: ', expected_loss)
    print('difference: ', abs(loss - expected_loss))
    assert abs(loss - expected_loss) < 1e-10


def test_lstm_captioning_unit_test_with_a_float32_model() -> None:
    # a course unit test builds the model with dtype=np.float32 and then sets float64 params:
    # numpy's promotion makes the reference compute in float64
    N, D, W, H = 10, 20, 30, 40
    word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
    V = len(word_to_idx)
    T = 13
    lstm_model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H,
                               cell_type='lstm', dtype=np.float32)
    for k, v in lstm_model.params.items():
        lstm_model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(*v.shape)
    features = np.linspace(-0.5, 1.7, num=N*D).reshape(N, D)
    captions = (np.arange(N*T) % V).reshape(N, T)
    loss, grads = lstm_model.loss(features, captions)
    expected_loss = 9.82445935443
    assert rel_error(loss, expected_loss) < 1e-10
    assert all(g.dtype == np.float64 for g in grads.values())


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_gradient_check_cell_with_gap_vocabulary(cell_type: str) -> None:
    np.random.seed(231)

    batch_size = 2
    timesteps = 3
    input_dim = 4
    wordvec_dim = 5
    hidden_dim = 6
    word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
    vocab_size = len(word_to_idx)

    captions = np.random.randint(vocab_size, size=(batch_size, timesteps))
    features = np.random.randn(batch_size, input_dim)

    model = CaptioningRNN(
        word_to_idx,
        input_dim=input_dim,
        wordvec_dim=wordvec_dim,
        hidden_dim=hidden_dim,
        cell_type=cell_type,
        dtype=np.float64,
    )

    loss, grads = model.loss(features, captions)

    errors = {}
    for param_name in sorted(grads):
        f = lambda _: model.loss(features, captions)[0]
        param_grad_num = eval_numerical_gradient(f, model.params[param_name], verbose=False,
                                                 h=1e-6)
        e = rel_error(param_grad_num, grads[param_name])
        print('%s relative error: %e' % (param_name, e))
        errors[param_name] = e
        if cell_type == 'lstm':  # tiny word vectors (W_embed / 100) make dWx tiny: absolute
            np.testing.assert_allclose(param_grad_num, grads[param_name], rtol=1e-5,
                                       atol=1e-9)
    assert sorted(errors) == sorted(model.params)
    if cell_type == 'rnn':  # the notebook's cell: "errors around 1e-7 or less"
        assert max(errors.values()) < 1e-5, errors


def test_captioning_gap_vocabulary_sample_and_bad_ids() -> None:
    np.random.seed(0)
    word_to_idx = {'<NULL>': 0, '<START>': 2, '<END>': 3}  # V = 3, ids 0, 2, 3
    model = CaptioningRNN(word_to_idx, input_dim=4, wordvec_dim=3, hidden_dim=5,
                          dtype=np.float64)
    # '<END>' has id 3 = V: it has no row of W_embed nor column of W_vocab, as in the
    # course's model; sampling starts from id 2 and picks ids in [0, V)
    captions = model.sample(np.random.randn(2, 4), max_length=5)
    assert captions.shape == (2, 5)
    assert captions.min() >= 0
    assert captions.max() < len(word_to_idx)
    with pytest.raises(IndexError, match=r"caption word id 3 is out of range: ids must be in "
                                         r"\[0, 2\] \(V = len\(word_to_idx\) = 3"):
        model.loss(np.random.randn(1, 4), np.array([[2, 3, 0]]))
    with pytest.raises(IndexError, match="caption word id -1"):
        model.loss(np.random.randn(1, 4), np.array([[2, -1, 0]]))


# -------------------------------------------------------------------------- 3. Nesterov momentum

def nndl_sgd_nesterov_momentum(w: np.ndarray, dw: np.ndarray, config: dict[str, Any]
                               ) -> np.ndarray:
    """The nndl course's solution, line for line (velocity form)."""
    v = config.get('velocity', np.zeros_like(w))
    v_old = v
    v = config['momentum'] * v - config['learning_rate'] * dw
    next_w = w + v + config['momentum'] * (v - v_old)
    config['velocity'] = v
    return next_w


def test_sgd_nesterov_momentum_cell() -> None:
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N*D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N*D).reshape(N, D)
    v = np.linspace(0.6, 0.9, num=N*D).reshape(N, D)

    config = {'learning_rate': 1e-3, 'velocity': v}
    next_w, _ = sgd_nesterov_momentum(w, dw, config=config)

    expected_velocity = 0.9 * v - 1e-3 * dw
    expected_next_w = w - 0.9 * v + 1.9 * expected_velocity
    print('next_w error: ', rel_error(next_w, expected_next_w))
    print('velocity error: ', rel_error(expected_velocity, config['velocity']))
    assert rel_error(next_w, expected_next_w) < 1e-12
    assert rel_error(expected_velocity, config['velocity']) < 1e-12
    assert next_w[0, 0] == pytest.approx(0.08714)  # -0.4 + 0.5406 + 0.9 * (0.5406 - 0.6)
    ref_config = {'learning_rate': 1e-3, 'momentum': 0.9, 'velocity': v}
    np.testing.assert_allclose(next_w, nndl_sgd_nesterov_momentum(w, dw, ref_config),
                               rtol=1e-15)


def test_sgd_nesterov_momentum_defaults_and_momentum_zero_is_sgd() -> None:
    w, dw = np.ones(3), np.arange(3.0)
    next_w, config = sgd_nesterov_momentum(w, dw)
    assert (config['learning_rate'], config['momentum']) == (1e-2, 0.9)
    np.testing.assert_allclose(config['velocity'], -1e-2 * dw)
    np.testing.assert_allclose(next_w, w - 1e-2 * dw * 1.9)  # v = 0: w + (1 + mu) v'
    next_w, _ = sgd_nesterov_momentum(w, dw, {'learning_rate': 0.5, 'momentum': 0.0})
    np.testing.assert_allclose(next_w, w - 0.5 * dw)
    with pytest.raises(ValueError, match="sgd_nesterov_momentum: w and dw must have the same"):
        sgd_nesterov_momentum(np.ones(3), np.ones(2))


@pytest.mark.parametrize(("lr", "momentum"), [(0.05, 0.9), (0.1, 0.5), (0.02, 0.99)])
def test_sgd_nesterov_momentum_follows_torch_sgd_nesterov(lr: float, momentum: float) -> None:
    # a quadratic bowl: the gradient depends on where the weights are, so a wrong look-ahead
    # shows in the trajectory
    r = np.random.default_rng(3)
    A = r.standard_normal((6, 6))
    A = A @ A.T / 6 + np.eye(6)
    b = r.standard_normal(6)
    grad = lambda w: A @ w - b
    w = r.standard_normal(6)
    target = torch.tensor(w.copy(), requires_grad=True)
    opt = torch.optim.SGD([target], lr=lr, momentum=momentum, nesterov=True)
    config: dict[str, Any] = {'learning_rate': lr, 'momentum': momentum}
    ref_config: dict[str, Any] = {'learning_rate': lr, 'momentum': momentum}
    w_ref = w.copy()
    for _ in range(60):
        dw = grad(w)
        w, config = sgd_nesterov_momentum(w, dw, config)
        w_ref = nndl_sgd_nesterov_momentum(w_ref, grad(w_ref), ref_config)
        opt.zero_grad()
        target.grad = torch.tensor(grad(target.detach().numpy()))
        opt.step()
        np.testing.assert_allclose(w, target.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-14)
    # the velocity is -lr times torch's momentum buffer
    buf = opt.state[target]['momentum_buffer'].numpy()
    np.testing.assert_allclose(config['velocity'], -lr * buf, rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------- 4. Solver, every version

def small_classification(n: int = 300, d: int = 20, classes: int = 4, seed: int = 0
                         ) -> dict[str, np.ndarray]:
    """Gaussian blobs, as the notebooks' small_data dicts (X_train, y_train, X_val, y_val)."""
    r = np.random.default_rng(seed)
    centers = 3 * r.standard_normal((classes, d))
    y = r.integers(0, classes, n)
    X = centers[y] + r.standard_normal((n, d))
    return {'X_train': X[:200], 'y_train': y[:200], 'X_val': X[200:], 'y_val': y[200:]}


def test_solver_cell_of_the_older_course(capsys: pytest.CaptureFixture[str]) -> None:
    data = small_classification()
    np.random.seed(231)
    model = TwoLayerNet(input_dim=20, hidden_dim=50, num_classes=4, weight_scale=1e-1)
    solver = None
    solver = Solver(model, data,
                    update_rule='sgd',
                    optim_config={
                      'learning_rate': 1e-1,
                    },
                    lr_decay=0.95,
                    num_epochs=10, batch_size=100,
                    print_every=100)
    solver.train()
    out = capsys.readouterr().out
    assert out.startswith("(Iteration 1 / 20) loss: ")
    assert "(Epoch 10 / 10) train acc: " in out
    assert solver.val_acc_history[-1] > 0.9
    assert len(solver.loss_history) == 20
    assert solver.optim_configs['W1']['learning_rate'] == pytest.approx(0.1 * 0.95**10)
    assert solver.check_accuracy(data['X_val'], data['y_val']) == pytest.approx(
        solver.best_val_acc)


def test_solver_update_rule_comparison_cell_with_nesterov() -> None:
    small_data = small_classification(seed=1)
    solvers = {}
    for update_rule in ['sgd', 'sgd_momentum', 'sgd_nesterov_momentum']:
        print('running with ', update_rule)
        np.random.seed(231)
        model = FullyConnectedNet([100, 100, 100, 100, 100], input_dim=20, num_classes=4,
                                  weight_scale=5e-2)
        solver = Solver(model, small_data,
                        num_epochs=5, batch_size=100,
                        update_rule=update_rule,
                        optim_config={
                          'learning_rate': 5e-3,
                        },
                        verbose=False)
        solvers[update_rule] = solver
        solver.train()
    assert set(solvers['sgd_nesterov_momentum'].optim_configs['W1']) == {
        'learning_rate', 'momentum', 'velocity'}
    # momentum (either form) beats plain SGD over these 10 updates of a deep net
    final = {rule: np.mean(s.loss_history[-3:]) for rule, s in solvers.items()}
    assert final['sgd_nesterov_momentum'] < final['sgd']
    assert final['sgd_momentum'] < final['sgd']


def test_solver_with_nesterov_takes_the_rule_steps() -> None:
    # the Solver's updates are the rule's, applied to every parameter with its own config
    data = small_classification()
    np.random.seed(0)
    model = TwoLayerNet(input_dim=20, hidden_dim=8, num_classes=4)
    start = {k: v.copy() for k, v in model.params.items()}
    solver = Solver(model, data, update_rule='sgd_nesterov_momentum', num_epochs=1,
                    batch_size=200, optim_config={'learning_rate': 0.05, 'momentum': 0.8},
                    verbose=False, num_train_samples=None)
    np.random.seed(5)
    rows = np.random.choice(200, 200)
    reference = TwoLayerNet(input_dim=20, hidden_dim=8, num_classes=4)
    reference.params = {k: v.copy() for k, v in start.items()}
    _, grads = reference.loss(data['X_train'][rows], data['y_train'][rows])
    np.random.seed(5)
    solver.train()
    for name, w in start.items():
        expected, _ = sgd_nesterov_momentum(w, grads[name], {'learning_rate': 0.05,
                                                             'momentum': 0.8})
        np.testing.assert_allclose(model.params[name], expected, rtol=1e-12, atol=1e-14)


def test_solver_options_of_every_version_and_the_course_errors() -> None:
    data = small_classification()
    model = TwoLayerNet(input_dim=20, hidden_dim=8, num_classes=4)
    solver = Solver(model, data, update_rule='sgd_momentum', optim_config={},
                    lr_decay=0.9, batch_size=50, num_epochs=1, num_train_samples=100,
                    num_val_samples=50, checkpoint_name=None, print_every=1, verbose=False)
    solver.train()
    assert len(solver.loss_history) == 4
    with pytest.raises(ValueError, match='^Unrecognized arguments "learning_rate", "reg"'):
        Solver(model, data, learning_rate=1e-3, reg=0.1)
    with pytest.raises(ValueError, match='^Invalid update_rule "sgd_nesterov"'):
        Solver(model, data, update_rule='sgd_nesterov')


def test_solver_check_accuracy_signature() -> None:
    data = small_classification()
    np.random.seed(0)
    model = TwoLayerNet(input_dim=20, hidden_dim=8, num_classes=4)
    solver = Solver(model, data, verbose=False)
    X, y = data['X_val'], data['y_val']
    expected = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert solver.check_accuracy(X, y) == pytest.approx(expected)
    assert solver.check_accuracy(X, y, num_samples=None, batch_size=7) == pytest.approx(expected)
    np.random.seed(1)
    mask = np.random.choice(100, 30)
    np.random.seed(1)
    sub = solver.check_accuracy(X, y, num_samples=30, batch_size=100)
    assert sub == pytest.approx(np.mean(np.argmax(model.loss(X[mask]), axis=1) == y[mask]))


# ------------------------------------------------------------------------------- 5. COCO helpers

def test_decode_captions_as_the_course() -> None:
    idx_to_word = ['<NULL>', '<START>', '<END>', 'a', 'cat', 'sat']
    captions = np.array([[1, 3, 4, 5, 2, 0], [1, 4, 0, 5, 2, 4], [3, 2, 2, 0, 0, 0]])
    assert decode_captions(captions, idx_to_word) == [
        '<START> a cat sat <END>', '<START> cat sat <END>', 'a <END>']
    assert decode_captions(captions[0], idx_to_word) == '<START> a cat sat <END>'
    assert decode_captions(np.array([4, 4, 0]), dict(enumerate(idx_to_word))) == 'cat cat'
    assert decode_captions(np.zeros((2, 3), dtype=np.int32), idx_to_word) == ['', '']
    with pytest.raises(KeyError, match="word id 9 is not in idx_to_word"):
        decode_captions(np.array([1, 9]), idx_to_word)
    with pytest.raises(ValueError, match=r"captions must be integer word ids of shape \(T,\)"):
        decode_captions(np.ones((1, 2, 3), dtype=int), idx_to_word)


def test_sample_coco_minibatch_as_the_course() -> None:
    data = {'train_captions': np.arange(12).reshape(6, 2),
            'train_image_idxs': np.array([2, 0, 1, 2, 0, 1]),
            'train_features': np.array([[0.0], [10.0], [20.0]]),
            'train_urls': np.array(['u0', 'u1', 'u2']),
            'val_captions': np.arange(4).reshape(2, 2), 'val_image_idxs': np.array([1, 0]),
            'val_features': np.array([[5.0], [6.0]]), 'val_urls': np.array(['v0', 'v1'])}
    np.random.seed(3)
    captions, features, urls = sample_coco_minibatch(data, batch_size=5)
    np.random.seed(3)
    mask = np.random.choice(6, 5)
    np.testing.assert_array_equal(captions, data['train_captions'][mask])
    images = data['train_image_idxs'][mask]
    np.testing.assert_array_equal(features, data['train_features'][images])
    np.testing.assert_array_equal(urls, data['train_urls'][images])
    captions, features, urls = sample_coco_minibatch(data, split='val', batch_size=3)
    assert captions.shape == (3, 2)
    assert set(urls) <= {'v0', 'v1'}
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        sample_coco_minibatch(data, split='test')
    with pytest.raises(KeyError, match=r"data has no \['train_urls'\]"):
        sample_coco_minibatch({k: v for k, v in data.items() if k != 'train_urls'})
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        sample_coco_minibatch(data, batch_size=0)


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    pytest.importorskip("sklearn")
    return load_digit_captions()


def test_digit_captions_are_a_coco_data_dict(data: dict[str, Any]) -> None:
    # Print out all the keys and values from the data dictionary
    for k, v in data.items():
        if type(v) == np.ndarray:  # noqa: E721 - the notebook's line
            print(k, type(v), v.shape, v.dtype)
        else:
            print(k, type(v), len(v))
    assert data['train_captions'].shape == (2000, 8)
    assert data['train_captions'].dtype == np.int32
    assert data['train_features'].shape == (2000, 256)
    assert data['val_features'].shape == (500, 256)
    assert data['train_urls'].shape == (2000,)
    assert data['idx_to_word'][data['word_to_idx']['<END>']] == '<END>'
    # PCA'd features: centred on the training mean, uncorrelated components
    np.testing.assert_allclose(data['train_features'].mean(axis=0), 0, atol=1e-4)
    cov = np.cov(data['train_features'].T.astype(np.float64))
    np.testing.assert_allclose(cov - np.diag(np.diag(cov)), 0, atol=1e-4)
    # every caption is the one its image's two digits give
    from tinygrad_edu.data import digit_captions
    raw = load_digit_captions(pca_features=False)
    np.testing.assert_array_equal(raw['train_captions'], data['train_captions'])
    images = raw['train_images']
    np.testing.assert_allclose(raw['train_features'],
                               digit_captions.random_features(images.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)
    # Sample a minibatch and show the reshaped 112x112 images and captions
    batch_size = 3
    np.random.seed(0)
    captions, features, urls = sample_coco_minibatch(data, batch_size=batch_size)
    for i, (caption, url) in enumerate(zip(captions, urls, strict=True)):
        text = decode_captions(caption, data['idx_to_word'])
        print(url, text)
        assert text.startswith('<START> ')
        assert text.endswith(' <END>')
        index = int(url.rsplit('/', 1)[1])
        np.testing.assert_array_equal(features[i], data['train_features'][index])


def test_load_digit_captions_max_train_as_load_coco_data(data: dict[str, Any]) -> None:
    np.random.seed(231)
    small_data = load_digit_captions(max_train=50)
    np.random.seed(231)
    mask = np.random.randint(2000, size=50)
    np.testing.assert_array_equal(small_data['train_captions'], data['train_captions'][mask])
    np.testing.assert_array_equal(small_data['train_image_idxs'],
                                  data['train_image_idxs'][mask])
    np.testing.assert_array_equal(small_data['train_features'], data['train_features'])
    with pytest.raises(ValueError, match="max_train must be None or a positive int"):
        load_digit_captions(max_train=0)


@pytest.mark.slow
@pytest.mark.parametrize(("cell_type", "lr_decay"), [("rnn", 0.95), ("lstm", 0.995)])
def test_overfit_small_data_cell(data: dict[str, Any], cell_type: str, lr_decay: float,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    load_coco_data = load_digit_captions
    np.random.seed(231)

    small_data = load_coco_data(max_train=50)

    small_rnn_model = CaptioningRNN(
        cell_type=cell_type,
        word_to_idx=data['word_to_idx'],
        input_dim=data['train_features'].shape[1],
        hidden_dim=512,
        wordvec_dim=256,
    )

    small_rnn_solver = CaptioningSolver(
        small_rnn_model, small_data,
        update_rule='adam',
        num_epochs=50,
        batch_size=25,
        optim_config={
         'learning_rate': 5e-3,
        },
        lr_decay=lr_decay,
        verbose=True, print_every=10,
    )

    small_rnn_solver.train()

    print('Final loss: ', small_rnn_solver.loss_history[-1])
    out = capsys.readouterr().out
    assert out.startswith('(Iteration 1 / 100) loss: ')
    assert '(Iteration 91 / 100) loss: ' in out
    assert len(small_rnn_solver.loss_history) == 100
    assert small_rnn_solver.loss_history[-1] < 0.1
    assert small_rnn_solver.epoch == 50
    lr = small_rnn_solver.optim_configs['W_embed']['learning_rate']
    assert lr == pytest.approx(5e-3 * lr_decay**50)

    # the test-time sampling cell, on the training split: the captions come back
    for split in ['train']:
        minibatch = sample_coco_minibatch(small_data, split=split, batch_size=2)
        gt_captions, features, urls = minibatch
        gt_captions = decode_captions(gt_captions, data['idx_to_word'])

        sample_captions = small_rnn_model.sample(features)
        sample_captions = decode_captions(sample_captions, data['idx_to_word'])

        for gt_caption, sample_caption, url in zip(gt_captions, sample_captions, urls,
                                                   strict=True):
            print(url, '\n', sample_caption, '\n GT:', gt_caption)
            assert '<START> ' + sample_caption == gt_caption


def test_captioning_solver_options_and_errors(data: dict[str, Any]) -> None:
    np.random.seed(1)
    small_data = load_digit_captions(max_train=20)
    model = CaptioningRNN(word_to_idx=data['word_to_idx'], input_dim=256, hidden_dim=8,
                          wordvec_dim=4)
    solver = CaptioningSolver(model, small_data, update_rule='sgd_nesterov_momentum',
                              optim_config={'learning_rate': 1e-2}, lr_decay=0.5,
                              batch_size=10, num_epochs=2, print_every=1, verbose=False)
    solver.train()
    assert len(solver.loss_history) == 4
    assert solver.train_acc_history == []  # the course's CaptioningSolver measures no accuracy
    assert solver.optim_configs['b']['learning_rate'] == pytest.approx(1e-2 * 0.25)
    assert set(solver.optim_configs['b']) == {'learning_rate', 'momentum', 'velocity'}
    with pytest.raises(ValueError, match='^Unrecognized arguments "num_train_samples"'):
        CaptioningSolver(model, small_data, num_train_samples=10)
    with pytest.raises(ValueError, match='^Invalid update_rule "adagrad"'):
        CaptioningSolver(model, small_data, update_rule='adagrad')
    with pytest.raises(KeyError, match=r"data has no \['train_captions'"):
        CaptioningSolver(model, {'X_train': np.ones((2, 2))})
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        CaptioningSolver(model, small_data, batch_size=0)


def test_captioning_solver_steps_use_the_minibatch_and_the_rule() -> None:
    # three iterations of Nesterov momentum: each parameter keeps its own velocity
    word_to_idx = {'<NULL>': 0, '<START>': 1, '<END>': 2, 'cat': 3}
    data = {'train_captions': np.array([[1, 3, 2], [1, 3, 3], [1, 2, 0]]),
            'train_image_idxs': np.array([2, 0, 1]),
            'train_features': np.random.default_rng(0).standard_normal((3, 4)),
            'train_urls': np.array(['a', 'b', 'c'])}
    np.random.seed(0)
    model = CaptioningRNN(word_to_idx, input_dim=4, wordvec_dim=3, hidden_dim=5,
                          dtype=np.float64)
    reference = CaptioningRNN(word_to_idx, input_dim=4, wordvec_dim=3, hidden_dim=5,
                              dtype=np.float64)
    reference.params = {k: v.copy() for k, v in model.params.items()}
    configs: dict[str, dict[str, Any]] = {k: {'learning_rate': 0.3, 'momentum': 0.7}
                                          for k in model.params}
    np.random.seed(7)
    for _ in range(3):
        captions, features, _ = sample_coco_minibatch(data, batch_size=1)
        _, grads = reference.loss(features, captions)
        for name in reference.params:
            reference.params[name], configs[name] = sgd_nesterov_momentum(
                reference.params[name], grads[name], configs[name])
    np.random.seed(7)
    solver = CaptioningSolver(model, data, update_rule='sgd_nesterov_momentum', batch_size=1,
                              num_epochs=1, optim_config={'learning_rate': 0.3,
                                                          'momentum': 0.7}, verbose=False)
    solver.train()
    assert len(solver.loss_history) == 3
    for name, w in reference.params.items():
        np.testing.assert_allclose(model.params[name], w, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(solver.optim_configs[name]['velocity'],
                                   configs[name]['velocity'], rtol=1e-12, atol=1e-15)
