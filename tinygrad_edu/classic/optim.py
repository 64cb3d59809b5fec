"""The course's update rules: ``next_w, config = rule(w, dw, config)``.

Each rule takes the current weights and their gradient and a ``config`` dict holding its
hyper-parameters and state (created with the defaults below when None or missing), and
returns the new weights and the config to pass next time. ``Solver`` keeps one config per
parameter. PyTorch equivalents, step for step (same numbers):

- ``sgd``: ``optim.SGD(lr)``.
- ``sgd_momentum``: ``optim.SGD(lr, momentum)``. The course keeps v = momentum * v - lr * dw
  and adds it; PyTorch keeps b = momentum * b + dw and subtracts lr * b: the same steps while
  the learning rate is constant (v = -lr * b).
- ``sgd_nesterov_momentum``: ``optim.SGD(lr, momentum, nesterov=True)``. The form of the
  nndl course (UCLA's version of these assignments) and of the CS231n notes: v' = momentum *
  v - lr * dw, next_w = w + v' + momentum * (v' - v) = w - momentum * v + (1 + momentum) * v'.
  The weights kept are the "looked-ahead" ones, so dw is simply the gradient at w. With
  v = -lr * b (b PyTorch's momentum buffer) this is PyTorch's step
  w - lr * (dw + momentum * b'): the same steps while the learning rate is constant.
- ``rmsprop``: ``optim.RMSprop(lr, alpha=decay_rate, eps=epsilon)``.
- ``adam``: ``optim.Adam(lr, betas=(beta1, beta2), eps=epsilon)``; t is incremented before the
  bias correction, so the first step uses t = 1.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.optim import sgd_momentum
    >>> w, config = sgd_momentum(np.ones(2), np.ones(2), {"learning_rate": 0.1})
    >>> w.tolist(), config["velocity"].tolist()
    ([0.9, 0.9], [-0.1, -0.1])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _checks

Array = NDArray[Any]
Config = dict[str, Any]

__all__ = ["adam", "rmsprop", "sgd", "sgd_momentum", "sgd_nesterov_momentum"]


def _start(name: str, w: Any, dw: Any, config: Config | None) -> Config:
    """Check w and dw; return the config dict (a new one when None)."""
    w = _checks.array(name, "w", w)
    dw = _checks.array(name, "dw", dw)
    if w.shape != dw.shape:
        raise ValueError(f"{name}: w and dw must have the same shape, got {w.shape} and "
                         f"{dw.shape}")
    if config is None:
        return {}
    return _checks.param_dict(name, "config", config)  # type: ignore[no-any-return]


def sgd(w: Array, dw: Array, config: Config | None = None) -> tuple[Array, Config]:
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    config: 'learning_rate' (1e-2).
    """
    config = _start("sgd", w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w: Array, dw: Array, config: Config | None = None) -> tuple[Array, Config]:
    """SGD with momentum: v = momentum * v - learning_rate * dw; next_w = w + v.

    config: 'learning_rate' (1e-2), 'momentum' (0.9), 'velocity' (zeros like w).
    """
    config = _start("sgd_momentum", w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    v = np.zeros_like(w) if v is None else v
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def sgd_nesterov_momentum(w: Array, dw: Array, config: Config | None = None
                          ) -> tuple[Array, Config]:
    """SGD with Nesterov momentum, in the velocity form of the nndl course and CS231n's notes.

    Nesterov's idea: take the gradient where the momentum is about to carry the weights, at
    w + momentum * v. Keeping that looked-ahead point as the weights themselves turns the rule
    into one that needs only the gradient at w:

        v_next = momentum * v - learning_rate * dw
        next_w = w + v_next + momentum * (v_next - v)
               = w - momentum * v + (1 + momentum) * v_next

    PyTorch: ``optim.SGD(lr, momentum, nesterov=True)`` (buffer b = momentum * b + dw, step
    w - lr * (dw + momentum * b)); with v = -lr * b the steps are the same while the learning
    rate is constant (``Solver``'s ``lr_decay`` changes lr between epochs, when the velocity
    form and PyTorch's buffer form differ, as for ``sgd_momentum``).

    config: 'learning_rate' (1e-2), 'momentum' (0.9), 'velocity' (zeros like w).
    """
    config = _start("sgd_nesterov_momentum", w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    v = np.zeros_like(w) if v is None else v
    mu = config["momentum"]
    v_next = mu * v - config["learning_rate"] * dw
    config["velocity"] = v_next
    return w + v_next + mu * (v_next - v), config


def rmsprop(w: Array, dw: Array, config: Config | None = None) -> tuple[Array, Config]:
    """RMSProp: cache = decay_rate * cache + (1 - decay_rate) * dw**2;
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon).

    config: 'learning_rate' (1e-2), 'decay_rate' (0.99), 'epsilon' (1e-8), 'cache' (zeros).
    """
    config = _start("rmsprop", w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache")
    cache = np.zeros_like(w) if cache is None else cache
    decay = config["decay_rate"]
    cache = decay * cache + (1 - decay) * dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w: Array, dw: Array, config: Config | None = None) -> tuple[Array, Config]:
    """Adam: moving averages m of dw and v of dw**2, bias-corrected, t incremented first.

    t += 1; m = beta1 * m + (1 - beta1) * dw; v = beta2 * v + (1 - beta2) * dw**2;
    next_w = w - learning_rate * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + epsilon).

    config: 'learning_rate' (1e-3), 'beta1' (0.9), 'beta2' (0.999), 'epsilon' (1e-8),
    'm' and 'v' (zeros), 't' (0).
    """
    config = _start("adam", w, dw, config)
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("t", 0)
    m, v = config.get("m"), config.get("v")
    m = np.zeros_like(w) if m is None else m
    v = np.zeros_like(w) if v is None else v
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    config.update(m=m, v=v, t=t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
