"""conv2d and conv_transpose2d: kernels against naive loops, ops and modules against torch."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jit_helpers import assert_passes_without_jit, num_threads

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.kernels import conv as kernels
from tinygrad_edu.ops.conv import conv2d_backward, conv2d_forward
from tinygrad_edu.ops.conv_fast import conv2d_fast_forward
from tinygrad_edu.testing import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


# ----------------------------------------------------------------------------- naive references

def conv2d_naive(x, w, b, stride, padding, dilation, groups):
    """The loops a course writes first: one output value at a time."""
    n, c, h, width = x.shape
    f, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, f, oh, ow), dtype=x.dtype)
    fg = f // groups
    for i in range(n):
        for o in range(f):
            g = o // fg
            for y in range(oh):
                for z in range(ow):
                    patch = xp[i, g * cg:(g + 1) * cg, y * sh:y * sh + dh * (kh - 1) + 1:dh,
                               z * sw:z * sw + dw * (kw - 1) + 1:dw]
                    out[i, o, y, z] = np.sum(patch * w[o]) + (b[o] if b.size else 0)
    return out


def im2col_naive(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n, c = x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.zeros((c * kh * kw, n * oh * ow), dtype=x.dtype)
    for i in range(n):
        for ch in range(c):
            for a in range(kh):
                for bb in range(kw):
                    row = (ch * kh + a) * kw + bb
                    for y in range(oh):
                        for z in range(ow):
                            cols[row, i * oh * ow + y * ow + z] = xp[i, ch, y * sh + a * dh,
                                                                     z * sw + bb * dw]
    return cols


GEOMETRIES = [
    # x shape, w shape, stride, padding, dilation, groups
    ((2, 3, 7, 8), (4, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((2, 4, 9, 7), (6, 2, 3, 2), (2, 1), (1, 0), (2, 1), 2),
    ((1, 6, 5, 5), (6, 1, 3, 3), (1, 2), (2, 1), (1, 1), 6),
    ((3, 2, 6, 6), (5, 2, 1, 1), (3, 2), (0, 0), (1, 1), 1),
]


def _kernel_args(geometry):
    """The kernels' geometry arguments (kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) of a case."""
    xs, ws, stride, padding, dilation, _ = geometry
    kh, kw = ws[2:]
    oh = (xs[2] + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (xs[3] + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return kh, kw, stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], oh, ow


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_im2col_and_col2im_equal_the_naive_loops(geometry):
    xs, _, _, padding, _, _ = geometry
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs)
    args = _kernel_args(geometry)
    kh, kw, oh, ow = args[0], args[1], args[8], args[9]
    n, rows, p = xs[0], xs[1] * kh * kw, oh * ow
    naive = im2col_naive(x, *args).reshape(rows, n, p).transpose(1, 0, 2)
    padded = np.zeros((xs[1], xs[2] + 2 * padding[0], xs[3] + 2 * padding[1]))
    cols = np.full((n, rows, p), np.nan)
    kernels.im2col(x, 0, *args, padded, cols)
    np.testing.assert_array_equal(cols, naive)
    # a chunk that starts later in the batch fills only its own samples
    tail = np.full((n - 1, rows, p), np.nan)
    kernels.im2col(x, 1, *args, padded, tail)
    np.testing.assert_array_equal(tail, naive[1:])
    # col2im is the adjoint of im2col: <im2col(x), c> == <x, col2im(c)>; it overwrites
    c = rng.standard_normal(cols.shape)
    back = np.full(xs, np.nan)
    kernels.col2im(c, 0, *args, padded, back)
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)
    part = np.full(xs, np.nan)
    kernels.col2im(c[1:], 1, *args, padded, part)
    np.testing.assert_array_equal(part[1:], back[1:])
    assert np.isnan(part[0]).all()


