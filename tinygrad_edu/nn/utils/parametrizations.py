"""``nn.utils.parametrizations``: weight norm and spectral norm as parametrizations.

The newer API over ``nn.utils.parametrize``: ``module.weight`` becomes a property computed
from ``module.parametrizations.weight.original0`` / ``original1`` (weight norm: g and v) or
``.original`` (spectral norm, whose power-iteration vectors are the buffers ``_u`` and ``_v``
of the parametrization module). See ``weight_norm.py`` and ``spectral_norm.py`` for the math.
"""

from __future__ import annotations

from ...autograd import no_grad
from ...tensor import Tensor, creation
from ..module import Module
from . import parametrize
from .spectral_norm import default_dim, normalize_array, reshape_to_matrix
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    """forward(g, v) = g * v / ||v||; right_inverse(w) = (||w||, w)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight normalisation of ``module.<name>`` as a parametrization.

    ``parametrizations.<name>.original0`` is g (the lengths), ``original1`` is v.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.utils.parametrizations import weight_norm
        >>> m = weight_norm(tg.nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape
        torch.Size([40, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """forward(w) = w / sigma(w), sigma by power iteration on the buffers ``_u``, ``_v``."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        ndim = weight.ndim
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps, self.n_power_iterations = eps, n_power_iterations
        if ndim > 1:
            h, w = reshape_to_matrix(weight.detach().numpy(), self.dim).shape
            u = creation.empty(h, dtype=weight.dtype).normal_(0, 1).numpy()
            v = creation.empty(w, dtype=weight.dtype).normal_(0, 1).numpy()
            self.register_buffer("_u", creation.tensor(normalize_array(u, eps)))
            self.register_buffer("_v", creation.tensor(normalize_array(v, eps)))
            self._power_method(weight, 15)  # start from a good estimate

    def _power_method(self, weight: Tensor, n: int) -> None:
        """n steps u <- normalize(W v), v <- normalize(W^T u), written into the buffers."""
        w = reshape_to_matrix(weight.detach().numpy(), self.dim)
        u, v = self._u.numpy(), self._v.numpy()
        for _ in range(n):
            u = normalize_array(w @ v, self.eps)
            v = normalize_array(w.T @ u, self.eps)
        with no_grad():
            self._u.copy_(creation.tensor(u.astype(self._u.dtype)))
            self._v.copy_(creation.tensor(v.astype(self._v.dtype)))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / weight.norm().clamp(min=self.eps)  # F.normalize(w, dim=0)
        if self.training:
            self._power_method(weight, self.n_power_iterations)
        u, v = self._u.detach(), self._v.detach()
        sigma = (u * (reshape_to_matrix(weight, self.dim) @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Spectral normalisation of ``module.<name>`` as a parametrization.

    At registration u and v are drawn and refined by 15 power-iteration steps; every training
    forward pass then does ``n_power_iterations`` more.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    dim = default_dim(module) if dim is None else dim
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
