"""classic.gradient_check, classic.data_utils, testing.check_layer and the classic example."""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.classic import data_utils, layers, rnn_layers
from tinygrad_edu.classic.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)
from tinygrad_edu.data import load_cifar10, synthetic_cifar10
from tinygrad_edu.testing import LayerCheckError, check_layer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# ----------------------------------------------------------------------------- gradient checks

def test_eval_numerical_gradient_prints_restores_and_is_accurate(
        capsys: pytest.CaptureFixture[str]) -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = x.copy()
    grad = eval_numerical_gradient(lambda v: float(np.sum(np.sin(v) * v)), x)
    np.testing.assert_array_equal(x, original)  # perturbed in place, then restored
    np.testing.assert_allclose(grad, np.sin(x) + x * np.cos(x), rtol=1e-8)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("(0, 0) ")
    eval_numerical_gradient(lambda v: float(np.sum(v)), x, verbose=False)
    assert capsys.readouterr().out == ""


def test_eval_numerical_gradient_array_is_the_vector_jacobian_product() -> None:
    r = np.random.default_rng(0)
    x, df = r.standard_normal((3, 4)), r.standard_normal((4, 3))
    grad = eval_numerical_gradient_array(lambda v: np.tanh(v).T, x, df)
    np.testing.assert_allclose(grad, df.T * (1 - np.tanh(x) ** 2), rtol=1e-8)


def test_grad_check_sparse_prints_course_lines(capsys: pytest.CaptureFixture[str]) -> None:
    x = np.random.default_rng(1).standard_normal((5, 3))
    original = x.copy()
    np.random.seed(0)
    assert grad_check_sparse(lambda v: float(np.sum(v ** 2)), x, 2 * x, num_checks=4) is None
    np.testing.assert_array_equal(x, original)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    for line in lines:
        parts = line.replace(",", "").split()
        assert parts[0] == "numerical:"
        assert parts[2] == "analytic:"
        assert float(parts[-1]) < 1e-8
    grad_check_sparse(lambda v: float(np.sum(v ** 2)), x, 3 * x, num_checks=1)
    assert float(capsys.readouterr().out.split()[-1]) > 0.1  # a wrong gradient shows


def test_rel_error_and_bad_inputs() -> None:
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)
    assert rel_error(0.0, 0.0) == 0
    with pytest.raises(TypeError, match="eval_numerical_gradient: x must be a floating-point"):
        eval_numerical_gradient(lambda v: 0.0, np.arange(3))
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="perturbed in place"):
        eval_numerical_gradient_array(lambda v: v, frozen, np.ones(2))


# ----------------------------------------------------------------------------- data utils

@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_cifar10(tmp_path_factory.mktemp("cifar"), n=40, n_test=8).parent


def test_load_cifar10_is_channels_last_float(cifar_root: Path) -> None:
    X_train, y_train, X_test, y_test = data_utils.load_CIFAR10(cifar_root)  # noqa: N806
    raw = load_cifar10(cifar_root)
    assert X_train.shape == (40, 32, 32, 3)
    assert X_train.dtype == np.float64
    assert X_test.shape == (8, 32, 32, 3)
    np.testing.assert_array_equal(X_train, raw[0].transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_test, raw[3])


def test_get_cifar10_data_splits_subtracts_mean_channels_first(cifar_root: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    data = data_utils.get_CIFAR10_data(num_training=30, num_validation=6, num_test=5,
                                       root=cifar_root)
    assert sorted(data) == ["X_test", "X_train", "X_val", "y_test", "y_train", "y_val"]
    assert data["X_train"].shape == (30, 3, 32, 32)
    assert data["X_val"].shape == (6, 3, 32, 32)
    assert data["X_test"].shape == (5, 3, 32, 32)
    assert data["X_train"].flags.c_contiguous
    raw_train, raw_y, _, _ = load_cifar10(cifar_root)
    mean = raw_train[:30].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(data["X_val"], raw_train[30:36] - mean, atol=1e-9)
    np.testing.assert_array_equal(data["y_val"], raw_y[30:36])
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-9)
    monkeypatch.setenv(data_utils.ROOT_VARIABLE, str(cifar_root))
    plain = data_utils.get_CIFAR10_data(num_training=10, num_validation=2, num_test=2,
                                        subtract_mean=False)
    np.testing.assert_array_equal(plain["X_train"], raw_train[:10])
    with pytest.raises(ValueError, match="holds 40 training and 8 test images"):
        data_utils.get_CIFAR10_data(num_training=39, num_validation=2, root=cifar_root)


# ----------------------------------------------------------------------------- check_layer

