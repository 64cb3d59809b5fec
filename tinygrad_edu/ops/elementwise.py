"""Elementwise ops: arithmetic, activations and comparisons.

Each op is a forward/backward pair on ndarrays. Binary ops receive arrays that broadcast
together; the backward returns gradients of the broadcast shape and the engine sums them back
to each input's shape (``autograd.unbroadcast``), so no backward here deals with broadcasting.

Notation: ``x``, ``y`` inputs, ``out`` the forward's result, ``dout`` the upstream gradient
dL/dout; every backward applies the chain rule dL/dx = dL/dout * dout/dx.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..checks import FLOATING, NOT_BOOL
from ..kernels import elementwise as kernels
from ..kernels import special
from ..kernels.jit import ready
from .registry import needs_input_grad, register_op

Array = NDArray[Any]


class NoCache(NamedTuple):
    """Cache of ops whose backward needs nothing but ``dout``."""


NO_CACHE = NoCache()


class XCache(NamedTuple):
    """Cache holding the input ``x``."""

    x: Array


class OutCache(NamedTuple):
    """Cache holding the output ``out`` (cheaper to differentiate than the input)."""

    out: Array


class XYCache(NamedTuple):
    """Cache holding the inputs of a binary op (None: not needed by backward)."""

    x: Array | None
    y: Array | None


# ----------------------------------------------------------------------------- arithmetic

def add_forward(x: Array, y: Array) -> tuple[Array, NoCache]:
    """out = x + y. Backward: dx = dout, dy = dout."""
    return x + y, NO_CACHE


def add_backward(dout: Array, cache: NoCache) -> tuple[Array, Array]:
    """Addition passes the gradient through unchanged to both inputs."""
    return dout, dout


def add_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward (for gradients of gradients): the same rule on Tensors."""
    return dout, dout


register_op("add", add_forward, add_backward, grad=add_grad)


def sub_forward(x: Array, y: Array) -> tuple[Array, NoCache]:
    """out = x - y. Backward: dx = dout, dy = -dout."""
    if x.dtype == np.bool_:
        raise RuntimeError("sub: subtraction, the `-` operator, with two bool tensors is not "
                           "supported; to invert a mask use `~`")
    return x - y, NO_CACHE


def sub_backward(dout: Array, cache: NoCache) -> tuple[Array, Array]:
    """Subtraction passes dout to x and -dout to y."""
    return dout, -dout


def sub_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout, dy = -dout (not recorded when y needs none)."""
    return dout, -dout if ctx.needs[1] else None


register_op("sub", sub_forward, sub_backward, grad=sub_grad)


def mul_forward(x: Array, y: Array) -> tuple[Array, XYCache]:
    """out = x * y. Backward: dx = dout * y, dy = dout * x (each input scales the other)."""
    # keep an input only if the other input's gradient will need it (as PyTorch does: then
    # changing x in place after ``x * 2`` does not break backward)
    return x * y, XYCache(x if needs_input_grad(1) else None,
                          y if needs_input_grad(0) else None)


def mul_backward(dout: Array, cache: XYCache) -> tuple[Array | None, Array | None]:
    """The product rule: each input's gradient is dout times the other input."""
    return (None if cache.y is None else dout * cache.y,
            None if cache.x is None else dout * cache.x)


def mul_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: each input's gradient is dout times the other input, so
    the gradient depends on the inputs and can be differentiated with respect to them."""
    x, y = ctx.inputs
    return dout * y if ctx.needs[0] else None, dout * x if ctx.needs[1] else None


register_op("mul", mul_forward, mul_backward, grad=mul_grad)


def div_forward(x: Array, y: Array) -> tuple[Array, XYCache]:
    """out = x / y. Backward: dx = dout / y, dy = -dout * x / y**2."""
    with np.errstate(divide="ignore", invalid="ignore"):  # x is needed for dy only
        return x / y, XYCache(x if needs_input_grad(1) else None, y)


def div_backward(dout: Array, cache: XYCache) -> tuple[Array, Array | None]:
    """The quotient rule, split between numerator and denominator."""
    dx = dout / cache.y
    return dx, None if cache.x is None else -dx * cache.x / cache.y


def div_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout / y, dy = -dout * x / y**2 (dy only when y needs
    it: a mean's count or a constant scale needs none)."""
    x, y = ctx.inputs
    dx = dout / y
    return dx if ctx.needs[0] else None, -dx * x / y if ctx.needs[1] else None


