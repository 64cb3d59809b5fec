"""Pooling loops: one family of kernels for regular and adaptive max/average pooling.

Every pooling op reduces a window of each (H, W) plane to one number. The op (``ops/pool.py``)
describes the windows with four small integer arrays computed in numpy, so the same kernels
serve ``max_pool2d``, ``avg_pool2d`` and their adaptive versions:

- ``h_start[oh]``: the first input row of output row ``oh`` that lies inside the image (the
  op has already skipped taps that fall into the padding), ``h_len[oh]``: how many taps the
  window has inside the image, ``dh``: the step between taps (the dilation); the same for
  columns. Output ``out[p, oh, ow]`` therefore reads
  ``x[p, h_start[oh] + i*dh, w_start[ow] + j*dw]`` for ``i < h_len[oh]``, ``j < w_len[ow]``,
  and no kernel needs a bounds check.

Inputs are contiguous float32 or float64 arrays of shape (P, H, W) with P = N*C planes.
Every loop is a compiled function of a range of planes ``[p0, p1)`` (the ``*_planes``
kernels): plane ``p`` of the input gives plane ``p`` of the result, so overlapping windows,
which add into the same ``dx`` cell, are summed serially by one call and never by two
threads. The function of the same name without the suffix allocates the result and runs the
ranges on the thread pool (``threads.parallel_for``); results are identical for any number
of threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from . import threads
from .jit import ready


@njit(cache=True, nogil=True)
def max_pool_fwd_planes(x3, h_start, h_len, w_start, w_len, dh, dw, out, argmax, p0, p1
                        ):  # pragma: no cover - compiled
    """Max over each window, and where it was.

    Args:
        x3: (P, H, W) float32/float64, contiguous.
        h_start: (OH,) int64, first in-image row of each output row's window.
        h_len: (OH,) int64, number of in-image taps of each output row's window.
        w_start: (OW,) int64, first in-image column of each output column's window.
        w_len: (OW,) int64, number of in-image taps of each output column's window.
        dh: row step between taps (the dilation).
        dw: column step between taps.

    Returns:
        out (P, OH, OW) with x3's dtype, and argmax (P, OH, OW) int64: the flat index
        ``h * W + w`` of the max inside its plane (PyTorch's ``indices``), -1 for a window
        with no tap inside the image (out is -inf there).

    A tap wins when ``v > best or isnan(v)`` (PyTorch's rule): ties keep the first max in
    row-major scan order, and a NaN wins, so the last NaN of a window is the one reported.
    Planes p0 to p1 - 1.

    The running max and argmax are kept by selects, not a branch (a new max is
    unpredictable), and each compare waits for the one before it, so two neighbouring windows
    of the same width are scanned together, two independent chains side by side. Measured on
    3x3/2 windows with padding 1, one thread: 0.67x the time of one window with a branch.
    """
    width = x3.shape[2]
    n_oh, n_ow = h_start.shape[0], w_start.shape[0]
    x3, out, argmax = x3[p0:p1], out[p0:p1], argmax[p0:p1]  # from 0: no index tests
    for p in range(p1 - p0):
        plane = x3[p].reshape(-1)
        for oh in range(n_oh):
            h0, hn = h_start[oh], h_len[oh]
            ow = 0
            while ow < n_ow:
                w0, wn = w_start[ow], w_len[ow]
                pair = ow + 1 < n_ow and w_len[ow + 1] == wn
                w1 = w_start[ow + 1] if pair else w0
                best = best1 = -np.inf
                where = h0 * width + w0 if hn > 0 and wn > 0 else -1
                where1 = h0 * width + w1 if hn > 0 and wn > 0 else -1
                for i in range(hn):
                    row = (h0 + i * dh) * width
                    for j in range(wn):
                        k, k1 = row + w0 + j * dw, row + w1 + j * dw
                        v, v1 = plane[k], plane[k1]
                        better, better1 = _wins(v, best), _wins(v1, best1)
                        best, where = (v, k) if better else (best, where)
                        best1, where1 = (v1, k1) if better1 else (best1, where1)
                out[p, oh, ow], argmax[p, oh, ow] = best, where
                if pair:
                    out[p, oh, ow + 1], argmax[p, oh, ow + 1] = best1, where1
                ow += 2 if pair else 1


@njit(cache=True, nogil=True, inline="always")
def _wins(v, best):  # pragma: no cover - compiled
    """Tap value v replaces the running max: strictly larger, or NaN (PyTorch's rule)."""
    return (v > best) | (v != v)


def max_pool_fwd(x3: Any, h_start: Any, h_len: Any, w_start: Any, w_len: Any, dh: int,
                 dw: int) -> tuple[Any, Any]:
    """``max_pool_fwd_planes`` over all planes: (out, argmax), each (P, OH, OW)."""
    shape = (x3.shape[0], h_start.shape[0], w_start.shape[0])
    out, argmax = np.empty(shape, dtype=x3.dtype), np.empty(shape, dtype=np.int64)
    kernel = ready(max_pool_fwd_planes)
    window = int(h_len.max(initial=0)) * int(w_len.max(initial=0))
    threads.parallel_for(x3.shape[0], lambda p0, p1: kernel(  # work: every window's compares
        x3, h_start, h_len, w_start, w_len, dh, dw, out, argmax, p0, p1), work=out.size * window)
    return out, argmax


@njit(cache=True, nogil=True)
def max_pool_bwd_planes(dout3, argmax, dx, p0, p1):  # pragma: no cover - compiled
    """Route each upstream gradient to the input cell that won its window.

    Args:
        dout3: (P, OH, OW) float32/float64, contiguous.
        argmax: (P, OH, OW) int64 from ``max_pool_fwd`` (-1: no cell, no gradient).
        height: H of the input.
        width: W of the input.

    Returns:
        dx3 (P, H, W) with dout3's dtype: ``dx3[p].flat[argmax[p, oh, ow]] += dout3[p, oh, ow]``
        (a cell that wins several overlapping windows gets the sum). Planes p0 to p1 - 1.
    """
    n_oh, n_ow = dout3.shape[1], dout3.shape[2]
    dout3, argmax, dx = dout3[p0:p1], argmax[p0:p1], dx[p0:p1]  # from 0: no index tests
    for p in range(p1 - p0):
        for oh in range(n_oh):
            for ow in range(n_ow):
                k = argmax[p, oh, ow]
                if k >= 0:
                    dx[p, k] += dout3[p, oh, ow]


def max_pool_bwd(dout3: Any, argmax: Any, height: int, width: int) -> Any:
    """``max_pool_bwd_planes`` over all planes: dx3 (P, H, W)."""
    planes = dout3.shape[0]
    dx = np.zeros((planes, height * width), dtype=dout3.dtype)
    kernel = ready(max_pool_bwd_planes)
    threads.parallel_for(planes, lambda p0, p1: kernel(dout3, argmax, dx, p0, p1),
                         work=dx.size)
    return dx.reshape(planes, height, width)


@njit(cache=True, nogil=True)
def max_pool_2x2_fwd_planes(x3, out, argmax, p0, p1):  # pragma: no cover - compiled
    """``max_pool_fwd`` for the most common pooling, 2x2 windows with stride 2, no padding.

    Args:
        x3: (P, H, W) float32/float64, contiguous, with H >= 2 * n_oh and W >= 2 * n_ow.
        n_oh: OH, the number of output rows (H // 2).
        n_ow: OW, the number of output columns (W // 2).

    Returns:
        out and argmax exactly as ``max_pool_fwd`` returns them for these windows: the same
        tie and NaN rule, taps scanned in the order top-left, top-right, bottom-left,
        bottom-right. Written out for the four taps, the comparisons become selects that the
        compiler vectorizes: about 4x faster than the general kernel. Planes p0 to p1 - 1.
    """
    width, n_oh, n_ow = x3.shape[2], out.shape[1], out.shape[2]
    x3, out, argmax = x3[p0:p1], out[p0:p1], argmax[p0:p1]  # from 0: no index tests
    for p in range(p1 - p0):
        for oh in range(n_oh):
            top, bottom = x3[p, 2 * oh], x3[p, 2 * oh + 1]
            best_row, where_row = out[p, oh], argmax[p, oh]
            first = 2 * oh * width
            for ow in range(n_ow):
                best = top[2 * ow]
                tap = 0  # offset of the winner from the window's top-left cell
                v = top[2 * ow + 1]
                if (v > best) | (v != v):  # v != v: v is NaN
                    best, tap = v, 1
                v = bottom[2 * ow]
                if (v > best) | (v != v):
                    best, tap = v, width
                v = bottom[2 * ow + 1]
                if (v > best) | (v != v):
                    best, tap = v, width + 1
                best_row[ow] = best
                where_row[ow] = first + 2 * ow + tap


def max_pool_2x2_fwd(x3: Any, n_oh: int, n_ow: int) -> tuple[Any, Any]:
    """``max_pool_2x2_fwd_planes`` over all planes: (out, argmax), each (P, OH, OW)."""
    shape = (x3.shape[0], n_oh, n_ow)
    out, argmax = np.empty(shape, dtype=x3.dtype), np.empty(shape, dtype=np.int64)
    kernel = ready(max_pool_2x2_fwd_planes)
    threads.parallel_for(x3.shape[0], lambda p0, p1: kernel(x3, out, argmax, p0, p1),
                         work=x3.size)
    return out, argmax


@njit(cache=True, nogil=True)
def max_pool_2x2_bwd_planes(dout3, argmax, dx, p0, p1):  # pragma: no cover - compiled
    """``max_pool_bwd`` for ``max_pool_2x2_fwd``'s windows, which never overlap.

    Every input cell lies in at most one window, so each cell is written once: dout where it
    won, zero elsewhere (and zero in a last odd row or column no window covers), without first
    zeroing dx and without read-modify-write. Planes p0 to p1 - 1.
    """
    n_oh, n_ow = dout3.shape[1], dout3.shape[2]
    height, width = dx.shape[1], dx.shape[2]
    dout3, argmax, dx = dout3[p0:p1], argmax[p0:p1], dx[p0:p1]  # from 0: no index tests
    for p in range(p1 - p0):
        for oh in range(n_oh):
            top, bottom = dx[p, 2 * oh], dx[p, 2 * oh + 1]
            grad_row, where_row = dout3[p, oh], argmax[p, oh]
            first = 2 * oh * width
            for ow in range(n_ow):
                tap = where_row[ow] - first - 2 * ow
                g = grad_row[ow]
                top[2 * ow] = g if tap == 0 else 0.0
                top[2 * ow + 1] = g if tap == 1 else 0.0
                bottom[2 * ow] = g if tap == width else 0.0
                bottom[2 * ow + 1] = g if tap == width + 1 else 0.0
            for z in range(2 * n_ow, width):
                top[z] = 0.0
                bottom[z] = 0.0
        for y in range(2 * n_oh, height):
            dx[p, y] = 0.0


def max_pool_2x2_bwd(dout3: Any, argmax: Any, height: int, width: int) -> Any:
    """``max_pool_2x2_bwd_planes`` over all planes: dx3 (P, H, W)."""
    dx = np.empty((dout3.shape[0], height, width), dtype=dout3.dtype)
    kernel = ready(max_pool_2x2_bwd_planes)
    threads.parallel_for(dout3.shape[0], lambda p0, p1: kernel(dout3, argmax, dx, p0, p1),
                         work=dx.size)
    return dx


@njit(cache=True, nogil=True)
def avg_pool_fwd_planes(x3, h_start, h_len, w_start, w_len, divisor, out, p0, p1
                        ):  # pragma: no cover - compiled
    """Sum over each window divided by that window's divisor.

    Args:
        x3: (P, H, W) float32/float64, contiguous.
        h_start: (OH,) int64, first in-image row of each output row's window.
        h_len: (OH,) int64, number of in-image rows of each window (windows are dense).
        w_start: (OW,) int64, first in-image column of each output column's window.
        w_len: (OW,) int64, number of in-image columns of each window (at least 1).
        divisor: (OH, OW) with x3's dtype; the op encodes PyTorch's rules in it
            (kernel area, area inside the image, ``divisor_override``, adaptive area).

    Returns:
        out (P, OH, OW) with x3's dtype:
        ``out[p, oh, ow] = sum(x3[p, h0:h0+hn, w0:w0+wn]) / divisor[oh, ow]``.

    The sum is separable: first ``colsum[w] = sum over the window's rows of x3[p, h, w]`` for
    every column at once (a loop over contiguous memory that the compiler vectorises), then
    each window adds its columns of ``colsum``. The order of the additions is fixed, so the
    result is deterministic; it rounds differently from a row-by-row sum (by a few ulps).
    Sums are in x3's dtype. Planes p0 to p1 - 1.
    """
    width = x3.shape[2]
    n_oh, n_ow = h_start.shape[0], w_start.shape[0]
    x3, out = x3[p0:p1], out[p0:p1]  # from 0: no index tests
    colsum = np.empty(width, dtype=x3.dtype)  # once per call: an allocation costs a plane's sum
    for p in range(p1 - p0):
        for oh in range(n_oh):
            for w in range(width):  # explicit loops: faster than slice expressions in Numba
                colsum[w] = 0
            for h in range(h_start[oh], h_start[oh] + h_len[oh]):
                for w in range(width):
                    colsum[w] += x3[p, h, w]
            for ow in range(n_ow):
                # start from the window's first column (windows are never empty), in x3's
                # dtype; a zero made before the loop made the disk-cached kernel 40% slower
                w0 = w_start[ow]
                total = colsum[w0]
                for w in range(w0 + 1, w0 + w_len[ow]):
                    total += colsum[w]
                out[p, oh, ow] = total / divisor[oh, ow]


def avg_pool_fwd(x3: Any, h_start: Any, h_len: Any, w_start: Any, w_len: Any,
                 divisor: Any) -> Any:
    """``avg_pool_fwd_planes`` over all planes: out (P, OH, OW)."""
    out = np.empty((x3.shape[0], h_start.shape[0], w_start.shape[0]), dtype=x3.dtype)
    kernel = ready(avg_pool_fwd_planes)
    threads.parallel_for(x3.shape[0], lambda p0, p1: kernel(
        x3, h_start, h_len, w_start, w_len, divisor, out, p0, p1), work=x3.size)
    return out


@njit(cache=True, nogil=True)
def avg_pool_bwd_planes(dout3, h_start, h_len, w_start, w_len, divisor, dx, p0, p1
                        ):  # pragma: no cover - compiled
    """Spread each upstream gradient evenly over its window (the adjoint of ``avg_pool_fwd``).

    Args:
        dout3: (P, OH, OW) float32/float64, contiguous.
        h_start: (OH,) int64, as given to ``avg_pool_fwd``.
        h_len: (OH,) int64, as given to ``avg_pool_fwd``.
        w_start: (OW,) int64, as given to ``avg_pool_fwd``.
        w_len: (OW,) int64, as given to ``avg_pool_fwd``.
        divisor: (OH, OW) with dout3's dtype, as given to ``avg_pool_fwd``.
        height: H of the input.
        width: W of the input.

    Returns:
        dx3 (P, H, W) with dout3's dtype:
        ``dx3[p, h, w] += dout3[p, oh, ow] / divisor[oh, ow]`` for every window holding (h, w).

    Separable like the forward: for output row ``oh``, ``rowgrad[w]`` collects the gradient
    of every window of that row covering column ``w``; then each of the window's rows gets
    ``rowgrad`` in one vectorised loop. Rows below ``filled`` have been written already and
    get ``rowgrad`` added; a row seen for the first time is assigned (rows no window covers
    are zeroed), so dx is not zero-filled first and is written once where windows do not
    overlap. Planes p0 to p1 - 1.
    """
    n_oh, n_ow = dout3.shape[1], dout3.shape[2]
    height, width = dx.shape[1], dx.shape[2]
    dout3, dx = dout3[p0:p1], dx[p0:p1]  # from 0: no index tests
    rowgrad = np.empty(width, dtype=dout3.dtype)
    for p in range(p1 - p0):
        filled = 0
        for oh in range(n_oh):
            for w in range(width):
                rowgrad[w] = 0
            for ow in range(n_ow):
                g = dout3[p, oh, ow] / divisor[oh, ow]
                for w in range(w_start[ow], w_start[ow] + w_len[ow]):
                    rowgrad[w] += g
            h0, h1 = h_start[oh], h_start[oh] + h_len[oh]
            for h in range(filled, h0):  # rows between windows get no gradient
                for w in range(width):
                    dx[p, h, w] = 0
            filled = max(filled, h0)
            for h in range(h0, h1):
                if h < filled:  # an earlier window wrote this row: add
                    for w in range(width):
                        dx[p, h, w] += rowgrad[w]
                else:
                    for w in range(width):
                        dx[p, h, w] = rowgrad[w]
            filled = max(filled, h1)
        for h in range(filled, height):
            for w in range(width):
                dx[p, h, w] = 0


def avg_pool_bwd(dout3: Any, h_start: Any, h_len: Any, w_start: Any, w_len: Any,
                 divisor: Any, height: int, width: int) -> Any:
    """``avg_pool_bwd_planes`` over all planes: dx3 (P, H, W)."""
    dx = np.empty((dout3.shape[0], height, width), dtype=dout3.dtype)
    kernel = ready(avg_pool_bwd_planes)
    threads.parallel_for(dout3.shape[0], lambda p0, p1: kernel(
        dout3, h_start, h_len, w_start, w_len, divisor, dx, p0, p1), work=dx.size)
    return dx
