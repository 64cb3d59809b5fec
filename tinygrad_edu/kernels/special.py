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
