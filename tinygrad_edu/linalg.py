"""``tg.linalg``: PyTorch's ``torch.linalg`` names.

The functions live in ``tinygrad_edu/tensor/linalg.py`` (argument checks, vectors and modes,
unpacking); the factorisations are the registered ops of ``tinygrad_edu/ops/linalg.py``,
whose backward functions are the matrix-calculus lessons (d(A^-1) = -A^-1 dA A^-1, Jacobi's
formula for the determinant, the Cholesky, eigh, SVD and QR rules).

Example:
    >>> import tinygrad_edu as tg
    >>> a = tg.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    >>> d = tg.linalg.det(a)
    >>> d.backward()
    >>> d.item(), a.grad  # Jacobi's formula: d det(A) / dA = det(A) A^-T
    (5.0, tensor([[ 3., -1.],
            [-1.,  2.]]))
"""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import numpy as np

from .checks import FLOATING_CHECKED, NOT_BOOL, SAME, check_dtypes
from .tensor.convert import check_tensor
from .tensor.front_door import front_door
from .tensor.functions import cat
from .tensor.linalg import (
    EighResult,
    LinAlgError,
    LstsqResult,
    QRResult,
    SlogdetResult,
    SVDResult,
    cholesky,
    cross,
    det,
    eigh,
    eigvalsh,
    inv,
    lstsq,
    matrix_norm,
    matrix_power,
    matrix_rank,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    vector_norm,
)

__all__ = [
    "CholeskyExResult", "EighResult", "InvExResult", "LinAlgError", "LstsqResult", "QRResult",
    "SVDResult", "SlogdetResult", "SolveExResult", "cholesky", "cholesky_ex", "cond", "cross",
    "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "householder_product", "inv",
    "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor",
    "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
    "vector_norm",
]


def matmul(a: Any, b: Any) -> Any:
    """Same as ``tg.matmul``."""
    return a @ b


