"""Adagrad: per-coordinate learning rates that shrink with the sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags


class Adagrad(Optimizer):
    """Adagrad (PyTorch's ``torch.optim.Adagrad``), Duchi, Hazan and Singer (2011).

    Each coordinate's step is divided by the root of the *sum* of all its squared gradients so
    far. Rarely-updated coordinates (rare words, rare features) keep large steps while
    frequent ones slow down. Because the sum only grows, the effective learning rate decays
    towards zero; RMSprop and Adam replace the sum by a running average to avoid that.

    Algorithm::

        input: gamma (lr), theta_0 (params), f(theta) (objective), lambda (weight decay),
               tau (initial accumulator value), eta (lr decay), epsilon, maximize
        initialize: sum_0 <- tau
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            gamma~ <- gamma / (1 + (t - 1) * eta)
            if lambda != 0:  g_t <- g_t + lambda * theta_{t-1}
            sum_t <- sum_{t-1} + g_t^2
            theta_t <- theta_{t-1} - gamma~ * g_t / (sqrt(sum_t) + epsilon)
        return theta_t

    Unlike the other optimizers, Adagrad creates its state (``step`` and ``sum``) for every
    parameter when it is constructed (or its group added), as PyTorch does, since the
    accumulator starts at tau. Each group's own ``initial_accumulator_value`` is used; PyTorch
    uses the constructor's value for every group, and creates no state for a group added later.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        lr_decay: eta; the learning rate at step t is ``lr / (1 + (t - 1) * lr_decay)``.
        weight_decay: L2 penalty lambda.
        initial_accumulator_value: tau, the starting value of the sum of squares.
        eps: epsilon, added to the denominator so that it is never zero.
        maximize: ascend the objective instead of descending it.
        foreach, fused, differentiable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import Adagrad
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = Adagrad([w], lr=0.5)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()  # first step: g / sqrt(g^2) = sign(g), times lr
        >>> w
        tensor([ 0.5000, -1.5000], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_flags(type(self).__name__, differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Invalid learning rate: {options['lr']}")
        if not 0.0 <= options["lr_decay"]:
            raise ValueError(f"Invalid lr_decay value: {options['lr_decay']}")
        if not 0.0 <= options["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {options['weight_decay']}")
        if not 0.0 <= options["initial_accumulator_value"]:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{options['initial_accumulator_value']}")
        if not 0.0 <= options["eps"]:
            raise ValueError(f"Invalid epsilon value: {options['eps']}")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group and create its parameters' state (see ``Optimizer``)."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = self._init_state(p, group)

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        start = np.full_like(param.numpy(force=True), group["initial_accumulator_value"])
        return {"step": 0.0, "sum": Tensor(start)}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state_sum = state["sum"].numpy()
        state_sum += 1 * g * g
        std = np.sqrt(state_sum) + group["eps"]
        param += -clr * g / std
