"""The fast convolution and max pooling, where course notebooks import them from.

``from tinygrad_edu.classic.fast_layers import conv_forward_fast`` gives the same functions as
``tinygrad_edu.classic.layers``: adapters over the fast pairs of the engine's ``conv2d`` and
``max_pool2d`` ops (``ops/conv_fast.py``: chunked Numba im2col, BLAS and Winograd;
``ops/pool_fast.py``: compiled pooling loops). The naive ones run the ops' readable pairs.
"""

from __future__ import annotations

from .layers import (
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)

__all__ = [
    "conv_backward_fast", "conv_forward_fast", "max_pool_backward_fast",
    "max_pool_forward_fast",
]
