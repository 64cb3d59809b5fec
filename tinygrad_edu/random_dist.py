"""From random words to numbers: PyTorch's CPU distribution transforms, step by step.

Every function takes a ``Generator`` (``random.py``) and returns a numpy array; the Tensor
functions (``rand``, ``normal_``, ...) wrap them. Each follows what PyTorch's ATen kernels do
on the CPU, including the order of the draws and the rounding of each step, because that is
what makes ``manual_seed(0); randn(3)`` print the same digits here and in PyTorch:

* uniform [a, b): ``(word & (2**d - 1)) * 2**-d`` with d = 24 bits of one 32-bit word for
  float32, d = 53 bits of a 64-bit draw for float64; then ``x * (b - a) + a`` fused, in the
  tensor's precision. float16 and bfloat16 draw exactly as float32 and round the result (as
  PyTorch's CPU kernels compute half types in float32); their normals are then PyTorch's up to
  the ragged tail of a tensor whose size is not a multiple of 16.
* normal: tensors of 16 or more elements fill with uniforms, then Box-Muller on each block
  of 16 (the first 8 uniforms give the radii, the last 8 the angles); a ragged tail redraws
  16 fresh uniforms for the last 16 places. float32 blocks use the polynomial ``log``/``sin``/
  ``cos`` of PyTorch's AVX2 kernel (cephes, in float32, ``kernels/rng.py``); float64 blocks
  the C library's. Smaller tensors draw pairs from two float64 uniforms, one normal at a time,
  caching the second of each pair in the generator.
* integers in [low, high): ``word % (high - low) + low``, a 64-bit draw when the range needs it.
* bernoulli(p): a uniform < p; exponential(l): -log(1 - u) / l from a float64 uniform.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .kernels import rng as kernels
from .kernels.jit import ready
from .random import Generator

Array = NDArray[Any]
f32 = np.float32
_MANTISSA_BITS = {np.dtype(np.float32): 24, np.dtype(np.float64): 53}
_HALF = ("float16", "bfloat16")  # drawn in float32, then rounded


def _float_dtype(dtype: Any, name: str) -> np.dtype[Any]:
    dt = np.dtype(dtype)
    if dt not in _MANTISSA_BITS and dt.name not in _HALF:
        raise TypeError(f"{name}: expected a floating dtype (float16, bfloat16, float32 or "
                        f"float64), got {dt}")
    return dt


def _drawn_as(dt: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype whose draws a tensor of dtype ``dt`` takes: float32 for the half types."""
    return np.dtype(np.float32) if dt.name in _HALF else dt


def unit_uniform(gen: Generator, n: int, dtype: Any) -> Array:
    """n uniforms in [0, 1) with the dtype's mantissa bits (half types: float32's)."""
    dt = _drawn_as(_float_dtype(dtype, "uniform"))
    bits = _MANTISSA_BITS[dt]
    words = gen.random64(n) if bits > 32 else gen.random32(n)
    acc = np.float64 if bits > 32 else np.float32
    return (words & np.uint64(2**bits - 1)).astype(acc) * acc(2.0**-bits)


def uniform(gen: Generator, shape: tuple[int, ...], dtype: Any, low: float = 0.0,
            high: float = 1.0) -> Array:
    """U[low, high) of ``shape``: unit uniforms, then x * (high - low) + low, fused."""
    dt = _float_dtype(dtype, "uniform_")
    n = int(np.prod(shape, dtype=np.int64))
    x = unit_uniform(gen, n, dt)
    acc = x.dtype.type
    a, b = acc(_drawn_as(dt).type(low)), acc(_drawn_as(dt).type(high))  # in the draw's precision
    if (a, b) != (0.0, 1.0):
        x = ready(kernels.affine)(x, acc(b - a), a)
    return x.astype(dt).reshape(shape)


# -- normal -------------------------------------------------------------------------------

def _box_muller_f32(data: Array, mean: float, std: float) -> None:
    """PyTorch's AVX2 ``normal_fill_16`` on float32 blocks of 16, in place.

    The radii need log(1 - u) of the first 8 of each block: 1 - u is split into mantissa and
    exponent with integer operations on its bits (as the vector code does), the polynomials
    run in a Numba loop (``kernels/rng.py``).
    """
    first = data.reshape(-1, 16)[:, :8].reshape(-1)
    bits = (f32(1) - first).view(np.int32)
    expo = ((bits >> 23) - 127).astype(f32) + f32(1)
    mant = ((bits & ~0x7F800000) | 0x3F000000).view(f32)  # in [0.5, 1)
    ready(kernels.box_muller_16_f32)(data, mant, expo, f32(mean), f32(std))


