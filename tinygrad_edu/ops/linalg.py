"""Linear algebra: inverse, determinant, solve, Cholesky, eigh, SVD and QR.

Each forward is one numpy (LAPACK) call on a batch of matrices (..., m, n); each backward is
the textbook matrix-calculus rule, written with the same batched products. ``mT(x)`` is the
transpose of the last two axes. The rules, for a scalar loss L and dX = dL/dX:

- ``inv``     B = A^-1:        dA = -B^T dB B^T
- ``det``     d = det(A):      dA = dd * adj(A)^T = dd * d * A^-T
- ``logabsdet`` l = log|det A|: dA = dl * A^-T
- ``solve``   X = A^-1 B:      dB = A^-T dX,  dA = -dB X^T
- ``cholesky`` A = L L^T:      dA = L^-T Phi(L^T dL) L^-1  (Phi: the lower triangle,
  symmetrised, diagonal halved)
- ``eigh``    A = V diag(w) V^T: dA = V (diag(dw) + skew(V^T dV) / E) V^T, E_ij = w_j - w_i
- ``svd``     A = U diag(s) V^T: dA = U diag(ds) V^T plus the terms of dU and dV
- ``qr``      A = Q R:         dA = Q (dR + tril(Q^T dQ - dQ^T Q + R dR^T - dR R^T) R^-T)
  + (dQ - Q Q^T dQ) R^-T

Each rule is also written with Tensor operations (``inv_grad``, ``det_grad``, ...) for
gradients of gradients: the op's results are part of the graph (``ctx.output``),
and the inverses and solves inside a rule are the ``inv`` and ``solve`` ops themselves, so the
gradient can be differentiated to any order. ``det`` at a (nearly) singular matrix takes the
adjugate from the SVD instead of det(A) A^-1.

Ops with several results (eigh, svd, qr) return them packed along one last axis, flattened
(e.g. eigh: the n eigenvalues then the n * n entries of V), because an op has one output
array; the Tensor layer unpacks them (``unpack``) and the gradient flows back the same way.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .registry import needs_input_grad, register_op

Array = NDArray[Any]


class LinAlgError(RuntimeError):
    """A matrix the factorisation cannot handle (singular, not positive-definite); PyTorch's
    ``torch.linalg.LinAlgError``, also a RuntimeError."""


def mT(x: Array) -> Array:  # noqa: N802 - PyTorch's name
    """The transpose of the last two axes (of every matrix in a batch)."""
    return np.swapaxes(x, -1, -2)


def pack(*arrays: Array, batch: tuple[int, ...]) -> Array:
    """Results of one factorisation, flattened per matrix and joined along a last axis."""
    return np.concatenate([a.reshape(*batch, int(np.prod(a.shape[len(batch):])))
                           for a in arrays], axis=-1)


def unpack(packed: Array, shapes: tuple[tuple[int, ...], ...]) -> list[Array]:
    """The inverse of ``pack``: the pieces with their per-matrix ``shapes``."""
    batch, pieces, start = packed.shape[:-1], [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        pieces.append(packed[..., start:start + size].reshape(*batch, *shape))
        start += size
    return pieces


def _square(a: Array, name: str) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they "
                           f"are {a.shape[-2] if a.ndim > 1 else a.shape} by "
                           f"{a.shape[-1] if a.ndim else ''} matrices (shape {a.shape})")


def _lapack(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a numpy.linalg call, turning its LinAlgError into ours (PyTorch's error type)."""
    try:
        return fn(*args, **kwargs)
    except np.linalg.LinAlgError as e:
        why = {"cholesky": "the factorization could not be completed because the input is not "
                           "positive-definite",
               "eigh": "the algorithm failed to converge because the input matrix is "
                       "ill-conditioned or has too many repeated eigenvalues"}.get(
            name, "the factorization could not be completed because the input matrix is "
                  "singular")
        raise LinAlgError(f"linalg.{name}: {why} ({e})") from None


# ----------------------------------------------------------------------------- inverse, det


