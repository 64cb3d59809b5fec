"""Fully connected classifiers with the course's API: ``model.params`` and ``loss(X, y)``.

``loss(X)`` returns the class scores (N, C); ``loss(X, y)`` returns ``(loss, grads)`` with
``grads[k]`` the gradient of the loss with respect to ``params[k]``. The loss is the softmax
loss plus ``0.5 * reg * sum(W**2)`` over the weight matrices (not biases, gamma or beta).
The gradients come from the autograd engine (see ``_engine.py``).

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.classifiers import FullyConnectedNet
    >>> np.random.seed(0)
    >>> model = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, dtype=np.float64)
    >>> sorted(model.params)
    ['W1', 'W2', 'W3', 'b1', 'b2', 'b3']
    >>> loss, grads = model.loss(np.random.randn(2, 6), np.array([0, 2]))
    >>> grads["W2"].shape
    (5, 4)
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _engine

Array = NDArray[Any]

__all__ = ["FullyConnectedNet", "TwoLayerNet"]


def _check_dims(name: str, **dims: Any) -> None:
    for arg, value in dims.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")


class TwoLayerNet:
    """affine - relu - affine - softmax, the course's first network.

    Args:
        input_dim: D, the size of an input (inputs (N, d1, ..., dk) are flattened).
        hidden_dim: H, the size of the hidden layer.
        num_classes: C.
        weight_scale: standard deviation of the initial weights.
        reg: L2 regularisation strength.

    Attributes:
        params: 'W1' (D, H), 'b1' (H,), 'W2' (H, C), 'b2' (C,); the weights drawn in that
            order as ``weight_scale * np.random.randn(fan_in, fan_out)`` from numpy's global
            generator, the biases zero (float64).
    """

    def __init__(self, input_dim: int = 3 * 32 * 32, hidden_dim: int = 100,
                 num_classes: int = 10, weight_scale: float = 1e-3, reg: float = 0.0) -> None:
        _check_dims("TwoLayerNet", input_dim=input_dim, hidden_dim=hidden_dim,
                    num_classes=num_classes)
        self.reg = reg
        self.params: dict[str, Array] = {
            "W1": weight_scale * np.random.randn(input_dim, hidden_dim),
            "b1": np.zeros(hidden_dim),
            "W2": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b2": np.zeros(num_classes),
        }

    def loss(self, X: Array, y: Array | None = None) -> Any:  # noqa: N803
        """Scores (N, C) when y is None, else ``(loss, grads)``."""
        params = _engine.leaves(self.params)
        x = _engine.constant(np.asarray(X, dtype=self.params["W1"].dtype))
        hidden = _engine.affine(x, params["W1"], params["b1"]).relu()
        scores = _engine.affine(hidden, params["W2"], params["b2"])
        if y is None:
            return _engine.scores_array(scores)
        loss = _engine.softmax_loss(scores, y) + _engine.l2(params, ["W1", "W2"], self.reg)
        return float(loss.item()), _engine.gradients(loss, params)


class FullyConnectedNet:
    """{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax.

    Args:
        hidden_dims: the sizes of the L - 1 hidden layers.
        input_dim: D, the size of an input.
        num_classes: C.
        dropout_keep_ratio: probability of keeping a unit; 1 builds no dropout (and draws no
            random numbers). The older keyword ``dropout`` is accepted as an alias.
        normalization: None, 'batchnorm' or 'layernorm'.
        reg: L2 regularisation strength.
        weight_scale: standard deviation of the initial weights.
        dtype: the parameters' dtype (np.float64 for gradient checks); inputs are cast to it.
        seed: when given, dropout reseeds numpy's generator with it before each mask, which
            makes the model deterministic (for gradient checks).

    Attributes:
        params: 'W1', 'b1', ... 'WL', 'bL', and 'gamma1', 'beta1', ... for the normalised
            layers: weights drawn layer by layer as ``weight_scale * np.random.randn(fan_in,
            fan_out)``, biases and beta zero, gamma one.
        bn_params: one dict per hidden layer for the normalisation ('mode', running stats).
        dropout_param: {'mode', 'p', 'seed'} (empty without dropout).
    """

    def __init__(self, hidden_dims: list[int], input_dim: int = 3 * 32 * 32,
                 num_classes: int = 10, dropout_keep_ratio: float = 1, normalization:
                 str | None = None, reg: float = 0.0, weight_scale: float = 1e-2,
                 dtype: Any = np.float32, seed: int | None = None, **kwargs: Any) -> None:
        name = "FullyConnectedNet"
        if "dropout" in kwargs:  # the course's older keyword
            dropout_keep_ratio = kwargs.pop("dropout")
        if kwargs:
            raise TypeError(f"{name}: unexpected keyword arguments {sorted(kwargs)}")
        if normalization not in (None, "batchnorm", "layernorm"):
            raise ValueError(f"{name}: normalization must be None, 'batchnorm' or 'layernorm', "
                             f"got {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"{name}: dropout_keep_ratio is the probability of keeping a unit "
                             f"and must be in (0, 1], got {dropout_keep_ratio!r}")
        dims = [input_dim, *hidden_dims, num_classes]
        _check_dims(name, **{f"layer size {i}": d for i, d in enumerate(dims)})
        self.normalization, self.reg, self.dtype = normalization, reg, np.dtype(dtype)
        self.use_dropout = dropout_keep_ratio != 1
        self.num_layers = len(dims) - 1
        self.params: dict[str, Array] = {}
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])
            if normalization is not None and i < self.num_layers - 1:
                self.params[f"gamma{i + 1}"] = np.ones(dims[i + 1])
                self.params[f"beta{i + 1}"] = np.zeros(dims[i + 1])
        self.dropout_param: dict[str, Any] = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params: list[dict[str, Any]] = []
        if normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        elif normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]
        for key, value in self.params.items():
            self.params[key] = value.astype(self.dtype)

    def loss(self, X: Array, y: Array | None = None) -> Any:  # noqa: N803
        """Scores (N, C) when y is None (test mode), else ``(loss, grads)`` (train mode)."""
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        params = _engine.leaves(self.params)
        h = _engine.constant(np.asarray(X, dtype=self.dtype))
        for i in range(1, self.num_layers):
            h = _engine.affine(h, params[f"W{i}"], params[f"b{i}"])
            if self.normalization == "batchnorm":
                h = _engine.batchnorm(h, params[f"gamma{i}"], params[f"beta{i}"],
                                      self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                h = _engine.layernorm(h, params[f"gamma{i}"], params[f"beta{i}"],
                                      self.bn_params[i - 1])
            h = h.relu()
            if self.use_dropout:
                h = _engine.dropout(h, self.dropout_param)
        last = self.num_layers
        scores = _engine.affine(h, params[f"W{last}"], params[f"b{last}"])
        if y is None:
            return _engine.scores_array(scores)
        weights = [f"W{i}" for i in range(1, last + 1)]
        loss = _engine.softmax_loss(scores, y) + _engine.l2(params, weights, self.reg)
        return float(loss.item()), _engine.gradients(loss, params)
