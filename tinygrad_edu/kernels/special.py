"""Special functions numpy lacks, as Numba loops (used by the exact GELU)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def erf(x):  # pragma: no cover - compiled; the tests also run it under NUMBA_DISABLE_JIT
    """Elementwise error function of a contiguous float array (any shape, serial loop)."""
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    for i in range(flat.size):
        out[i] = math.erf(flat[i])
    return out.reshape(x.shape)


@njit(cache=True)
def erfc(x):  # pragma: no cover - compiled
    """Elementwise complementary error function 1 - erf(x), exact also where erf(x) ~ 1."""
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    for i in range(flat.size):
        out[i] = math.erfc(flat[i])
    return out.reshape(x.shape)


@njit(cache=True)
def _erfinv_start(a):  # pragma: no cover - compiled
    """Giles' (2010) polynomial guess of erfinv(a) for 0 <= a < 1 (about 7 correct digits)."""
    w = -math.log((1.0 - a) * (1.0 + a))
    if w < 5.0:
        w -= 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    return p * a


@njit(cache=True)
def erfinv(x):  # pragma: no cover - compiled
    """Elementwise inverse error function: the y with erf(y) = x, for -1 <= x <= 1.

    A polynomial guess, then Newton steps on erf(y) = |x|, whose slope is 2/sqrt(pi) e**(-y**2);
    for |x| >= 0.5 on the equivalent erfc(y) = 1 - |x| (erfc keeps its digits where erf(y)
    is close to 1).
    """
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    scale = 2.0 / math.sqrt(math.pi)
    for i in range(flat.size):
        v = flat[i]
        a = abs(v)
        if not a <= 1.0:  # |x| > 1 or nan
            out[i] = math.nan
            continue
        if a == 1.0:
            out[i] = math.copysign(math.inf, v)
            continue
        y = _erfinv_start(a)
        for _ in range(50):  # 2-3 steps, more in the far tail (beyond float32's range)
            if a < 0.5:
                step = (a - math.erf(y)) / (scale * math.exp(-y * y))
            else:
                step = (math.erfc(y) - (1.0 - a)) / (scale * math.exp(-y * y))
            y += step
            if abs(step) <= 1e-16 * abs(y):
                break
        out[i] = math.copysign(y, v)
    return out.reshape(x.shape)
