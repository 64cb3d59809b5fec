"""Batch, layer, group and instance norm: kernels, primitives, functions and modules.

- Kernels against the course's naive numpy formulas (the step-by-step graph backward), in
  float32 and float64, as plain Python too (``NUMBA_DISABLE_JIT=1``) and on 1 and 2 threads.
- "Two roads": the fused backward of each primitive equals autograd through the same function
  composed from Tensor ops (mean, var, sub, div).
- The functions against ``torch.nn.functional`` over hypothesis-drawn shapes (outputs, every
  gradient, updated running statistics), float64 at rtol 1e-10 and float32 at rtol 1e-4.
- The modules against ``torch.nn`` after copying state dicts, over several training steps and
  in evaluation mode; gradcheck on small float64 inputs; argument errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jit_helpers import assert_passes_without_jit, num_threads, python_version

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.kernels import norm as K
from tinygrad_edu.ops import norm as O
from tinygrad_edu.testing import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-4, np.float64: 1e-10}
EPS = 1e-5


def assert_close(ours, ref, dtype=np.float64, what="", noise=0.0):
    """ours ~ ref with the dtype's relative tolerance (absolute, scaled to ref's size), plus
    ``noise``: the rounding error the op's condition allows (see ``Condition``)."""
    a = ours.detach().numpy() if isinstance(ours, tg.Tensor) else np.asarray(ours)
    b = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    tol = RTOL[np.dtype(dtype).type]
    scale = max(1.0, float(np.abs(b).max())) if b.size else 1.0
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale + noise, err_msg=what)


class Condition:
    """How much a normalisation amplifies the rounding of its input, for the tolerances.

    x - mean cancels: in a group whose values are nearly equal, x - mean is rounding noise of
    size u * |x| (u the dtype's epsilon), and normalising multiplies it by rstd = 1/sqrt(var +
    eps), up to 1/sqrt(eps). So two correct implementations may differ in the output by about
    u * |x| * rstd * |w|, and in the input gradient (which divides by the standard deviation
    once more and sums over the group of D values) by about u * |x| * rstd**2 * D * |w| * |g|.
    ``Condition(x, axes, eps)`` measures rstd and D from x's own groups (statistics along
    ``axes``, in float64); a small factor covers the constants of both implementations.
    """

    FACTOR = 16

    def __init__(self, x, axes, eps):
        x = np.asarray(x, np.float64)
        self.rstd = float(np.max(1 / np.sqrt(x.var(axis=axes) + eps))) if x.size else 1.0
        self.size = int(np.prod([x.shape[a] for a in axes]))
        self.xmax = float(np.abs(x).max()) if x.size else 0.0

    def noise(self, dtype, w, cot=None):
        u = float(np.finfo(dtype).eps)
        wmax = max(1.0, float(np.abs(w).max())) if w is not None and np.size(w) else 1.0
        out = self.FACTOR * u * self.xmax * self.rstd * wmax
        if cot is None:
            return out
        return out * self.rstd * self.size * float(np.abs(cot).max())


# ----------------------------------------------------------------------------- naive references


def naive_batch_norm_forward(x, gamma, beta, eps=EPS):
    """The course's formula on x (N, C, L), statistics over (N, L), in float64."""
    x = x.astype(np.float64)
    mu = x.mean(axis=(0, 2), keepdims=True)
    var = x.var(axis=(0, 2), keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return xhat * gamma[None, :, None] + beta[None, :, None], mu.ravel(), var.ravel()


def naive_batch_norm_backward(dout, x, gamma, eps=EPS):
    """The step-by-step backward through the computational graph (CS231n), in float64."""
    dout, x, gamma = (a.astype(np.float64) for a in (dout, x, gamma))
    axes, m = (0, 2), x.shape[0] * x.shape[2]
    mu = x.mean(axis=axes, keepdims=True)
    xmu = x - mu
    var = (xmu**2).mean(axis=axes, keepdims=True)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1 / sqrtvar
    xhat = xmu * ivar
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * xhat).sum(axis=axes)
    dxhat = dout * gamma[None, :, None]
    divar = (dxhat * xmu).sum(axis=axes, keepdims=True)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / sqrtvar**2
    dvar = 0.5 / sqrtvar * dsqrtvar
    dxmu2 = 2 * xmu * np.ones_like(x) * dvar / m
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(axis=axes, keepdims=True)
    return dx1 + np.ones_like(x) * dmu / m, dgamma, dbeta


def naive_layer_norm_forward(x, gamma, beta, eps=EPS):
    """Rows x[n, g] of x (N, G, D) normalised on their own; affine (G, D); float64."""
    x = x.astype(np.float64)
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return xhat * gamma + beta, mu[..., 0], var[..., 0]


