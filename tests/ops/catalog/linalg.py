"""Catalog rows of the linear-algebra ops (``tinygrad_edu/ops/linalg.py``):
inv, det, logabsdet (slogdet), solve, cholesky, eigh, svd and qr.

Inputs are kept well conditioned (a multiple of I added; eigenvalues and singular values
spaced apart), because central differences and the eigenvector / singular-vector gradients
need that. Eigen- and singular vectors are compared after fixing their signs the same way in
both libraries (largest entry of each column positive).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tg
from catalog.base import (
    OpRow,
    Sample,
    normal,
    one_of,
    row,
    torch,
)

ROWS: list[OpRow] = []
add = ROWS.append
LINALG = {"rtol": 1e-8, "atol": 1e-10, "grad_rtol": 1e-6, "grad_atol": 1e-8,
          "f32_rtol": 1e-4, "f32_atol": 1e-5}


def lib(x: Any) -> Any:
    """The library of a tensor: ``tg`` or ``torch``."""
    return tg if isinstance(x, tg.Tensor) else torch


def batch_spec(size: Any) -> Any:
    """(batch dims, n): up to one batch dim, n from 1 to 4."""
    return st.tuples(st.lists(st.integers(1, 3), max_size=1).map(tuple), st.integers(1, 4))


def conditioned(rng: np.random.Generator, batch: tuple[int, ...], n: int) -> np.ndarray:
    """Square matrices far from singular by construction: U diag(s) V^T with random
    orthogonal U, V and singular values s from 1 up, 0.5 to 1.5 apart, so the condition
    number stays below 1 + 1.5 (n - 1) and float32 results agree within the rows' tolerance.
    (Normal values plus 3 I, drawn before, were now and then nearly singular: a float32
    Cholesky factor of such a Gram matrix differs from torch's in its 4th digit.)"""
    s = spaced(rng, batch, n, 1.0)
    return orthogonal(rng, batch, n) @ (s[..., :, None] * orthogonal(rng, batch, n))


def spaced(rng: np.random.Generator, batch: tuple[int, ...], count: int, lo: float) -> np.ndarray:
    """``count`` values per matrix from ``lo`` up, at least 0.5 apart, in random order."""
    steps = rng.uniform(0.5, 1.5, (*batch, count))
    values = lo + np.cumsum(steps, axis=-1) - steps[..., :1]
    return rng.permuted(values, axis=-1)


def orthogonal(rng: np.random.Generator, batch: tuple[int, ...], n: int) -> np.ndarray:
    q, _ = np.linalg.qr(normal(rng, (*batch, n, n)))
    return q


def fix_signs(v: Any) -> Any:
    """Each column times the sign of its largest-magnitude entry (a sign-free convention)."""
    d = v.detach()
    top = lib(v).take_along_dim(d, d.abs().argmax(-2, keepdim=True), -2)
    return v * ((top > 0).double() * 2 - 1).to(v.dtype)


# --- inverse, determinant, solve


def _square_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    batch, n = spec
    return Sample((conditioned(rng, batch, n),))


add(row("inv", lambda a: lib(a).linalg.inv(a), None, batch_spec, _square_make, **LINALG))
add(row("inv", lambda a: a.inverse(), None, batch_spec, _square_make, variant="method",
        **LINALG))
add(row("det", lambda a: lib(a).linalg.det(a), None, batch_spec, _square_make, **LINALG))
add(row("det", lambda a: a.det(), None, batch_spec,
        lambda rng, spec: Sample((-conditioned(rng, *spec),)), variant="negative", **LINALG))
add(row("logabsdet", lambda a: lib(a).linalg.slogdet(a).logabsdet, None, batch_spec,
        lambda rng, spec: Sample((-conditioned(rng, *spec),)), **LINALG))
add(row("logabsdet", lambda a: lib(a).linalg.slogdet(a).sign, None, batch_spec,
        lambda rng, spec: Sample((conditioned(rng, *spec) * rng.choice([-1.0, 1.0]),)),
        variant="sign", differentiable=False, **LINALG))


def _solve_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int, int, bool]
                ) -> Sample:
    batch, n, k, vector = spec
    b = normal(rng, (*batch, n)) if vector else normal(rng, (*batch, n, k))
    return Sample((conditioned(rng, batch, n), b))


add(row("solve", lambda a, b: lib(a).linalg.solve(a, b), None,
        lambda size: st.tuples(st.lists(st.integers(1, 3), max_size=1).map(tuple),
                               st.integers(1, 4), st.integers(1, 3), st.booleans()),
        _solve_make, covers=("solve",), **LINALG))
