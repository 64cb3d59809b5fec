"""``tinygrad_edu.nn`` against ``torch.nn``: modules, losses, the Module API, containers, and
PyTorch code that runs unchanged on both libraries.

Every parity test builds the torch module, copies its state dict into ours, runs both in
float64 and compares the output, the input gradient and every parameter gradient (rtol 1e-10).
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

RTOL, ATOL = 1e-10, 1e-12


def _np(t):
    """The values of a tinygrad_edu or torch tensor as an ndarray."""
    if isinstance(t, tg.Tensor):
        return np.asarray(t.detach().numpy())
    return t.detach().cpu().numpy()


def assert_close(ours, theirs, rtol=RTOL, atol=ATOL):
    a, b = _np(ours), _np(theirs)
    assert a.shape == b.shape, f"shape {a.shape} != torch's {b.shape}"
    assert a.dtype == b.dtype, f"dtype {a.dtype} != torch's {b.dtype}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def copy_torch_weights(torch_module, our_module):
    """Load torch's state dict into ours (as numpy arrays), the way a user would."""
    result = our_module.load_state_dict(
        {k: v.detach().numpy() for k, v in torch_module.state_dict().items()})
    assert result.missing_keys == []
    assert result.unexpected_keys == []


def check_module_parity(factory, x, seed=0):
    """Forward, input grad and every parameter grad of ``factory(nn)`` equal torch's."""
    torch.manual_seed(seed)
    tm = factory(torch.nn).double()
    om = factory(tg.nn).double()
    assert list(om.state_dict()) == list(tm.state_dict())
    copy_torch_weights(tm, om)
    xt = torch.tensor(x, requires_grad=True)
    xo = tg.tensor(x, requires_grad=True)
    yt, yo = tm(xt), om(xo)
    assert_close(yo, yt)
    g = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(g))
    yo.backward(tg.tensor(g))
    assert_close(xo.grad, xt.grad)
    tparams, oparams = dict(tm.named_parameters()), dict(om.named_parameters())
    assert list(oparams) == list(tparams)
    for name, p in tparams.items():
        assert oparams[name].grad is not None, name
        assert_close(oparams[name].grad, p.grad)


def _rand(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


# ----------------------------------------------------------------------------- layer parity

LAYER_CASES = {
    "linear": (lambda nn: nn.Linear(5, 3), (4, 5)),
    "linear_3d_input": (lambda nn: nn.Linear(5, 3), (2, 4, 5)),
    "linear_1d_input": (lambda nn: nn.Linear(5, 3), (5,)),
    "linear_no_bias": (lambda nn: nn.Linear(5, 3, bias=False), (4, 5)),
    "identity": (lambda nn: nn.Identity(), (3, 4)),
    "identity_with_args": (lambda nn: nn.Identity(54, unused="x"), (3, 4)),
    "flatten": (lambda nn: nn.Flatten(), (2, 3, 4, 5)),
    "flatten_all": (lambda nn: nn.Flatten(0, -1), (2, 3, 4)),
    "flatten_middle": (lambda nn: nn.Flatten(1, 2), (2, 3, 4, 5)),
    "unflatten": (lambda nn: nn.Unflatten(1, (2, 3)), (4, 6)),
    "unflatten_neg": (lambda nn: nn.Unflatten(-1, (2, 2, 1)), (3, 2, 4)),
    "sequential": (lambda nn: nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 4),
                                            nn.ReLU(), nn.Linear(4, 2)), (5, 6)),
    "sequential_ordered": (lambda nn: nn.Sequential(OrderedDict(
        [("fc1", nn.Linear(12, 7)), ("act", nn.ELU()), ("out", nn.Linear(7, 3)),
         ("sm", nn.LogSoftmax(dim=1))])), (4, 12)),
    "nested": (lambda nn: nn.Sequential(
        nn.Flatten(), nn.Sequential(nn.Linear(12, 5), nn.GELU()),
        nn.Sequential(nn.Linear(5, 6), nn.Unflatten(1, (2, 3)), nn.Softmax(dim=-1))),
        (3, 3, 4)),
}


@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_layer_forward_and_gradients_match_torch(case):
    factory, shape = LAYER_CASES[case]
    check_module_parity(factory, _rand(*shape, seed=len(case)))


ACTIVATION_CASES = {
    "relu": lambda nn: nn.ReLU(),
    "relu_inplace_flag": lambda nn: nn.ReLU(inplace=False),
    "leaky_relu": lambda nn: nn.LeakyReLU(),
    "leaky_relu_0.3": lambda nn: nn.LeakyReLU(0.3),
    "leaky_relu_kw": lambda nn: nn.LeakyReLU(negative_slope=1.7),
    "elu": lambda nn: nn.ELU(),
    "elu_alpha": lambda nn: nn.ELU(alpha=0.4),
    "gelu": lambda nn: nn.GELU(),
    "gelu_tanh": lambda nn: nn.GELU(approximate="tanh"),
    "sigmoid": lambda nn: nn.Sigmoid(),
    "tanh": lambda nn: nn.Tanh(),
    "softmax_0": lambda nn: nn.Softmax(dim=0),
    "softmax_1": lambda nn: nn.Softmax(dim=1),
    "softmax_-1": lambda nn: nn.Softmax(dim=-1),
    "log_softmax_0": lambda nn: nn.LogSoftmax(dim=0),
    "log_softmax_1": lambda nn: nn.LogSoftmax(1),
    "log_softmax_-1": lambda nn: nn.LogSoftmax(dim=-1),
    "softplus": lambda nn: nn.Softplus(),
    "softplus_beta_threshold": lambda nn: nn.Softplus(beta=2.0, threshold=3.0),
    "softplus_beta_small": lambda nn: nn.Softplus(beta=0.5, threshold=1.0),
}


