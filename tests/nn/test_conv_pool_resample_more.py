"""Conv1d, 1-d pooling, max unpooling, interpolation, pixel shuffle, padding modes, unfold and
fold against torch 2.x: values, dtypes, shapes, gradients, reprs, state dicts and errors.

Each check runs the same code on both libraries: ``fn(lib, *inputs)`` where ``lib`` has the
library's ``nn`` and ``F``. Outputs are compared in float64 (tight) and float32; the gradient
of every input is compared for a random cotangent of the (first) output.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

TORCH = SimpleNamespace(nn=torch.nn, F=torch.nn.functional, uint8=torch.uint8)
OURS = SimpleNamespace(nn=tg.nn, F=tg.nn.functional, uint8=tg.uint8)
TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 1e-5)}  # float32: as the catalog's conv rows


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
    """Values with no ties (max pooling picks one winner, as torch does)."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1 - n * 0.05


def check_module(factory, x, dtype=np.float64, extra=()):
    """``factory(nn)`` with torch's state dict loaded into ours: output, input and parameter
    gradients, and the state dict's keys and shapes."""
    torch.manual_seed(0)
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


# ----------------------------------------------------------------------------- conv1d

CONV1D = [
    dict(),
    dict(stride=2, padding=1),
    dict(padding=2, dilation=2, groups=2),
    dict(padding="same", dilation=2),
    dict(padding="valid", bias=False),
    dict(stride=(3,), padding=(1,), dilation=(1,)),
]


@pytest.mark.parametrize("kw", CONV1D, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv1d_module_matches_torch(kw, dtype):
    check_module(lambda nn: nn.Conv1d(4, 6, 3, **kw), rand(2, 4, 11), dtype)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's
def test_conv1d_unbatched_and_even_kernel_same_padding():
    check_module(lambda nn: nn.Conv1d(3, 2, 4, padding="same"), rand(3, 9))
    check_module(lambda nn: nn.Conv1d(2, 2, 1), rand(2, 2, 5))


def test_conv1d_functional_matches_torch():
    check(lambda lib, x, w, b: lib.F.conv1d(x, w, b, 2, 1, 1, 1), rand(2, 3, 10), rand(5, 3, 3),
          rand(5))
    check(lambda lib, x, w: lib.F.conv1d(x, w, padding="same", groups=3), rand(1, 3, 7),
          rand(6, 1, 2))
    check(lambda lib, x, w: lib.F.conv1d(x, w), rand(4, 6), rand(2, 4, 6))  # unbatched


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, output_padding=1),
                                dict(stride=3, padding=2, dilation=2, groups=2),
                                dict(bias=False, stride=(2,), padding=(1,))], ids=str)
def test_conv_transpose1d_matches_torch(kw):
    check_module(lambda nn: nn.ConvTranspose1d(4, 6, 3, **kw), rand(2, 4, 7))
    check_module(lambda nn: nn.ConvTranspose1d(4, 6, 3, **kw), rand(4, 5))


def test_conv_transpose1d_functional():
    check(lambda lib, x, w, b: lib.F.conv_transpose1d(x, w, b, 2, 1, 1), rand(2, 3, 5),
          rand(3, 2, 4), rand(2))


def test_conv1d_default_init_and_attributes():
    tg.manual_seed(0)
    m = tg.nn.Conv1d(8, 4, 5)
    t = torch.nn.Conv1d(8, 4, 5)
    assert m.kernel_size == t.kernel_size == (5,)
    assert (m.stride, m.padding, m.dilation) == (t.stride, t.padding, t.dilation)
    assert (tuple(m.weight.shape), tuple(m.bias.shape)) == ((4, 8, 5), (4,))
    bound = 1 / np.sqrt(8 * 5)  # kaiming_uniform(a=sqrt(5)) and the bias share this bound
    assert max(np.abs(_np(m.weight)).max(), np.abs(_np(m.bias)).max()) <= bound
    assert np.abs(_np(m.weight)).max() > bound / 2
    assert repr(tg.nn.Conv1d(2, 4, 3, padding="same")) == repr(torch.nn.Conv1d(2, 4, 3,
                                                                               padding="same"))


