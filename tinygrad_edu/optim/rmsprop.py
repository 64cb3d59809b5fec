"""RMSprop: divide the gradient by a running root-mean-square of its recent values."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags, lerp_


class RMSprop(Optimizer):
    """RMSprop (PyTorch's ``torch.optim.RMSprop``), proposed by G. Hinton in his course.

    Each coordinate's gradient is divided by the root of a running average ``v`` of its
    squares, so coordinates with large gradients take smaller steps and flat ones larger: a
    per-coordinate learning rate. The centered variant subtracts the squared running mean of
    the gradient, dividing by an estimate of its standard deviation instead.

    Algorithm::

        input: alpha (smoothing constant), gamma (lr), theta_0 (params), f(theta) (objective),
               lambda (weight decay), mu (momentum), epsilon, centered, maximize
        initialize: v_0 <- 0 (square average), b_0 <- 0 (buffer), g_0^ave <- 0
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda != 0:  g_t <- g_t + lambda * theta_{t-1}
            v_t <- alpha * v_{t-1} + (1 - alpha) * g_t^2
            v~_t <- v_t
            if centered:
                g_t^ave <- alpha * g_{t-1}^ave + (1 - alpha) * g_t
                v~_t <- v~_t - (g_t^ave)^2
            if mu > 0:
                b_t <- mu * b_{t-1} + g_t / (sqrt(v~_t) + epsilon)
                theta_t <- theta_{t-1} - gamma * b_t
            else:
                theta_t <- theta_{t-1} - gamma * g_t / (sqrt(v~_t) + epsilon)
        return theta_t

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        alpha: smoothing constant of the running averages.
        eps: epsilon, added to the denominator so that it is never zero.
        weight_decay: L2 penalty lambda.
        momentum: momentum factor mu (0 turns momentum off).
        centered: normalize by the running variance of the gradient instead of its second
            moment.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import RMSprop
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = RMSprop([w], lr=0.01)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()  # first step: g / sqrt(0.01 g^2) = 10 sign(g), times lr
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Invalid learning rate: {options['lr']}")
        if not 0.0 <= options["eps"]:
            raise ValueError(f"Invalid epsilon value: {options['eps']}")
        if not 0.0 <= options["momentum"]:
            raise ValueError(f"Invalid momentum value: {options['momentum']}")
        if not 0.0 <= options["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {options['weight_decay']}")
        if not 0.0 <= options["alpha"]:
            raise ValueError(f"Invalid alpha value: {options['alpha']}")

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        like = param.numpy(force=True)
        state: dict[str, Any] = {"step": 0.0, "square_avg": Tensor(np.zeros_like(like))}
        if group["momentum"] > 0:
            state["momentum_buffer"] = Tensor(np.zeros_like(like))
        if group["centered"]:
            state["grad_avg"] = Tensor(np.zeros_like(like))
        return state

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        alpha, lr = group["alpha"], group["lr"]
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        square_avg = state["square_avg"].numpy()
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = state["grad_avg"].numpy()
            lerp_(grad_avg, g, 1 - alpha)
            avg = np.sqrt(square_avg + -1 * grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg = avg + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"].numpy()
            buf *= group["momentum"]
            buf += g / avg
            param += -lr * buf
        else:
            param += -lr * g / avg