register_op("div", div_forward, div_backward, grad=div_grad)


class PowCache(NamedTuple):
    """Cache of ``pow``: base, exponent and result."""

    x: Array
    y: Array
    out: Array


def pow_forward(x: Array, y: Array) -> tuple[Array, PowCache]:
    """out = x ** y. Backward: dx = dout * y * x**(y-1), dy = dout * out * log(x)."""
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise RuntimeError(f"pow: integers to negative integer powers are not allowed (dtype "
                           f"{x.dtype}); use a float base")
    with np.errstate(all="ignore"):
        out = np.power(x, y).astype(x.dtype, copy=False)  # bool ** bool stays bool
    return out, PowCache(x, y, out)


def pow_backward(dout: Array, cache: PowCache) -> tuple[Array, Array]:
    """Power rule for the base; exponential rule for the exponent (0 where x == 0, y >= 0)."""
    x, y, out = cache
    at_zero = (x == 0) & (y >= 0)
    with np.errstate(all="ignore"):  # log of a negative base is nan, as in PyTorch
        dx = np.where(y == 0, 0, dout * y * np.power(x, y - 1))  # x**0 is flat, even at 0
        dy = dout * np.where(at_zero, 0, out * np.log(np.where(at_zero, 1, x)))
    return dx, dy


def pow_grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
    """Differentiable backward: dx = dout * y * x**(y-1) (0 where y == 0, so that x**0's
    derivatives stay 0 at x == 0 rather than 0 * inf, as in PyTorch), dy = dout * x**y * log(x)
    (0 where x == 0 and y >= 0, as in the numpy backward)."""
    x, y = ctx.inputs
    dtype = x.numpy(force=True).dtype
    zero, one = ctx.const(np.zeros((), dtype)), ctx.const(np.ones((), dtype))
    dx = dy = None
    if ctx.needs[0]:
        constant = ctx.const(y.numpy(force=True) == 0)  # x**0: no x**(-1), not even masked
        base = ctx.apply("where", constant, one, x)
        dx = ctx.apply("where", constant, zero, dout * y * base ** (y - 1))
    if ctx.needs[1]:
        at_zero = ctx.const((x.numpy(force=True) == 0) & (y.numpy(force=True) >= 0))
        safe_x = ctx.apply("where", at_zero, one, x)
        dy = dout * ctx.apply("where", at_zero, zero, x ** y * safe_x.log())
    return dx, dy


register_op("pow", pow_forward, pow_backward, grad=pow_grad)


def neg_forward(x: Array) -> tuple[Array, NoCache]:
    """out = -x. Backward: dx = -dout."""
    return -x, NO_CACHE


def neg_backward(dout: Array, cache: NoCache) -> tuple[Array]:
    """Negation flips the gradient's sign."""
    return (-dout,)


def neg_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = -dout."""
    return (-dout,)


register_op("neg", neg_forward, neg_backward, grad=neg_grad)


def abs_forward(x: Array) -> tuple[Array, XCache]:
    """out = |x|. Backward: dx = dout * sign(x) (0 at x == 0, like PyTorch)."""
    return np.abs(x), XCache(x)


def abs_backward(dout: Array, cache: XCache) -> tuple[Array]:
    """The slope of |x| is the sign of x."""
    return (dout * np.sign(cache.x),)


def abs_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * sign(x) (sign is flat: its own derivative is 0)."""
    return (dout * ctx.inputs[0].sign(),)


register_op("abs", abs_forward, abs_backward, grad=abs_grad)


# ----------------------------------------------------------------------------- exp, log and friends

def exp_forward(x: Array) -> tuple[Array, OutCache]:
    """out = e**x. Backward: dx = dout * out (exp is its own derivative)."""
    with np.errstate(over="ignore"):
        out = np.exp(x)
    return out, OutCache(out)


def exp_backward(dout: Array, cache: OutCache) -> tuple[Array]:
    """Reuse the output: d(e**x)/dx = e**x."""
    return (dout * cache.out,)


