"""The fast path of ``conv2d`` and ``conv_transpose2d``: the same sums as ``conv.py``, faster.

``conv.py`` holds the lesson: im2col, one matrix product, col2im, written in plain numpy. This
module computes the same numbers (to rounding) the way a training loop needs them:

- im2col/col2im are Numba copy loops (``kernels.conv``) that work on a few samples at a time
  (``_CHUNK_BYTES``), so the columns stay in a core's cache between the copy and the product;
  the chunks run on tinygrad_edu's thread pool (``kernels.threads``), each worker with its own
  scratch buffers, and BLAS does the products;
- 3x3 stride-1 convolutions (no dilation or groups) with at least ``_WINOGRAD_MIN_CHANNELS``
  (8) input and output channels and at least ``_WINOGRAD_MIN_TILES`` (64) 2x2 output tiles per
  sample (a 16x16 output) run by Winograd's F(2x2, 3x3) algorithm (``kernels.winograd``): 16
  multiplications per 2x2 output block and channel pair instead of 36; its backward is the
  exact adjoint of each of its linear steps;
- small maps with several channels (groups 1, at least ``_ROWS_CHANNELS_PER_COLUMN`` channels
  per output column, e.g. 3x3 convs on 4x4 maps with 16 channels or more) run channels-last
  (``kernels.conv.im2row``): a chunk's rows hold each output position's taps with the channels
  innermost, so the copies are runs of C numbers, not of OW; a row holds only the taps inside
  the image (100 of 144 for a 3x3 kernel with padding 1 on a 4x4 map), and the chunk is one
  product per class of positions that read the same taps.

``conv.py`` registers ``conv2d_fast_forward``/``conv2d_fast_backward`` (and the transposed
pair) as the ops' ``fast=`` pairs: autograd runs them except inside ``reference_ops()``. The
forwards check their arguments with ``conv_args``, exactly like the readable ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numpy as np
from numpy.typing import NDArray

from ..kernels import conv as kernels
from ..kernels import threads, winograd
from ..kernels.jit import ready
from .conv_args import ConvGeometry, conv2d_args, conv2d_weight_args, conv_transpose2d_args
from .registry import needs_input_grad

Array = NDArray[Any]
Pair = tuple[int, int]
T = TypeVar("T")

__all__ = ["Conv2dFastCache", "Conv2dWeightFastCache", "ConvTranspose2dFastCache",
           "conv2d_fast_backward", "conv2d_fast_forward", "conv2d_weight_fast_backward",
           "conv2d_weight_fast_forward", "conv_transpose2d_fast_backward",
           "conv_transpose2d_fast_forward"]

# Columns of a few samples at a time: small enough to stay in a core's cache between the
# copy and the product, large enough that each BLAS call has real work.
_CHUNK_BYTES = 1 << 20
# Small output maps: the products of a chunk of samples may run side by side, the samples'
# columns in one matrix, one product per chunk (``_Columns.side_by_side_chunks``) instead of
# one per sample. OpenBLAS's small-matrix kernels make the per-sample products fast, so this
# pays only with many rows: measured (one thread, float32, 3x3 convs on 4x4 maps, samples of
# a chunk), 64 -> 128 channels (576 rows) side by side took 0.8x the time of the conv and
# input-gradient products, but 32 -> 64 channels (288 rows) 1.1x, and 8x8 or larger maps
# 1.2-2x. The weight gradient has its own rule (``_Columns.side_by_side_weight_grad``): 144
# rows on 4x4 maps took 0.7x, 288 rows 0.6x, 576 rows 0.35x, 144 rows on 8x8 maps 0.75x.
_SIDE_BY_SIDE_MAX_POSITIONS = 256
_SIDE_BY_SIDE_MIN_ROWS = 512


class _Columns(NamedTuple):
    """The image side of a convolution (N, C, H, W), its kernel, geometry and output size.

    For conv2d the image is the input; for conv_transpose2d it is the output.
    """

    image: tuple[int, ...]
    kh: int
    kw: int
    geometry: ConvGeometry
    oh: int
    ow: int

    @property
    def rows(self) -> int:
        return self.image[1] * self.kh * self.kw

    def kernel_args(self) -> tuple[int, ...]:
        (sh, sw), (ph, pw), (dh, dw) = (self.geometry.stride, self.geometry.padding,
                                        self.geometry.dilation)
        return self.kh, self.kw, sh, sw, ph, pw, dh, dw, self.oh, self.ow

    @property
    def positions(self) -> int:
        return self.oh * self.ow

    @property
    def side_by_side(self) -> bool:
        """Compute the products of the conv and of its input gradient side by side: many
        rows and a small output map (measured, see ``_SIDE_BY_SIDE_MAX_POSITIONS``), or a
        small map of one sample (the layouts are then the same, and backward makes one pass,
        not two; on large maps the transposing copies cost more than that saves)."""
        return self.positions <= _SIDE_BY_SIDE_MAX_POSITIONS and (
            self.image[0] == 1 or self.rows >= _SIDE_BY_SIDE_MIN_ROWS)

    @property
    def side_by_side_weight_grad(self) -> bool:
        """Compute the weight gradient side by side: more rows than twice the output map.

        Per sample, that product (rows, P) @ (P, F) gives a matrix per sample to add up,
        rows * F numbers, against rows * F * P multiply-adds; side by side, the chunk's dy is
        transposed (F * P numbers a sample) and there is one matrix.
        """
        return (self.positions <= _SIDE_BY_SIDE_MAX_POSITIONS
                and self.rows >= 2 * self.positions)

    def by_chunks(self, dtype: Any, step: Callable[[int, int, Array, Array], T]) -> list[T]:
        """step(n0, n1, columns, padded) for every chunk of samples; results in chunk order.

        ``columns`` is a buffer (n1 - n0, rows, OH*OW), ``padded`` a zero-bordered image
        scratch (C, H + 2*ph, W + 2*pw), both private to the worker thread
        (``threads.map_chunks``: the same results on 1 and 2 threads).
        """
        p, rows = self.positions, self.rows
        return self._chunks(dtype, 0, lambda n0, n1, flat, padded, _: step(
            n0, n1, flat[:(n1 - n0) * rows * p].reshape(n1 - n0, rows, p), padded))

    def side_by_side_chunks(self, dtype: Any, features: int,
                            step: Callable[[int, int, Array, Array, Array], T]) -> list[T]:
        """step(n0, n1, columns, padded, product) for every chunk; results in chunk order.

        ``columns`` (rows, nb*OH*OW) holds the chunk's nb samples side by side
        (``kernels.conv.im2col_batch``), ``product`` (features, nb*OH*OW) is a second buffer of
        the same layout, ``padded`` as for ``by_chunks``; all contiguous and private to the
        worker thread.
        """
        p, rows = self.positions, self.rows
        return self._chunks(dtype, features, lambda n0, n1, flat, padded, extra: step(
            n0, n1, flat[:(n1 - n0) * rows * p].reshape(rows, (n1 - n0) * p),
            padded, extra[:(n1 - n0) * features * p].reshape(features, (n1 - n0) * p)))

    def _chunks(self, dtype: Any, features: int,
                step: Callable[[int, int, Array, Array, Array], T]) -> list[T]:
        n, c, h, w = self.image
        (ph, pw), p, rows = self.geometry.padding, self.positions, self.rows
        per_sample = max(1, (rows + features) * p * np.dtype(dtype).itemsize)
        per = max(1, min(n, _CHUNK_BYTES // per_sample))
        per = -(-n // -(-n // per)) if n else 1  # the same number of chunks, evened out

        def scratch() -> tuple[Array, Array, Array]:
            return (np.empty(per * rows * p, dtype=dtype),
                    np.zeros((c, h + 2 * ph, w + 2 * pw), dtype=dtype),
                    np.empty(per * features * p, dtype=dtype))

        return threads.map_chunks(n, per, scratch, lambda n0, n1, bufs: step(n0, n1, *bufs))


def _group_slices(features: int, rows: int, groups: int) -> list[tuple[slice, slice]]:
    """(feature rows, column rows) of each group's block of the product."""
    fg, rg = features // groups, rows // groups
    return [(slice(g * fg, (g + 1) * fg), slice(g * rg, (g + 1) * rg)) for g in range(groups)]