def naive_layer_norm_backward(dout, x, gamma, eps=EPS):
    """The closed form per row, from the course: dx = rstd/D (D g - sum g - xhat sum g xhat)."""
    dout, x, gamma = (a.astype(np.float64) for a in (dout, x, gamma))
    d = x.shape[-1]
    mu = x.mean(axis=-1, keepdims=True)
    rstd = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    xhat = (x - mu) * rstd
    g = dout * gamma
    dx = rstd / d * (d * g - g.sum(-1, keepdims=True) - xhat * (g * xhat).sum(-1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def _random(rng, shape, dtype, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(dtype)


# ----------------------------------------------------------------------------- kernels


def _dx_buffer(x, need_dx):
    return np.empty_like(x) if need_dx else np.empty((0, *x.shape[1:]), x.dtype)


def bn_fwd(x, mean, rstd, w, b, kernel=K.batch_norm_fwd):
    return kernel(x, mean, rstd, w, b, np.empty_like(x))


def bn_bwd(dout, x, mean, rstd, w, training, need_dx=True, kernel=K.batch_norm_bwd):
    return kernel(dout, x, mean, rstd, w, training, _dx_buffer(x, need_dx))


def ln_fwd(x, w, b, eps=EPS, kernel=K.layer_norm_fwd):
    return kernel(x, w, b, eps, np.empty_like(x))


def ln_bwd(dout, x, mean, rstd, w, need_dx=True, need_affine=True, kernel=K.layer_norm_bwd):
    affine = w.shape if need_affine else (w.shape[0], 0)
    return kernel(dout, x, mean, rstd, w, _dx_buffer(x, need_dx), np.empty(affine, w.dtype),
                  np.empty(affine, w.dtype))

BN_SHAPES = [(2, 3, 1), (5, 2, 7), (3, 4, 64), (2, 3, 131), (1, 2, 9)]
LN_SHAPES = [(4, 1, 1), (3, 1, 7), (2, 1, 64), (5, 1, 130), (3, 4, 9), (2, 3, 67)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BN_SHAPES)
def test_kernel_batch_norm_forward_matches_naive(shape, dtype):
    rng = np.random.default_rng(0)
    x = _random(rng, shape, dtype, scale=2.0, shift=3.0)
    gamma, beta = _random(rng, shape[1], dtype), _random(rng, shape[1], dtype)
    expected, mu, var = naive_batch_norm_forward(x, gamma, beta)
    mean, variance = K.batch_norm_stats(x)
    assert mean.dtype == variance.dtype == np.float64
    assert_close(mean, mu, np.float64 if dtype == np.float64 else np.float32)
    assert_close(variance, var, np.float64 if dtype == np.float64 else np.float32)
    out = bn_fwd(x, mean, 1 / np.sqrt(variance + EPS), gamma, beta)
    assert out.dtype == dtype
    assert_close(out, expected, dtype)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BN_SHAPES)
def test_kernel_batch_norm_backward_matches_naive(shape, dtype, training):
    rng = np.random.default_rng(1)
    x, dout = _random(rng, shape, dtype, 2.0, -1.0), _random(rng, shape, dtype)
    gamma = _random(rng, shape[1], dtype)
    if training:
        mean, var = K.batch_norm_stats(x)
        dx_ref, dgamma_ref, dbeta_ref = naive_batch_norm_backward(dout, x, gamma)
    else:  # running statistics: constants, the gradient only goes through the affine
        mean, var = rng.standard_normal(shape[1]), rng.random(shape[1]) + 0.5
        xhat = (x - mean[None, :, None]) / np.sqrt(var[None, :, None] + EPS)
        dx_ref = dout * (gamma / np.sqrt(var + EPS))[None, :, None]
        dgamma_ref, dbeta_ref = (dout * xhat).sum(axis=(0, 2)), dout.sum(axis=(0, 2))
    rstd = 1 / np.sqrt(var + EPS)
    dx, dgamma, dbeta = bn_bwd(dout, x, mean, rstd, gamma, training)
    assert dx.dtype == dtype
    assert_close(dx, dx_ref, dtype)
    assert_close(dgamma, dgamma_ref, dtype)
    assert_close(dbeta, dbeta_ref, dtype)
    dx_skipped, dgamma2, _ = bn_bwd(dout, x, mean, rstd, gamma, training, need_dx=False)
    assert dx_skipped.shape == (0,) + shape[1:]
    np.testing.assert_array_equal(dgamma2, dgamma)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", LN_SHAPES)
def test_kernel_layer_norm_forward_matches_naive(shape, dtype):
    rng = np.random.default_rng(2)
    x = _random(rng, shape, dtype, scale=3.0, shift=-2.0)
    gamma, beta = _random(rng, shape[1:], dtype), _random(rng, shape[1:], dtype)
    expected, mu, var = naive_layer_norm_forward(x, gamma, beta)
    out, mean, rstd = ln_fwd(x, gamma, beta)
    assert out.dtype == dtype
    assert mean.shape == rstd.shape == shape[:2]
    assert_close(out, expected, dtype)
    assert_close(mean, mu, dtype)
    assert_close(rstd, 1 / np.sqrt(var + EPS), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", LN_SHAPES + [(40, 1, 5), (9, 2, 3)])
def test_kernel_layer_norm_backward_matches_naive(shape, dtype):
    rng = np.random.default_rng(3)
    x, dout = _random(rng, shape, dtype, 2.0, 1.0), _random(rng, shape, dtype)
    gamma = _random(rng, shape[1:], dtype)
    _, mean, rstd = ln_fwd(x, gamma, np.zeros_like(gamma))
    dx_ref, dgamma_ref, dbeta_ref = naive_layer_norm_backward(dout, x, gamma)
    dx, dgamma, dbeta = ln_bwd(dout, x, mean, rstd, gamma)
    assert dx.dtype == dgamma.dtype == dtype
    assert dgamma.shape == dbeta.shape == shape[1:]
    assert_close(dx, dx_ref, dtype)
    assert_close(dgamma, dgamma_ref, dtype)
    assert_close(dbeta, dbeta_ref, dtype)
    dx_only, no_w, no_b = ln_bwd(dout, x, mean, rstd, gamma, need_affine=False)
    np.testing.assert_array_equal(dx_only, dx)
    assert no_w.size == no_b.size == 0
    no_dx, dgamma2, _ = ln_bwd(dout, x, mean, rstd, gamma, need_dx=False)
    assert no_dx.shape[0] == 0
    np.testing.assert_array_equal(dgamma2, dgamma)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "n_weights"), [((3, 2, 12), 4), ((4, 3, 130), 2),
                                                  ((5, 2, 70), 1), ((2, 2, 1200), 3)])
def test_kernel_layer_norm_per_channel_weights(shape, n_weights, dtype):
    """Group/instance norm: weight (G, J), one value per piece of L = D / J elements of a row
    (pieces longer than a CHUNK of the row sums included)."""
    rng = np.random.default_rng(20)
    x, dout = _random(rng, shape, dtype, 2.0, 1.0), _random(rng, shape, dtype)
    gamma, beta = _random(rng, (shape[1], n_weights), dtype), _random(rng, (shape[1], n_weights),
                                                                       dtype)
    gamma_at, beta_at = (np.repeat(a, shape[2] // n_weights, axis=1) for a in (gamma, beta))
    out, mean, rstd = ln_fwd(x, gamma, beta)
    assert_close(out, naive_layer_norm_forward(x, gamma_at, beta_at)[0], dtype)
    dx_ref, dgamma_ref, dbeta_ref = naive_layer_norm_backward(dout, x, gamma_at)
    dx, dgamma, dbeta = ln_bwd(dout, x, mean, rstd, gamma)
    assert dgamma.shape == dbeta.shape == gamma.shape
    per_piece = (shape[1], n_weights, -1)
    assert_close(dx, dx_ref, dtype)
    assert_close(dgamma, dgamma_ref.reshape(per_piece).sum(axis=-1), dtype)
    assert_close(dbeta, dbeta_ref.reshape(per_piece).sum(axis=-1), dtype)
    no_dx, dgamma2, _ = ln_bwd(dout, x, mean, rstd, gamma, need_dx=False)
    assert no_dx.shape[0] == 0
    np.testing.assert_array_equal(dgamma2, dgamma)
    dx_only, no_w, _ = ln_bwd(dout, x, mean, rstd, gamma, need_affine=False)
    np.testing.assert_array_equal(dx_only, dx)
    assert no_w.size == 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 200, 256, 257, 1000])
def test_kernel_row_sums_match_numpy(size, dtype):
    """The row sums add CHUNK values at a time in the row's dtype, then in float64: float64
    rows agree with numpy to the last bits, float32 rows to float32 rounding of a few terms."""
    rng = np.random.default_rng(size)
    a, g, w = (_random(rng, size, dtype, 2.0, 3.0) for _ in range(3))
    a64, g64, gw64 = (v.astype(np.float64) for v in (a, g, g * w))  # g * w is in a's dtype
    mu = float(a64.mean()) if size else 0.0
    tol = 1e-12 if dtype == np.float64 else 1e-6
    scale = max(1.0, size)

    def close(ours, ref, magnitude):
        np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol * magnitude * scale)

    close(K._sum(a), a64.sum(), 3.0)
    if size:
        close(K._mean(a), a64.mean(), 3.0 / scale)
    close(K._sum_sq_dev(a, mu), ((a64 - mu) ** 2).sum(), 4.0)
    for m in (mu, 0.5):  # deviations from the mean or from any value
        close(K._sum_dot_dev(g, w, a, m), (gw64.sum(), (gw64 * (a64 - m)).sum()), 40.0)
        close(K._sum_dot_dev_scalar(g, a, m), (g64.sum(), (g64 * (a64 - m)).sum()), 20.0)


