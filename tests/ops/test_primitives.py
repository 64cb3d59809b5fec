"""Every primitive's forward/backward pair, called directly on numpy arrays (no Tensors).

This is the course's ``backward_check`` (needle, cs231n): for each differentiable op in
``OPS``, ``OPS[name].forward(*arrays, **static)`` gives ``(out, cache)``, and
``OPS[name].backward(dout, cache)`` with a random ``dout`` must equal the central-difference
gradient of ``sum(forward(*arrays)[0] * dout)``. Along the way: one gradient per array input,
each reducible to its input's shape (binary ops may return the broadcast shape; the engine
sums it back), float64 in and out, a NamedTuple cache holding no Tensors, and no input or
``dout`` modified.

The "two roads" tests check the lesson primitives (softmax, log_softmax, nll_loss) against
autograd through a composite of simpler ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import OPS, apply_op, unbroadcast

EPS = 1e-6
RTOL, ATOL = 1e-6, 1e-6

Case = tuple[tuple[np.ndarray, ...], dict[str, Any]]
Maker = Callable[[np.random.Generator], Case]


# ----------------------------------------------------------------------------- inputs


def n(r: np.random.Generator, *shape: int) -> np.ndarray:
    """Normal float64 values."""
    return np.asarray(r.standard_normal(shape))


def pos(r: np.random.Generator, *shape: int) -> np.ndarray:
    """Positive values in [0.3, 2.5)."""
    return np.asarray(r.uniform(0.3, 2.5, shape))


def away(x: np.ndarray, *points: float, margin: float = 0.05) -> np.ndarray:
    """x with every value at least ``margin`` from each point (kinks)."""
    for p in points:
        d = x - p
        x = np.where(np.abs(d) < margin, p + np.where(d >= 0, 1, -1) * (margin + np.abs(d)), x)
    return x


def distinct(r: np.random.Generator, *shape: int) -> np.ndarray:
    """Values with pairwise gaps of at least 0.05 (no ties for max/min)."""
    size = int(np.prod(shape))
    return r.permutation(np.cumsum(r.uniform(0.05, 1.0, size)) - size / 4).reshape(shape)


def case(*arrays: np.ndarray, **static: Any) -> Case:
    return tuple(np.asarray(a) for a in arrays), static


def _distinct_pair(r: np.random.Generator, a: tuple[int, ...], b: tuple[int, ...]) -> Case:
    while True:
        x, y = n(r, *a), n(r, *b)
        if np.all(np.abs(x - y) > 0.05):
            return case(x, y)


def _binary(y: Callable[..., np.ndarray] = n, x: Callable[..., np.ndarray] = n) -> list[Maker]:
    return [lambda r: case(x(r, 3, 4), y(r, 3, 4)),
            lambda r: case(x(r, 2, 1, 3), y(r, 4, 1)),  # both inputs broadcast
            lambda r: case(x(r), y(r, 2, 3))]  # 0-d against 2-d


def _unary(x: Callable[..., np.ndarray] = n, **static: Any) -> list[Maker]:
    return [lambda r: case(x(r, 3, 4), **static), lambda r: case(x(r), **static),
            lambda r: case(x(r, 2, 3, 2), **static)]


CONV: dict[str, Any] = {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1}
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False,
                                                                          False]])

def _cell(r: np.random.Generator, gates: int, lstm: bool = False) -> list[np.ndarray]:
    """x (N, D), h (N, H) [, c (N, H)], w_ih (G*H, D), w_hh (G*H, H), b_ih, b_hh (G*H,)."""
    states = [n(r, 2, 3)] * (2 if lstm else 1)
    return [n(r, 2, 4), *[s * 0.5 for s in states], n(r, gates * 3, 4) * 0.5,
            n(r, gates * 3, 3) * 0.5, n(r, gates * 3), n(r, gates * 3)]


def _seq(r: np.random.Generator, gates: int, lstm: bool = False) -> list[np.ndarray]:
    """Like ``_cell`` with a time axis: x (T, N, D)."""
    cell = _cell(r, gates, lstm)
    return [n(r, 3, 2, 4), *cell[1:]]


#: Inputs and static arguments per differentiable primitive (several cases each).
CASES: dict[str, list[Maker]] = {
    "add": _binary(),
    "sub": _binary(),
    "mul": _binary(),
    "div": _binary(y=lambda r, *s: away(n(r, *s), 0.0, margin=0.4)),
    "pow": _binary(x=pos, y=lambda r, *s: np.asarray(r.uniform(-2, 2, s))),
    "neg": _unary(),
    "abs": _unary(lambda r, *s: away(n(r, *s), 0.0)),
    "exp": _unary(),
    "log": _unary(pos),
    "sqrt": _unary(pos),
    "sin": _unary(lambda r, *s: 3 * n(r, *s)),
    "cos": _unary(lambda r, *s: 3 * n(r, *s)),
    "tanh": _unary(),
    "sigmoid": _unary(lambda r, *s: 3 * n(r, *s)),
    "relu": _unary(lambda r, *s: away(n(r, *s), 0.0)),
    "leaky_relu": _unary(lambda r, *s: away(n(r, *s), 0.0), negative_slope=0.1),
    "elu": _unary(lambda r, *s: away(n(r, *s), 0.0), alpha=0.7),
    "gelu": [lambda r: case(2 * n(r, 3, 4), approximate="none"),
             lambda r: case(2 * n(r, 5), approximate="tanh")],
    "softplus": _unary(lambda r, *s: away(2 * n(r, *s), 4 / 3), beta=1.5, threshold=2.0)
    + [lambda r: case(3 * n(r, 4, 3))],
    "clamp": [lambda r: case(away(n(r, 3, 4), -0.5, 0.5), min=-0.5, max=0.5),
              lambda r: case(away(n(r, 6), -0.2), min=-0.2),
              lambda r: case(away(n(r, 2, 3), 0.3), max=0.3)],
    "maximum": [lambda r: _distinct_pair(r, (3, 4), (3, 4)),
                lambda r: _distinct_pair(r, (2, 1, 3), (4, 1))],
    "minimum": [lambda r: _distinct_pair(r, (3, 4), (3, 4)),
                lambda r: _distinct_pair(r, (2, 1, 3), (4, 1))],
    "where": [lambda r: case(r.random((3, 4)) < 0.5, n(r, 3, 4), n(r, 3, 4)),
              lambda r: case(r.random((3, 1)) < 0.5, n(r, 1, 4), n(r, 2, 3, 1))],
    "cast": [lambda r: case(n(r, 3, 4), dtype=np.dtype(np.float64))],
    "sum": [lambda r: case(n(r, 2, 3, 4), dim=(0, 2), keepdim=False),
            lambda r: case(n(r, 2, 3, 4), dim=(1,), keepdim=True),
            lambda r: case(n(r, 3, 4), dim=None, keepdim=False),
            lambda r: case(n(r, 3, 4), dim=None, keepdim=True)],
    "amax": [lambda r: case(distinct(r, 2, 3, 4), dim=(1,), keepdim=False),
             lambda r: case(distinct(r, 2, 3, 4), dim=(0, 2), keepdim=True),
             lambda r: case(distinct(r, 3, 4), dim=None, keepdim=False)],
    "amin": [lambda r: case(distinct(r, 2, 3, 4), dim=(2,), keepdim=False),
             lambda r: case(distinct(r, 3, 4), dim=None, keepdim=True)],
    "prod": [lambda r: case(away(n(r, 2, 3, 4), 0.0, margin=0.3), dim=(1,), keepdim=False),
             lambda r: case(away(n(r, 3, 4), 0.0, margin=0.3), dim=None, keepdim=False),
             lambda r: case(np.array([[0.0, 2.0, -1.5], [0.0, 0.0, 3.0], [1.1, 0.7, 2.0]]),
                            dim=(1,), keepdim=True)],
    "take_along_dim": [lambda r: case(n(r, 3, 4), np.array([[0, 0, 3], [1, 1, 1], [2, 0, 2]]),
                                      dim=1),
                       lambda r: case(n(r, 3, 2, 2), np.array([[[2, 2]], [[0, 1]]]).reshape(
                           1, 2, 2), dim=0)],
    "reshape": [lambda r: case(n(r, 2, 3, 4), shape=(4, 6)),
                lambda r: case(n(r, 6), shape=(1, 3, 2))],
    "permute": [lambda r: case(n(r, 2, 3, 4), dims=(2, 0, 1)),
                lambda r: case(n(r, 3, 4), dims=(1, 0))],
    "expand": [lambda r: case(n(r, 3, 1), shape=(2, 3, 4)),
               lambda r: case(n(r), shape=(2, 2))],
    "getitem": [lambda r: case(n(r, 4, 5), key=(slice(1, 3), 0)),
                lambda r: case(n(r, 4, 5), key=np.array([0, 3, 0, 0])),
                lambda r: case(n(r, 3, 4), key=MASK),
                lambda r: case(n(r, 4, 5, 2), key=(Ellipsis, None, 1)),
                lambda r: case(n(r, 4, 5), key=(np.array([1, 1]), np.array([0, 4])))],
    "index_put": [lambda r: case(n(r, 4, 5), n(r, 2, 5), key=(slice(1, 3),)),
                  lambda r: case(n(r, 4, 5), n(r, 5), key=(np.array([0, 2]),)),
                  lambda r: case(n(r, 3, 4), n(r, 6), key=MASK)],
    "cat": [lambda r: case(n(r, 2, 3), n(r, 2, 1), n(r, 2, 4), dim=1),
            lambda r: case(n(r, 1, 3), n(r, 2, 3), dim=0)],
    "pad": [lambda r: case(n(r, 2, 3), pad_width=((1, 0), (0, 2)), value=0.5),
            lambda r: case(n(r, 2, 2, 3), pad_width=((0, 0), (2, 1), (1, 1)), value=0.0)],
    "clone": [lambda r: case(n(r, 3, 4)), lambda r: case(n(r, 4, 3).T)],
    "linear": [lambda r: case(n(r, 3, 4), n(r, 2, 4), n(r, 2)),
               lambda r: case(n(r, 2, 3, 4), n(r, 2, 4), n(r, 2)),
               lambda r: case(n(r, 1, 4), n(r, 3, 4), n(r, 3))],
    "matmul": [lambda r: case(n(r, 3, 4), n(r, 4, 2)),
               lambda r: case(n(r, 4), n(r, 2, 4, 3)),
               lambda r: case(n(r, 2, 3, 4), n(r, 4)),
               lambda r: case(n(r, 4), n(r, 4)),
               lambda r: case(n(r, 2, 1, 3, 4), n(r, 3, 4, 2))],
    "softmax": [lambda r: case(n(r, 3, 4), dim=1), lambda r: case(n(r, 2, 3, 2), dim=0)],
    "log_softmax": [lambda r: case(n(r, 3, 4), dim=1), lambda r: case(n(r, 2, 3, 2), dim=2)],
    # the activations' backward as ops of (upstream gradient, output)
    "tanh_backward": [lambda r: case(n(r, 3, 4), np.tanh(n(r, 3, 4))),
                      lambda r: case(n(r), np.tanh(n(r)))],
    "sigmoid_backward": [lambda r: case(n(r, 2, 3, 2), 1 / (1 + np.exp(-n(r, 2, 3, 2)))),
                         lambda r: case(n(r), 1 / (1 + np.exp(-n(r))))],
    "log_softmax_backward_data": [
        lambda r: case(n(r, 3, 4), np.log(1 / (1 + np.exp(-n(r, 3, 4)))), dim=1),
        lambda r: case(n(r, 2, 3, 2), n(r, 2, 3, 2) - 1.0, dim=0)],
    "nll_loss": [
        lambda r: case(n(r, 4, 3), np.array([0, 2, 2, 1]), pos(r, 3), reduction="mean"),
        lambda r: case(n(r, 4, 3), np.array([0, -100, 2, 1]), pos(r, 3), reduction="sum"),
        lambda r: case(n(r, 3, 4, 2), np.array([[0, 3], [1, 1], [2, 2]]), pos(r, 4),
                       ignore_index=1, reduction="none"),
        lambda r: case(n(r, 5), np.array(3), np.ones(5), reduction="mean"),
    ],
    "binary_cross_entropy": [
        lambda r: case(np.asarray(r.uniform(0.05, 0.95, (3, 4))), np.asarray(r.random((3, 4)))),
        lambda r: case(np.asarray(r.uniform(0.05, 0.95, 5)), (r.random(5) < 0.5).astype(float)),
    ],
    "conv2d": [
        lambda r: case(n(r, 2, 2, 4, 3), n(r, 3, 2, 3, 2), n(r, 3), **CONV),
        lambda r: case(n(r, 1, 4, 4, 5), n(r, 2, 2, 2, 3), np.empty(0),
                       **CONV | {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2),
                                 "groups": 2}),
    ],
    "batch_norm": [
        lambda r: case(n(r, 4, 3, 5), pos(r, 3), n(r, 3), training=True, eps=1e-5),
        lambda r: case(n(r, 3, 2, 2, 3), pos(r, 2), n(r, 2), training=False, eps=1e-5,
                       mean=n(r, 2), var=pos(r, 2)),
    ],
    "layer_norm": [lambda r: case(n(r, 3, 5), pos(r, 5), n(r, 5), eps=1e-5)],
    "dropout": [lambda r: case(n(r, 4, 6), p=0.4),
                lambda r: case(n(r, 2, 3, 2, 2), p=0.5, mask_shape=(2, 3, 1, 1))],
    # (padding_idx is left out: by design its row gets no gradient although the output uses it)
    "embedding": [lambda r: case(np.array([[0, 2, 2], [3, 0, 1]]), n(r, 4, 3), padding_idx=-1)],
    "rnn_tanh_cell": [lambda r: case(*_cell(r, 1))],
    "rnn_relu_cell": [lambda r: case(*_cell(r, 1))],
    "gru_cell": [lambda r: case(*_cell(r, 3))],
    "lstm_cell": [lambda r: case(*_cell(r, 4, lstm=True))],
    "rnn_tanh": [lambda r: case(*_seq(r, 1)), lambda r: case(*_seq(r, 1), reverse=True)],
    "rnn_relu": [lambda r: case(*_seq(r, 1))],
    "gru": [lambda r: case(*_seq(r, 3)), lambda r: case(*_seq(r, 3), reverse=True)],
    "lstm": [lambda r: case(*_seq(r, 4, lstm=True)),
             lambda r: case(*_seq(r, 4, lstm=True), reverse=True)],
    "max_pool2d": [
        lambda r: case(distinct(r, 2, 2, 5, 4), kernel_size=2, stride=2, padding=0, dilation=1,
                       ceil_mode=True),
        lambda r: case(distinct(r, 1, 3, 6, 5), kernel_size=3, stride=(2, 1), padding=1, dilation=1,
                       ceil_mode=False),
    ],
    "avg_pool2d": [
        lambda r: case(n(r, 2, 2, 5, 4), kernel_size=2, stride=2, padding=0, ceil_mode=True,
                       count_include_pad=True, divisor_override=None),
        lambda r: case(n(r, 1, 3, 6, 5), kernel_size=3, stride=2, padding=1, ceil_mode=False,
                       count_include_pad=False, divisor_override=None),
    ],
    "adaptive_avg_pool2d": [lambda r: case(n(r, 2, 2, 5, 7), output_size=(2, 3))],
    "adaptive_max_pool2d": [lambda r: case(distinct(r, 2, 2, 5, 7), output_size=(2, 3))],
    "conv_transpose2d": [
        lambda r: case(n(r, 2, 2, 3, 4), n(r, 2, 3, 2, 2), n(r, 3), **CONV,
                       output_padding=(0, 0)),
        lambda r: case(n(r, 1, 4, 3, 2), n(r, 4, 1, 3, 2), n(r, 2),
                       **CONV | {"stride": (2, 3), "padding": (1, 0), "groups": 2},
                       output_padding=(1, 2)),
    ],
}


# ----------------------------------------------------------------------- math


def _u(lo: float, hi: float) -> Callable[..., np.ndarray]:
    return lambda r, *s: np.asarray(r.uniform(lo, hi, s))


def _off_grid(step: float, scale: float = 3.0, margin: float = 0.05) -> Callable[..., np.ndarray]:
    """Values at least ``margin`` from every multiple of ``step`` (the jumps of rounding)."""
    def make(r: np.random.Generator, *shape: int) -> np.ndarray:
        x = scale * n(r, *shape)
        nearest = np.round(x / step) * step
        d = x - nearest
        return np.where(np.abs(d) < margin, nearest + np.where(d >= 0, 1, -1) * margin, x)

    return make


def _divisor(r: np.random.Generator, *shape: int) -> np.ndarray:
    """+-0.5, +-1 or +-2: with a dividend off the 0.5-grid, x / y stays off whole numbers."""
    return np.asarray(r.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], size=shape))


_NONZERO = lambda r, *s: away(n(r, *s), 0.0, margin=0.3)  # noqa: E731
_HALF_GRID = _off_grid(0.5)

CASES.update({
    "tan": _unary(_u(-1.2, 1.2)),
    "asin": _unary(_u(-0.9, 0.9)),
    "acos": _unary(_u(-0.9, 0.9)),
    "atan": _unary(),
    "sinh": _unary(),
    "cosh": _unary(),
    "asinh": _unary(),
    "acosh": _unary(lambda r, *s: pos(r, *s) + 1.0),
    "atanh": _unary(_u(-0.9, 0.9)),
    "log1p": _unary(_u(-0.7, 3.0)),
    "expm1": _unary(),
    "log2": _unary(pos),
    "log10": _unary(pos),
    "exp2": _unary(),
    "reciprocal": _unary(_NONZERO),
    "rsqrt": _unary(pos),
    "erf": _unary(),
    "erfc": _unary(),
    "erfinv": _unary(_u(-0.95, 0.95)),
    "logit": _unary(_u(0.05, 0.95)) + [lambda r: case(away(r.uniform(0, 1, (3, 4)), 0.2, 0.8),
                                                      eps=0.2)],
    "floor": _unary(_off_grid(1.0)),
    "ceil": _unary(_off_grid(1.0)),
    "trunc": _unary(_off_grid(1.0)),
    "frac": _unary(_off_grid(1.0)),
    "round": _unary(_HALF_GRID) + [lambda r: case(_off_grid(0.05, 1.0, 0.01)(r, 3, 4),
                                                  decimals=1)],
    "sign": _unary(lambda r, *s: away(n(r, *s), 0.0)),
    "floor_divide": _binary(y=_divisor, x=_HALF_GRID),
    "trunc_divide": _binary(y=_divisor, x=_HALF_GRID),
    "remainder": _binary(y=_divisor, x=_HALF_GRID),
    "fmod": _binary(y=_divisor, x=_HALF_GRID),
    "atan2": _binary(y=_NONZERO),
    "hypot": _binary(y=_NONZERO),
    "xlogy": _binary(y=pos),
    "copysign": _binary(y=_NONZERO, x=_NONZERO),
    "fmax": [lambda r: _distinct_pair(r, (3, 4), (3, 4)),
             lambda r: _distinct_pair(r, (2, 1, 3), (4, 1))],
    "fmin": [lambda r: _distinct_pair(r, (3, 4), (3, 4)),
             lambda r: _distinct_pair(r, (2, 1, 3), (4, 1))],
    "lerp": [lambda r: case(n(r, 3, 4), n(r, 3, 4), r.uniform(-0.5, 1.5, (3, 4))),
             lambda r: case(n(r, 2, 1, 3), n(r, 4, 1), r.uniform(0, 1, (1, 3)))],
})


# scans and scatters
_SCATTER_INDEX = np.array([[2, 0, 1, 1], [0, 2, 0, 2]])  # no repeats within a column
_REPEATS = np.array([[0, 1, 1, 2], [0, 1, 1, 0], [2, 1, 0, 0]])


def _reduce_case(r: np.random.Generator, reduce: str, include_self: bool) -> Case:
    """x (3, 4) and src (3, 4) with no value shared between or within them (no max ties)."""
    both = distinct(r, 24)
    return case(both[:12].reshape(3, 4), _REPEATS, both[12:].reshape(3, 4), dim=0,
                reduce=reduce, include_self=include_self)


CASES.update({
    "cumsum": [lambda r: case(n(r, 3, 4), dim=1), lambda r: case(n(r, 2, 3, 2), dim=0)],
    "cumprod": [lambda r: case(n(r, 3, 4), dim=1),
                lambda r: case(np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 2.0, 4.0]]), dim=1),
                lambda r: case(np.array([0.5, 2.0, 0.0, 3.0]), dim=0)],
    "logcumsumexp": [lambda r: case(n(r, 3, 4), dim=1),
                     lambda r: case(300 * n(r, 4, 2), dim=0)],
    "scatter": [lambda r: case(n(r, 3, 4), _SCATTER_INDEX, n(r, 2, 4), dim=0),
                lambda r: case(n(r, 4, 3), _SCATTER_INDEX.T, n(r, 4, 3), dim=1)],
    "scatter_add": [lambda r: case(n(r, 3, 4), _REPEATS, n(r, 3, 4), dim=0),
                    lambda r: case(n(r, 4, 3), _REPEATS.T[:, :2], n(r, 4, 3), dim=-1)],
    "scatter_reduce": [
        lambda r, red=red, k=k: _reduce_case(r, red, k)
        for red in ("sum", "prod", "mean", "amax", "amin") for k in (True, False)],
    # the linear recurrence (forward and reverse, shared links)
    "linear_scan": [lambda r: case(n(r, 3, 3), n(r, 3, 4), dim=1),
                    lambda r: case(n(r, 2, 1), n(r, 3, 2), dim=0, reverse=True),
                    lambda r: case(n(r, 1, 3, 1), n(r, 2, 4, 2), dim=-2)],
})

# --- linear algebra (well-conditioned inputs; distinct eigenvalues and
# singular values, where the eigen- and singular vectors are differentiable)


def _conditioned(r: np.random.Generator, *shape: int) -> np.ndarray:
    return n(r, *shape) + 3 * np.eye(shape[-1])


def _spd(r: np.random.Generator, *shape: int) -> np.ndarray:
    c = _conditioned(r, *shape)
    return c @ np.swapaxes(c, -1, -2)


def _spaced(r: np.random.Generator, batch: tuple[int, ...], k: int, lo: float) -> np.ndarray:
    """``k`` values per matrix from ``lo`` up, at least 0.5 apart."""
    return lo + np.cumsum(r.uniform(0.5, 1.0, (*batch, k)), axis=-1)


def _orthogonal(r: np.random.Generator, batch: tuple[int, ...], m: int) -> np.ndarray:
    return np.linalg.qr(n(r, *batch, m, m))[0]


def _spectrum(r: np.random.Generator, *shape: int) -> np.ndarray:
    """U diag(s) V^T with singular values s from 0.5 up, at least 0.5 apart."""
    batch, (m, k_n) = shape[:-2], shape[-2:]
    k = min(m, k_n)
    u, v = _orthogonal(r, batch, m)[..., :k], _orthogonal(r, batch, k_n)[..., :k]
    return (u * _spaced(r, batch, k, 0.5)[..., None, :]) @ np.swapaxes(v, -1, -2)


def _symmetric(r: np.random.Generator, *shape: int) -> np.ndarray:
    """Q diag(w) Q^T with eigenvalues w from -2 up, at least 0.5 apart."""
    q = _orthogonal(r, shape[:-2], shape[-1])
    w = _spaced(r, shape[:-2], shape[-1], -2.0)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


CASES.update({
    "einsum": [
        lambda r: case(n(r, 2, 3), n(r, 3, 4), inputs=("ij", "jk"), output="ik"),
        lambda r: case(n(r, 3, 3), inputs=("ii",), output=""),
        lambda r: case(n(r, 2, 3, 3), inputs=("bii",), output="bi"),
        lambda r: case(n(r, 2, 3), n(r, 1, 3), inputs=("ij", "ij"), output="ij"),
        lambda r: case(n(r, 2, 3), n(r, 3, 4), n(r, 4), inputs=("ij", "jk", "k"),
                       output="i"),
    ],
    "inv": [lambda r: case(_conditioned(r, 3, 3)), lambda r: case(_conditioned(r, 2, 2, 2))],
    "det": [lambda r: case(_conditioned(r, 3, 3)), lambda r: case(-_conditioned(r, 2, 3, 3)),
            lambda r: case(np.array([[1.0, 2.0], [2.0, 4.0]]))],  # singular: the adjugate
    "logabsdet": [lambda r: case(_conditioned(r, 3, 3)),
                  lambda r: case(-_conditioned(r, 2, 2, 2))],
    "solve": [lambda r: case(_conditioned(r, 3, 3), n(r, 3, 2)),
              lambda r: case(_conditioned(r, 2, 1, 3, 3), n(r, 4, 3, 1))],  # broadcast batch
    "cholesky": [lambda r: case(_spd(r, 3, 3)), lambda r: case(_spd(r, 2, 2, 2))],
    "eigh": [lambda r: case(_symmetric(r, 3, 3)), lambda r: case(_symmetric(r, 2, 3, 3),
                                                                 upper=True)],
    "svd": [lambda r: case(_spectrum(r, 3, 3)), lambda r: case(_spectrum(r, 4, 2)),
            lambda r: case(_spectrum(r, 2, 2, 3))],
    "qr": [lambda r: case(n(r, 3, 3)), lambda r: case(n(r, 2, 4, 2))],
})

CASES.update({  # fold.py: im2col and col2im (conv, pooling, resampling, padding and folding)
    "unfold": [
        lambda r: case(n(r, 2, 3, 4, 5), kernel_size=(2, 3), dilation=1, padding=0, stride=1),
        lambda r: case(n(r, 1, 2, 6, 5), kernel_size=2, dilation=(2, 1), padding=1,
                       stride=(2, 1)),
    ],
    "fold": [
        lambda r: case(n(r, 2, 12, 6), output_size=(3, 4), kernel_size=2, dilation=1,
                       padding=0, stride=1),
        lambda r: case(n(r, 1, 8, 18), output_size=(6, 5), kernel_size=2, dilation=(2, 1),
                       padding=1, stride=(2, 1)),
    ],
})

CASES.update({  # grid.py: grid_sample; positions kept off the kinks
    "grid_sample": [
        lambda r: case(n(r, 2, 2, 3, 4), _grid(r, (2, 3, 2), (4, 3), False), mode="bilinear",
                       padding_mode="zeros", align_corners=False),
        lambda r: case(n(r, 1, 2, 3, 4), _grid(r, (1, 2, 3), (4, 3), True), mode="bicubic",
                       padding_mode="reflection", align_corners=True),
        lambda r: case(n(r, 1, 2, 2, 3, 3), _grid(r, (1, 2, 2, 2), (3, 3, 2), False),
                       mode="bilinear", padding_mode="border", align_corners=False),
    ],
})


CASES.update({  # embedding_bag.py: bags of table rows (offsets mark where each bag starts)
    "embedding_bag": [
        lambda r: case(np.array([0, 2, 2, 3, 1]), np.array([0, 2]), n(r, 4, 3), np.zeros(0),
                       mode="mean"),
        lambda r: case(np.array([0, 2, 2, 3, 1]), np.array([0, 1, 1]), n(r, 4, 3),
                       n(r, 5), mode="sum"),
        lambda r: case(np.array([1, 3, 0, 2]), np.array([0, 2, 4]), n(r, 4, 2), np.zeros(0),
                       mode="max", include_last_offset=True),
    ],
})

# the backwards that became ops (conv2d's weight gradient; the pooling
# scatters and their adjoint gathers, at the argmax / over the windows of a real pooling)
def _pooled(r: np.random.Generator, pool: str, scatter: bool, shape: tuple[int, ...],
            **static: Any) -> Case:
    from tinygrad_edu.ops import pool as pool_ops
    out, cache = getattr(pool_ops, f"{pool}_forward")(distinct(r, *shape), **static)
    saved = ({"argmax": cache.argmax} if pool.endswith("max_pool2d") else
             {"rows": cache.rows, "cols": cache.cols, "divisor": cache.divisor})
    if scatter:
        return case(n(r, *out.shape), x_shape=shape, **saved)
    return case(n(r, *shape), **saved)


def _pool_grad_cases(scatter: bool, kind: str) -> list[Maker]:
    pools = ([("max_pool2d", {"kernel_size": 3, "stride": 1, "padding": 1}),
              ("adaptive_max_pool2d", {"output_size": (2, 3)})] if kind == "max" else
             [("avg_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1,
                              "count_include_pad": False}),
              ("adaptive_avg_pool2d", {"output_size": (2, 3)})])
    return [lambda r, p=p, kw=kw: _pooled(r, p, scatter, (2, 2, 5, 4), **kw) for p, kw in pools]


CASES.update({
    "conv2d_weight": [
        lambda r: case(n(r, 2, 3, 5, 4), n(r, 2, 4, 3, 2), kernel_size=(3, 3), **CONV),
        lambda r: case(n(r, 1, 4, 6, 5), n(r, 1, 2, 4, 1), kernel_size=(2, 3),
                       **CONV | {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2),
                                 "groups": 2}),
    ],
    "max_pool2d_scatter": _pool_grad_cases(True, "max"),
    "max_pool2d_gather": _pool_grad_cases(False, "max"),
    "avg_pool2d_scatter": _pool_grad_cases(True, "avg"),
    "avg_pool2d_gather": _pool_grad_cases(False, "avg"),
})


def _grid(r: np.random.Generator, out_shape: tuple[int, ...], sizes: tuple[int, ...],
          align_corners: bool) -> np.ndarray:
    """A grid (x first) whose pixel positions stay 0.1 away from integers and halves."""
    from catalog.grid import grid_positions
    return np.stack([grid_positions(r, out_shape, s, align_corners) for s in sizes], axis=-1)


#: Ops that read one triangle of a symmetric matrix and return, as PyTorch does, the
#: symmetric gradient G; their derivative with respect to the entries they read is G + G^T
#: off the diagonal (those entries stand for both).
TRIANGLE_READERS = {"cholesky", "eigh"}


def _read_triangle(g: np.ndarray, upper: bool) -> np.ndarray:
    both = g + np.swapaxes(g, -1, -2)
    diag = np.eye(g.shape[-1], dtype=bool)
    out = np.where(diag, g, both)
    return np.triu(out) if upper else np.tril(out)


#: Float inputs that get no gradient by design: (op, input index).
NOT_DIFFERENTIABLE_INPUTS = {("nll_loss", 2)}  # class weights, as in PyTorch

DIFFERENTIABLE = sorted(name for name, op in OPS.items() if op.backward is not None)
NON_DIFFERENTIABLE = sorted(name for name, op in OPS.items() if op.backward is None)

PARAMS = [pytest.param(name, k, id=f"{name}-{k}")
          for name in DIFFERENTIABLE for k in range(len(CASES.get(name, [])))]


# ----------------------------------------------------------------------------- checks


def _contains_tensor(value: Any, depth: int = 0) -> bool:
    if isinstance(value, tg.Tensor):
        return True
    if depth > 5:
        return False
    if isinstance(value, tuple | list):
        return any(_contains_tensor(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_contains_tensor(v, depth + 1) for v in value.values())
    return False


def _forward(name: str, arrays: Any, static: dict[str, Any]) -> Any:
    """The op's forward, with the global generator reset so random ops (dropout) repeat."""
    tg.manual_seed(1234)
    return OPS[name].forward(*arrays, **static)


