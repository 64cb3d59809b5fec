"""Testing toolkit for tinygrad_edu ops: gradient checks, hypothesis strategies, torch parity.

Use it to test the ops you write, the way tinygrad_edu tests its own:

- :func:`assert_close` is PyTorch's ``torch.testing.assert_close``: tolerances by dtype, torch's
  messages.
- :func:`gradcheck` compares an op's backward with central differences in float64, element
  by element; :func:`check_vjp` does the same along random directions, for large shapes.
  :func:`numerical_gradient` and :func:`analytical_gradient` return the two sides.
- :func:`assert_close_to_torch` runs the same computation in PyTorch and compares outputs and
  gradients (needs torch: ``pip install torch==2.13.0``).
- :func:`gradgradcheck` checks second derivatives the same way: the backward that
  ``create_graph=True`` runs (an op's differentiable ``grad``, a ``Function``'s backward),
  differentiated again, against central differences of the first-order gradients.
- :func:`gradcheck_graph` records a whole computation once and checks every op's backward on
  its own, naming the first wrong one; :func:`compare_with_torch` replays a recorded graph in
  PyTorch and names the first op whose output or gradients diverge. Its PyTorch side is
  ``TORCH_OPS`` (``torch_ops.py``): one :class:`TorchRef` per registered op, keyed by name.
- :func:`check_layer` is an autograder for a student's ``forward -> (out, cache)`` /
  ``backward(dout, cache)`` pair: it compares them with a reference layer on drawn inputs and
  reports the first mismatch in plain words.
- ``tinygrad_edu.testing.strategies`` has hypothesis strategies for shapes, arrays, Tensors
  (also non-contiguous), broadcastable shape pairs and ``dim`` arguments (needs hypothesis).

Importing this package imports neither hypothesis nor torch; ``strategies`` is loaded on first
use and torch when a torch function runs.

Usage::

    import numpy as np
    from tinygrad_edu.testing import assert_close_to_torch, gradcheck

    x = np.random.default_rng(0).standard_normal((3, 4))
    gradcheck(lambda x: (x * x).tanh(), [x])
    assert_close_to_torch(lambda x: (x * x).tanh(), None, x)
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from .assert_close import assert_close
from .check_layer import LayerCheckError, check_layer
from .compare import CompareReport, TorchDivergenceError, compare_record, compare_with_torch
from .gradcheck import (
    GradcheckError,
    Mismatch,
    analytical_gradient,
    check_vjp,
    gradcheck,
    numerical_gradient,
)
from .gradcheck_graph import GraphCheckError, GraphCheckReport, gradcheck_graph
from .gradgradcheck import gradgradcheck
from .torch_compare import assert_close_to_torch, from_torch, to_torch
from .torch_ops import TORCH_OPS, TorchRef

if TYPE_CHECKING:
    from . import strategies

__all__ = [
    "TORCH_OPS",
    "assert_close",
    "CompareReport",
    "GradcheckError",
    "GraphCheckError",
    "GraphCheckReport",
    "LayerCheckError",
    "Mismatch",
    "TorchDivergenceError",
    "TorchRef",
    "analytical_gradient",
    "assert_close_to_torch",
    "check_layer",
    "check_vjp",
    "compare_record",
    "compare_with_torch",
    "from_torch",
    "gradcheck",
    "gradcheck_graph",
    "gradgradcheck",
    "numerical_gradient",
    "strategies",
    "to_torch",
]


def __getattr__(name: str) -> ModuleType:
    """Load ``strategies`` (and with it hypothesis) only when it is first used."""
    if name == "strategies":
        return importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