def exp_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * exp(x)."""
    return (dout * ctx.output,)


register_op("exp", exp_forward, exp_backward, grad=exp_grad)


def log_forward(x: Array) -> tuple[Array, XCache]:
    """out = ln(x). Backward: dx = dout / x."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x), XCache(x)


def log_backward(dout: Array, cache: XCache) -> tuple[Array]:
    """d ln(x)/dx = 1/x."""
    return (dout / cache.x,)


def log_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout / x."""
    return (dout / ctx.inputs[0],)


register_op("log", log_forward, log_backward, grad=log_grad)


def sqrt_forward(x: Array) -> tuple[Array, OutCache]:
    """out = sqrt(x). Backward: dx = dout / (2 * out)."""
    with np.errstate(invalid="ignore"):
        out = np.sqrt(x)
    return out, OutCache(out)


def sqrt_backward(dout: Array, cache: OutCache) -> tuple[Array]:
    """d sqrt(x)/dx = 1 / (2 sqrt(x)), read from the output."""
    return (dout / (2 * cache.out),)


def sqrt_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout / (2 sqrt(x))."""
    return (dout / (ctx.output * 2),)


register_op("sqrt", sqrt_forward, sqrt_backward, grad=sqrt_grad)


def sin_forward(x: Array) -> tuple[Array, XCache]:
    """out = sin(x). Backward: dx = dout * cos(x)."""
    with np.errstate(invalid="ignore"):  # sin(inf) is nan, as in PyTorch
        return np.sin(x), XCache(x)


def sin_backward(dout: Array, cache: XCache) -> tuple[Array]:
    """d sin(x)/dx = cos(x)."""
    return (dout * np.cos(cache.x),)


def sin_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * cos(x)."""
    return (dout * ctx.inputs[0].cos(),)


register_op("sin", sin_forward, sin_backward, grad=sin_grad)


def cos_forward(x: Array) -> tuple[Array, XCache]:
    """out = cos(x). Backward: dx = -dout * sin(x)."""
    with np.errstate(invalid="ignore"):  # cos(inf) is nan
        return np.cos(x), XCache(x)


def cos_backward(dout: Array, cache: XCache) -> tuple[Array]:
    """d cos(x)/dx = -sin(x)."""
    return (-dout * np.sin(cache.x),)


def cos_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = -dout * sin(x)."""
    return (-dout * ctx.inputs[0].sin(),)


register_op("cos", cos_forward, cos_backward, grad=cos_grad)


# ----------------------------------------------------------------------------- activations

def tanh_forward(x: Array) -> tuple[Array, OutCache]:
    """out = tanh(x). Backward: dx = dout * (1 - out**2)."""
    out = np.tanh(x)
    return out, OutCache(out)


def tanh_backward(dout: Array, cache: OutCache) -> tuple[Array]:
    """d tanh(x)/dx = 1 - tanh(x)**2, read from the output."""
    return (dout * (1 - cache.out * cache.out),)


def tanh_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * (1 - tanh(x)**2), as one op of dout and the
    output (``tanh_backward``) rather than three."""
    return (ctx.apply("tanh_backward", dout, ctx.output),)


register_op("tanh", tanh_forward, tanh_backward, grad=tanh_grad)


class GradOutCache(NamedTuple):
    """Cache of an activation's backward as an op: the upstream gradient and the output."""

    dout: Array
    out: Array


def tanh_backward_forward(dout: Array, out: Array) -> tuple[Array, GradOutCache]:
    """tanh's backward as an op of the upstream gradient and tanh's output (PyTorch's
    ``tanh_backward``): dx = dout * (1 - out**2). Its own backward, for gradients of
    gradients: d dout = g * (1 - out**2), d out = -2 g dout out."""
    return dout * (1 - out * out), GradOutCache(dout, out)


def tanh_backward_backward(g: Array, cache: GradOutCache) -> tuple[Array | None, Array | None]:
    """The gradients of the upstream gradient and of the output."""
    dout, out = cache
    d_dout = g * (1 - out * out) if needs_input_grad(0) else None
    d_out = -2 * g * dout * out if needs_input_grad(1) else None
    return d_dout, d_out


