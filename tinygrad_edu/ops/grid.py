"""``grid_sample``: read an image at arbitrary, fractional positions, differentiably in both
the image and the positions (the spatial transformer's sampler, Jaderberg et al. 2015).

The grid holds, for every output cell, a position in normalized coordinates: -1 is the left
(top, front) edge of the input and +1 the right (bottom, back) edge. ``grid[..., 0]`` indexes
the width, ``grid[..., 1]`` the height and, for volumes, ``grid[..., 2]`` the depth.

**1. Unnormalize.** A coordinate ``g`` becomes a pixel position ``p``:

- ``align_corners=True``: -1 and +1 are the centers of the corner pixels,
  ``p = (g + 1) / 2 * (size - 1)``, so ``dp/dg = (size - 1) / 2``;
- ``align_corners=False``: -1 and +1 are the outer edges of the corner pixels,
  ``p = ((g + 1) * size - 1) / 2``, so ``dp/dg = size / 2``.

**2. Pad.** Positions outside the image: ``'zeros'`` reads 0 there; ``'border'`` clips ``p``
to ``[0, size - 1]`` (``dp/dg = 0`` where it clips); ``'reflection'`` mirrors ``p`` at the
edges (the derivative flips sign at each mirror), then clips.

**3. Interpolate.** Along one dim, a position ``p`` reads a few integer *taps* ``i`` with
weights ``w_i(p)``; in 2-d the output is the sum over every pair of taps,

    out[n, c, h, w] = sum_{i, j} wy_i * wx_j * x[n, c, iy_i, ix_j].

- ``'bilinear'``: taps ``floor(p)`` and ``floor(p) + 1`` with weights ``1 - t`` and ``t``,
  ``t = p - floor(p)``;
- ``'nearest'``: one tap, ``round(p)`` (halves to even), weight 1;
- ``'bicubic'``: four taps ``floor(p) - 1 .. floor(p) + 2`` with Keys' cubic convolution
  weights (``A = -0.75``); padding applies to each tap instead of to ``p``.

**The gradients.** The output is linear in ``x``, so ``dx`` sends ``dout * weight`` back to
every tap (``np.add.at``: taps of different outputs may coincide). The output depends on the
grid through the weights only: by the product rule, for the width coordinate,

    d out / d gx = dp/dgx * sum_{i, j} wy_i * (dwx_j / dp) * x[n, c, iy_i, ix_j],

and for bilinear ``dwx/dp`` is -1 for the left tap and +1 for the right one, so
``d out / d p = (1 - ty) * (x[y0, x1] - x[y0, x0]) + ty * (x[y1, x1] - x[y1, x0])``: the
slope of the image between the taps. Summed over the channels, times ``dout``, that is
``dgrid``. It is zero for ``'nearest'`` (a step function of ``p``) and wherever padding
clipped ``p``; it jumps where ``p`` crosses an integer (the taps change).

**Gradients of gradients** (``grid_sample_grad``): the backward again, with Tensors. Near the
current grid, unnormalizing and padding are linear in ``g`` (a scale, a mirror's sign, a
shift), so each dim's fractional position is ``t = slope * g + const`` and every weight is a
polynomial in ``t``; the taps are read with ``getitem`` and ``dx`` written back with an
accumulating ``index_put``. So ``dgrid`` depends on ``x`` and ``dx`` on the grid, and both can
be differentiated again (for bilinear, d2/dgx2 is 0 but d2/dgx dgy is not).

The same code serves 4-d input (N, C, H, W) with a grid (N, OH, OW, 2) and 5-d input
(N, C, D, H, W) with a grid (N, OD, OH, OW, 3) ('bilinear' is then trilinear; 'bicubic' is
4-d only): a loop over the dims builds each dim's taps, and a loop over every combination of
taps (4 or 8 for bilinear, 16 for bicubic) adds up the products.
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .registry import needs_input_grad, register_op

Array = NDArray[Any]

__all__ = ["GridSampleCache", "Tap", "grid_sample_backward", "grid_sample_forward",
           "grid_taps", "reflect_position", "unnormalize"]

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")
CUBIC_A = -0.75  # Keys' cubic convolution parameter, as in PyTorch (and OpenCV)


class Tap(NamedTuple):
    """One tap along one dim, for every output cell: which input index, with what weight."""

    index: Array  # int64, (N, *out): the input index read (only meaningful where valid)
    valid: Array  # bool: the index is inside the input ('zeros' reads 0 elsewhere)
    weight: Array  # the interpolation weight w(p)
    dweight: Array  # d weight / d grid coordinate (chain rule through unnormalize and pad)


class GridSampleCache(NamedTuple):
    """What the backward needs: the inputs and the sampling options (it rebuilds the taps)."""

    x: Array
    grid: Array
    mode: str
    padding_mode: str
    align_corners: bool


# ----------------------------------------------------------------------------- positions

def unnormalize(coord: Array, size: int, align_corners: bool) -> tuple[Array, float]:
    """Normalized coordinate in [-1, 1] -> pixel position, and dp/dcoord."""
    if align_corners:
        return ((coord + 1) / 2) * (size - 1), (size - 1) / 2
    return ((coord + 1) * size - 1) / 2, size / 2


def clip_position(p: Array, size: int) -> tuple[Array, Array]:
    """Clip to [0, size - 1]; the derivative is 0 on (and beyond) the borders."""
    inside = (p > 0) & (p < size - 1)
    return np.clip(p, 0, size - 1), inside.astype(p.dtype)


def reflect_position(p: Array, twice_low: int, twice_high: int) -> tuple[Array, Array]:
    """Mirror ``p`` into [low, high] (repeatedly), and d(result)/dp = +1 or -1.

    Each reflection flips the direction of motion: an even number of flips keeps the sign of
    the derivative, an odd number reverses it.
    """
    if twice_low == twice_high:  # a single pixel with align_corners: everything maps to 0
        return np.zeros_like(p), np.zeros_like(p)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = p - low
    sign = np.where(shifted < 0, -1, 1).astype(p.dtype)
    distance = np.abs(shifted)
    extra = np.fmod(distance, span)
    even = np.floor(distance / span) % 2 == 0
    return (np.where(even, extra + low, (span - extra) + low),
            np.where(even, sign, -sign))


def pad_position(p: Array, size: int, padding_mode: str, align_corners: bool
                 ) -> tuple[Array, Array]:
    """Apply 'border' or 'reflection' padding to positions; returns (p, dp_new/dp)."""
    if padding_mode == "zeros":
        return p, np.ones_like(p)
    slope = np.ones_like(p)
    if padding_mode == "reflection":
        if align_corners:
            p, slope = reflect_position(p, 0, 2 * (size - 1))
        else:
            p, slope = reflect_position(p, -1, 2 * size - 1)
    p, clip_slope = clip_position(p, size)
    return p, slope * clip_slope


# ----------------------------------------------------------------------------- taps

def _cubic_weights(t: Array) -> tuple[list[Array], list[Array]]:
    """Keys' cubic convolution weights of the taps at distances 1 + t, t, 1 - t, 2 - t, and
    their derivatives with respect to t."""
    a = CUBIC_A

    def near(s: Array) -> Array:  # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s: Array) -> Array:  # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    def dnear(s: Array) -> Array:
        return (3 * (a + 2) * s - 2 * (a + 3)) * s

    def dfar(s: Array) -> Array:
        return (3 * a * s - 10 * a) * s + 8 * a

    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    slopes = [dfar(t + 1), dnear(t), -dnear(1 - t), -dfar(2 - t)]
    return weights, slopes


def _tap(position: Array, size: int, weight: Array, dweight: Array) -> Tap:
    """A tap at integer-valued float positions (non-finite ones are never valid)."""
    finite = np.isfinite(position)
    index = np.where(finite, position, -1).astype(np.int64)
    valid = finite & (index >= 0) & (index < size)
    return Tap(index, valid, weight, dweight)


def grid_taps(coord: Array, size: int, mode: str, padding_mode: str, align_corners: bool
              ) -> list[Tap]:
    """The taps one dim of the grid reads (``coord``: that dim's normalized coordinates)."""
    p, dp = unnormalize(coord, size, align_corners)
    if mode == "bicubic":  # padding applies to every tap, not to p
        base = np.floor(p)
        weights, slopes = _cubic_weights(p - base)
        taps = []
        for k in range(4):
            position, _ = pad_position(base + (k - 1), size, padding_mode, align_corners)
            taps.append(_tap(np.trunc(position), size, weights[k], slopes[k] * dp))
        return taps
    p, slope = pad_position(p, size, padding_mode, align_corners)
    dp = dp * slope
    if mode == "nearest":
        return [_tap(np.rint(p), size, np.ones_like(p), np.zeros_like(p))]
    base = np.floor(p)
    t = p - base
    return [_tap(base, size, 1 - t, -dp), _tap(base + 1, size, t, dp)]


def _all_taps(x: Array, grid: Array, mode: str, padding_mode: str, align_corners: bool
              ) -> list[list[Tap]]:
    """The taps of every dim, in grid order (width first)."""
    sizes = x.shape[:1:-1]  # (W, H) or (W, H, D): the grid's order
    return [grid_taps(grid[..., k], sizes[k], mode, padding_mode, align_corners)
            for k in range(len(sizes))]


def _where(x: Array, combo: tuple[Tap, ...]) -> tuple[Any, ...]:
    """Index of (N, *spatial, C)-channels-last input for a combination of taps (one per dim,
    grid order), clipped into range; the caller masks the invalid ones."""
    n = np.arange(x.shape[0]).reshape((-1,) + (1,) * (combo[0].index.ndim - 1))
    sizes = x.shape[:1:-1]
    spatial = [np.clip(tap.index, 0, size - 1) for tap, size in zip(combo, sizes, strict=True)]
    return (n, *spatial[::-1])


# ----------------------------------------------------------------------------- the op

def _check(x: Array, grid: Array, mode: str, padding_mode: str) -> None:
    name = "grid_sample"
    if x.ndim not in (4, 5) or grid.ndim != x.ndim:
        raise RuntimeError(f"{name}: expected 4D or 5D input and grid with the same number of "
                           f"dimensions, but got input with sizes {list(x.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if x.shape[0] != grid.shape[0]:
        raise RuntimeError(f"{name}: expected grid and input to have same batch size, but got "
                           f"input with sizes {list(x.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != x.ndim - 2:
        raise RuntimeError(f"{name}: expected grid to have size {x.ndim - 2} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{name}: not implemented for input of dtype {x.dtype}; "
                                  f"expected floating point input and grid")
    if grid.dtype != x.dtype:
        raise RuntimeError(f"{name}: expected input and grid to have the same dtype, but got "
                           f"input {x.dtype} and grid {grid.dtype}")
    for d in range(2, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"{name}: expected input to have non-empty spatial dimensions, "
                               f"but input has sizes {list(x.shape)} with dimension {d} being "
                               f"empty")
    if mode not in MODES or padding_mode not in PADDING_MODES:
        raise ValueError(f"{name}: expected mode in {MODES} and padding_mode in "
                         f"{PADDING_MODES}, got {mode!r} and {padding_mode!r}")
    if mode == "bicubic" and x.ndim == 5:
        raise RuntimeError(f"{name}: bicubic interpolation only supports 4D input")


def grid_sample_forward(x: Array, grid: Array, *, mode: str = "bilinear",
                        padding_mode: str = "zeros", align_corners: bool = False
                        ) -> tuple[Array, GridSampleCache]:
    """out[n, c, h, w] = sum over tap pairs of wy * wx * x[n, c, iy, ix] (see the module).

    Shapes: x (N, C, H, W), grid (N, OH, OW, 2) -> out (N, C, OH, OW); or x (N, C, D, H, W),
    grid (N, OD, OH, OW, 3) -> out (N, C, OD, OH, OW). Taps outside the input read 0.
    Backward: dx scatters dout * weight to every tap; dgrid is dout times the image's slope
    between the taps, times dp/dgrid.
    """
    _check(x, grid, mode, padding_mode)
    xl = np.moveaxis(x, 1, -1)  # channels last: one gather reads every channel of a tap
    out = np.zeros(grid.shape[:-1] + (x.shape[1],), dtype=x.dtype)
    for combo in itertools.product(*_all_taps(x, grid, mode, padding_mode, align_corners)):
        weight = np.prod([tap.weight for tap in combo], axis=0)
        valid = np.logical_and.reduce([tap.valid for tap in combo])
        out += (weight * valid)[..., None] * xl[_where(x, combo)]
    return np.moveaxis(out, -1, 1).copy(), GridSampleCache(x, grid, mode, padding_mode,
                                                           align_corners)


def grid_sample_backward(dout: Array, cache: GridSampleCache) -> tuple[Array | None, ...]:
    """dx: every tap gets dout * weight (np.add.at adds coinciding taps); dgrid[..., k]: the
    product rule, weight of tap k replaced by its derivative, summed over taps and channels."""
    x, grid = cache.x, cache.grid
    dims = grid.shape[-1]
    doutl = np.moveaxis(dout, 1, -1)  # (N, *out, C)
    dxl = np.zeros(x.shape[:1] + x.shape[2:] + x.shape[1:2], dtype=x.dtype)
    dgrid = np.zeros_like(grid)
    want_dx, want_dgrid = needs_input_grad(0), needs_input_grad(1) and cache.mode != "nearest"
    xl = np.moveaxis(x, 1, -1)
    taps = _all_taps(x, grid, cache.mode, cache.padding_mode, cache.align_corners)
    for combo in itertools.product(*taps):
        valid = np.logical_and.reduce([tap.valid for tap in combo])
        where = _where(x, combo)
        if want_dx:
            weight = np.prod([tap.weight for tap in combo], axis=0) * valid
            np.add.at(dxl, where, weight[..., None] * doutl)
        if want_dgrid:
            # dout . x at this combination of taps, summed over the channels
            seen = np.einsum("...c,...c->...", doutl, xl[where]) * valid
            for k in range(dims):
                others = [tap.weight for j, tap in enumerate(combo) if j != k]
                dgrid[..., k] += seen * combo[k].dweight * np.prod(others, axis=0)
    dx = np.moveaxis(dxl, -1, 1).copy() if want_dx else None
    return dx, dgrid if needs_input_grad(1) else None


def grid_sample_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: the same sums, with every tap's weight a Tensor function of
    the grid (``_weight_tensors``), the taps read with ``getitem`` and written back with an
    accumulating ``index_put``."""
    x, grid = ctx.inputs
    mode = ctx.static.get("mode", "bilinear")
    xa, ga = x.numpy(force=True), grid.numpy(force=True)
    taps = _all_taps(xa, ga, mode, ctx.static.get("padding_mode", "zeros"),
                     ctx.static.get("align_corners", False))
    weights = [_weight_tensors(ctx, grid, k, taps[k], xa.shape[-1 - k], mode)
               for k in range(len(taps))]
    last = (0, *range(2, x.ndim), 1)  # channels last, as the forward gathers
    xl, doutl = x.permute(*last), dout.permute(*last)
    dxl = ctx.const(np.zeros(xa.shape[:1] + xa.shape[2:] + xa.shape[1:2], xa.dtype))
    dgrid: list[Any] = [0.0] * len(taps)
    for picks in itertools.product(*(range(len(t)) for t in taps)):
        combo = [taps[k][i] for k, i in enumerate(picks)]
        valid = ctx.const(np.logical_and.reduce([t.valid for t in combo]).astype(xa.dtype))
        where = _where(xa, tuple(combo))
        w = [weights[k][i][0] for k, i in enumerate(picks)]
        if ctx.needs[0]:
            share = (_product(w) * valid).unsqueeze(-1) * doutl
            dxl = ctx.apply("index_put", dxl, share, key=where, accumulate=True)
        if ctx.needs[1] and mode != "nearest":
            seen = (doutl * xl[where]).sum(dim=-1) * valid
            for k, i in enumerate(picks):
                dgrid[k] = dgrid[k] + seen * weights[k][i][1] * _product(w[:k] + w[k + 1:])
    dx = dxl.permute(0, x.ndim - 1, *range(1, x.ndim - 1)) if ctx.needs[0] else None
    if not ctx.needs[1]:
        return dx, None
    if mode == "nearest":  # a step function of the grid: zero almost everywhere
        return dx, ctx.const(np.zeros_like(ga))
    return dx, ctx.apply("cat", *[d.unsqueeze(-1) for d in dgrid], dim=-1)


def _product(factors: list[Any]) -> Any:
    out = factors[0] if factors else 1.0
    for f in factors[1:]:
        out = out * f
    return out


def _weight_tensors(ctx: Any, grid: Any, k: int, taps: list[Tap], size: int, mode: str
                    ) -> list[tuple[Any, Any]]:
    """(weight, d weight / d grid coordinate) of each tap of dim k, as Tensors of the grid.

    Near the current grid, unnormalizing and padding are linear (a scale, a mirror's sign, a
    shift; zero slope where clipped), so the fractional position is t = slope * g + const
    with the slope the forward used, and the weights are their polynomials in t.
    """
    ga = grid.numpy(force=True)[..., k]
    const = (lambda a: ctx.const(np.asarray(a, dtype=ga.dtype)))  # noqa: E731
    g = grid[..., k]
    if mode == "nearest":
        return [(const(np.ones_like(ga)), const(np.zeros_like(ga)))]
    if mode == "bilinear":
        slope, t0 = taps[1].dweight, taps[1].weight  # the right tap: weight t, dweight dt/dg
        t = g * const(slope) + const(t0 - slope * ga)
        return [(1 - t, const(-slope)), (t, const(slope))]
    p, dp = unnormalize(ga, size, ctx.static.get("align_corners", False))
    t = g * dp + const(p - np.floor(p) - dp * ga)
    weights, slopes = _cubic_weights(t)
    return [(w, s * dp) for w, s in zip(weights, slopes, strict=True)]


register_op("grid_sample", grid_sample_forward, grid_sample_backward, grad=grid_sample_grad)
