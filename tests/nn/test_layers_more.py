"""Bilinear, the normalisation layers (RMSNorm, InstanceNorm1d/3d, BatchNorm3d,
LocalResponseNorm, CrossMapLRN2d) and the dropout variants against torch 2.x: values, dtypes,
shapes, gradients, reprs, state dicts, errors and (for dropout) the random draws.

Each check runs the same code on both libraries: ``fn(lib, *inputs)`` where ``lib`` has the
library's ``nn`` and ``F``. Modules get torch's state dict loaded into ours.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

TORCH = SimpleNamespace(nn=torch.nn, F=torch.nn.functional)
OURS = SimpleNamespace(nn=tg.nn, F=tg.nn.functional)
TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-6)}


def _np(t):
    if isinstance(t, tg.Tensor):
        return np.asarray(t.detach().numpy())
    return t.detach().cpu().numpy()


def assert_close(ours, theirs, dtype=np.float64):
    a, b = _np(ours), _np(theirs)
    assert a.shape == b.shape, f"shape {a.shape} != torch's {b.shape}"
    assert a.dtype == b.dtype, f"dtype {a.dtype} != torch's {b.dtype}"
    rtol, atol = TOL.get(dtype, (0, 0))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def check(fn, *arrays, dtype=np.float64, grad=True, seed=0):
    """fn(lib, *tensors) on both libraries: the output and every float input's gradient."""
    arrays = [np.asarray(a, dtype=dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
              for a in arrays]
    needs = [grad and a.dtype.kind == "f" for a in arrays]
    xt = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, needs, strict=True)]
    xo = [tg.tensor(a, requires_grad=g) for a, g in zip(arrays, needs, strict=True)]
    yt, yo = fn(TORCH, *xt), fn(OURS, *xo)
    assert_close(yo, yt, dtype)
    if grad:
        g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(dtype)
        yt.backward(torch.tensor(g))
        yo.backward(tg.tensor(g))
        for a, b, need in zip(xo, xt, needs, strict=True):
            if need:
                assert_close(a.grad, b.grad, dtype)
    return yo


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def load_torch_state(tm, om):
    """Same state dict keys and shapes as torch's module; load torch's values into ours."""
    sd = tm.state_dict()
    assert list(om.state_dict()) == list(sd)
    assert [tuple(v.shape) for v in om.state_dict().values()] == [tuple(v.shape)
                                                                  for v in sd.values()]
    result = om.load_state_dict({k: v.detach().numpy() for k, v in sd.items()})
    assert result.missing_keys == []
    assert result.unexpected_keys == []


def check_module(factory, *xs, dtype=np.float64, train=True):
    """``factory(nn)`` with torch's state dict loaded into ours: repr, output, input and
    parameter gradients, and the buffers after the forward."""
    torch.manual_seed(0)
    tm, om = factory(torch.nn), factory(tg.nn)
    if dtype == np.float64:
        tm, om = tm.double(), om.double()
    assert repr(om) == repr(tm)
    load_torch_state(tm, om)
    tm.train(train), om.train(train)
    check(lambda lib, *t: (tm if lib is TORCH else om)(*t), *xs, dtype=dtype)
    for (name, p), (tname, tp) in zip(om.named_parameters(), tm.named_parameters(),
                                      strict=True):
        assert name == tname
        assert_close(p.grad, tp.grad, dtype)
    for (name, b), (tname, tb) in zip(om.named_buffers(), tm.named_buffers(), strict=True):
        assert name == tname
        assert_close(b, tb, dtype if b.dtype.kind == "f" else None)
    return tm, om


def raises_like_torch(fn, *arrays, match=None):
    """Both libraries refuse ``fn(lib, *tensors)`` with the same error type."""
    with pytest.raises((RuntimeError, ValueError, TypeError, IndexError)) as theirs:
        fn(TORCH, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value), match=match):
        fn(OURS, *[tg.tensor(a) for a in arrays])


# ----------------------------------------------------------------------------- bilinear


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_module_matches_torch(dtype, bias):
    check_module(lambda nn: nn.Bilinear(3, 4, 5, bias=bias), rand(6, 3), rand(6, 4, seed=1),
                 dtype=dtype)
    check_module(lambda nn: nn.Bilinear(2, 3, 2), rand(2, 4, 2), rand(2, 4, 3, seed=1))


def test_bilinear_default_init_draws_torch_numbers():
    torch.manual_seed(5)
    tg.manual_seed(5)
    tm, om = torch.nn.Bilinear(3, 4, 2), tg.nn.Bilinear(3, 4, 2)
    np.testing.assert_array_equal(_np(om.weight), _np(tm.weight))
    np.testing.assert_array_equal(_np(om.bias), _np(tm.bias))


