"""The array side of the transforms: numpy versions of torchvision's tensor kernels.

An image here is an ndarray of shape (..., C, H, W) (channels first, any leading dims), the
layout of a tensor image. ``functional.py`` unwraps a Tensor to such an array, calls these, and
wraps the result back. Each function follows torchvision's tensor code step by step, in the
same float type (float32 for integer images), so the numbers are torchvision's:

- resizing is one matrix product per axis (``resample_matrix``): row ``o`` of the matrix holds
  the weights with which output pixel ``o`` mixes the input pixels;
- rotation maps every output pixel back to an input position (an inverse affine matrix) and
  reads it there (``grid_sample``: nearest or bilinear, zero outside);
- colour changes blend the image with another one (black, its mean grey, its greyscale).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.uint16): 65535, np.dtype(np.int32): 2147483647,
            np.dtype(np.int64): 9223372036854775807}


def max_value(dtype: Any) -> int:
    """The value of full intensity: 255 for uint8, the dtype's max for ints, 1 for floats."""
    return _INT_MAX.get(np.dtype(dtype), 1)


def work_dtype(img: Array) -> np.dtype[Any]:
    """The float type torchvision computes in: the image's own float type, else float32."""
    return img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)


def cast_back(img: Array, dtype: Any) -> Array:
    """A float result back to the input's type; integer types are rounded first (as
    torchvision's ``_cast_squeeze_out``)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iub" and img.dtype.kind == "f":
        img = np.round(img)
    return img.astype(dtype)


# ----------------------------------------------------------------------------- dtypes

def convert_image_dtype(img: Array, dtype: Any) -> Array:
    """Change the dtype and rescale: floats live in [0, 1], integers in [0, max]."""
    dtype = np.dtype(dtype)
    if img.dtype == dtype:
        return img
    if img.dtype.kind == "f":
        if dtype.kind == "f":
            return img.astype(dtype)
        if (img.dtype == np.float32 and dtype in (np.int32, np.int64)) or \
                (img.dtype == np.float64 and dtype == np.int64):
            raise RuntimeError(f"The cast from {img.dtype} to {dtype} cannot be performed "
                               "safely.")
        # 255.999 rather than 255: each of the 256 integers gets an equal share of [0, 1]
        return (img * img.dtype.type(max_value(dtype) + 1.0 - 1e-3)).astype(dtype)
    in_max = max_value(img.dtype)
    if dtype.kind == "f":
        return img.astype(dtype) / dtype.type(in_max)
    out_max = max_value(dtype)
    if in_max > out_max:
        return (img // ((in_max + 1) // (out_max + 1))).astype(dtype)
    return img.astype(dtype) * ((out_max + 1) // (in_max + 1))


# ----------------------------------------------------------------------------- crop, pad

def pad(img: Array, left: int, top: int, right: int, bottom: int, fill: float = 0,
        padding_mode: str = "constant") -> Array:
    """Pad (or, with negative amounts, crop) the last two dims."""
    if min(left, top, right, bottom) < 0:
        h, w = img.shape[-2:]
        img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    widths = [(0, 0)] * (img.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return np.pad(img, widths, mode="constant", constant_values=fill)
    mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode]
    return np.pad(img, widths, mode=mode)  # type: ignore[call-overload]


def crop(img: Array, top: int, left: int, height: int, width: int) -> Array:
    """The window [top, top + height) x [left, left + width); zeros where it leaves the image."""
    h, w = img.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        inside = img[..., max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)]
        return pad(inside, max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                   max(right - max(w, left), 0), max(bottom - max(h, top), 0))
    return img[..., top:bottom, left:right]


# ----------------------------------------------------------------------------- resize

def _aa_linear(x: Array) -> Array:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _aa_cubic(x: Array) -> Array:
    """Keys' cubic with a = -0.5 (PIL's and PyTorch's antialiased bicubic)."""
    a, x = -0.5, np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))


