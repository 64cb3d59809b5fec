"""Linear functions: ``F.linear``, x @ weight.T + bias."""

from __future__ import annotations

from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x @ weight.T + bias, with weight of shape (out_features, in_features)."""
    check_tensor(input, "linear")
    if not isinstance(weight, Tensor) or weight.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be a 1-D or 2-D Tensor (out_features, "
                           f"in_features), got {getattr(weight, 'shape', type(weight).__name__)}")
    out = input @ weight.T
    return out if bias is None else out + bias
