"""Numba loops for the random number transforms that numpy cannot do bit-exactly.

PyTorch's CPU kernels are C++ compiled with fused multiply-add (``a * b + c`` rounded once)
and the C library's ``log``/``cos``/``sin``/``log1p``. Numba compiles to the same: with
``fastmath={"contract"}`` LLVM fuses ``a * b + c`` on an FMA machine, and ``math.log`` calls
the C library. numpy rounds ``a * b`` first and uses its own SIMD ``log``/``sin``/``cos``,
which differ in the last bit now and then -- enough to print a different number.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_FMA = {"contract"}  # let LLVM fuse a * b + c like the C++ compiler did for PyTorch


@njit(cache=True, fastmath=_FMA)
def affine(x, scale, shift):  # pragma: no cover - compiled
    """x * scale + shift, fused (one rounding), in x's dtype (pass scale/shift of that dtype)."""
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = x[i] * scale + shift
    return out


@njit(cache=True, fastmath=_FMA)
def box_muller_16(data, mean, std):  # pragma: no cover - compiled
    """In place, float64, on each block of 16 uniforms: PyTorch's ``normal_fill_16``.

    For j < 8: u1 = 1 - data[j], u2 = data[j + 8], r = sqrt(-2 log u1), t = 2 pi u2;
    data[j] = r cos(t) std + mean and data[j + 8] = r sin(t) std + mean.
    """
    for start in range(0, data.size - 15, 16):
        for j in range(start, start + 8):
            radius = math.sqrt(-2.0 * math.log(1.0 - data[j]))
            theta = 2.0 * math.pi * data[j + 8]
            data[j] = radius * math.cos(theta) * std + mean
            data[j + 8] = radius * math.sin(theta) * std + mean


@njit(cache=True, fastmath=_FMA)
def normal_pairs(u1, u2, mean, std, out_cos, out_sin):  # pragma: no cover - compiled
    """PyTorch's scalar ``normal_distribution<double>``: one Box-Muller pair per (u1, u2).

    r = sqrt(-2 log(1 - u2)), t = 2 pi u1; the first normal is r cos(t), the second (cached
    by the generator for the next call) r sin(t); both scaled as n * std + mean, fused.
    """
    for i in range(u1.size):
        radius = math.sqrt(-2.0 * math.log1p(-u2[i]))
        theta = 2.0 * math.pi * u1[i]
        out_cos[i] = radius * math.cos(theta) * std + mean
        out_sin[i] = radius * math.sin(theta)


@njit(cache=True)
def neg_log1p(u, scale):  # pragma: no cover - compiled
    """scale * log1p(-u) with the C library's log1p (exponential variates: scale = -1/lambda)."""
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = scale * math.log1p(-u[i])
    return out


@njit(cache=True)
def cauchy(u, median, sigma):  # pragma: no cover - compiled
    """median + sigma * tan(pi (u - 1/2)): Cauchy variates from float64 uniforms."""
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = median + sigma * math.tan(math.pi * (u[i] - 0.5))
    return out


@njit(cache=True)
def geometric(u, p):  # pragma: no cover - compiled
    """ceil(log(u) / log(1 - p)): the number of trials up to the first success."""
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = math.ceil(math.log(u[i]) / math.log1p(-p))
    return out


@njit(cache=True)
def exp(x):  # pragma: no cover - compiled
    """exp with the C library's rounding (log-normal variates)."""
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = math.exp(x[i])
    return out


@njit(cache=True)
def swap_shuffle(words, n):  # pragma: no cover - compiled
    """PyTorch's ``randperm``: start from 0..n-1; for i < n - 1 swap r[i] and r[i + w_i % (n-i)]."""
    perm = np.arange(n)
    for i in range(n - 1):
        z = i + np.int64(words[i] % np.uint64(n - i))
        perm[i], perm[z] = perm[z], perm[i]
    return perm


# -- float32 Box-Muller with PyTorch's AVX2 polynomials -----------------------------------
# Constants are float32 globals (Numba freezes them with their type), so the arithmetic below
# stays in float32 exactly where PyTorch's vector code does; ``_fma`` rounds a * b + c once
# (the product of two float32 is exact in float64, so one rounding of the sum remains).