class MatrixCache(NamedTuple):
    """Cache of an op on a batch of matrices: its input and its output."""

    a: Array
    out: Array


def inv_forward(a: Array) -> tuple[Array, MatrixCache]:
    """out = A^-1 for each matrix of the batch (..., n, n).

    Backward: from d(A^-1) = -A^-1 dA A^-1, dA = -A^-T dout A^-T.
    """
    _square(a, "inv")
    out = _lapack("inv", np.linalg.inv, a)
    return out, MatrixCache(a, out)


def inv_backward(dout: Array, cache: MatrixCache) -> tuple[Array]:
    """dA = -B^T dout B^T with B = A^-1."""
    bt = mT(cache.out)
    return (-(bt @ dout @ bt),)


def inv_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dA = -B^T dout B^T, with B = A^-1 again in the graph."""
    bt = ctx.output.mT
    return (-(bt @ dout @ bt),)


register_op("inv", inv_forward, inv_backward, grad=inv_grad)


def adjugate(a: Array) -> Array:
    """adj(A), defined also for singular A: adj(A) = det(A) A^-1 = det(U V^T) V adj(S) U^T.

    The SVD form holds for every matrix; adj(S) is diagonal with the product of all the
    other singular values.
    """
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], axis=-1) \
        if n > 1 else np.ones_like(s)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * (mT(vt) * others[..., None, :]) @ mT(u)


def det_forward(a: Array) -> tuple[Array, MatrixCache]:
    """out = det(A) for each matrix of the batch (..., n, n) -> (...).

    Backward: Jacobi's formula d det(A) = tr(adj(A) dA), so dA = dout * adj(A)^T, which is
    dout * det(A) * A^-T when A is invertible.
    """
    _square(a, "det")
    out = np.asarray(np.linalg.det(a))
    return out, MatrixCache(a, out)


def det_backward(dout: Array, cache: MatrixCache) -> tuple[Array]:
    """Jacobi's formula (the adjugate from the SVD where A is singular)."""
    a, d = cache
    try:
        adj_t = d[..., None, None] * mT(np.linalg.inv(a))
    except np.linalg.LinAlgError:
        adj_t = mT(adjugate(a))
    return (dout[..., None, None] * adj_t,)


def det_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: Jacobi's formula, dA = dout * det(A) * A^-T with ``inv``, or
    dout * adj(A)^T from the SVD where A is (nearly) singular (``adjugate_grad``)."""
    a = ctx.inputs[0]
    if a.shape[-1] == 1:  # det(A) = a_11, adj(A) = 1: a constant gradient
        adj_t = ctx.const(np.ones(tuple(a.shape), dtype=np.dtype(a.dtype)))
    elif _well_conditioned(a.numpy(force=True)):
        adj_t = _matrix_scalar(ctx.output) * ctx.apply("inv", a).mT
    else:  # det * A^-1 loses digits as A nears singular; its derivative loses all of them
        adj_t = adjugate_grad(ctx, a).mT
    return (_matrix_scalar(dout) * adj_t,)


def _well_conditioned(a: Array) -> bool:
    """Every matrix has cond(A) < 1 / sqrt(eps): A^-1 is accurate to about half the digits."""
    if a.size == 0:
        return True
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.linalg.cond(a)
    return bool(np.all(cond < 1 / np.sqrt(np.finfo(a.dtype).eps)))


def adjugate_grad(ctx: Any, a: Any) -> Any:
    """``adjugate`` with Tensor operations: det(U V^T) V adj(S) U^T, through the ``svd`` op
    (differentiable where the singular values are distinct, e.g. A of rank n - 1)."""
    m = a.shape[-1]
    u, s, vt = unpack(ctx.apply("svd", a), ((m, m), (m,), (m, m)))
    others = [_product([s[..., j] for j in range(m) if j != i], like=s[..., 0])
              for i in range(m)]
    adj_s = ctx.apply("cat", *[o.unsqueeze(-1) for o in others], dim=-1)
    sign = (ctx.apply("det", u) * ctx.apply("det", vt)).detach()  # +-1, piecewise constant
    return _matrix_scalar(sign) * (vt.mT * adj_s.unsqueeze(-2)) @ u.mT


def _product(factors: list[Any], like: Any) -> Any:
    """The product of Tensors (1, shaped like ``like``, when there are none)."""
    out = like * 0 + 1
    for f in factors:
        out = out * f
    return out


def _matrix_scalar(t: Any) -> Any:
    """A per-matrix scalar (...) as (..., 1, 1), to scale matrices (...,  n, n)."""
    return t.unsqueeze(-1).unsqueeze(-1)


register_op("det", det_forward, det_backward, grad=det_grad)


def logabsdet_forward(a: Array) -> tuple[Array, MatrixCache]:
    """out = log|det(A)| per matrix (the second result of ``slogdet``).

    Backward: d log|det A| = tr(A^-1 dA), so dA = dout * A^-T.
    """
    _square(a, "slogdet")
    _, out = np.linalg.slogdet(a)
    return np.asarray(out), MatrixCache(a, np.asarray(out))


def logabsdet_backward(dout: Array, cache: MatrixCache) -> tuple[Array]:
    """dA = dout * A^-T."""
    return (dout[..., None, None] * mT(_lapack("slogdet", np.linalg.inv, cache.a)),)


def logabsdet_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dA = dout * A^-T (``inv`` in the graph)."""
    return (_matrix_scalar(dout) * ctx.apply("inv", ctx.inputs[0]).mT,)