def test_kernel_layer_norm_float32_statistics_of_an_offset_row():
    """Rows far from 0 (mean 1e4 times the spread): the float32 sums of deviations (from the
    row's first value for the mean, from the rounded mean for the variance, corrected to the
    float64 mean) still give both to float32 precision of the spread."""
    rng = np.random.default_rng(21)
    x = (rng.standard_normal((4, 1, 3000)) + 1e4).astype(np.float32)
    w, b = np.ones((1, 3000), np.float32), np.zeros((1, 3000), np.float32)
    _, mean, rstd = ln_fwd(x, w, b)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(axis=-1), rtol=1e-7)
    np.testing.assert_allclose(rstd, 1 / np.sqrt(x64.var(axis=-1) + EPS), rtol=1e-5)


def test_kernel_layer_norm_constant_row():
    """A constant row has variance 0 (never a negative rounding: rstd = 1/sqrt(eps))."""
    x = np.full((2, 1, 300), 1.1, np.float32)
    w, b = np.ones((1, 300), np.float32), np.zeros((1, 300), np.float32)
    out, _, rstd = ln_fwd(x, w, b)
    np.testing.assert_allclose(rstd, 1 / np.sqrt(EPS), rtol=1e-3)
    assert np.all(np.isfinite(out))


def test_kernel_python_functions_match_compiled():
    """``py_func`` (the plain Python loops) computes what the compiled kernels compute."""
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((3, 2, 70)), rng.standard_normal((3, 2, 70))
    w, b = rng.standard_normal(2), rng.standard_normal(2)

    def py(kernel):  # the wrapper with every compiled loop of kernels/norm.py as plain Python
        return python_version(kernel)

    def check(ours, ref):
        for a, b_ in zip(ours, ref, strict=True):
            np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-14)

    mean, var = K.batch_norm_stats(x)
    check(py(K.batch_norm_stats)(x), (mean, var))
    rstd = 1 / np.sqrt(var + EPS)
    check([bn_fwd(x, mean, rstd, w, b, kernel=py(K.batch_norm_fwd))],
          [bn_fwd(x, mean, rstd, w, b)])
    check(bn_bwd(dout, x, mean, rstd, w, True, kernel=py(K.batch_norm_bwd)),
          bn_bwd(dout, x, mean, rstd, w, True))
    w2, b2 = rng.standard_normal((2, 70)), rng.standard_normal((2, 70))
    fwd = ln_fwd(x, w2, b2)
    check(ln_fwd(x, w2, b2, kernel=py(K.layer_norm_fwd)), fwd)
    check(ln_bwd(dout, x, fwd[1], fwd[2], w2, kernel=py(K.layer_norm_bwd)),
          ln_bwd(dout, x, fwd[1], fwd[2], w2))