def _row_plan(geometry):
    """The channels-last rows' plan (``conv_fast._row_plan``) and kernel arguments of a case."""
    from tinygrad_edu.ops.conv_args import ConvGeometry
    from tinygrad_edu.ops.conv_fast import _Columns, _Rows

    xs, ws, stride, padding, dilation, _ = geometry
    args = _kernel_args(geometry)
    cols = _Columns(xs, ws[2], ws[3], ConvGeometry(stride, padding, dilation, 1), *args[8:])
    rows = _Rows(cols, ws[0])
    return rows.plan, rows.kernel_args()


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_im2row_and_row2im_equal_the_naive_loops(geometry):
    """The channels-last rows: the naive columns with the taps' order (c, i, j) -> (i, j, c),
    each position's taps inside the image only, positions by class, samples inside."""
    xs, _, _, padding, _, _ = geometry
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xs)
    args = _kernel_args(geometry)
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = args
    n, c, p = xs[0], xs[1], oh * ow
    naive = im2col_naive(x, *args).reshape(c, kh, kw, n, p).transpose(3, 4, 1, 2, 0)
    plan, kargs = _row_plan(geometry)
    assert sorted(plan.order) == list(range(p))
    expected, skipped = [], 0
    for k, pos in enumerate(plan.order):
        i0, i1, j0, j1, before = plan.ranges[k]
        assert before == sum(len(e[0]) for e in expected)  # the taps of the positions before
        y, z = divmod(int(pos), ow)
        inside = [[0 <= y * sh - ph + i * dh < xs[2] and 0 <= z * sw - pw + j * dw < xs[3]
                   for j in range(kw)] for i in range(kh)]
        window = np.zeros((kh, kw), bool)
        window[i0:i1, j0:j1] = True
        np.testing.assert_array_equal(window, inside)  # exactly the taps inside the image
        skipped += (~window).sum()
        expected.append(naive[:, pos, i0:i1, j0:j1].reshape(n, -1))
    assert (skipped > 0) == (padding != (0, 0))  # the padding's taps, and only those
    # the rows of a class of positions are one block: position after position, each with
    # the samples one after the other
    flat = np.concatenate([e.ravel() for e in expected])
    assert flat.size == n * plan.sample_taps
    rows = np.full(flat.size + 3, np.nan)  # a buffer may be longer than the rows
    kernels.im2row(x, 0, n, *kargs, rows)
    np.testing.assert_array_equal(rows[:flat.size], flat)
    assert np.isnan(rows[flat.size:]).all()
    for klass in plan.classes:
        block = np.concatenate([expected[k] for k in range(klass.first,
                                                           klass.first + klass.count)])
        start = n * plan.ranges[klass.first, 4]
        np.testing.assert_array_equal(rows[start:start + block.size], block.ravel())
    # a chunk that starts later in the batch fills the buffer with its own samples
    tail = np.full(flat.size, np.nan)
    kernels.im2row(x, 1, n, *kargs, tail)
    tail_flat = np.concatenate([e[1:].ravel() for e in expected])
    np.testing.assert_array_equal(tail[:tail_flat.size], tail_flat)
    # row2im is the adjoint of im2row; it overwrites only its chunk's samples
    r = rng.standard_normal(flat.size)
    back = np.full(xs, np.nan)
    kernels.row2im(r, 0, n, *kargs, back)
    np.testing.assert_allclose(np.sum(flat * r), np.sum(x * back), rtol=1e-12)
    pieces, off = [], 0
    for e in expected:  # r's entries of samples 1 .. n-1, in a later chunk's layout
        pieces.append(r[off:off + e.size].reshape(e.shape)[1:].ravel())
        off += e.size
    part = np.full(xs, np.nan)
    kernels.row2im(np.concatenate(pieces), 1, n, *kargs, part)
    np.testing.assert_array_equal(part[1:], back[1:])
    assert np.isnan(part[0]).all()


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_conv2d_forward_equals_naive(geometry):
    xs, ws, stride, padding, dilation, groups = geometry
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    out, _ = conv2d_forward(x, w, b, stride=stride, padding=padding, dilation=dilation,
                            groups=groups)
    np.testing.assert_allclose(out, conv2d_naive(x, w, b, stride, padding, dilation, groups),
                               rtol=1e-12, atol=1e-12)


