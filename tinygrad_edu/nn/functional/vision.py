"""Vision functions: ``F.pad`` (constant padding of the last dims)."""

from __future__ import annotations

from collections.abc import Sequence

from ...tensor import Tensor, shape

__all__ = ["pad"]


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad the last dims: ``pad = (left, right, top, bottom, ...)``; constant mode only."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; use mode='constant'")
    return shape.pad(input, pad, 0.0 if value is None else value)