register_op("logabsdet", logabsdet_forward, logabsdet_backward, grad=logabsdet_grad)


# ----------------------------------------------------------------------------- solve


class SolveCache(NamedTuple):
    """Cache of ``solve``: A and the solution X."""

    a: Array
    x: Array


def solve_forward(a: Array, b: Array) -> tuple[Array, SolveCache]:
    """out = X with A X = B: A (..., n, n), B (..., n, k), batch axes broadcast.

    Backward: from A dX = dB - dA X, dB = A^-T dout (one more solve, with A^T) and
    dA = -dB X^T.
    """
    _square(a, "solve")
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: incompatible shapes of A {a.shape} and B {b.shape}; "
                           "B must be (..., n, k) for A (..., n, n)")
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = _lapack("solve", np.linalg.solve, np.broadcast_to(a, batch + a.shape[-2:]),
                np.broadcast_to(b, batch + b.shape[-2:]))
    return x, SolveCache(a, x)


def solve_backward(dout: Array, cache: SolveCache) -> tuple[Array | None, Array]:
    """dB = solve(A^T, dout); dA = -dB X^T (the engine sums broadcast batch axes)."""
    a, x = cache
    db = np.linalg.solve(np.broadcast_to(mT(a), dout.shape[:-2] + a.shape[-2:]), dout)
    da = -(db @ mT(x)) if needs_input_grad(0) else None
    return da, db


