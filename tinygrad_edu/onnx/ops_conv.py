"""Converters of convolution, pooling and normalisation.

``conv2d`` is ONNX's ``Conv`` (weights in the same (out, in / groups, kh, kw) layout);
``batch_norm`` in eval mode is ``BatchNormalization`` with the running statistics stored as
initializers named like the buffers (``bn1.running_mean``); ``layer_norm`` is
``LayerNormalization`` (opset 17) or, before, its formula.
"""

from __future__ import annotations

from typing import Any

from .converters import OpCall, converter, inputs_as, reduce, unsupported

Builder = Any  # builder.Builder


def _pair(v: Any) -> list[int]:
    return [int(v), int(v)] if isinstance(v, int) else [int(x) for x in v]


def _bias(call: OpCall, i: int, inputs: list[str]) -> list[str]:
    """The optional bias input: left out when the op got an empty array (no bias)."""
    return [inputs[i]] if call.shapes[i] and call.shapes[i][0] else []


def _conv_attributes(call: OpCall) -> dict[str, Any]:
    """The attributes ``Conv`` and ``ConvTranspose`` share, from the op's static arguments."""
    ph, pw = _pair(call.static.get("padding", 0))
    return dict(strides=_pair(call.static.get("stride", 1)), pads=[ph, pw, ph, pw],
                dilations=_pair(call.static.get("dilation", 1)),
                group=int(call.static.get("groups", 1)), kernel_shape=list(call.shapes[1][2:]))


@converter("conv2d")
def conv2d(b: Builder, call: OpCall) -> str:
    inputs = inputs_as(b, call)
    return b.node("Conv", inputs[:2] + _bias(call, 2, inputs), **_conv_attributes(call))


@converter("batch_norm")
def batch_norm(b: Builder, call: OpCall) -> str:
    if call.static.get("training"):
        raise unsupported(call, "batch_norm in training mode (export in eval mode)")
    x, w, bias = inputs_as(b, call)
    dt = call.out_dtype
    mean = b.const(call.static["mean"].astype(dt, copy=False))
    var = b.const(call.static["var"].astype(dt, copy=False))
    return b.node("BatchNormalization", [x, w, bias, mean, var],
                  epsilon=float(call.static.get("eps", 1e-5)))


@converter("conv_transpose2d")
def conv_transpose2d(b: Builder, call: OpCall) -> str:
    inputs = inputs_as(b, call)
    return b.node("ConvTranspose", inputs[:2] + _bias(call, 2, inputs),
                  output_padding=_pair(call.static.get("output_padding", 0)),
                  **_conv_attributes(call))


# ----------------------------------------------------------------------------- pooling
def _pool_geometry(call: OpCall) -> tuple[list[int], list[int], list[int], list[int]]:
    """kernel, stride (default: the kernel), padding and dilation of a pooling call."""
    kernel = _pair(call.static["kernel_size"])
    stride = call.static.get("stride")
    stride = kernel if stride is None or stride == () or stride == [] else _pair(stride)
    return (kernel, stride, _pair(call.static.get("padding", 0)),
            _pair(call.static.get("dilation", 1)))


def _end_pads(call: OpCall, kernel: list[int], stride: list[int], pads: list[int],
              dilation: list[int]) -> list[int]:
    """The padding at the bottom/right that gives, in floor mode, the recorded output size
    (``ceil_mode`` adds a last window that may hang over the end)."""
    ends = []
    for d in range(2):
        size, out = call.shapes[0][2 + d], call.out_shape[2 + d]
        span = (out - 1) * stride[d] + dilation[d] * (kernel[d] - 1) + 1
        ends.append(max(pads[d], span - size - pads[d]))
    return ends


@converter("max_pool2d")
def max_pool2d(b: Builder, call: OpCall) -> str:
    """``MaxPool``; torch's ``ceil_mode`` becomes extra end padding (padding is never the
    max), computed from the recorded output size."""
    kernel, stride, pads, dilation = _pool_geometry(call)
    ceil = bool(call.static.get("ceil_mode", False))
    if ceil and call.dynamic_dims(0) & {2, 3}:
        raise unsupported(call, "ceil_mode=True with dynamic height or width")
    ends = _end_pads(call, kernel, stride, pads, dilation) if ceil else pads
    return b.node("MaxPool", inputs_as(b, call), kernel_shape=kernel, strides=stride,
                  pads=pads + ends, dilations=dilation)