def test_conv2d_backward_called_directly_matches_numerical():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 2, 3)), \
        rng.standard_normal(3)
    static = dict(stride=(2, 1), padding=(1, 1), dilation=(1, 1), groups=1)
    out, cache = conv2d_forward(x, w, b, **static)
    dout = rng.standard_normal(out.shape)
    grads = conv2d_backward(dout, cache)
    for i, arr in enumerate((x, w, b)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            plus = np.sum(conv2d_forward(x, w, b, **static)[0] * dout)
            arr[idx] = old - 1e-6
            minus = np.sum(conv2d_forward(x, w, b, **static)[0] * dout)
            arr[idx] = old
            num[idx] = (plus - minus) / 2e-6
        np.testing.assert_allclose(grads[i], num, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------- Winograd

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)


def _tiles(x, ph, pw, th, tw):
    """Every tile's 4x4 input patch, (N, C, TH, TW, 4, 4), zero outside the image."""
    n, c, h, w = x.shape
    xp = np.zeros((n, c, 2 * th + 2, 2 * tw + 2))
    xp[:, :, ph:ph + h, pw:pw + w] = x[:, :, :2 * th + 2 - ph, :2 * tw + 2 - pw]
    return np.stack([np.stack([xp[:, :, 2 * ty:2 * ty + 4, 2 * tx:2 * tx + 4]
                               for tx in range(tw)], axis=2) for ty in range(th)], axis=2)


def _slots(a, n, th, tw, row):
    """(16, rows, N*TH*TW) values -> the kernels' layout (16, rows*row): slot j*T1 + ty*W1 + tx
    of a row, the junk slot tx = TW zero; NaN in the row's padding."""
    rows = a.shape[1]
    out = np.full((16, rows, row), np.nan)
    slots = out[:, :, :n * th * (tw + 1)].reshape(16, rows, n, th, tw + 1)
    slots[..., :tw] = a.reshape(16, rows, n, th, tw)
    slots[..., tw] = 0.0
    return out.reshape(16, -1)


def _unslot(planes, rows, n, th, tw, row):
    """The inverse of ``_slots``: real tiles only, and the junk slots apart."""
    slots = planes.reshape(16, rows, row)[:, :, :n * th * (tw + 1)].reshape(
        16, rows, n, th, tw + 1)
    return slots[..., :tw].reshape(16, rows, n * th * tw), slots[..., tw]


@pytest.mark.parametrize(("shape", "padding"), [((2, 3, 7, 8), (1, 1)), ((1, 2, 5, 5), (0, 2)),
                                                ((2, 1, 6, 9), (2, 0)), ((1, 2, 3, 3), (1, 1)),
                                                ((1, 1, 1, 1), (2, 1))])
def test_winograd_transforms_equal_the_naive_matrix_products(shape, padding):
    from tinygrad_edu.kernels import winograd

    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    n, c, h, w = shape
    ph, pw = padding
    oh, ow = h + 2 * ph - 2, w + 2 * pw - 2
    th, tw = (oh + 1) // 2, (ow + 1) // 2
    t, w1 = th * tw, tw + 1
    row = n * th * w1 + 3  # padded rows, as the op pads them
    d = _tiles(x, ph, pw, th, tw)  # (N, C, TH, TW, 4, 4)
    # V = B^T d B, laid out (16, C, N*T)
    want_v = np.einsum("ai,nctsij,bj->abcnts", BT, d, BT).reshape(16, c, n * t)
    v = np.full((16, c * row), np.nan)
    winograd.input_transform(x, 0, n, ph, pw, th, tw, np.zeros((c, 4, (th + 2) * w1)),
                             np.empty((16, th * w1)), v, row)
    np.testing.assert_allclose(_unslot(v, c, n, th, tw, row)[0], want_v, rtol=1e-13, atol=1e-13)
    assert np.isfinite(_unslot(v, c, n, th, tw, row)[1]).all()  # junk slots: finite values
    # Y = A^T M A, cropped to the output; junk slots ignored
    m = rng.standard_normal((16, 3, n * t))
    y = np.einsum("ai,ijfnts,bj->nftasb", AT, m.reshape(4, 4, 3, n, th, tw), AT)
    want_y = y.reshape(n, 3, 2 * th, 2 * tw)[:, :, :oh, :ow]
    out = np.full((n, 3, oh, ow), np.nan)
    m_slots = _slots(m, n, th, tw, row)
    m_slots.reshape(16, 3, row)[:, :, :n * th * w1].reshape(16, 3, n, th, w1)[..., tw] = 1e300
    winograd.output_transform(m_slots, row, 0, n, th, tw, np.empty((16, th * w1)), out)
    np.testing.assert_allclose(out, want_y, rtol=1e-13, atol=1e-13)
    # the adjoints: <transform(a), b> == <a, adjoint(b)>; dM is exactly zero on junk slots
    dout = rng.standard_normal(out.shape)
    dm = np.full((16, 3 * row), np.nan)
    winograd.output_adjoint(dout, 0, n, th, tw, np.empty((16, th * w1)), dm, row)
    dm_tiles, dm_junk = _unslot(dm, 3, n, th, tw, row)
    np.testing.assert_allclose(np.sum(out * dout), np.sum(m * dm_tiles), rtol=1e-12)
    np.testing.assert_array_equal(dm_junk, 0.0)
    dv = rng.standard_normal((16, c, n * t))
    dx = np.full(x.shape, np.nan)
    winograd.input_adjoint(_slots(dv, n, th, tw, row), row, 0, n, ph, pw, th, tw,
                           np.empty((16, th * w1)), np.zeros((16, (th + 2) * w1 + 1)),
                           np.empty((4, (th + 1) * w1)), dx)
    np.testing.assert_allclose(np.sum(_unslot(v, c, n, th, tw, row)[0] * dv), np.sum(x * dx),
                               rtol=1e-12)


@st.composite
def winograd_cases(draw):
    c, f = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, 3 - 2 * ph), 9))
    w = draw(st.integers(max(1, 3 - 2 * pw), 9))
    batched = draw(st.booleans())
    xs = (draw(st.integers(1, 3)), c, h, w) if batched else (c, h, w)
    return xs, (f, c, 3, 3), f, draw(st.booleans()), dict(padding=(ph, pw))


