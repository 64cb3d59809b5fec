"""Shared plumbing of the transform classes: torch's random draws, argument checks.

The draws reproduce torchvision's calls on torch's global generator with the project's
generator (``tinygrad_edu.random``), which gives torch's numbers after the same seed.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...random import Generator, get_generator
from ...random_dist import integers, uniform

# ----------------------------------------------------------------------------- random draws

def _rand(generator: Generator | None, name: str) -> float:
    """``torch.rand(1).item()``: a float32 uniform in [0, 1)."""
    return float(uniform(get_generator(generator, name), (1,), np.float32)[0])


def _uniform(generator: Generator | None, name: str, low: float, high: float) -> float:
    """``torch.empty(1).uniform_(low, high).item()`` (float32)."""
    return float(uniform(get_generator(generator, name), (1,), np.float32, low, high)[0])


def _randint(generator: Generator | None, name: str, low: int, high: int) -> int:
    """``torch.randint(low, high, size=(1,)).item()``."""
    return int(integers(get_generator(generator, name), (1,), low, high, np.int64)[0])


class _Transform:
    """Shared plumbing: ``forward`` is the work, calling the transform runs it (like a
    torchvision transform, which is an ``nn.Module``)."""

    def forward(self, img: Any) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __call__(self, img: Any) -> Any:
        return self.forward(img)


def _setup_size(size: Any, error_msg: str) -> Any:
    if isinstance(size, numbers.Number):
        return int(size), int(size)  # type: ignore[call-overload]
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(error_msg)
    return size


def _check_sequence_input(x: Any, name: str, req_sizes: tuple[int, ...]) -> None:
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_angle(x: Any, name: str, req_sizes: tuple[int, ...] = (2,)) -> list[float]:
    if isinstance(x, numbers.Number):
        if x < 0:  # type: ignore[operator]
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]  # type: ignore[operator]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _check_fill(fill: Any) -> Any:
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill
