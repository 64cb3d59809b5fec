"""Weight initialisation (``torch.nn.init``): in place, seeded by ``tg.manual_seed``.

The idea to teach: keep each layer's output variance near its input's. For a layer with
``fan_in`` inputs, weights of variance ``gain**2 / fan_in`` do that (Kaiming/He); Xavier/Glorot
averages fan_in and fan_out so that the backward pass is balanced too.

Each function computes its bounds with PyTorch's formulas, in the same order of floating-point
steps, and draws with ``uniform_``/``normal_``, so after the same ``manual_seed`` the weights
equal PyTorch's (``orthogonal_`` to rounding: its QR factorisation is numpy's).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..random import Generator
from ..tensor import Tensor, creation

__all__ = [
    "calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_",
    "normal_", "ones_", "orthogonal_", "sparse_", "trunc_normal_", "uniform_", "xavier_normal_",
    "xavier_uniform_", "zeros_",
    # deprecated spellings
    "constant", "dirac", "eye", "kaiming_normal", "kaiming_uniform", "normal", "orthogonal",
    "sparse", "uniform", "xavier_normal", "xavier_uniform",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which a nonlinearity shrinks the standard deviation, to undo in init.

    Example:
        >>> round(calculate_gain("relu"), 4)
        1.4142
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, int | float):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _check(tensor: Any, name: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor to fill in place, got "
                        f"{type(tensor).__name__}")


def _fans(tensor: Tensor, name: str) -> tuple[int, int]:
    """(fan_in, fan_out): inputs and outputs per weight, counting the receptive field."""
    _check(tensor, name)
    if tensor.ndim < 2:
        raise ValueError(f"{name}: fan in and fan out can not be computed for a tensor with "
                         f"fewer than 2 dimensions (got shape {tensor.shape})")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with U(a, b)."""
    _check(tensor, "uniform_")
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std**2)."""
    _check(tensor, "normal_")
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: Any) -> Tensor:
    """Fill with ``val``."""
    _check(tensor, "constant_")
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity matrix (ones on the diagonal, zeros elsewhere).

    A Linear layer so initialised passes its input through unchanged (where it fits).
    """
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape "
                         f"{tensor.shape}")
    with no_grad():
        return tensor.copy_(creation.eye(*tensor.shape, dtype=tensor.dtype))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-d convolution weight with the Dirac delta (an identity convolution).

    Output channel d of each of the ``groups`` groups copies input channel d through a
    kernel that is 1 at its centre and 0 elsewhere, so the convolution returns its input
    (for the first min(out_channels / groups, in_channels) channels of each group).
    """
    _check(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got "
                         f"shape {tensor.shape}")
    out_channels, in_channels = tensor.shape[0], tensor.shape[1]
    if out_channels % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got {out_channels} and "
                         f"groups={groups}")
    per_group = out_channels // groups
    centre = tuple(k // 2 for k in tensor.shape[2:])
    values = np.zeros(tensor.shape, dtype=tensor.dtype)
    for g in range(groups):
        for d in range(min(per_group, in_channels)):
            values[(g * per_group + d, d, *centre)] = 1
    with no_grad():
        return tensor.copy_(creation.tensor(values))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: Generator | None = None) -> Tensor:
    """A sparse 2-d matrix (Martens, 2010): N(0, std**2) values, then in every column
    ceil(sparsity * rows) randomly chosen entries set to zero.

    The zeroed rows of each column come from ``randperm`` on the default generator (as in
    PyTorch, where ``generator`` only drives the normal draw), so a seed gives torch's values.
    """
    _check(tensor, "sparse_")
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape "
                         f"{tensor.shape}")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        values = tensor.numpy().copy()
        for col in range(cols):
            values[creation.randperm(rows).numpy()[:num_zeros], col] = 0
        return tensor.copy_(creation.tensor(values))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """U(-a, a) with a = sqrt(3) * gain * sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    if fan_in + fan_out == 0:
        return tensor  # an empty tensor: nothing to initialise
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # PyTorch's order of steps, so the float32 bound is the same
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    if fan_in + fan_out == 0:
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str, name: str
                 ) -> float | None:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode {mode!r} not supported, please use one of fan_in, "
                         "fan_out")
    fan_in, fan_out = _fans(tensor, name)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        return None  # an empty tensor: nothing to initialise
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """N(0, std**2) with std = gain / sqrt(fan) (He et al., 2015)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """N(mean, std**2) truncated to [a, b]: values outside are drawn again.

    Two samplers, as in PyTorch: when [a, b] holds more than 30% of the mass, draw normals and
    redraw (a whole fresh tensor each round) where a value fell outside; otherwise draw
    uniforms on [a, b] and accept each with probability pdf(x) / pdf(mode) (rejection).
    """
    _check(tensor, "trunc_normal_")
    if std <= 0:
        raise ValueError(f"trunc_normal_: std must be positive, got {std}")
    with no_grad():
        mass = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
        draw = creation.empty(*tensor.shape, dtype=tensor.dtype)
        if mass > 0.3:
            values = _redraw_outside(tensor, draw, mean, std, a, b, generator)
        else:
            values = _rejection(tensor, draw, mean, std, a, b, generator)
        return tensor.copy_(creation.tensor(values))


def _redraw_outside(tensor: Tensor, draw: Tensor, mean: float, std: float, a: float, b: float,
                    generator: Generator | None) -> np.ndarray:
    lo, hi = tensor.dtype.type(a), tensor.dtype.type(b)  # the bounds in the tensor's dtype
    values = tensor.normal_(mean, std, generator=generator).detach().numpy().copy()
    while True:
        outside = (values < lo) | (values > hi)
        if not outside.any():
            return values
        values = np.where(outside, draw.normal_(mean, std, generator=generator).numpy(), values)


def _rejection(tensor: Tensor, draw: Tensor, mean: float, std: float, a: float, b: float,
               generator: Generator | None) -> np.ndarray:
    dt = tensor.dtype.type
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def log_ratio(x: np.ndarray) -> np.ndarray:  # log(pdf(x) / pdf(mode)), in the dtype
        return ((x - dt(mean)) / dt(std)) ** 2 * dt(-0.5) - dt(log_peak)

    def rejected(x: np.ndarray) -> np.ndarray:
        return np.log(draw.uniform_(generator=generator).numpy()) > log_ratio(x)

    values = tensor.uniform_(a, b, generator=generator).detach().numpy().copy()
    pending = rejected(values)
    while pending.any():
        candidates = draw.uniform_(a, b, generator=generator).numpy().copy()
        values = np.where(pending, candidates, values)
        pending = np.where(pending, rejected(candidates), pending)
    return values


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None
                ) -> Tensor:
    """A (semi-)orthogonal matrix: Q of the QR factorisation of a standard normal matrix.

    The rows (or columns, whichever are fewer) are orthonormal; the signs of R's diagonal
    are moved into Q so that Q is uniformly distributed (Mezzadri, 2007). Draws as PyTorch;
    the factorisation is numpy's, so values agree with PyTorch's to rounding.
    """
    _check(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError("orthogonal_: only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = creation.empty(rows, cols, dtype=tensor.dtype).normal_(0, 1, generator=generator)
    matrix = flat.numpy() if rows >= cols else flat.numpy().T
    q, r = np.linalg.qr(matrix)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    with no_grad():
        return tensor.copy_(creation.tensor((q * gain).astype(tensor.dtype).reshape(tensor.shape)))


# ----------------------------------------------------------------------------- old names
# PyTorch's deprecated spellings without the trailing underscore: they warn and call the
# in-place function.

def _deprecated(fn: Any) -> Any:
    new, old = fn.__name__, fn.__name__[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.",
                      FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old
    deprecated_init.__doc__ = f"{old}(...): deprecated, use ``nn.init.{new}``."
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
sparse = _deprecated(sparse_)
orthogonal = _deprecated(orthogonal_)
