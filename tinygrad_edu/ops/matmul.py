"""Matrix multiplication, batched and broadcast like ``torch.matmul`` (BLAS does the work).

Big products are split over tinygrad_edu's threads (``kernels.threads.matmul``), each block a
single-threaded BLAS product, so that numpy's BLAS never starts threads of its own.

The file ends with the op's fast pair (registered with ``fast=``, run by autograd outside
``reference_ops()``): the same products, arranged so that each gradient comes out laid out like
its factor.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..checks import SAME
from ..kernels import threads
from .registry import needs_input_grad, register_op

Array = NDArray[Any]


class MatmulCache(NamedTuple):
    """Cache of ``matmul``: both inputs."""

    x: Array
    y: Array


def matmul_forward(x: Array, y: Array) -> tuple[Array, MatmulCache]:
    """out = x @ y over the last two axes, leading axes broadcast.

    A 1-D x is treated as a row (1, K) and a 1-D y as a column (K, 1); the added axis is
    removed from the result, as in PyTorch.

    Shape: x (..., N, K), y (..., K, M) -> out (..., N, M).

    Backward: dx = dout @ y^T, dy = x^T @ dout.
    """
    x2 = x[None, :] if x.ndim == 1 else x
    y2 = y[:, None] if y.ndim == 1 else y
    if x.ndim == 0 or y.ndim == 0 or x2.shape[-1] != y2.shape[-2]:
        raise ValueError(f"matmul_forward: shapes {x.shape} and {y.shape} cannot be multiplied; "
                         "expected (..., N, K) and (..., K, M)")
    out = threads.matmul(x2, y2)
    if x.ndim == 1:
        out = out[..., 0, :]
    if y.ndim == 1:
        out = out[..., 0]
    return out, MatmulCache(x, y)


def matmul_backward(dout: Array, cache: MatmulCache) -> tuple[Array | None, Array | None]:
    """Each factor's gradient is dout times the other factor, transposed.

    A gradient nobody needs (``needs_input_grad``) is skipped: for a first layer's input
    batch that saves a third of the backward's work.
    """
    x, y = cache
    x2 = x[None, :] if x.ndim == 1 else x
    y2 = y[:, None] if y.ndim == 1 else y
    if y.ndim == 1:
        dout = dout[..., None]
    if x.ndim == 1:
        dout = dout[..., None, :]
    dx = dy = None
    if needs_input_grad(0):
        dx = threads.matmul(dout, np.swapaxes(y2, -1, -2))
        if x.ndim == 1:
            dx = dx.reshape(dx.shape[:-2] + (-1,))
    if needs_input_grad(1):
        dy = threads.matmul(np.swapaxes(x2, -1, -2), dout)
        if y.ndim == 1:
            dy = dy.reshape(dy.shape[:-2] + (-1,))
    return dx, dy


def matmul_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout @ y^T, dy = x^T @ dout (1-D factors as a row and a
    column, as in the forward; the engine sums broadcast batch axes)."""
    x, y = ctx.inputs
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    y2 = y.reshape(-1, 1) if y.ndim == 1 else y
    d = dout
    if y.ndim == 1:
        d = d.unsqueeze(-1)
    if x.ndim == 1:
        d = d.unsqueeze(-2)
    dx = dy = None
    if ctx.needs[0]:
        dx = d @ y2.transpose(-1, -2)
        if x.ndim == 1:
            dx = dx.reshape(*dx.shape[:-2], -1)
    if ctx.needs[1]:
        dy = x2.transpose(-1, -2) @ d
        if y.ndim == 1:
            dy = dy.reshape(*dy.shape[:-2], -1)
    return dx, dy


# ----------------------------------------------------------------------------- the fast pair
#
# The same numbers as the lesson pair; only the arrangement of the products changes, which BLAS
# does for free (it reads either operand transposed without copying it):
# - a factor that is a transposed matrix (``x @ w.T`` in ``F.linear``: w.T is a Fortran-ordered
#   view of the C-ordered weight) gets its gradient as the transpose of the transposed product,
#   dy = (dout^T @ x)^T, so that the gradient reaching the weight through ``permute`` is
#   C-ordered like the weight and becomes its ``.grad`` without a copy. The lesson's gradient
#   arrives transposed, and copying a transposed (512, 1024) float32 matrix into C order costs
#   milliseconds (power-of-two strides thrash the cache);
# - a stack of matrices times one matrix, (..., N, K) @ (K, M), gets the one matrix's gradient
#   as a single product over all rows, x.reshape(-1, K)^T @ dout.reshape(-1, M), instead of
#   one (K, M) product per matrix of the stack, summed afterwards;
# - a weight's gradient from a batch of one sample is an outer product, computed as one.