def _cubic_taps(t: Array, a: float = -0.75) -> list[Array]:
    """The four weights of PyTorch's plain bicubic (a = -0.75) at offsets -1, 0, 1, 2."""
    def near(x: Array) -> Array:
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Array) -> Array:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def resample_matrix(n_in: int, n_out: int, mode: str, antialias: bool,
                    dtype: Any = np.float32) -> Array:
    """The (n_out, n_in) matrix W with ``out = W @ in`` along one axis (PyTorch's weights).

    ``scale = n_in / n_out`` input pixels per output pixel; output pixel ``o`` is centred at
    input position ``scale * (o + 0.5)``.

    - ``nearest``: copy pixel ``floor(o * scale)``; ``nearest-exact``: ``floor((o + .5) * scale)``.
    - ``bilinear`` without antialias: the two pixels around ``scale * (o + 0.5) - 0.5``.
    - ``bicubic`` without antialias: four pixels, Keys' cubic with a = -0.75, edges repeated.
    - with antialias (bilinear/bicubic): the filter is stretched by ``scale`` when shrinking,
      so every input pixel under the output pixel counts (no aliasing); weights sum to 1.
    """
    dtype = np.dtype(dtype)
    w = np.zeros((n_out, n_in), dtype=np.float64)
    rows = np.arange(n_out)
    scale = dtype.type(n_in) / dtype.type(n_out)
    if mode in ("nearest", "nearest-exact"):
        o = rows.astype(dtype) + (dtype.type(0.5) if mode == "nearest-exact" else 0)
        src = np.minimum(np.floor(o * scale).astype(np.int64), n_in - 1)
        w[rows, src] = 1.0
        return w.astype(dtype)
    if antialias:
        return _antialias_matrix(n_in, n_out, mode, float(n_in) / n_out).astype(dtype)
    if mode == "bilinear":
        src = np.maximum(scale * (rows.astype(dtype) + dtype.type(0.5)) - dtype.type(0.5), 0)
        i0 = src.astype(np.int64)
        t = (src - i0).astype(np.float64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        np.add.at(w, (rows, i0), 1 - t)
        np.add.at(w, (rows, i1), t)
        return w.astype(dtype)
    src = scale * (rows.astype(dtype) + dtype.type(0.5)) - dtype.type(0.5)  # bicubic
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0).astype(np.float64)
    for k, weight in zip(range(-1, 3), _cubic_taps(t), strict=True):
        np.add.at(w, (rows, np.clip(i0 + k, 0, n_in - 1)), weight)
    return w.astype(dtype)


def _antialias_matrix(n_in: int, n_out: int, mode: str, scale: float) -> Array:
    """PyTorch's (and PIL's) antialiased weights: a filter of support ``size/2 * max(scale, 1)``
    around each output centre, evaluated at the input centres and normalised."""
    interp_size, kernel = (2, _aa_linear) if mode == "bilinear" else (4, _aa_cubic)
    support = interp_size * 0.5 * scale if scale >= 1.0 else interp_size * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    w = np.zeros((n_out, n_in), dtype=np.float64)
    for o in range(n_out):
        center = scale * (o + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), n_in)
        taps = kernel((np.arange(xmin, xmax) - center + 0.5) * invscale)
        total = taps.sum()
        w[o, xmin:xmax] = taps / total if total != 0 else taps
    return w


def resize(img: Array, size: tuple[int, int], mode: str, antialias: bool) -> Array:
    """Resize the last two dims to ``size`` = (h, w) (torchvision's tensor ``resize``)."""
    if antialias and mode not in ("bilinear", "bicubic"):
        antialias = False
    x = img.astype(work_dtype(img))
    wh = resample_matrix(img.shape[-2], size[0], mode, antialias, x.dtype)
    ww = resample_matrix(img.shape[-1], size[1], mode, antialias, x.dtype)
    out = np.matmul(np.matmul(wh, x), ww.T)
    if mode == "bicubic" and img.dtype == np.uint8:
        out = np.clip(out, 0, 255)
    return cast_back(out, img.dtype)


# ----------------------------------------------------------------------------- rotate