@converter("avg_pool2d")
def avg_pool2d(b: Builder, call: OpCall) -> str:
    """``AvgPool``; ``divisor_override`` scales the window sums; ``ceil_mode`` uses ONNX's own
    (the last window is cut at the end of the padded input, as in torch)."""
    kernel, stride, pads, _ = _pool_geometry(call)
    ceil = bool(call.static.get("ceil_mode", False))
    include = bool(call.static.get("count_include_pad", True))
    divisor = call.static.get("divisor_override")
    if divisor is not None and (ceil or not include and any(pads)):
        raise unsupported(call, "divisor_override with ceil_mode or count_include_pad=False")
    out = b.node("AveragePool", inputs_as(b, call), kernel_shape=kernel, strides=stride,
                 pads=pads + pads, ceil_mode=int(ceil), count_include_pad=int(include))
    if divisor is not None:
        scale = kernel[0] * kernel[1] / divisor
        out = b.node("Mul", [out, b.scalar(scale, call.out_dtype)])
    return out


@converter("adaptive_avg_pool2d", "adaptive_max_pool2d")
def adaptive_pool2d(b: Builder, call: OpCall) -> str:
    """A global pool for output size 1, a plain pool when the sizes divide, else the windows
    of torch (``floor(i * n / out)`` to ``ceil((i + 1) * n / out)``) sliced one by one."""
    average = call.op == "adaptive_avg_pool2d"
    (x,) = inputs_as(b, call)
    sizes, outs = call.shapes[0][2:], call.out_shape[2:]
    if tuple(outs) == (1, 1):
        return b.node("GlobalAveragePool" if average else "GlobalMaxPool", [x])
    if call.dynamic_dims(0) & {2, 3}:
        raise unsupported(call, f"output size {tuple(outs)} with dynamic height or width "
                          "(only the global pool, output size 1)")
    if all(n % o == 0 for n, o in zip(sizes, outs, strict=True)):
        kernel = [n // o for n, o in zip(sizes, outs, strict=True)]
        return b.node("AveragePool" if average else "MaxPool",
                      [x], kernel_shape=kernel, strides=kernel)
    reduce_op = "ReduceMean" if average else "ReduceMax"
    for axis, (n, o) in enumerate(zip(sizes, outs, strict=True), start=2):
        if n == o:
            continue
        pieces = []
        for i in range(o):
            start, end = (i * n) // o, -((-(i + 1) * n) // o)
            piece = b.node("Slice", [x, b.ints([start]), b.ints([end]), b.ints([axis])])
            pieces.append(reduce(b, reduce_op, piece, [axis], True))
        x = b.node("Concat", pieces, axis=axis)
    return x


# ----------------------------------------------------------------------------- normalisation
def _normalize_last(b: Builder, x: str, eps: float, dtype: Any) -> str:
    """``(x - mean) / sqrt(var + eps)`` over the last axis, from plain nodes."""
    mean = reduce(b, "ReduceMean", x, [-1], True)
    centred = b.node("Sub", [x, mean])
    var = reduce(b, "ReduceMean", b.node("Mul", [centred, centred]), [-1], True)
    std = b.node("Sqrt", [b.node("Add", [var, b.scalar(eps, dtype)])])
    return b.node("Div", [centred, std])


@converter("layer_norm")
def layer_norm(b: Builder, call: OpCall) -> str:
    """Layer norm (weight (D,)): ``LayerNormalization`` over the last axis from opset 17, the
    formula before. Group and instance norm (weight (G, J)): each sample cut into G rows,
    normalised, put back in shape and scaled per channel."""
    x, weight, bias = inputs_as(b, call)
    eps, dt = float(call.static.get("eps", 1e-5)), call.out_dtype
    if len(call.shapes[1]) == 1:
        if b.opset >= 17:
            return b.node("LayerNormalization", [x, weight, bias], axis=-1, epsilon=eps)
        return b.node("Add", [b.node("Mul", [_normalize_last(b, x, eps, dt), weight]), bias])
    groups, per_group = call.shapes[1]
    rows = b.node("Reshape", [x, b.ints([0, groups, -1])])
    normed = b.node("Reshape", [_normalize_last(b, rows, eps, dt), b.node("Shape", [x])])
    channel = [groups * per_group] + [1] * (len(call.shapes[0]) - 2)
    scale = b.node("Reshape", [weight, b.ints(channel)])
    shift = b.node("Reshape", [bias, b.ints(channel)])
    return b.node("Add", [b.node("Mul", [normed, scale]), shift])