add(row("solve", lambda a, b: lib(a).linalg.solve(a, b), None, one_of(None),
        lambda rng, _: Sample((conditioned(rng, (2, 1), 3), normal(rng, (4, 3, 2)))),
        variant="broadcast_batch", **LINALG))

# --- factorisations of symmetric matrices


def _gram(c: np.ndarray) -> np.ndarray:
    """C C^T: symmetric positive-definite for an invertible C."""
    return c @ np.swapaxes(c, -1, -2)


def _spd_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    batch, n = spec
    return Sample((normal(rng, (*batch, n, n)),))


add(row("cholesky",
        lambda x: lib(x).linalg.cholesky(x @ x.mT + 3 * lib(x).eye(x.shape[-1], dtype=x.dtype)),
        None, batch_spec, _spd_make, covers=("cholesky", "matmul"), **LINALG))
add(row("cholesky", lambda a: lib(a).linalg.cholesky(a, upper=True), None, batch_spec,
        lambda rng, spec: Sample((_gram(conditioned(rng, *spec)),)), variant="upper",
        gradcheck=False, **LINALG))


def _symmetric_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int]) -> Sample:
    """x with x + x^T = Q diag(w) Q^T, w spaced apart (distinct eigenvalues)."""
    batch, n = spec
    q = orthogonal(rng, batch, n)
    w = spaced(rng, batch, n, -2.0)
    return Sample(((q * w[..., None, :]) @ np.swapaxes(q, -1, -2) / 2,))


def _eigh(x: Any, uplo: str = "L") -> Any:
    w, v = lib(x).linalg.eigh(x + x.mT, UPLO=uplo)
    return w, fix_signs(v)


add(row("eigh", _eigh, None, batch_spec, _symmetric_make, f32=False, **LINALG))
add(row("eigh", lambda x: _eigh(x, "U"), None, batch_spec, _symmetric_make, variant="upper",
        f32=False, **LINALG))
add(row("eigh", lambda x: lib(x).linalg.eigvalsh(x + x.mT), None, batch_spec, _symmetric_make,
        variant="eigvalsh", **LINALG))

# --- SVD and QR


def _rect_spec(size: Any) -> Any:
    return st.tuples(st.lists(st.integers(1, 2), max_size=1).map(tuple), st.integers(1, 4),
                     st.integers(1, 4))


def _svd_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int, int]) -> Sample:
    """U diag(s) V^T with singular values from 0.5 up, spaced apart."""
    batch, m, n = spec
    k = min(m, n)
    u = orthogonal(rng, batch, m)[..., :k]
    v = orthogonal(rng, batch, n)[..., :k]
    s = spaced(rng, batch, k, 0.5)
    return Sample(((u * s[..., None, :]) @ np.swapaxes(v, -1, -2),))


def _svd(a: Any) -> Any:
    u, s, vh = lib(a).linalg.svd(a, full_matrices=False)
    d = u.detach()
    sign = ((lib(a).take_along_dim(d, d.abs().argmax(-2, keepdim=True), -2) > 0).double() * 2
            - 1).to(a.dtype)
    return u * sign, s, vh * sign.mT


add(row("svd", _svd, None, _rect_spec, _svd_make, f32=False, **LINALG))
add(row("svd", lambda a: lib(a).linalg.svdvals(a), None, _rect_spec, _svd_make,
        variant="svdvals", **LINALG))
add(row("svd", lambda a: lib(a).linalg.svd(a).S, None, _rect_spec, _svd_make,
        variant="full_matrices_values", **LINALG))


def _tall_spec(size: Any) -> Any:
    """(batch, m, n) with m >= n: the shapes whose QR has a gradient."""
    return st.tuples(st.lists(st.integers(1, 2), max_size=1).map(tuple), st.integers(1, 4),
                     st.integers(0, 3)).map(lambda s: (s[0], s[1] + s[2], s[1]))


def _qr_make(rng: np.random.Generator, spec: tuple[tuple[int, ...], int, int]) -> Sample:
    batch, m, n = spec
    return Sample((_svd_make(rng, (batch, m, n)).args[0],))


add(row("qr", lambda a: tuple(lib(a).linalg.qr(a)), None, _tall_spec, _qr_make, **LINALG))
add(row("qr", lambda a: tuple(lib(a).linalg.qr(a, mode="complete")), None,
        lambda size: st.integers(1, 4).map(lambda n: ((), n, n)), _qr_make,
        variant="complete_square", **LINALG))
add(row("qr", lambda a: lib(a).linalg.qr(a, mode="r").R, None, _rect_spec, _qr_make,
        variant="r_only", differentiable=False, **LINALG))