STUDENTS = {
    "conv": (layers.conv_forward_naive, layers.conv_backward_naive),
    "max_pool": (layers.max_pool_forward_naive, layers.max_pool_backward_naive),
    "batchnorm": (layers.batchnorm_forward, layers.batchnorm_backward_alt),
    "spatial_batchnorm": (layers.spatial_batchnorm_forward, layers.batchnorm_backward_alt),
    "layernorm": (layers.layernorm_forward, layers.layernorm_backward),
    "spatial_groupnorm": (layers.spatial_groupnorm_forward, layers.spatial_groupnorm_backward),
    "dropout": (layers.dropout_forward, layers.dropout_backward),
    "affine": (layers.affine_forward, layers.affine_backward),
    "relu": (layers.relu_forward, layers.relu_backward),
    "rnn_step": (rnn_layers.rnn_step_forward, rnn_layers.rnn_step_backward),
    "rnn": (rnn_layers.rnn_forward, rnn_layers.rnn_backward),
    "lstm_step": (rnn_layers.lstm_step_forward, rnn_layers.lstm_step_backward),
    "lstm": (rnn_layers.lstm_forward, rnn_layers.lstm_backward),
    "word_embedding": (rnn_layers.word_embedding_forward, rnn_layers.word_embedding_backward),
    "temporal_affine": (rnn_layers.temporal_affine_forward,
                        rnn_layers.temporal_affine_backward),
}


@pytest.mark.parametrize("reference", sorted(STUDENTS))
def test_check_layer_passes_correct_students(reference: str) -> None:
    forward, backward = STUDENTS[reference]
    assert check_layer(forward, backward, reference, max_examples=8) == 8


def test_check_layer_reports_a_wrong_backward_in_plain_words() -> None:
    def wrong_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, ...]:
        dx, dw, db = layers.conv_backward_naive(dout, cache)
        return dx, dw * 1.01, db  # a 1% error in dw only

    with pytest.raises(LayerCheckError) as info:
        check_layer(layers.conv_forward_naive, wrong_backward, "conv", max_examples=10)
    message = str(info.value)
    assert message.startswith("check_layer(reference='conv') with inputs x (")
    assert "your backward's dw differs from the reference at index" in message
    assert "yours is" in message
    assert "expected" in message


def test_check_layer_catches_forward_gates_and_structure() -> None:
    def lstm_ifgo(x: Any, h: Any, c: Any, wx: Any, wh: Any, b: Any) -> Any:
        hidden = h.shape[1]
        order = np.r_[0:2 * hidden, 3 * hidden:4 * hidden, 2 * hidden:3 * hidden]
        return rnn_layers.lstm_step_forward(x, h, c, wx[:, order], wh[:, order], b[order])

    with pytest.raises(LayerCheckError, match="your forward's next_h differs"):
        check_layer(lstm_ifgo, rnn_layers.lstm_step_backward, "lstm_step", max_examples=10)

    def pytorch_dropout(x: Any, param: dict[str, Any]) -> Any:  # p as DROP probability
        return layers.dropout_forward(x, {**param, "p": 1 - param["p"]})

    with pytest.raises(LayerCheckError, match="your forward's out differs"):
        check_layer(pytorch_dropout, layers.dropout_backward, "dropout", max_examples=10)

    def tuple_relu_backward(dout: Any, cache: Any) -> Any:
        return (layers.relu_backward(dout, cache),)

    with pytest.raises(LayerCheckError, match=r"1 gradient\(s\) \(a bare array\)"):
        check_layer(layers.relu_forward, tuple_relu_backward, "relu", max_examples=5)

    def raising_forward(x: Any, w: Any, b: Any) -> Any:
        raise IndexError("oops")

    with pytest.raises(LayerCheckError, match="your forward raised IndexError: oops"):
        check_layer(raising_forward, layers.affine_backward, "affine", max_examples=5)


def test_check_layer_checks_running_statistics() -> None:
    def pytorch_momentum(x: Any, gamma: Any, beta: Any, bn_param: dict[str, Any]) -> Any:
        bn_param.setdefault("momentum", 0.1)  # PyTorch's 0.1 on the new value
        return layers.batchnorm_forward(x, gamma, beta, bn_param)

    with pytest.raises(LayerCheckError, match=r"bn_param\['running_mean'\] after your forward"):
        check_layer(pytorch_momentum, layers.batchnorm_backward, "batchnorm", max_examples=10)
    with pytest.raises(ValueError, match="unknown reference 'softmax'"):
        check_layer(layers.relu_forward, layers.relu_backward, "softmax")


# ----------------------------------------------------------------------------- the example

def test_classic_fc_net_example_quick_mode(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["classic_fc_net.py", "--quick"])
    runpy.run_path(str(EXAMPLES / "classic_fc_net.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "(Iteration 1 / " in out
    assert "(Epoch 0 / " in out
    assert "relative error" in out
    errors = [float(line.rsplit(" ", 1)[1]) for line in out.splitlines()
              if line.startswith("W1 relative error")]
    assert errors
    assert errors[0] < 1e-4
    accuracy = float(out.rsplit("validation accuracy:", 1)[1].split()[0])
    assert accuracy > 0.5