def _objective(name: str, arrays: list[np.ndarray], static: dict[str, Any],
               dout: np.ndarray) -> float:
    out, _ = _forward(name, arrays, static)
    return float(np.sum(out * dout))


def numerical_grad(name: str, arrays: tuple[np.ndarray, ...], static: dict[str, Any],
                   dout: np.ndarray, i: int) -> np.ndarray:
    """Central difference of sum(forward(*arrays)[0] * dout) with respect to arrays[i]."""
    work = [a.copy() for a in arrays]
    x = work[i]
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + EPS
        plus = _objective(name, work, static, dout)
        x[index] = old - EPS
        minus = _objective(name, work, static, dout)
        x[index] = old
        grad[index] = (plus - minus) / (2 * EPS)
    return grad


def test_every_differentiable_primitive_has_cases() -> None:
    """A new differentiable op needs an entry in CASES (and so a direct backward check)."""
    missing = [name for name in DIFFERENTIABLE if not CASES.get(name)]
    assert not missing, f"differentiable ops without direct backward cases: {missing}"
    unknown = sorted(set(CASES) - set(DIFFERENTIABLE))
    assert not unknown, f"CASES names ops that are not differentiable registered ops: {unknown}"


@pytest.mark.parametrize(("name", "k"), PARAMS)
@pytest.mark.parametrize("seed", [0, 1])
def test_backward_matches_numerical_derivative(name: str, k: int, seed: int) -> None:
    """backward(dout, cache) == d/dx sum(forward(x) * dout), computed by central differences."""
    rng = np.random.default_rng([seed, k, len(name)])
    arrays, static = CASES[name][k](rng)
    before = [a.copy() for a in arrays]
    out, cache = _forward(name, arrays, static)
    out = np.asarray(out)
    for a, b in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=f"{name} forward modified an input")

    assert isinstance(cache, tuple), f"{name}: the cache must be a NamedTuple, got {cache!r}"
    assert hasattr(type(cache), "_fields"), f"{name}: the cache must be a NamedTuple"
    assert not _contains_tensor(tuple(cache)), f"{name}: the cache holds a Tensor: {cache!r}"

    dout = np.asarray(rng.standard_normal(out.shape))
    dout_before = dout.copy()
    grads = OPS[name].backward(dout, cache)
    np.testing.assert_array_equal(dout, dout_before, err_msg=f"{name} backward modified dout")
    for a, b in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=f"{name} backward modified an input")
    assert isinstance(grads, tuple), f"{name}: backward must return a tuple"
    assert len(grads) == len(arrays), (
        f"{name}: backward must return one gradient per array input ({len(arrays)})")

    checked = 0
    for i, (x, g) in enumerate(zip(arrays, grads, strict=True)):
        if x.dtype.kind != "f" or (name, i) in NOT_DIFFERENTIABLE_INPUTS:
            assert g is None, f"{name}: input {i} ({x.dtype}) should get no gradient (None)"
            continue
        if x.size == 0 and g is None:  # an absent optional input (conv bias of shape (0,))
            continue
        assert g is not None, f"{name}: backward returned None for float input {i}"
        g = np.asarray(g)
        assert g.dtype == np.float64, f"{name}: gradient {i} has dtype {g.dtype}"
        assert g.shape in (x.shape, out.shape) or g.ndim >= x.ndim, (
            f"{name}: gradient {i} has shape {g.shape}; input {x.shape}, output {out.shape}")
        reduced = unbroadcast(g, x.shape)
        if name in TRIANGLE_READERS:
            reduced = _read_triangle(reduced, bool(static.get("upper", False)))
        assert reduced.shape == x.shape, (
            f"{name}: gradient {i} of shape {g.shape} does not reduce to the input's {x.shape}")
        expected = numerical_grad(name, arrays, static, dout, i)
        np.testing.assert_allclose(reduced, expected, rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name} gradient of input {i}, static={static}")
        checked += 1
    assert checked, f"{name}: no input was checked"