def test_kernels_run_with_jit_disabled():
    """The kernel tests also pass as plain Python (readable tracebacks, coverage)."""
    assert_passes_without_jit(__file__, "kernel and not jit_disabled")


@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_one_and_two_give_identical_results(dtype):
    rng = np.random.default_rng(5)
    x, dout = _random(rng, (6, 5, 150), dtype), _random(rng, (6, 5, 150), dtype)
    w, b = _random(rng, 5, dtype), _random(rng, 5, dtype)
    xg, gg = x.reshape(6, 5, 150), dout.reshape(6, 5, 150)
    wg, bg = _random(rng, (5, 150), dtype), _random(rng, (5, 150), dtype)

    wc, bc = _random(rng, (5, 3), dtype), _random(rng, (5, 3), dtype)  # per channel of 50

    def run():
        mean, var = K.batch_norm_stats(x)
        rstd = 1 / np.sqrt(var + EPS)
        lout, lmean, lrstd = ln_fwd(xg, wg, bg)
        gout, gmean, grstd = ln_fwd(xg, wc, bc)
        return (mean, var, bn_fwd(x, mean, rstd, w, b), *bn_bwd(dout, x, mean, rstd, w, True),
                lout, lmean, lrstd, *ln_bwd(gg, xg, lmean, lrstd, wg),
                gout, *ln_bwd(gg, xg, gmean, grstd, wc))

    with num_threads(1):
        one = run()
    with num_threads(2):
        two = run()
    for a, b_ in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b_)


# ----------------------------------------------------------------------------- two roads


def composite_batch_norm(x, w, b, eps=EPS):
    """Batch norm from Tensor ops; autograd differentiates it through mean and var."""
    dims = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, correction=0)
    return (x - mean) / (var + eps).sqrt() * w.reshape(*shape) + b.reshape(*shape)


def composite_layer_norm(x, w, b, ndims, eps=EPS):
    dims = tuple(range(x.ndim - ndims, x.ndim))
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, correction=0)
    return (x - mean) / (var + eps).sqrt() * w + b


def composite_group_norm(x, groups, w, b, eps=EPS):
    n, c = x.shape[:2]
    rows = x.reshape(n, groups, -1)
    mean = rows.mean(dim=2, keepdim=True)
    var = rows.var(dim=2, keepdim=True, correction=0)
    xhat = ((rows - mean) / (var + eps).sqrt()).reshape(*x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return xhat * w.reshape(*shape) + b.reshape(*shape)


def _two_roads(fused, composite, arrays, seed=0):
    """Gradients of both roads for the same random cotangent."""
    results = []
    for fn in (fused, composite):
        tensors = [tg.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*tensors)
        cot = np.random.default_rng(seed).standard_normal(out.shape)
        out.backward(tg.tensor(cot))
        results.append((out.detach().numpy(), [t.grad.numpy() for t in tensors]))
    (out1, grads1), (out2, grads2) = results
    assert_close(out1, out2)
    for g1, g2 in zip(grads1, grads2, strict=True):
        assert_close(g1, g2)


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_two_roads_batch_norm(shape, training):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape) * 2 + 1
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    if training:
        _two_roads(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   composite_batch_norm, [x, w, b])
        return
    mean, var = rng.standard_normal(shape[1]), rng.random(shape[1]) + 0.5
    view = (1, shape[1]) + (1,) * (len(shape) - 2)
    _two_roads(lambda x, w, b: F.batch_norm(x, tg.tensor(mean), tg.tensor(var), w, b),
               lambda x, w, b: (x - tg.tensor(mean.reshape(view))) / tg.tensor(
                   np.sqrt(var + EPS).reshape(view)) * w.reshape(*view) + b.reshape(*view),
               [x, w, b])


@pytest.mark.parametrize(("shape", "ndims"), [((4, 5), 1), ((2, 3, 4), 2), ((3, 2, 70), 1)])
def test_two_roads_layer_norm(shape, ndims):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape) * 3 - 1
    w, b = rng.standard_normal(shape[-ndims:]), rng.standard_normal(shape[-ndims:])
    _two_roads(lambda x, w, b: F.layer_norm(x, shape[-ndims:], w, b),
               lambda x, w, b: composite_layer_norm(x, w, b, ndims), [x, w, b])


@pytest.mark.parametrize(("shape", "groups"), [((3, 6), 2), ((2, 4, 5), 4), ((2, 6, 3, 3), 3)])
def test_two_roads_group_norm(shape, groups):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape) * 2
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    _two_roads(lambda x, w, b: F.group_norm(x, groups, w, b),
               lambda x, w, b: composite_group_norm(x, groups, w, b), [x, w, b])


def test_primitive_called_directly_on_numpy_arrays():
    """Students call the pair on arrays; backward gives one gradient per array input."""
    rng = np.random.default_rng(9)
    x, dout = rng.standard_normal((4, 3, 5)), rng.standard_normal((4, 3, 5))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    out, cache = O.batch_norm_forward(x, gamma, beta, training=True)
    assert isinstance(cache, O.BatchNormCache)
    assert cache.x is x
    assert_close(out, naive_batch_norm_forward(x, gamma, beta)[0])
    for got, ref in zip(O.batch_norm_backward(dout, cache),
                        naive_batch_norm_backward(dout, x, gamma), strict=True):
        assert_close(got, ref)
    rows = x.reshape(4, 15)
    out, cache = O.layer_norm_forward(rows, np.ones(15), np.zeros(15))
    assert_close(out, naive_layer_norm_forward(rows[:, None], np.ones(15), np.zeros(15))[0][:, 0])
    dx, dw, db = O.layer_norm_backward(dout.reshape(4, 15), cache)
    assert dx.shape == (4, 15)
    assert dw.shape == db.shape == (15,)
    with pytest.raises(ValueError, match="mean and var"):
        O.batch_norm_forward(x, gamma, beta, training=False)
    # group norm's layout: each sample of x (N, C, L) cut into G rows, weight (G, C/G)
    x4 = rng.standard_normal((2, 4, 3))
    w4, b4 = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    out, _ = O.layer_norm_forward(x4, w4, b4)
    ref = naive_layer_norm_forward(x4.reshape(2, 2, 6), np.repeat(w4, 3, axis=1),
                                   np.repeat(b4, 3, axis=1))[0]
    assert_close(out, ref.reshape(2, 4, 3))
    with pytest.raises(ValueError, match="weight and bias must be"):
        O.layer_norm_forward(x4, np.ones((5, 2)), np.zeros((5, 2)))