def _fill_blocks(gen: Generator, n: int, dtype: np.dtype[Any], mean: float, std: float
                 ) -> Array:
    """n >= 16 normals: uniforms, Box-Muller per block of 16, the ragged tail redrawn."""
    data = unit_uniform(gen, n, dtype)
    if n % 16:
        tail = unit_uniform(gen, 16, dtype)
    full = n - n % 16
    if dtype == np.float32:
        _box_muller_f32(data[:full], mean, std)
        if n % 16:
            _box_muller_f32(tail, mean, std)
            data[n - 16:] = tail
    else:
        ready(kernels.box_muller_16)(data[:full], float(mean), float(std))
        if n % 16:
            ready(kernels.box_muller_16)(tail, float(mean), float(std))
            data[n - 16:] = tail
    return data


def _scalar_normals(gen: Generator, n: int, mean: float, std: float) -> Array:
    """n normals one at a time (float64 pairs, the second cached in the generator)."""
    out = np.empty(n, dtype=np.float64)
    start = 0
    if n and gen.next_normal is not None:
        out[:1] = ready(kernels.affine)(np.array([gen.next_normal]), float(std), float(mean))
        gen.next_normal, start = None, 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = unit_uniform(gen, 2 * pairs, np.float64)
        first = np.empty(pairs)
        second = np.empty(pairs)
        ready(kernels.normal_pairs)(u[0::2].copy(), u[1::2].copy(), float(mean), float(std), first,
                             second)
        if (n - start) % 2:  # the last pair's second normal waits in the generator
            gen.next_normal = float(second[-1])
            second = second[:-1]
        scaled = ready(kernels.affine)(second, float(std), float(mean))
        both = np.empty(first.size + scaled.size)
        both[0::2], both[1::2] = first, scaled
        out[start:] = both
    return out


def normal(gen: Generator, shape: tuple[int, ...], dtype: Any, mean: float = 0.0,
           std: float = 1.0, contiguous: bool = True) -> Array:
    """N(mean, std**2) of ``shape`` and float ``dtype``, the way PyTorch's ``normal_`` fills."""
    dt = _float_dtype(dtype, "normal_")
    n = int(np.prod(shape, dtype=np.int64))
    if n >= 16 and contiguous:
        return _fill_blocks(gen, n, _drawn_as(dt), mean, std).astype(dt).reshape(shape)
    return _scalar_normals(gen, n, mean, std).astype(dt).reshape(shape)


# -- integers -----------------------------------------------------------------------------

_WIDE = {np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.float32)}
_RANDOM_MOD = {np.dtype(np.int64): 2**63, np.dtype(np.int32): 2**31, np.dtype(np.int16): 2**15,
               np.dtype(np.int8): 2**7, np.dtype(np.uint8): 2**8, np.dtype(np.float64): 2**53 + 1,
               np.dtype(np.float32): 2**24 + 1, np.dtype(np.float16): 2**11 + 1}


def integers(gen: Generator, shape: tuple[int, ...], low: int, high: int, dtype: Any) -> Array:
    """Integers in [low, high): word % (high - low) + low (a 64-bit draw for ranges >= 2**32)."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    span = int(high) - int(low)
    words = gen.random64(n) if span >= 2**32 and dt in _WIDE else gen.random32(n)
    values = (words % np.uint64(span)).astype(np.int64) + np.int64(low)
    return values.astype(dt).reshape(shape)


def random_bits(gen: Generator, shape: tuple[int, ...], dtype: Any) -> Array:
    """``random_()`` without bounds: [0, 2**mantissa] for floats, [0, max] for ints, bool 0/1."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if dt == np.bool_:
        return (gen.random32(n) & np.uint64(1)).astype(bool).reshape(shape)
    if dt not in _RANDOM_MOD:
        raise TypeError(f"random_: unsupported dtype {dt}")
    words = gen.random64(n) if dt in (np.int64, np.float64) else gen.random32(n)
    return (words % np.uint64(_RANDOM_MOD[dt])).astype(dt).reshape(shape)


def permutation(gen: Generator, n: int) -> NDArray[np.int64]:
    """PyTorch's ``randperm(n)``: n - 1 swaps, the i-th with a word % (n - i) places ahead."""
    if n >= 2**32 // 20:
        raise RuntimeError(f"randperm: n = {n} is too large for this implementation")
    return ready(kernels.swap_shuffle)(gen.random32(max(n - 1, 0)), n).astype(np.int64)


# -- bernoulli, exponential, multinomial --------------------------------------------------