@pytest.mark.parametrize("name", NON_DIFFERENTIABLE)
def test_non_differentiable_primitives(name: str) -> None:
    """Comparisons and argmax/argmin: forward returns (out, NamedTuple cache), backward is None."""
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, (3, 4)).astype(np.float64)
    arrays = (x,) if name.startswith("arg") else (x, rng.integers(-2, 3, (4,)).astype(float))
    out, cache = OPS[name].forward(*arrays)
    assert isinstance(cache, tuple)
    assert hasattr(type(cache), "_fields")
    assert OPS[name].backward is None
    assert np.asarray(out).dtype.kind in "bi"


def test_cast_backward_returns_the_input_dtype() -> None:
    """float64 -> float32 forward; the float32 dout comes back as float64 unchanged."""
    x = np.random.default_rng(0).standard_normal((3, 2))
    out, cache = OPS["cast"].forward(x, dtype=np.dtype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x.astype(np.float32))
    dout = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
    (dx,) = OPS["cast"].backward(dout, cache)
    assert dx.dtype == np.float64
    np.testing.assert_array_equal(dx, dout.astype(np.float64))
    _, int_cache = OPS["cast"].forward(np.arange(3), dtype=np.dtype(np.float64))
    assert OPS["cast"].backward(np.ones(3), int_cache) == (None,)