# ----------------------------------------------------------------------------- torch parity


@st.composite
def bn_cases(draw):
    ndim = draw(st.integers(2, 4))
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 5)),
             *(draw(st.integers(1, 5)) for _ in range(ndim - 2)))
    training = draw(st.booleans())
    if training and shape[0] * int(np.prod(shape[2:])) == 1:
        shape = (2,) + shape[1:]
    return dict(shape=shape, training=training, dtype=draw(st.sampled_from(DTYPES)),
                momentum=draw(st.sampled_from([0.1, 0.0, 1.0, 0.37])),
                affine=draw(st.sampled_from(["both", "weight", "none"])),
                running=draw(st.booleans()) or not training, seed=draw(st.integers(0, 2**16)),
                eps=draw(st.sampled_from([1e-5, 1e-3])))


def _pair(array, requires_grad=False):
    return (tg.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _check_all(outs, tensors, dtype, cot, cond=None):
    """Forward outputs and the gradient of every tensor that requires grad, both libraries;
    ``cond`` (a ``Condition``) widens the tolerances by the rounding the op amplifies."""
    (ours, theirs) = outs
    assert ours.dtype == np.dtype(dtype)
    w = tensors[1][1].detach().numpy() if len(tensors) > 1 and tensors[1][1] is not None else None
    noise = (0.0, 0.0) if cond is None else (cond.noise(dtype, w), cond.noise(dtype, w, cot))
    assert_close(ours, theirs, dtype, "output", noise[0])
    ours.backward(tg.tensor(cot.astype(dtype)))
    theirs.backward(torch.tensor(cot.astype(dtype)))
    for i, (a, b) in enumerate(tensors):
        if b is not None and b.requires_grad:
            assert a.grad is not None
            assert a.grad.dtype == np.dtype(dtype)
            assert_close(a.grad, b.grad, dtype, f"gradient of input {i}", noise[1])


@given(bn_cases())
def test_batch_norm_matches_torch(case):
    rng = np.random.default_rng(case["seed"])
    shape, dtype = case["shape"], case["dtype"]
    x = _pair(_random(rng, shape, dtype, 2.0, 0.5), True)
    w = _pair(_random(rng, shape[1], dtype), True) if case["affine"] != "none" else (None, None)
    b = _pair(_random(rng, shape[1], dtype), True) if case["affine"] == "both" else (None, None)
    rm = _pair(_random(rng, shape[1], dtype)) if case["running"] else (None, None)
    rv = _pair((rng.random(shape[1]) + 0.5).astype(dtype)) if case["running"] else (None, None)
    outs = [fn(x[i], rm[i], rv[i], w[i], b[i], case["training"], case["momentum"], case["eps"])
            for i, fn in enumerate((F.batch_norm, TF.batch_norm))]
    axes = (0, *range(2, len(shape)))
    cond = Condition(x[1].detach().numpy(), axes, case["eps"]) if case["training"] else None
    _check_all(outs, [x, w, b], dtype, rng.standard_normal(shape), cond)
    for ours, theirs in (rm, rv):
        if ours is not None:
            assert_close(ours, theirs, dtype, "running statistics")


@st.composite
def ln_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=4)))
    k = draw(st.integers(1, len(shape)))
    return dict(shape=shape, normalized=shape[len(shape) - k:], dtype=draw(st.sampled_from(DTYPES)),
                affine=draw(st.sampled_from(["both", "weight", "none"])),
                seed=draw(st.integers(0, 2**16)), eps=draw(st.sampled_from([1e-5, 1e-2])))


@given(ln_cases())
def test_layer_norm_matches_torch(case):
    rng = np.random.default_rng(case["seed"])
    shape, dtype, ns = case["shape"], case["dtype"], case["normalized"]
    x = _pair(_random(rng, shape, dtype, 1.5, -0.5), True)
    w = _pair(_random(rng, ns, dtype), True) if case["affine"] != "none" else (None, None)
    b = _pair(_random(rng, ns, dtype), True) if case["affine"] == "both" else (None, None)
    outs = [fn(x[i], ns, w[i], b[i], case["eps"])
            for i, fn in enumerate((F.layer_norm, TF.layer_norm))]
    cond = Condition(x[1].detach().numpy(), tuple(range(len(shape) - len(ns), len(shape))),
                     case["eps"])
    _check_all(outs, [x, w, b], dtype, rng.standard_normal(shape), cond)


@st.composite
def gn_cases(draw):
    groups, per_group = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    spatial = tuple(draw(st.lists(st.integers(1, 5), max_size=2)))
    shape = (draw(st.integers(1, 4)), groups * per_group, *spatial)
    if shape[0] * per_group * int(np.prod(spatial)) == 1:  # one value per group: an error
        shape = (2,) + shape[1:]
    return dict(shape=shape, groups=groups, dtype=draw(st.sampled_from(DTYPES)),
                affine=draw(st.sampled_from(["both", "weight", "none"])),
                seed=draw(st.integers(0, 2**16)))


