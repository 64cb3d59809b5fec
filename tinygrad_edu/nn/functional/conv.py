"""Convolution functions: ``F.conv2d``, ``F.conv_transpose2d``, their 1-d forms,
``F.conv3d`` and ``F.conv_transpose3d``.

The 1-d functions view a sequence (N, C, L) as a height-1 image (N, C, 1, L) and the kernel
(F, C/groups, K) as (F, C/groups, 1, K): a 2-D convolution of that image is exactly the 1-D
convolution, with the same speed, and autograd reshapes the gradients back.

They handle unbatched input and ``padding='same'`` and call the ``conv2d`` /
``conv_transpose2d`` ops (``tinygrad_edu/ops/conv.py``, where the lesson lives), which check
everything else (channels, groups, dtypes, sizes: ``ops/conv_args.py``) before computing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...ops.conv_args import conv_pair
from ...tensor import Tensor, shape

__all__ = ["conv1d", "conv2d", "conv3d", "conv_pair", "conv_single", "conv_transpose1d",
           "conv_tbc", "conv_transpose2d", "conv_transpose3d", "conv_tuple"]

Pair = tuple[int, int]


def check_tensors(name: str, **args: Any) -> None:
    """Each argument must be a Tensor (torch's TypeError, naming the function and argument)."""
    for arg, value in args.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not "
                            f"{type(value).__name__}")


def _check_ranks(name: str, x: Tensor, weight: Tensor) -> None:
    """The ranks this front door needs before the op checks the rest (``ops/conv_args.py``):
    3D input is unbatched, and ``padding='same'`` reads the kernel size."""
    check_tensors(name, input=x, weight=weight)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected 3D (unbatched) or 4D (batched) input, got input "
                           f"of shape {x.shape}")
    if weight.ndim != 4:
        raise RuntimeError(f"{name}: expected a 4D weight, got shape {weight.shape}")
    _check_weight_rows(name, weight)


def _check_weight_rows(name: str, weight: Tensor) -> None:
    """PyTorch's RuntimeError for a weight with no output (or, transposed, input) channel."""
    if weight.shape[0] < 1:
        raise RuntimeError(f"{name}: expected weight to be at least 1 at dimension 0, but got "
                           f"weight of shape {weight.shape}")


# The ops' "no bias": an empty array of the input's dtype, one constant Tensor per dtype
_NO_BIAS: dict[Any, Tensor] = {}


def _no_bias(dtype: Any) -> Tensor:
    b = _NO_BIAS.get(dtype)
    if b is None:
        b = _NO_BIAS[dtype] = Tensor(np.empty(0, dtype=dtype))
    return b


def _run(op: str, x: Tensor, weight: Tensor, bias: Tensor | None, **static: Any) -> Tensor:
    """Add/remove the batch dim of unbatched input around the op."""
    batched = x.ndim == 4
    x4 = x if batched else x.unsqueeze(0)
    b = bias.type(x.dtype) if bias is not None else _no_bias(x.dtype)
    out = apply_op(OPS[op], x4, weight, b, **static)
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
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor) and input.ndim == 4
            and weight.ndim == 4 and weight.shape[0] >= 1):  # (a batch and a weight: they pass)
        _check_ranks(name, input, weight)
    s = conv_pair(stride, name, "stride")
    d = conv_pair(dilation, name, "dilation")
    kh, kw = weight.shape[2:]
    if isinstance(padding, str):
        input, p = _string_padding(input, padding, s, d, (kh, kw))
    else:
        p = conv_pair(padding, name, "padding")
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
    _check_ranks(name, input, weight)
    s = conv_pair(stride, name, "stride")
    p = conv_pair(padding, name, "padding")
    op = conv_pair(output_padding, name, "output_padding")
    d = conv_pair(dilation, name, "dilation")
    return _run("conv_transpose2d", input, weight, bias, stride=s, padding=p,
                output_padding=op, dilation=d, groups=groups)


# ----------------------------------------------------------------------------- 1-d forms