@pytest.mark.parametrize("case", list(ACTIVATION_CASES))
def test_activation_forward_and_gradients_match_torch(case):
    # scale 4 puts values on both sides of every kink and above softplus thresholds
    check_module_parity(ACTIVATION_CASES[case], _rand(3, 4, 5, seed=7, scale=4.0))


def test_softplus_threshold_region_is_exactly_linear():
    sp = tg.nn.Softplus(beta=2.0, threshold=3.0)
    x = tg.tensor([1.4, 2.0, 10.0], dtype=tg.float64)
    out = sp(x).numpy()
    assert out[1:].tolist() == [2.0, 10.0]  # beta * x > threshold: x itself
    assert out[0] == pytest.approx(math.log1p(math.exp(2.8)) / 2, rel=1e-12)


@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_softmax_implicit_dim_follows_torch(ndim):
    x = _rand(*(2, 3, 4, 5)[:ndim], seed=ndim)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        expected = torch.nn.Softmax()(torch.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected_log = torch.nn.LogSoftmax()(torch.tensor(x))
    assert_close(tg.nn.Softmax()(tg.tensor(x)), expected)
    assert_close(tg.nn.LogSoftmax()(tg.tensor(x)), expected_log)


def test_float32_forward_keeps_float32():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.GELU())
    om = tg.nn.Sequential(tg.nn.Linear(4, 3), tg.nn.GELU())
    copy_torch_weights(tm, om)
    x = _rand(2, 4).astype(np.float32)
    out = om(tg.tensor(x))
    assert out.dtype == tg.float32
    np.testing.assert_allclose(out.detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5,
                               atol=1e-6)


def test_linear_rejects_wrong_input_width():
    with pytest.raises(RuntimeError, match=r"Linear: expected input with last dimension 5"):
        tg.nn.Linear(5, 3)(tg.zeros(2, 4))


def test_multi_margin_loss_rejects_bad_p():
    with pytest.raises(ValueError, match="p == 1 and p == 2"):
        tg.nn.MultiMarginLoss(p=3)


@pytest.mark.parametrize("cls", ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss",
                                 "BCELoss", "BCEWithLogitsLoss", "MultiMarginLoss"])
def test_loss_rejects_bad_reduction(cls):
    with pytest.raises(ValueError, match="reduction"):
        getattr(tg.nn, cls)(reduction="average")


# ----------------------------------------------------------------------------- loss parity

REDUCTIONS = ["none", "sum", "mean"]


def check_loss_parity(make, x, target, *, target_grad=False, seed=3):
    """``make(nn, lib)`` builds the loss; lib is torch or tg (for tensor arguments)."""
    tl, ol = make(torch.nn, torch), make(tg.nn, tg)
    xt, xo = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    tt = torch.tensor(target, requires_grad=target_grad)
    to = tg.tensor(target, requires_grad=target_grad)
    lt, lo = tl(xt, tt), ol(xo, to)
    assert_close(lo, lt)
    g = np.random.default_rng(seed).standard_normal(tuple(lt.shape)) + 2.0
    lt.backward(torch.tensor(g))
    lo.backward(tg.tensor(g))
    assert_close(xo.grad, xt.grad)
    if target_grad:
        assert to.grad is not None
        assert_close(to.grad, tt.grad)


def _weight(lib, w):
    return None if w is None else lib.tensor(np.asarray(w, dtype=np.float64))


CLASS_W = [0.3, 1.0, 2.5, 0.7]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, CLASS_W], ids=["noweight", "weight"])
@pytest.mark.parametrize("ignore_index", [-100, 2], ids=["noignore", "ignore2"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_loss_indices_match_torch(reduction, weight, ignore_index, smoothing):
    x = _rand(6, 4, seed=1, scale=2.0)
    y = np.array([0, 2, 1, 3, 2, 1])

    def make(nn, lib):
        return nn.CrossEntropyLoss(weight=_weight(lib, weight), ignore_index=ignore_index,
                                   reduction=reduction, label_smoothing=smoothing)
    check_loss_parity(make, x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, CLASS_W], ids=["noweight", "weight"])
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
def test_cross_entropy_loss_spatial_targets_match_torch(reduction, weight, smoothing):
    x = _rand(2, 4, 3, 2, seed=2, scale=2.0)  # (N, C, d1, d2)
    y = np.random.default_rng(5).integers(0, 4, size=(2, 3, 2))
    y[0, 1, 1] = 1

    def make(nn, lib):
        return nn.CrossEntropyLoss(weight=_weight(lib, weight), ignore_index=1,
                                   reduction=reduction, label_smoothing=smoothing)
    check_loss_parity(make, x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, CLASS_W], ids=["noweight", "weight"])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_loss_probability_targets_match_torch(reduction, weight, smoothing):
    x = _rand(5, 4, seed=3, scale=2.0)
    p = np.random.default_rng(4).random((5, 4))
    p /= p.sum(axis=1, keepdims=True)

    def make(nn, lib):
        return nn.CrossEntropyLoss(weight=_weight(lib, weight), reduction=reduction,
                                   label_smoothing=smoothing)
    check_loss_parity(make, x, p, target_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, CLASS_W], ids=["noweight", "weight"])
