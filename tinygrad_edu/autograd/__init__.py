"""The autograd engine: records which op made each Tensor and walks that graph backwards.

Every op is a pair of plain numpy functions, the shape CS231n teaches (``tinygrad_edu.ops``)::

    def mul_forward(x, y):            # ndarrays in, static hyper-parameters as keywords
        return x * y, MulCache(x, y)  # (out, cache)

    def mul_backward(dout, cache):    # upstream gradient and the cache
        return dout * cache.y, dout * cache.x   # one gradient per array input

    register_op("mul", mul_forward, mul_backward)

Reading order:

- ``tinygrad_edu/ops/registry.py``: ``register_op`` and ``OPS``, the table of pairs (it sits
  with the ops, which register themselves);
- ``grad_mode.py``: ``no_grad`` and friends, whether anything is recorded;
- ``graph.py``: ``apply_op`` runs a pair on Tensors and records a ``Node`` with the cache and
  one edge per input;
- ``engine.py``: ``backward`` walks the nodes in reverse topological order without recursion,
  calling each op's backward and adding gradients that meet;
- ``anomaly.py``: ``detect_anomaly`` and ``record_ops``, for finding bugs;
- ``node_names.py``: PyTorch's names of the nodes (``AddBackward0``), which ``grad_fn`` shows;
- ``function.py``: ``Function``, custom ops written on Tensors (``forward``/``backward``);
- ``gradients.py``: PyTorch's ``autograd.backward(tensors, grad_tensors)`` and
  ``autograd.grad(outputs, inputs)``, both through the one walk of ``engine.py``;
- ``variable.py``: ``Variable``, the old name of a tensor that requires grad;
- ``gradcheck.py``: ``gradcheck``, a function's Jacobians against finite differences;
- ``functional.py``: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp`` and ``vhp`` of a
  whole function.

Semantics follow PyTorch: the graph is recorded only when grad mode is on and some input
requires grad; gradients of a tensor used twice add up; caches are freed after backward
unless ``retain_graph=True``; in-place changes to a tensor saved for backward are detected with
version counters. With ``create_graph=True`` gradients are graphs themselves, to any order:
each op's differentiable backward runs instead of its numpy one (``higher.py``).
"""

from typing import Any

from ..ops.registry import OPS, OpDef, needs_input_grad, reference_ops, register_op
from ..unsupported import missing_attribute
from . import functional
from .anomaly import (
    AnomalyError,
    OpRecord,
    Origin,
    describe_array,
    detect_anomaly,
    is_anomaly_enabled,
    node_origin,
    record_ops,
    set_detect_anomaly,
    user_origin,
)
from .engine import call_backward, is_freed, toposort, unbroadcast, walk
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .gradients import backward, grad
from .graph import AccumulateGrad, GraphTensor, Node, apply_op, is_graph_tensor, relabel
from .variable import Variable

__all__ = [
    "OPS", "AccumulateGrad", "AnomalyError", "Function", "FunctionCtx", "GradcheckError",
    "GraphTensor", "Node", "functional", "gradcheck", "gradgradcheck",
    "OpDef", "OpRecord", "Origin", "Variable", "apply_op", "backward", "call_backward",
    "describe_array", "detect_anomaly", "enable_grad", "grad", "inference_mode",
    "is_anomaly_enabled", "is_freed", "is_grad_enabled", "is_graph_tensor",
    "is_inference_mode_enabled", "needs_input_grad", "no_grad", "node_origin",
    "once_differentiable", "record_ops", "reference_ops", "register_op", "relabel",
    "set_detect_anomaly", "set_grad_enabled", "toposort", "unbroadcast", "user_origin", "walk",
]


def __getattr__(name: str) -> Any:
    """``torch.autograd`` names tinygrad_edu lacks say why (``autograd.forward_ad``, ...)."""
    raise missing_attribute("autograd", "tinygrad_edu.autograd", name, __all__)

