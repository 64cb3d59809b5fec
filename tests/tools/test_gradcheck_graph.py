"""gradcheck_graph: every op of a network checked alone; a wrong backward is found and named."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import OPS
from tinygrad_edu.models import MLP
from tinygrad_edu.testing import (
    GraphCheckError,
    TorchDivergenceError,
    compare_with_torch,
    gradcheck_graph,
)


def line_of(marker: str) -> int:
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    hits = [i for i, line in enumerate(lines, 1) if marker in line and "line_of" not in line]
    assert len(hits) == 1, hits
    return hits[0]


def mlp_problem(dropout: float = 0.0) -> tuple[MLP, np.ndarray, np.ndarray]:
    tg.manual_seed(0)
    net = MLP(6, (8, 5), num_classes=3, dropout=dropout)
    rng = np.random.default_rng(0)
    return net, rng.standard_normal((4, 6)), np.array([0, 2, 1, 0])


def relu_backward_without_mask(dout, cache):
    """A student's bug: ReLU's backward forgets to gate the gradient."""
    return (dout,)


@pytest.fixture
def wrong_relu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Swap relu's backward for a wrong one; monkeypatch puts the original back afterwards."""
    monkeypatch.setitem(OPS, "relu", OPS["relu"]._replace(backward=relu_backward_without_mask))


def test_correct_mlp_passes_and_lists_the_ops() -> None:
    net, x, y = mlp_problem()
    report = gradcheck_graph(lambda x, y: F.cross_entropy(net(x), y), [x, y])
    names = {name for _, name in report.checked}
    assert {"linear", "relu"} <= names
    assert "relu" in str(report) or "checked" in str(report)


def test_wrong_backward_inside_an_mlp_is_found_and_named(wrong_relu: None) -> None:
    net, x, y = mlp_problem()
    with pytest.raises(GraphCheckError) as info:
        gradcheck_graph(lambda x, y: F.cross_entropy(net(x), y), [x, y])  # CALL-SITE
    err = info.value
    msg = str(err)
    assert err.op == "relu"
    assert "relu_backward_without_mask" in msg
    assert "relu_forward" in msg
    assert "(4, 8)" in msg
    assert "worst element" in msg
    assert err.failures[0].input_index == 0
    assert err.origin.lineno == line_of("# CALL-SITE")
    assert f"test_gradcheck_graph.py:{line_of('# CALL-SITE')}" in msg
    # the ops before relu were checked and fine: relu is the first wrong one
    assert err.position > 0


def test_origin_is_the_user_line_for_user_code(wrong_relu: None) -> None:
    def model(x):
        h = x * 2.0
        return h.relu().sum()  # USER-RELU

    with pytest.raises(GraphCheckError) as info:
        gradcheck_graph(model, [np.linspace(-1, 1, 7)])
    assert info.value.origin.lineno == line_of("# USER-RELU")


def test_report_without_raising(wrong_relu: None) -> None:
    net, x, y = mlp_problem()
    report = gradcheck_graph(lambda x, y: F.cross_entropy(net(x), y), [x, y],
                             raise_exception=False)
    wrong = [s for s in report.skipped if s[2].startswith("WRONG")]
    assert wrong
    assert all(name == "relu" for _, name, _ in wrong)


def test_dropout_is_replayed_with_the_same_mask() -> None:
    net, x, y = mlp_problem(dropout=0.3)
    state = tg.random.default_generator.get_state()
    report = gradcheck_graph(lambda x, y: F.cross_entropy(net(x), y), [x, y])
    assert "dropout" in {name for _, name in report.checked}
    assert np.array_equal(tg.random.default_generator.get_state(), state)  # RNG untouched


def test_small_convnet_passes() -> None:
    tg.manual_seed(0)
    net = tg.nn.Sequential(tg.nn.Conv2d(1, 2, 3, padding=1), tg.nn.BatchNorm2d(2),
                           tg.nn.ReLU(), tg.nn.MaxPool2d(2), tg.nn.Flatten(),
                           tg.nn.Linear(8, 3)).double()
    x = np.random.default_rng(1).standard_normal((2, 1, 4, 4))
    report = gradcheck_graph(lambda x: net(x).tanh().sum(), [x], max_elements=16)
    names = {name for _, name in report.checked}
    assert {"conv2d", "batch_norm", "max_pool2d", "linear"} <= names


def _doubled_dw(original):
    def doubled_dw(dout, cache):
        dx, dw, *rest = original(dout, cache)
        return (dx, None if dw is None else 2 * dw, *rest)
    return doubled_dw


def test_wrong_conv_backward_found(monkeypatch: pytest.MonkeyPatch) -> None:
    op = OPS["conv2d"]  # the bug planted in both pairs: autograd runs the fast one
    monkeypatch.setitem(OPS, "conv2d", op._replace(
        backward=_doubled_dw(op.backward), fast_backward=_doubled_dw(op.fast_backward)))
    tg.manual_seed(0)
    conv = tg.nn.Conv2d(1, 2, 3).double()
    x = np.random.default_rng(1).standard_normal((1, 1, 4, 4))
    with pytest.raises(GraphCheckError, match="conv2d") as info:
        gradcheck_graph(lambda x: conv(x).sum(), [x], max_elements=8)
    assert info.value.failures[0].input_index == 1  # the weight


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="gradcheck_graph: output_fn must be callable"):
        gradcheck_graph(3, [np.ones(2)])
    with pytest.raises(TypeError, match="gradcheck_graph: inputs must be a list or tuple"):
        gradcheck_graph(lambda x: x, np.ones(2))


