"""How tensors print: the numbers the way PyTorch shows them, then dtype and graph notes."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import dtypes


def format_array(a: NDArray[Any]) -> str:
    """Numbers the way PyTorch prints them, whatever numpy's global print options are."""
    floatmode = "maxprec"
    if a.dtype.kind == "f":
        finite = a[np.isfinite(a)]
        floatmode = "maxprec_equal" if np.all(finite == np.round(finite)) else "fixed"
    return np.array2string(a, max_line_width=80, precision=4, suppress_small=False,
                           separator=", ", prefix="tensor(", floatmode=floatmode,
                           threshold=1000, edgeitems=3, sign="-", formatter=None)


def tensor_repr(data: NDArray[Any], grad_fn: str | None, requires_grad: bool) -> str:
    """``tensor([...], dtype=..., grad_fn=<...>)`` as PyTorch writes it."""
    extras = []
    if data.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool_):
        extras.append(f"dtype=tg.{data.dtype}")
    if grad_fn is not None:
        extras.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + format_array(data) + "".join(", " + e for e in extras) + ")"
