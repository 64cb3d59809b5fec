"""NAdam and RAdam: two repairs of Adam, Nesterov momentum and a rectified warm-up."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .adam import check_betas
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags, lerp_


def float32(x: float) -> float:
    """``x`` rounded to float32, as PyTorch keeps scalar optimizer state in float32 tensors."""
    return float(np.float32(x))


def decay_weights(param: Array, g: Array, group: ParamGroup) -> Array:
    """Apply weight decay lambda: shrink ``param`` (decoupled, AdamW-style) or add to ``g``."""
    weight_decay = group["weight_decay"]
    if weight_decay == 0:
        return g
    if group["decoupled_weight_decay"]:
        param *= 1 - group["lr"] * weight_decay
        return g
    return g + weight_decay * param


class NAdam(Optimizer):
    """NAdam (PyTorch's ``torch.optim.NAdam``): Adam with Nesterov momentum (Dozat, 2016).

    Nesterov momentum evaluates the step "one momentum step ahead". Dozat's trick folds that
    into Adam: the update mixes the current gradient and the momentum of the *next* step,
    weighted by momentum factors ``mu_t`` that warm up from ``beta_1 / 2`` towards ``beta_1``
    (``momentum_decay`` sets how fast). ``mu_product`` is the running product of the
    ``mu``\\ s, used for the bias correction of the momentum.

    Algorithm::

        input: gamma (lr), beta_1, beta_2 (betas), theta_0 (params), f(theta) (objective),
               lambda (weight decay), psi (momentum decay), epsilon, maximize
        initialize: m_0 <- 0, v_0 <- 0, mu_product_0 <- 1
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda != 0 and decoupled_weight_decay:
                theta_{t-1} <- theta_{t-1} - gamma * lambda * theta_{t-1}
            else if lambda != 0:  g_t <- g_t + lambda * theta_{t-1}
            mu_t <- beta_1 * (1 - 0.5 * 0.96^(t * psi))
            mu_{t+1} <- beta_1 * (1 - 0.5 * 0.96^((t + 1) * psi))
            mu_product_t <- mu_product_{t-1} * mu_t
            m_t <- beta_1 * m_{t-1} + (1 - beta_1) * g_t
            v_t <- beta_2 * v_{t-1} + (1 - beta_2) * g_t^2
            denom <- sqrt(v_t / (1 - beta_2^t)) + epsilon
            theta_t <- theta_{t-1} - gamma * (1 - mu_t) / (1 - mu_product_t) * g_t / denom
                                   - gamma * mu_{t+1} / (1 - mu_product_t * mu_{t+1}) * m_t / denom
        return theta_t

    As in PyTorch, ``mu_product`` is kept in float32 (PyTorch stores it in a float32 tensor),
    so trajectories match PyTorch's exactly.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        betas: (beta_1, beta_2), decay rates of the running averages of the gradient and of
            its square.
        eps: epsilon, added to the denominator so that it is never zero.
        weight_decay: lambda.
        momentum_decay: psi, how fast ``mu_t`` warms up towards ``beta_1``.
        decoupled_weight_decay: shrink the weights directly (as AdamW does) instead of adding
            ``lambda * theta`` to the gradient ("NAdamW").
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import NAdam
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = NAdam([w], lr=0.1)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()  # a little more than lr: the Nesterov look-ahead adds mu_2 m_1
        >>> w
        tensor([ 0.8944, -1.8944], requires_grad=True)
    """

    scalar_state = ("step", "mu_product")

    def __init__(self, params: Params, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_betas(options)
        if not 0.0 <= options["momentum_decay"]:
            raise ValueError(f"Invalid momentum_decay value: {options['momentum_decay']}")

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        like = param.numpy(force=True)
        return {"step": 0.0, "mu_product": 1.0, "exp_avg": Tensor(np.zeros_like(like)),
                "exp_avg_sq": Tensor(np.zeros_like(like))}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        lr, (beta1, beta2), psi = group["lr"], group["betas"], group["momentum_decay"]
        state["step"] += 1
        step = state["step"]
        g = decay_weights(param, -grad if group["maximize"] else grad, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product = state["mu_product"] = float32(float32(state["mu_product"]) * float32(mu))
        exp_avg, exp_avg_sq = state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()
        lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (g * g)
        denom = np.sqrt(exp_avg_sq / (1 - beta2**step)) + group["eps"]
        param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        param += (-lr * mu_next / (1.0 - mu_product * mu_next)) * (exp_avg / denom)


class RAdam(Optimizer):
    """RAdam (PyTorch's ``torch.optim.RAdam``): rectified Adam (Liu et al., 2020).

    In Adam's first steps ``v`` averages only a few squared gradients, so its variance (and
    that of the adaptive step ``1 / sqrt(v)``) is large: the reason Adam often needs a
    learning-rate warm-up. RAdam estimates ``rho_t``, the length of the simple moving average
    that ``v_t`` resembles; while ``rho_t <= 5`` the variance is not defined and it takes a
    plain momentum-SGD step, afterwards it scales the Adam step by a factor ``r_t`` (< 1 early,
    -> 1 later) that cancels the excess variance: a warm-up derived instead of tuned.

    Algorithm::

        input: gamma (lr), beta_1, beta_2 (betas), theta_0 (params), f(theta) (objective),
               lambda (weight decay), epsilon, maximize
        initialize: m_0 <- 0, v_0 <- 0, rho_inf <- 2 / (1 - beta_2) - 1
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda != 0 and decoupled_weight_decay:
                theta_{t-1} <- theta_{t-1} - gamma * lambda * theta_{t-1}
            else if lambda != 0:  g_t <- g_t + lambda * theta_{t-1}
            m_t <- beta_1 * m_{t-1} + (1 - beta_1) * g_t
            v_t <- beta_2 * v_{t-1} + (1 - beta_2) * g_t^2
            m_hat_t <- m_t / (1 - beta_1^t)
            rho_t <- rho_inf - 2 t beta_2^t / (1 - beta_2^t)
            if rho_t > 5:
                l_t <- sqrt(1 - beta_2^t) / (sqrt(v_t) + epsilon)
                r_t <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                theta_t <- theta_{t-1} - gamma * m_hat_t * l_t * r_t
            else:
                theta_t <- theta_{t-1} - gamma * m_hat_t
        return theta_t

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        betas: (beta_1, beta_2), decay rates of the running averages of the gradient and of
            its square.
        eps: epsilon, added to the denominator so that it is never zero.
        weight_decay: lambda.
        decoupled_weight_decay: shrink the weights directly (as AdamW does) instead of adding
            ``lambda * theta`` to the gradient.
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, capturable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import RAdam
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = RAdam([w], lr=0.1)
        >>> opt.zero_grad()
        >>> (w * w).sum().backward()
        >>> opt.step()  # rho_1 = 1 <= 5: a momentum-SGD step, lr * m_hat_1 = lr * g_1
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_flags(type(self).__name__, differentiable, capturable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_betas(options)

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        like = param.numpy(force=True)
        return {"step": 0.0, "exp_avg": Tensor(np.zeros_like(like)),
                "exp_avg_sq": Tensor(np.zeros_like(like))}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        lr, (beta1, beta2) = group["lr"], group["betas"]
        state["step"] += 1
        step = state["step"]
        g = decay_weights(param, -grad if group["maximize"] else grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()
        lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (g * g)
        bias_correction2 = 1 - beta2**step
        m_hat = exp_avg / (1 - beta1**step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            adaptive_lr = bias_correction2**0.5 / (np.sqrt(exp_avg_sq) + group["eps"])
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            param -= m_hat * lr * adaptive_lr * rect
        else:
            param -= m_hat * lr