def _with_winograd(dtype, rtol):
    """Parity with torch of 3x3 stride-1 convs on the Winograd path (any channel count)."""
    from unittest import mock

    import tinygrad_edu.ops.conv_fast as conv_ops

    def check(case):
        # one sample per chunk: each worker reuses its scratch for several chunks
        with mock.patch.object(conv_ops, "_WINOGRAD_MIN_CHANNELS", 1), \
                mock.patch.object(conv_ops, "_WINOGRAD_MIN_TILES", 1), \
                mock.patch.object(conv_ops, "_CHUNK_BYTES", 1):
            _parity(F.conv2d, TF.conv2d, *case, dtype, rtol)
    return check


@given(winograd_cases())
def test_winograd_conv2d_matches_torch_float64(case):
    _with_winograd(np.float64, 1e-10)(case)


@given(winograd_cases())
def test_winograd_conv2d_matches_torch_float32(case):
    _with_winograd(np.float32, 2e-4)(case)


def test_winograd_is_used_for_3x3_stride_1_convs_with_enough_channels():
    rng = np.random.default_rng(4)
    w = rng.standard_normal((8, 8, 3, 3))
    x = rng.standard_normal((2, 8, 16, 16))  # a 16x16 output: 64 tiles of 2x2 per sample
    assert conv2d_fast_forward(x, w, np.zeros(0), padding=(1, 1))[1].winograd is not None
    for kwargs in (dict(stride=(2, 2)), dict(dilation=(2, 2)), dict(groups=2)):
        ws = w[:, :4] if kwargs.get("groups") else w
        _, cache = conv2d_fast_forward(x, ws, np.zeros(0), **kwargs)
        assert cache.winograd is None, kwargs
    few_channels = conv2d_fast_forward(x[:, :4], w[:, :4], np.zeros(0))
    assert few_channels[1].winograd is None
    assert conv2d_fast_forward(x, w[:4], np.zeros(0))[1].winograd is None  # few filters
    small = rng.standard_normal((2, 8, 8, 8))  # an 8x8 output: only 16 tiles per sample
    assert conv2d_fast_forward(small, w, np.zeros(0), padding=(1, 1))[1].winograd is None
    # and the two paths agree
    from unittest import mock

    import tinygrad_edu.ops.conv_fast as conv_ops
    with mock.patch.object(conv_ops, "_WINOGRAD_MIN_CHANNELS", 10**9):
        im2col_out, _ = conv2d_fast_forward(x, w, np.zeros(0), padding=(1, 1))
    np.testing.assert_allclose(conv2d_fast_forward(x, w, np.zeros(0), padding=(1, 1))[0],
                               im2col_out, rtol=1e-12, atol=1e-12)


@st.composite
def conv_cases(draw, transposed=False):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, kh // 2 + 1)), draw(st.integers(0, kw // 2 + 1)))
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 9))
    w = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 9))
    n = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    bias = draw(st.booleans())
    xs = (n, cin, h, w) if batched else (cin, h, w)
    ws = (cin, cout // groups, kh, kw) if transposed else (cout, cin // groups, kh, kw)
    extra = {}
    if transposed:
        extra["output_padding"] = (draw(st.integers(0, max(stride[0], dilation[0]) - 1)),
                                   draw(st.integers(0, max(stride[1], dilation[1]) - 1)))
        # the output, (h-1)*s - 2p + d*(k-1) + output_padding + 1, must not be empty
        padding = (min(padding[0], ((h - 1) * stride[0] + dilation[0] * (kh - 1)) // 2),
                   min(padding[1], ((w - 1) * stride[1] + dilation[1] * (kw - 1)) // 2))
    return xs, ws, cout, bias, dict(stride=stride, padding=padding, dilation=dilation,
                                    groups=groups, **extra)


def _parity(fn_ours, fn_torch, xs, ws, cout, bias, kwargs, dtype, rtol):
    rng = np.random.default_rng(abs(hash((xs, ws))) % 2**32)
    arrays = [rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)]
    if bias:
        arrays.append(rng.standard_normal(cout).astype(dtype))
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn_ours(*ours, **kwargs)
    ref = fn_torch(*theirs, **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol,
                               atol=rtol)
    cot = rng.standard_normal(ref.shape).astype(dtype)
    out.backward(tg.tensor(cot))
    ref.backward(torch.tensor(cot))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=rtol)


@given(conv_cases())
def test_conv2d_matches_torch_float64(case):
    from unittest import mock

    import tinygrad_edu.ops.conv_fast as conv_ops

    # one sample per chunk: each worker reuses its scratch for several chunks
    with mock.patch.object(conv_ops, "_CHUNK_BYTES", 1):
        _parity(F.conv2d, TF.conv2d, *case, np.float64, 1e-10)


@given(conv_cases())
def test_conv2d_matches_torch_float32(case):
    _parity(F.conv2d, TF.conv2d, *case, np.float32, 2e-4)


@given(conv_cases(transposed=True))
def test_conv_transpose2d_matches_torch_float64(case):
    _parity(F.conv_transpose2d, TF.conv_transpose2d, *case, np.float64, 1e-10)


def test_conv2d_gradcheck():
    rng = np.random.default_rng(3)
    inputs = [rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((4, 2, 3, 3)),
              rng.standard_normal(4)]
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2), inputs)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w[:, :, :2], b[:2], stride=2,
                                                        padding=1, output_padding=1), inputs)


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # torch's own notice
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_string_padding_matches_torch(padding):
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 2, 6, 7)), rng.standard_normal((3, 2, 4, 3))
    out = F.conv2d(tg.tensor(x), tg.tensor(w), padding=padding, dilation=(1, 2))
    ref = TF.conv2d(torch.tensor(x), torch.tensor(w), padding=padding, dilation=(1, 2))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