# ----------------------------------------------------------------------------- two roads


def _leaf(a: np.ndarray) -> tg.Tensor:
    return tg.from_numpy(a.copy()).requires_grad_(True)


def _grads_of(fn: Callable[..., tg.Tensor], arrays: list[np.ndarray], cot: np.ndarray | None
              ) -> tuple[np.ndarray, list[np.ndarray]]:
    leaves = [_leaf(a) for a in arrays]
    out = fn(*leaves)
    out.backward(None if cot is None else tg.from_numpy(cot))
    return out.detach().numpy(), [t.grad.numpy() for t in leaves]


SHAPE_AND_DIM = hnp.array_shapes(min_dims=1, max_dims=3, max_side=5).flatmap(
    lambda s: st.tuples(st.just(s), st.integers(-len(s), len(s) - 1), st.integers(0, 2**32 - 1)))


@given(SHAPE_AND_DIM)
def test_two_roads_log_softmax(spec: tuple[tuple[int, ...], int, int]) -> None:
    """The log_softmax primitive equals autograd through x - logsumexp(x, dim, keepdim=True)."""
    shape, dim, seed = spec
    rng = np.random.default_rng(seed)
    x, cot = 2 * rng.standard_normal(shape), rng.standard_normal(shape)
    out1, (g1,) = _grads_of(lambda t: t.log_softmax(dim), [x], cot)
    out2, (g2,) = _grads_of(lambda t: t - t.logsumexp(dim, keepdim=True), [x], cot)
    np.testing.assert_allclose(out1, out2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)