class MatmulFastCache(NamedTuple):
    """Cache of the fast ``matmul`` pair: both inputs."""

    x: Array
    y: Array


def matmul_fast_forward(x: Array, y: Array) -> tuple[Array, MatmulFastCache]:
    """``matmul_forward`` (the same product; only the backward differs)."""
    out, _ = matmul_forward(x, y)
    return out, MatmulFastCache(x, y)


def _transposed(a: Array) -> bool:
    """a is laid out as a transposed C-ordered matrix: Fortran order only."""
    return bool(a.flags.f_contiguous and not a.flags.c_contiguous)


def _product(a: Array, b: Array) -> Array:
    """a @ b; a sum over one term (a batch of one sample) is an outer product, which BLAS
    computes 4-15 times slower than numpy's broadcast multiplication (the same numbers)."""
    if a.shape[1] == 1:
        return np.multiply(a, b)
    return threads.matmul(a, b)


def matmul_fast_backward(dout: Array, cache: MatmulFastCache
                         ) -> tuple[Array | None, Array | None]:
    """``matmul_backward``, each gradient laid out like its factor (see above)."""
    x, y = cache
    if x.ndim < 2 or y.ndim != 2:  # vectors and stacks of right factors: the lesson's way
        return matmul_backward(dout, MatmulCache(x, y))
    k, m = y.shape
    dx = dy = None
    if needs_input_grad(0):
        if x.ndim == 2 and _transposed(x):
            dx = threads.matmul(y, dout.T).T
        else:
            dx = threads.matmul(dout, y.T)
    if needs_input_grad(1):
        x2, d2 = x.reshape(-1, k), dout.reshape(-1, m)
        dy = _product(d2.T, x2).T if _transposed(y) else _product(x2.T, d2)
    return dx, dy


register_op("matmul", matmul_forward, matmul_backward, grad=matmul_grad, dtypes=SAME,
            fast=(matmul_fast_forward, matmul_fast_backward))


# ----------------------------------------------------------------------------- linear

class LinearCache(NamedTuple):
    """Cache of ``linear``: the input and the weight."""

    x: Array
    weight: Array


def linear_forward(x: Array, weight: Array, bias: Array) -> tuple[Array, LinearCache]:
    """out = x @ weight^T + bias: a layer's affine map as one op (PyTorch's ``addmm``).

    The same numbers as ``matmul`` of x and the transposed weight, then ``add`` of the bias
    (added in place into the product), as one node of the graph instead of three.

    Shape: x (..., K), weight (M, K), bias (M,) -> out (..., M).

    Backward: dx = dout @ weight; dweight = dout^T @ x over the rows of every leading axis,
    laid out like the weight; dbias = dout summed over every axis but the last.
    """
    if (x.ndim == 0 or weight.ndim != 2 or x.shape[-1] != weight.shape[1]
            or bias.shape != weight.shape[:1]):
        raise ValueError(f"linear_forward: expected x (..., K), weight (M, K) and bias (M,), "
                         f"got {x.shape}, {weight.shape} and {bias.shape}")
    out = threads.matmul(x, weight.T)
    out += bias
    return out, LinearCache(x, weight)


def linear_backward(dout: Array, cache: LinearCache
                    ) -> tuple[Array | None, Array | None, Array | None]:
    """The gradients of x, the weight and the bias (each skipped when nobody needs it)."""
    x, weight = cache
    m, k = weight.shape
    d2 = dout.reshape(-1, m)
    dx = threads.matmul(dout, weight) if needs_input_grad(0) else None
    dw = _product(d2.T, x.reshape(-1, k)) if needs_input_grad(1) else None
    db = d2.sum(axis=0) if needs_input_grad(2) else None
    return dx, dw, db


def linear_grad(ctx: Any, dout: Any) -> tuple[Any, Any, Any]:
    """Differentiable backward: dx = dout @ weight, dweight = dout^T @ x and dbias = the sum
    of dout, with the leading axes of x and dout merged into rows."""
    x, weight, _ = ctx.inputs
    m, k = weight.shape
    # rows of 2-D tensors as they are: a reshape would be one more node to differentiate
    d2 = dout if dout.ndim == 2 else dout.reshape(-1, m)
    dx = dout @ weight if ctx.needs[0] else None
    dw = d2.t() @ (x if x.ndim == 2 else x.reshape(-1, k)) if ctx.needs[1] else None
    db = d2.sum(0) if ctx.needs[2] else None
    return dx, dw, db


register_op("linear", linear_forward, linear_backward, grad=linear_grad, dtypes=SAME)
