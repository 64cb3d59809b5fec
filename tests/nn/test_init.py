"""``tinygrad_edu.nn.init``: in-place fills, seeding, the Xavier/Kaiming formulas, gains.

Statistics are checked on large tensors against the formulas (PyTorch's), with tolerances
several standard errors wide; ``calculate_gain`` must equal torch's exactly.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import init

torch = pytest.importorskip("torch")

RANDOM_INITS = {
    "uniform_": lambda t, **kw: init.uniform_(t, -0.5, 2.0, **kw),
    "normal_": lambda t, **kw: init.normal_(t, 1.0, 0.3, **kw),
    "xavier_uniform_": lambda t, **kw: init.xavier_uniform_(t, **kw),
    "xavier_normal_": lambda t, **kw: init.xavier_normal_(t, **kw),
    "kaiming_uniform_": lambda t, **kw: init.kaiming_uniform_(t, **kw),
    "kaiming_normal_": lambda t, **kw: init.kaiming_normal_(t, **kw),
}
ALL_INITS = {
    **RANDOM_INITS,
    "constant_": lambda t: init.constant_(t, 0.25),
    "zeros_": init.zeros_,
    "ones_": init.ones_,
}


def _values(t):
    return t.detach().numpy()


# ----------------------------------------------------------------------------- in place


@pytest.mark.parametrize("name", list(ALL_INITS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_init_fills_in_place_and_returns_the_same_object(name, dtype):
    t = tg.full((20, 30), 7.0, dtype=getattr(tg, dtype))
    alias = t.detach()  # shares memory with t
    data_before = t.detach().numpy()
    out = ALL_INITS[name](t)
    assert out is t
    assert t.shape == (20, 30)
    assert t.dtype == getattr(tg, dtype)
    assert not np.any(_values(t) == 7.0)
    np.testing.assert_array_equal(_values(alias), _values(t))
    assert t.detach().numpy() is data_before or np.shares_memory(t.detach().numpy(),
                                                                 data_before)


@pytest.mark.parametrize("name", list(ALL_INITS))
def test_init_on_a_parameter_requiring_grad(name):
    p = tg.nn.Parameter(tg.zeros(16, 8))
    assert p.requires_grad
    assert p.is_leaf
    assert ALL_INITS[name](p) is p
    assert p.requires_grad
    assert p.is_leaf
    assert p.grad_fn is None
    assert isinstance(p, tg.nn.Parameter)
    with tg.no_grad():  # the way users write it, following PyTorch tutorials
        assert ALL_INITS[name](p) is p
    assert p.requires_grad
    assert p.is_leaf
    assert p.grad_fn is None
    # the parameter still trains afterwards
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.full((16, 8), 2.0, dtype=np.float32))


def test_init_of_a_layer_weight_changes_its_output():
    fc = tg.nn.Linear(3, 2)
    init.ones_(fc.weight)
    init.constant_(fc.bias, -1.0)
    assert fc(tg.ones(1, 3)).tolist() == [[2.0, 2.0]]


def test_constant_values_are_exact():
    assert init.constant_(tg.empty(2, 2, dtype=tg.float64), 0.1).tolist() == [[0.1, 0.1]] * 2
    assert init.zeros_(tg.ones(3)).tolist() == [0.0, 0.0, 0.0]
    assert init.ones_(tg.zeros(2, 1, 2)).tolist() == [[[1.0, 1.0]], [[1.0, 1.0]]]
    assert init.constant_(tg.zeros(3, dtype=tg.int64), 4).tolist() == [4, 4, 4]
    assert init.constant_(tg.zeros(()), 2.5).item() == 2.5


# ----------------------------------------------------------------------------- seeding


@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_same_seed_gives_the_same_numbers(name):
    fill = RANDOM_INITS[name]
    tg.manual_seed(123)
    a = _values(fill(tg.empty(10, 12))).copy()
    b = _values(fill(tg.empty(10, 12))).copy()
    tg.manual_seed(123)
    c = _values(fill(tg.empty(10, 12))).copy()
    tg.manual_seed(124)
    d = _values(fill(tg.empty(10, 12))).copy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, d)


@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_generator_argument_is_used_and_leaves_the_global_stream_alone(name):
    fill = RANDOM_INITS[name]
    tg.manual_seed(0)
    expected_next = tg.rand(3).numpy().copy()
    tg.manual_seed(0)
    a = _values(fill(tg.empty(5, 6), generator=tg.Generator().manual_seed(9))).copy()
    np.testing.assert_array_equal(tg.rand(3).numpy(), expected_next)
    b = _values(fill(tg.empty(5, 6), generator=tg.Generator().manual_seed(9))).copy()
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- statistics


def _torch_gain(nonlinearity, param=None):
    return torch.nn.init.calculate_gain(nonlinearity, param)


def _fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


SHAPES = [(300, 500), (64, 48, 3, 3)]  # a Linear weight and a conv weight (150k, 27k values)


def _check_uniform(w, bound):
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > (0.999 if w.size > 100_000 else 0.995) * bound
    assert w.min() < -0.99 * bound  # symmetric
    assert abs(w.mean()) < 0.02 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def _check_normal(w, std):
    assert abs(w.mean()) < 0.03 * std
    assert w.std() == pytest.approx(std, rel=0.02)
    # Gaussian tails, not uniform: some values beyond 3 std
    assert (np.abs(w) > 3 * std).mean() == pytest.approx(0.0027, abs=0.0015)


def test_uniform_and_normal_statistics():
    tg.manual_seed(0)
    w = _values(init.uniform_(tg.empty(400, 500, dtype=tg.float64), -0.5, 2.0))
    assert w.min() >= -0.5
    assert w.max() < 2.0
    assert w.min() < -0.499
    assert w.max() > 1.999
    assert w.mean() == pytest.approx(0.75, abs=0.01)
    assert w.var() == pytest.approx(2.5**2 / 12, rel=0.02)
    w = _values(init.uniform_(tg.empty(300, 300)))
    assert w.min() >= 0.0
    assert w.max() < 1.0
    assert w.mean() == pytest.approx(0.5, abs=0.01)
    w = _values(init.normal_(tg.empty(400, 500), mean=1.0, std=0.3))
    assert w.mean() == pytest.approx(1.0, abs=0.005)
    assert w.std() == pytest.approx(0.3, rel=0.01)
    w = _values(init.normal_(tg.empty(300, 300)))
    assert w.mean() == pytest.approx(0.0, abs=0.01)
    assert w.std() == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize("shape", SHAPES, ids=["linear", "conv"])
@pytest.mark.parametrize("gain", [1.0, 5.0 / 3, 0.5])
def test_xavier_statistics(shape, gain):
    fan_in, fan_out = _fans(shape)
    tg.manual_seed(1)
    w = _values(init.xavier_uniform_(tg.empty(*shape), gain=gain))
    _check_uniform(w, gain * math.sqrt(6.0 / (fan_in + fan_out)))
    w = _values(init.xavier_normal_(tg.empty(*shape), gain=gain))
    _check_normal(w, gain * math.sqrt(2.0 / (fan_in + fan_out)))


KAIMING_NONLINEARITIES = [("leaky_relu", 0.0), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)),
                          ("relu", 0.0), ("tanh", 0.0), ("linear", 0.0), ("sigmoid", 0.0),
                          ("selu", 0.0)]


@pytest.mark.parametrize("shape", SHAPES, ids=["linear", "conv"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(("nonlinearity", "a"), KAIMING_NONLINEARITIES)
def test_kaiming_statistics(shape, mode, nonlinearity, a):
    fan_in, fan_out = _fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    std = _torch_gain(nonlinearity, a) / math.sqrt(fan)
    tg.manual_seed(2)
    w = _values(init.kaiming_uniform_(tg.empty(*shape), a=a, mode=mode,
                                      nonlinearity=nonlinearity))
    _check_uniform(w, math.sqrt(3.0) * std)
    w = _values(init.kaiming_normal_(tg.empty(*shape), a=a, mode=mode,
                                     nonlinearity=nonlinearity))
    _check_normal(w, std)


def test_kaiming_defaults_are_fan_in_leaky_relu_with_a_zero():
    shape = (400, 250)
    tg.manual_seed(4)
    w = _values(init.kaiming_normal_(tg.empty(*shape)))
    _check_normal(w, math.sqrt(2.0) / math.sqrt(250))
    w = _values(init.kaiming_uniform_(tg.empty(*shape)))
    _check_uniform(w, math.sqrt(6.0 / 250))


def test_kaiming_and_xavier_spread_equals_torch_empirically():
    shape = (256, 128, 3)
    tg.manual_seed(0)
    torch.manual_seed(0)
    for ours, theirs in [
        (init.kaiming_normal_(tg.empty(*shape), mode="fan_out", nonlinearity="relu"),
         torch.nn.init.kaiming_normal_(torch.empty(*shape), mode="fan_out",
                                       nonlinearity="relu")),
        (init.kaiming_uniform_(tg.empty(*shape), a=0.1),
         torch.nn.init.kaiming_uniform_(torch.empty(*shape), a=0.1)),
        (init.xavier_uniform_(tg.empty(*shape), gain=2.0),
         torch.nn.init.xavier_uniform_(torch.empty(*shape), gain=2.0)),
        (init.xavier_normal_(tg.empty(*shape)), torch.nn.init.xavier_normal_(torch.empty(*shape))),
    ]:
        assert _values(ours).std() == pytest.approx(theirs.numpy().std(), rel=0.02)


def test_init_preserves_float64_precision():
    w = _values(init.uniform_(tg.empty(1000, dtype=tg.float64)))
    assert w.dtype == np.float64
    assert not np.array_equal(w, w.astype(np.float32).astype(np.float64))


# ----------------------------------------------------------------------------- calculate_gain


@pytest.mark.parametrize(("nonlinearity", "param"), [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
    ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
    ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 1),
    ("leaky_relu", math.sqrt(5)), ("leaky_relu", 0.01), ("linear", 3.0), ("relu", 0.5),
])
def test_calculate_gain_equals_torch(nonlinearity, param):
    ours = init.calculate_gain(nonlinearity, param)
    assert ours == _torch_gain(nonlinearity, param)
    assert isinstance(ours, float)


def test_calculate_gain_errors_like_torch():
    for nonlinearity, param in [("swish", None), ("leaky_relu", True), ("leaky_relu", "0.1")]:
        with pytest.raises(ValueError):  # noqa: PT011 - torch's behaviour is the spec
            _torch_gain(nonlinearity, param)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    for bad in (True, "0.1"):
        with pytest.raises(ValueError, match="negative_slope .* is not a valid number"):
            init.calculate_gain("leaky_relu", bad)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                  "kaiming_normal_"])
@pytest.mark.parametrize("shape", [(5,), ()])
def test_fan_based_inits_reject_fewer_than_two_dims(name, shape):
    t = tg.zeros(shape)
    with pytest.raises(ValueError, match=rf"{name}: fan in and fan out can not be computed.*"
                                         rf"fewer than 2 dimensions \(got shape "
                                         rf"{re.escape(repr(tg.Size(shape)))}\)"):
        getattr(init, name)(t)
    assert not t.numpy().any()  # untouched
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        getattr(torch.nn.init, name)(torch.zeros(shape))


@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_"])
def test_kaiming_rejects_bad_mode(name):
    t = tg.zeros(3, 4)
    with pytest.raises(ValueError, match=rf"{name}: mode 'fan_avg' not supported, please use "
                                         "one of fan_in, fan_out"):
        getattr(init, name)(t, mode="fan_avg")
    assert not t.numpy().any()


@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_"])
def test_kaiming_rejects_unknown_nonlinearity(name):
    with pytest.raises(ValueError, match="unsupported nonlinearity 'gelu'"):
        getattr(init, name)(tg.zeros(3, 4), nonlinearity="gelu")


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                  "kaiming_normal_"])
def test_fan_based_inits_on_zero_element_tensors_are_a_no_op(name):
    for shape in [(3, 0), (0, 3), (0, 0), (2, 0, 3)]:
        for kwargs in ([{}] if name.startswith("xavier") else
                       [{"mode": "fan_in"}, {"mode": "fan_out"}]):
            t = tg.zeros(*shape)
            assert getattr(init, name)(t, **kwargs) is t
            assert t.shape == shape
