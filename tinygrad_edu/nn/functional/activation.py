"""Activation functions: PyTorch's ``F.relu``, ``F.gelu``, ``F.softmax``, ... .

Each checks its arguments and calls a registered op (``tinygrad_edu/ops/elementwise.py``) or
composes Tensor methods (the piecewise ones with ``where``, which decides the gradient at each
kink). ``normalize`` and ``gumbel_softmax`` live here too, as in PyTorch's documentation.
``inplace=True`` writes the result into the input, with the rules of every in-place op
(``Tensor._inplace``: not on a leaf that requires grad; gradients still flow).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ...autograd import OPS, apply_op
from ...checks import FLOATING, NOT_BOOL, NUMBERS, check_dtypes, check_number, check_scalar, int_arg
from ...random import get_generator
from ...tensor import Tensor
from ...tensor.convert import check_tensor
from ...tensor.functions import where

__all__ = ["celu", "elu", "gelu", "glu", "gumbel_softmax", "hardshrink", "hardsigmoid",
           "hardswish", "hardtanh", "leaky_relu", "log_softmax", "logsigmoid", "mish",
           "normalize", "prelu", "relu", "relu6", "selu", "sigmoid", "silu", "softmax",
           "softmin", "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "threshold",
           "celu_", "elu_", "hardtanh_", "leaky_relu_", "relu_", "rrelu", "rrelu_", "selu_",
           "threshold_"]


def _maybe_inplace(input: Tensor, inplace: bool, name: str,  # noqa: A002
                   compute: Callable[[Tensor], Tensor]) -> Tensor:
    """compute(input), written into input's memory when ``inplace`` (PyTorch's ``inplace=``).

    In place follows the rules of every in-place op (``Tensor._inplace``): not on a leaf that
    requires grad, and the gradient still flows through the op.
    """
    return input._inplace(name + "_", compute) if inplace else compute(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0); with ``inplace=True`` the result overwrites x (x is returned)."""
    check_tensor(input, "relu")
    return _maybe_inplace(input, inplace, "relu", lambda t: apply_op(OPS["relu"], t))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False  # noqa: A002
               ) -> Tensor:
    """x if x > 0 else negative_slope * x; ``inplace=True`` overwrites x."""
    check_tensor(input, "leaky_relu")
    check_number(negative_slope, "negative_slope", "leaky_relu")
    return _maybe_inplace(input, inplace, "leaky_relu", lambda t: apply_op(
        OPS["leaky_relu"], t, negative_slope=negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x if x > 0 else alpha * (exp(x) - 1); ``inplace=True`` overwrites x."""
    check_tensor(input, "elu")
    check_number(alpha, "alpha", "elu")
    return _maybe_inplace(input, inplace, "elu", lambda t: apply_op(OPS["elu"], t, alpha=alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x); ``approximate='tanh'`` for the tanh formula."""
    check_tensor(input, "gelu")
    return apply_op(OPS["gelu"], input, approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""
    check_tensor(input, "softplus")
    check_number(beta, "beta", "softplus")
    check_number(threshold, "threshold", "softplus")
    return apply_op(OPS["softplus"], input, beta=beta, threshold=threshold)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x))."""
    check_tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent."""
    check_tensor(input, "tanh")
    return input.tanh()


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim``."""
    x = input if dtype is None else input.type(dtype)
    return x.softmax(_default_dim(x, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None  # noqa: A002
                ) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    x = input if dtype is None else input.type(dtype)
    return x.log_softmax(_default_dim(x, dim, "log_softmax"))


def _default_dim(x: Tensor, dim: int | None, name: str) -> int:
    if dim is not None:
        return dim
    return 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice


# ----------------------------------------------------------------------------------------------
# More activations, each a composite of differentiable Tensor operations: autograd derives the
# gradient. ``where(mask, a, b)`` routes the gradient to the chosen branch only, so the
# comparisons below (``<`` or ``<=``) decide the gradient exactly at the kinks, as PyTorch does.


def _check_float_input(input: Tensor, name: str) -> None:  # noqa: A002
    """PyTorch's error for these activations on integer or bool tensors."""
    check_tensor(input, name)
    check_dtypes(name, FLOATING, input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val); the gradient is 1 strictly inside, 0 at and beyond the ends."""
    check_tensor(input, "hardtanh")
    check_number(min_val, "min_val", "hardtanh")
    check_number(max_val, "max_val", "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    check_dtypes("hardtanh", NOT_BOOL, input)
    if input.dtype.kind == "f" and np.isnan([min_val, max_val]).any():
        # clamping to a NaN bound gives NaN everywhere, as PyTorch's clamp does
        return _maybe_inplace(input, inplace, "hardtanh", lambda t: t * float("nan"))
    # the bounds take the input's kind, so an integer input stays integer (as in PyTorch)
    cast = float if input.dtype.kind == "f" else int
    return _maybe_inplace(input, inplace, "hardtanh", lambda t: where(
        t <= min_val, cast(min_val), where(t >= max_val, cast(max_val), t)))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6) (``hardtanh(x, 0, 6)``)."""
    check_tensor(input, "relu6")
    return hardtanh(input, 0.0, 6.0, inplace)


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value`` (no gradient there)."""
    check_tensor(input, "threshold")
    check_scalar(threshold, "threshold", "threshold")  # True is 1, as in PyTorch
    check_scalar(value, "value", "threshold")
    check_dtypes("threshold", NUMBERS, input)
    return _maybe_inplace(input, inplace, "threshold",
                          lambda t: where(t <= threshold, value, t))  # NaN stays NaN


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x) (the swish); gradient s + x s (1 - s) with s = sigmoid(x)."""
    _check_float_input(input, "silu")
    return _maybe_inplace(input, inplace, "silu", lambda t: t * t.sigmoid())


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * tanh(softplus(x))."""
    _check_float_input(input, "mish")
    return _maybe_inplace(input, inplace, "mish", lambda t: t * softplus(t).tanh())


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * relu6(x + 3) / 6: 0 up to -3, x from 3 on, x (x + 3) / 6 in between.

    Written piecewise so the gradient at the kinks is PyTorch's: 0 at -3, 1 at 3, and
    (2x + 3) / 6 strictly between.
    """
    _check_float_input(input, "hardswish")
    return _maybe_inplace(input, inplace, "hardswish", lambda t: where(
        t <= -3, 0.0, where(t < 3, t * (t + 3) / 6, t)))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """relu6(x + 3) / 6: a piecewise-linear sigmoid (gradient 1/6 strictly inside (-3, 3))."""
    _check_float_input(input, "hardsigmoid")
    return _maybe_inplace(input, inplace, "hardsigmoid", lambda t: where(
        t <= -3, 0.0, where(t >= 3, 1.0, t / 6 + 0.5)))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    _check_float_input(input, "selu")
    return _maybe_inplace(input, inplace, "selu", lambda t: apply_op(
        OPS["elu"], t, alpha=SELU_ALPHA) * SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)) = alpha * elu(x / alpha)."""
    _check_float_input(input, "celu")
    check_number(alpha, "alpha", "celu")
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError, alpha cannot be 0")
    if alpha > 0:
        return _maybe_inplace(input, inplace, "celu", lambda t: apply_op(
            OPS["elu"], t / alpha, alpha=1.0) * alpha)
    # a negative (or NaN) alpha: x / alpha flips sign, so the two sides are kept apart
    return _maybe_inplace(input, inplace, "celu", lambda t: where(
        t > 0, t, (where(t > 0, 0.0, t) / alpha).expm1() * alpha))


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for large |x|."""
    _check_float_input(input, "logsigmoid")
    return input.minimum(input.new_zeros(())) - (-input.abs()).exp().log1p()


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """x / (1 + |x|)."""
    check_tensor(input, "softsign")
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x - tanh(x)."""
    check_tensor(input, "tanhshrink")
    return input - input.tanh()


def _check_lambd(lambd: float, name: str) -> None:
    check_number(lambd, "lambd", name)
    if not 0 <= lambd < float("inf"):  # NaN too
        raise RuntimeError(f"{name}: lambda must be in range [0, inf), but found {lambd}")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""
    _check_float_input(input, "softshrink")
    _check_lambd(lambd, "softshrink")
    inside = (input >= -lambd) & (input <= lambd)  # False for NaN, which stays NaN
    return where(inside, 0.0, where(input > lambd, input - lambd, input + lambd))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0."""
    _check_float_input(input, "hardshrink")
    check_number(lambd, "lambd", "hardshrink")
    return where((input >= -lambd) & (input <= lambd), 0.0, input)  # NaN stays NaN


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``: the smallest entries get the largest weights."""
    x = input if dtype is None else input.type(dtype)
    _check_float_input(x, "softmin")
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=2)
    return (-x).softmax(_default_dim(x, dim, "softmin"))


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: split x in halves a, b along ``dim``; a * sigmoid(b)."""
    _check_float_input(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = int_arg(dim, "glu", "dim")
    d = dim + input.ndim if dim < 0 else dim
    if not 0 <= d < input.ndim:
        raise IndexError(f"glu: Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {dim})")
    if input.shape[d] % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x if x > 0 else a * x, with a learned slope a per channel (dim 1) or one shared slope.

    The gradient for a is the sum of x over the entries where x <= 0, per channel.
    """
    check_tensor(input, "prelu")
    check_tensor(weight, "prelu")
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input.dtype} (input) and "
                           f"{weight.dtype} (weight)")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                           f"Found parameter numbers = {n} and channel size = {channels}.")
    if n == 1:
        slope = weight.reshape(())
    else:
        shape = [1] * input.ndim
        shape[1] = n
        slope = weight.reshape(*shape)
    return where(input > 0, input, slope * input)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Softmax of (logits + Gumbel noise) / tau: a differentiable sample from a categorical.

    The noise is -log(E) with E ~ Exp(1), drawn as PyTorch does it (so a seeded generator gives
    PyTorch's numbers). ``hard=True`` returns the one-hot of the argmax in the forward pass and
    the soft sample's gradient in the backward pass (the straight-through estimator:
    ``y_hard - y_soft.detach() + y_soft``).
    """
    check_tensor(logits, "gumbel_softmax")
    noise = logits.detach().new_empty(logits.shape).exponential_().log().neg()
    y_soft = ((logits + noise) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.detach().argmax(dim, keepdim=True)
    y_hard = logits.new_zeros(logits.shape).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``: unit p-norm vectors (eps guards zero vectors)."""
    check_tensor(input, "normalize")
    if input.dtype.kind != "f":
        raise RuntimeError(f"normalize: norm(): Expected a floating point tensor as input. Got "
                           f"{input.dtype}")
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps)
    result = input / denom
    if out is not None:
        out.copy_(result.detach())
        return out
    return result


# the in-place spellings F.relu_(x), ...: the same as inplace=True


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """relu(x, inplace=True)."""
    return relu(input, True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """elu(x, alpha, inplace=True)."""
    return elu(input, alpha, True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """leaky_relu(x, negative_slope, inplace=True)."""
    return leaky_relu(input, negative_slope, True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """hardtanh(x, min_val, max_val, inplace=True)."""
    return hardtanh(input, min_val, max_val, True)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """selu(x, inplace=True)."""
    return selu(input, True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """celu(x, alpha, inplace=True)."""
    return celu(input, alpha, True)


_threshold = threshold  # the argument below shadows the function's name


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """threshold(x, threshold, value, inplace=True)."""
    return _threshold(input, threshold, value, True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomised leaky ReLU (Xu et al. 2015): x if x > 0 else a x.

    Training: a fresh slope a ~ U[lower, upper) for every entry x <= 0, drawn in PyTorch's
    order (one 64-bit draw per such entry, so a seeded generator gives PyTorch's slopes); the
    gradient is a (1 where x > 0). Evaluation: the fixed slope (lower + upper) / 2.
    """
    _check_float_input(input, "rrelu")
    check_number(lower, "lower", "rrelu")
    check_number(upper, "upper", "rrelu")
    for arg, bound in (("lower", lower), ("upper", upper)):
        if not np.isfinite(bound):
            raise RuntimeError(f"rrelu: {arg} bound must be finite, got {bound}")
    if lower > upper:
        raise RuntimeError(f"rrelu: lower bound should be less than or equal to the upper "
                           f"bound, got lower={lower} and upper={upper}")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    x = input.detach().numpy()
    negative = np.ascontiguousarray(x).reshape(-1) <= 0
    opmath = np.float64 if x.dtype == np.float64 else np.float32  # PyTorch's opmath_t
    lo, hi = float(opmath(lower)), float(opmath(upper))
    words = get_generator(None, "rrelu").random64(int(negative.sum()))
    unit = (words & np.uint64(2**53 - 1)).astype(np.float64) * 2.0**-53
    noise = np.ones(negative.size, dtype=x.dtype)
    noise[negative] = (unit * (hi - lo) + lo).astype(opmath)
    slopes = Tensor(noise.reshape(x.shape))
    return _maybe_inplace(input, inplace, "rrelu", lambda t: t * slopes)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
           training: bool = False) -> Tensor:
    """rrelu(x, lower, upper, training, inplace=True)."""
    return rrelu(input, lower, upper, training, True)