def diagonal(a: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    """The diagonals of a batch of matrices (default: the last two dims)."""
    check_tensor(a, "linalg.diagonal", "A")
    return a.diagonal(offset, dim1, dim2)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Any:
    """Dot products of the vectors along ``dim`` (inputs broadcast)."""
    check_tensor(x, "linalg.vecdot", "x")
    check_tensor(y, "linalg.vecdot", "y")
    check_dtypes("linalg.vecdot", FLOATING_CHECKED, x, args=("x",))
    check_dtypes("linalg.vecdot", SAME, x, y, args=("x", "y"))
    return (x * y).sum(dim)


def multi_dot(tensors: Any) -> Any:
    """The product of a chain of matrices (the first may be a vector, the last too)."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    return out


# ----------------------------------------------------------------------------- composites


def cond(a: Any, p: Any = None) -> Any:
    """The condition number: s_max / s_min for p None or 2 (s_min / s_max for -2), else
    ``matrix_norm(A, p) * matrix_norm(A^-1, p)``."""
    if p is None or p in (2, -2):
        s = svdvals(a)
        if s.shape[-1] == 0:  # empty matrices: PyTorch's condition number is 0
            return s.sum(-1)
        ratio = s[..., 0] / s[..., -1]
        return 1 / ratio if p == -2 else ratio
    return matrix_norm(a, p) * matrix_norm(inv(a), p)


def vander(x: Any, *, N: int | None = None) -> Any:  # noqa: N803 - PyTorch's name
    """The Vandermonde matrix: column j is x ** j, j = 0 .. N-1 (N = len(x) by default)."""
    check_tensor(x, "linalg.vander", "x")
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    check_dtypes("linalg.vander", NOT_BOOL, x, args=("x",))
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {n}")
    columns = [x.unsqueeze(-1) ** 0]
    for _ in range(n - 1):
        columns.append(columns[-1] * x.unsqueeze(-1))
    return cat(columns, -1)


def solve_triangular(a: Any, b: Any, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Any:
    """X with A X = B (X A = B with ``left=False``) for triangular A: only A's ``upper`` (or
    lower) triangle is read (its diagonal taken as ones with ``unitriangular``), so only that
    triangle gets a gradient."""
    if b.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    tri = a.triu() if upper else a.tril()
    if unitriangular:
        n = a.shape[-1]
        tri = (tri.triu(1) if upper else tri.tril(-1)) + _eye_like(a, n)
    return solve(tri, b, left=left)


def _eye_like(a: Any, n: int) -> Any:
    return a._wrap(np.eye(n, dtype=a.dtype))


def _ex(run: Any, a: Any, *args: Any, check_errors: bool = False) -> tuple[Any, Any]:
    """``(result, info)``: info is 0 per matrix where ``run`` succeeded; matrices where it
    failed get info 1 and NaN results (PyTorch leaves a partial factorisation there)."""
    try:
        out = run(a, *args)
        return out, a._wrap(np.zeros(a.shape[:-2], dtype=np.int32))
    except LinAlgError:
        if check_errors:
            raise
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    for idx in np.ndindex(*a.shape[:-2]):
        try:
            run(a[idx].detach(), *[x[idx].detach() if hasattr(x, "shape") and
                                   x.ndim > len(idx) else x for x in args])
        except LinAlgError:
            info[idx] = 1
    shape = run_shape(a, args)
    return a._wrap(np.full(shape, np.nan, dtype=a.dtype)), a._wrap(info)


def run_shape(a: Any, args: tuple[Any, ...]) -> tuple[int, ...]:
    """The result shape of inv/cholesky (A's) or solve (B's, broadcast)."""
    return tuple(np.broadcast_shapes(a.shape[:-2], args[0].shape[:-2]) + args[0].shape[-2:]) \
        if args and args[0].ndim >= 2 else tuple(a.shape)


class InvExResult(NamedTuple):
    """``inv_ex``: the inverse and an int32 info (0: success) per matrix."""

    inverse: Any
    info: Any


class CholeskyExResult(NamedTuple):
    """``cholesky_ex``: L and an int32 info (0: success) per matrix."""

    L: Any  # noqa: N815 - PyTorch's field name
    info: Any


class SolveExResult(NamedTuple):
    """``solve_ex``: the solution and an int32 info (0: success) per matrix."""

    result: Any
    info: Any


def inv_ex(a: Any, *, check_errors: bool = False) -> InvExResult:
    """``inv`` that reports a singular matrix in ``info`` instead of raising."""
    return InvExResult(*_ex(inv, a, check_errors=check_errors))


def cholesky_ex(a: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """``cholesky`` that reports a matrix that is not positive-definite in ``info``."""
    return CholeskyExResult(*_ex(lambda m: cholesky(m, upper=upper), a,
                                 check_errors=check_errors))


def solve_ex(a: Any, b: Any, *, left: bool = True, check_errors: bool = False
             ) -> SolveExResult:
    """``solve`` that reports a singular A in ``info``."""
    return SolveExResult(*_ex(lambda m, v: solve(m, v, left=left), a, b,
                              check_errors=check_errors))


# ----------------------------------------------------------------------------- not here


def _unsupported(name: str, why: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"linalg.{name} is not supported by tinygrad_edu: {why}")

    call.__name__ = name
    call.__doc__ = f"Not supported: {why}"
    return call


_COMPLEX = "it returns complex numbers and tinygrad_edu has no complex dtype"
eig = _unsupported("eig", f"{_COMPLEX}; for symmetric matrices use linalg.eigh")
eigvals = _unsupported("eigvals", f"{_COMPLEX}; for symmetric matrices use linalg.eigvalsh")
_LU = "LU factorisations are not part of the course material; use linalg.solve / linalg.inv"
lu = _unsupported("lu", _LU)
lu_factor = _unsupported("lu_factor", _LU)
lu_factor_ex = _unsupported("lu_factor_ex", _LU)
lu_solve = _unsupported("lu_solve", _LU)
_LDL = "LDL factorisations are not implemented; use linalg.cholesky or linalg.eigh"
ldl_factor = _unsupported("ldl_factor", _LDL)
ldl_factor_ex = _unsupported("ldl_factor_ex", _LDL)
ldl_solve = _unsupported("ldl_solve", _LDL)
householder_product = _unsupported("householder_product", "the Householder form of QR is not "
                                   "exposed; use linalg.qr")
matrix_exp = _unsupported("matrix_exp", "the matrix exponential is not implemented")
tensorinv = _unsupported("tensorinv", "not implemented; reshape to a matrix and use linalg.inv")
tensorsolve = _unsupported("tensorsolve", "not implemented; reshape to a matrix and use "
                           "linalg.solve")


# Each function names itself in the errors of the functions it is made of
# ("linalg.cond: linalg.svd: ...").
for _name in __all__:
    if inspect.isfunction(globals()[_name]):
        globals()[_name] = front_door(globals()[_name], f"linalg.{_name}", check_tensors=False)
