"""Convolution functions: ``F.conv2d`` and ``F.conv_transpose2d``.

They check their arguments (ranks, channels, groups, sizes), handle unbatched input and
``padding='same'``, and call the ``conv2d`` / ``conv_transpose2d`` ops
(``tinygrad_edu/ops/conv.py``), where the lesson lives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...checks import pair
from ...ops.conv import conv_output_size
from ...tensor import Tensor, shape

__all__ = ["conv2d", "conv_pair", "conv_transpose2d"]

Pair = tuple[int, int]
_MINIMUM = {"kernel_size": (1, "kernel size should be greater than zero"),
            "stride": (1, "non-positive stride is not supported"),
            "dilation": (1, "dilation should be greater than zero"),
            "padding": (0, "negative padding is not supported"),
            "output_padding": (0, "negative output_padding is not supported")}


def conv_pair(value: Any, name: str, arg: str) -> Pair:
    """A convolution's (h, w) argument, with PyTorch's range rule and message."""
    p = pair(value, name, arg)
    minimum, message = _MINIMUM[arg]
    if min(p) < minimum:
        raise RuntimeError(f"{name}: {message}, got {arg}={value!r}")
    return p


def _check_input(name: str, x: Tensor, weight: Tensor, bias: Tensor | None, groups: int,
                 in_channels: int, out_channels: int) -> None:
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected 3D (unbatched) or 4D (batched) input, got input "
                           f"of shape {x.shape}")
    if weight.ndim != 4:
        raise RuntimeError(f"{name}: expected a 4D weight, got shape {weight.shape}")
    if x.dtype.kind != "f" or x.dtype != weight.dtype:
        raise RuntimeError(f"{name}: input ({x.dtype}) and weight ({weight.dtype}) must have "
                           "the same floating point dtype")
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise RuntimeError(f"{name}: in_channels ({in_channels}) and out_channels "
                           f"({out_channels}) must both be divisible by groups ({groups})")
    if x.shape[-3] != in_channels:
        raise RuntimeError(f"{name}: input of shape {x.shape} has {x.shape[-3]} channels, but "
                           f"weight of shape {weight.shape} with groups={groups} expects "
                           f"{in_channels}")
    if bias is not None and bias.shape != (out_channels,):
        raise RuntimeError(f"{name}: bias should have shape ({out_channels},), got "
                           f"{bias.shape}")


def _run(op: str, x: Tensor, weight: Tensor, bias: Tensor | None, **static: Any) -> Tensor:
    """Add/remove the batch dim of unbatched input around the op."""
    batched = x.ndim == 4
    x4 = x if batched else x.unsqueeze(0)
    b = bias if bias is not None else Tensor(np.empty(0, dtype=x.dtype))
    out = apply_op(OPS[op], x4, weight, b.type(x.dtype), **static)
    return out if batched else out.squeeze(0)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in every deep-learning library).

    Args:
        input: (N, C, H, W) or (C, H, W).
        weight: (F, C / groups, KH, KW).
        bias: (F,) or None.
        stride, padding, dilation: ints or (h, w) pairs; padding may be ``'valid'`` or
            ``'same'`` (stride 1).
        groups: split channels into this many independent convolutions.
    """
    name = "conv2d"
    _check_input(name, input, weight, bias, groups, weight.shape[1] * groups, weight.shape[0])
    s = conv_pair(stride, name, "stride")
    d = conv_pair(dilation, name, "dilation")
    kh, kw = weight.shape[2:]
    if isinstance(padding, str):
        input, p = _string_padding(input, padding, s, d, (kh, kw))
    else:
        p = conv_pair(padding, name, "padding")
    h, w = input.shape[-2:]
    oh, ow = (conv_output_size(n, k, s_, p_, d_)
              for n, k, s_, p_, d_ in zip((h, w), (kh, kw), s, p, d, strict=True))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: kernel size {(kh, kw)} (dilation {d}) can't be greater "
                           f"than the padded input size {(h + 2 * p[0], w + 2 * p[1])}; input "
                           f"shape {input.shape}, padding {p}")
    return _run("conv2d", input, weight, bias, stride=s, padding=p, dilation=d, groups=groups)


def _string_padding(x: Tensor, padding: str, stride: Pair, dilation: Pair, kernel: Pair
                    ) -> tuple[Tensor, Pair]:
    """PyTorch's padding='valid' / 'same'; odd total 'same' padding goes right and bottom."""
    if padding == "valid":
        return x, (0, 0)
    if padding != "same":
        raise ValueError(f"conv2d: invalid padding string {padding!r}, should be one of "
                         "'valid' or 'same'")
    if stride != (1, 1):
        raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
    sym = (totals[0] // 2, totals[1] // 2)
    extra = (0, totals[1] % 2, 0, totals[0] % 2)
    if any(extra):
        x = shape.pad(x, extra)
    return x, sym


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input).

    Args:
        input: (N, Cin, H, W) or (Cin, H, W).
        weight: (Cin, Cout / groups, KH, KW).
        bias: (Cout,) or None.
        stride, padding, output_padding, dilation: ints or (h, w) pairs; output_padding adds
            rows/columns at the bottom/right and must be smaller than stride or dilation.
        groups: split channels into this many independent blocks.
    """
    name = "conv_transpose2d"
    _check_input(name, input, weight, bias, groups, weight.shape[0], weight.shape[1] * groups)
    s = conv_pair(stride, name, "stride")
    p = conv_pair(padding, name, "padding")
    op = conv_pair(output_padding, name, "output_padding")
    d = conv_pair(dilation, name, "dilation")
    if any(o >= max(s_, d_) for o, s_, d_ in zip(op, s, d, strict=True)):
        raise ValueError(f"{name}: output padding {op} must be smaller than either stride {s} "
                         f"or dilation {d}")
    h, w = input.shape[-2:]
    kh, kw = weight.shape[2:]
    oh = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    ow = (w - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: output size {(oh, ow)} is too small for input shape "
                           f"{input.shape} with kernel {(kh, kw)} and padding {p}")
    return _run("conv_transpose2d", input, weight, bias, stride=s, padding=p,
                output_padding=op, dilation=d, groups=groups)
