"""``F.affine_grid`` and ``F.grid_sample`` against torch 2.x: values, dtypes, shapes, the
gradients of the input, the grid and theta, warnings and errors.

Every mode x padding mode x align_corners is run for images (4-d) and volumes (5-d, no
bicubic there, as in torch), in float64 and float32, with grids reaching well outside [-1, 1]
so that every padding mode is exercised (reflection folds several times).
"""

from __future__ import annotations

import itertools
import warnings
import zlib

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = pytest.mark.torch

TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 2e-5)}
MODES_2D = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _np(t):
    return np.asarray(t.detach().numpy())


def assert_close(ours, theirs, dtype):
    a, b = _np(ours), _np(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def compare(x, grid, dtype=np.float64, seed=0, **kw):
    """grid_sample on both libraries: the output and the gradients of input and grid."""
    x, grid = np.asarray(x, dtype), np.asarray(grid, dtype)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    xo, go = tg.tensor(x, requires_grad=True), tg.tensor(grid, requires_grad=True)
    yt, yo = TF.grid_sample(xt, gt, **kw), F.grid_sample(xo, go, **kw)
    assert_close(yo, yt, dtype)
    dout = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(dtype)
    yt.backward(torch.tensor(dout))
    yo.backward(tg.tensor(dout))
    assert_close(xo.grad, xt.grad, dtype)
    assert_close(go.grad, gt.grad, dtype)


CASES_2D = list(itertools.product(MODES_2D, PADDINGS, (False, True), (np.float64, np.float32)))


@pytest.mark.parametrize(("mode", "padding_mode", "align_corners", "dtype"), CASES_2D)
def test_grid_sample_2d_matches_torch(mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{mode}{padding_mode}{align_corners}".encode()))
    x = rng.standard_normal((2, 3, 5, 6))
    grid = rng.uniform(-1.6, 1.6, (2, 4, 7, 2))
    compare(x, grid, dtype, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


@pytest.mark.parametrize(("mode", "padding_mode", "align_corners", "dtype"),
                         [c for c in CASES_2D if c[0] != "bicubic"])
def test_grid_sample_3d_matches_torch(mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(zlib.crc32(f"3d{mode}{padding_mode}{align_corners}".encode()))
    x = rng.standard_normal((2, 2, 3, 4, 5))
    grid = rng.uniform(-1.6, 1.6, (2, 2, 3, 4, 3))
    compare(x, grid, dtype, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


@pytest.mark.parametrize("mode", MODES_2D)
@pytest.mark.parametrize("align_corners", [False, True])
def test_reflection_folds_many_times(mode, align_corners):
    """Positions up to 4 image widths away: the reflection folds back and forth."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 2, 3, 4))
    grid = rng.uniform(-9.0, 9.0, (1, 5, 6, 2))
    compare(x, grid, mode=mode, padding_mode="reflection", align_corners=align_corners)


@pytest.mark.parametrize(("mode", "padding_mode"), list(itertools.product(MODES_2D, PADDINGS)))
@pytest.mark.parametrize("align_corners", [False, True])
def test_single_pixel_and_single_row_inputs(mode, padding_mode, align_corners):
    rng = np.random.default_rng(3)
    for shape in [(1, 2, 1, 1), (2, 1, 1, 4), (1, 1, 3, 1)]:
        compare(rng.standard_normal(shape), rng.uniform(-1.5, 1.5, (shape[0], 2, 3, 2)),
                mode=mode, padding_mode=padding_mode, align_corners=align_corners)


def test_grid_points_on_pixel_centers_read_the_pixels():
    """align_corners=True: -1 and +1 are the corner pixels' centers, so a grid of the pixel
    positions reads the image back exactly (hand-computed, no torch)."""
    x = tg.arange(12.0).reshape(1, 1, 3, 4)
    ys, xs = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-1, 1, 4), indexing="ij")
    grid = tg.tensor(np.stack([xs, ys], -1)[None].astype(np.float32))
    for mode in MODES_2D:
        out = F.grid_sample(x, grid, mode=mode, align_corners=True)
        np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-6)


def test_bilinear_by_hand():
    x = tg.tensor([[[[0.0, 10.0], [20.0, 30.0]]]])
    grid = tg.tensor([[[[0.0, 0.0], [0.5, -1.0], [3.0, 0.0]]]])  # centre, top edge, far right
    out = F.grid_sample(x, grid, align_corners=True)
    assert out.tolist() == [[[[15.0, 7.5, 0.0]]]]
    out = F.grid_sample(x, grid, padding_mode="border", align_corners=True)
    assert out.tolist() == [[[[15.0, 7.5, 20.0]]]]


def test_empty_channels_and_empty_output():
    rng = np.random.default_rng(0)
    for xs, gs in [((2, 0, 3, 4), (2, 2, 2, 2)), ((2, 3, 3, 4), (2, 0, 2, 2))]:
        x, g = rng.standard_normal(xs), rng.uniform(-1, 1, gs)
        compare(x, g, mode="bilinear", padding_mode="zeros", align_corners=False)


def test_half_precision_input():
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((1, 2, 4, 4)), rng.uniform(-1, 1, (1, 3, 3, 2))
    ours = F.grid_sample(tg.tensor(x).half(), tg.tensor(g).half(), align_corners=False)
    theirs = TF.grid_sample(torch.tensor(x).half(), torch.tensor(g).half(), align_corners=False)
    assert ours.dtype == tg.float16
    np.testing.assert_allclose(ours.float().numpy(), theirs.float().numpy(), atol=1e-2)


# ----------------------------------------------------------------------------- affine_grid

@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 6), (2, 1, 7, 1), (2, 3, 2, 4, 5),
                                  (1, 2, 1, 3, 2)])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_grid_matches_torch(size, align_corners, dtype):
    dims = len(size) - 2
    theta = np.random.default_rng(len(size)).standard_normal((size[0], dims, dims + 1))
    theta = theta.astype(dtype)
    tt, to = torch.tensor(theta, requires_grad=True), tg.tensor(theta, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size warning; tested below
        gt = TF.affine_grid(tt, size, align_corners=align_corners)
        go = F.affine_grid(to, size, align_corners=align_corners)
    assert_close(go, gt, dtype)
    dout = np.random.default_rng(1).standard_normal(tuple(gt.shape)).astype(dtype)
    gt.backward(torch.tensor(dout))
    go.backward(tg.tensor(dout))
    assert_close(to.grad, tt.grad, dtype)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_identity_transform_returns_the_input(mode):
    """The spatial transformer with the identity theta reads every pixel where it is."""
    x = tg.randn(2, 3, 5, 7)
    theta = tg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2)
    grid = F.affine_grid(theta, x.shape, align_corners=True)
    out = F.grid_sample(x, grid, mode=mode, align_corners=True)
    np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-5)


def test_identity_transform_3d_returns_the_input():
    x = tg.randn(1, 2, 3, 4, 5)
    theta = tg.tensor(np.eye(3, 4, dtype=np.float32)[None])
    grid = F.affine_grid(theta, x.shape, align_corners=True)
    out = F.grid_sample(x, grid, align_corners=True)
    np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-5)


@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("dims", [2, 3])
def test_spatial_transformer_gradient_of_theta(padding_mode, dims):
    """affine_grid + grid_sample end to end: the gradient reaches theta, as in torch."""
    rng = np.random.default_rng(dims)
    size = (2, 3, 5, 6) if dims == 2 else (2, 2, 3, 4, 5)
    x = rng.standard_normal(size)
    theta = np.eye(dims, dims + 1) + 0.3 * rng.standard_normal((2, dims, dims + 1))
    xt, tt = torch.tensor(x, requires_grad=True), torch.tensor(theta, requires_grad=True)
    xo, to = tg.tensor(x, requires_grad=True), tg.tensor(theta, requires_grad=True)
    yt = TF.grid_sample(xt, TF.affine_grid(tt, size, align_corners=False),
                        padding_mode=padding_mode, align_corners=False)
    yo = F.grid_sample(xo, F.affine_grid(to, size, align_corners=False),
                       padding_mode=padding_mode, align_corners=False)
    assert_close(yo, yt, np.float64)
    (yt ** 2).sum().backward()
    (yo ** 2).sum().backward()
    assert_close(to.grad, tt.grad, np.float64)
    assert_close(xo.grad, xt.grad, np.float64)


# ----------------------------------------------------------------------------- warnings, errors

def test_align_corners_none_warns_and_means_false():
    x, g = tg.randn(1, 1, 3, 3), tg.rand(1, 2, 2, 2) * 2 - 1
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        out = F.grid_sample(x, g)
    np.testing.assert_array_equal(out.numpy(), F.grid_sample(x, g, align_corners=False).numpy())
    theta = tg.randn(1, 2, 3)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(theta, (1, 1, 3, 3))
    np.testing.assert_array_equal(grid.numpy(),
                                  F.affine_grid(theta, (1, 1, 3, 3), False).numpy())
    with pytest.warns(UserWarning, match="unit-size grids"):
        F.affine_grid(theta, (1, 1, 1, 3), align_corners=True)


def _both_raise(fn, error, match=None):
    """Both libraries refuse: the same error type (and our message names the problem)."""
    for lib_f, lib in ((TF, torch), (F, tg)):
        with pytest.raises(error, match=match if lib is tg else None):
            fn(lib_f, lib)


def test_grid_sample_errors():
    x = np.zeros((2, 3, 4, 5), np.float32)
    g = np.zeros((2, 3, 4, 2), np.float32)
    _both_raise(lambda f, t: f.grid_sample(t.tensor(x), t.tensor(g), mode="area",
                                           align_corners=False), ValueError, "mode")
    _both_raise(lambda f, t: f.grid_sample(t.tensor(x), t.tensor(g), padding_mode="wrap",
                                           align_corners=False), ValueError, "padding_mode")
    _both_raise(lambda f, t: f.grid_sample(t.tensor(x), t.tensor(g.astype(np.float64)),
                                           align_corners=False), RuntimeError, "dtype")
    _both_raise(lambda f, t: f.grid_sample(t.tensor(x.astype(np.int64)),
                                           t.tensor(g.astype(np.int64)), align_corners=False),
                NotImplementedError, "dtype")
    _both_raise(lambda f, t: f.grid_sample(t.tensor(x), t.tensor(g[:1]), align_corners=False),
                RuntimeError, "batch size")
    _both_raise(lambda f, t: f.grid_sample(t.tensor(x), t.tensor(np.zeros((2, 3, 4, 3),
                np.float32)), align_corners=False), RuntimeError, "size 2 in last dimension")
    _both_raise(lambda f, t: f.grid_sample(t.tensor(x[0]), t.tensor(g), align_corners=False),
                RuntimeError)
    _both_raise(lambda f, t: f.grid_sample(t.tensor(np.zeros((2, 3, 0, 5), np.float32)),
                                           t.tensor(g), align_corners=False),
                RuntimeError, "non-empty spatial")
    _both_raise(lambda f, t: f.grid_sample(t.tensor(np.zeros((1, 1, 2, 2, 2), np.float32)),
                                           t.tensor(np.zeros((1, 1, 1, 1, 3), np.float32)),
                                           mode="bicubic", align_corners=False),
                RuntimeError, "bicubic")


def test_affine_grid_errors():
    theta = np.zeros((2, 2, 3), np.float32)
    _both_raise(lambda f, t: f.affine_grid(t.tensor(theta.astype(np.int64)), (2, 1, 3, 3),
                                           align_corners=False), ValueError, "floating point")
    _both_raise(lambda f, t: f.affine_grid(t.tensor(theta), (2, 1, 3, 3, 3),
                                           align_corners=False), ValueError, "Nx3x4")
    _both_raise(lambda f, t: f.affine_grid(t.tensor(theta), (2, 1, 3), align_corners=False),
                NotImplementedError, "4D and 5D")
    _both_raise(lambda f, t: f.affine_grid(t.tensor(theta), (2, 1, 0, 3),
                                           align_corners=False), ValueError, "positive")
    _both_raise(lambda f, t: f.affine_grid(t.tensor(theta), (3, 1, 2, 3),
                                           align_corners=False), RuntimeError)


def test_mode_tables():
    assert F.GRID_SAMPLE_INTERPOLATION_MODES == TF.GRID_SAMPLE_INTERPOLATION_MODES
    assert F.GRID_SAMPLE_PADDING_MODES == TF.GRID_SAMPLE_PADDING_MODES
