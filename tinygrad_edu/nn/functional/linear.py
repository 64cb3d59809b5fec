"""Linear functions: ``F.linear``, x @ weight.T + bias, and ``F.bilinear``, x1^T W x2 + b."""

from __future__ import annotations

from typing import Any

from ...autograd import OPS, apply_op, relabel
from ...checks import SAME, check_dtypes, min_dims
from ...tensor import Tensor
from ...tensor.convert import check_tensor
from ...tensor.einsum import einsum

__all__ = ["bilinear", "linear"]


def linear_op(input: Any, weight: Any, bias: Any) -> Tensor | None:  # noqa: A002
    """``linear``'s common case, checked on the arrays: float Tensors of one dtype, input
    (*, in), weight (out, in), bias (out,); the ``linear`` op's result (one graph node), or
    None for anything else (``linear`` checks it and says what is wrong)."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor):
        x, w, b = input.numpy(force=True), weight.numpy(force=True), bias.numpy(force=True)
        if (x.ndim >= 2 and w.ndim == 2 and x.shape[-1] == w.shape[1] and b.shape == w.shape[:1]
                and x.dtype == w.dtype == b.dtype and x.dtype.kind == "f"):
            return relabel(apply_op(OPS["linear"], input, weight, bias),
                           "AddmmBackward0" if x.ndim == 2 else "ViewBackward0")
    return None


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x @ weight.T + bias, with weight of shape (out_features, in_features)."""
    out = linear_op(input, weight, bias)
    if out is not None:
        return out
    check_tensor(input, "linear")
    if not isinstance(weight, Tensor) or weight.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be a 1-D or 2-D Tensor (out_features, "
                           f"in_features), got {getattr(weight, 'shape', type(weight).__name__)}")
    check_dtypes("linear", SAME, input, weight, bias, args=("input", "weight", "bias"))
    if (bias is not None and input.ndim >= 2 and weight.ndim == 2 and isinstance(bias, Tensor)
            and input.shape[-1] == weight.shape[1] and bias.shape == weight.shape[:1]):
        # the common case as one op (ops/matmul.py): x @ weight.T + bias, one graph node
        return relabel(apply_op(OPS["linear"], input, weight, bias),
                       "AddmmBackward0" if input.ndim == 2 else "ViewBackward0")
    out = input @ weight.t()
    if bias is None:
        return out
    # PyTorch fuses the 2-d case into one addmm node, and views other shapes back
    return relabel(out + bias, "AddmmBackward0" if input.ndim == 2 and weight.ndim == 2
                   else "ViewBackward0")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o].

    Each output feature is a bilinear form of the two inputs (one matrix weight[o] per
    output). The gradients follow from the product rule: d input1 = dy . weight . input2,
    d input2 = dy . weight^T . input1, d weight[o] = sum over samples of dy_o x1 x2^T.

    Shape: input1 (*, in1), input2 (*, in2) with the same leading dims, weight
    (out, in1, in2), bias (out,) -> (*, out).
    """
    check_tensor(input1, "bilinear")
    check_tensor(input2, "bilinear")
    if isinstance(weight, Tensor):  # PyTorch reads weight.size(1) first: IndexError
        min_dims(weight, 2, "bilinear", "a 3-D weight (out_features, in1_features, "
                 "in2_features)")
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise RuntimeError("bilinear(): weight must be a 3-D Tensor (out_features, in1_features, "
                           f"in2_features), got {getattr(weight, 'shape', type(weight).__name__)}")
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {input1.shape[d]} and {input2.shape[d]}")
    for k, x in ((1, input1), (2, input2)):
        if x.ndim == 0 or x.shape[-1] != weight.shape[k]:
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got "
                               f"{x.shape[-1] if x.ndim else 0} but expected {weight.shape[k]}")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != weight.shape[:1]):
        raise RuntimeError("bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0] if isinstance(bias, Tensor) and bias.ndim else bias}"
                           f" but expected {weight.shape[0]}")
    check_dtypes("bilinear", SAME, input1, input2, weight, bias,
                 args=("input1", "input2", "weight", "bias"))
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