def _correlate(x: Array, w2: Array, bias: Array, groups: int, cols: _Columns) -> Array:
    """out[n] = w2 @ im2col(x[n]) (+ bias): x (N, C, H, W), w2 (F, C/groups*KH*KW) -> (N, F, P)."""
    x = np.ascontiguousarray(x)
    if cols.side_by_side:
        return _correlate_side_by_side(x, w2, bias, groups, cols)
    f = w2.shape[0]
    out = np.empty((x.shape[0], f, cols.oh * cols.ow), dtype=x.dtype)
    blocks = _group_slices(f, cols.rows, groups)
    im2col = ready(kernels.im2col)

    def step(n0: int, n1: int, columns: Array, padded: Array) -> None:
        im2col(x, n0, *cols.kernel_args(), padded, columns)
        for fs, rs in blocks:
            np.matmul(w2[fs], columns[:, rs], out=out[n0:n1, fs])
        if bias.size:
            out[n0:n1] += bias[:, None]

    cols.by_chunks(x.dtype, step)
    return out


def _correlate_input_grad(dy: Array, w2: Array, groups: int, cols: _Columns) -> Array:
    """Adjoint of ``_correlate`` in x: dx[n] = col2im(w2.T @ dy[n]); dy (N, F, P)."""
    if cols.side_by_side:
        return _correlate_grads_side_by_side(dy, None, w2, groups, cols)[0]
    dx = np.empty(cols.image, dtype=dy.dtype)
    blocks = _group_slices(w2.shape[0], cols.rows, groups)
    col2im = ready(kernels.col2im)

    def step(n0: int, n1: int, columns: Array, padded: Array) -> None:
        for fs, rs in blocks:
            np.matmul(w2[fs].T, dy[n0:n1, fs], out=columns[:, rs])
        col2im(columns, n0, *cols.kernel_args(), padded, dx)

    cols.by_chunks(dy.dtype, step)
    return dx


def _correlate_weight_grad(dy: Array, x: Array, groups: int, cols: _Columns) -> Array:
    """Adjoint of ``_correlate`` in w2: dw2 = sum_n dy[n] @ im2col(x[n]).T; dy (N, F, P)."""
    x = np.ascontiguousarray(x)
    if cols.side_by_side_weight_grad:
        return _correlate_grads_side_by_side(dy, x, None, groups, cols)[1]
    blocks = _group_slices(dy.shape[1], cols.rows, groups)
    im2col = ready(kernels.im2col)

    def step(n0: int, n1: int, columns: Array, padded: Array) -> Array:
        im2col(x, n0, *cols.kernel_args(), padded, columns)
        # (rows, P) @ (P, F) is the faster orientation for BLAS here; transposed at the end
        return np.concatenate([
            np.matmul(columns[:, rs], dy[n0:n1, fs].transpose(0, 2, 1)).sum(axis=0)
            for fs, rs in blocks], axis=1)

    dw_t = _sum_in_order(cols.by_chunks(x.dtype, step))
    return np.ascontiguousarray(dw_t.T)


