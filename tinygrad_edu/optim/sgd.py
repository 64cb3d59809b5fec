"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import elementwise as kernels
from ..kernels import threads
from ..kernels.jit import ready
from ..tensor import Tensor
from .optimizer import Array, Optimizer, ParamGroup, Params, check_flags


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's ``torch.optim.SGD``).

    Plain SGD steps against the gradient: ``theta <- theta - lr * g``. Momentum keeps a running
    sum ``b`` of past gradients, so steps grow along directions where the gradients agree and
    cancel where they oscillate; a ball rolling downhill rather than a walker. Nesterov
    momentum looks one step ahead (``g + mu * b``). Weight decay adds ``lambda * theta`` to the
    gradient: the gradient of the L2 penalty ``lambda / 2 * ||theta||^2``.

    Algorithm::

        input: gamma (lr), theta_0 (params), f(theta) (objective), lambda (weight decay),
               mu (momentum), tau (dampening), nesterov, maximize
        for t = 1, 2, ... do
            g_t <- grad f_t(theta_{t-1})             (-grad f_t(theta_{t-1}) if maximize)
            if lambda != 0:  g_t <- g_t + lambda * theta_{t-1}
            if mu != 0:
                if t > 1:  b_t <- mu * b_{t-1} + (1 - tau) * g_t
                else:      b_t <- g_t
                if nesterov:  g_t <- g_t + mu * b_t
                else:         g_t <- b_t
            theta_t <- theta_{t-1} - gamma * g_t
        return theta_t

    This form (also PyTorch's) puts the learning rate outside the buffer: ``b`` sums raw
    gradients, so changing ``lr`` mid-training takes effect at once. Sutskever et al. and
    some textbooks write ``v <- mu * v - lr * g; theta <- theta + v`` instead.

    Args:
        params: the Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate gamma.
        momentum: momentum factor mu (0 turns momentum off).
        dampening: tau, scales down the gradient's share of the buffer.
        weight_decay: L2 penalty lambda.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending it.
        foreach, fused, differentiable: PyTorch's implementation switches,
            accepted for compatibility (see ``check_flags``).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import SGD
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     loss = (w * w).sum()
        ...     loss.backward()
        ...     opt.step()
        >>> w
        tensor([ 0.4600, -0.9200], requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_flags(type(self).__name__, differentiable)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        if options["lr"] < 0.0:
            raise ValueError(f"Invalid learning rate: {options['lr']}")
        if options["momentum"] < 0.0:
            raise ValueError(f"Invalid momentum value: {options['momentum']}")
        if options["weight_decay"] < 0.0:
            raise ValueError(f"Invalid weight_decay value: {options['weight_decay']}")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _step_group(self, group: ParamGroup) -> None:
        """With momentum (no dampening, not Nesterov, not maximize) and a momentum buffer,
        each parameter's update is one call of the fused loop, straight from this loop: the
        per-parameter bookkeeping of ``step`` costs more than a small parameter's update.
        Anything else (the first step, other options, mixed dtypes, strided arrays) takes
        ``_step_param``; both compute the same bits."""
        if (group["momentum"] == 0 or group["dampening"] != 0 or group["nesterov"]
                or group["maximize"] or isinstance(group["lr"], Tensor)):
            super()._step_group(group)
            return
        scalars: dict[Any, tuple[Any, Any, Any]] = {}
        state = self.state
        small = ready(kernels.sgd_momentum_range)
        split_from = threads.PARALLEL_MIN_WORK / kernels.PASS_WORK  # (sgd_momentum's rule)
        for p in group["params"]:
            grad_t = p.grad
            if grad_t is None:
                continue
            buf_t = state[p].get("momentum_buffer") if p in state else None
            param, grad = p.numpy(force=True), grad_t.numpy(force=True)
            buf = None if buf_t is None else buf_t.numpy(force=True)
            dtype = param.dtype
            if (buf is None or not (dtype == grad.dtype == buf.dtype)
                    or dtype.kind != "f" or dtype.itemsize < 4
                    or not (param.shape == grad.shape == buf.shape)
                    or not (param.flags.c_contiguous and param.flags.writeable
                            and grad.flags.c_contiguous and buf.flags.c_contiguous)):
                self._step_param(p, group)
                continue
            if dtype not in scalars:
                scalars[dtype] = (dtype.type(-group["lr"]), dtype.type(group["momentum"]),
                                  dtype.type(group["weight_decay"]))
            neg_lr, momentum, weight_decay = scalars[dtype]
            with p.mutate():
                if param.size >= split_from:  # large: split over the threads
                    kernels.sgd_momentum(param, grad, buf, neg_lr, momentum, weight_decay)
                else:
                    small(param.reshape(-1), grad.reshape(-1), buf.reshape(-1), neg_lr,
                          momentum, weight_decay, 0, param.size)

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        state_buf = state.get("momentum_buffer")
        if (state_buf is not None and group["momentum"] != 0 and group["dampening"] == 0
                and not group["nesterov"] and not group["maximize"]
                and kernels.loop_pays(param, grad, state_buf.numpy())
                and param.dtype == grad.dtype == state_buf.numpy().dtype):
            # the common case of a large parameter: the statements below fused into one pass
            # (bit-identical: the same operations on scalars of the parameter's dtype)
            scalar = param.dtype.type
            kernels.sgd_momentum(param, grad, state_buf.numpy(), scalar(-group["lr"]),
                                 scalar(group["momentum"]), scalar(group["weight_decay"]))
            return
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum != 0:
            if "momentum_buffer" not in state:
                # laid out like the parameter, so that later steps pass over both in order
                buf = np.empty_like(param)
                np.copyto(buf, g)
                state["momentum_buffer"] = Tensor(buf)
            else:
                buf = state["momentum_buffer"].numpy()
                buf *= momentum
                if group["dampening"] == 0:  # the common case: no temporary array
                    buf += g
                else:
                    buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        param += -group["lr"] * g
