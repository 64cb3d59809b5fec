"""The ops: each one a ``forward -> (out, cache)`` / ``backward(dout, cache)`` pair on ndarrays.

Importing this package registers every op in ``OPS`` (``registry.py``). Each file opens with its
readable pairs, the lesson; students can call them directly on numpy arrays, e.g.
``elementwise.tanh_forward(x)``. Where speed needs more, the fast pair is registered beside the
readable one and its plumbing lives in its own module (``conv_fast.py``, ...);
``reference_ops()`` runs a whole model on the readable pairs.
"""

from . import (
    conv,
    dropout,
    einsum,
    elementwise,
    embedding_bag,
    fold,
    grid,
    index,
    linalg,
    loss,
    math,
    matmul,
    movement,
    norm,
    pool,
    reduce,
    rnn,
    scan,
    sort,
)
from .registry import OPS, OpDef, needs_input_grad, reference_ops, register_op

__all__ = [
    "OPS", "OpDef", "conv", "dropout", "einsum", "elementwise",
    "embedding_bag", "fold", "index", "linalg", "loss",
    "math", "matmul", "movement", "needs_input_grad", "norm", "pool", "reduce", "reference_ops",
    "register_op", "rnn", "scan", "sort",
    "grid",
]
