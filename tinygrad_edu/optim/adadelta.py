"""Adadelta: a step whose units match the parameter's, from running averages of squares."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags


class Adadelta(Optimizer):
    """Adadelta (PyTorch's ``torch.optim.Adadelta``), Zeiler (2012).

    Like RMSprop, Adadelta divides the gradient by the root of a running average ``v`` of its
    squares. Zeiler noticed that the step then has no units (gradient over gradient) and
    multiplies it by the root of a running average ``u`` of the squared *updates*, so the step
    has the parameter's units and needs no learning rate (PyTorch keeps ``lr``, default 1, as
    an extra factor).

    Algorithm::

        input: gamma (lr), theta_0 (params), f(theta) (objective), rho (decay),
               lambda (weight decay), epsilon, maximize
        initialize: v_0 <- 0 (square avg), u_0 <- 0 (accumulated updates)
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda != 0:  g_t <- g_t + lambda * theta_{t-1}
            v_t <- rho * v_{t-1} + (1 - rho) * g_t^2
            Delta x_t <- sqrt(u_{t-1} + epsilon) / sqrt(v_t + epsilon) * g_t
            u_t <- rho * u_{t-1} + (1 - rho) * Delta x_t^2
            theta_t <- theta_{t-1} - gamma * Delta x_t
        return theta_t

    The state entries are ``step``, ``square_avg`` (v) and ``acc_delta`` (u), as in PyTorch.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: gamma, a factor on the update (1 is Zeiler's method).
        rho: decay rate of both running averages.
        eps: epsilon, added inside both roots (it also sets the size of the first steps).
        weight_decay: L2 penalty lambda.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import Adadelta
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = Adadelta([w], eps=1e-2)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()  # Delta x_1 = sqrt(eps) / sqrt(0.1 g^2 + eps) * g
        >>> w
        tensor([ 0.6877, -1.6848], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Invalid learning rate: {options['lr']}")
        if not 0.0 <= options["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {options['rho']}")
        if not 0.0 <= options["eps"]:
            raise ValueError(f"Invalid epsilon value: {options['eps']}")
        if not 0.0 <= options["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {options['weight_decay']}")

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        like = param.numpy(force=True)
        return {"step": 0.0, "square_avg": Tensor(np.zeros_like(like)),
                "acc_delta": Tensor(np.zeros_like(like))}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        square_avg, acc_delta = state["square_avg"].numpy(), state["acc_delta"].numpy()
        square_avg *= rho
        square_avg += (1 - rho) * (g * g)
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps) / std * g
        acc_delta *= rho
        acc_delta += (1 - rho) * (delta * delta)
        param += -group["lr"] * delta