@pytest.mark.parametrize("ignore_index", [-100, 0], ids=["noignore", "ignore0"])
@pytest.mark.parametrize("spatial", [False, True], ids=["2d", "4d"])
def test_nll_loss_matches_torch(reduction, weight, ignore_index, spatial):
    rng = np.random.default_rng(6)
    shape = (3, 4, 2, 2) if spatial else (7, 4)
    logits = rng.standard_normal(shape)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    y = rng.integers(0, 4, size=(shape[0], *shape[2:]))
    y.reshape(-1)[:2] = [0, 3]

    def make(nn, lib):
        return nn.NLLLoss(weight=_weight(lib, weight), ignore_index=ignore_index,
                          reduction=reduction)
    check_loss_parity(make, logp, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("cls", ["MSELoss", "L1Loss"])
def test_regression_losses_match_torch_including_target_grad(cls, reduction):
    x, y = _rand(4, 3, 2, seed=8), _rand(4, 3, 2, seed=9)
    check_loss_parity(lambda nn, lib: getattr(nn, cls)(reduction=reduction), x, y,
                      target_grad=True)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, [0.5, 2.0, 1.5], [[1.0], [0.2], [3.0], [0.5]]],
                         ids=["noweight", "classweight", "sampleweight"])
def test_bce_loss_matches_torch(reduction, weight):
    p = _sigmoid(_rand(4, 3, seed=10, scale=2.0))
    y = np.random.default_rng(11).random((4, 3))  # soft targets

    def make(nn, lib):
        return nn.BCELoss(weight=_weight(lib, weight), reduction=reduction)
    check_loss_parity(make, p, y, target_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, [0.5, 2.0, 1.5]], ids=["noweight", "weight"])
@pytest.mark.parametrize("pos_weight", [None, [3.0, 0.5, 1.0]], ids=["nopos", "pos"])
def test_bce_with_logits_loss_matches_torch(reduction, weight, pos_weight):
    x = _rand(4, 3, seed=12, scale=6.0)  # large logits test the stable formula
    y = (np.random.default_rng(13).random((4, 3)) > 0.5).astype(np.float64)
    y[0, 0] = 0.3

    def make(nn, lib):
        return nn.BCEWithLogitsLoss(weight=_weight(lib, weight), reduction=reduction,
                                    pos_weight=_weight(lib, pos_weight))
    check_loss_parity(make, x, y, target_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [1.0, 0.4])
@pytest.mark.parametrize("weight", [None, CLASS_W], ids=["noweight", "weight"])
def test_multi_margin_loss_matches_torch(reduction, p, margin, weight):
    x = _rand(6, 4, seed=14)
    y = np.array([0, 1, 2, 3, 1, 2])

    def make(nn, lib):
        return nn.MultiMarginLoss(p=p, margin=margin, weight=_weight(lib, weight),
                                  reduction=reduction)
    check_loss_parity(make, x, y)