def solve_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dB = solve(A^T, dout), dA = -dB X^T (X again in the graph;
    the engine sums broadcast batch axes)."""
    a = ctx.inputs[0]
    db = ctx.apply("solve", a.mT, dout)
    da = -(db @ ctx.output.mT) if ctx.needs[0] else None
    return da, db if ctx.needs[1] else None


register_op("solve", solve_forward, solve_backward, grad=solve_grad)


# ----------------------------------------------------------------------------- cholesky


def cholesky_forward(a: Array) -> tuple[Array, MatrixCache]:
    """out = L, lower triangular with a positive diagonal, such that A = L L^T.

    Only the lower triangle of A is read.

    Backward (Murray 2016): with P = tril(L^T dL) and Phi(P) = its symmetric version with
    the diagonal halved, dA = L^-T Phi(P) L^-1 (a symmetric matrix).
    """
    _square(a, "cholesky")
    lower = np.tril(a)
    sym = lower + mT(np.tril(a, -1))
    out = _lapack("cholesky", np.linalg.cholesky, sym)
    failed = np.isnan(np.diagonal(out, axis1=-2, axis2=-1))  # a NaN pivot: LAPACK's failure
    if failed.any():
        order = int(np.argmax(failed.any(axis=tuple(range(failed.ndim - 1))))) + 1
        raise LinAlgError(f"linalg.cholesky: the factorization could not be completed because "
                          f"the input is not positive-definite (the leading minor of order "
                          f"{order} is not positive-definite: it holds a NaN)")
    return out, MatrixCache(a, out)


def cholesky_backward(dout: Array, cache: MatrixCache) -> tuple[Array]:
    """dA = L^-T Phi(tril(L^T dL)) L^-1."""
    low = cache.out
    p = np.tril(mT(low) @ dout)
    phi = 0.5 * (p + mT(np.tril(p, -1)))
    linv = np.linalg.inv(low)
    return (mT(linv) @ phi @ linv,)


def cholesky_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dA = L^-T Phi(tril(L^T dL)) L^-1, L again in the graph."""
    low = ctx.output
    p = (low.mT @ dout).tril()
    phi = 0.5 * (p + p.tril(-1).mT)
    linv = ctx.apply("inv", low)
    return (linv.mT @ phi @ linv,)


register_op("cholesky", cholesky_forward, cholesky_backward, grad=cholesky_grad)


# ----------------------------------------------------------------------------- eigh


class EighCache(NamedTuple):
    """Cache of ``eigh``: eigenvalues w and eigenvectors V."""

    w: Array
    v: Array


