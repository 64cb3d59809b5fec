"""ASGD: stochastic gradient descent that also keeps the running average of its iterates."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .nadam import float32
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags


class ASGD(Optimizer):
    """Averaged SGD (PyTorch's ``torch.optim.ASGD``), Polyak and Juditsky (1992).

    Plain SGD with a slowly decaying step size ``eta_t`` keeps jittering around the minimum;
    the *average* of its iterates converges much faster (at the optimal rate). ASGD runs SGD
    on ``theta`` and, from step ``t0`` on, keeps the running average ``ax`` of the iterates in
    its state (``mu_t`` is the averaging weight ``1 / (t - t0)``). The parameters themselves
    follow plain SGD: to evaluate the average, copy ``state[p]["ax"]`` into the parameters.

    Algorithm::

        input: gamma (lr), theta_0 (params), f(theta) (objective), lambda (decay term),
               alpha (power), t0 (start of the averaging), lambda_wd (weight decay), maximize
        initialize: eta_0 <- gamma, mu_0 <- 1, ax_0 <- 0
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda_wd != 0:  g_t <- g_t + lambda_wd * theta_{t-1}
            theta_t <- (1 - lambda * eta_{t-1}) * theta_{t-1} - eta_{t-1} * g_t
            if mu_{t-1} != 1:  ax_t <- ax_{t-1} + mu_{t-1} * (theta_t - ax_{t-1})
            else:              ax_t <- theta_t
            eta_t <- gamma / (1 + lambda * gamma * t)^alpha
            mu_t <- 1 / max(1, t - t0)
        return theta_t

    ``eta`` and ``mu`` are single numbers in the state; PyTorch keeps them in float32
    tensors, and so they are rounded to float32 here too, which keeps the trajectories equal.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        lambd: lambda, the decay term (it both shrinks the weights and the step size).
        alpha: power of the step-size decay.
        t0: the step from which the iterates are averaged.
        weight_decay: L2 penalty lambda_wd.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import ASGD
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = ASGD([w], lr=0.1, lambd=0.0)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    scalar_state = ("step", "eta", "mu")

    def __init__(self, params: Params, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 maximize: bool = False, *, foreach: bool | None = None,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Invalid learning rate: {options['lr']}")
        if not 0.0 <= options["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {options['weight_decay']}")

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        return {"step": 0.0, "eta": float32(group["lr"]), "mu": 1.0,
                "ax": Tensor(np.zeros_like(param.numpy(force=True)))}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        lr, lambd = group["lr"], group["lambd"]
        state["step"] += 1
        step, eta, mu = state["step"], state["eta"], state["mu"]
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        param *= 1 - lambd * eta  # the decay term
        param += -eta * g  # the SGD step
        ax = state["ax"].numpy()
        if mu != 1:
            ax += (param - ax) * mu
        else:
            ax[...] = param
        state["eta"] = float32(lr / ((1 + lambd * lr * step) ** group["alpha"]))
        state["mu"] = float32(1 / max(1, step - group["t0"]))
