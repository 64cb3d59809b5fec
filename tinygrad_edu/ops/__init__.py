"""The ops: each one a ``forward -> (out, cache)`` / ``backward(dout, cache)`` pair.

Importing this package registers every op in ``tinygrad_edu.autograd.OPS``. Students can call
the pairs directly on numpy arrays, e.g. ``elementwise.tanh_forward(x)``.
"""

from . import composite, conv, dropout, elementwise, loss, matmul, movement, norm, pool, reduce, rnn

__all__ = [
    "composite", "conv", "dropout", "elementwise", "loss", "matmul", "movement", "norm", "pool",
    "reduce", "rnn",
]