def eigh_forward(a: Array, *, upper: bool = False) -> tuple[Array, EighCache]:
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric A = V diag(w) V^T.

    Reads the lower triangle of A (the upper one with ``upper=True``). Output: per matrix,
    the n eigenvalues then the n * n entries of V, packed (``unpack`` with shapes
    ((n,), (n, n))).

    Backward: dA = V (diag(dw) + skew(V^T dV) / E) V^T with E_ij = w_j - w_i and
    skew(X) = (X - X^T) / 2 (E's diagonal is not used). Equal eigenvalues make the dV term
    infinite, as in PyTorch: their eigenvectors are not unique.
    """
    _square(a, "eigh")
    w, v = _lapack("eigh", np.linalg.eigh, a, UPLO="U" if upper else "L")
    return pack(w, v, batch=a.shape[:-2]), EighCache(w, v)


def eigh_backward(dout: Array, cache: EighCache) -> tuple[Array]:
    """dA = V (diag(dw) + skew(V^T dV) / E) V^T."""
    w, v = cache
    n = w.shape[-1]
    dw, dv = unpack(dout, ((n,), (n, n)))
    vtdv = mT(v) @ dv
    skew = 0.5 * (vtdv - mT(vtdv))
    e = w[..., None, :] - w[..., :, None]
    idx = np.arange(n)
    e[..., idx, idx] = 1.0
    inner = skew / e
    inner[..., idx, idx] = dw
    return (v @ inner @ mT(v),)


def eigh_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dA = V (diag(dw) + skew(V^T dV) / E) V^T, w and V again in
    the graph (E's diagonal, not used, is set to 1 by adding I)."""
    n = ctx.inputs[0].shape[-1]
    w, v = unpack(ctx.output, ((n,), (n, n)))
    dw, dv = unpack(dout, ((n,), (n, n)))
    vtdv = v.mT @ dv
    e = w.unsqueeze(-2) - w.unsqueeze(-1) + _eye(ctx, n, w)
    inner = 0.5 * (vtdv - vtdv.mT) / e + dw.diag_embed()
    return (v @ inner @ v.mT,)


def _eye(ctx: Any, n: int, like: Any) -> Any:
    """The identity (n, n) as a constant Tensor of ``like``'s dtype."""
    return ctx.const(np.eye(n, dtype=np.dtype(like.dtype)))


register_op("eigh", eigh_forward, eigh_backward, grad=eigh_grad)


# ----------------------------------------------------------------------------- svd


class SvdCache(NamedTuple):
    """Cache of ``svd``: U, s, V^T (reduced)."""

    u: Array
    s: Array
    vt: Array


def svd_forward(a: Array) -> tuple[Array, SvdCache]:
    """The reduced SVD A = U diag(s) V^T, s descending: A (..., m, n), k = min(m, n).

    Output, packed per matrix: U (m, k), s (k), V^T (k, n). (``full_matrices=True`` adds
    columns that are not unique, so they carry no gradient: the Tensor layer appends them.)

    Backward: dA = U [diag(ds) + (J_U / E) S + S (J_V / E)] V^T
    + (I - U U^T) dU S^-1 V^T + U S^-1 dV^T (I - V V^T), with J_U = U^T dU - dU^T U,
    J_V = V^T dV - dV^T V and E_jk = s_k^2 - s_j^2. Only ds is needed for the singular values
    (dA = U diag(ds) V^T); equal singular values make the U, V terms infinite (they are not
    unique).
    """
    if not np.isfinite(a).all():
        raise LinAlgError("linalg.svd: the algorithm failed to converge because the input "
                          "matrix contained non-finite values (NaN or Inf)")
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return pack(u, s, vt, batch=a.shape[:-2]), SvdCache(u, s, vt)


def svd_backward(dout: Array, cache: SvdCache) -> tuple[Array]:
    """The formula of the forward's docstring."""
    u, s, vt = cache
    m, n, k = u.shape[-2], vt.shape[-1], s.shape[-1]
    du, ds, dvt = unpack(dout, ((m, k), (k,), (k, n)))
    v, dv = mT(vt), mT(dvt)
    idx = np.arange(k)
    inner = np.zeros(s.shape + (k,), dtype=dout.dtype)
    inner[..., idx, idx] = ds
    if not (np.any(du) or np.any(dv)):  # only the singular values were used
        return (u @ inner @ vt,)
    e = s[..., None, :] ** 2 - s[..., :, None] ** 2
    e[..., idx, idx] = 1.0
    ju, jv = mT(u) @ du, mT(v) @ dv
    ju, jv = (ju - mT(ju)) / e, (jv - mT(jv)) / e
    ju[..., idx, idx] = 0.0
    jv[..., idx, idx] = 0.0
    inner = inner + ju * s[..., None, :] + s[..., :, None] * jv
    sinv = 1.0 / s
    grad = u @ inner @ vt
    if m > k:
        grad = grad + ((du - u @ (mT(u) @ du)) * sinv[..., None, :]) @ vt
    if n > k:
        grad = grad + (u * sinv[..., None, :]) @ (mT(dv) - (mT(dv) @ v) @ vt)
    return (grad,)


def svd_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: the formula of ``svd_forward``'s docstring with Tensor
    operations, U, s and V^T again in the graph. As in ``svd_backward``, when dU and dV are 0
    (only the singular values were used) the U, V terms are left out: they would add
    0 * (1 / E) and are infinite for repeated singular values."""
    m, n = ctx.inputs[0].shape[-2:]
    k = min(m, n)
    shapes = ((m, k), (k,), (k, n))
    u, s, vt = unpack(ctx.output, shapes)
    du, ds, dvt = unpack(dout, shapes)
    inner = ds.diag_embed()
    if not (np.any(du.numpy(force=True)) or np.any(dvt.numpy(force=True))):
        return (u @ inner @ vt,)
    v, dv = vt.mT, dvt.mT
    e = s.unsqueeze(-2) ** 2 - s.unsqueeze(-1) ** 2 + _eye(ctx, k, s)  # E_jk = s_k^2 - s_j^2
    ju, jv = u.mT @ du, v.mT @ dv
    ju, jv = (ju - ju.mT) / e, (jv - jv.mT) / e  # skew: 0 on the diagonal
    grad = u @ (inner + ju * s.unsqueeze(-2) + s.unsqueeze(-1) * jv) @ vt
    sinv = 1 / s
    if m > k:
        grad = grad + ((du - u @ (u.mT @ du)) * sinv.unsqueeze(-2)) @ vt
    if n > k:
        grad = grad + (u * sinv.unsqueeze(-2)) @ (dv.mT - (dv.mT @ v) @ vt)
    return (grad,)


register_op("svd", svd_forward, svd_backward, grad=svd_grad)


# ----------------------------------------------------------------------------- qr


class QrCache(NamedTuple):
    """Cache of ``qr``: Q, R and the mode."""

    q: Array
    r: Array
    mode: str


def qr_forward(a: Array, *, mode: str = "reduced") -> tuple[Array, QrCache]:
    """A = Q R with Q's columns orthonormal and R upper triangular (Householder, LAPACK).

    A (..., m, n), k = min(m, n): mode "reduced" gives Q (m, k), R (k, n); "complete" Q (m, m),
    R (m, n); "r" only R (Q is empty (0,)). Output: Q then R, packed.

    Backward (m >= n, reduced): with M = R dR^T - dQ^T Q,
    dA = (dQ + Q copyltu(M)) R^-T, copyltu(M) the symmetric matrix with M's lower triangle.
    Written out: dA = Q (dR + tril(Q^T dQ - dQ^T Q + R dR^T - dR R^T) R^-T) + (dQ - Q Q^T dQ)
    R^-T.
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr: qr received unrecognized mode '{mode}' but expected "
                           "one of 'reduced' (default), 'r', or 'complete'")
    q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        q = np.zeros(a.shape[:-2] + (0,), dtype=r.dtype)
    return pack(q, r, batch=a.shape[:-2]), QrCache(q, r, mode)


