"""``nn.utils.spectral_norm``: divide a weight by its largest singular value (the old API).

Spectral normalisation (Miyato et al., 2018) keeps a layer 1-Lipschitz: ``w = w_orig / sigma``
with sigma = the largest singular value of ``w_orig`` seen as a (rows, everything else)
matrix W. sigma is estimated by power iteration, one step per training forward pass, from
vectors ``u`` and ``v`` kept between calls:

    v <- normalize(W^T u),   u <- normalize(W v),   sigma = u . (W v)

u and v are treated as constants (no gradient); the gradient reaches W through ``W v`` in
sigma. The old API keeps ``weight_orig`` (the parameter) and buffers ``weight_u`` and
``weight_v``, and recomputes ``module.weight`` in a forward pre-hook.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor, creation
from ..module import Module, Parameter

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


def normalize_array(x: np.ndarray, eps: float) -> np.ndarray:
    """x / max(||x||, eps), as ``F.normalize(x, dim=0, eps=eps)``."""
    return x / max(float(np.linalg.norm(x)), eps)


def reshape_to_matrix(weight: Any, dim: int) -> Any:
    """The weight as a (size of ``dim``, everything else) matrix (Tensor or ndarray)."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim]) \
            if isinstance(weight, Tensor) else np.moveaxis(weight, dim, 0)
    return weight.reshape(weight.shape[0], -1)


def default_dim(module: Module) -> int:
    """0, or 1 for a transposed convolution (whose weight is (in, out, ...))."""
    return 1 if any(c.__name__.startswith("ConvTranspose") for c in type(module).__mro__) else 0


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name> = <name>_orig / sigma``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim, self.n_power_iterations, self.eps = name, dim, \
            n_power_iterations, eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        if do_power_iteration:
            w = reshape_to_matrix(weight.detach().numpy(), self.dim)
            uu, vv = u.numpy(), v.numpy()
            for _ in range(self.n_power_iterations):
                vv = normalize_array(w.T @ uu, self.eps)
                uu = normalize_array(w @ vv, self.eps)
            with no_grad():  # in place, as PyTorch's out=: the buffers carry over
                u.copy_(creation.tensor(uu.astype(u.dtype)))
                v.copy_(creation.tensor(vv.astype(v.dtype)))
        sigma = (u.detach() * (reshape_to_matrix(weight, self.dim) @ v.detach())).sum()
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        del module._parameters[self.name + "_orig"]
        del module._buffers[self.name + "_u"]
        del module._buffers[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name,
                self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float
              ) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        h, w = reshape_to_matrix(weight.detach().numpy(), dim).shape
        # two draws from the default generator, u first, as PyTorch does
        u = creation.empty(h, dtype=weight.dtype).normal_(0, 1).numpy()
        v = creation.empty(w, dtype=weight.dtype).normal_(0, 1).numpy()
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", creation.tensor(normalize_array(u, eps)))
        module.register_buffer(name + "_v", creation.tensor(normalize_array(v, eps)))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm before every forward pass.

    Args:
        module: the layer.
        name: the parameter to normalise.
        n_power_iterations: power-iteration steps per training forward pass.
        eps: the smallest norm divided by when normalising u and v.
        dim: the dimension of the rows of the matrix (default 0, or 1 for ConvTranspose).

    Example:
        >>> import tinygrad_edu as tg
        >>> m = tg.nn.utils.spectral_norm(tg.nn.Linear(20, 40))
        >>> m.weight_u.shape, m.weight_v.shape
        (torch.Size([40]), torch.Size([20]))
    """
    SpectralNorm.apply(module, name, n_power_iterations,
                       default_dim(module) if dim is None else dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``spectral_norm``: ``module.<name>`` becomes a plain parameter (its last value)."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
