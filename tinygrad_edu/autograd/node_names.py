"""PyTorch's names for graph nodes: ``(a + b).grad_fn`` is an ``AddBackward0``.

In PyTorch every recorded op leaves a node whose class is named after the backward formula
that will run: ``AddBackward0``, ``MmBackward0``, ``SumBackward1`` (the number tells overloads
apart: ``x.sum()`` is ``SumBackward0``, ``x.sum(dim)`` is ``SumBackward1``). Tutorials print
these names (``tensor(2.3, grad_fn=<NllLossBackward0>)``) and students walk ``grad_fn`` and
``next_functions`` to see the graph, so our nodes carry the same names: each name is a small
subclass of ``Node`` (``graph.node_class``), and ``apply_op`` picks it when it records an op.

``TORCH_NODE_NAMES`` maps a registered op to the name PyTorch gives the equivalent call; the
table was made by running each call in PyTorch and printing ``y.grad_fn.name()`` (the test
``tests/torch_api/test_autograd_surface.py`` runs the same expressions in both libraries and
compares the names). Where PyTorch's name depends on the call (``x[0]`` is ``SelectBackward0``,
``x[1:]`` ``SliceBackward0``; ``v @ v`` is ``DotBackward0``, ``A @ B`` ``MmBackward0``), the
entry is a function of the op's static arguments, input arrays and edges. An op missing from
the table gets its name in CamelCase followed by ``Backward0`` (``cumsum`` -> ``CumsumBackward0``),
which is PyTorch's rule for most ops.

A method built from several ops (``mean`` is a sum and a division) can give its last node the
name PyTorch shows for the whole call with ``graph.relabel(tensor, "MeanBackward0", self)``
(the inputs named last are left alone: a node that made one of them was not made by the call).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

NameRule = Callable[[dict[str, Any], Sequence[Any], Sequence[Any]], str]

__all__ = ["TORCH_NODE_NAMES", "torch_node_name"]


# ----------------------------------------------------------------------------- rules

def _reduction(base: str) -> NameRule:
    """``x.sum()`` -> ``SumBackward0``; with a ``dim`` -> ``SumBackward1`` (prod alike)."""
    def rule(static: dict[str, Any], arrays: Sequence[Any], edges: Sequence[Any]) -> str:
        return f"{base}Backward{0 if static.get('dim') is None else 1}"
    return rule


def _matmul(static: dict[str, Any], arrays: Sequence[Any], edges: Sequence[Any]) -> str:
    """PyTorch dispatches ``@`` by the inputs' dimensions to dot, mv, mm or a batched mm."""
    a, b = arrays[0].ndim, arrays[1].ndim
    if a == 1 and b == 1:
        return "DotBackward0"
    if a == 2 and b == 2:
        return "MmBackward0"
    if a == 2 and b == 1:
        return "MvBackward0"
    if a == 1 and b == 2:
        return "SqueezeBackward4"  # (1, n) @ B, then the 1 is squeezed away
    return "UnsafeViewBackward0"  # batched: bmm on a (batch, n, m) view, viewed back


def _pow(static: dict[str, Any], arrays: Sequence[Any], edges: Sequence[Any]) -> str:
    """``x ** 2`` -> 0, ``x ** y`` -> 1, ``2 ** x`` -> 2 (a constant exponent or base)."""
    if edges[1] is None and arrays[1].ndim == 0:
        return "PowBackward0"
    if edges[0] is None and arrays[0].ndim == 0:
        return "PowBackward2"
    return "PowBackward1"


def _sub(static: dict[str, Any], arrays: Sequence[Any], edges: Sequence[Any]) -> str:
    """``2 - x`` is PyTorch's reversed subtraction, ``RsubBackward1``."""
    if edges[0] is None and arrays[0].ndim == 0 and edges[1] is not None:
        return "RsubBackward1"
    return "SubBackward0"


def _reshape(static: dict[str, Any], arrays: Sequence[Any], edges: Sequence[Any]) -> str:
    """``reshape`` is a view of contiguous memory; otherwise PyTorch copies first."""
    return "ViewBackward0" if arrays[0].flags.c_contiguous else "UnsafeViewBackward0"


