"""Norms, distances and ``torch.linalg``: the functions behind ``tg.linalg``.
 The factorisations (``inv``, ``det``,
``solve``, ``cholesky``, ``eigh``, ``svd``, ``qr``) are the registered ops of
``tinygrad_edu/ops/linalg.py``, whose backward functions are the lessons; the functions here
check arguments, handle vectors and modes, and unpack ops with several results.
``tinygrad_edu.linalg`` (``tg.linalg``) gives them PyTorch's ``torch.linalg`` names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes
from ..autograd import OPS, apply_op, relabel
from ..checks import (
    FLOATING_CHECKED,
    NUMBERS,
    SAME,
    check_dtypes,
    check_floating,
    dim_index,
    int_arg,
    reduction_dims,
)
from ..ops.linalg import LinAlgError
from . import shape as shape_ops
from .arithmetic import matmul, where
from .convert import as_tensor_like, check_tensor

__all__ = [
    "EighResult", "LinAlgError", "QRResult", "SlogdetResult", "SVDResult", "broadcast_shapes",
    "cdist", "cholesky", "det", "eigh", "inv", "matrix_norm", "matrix_rank", "norm",
    "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "vector_norm",
]


class SlogdetResult(NamedTuple):
    """``slogdet``: the sign of the determinant and the log of its absolute value."""

    sign: Any
    logabsdet: Any


class EighResult(NamedTuple):
    """``eigh``: eigenvalues (ascending) and the eigenvectors as columns."""

    eigenvalues: Any
    eigenvectors: Any


class SVDResult(NamedTuple):
    """``svd``: A = U diag(S) Vh."""

    U: Any  # noqa: N815 - PyTorch's field names
    S: Any  # noqa: N815
    Vh: Any  # noqa: N815


class QRResult(NamedTuple):
    """``qr``: A = Q R."""

    Q: Any  # noqa: N815
    R: Any  # noqa: N815


def broadcast_shapes(*shapes: Any) -> Any:
    """The shape tensors of these shapes broadcast to (``torch.broadcast_shapes``)."""
    from .size import Size

    tuples = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*tuples))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shape mismatch: objects cannot be broadcast to a "
                           f"single shape; got {tuples}") from None


def _float(x: Any, name: str) -> Any:
    check_tensor(x, f"linalg.{name}", "A")
    check_floating(x.dtype, f"linalg.{name}: Expected a floating point tensor as input. Got "
                            f"{x.dtype}")
    return x


def _matrices(x: Any, name: str, square: bool = True) -> Any:
    _float(x, name)
    if x.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if square and x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")
    return x


def _unpack(packed: Any, shapes: Sequence[tuple[int, ...]]) -> list[Any]:
    """Split the packed output of a factorisation op into its results (see ops/linalg.py)."""
    pieces, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        pieces.append(packed[..., start:start + size].reshape(*packed.shape[:-1], *shape))
        start += size
    return pieces


# ----------------------------------------------------------------------------- norms


def _zero_grad(value: Any, source: Any) -> Any:
    """``value``, connected to ``source`` (same shape) with gradient 0: a ``where`` that
    always picks ``value``. PyTorch keeps such results (a count, a constant) in the graph."""
    return where(value._wrap(np.zeros((), dtype=bool)), source, value)


def _safe_root(total: Any, p: float) -> Any:
    """total ** (1/p) with gradient 0 (not NaN) where total is 0: PyTorch's subgradient of the
    norm at the zero vector. The inner ``where`` keeps the root's backward away from 0."""
    zero = total == 0
    safe = where(zero, total._wrap(np.ones((), dtype=total.dtype)), total)
    root = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return where(zero, total._wrap(np.zeros((), dtype=total.dtype)), root)