def inverse_affine_matrix(center: tuple[float, float], angle: float,
                          translate: tuple[float, float], scale: float,
                          shear: tuple[float, float]) -> list[float]:
    """The 2x3 matrix taking an output pixel back to the input (torchvision's
    ``_get_inverse_affine_matrix``): M = T C RSS C^-1, inverted as C RSS^-1 C^-1 T^-1."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]  # det [[a, b], [c, d]] = 1
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """(width, height) that holds the whole transformed image (``expand=True``)."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    new = pts @ np.asarray(matrix, dtype=np.float32).reshape(2, 3).T
    middle = np.array([w * 0.5, h * 0.5], dtype=np.float32)  # corners back to [0, w] x [0, h]
    lo, hi = new.min(axis=0) + middle, new.max(axis=0) + middle
    tol = np.float32(1e-4)  # drop float noise so that ceil(3.0000001) stays 3
    size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
    return int(size[0]), int(size[1])


def affine_grid(matrix: list[float], w: int, h: int, ow: int, oh: int, dtype: Any) -> Array:
    """(oh, ow, 2) input positions in grid_sample's [-1, 1] units for each output pixel.

    Output pixel (x, y) is taken relative to the output centre, mapped by the matrix, and
    divided by half the input size.
    """
    dtype = np.dtype(dtype)
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=np.float32).astype(dtype)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=np.float32).astype(dtype)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1), dtype)), -1)
    theta = np.asarray(matrix, dtype=dtype).reshape(2, 3).T / np.array([0.5 * w, 0.5 * h],
                                                                      dtype=dtype)
    return (base.reshape(-1, 3) @ theta).reshape(oh, ow, 2)