def qr_backward(dout: Array, cache: QrCache) -> tuple[Array]:
    """The formula of the forward's docstring (PyTorch's rule for m >= n)."""
    q, r, mode = cache
    _qr_differentiable(mode, q.shape[-2] if mode != "r" else 0, r.shape[-1])
    dq, dr = unpack(dout, (q.shape[-2:], r.shape[-2:]))
    qdq = mT(q) @ dq
    rdr = r @ mT(dr)
    low = np.tril(qdq - mT(qdq) + rdr - mT(rdr))

    def times_r_inv_t(x: Array) -> Array:
        """x R^-T, by solving R Y^T = x^T."""
        return mT(np.linalg.solve(r, mT(x)))

    return (q @ (dr + times_r_inv_t(low)) + times_r_inv_t(dq - q @ qdq),)


def _qr_differentiable(mode: str, m: int, n: int) -> None:
    """The shapes and modes whose QR has a derivative (PyTorch's): m >= n, Q computed."""
    if mode == "r":
        raise RuntimeError("linalg.qr: the derivative of linalg.qr depends on Q, which is not "
                           "computed when mode='r'; use mode='reduced'")
    if m < n or (mode == "complete" and m > n):
        raise RuntimeError(f"linalg.qr: the derivative is implemented only for m >= n with "
                           f"mode='reduced' (got {m} x {n} with mode='{mode}')")


def qr_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: the formula of ``qr_forward``'s docstring, Q and R again in
    the graph, x R^-T by the ``solve`` op."""
    mode = ctx.static.get("mode", "reduced")
    m, n = ctx.inputs[0].shape[-2:]
    _qr_differentiable(mode, m, n)
    shapes = ((m, n), (n, n))  # m >= n: reduced, or complete with m = n
    q, r = unpack(ctx.output, shapes)
    dq, dr = unpack(dout, shapes)
    qdq, rdr = q.mT @ dq, r @ dr.mT
    low = (qdq - qdq.mT + rdr - rdr.mT).tril()

    def times_r_inv_t(x: Any) -> Any:
        """x R^-T, by solving R Y^T = x^T."""
        return ctx.apply("solve", r, x.mT).mT

    return (q @ (dr + times_r_inv_t(low)) + times_r_inv_t(dq - q @ qdq),)


register_op("qr", qr_forward, qr_backward, grad=qr_grad)
