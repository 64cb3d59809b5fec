"""The arguments of ``conv2d`` and ``conv_transpose2d``, checked and normalised in one place.

Both pairs of each op, the readable one (``conv.py``) and the fast one (``conv_fast.py``),
start their forward with ``conv2d_args`` / ``conv_transpose2d_args``, so they accept and reject
exactly the same inputs, with PyTorch's exception types and a message naming the op, the
argument, what was got and what was expected. ``nn.functional``'s conv functions use the same
``conv_pair`` for their ``(h, w)`` arguments.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..checks import pair

Array = NDArray[Any]
Pair = tuple[int, int]

__all__ = ["ConvGeometry", "conv2d_args", "conv2d_weight_args", "conv_output_size", "conv_pair",
           "conv_transpose2d_args", "transposed_output_size"]


class ConvGeometry(NamedTuple):
    """Hyper-parameters of a 2-D convolution, each a (height, width) pair."""

    stride: Pair
    padding: Pair
    dilation: Pair
    groups: int


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a convolution along one axis."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def transposed_output_size(size: int, kernel: int, stride: int, padding: int,
                           output_padding: int, dilation: int) -> int:
    """Output length of a transposed convolution along one axis."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


_MINIMUM = {"kernel_size": (1, "kernel size should be greater than zero"),
            "stride": (1, "non-positive stride is not supported"),
            "dilation": (1, "dilation should be greater than zero"),
            "padding": (0, "negative padding is not supported"),
            "output_padding": (0, "negative output_padding is not supported")}


def conv_pair(value: Any, name: str, arg: str) -> Pair:
    """A convolution's (h, w) argument, with PyTorch's range rule and message."""
    if type(value) is tuple and len(value) == 2 and type(value[0]) is type(value[1]) is int:
        p = value  # already a pair of ints (the layers' and the ops' own form): no conversion
    else:
        p = pair(value, name, arg)
    minimum, message = _MINIMUM[arg]
    if min(p) < minimum:
        raise RuntimeError(f"{name}: {message}, got {arg}={value!r}")
    return p


def _check_arrays(name: str, x: Any, weight: Any, bias: Any, groups: Any, transposed: bool
                  ) -> None:
    """Types, ranks, dtypes, channel counts and the bias shape (PyTorch's rules)."""
    for arg, value in (("input", x), ("weight", weight), ("bias", bias)):
        if not isinstance(value, np.ndarray):
            hint = " (np.empty(0) for no bias)" if arg == "bias" else ""
            raise TypeError(f"{name}: {arg} must be a numpy array{hint}, got "
                            f"{type(value).__name__}")
    if x.ndim != 4:
        raise RuntimeError(f"{name}: expected a 4D (N, C, H, W) input, got input of shape "
                           f"{x.shape}")
    if weight.ndim != 4:
        raise RuntimeError(f"{name}: expected a 4D weight, got shape {weight.shape}")
    if min(weight.shape[2:]) < 1:
        raise RuntimeError(f"{name}: kernel size should be greater than zero, but got "
                           f"kernel_height: {weight.shape[2]} kernel_width: {weight.shape[3]} "
                           f"(weight of shape {weight.shape})")
    if x.dtype.kind != "f" or x.dtype != weight.dtype:
        error = NotImplementedError if x.dtype == bool else RuntimeError  # PyTorch's types
        raise error(f"{name}: input ({x.dtype}) and weight ({weight.dtype}) must have the same "
                    "floating point dtype")
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1:
        raise RuntimeError(f"{name}: groups must be a positive int, got {groups!r}")
    w0, w1 = weight.shape[:2]
    in_channels, out_channels = (w0, w1 * groups) if transposed else (w1 * groups, w0)
    if in_channels % groups or out_channels % groups:
        raise RuntimeError(f"{name}: in_channels ({in_channels}) and out_channels "
                           f"({out_channels}) must both be divisible by groups ({groups})")
    if x.shape[1] != in_channels:
        raise RuntimeError(f"{name}: input of shape {x.shape} has {x.shape[1]} channels, but "
                           f"weight of shape {weight.shape} with groups={groups} expects "
                           f"{in_channels}")
    if bias.shape not in ((out_channels,), (0,)) or (bias.size and bias.dtype.kind != "f"):
        raise RuntimeError(f"{name}: bias should have shape ({out_channels},) (or (0,) for no "
                           f"bias) and a floating point dtype, got shape {bias.shape} and "
                           f"dtype {bias.dtype}")


# Arguments conv2d_args has accepted, with its answer: a training loop calls a layer with the
# same shapes and hyper-parameters every step, so the checks run once per combination. Only
# plain values are remembered (ndarrays, ints and pairs of ints, compared with their types),
# so anything a check could treat differently takes the full path.
_CONV2D_SEEN: dict[tuple[Any, ...], tuple[ConvGeometry, Pair]] = {}
_SEEN_LIMIT = 256


def _plain(value: Any) -> bool:
    """An int, or a tuple of two ints (not bools, not numpy ints)."""
    return type(value) is int or type(value) is tuple and len(value) == 2 and \
        type(value[0]) is int and type(value[1]) is int


