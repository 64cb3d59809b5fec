"""The 3-d family (ConvTranspose3d, 3-d max/avg/adaptive pooling, MaxUnpool3d, the 3-d padding
modules), the ``*_with_indices`` pooling names, LP pooling, channel shuffle, ``conv_tbc`` and
fractional max pooling against torch 2.x: values, dtypes, shapes, indices, gradients, reprs,
state dicts and errors.

Each check runs the same code on both libraries: ``fn(lib, *inputs)`` where ``lib`` has the
library's ``nn`` and ``F``; outputs (every one of a tuple, indices exactly) and the gradient of
every float input for a random cotangent of the first output are compared.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

TORCH = SimpleNamespace(nn=torch.nn, F=torch.nn.functional, lib=torch)
OURS = SimpleNamespace(nn=tg.nn, F=tg.nn.functional, lib=tg)
TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 1e-5)}


def _np(t):
    if isinstance(t, tg.Tensor):
        return np.asarray(t.detach().numpy())
    return t.detach().cpu().numpy()


def assert_close(ours, theirs, dtype=np.float64):
    a, b = _np(ours), _np(theirs)
    assert a.shape == b.shape, f"shape {a.shape} != torch's {b.shape}"
    assert a.dtype == b.dtype, f"dtype {a.dtype} != torch's {b.dtype}"
    if a.dtype.kind in "iub":
        np.testing.assert_array_equal(a, b)
        return
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def check(fn, *arrays, dtype=np.float64, grad=True, seed=0):
    """fn(lib, *tensors) on both libraries: outputs (all of a tuple) and input gradients."""
    arrays = [np.asarray(a, dtype=dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
              for a in arrays]
    needs = [grad and a.dtype.kind == "f" for a in arrays]
    xt = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, needs, strict=True)]
    xo = [tg.tensor(a, requires_grad=g) for a, g in zip(arrays, needs, strict=True)]
    yt, yo = fn(TORCH, *xt), fn(OURS, *xo)
    yt_all = yt if isinstance(yt, tuple) else (yt,)
    yo_all = yo if isinstance(yo, tuple) else (yo,)
    assert len(yo_all) == len(yt_all)
    for a, b in zip(yo_all, yt_all, strict=True):
        assert_close(a, b, dtype)
    if grad:
        g = np.random.default_rng(seed).standard_normal(tuple(yt_all[0].shape)).astype(dtype)
        yt_all[0].backward(torch.tensor(g))
        yo_all[0].backward(tg.tensor(g))
        for a, b, need in zip(xo, xt, needs, strict=True):
            if need:
                assert_close(a.grad, b.grad, dtype)
    return yo


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape, seed=0):
    """Values with no ties (a max has one winner)."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1 - n * 0.05


def check_module(factory, x, dtype=np.float64, seed=0):
    """``factory(nn)`` with torch's state dict loaded into ours: repr, output, input and
    parameter gradients."""
    torch.manual_seed(seed)
    tm, om = factory(torch.nn), factory(tg.nn)
    if dtype == np.float64:
        tm, om = tm.double(), om.double()
    sd = tm.state_dict()
    assert list(om.state_dict()) == list(sd)
    assert [tuple(v.shape) for v in om.state_dict().values()] == [tuple(v.shape)
                                                                  for v in sd.values()]
    result = om.load_state_dict({k: v.detach().numpy() for k, v in sd.items()})
    assert result.missing_keys == []
    assert result.unexpected_keys == []
    assert repr(om) == repr(tm)
    check(lambda lib, t: (tm if lib is TORCH else om)(t), x, dtype=dtype)
    for (name, p), (tname, tp) in zip(om.named_parameters(), tm.named_parameters(),
                                      strict=True):
        assert name == tname
        assert_close(p.grad, tp.grad, dtype)


def both_raise(fn, error, *arrays):
    """Both libraries refuse ``fn(lib, *tensors)`` with the same error type."""
    for lib in (TORCH, OURS):
        tensors = [lib.lib.tensor(np.asarray(a)) for a in arrays]
        with pytest.raises(error):
            fn(lib, *tensors)


# ----------------------------------------------------------------------------- ConvTranspose3d

CONVT3D = [
    dict(),
    dict(stride=2, output_padding=1),
    dict(stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), groups=2),
    dict(stride=2, padding=1, dilation=(2, 1, 2), bias=False),
]