def test_modules_match_torch_after_copying_weights():
    torch.manual_seed(0)
    for theirs, ours in [
        (torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
         tg.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)),
        (torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, bias=False),
         tg.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, bias=False)),
    ]:
        assert repr(ours) == repr(theirs)
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        theirs.double()
        ours.double()
        x = np.random.default_rng(5).standard_normal((2, 4, 7, 7))
        xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours(xo).sum().backward()
        theirs(xt).sum().backward()
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, err_msg=name)


def test_default_init_bounds_follow_torch():
    conv = tg.nn.Conv2d(8, 16, 3)
    bound = 1 / np.sqrt(8 * 9)
    w = conv.weight.detach().numpy()
    assert w.shape == (16, 8, 3, 3)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.9 * bound


@pytest.mark.parametrize(("call", "error", "pattern"), [
    (lambda: F.conv2d(tg.zeros(3, 3), tg.zeros(2, 3, 1, 1)), RuntimeError, "3D.*4D"),
    (lambda: F.conv2d(tg.zeros(1, 4, 5, 5), tg.zeros(2, 3, 1, 1)), RuntimeError,
     "4 channels"),
    (lambda: F.conv2d(tg.zeros(1, 4, 5, 5), tg.zeros(3, 2, 1, 1), groups=2), RuntimeError,
     "divisible by groups"),
    (lambda: F.conv2d(tg.zeros(1, 1, 2, 2), tg.zeros(1, 1, 5, 5)), RuntimeError,
     "can't be greater than the padded input"),
    (lambda: F.conv2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 3, 3), stride=0), RuntimeError,
     "non-positive stride"),
    (lambda: F.conv2d(tg.zeros(1, 1, 4, 4), tg.zeros(1, 1, 3, 3), padding="full"), ValueError,
     "padding"),
    (lambda: tg.nn.Conv2d(3, 4, 3, groups=2), ValueError, "divisible by groups"),
    (lambda: F.conv_transpose2d(tg.zeros(1, 2, 3, 3), tg.zeros(2, 1, 3, 3), stride=2,
                                output_padding=2), ValueError, "output padding"),
])
def test_bad_arguments_raise_clear_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_kernels_run_with_jit_disabled():
    assert_passes_without_jit(__file__, "naive or directly")


def test_same_result_on_one_and_two_threads(monkeypatch):
    import tinygrad_edu.ops.conv_fast as conv_ops

    # one sample per chunk, so the two threads really split the batch between them; 3x3
    # convs with any channel count take the Winograd path
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 1)
    monkeypatch.setattr(conv_ops, "_WINOGRAD_MIN_CHANNELS", 1)
    monkeypatch.setattr(conv_ops, "_WINOGRAD_MIN_TILES", 1)
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((5, 3, 9, 9)), rng.standard_normal((3, 3, 3, 3))
    results = []
    for threads in (1, 2):
        with num_threads(threads):
            xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
            out = (F.conv2d(xt, wt, padding=1)  # Winograd
                   + F.conv2d(xt, wt, padding=2, dilation=2)  # im2col
                   + F.conv_transpose2d(xt, wt, stride=2)[..., :9, :9])
            out.backward(tg.ones_like(out))
            results.append((out.detach().numpy().copy(), xt.grad.numpy(), wt.grad.numpy()))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_conv_works_in_a_forked_child(monkeypatch):
    # the worker pool's threads do not survive fork: the child must not wait for them
    import multiprocessing

    import tinygrad_edu.ops.conv_fast as conv_ops

    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 1)  # several chunks: the pool is used
    x, w = tg.randn(4, 3, 8, 8, requires_grad=True), tg.randn(2, 3, 3, 3, requires_grad=True)
    F.conv2d(x, w, padding=1).sum().backward()  # the parent's pool now exists
    child = multiprocessing.get_context("fork").Process(target=_conv_in_child, args=(x, w))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("conv2d hung in a forked child")
    assert child.exitcode == 0