@given(gn_cases())
def test_group_norm_matches_torch(case):
    rng = np.random.default_rng(case["seed"])
    shape, dtype, c = case["shape"], case["dtype"], case["shape"][1]
    x = _pair(_random(rng, shape, dtype, 2.0, 1.0), True)
    w = _pair(_random(rng, c, dtype), True) if case["affine"] != "none" else (None, None)
    b = _pair(_random(rng, c, dtype), True) if case["affine"] == "both" else (None, None)
    outs = [fn(x[i], case["groups"], w[i], b[i], EPS)
            for i, fn in enumerate((F.group_norm, TF.group_norm))]
    grouped = x[1].detach().numpy().reshape(shape[0], case["groups"], -1)
    _check_all(outs, [x, w, b], dtype, rng.standard_normal(shape), Condition(grouped, (2,), EPS))


@st.composite
def in_cases(draw):
    spatial = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=2)))
    if int(np.prod(spatial)) == 1:
        spatial = (2,) + spatial[1:]
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)), *spatial)
    return dict(shape=shape, dtype=draw(st.sampled_from(DTYPES)), affine=draw(st.booleans()),
                running=draw(st.booleans()), use_input_stats=draw(st.booleans()),
                momentum=draw(st.sampled_from([0.1, 0.5])), seed=draw(st.integers(0, 2**16)))


@given(in_cases())
def test_instance_norm_matches_torch(case):
    rng = np.random.default_rng(case["seed"])
    shape, dtype, c = case["shape"], case["dtype"], case["shape"][1]
    running = case["running"] or not case["use_input_stats"]
    x = _pair(_random(rng, shape, dtype, 2.0, 1.0), True)
    w = _pair(_random(rng, c, dtype), True) if case["affine"] else (None, None)
    b = _pair(_random(rng, c, dtype), True) if case["affine"] else (None, None)
    rm = _pair(_random(rng, c, dtype)) if running else (None, None)
    rv = _pair((rng.random(c) + 0.5).astype(dtype)) if running else (None, None)
    outs = [fn(x[i], rm[i], rv[i], w[i], b[i], case["use_input_stats"], case["momentum"], EPS)
            for i, fn in enumerate((F.instance_norm, TF.instance_norm))]
    cond = Condition(x[1].detach().numpy(), tuple(range(2, len(shape))), EPS) \
        if case["use_input_stats"] else None
    _check_all(outs, [x, w, b], dtype, rng.standard_normal(shape), cond)
    for ours, theirs in (rm, rv):
        if ours is not None:
            assert_close(ours, theirs, dtype, "running statistics")


def test_non_contiguous_input_and_float32_results():
    rng = np.random.default_rng(10)
    base = rng.standard_normal((3, 5, 4, 2)).astype(np.float32)
    x, xt = tg.tensor(base).permute(0, 2, 1, 3), torch.tensor(base).permute(0, 2, 1, 3)
    assert_close(F.batch_norm(x, None, None, training=True),
                 TF.batch_norm(xt, None, None, training=True), np.float32)
    assert_close(F.layer_norm(x, (5, 2)), TF.layer_norm(xt, (5, 2)), np.float32)
    assert_close(F.group_norm(x, 2), TF.group_norm(xt, 2), np.float32)


def test_large_offset_data_stays_accurate_in_float32():
    """Two-pass statistics in float64: a mean of 1000 does not swamp a variance of 1."""
    rng = np.random.default_rng(11)
    x = _random(rng, (16, 3, 50), np.float32, 1.0, 1000.0)
    x_t = torch.tensor(x.astype(np.float64))
    assert_close(F.batch_norm(tg.tensor(x), None, None, training=True),
                 TF.batch_norm(x_t, None, None, training=True).float(), np.float32)
    assert_close(F.layer_norm(tg.tensor(x), (50,)), TF.layer_norm(x_t, (50,)).float(),
                 np.float32)


def test_saved_input_modified_in_place_is_detected():
    x = tg.randn(4, 3, requires_grad=True)
    h = x * 1.0
    y = F.layer_norm(h, (3,))
    with tg.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_result_can_be_changed_in_place_like_torch():
    """The reshaped output of group/instance norm is not a view of anything the user holds."""
    x = tg.randn(2, 4, 3, 3, requires_grad=True)
    y = F.group_norm(x, 2)
    y += 1.0
    y.sum().backward()
    assert x.grad.shape == x.shape


# ----------------------------------------------------------------------------- gradcheck


@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_batch_norm(training):
    rng = np.random.default_rng(12)
    x, w, b = rng.standard_normal((3, 2, 3)), rng.standard_normal(2), rng.standard_normal(2)
    rm, rv = tg.tensor(rng.standard_normal(2)), tg.tensor(rng.random(2) + 0.5)
    if training:
        gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), [x, w, b])
    else:
        gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False), [x, w, b])


def test_gradcheck_layer_group_instance_norm():
    rng = np.random.default_rng(13)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal(4), rng.standard_normal(4)
    gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), [x, w, b])
    x, w, b = rng.standard_normal((2, 4, 3)), rng.standard_normal(4), rng.standard_normal(4)
    gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [x, w, b])
    gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [x, w, b])


# ----------------------------------------------------------------------------- modules


def _copy_state(torch_module, our_module):
    result = our_module.load_state_dict(torch_module.state_dict())
    assert result.missing_keys == []
    assert result.unexpected_keys == []