@pytest.mark.parametrize("kw", CONVT3D, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_transpose3d_module_matches_torch(kw, dtype):
    check_module(lambda nn: nn.ConvTranspose3d(4, 6, (3, 2, 3), **kw), rand(2, 4, 3, 4, 3),
                 dtype)


def test_conv_transpose3d_unbatched_functional_and_output_size():
    check_module(lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2), rand(2, 2, 3, 2))
    check(lambda lib, x, w, b: lib.F.conv_transpose3d(x, w, b, 2, 1, 1, 1, 1),
          rand(1, 2, 3, 3, 2), rand(2, 3, 3, 3, 3), rand(3))
    check(lambda lib, x, w: lib.F.conv_transpose3d(x, w, groups=2, stride=(1, 2, 1)),
          rand(2, 4, 2, 3, 2), rand(4, 1, 1, 2, 2))
    for lib in (TORCH, OURS):  # forward(x, output_size=...) picks the output padding
        lib.lib.manual_seed(0)
        m = lib.nn.ConvTranspose3d(2, 2, 3, stride=2)
        y = m(lib.lib.zeros(1, 2, 2, 3, 4), output_size=(6, 7, 9))
        assert tuple(y.shape) == (1, 2, 6, 7, 9)
        with pytest.raises(ValueError, match="output size"):
            m(lib.lib.zeros(1, 2, 2, 3, 4), output_size=(7, 7, 9))


def test_conv_transpose3d_errors():
    both_raise(lambda lib, x, w: lib.F.conv_transpose3d(x, w, stride=2, output_padding=2),
               RuntimeError, np.zeros((1, 2, 2, 2, 2)), np.zeros((2, 1, 2, 2, 2)))
    both_raise(lambda lib, x, w: lib.F.conv_transpose3d(x, w), RuntimeError,
               np.zeros((1, 2, 2, 2)), np.zeros((2, 1, 2, 2)))
    with pytest.raises(ValueError, match="zeros"):
        tg.nn.ConvTranspose3d(2, 2, 2, padding_mode="reflect")


# ----------------------------------------------------------------------------- 3-d pooling

MAXPOOL3D = [
    dict(kernel_size=2),
    dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 1, 0), dilation=(1, 2, 1)),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(1, 3, 2), stride=1, dilation=2),
]


@pytest.mark.parametrize("kw", MAXPOOL3D, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_pool3d_matches_torch(kw, dtype):
    x = distinct(2, 3, 5, 6, 7)
    check(lambda lib, t: lib.F.max_pool3d(t, **kw, return_indices=True), x, dtype=dtype)
    check(lambda lib, t: lib.F.max_pool3d_with_indices(t, **kw), x, dtype=dtype)
    check_module(lambda nn: nn.MaxPool3d(**kw), x, dtype)
    check_module(lambda nn: nn.MaxPool3d(**kw, return_indices=True), x[0], dtype)  # unbatched


def test_max_pool3d_ties_pick_the_first_in_dhw_order():
    x = np.zeros((1, 2, 4, 4, 4))
    x[0, 1, 1, 0, 0] = x[0, 1, 0, 1, 1] = 5.0  # two maxima in one window
    check(lambda lib, t: lib.F.max_pool3d(t, 2, return_indices=True), x)
    check(lambda lib, t: lib.F.adaptive_max_pool3d(t, (1, 2, 1), return_indices=True), x)


AVGPOOL3D = [
    dict(kernel_size=2),
    dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 1, 0)),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3, 2), stride=1, padding=1, divisor_override=5),
]