def test_bilinear_functional_shapes_and_errors():
    check(lambda lib, a, b, w, c: lib.F.bilinear(a, b, w, c), rand(3), rand(4, seed=1),
          rand(2, 3, 4, seed=2), rand(2, seed=3))  # unbatched
    check(lambda lib, a, b, w: lib.F.bilinear(a, b, w), rand(0, 3), rand(0, 4), rand(2, 3, 4))
    w = rand(2, 3, 4)
    for a, b, wt, bias in [((2, 3), (3, 4), w, None), ((2, 3), (2, 5), w, None),
                           ((2, 5), (2, 4), w, None), ((2, 3), (2, 4), w, rand(3))]:
        raises_like_torch(lambda lib, x, y, wt, *bb: lib.F.bilinear(x, y, wt, *bb),
                          rand(*a), rand(*b), wt, *([] if bias is None else [bias]),
                          match="bilinear")
    with pytest.raises(ValueError, match="in1_features must be > 0"):
        tg.nn.Bilinear(0, 2, 2)


# ----------------------------------------------------------------------------- rms norm


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "kw"), [(4, {}), ((3, 4), {"eps": 1e-3}),
                                       ([4], {"elementwise_affine": False}),
                                       (torch.Size([4]), {"eps": 0.5})], ids=str)
def test_rms_norm_module_matches_torch(dtype, shape, kw):
    tm, _ = check_module(lambda nn: nn.RMSNorm(shape, **kw), rand(2, 3, 4), dtype=dtype)
    if "elementwise_affine" not in kw:
        with torch.no_grad():
            tm.weight.uniform_()  # a non-trivial weight, loaded into ours
        om = tg.nn.RMSNorm(shape, **kw).to(tm.weight.dtype == torch.float64 and tg.float64
                                            or tg.float32)
        load_torch_state(tm, om)
        x = rand(5, 3, 4).astype(dtype)
        assert_close(om(tg.tensor(x)), tm(torch.tensor(x)), dtype)


def test_rms_norm_functional_eps_none_is_finfo_eps():
    tiny = rand(2, 3) * 1e-5  # the eps matters here
    for dtype in (np.float32, np.float64):
        check(lambda lib, x: lib.F.rms_norm(x, (3,)), tiny, dtype=dtype)
        check(lambda lib, x, w: lib.F.rms_norm(x, [2, 3], w, eps=1e-9), rand(4, 2, 3),
              rand(2, 3, seed=1), dtype=dtype)
    check(lambda lib, x: lib.F.rms_norm(x, (3,)), np.zeros((2, 3)))  # 0 / sqrt(eps), no nan
    check(lambda lib, x: lib.F.rms_norm(x, (3,)), np.zeros((0, 3)))


@pytest.mark.parametrize("args", [((5,), None), ((4,), "w3"), ((), None)], ids=str)
def test_rms_norm_errors_match_torch(args):
    shape, w = args
    extra = [] if w is None else [rand(3)]
    raises_like_torch(lambda lib, x, *ws: lib.F.rms_norm(x, shape, *ws), rand(2, 3, 4), *extra)
    with pytest.raises(NotImplementedError, match="rms_norm"):
        tg.nn.functional.rms_norm(tg.tensor([[1, 2]]), (2,))


# ----------------------------------------------------------------------------- instance/batch


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("track", [False, True])
@pytest.mark.parametrize(("name", "shape"), [("InstanceNorm1d", (2, 3, 5)),
                                         ("InstanceNorm1d", (3, 5)),
                                         ("InstanceNorm2d", (2, 3, 4, 3)),
                                         ("InstanceNorm2d", (3, 4, 3)),
                                         ("InstanceNorm3d", (2, 3, 2, 3, 2)),
                                         ("InstanceNorm3d", (3, 2, 3, 2))])
def test_instance_norm_modules_match_torch(name, shape, affine, track):
    factory = lambda nn: getattr(nn, name)(3, affine=affine, track_running_stats=track,  # noqa: E731
                                           momentum=0.3)
    tm, om = check_module(factory, rand(*shape))  # training: running stats updated
    tm.eval(), om.eval()  # evaluation: the running stats normalise (when tracked)
    x = rand(*shape, seed=4)
    assert_close(om(tg.tensor(x)), tm(torch.tensor(x)))


