"""Matrix methods of the Tensor: products by PyTorch's many names and the linear-algebra methods.

``bmm``, ``mv``, ``dot``, ``inner``, ``addmm``, ... are ``matmul`` with PyTorch's shape checks;
``outer`` and ``kron`` are broadcast products; ``det``, ``inverse``, ``cholesky``, ... call the
functions of ``tensor/linalg.py`` (the registered ops of ``ops/linalg.py``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..autograd import relabel
from ..checks import NUMBERS, SAME, check_dtypes
from . import linalg
from .arithmetic import matmul, where
from .base import TensorBase
from .convert import as_tensor_like


def _need(name: str, t: Any, ndim: int, arg: str) -> None:
    if t.ndim != ndim:
        raise RuntimeError(f"{name}: Expected {ndim}-D argument {arg}, but got {t.ndim}-D")


def _scaled(name: str, out: Any, alpha: Any, base: Any, beta: Any) -> Any:
    """beta * base + alpha * out; with beta == 0 the base's values are ignored (NaN too)."""
    if linalg.broadcast_shapes(base.shape, out.shape) != out.shape:
        raise RuntimeError(f"{name}: the input of shape {base.shape} does not broadcast to the "
                           f"shape of the product {out.shape}")
    if alpha != 1:
        out = out * alpha
    if beta == 0:  # a where that always picks out: base stays in the graph with gradient 0
        out = where(out._wrap(np.zeros((), dtype=bool)), base, out)
    else:
        out = out + (base if beta == 1 else base * beta)
    return relabel(out, f"{name.capitalize()}Backward0", base)  # PyTorch's: AddmmBackward0


class MatrixMixin(TensorBase):
    """Matrix products and linear algebra as Tensor methods."""

    def bmm(self, mat2: Any) -> Any:
        """Batched product of (b, n, m) and (b, m, p) tensors."""
        mat2 = as_tensor_like(mat2, self)
        _need("bmm", self, 3, "self")
        _need("bmm", mat2, 3, "mat2")
        check_dtypes("bmm", NUMBERS, self)
        if self.shape[0] != mat2.shape[0]:
            raise RuntimeError(f"bmm: batch1 and batch2 must have same number of batches, got "
                               f"{self.shape[0]} and {mat2.shape[0]}")
        return relabel(matmul(self, mat2), "BmmBackward0", self, mat2)  # PyTorch's node name

    def mv(self, vec: Any) -> Any:
        """Matrix (n, m) times vector (m,)."""
        vec = as_tensor_like(vec, self)
        _need("mv", self, 2, "self")
        _need("mv", vec, 1, "vec")
        return matmul(self, vec)

    def dot(self, other: Any) -> Any:
        """Inner product of two 1-D tensors of the same size and dtype."""
        other = as_tensor_like(other, self)
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D "
                               "tensors")
        if self.dtype != other.dtype:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{self.dtype} and {other.dtype}")
        if self.shape != other.shape:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{self.shape[0]}] and"
                               f" src [{other.shape[0]}] to have the same number of elements, "
                               "but got different sizes")
        return matmul(self, other)

    vdot = dot  # the conjugate of the first is itself for real numbers

    def outer(self, vec2: Any) -> Any:
        """out[i, j] = self[i] * vec2[j]."""
        vec2 = as_tensor_like(vec2, self)
        _need("outer", self, 1, "self")
        _need("outer", vec2, 1, "vec2")
        return self.unsqueeze(1) * vec2.unsqueeze(0)

    ger = outer

    def inner(self, other: Any) -> Any:
        """Sum of products over the last dims: out shape self.shape[:-1] + other.shape[:-1]."""
        other = as_tensor_like(other, self)
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        if self.shape[-1] != other.shape[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors "
                               f"but got shapes {list(self.shape)} and {list(other.shape)}")
        k = self.shape[-1]
        out = matmul(self.reshape(-1, k), other.reshape(-1, k).T)
        return out.reshape(*self.shape[:-1], *other.shape[:-1])

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * (mat1 @ mat2), mat1 and mat2 matrices."""
        mat1, mat2 = as_tensor_like(mat1, self), as_tensor_like(mat2, self)
        check_dtypes("addmm", SAME, self, mat1, mat2, args=("input", "mat1", "mat2"))
        return _scaled("addmm", mat1.mm(mat2), alpha, self, beta)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * (mat @ vec)."""
        return _scaled("addmv", as_tensor_like(mat, self).mv(vec), alpha, self, beta)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * (batch1 @ batch2), batch by batch."""
        return _scaled("baddbmm", as_tensor_like(batch1, self).bmm(batch2), alpha, self, beta)

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * sum over the batch of batch1[b] @ batch2[b]."""
        product = as_tensor_like(batch1, self).bmm(batch2).sum(0)
        return _scaled("addbmm", product, alpha, self, beta)

    def matrix_power(self, n: int) -> Any:
        """The n-th power of each matrix (n < 0: of its inverse)."""
        return linalg.matrix_power(self, n)

    def kron(self, other: Any) -> Any:
        """Kronecker product: block (i, j) is self[i, j] * other (any number of dims)."""
        other = as_tensor_like(other, self)
        nd = max(self.ndim, other.ndim)
        a = self.reshape(*(1,) * (nd - self.ndim), *self.shape)
        b = other.reshape(*(1,) * (nd - other.ndim), *other.shape)
        sizes = [m * n for m, n in zip(a.shape, b.shape, strict=True)]
        a = a.reshape(*[v for n in a.shape for v in (n, 1)])
        b = b.reshape(*[v for n in b.shape for v in (1, n)])
        return (a * b).reshape(*sizes)

    def cross(self, other: Any, dim: int | None = None) -> Any:
        """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3)."""
        other = as_tensor_like(other, self)
        if dim is None:
            warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                          "Please either pass the dim explicitly or simply use "
                          "torch.linalg.cross.\nThe default value of dim will change to agree "
                          "with that of linalg.cross in a future release.", UserWarning,
                          stacklevel=2)
            shape = linalg.broadcast_shapes(self.shape, other.shape)
            sizes3 = [d for d, n in enumerate(shape) if n == 3]
            if not sizes3:
                raise RuntimeError(f"cross: no dimension of size 3 in input (shape {shape})")
            dim = sizes3[0]
        return linalg.cross(self, other, dim)

    def det(self) -> Any:
        """Determinant of each matrix."""
        return linalg.det(self)

    def logdet(self) -> Any:
        """log det of each matrix (NaN for a negative determinant)."""
        return linalg.logdet(self)

    def slogdet(self) -> Any:
        """(sign, log|det|) of each matrix."""
        return linalg.slogdet(self)

    def inverse(self) -> Any:
        """The inverse of each matrix."""
        return linalg.inv(self)

    def pinverse(self, rcond: float = 1e-15) -> Any:
        """The pseudo-inverse, singular values below rcond * max dropped."""
        return linalg.pinv(self, rtol=rcond)

    def cholesky(self, upper: bool = False) -> Any:
        """The Cholesky factor (lower, or upper with ``upper=True``)."""
        return linalg.cholesky(self, upper=upper)
