"""``Size``: the shape of a tensor, a tuple of ints that prints like PyTorch's ``torch.Size``.

``x.shape`` and ``x.size()`` return one. It is a tuple, so everything that works on a shape
tuple works on it (indexing, unpacking, ``==`` with a tuple, use as a dict key); slicing,
``+`` and ``*`` give a Size again, and ``numel()`` is the product of the sizes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, SupportsIndex


class Size(tuple[int, ...]):
    """The sizes of a tensor's dimensions (PyTorch's ``torch.Size``).

    Example:
        >>> import tinygrad_edu as tg
        >>> s = tg.zeros(2, 3).shape
        >>> s
        torch.Size([2, 3])
        >>> s == (2, 3), s[1:], s.numel()
        (True, torch.Size([3]), 6)
    """

    __slots__ = ()

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        values = tuple(sizes)
        for v in values:
            if not hasattr(v, "__index__"):
                raise TypeError(f"Size: takes an iterable of 'int', but an element is "
                                f"{type(v).__name__} ({v!r})")
        return super().__new__(cls, (int(v.__index__()) for v in values))

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        n = 1
        for v in self:
            n *= v
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)!r})"

    __str__ = __repr__

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        out = tuple.__getitem__(self, key)
        return _size(out) if isinstance(key, slice) else out

    def __add__(self, other: Any) -> Size:  # type: ignore[override]
        if not isinstance(other, tuple):
            return NotImplemented
        return _size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return _size(tuple.__add__(other, self))

    def __mul__(self, n: SupportsIndex) -> Size:  # type: ignore[override]
        return _size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self) -> tuple[Any, ...]:
        return (Size, (tuple(self),))


def _size(shape: tuple[int, ...]) -> Size:
    """A Size from a tuple of Python ints, without checking (the fast path of ``x.shape``)."""
    return tuple.__new__(Size, shape)