def _conv_in_child(x, w):
    F.conv2d(x, w, padding=1).sum().backward()


@pytest.mark.parametrize("transposed", [False, True])
def test_an_empty_batch_gives_empty_results_and_zero_weight_gradients_like_torch(transposed):
    x = np.zeros((0, 2, 5, 5))
    w = np.random.default_rng(9).standard_normal((2, 3, 3, 3) if transposed else (3, 2, 3, 3))
    ours_fn, theirs_fn = ((F.conv_transpose2d, torch.nn.functional.conv_transpose2d)
                          if transposed else (F.conv2d, torch.nn.functional.conv2d))
    for readable in (False, True):  # the fast pair, then the readable one
        with tg.ops.reference_ops(readable):
            xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
            out = ours_fn(xt, wt, padding=1)
            out.sum().backward()
        ref_x, ref_w = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        ref = theirs_fn(ref_x, ref_w, padding=1)
        ref.sum().backward()
        assert out.shape == tuple(ref.shape)
        assert xt.grad.shape == x.shape
        np.testing.assert_array_equal(wt.grad.numpy(), ref_w.grad.numpy())


# ----------------------------------------------------------------------------- side by side

SIDE_BY_SIDE_CASES = [  # x shape, weight shape (conv2d's), keyword arguments
    ((5, 4, 4, 4), (6, 4, 3, 3), dict(padding=1)),
    ((3, 4, 6, 5), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 0), groups=2)),
    ((4, 3, 7, 7), (2, 3, 2, 3), dict(dilation=2, padding=(0, 1))),
    ((0, 4, 4, 4), (6, 4, 3, 3), dict(padding=1)),
]


@pytest.mark.parametrize("path", ["product and gradients", "weight gradient", "per sample"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", SIDE_BY_SIDE_CASES)
def test_side_by_side_products_match_torch(monkeypatch, path, dtype, case):
    """Every product layout of the fast pair (``conv_fast._Columns.side_by_side``), forced on
    small shapes, in chunks of a few samples, with non-contiguous input, a bias, each
    requires_grad combination, and the transposed conv."""
    import tinygrad_edu.ops.conv_fast as conv_ops

    rows = {"product and gradients": 1, "weight gradient": 10**9, "per sample": 10**9}[path]
    positions = 0 if path == "per sample" else 10**9
    monkeypatch.setattr(conv_ops, "_SIDE_BY_SIDE_MIN_ROWS", rows)
    monkeypatch.setattr(conv_ops, "_SIDE_BY_SIDE_MAX_POSITIONS", positions)
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 2000)  # several chunks
    # "weight gradient": the conv's products per sample, its weight gradient side by side
    # where rows >= 2 * positions (the first, second and last cases)
    xs, ws, kwargs = case
    rng = np.random.default_rng(len(xs) + sum(ws))
    x = rng.standard_normal((xs[0], xs[1], xs[3], xs[2])).astype(dtype)
    x = x.transpose(0, 1, 3, 2)  # non-contiguous, of shape xs
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    for fn, theirs, weight in ((F.conv2d, TF.conv2d, w),
                               (F.conv_transpose2d, TF.conv_transpose2d, None)):
        if weight is None:  # conv_transpose2d: weight (C_in, C_out/groups, KH, KW)
            if kwargs.get("stride", 1) != 1:
                continue
            weight = rng.standard_normal((xs[1], 3, *ws[2:])).astype(dtype)
            bias = rng.standard_normal(3 * kwargs.get("groups", 1)).astype(dtype)
        else:
            bias = b
        for needs in ((True, True, True), (True, False, False), (False, True, False)):
            arrays = list(zip((x, weight, bias), needs, strict=True))
            ours = [tg.tensor(a, requires_grad=r) for a, r in arrays]
            ref = [torch.tensor(np.ascontiguousarray(a), requires_grad=r) for a, r in arrays]
            out, expected = fn(*ours, **kwargs), theirs(*ref, **kwargs)
            np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(),
                                       rtol=tol, atol=tol)
            cot = rng.standard_normal(tuple(expected.shape)).astype(dtype)
            out.backward(tg.tensor(cot))
            expected.backward(torch.tensor(cot))
            for a, r in zip(ours, ref, strict=True):
                if r.requires_grad:
                    np.testing.assert_allclose(a.grad.numpy(), r.grad.numpy(), rtol=tol,
                                               atol=tol)


