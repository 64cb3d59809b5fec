"""Converters of convolution, pooling and normalisation.

``conv2d`` is ONNX's ``Conv`` (weights in the same (out, in / groups, kh, kw) layout);
``batch_norm`` in eval mode is ``BatchNormalization`` with the running statistics stored as
initializers named like the buffers (``bn1.running_mean``); ``layer_norm`` is
``LayerNormalization`` (opset 17) or, before, its formula.
"""

from __future__ import annotations

from typing import Any

from .converters import OpCall, converter, unsupported
from .ops_basic import inputs_as

Builder = Any  # builder.Builder


def _pair(v: Any) -> list[int]:
    return [int(v), int(v)] if isinstance(v, int) else [int(x) for x in v]


def _bias(call: OpCall, i: int, inputs: list[str]) -> list[str]:
    """The optional bias input: left out when the op got an empty array (no bias)."""
    return [inputs[i]] if call.shapes[i] and call.shapes[i][0] else []


@converter("conv2d")
def conv2d(b: Builder, call: OpCall) -> str:
    inputs = inputs_as(b, call)
    ph, pw = _pair(call.static.get("padding", 0))
    return b.node("Conv", inputs[:2] + _bias(call, 2, inputs),  # type: ignore[no-any-return]
                  strides=_pair(call.static.get("stride", 1)), pads=[ph, pw, ph, pw],
                  dilations=_pair(call.static.get("dilation", 1)),
                  group=int(call.static.get("groups", 1)),
                  kernel_shape=list(call.shapes[1][2:]))


@converter("batch_norm")
def batch_norm(b: Builder, call: OpCall) -> str:
    if call.static.get("training"):
        raise unsupported(call, "batch_norm in training mode (export in eval mode)")
    x, w, bias = inputs_as(b, call)
    dt = call.out_dtype
    mean = b.const(call.static["mean"].astype(dt, copy=False))
    var = b.const(call.static["var"].astype(dt, copy=False))
    return b.node("BatchNormalization", [x, w, bias, mean, var],  # type: ignore[no-any-return]
                  epsilon=float(call.static.get("eps", 1e-5)))
