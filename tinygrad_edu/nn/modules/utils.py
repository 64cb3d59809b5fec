"""PyTorch's ``torch.nn.modules.utils``: the helpers custom layers import to accept an int or a
tuple for a size (``_pair(3) == (3, 3)``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["_ntuple", "_pair", "_quadruple", "_reverse_repeat_tuple", "_single", "_triple"]


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple[Any, ...]]:
    """A parser: an iterable becomes a tuple, anything else is repeated ``n`` times."""
    def parse(x: Any) -> tuple[Any, ...]:
        if isinstance(x, Iterable):
            return tuple(x)
        return (x,) * n

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t: Iterable[Any], n: int) -> tuple[Any, ...]:
    """Reverse ``t`` and repeat each element ``n`` times (a conv padding as ``F.pad`` wants
    it: ``(1, 2) -> (2, 2, 1, 1)``)."""
    return tuple(x for x in reversed(tuple(t)) for _ in range(n))