def test_instance_norm_momentum_none_and_errors():
    check_module(lambda nn: nn.InstanceNorm1d(3, momentum=None, track_running_stats=True),
                 rand(2, 3, 4))
    for name, bad in [("InstanceNorm1d", (3,)), ("InstanceNorm1d", (1, 2, 3, 4)),
                      ("InstanceNorm3d", (2, 3, 4)), ("InstanceNorm3d", (1, 1, 2, 2, 2, 2))]:
        raises_like_torch(lambda lib, x, n=name: getattr(lib.nn, n)(3)(x), rand(*bad),
                          match="expected")
    raises_like_torch(lambda lib, x: lib.nn.InstanceNorm1d(3, affine=True)(x), rand(2, 4, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        tg.nn.InstanceNorm3d(3)(tg.randn(2, 4, 2, 2, 2))


@pytest.mark.parametrize("num_features", [None, "a", -1, 2.5])
def test_instance_norm_without_parameters_ignores_num_features_like_torch(num_features):
    # torch: "num_features ... is not used because affine=False"
    with pytest.warns(UserWarning, match="does not match num_features"):
        check_module(lambda nn: nn.InstanceNorm2d(num_features), rand(2, 3, 4, 3))
    for lib in (tg, torch):
        with pytest.raises((TypeError, RuntimeError)):
            lib.nn.InstanceNorm2d(num_features, affine=True)


def test_batch_norm_nan_eps_gives_nan_like_torch():
    check_module(lambda nn: nn.BatchNorm1d(3, eps=float("nan")), rand(4, 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", [{}, {"affine": False}, {"momentum": None},
                                {"track_running_stats": False}], ids=str)
def test_batch_norm3d_matches_torch(dtype, kw):
    tm, om = check_module(lambda nn: nn.BatchNorm3d(3, **kw), rand(2, 3, 2, 3, 2), dtype=dtype)
    tm.eval(), om.eval()
    x = rand(2, 3, 2, 2, 2, seed=5).astype(dtype)
    assert_close(om(tg.tensor(x)), tm(torch.tensor(x)), dtype)
    raises_like_torch(lambda lib, t: lib.nn.BatchNorm3d(3)(t), rand(2, 3, 2, 2),
                      match="expected 5D input")


# ----------------------------------------------------------------------------- local response


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("shape", [(2, 6, 3), (2, 6, 3, 2), (1, 4, 2, 2, 2)], ids=str)
def test_local_response_norm_matches_torch(size, shape):
    check_module(lambda nn: nn.LocalResponseNorm(size, alpha=0.5, beta=0.75, k=1.5),
                 rand(*shape))
    check(lambda lib, x: lib.F.local_response_norm(x, size), rand(*shape), dtype=np.float32)


def test_local_response_norm_edge_cases():
    check(lambda lib, x: lib.F.local_response_norm(x, 3), np.zeros((0, 3, 2)), grad=False)
    raises_like_torch(lambda lib, x: lib.F.local_response_norm(x, 2), rand(4, 3),
                      match="3D or higher")


@pytest.mark.parametrize(("channels", "size"), [(1, 3), (3, 3), (6, 3), (8, 5), (7, 4), (5, 2),
                                            (4, 1), (2, 7)])
def test_cross_map_lrn2d_forward_matches_torch(channels, size):
    x = rand(2, channels, 3, 2)
    tm = torch.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=2.0)
    om = tg.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=2.0)
    assert repr(om) == repr(tm)
    assert_close(om(tg.tensor(x)), tm(torch.tensor(x)))


def test_cross_map_lrn2d_gradient_is_its_forward_derivative():
    """torch's hand-written backward is not its forward's derivative (gradcheck fails on
    it); ours is autograd's, checked against torch's autograd of the same formula."""
    x = rand(2, 6, 3, 2)

    def formula(lib, t):
        if lib is OURS:
            return tg.nn.CrossMapLRN2d(3, alpha=0.5, beta=0.75, k=2.0)(t)
        from tinygrad_edu.nn.response_norm import cross_map_window
        w = torch.tensor(cross_map_window(6, 3))
        return t * (torch.einsum("cd,ndhw->nchw", w, t * t) * (0.5 / 3) + 2.0).pow(-0.75)

    check(formula, x)
    with torch.no_grad():
        assert_close(formula(OURS, tg.tensor(x)),
                     torch.nn.CrossMapLRN2d(3, alpha=0.5, beta=0.75, k=2.0)(torch.tensor(x)))
    raises_like_torch(lambda lib, t: lib.nn.CrossMapLRN2d(3)(t), rand(2, 3, 4),
                      match="Expected input to be 4D")


# ----------------------------------------------------------------------------- dropout


DROPOUTS = ["dropout1d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]
SHAPES = {"dropout1d": [(2, 3, 4), (3, 4)], "dropout3d": [(2, 3, 2, 2, 2), (3, 2, 2, 2)],
          "alpha_dropout": [(2, 3, 4), (7,), ()], "feature_alpha_dropout": [(2, 3, 4), (3, 5)]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_functions_draw_torchs_numbers(name, p, dtype):
    """Same seed, same elements dropped, same values (bit for bit), same gradient."""
    for shape in SHAPES[name]:
        x = rand(*shape).astype(dtype)
        torch.manual_seed(7)
        tg.manual_seed(7)
        xt, xo = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
        yt = getattr(torch.nn.functional, name)(xt, p, training=True)
        yo = getattr(tg.nn.functional, name)(xo, p, training=True)
        np.testing.assert_array_equal(_np(yo), _np(yt))
        assert _np(yo).dtype == _np(yt).dtype
        g = rand(*shape, seed=1).astype(dtype)
        yt.backward(torch.tensor(g))
        yo.backward(tg.tensor(g))
        np.testing.assert_allclose(_np(xo.grad), _np(xt.grad), rtol=1e-6)
        # the generators moved on equally
        assert tg.rand(3).tolist() == torch.rand(3).tolist()


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_not_training_is_identity_and_defaults(name):
    x = tg.randn(2, 3, 2, 2, 2) if name == "dropout3d" else tg.randn(2, 3, 4)
    assert getattr(tg.nn.functional, name)(x, 0.5, training=False) is x
    # alpha dropout functions default to training=False (torch's defaults), others to True
    torch.manual_seed(0)
    tg.manual_seed(0)
    xt = torch.tensor(x.numpy())
    np.testing.assert_array_equal(getattr(tg.nn.functional, name)(x).numpy(),
                                  getattr(torch.nn.functional, name)(xt).numpy())


@pytest.mark.parametrize("cls", ["Dropout1d", "Dropout3d", "AlphaDropout",
                                 "FeatureAlphaDropout"])
def test_dropout_modules_match_torch(cls):
    shape = (2, 3, 2, 2, 2) if cls == "Dropout3d" else (4, 3, 5)
    x = rand(*shape).astype(np.float32)
    for kw in ({}, {"p": 0.25}, {"p": 0.6, "inplace": True}):
        tm, om = getattr(torch.nn, cls)(**kw), getattr(tg.nn, cls)(**kw)
        assert repr(om) == repr(tm)
        torch.manual_seed(11)
        tg.manual_seed(11)
        yt, yo = tm(torch.tensor(x)), om(tg.tensor(x))
        np.testing.assert_array_equal(_np(yo), _np(yt))
        tm.eval(), om.eval()
        np.testing.assert_array_equal(_np(om(tg.tensor(x))), x)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        getattr(tg.nn, cls)(1.5)


def test_dropout_inplace_and_errors():
    for name in ("dropout1d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        x = rand(2, 3, 2, 2, 2) if name == "dropout3d" else rand(2, 3, 4)
        torch.manual_seed(1)
        tg.manual_seed(1)
        xt, xo = torch.tensor(x), tg.tensor(x)
        rt = getattr(torch.nn.functional, name)(xt, 0.5, True, inplace=True)
        ro = getattr(tg.nn.functional, name)(xo, 0.5, True, inplace=True)
        assert ro is xo
        np.testing.assert_array_equal(xo.numpy(), xt.numpy())
        np.testing.assert_array_equal(ro.numpy(), rt.numpy())
    raises_like_torch(lambda lib, x: lib.F.dropout1d(x, 0.5), rand(2, 3, 4, 5),
                      match="Expected 2D or 3D input")
    raises_like_torch(lambda lib, x: lib.F.feature_alpha_dropout(x, 0.5, True), rand(4),
                      match="Feature dropout requires at least 2 dimensions")
    raises_like_torch(lambda lib, x: lib.F.alpha_dropout(x, 1.5, True), rand(4),
                      match="between 0 and 1")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tg.nn.functional.dropout3d(tg.randn(2, 3, 4), 0.5)
    assert any("Received a 3-D input to dropout3d" in str(w.message) for w in seen)


def test_alpha_dropout_keeps_mean_and_variance():
    tg.manual_seed(0)
    y = tg.nn.functional.alpha_dropout(tg.randn(200000, dtype=tg.float64), 0.3, True)
    assert abs(y.mean().item()) < 0.01
    assert abs(y.std().item() - 1) < 0.01