def test_conv1d_errors():
    with pytest.raises(RuntimeError, match="conv1d: expected 2D .* or 3D"):
        tg.nn.functional.conv1d(tg.zeros(1, 2, 3, 4), tg.zeros(2, 2, 1))
    with pytest.raises(RuntimeError, match="3D weight"):
        tg.nn.functional.conv1d(tg.zeros(1, 2, 3), tg.zeros(2, 2, 1, 1))
    with pytest.raises(RuntimeError, match="single integer value or a list of 1"):
        tg.nn.Conv1d(2, 2, (3, 3))
    with pytest.raises(RuntimeError, match="non-positive stride"):
        tg.nn.functional.conv1d(tg.zeros(1, 2, 3), tg.zeros(2, 2, 1), stride=0)
    with pytest.raises(ValueError, match="divisible by groups"):
        tg.nn.Conv1d(3, 4, 1, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        tg.nn.Conv1d(3, 4, 1, padding_mode="reflect")
    with pytest.raises(ValueError, match="'same' is not supported for strided"):
        tg.nn.functional.conv1d(tg.zeros(1, 2, 5), tg.zeros(2, 2, 3), stride=2, padding="same")


# ----------------------------------------------------------------------------- conv3d

CONV3D = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(1, 2, 1), padding=(2, 0, 1), dilation=(2, 1, 1), groups=2),
    dict(padding="same", dilation=(1, 2, 1)),
    dict(padding="valid", bias=False),
]


@pytest.mark.parametrize("kw", CONV3D, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv3d_module_matches_torch(kw, dtype):
    check_module(lambda nn: nn.Conv3d(4, 6, (3, 2, 3), **kw), rand(2, 4, 5, 6, 7), dtype)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's
def test_conv3d_functional_unbatched_and_same_even_kernel():
    check(lambda lib, x, w, b: lib.F.conv3d(x, w, b, padding="same"), rand(2, 4, 4, 5),
          rand(3, 2, 2, 3, 2), rand(3))
    check(lambda lib, x, w: lib.F.conv3d(x, w, stride=(2, 1, 3)), rand(1, 2, 5, 4, 7),
          rand(2, 2, 1, 2, 2))
    assert repr(tg.nn.Conv3d(2, 4, 3, dilation=2)) == repr(torch.nn.Conv3d(2, 4, 3, dilation=2))


def test_conv3d_errors():
    F = tg.nn.functional
    with pytest.raises(RuntimeError, match="conv3d: expected 4D .* or 5D"):
        F.conv3d(tg.zeros(1, 2, 3), tg.zeros(2, 2, 1, 1, 1))
    with pytest.raises(RuntimeError, match="5D weight"):
        F.conv3d(tg.zeros(1, 2, 3, 3, 3), tg.zeros(2, 2, 1, 1))
    with pytest.raises(RuntimeError, match="list of 3 values"):
        tg.nn.Conv3d(2, 2, (3, 3))
    with pytest.raises(RuntimeError, match="does not fit"):
        F.conv3d(tg.zeros(1, 2, 2, 3, 3), tg.zeros(2, 2, 3, 1, 1))


# ----------------------------------------------------------------------------- 1-d pooling

@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, dilation=2, ceil_mode=True),
                                dict(kernel_size=(3,), stride=(1,))], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_pool1d_matches_torch(kw, dtype):
    x = distinct(2, 3, 11)
    check(lambda lib, t: lib.F.max_pool1d(t, **kw), x, dtype=dtype)
    check(lambda lib, t: lib.F.max_pool1d(t, **kw, return_indices=True), x, dtype=dtype)
    check(lambda lib, t: lib.nn.MaxPool1d(**kw)(t), x[0], dtype=dtype)  # unbatched
    assert repr(tg.nn.MaxPool1d(**kw)) == repr(torch.nn.MaxPool1d(**kw))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, padding=1, count_include_pad=False),
                                dict(kernel_size=2, stride=3, ceil_mode=True)], ids=str)
def test_avg_pool1d_matches_torch(kw):
    check(lambda lib, t: lib.F.avg_pool1d(t, **kw), rand(2, 3, 10))
    check(lambda lib, t: lib.nn.AvgPool1d(**kw)(t), rand(3, 10))
    assert repr(tg.nn.AvgPool1d(**kw)) == repr(torch.nn.AvgPool1d(**kw))


@pytest.mark.parametrize("size", [1, 3, 4, 7])
def test_adaptive_pool1d_matches_torch(size):
    x = distinct(2, 3, 10)
    check(lambda lib, t: lib.nn.AdaptiveAvgPool1d(size)(t), x)
    check(lambda lib, t: lib.F.adaptive_avg_pool1d(t, size), x[0])
    check(lambda lib, t: lib.nn.AdaptiveMaxPool1d(size, return_indices=True)(t), x)
    check(lambda lib, t: lib.F.adaptive_max_pool1d(t, size), x[1])
    assert repr(tg.nn.AdaptiveAvgPool1d(size)) == repr(torch.nn.AdaptiveAvgPool1d(size))
    assert repr(tg.nn.AdaptiveMaxPool1d(size)) == repr(torch.nn.AdaptiveMaxPool1d(size))


