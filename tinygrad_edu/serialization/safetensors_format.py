"""The safetensors format (Hugging Face's), read and written with the ``safetensors`` package.

A file holds one flat dict of name -> tensor, nothing else (no code, no nesting)::

    8 bytes          N, the header's length (little-endian uint64)
    N bytes          JSON: {"fc.weight": {"dtype": "F32", "shape": [2, 3],
                            "data_offsets": [0, 24]}, ..., "__metadata__": {...}}
    the rest         every tensor's bytes, little-endian, back to back

So a model's ``state_dict()`` fits, a checkpoint with an epoch number or nested dicts does
not. Tensors that share memory (tied weights) are written as separate copies. The optional
extra installs the package: ``pip install "tinygrad_edu[safetensors]"``.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import numpy as np

from .. import dtypes
from ..tensor import Tensor

# safetensors' dtype names -> the dtype its arrays are read with (our DTypes, which numpy takes
# as dtypes: bfloat16's numpy dtype, from ml_dtypes, is loaded only when a BF16 tensor is read)
DTYPES: dict[str, Any] = {
    "F64": dtypes.float64, "F32": dtypes.float32, "F16": dtypes.float16,
    "BF16": dtypes.bfloat16, "I64": dtypes.int64, "I32": dtypes.int32, "I16": dtypes.int16,
    "I8": dtypes.int8, "U8": dtypes.uint8, "BOOL": dtypes.bool_, "C64": np.dtype(np.complex64),
}
_NAMES = {dtype.name for dtype in DTYPES.values()}  # numpy's names of those (native) dtypes
_HOLDS = "a flat dict of str -> tensor (such as model.state_dict())"


def _package(who: str) -> Any:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ModuleNotFoundError(f"{who}: the safetensors format needs the 'safetensors' "
                                  "package: pip install \"tinygrad_edu[safetensors]\"") from None
    return safetensors


def looks_like(head: bytes, size: int) -> bool:
    """Whether a file of ``size`` bytes starting with ``head`` is a safetensors file: a
    header length that fits the file, then a JSON object."""
    if len(head) < 9:
        return False
    return 8 + int.from_bytes(head[:8], "little") <= size and head[8:9] == b"{"


def read(data: bytes, name: Any) -> dict[str, Any]:
    """The dict of tensors in the safetensors bytes ``data``."""
    safetensors = _package("load")
    try:
        entries = safetensors.deserialize(data)
    except safetensors.SafetensorError as exc:
        raise ValueError(f"load: {name} is not a readable safetensors file (truncated or "
                         f"corrupted?): {exc}") from None
    result: dict[str, Any] = {}
    for key, entry in entries:
        dtype = DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"load: {name}: tensor {key!r} has dtype {entry['dtype']}, which "
                             f"tinygrad_edu can't hold (known: {', '.join(DTYPES)})")
        array = np.frombuffer(entry["data"], dtype=dtype).reshape(entry["shape"])
        result[key] = array if dtype.kind == "c" else Tensor(array)
    return result


def encoder(obj: Any) -> Any:
    """A function that writes ``obj`` (a flat dict of tensors) as safetensors into a binary
    file; the object is checked and converted here, before anything is written."""
    safetensors = _package("save")
    if not isinstance(obj, dict):
        raise TypeError(f"save: format='safetensors' holds {_HOLDS}; got "
                        f"{type(obj).__name__}")
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: format='safetensors' holds {_HOLDS}; key {key!r} is "
                            f"{type(key).__name__}")
        if not isinstance(value, Tensor | np.ndarray):
            raise TypeError(f"save: format='safetensors' holds {_HOLDS}; obj[{key!r}] is "
                            f"{type(value).__name__} (keep other values in a separate file)")
        array = value.numpy(force=True) if isinstance(value, Tensor) else value
        if array.dtype.name not in _NAMES or not array.dtype.isnative:
            raise TypeError(f"save: format='safetensors' can't hold obj[{key!r}] of dtype "
                            f"{array.dtype}")
        arrays[key] = np.array(array, order="C")  # a contiguous copy: tied weights, twice

    def write(out: BinaryIO) -> None:
        out.write(safetensors.numpy.save(arrays))
    return write
