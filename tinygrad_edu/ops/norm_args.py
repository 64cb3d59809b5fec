"""The arguments of ``batch_norm`` and ``layer_norm``, checked once, and layer norm's rows.

Both pairs of each op, the readable one (``norm.py``) and the fast one (``norm_fast.py``),
start their forward with ``check_batch_norm`` / ``check_layer_norm``, so they accept and
reject the same inputs with the same messages. ``norm_rows`` describes how ``layer_norm``
cuts x into rows (layer, group and instance norm alike); both pairs use it. ``per_element``
repeats the affine weight over each row's values for the readable pair (the kernels take it
per piece of a row, as (G, J)).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

__all__ = ["check_batch_norm", "check_layer_norm", "norm_rows", "per_element"]


def _arrays(name: str, **arrays: Any) -> None:
    for arg, value in arrays.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            kind = (f"dtype {value.dtype}" if isinstance(value, np.ndarray)
                    else type(value).__name__)
            raise TypeError(f"{name}: {arg} must be a floating point numpy array, got {kind}")


def check_batch_norm(x: Array, weight: Array, bias: Array, training: bool,
                     mean: Array | None, var: Array | None) -> None:
    """x (N, C, *) floating, weight and bias (C,); mean and var (C,) when given (required
    without ``training``: they are the running statistics then)."""
    if (type(x) is type(weight) is type(bias) is type(mean) is type(var) is np.ndarray
            and x.ndim >= 2 and x.dtype.kind == weight.dtype.kind == bias.dtype.kind == "f"
            and weight.shape == bias.shape == mean.shape == var.shape == x.shape[1:2]):
        return  # the common case (the statistics given), checked at once
    name = "batch_norm_forward"
    _arrays(name, x=x, weight=weight, bias=bias)
    if x.ndim < 2 or weight.shape != x.shape[1:2] or bias.shape != x.shape[1:2]:
        raise ValueError(f"{name}: expected x (N, C, *) with weight and bias of shape "
                         f"(C,); got x {x.shape}, weight {weight.shape}, bias {bias.shape}")
    if (mean is None or var is None) and not training:
        raise ValueError(f"{name}: mean and var (the running statistics) are required when "
                         "training=False")
    for arg, value in (("mean", mean), ("var", var)):
        if value is not None and np.shape(value) != x.shape[1:2]:
            raise ValueError(f"{name}: {arg} must have shape (C,) = {x.shape[1:2]} (one per "
                             f"channel of x {x.shape}), got {np.shape(value)}")


def check_layer_norm(x: Array, weight: Array, bias: Array) -> None:
    """weight, bias (J,) for x (*, D) with J | D; or (G, J) for x (N, ...) cut into G rows of
    D values per sample with J | D (that is, G * J divides the values of a sample)."""
    name = "layer_norm_forward"
    _arrays(name, x=x, weight=weight, bias=bias)
    ok = weight.ndim in (1, 2) and bias.shape == weight.shape and x.ndim >= weight.ndim
    if ok and x.size:
        values = x.shape[-1] if weight.ndim == 1 else x.size // x.shape[0]
        ok = weight.size > 0 and values % weight.size == 0
    if not ok:
        raise ValueError(f"{name}: weight and bias must be (J,) for x (*, D) or "
                         f"(G, J) for x (N, ...) of G rows per sample, with J dividing the row "
                         f"length; got x {x.shape}, weight {weight.shape}, bias {bias.shape}")


def norm_rows(x: Array, weight: Array) -> Array:
    """x as contiguous rows (R, G, D) (a view when possible): (*, D) -> (R, 1, D) for a 1-D
    weight; (N, ...) -> (N, G, D), each sample cut into G equal rows, for weight (G, J)."""
    xc = np.ascontiguousarray(x)
    if weight.ndim == 1:
        return xc.reshape(x.size // x.shape[-1], 1, x.shape[-1])
    groups = weight.shape[0]
    return xc.reshape(x.shape[0], groups, x.size // (x.shape[0] * groups))


def per_element(a: Array, rows: Array) -> Array:
    """weight or bias (J,) or (G, J) -> (G, D) in the rows' dtype, each value repeated D/J
    times (a channel's L = D/J positions share its weight)."""
    a2 = a.astype(rows.dtype, copy=False).reshape(-1, a.shape[-1])
    length = rows.shape[-1] // a.shape[-1]
    return a2 if length == 1 else np.repeat(a2, length, axis=1)
