"""``TensorBase``: what every method family may assume about a Tensor.

The Tensor class (``core.py``) is assembled from one mixin per method family (conversion,
arithmetic, reductions, shapes, in-place). The mixins never import the class they end up in;
they test ``isinstance(x, TensorBase)``, make new tensors with ``self._wrap(array)`` and turn
other values into tensors with ``convert.as_tensor_like``. That keeps the imports one-way:
``base`` <- each family <- ``core``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from numpy.typing import NDArray

from ..dtypes import of as _of
from .size import Size

if TYPE_CHECKING:
    from ..autograd import Node


class TensorBase:
    """The fields of a Tensor (set by ``core.Tensor``).

    Attributes:
        _data: the numbers, always an ndarray (a 0-d array for a scalar).
        _version: ``[n]``, how often the memory was changed in place; views and ``detach()``
            share it, so backward notices a change through any of them.
        _ctx: the graph ``Node`` that computed this tensor (None for leaves).
        _hooks: gradient hooks of a leaf, as functions of ndarrays.
        _view_of_graph: the memory is shared with a tensor in the graph (in-place is refused).
        requires_grad: whether backward computes a gradient for this tensor.
    """

    _data: NDArray[Any]
    _version: list[int]
    requires_grad: bool = False
    _ctx: Node | None = None
    _hooks: list[Callable[[NDArray[Any]], NDArray[Any]]] | None = None
    _view_of_graph: bool = False

    def _wrap(self, array: NDArray[Any]) -> Any:  # pragma: no cover - core.Tensor defines it
        """A new Tensor around ``array`` (the result of an op); no graph attached yet."""
        raise NotImplementedError

    @property
    def shape(self) -> Size:
        """The size of each dimension, a ``Size`` (a tuple that prints like ``torch.Size``)."""
        return tuple.__new__(Size, self._data.shape)

    @property
    def dtype(self) -> Any:
        """The element type (``tg.float32``, ``tg.int64``, ...), a ``dtypes.DType``."""
        return _of(self._data.dtype)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """Number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (their ``.grad`` gets filled)."""
        return self._ctx is None
