"""The course's three-layer convolutional network, with gradients from the autograd engine.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.classifiers import ThreeLayerConvNet
    >>> np.random.seed(0)
    >>> model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=2, filter_size=3,
    ...                           hidden_dim=5, num_classes=4)
    >>> model.params["W2"].shape
    (32, 5)
    >>> model.loss(np.random.randn(2, 3, 8, 8)).shape
    (2, 4)
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _engine

Array = NDArray[Any]

__all__ = ["ThreeLayerConvNet"]


class ThreeLayerConvNet:
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax.

    The convolution keeps the spatial size (stride 1, pad (filter_size - 1) // 2; an even
    filter shrinks it by one); the pooling halves it.

    Args:
        input_dim: (C, H, W) of one input.
        num_filters: F, the convolution's output channels.
        filter_size: the filters' height and width.
        hidden_dim: the hidden affine layer's size.
        num_classes: the number of classes.
        weight_scale: standard deviation of the initial weights.
        reg: L2 regularisation strength.
        dtype: the parameters' dtype; inputs are cast to it.

    Attributes:
        params: 'W1' (F, C, filter_size, filter_size), 'b1' (F,), 'W2' (F * H//2 * W//2,
            hidden_dim), 'b2', 'W3' (hidden_dim, num_classes), 'b3'; weights drawn in that
            order as ``weight_scale * np.random.randn(...)``, biases zero.
    """

    def __init__(self, input_dim: tuple[int, int, int] = (3, 32, 32), num_filters: int = 32,
                 filter_size: int = 7, hidden_dim: int = 100, num_classes: int = 10,
                 weight_scale: float = 1e-3, reg: float = 0.0, dtype: Any = np.float32) -> None:
        if len(input_dim) != 3 or min(input_dim) < 1:
            raise ValueError(f"ThreeLayerConvNet: input_dim must be (C, H, W) of positive "
                             f"sizes, got {input_dim!r}")
        channels, height, width = (int(d) for d in input_dim)
        if filter_size < 1 or min(height, width) < 2:
            raise ValueError(f"ThreeLayerConvNet: need filter_size >= 1 and H, W >= 2 for the "
                             f"pooling, got filter_size {filter_size} and input_dim {input_dim}")
        self.reg, self.dtype, self.filter_size = reg, np.dtype(dtype), filter_size
        pad = (filter_size - 1) // 2
        conv_h, conv_w = height + 2 * pad - filter_size + 1, width + 2 * pad - filter_size + 1
        pooled = num_filters * (conv_h // 2) * (conv_w // 2)
        self.params: dict[str, Array] = {
            "W1": weight_scale * np.random.randn(num_filters, channels, filter_size,
                                                 filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * np.random.randn(pooled, hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        for key, value in self.params.items():
            self.params[key] = value.astype(self.dtype)

    def loss(self, X: Array, y: Array | None = None) -> Any:  # noqa: N803
        """Scores (N, C) when y is None, else ``(loss, grads)``."""
        params = _engine.leaves(self.params)
        x = _engine.constant(np.asarray(X, dtype=self.dtype))
        h = _engine.conv(x, params["W1"], params["b1"], 1, (self.filter_size - 1) // 2).relu()
        h = _engine.max_pool(h, 2, 2)
        h = _engine.affine(h, params["W2"], params["b2"]).relu()
        scores = _engine.affine(h, params["W3"], params["b3"])
        if y is None:
            return _engine.scores_array(scores)
        loss = _engine.softmax_loss(scores, y) + _engine.l2(params, ["W1", "W2", "W3"],
                                                             self.reg)
        return float(loss.item()), _engine.gradients(loss, params)
