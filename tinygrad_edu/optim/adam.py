"""Adam and AdamW: momentum plus a per-coordinate step size from the gradient's magnitude."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags, lerp_


def check_betas(options: dict[str, Any]) -> None:
    """The checks Adam's family shares: lr, eps, betas and weight decay (torch's messages)."""
    betas = options["betas"]
    if not 0.0 <= options["lr"]:
        raise ValueError(f"Invalid learning rate: {options['lr']}")
    if not 0.0 <= options["eps"]:
        raise ValueError(f"Invalid epsilon value: {options['eps']}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta_1, beta_2), got {betas}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= options["weight_decay"]:
        raise ValueError(f"Invalid weight_decay value: {options['weight_decay']}")


class Adam(Optimizer):
    """Adam (PyTorch's ``torch.optim.Adam``): adaptive moment estimation.

    Adam keeps two running averages per coordinate: ``m``, of the gradient (momentum), and
    ``v``, of the squared gradient. The step ``m / sqrt(v)`` has a size of about ``lr`` in
    every coordinate whatever the gradient's scale, so steep and flat directions progress
    alike. Both averages start at zero and are biased towards it for the first steps; dividing
    by ``1 - beta^t`` removes that bias (at ``t = 1``, ``m_hat`` is exactly ``g_1``). AMSGrad
    divides by the largest ``v`` seen so far, so the step size never grows back.

    Algorithm::

        input: gamma (lr), beta_1, beta_2 (betas), theta_0 (params), f(theta) (objective),
               lambda (weight decay), epsilon, amsgrad, maximize
        initialize: m_0 <- 0 (first moment), v_0 <- 0 (second moment), v_0^max <- 0
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda != 0 and decoupled_weight_decay (AdamW):
                theta_{t-1} <- theta_{t-1} - gamma * lambda * theta_{t-1}
            else if lambda != 0:
                g_t <- g_t + lambda * theta_{t-1}
            m_t <- beta_1 * m_{t-1} + (1 - beta_1) * g_t
            v_t <- beta_2 * v_{t-1} + (1 - beta_2) * g_t^2
            m_hat_t <- m_t / (1 - beta_1^t)
            if amsgrad:
                v_t^max <- max(v_{t-1}^max, v_t)
                v_hat_t <- v_t^max / (1 - beta_2^t)
            else:
                v_hat_t <- v_t / (1 - beta_2^t)
            theta_t <- theta_{t-1} - gamma * m_hat_t / (sqrt(v_hat_t) + epsilon)
        return theta_t

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        betas: (beta_1, beta_2), decay rates of the running averages of the gradient and of
            its square.
        eps: epsilon, added to the denominator so that it is never zero.
        weight_decay: lambda; L2 penalty added to the gradient (see ``AdamW`` for the
            decoupled form, which usually regularizes better with Adam).
        amsgrad: use the AMSGrad variant (divide by the running maximum of ``v``).
        maximize: ascend the objective instead of descending it.
        foreach, fused, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).
        decoupled_weight_decay: shrink the weights directly instead of adding to the gradient
            (``True`` makes this ``AdamW``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import Adam
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = Adam([w], lr=0.1)
        >>> for _ in range(3):
        ...     opt.zero_grad()
        ...     loss = (w * w).sum()
        ...     loss.backward()
        ...     opt.step()
        >>> w  # each coordinate moves by about lr per step, whatever its gradient
        tensor([ 0.7016, -1.7006], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, capturable: bool = False,
                 fused: bool | None = None) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_betas(options)

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        state = {"step": 0.0,
                 "exp_avg": Tensor(np.zeros_like(param.numpy(force=True))),
                 "exp_avg_sq": Tensor(np.zeros_like(param.numpy(force=True)))}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = Tensor(np.zeros_like(param.numpy(force=True)))
        return state

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        state["step"] += 1
        step = state["step"]
        g = -grad if group["maximize"] else grad
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()
        lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * g * g
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            max_exp_avg_sq = state["max_exp_avg_sq"].numpy()
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            denom = np.sqrt(max_exp_avg_sq) / bias_correction2_sqrt + eps
        else:
            denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
        param += -step_size * exp_avg / denom


class AdamW(Adam):
    """AdamW (PyTorch's ``torch.optim.AdamW``): Adam with decoupled weight decay.

    In Adam, weight decay is added to the gradient and then divided by ``sqrt(v)`` like the
    rest of it, so weights with large gradients are barely regularized. AdamW instead shrinks
    every weight by the same factor ``1 - lr * lambda`` before the Adam step (Loshchilov and
    Hutter, "Decoupled Weight Decay Regularization"). Note the default ``weight_decay=1e-2``.

    Algorithm::

        input: gamma (lr), beta_1, beta_2 (betas), theta_0 (params), f(theta) (objective),
               lambda (weight decay), epsilon, amsgrad, maximize
        initialize: m_0 <- 0 (first moment), v_0 <- 0 (second moment), v_0^max <- 0
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            theta_t <- theta_{t-1} - gamma * lambda * theta_{t-1}
            m_t <- beta_1 * m_{t-1} + (1 - beta_1) * g_t
            v_t <- beta_2 * v_{t-1} + (1 - beta_2) * g_t^2
            m_hat_t <- m_t / (1 - beta_1^t)
            if amsgrad:
                v_t^max <- max(v_{t-1}^max, v_t)
                v_hat_t <- v_t^max / (1 - beta_2^t)
            else:
                v_hat_t <- v_t / (1 - beta_2^t)
            theta_t <- theta_t - gamma * m_hat_t / (sqrt(v_hat_t) + epsilon)
        return theta_t

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        betas: (beta_1, beta_2), decay rates of the running averages of the gradient and of
            its square.
        eps: epsilon, added to the denominator so that it is never zero.
        weight_decay: lambda, the decoupled weight decay coefficient.
        amsgrad: use the AMSGrad variant (divide by the running maximum of ``v``).
        maximize: ascend the objective instead of descending it.
        foreach, fused, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import AdamW
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()  # shrink by 1 - 0.1 * 0.5, then take the Adam step of size lr
        >>> w
        tensor([ 0.8500, -1.8000], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, capturable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, differentiable=differentiable,
                         capturable=capturable)

    def load_state_dict(self, state_dict: Any) -> None:
        """Load a saved state (see ``Optimizer.load_state_dict``); the decay stays decoupled."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
