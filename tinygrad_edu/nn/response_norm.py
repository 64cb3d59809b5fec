"""Local response normalisation across channels: ``LocalResponseNorm`` and the legacy
``CrossMapLRN2d`` (AlexNet's normalisation, before batch norm took over)."""

from __future__ import annotations

import numpy as np

from ..checks import FLOATING_CHECKED, check_dtypes, check_scalar
from ..tensor import Tensor
from ..tensor.convert import check_tensor
from ..tensor.einsum import einsum
from . import functional as F
from .module import Module

__all__ = ["CrossMapLRN2d", "LocalResponseNorm"]


class LocalResponseNorm(Module):
    """Normalise each channel by the energy of its ``size`` neighbouring channels.

    b[n, c] = a[n, c] / (k + alpha / size * sum over the window of a[n, c']^2) ** beta,
    the window of ``size`` channels around c (zero-padded at the ends).

    Args:
        size: number of neighbouring channels in the window.
        alpha: multiplicative factor (default 1e-4).
        beta: exponent (default 0.75).
        k: additive factor (default 1.0).

    Shape:
        input (N, C, *) with at least one spatial dim -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> lrn = tg.nn.LocalResponseNorm(2)
        >>> lrn
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
        >>> lrn(tg.randn(1, 4, 3, 3)).shape
        torch.Size([1, 4, 3, 3])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
                 ) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def cross_map_window(channels: int, size: int) -> np.ndarray:
    """The (C, C) 0/1 matrix of which channels' squares enter each channel's scale.

    This is the window PyTorch's legacy ``CrossMapLRN2d`` forward builds with a running
    sum: start with channels [0, pre_pad), add channel c + pre_pad - 1 and drop channel
    c - pre_pad as c moves on, with pre_pad = (size - 1) // 2 + 1. Its drop condition
    (c > pre_pad) never drops channel 0, so for C > pre_pad + 1 the window is NOT the
    symmetric one of ``LocalResponseNorm``; we reproduce it as it is.
    """
    pre_pad = int((size - 1) / 2 + 1)
    window = np.zeros((channels, channels))
    window[0, :min(pre_pad, channels)] = 1
    for c in range(1, channels):
        window[c] = window[c - 1]
        if c < channels - pre_pad + 1:
            window[c, c + pre_pad - 1] += 1
        if c > pre_pad:
            window[c, c - pre_pad] -= 1
    return window


class CrossMapLRN2d(Module):
    """PyTorch's legacy (Lua Torch) local response normalisation of (N, C, H, W) inputs.

    y[n, c] = x[n, c] * (k + alpha / size * sum of x[n, c']^2 over c' in the window of c)
    ** -beta, with the window of ``cross_map_window`` (PyTorch's running-sum window, which
    differs from ``LocalResponseNorm``'s; prefer that layer in new code). The forward
    matches PyTorch's; the gradient is the true derivative of this forward (PyTorch's
    hand-written backward is not: ``torch.autograd.gradcheck`` fails on it).

    Args:
        size, alpha, beta, k: as in ``LocalResponseNorm`` (k's default is the int 1).

    Shape:
        input (N, C, H, W) -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.CrossMapLRN2d(3)
        CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1
                 ) -> None:
        super().__init__()
        for arg, value in (("size", size), ("alpha", alpha), ("beta", beta), ("k", k)):
            check_scalar(value, arg, "CrossMapLRN2d")
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        check_tensor(input, "CrossMapLRN2d")
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D "
                             "instead.")
        check_dtypes("CrossMapLRN2d", FLOATING_CHECKED, input)  # the output has its dtype
        window = Tensor(cross_map_window(input.shape[1], self.size).astype(input.dtype))
        energy = einsum("cd,ndhw->nchw", window, input.square())
        return input * (energy * (self.alpha / self.size) + self.k).pow(-self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