def _assert_same_state(ours, theirs, dtype=np.float64):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (key, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        assert a.shape == tuple(b.shape), key
        if key == "num_batches_tracked":
            assert a.dtype == np.int64
            assert a.item() == b.item()
        else:
            assert_close(a, b, dtype, key)


@pytest.mark.parametrize(("cls", "shape"), [("BatchNorm1d", (5, 3)), ("BatchNorm1d", (4, 3, 6)),
                                            ("BatchNorm2d", (3, 3, 4, 5))])
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
@pytest.mark.parametrize(("affine", "track"), [(True, True), (False, True), (True, False)])
def test_batch_norm_module_steps_match_torch(cls, shape, momentum, affine, track):
    kwargs = dict(momentum=momentum, affine=affine, track_running_stats=track)
    theirs = getattr(torch.nn, cls)(3, **kwargs).double()
    ours = getattr(tg.nn, cls)(3, **kwargs).double()
    assert repr(ours) == repr(theirs)
    if affine:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-1, 1)
    _copy_state(theirs, ours)
    rng = np.random.default_rng(14)
    for step in range(4):
        if step == 3:
            ours.eval()
            theirs.eval()
        x = _pair(rng.standard_normal(shape) * 2 + step, True)
        _check_all([ours(x[0]), theirs(x[1])], [x], np.float64, rng.standard_normal(shape))
        for p, tp in zip(ours.parameters(), theirs.parameters(), strict=True):
            assert_close(p.grad, tp.grad, np.float64, "parameter gradient")
            p.grad, tp.grad = None, None
        _assert_same_state(ours, theirs)


def test_batch_norm_module_float32_defaults_and_buffers():
    ours, theirs = tg.nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    assert [(k, v.shape, v.dtype.name) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape), str(v.dtype).replace("torch.", ""))
        for k, v in theirs.state_dict().items()]
    assert [name for name, _ in ours.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in ours.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked"]
    x = np.random.default_rng(15).standard_normal((2, 4, 3, 3)).astype(np.float32)
    for _ in range(2):
        assert_close(ours(tg.tensor(x)), theirs(torch.tensor(x)), np.float32)
    _assert_same_state(ours, theirs, np.float32)
    ours.reset_running_stats()
    assert ours.num_batches_tracked.item() == 0
    assert ours.running_var.tolist() == [1.0] * 4
    no_bias = tg.nn.BatchNorm1d(3, bias=False)
    assert no_bias.bias is None
    assert "bias=False" in repr(no_bias)


@pytest.mark.parametrize("running_dtype", DTYPES)
@pytest.mark.parametrize(("momentum", "count"), [(0.1, 8), (0.3, 1), (1, 5), (np.float64(0.2), 6),
                                                 (0.5, 0)])
def test_running_update_is_the_numpy_statement(running_dtype, momentum, count):
    """``F.batch_norm``'s compiled update of the running statistics gives the bits of the
    numpy statement (the other path, taken e.g. for a numpy-scalar momentum), version bump
    included; an empty batch (count 0) leaves them as they are."""
    from tinygrad_edu.nn.functional import normalization as FN

    rng = np.random.default_rng(21)
    start_mean, start_var = (rng.standard_normal(5).astype(running_dtype) for _ in range(2))
    mean, var = rng.standard_normal(5), rng.random(5)
    rm, rv = tg.tensor(start_mean.copy()), tg.tensor(start_var.copy())
    versions = rm._version[0], rv._version[0]
    FN._update_running(rm, rv, mean, var, count, momentum)
    scale = count / (count - 1) if count > 1 else 1.0
    for ours, start, batch in ((rm, start_mean, mean), (rv, start_var, var * scale)):
        expected = start if count == 0 else (
            (1 - momentum) * start + momentum * batch).astype(running_dtype)
        assert ours.dtype == tg.tensor(start).dtype
        np.testing.assert_array_equal(ours.numpy(), expected)
    bumped = 0 if count == 0 else 1
    assert (rm._version[0], rv._version[0]) == (versions[0] + bumped, versions[1] + bumped)


def test_batch_norm_module_reads_replaced_state():
    """The module reads its buffers and parameters from its dicts; state set after a ``del``
    (a plain attribute then) is what it uses, as attribute lookup would have it."""
    x = tg.tensor(np.random.default_rng(22).standard_normal((4, 3)))
    bn = tg.nn.BatchNorm1d(3).double()
    del bn.running_mean
    bn.running_mean = tg.zeros(3, dtype=tg.float64) + 10  # a plain attribute now
    bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(),
                               0.9 * 10 + 0.1 * x.numpy().mean(axis=0), rtol=1e-12)
    assert "running_mean" not in dict(bn.named_buffers())
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    bn.weight = tg.nn.Parameter(tg.full((3,), 2.0, dtype=tg.float64))
    out = bn(x)
    rv = bn.running_var.numpy()
    np.testing.assert_allclose(out.detach().numpy(),
                               (x.numpy() - bn.running_mean.numpy()) / np.sqrt(rv + 1e-5) * 2,
                               rtol=1e-12)


def test_eval_without_running_stats_uses_batch_statistics():
    ours = tg.nn.BatchNorm1d(3, track_running_stats=False).eval()
    theirs = torch.nn.BatchNorm1d(3, track_running_stats=False).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    x = np.random.default_rng(16).standard_normal((6, 3)).astype(np.float32)
    assert_close(ours(tg.tensor(x)), theirs(torch.tensor(x)), np.float32)


@pytest.mark.parametrize("kwargs", [dict(), dict(elementwise_affine=False), dict(bias=False),
                                    dict(eps=1e-3)])
@pytest.mark.parametrize("normalized_shape", [4, (3, 4)])
def test_layer_norm_module_matches_torch(normalized_shape, kwargs):
    theirs = torch.nn.LayerNorm(normalized_shape, **kwargs).double()
    ours = tg.nn.LayerNorm(normalized_shape, **kwargs).double()
    assert repr(ours) == repr(theirs)
    if theirs.weight is not None:
        with torch.no_grad():
            theirs.weight.normal_()
    _copy_state(theirs, ours)
    _assert_same_state(ours, theirs)
    rng = np.random.default_rng(17)
    x = _pair(rng.standard_normal((2, 3, 4)), True)
    _check_all([ours(x[0]), theirs(x[1])], [x], np.float64, rng.standard_normal((2, 3, 4)))
    for p, tp in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert_close(p.grad, tp.grad, np.float64, "parameter gradient")


@pytest.mark.parametrize("kwargs", [dict(), dict(affine=False), dict(bias=False)])
def test_group_norm_module_matches_torch(kwargs):
    theirs = torch.nn.GroupNorm(3, 6, **kwargs).double()
    ours = tg.nn.GroupNorm(3, 6, **kwargs).double()
    assert repr(ours) == repr(theirs)
    if theirs.weight is not None:
        with torch.no_grad():
            theirs.weight.normal_()
    _copy_state(theirs, ours)
    rng = np.random.default_rng(18)
    x = _pair(rng.standard_normal((2, 6, 3, 5)), True)
    _check_all([ours(x[0]), theirs(x[1])], [x], np.float64, rng.standard_normal((2, 6, 3, 5)))
    for p, tp in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert_close(p.grad, tp.grad, np.float64, "parameter gradient")


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)])
@pytest.mark.parametrize(("affine", "track"), [(False, False), (True, True), (True, False)])
def test_instance_norm_module_matches_torch(shape, affine, track):
    theirs = torch.nn.InstanceNorm2d(3, affine=affine, track_running_stats=track).double()
    ours = tg.nn.InstanceNorm2d(3, affine=affine, track_running_stats=track).double()
    assert repr(ours) == repr(theirs)
    _copy_state(theirs, ours)
    rng = np.random.default_rng(19)
    for step in range(3):
        if step == 2:
            ours.eval()
            theirs.eval()
        x = _pair(rng.standard_normal(shape) + step, True)
        _check_all([ours(x[0]), theirs(x[1])], [x], np.float64, rng.standard_normal(shape))
        _assert_same_state(ours, theirs)


# ----------------------------------------------------------------------------- errors


def test_batch_norm_argument_errors():
    x = tg.randn(4, 3, 5)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(tg.randn(1, 3), tg.zeros(3), tg.ones(3), training=True)
    with pytest.raises(ValueError, match=r"got input size torch.Size\(\[1, 3, 1\]\)"):
        F.batch_norm(tg.randn(1, 3, 1), None, None, training=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.batch_norm(x, tg.zeros(4), tg.ones(4), training=True)
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 2"):
        F.batch_norm(x, None, None, tg.ones(2), training=True)
    with pytest.raises(RuntimeError, match="bias should contain 3 elements not 5"):
        F.batch_norm(x, None, None, bias=tg.ones(5), training=True)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.batch_norm(tg.randn(3), None, None, training=True)
    with pytest.raises(RuntimeError, match="floating point"):
        F.batch_norm(tg.tensor([[1, 2], [3, 4]]), None, None, training=True)
    with pytest.raises(TypeError, match="momentum"):
        F.batch_norm(x, tg.zeros(3), tg.ones(3), training=True, momentum=None)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input \(got 4D input\)"):
        tg.nn.BatchNorm1d(3)(tg.randn(2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 3D input\)"):
        tg.nn.BatchNorm2d(3)(tg.randn(2, 3, 2))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        tg.nn.BatchNorm2d(3)(tg.randn(2, 4, 2, 2))


def test_layer_group_instance_norm_argument_errors():
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[5\], expected input with shape "
                                           r"\[\*, 5\], but got input of size"):
        F.layer_norm(tg.randn(2, 4), (5,))
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.layer_norm(tg.randn(2, 4), (2, 4, 4))
    with pytest.raises(RuntimeError, match="Expected weight to be of same shape as normalized"):
        F.layer_norm(tg.randn(2, 4), (4,), weight=tg.ones(5))
    with pytest.raises(RuntimeError, match="Expected bias to be of same shape"):
        F.layer_norm(tg.randn(2, 4), (4,), bias=tg.ones(2, 2))
    with pytest.raises(RuntimeError, match="at least 1-dimensional"):
        F.layer_norm(tg.randn(2, 4), ())
    with pytest.raises(TypeError, match="normalized_shape must be an int or a sequence"):
        F.layer_norm(tg.randn(2, 4), 4.0)
    with pytest.raises(RuntimeError, match=r"divisible by num_groups, but got input of shape "
                                           r"torch.Size\(\[2, 5, 3\]\) and num_groups=2"):
        F.group_norm(tg.randn(2, 5, 3), 2)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.group_norm(tg.randn(5), 1)
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got "
                                         r"input size \[1, 2\]"):
        F.group_norm(tg.randn(1, 2), 2)
    with pytest.raises(RuntimeError, match="Expected weight to be a vector of size equal to the "
                                           "number of channels"):
        F.group_norm(tg.randn(2, 4, 3), 2, weight=tg.ones(3))
    with pytest.raises(RuntimeError, match="num_groups must be a positive int, got 0"):
        F.group_norm(tg.randn(2, 4, 3), 0)
    with pytest.raises(TypeError,
                       match=r"group_norm\(\): argument 'num_groups' must be int, not bool"):
        F.group_norm(tg.randn(2, 4, 3), True)
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by num_groups "
                                         r"\(2\)"):
        tg.nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(tg.randn(2, 3, 1))
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.instance_norm(tg.randn(2, 3, 4), tg.zeros(4), tg.ones(4))
    with pytest.raises(RuntimeError, match="Expected running_mean and running_var to be defined"):
        F.instance_norm(tg.randn(2, 3, 4), use_input_stats=False)
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        tg.nn.InstanceNorm2d(3)(tg.randn(3, 4))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features "
                                         r"\(3\), but got: 4"):
        tg.nn.InstanceNorm2d(3, affine=True)(tg.randn(2, 4, 4, 4))
    with pytest.warns(UserWarning, match="does not match num_features"):
        tg.nn.InstanceNorm2d(3)(tg.randn(2, 4, 4, 4))