def test_side_by_side_is_chosen_for_small_maps_with_many_rows():
    from tinygrad_edu.ops.conv_args import ConvGeometry
    from tinygrad_edu.ops.conv_fast import _Columns

    geo = ConvGeometry((1, 1), (1, 1), (1, 1), 1)
    small_many = _Columns((8, 64, 4, 4), 3, 3, geo, 4, 4)  # 576 rows, 16 positions
    small_some = _Columns((8, 16, 4, 4), 3, 3, geo, 4, 4)  # 144 rows
    small_few = _Columns((8, 1, 8, 8), 3, 3, geo, 8, 8)  # 9 rows, 64 positions
    large = _Columns((8, 64, 32, 32), 3, 3, geo, 32, 32)
    assert [c.side_by_side for c in (small_many, small_some, small_few, large)] == [
        True, False, False, False]
    assert _Columns((1, 16, 4, 4), 3, 3, geo, 4, 4).side_by_side  # one sample
    assert not _Columns((1, 64, 32, 32), 3, 3, geo, 32, 32).side_by_side
    assert [c.side_by_side_weight_grad for c in (small_many, small_some, small_few, large)] == [
        True, True, False, False]


def test_side_by_side_same_result_on_one_and_two_threads(monkeypatch):
    import tinygrad_edu.ops.conv_fast as conv_ops

    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 20000)  # chunks of a few samples
    monkeypatch.setattr(conv_ops, "_ROWS_CHANNELS_PER_COLUMN", 10**9)  # not channels-last
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((9, 64, 4, 4)), rng.standard_normal((8, 64, 3, 3))
    results = []
    for threads in (1, 2):
        with num_threads(threads):
            xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
            out = F.conv2d(xt, wt, padding=1)  # 576 rows, 16 positions: side by side
            out.backward(tg.tensor(np.cos(np.arange(out.numel())).reshape(out.shape)))
            results.append((out.detach().numpy().copy(), xt.grad.numpy(), wt.grad.numpy()))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- channels last

CHANNELS_LAST_CASES = [  # x shape, weight shape, keyword arguments
    ((5, 6, 4, 4), (7, 6, 3, 3), dict(padding=1)),
    ((3, 5, 7, 6), (4, 5, 2, 3), dict(stride=(2, 1), padding=(0, 2))),
    ((4, 3, 7, 7), (2, 3, 3, 2), dict(dilation=(1, 2), padding=(1, 0), stride=(1, 3))),
    ((3, 4, 5, 5), (6, 4, 1, 1), dict(stride=2)),
    ((0, 6, 4, 4), (7, 6, 3, 3), dict(padding=1)),
    ((3, 4, 3, 3), (5, 4, 1, 1), dict(padding=1)),  # the border reads only padding
    ((7, 8, 2, 5), (3, 8, 3, 3), dict(padding=2, dilation=(2, 1))),
]


@pytest.mark.parametrize("padded_first", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CHANNELS_LAST_CASES)
def test_channels_last_matches_torch_and_the_readable_pair(monkeypatch, dtype, case,
                                                           padded_first):
    """The channels-last path (``conv_fast._Rows``), forced on any groups-1 conv: stride,
    dilation, padding, a 1x1 kernel, an empty batch; chunks of a few samples, non-contiguous
    input, a bias, each requires_grad combination; the positions in classes by the taps they
    read, or every position reading all taps of the image padded first (small batches)."""
    import tinygrad_edu.ops.conv_fast as conv_ops

    monkeypatch.setattr(conv_ops, "_ROWS_CHANNELS_PER_COLUMN", 0)
    monkeypatch.setattr(conv_ops, "_ROWS_MIN_CLASS_ROWS", 10**9 if padded_first else 0)
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 3000)  # several chunks
    xs, ws, kwargs = case
    rng = np.random.default_rng(sum(xs) + sum(ws))
    x = rng.standard_normal((xs[0], xs[1], xs[3], xs[2])).astype(dtype).transpose(0, 1, 3, 2)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    assert conv2d_fast_forward(x, w, b, **kwargs)[1].channels_last
    tol = 1e-10 if dtype == np.float64 else 2e-4
    for needs in ((True, True, True), (True, False, False), (False, True, False)):
        arrays = list(zip((x, w, b), needs, strict=True))
        ref = [torch.tensor(np.ascontiguousarray(a), requires_grad=r) for a, r in arrays]
        expected = TF.conv2d(*ref, **kwargs)
        cot = rng.standard_normal(tuple(expected.shape)).astype(dtype)
        expected.backward(torch.tensor(cot))
        for readable in (False, True):  # the fast pair, then the readable one
            with tg.ops.reference_ops(readable):
                ours = [tg.tensor(a, requires_grad=r) for a, r in arrays]
                out = F.conv2d(*ours, **kwargs)
                out.backward(tg.tensor(cot))
            assert out.dtype == ours[0].dtype
            np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(),
                                       rtol=tol, atol=tol)
            for a, r in zip(ours, ref, strict=True):
                if r.requires_grad:
                    np.testing.assert_allclose(a.grad.numpy(), r.grad.numpy(), rtol=tol,
                                               atol=tol)
                else:
                    assert a.grad is None