def bernoulli_scalar(gen: Generator, shape: tuple[int, ...], p: float) -> Array:
    """1.0 where a float64 uniform < p, else 0.0 (PyTorch's ``bernoulli_(p)``)."""
    n = int(np.prod(shape, dtype=np.int64))
    return (unit_uniform(gen, n, np.float64) < p).reshape(shape)


# scaled_bernoulli draws this many values per block of the stream: 1 MB of raw words that stay
# in cache, instead of 64-bit and float64 arrays as large as the result
_BERNOULLI_BLOCK = 1 << 16


def scaled_bernoulli(gen: Generator, shape: tuple[int, ...], p: float, scale: float,
                     dtype: Any) -> Array:
    """``bernoulli_scalar(gen, shape, p)`` times ``scale`` in ``dtype`` (float32 or float64):
    the same draws, turned into 0 or ``scale`` block by block by one compiled loop."""
    out = np.empty(shape, dtype)
    flat = out.reshape(-1)
    for start in range(0, flat.size, _BERNOULLI_BLOCK):
        block = flat[start:start + _BERNOULLI_BLOCK]
        ready(kernels.scaled_bernoulli)(gen.random32(2 * block.size), float(p), float(scale), block)
    return out


def bernoulli_tensor(gen: Generator, p: Array) -> Array:
    """1 where a uniform < p, element by element (float32 uniforms unless p is float64)."""
    p = np.asarray(p)  # (np.ascontiguousarray would make a 0-d p 1-d)
    u = unit_uniform(gen, p.size, np.float64 if p.dtype == np.float64 else np.float32)
    return (u < p.reshape(-1).astype(u.dtype)).reshape(p.shape)


def exponential(gen: Generator, shape: tuple[int, ...], dtype: Any, lambd: float) -> Array:
    """Exp(lambd) of ``shape``: -log1p(-u) / lambd from float64 uniforms, cast at the end."""
    dt = _float_dtype(dtype, "exponential_")
    n = int(np.prod(shape, dtype=np.int64))
    return ready(kernels.neg_log1p)(unit_uniform(gen, n, np.float64), -1.0 / lambd).astype(dt) \
        .reshape(shape)


def cauchy(gen: Generator, shape: tuple[int, ...], dtype: Any, median: float, sigma: float
           ) -> Array:
    """Cauchy(median, sigma): median + sigma * tan(pi (u - 1/2)), u a float64 uniform."""
    dt = _float_dtype(dtype, "cauchy_")
    n = int(np.prod(shape, dtype=np.int64))
    u = unit_uniform(gen, n, np.float64)
    return ready(kernels.cauchy)(u, float(median), float(sigma)).astype(dt).reshape(shape)


def log_normal(gen: Generator, shape: tuple[int, ...], dtype: Any, mean: float, std: float
               ) -> Array:
    """exp of N(mean, std**2) normals drawn one at a time (PyTorch's scalar path, any size)."""
    dt = _float_dtype(dtype, "log_normal_")
    n = int(np.prod(shape, dtype=np.int64))
    return ready(kernels.exp)(_scalar_normals(gen, n, mean, std)).astype(dt).reshape(shape)


def geometric(gen: Generator, shape: tuple[int, ...], dtype: Any, p: float) -> Array:
    """Geometric(p) on {1, 2, ...}: ceil(log(u) / log(1 - p)), u a float64 uniform."""
    n = int(np.prod(shape, dtype=np.int64))
    u = unit_uniform(gen, n, np.float64)
    return ready(kernels.geometric)(u, float(p)).astype(dtype).reshape(shape)


def multinomial(gen: Generator, probs: Array, num_samples: int, replacement: bool
                ) -> NDArray[np.int64]:
    """Category indices drawn from the rows of ``probs`` (1-D or 2-D), as PyTorch draws them.

    Without replacement (or for one sample): the exponential trick, top-k of p / q with
    q ~ Exp(1) (one q per category). With replacement: per row the cumulative sums
    normalised to end at 1, then for each sample the first category whose cumulative
    probability reaches a float64 uniform (a binary search).
    """
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement or num_samples == 1:
        q = exponential(gen, rows.shape, rows.dtype, 1.0)
        keys = (rows / q).astype(rows.dtype)
        order = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
        return order.astype(np.int64).reshape(*probs.shape[:-1], num_samples)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):
        cum = np.cumsum(row, dtype=row.dtype)
        cum = cum / cum[-1]
        cum[-1] = 1
        u = unit_uniform(gen, num_samples, np.float64)
        out[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
    return out.reshape(*probs.shape[:-1], num_samples)