def grid_sample(img: Array, grid: Array, mode: str) -> Array:
    """Read img (..., C, H, W) at the grid's positions (``F.grid_sample``, zeros outside,
    ``align_corners=False``): grid value -1 is the left edge of pixel 0, +1 the right edge of
    the last pixel."""
    h, w = img.shape[-2:]
    one, two = grid.dtype.type(1), grid.dtype.type(2)
    x = ((grid[..., 0] + one) * w - one) / two
    y = ((grid[..., 1] + one) * h - one) / two

    def tap(yi: Array, xi: Array) -> Array:
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        values = img[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        return values * inside

    if mode == "nearest":
        return tap(np.rint(y).astype(np.int64), np.rint(x).astype(np.int64))
    x0, y0 = np.floor(x), np.floor(y)
    tx, ty = x - x0, y - y0
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    return (tap(y0, x0) * ((one - tx) * (one - ty)) + tap(y0, x0 + 1) * (tx * (one - ty))
            + tap(y0 + 1, x0) * ((one - tx) * ty) + tap(y0 + 1, x0 + 1) * (tx * ty))


def apply_grid(img: Array, grid: Array, mode: str, fill: list[float] | None) -> Array:
    """Sample img on the grid; pixels that came from outside get ``fill``.

    A channel of ones is sampled along with the image: where it comes back below 1, the
    pixel read (partly) outside, and is blended with the fill colour (or, for nearest,
    replaced by it where the mask is below 0.5).
    """
    x = img.astype(grid.dtype)
    if fill is None:
        return cast_back(grid_sample(x, grid, mode), img.dtype)
    x = np.concatenate([x, np.ones_like(x[..., :1, :, :])], axis=-3)
    out = grid_sample(x, grid, mode)
    mask, out = out[..., -1:, :, :], out[..., :-1, :, :]
    color = np.asarray(fill, dtype=out.dtype).reshape(-1, 1, 1)
    if mode == "nearest":
        out = np.where(mask < 0.5, color, out)
    else:
        out = out * mask + (1.0 - mask) * color
    return cast_back(out.astype(grid.dtype), img.dtype)


# ----------------------------------------------------------------------------- colour

def blend(img1: Array, img2: Array, ratio: float) -> Array:
    """ratio * img1 + (1 - ratio) * img2, clamped to the valid range, in img1's dtype
    (integer images are truncated, as ``Tensor.to`` does)."""
    dt = work_dtype(img1)
    out = dt.type(ratio) * img1.astype(dt) + dt.type(1.0 - ratio) * img2.astype(dt)
    return np.clip(out, 0, max_value(img1.dtype)).astype(img1.dtype)


def rgb_to_grayscale(img: Array, num_output_channels: int) -> Array:
    """Luma 0.2989 R + 0.587 G + 0.114 B (ITU-R 601), in the image's dtype."""
    if img.shape[-3] == 3:
        dt = work_dtype(img)
        r, g, b = (img[..., i, :, :].astype(dt) for i in range(3))
        gray = (dt.type(0.2989) * r + dt.type(0.587) * g + dt.type(0.114) * b)
        gray = gray.astype(img.dtype)[..., None, :, :]
    else:
        gray = img.copy()
    if num_output_channels == 3:
        return np.ascontiguousarray(np.broadcast_to(gray, img.shape))
    return gray


def adjust_contrast(img: Array, factor: float) -> Array:
    """Blend with the mean grey level of the whole image."""
    dt = work_dtype(img)
    gray = rgb_to_grayscale(img, 1) if img.shape[-3] == 3 else img
    mean = gray.astype(dt).mean(axis=(-3, -2, -1), keepdims=True, dtype=dt)
    return blend(img, mean, factor)


def rgb_to_hsv(img: Array) -> Array:
    """RGB in [0, 1] -> HSV in [0, 1] (channels at -3); hue and saturation are 0 for greys."""
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    one = img.dtype.type(1)
    s = cr / np.where(eqc, one, maxc)
    div = np.where(eqc, one, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    h = ((maxc == r) * (bc - gc) + ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
         + ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)).astype(img.dtype)
    h = np.fmod(h / img.dtype.type(6.0) + one, one)
    return np.stack([h, s, maxc], axis=-3)


def hsv_to_rgb(img: Array) -> Array:
    """HSV -> RGB: the hue's sixth of the colour wheel picks which of v, p, q, t each channel is."""
    h, s, v = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    one = img.dtype.type(1)
    i = np.floor(h * img.dtype.type(6.0))
    f = h * img.dtype.type(6.0) - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (one - s), 0, 1)
    q = np.clip(v * (one - s * f), 0, 1)
    t = np.clip(v * (one - s * (one - f)), 0, 1)
    table = [(v, q, p, p, t, v), (t, v, v, q, p, p), (p, p, t, v, v, q)]
    return np.stack([np.choose(i, choices) for choices in table], axis=-3)


def adjust_hue(img: Array, factor: float) -> Array:
    """Rotate the hue by ``factor`` turns of the colour wheel (in float32 HSV)."""
    if img.shape[-3] == 1:
        return img
    x = convert_image_dtype(img, np.float32)
    hsv = rgb_to_hsv(x)
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + np.float32(factor)) % np.float32(1.0)
    return convert_image_dtype(hsv_to_rgb(hsv), img.dtype)


def gaussian_kernel1d(size: int, sigma: float, dtype: Any) -> Array:
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size).astype(dtype)
    pdf = np.exp(-0.5 * (x / np.asarray(sigma, dtype=dtype)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img: Array, kernel_size: list[int], sigma: list[float]) -> Array:
    """Separable Gaussian blur with reflect padding (kernel_size is (kx, ky))."""
    dt = work_dtype(img)
    kx = gaussian_kernel1d(kernel_size[0], sigma[0], dt)
    ky = gaussian_kernel1d(kernel_size[1], sigma[1], dt)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    x = pad(img.astype(dt), px, py, px, py, padding_mode="reflect")
    h, w = img.shape[-2:]
    rows = sum(ky[i] * x[..., i:i + h, :] for i in range(len(ky)))
    out = sum(kx[j] * rows[..., :, j:j + w] for j in range(len(kx)))
    return cast_back(np.asarray(out, dtype=dt), img.dtype)