def test_channels_last_is_chosen_for_small_maps_with_many_channels(monkeypatch):
    rng = np.random.default_rng(8)

    def path(xs, ws, **kwargs):
        x, w = rng.standard_normal(xs), rng.standard_normal(ws)
        cache = conv2d_fast_forward(x, w, np.zeros(0), **kwargs)[1]
        return "rows" if cache.channels_last else "winograd" if cache.winograd is not None \
            else "im2col"

    assert path((2, 16, 4, 4), (32, 16, 3, 3), padding=1) == "rows"  # the digits ConvNet
    assert path((2, 64, 4, 4), (128, 64, 3, 3), padding=1) == "rows"
    assert path((2, 32, 8, 8), (64, 32, 3, 3), padding=1) == "rows"
    assert path((2, 16, 8, 8), (32, 16, 3, 3), padding=1) == "im2col"  # 2 channels a column
    assert path((2, 1, 8, 8), (16, 1, 3, 3), padding=1) == "im2col"
    assert path((2, 3, 31, 31), (16, 3, 3, 3), stride=2) == "im2col"
    assert path((2, 32, 32, 32), (32, 32, 3, 3), padding=1) == "winograd"
    assert path((2, 16, 4, 4), (32, 8, 3, 3), padding=1, groups=2) == "im2col"  # groups
    # the readable pair and torch agree with the grouped conv the rows leave to im2col
    import tinygrad_edu.ops.conv_fast as conv_ops

    monkeypatch.setattr(conv_ops, "_ROWS_CHANNELS_PER_COLUMN", 0)
    assert path((2, 16, 4, 4), (32, 8, 3, 3), padding=1, groups=2) == "im2col"
    _parity(F.conv2d, TF.conv2d, (3, 4, 4, 4), (6, 2, 3, 3), 6, True,
            dict(padding=1, groups=2), np.float64, 1e-10)


def test_channels_last_pads_first_for_a_few_samples():
    """A batch too small for the classes' products pads the image and reads all taps."""
    from tinygrad_edu.ops.conv_args import ConvGeometry
    from tinygrad_edu.ops.conv_fast import _Columns, _row_plan, _rows_of

    geo = ConvGeometry((1, 1), (1, 1), (1, 1), 1)
    for n, padding in ((1, (1, 1)), (3, (1, 1)), (4, (0, 0)), (64, (0, 0))):
        cols = _Columns((n, 16, 4, 4), 3, 3, geo, 4, 4)
        rows, pad = _rows_of(cols, 32)
        assert pad == padding
        assert len(_row_plan(rows.cols).classes) == (1 if padding == (1, 1) else 9)
        if padding == (1, 1):  # the padded image, read without padding: one product
            assert rows.cols.image == (n, 16, 6, 6)
            assert rows.cols.geometry.padding == (0, 0)
    no_padding = ConvGeometry((1, 1), (0, 0), (1, 1), 1)  # one class already: nothing to pad
    assert _rows_of(_Columns((1, 16, 4, 4), 3, 3, no_padding, 2, 2), 32)[1] == (0, 0)


def test_channels_last_same_result_on_one_and_two_threads(monkeypatch):
    import tinygrad_edu.ops.conv_fast as conv_ops

    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 20000)  # chunks of a few samples
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((9, 32, 4, 4)), rng.standard_normal((8, 32, 3, 3))
    results = []
    for threads in (1, 2):
        with num_threads(threads):
            xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
            out = F.conv2d(xt, wt, padding=1)  # 32 channels, 4 columns: channels-last
            out.backward(tg.tensor(np.cos(np.arange(out.numel())).reshape(out.shape)))
            results.append((out.detach().numpy().copy(), xt.grad.numpy(), wt.grad.numpy()))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