def _getitem(static: dict[str, Any], arrays: Sequence[Any], edges: Sequence[Any]) -> str:
    """Indexing runs left to right; the node is that of the last step (or the gather of an
    integer-array index)."""
    key = static.get("key")
    parts = key if isinstance(key, tuple) else (key,)
    if any(isinstance(p, np.ndarray | list) for p in parts):
        return "IndexBackward0"
    name = "AliasBackward0"
    for p in parts:
        if isinstance(p, int | np.integer):
            name = "SelectBackward0"
        elif isinstance(p, slice) and p != slice(None):
            name = "SliceBackward0"
        elif p is None:
            name = "UnsqueezeBackward0"
    return name


def _adaptive_avg(static: dict[str, Any], arrays: Sequence[Any], edges: Sequence[Any]) -> str:
    """An adaptive average pool to 1 x 1 is a mean over the two spatial dimensions."""
    size = static.get("output_size")
    if size in (1, (1, 1)):
        return "MeanBackward1"
    return "AdaptiveAvgPool2DBackward0"


#: op name -> PyTorch's node name for the equivalent call (a string or a rule).
TORCH_NODE_NAMES: dict[str, str | NameRule] = {
    "abs": "AbsBackward0",
    "adaptive_avg_pool2d": _adaptive_avg,
    "adaptive_max_pool2d": "AdaptiveMaxPool2DBackward0",
    "add": "AddBackward0",
    "amax": "AmaxBackward0",
    "amin": "AminBackward0",
    "avg_pool2d": "AvgPool2DBackward0",
    "batch_norm": "NativeBatchNormBackward0",
    "binary_cross_entropy": "BinaryCrossEntropyBackward0",
    "cast": "ToCopyBackward0",
    "cat": "CatBackward0",
    "cholesky": "LinalgCholeskyExBackward0",
    "clamp": "ClampBackward1",
    "clone": "CloneBackward0",
    "conv2d": "ConvolutionBackward0",
    "conv_transpose2d": "ConvolutionBackward0",
    "cos": "CosBackward0",
    "det": "LinalgDetBackward0",
    "div": "DivBackward0",
    "dropout": "MulBackward0",  # PyTorch's CPU dropout multiplies by the scaled mask
    "elu": "EluBackward0",
    "embedding": "EmbeddingBackward0",
    "exp": "ExpBackward0",
    "expand": "ExpandBackward0",
    "gelu": "GeluBackward0",
    "getitem": _getitem,
    "gru": "StackBackward0",
    "gru_cell": "AddBackward0",
    "index_put": "IndexPutBackward0",
    "inv": "LinalgInvExBackward0",
    "layer_norm": "NativeLayerNormBackward0",
    "leaky_relu": "LeakyReluBackward0",
    "log": "LogBackward0",
    "log1p": "Log1PBackward0",
    "logabsdet": "LinalgSlogdetBackward0",
    "log_softmax": "LogSoftmaxBackward0",
    "lstm": "MkldnnRnnLayerBackward0",
    "lstm_cell": "MulBackward0",
    "matmul": _matmul,
    "max_pool2d": "MaxPool2DWithIndicesBackward0",
    "maximum": "MaximumBackward0",
    "minimum": "MinimumBackward0",
    "mul": "MulBackward0",
    "neg": "NegBackward0",
    "nll_loss": "NllLossBackward0",
    "pad": "ConstantPadNdBackward0",
    "permute": "PermuteBackward0",
    "pow": _pow,
    "prod": _reduction("Prod"),
    "relu": "ReluBackward0",
    "reshape": _reshape,
    "rnn_relu": "StackBackward0",
    "rnn_relu_cell": "ReluBackward0",
    "rnn_tanh": "StackBackward0",
    "rnn_tanh_cell": "TanhBackward0",
    "sigmoid": "SigmoidBackward0",
    "sin": "SinBackward0",
    "softmax": "SoftmaxBackward0",
    "softplus": "SoftplusBackward0",
    "solve": "LinalgSolveExBackward0",
    "sqrt": "SqrtBackward0",
    "sub": _sub,
    "sum": _reduction("Sum"),
    "take_along_dim": "GatherBackward0",
    "tanh": "TanhBackward0",
    "where": "WhereBackward0",
}


def _camel(op_name: str) -> str:
    return "".join(part.capitalize() for part in op_name.split("_")) + "Backward0"


def torch_node_name(op_name: str, static: dict[str, Any], arrays: Sequence[Any],
                    edges: Sequence[Any]) -> str:
    """PyTorch's node name for one application of the op ``op_name``."""
    rule = TORCH_NODE_NAMES.get(op_name)
    if rule is None:
        return _camel(op_name)
    return rule if isinstance(rule, str) else rule(static, arrays, edges)
