"""Adamax: Adam with the infinity norm of past gradients in place of their root mean square."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .adam import check_betas
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags, lerp_


class Adamax(Optimizer):
    """Adamax (PyTorch's ``torch.optim.Adamax``), from Kingma and Ba's Adam paper, section 7.

    Adam divides by ``sqrt(v)``, an L2-style average of past gradients. Replacing the L2 norm
    by the L-infinity norm gives a simpler second statistic: ``u``, a decaying *maximum* of
    ``|g|``. It needs no bias correction (a maximum is not biased towards zero), and one
    large gradient keeps the step small for a while instead of being averaged away.

    Algorithm::

        input: gamma (lr), beta_1, beta_2 (betas), theta_0 (params), f(theta) (objective),
               lambda (weight decay), epsilon, maximize
        initialize: m_0 <- 0 (first moment), u_0 <- 0 (infinity norm)
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda != 0:  g_t <- g_t + lambda * theta_{t-1}
            m_t <- beta_1 * m_{t-1} + (1 - beta_1) * g_t
            u_t <- max(beta_2 * u_{t-1}, |g_t| + epsilon)
            theta_t <- theta_{t-1} - gamma / (1 - beta_1^t) * m_t / u_t
        return theta_t

    The state entries are ``step``, ``exp_avg`` (m) and ``exp_inf`` (u), as in PyTorch.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        betas: (beta_1, beta_2), decay rates of the running average of the gradient and of
            the running maximum of its magnitude.
        eps: epsilon, added to ``|g|`` so that ``u`` is never zero.
        weight_decay: L2 penalty lambda.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import Adamax
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = Adamax([w], lr=0.1)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()  # first step: m_1 / u_1 = (1 - beta_1) g / |g|, bias-corrected: sign(g)
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_betas(options)

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        like = param.numpy(force=True)
        return {"step": 0.0, "exp_avg": Tensor(np.zeros_like(like)),
                "exp_inf": Tensor(np.zeros_like(like))}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        beta1, beta2 = group["betas"]
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        exp_avg, exp_inf = state["exp_avg"].numpy(), state["exp_inf"].numpy()
        lerp_(exp_avg, g, 1 - beta1)
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(g) + group["eps"], out=exp_inf)
        clr = group["lr"] / (1 - beta1 ** state["step"])
        param += -clr * (exp_avg / exp_inf)
