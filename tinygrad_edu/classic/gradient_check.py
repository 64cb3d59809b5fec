"""Numerical gradients by central differences, the course's way of checking a backward.

Each function perturbs the entries of ``x`` IN PLACE (x[ix] += h, then -h), evaluates ``f``,
and puts the original value back, so ``f`` must read ``x`` afresh on every call (the classic
classifiers do). Use float64 arrays: in float32 the differences drown in rounding.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.gradient_check import eval_numerical_gradient, rel_error
    >>> x = np.array([1.0, 2.0])
    >>> grad = eval_numerical_gradient(lambda x: np.sum(x**2), x, verbose=False)
    >>> bool(rel_error(grad, 2 * x) < 1e-8)
    True
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _checks

Array = NDArray[Any]

__all__ = ["eval_numerical_gradient", "eval_numerical_gradient_array", "grad_check_sparse",
           "rel_error"]


def _check_x(name: str, x: Any) -> Array:
    x = _checks.array(name, "x", x)
    if not x.flags.writeable:
        raise ValueError(f"{name}: x must be writeable: it is perturbed in place")
    return x


def _both_sides(f: Callable[[Array], Any], x: Array, ix: tuple[int, ...], h: float,
                read: Callable[[Any], Any]) -> tuple[Any, Any]:
    """read(f(x)) with x[ix] moved up by h, then down by h; x[ix] is restored even on error."""
    old = x[ix]
    try:
        x[ix] = old + h
        plus = read(f(x))
        x[ix] = old - h
        minus = read(f(x))
    finally:
        x[ix] = old
    return plus, minus


def _copy(value: Any) -> Array:
    return np.array(value, copy=True)


def eval_numerical_gradient(f: Callable[[Array], Any], x: Array, verbose: bool = True,
                            h: float = 1e-5) -> Array:
    """The gradient of a scalar function f at x: (f(x + h e_i) - f(x - h e_i)) / 2h per entry.

    Args:
        f: takes x (the same array, perturbed) and returns a number.
        x: the point, perturbed in place and restored.
        verbose: print every entry's index and derivative, as the course does.
        h: the step.

    Returns:
        An array like x.
    """
    x = _check_x("eval_numerical_gradient", x)
    f(x)  # the course evaluates f once at x first (e.g. to fill caches)
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        plus, minus = _both_sides(f, x, ix, h, float)
        grad[ix] = (plus - minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f: Callable[[Array], Array], x: Array, df: Array,
                                  h: float = 1e-5) -> Array:
    """The gradient of sum(f(x) * df) at x, for an array-valued f (a layer's forward).

    This is what a layer's backward should return for x when its upstream gradient is df.
    """
    x = _check_x("eval_numerical_gradient_array", x)
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        plus, minus = _both_sides(f, x, ix, h, _copy)
        grad[ix] = np.sum((plus - minus) * df) / (2 * h)
    return grad


def grad_check_sparse(f: Callable[[Array], Any], x: Array, analytic_grad: Array,
                      num_checks: int = 10, h: float = 1e-5) -> None:
    """Compare ``analytic_grad`` with central differences at ``num_checks`` random entries.

    The entries are drawn from numpy's global generator (seed it to repeat a check). Prints
    one line per entry: ``numerical: %f analytic: %f, relative error: %e``.
    """
    x = _check_x("grad_check_sparse", x)
    if np.shape(analytic_grad) != x.shape:
        raise ValueError(f"grad_check_sparse: analytic_grad must have x's shape {x.shape}, got "
                         f"{np.shape(analytic_grad)}")
    for _ in range(num_checks):
        ix = tuple(int(np.random.randint(m)) for m in x.shape)
        plus, minus = _both_sides(f, x, ix, h, float)
        numerical, analytic = (plus - minus) / (2 * h), float(analytic_grad[ix])
        denom = abs(numerical) + abs(analytic)
        error = abs(numerical - analytic) / denom if denom else 0.0
        print(f"numerical: {numerical:f} analytic: {analytic:f}, relative error: {error:e}")


def rel_error(x: Any, y: Any) -> float:
    """max |x - y| / max(1e-8, |x| + |y|), elementwise: the course's relative error."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
