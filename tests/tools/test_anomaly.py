"""Anomaly mode: the first NaN/Inf is found, forward or backward, and named with the user's line."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.autograd import (
    AnomalyError,
    detect_anomaly,
    is_anomaly_enabled,
    node_origin,
    set_detect_anomaly,
)


def line_of(marker: str) -> int:
    """The line number in this file of the line containing ``marker`` (a planted comment)."""
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    hits = [i for i, line in enumerate(lines, 1) if marker in line and "line_of" not in line]
    assert len(hits) == 1, hits
    return hits[0]


class Shift(nn.Module):
    """A user's layer with a bug: log of (x - 100) is the log of a negative number."""

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return (x - 100.0).log()  # PLANTED-NAN


def convnet_with_bug() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(),
        Shift(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 2 * 2, 10))


def test_nan_from_log_of_negative_deep_inside_a_convnet_is_found() -> None:
    tg.manual_seed(0)
    net = convnet_with_bug()
    x = tg.randn(2, 1, 8, 8)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        net(x)
    err = info.value
    msg = str(err)
    assert err.op == "log"
    assert err.phase == "forward"
    assert err.origin is not None
    assert err.origin.filename.endswith("test_anomaly.py")
    assert err.origin.lineno == line_of("# PLANTED-NAN")
    assert "'log'" in msg
    assert "forward" in msg
    assert f"test_anomaly.py:{line_of('# PLANTED-NAN')}" in msg
    assert "(x - 100.0).log()" in msg
    assert "input 0: shape (2, 8, 4, 4)" in msg
    assert "has NaN: False" in msg  # the input was fine: log made the NaN


def test_without_anomaly_mode_the_nan_passes_silently() -> None:
    tg.manual_seed(0)
    out = convnet_with_bug()(tg.randn(2, 1, 8, 8))
    assert np.isnan(out.detach().numpy()).all()
    assert not is_anomaly_enabled()


def test_backward_inf_is_found_and_named() -> None:
    x = tg.tensor([4.0, 0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = (x * 1.0).sqrt()  # PLANTED-INF
        loss = y.sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    err = info.value
    assert err.op == "sqrt"
    assert err.phase == "backward"
    msg = str(err)
    assert "backward of 'sqrt'" in msg
    assert "1 Inf" in msg
    assert "input 0" in msg
    assert f"test_anomaly.py:{line_of('# PLANTED-INF')}" in msg
    assert "upstream gradient: shape (3,)" in msg
    assert "forward inputs:" in msg
    assert "min 0, max 4" in msg


def test_check_forward_off_lets_intended_inf_through() -> None:
    scores = tg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    mask = tg.tensor([[False, False, True]])
    with detect_anomaly(check_forward=False):
        masked = scores.masked_fill(mask, float("-inf"))
        masked.softmax(dim=1).sum().backward()
    assert np.isfinite(scores.grad.numpy()).all()
    with detect_anomaly(), pytest.raises(AnomalyError, match="Inf"):
        scores.masked_fill(mask, float("-inf"))


def test_non_finite_root_gradient_is_reported() -> None:
    x = tg.ones(2, requires_grad=True)
    y = x * 2
    with detect_anomaly(), pytest.raises(AnomalyError, match="gradient passed to backward"):
        y.backward(tg.tensor([1.0, float("nan")]))


def test_op_created_before_anomaly_mode_says_so() -> None:
    x = tg.tensor([0.0], requires_grad=True)
    y = x.sqrt()
    with detect_anomaly(), pytest.raises(AnomalyError, match="before anomaly mode"):
        y.sum().backward()


def test_global_switch_and_context_restore() -> None:
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with pytest.raises(AnomalyError):
            tg.tensor([-1.0]).log()
        with detect_anomaly():
            pass
        assert is_anomaly_enabled()  # the context restored the global setting
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with pytest.raises(AnomalyError), detect_anomaly():
        tg.tensor([-1.0]).sqrt()
    assert not is_anomaly_enabled()  # restored after an exception too


def test_origin_recorded_only_in_anomaly_mode() -> None:
    x = tg.ones(2, requires_grad=True)
    y = x * 3
    assert node_origin(y.grad_fn) is None
    with detect_anomaly():
        z = x * 3  # ORIGIN-LINE
    record = node_origin(z.grad_fn)
    assert record is not None
    assert record.origin.lineno == line_of("# ORIGIN-LINE")
    assert record.op.name == "mul"


def test_anomaly_mode_does_not_change_results() -> None:
    tg.manual_seed(1)
    x = tg.randn(3, 4, requires_grad=True)
    w = tg.randn(4, 2, requires_grad=True)
    (x @ w).tanh().sum().backward()
    plain = x.grad.numpy().copy(), w.grad.numpy().copy()
    x.grad = w.grad = None
    with detect_anomaly():
        (x @ w).tanh().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), plain[0])
    np.testing.assert_array_equal(w.grad.numpy(), plain[1])


def test_error_names_line_in_user_code_not_library() -> None:
    logits = tg.tensor([[float("nan"), 0.0]], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        nn.functional.log_softmax(logits, dim=1)  # LIBRARY-CALL
    assert info.value.origin.lineno == line_of("# LIBRARY-CALL")
    assert "has NaN: True" in str(info.value)  # the input already had the NaN
    assert "tinygrad_edu" not in info.value.origin.filename.replace("\\", "/").split("/")[-2]


def test_inf_logits_give_nan_like_torch_and_anomaly_mode_finds_it() -> None:
    logits = tg.tensor([[float("inf"), 0.0]], requires_grad=True)
    out = logits.log_softmax(dim=1)  # no numpy warning escapes; NaN as in PyTorch
    assert np.isnan(out.detach().numpy()).all()
    with detect_anomaly(), pytest.raises(AnomalyError, match="has Inf: True") as info:
        logits.log_softmax(dim=1)
    assert info.value.op == "log_softmax"
