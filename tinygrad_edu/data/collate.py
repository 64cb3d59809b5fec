"""Collation: turning a list of samples into a batch (``default_collate``), and
``default_convert`` (arrays to Tensors, sample by sample, for a loader with ``batch_size=None``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, like PyTorch's ``default_collate``.

    Arrays and Tensors are stacked along a new first axis into a Tensor; Python and numpy
    numbers become a 1-D Tensor (ints int64, floats float64, as in PyTorch); strings stay a
    list; dicts, tuples and lists are collated field by field (a tuple of fields gives a
    list, a namedtuple the same namedtuple).

    Args:
        batch: the samples, all of the same structure.

    Returns:
        The batch.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data import default_collate
        >>> x, y = default_collate([(np.zeros(3), 0), (np.ones(3), 1)])
        >>> x.shape, y
        (torch.Size([2, 3]), tensor([0, 1]))
    """
    if not batch:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor(np.stack([_checked(t, elem, Tensor).numpy(force=True) for t in batch]))
    if isinstance(elem, np.ndarray | np.generic):
        if isinstance(elem, np.ndarray) and elem.dtype.hasobject:
            raise TypeError("default_collate: got a numpy array of Python objects; samples "
                            "must contain numeric arrays, numbers, strings or containers")
        return Tensor(np.stack([np.asarray(_checked(x, elem, np.ndarray | np.generic))
                                for x in batch]))
    if isinstance(elem, bool | int | float):
        dtype = np.float64 if isinstance(elem, float) else None
        return Tensor(np.array(batch, dtype=dtype))
    if isinstance(elem, str | bytes):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple | list):
        return _collate_sequences(batch, elem)
    raise TypeError(f"default_collate: batch must contain Tensors, numpy arrays, numbers, "
                    f"strings, dicts or lists; found {type(elem).__name__}")


def _checked(value: Any, first: Any, kind: Any) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"default_collate: the samples of a batch must have the same types; "
                        f"found {type(first).__name__} and {type(value).__name__}")
    if getattr(value, "shape", None) != getattr(first, "shape", None):
        raise RuntimeError(f"default_collate: stack expects each array to be equal size, but "
                           f"got {first.shape} and {value.shape}; resize the samples (a "
                           f"transform) or pass your own collate_fn")
    return value


def _collate_sequences(batch: Sequence[Any], elem: Sequence[Any]) -> Any:
    if any(len(sample) != len(elem) for sample in batch):
        raise RuntimeError("default_collate: each element in list of batch should be of equal "
                           "size")
    fields = [default_collate(list(samples)) for samples in zip(*batch, strict=True)]
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*fields)
    return fields


def default_convert(data: Any) -> Any:
    """Numpy arrays and numpy numbers to Tensors, through dicts, lists and tuples (PyTorch's
    ``default_convert``, the ``collate_fn`` of a loader without batching, ``batch_size=None``).

    Tensors and Python numbers stay as they are; arrays of strings or objects too. As in
    PyTorch a plain tuple becomes a list (a namedtuple stays one).

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.data import default_convert
        >>> default_convert((np.arange(2), 3))
        [tensor([0, 1]), 3]
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray | np.generic) and not isinstance(data, np.str_ | np.bytes_):
        if data.dtype.kind in "OSUV":  # strings and objects: not numbers
            return data
        return Tensor(np.asarray(data))
    if isinstance(data, Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        if isinstance(data, MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        try:
            return type(data)(converted)  # type: ignore[call-arg]
        except TypeError:
            return converted
    if isinstance(data, tuple):
        items = [default_convert(d) for d in data]
        return type(data)(*items) if hasattr(data, "_fields") else items
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        items = [default_convert(d) for d in data]
        if isinstance(data, MutableSequence):
            clone = copy.copy(data)
            clone[:] = items
            return clone
        try:
            return type(data)(items)  # type: ignore[call-arg]
        except TypeError:
            return items
    return data