def _plain_key(x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
               groups: Any) -> tuple[Any, ...] | None:
    """What decides conv2d_args' answer, when every argument is plain; else None."""
    if type(x) is not np.ndarray or type(weight) is not np.ndarray or \
            type(bias) is not np.ndarray or type(groups) is not int or not (
                _plain(stride) and _plain(padding) and _plain(dilation)):
        return None
    return (x.shape, x.dtype, weight.shape, weight.dtype, bias.shape, bias.dtype, stride,
            padding, dilation, groups)


def conv2d_args(x: Array, weight: Array, bias: Array, stride: Any, padding: Any, dilation: Any,
                groups: Any) -> tuple[ConvGeometry, Pair]:
    """Check conv2d's inputs and arguments; return the geometry and the output size (OH, OW).

    ``stride``, ``padding`` and ``dilation`` may be ints or (h, w) pairs.
    """
    key = _plain_key(x, weight, bias, stride, padding, dilation, groups)
    if key is not None:
        hit = _CONV2D_SEEN.get(key)
        if hit is not None:
            return hit
    name = "conv2d"
    _check_arrays(name, x, weight, bias, groups, transposed=False)
    geo = ConvGeometry(conv_pair(stride, name, "stride"), conv_pair(padding, name, "padding"),
                       conv_pair(dilation, name, "dilation"), int(groups))
    (h, w), kernel, p, d = x.shape[2:], weight.shape[2:], geo.padding, geo.dilation
    oh, ow = (conv_output_size(*args) for args in zip((h, w), kernel, geo.stride, p, d,
                                                       strict=True))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: kernel size {kernel} (dilation {d}) can't be greater "
                           f"than the padded input size {(h + 2 * p[0], w + 2 * p[1])}; input "
                           f"shape {x.shape}, padding {p}")
    if key is not None:
        if len(_CONV2D_SEEN) >= _SEEN_LIMIT:
            _CONV2D_SEEN.clear()
        _CONV2D_SEEN[key] = geo, (oh, ow)
    return geo, (oh, ow)


def conv_transpose2d_args(x: Array, weight: Array, bias: Array, stride: Any, padding: Any,
                          output_padding: Any, dilation: Any, groups: Any
                          ) -> tuple[ConvGeometry, Pair]:
    """Check conv_transpose2d's inputs and arguments; return the geometry and (OH, OW)."""
    name = "conv_transpose2d"
    _check_arrays(name, x, weight, bias, groups, transposed=True)
    geo = ConvGeometry(conv_pair(stride, name, "stride"), conv_pair(padding, name, "padding"),
                       conv_pair(dilation, name, "dilation"), int(groups))
    extra = conv_pair(output_padding, name, "output_padding")
    if any(o >= max(s, d) for o, s, d in zip(extra, geo.stride, geo.dilation, strict=True)):
        raise ValueError(f"{name}: output padding {extra} must be smaller than either stride "
                         f"{geo.stride} or dilation {geo.dilation}")
    oh, ow = (transposed_output_size(*args) for args in zip(
        x.shape[2:], weight.shape[2:], geo.stride, geo.padding, extra, geo.dilation,
        strict=True))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: output size {(oh, ow)} is too small for input shape "
                           f"{x.shape} with kernel {weight.shape[2:]} and padding "
                           f"{geo.padding}")
    return geo, (oh, ow)


def conv2d_weight_args(x: Array, dy: Array, kernel_size: Any, stride: Any, padding: Any,
                       dilation: Any, groups: Any) -> tuple[ConvGeometry, Pair]:
    """Check conv2d_weight's inputs (the conv's input ``x`` and its output gradient ``dy``);
    return the geometry and the kernel size (KH, KW).

    ``dy`` must have the shape ``conv2d(x, weight)`` has: (N, F, OH, OW) with x's N, F a
    multiple of ``groups`` and (OH, OW) the number of windows that fit x.
    """
    name = "conv2d_weight"
    for arg, value in (("input", x), ("grad_output", dy)):
        if not isinstance(value, np.ndarray) or value.ndim != 4:
            raise RuntimeError(f"{name}: expected {arg} to be a 4D (N, C, H, W) numpy array, "
                               f"got {getattr(value, 'shape', type(value).__name__)}")
    if x.dtype.kind != "f" or x.dtype != dy.dtype:
        raise RuntimeError(f"{name}: input ({x.dtype}) and grad_output ({dy.dtype}) must have "
                           "the same floating point dtype")
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1:
        raise RuntimeError(f"{name}: groups must be a positive int, got {groups!r}")
    if x.shape[1] % groups or dy.shape[1] % groups:
        raise RuntimeError(f"{name}: in_channels ({x.shape[1]}) and out_channels "
                           f"({dy.shape[1]}) must both be divisible by groups ({groups})")
    kernel = conv_pair(kernel_size, name, "kernel_size")
    geo = ConvGeometry(conv_pair(stride, name, "stride"), conv_pair(padding, name, "padding"),
                       conv_pair(dilation, name, "dilation"), int(groups))
    windows = tuple(conv_output_size(*args) for args in zip(
        x.shape[2:], kernel, geo.stride, geo.padding, geo.dilation, strict=True))
    if dy.shape[0] != x.shape[0] or dy.shape[2:] != windows:
        raise RuntimeError(f"{name}: grad_output of shape {dy.shape} does not match the "
                           f"output of a convolution of input {x.shape} with kernel {kernel}: "
                           f"expected ({x.shape[0]}, F, {windows[0]}, {windows[1]})")
    return geo, kernel