def tanh_backward_grad(ctx: Any, g: Any) -> tuple[Any, Any]:
    """Differentiable backward: d dout = tanh_backward(g, out), d out = -2 g dout out."""
    dout, out = ctx.inputs
    return (ctx.apply("tanh_backward", g, out) if ctx.needs[0] else None,
            g * dout * out * -2 if ctx.needs[1] else None)


register_op("tanh_backward", tanh_backward_forward, tanh_backward_backward,
            grad=tanh_backward_grad, dtypes=FLOATING)


def sigmoid_forward(x: Array) -> tuple[Array, OutCache]:
    """out = 1 / (1 + e**-x). Backward: dx = dout * out * (1 - out)."""
    with np.errstate(over="ignore"):
        out = 1 / (1 + np.exp(-x))
    return out, OutCache(out)


def sigmoid_backward(dout: Array, cache: OutCache) -> tuple[Array]:
    """d sigma(x)/dx = sigma(x) (1 - sigma(x)), read from the output."""
    return (dout * cache.out * (1 - cache.out),)


def sigmoid_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * s * (1 - s), s = sigmoid(x), as one op of dout
    and the output (``sigmoid_backward``)."""
    return (ctx.apply("sigmoid_backward", dout, ctx.output),)


register_op("sigmoid", sigmoid_forward, sigmoid_backward, grad=sigmoid_grad)


def sigmoid_backward_forward(dout: Array, out: Array) -> tuple[Array, GradOutCache]:
    """sigmoid's backward as an op of the upstream gradient and sigmoid's output (PyTorch's
    ``sigmoid_backward``): dx = dout * out * (1 - out). Its own backward: d dout =
    g * out * (1 - out), d out = g * dout * (1 - 2 out)."""
    return dout * out * (1 - out), GradOutCache(dout, out)


def sigmoid_backward_backward(g: Array, cache: GradOutCache
                              ) -> tuple[Array | None, Array | None]:
    """The gradients of the upstream gradient and of the output."""
    dout, out = cache
    d_dout = g * out * (1 - out) if needs_input_grad(0) else None
    d_out = g * dout * (1 - 2 * out) if needs_input_grad(1) else None
    return d_dout, d_out


def sigmoid_backward_grad(ctx: Any, g: Any) -> tuple[Any, Any]:
    """Differentiable backward: d dout = sigmoid_backward(g, out), d out =
    g * dout * (1 - 2 out)."""
    dout, out = ctx.inputs
    return (ctx.apply("sigmoid_backward", g, out) if ctx.needs[0] else None,
            g * dout * (1 - 2 * out) if ctx.needs[1] else None)


register_op("sigmoid_backward", sigmoid_backward_forward, sigmoid_backward_backward,
            grad=sigmoid_backward_grad, dtypes=FLOATING)


class MaskCache(NamedTuple):
    """Cache holding a boolean mask of where the gradient passes."""

    mask: Array


def _gate(dout: Array, mask: Array) -> Array:
    """dout * mask: the gradient where mask is True, zero elsewhere."""
    if kernels.loop_pays(dout, mask):
        return kernels.gate(dout, mask)
    return dout * mask


def relu_forward(x: Array) -> tuple[Array, MaskCache]:
    """out = max(x, 0). Backward: dx = dout where x > 0, else 0 (also 0 at x == 0).

    As in PyTorch, a NaN input gives a NaN output and lets the gradient through.
    """
    if kernels.loop_pays(x):
        out, mask = kernels.relu(x)
        return out, MaskCache(mask)
    return np.maximum(x, 0), MaskCache(~(x <= 0))


def relu_backward(dout: Array, cache: MaskCache) -> tuple[Array]:
    """ReLU is a gate: the gradient flows only where the input was positive."""
    return (_gate(dout, cache.mask),)


def _positive(x: Any) -> Any:
    """1 where x > 0, else 0, as a flat function of x (``sign`` has derivative 0): the
    gradient stays connected to x, so differentiating it again gives zeros, as in PyTorch,
    rather than "does not require grad"."""
    return x.sign().clamp(min=0)


def relu_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout where x > 0 (the mask is flat: no second term)."""
    return (dout * _positive(ctx.inputs[0]),)


