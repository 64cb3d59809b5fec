"""Converters of the elementwise ops, activations, reductions, softmax and matmul.

Most ops have an ONNX twin of the same meaning (``relu`` -> ``Relu``, ``matmul`` ->
``MatMul``); a few are composed from several nodes (``rsqrt`` is ``Reciprocal(Sqrt(x))``,
``gelu`` before opset 20 is ``x * (1 + erf(x / sqrt 2)) / 2``).

ONNX does not promote types: both inputs of ``Add`` must have one dtype. ``inputs_as``
(``converters.py``) casts the inputs to the dtype the op computed in (a Python scalar in
``x * 2`` is a constant that simply gets stored with the right dtype).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .converters import OpCall, axes_input, converter, input_as, inputs_as, reduce, unsupported

Builder = Any  # builder.Builder (imported only by export, which needs onnx)


# ----------------------------------------------------------------------------- arithmetic
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "maximum": "Max",
           "minimum": "Min", "matmul": "MatMul"}


@converter(*_BINARY)
def binary(b: Builder, call: OpCall) -> str:
    if call.op == "div" and call.out_dtype.kind != "f":
        raise unsupported(call, f"integer division of {call.dtypes}")
    return b.node(_BINARY[call.op], inputs_as(b, call))


@converter("linear")
def linear(b: Builder, call: OpCall) -> str:
    """x @ weight^T + bias: ``Gemm`` for a 2-D x, else ``MatMul`` by the transposed weight."""
    x, weight, bias = inputs_as(b, call)
    if len(call.shapes[0]) == 2:
        return b.node("Gemm", [x, weight, bias], transB=1)
    return b.node("Add", [b.node("MatMul", [x, b.node("Transpose", [weight], perm=[1, 0])]),
                          bias])


@converter("pow")
def pow_(b: Builder, call: OpCall) -> str:
    return b.node("Pow", inputs_as(b, call))


_COMPARE = {"eq": "Equal", "lt": "Less", "gt": "Greater", "le": "LessOrEqual",
            "ge": "GreaterOrEqual"}


@converter(*_COMPARE, "ne")
def compare(b: Builder, call: OpCall) -> str:
    common = np.result_type(*call.dtypes)
    x, y = inputs_as(b, call, common)
    if call.op == "ne":
        return b.node("Not", [b.node("Equal", [x, y])])
    return b.node(_COMPARE[call.op], [x, y])


@converter("where")
def where(b: Builder, call: OpCall) -> str:
    cond = input_as(b, call, 0, np.bool_)
    return b.node("Where", [cond, input_as(b, call, 1, call.out_dtype),
                            input_as(b, call, 2, call.out_dtype)])


# ----------------------------------------------------------------------------- unary math
_UNARY = {"neg": "Neg", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "abs": "Abs",
          "reciprocal": "Reciprocal", "relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid",
          "sin": "Sin", "cos": "Cos", "tan": "Tan", "asin": "Asin", "acos": "Acos",
          "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh",
          "atanh": "Atanh", "erf": "Erf", "floor": "Floor", "ceil": "Ceil", "sign": "Sign",
          "clone": "Identity"}


@converter(*_UNARY)
def unary(b: Builder, call: OpCall) -> str:
    return b.node(_UNARY[call.op], inputs_as(b, call))


@converter("rsqrt")
def rsqrt(b: Builder, call: OpCall) -> str:
    return b.node("Reciprocal", [b.node("Sqrt", inputs_as(b, call))])


@converter("log2", "log10")
def log_base(b: Builder, call: OpCall) -> str:
    base = 2.0 if call.op == "log2" else 10.0
    log = b.node("Log", inputs_as(b, call))
    return b.node("Div", [log, b.scalar(math.log(base), call.out_dtype)])


@converter("round")
def round_(b: Builder, call: OpCall) -> str:
    if call.static.get("decimals", 0) != 0:
        raise unsupported(call, f"decimals={call.static['decimals']} (only 0)")
    return b.node("Round", inputs_as(b, call))


@converter("cast")
def cast(b: Builder, call: OpCall) -> str:
    return input_as(b, call, 0, call.out_dtype)


# ----------------------------------------------------------------------------- activations
@converter("leaky_relu")
def leaky_relu(b: Builder, call: OpCall) -> str:
    return b.node("LeakyRelu", inputs_as(b, call),
                  alpha=float(call.static.get("negative_slope", 0.01)))


@converter("elu")
def elu(b: Builder, call: OpCall) -> str:
    return b.node("Elu", inputs_as(b, call),
                  alpha=float(call.static.get("alpha", 1.0)))


@converter("gelu")
def gelu(b: Builder, call: OpCall) -> str:
    """``Gelu`` from opset 20; before, the formula (erf, or tanh when ``approximate="tanh"``)."""
    approximate = call.static.get("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise unsupported(call, f"approximate={approximate!r}")
    (x,) = inputs_as(b, call)
    if b.opset >= 20:
        return b.node("Gelu", [x], approximate=approximate)
    dt = call.out_dtype
    if approximate == "none":  # x/2 * (1 + erf(x / sqrt 2))
        inner = b.node("Erf", [b.node("Div", [x, b.scalar(math.sqrt(2.0), dt)])])
    else:  # x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
        cube = b.node("Mul", [b.node("Mul", [x, x]), x])
        arg = b.node("Add", [x, b.node("Mul", [cube, b.scalar(0.044715, dt)])])
        inner = b.node("Tanh", [b.node("Mul", [arg, b.scalar(math.sqrt(2 / math.pi), dt)])])
    half = b.node("Mul", [x, b.scalar(0.5, dt)])
    return b.node("Mul", [half, b.node("Add", [inner, b.scalar(1.0, dt)])])


@converter("softplus")
def softplus(b: Builder, call: OpCall) -> str:
    """torch's softplus: ``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``."""
    (x,) = inputs_as(b, call)
    dt = call.out_dtype
    beta, threshold = float(call.static.get("beta", 1.0)), float(call.static.get("threshold", 20.0))
    bx = x if beta == 1.0 else b.node("Mul", [x, b.scalar(beta, dt)])
    soft = b.node("Softplus", [bx])
    if beta != 1.0:
        soft = b.node("Div", [soft, b.scalar(beta, dt)])
    big = b.node("Greater", [bx, b.scalar(threshold, dt)])
    return b.node("Where", [big, x, soft])