def test_pool1d_errors():
    with pytest.raises(RuntimeError, match="max_pool1d: expected 2D or 3D"):
        tg.nn.functional.max_pool1d(tg.zeros(1, 1, 2, 2), 2)
    with pytest.raises(RuntimeError, match="avg_pool1d"):
        tg.nn.functional.avg_pool1d(tg.zeros(2), 2)
    with pytest.raises(RuntimeError, match="kernel_size must be an int or a tuple of one"):
        tg.nn.functional.max_pool1d(tg.zeros(1, 1, 4), (2, 2))


# ----------------------------------------------------------------------------- unpooling

@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(2, 3), stride=(2, 1))], ids=str)
def test_max_unpool2d_inverts_max_pool2d_as_torch(kw):
    x = distinct(2, 3, 8, 10)

    def fn(lib, t):
        out, idx = lib.nn.MaxPool2d(**kw, return_indices=True)(t)
        return lib.nn.MaxUnpool2d(**kw)(out, idx, output_size=t.shape[-2:]), idx

    check(fn, x)
    assert repr(tg.nn.MaxUnpool2d(**kw)) == repr(torch.nn.MaxUnpool2d(**kw))


def test_max_unpool_functional_output_size_and_1d():
    x = distinct(1, 2, 7, 7)

    def fn(lib, t):
        out, idx = lib.F.max_pool2d(t, 2, return_indices=True)
        return lib.F.max_unpool2d(out, idx, 2, output_size=(7, 7))

    check(fn, x)
    check(fn, x[0])  # unbatched

    def fn1(lib, t):
        out, idx = lib.F.max_pool1d(t, 3, 2, return_indices=True)
        return lib.nn.MaxUnpool1d(3, 2)(out, idx, output_size=t.shape)

    check(fn1, distinct(2, 2, 9))
    assert repr(tg.nn.MaxUnpool1d(2)) == repr(torch.nn.MaxUnpool1d(2))