register_op("relu", relu_forward, relu_backward, grad=relu_grad, dtypes=NOT_BOOL)


class SlopeCache(NamedTuple):
    """Cache of ``leaky_relu``: where x > 0 and the slope used elsewhere."""

    mask: Array
    negative_slope: float


def leaky_relu_forward(x: Array, *, negative_slope: float = 0.01) -> tuple[Array, SlopeCache]:
    """out = x if x > 0 else negative_slope * x. Backward: dx = dout * (1 or negative_slope)."""
    mask = x > 0
    return np.where(mask, x, x * negative_slope), SlopeCache(mask, negative_slope)


def leaky_relu_backward(dout: Array, cache: SlopeCache) -> tuple[Array]:
    """A ReLU whose closed gate still lets ``negative_slope`` of the gradient through."""
    return (np.where(cache.mask, dout, dout * cache.negative_slope),)


def leaky_relu_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * (1 where x > 0, else negative_slope), a flat slope."""
    slope = ctx.static.get("negative_slope", 0.01)
    return (dout * (slope + (1 - slope) * _positive(ctx.inputs[0])),)


register_op("leaky_relu", leaky_relu_forward, leaky_relu_backward, grad=leaky_relu_grad,
            dtypes=FLOATING)


class EluCache(NamedTuple):
    """Cache of ``elu``: where x > 0, the input and alpha."""

    mask: Array
    x: Array
    alpha: float


def elu_forward(x: Array, *, alpha: float = 1.0) -> tuple[Array, EluCache]:
    """out = x if x > 0 else alpha * (e**x - 1). Backward: dx = dout * (1 or alpha * e**x)."""
    mask = x > 0
    out = np.where(mask, x, alpha * np.expm1(np.minimum(x, 0)))
    return out, EluCache(mask, x, alpha)


def elu_backward(dout: Array, cache: EluCache) -> tuple[Array]:
    """For x <= 0 the slope is alpha * e**x (from x: out + alpha would lose precision)."""
    slope = cache.alpha * np.exp(np.minimum(cache.x, 0))
    return (np.where(cache.mask, dout, dout * slope),)


def _constant_mask(ctx: Any, mask: Array) -> tuple[Any, Any, Any]:
    """The Tensors a masked formula needs: ``mask`` and 0-d zero and one in x's dtype."""
    dtype = ctx.inputs[0].numpy(force=True).dtype
    return (ctx.const(mask), ctx.const(np.zeros((), dtype)), ctx.const(np.ones((), dtype)))