def test_bce_loss_gradient_is_finite_at_saturated_probabilities():
    p = np.array([0.0, 0.0, 1.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    check_loss_parity(lambda nn, lib: nn.BCELoss(reduction="sum"), p, y)


def test_bce_loss_float32_sigmoid_saturation_trains_without_nan():
    """The everyday form of the bug above: sigmoid(20.0) == 1.0 in float32."""
    x = tg.tensor([[20.0], [-1.0]], requires_grad=True)
    loss = tg.nn.BCELoss()(tg.nn.Sigmoid()(x), tg.tensor([[1.0], [0.0]]))
    assert np.isfinite(loss.item())


def test_bce_loss_float32_sigmoid_saturation_gradient_is_finite():
    x = tg.tensor([[20.0], [-1.0]], requires_grad=True)
    tg.nn.BCELoss()(tg.nn.Sigmoid()(x), tg.tensor([[1.0], [0.0]])).backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_cross_entropy_all_targets_ignored_gradient_is_zero_like_torch():
    x = _rand(2, 3, seed=20)
    check_loss_parity(lambda nn, lib: nn.CrossEntropyLoss(ignore_index=1), x,
                      np.array([1, 1]), seed=0)


def test_elu_gradient_is_accurate_for_very_negative_inputs():
    x = np.array([-30.0, -25.0, -2.0, 1.0])
    xt, xo = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    torch.nn.ELU()(xt).sum().backward()
    tg.nn.ELU()(xo).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=0)


def test_loss_weight_is_a_buffer_in_the_state_dict_like_torch():
    for cls, kwargs in [("CrossEntropyLoss", {}), ("NLLLoss", {}), ("BCELoss", {}),
                        ("BCEWithLogitsLoss", {"pos_weight": [1.0, 2.0, 3.0]}),
                        ("MultiMarginLoss", {})]:
        tk = {k: torch.tensor(v) for k, v in kwargs.items()}
        ok = {k: tg.tensor(v) for k, v in kwargs.items()}
        t_with = getattr(torch.nn, cls)(weight=torch.tensor([1.0, 2.0, 3.0]), **tk)
        o_with = getattr(tg.nn, cls)(weight=tg.tensor([1.0, 2.0, 3.0]), **ok)
        assert list(o_with.state_dict()) == list(t_with.state_dict()), cls
        assert list(getattr(tg.nn, cls)().state_dict()) == \
            list(getattr(torch.nn, cls)().state_dict()), cls
        assert list(o_with.parameters()) == []


# ----------------------------------------------------------------------------- Linear


def test_linear_parameter_names_shapes_dtypes_follow_torch():
    t, o = torch.nn.Linear(7, 3), tg.nn.Linear(7, 3)
    assert [(n, tuple(p.shape)) for n, p in t.named_parameters()] == \
        [(n, p.shape) for n, p in o.named_parameters()] == [("weight", (3, 7)), ("bias", (3,))]
    assert all(isinstance(p, tg.nn.Parameter) and p.requires_grad for p in o.parameters())
    assert o.weight.dtype == o.bias.dtype == tg.float32
    assert (o.in_features, o.out_features) == (7, 3)
    no_bias = tg.nn.Linear(7, 3, bias=False)
    assert no_bias.bias is None
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert list(no_bias.state_dict()) == list(torch.nn.Linear(7, 3, bias=False).state_dict())
    assert tg.nn.Linear(2, 2, dtype=tg.float64).weight.dtype == tg.float64


def test_linear_default_init_distribution_follows_torch():
    tg.manual_seed(0)
    fc = tg.nn.Linear(800, 600)
    bound = 1 / math.sqrt(800)
    w = fc.weight.detach().numpy()
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound
    assert abs(w.mean()) < 0.005 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)  # uniform on [-k, k]
    b = tg.nn.Linear(800, 20000).bias.detach().numpy()
    assert np.abs(b).max() <= bound
    assert np.abs(b).max() > 0.999 * bound
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    # same law as torch's layer of the same size (compare the empirical spreads)
    tw = torch.nn.Linear(800, 600).weight.detach().numpy()
    assert w.std() == pytest.approx(tw.std(), rel=0.01)


def test_linear_init_is_seeded():
    tg.manual_seed(3)
    a = tg.nn.Linear(4, 5).weight.detach().numpy().copy()
    tg.manual_seed(3)
    b = tg.nn.Linear(4, 5).weight.detach().numpy().copy()
    c = tg.nn.Linear(4, 5).weight.detach().numpy().copy()
    assert np.array_equal(a, b)
    assert not np.array_equal(b, c)


def test_linear_with_zero_in_features_builds_like_torch():
    fc = tg.nn.Linear(0, 3)
    assert fc.weight.shape == (3, 0)
    assert fc(tg.zeros(2, 0)).shape == (2, 3)


# ----------------------------------------------------------------------------- Module API