def _correlate_side_by_side(x: Array, w2: Array, bias: Array, groups: int, cols: _Columns
                            ) -> Array:
    """``_correlate`` with a chunk's samples side by side: one product per chunk and group,
    then the (F, nb, P) result transposed into out (N, F, P), adding the bias on the way."""
    f, p = w2.shape[0], cols.positions
    out = np.empty((x.shape[0], f, p), dtype=x.dtype)
    blocks = _group_slices(f, cols.rows, groups)
    im2col = ready(kernels.im2col_batch)
    args = cols.kernel_args()

    def step(n0: int, n1: int, columns: Array, padded: Array, product: Array) -> None:
        im2col(x, n0, *args, padded, columns)
        for fs, rs in blocks:
            np.matmul(w2[fs], columns[rs], out=product[fs])
        by_sample = product.reshape(f, n1 - n0, p).transpose(1, 0, 2)
        if bias.size:
            np.add(by_sample, bias[:, None], out=out[n0:n1])
        else:
            out[n0:n1] = by_sample

    cols.side_by_side_chunks(x.dtype, f, step)
    return out


def _correlate_grads_side_by_side(dy: Array, x: Array | None, w2: Array | None, groups: int,
                                  cols: _Columns) -> tuple[Array | None, Array | None]:
    """Both adjoints of ``_correlate_side_by_side`` in one pass over the chunks: dx (when w2
    is given) and dw2 (when x is given); dy (N, F, P).

    Each chunk's dy is transposed once to (F, nb*P), the layout of the columns; then
    dw2 += (columns @ dy.T).T and dcolumns = w2.T @ dy, col2im'd into dx.
    """
    n, f, p = dy.shape
    dx = None if w2 is None else np.empty(cols.image, dtype=dy.dtype)
    blocks = _group_slices(f, cols.rows, groups)
    im2col, col2im = ready(kernels.im2col_batch), ready(kernels.col2im_batch)
    args = cols.kernel_args()

    def step(n0: int, n1: int, columns: Array, padded: Array, dy_t: Array) -> Array | None:
        dy_t.reshape(f, n1 - n0, p)[...] = dy[n0:n1].transpose(1, 0, 2)
        dw = None
        if x is not None:
            im2col(x, n0, *args, padded, columns)
            # (rows, nb*P) @ (nb*P, F), the faster orientation; transposed at the end
            parts = [np.matmul(columns[rs], dy_t[fs].T) for fs, rs in blocks]
            dw = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        if w2 is not None:
            for fs, rs in blocks:
                np.matmul(w2[fs].T, dy_t[fs], out=columns[rs])
            col2im(columns, n0, *args, padded, dx)
        return dw

    partial = cols.side_by_side_chunks(dy.dtype, f, step)
    if x is None:
        return dx, None
    dw_t = (_sum_in_order(partial) if partial
            else np.zeros((cols.rows // groups, f), dtype=dy.dtype))
    return dx, np.ascontiguousarray(dw_t.T)


# ----------------------------------------------------------------------------- Winograd

# F(2x2, 3x3) filter transform G (kernels.winograd explains the algorithm).
_WINOGRAD_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
# Below this many input or output channels, or 2x2 output tiles per sample, the 16 small
# products and the transforms lose to im2col. Measured, forward+backward at batch 64, as a
# fraction of im2col's time: 8 channels at 32x32 0.65x, 16 at 32x32 0.51x, 16 at 16x16
# 0.86x, 128 at 16x16 0.84x; but 4 channels at 32x32 0.96x, 3 -> 32 channels 1.5x, and at
# 8x8 (16 tiles, a junk tile for every 4) 1.07-1.12x for 16 to 128 channels.
_WINOGRAD_MIN_CHANNELS = 8
_WINOGRAD_MIN_TILES = 64


def _use_winograd(x_shape: tuple[int, ...], w_shape: tuple[int, ...], geo: ConvGeometry,
                  oh: int, ow: int) -> bool:
    """3x3, stride 1, no dilation or groups, and enough channels and tiles to pay off."""
    return (w_shape[2:] == (3, 3) and geo.stride == (1, 1) and geo.dilation == (1, 1)
            and geo.groups == 1 and min(x_shape[1], w_shape[0]) >= _WINOGRAD_MIN_CHANNELS
            and ((oh + 1) // 2) * ((ow + 1) // 2) >= _WINOGRAD_MIN_TILES)


class _Tiles(NamedTuple):
    """Winograd tiling of one conv: 2x2 output tiles, TH x TW of them per sample.

    Each row of tiles has TW + 1 slots, the last a junk tile (``kernels.winograd`` explains
    why), so a sample has T1 = TH * (TW + 1) slots.
    """

    image: tuple[int, ...]  # (N, C, H, W) of the input
    features: int
    padding: Pair
    oh: int
    ow: int

    @property
    def th(self) -> int:
        return (self.oh + 1) // 2

    @property
    def tw(self) -> int:
        return (self.ow + 1) // 2

    @property
    def slots(self) -> int:
        return self.th * (self.tw + 1)

    def kernel_args(self) -> tuple[int, int, int, int]:
        (ph, pw) = self.padding
        return ph, pw, self.th, self.tw

    def by_chunks(self, dtype: Any, step: Callable[[int, int, _WinogradScratch], T]
                  ) -> list[T]:
        """step(n0, n1, scratch) per chunk of samples, with buffers private to the worker
        thread (``_WinogradScratch``)."""
        n, c = self.image[:2]
        item = np.dtype(dtype).itemsize
        per = max(1, min(n, _CHUNK_BYTES // max(
            1, 16 * max(c, self.features) * self.slots * item)))
        # a channel's row of slots, then the 16 planes, padded so that no two are a power of
        # two apart in memory (they then share cache sets: the transforms ran 10x slower)
        row = per * self.slots + 64 // item
        w1, th = self.tw + 1, self.th

        def planes(rows: int) -> tuple[Array, Array]:
            """(16, rows*row + 1 KiB) planes, and their (16, rows, per*T1) matrix view."""
            flat = np.empty((16, rows * row + 1024 // item), dtype=dtype)
            return flat, np.lib.stride_tricks.as_strided(
                flat, (16, rows, per * self.slots), (flat.strides[0], row * item, item))

        def scratch() -> _WinogradScratch:
            (v, v_mat), (m, m_mat) = planes(c), planes(self.features)
            return _WinogradScratch(
                v, m, row, v_mat, m_mat,
                np.zeros((c, 4, (th + 2) * w1), dtype=dtype),  # parity planes of the input
                np.empty((16, self.slots), dtype=dtype),
                np.zeros((16, (th + 2) * w1 + 1), dtype=dtype),
                np.empty((4, (th + 1) * w1), dtype=dtype))

        return threads.map_chunks(n, per, scratch, step)


class _WinogradScratch(NamedTuple):
    """A worker's buffers: the 16 planes of V and of M (channel c's slots from c*row on) and
    their views as matrices (16, channels, slots) for BLAS, and the kernels' scratch
    (``kernels.winograd``: q for ``input_transform``, e and g for ``input_adjoint``, r for
    all four)."""

    v: Array
    m: Array
    row: int
    v_matrices: Array
    m_matrices: Array
    q: Array
    r: Array
    e: Array
    g: Array


def _winograd_weights(weight: Array) -> Array:
    """U = G g G^T for every (filter, channel): (F, C, 3, 3) -> (16, F, C)."""
    f, c = weight.shape[:2]
    u = np.einsum("ai,fcij,bj->abfc", _WINOGRAD_G, weight, _WINOGRAD_G)
    return np.ascontiguousarray(u.reshape(16, f, c), dtype=weight.dtype)


def _winograd_forward(x: Array, u: Array, bias: Array, tiles: _Tiles) -> Array:
    """out = A^T [U @ (B^T d B)] A per tile and chunk of samples (+ bias)."""
    x = np.ascontiguousarray(x)
    out = np.empty((x.shape[0], tiles.features, tiles.oh, tiles.ow), dtype=x.dtype)
    ph, pw, th, tw = tiles.kernel_args()
    transform_in = ready(winograd.input_transform)
    transform_out = ready(winograd.output_transform)

    def step(n0: int, n1: int, b: _WinogradScratch) -> None:
        nb = n1 - n0
        transform_in(x, n0, nb, ph, pw, th, tw, b.q, b.r, b.v, b.row)
        cols = nb * tiles.slots
        np.matmul(u, b.v_matrices[:, :, :cols], out=b.m_matrices[:, :, :cols])
        transform_out(b.m, b.row, n0, nb, th, tw, b.r, out)
        if bias.size:
            out[n0:n1] += bias[:, None, None]

    tiles.by_chunks(x.dtype, step)
    return out


def _winograd_backward(dout: Array, x: Array, u: Array, tiles: _Tiles, need_dx: bool,
                       need_dw: bool) -> tuple[Array | None, Array | None]:
    """The adjoints: dM = A dY A^T; dU = dM @ V^T, dg = G^T dU G; dV = U^T @ dM, dx = B dV B^T."""
    dout, x = np.ascontiguousarray(dout), np.ascontiguousarray(x)
    ph, pw, th, tw = tiles.kernel_args()
    dx = np.empty(x.shape, dtype=dout.dtype) if need_dx else None
    u_t = u.transpose(0, 2, 1)
    adjoint_out = ready(winograd.output_adjoint)
    transform_in = ready(winograd.input_transform)
    adjoint_in = ready(winograd.input_adjoint)

    def step(n0: int, n1: int, b: _WinogradScratch) -> Array | None:
        nb = n1 - n0
        adjoint_out(dout, n0, nb, th, tw, b.r, b.m, b.row)
        cols = nb * tiles.slots
        dm, v = b.m_matrices[:, :, :cols], b.v_matrices[:, :, :cols]
        du = None
        if need_dw:  # (the junk slots of dM are zero: they add nothing to dU)
            transform_in(x, n0, nb, ph, pw, th, tw, b.q, b.r, b.v, b.row)
            du = np.matmul(dm, v.transpose(0, 2, 1))
        if need_dx:
            np.matmul(u_t, dm, out=v)  # v now holds dV
            adjoint_in(b.v, b.row, n0, nb, ph, pw, th, tw, b.r, b.e, b.g, dx)
        return du

    partial = tiles.by_chunks(dout.dtype, step)
    dweight = None
    if need_dw:
        du = _sum_in_order(partial)
        f, c = du.shape[1:]
        dweight = np.einsum("ai,abfc,bj->fcij", _WINOGRAD_G, du.reshape(4, 4, f, c),
                            _WINOGRAD_G).astype(dout.dtype, copy=False)
    return dx, dweight


# ----------------------------------------------------------------------------- channels last

# Small maps with several channels run channels-last (``kernels.conv.im2row``): every copy of
# im2col is a run of OW positions, 4 on a 4x4 map, and the loops' overhead then costs more than
# the product; channels-last rows copy runs of C (or KW*C) numbers, and a chunk of samples is
# a few products, one per class of positions that read the same taps. Measured (A/B in one
# process, 3x3 convs with padding 1, batches 8-512, float32): on 4x4 maps with 16, 32 and 64
# channels, forward 0.6-0.95x and forward+backward 0.4-0.9x the time of im2col; on 8x8 maps
# with 32 or 64 channels 0.8-1.0x, with 16 channels 0.9-1.1x, and with 1 channel 2.5-3x (runs
# of one number). So channels-last runs when the channels are at least
# ``_ROWS_CHANNELS_PER_COLUMN`` times the output width, for groups 1 only.
_ROWS_CHANNELS_PER_COLUMN = 4
# A chunk of rows takes this many times ``_CHUNK_BYTES``: a class of positions is a product of
# count*nb rows, and the corners' (one position each) were too short for BLAS's best speed.
# Measured (one thread, CPU time, 3x3 convs with padding 1 on 4x4 maps, batches 32-512):
# forward+backward with the padding's taps skipped took 0.85-1.0x the time of all taps with
# 1 MB chunks, 0.8-0.95x with 2 MB, and no better with 4 MB.
_ROWS_CHUNKS = 2


# A few samples make short products: a corner's class is one row per sample, and each product
# costs BLAS's call whatever its size, more than the padding's taps it skips. So when the
# smallest class would have fewer rows than this, the image is padded first and every position
# reads all the taps: one class, one product. Measured (one thread, CPU time, 3x3 convs with
# padding 1 on 4x4 maps, 16-32, 32-64 and 64-128 channels, forward+backward): padded first took
# 0.64-0.92x the time at batch 1, 0.89-0.96x at 2, 0.91-1.05x at 4, 1.05-1.12x at 8.
_ROWS_MIN_CLASS_ROWS = 4


def _use_rows(cols: _Columns) -> bool:
    """Channels-last rows for groups 1 and output rows short against the channels."""
    return cols.geometry.groups == 1 and _ROWS_CHANNELS_PER_COLUMN * cols.ow <= cols.image[1]


class _RowClass(NamedTuple):
    """Output positions that read the same taps: ``count`` of them from ``first`` on in the
    plan's order, kernel rows i0 <= i < i1 and columns j0 <= j < j1."""

    first: int
    count: int
    i0: int
    i1: int
    j0: int
    j1: int


class _RowPlan(NamedTuple):
    """Which taps each output position reads (``kernels.conv.im2row``): the positions in
    class order, each one's tap ranges and the taps of the positions before it (P, 5), the
    classes, and a sample's taps in all."""

    order: Array
    ranges: Array
    classes: tuple[_RowClass, ...]
    sample_taps: int


def _inside(out_size: int, stride: int, pad: int, dilation: int, k: int, size: int
            ) -> list[tuple[int, int]]:
    """For each output index o, the range [t0, t1) of kernel taps t that read inside the
    image, 0 <= o*stride - pad + t*dilation < size ((0, 0) if none do)."""
    ranges = []
    for o in range(out_size):
        taps = [t for t in range(k) if 0 <= o * stride - pad + t * dilation < size]
        ranges.append((taps[0], taps[-1] + 1) if taps else (0, 0))
    return ranges


@functools.lru_cache(maxsize=32)
def _row_plan(cols: _Columns) -> _RowPlan:
    """The positions of ``cols``'s output grouped by the taps they read, in order of their
    first row and column (for a 3x3 kernel with padding 1: the 4 corners, 4 edges, inside)."""
    _, c, h, w = cols.image
    (sh, sw), (ph, pw), (dh, dw) = (cols.geometry.stride, cols.geometry.padding,
                                    cols.geometry.dilation)
    ys, zs = _inside(cols.oh, sh, ph, dh, cols.kh, h), _inside(cols.ow, sw, pw, dw, cols.kw, w)
    by_row = {r: [y for y in range(cols.oh) if ys[y] == r] for r in dict.fromkeys(ys)}
    by_col = {r: [z for z in range(cols.ow) if zs[z] == r] for r in dict.fromkeys(zs)}
    order: list[int] = []
    ranges: list[tuple[int, int, int, int, int]] = []
    classes, taps = [], 0
    for (i0, i1), rows in by_row.items():
        for (j0, j1), columns in by_col.items():
            positions = [y * cols.ow + z for y in rows for z in columns]
            classes.append(_RowClass(len(order), len(positions), i0, i1, j0, j1))
            for p in positions:
                order.append(p)
                ranges.append((i0, i1, j0, j1, taps))
                taps += (i1 - i0) * (j1 - j0) * c
    return _RowPlan(np.array(order, dtype=np.int64),
                    np.array(ranges, dtype=np.int64).reshape(-1, 5), tuple(classes), taps)


def _rows_of(cols: _Columns, features: int) -> tuple[_Rows, Pair]:
    """The channels-last rows of ``cols`` and the padding to add to its image first: none, or
    for a batch too small for the classes' products (``_ROWS_MIN_CLASS_ROWS``) all of it."""
    classes = _row_plan(cols).classes
    if len(classes) > 1 and cols.image[0] * min(k.count for k in classes) < _ROWS_MIN_CLASS_ROWS:
        n, c, h, w = cols.image
        (ph, pw), geo = cols.geometry.padding, cols.geometry
        padded = cols._replace(image=(n, c, h + 2 * ph, w + 2 * pw),
                               geometry=geo._replace(padding=(0, 0)))
        return _Rows(padded, features), (ph, pw)
    return _Rows(cols, features), (0, 0)


def _pad_image(x: Array, padding: Pair) -> Array:
    """x (N, C, H, W) with zeros around its maps (x itself, contiguous, for no padding)."""
    (ph, pw) = padding
    if ph == pw == 0:
        return np.ascontiguousarray(x)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


class _Rows(NamedTuple):
    """A conv2d (groups 1) by channels-last rows: the image, kernel, geometry and output size
    of ``cols``, F filters."""

    cols: _Columns
    features: int

    @property
    def plan(self) -> _RowPlan:
        return _row_plan(self.cols)

    def kernel_args(self) -> tuple[Any, ...]:
        """The geometry arguments of ``kernels.conv.im2row`` and ``row2im``."""
        (sh, sw), (ph, pw), (dh, dw) = (self.cols.geometry.stride, self.cols.geometry.padding,
                                        self.cols.geometry.dilation)
        plan = self.plan
        return sh, sw, ph, pw, dh, dw, self.cols.ow, plan.order, plan.ranges

    def class_weights(self, weight: Array) -> list[Array]:
        """Each class's weights (F, taps): weight[:, :, i0:i1, j0:j1] in the rows' tap order
        (views where a class reads whole kernel rows)."""
        w = np.ascontiguousarray(weight.transpose(0, 2, 3, 1))
        return [w[:, k.i0:k.i1, k.j0:k.j1].reshape(self.features, -1)
                for k in self.plan.classes]

    def blocks(self, nb: int, rows: Array, product: Array
               ) -> list[tuple[_RowClass, Array, Array]]:
        """For a chunk of nb samples: each class, its rows (count*nb, taps) in the flat
        ``rows`` and its block of the (P*nb, F) ``product``."""
        out, off, c = [], 0, self.cols.image[1]
        for k in self.plan.classes:
            m, taps = k.count * nb, (k.i1 - k.i0) * (k.j1 - k.j0) * c
            out.append((k, rows[off:off + m * taps].reshape(m, taps),
                        product[k.first * nb:k.first * nb + m]))
            off += m * taps
        return out

    def by_chunks(self, dtype: Any, step: Callable[[int, int, Array, Array], T]) -> list[T]:
        """step(n0, n1, rows, product) for every chunk of samples; results in chunk order.

        ``rows`` is a flat buffer for the chunk's rows, ``product`` one (nb*OH*OW, F) for its
        product, both private to the worker thread; a chunk's buffers take about
        ``_ROWS_CHUNKS * _CHUNK_BYTES``. Products worth two threads make an even number of
        chunks. The chunks depend only on the shapes, never on the number of threads.
        """
        n, p, f = self.cols.image[0], self.cols.positions, self.features
        taps = self.plan.sample_taps
        per_sample = max(1, (taps + f * p) * np.dtype(dtype).itemsize)
        per = max(1, min(n, _ROWS_CHUNKS * _CHUNK_BYTES // per_sample))
        count = -(-n // per) if n else 1
        if n * taps * f >= threads.BLAS_SPLIT_MIN_WORK and count % 2 and count < n:
            count += 1  # products worth two threads: the chunks in pairs
        per = -(-n // count) if n else 1

        def scratch() -> tuple[Array, Array]:
            return (np.empty(per * taps, dtype=dtype), np.empty((per * p, f), dtype=dtype))

        return threads.map_chunks(n, per, scratch, lambda n0, n1, bufs: step(
            n0, n1, bufs[0], bufs[1][:(n1 - n0) * p]))


@threads.blas_in_pool
def _rows_forward(x: Array, weight: Array, bias: Array, cols: _Columns, features: int) -> Array:
    """Per chunk and class of positions, rows @ class weights.T, then into (nb, F, OH*OW)."""
    r, padding = _rows_of(cols, features)
    x = _pad_image(x, padding)
    out = np.empty((x.shape[0], r.features, r.cols.positions), dtype=x.dtype)
    weights = r.class_weights(weight)
    bias = np.ascontiguousarray(bias, dtype=x.dtype).reshape(-1)
    im2row, to_maps, args = ready(kernels.im2row), ready(kernels.rows_to_maps), r.kernel_args()

    def step(n0: int, n1: int, rows: Array, product: Array) -> None:
        im2row(x, n0, n1, *args, rows)
        for (_k, taps, block), w_k in zip(r.blocks(n1 - n0, rows, product), weights,
                                         strict=True):
            if taps.shape[1]:
                np.matmul(taps, w_k.T, out=block)
            else:  # positions whose taps all fall in the padding
                block[...] = 0
        to_maps(product, n0, n1, r.plan.order, bias, out)

    r.by_chunks(x.dtype, step)
    return out.reshape(x.shape[0], r.features, r.cols.oh, r.cols.ow)


@threads.blas_in_pool
def _rows_backward(dout: Array, x: Array, weight: Array, cols: _Columns, features: int,
                   need_dx: bool, need_dw: bool) -> tuple[Array | None, Array | None]:
    """Per chunk, dy = dout in the product's layout; per class, dweight[:, i0:i1, j0:j1] +=
    dy.T @ rows, and drows = dy @ class weights, row2im'd into dx."""
    r, (ph, pw) = _rows_of(cols, features)
    height, width = x.shape[2:]
    x = _pad_image(x, (ph, pw))
    n, f, c = x.shape[0], r.features, x.shape[1]
    dout = np.ascontiguousarray(dout).reshape(n, f, r.cols.positions)
    weights = r.class_weights(weight)
    dx = np.empty(x.shape, dtype=dout.dtype) if need_dx else None
    im2row, row2im, args = ready(kernels.im2row), ready(kernels.row2im), r.kernel_args()
    to_rows = ready(kernels.maps_to_rows)

    def step(n0: int, n1: int, rows: Array, dy: Array) -> Array | None:
        to_rows(dout, n0, n1, r.plan.order, dy)
        dw = None
        if need_dw:
            im2row(x, n0, n1, *args, rows)
            dw = np.zeros((f, r.cols.kh, r.cols.kw, c), dtype=dout.dtype)
        for (k, taps, block), w_k in zip(r.blocks(n1 - n0, rows, dy), weights, strict=True):
            if not taps.shape[1]:
                continue
            if dw is not None:
                dw[:, k.i0:k.i1, k.j0:k.j1] += np.matmul(block.T, taps).reshape(
                    f, k.i1 - k.i0, k.j1 - k.j0, c)
            if need_dx:
                np.matmul(block, w_k, out=taps)
        if need_dx:
            row2im(rows, n0, n1, *args, dx)
        return dw

    partial = r.by_chunks(dout.dtype, step)
    dweight = None
    if need_dw:
        dweight = np.ascontiguousarray(_sum_in_order(partial).transpose(0, 3, 1, 2))
    if dx is not None and (ph or pw):  # the padded image's gradient, cropped
        dx = np.ascontiguousarray(dx[:, :, ph:ph + height, pw:pw + width])
    return dx, dweight


def _sum_in_order(parts: list[Array]) -> Array:
    """The chunks' partial sums added in chunk order (into the first), whatever the number of
    threads that made them: the same bits on 1 and 2 threads."""
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total


def _flat(a: Array) -> Array:
    """(N, F, H, W) -> contiguous (N, F, H*W)."""
    return np.ascontiguousarray(a).reshape(a.shape[0], a.shape[1], a.shape[2] * a.shape[3])



class Conv2dFastCache(NamedTuple):
    """Cache of the fast ``conv2d`` pair: inputs, geometry and sizes."""

    x: Array
    weight: Array
    has_bias: bool
    geometry: ConvGeometry
    out_hw: Pair
    winograd: Array | None = None  # conv2d by Winograd: the transformed weights (16, F, C)
    channels_last: bool = False  # conv2d by channels-last rows (``_rows_forward``)


def conv2d_fast_forward(x: Array, weight: Array, bias: Array, *, stride: Any = (1, 1),
                        padding: Any = (0, 0), dilation: Any = (1, 1), groups: int = 1
                        ) -> tuple[Array, Conv2dFastCache]:
    """``conv.conv2d_forward``, chunked over the batch, or by Winograd for 3x3 stride-1 convs.

    Winograd runs for 3x3 kernels, stride 1, no dilation or groups, with at least
    ``_WINOGRAD_MIN_CHANNELS`` input and output channels and ``_WINOGRAD_MIN_TILES`` 2x2
    output tiles per sample; the cache then holds the transformed weights. Otherwise small
    maps with many channels (``_use_rows``) run channels-last, the rest by im2col.
    """
    geo, (oh, ow) = conv2d_args(x, weight, bias, stride, padding, dilation, groups)
    n, f, (kh, kw) = x.shape[0], weight.shape[0], weight.shape[2:]
    if _use_winograd(x.shape, weight.shape, geo, oh, ow):
        u = _winograd_weights(weight)
        out = _winograd_forward(x, u, bias, _Tiles(x.shape, f, geo.padding, oh, ow))
        return out, Conv2dFastCache(x, weight, bias.size > 0, geo, (oh, ow), u)
    cols = _Columns(x.shape, kh, kw, geo, oh, ow)
    if _use_rows(cols):
        out = _rows_forward(x, weight, bias, cols, f)
        return out, Conv2dFastCache(x, weight, bias.size > 0, geo, (oh, ow), None, True)
    out = _correlate(x, weight.reshape(f, -1), bias, geo.groups, cols)
    return out.reshape(n, f, oh, ow), Conv2dFastCache(x, weight, bias.size > 0, geo, (oh, ow))


def conv2d_fast_backward(dout: Array, cache: Conv2dFastCache
                         ) -> tuple[Array | None, Array | None, Array | None]:
    """Gradients of ``conv2d_fast_forward``: two products with the columns, col2im for dx."""
    x, weight, has_bias, geo, (oh, ow), u, channels_last = cache
    f, _, kh, kw = weight.shape
    dbias = dout.sum(axis=(0, 2, 3)) if has_bias and needs_input_grad(2) else None
    if x.shape[0] == 0:  # an empty batch: no chunk to work through, zero weight gradient
        return np.zeros_like(x), np.zeros_like(weight), dbias
    if u is not None:
        dx, dweight = _winograd_backward(dout, x, u, _Tiles(x.shape, f, geo.padding, oh, ow),
                                         needs_input_grad(0), needs_input_grad(1))
        return dx, dweight, dbias
    cols = _Columns(x.shape, kh, kw, geo, oh, ow)
    if channels_last:
        dx, dweight = _rows_backward(dout, x, weight, cols, f, needs_input_grad(0),
                                     needs_input_grad(1))
        return dx, dweight, dbias
    dy = _flat(dout)
    dx = dweight = None
    if cols.side_by_side:  # both gradients in one pass over the chunks
        dx, dweight = _correlate_grads_side_by_side(
            dy, np.ascontiguousarray(x) if needs_input_grad(1) else None,
            weight.reshape(f, -1) if needs_input_grad(0) else None, geo.groups, cols)
        return dx, None if dweight is None else dweight.reshape(weight.shape), dbias
    if needs_input_grad(0):
        dx = _correlate_input_grad(dy, weight.reshape(f, -1), geo.groups, cols)
    if needs_input_grad(1):
        dweight = _correlate_weight_grad(dy, x, geo.groups, cols).reshape(weight.shape)
    return dx, dweight, dbias


class ConvTranspose2dFastCache(NamedTuple):
    """Cache of the fast ``conv_transpose2d`` pair: inputs, geometry and output size."""

    x: Array
    weight: Array
    has_bias: bool
    geometry: ConvGeometry
    out_hw: Pair


def conv_transpose2d_fast_forward(x: Array, weight: Array, bias: Array, *,
                                  stride: Any = (1, 1), padding: Any = (0, 0),
                                  output_padding: Any = (0, 0), dilation: Any = (1, 1),
                                  groups: int = 1
                                  ) -> tuple[Array, ConvTranspose2dFastCache]:
    """``conv.conv_transpose2d_forward``: the conv's chunked input-gradient computation."""
    geo, (oh, ow) = conv_transpose2d_args(x, weight, bias, stride, padding, output_padding,
                                          dilation, groups)
    n, cin = x.shape[:2]
    _, cout_g, kh, kw = weight.shape
    cols = _Columns((n, cout_g * geo.groups, oh, ow), kh, kw, geo, *x.shape[2:])
    out = _correlate_input_grad(_flat(x), weight.reshape(cin, -1), geo.groups, cols)
    if bias.size:
        out += bias.reshape(1, -1, 1, 1)
    return out, ConvTranspose2dFastCache(x, weight, bias.size > 0, geo, (oh, ow))


def conv_transpose2d_fast_backward(dout: Array, cache: ConvTranspose2dFastCache
                                   ) -> tuple[Array | None, Array | None, Array | None]:
    """A transposed convolution's input gradient is an ordinary (chunked) convolution."""
    x, weight, has_bias, geo = cache[:4]
    n, cin, h, w = x.shape
    if n == 0:  # an empty batch: no chunk to work through, zero weight gradient
        dbias = np.zeros(dout.shape[1], dout.dtype) if has_bias else None
        return np.zeros_like(x), np.zeros_like(weight), dbias
    kh, kw = weight.shape[2:]
    cols = _Columns(dout.shape, kh, kw, geo, h, w)
    dx = dweight = dbias = None
    if needs_input_grad(0):
        dx = _correlate(dout, weight.reshape(cin, -1), np.empty(0, dtype=dout.dtype),
                        geo.groups, cols).reshape(x.shape)
    if needs_input_grad(1):
        dweight = _correlate_weight_grad(_flat(x), dout, geo.groups, cols).reshape(
            weight.shape)
    if has_bias and needs_input_grad(2):
        dbias = dout.sum(axis=(0, 2, 3))
    return dx, dweight, dbias


class Conv2dWeightFastCache(NamedTuple):
    """Cache of the fast ``conv2d_weight`` pair: both inputs and the columns' geometry."""

    x: Array
    dy: Array
    columns: _Columns


def conv2d_weight_fast_forward(x: Array, dy: Array, *, kernel_size: Any,
                               stride: Any = (1, 1), padding: Any = (0, 0),
                               dilation: Any = (1, 1), groups: int = 1
                               ) -> tuple[Array, Conv2dWeightFastCache]:
    """``conv.conv2d_weight_forward``: the fast conv2d backward's weight-gradient products."""
    geo, (kh, kw) = conv2d_weight_args(x, dy, kernel_size, stride, padding, dilation, groups)
    f, (oh, ow) = dy.shape[1], dy.shape[2:]
    cols = _Columns(x.shape, kh, kw, geo, oh, ow)
    shape = (f, x.shape[1] // geo.groups, kh, kw)
    if x.shape[0] == 0:
        return np.zeros(shape, dtype=x.dtype), Conv2dWeightFastCache(x, dy, cols)
    dweight = _correlate_weight_grad(_flat(dy), x, geo.groups, cols).reshape(shape)
    return dweight, Conv2dWeightFastCache(x, dy, cols)


def conv2d_weight_fast_backward(dout: Array, cache: Conv2dWeightFastCache
                                ) -> tuple[Array | None, Array | None]:
    """dx = the conv's input gradient for weight dout; ddy = the conv of x with dout."""
    x, dy, cols = cache
    if x.shape[0] == 0:
        return np.zeros_like(x), np.zeros_like(dy)
    w2 = np.ascontiguousarray(dout).reshape(dout.shape[0], -1)
    dx = ddy = None
    if needs_input_grad(0):
        dx = _correlate_input_grad(_flat(dy), w2, cols.geometry.groups, cols)
    if needs_input_grad(1):
        ddy = _correlate(x, w2, np.empty(0, dtype=x.dtype), cols.geometry.groups,
                         cols).reshape(dy.shape)
    return dx, ddy