def elu_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * (1 where x > 0, else alpha * e**x).

    The exp reads x only where x < 0 (elsewhere 0: a large x cannot overflow into a nan
    gradient), so at x == 0 the slope alpha is a constant, as in PyTorch (first derivative
    alpha there, second 0).
    """
    x = ctx.inputs[0]
    xs = x.numpy(force=True)
    positive, zero, one = _constant_mask(ctx, xs > 0)
    negative = ctx.apply("where", ctx.const(xs < 0), x, zero).exp() * ctx.static.get("alpha", 1.0)
    return (dout * ctx.apply("where", positive, one, negative),)


register_op("elu", elu_forward, elu_backward, grad=elu_grad, dtypes=FLOATING)


class GeluCache(NamedTuple):
    """Cache of ``gelu``: the input and which formula was used."""

    x: Array
    approximate: str


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _erf(x: Array) -> Array:
    """The error function via the Numba kernel (contiguous input, shape kept even for 0-d)."""
    return ready(special.erf)(np.ascontiguousarray(x).reshape(x.shape))


def gelu_forward(x: Array, *, approximate: str = "none") -> tuple[Array, GeluCache]:
    """out = x * Phi(x), Phi the standard normal CDF; ``approximate='tanh'`` uses tanh.

    Backward: dx = dout * (Phi(x) + x * phi(x)), phi the normal density.
    """
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x**3)
        out = 0.5 * x * (1 + np.tanh(inner))
    elif approximate == "none":
        out = 0.5 * x * (1 + _erf(x / math.sqrt(2)))
    else:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return out.astype(x.dtype, copy=False), GeluCache(x, approximate)


def gelu_backward(dout: Array, cache: GeluCache) -> tuple[Array]:
    """Product rule on x * Phi(x)."""
    x = cache.x
    if cache.approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
        dinner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x**2)
        return (dout * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner),)
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return (dout * (cdf + x * pdf),)


def gelu_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * (Phi(x) + x phi(x)), or the tanh form's slope."""
    x = ctx.inputs[0]
    if ctx.static.get("approximate", "none") == "tanh":
        t = ((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI).tanh()
        dinner = (x * x * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
        return (dout * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner),)
    cdf = (ctx.apply("erf", x * (1 / math.sqrt(2))) + 1) * 0.5
    pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
    return (dout * (cdf + x * pdf),)


register_op("gelu", gelu_forward, gelu_backward, grad=gelu_grad, dtypes=FLOATING)


class SoftplusCache(NamedTuple):
    """Cache of ``softplus``: input, beta and threshold."""

    x: Array
    beta: float
    threshold: float


def softplus_forward(x: Array, *, beta: float = 1.0, threshold: float = 20.0
                     ) -> tuple[Array, SoftplusCache]:
    """out = log(1 + e**(beta x)) / beta, or x where beta x > threshold (PyTorch's rule).

    Backward: dx = dout * sigmoid(beta x) (1 above the threshold).
    """
    if beta == 0:
        raise ValueError("softplus: beta must not be 0 (the formula divides by beta)")
    bx = beta * x
    out = np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)
    return out.astype(x.dtype, copy=False), SoftplusCache(x, beta, threshold)


def softplus_backward(dout: Array, cache: SoftplusCache) -> tuple[Array]:
    """The derivative of softplus is the sigmoid."""
    bx = cache.beta * cache.x
    with np.errstate(over="ignore"):
        sig = 1 / (1 + np.exp(-bx))
    return (np.where(bx > cache.threshold, dout, dout * sig),)


def softplus_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout * sigmoid(beta x), and dout above the threshold.

    At beta x == threshold the sigmoid reads a constant, as in PyTorch (its second
    derivative there is 0).
    """
    x = ctx.inputs[0]
    beta, threshold = ctx.static.get("beta", 1.0), ctx.static.get("threshold", 20.0)
    bx = beta * x.numpy(force=True)
    above, _, one = _constant_mask(ctx, bx > threshold)
    sig = ctx.apply("where", ctx.const(bx < threshold), x * beta, ctx.const(bx)).sigmoid()
    return (dout * ctx.apply("where", above, one, sig),)


register_op("softplus", softplus_forward, softplus_backward, grad=softplus_grad,
            dtypes=FLOATING)


def clamp_forward(x: Array, *, min: float | None = None, max: float | None = None  # noqa: A002
                  ) -> tuple[Array, MaskCache]:
    """out = min(max(x, min), max). Backward: dx = dout where min <= x <= max, else 0."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' and 'max' must be given")
    out = x
    mask = np.ones(x.shape, dtype=bool)
    if min is not None:
        out = np.maximum(out, np.asarray(min, dtype=x.dtype))
        mask &= x >= min
    if max is not None:
        out = np.minimum(out, np.asarray(max, dtype=x.dtype))
        mask &= x <= max
    return out, MaskCache(mask)


def clamp_backward(dout: Array, cache: MaskCache) -> tuple[Array]:
    """Clamped elements are constant, so their gradient is zero."""
    return (_gate(dout, cache.mask),)