def _net_factory(nn, lib):
    """A model using registration by attribute, buffers and nested containers."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.scale = nn.Parameter(lib.ones(3))
            self.register_buffer("count", lib.zeros(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(4, 3)
            self.blocks = nn.ModuleList([Block(), Block()])
            self.heads = nn.ModuleDict({"b": nn.Linear(3, 2), "a": nn.Linear(3, 1)})
            self.plain = lib.ones(2)  # a plain tensor attribute: not registered
            self.number = 5

        def forward(self, x):
            h = self.embed(x)
            for block in self.blocks:
                h = block(h)
            return self.heads["b"](h)

    return Net()


def test_registration_and_traversal_names_match_torch():
    t, o = _net_factory(torch.nn, torch), _net_factory(tg.nn, tg)
    assert [n for n, _ in o.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in o.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in o.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in o.named_children()] == [n for n, _ in t.named_children()]
    assert [type(m).__name__ for m in o.children()] == \
        [type(m).__name__ for m in t.children()] == ["Linear", "ModuleList", "ModuleDict"]
    assert [type(m).__name__ for m in o.modules()] == [type(m).__name__ for m in t.modules()]
    assert list(o.state_dict()) == list(t.state_dict())
    assert "blocks.0.cache" not in o.state_dict()
    assert "blocks.0.cache" in dict(o.named_buffers())
    assert [n for n, _ in o.named_parameters(recurse=False)] == []
    assert [n for n, _ in o.blocks[0].named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in o.named_parameters(prefix="model")][0] == "model.embed.weight"
    assert len(list(o.parameters())) == len(list(t.parameters())) == 12
    assert len(list(o.buffers())) == 4
    assert not isinstance(o.plain, tg.nn.Parameter)
    assert o.number == 5
    assert o.blocks[1].fc is o._modules["blocks"][1].fc
    assert "embed" in dir(o)
    assert "scale" in dir(o.blocks[0])


def test_state_dict_values_share_memory_and_are_detached():
    fc = tg.nn.Linear(2, 2)
    sd = fc.state_dict()
    assert not sd["weight"].requires_grad
    keep = fc.state_dict(keep_vars=True)
    assert keep["weight"] is fc.weight
    with tg.no_grad():
        fc.weight.fill_(3.0)
    assert sd["weight"].numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_shared_parameter_is_listed_once():
    a = tg.nn.Linear(3, 3)
    b = tg.nn.Linear(3, 3)
    b.weight = a.weight
    model = tg.nn.Sequential(a, b)
    assert len(list(model.parameters())) == 3
    t_a = torch.nn.Linear(3, 3)
    t_b = torch.nn.Linear(3, 3)
    t_b.weight = t_a.weight
    assert [n for n, _ in model.named_parameters()] == \
        [n for n, _ in torch.nn.Sequential(t_a, t_b).named_parameters()]
    assert list(model.state_dict()) == list(torch.nn.Sequential(t_a, t_b).state_dict())


def test_state_dict_keys_of_a_module_used_twice_match_torch():
    tl = torch.nn.Linear(2, 2)
    t = torch.nn.Sequential(tl, tl)
    o = tg.nn.Sequential(*[tg.nn.Linear(2, 2)] * 2)
    assert list(o.state_dict()) == list(t.state_dict())
    o.load_state_dict(t.state_dict())


def test_named_modules_remove_duplicate_false():
    shared = tg.nn.ReLU()
    model = tg.nn.Sequential(shared, shared)
    assert [n for n, _ in model.named_modules()] == ["", "0"]
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1"]


def test_attribute_errors_and_type_checks():
    class Net(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = tg.nn.Parameter(tg.zeros(2))
            self.register_buffer("b", tg.zeros(2))
            self.sub = tg.nn.Linear(2, 2)

    net = Net()
    with pytest.raises(AttributeError, match=r"'Net' object has no attribute 'nope'"):
        _ = net.nope
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter 'w'"):
        net.w = tg.zeros(2)
    with pytest.raises(TypeError, match=r"cannot assign 'int' as buffer 'b'"):
        net.b = 3
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as child module 'sub'"):
        net.sub = tg.zeros(2)
    with pytest.raises(TypeError, match=r"cannot assign 'list' object to buffer 'c'"):
        net.register_buffer("c", [1.0])
    with pytest.raises(TypeError, match=r"'torch.FloatTensor' object to parameter 'p'"):
        net.register_parameter("p", tg.zeros(1))
    with pytest.raises(TypeError, match=r"int is not a Module subclass"):
        net.add_module("m", 3)
    net.w = None  # allowed, like torch
    assert [n for n, _ in net.named_parameters()] == ["sub.weight", "sub.bias"]
    net.b = tg.ones(2)  # a tensor may replace a buffer
    assert net.state_dict()["b"].numpy().tolist() == [1.0, 1.0]
    del net.sub
    assert list(net.children()) == []
    with pytest.raises(AttributeError):
        _ = net.sub

    class Early(tg.nn.Module):
        def __init__(self):
            self.fc = tg.nn.Linear(2, 2)
            super().__init__()

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Early()

    class NoForward(tg.nn.Module):
        pass

    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        NoForward()(tg.zeros(1))


def test_assigning_a_parameter_then_a_module_moves_the_name():
    net = tg.nn.Module()
    net.x = tg.nn.Parameter(tg.zeros(1))
    net.x = tg.nn.ReLU()
    assert list(net._parameters) == []
    assert list(net._modules) == ["x"]


def test_train_eval_recurse_and_return_self():
    model = _net_factory(tg.nn, tg)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    model.blocks.train(False)
    assert model.training
    assert not model.blocks[0].fc.training
    assert model.heads.training
    with pytest.raises(ValueError, match="boolean"):
        model.train("no")


def test_requires_grad_freezes_all_parameters():
    model = _net_factory(tg.nn, tg)
    assert model.blocks.requires_grad_(False) is model.blocks
    assert not any(p.requires_grad for p in model.blocks.parameters())
    assert model.embed.weight.requires_grad


def _loss_of(model):
    return model(tg.ones(2, 4)).sum()


def test_zero_grad():
    model = _net_factory(tg.nn, tg)
    _loss_of(model).backward()
    used = [p for p in model.parameters() if p.grad is not None]
    assert len(used) == 10  # heads.a is unused
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    _loss_of(model).backward()
    model.zero_grad(set_to_none=False)
    for p in used:
        assert p.grad is not None
        assert p.grad.shape == p.shape
        assert p.grad.dtype == p.dtype
        assert not p.grad.numpy().any()
    assert model.heads["a"].weight.grad is None


def test_apply_visits_children_first_like_torch():
    seen_t, seen_o = [], []
    _net_factory(torch.nn, torch).apply(lambda m: seen_t.append(type(m).__name__))
    model = _net_factory(tg.nn, tg)
    assert model.apply(lambda m: seen_o.append(type(m).__name__)) is model
    assert seen_o == seen_t


def test_apply_init_function():
    def init_weights(m):
        if isinstance(m, tg.nn.Linear):
            tg.nn.init.constant_(m.weight, 0.5)
            tg.nn.init.zeros_(m.bias)

    model = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.ReLU(), tg.nn.Linear(3, 1))
    model.apply(init_weights)
    assert model(tg.ones(1, 2)).item() == pytest.approx(1.5)


def test_to_float64_converts_in_place_keeping_parameter_objects():
    model = _net_factory(tg.nn, tg)
    model.register_buffer("steps", tg.tensor([3]))
    _loss_of(model).backward()
    before = {n: (p, p.detach().numpy().copy()) for n, p in model.named_parameters()}
    assert model.to(tg.float64) is model
    for n, p in model.named_parameters():
        assert p is before[n][0]
        assert isinstance(p, tg.nn.Parameter)
        assert p.requires_grad
        assert p.is_leaf
        assert p.dtype == tg.float64
        np.testing.assert_array_equal(p.detach().numpy(), before[n][1])
        if p.grad is not None:
            assert p.grad.dtype == tg.float64
    assert model.blocks[0].count.dtype == tg.float64
    assert model.steps.dtype == tg.int64  # integer buffers stay integer
    assert model(tg.ones(2, 4, dtype=tg.float64)).dtype == tg.float64
    assert model.to(dtype=tg.float32) is model
    assert model.embed.weight.dtype == tg.float32
    assert model.double().embed.weight.dtype == tg.float64
    assert model.float().embed.weight.dtype == tg.float32
    assert model.to("cpu") is model
    assert model.to(device="cpu") is model
    assert model.to(tg.device("cpu"), tg.float64).embed.weight.dtype == tg.float64
    assert model.cpu() is model


def test_to_rejects_other_devices_and_non_float_dtypes():
    model = tg.nn.Linear(2, 2)
    for call in (lambda: model.to(device="cuda"), lambda: model.to("cuda"),
                 lambda: model.to("cuda:0", tg.float64)):
        with pytest.raises(AssertionError, match="CPU only"):  # torch: AssertionError too
            call()
    assert model.weight.dtype == tg.float32
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(tg.int64)
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.to(memory=None)


def test_forward_hooks_replace_output_and_handles_remove():
    fc = tg.nn.Linear(2, 2)
    calls = []

    def record(module, args, out):
        calls.append((module, args, out))

    h1 = fc.register_forward_hook(record)
    h2 = fc.register_forward_hook(lambda m, args, out: out * 0 + 7)
    x = tg.ones(1, 2)
    out = fc(x)
    assert out.tolist() == [[7.0, 7.0]]
    (module, args, seen), = calls
    assert module is fc
    assert isinstance(args, tuple)
    assert args[0] is x
    assert seen.tolist() != [[7.0, 7.0]]  # the first hook saw the real output
    h2.remove()
    assert fc(x).tolist() != [[7.0, 7.0]]
    h1.remove()
    h1.remove()  # removing twice is harmless
    fc(x)
    assert len(calls) == 2


def test_forward_pre_hooks_replace_input():
    fc = tg.nn.Linear(2, 1)
    tg.nn.init.ones_(fc.weight)
    tg.nn.init.zeros_(fc.bias)
    h = fc.register_forward_pre_hook(lambda m, args: (args[0] * 10,))
    assert fc(tg.ones(1, 2)).item() == 20.0
    h.remove()
    h = fc.register_forward_pre_hook(lambda m, args: args[0] + 1)  # a bare value is wrapped
    assert fc(tg.ones(1, 2)).item() == 4.0
    h.remove()
    seen = []
    fc.register_forward_pre_hook(lambda m, args: seen.append(args))  # None keeps the input
    assert fc(tg.ones(1, 2)).item() == 2.0
    assert len(seen) == 1


def test_hooks_see_gradients_flow_through_replaced_output():
    fc = tg.nn.Linear(2, 2)
    fc.register_forward_hook(lambda m, a, out: out * 2)
    x = tg.ones(1, 2, requires_grad=True)
    fc(x).sum().backward()
    expected = 2 * fc.weight.detach().numpy().sum(axis=0)
    np.testing.assert_allclose(x.grad.numpy()[0], expected, rtol=1e-6)


def _repr_model(nn):
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(12, 8),
        nn.ReLU(),
        nn.Sequential(OrderedDict([("hidden", nn.Linear(8, 8, bias=False)),
                                   ("act", nn.ReLU())])),
        nn.Sequential(nn.Linear(8, 4), nn.Flatten(0, -1)),
        nn.Identity(),
        nn.Linear(4, 3),
        nn.Softmax(dim=1),
    )


def test_repr_of_nested_model_equals_torch():
    assert repr(_repr_model(tg.nn)) == repr(_repr_model(torch.nn))


@pytest.mark.parametrize("factory", [
    lambda nn: nn.LeakyReLU(0.2), lambda nn: nn.ELU(alpha=0.5), lambda nn: nn.GELU(),
    lambda nn: nn.GELU("tanh"), lambda nn: nn.Sigmoid(), lambda nn: nn.Tanh(),
    lambda nn: nn.LogSoftmax(dim=-1), lambda nn: nn.Softplus(beta=2.0),
    lambda nn: nn.Unflatten(1, (2, 3)), lambda nn: nn.Linear(3, 4, bias=False),
    lambda nn: nn.ModuleList([nn.ReLU(), nn.Linear(2, 2)]),
    lambda nn: nn.ModuleDict({"x": nn.Tanh()}), lambda nn: nn.Sequential(),
    lambda nn: nn.CrossEntropyLoss(), lambda nn: nn.MSELoss(),
])
def test_leaf_module_repr_equals_torch(factory):
    assert repr(factory(tg.nn)) == repr(factory(torch.nn))


def _custom_repr_model(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 3)

        def extra_repr(self):
            return "scale=2"

    return Net()


def test_repr_with_extra_repr_and_children_equals_torch():
    assert repr(_custom_repr_model(tg.nn)) == repr(_custom_repr_model(torch.nn))


# ----------------------------------------------------------------------------- containers


def test_sequential_indexing_slicing_and_append_like_torch():
    layers = [tg.nn.Linear(2, 3), tg.nn.ReLU(), tg.nn.Linear(3, 1)]
    seq = tg.nn.Sequential(*layers)
    assert len(seq) == 3
    assert seq[0] is layers[0]
    assert seq[-1] is layers[2]
    assert seq[-3] is layers[0]
    assert list(seq) == layers
    for bad in (3, -4):
        with pytest.raises(IndexError, match="out of range"):
            _ = seq[bad]
    tail = seq[1:]
    assert isinstance(tail, tg.nn.Sequential)
    assert list(tail) == layers[1:]
    tseq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    assert list(tail.state_dict()) == list(tseq[1:].state_dict()) == ["2.weight", "2.bias"]
    assert list(seq[::2]) == [layers[0], layers[2]]
    extra = tg.nn.Tanh()
    assert seq.append(extra) is seq
    assert len(seq) == 4
    assert seq[3] is extra
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    new = tg.nn.Sigmoid()
    seq[1] = new
    assert seq[1] is new
    assert len(seq) == 4
    assert seq(tg.ones(5, 2)).shape == (5, 1)


def test_sequential_from_ordered_dict_keeps_names():
    seq = tg.nn.Sequential(OrderedDict([("fc", tg.nn.Linear(2, 2)), ("act", tg.nn.ReLU())]))
    assert seq.fc is seq[0]
    assert seq.act is seq[1]
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert isinstance(seq[:1], tg.nn.Sequential)
    assert list(seq[:1].state_dict()) == \
        ["fc.weight", "fc.bias"]
    assert tg.nn.Sequential()(tg.ones(2)).numpy().tolist() == [1.0, 1.0]


def test_module_list():
    ml = tg.nn.ModuleList([tg.nn.Linear(2, 2), tg.nn.ReLU()])
    tml = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU()])
    assert len(ml) == 2
    ml.append(tg.nn.Linear(2, 3))
    tml.append(torch.nn.Linear(2, 3))
    ml.extend([tg.nn.Tanh()])
    tml.extend([torch.nn.Tanh()])
    ml.insert(1, tg.nn.Linear(2, 4))
    tml.insert(1, torch.nn.Linear(2, 4))
    assert [type(m).__name__ for m in ml] == [type(m).__name__ for m in tml]
    assert list(ml.state_dict()) == list(tml.state_dict())
    assert ml[-1] is list(ml)[-1]
    assert isinstance(ml[1:3], tg.nn.ModuleList)
    assert list(ml[1:3].state_dict()) == list(tml[1:3].state_dict())
    with pytest.raises(IndexError, match="out of range"):
        _ = ml[10]
    replacement = tg.nn.Linear(2, 5)
    ml[0] = replacement
    assert ml[0] is replacement
    assert ml.state_dict()["0.weight"].shape == (5, 2)

    class Holder(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = tg.nn.ModuleList([tg.nn.Linear(2, 2) for _ in range(3)])

    assert len(list(Holder().parameters())) == 6
    assert len(list(tg.nn.ModuleList().parameters())) == 0


def test_module_dict():
    md = tg.nn.ModuleDict({"b": tg.nn.Linear(2, 2), "a": tg.nn.ReLU()})
    tmd = torch.nn.ModuleDict({"b": torch.nn.Linear(2, 2), "a": torch.nn.ReLU()})
    assert list(md) == list(tmd) == ["b", "a"]
    assert list(md.keys()) == ["b", "a"]
    assert len(md) == 2
    assert "a" in md
    assert "z" not in md
    md["c"] = tg.nn.Linear(2, 1)
    md.update({"d": tg.nn.Tanh()})
    assert [k for k, _ in md.items()] == ["b", "a", "c", "d"]
    assert list(md.values())[2] is md["c"]
    assert list(md.state_dict()) == ["b.weight", "b.bias", "c.weight", "c.bias"]
    del md["b"]
    assert list(md) == ["a", "c", "d"]
    with pytest.raises(KeyError):
        _ = md["b"]


# ----------------------------------------------------------------------------- state dict interop


def _interop_model(nn):
    return nn.Sequential(nn.Linear(6, 10), nn.Tanh(), nn.Sequential(nn.Linear(10, 5),
                                                                     nn.GELU()),
                         nn.Linear(5, 3), nn.LogSoftmax(dim=1))


@pytest.mark.parametrize("as_numpy", [False, True], ids=["torch_tensors", "numpy"])
def test_torch_state_dict_loads_and_gives_torch_outputs(as_numpy):
    torch.manual_seed(1)
    tm = _interop_model(torch.nn)
    om = _interop_model(tg.nn)
    sd = tm.state_dict()
    om.load_state_dict({k: v.numpy() for k, v in sd.items()} if as_numpy else sd)
    for k, v in sd.items():
        assert np.array_equal(om.state_dict()[k].numpy(), v.numpy()), k
        assert om.state_dict()[k].dtype == tg.float32
    x = _rand(4, 6, seed=2)
    assert_close(om.double()(tg.tensor(x)), tm.double()(torch.tensor(x)))


def test_our_state_dict_loads_into_torch_and_gives_identical_outputs():
    tg.manual_seed(5)
    om = _interop_model(tg.nn).double()
    tm = _interop_model(torch.nn).double()
    exported = {k: torch.from_numpy(v.numpy().copy()) for k, v in om.state_dict().items()}
    result = tm.load_state_dict(exported)
    assert result.missing_keys == []
    assert result.unexpected_keys == []
    for k, v in om.state_dict().items():
        assert np.array_equal(tm.state_dict()[k].numpy(), v.numpy())
    x = _rand(7, 6, seed=3)
    assert_close(om(tg.tensor(x)), tm(torch.tensor(x)))


# ----------------------------------------------------------------------------- unchanged source


def mlp_program(torch, nn, optim, F, X, Y, sync):  # noqa: N803 - PyTorch-style script names
    """Plain PyTorch code: a two-layer MLP trained with Nesterov SGD."""
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)
    model = model.double()
    sync(model)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                    weight_decay=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y)
    losses = []
    for _ in range(12):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).double().mean().item()
    return losses, accuracy, {k: v.detach().numpy().copy() for k, v in
                              model.state_dict().items()}


def classifier_program(torch, nn, optim, F, X, Y, sync):  # noqa: N803
    """Plain PyTorch code: a small conv-free image classifier trained with AdamW."""

    class Classifier(nn.Module):
        def __init__(self, n_in, n_hidden, n_classes):
            super().__init__()
            self.flatten = nn.Flatten()
            self.body = nn.Sequential(nn.Linear(n_in, n_hidden), nn.GELU(),
                                      nn.Linear(n_hidden, n_hidden), nn.LeakyReLU(0.1))
            self.head = nn.Linear(n_hidden, n_classes)

        def forward(self, x):
            h = self.body(self.flatten(x))
            return F.log_softmax(self.head(F.relu(h) + h), dim=1)

    model = Classifier(16, 24, 4).double()
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, a=0.1, nonlinearity="leaky_relu")
    sync(model)
    opt = optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.99), weight_decay=0.05)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    losses = []
    model.train()
    for _epoch in range(3):
        for i in range(0, len(X), 16):
            loss = F.nll_loss(model(x[i:i + 16]), y[i:i + 16])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    with torch.no_grad():
        losses.append(F.cross_entropy(model.head(model.body(model.flatten(x))), y).item())
    return losses, None, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def _our_optim():
    try:
        import tinygrad_edu.optim as optim
    except ImportError as exc:  # pragma: no cover - the optim package is required
        pytest.fail(f"tinygrad_edu.optim is missing: {exc}")
    return optim


@pytest.mark.parametrize("program", [mlp_program, classifier_program],
                         ids=["mlp_sgd_nesterov", "classifier_adamw"])
def test_unchanged_pytorch_source_runs_on_both_libraries(program):
    rng = np.random.default_rng(0)
    if program is mlp_program:
        X, Y = rng.standard_normal((32, 6)), rng.integers(0, 3, size=32)  # noqa: N806
    else:
        X, Y = rng.standard_normal((48, 1, 4, 4)), rng.integers(0, 4, size=48)  # noqa: N806
    initial = {}

    def record(model):
        initial.update({k: v.detach().numpy().copy() for k, v in model.state_dict().items()})

    def load(model):
        model.load_state_dict(initial)

    torch.manual_seed(0)
    t_losses, t_acc, t_final = program(torch, torch.nn, torch.optim, torch.nn.functional,
                                       X, Y, record)
    optim = _our_optim()
    o_losses, o_acc, o_final = program(tg, tg.nn, optim, tg.nn.functional, X, Y, load)
    assert len(o_losses) == len(t_losses)
    np.testing.assert_allclose(o_losses, t_losses, rtol=1e-8)
    assert t_losses[-1] < t_losses[0]  # the program actually trains
    assert o_acc == t_acc
    assert list(o_final) == list(t_final)
    for k in t_final:
        np.testing.assert_allclose(o_final[k], t_final[k], rtol=1e-8, atol=1e-12, err_msg=k)
