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
def swap_shuffle(words, n):  # pragma: no cover - compiled
    """PyTorch's ``randperm``: start from 0..n-1; for i < n - 1 swap r[i] and r[i + w_i % (n-i)]."""
    perm = np.arange(n)
    for i in range(n - 1):
        z = i + np.int64(words[i] % np.uint64(n - i))
        perm[i], perm[z] = perm[z], perm[i]
    return perm