def clamp_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dx = dout where min <= x <= max, else 0 (a flat gate)."""
    x = ctx.inputs[0].numpy(force=True)
    lo, hi = ctx.static.get("min"), ctx.static.get("max")
    mask = np.ones(x.shape, dtype=bool)
    if lo is not None:
        mask &= x >= lo
    if hi is not None:
        mask &= x <= hi
    return (dout * ctx.const(mask.astype(dout.numpy(force=True).dtype)),)


register_op("clamp", clamp_forward, clamp_backward, grad=clamp_grad)


class PickCache(NamedTuple):
    """Cache of ``maximum``/``minimum``: where x wins and where they tie."""

    x_wins: Array
    tie: Array


def maximum_forward(x: Array, y: Array) -> tuple[Array, PickCache]:
    """out = max(x, y) elementwise. Backward: dout goes to the larger; ties split it in half."""
    return np.maximum(x, y), PickCache(x > y, x == y)


def minimum_forward(x: Array, y: Array) -> tuple[Array, PickCache]:
    """out = min(x, y) elementwise. Backward: dout goes to the smaller; ties split it in half."""
    return np.minimum(x, y), PickCache(x < y, x == y)


def pick_backward(dout: Array, cache: PickCache) -> tuple[Array, Array]:
    """Route dout to the input that was picked (half to each on a tie, like PyTorch)."""
    share_x = np.where(cache.tie, 0.5, cache.x_wins.astype(dout.dtype))
    dx = dout * share_x
    return dx, dout - dx


def _pick_grad(x_wins: Any) -> Any:
    def grad(ctx: Any, dout: Any) -> tuple[Any, Any]:
        """Differentiable backward: dout goes to the picked input, half to each on a tie (the
        shares are flat, so the second derivative is only through dout)."""
        x, y = (t.numpy(force=True) for t in ctx.inputs)
        share_x = np.where(x == y, 0.5, x_wins(x, y)).astype(dout.numpy(force=True).dtype)
        dx = dout * ctx.const(share_x)
        return dx, dout - dx
    return grad


register_op("maximum", maximum_forward, pick_backward, grad=_pick_grad(np.greater))
register_op("minimum", minimum_forward, pick_backward, grad=_pick_grad(np.less))


class WhereCache(NamedTuple):
    """Cache of ``where``: the condition."""

    condition: Array


def where_forward(condition: Array, x: Array, y: Array) -> tuple[Array, WhereCache]:
    """out = x where condition else y. Backward: dx = dout * cond, dy = dout * (not cond)."""
    return np.where(condition, x, y), WhereCache(condition)


def where_backward(dout: Array, cache: WhereCache) -> tuple[None, Array, Array]:
    """The condition selects which input each element of dout belongs to."""
    zero = np.zeros((), dtype=dout.dtype)
    return None, np.where(cache.condition, dout, zero), np.where(cache.condition, zero, dout)


def where_grad(ctx: Any, dout: Any) -> tuple[None, Any, Any]:
    """Differentiable backward: dout goes to x where the condition holds, to y elsewhere."""
    condition = ctx.inputs[0]
    zero = ctx.const(np.zeros((), dout.numpy(force=True).dtype))
    return (None, ctx.apply("where", condition, dout, zero),
            ctx.apply("where", condition, zero, dout))


register_op("where", where_forward, where_backward, grad=where_grad)


# ----------------------------------------------------------------------------- comparisons

def _comparison(name: str, ufunc: np.ufunc) -> None:
    def forward(x: Array, y: Array) -> tuple[Array, NoCache]:
        return ufunc(x, y), NO_CACHE

    forward.__doc__ = f"out = x {name} y elementwise, a bool array. Not differentiable."
    register_op(name, forward, None)


for _name, _ufunc in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                      ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)):
    _comparison(_name, _ufunc)


# ----------------------------------------------------------------------------- dtype

class CastCache(NamedTuple):
    """Cache of ``cast``: the input's dtype, to cast the gradient back."""

    dtype: np.dtype[Any]


def cast_forward(x: Array, *, dtype: np.dtype[Any]) -> tuple[Array, CastCache]:
    """out = x converted to ``dtype``. Backward: dout converted back to x's dtype.

    Like PyTorch, a value out of the new type's range converts without a warning (float32
    70000 -> float16 inf).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return x.astype(dtype), CastCache(x.dtype)


def cast_backward(dout: Array, cache: CastCache) -> tuple[Array | None]:
    """Values pass through a cast; only float inputs can receive a gradient."""
    return (dout.astype(cache.dtype) if cache.dtype.kind == "f" else None,)


def cast_grad(ctx: Any, dout: Any) -> tuple[Any]:
    """Differentiable backward: dout, converted back to the input's dtype (by the engine)."""
    return (dout,)


register_op("cast", cast_forward, cast_backward, grad=cast_grad)