def vector_norm(x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Any:
    """The ``ord``-norm of x seen as vectors along ``dim`` (all elements when None):
    (sum |x|^ord)^(1/ord); inf: max |x|; -inf: min |x|; 0: the count of non-zeros."""
    check_tensor(x, "linalg.vector_norm", "x")
    if dtype is not None:
        x = x.type(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {x.dtype}")
    dims = reduction_dims(dim, x.ndim, "linalg.vector_norm")
    # PyTorch shows one node for the call, whatever it is composed of here
    return relabel(_vector_norm(x, float(ord), dims, keepdim), "LinalgVectorNormBackward0", x)


def _vector_norm(x: Any, ord: float, dims: tuple[int, ...] | None,  # noqa: A002
                 keepdim: bool) -> Any:
    """``vector_norm`` on a floating ``x`` over ``dims`` (None: all), composed from ops."""
    if ord in (math.inf, -math.inf):
        if x.numel() == 0 and (dims is None or any(x.shape[d] == 0 for d in dims)):
            raise RuntimeError("linalg.vector_norm: Expected a non-empty tensor when ord is "
                               "inf or -inf (the reduction has no identity)")
        absx = x.abs()
        return (absx.amax if ord > 0 else absx.amin)(() if dims is None and x.ndim == 0 else
                                                      dims if dims is not None else
                                                      tuple(range(x.ndim)), keepdim)
    if ord == 0:  # a count: gradient 0, but the result stays in the graph as in PyTorch
        return _zero_grad((x != 0).type(x.dtype).sum(dims, keepdim), x.sum(dims, keepdim))
    if ord == 1:
        return x.abs().sum(dims, keepdim)
    if ord == 2:
        return _safe_root((x * x).sum(dims, keepdim), 2)
    return _safe_root((x.abs() ** ord).sum(dims, keepdim), ord)


def matrix_norm(a: Any, ord: Any = "fro", dim: tuple[int, int] = (-2, -1),  # noqa: A002
                keepdim: bool = False, *, dtype: Any = None) -> Any:
    """A matrix norm over the two dims ``dim``: 'fro' (sqrt of the sum of squares), 'nuc'
    (sum of singular values), 2 / -2 (largest / smallest singular value), 1 / -1 (max / min
    column sum of |a|), inf / -inf (max / min row sum)."""
    if dtype is not None:
        a = a.type(dtype)
    _float(a, "matrix_norm")
    if a.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions, got {a.ndim}")
    d0, d1 = (dim_index(d, a.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if ord == "fro":
        return vector_norm(a, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(a.movedim((d0, d1), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        return out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1)) if keepdim else out
    if ord in (1, -1, math.inf, -math.inf):
        along, across = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = a.abs().sum(along, keepdim=True)
        out = sums.amax(across, True) if ord > 0 else sums.amin(across, True)
        return out if keepdim else out.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(a: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Any:
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``ord`` is a string or
    ``dim`` names two dims (or a 2-D input with ``ord`` given and no ``dim``)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or isinstance(ord, str) or \
            (dim is None and ord is not None and a.ndim == 2):
        if dim is None and a.ndim != 2:
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input "
                               f"must be 1D or 2D. Got {a.ndim}D.")
        return matrix_norm(a, "fro" if ord is None else ord, tuple(dim or (-2, -1)), keepdim,
                           dtype=dtype)
    if dim is None and ord is not None and a.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {a.ndim}D.")
    return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: str | None = None) -> Any:
    """Distances between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R)."""
    check_tensor(x1, "cdist", "x1")
    check_tensor(x2, "cdist", "x2")
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 "
                           f"got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    check_dtypes("cdist", FLOATING_CHECKED, x1, x2, args=("x1", "x2"))
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return relabel(vector_norm(diff, p, -1), "CdistBackward0", x1, x2)  # PyTorch's node name


# ----------------------------------------------------------------------------- factorisations


def inv(a: Any) -> Any:
    """A^-1 of each matrix of the batch."""
    return apply_op(OPS["inv"], _matrices(a, "inv"))


def det(a: Any) -> Any:
    """det(A) of each matrix of the batch."""
    return apply_op(OPS["det"], _matrices(a, "det"))


def slogdet(a: Any) -> SlogdetResult:
    """(sign, log|det A|): the determinant without overflow; the gradient flows through
    ``logabsdet`` (the sign is piecewise constant)."""
    _matrices(a, "slogdet")
    with np.errstate(invalid="ignore"):
        sign, logabs = np.linalg.slogdet(a._data)
    sign = np.where(np.isnan(logabs), 0, sign)  # a NaN determinant has no sign (PyTorch: 0)
    return SlogdetResult(a._wrap(np.asarray(sign, dtype=a.dtype)), apply_op(OPS["logabsdet"], a))


def logdet(a: Any) -> Any:
    """log det(A): NaN where the determinant is negative, -inf where it is 0."""
    sign, logabs = slogdet(a)
    nan = a._wrap(np.full((), np.nan, dtype=a.dtype))
    return where(sign < 0, nan, logabs)


def solve(a: Any, b: Any, *, left: bool = True) -> Any:
    """X with A X = B (X A = B with ``left=False``). B is a batch of vectors when it is 1-D or
    has A's shape without the last dim; else of matrices. Batch dims broadcast."""
    _matrices(a, "solve")
    b = as_tensor_like(b, a)
    if not left:
        return solve(a.mT, b.mT).mT
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    check_dtypes("linalg.solve", SAME, a, b, args=("A", "B"))
    dtype = dtypes.promote(a.dtype, False, b.dtype, False)
    x = apply_op(OPS["solve"], a.type(dtype), (b.unsqueeze(-1) if vector else b).type(dtype))
    return relabel(x.squeeze(-1), "LinalgSolveExBackward0", a, b) if vector else x


def cholesky(a: Any, *, upper: bool = False) -> Any:
    """L, lower triangular, with A = L L^T (or U = L^T with ``upper=True``)."""
    low = apply_op(OPS["cholesky"], _matrices(a, "cholesky"))
    return low.mT if upper else low


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 - PyTorch's name
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices (only the ``UPLO``
    triangle is read). Eigenvectors are unique only up to sign."""
    _matrices(a, "eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got "
                           f"{UPLO}")
    n = a.shape[-1]
    packed = apply_op(OPS["eigh"], a, upper=UPLO == "U")
    w, v = _unpack(packed, ((n,), (n, n)))
    return EighResult(w, v)


def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 - PyTorch's name
    """The eigenvalues of ``eigh``."""
    return eigh(a, UPLO).eigenvalues


def svd(a: Any, full_matrices: bool = True) -> SVDResult:
    """A = U diag(S) Vh, S descending. Singular vectors are unique only up to sign."""
    _matrices(a, "svd", square=False)
    m, n = a.shape[-2:]
    k = min(m, n)
    u, s, vh = _unpack(apply_op(OPS["svd"], a), ((m, k), (k,), (k, n)))
    if full_matrices and max(m, n) > k:
        # the extra columns of U / rows of Vh span the null spaces: not unique, so (unlike
        # the first k) they are constants here, with no gradient
        uf, _, vhf = np.linalg.svd(a._data, full_matrices=True)
        u = shape_ops.cat([u, a._wrap(np.ascontiguousarray(uf[..., :, k:]))], u.ndim - 1)
        vh = shape_ops.cat([vh, a._wrap(np.ascontiguousarray(vhf[..., k:, :]))], vh.ndim - 2)
    return SVDResult(u, s, vh)


def svdvals(a: Any) -> Any:
    """The singular values, descending."""
    return svd(a, full_matrices=False).S


def qr(a: Any, mode: str = "reduced") -> QRResult:
    """A = Q R (Householder): Q with orthonormal columns, R upper triangular."""
    _matrices(a, "qr", square=False)
    m, n = a.shape[-2:]
    k = min(m, n)
    packed = apply_op(OPS["qr"], a, mode=mode)
    q_shape = (0,) if mode == "r" else (m, m if mode == "complete" else k)
    if mode == "r":
        q, r = _unpack(packed, ((0,), (k, n)))
        return QRResult(q.reshape(0), r)
    return QRResult(*_unpack(packed, (q_shape, (m if mode == "complete" else k, n))))


def _cutoff(s: Any, atol: Any, rtol: Any, m: int, n: int) -> Any:
    """The singular-value cut-off max(atol, rtol * s_max) (PyTorch's default rtol:
    eps * max(m, n) when neither is given)."""
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(s.dtype).eps * max(m, n)
    smax = s.amax(-1, keepdim=True) if s.shape[-1] else s.sum(-1, keepdim=True)
    return (smax * rtol).maximum(s._wrap(np.asarray(atol or 0.0, dtype=s.dtype)))


def pinv(a: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Any:
    """The Moore-Penrose pseudo-inverse V diag(1/s) U^T, singular values under the cut-off
    max(atol, rtol * s_max) dropped."""
    _matrices(a, "pinv", square=False)
    u, s, vh = svd(a, full_matrices=False)
    keep = s > _cutoff(s.detach(), atol, rtol, *a.shape[-2:])
    zero = s._wrap(np.zeros((), dtype=s.dtype))
    sinv = where(keep, 1 / where(keep, s, s._wrap(np.ones((), dtype=s.dtype))), zero)
    return (vh.mT * sinv.unsqueeze(-2)) @ u.mT


def matrix_rank(a: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Any:
    """The number of singular values above max(atol, rtol * s_max) (int64)."""
    _matrices(a, "matrix_rank", square=False)
    s = svdvals(a.detach())
    return (s > _cutoff(s, atol, rtol, *a.shape[-2:])).sum(-1)


class LstsqResult(NamedTuple):
    """``lstsq``: the least-squares solution, residuals, rank and singular values."""

    solution: Any
    residuals: Any
    rank: Any
    singular_values: Any


def lstsq(a: Any, b: Any, rcond: float | None = None, *, driver: str | None = None
          ) -> LstsqResult:
    """X minimising ||A X - B|| (as the pseudo-inverse times B; the gradient flows through
    it). Like PyTorch's default CPU driver 'gelsy', only the solution and rank are filled."""
    _matrices(a, "lstsq", square=False)
    b = as_tensor_like(b, a)
    if not 0 <= a.ndim - b.ndim <= 1:
        raise RuntimeError(f"linalg.lstsq: input.dim() must be greater or equal to other.dim() "
                           f"and (input.dim() - other.dim()) <= 1, got shapes {a.shape} and "
                           f"{b.shape}")
    check_dtypes("linalg.lstsq", SAME, a, b, args=("input", "other"))
    vector = b.ndim == 1 or b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]
    bm = b.unsqueeze(-1) if vector else b
    x = pinv(a, rtol=rcond) @ bm
    empty = a._wrap(np.zeros(0, dtype=a.dtype))
    return LstsqResult(x.squeeze(-1) if vector else x, empty,
                       matrix_rank(a, rtol=rcond), empty)


def matrix_power(a: Any, n: int) -> Any:
    """A @ A @ ... (n times) by repeated squaring; n = 0 gives I, n < 0 powers of A^-1."""
    check_tensor(a, "linalg.matrix_power", "A")
    n = int_arg(n, "linalg.matrix_power", "n")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, got "
                           f"shape {a.shape}")
    if n == 0:
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return _zero_grad(a._wrap(np.array(eye)), a)
    base, n = (inv(a), -n) if n < 0 else (a, n)
    out = None
    while n:
        if n & 1:
            out = base if out is None else matmul(out, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return out


def cross(a: Any, b: Any, dim: int = -1) -> Any:
    """The cross product of 3-vectors along ``dim`` (inputs broadcast)."""
    check_tensor(a, "linalg.cross", "input")
    check_tensor(b, "linalg.cross", "other")
    b = as_tensor_like(b, a)
    check_dtypes("linalg.cross", NUMBERS, a)
    check_dtypes("linalg.cross", SAME, a, b)
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got "
                           f"shapes {a.shape} and {b.shape}")
    shape = broadcast_shapes(a.shape, b.shape)
    a, b = a.expand(*shape), b.expand(*shape)
    d = dim_index(dim, len(shape), "linalg.cross")
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    pick = [tuple([slice(None)] * d + [i]) for i in range(3)]
    x, y = [a[k] for k in pick], [b[k] for k in pick]
    parts = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]]
    return apply_op(OPS["cat"], *[p.unsqueeze(d) for p in parts], dim=d)