_F = np.float32
_ONE, _HALF, _MINUS_TWO, _TWO_PI = _F(1), _F(0.5), _F(-2), _F(2 * math.pi)
_SQRTHF, _LOG_Q1, _LOG_Q2 = _F(0.707106781186547524), _F(-2.12194440e-4), _F(0.693359375)
_LOG_P = np.array([7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                   1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                   3.3333331174e-1], dtype=np.float32)
_FOPI = _F(1.27323954473516)  # 4 / pi
_DP1, _DP2, _DP3 = _F(-0.78515625), _F(-2.4187564849853515625e-4), _F(-3.77489497744594108e-8)
_COS_P0, _COS_P1, _COS_P2 = _F(2.443315711809948e-5), _F(-1.388731625493765e-3), \
    _F(4.166664568298827e-2)
_SIN_P0, _SIN_P1, _SIN_P2 = _F(-1.9515295891e-4), _F(8.3321608736e-3), _F(-1.6666654611e-1)


@njit(cache=True)
def _fma(a, b, c):  # pragma: no cover - compiled
    return np.float32(np.float64(a) * np.float64(b) + np.float64(c))


@njit(cache=True)
def _log32(mant, expo):  # pragma: no cover - compiled
    """log(m * 2**e) for a mantissa m in [0.5, 1) and e = exponent + 1 (cephes logf)."""
    e = expo
    if mant < _SQRTHF:
        e = e - _ONE
        t = mant - _ONE + mant
    else:
        t = mant - _ONE
    z = t * t
    y = _LOG_P[0]
    for k in range(1, 9):
        y = _fma(y, t, _LOG_P[k])
    y = _fma(y * t, z, e * _LOG_Q1)
    y = y - z * _HALF
    return _fma(e, _LOG_Q2, t + y)


@njit(cache=True)
def _sincos32(x):  # pragma: no cover - compiled
    """(sin x, cos x) for float32 x >= 0 (cephes sinf/cosf, PyTorch's ``sincos256_ps``)."""
    j = np.int32(x * _FOPI)
    j = (j + 1) & ~1
    y = np.float32(j)
    x = _fma(y, _DP1, x)
    x = _fma(y, _DP2, x)
    x = _fma(y, _DP3, x)
    z = x * x
    c = _fma(_fma(_COS_P0, z, _COS_P1), z, _COS_P2)
    c = _fma(c * z, z, -(z * _HALF)) + _ONE
    s = _fma(_fma(_SIN_P0, z, _SIN_P1), z, _SIN_P2)
    s = _fma(s * z, x, x)
    if j & 2:
        s, c = c, s
    if j & 4:
        s = -s
    if ((j - 2) & 4) == 0:
        c = -c
    return s, c


@njit(cache=True)
def box_muller_16_f32(data, mant, expo, mean, std):  # pragma: no cover - compiled
    """In place, float32, PyTorch's AVX2 ``normal_fill_16`` on each block of 16 uniforms.

    ``mant``/``expo`` hold the mantissa in [0.5, 1) and exponent + 1 of 1 - u for the first
    8 of each block (split with integer ops by the caller, as the vector code does).
    """
    for start in range(0, data.size - 15, 16):
        for j in range(8):
            k = start // 2 + j
            radius = np.sqrt(_MINUS_TWO * _log32(mant[k], expo[k]))
            s, c = _sincos32(_TWO_PI * data[start + j + 8])
            data[start + j] = _fma(radius * c, std, mean)
            data[start + j + 8] = _fma(radius * s, std, mean)


@njit(cache=True)
def scaled_bernoulli(words, p, scale, out):  # pragma: no cover - compiled
    """out[i] = scale where u_i < p, else 0, in out's dtype: PyTorch's ``bernoulli_(p)`` times
    a scale, in one pass over the raw stream.

    u_i is the float64 uniform of the 64-bit draw made of the words 2i (high) and 2i + 1 (low):
    its low 53 bits times 2**-53. Taken as high mod 2**21 times 2**32 plus low, every step is
    exact in float64, so u_i is the very number ``unit_uniform`` computes with uint64 arrays.
    """
    for i in range(out.size):
        high = words[2 * i] & np.uint64(0x1FFFFF)
        u = (np.float64(high) * 4294967296.0 + np.float64(words[2 * i + 1])) * 2.0**-53
        out[i] = scale if u < p else 0.0