@given(SHAPE_AND_DIM)
def test_two_roads_softmax(spec: tuple[tuple[int, ...], int, int]) -> None:
    """The softmax primitive equals autograd through exp(x) / exp(x).sum(dim, keepdim=True)."""
    shape, dim, seed = spec
    rng = np.random.default_rng(seed)
    x, cot = 2 * rng.standard_normal(shape), rng.standard_normal(shape)
    out1, (g1,) = _grads_of(lambda t: t.softmax(dim), [x], cot)
    out2, (g2,) = _grads_of(lambda t: t.exp() / t.exp().sum(dim, keepdim=True), [x], cot)
    np.testing.assert_allclose(out1, out2, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)


@given(st.integers(1, 6), st.integers(1, 5), st.booleans(), st.booleans(),
       st.integers(0, 2**32 - 1))
def test_two_roads_cross_entropy(n: int, c: int, weighted: bool, ignore: bool, seed: int
                                 ) -> None:
    """nll_loss(log_softmax(x)) (both primitives) equals a composite built on take_along_dim.

    The composite: logp = x - logsumexp(x); pick logp[i, t_i] with take_along_dim; weighted
    mean over the targets that are not ignored.
    """
    rng = np.random.default_rng(seed)
    x = 3 * rng.standard_normal((n, c))
    t = rng.integers(0, c, n)
    if ignore:
        t[rng.random(n) < 0.4] = -100
        t[0] = max(t[0], 0)  # one counted target keeps the mean defined
    w = rng.uniform(0.2, 2.0, c) if weighted else np.ones(c)
    w_t = np.where(t >= 0, w[np.clip(t, 0, None)], 0.0)

    def by_primitives(xt: tg.Tensor) -> tg.Tensor:
        weight = tg.from_numpy(w) if weighted else None
        return F.nll_loss(xt.log_softmax(1), tg.from_numpy(t), weight=weight)

    def by_composite(xt: tg.Tensor) -> tg.Tensor:
        logp = xt - xt.logsumexp(1, keepdim=True)
        index = tg.from_numpy(np.clip(t, 0, None).reshape(n, 1))
        picked = apply_op("take_along_dim", logp, index, dim=1).reshape(n)
        return -(picked * tg.from_numpy(w_t)).sum() / float(w_t.sum())

    out1, (g1,) = _grads_of(by_primitives, [x], None)
    out2, (g2,) = _grads_of(by_composite, [x], None)
    np.testing.assert_allclose(out1, out2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)
    out3, (g3,) = _grads_of(lambda xt: F.cross_entropy(
        xt, tg.from_numpy(t), weight=tg.from_numpy(w) if weighted else None), [x], None)
    np.testing.assert_allclose(out3, out1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g3, g1, rtol=1e-12, atol=1e-12)
