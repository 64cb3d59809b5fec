"""Linear functions: ``F.linear``, x @ weight.T + bias."""

from __future__ import annotations

from ...autograd import relabel
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x @ weight.T + bias, with weight of shape (out_features, in_features)."""
    check_tensor(input, "linear")
    if not isinstance(weight, Tensor) or weight.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be a 1-D or 2-D Tensor (out_features, "
                           f"in_features), got {getattr(weight, 'shape', type(weight).__name__)}")
    out = input @ weight.t()
    if bias is None:
        return out
    # PyTorch fuses the 2-d case into one addmm node, and views other shapes back
    return relabel(out + bias, "AddmmBackward0" if input.ndim == 2 and weight.ndim == 2
                   else "ViewBackward0")