@converter("clamp")
def clamp(b: Builder, call: OpCall) -> str:
    (x,) = inputs_as(b, call)
    lo, hi = call.static.get("min"), call.static.get("max")
    bounds = [b.scalar(v, call.out_dtype) if v is not None else "" for v in (lo, hi)]
    while bounds and bounds[-1] == "":
        bounds.pop()
    if lo is not None and hi is not None and lo > hi:  # torch: everything becomes max
        return b.node("Expand", [b.scalar(hi, call.out_dtype), b.node("Shape", [x])])
    return b.node("Clip", [x, *bounds])


@converter("softmax", "log_softmax")
def softmax(b: Builder, call: OpCall) -> str:
    op_type = "Softmax" if call.op == "softmax" else "LogSoftmax"
    ndim = len(call.shapes[0])
    dim = call.static["dim"]
    return b.node(op_type, inputs_as(b, call), axis=dim % ndim if ndim else 0)


@converter("dropout")
def dropout(b: Builder, call: OpCall) -> str:
    raise unsupported(call, "dropout in training mode (export in eval mode, the default "
                      "training=TrainingMode.EVAL, where dropout does nothing)")


# ----------------------------------------------------------------------------- reductions
_REDUCE = {"sum": "ReduceSum", "amax": "ReduceMax", "amin": "ReduceMin", "prod": "ReduceProd"}


@converter(*_REDUCE)
def reduction(b: Builder, call: OpCall) -> str:
    (x,) = inputs_as(b, call)
    ndim = len(call.shapes[0])
    axes = axes_input(call.static.get("dim"), ndim)
    if ndim == 0:
        return b.node("Identity", [x])
    return reduce(b, _REDUCE[call.op], x, axes, call.static.get("keepdim", False))


@converter("argmax", "argmin")
def argmax(b: Builder, call: OpCall) -> str:
    (x,) = call.inputs
    dim, keepdim = call.static.get("dim"), call.static.get("keepdim", False)
    op_type = "ArgMax" if call.op == "argmax" else "ArgMin"
    if dim is None:  # over the flattened tensor
        flat = b.node("Reshape", [x, b.ints([-1])])
        out = b.node(op_type, [flat], axis=0, keepdims=0)
        if keepdim:
            out = b.node("Reshape", [out, b.ints([1] * len(call.shapes[0]))])
        return out
    ndim = len(call.shapes[0])
    return b.node(op_type, [x], axis=dim % ndim if ndim else 0, keepdims=int(keepdim))


@converter("take_along_dim")
def take_along_dim(b: Builder, call: OpCall) -> str:
    """``GatherElements`` (the index has the input's rank: ``max(dim)`` picks this way)."""
    if len(call.shapes[0]) != len(call.shapes[1]):
        raise unsupported(call, f"index of rank {len(call.shapes[1])} for an input of rank "
                          f"{len(call.shapes[0])}")
    if any(i > n for i, n in zip(call.shapes[1], call.shapes[0], strict=True)):
        raise unsupported(call, "an index broadcast over the input")
    index = input_as(b, call, 1, np.int64)
    ndim = len(call.shapes[0])
    return b.node("GatherElements", [call.inputs[0], index],
                  axis=call.static["dim"] % ndim if ndim else 0)


@converter("expm1", "log1p", "exp2", "trunc")
def composed_math(b: Builder, call: OpCall) -> str:
    """Math ops ONNX lacks, from its nodes: ``exp(x) - 1``, ``log(1 + x)``, ``2 ** x``,
    ``sign(x) * floor(|x|)``."""
    (x,) = inputs_as(b, call)
    one = b.scalar(1.0, call.out_dtype)
    if call.op == "expm1":
        return b.node("Sub", [b.node("Exp", [x]), one])
    if call.op == "log1p":
        return b.node("Log", [b.node("Add", [x, one])])
    if call.op == "exp2":
        return b.node("Pow", [b.scalar(2.0, call.out_dtype), x])
    return b.node("Mul", [b.node("Sign", [x]), b.node("Floor", [b.node("Abs", [x])])])
