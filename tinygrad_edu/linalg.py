"""``tg.linalg``: PyTorch's ``torch.linalg`` names.

The functions live in ``tinygrad_edu/tensor/linalg.py`` (argument checks, vectors and modes,
unpacking); the factorisations are the registered ops of ``tinygrad_edu/ops/linalg.py``,
whose backward functions are the matrix-calculus lessons (d(A^-1) = -A^-1 dA A^-1, Jacobi's
formula for the determinant, the Cholesky, eigh, SVD and QR rules).

Example:
    >>> import tinygrad_edu as tg
    >>> a = tg.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    >>> tg.linalg.det(a)
    tensor(5., grad_fn=<DetBackward>)
"""

from __future__ import annotations

from typing import Any

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
    "EighResult", "LinAlgError", "LstsqResult", "QRResult", "SVDResult", "SlogdetResult",
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "lstsq", "matmul",
    "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
    "solve", "svd", "svdvals", "vecdot", "vector_norm",
]


def matmul(a: Any, b: Any) -> Any:
    """Same as ``tg.matmul``."""
    return a @ b


def diagonal(a: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    """The diagonals of a batch of matrices (default: the last two dims)."""
    return a.diagonal(offset, dim1, dim2)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Any:
    """Dot products of the vectors along ``dim`` (inputs broadcast)."""
    return (x * y).sum(dim)


def multi_dot(tensors: Any) -> Any:
    """The product of a chain of matrices (the first may be a vector, the last too)."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    return out