def conv_tuple(value: Any, dims: int, name: str, arg: str) -> tuple[int, ...]:
    """A ``dims``-d convolution's argument: an int or a ``dims``-tuple, with PyTorch's range
    rule."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    if len(values) != dims:
        raise RuntimeError(f"{name}: expected {arg} to be a single integer value or a list "
                           f"of {dims} values to match the convolution dimensions, but got "
                           f"{arg}={value!r}")
    return tuple(conv_pair(v, name, arg)[0] for v in values)


def conv_single(value: Any, name: str, arg: str) -> tuple[int]:
    """A 1-d convolution's argument: an int or a 1-tuple, with PyTorch's range rule."""
    return conv_tuple(value, 1, name, arg)  # type: ignore[return-value]


def _check_ranks_1d(name: str, x: Tensor, weight: Tensor) -> None:
    check_tensors(name, input=x, weight=weight)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{name}: expected 2D (unbatched) or 3D (batched) input, got input "
                           f"of shape {x.shape}")
    if weight.ndim != 3:
        raise RuntimeError(f"{name}: expected a 3D weight, got shape {weight.shape}")
    _check_weight_rows(name, weight)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution: ``conv2d`` of the height-1 image (N, C, 1, L) with kernel (1, K).

    Args:
        input: (N, C, L) or (C, L).
        weight: (F, C / groups, K).
        bias: (F,) or None.
        stride, padding, dilation: ints or 1-tuples; padding may be ``'valid'`` or ``'same'``.
        groups: split channels into this many independent convolutions.

    Returns:
        (N, F, L_out) or (F, L_out), L_out = (L + 2*padding - dilation*(K-1) - 1) // stride + 1.
    """
    name = "conv1d"
    _check_ranks_1d(name, input, weight)
    (s,), (d,) = conv_single(stride, name, "stride"), conv_single(dilation, name, "dilation")
    p: Any = padding if isinstance(padding, str) else (0, conv_single(padding, name,
                                                                      "padding")[0])
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), p, (1, d), groups)
    return out.squeeze(-2)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution: ``conv_transpose2d`` of the height-1 image (N, C, 1, L).

    Args:
        input: (N, Cin, L) or (Cin, L).
        weight: (Cin, Cout / groups, K).
        bias: (Cout,) or None.
        stride, padding, output_padding, dilation: ints or 1-tuples.
        groups: split channels into this many independent blocks.

    Returns:
        (N, Cout, L_out), L_out = (L-1)*stride - 2*padding + dilation*(K-1) + output_padding + 1.
    """
    name = "conv_transpose1d"
    _check_ranks_1d(name, input, weight)
    (s,), (p,) = conv_single(stride, name, "stride"), conv_single(padding, name, "padding")
    (op,) = conv_single(output_padding, name, "output_padding")
    (d,) = conv_single(dilation, name, "dilation")
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), (0, p),
                           (0, op), groups, (1, d))
    return out.squeeze(-2)


# ----------------------------------------------------------------------------- 3-d

def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution as a sum of 2-D ones, one per tap of the kernel's depth.

    Tap ``i`` of the depth axis meets the input slices ``x_pad[:, :, s*z + d*i]`` for every
    output depth z: those OD slices become a batch of images (N*OD, C, H, W), one ``conv2d``
    with the filters' slice ``weight[:, :, i]`` convolves them all, and the KD results add up:

        out[n, f, z] = bias[f] + sum_i conv2d(x_pad[n, :, s*z + d*i], weight[f, :, i]).

    Exact, and its gradients come from autograd through the 2-D op.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        weight: (F, C / groups, KD, KH, KW).
        bias: (F,) or None.
        stride, padding, dilation: ints or (d, h, w) triples; padding may be ``'valid'`` or
            ``'same'`` (stride 1).
        groups: split channels into this many independent convolutions.
    """
    name = "conv3d"
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{name}: expected 4D (unbatched) or 5D (batched) input, got input "
                           f"of shape {input.shape}")
    if weight.ndim != 5:
        raise RuntimeError(f"{name}: expected a 5D weight, got shape {weight.shape}")
    if input.ndim == 4:
        return conv3d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    s, d = conv_tuple(stride, 3, name, "stride"), conv_tuple(dilation, 3, name, "dilation")
    input, p = _padding_3d(input, padding, s, d, weight.shape[2:])
    if p[0]:
        input = shape.pad(input, (0, 0, 0, 0, p[0], p[0]))
    n, c, depth, h, w = input.shape
    kd = weight.shape[2]
    od = (depth - d[0] * (kd - 1) - 1) // s[0] + 1
    if od < 1:
        raise RuntimeError(f"{name}: the kernel's depth {kd} (dilation {d[0]}) does not fit the "
                           f"padded input's depth {depth}")
    out = None
    for i in range(kd):  # one 2-D convolution per depth tap, over all output depths at once
        start = d[0] * i
        slices = input[:, :, start:start + s[0] * (od - 1) + 1:s[0]]  # (N, C, OD, H, W)
        images = slices.permute(0, 2, 1, 3, 4).reshape(n * od, c, h, w)
        term = conv2d(images, weight[:, :, i], None, s[1:], p[1:], d[1:], groups)
        out = term if out is None else out + term
    assert out is not None
    out = out.reshape(n, od, *out.shape[1:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.type(out.dtype).reshape(1, -1, 1, 1, 1)
    return out


def _padding_3d(x: Tensor, padding: Any, stride: tuple[int, ...], dilation: tuple[int, ...],
                kernel: tuple[int, ...]) -> tuple[Tensor, tuple[int, ...]]:
    """(input, symmetric padding): 'same' pads an odd total's extra cell at the end."""
    if not isinstance(padding, str):
        return x, conv_tuple(padding, 3, "conv3d", "padding")
    if padding == "valid":
        return x, (0, 0, 0)
    if padding != "same":
        raise ValueError(f"conv3d: invalid padding string {padding!r}, should be one of "
                         "'valid' or 'same'")
    if stride != (1, 1, 1):
        raise ValueError("conv3d: padding='same' is not supported for strided convolutions")
    totals = [dd * (k - 1) for dd, k in zip(dilation, kernel, strict=True)]
    extra = (0, totals[2] % 2, 0, totals[1] % 2, 0, totals[0] % 2)
    if any(extra):
        x = shape.pad(x, extra)
    return x, tuple(t // 2 for t in totals)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 3-D convolution as a sum of transposed 2-D ones, one per depth tap.

    A transposed convolution scatters: input depth z, through kernel tap i, lands on output
    depth ``s*z + d*i - p``. So for each tap ``i``, one ``conv_transpose2d`` of every input
    slice (a batch of N*D images) with ``weight[:, :, i]`` gives the (H, W) planes, which are
    spread ``s`` apart along the depth (zeros between), shifted by ``d*i`` and added up; the
    ``p`` planes at each end are then cropped (``output_padding`` keeps extra ones at the end):

        out[n, :, s*z + d*i - p] += conv_transpose2d(x[n, :, z], weight[:, :, i]).

    Exact, and its gradients come from autograd through the 2-D op.

    Args:
        input: (N, Cin, D, H, W) or (Cin, D, H, W).
        weight: (Cin, Cout / groups, KD, KH, KW).
        bias: (Cout,) or None.
        stride, padding, output_padding, dilation: ints or (d, h, w) triples.
        groups: split channels into this many independent blocks.

    Returns:
        (N, Cout, OD, OH, OW), OD = (D-1)*stride - 2*padding + dilation*(KD-1) +
        output_padding + 1, OH and OW alike.
    """
    name = "conv_transpose3d"
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{name}: expected 4D (unbatched) or 5D (batched) input, got input "
                           f"of shape {input.shape}")
    if weight.ndim != 5:
        raise RuntimeError(f"{name}: expected a 5D weight, got shape {weight.shape}")
    if input.ndim == 4:
        return conv_transpose3d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    s, p = conv_tuple(stride, 3, name, "stride"), conv_tuple(padding, 3, name, "padding")
    op = conv_tuple(output_padding, 3, name, "output_padding")
    d = conv_tuple(dilation, 3, name, "dilation")
    n, c, depth, h, w = input.shape
    kd = weight.shape[2]
    if op[0] >= max(s[0], d[0]):
        raise RuntimeError(f"{name}: output padding must be smaller than either stride or "
                           f"dilation, but got output_padding {op} for stride {s} and "
                           f"dilation {d}")
    full = (depth - 1) * s[0] + d[0] * (kd - 1) + 1 + op[0]  # before cropping the padding
    od = full - 2 * p[0]
    if od < 1:
        raise RuntimeError(f"{name}: the padding {p} leaves no output depth (got {od})")
    images = input.permute(0, 2, 1, 3, 4).reshape(n * depth, c, h, w)
    out = None
    for i in range(kd):
        planes = conv_transpose2d(images, weight[:, :, i], None, s[1:], p[1:], op[1:], groups,
                                  d[1:])
        planes = planes.reshape(n, depth, *planes.shape[1:])  # (N, D, Cout, OH, OW)
        # spread the D planes s apart (s - 1 zero planes after each), then shift by d*i
        spread = shape.pad(planes.unsqueeze(2), (0, 0) * 3 + (0, s[0] - 1))
        spread = spread.reshape(n, depth * s[0], *planes.shape[2:])[:, :(depth - 1) * s[0] + 1]
        before = d[0] * i
        term = shape.pad(spread, (0, 0) * 3 + (before, full - before - spread.shape[1]))
        out = term if out is None else out + term
    assert out is not None
    out = out[:, p[0]:p[0] + od].permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.type(out.dtype).reshape(1, -1, 1, 1, 1)
    return out


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:  # noqa: A002
    """1-D convolution of a (time, batch, channels) sequence (PyTorch's ``conv_tbc``).

    ``out[t, b] = bias + sum_k input[t + k - pad, b] @ weight[k]``: ``conv1d`` with the axes
    moved, (T, B, Cin) -> (B, Cin, T) and weight (K, Cin, Cout) -> (Cout, Cin, K).

    Args:
        input: (T, B, Cin).
        weight: (K, Cin, Cout).
        bias: (Cout,).
        pad: zero padding at both ends of the time axis.

    Returns:
        (T + 2*pad - K + 1, B, Cout).
    """
    name = "conv_tbc"
    if input.ndim != 3:
        raise RuntimeError(f"{name}: Input must have 3 dims: time, batch, in_channel; got "
                           f"shape {tuple(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(f"{name}: Weight tensor must have 3 dims: kernel_width, "
                           f"in_channels, out_channels; got shape {tuple(weight.shape)}")
    if bias.ndim != 1:
        raise RuntimeError(f"{name}: Bias must be 1-D, got shape {tuple(bias.shape)}")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)