# ----------------------------------------------------------------------------- compare_with_torch

def test_compare_with_torch_passes_on_a_convnet_and_mlp() -> None:
    pytest.importorskip("torch")
    net, x, y = mlp_problem(dropout=0.2)
    report = compare_with_torch(lambda x, y: F.cross_entropy(net(x), y), [x, y])
    names = {name for _, name in report.checked}
    assert {"linear", "relu", "dropout", "log_softmax", "nll_loss"} <= names
    assert not report.skipped
    tg.manual_seed(0)
    conv = tg.nn.Sequential(tg.nn.Conv2d(1, 2, 3, padding=1), tg.nn.BatchNorm2d(2),
                            tg.nn.ReLU(), tg.nn.MaxPool2d(2), tg.nn.Flatten()).double()
    img = np.random.default_rng(2).standard_normal((2, 1, 4, 4))
    report = compare_with_torch(lambda x: conv(x).softmax(dim=1), [img])
    assert {"conv2d", "batch_norm", "max_pool2d", "reshape", "softmax"} <= \
        {name for _, name in report.checked}


def test_compare_with_torch_checks_dropout_with_our_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropout is random; its reference reads the kept elements from our forward's cache and
    scales them in torch, so a wrong scale is found (forward and backward)."""
    pytest.importorskip("torch")
    original = OPS["dropout"].forward

    def unscaled_dropout(x, *, p, **kw):
        out, cache = original(x, p=p, **kw)
        return out * (1 - p), cache._replace(mask=cache.mask * (1 - p))

    x = np.random.default_rng(0).standard_normal((4, 5))
    report = compare_with_torch(lambda x: F.dropout(x, 0.4).tanh(), [x])
    assert [name for _, name in report.checked] == ["dropout", "tanh"]
    monkeypatch.setitem(OPS, "dropout", OPS["dropout"]._replace(  # (no fast pair: ours runs)
        forward=unscaled_dropout, fast_forward=None, fast_backward=None))
    with pytest.raises(TorchDivergenceError) as info:
        compare_with_torch(lambda x: F.dropout(x, 0.4).tanh(), [x])
    assert (info.value.op, info.value.phase) == ("dropout", "forward")


def test_compare_with_torch_checks_outputs_that_are_not_floats() -> None:
    """Comparisons, argmax and casts to integers are compared exactly (forward only)."""
    pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    report = compare_with_torch(
        lambda x: (x.argmax(dim=1), (x > 0.1).double() * x, x.long()), [x])
    assert {"argmax", "gt", "cast", "mul"} <= {name for _, name in report.checked}
    assert not report.skipped


def test_compare_with_torch_skips_only_ops_without_a_reference(request: pytest.FixtureRequest
                                                               ) -> None:
    """An op registered without a TORCH_OPS entry is skipped, and the report says why."""
    pytest.importorskip("torch")
    from tinygrad_edu.autograd import apply_op, register_op

    op = register_op("_compare_test_double", lambda x: (2 * x, None),
                     lambda dout, cache: (2 * dout,))
    request.addfinalizer(lambda: OPS.pop(op.name, None))
    report = compare_with_torch(lambda x: apply_op(op, x).exp(), [np.ones(3)])
    assert report.checked == [(1, "exp")]
    assert len(report.skipped) == 1
    assert report.skipped[0][:2] == (0, "_compare_test_double")
    assert "TORCH_OPS" in report.skipped[0][2]


def test_compare_with_torch_finds_a_planted_forward_divergence(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    original = OPS["sigmoid"].forward

    def sigmoid_slightly_off(x):
        out, cache = original(x)
        return out + 1e-4, cache

    monkeypatch.setitem(OPS, "sigmoid", OPS["sigmoid"]._replace(forward=sigmoid_slightly_off))
    x = np.random.default_rng(0).standard_normal((3, 4))
    w = np.random.default_rng(1).standard_normal((4, 2))
    with pytest.raises(TorchDivergenceError) as info:
        compare_with_torch(lambda x, w: (x @ w).sigmoid().sum(), [x, w])  # PLANTED-DIVERGENCE
    err = info.value
    assert err.op == "sigmoid"
    assert err.phase == "forward"
    assert err.position == 1
    assert "worst element" in str(err)
    assert "in PyTorch" in str(err)
    assert err.record.origin.lineno == line_of("# PLANTED-DIVERGENCE")


def test_compare_with_torch_finds_a_planted_backward_divergence(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    original = OPS["tanh"].backward
    monkeypatch.setitem(OPS, "tanh", OPS["tanh"]._replace(
        backward=lambda dout, cache: tuple(1.001 * g for g in original(dout, cache))))
    net, x, _ = mlp_problem()
    with pytest.raises(TorchDivergenceError, match="gradient of input 0") as info:
        compare_with_torch(lambda x: net(x).tanh().mean(), [x])
    assert info.value.op == "tanh"
    assert info.value.phase == "backward"