def test_max_unpool_errors():
    x, idx = tg.ones(1, 1, 2, 2), tg.tensor([[[[0, 1], [2, 3]]]])
    with pytest.raises(RuntimeError, match="shape of indices"):
        tg.nn.functional.max_unpool2d(x, idx[..., :1], 2)
    with pytest.raises(RuntimeError, match="invalid max index"):
        tg.nn.functional.max_unpool2d(x, idx + 20, 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        tg.nn.functional.max_unpool2d(x, idx, 2, output_size=(9, 9))


# ----------------------------------------------------------------------------- interpolate

INTERP_2D = [
    dict(scale_factor=2), dict(scale_factor=(1.7, 0.6)), dict(size=(3, 4)), dict(size=9),
    dict(scale_factor=2.5, recompute_scale_factor=True),
]
MODES_2D = [("nearest", None), ("nearest-exact", None), ("bilinear", False),
            ("bilinear", True), ("area", None)]


@pytest.mark.parametrize("kw", INTERP_2D, ids=str)
@pytest.mark.parametrize(("mode", "align"), MODES_2D)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_2d_matches_torch(kw, mode, align, dtype):
    check(lambda lib, t: lib.F.interpolate(t, mode=mode, align_corners=align, **kw),
          rand(2, 3, 5, 7), dtype=dtype)


@pytest.mark.parametrize("kw", [dict(scale_factor=3), dict(size=4), dict(size=(1,)),
                                dict(scale_factor=0.5)], ids=str)
@pytest.mark.parametrize(("mode", "align"), [("nearest", None), ("linear", False), ("linear", True),
                                        ("nearest-exact", None), ("area", None)])
def test_interpolate_1d_matches_torch(kw, mode, align):
    check(lambda lib, t: lib.F.interpolate(t, mode=mode, align_corners=align, **kw),
          rand(2, 3, 6))


@pytest.mark.parametrize(("mode", "align"), [("nearest", None), ("trilinear", False),
                                        ("trilinear", True)])
def test_interpolate_3d_matches_torch(mode, align):
    check(lambda lib, t: lib.F.interpolate(t, size=(3, 4, 2), mode=mode, align_corners=align),
          rand(1, 2, 2, 3, 4))


@pytest.mark.parametrize("scale", [1.1, 2.2, 0.9, 1.43])
@pytest.mark.parametrize(("mode", "spatial"), [("nearest", 1), ("nearest", 2), ("nearest", 3),
                                               ("nearest-exact", 2), ("linear", 1),
                                               ("bilinear", 2), ("trilinear", 3)])
def test_interpolate_scale_factor_where_a_size_stays_or_doubles(mode, spatial, scale):
    """Where floor(size * scale) is the size itself or its double, torch's kernels take
    shortcuts for some modes and dims (a copy, o // 2); the results must still agree.

    Torch's 1-d and 3-d 'nearest' backward takes the shortcut while its forward does not (its
    gradient is not the forward's); there ours is the forward's true gradient instead."""
    shape = (1, 2) + (4, 2, 3)[:spatial]
    sf = (scale,) + (1.5,) * (spatial - 1)
    torch_inconsistent = mode == "nearest" and spatial != 2 and scale in (1.1, 2.2)
    for dtype in (np.float64, np.float32):
        check(lambda lib, t: lib.F.interpolate(t, scale_factor=sf, mode=mode), rand(*shape),
              dtype=dtype, grad=not torch_inconsistent)
    if torch_inconsistent:  # the gradient of a gather: each output cell's cotangent to its source
        x = tg.tensor(rand(*shape), requires_grad=True)
        out = tg.nn.functional.interpolate(x, scale_factor=sf, mode=mode)
        g = rand(*out.shape, seed=1)
        out.backward(tg.tensor(g))
        sources = [np.minimum(np.floor(np.arange(m, dtype=np.float32) *
                                       np.float32(1 / f)).astype(int), n - 1)
                   for n, m, f in zip(shape[2:], out.shape[2:], sf, strict=True)]
        expected = np.zeros(shape)
        np.add.at(expected, (slice(None), slice(None), *np.ix_(*sources)), g)
        np.testing.assert_allclose(_np(x.grad), expected, rtol=1e-12, atol=1e-12)


def test_upsample_modules_match_torch():
    x = rand(2, 3, 4, 5)
    for make in (lambda nn: nn.Upsample(scale_factor=2),
                 lambda nn: nn.Upsample(size=(3, 7), mode="bilinear"),
                 lambda nn: nn.Upsample(scale_factor=(2, 3), mode="bilinear", align_corners=True),
                 lambda nn: nn.UpsamplingNearest2d(size=6),
                 lambda nn: nn.UpsamplingBilinear2d(scale_factor=2)):
        check(lambda lib, t, make=make: make(lib.nn)(t), x)
        assert repr(make(tg.nn)) == repr(make(torch.nn))
    with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
        check(lambda lib, t: lib.F.upsample_nearest(t, scale_factor=2), x)
    with pytest.warns(UserWarning, match="upsample_bilinear` is deprecated"):
        check(lambda lib, t: lib.F.upsample_bilinear(t, size=(5, 6)), x)
    with pytest.warns(UserWarning, match="upsample` is deprecated"):
        check(lambda lib, t: lib.F.upsample(t, size=(5, 6), mode="bilinear"), x)


def test_interpolate_errors():
    F = tg.nn.functional
    x = tg.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="linear mode needs 3D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 2, 2))
    with pytest.raises(NotImplementedError, match="mode 'bicubic'"):
        F.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(NotImplementedError, match="not implemented for torch.int64"):
        F.interpolate(tg.zeros(1, 1, 2, 2, dtype=tg.int64), scale_factor=2)
    with pytest.raises(NotImplementedError, match="'bilinear' is not implemented for torch.uint8"):
        F.interpolate(tg.zeros(1, 1, 2, 2, dtype=tg.uint8), scale_factor=2, mode="bilinear")


def test_edge_cases_match_torch():
    """uint8 nearest resizing, integer padding and shuffling, empty batches."""
    ints = np.arange(24).reshape(1, 2, 3, 4)
    check(lambda lib, t: lib.F.interpolate(t.to(lib.uint8), scale_factor=2), ints, grad=False)
    for mode in ("reflect", "replicate", "circular"):
        check(lambda lib, t, mode=mode: lib.F.pad(t, (1, 2, 2, 0), mode=mode), ints, grad=False)
    check(lambda lib, t: lib.F.pixel_shuffle(t, 1), ints, grad=False)
    empty = np.zeros((0, 2, 4, 4))
    check(lambda lib, t: lib.F.unfold(t, 2), empty)
    check(lambda lib, t: lib.F.interpolate(t, scale_factor=2, mode="bilinear"), empty)
    check(lambda lib, t: lib.F.pad(t, (1, 1, 1, 1), mode="circular"), empty)
    check(lambda lib, t: lib.F.max_pool1d(t, 2), np.zeros((0, 2, 4)))


# ----------------------------------------------------------------------------- pixel shuffle

def test_pixel_shuffle_and_unshuffle_match_torch():
    check(lambda lib, t: lib.nn.PixelShuffle(2)(t), rand(2, 8, 3, 4))
    check(lambda lib, t: lib.F.pixel_shuffle(t, 3), rand(9, 2, 2))  # unbatched
    check(lambda lib, t: lib.F.pixel_shuffle(t, 1), rand(2, 1, 3, 2, 2))  # extra batch dims
    check(lambda lib, t: lib.nn.PixelUnshuffle(2)(t), rand(2, 3, 4, 6))
    check(lambda lib, t: lib.F.pixel_unshuffle(lib.F.pixel_shuffle(t, 2), 2), rand(1, 4, 2, 3))
    assert repr(tg.nn.PixelShuffle(2)) == repr(torch.nn.PixelShuffle(2))
    assert repr(tg.nn.PixelUnshuffle(3)) == repr(torch.nn.PixelUnshuffle(3))
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        tg.nn.functional.pixel_shuffle(tg.zeros(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match="divisible by downscale_factor"):
        tg.nn.functional.pixel_unshuffle(tg.zeros(1, 1, 3, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        tg.nn.functional.pixel_shuffle(tg.zeros(4, 2), 2)


# ----------------------------------------------------------------------------- padding

@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(("shape", "pad"), [((2, 3, 5), (2, 1)), ((3, 5), (0, 4)),
                                       ((2, 2, 4, 5), (1, 2, 3, 0)), ((2, 4, 5), (3, 3, 1, 2)),
                                       ((1, 2, 3, 4, 4), (1, 1, 2, 0, 1, 2)),
                                       ((2, 3, 6), (-1, 2))], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pad_modes_match_torch(mode, shape, pad, dtype):
    if mode == "reflect" and max(pad) >= min(shape[-len(pad) // 2:]):
        x = rand(*shape).astype(dtype)  # too wide to reflect: both libraries refuse it
        with pytest.raises(RuntimeError):
            tg.nn.functional.pad(tg.tensor(x), pad, mode=mode)
        with pytest.raises(RuntimeError):
            torch.nn.functional.pad(torch.tensor(x), pad, mode=mode)
        return
    check(lambda lib, t: lib.F.pad(t, pad, mode=mode), rand(*shape), dtype=dtype)


def test_pad_constant_still_works_and_value():
    check(lambda lib, t: lib.F.pad(t, (1, 2, 0, 1), value=3.5), rand(2, 3, 4))
    check(lambda lib, t: lib.F.pad(t, (1, 1), mode="constant"), rand(5))


@pytest.mark.parametrize("pad", [(-1, 2), (-1, -1, 1, 0), (0, 0, -1, -1, -1, 1), (-3, 1),
                                 (-4, 0)], ids=str)
def test_pad_constant_negative_padding_crops_like_torch(pad):
    check(lambda lib, t: lib.F.pad(t, pad, value=2.5), rand(2, 3, 4))
    check(lambda lib, t: lib.nn.ConstantPad1d(-1, 2.5)(t), rand(2, 3, 4))
    check(lambda lib, t: lib.nn.ZeroPad2d(-1)(t), rand(2, 3, 4))


def test_pad_cropping_more_than_the_input_raises_like_torch():
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.zeros(2, 3), (-2, -2))
    with pytest.raises(RuntimeError, match="pad: the input size 3 of dim 1, plus negative "
                                           "padding -2 and -2"):
        tg.nn.functional.pad(tg.zeros(2, 3), (-2, -2))


def test_pad_errors_match_torch():
    F = tg.nn.functional
    with pytest.raises(RuntimeError, match="should be less than the corresponding input"):
        F.pad(tg.zeros(1, 2, 3), (3, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="pads the last 1, 2 or 3 dims"):
        F.pad(tg.zeros(3), (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match="unrecognised padding mode"):
        F.pad(tg.zeros(1, 3), (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="doesn't take in value"):
        F.pad(tg.zeros(1, 3), (1, 1), mode="replicate", value=2.0)
    with pytest.raises(RuntimeError, match="less than or equal to two times"):
        F.pad(tg.zeros(2, 3), (1, 1, 1, 1, 1, 1), mode="replicate")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(tg.zeros(1, 1, 3), (4, 0), mode="circular")


PAD_MODULES = [
    lambda nn: nn.ZeroPad2d((1, 1, 2, 0)), lambda nn: nn.ZeroPad2d(2), lambda nn: nn.ZeroPad1d(1),
    lambda nn: nn.ConstantPad1d((2, 1), 3.5), lambda nn: nn.ConstantPad2d(1, -1.0),
    lambda nn: nn.ReflectionPad1d(2), lambda nn: nn.ReflectionPad2d((1, 2, 0, 3)),
    lambda nn: nn.ReplicationPad1d((0, 3)), lambda nn: nn.ReplicationPad2d(2),
    lambda nn: nn.CircularPad1d(1), lambda nn: nn.CircularPad2d((1, 0, 2, 2)),
]


@pytest.mark.parametrize("k", range(len(PAD_MODULES)))
def test_padding_modules_match_torch(k):
    make = PAD_MODULES[k]
    assert repr(make(tg.nn)) == repr(make(torch.nn))
    one_d = "1d" in type(make(torch.nn)).__name__
    x = rand(2, 3, 5) if one_d else rand(2, 3, 4, 5)
    check(lambda lib, t: make(lib.nn)(t), x)
    check(lambda lib, t: make(lib.nn)(t), x[0])  # unbatched


def test_padding_module_checks_the_padding_length():
    with pytest.raises(ValueError, match="tuple of 4 ints"):
        tg.nn.ReflectionPad2d((1, 2))


# ----------------------------------------------------------------------------- unfold, fold

UNFOLD = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2),
          dict(kernel_size=3, padding=(1, 0), stride=(1, 2))]


@pytest.mark.parametrize("kw", UNFOLD, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unfold_and_fold_match_torch(kw, dtype):
    x = rand(2, 3, 6, 7)
    cols = check(lambda lib, t: lib.nn.Unfold(**kw)(t), x, dtype=dtype)
    check(lambda lib, t: lib.F.unfold(t, **kw), x[0], dtype=dtype)  # unbatched
    check(lambda lib, c: lib.nn.Fold((6, 7), **kw)(c), _np(cols), dtype=dtype)
    check(lambda lib, c: lib.F.fold(c, (6, 7), **kw), _np(cols)[1], dtype=dtype)
    check(lambda lib, t: lib.F.fold(lib.F.unfold(t, **kw), (6, 7), **kw), x, dtype=dtype)
    assert repr(tg.nn.Unfold(**kw)) == repr(torch.nn.Unfold(**kw))
    assert repr(tg.nn.Fold((6, 7), **kw)) == repr(torch.nn.Fold((6, 7), **kw))


def test_unfold_matmul_is_a_convolution():
    """The lesson: weight.reshape(F, -1) @ unfold(x) is conv2d."""
    x, w = tg.tensor(rand(2, 3, 5, 6)), tg.tensor(rand(4, 3, 3, 3, seed=1))
    out = (w.reshape(4, -1) @ tg.nn.functional.unfold(x, 3, padding=1)).reshape(2, 4, 5, 6)
    np.testing.assert_allclose(_np(out), _np(tg.nn.functional.conv2d(x, w, padding=1)),
                               rtol=1e-10, atol=1e-12)


def test_fold_errors():
    F = tg.nn.functional
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(tg.zeros(1, 5, 4), (3, 3), 2)
    with pytest.raises(RuntimeError, match="number of sliding blocks"):
        F.fold(tg.zeros(1, 4, 5), (3, 3), 2)
    with pytest.raises(IndexError, match="unfold: expected a 3D or 4D"):  # torch's type
        F.unfold(tg.zeros(3, 3), 2)
    with pytest.raises(RuntimeError, match="does not fit"):
        F.unfold(tg.zeros(1, 1, 2, 2), 3)


# ----------------------------------------------------------------------------- existing names

def test_flatten_unflatten_identity_and_pool_indices_exist():
    for make in (lambda nn: nn.Flatten(), lambda nn: nn.Unflatten(1, (2, 6)),
                 lambda nn: nn.Identity()):
        check(lambda lib, t, make=make: make(lib.nn)(t), rand(2, 12))
        assert repr(make(tg.nn)) == repr(make(torch.nn))
    check(lambda lib, t: lib.nn.AdaptiveMaxPool2d((2, 3), return_indices=True)(t),
          distinct(2, 2, 5, 7))