@pytest.mark.parametrize("kw", AVGPOOL3D, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_avg_pool3d_matches_torch(kw, dtype):
    x = rand(2, 3, 5, 6, 7)
    check(lambda lib, t: lib.F.avg_pool3d(t, **kw), x, dtype=dtype)
    check_module(lambda nn: nn.AvgPool3d(**kw), x, dtype)
    check_module(lambda nn: nn.AvgPool3d(**kw), x[1], dtype)


@pytest.mark.parametrize("size", [1, 3, (2, None, 4), (5, 1, 7), (3, 4, 2)], ids=str)
def test_adaptive_pool3d_matches_torch(size):
    x = distinct(2, 3, 5, 6, 7)
    check(lambda lib, t: lib.F.adaptive_avg_pool3d(t, size), x)
    check(lambda lib, t: lib.F.adaptive_max_pool3d(t, size, return_indices=True), x)
    check(lambda lib, t: lib.F.adaptive_max_pool3d_with_indices(t, size), x)
    check_module(lambda nn: nn.AdaptiveAvgPool3d(size), x[0])
    check_module(lambda nn: nn.AdaptiveMaxPool3d(size, return_indices=True), x)
    check_module(lambda nn: nn.AdaptiveMaxPool3d(size), x, np.float32)


def test_max_unpool3d_matches_torch():
    for shape, kw in (((2, 3, 4, 6, 6), dict(kernel_size=2)),
                      ((1, 2, 3, 6, 7), dict(kernel_size=(1, 2, 3), stride=(1, 2, 2)))):
        def fn(lib, t, kw=kw):
            out, idx = lib.F.max_pool3d(t, **kw, return_indices=True)
            return lib.nn.MaxUnpool3d(**kw)(out, idx)
        check(fn, distinct(*shape))
    out, idx = torch.nn.functional.max_pool3d(torch.tensor(distinct(1, 2, 5, 7, 5)), 2,
                                              return_indices=True)
    for lib in (TORCH, OURS):  # output_size restores the size pooling rounded down
        o, i = lib.lib.tensor(out.numpy()), lib.lib.tensor(idx.numpy())
        assert tuple(lib.F.max_unpool3d(o, i, 2, output_size=(5, 7, 5)).shape) == (1, 2, 5, 7,
                                                                                    5)
        with pytest.raises(RuntimeError):  # the default size is too small for these indices
            lib.F.max_unpool3d(o, i, 2)
    assert repr(tg.nn.MaxUnpool3d(2)) == repr(torch.nn.MaxUnpool3d(2))


def test_3d_pooling_errors():
    x = np.zeros((1, 2, 4, 4, 4))
    for fn in (lambda lib, t: lib.F.max_pool3d(t, 2, padding=2),
               lambda lib, t: lib.F.max_pool3d(t, 2, stride=0),
               lambda lib, t: lib.F.max_pool3d(t, 5),
               lambda lib, t: lib.F.max_pool3d(t[0, 0], 2),
               lambda lib, t: lib.F.max_pool3d(t, (2, 2)),
               lambda lib, t: lib.F.avg_pool3d(t, 2, padding=2),
               lambda lib, t: lib.F.avg_pool3d(t, 5),
               lambda lib, t: lib.F.avg_pool3d(t, 2, divisor_override=0),
               lambda lib, t: lib.F.adaptive_avg_pool3d(t, (2, 2)),
               lambda lib, t: lib.F.adaptive_max_pool3d(t[0, 0], 2),
               lambda lib, t: lib.F.max_unpool3d(t[0, 0], t[0, 0].long(), 2)):
        both_raise(fn, RuntimeError, x)


# ----------------------------------------------------------------------------- 3-d padding

@pytest.mark.parametrize("factory", [
    lambda nn: nn.ZeroPad3d(1), lambda nn: nn.ZeroPad3d((1, 0, 2, 1, 0, 1)),
    lambda nn: nn.ConstantPad3d((1, 2, 0, 1, 1, 0), 3.5), lambda nn: nn.ConstantPad3d(1, -1.0),
    lambda nn: nn.ReflectionPad3d(1), lambda nn: nn.ReflectionPad3d((2, 1, 0, 1, 1, 2)),
    lambda nn: nn.ReplicationPad3d((1, 0, 1, 0, 1, 0)), lambda nn: nn.ReplicationPad3d(2),
    lambda nn: nn.CircularPad3d(2), lambda nn: nn.CircularPad3d((1, 0, 0, 2, 1, 1)),
])
def test_pad3d_modules_match_torch(factory):
    check_module(factory, rand(2, 2, 3, 4, 5))
    check_module(factory, rand(2, 3, 4, 5))  # unbatched


def test_pad3d_errors():
    both_raise(lambda lib, t: lib.nn.ReflectionPad3d(3)(t), RuntimeError, np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="padding"):
        tg.nn.ZeroPad3d((1, 2))


# ----------------------------------------------------------------------------- with_indices

@pytest.mark.parametrize(("name", "shape", "args"), [
    ("max_pool1d_with_indices", (2, 3, 9), (3, 2, 1)),
    ("max_pool2d_with_indices", (2, 3, 7, 8), ((2, 3), 1, (1, 0))),
    ("max_pool3d_with_indices", (2, 2, 5, 6, 7), (3, 2, 1)),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,)),
    ("adaptive_max_pool2d_with_indices", (3, 7, 8), ((3, None),)),
    ("adaptive_max_pool3d_with_indices", (2, 2, 5, 6, 7), ((2, 3, 4),)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_with_indices_functions_match_torch(name, shape, args):
    out = check(lambda lib, t: getattr(lib.F, name)(t, *args), distinct(*shape))
    assert isinstance(out, tuple)
    assert out[1].dtype == tg.int64


# ----------------------------------------------------------------------------- LP pooling

LP = [
    ("lp_pool1d", "LPPool1d", (2, 3, 10), (2, 3), {}),
    ("lp_pool1d", "LPPool1d", (3, 10), (3.0, 3, 2, True), {}),
    ("lp_pool2d", "LPPool2d", (2, 3, 7, 8), (2, 2), {}),
    ("lp_pool2d", "LPPool2d", (2, 3, 7, 8), (1.5, (2, 3), 1, True), {}),
    ("lp_pool2d", "LPPool2d", (3, 7, 8), (float("inf"), 3, 2), {}),
    ("lp_pool3d", "LPPool3d", (2, 2, 5, 6, 7), (2, 2), {}),
    ("lp_pool3d", "LPPool3d", (2, 5, 6, 7), (1, (1, 2, 3), (1, 1, 2), True), {}),
]


@pytest.mark.parametrize(("fn", "module", "shape", "args", "kw"), LP, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lp_pool_matches_torch(fn, module, shape, args, kw, dtype):
    x = np.abs(rand(*shape)) + 0.1  # positive: x**p is defined for fractional p
    check(lambda lib, t: getattr(lib.F, fn)(t, *args, **kw), x, dtype=dtype)
    check_module(lambda nn: getattr(nn, module)(*args), x, dtype)


def test_lp_pool_negative_input_and_minus_inf():
    x = rand(2, 3, 8)
    check(lambda lib, t: lib.F.lp_pool1d(t, 2, 2), x)  # x**2: signs do not matter
    check(lambda lib, t: lib.F.lp_pool1d(t, -float("inf"), 2), distinct(2, 3, 8))


# ----------------------------------------------------------------------------- channel shuffle

@pytest.mark.parametrize(("shape", "groups"), [((2, 6, 3, 2), 3), ((2, 6, 3), 2),
                                               ((1, 4, 2, 2, 2), 4), ((3, 5, 1), 1),
                                               ((0, 4, 2), 2)])
def test_channel_shuffle_matches_torch(shape, groups):
    x = rand(*shape)
    check(lambda lib, t: lib.F.channel_shuffle(t, groups), x)
    check_module(lambda nn: nn.ChannelShuffle(groups), x)
    check(lambda lib, t: lib.F.native_channel_shuffle(t, groups), x, grad=False)  # torch has
    # no derivative for native_channel_shuffle; ours is the differentiable channel_shuffle
    check(lambda lib, t: lib.F.channel_shuffle(t, groups),
          np.arange(np.prod(shape)).reshape(shape), grad=False)  # integers keep their dtype


def test_channel_shuffle_errors():
    both_raise(lambda lib, t: lib.F.channel_shuffle(t, 3), RuntimeError, np.zeros((1, 4, 2)))
    both_raise(lambda lib, t: lib.F.channel_shuffle(t, 0), RuntimeError, np.zeros((1, 4, 2)))
    both_raise(lambda lib, t: lib.F.channel_shuffle(t, 2), RuntimeError, np.zeros((1, 4)))


# ----------------------------------------------------------------------------- conv_tbc

@pytest.mark.parametrize("pad", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_tbc_matches_torch(pad, dtype):
    check(lambda lib, x, w, b: lib.F.conv_tbc(x, w, b, pad), rand(7, 2, 3), rand(3, 3, 4, seed=1),
          rand(4, seed=2), dtype=dtype)


def test_conv_tbc_errors():
    both_raise(lambda lib, x, w, b: lib.F.conv_tbc(x, w, b), RuntimeError, np.zeros((5, 2, 3)),
               np.zeros((2, 4, 4)), np.zeros(4))
    both_raise(lambda lib, x, w, b: lib.F.conv_tbc(x, w, b), RuntimeError, np.zeros((5, 2, 3)),
               np.zeros((2, 3, 4)), np.zeros(5))


# ----------------------------------------------------------------------------- fractional

FRACTIONAL = [
    (2, (2, 3, 11, 9), dict(kernel_size=3, output_size=(5, 4))),
    (2, (2, 3, 11, 9), dict(kernel_size=(2, 3), output_ratio=(0.5, 0.7))),
    (2, (3, 11, 9), dict(kernel_size=(2, 3), output_size=(1, 7))),
    (2, (1, 1, 9, 9), dict(kernel_size=2, output_size=8)),
    (3, (2, 2, 7, 11, 9), dict(kernel_size=(2, 3, 2), output_size=(4, 5, 3))),
    (3, (2, 7, 6, 9), dict(kernel_size=2, output_ratio=0.5)),
]


@pytest.mark.parametrize(("dims", "shape", "kw"), FRACTIONAL, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fractional_max_pool_matches_torch_with_given_samples(dims, shape, kw, dtype):
    batch = shape[0] if len(shape) == dims + 2 else 1
    channels = shape[-dims - 1]
    samples = np.random.default_rng(5).random((batch, channels, dims)).astype(dtype)
    fn = f"fractional_max_pool{dims}d"

    def pool(lib, t, name=fn, indices=True):  # the samples get no gradient (torch refuses)
        return getattr(lib.F, name)(t, **kw, return_indices=indices,
                                    _random_samples=lib.lib.tensor(samples))

    check(pool, distinct(*shape), dtype=dtype)
    check(lambda lib, t: pool(lib, t, fn + "_with_indices", False), distinct(*shape),
          dtype=dtype)
    for lib in (TORCH, OURS):  # the module keeps its samples as a (non-saved) buffer
        module = getattr(lib.nn, f"FractionalMaxPool{dims}d")(
            **kw, _random_samples=lib.lib.tensor(samples))
        assert repr(module) == f"FractionalMaxPool{dims}d()"
        assert list(module.state_dict()) == ["_random_samples"]
    check_module(lambda nn: getattr(nn, f"FractionalMaxPool{dims}d")(
        **kw, _random_samples=(torch if nn is torch.nn else tg).tensor(samples)),
        distinct(*shape), dtype)


def test_fractional_max_pool_draws_torchs_samples_for_the_same_seed():
    x = distinct(2, 3, 9, 9).astype(np.float32)
    torch.manual_seed(3)
    tg.manual_seed(3)
    theirs = torch.nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)(
        torch.tensor(x))
    ours = tg.nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)(tg.tensor(x))
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())


def test_fractional_max_pool_errors():
    x = np.zeros((1, 2, 5, 7), np.float32)
    s = np.full((1, 2, 2), 0.5, np.float32)
    both_raise(lambda lib, t: lib.F.fractional_max_pool2d(t, 2, output_size=(5, 7)),
               RuntimeError, x)
    both_raise(lambda lib, t, u: lib.F.fractional_max_pool2d(t, 2, output_size=(3, 3),
                                                             _random_samples=u[:, :1]),
               RuntimeError, x, s)
    both_raise(lambda lib, t, u: lib.F.fractional_max_pool2d(t, 2, output_size=(3, 3),
                                                             _random_samples=u.double()),
               RuntimeError, x, s)
    both_raise(lambda lib, t: lib.F.fractional_max_pool2d(t, 2), ValueError, x)
    both_raise(lambda lib, t: lib.F.fractional_max_pool3d(t, 2, output_size=(3, 3, 3)),
               RuntimeError, x)
    for lib in (TORCH, OURS):
        with pytest.raises(ValueError, match="output size, or a pooling ratio"):
            lib.nn.FractionalMaxPool2d(2)
        with pytest.raises(ValueError, match="only one of"):
            lib.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)
        with pytest.raises(ValueError, match="between 0 and 1"):
            lib.nn.FractionalMaxPool3d(2, output_ratio=1.5)
        with pytest.raises(ValueError, match="greater than 0"):
            lib.nn.FractionalMaxPool3d(0, output_size=2)
