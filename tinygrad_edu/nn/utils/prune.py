"""``nn.utils.prune``: zero out a layer's least important weights, and keep them at zero.

Pruning (LeCun's "optimal brain damage", Han et al.'s "deep compression", the lottery ticket
hypothesis) removes weights that matter little: the smallest in magnitude
(``l1_unstructured``), random ones (``random_unstructured``), or whole rows/channels with the
smallest norm (``ln_structured``, ``random_structured``), in one tensor or across several
(``global_unstructured``).

How a pruned parameter is stored (PyTorch's layout, so state dicts move between the two):

- ``<name>_orig``: the parameter, still trained (its pruned entries get gradients but are
  masked out of every forward);
- ``<name>_mask``: a buffer of 0s and 1s (the parameter's dtype);
- ``<name>``: a plain attribute ``<name>_orig * <name>_mask``, recomputed by a forward
  pre-hook before every call.

Pruning the same tensor again prunes among the entries that are still alive (a
``PruningContainer`` remembers the sequence); ``remove`` makes the pruning permanent:
``<name>`` becomes an ordinary parameter holding the masked values.

Example:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn.utils import prune
    >>> layer = tg.nn.Linear(4, 2)
    >>> with tg.no_grad():
    ...     _ = layer.weight.copy_(tg.tensor([[1., -2., 3., -4.], [5., -6., 7., -8.]]))
    >>> _ = prune.l1_unstructured(layer, "weight", amount=0.5)  # the 4 smallest |w| go
    >>> layer.weight  # as in torch, a pruned negative weight is -0.
    tensor([[ 0., -0.,  0., -0.],
            [ 5., -6.,  7., -8.]], grad_fn=<MulBackward0>)
    >>> sorted(name for name, _ in layer.named_buffers())
    ['weight_mask']
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor
from ...tensor.creation import rand
from ..module import Module
from .clip_grad import parameters_to_vector

__all__ = ["BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured", "LnStructured",
           "PruningContainer", "RandomStructured", "RandomUnstructured", "custom_from_mask",
           "global_unstructured", "identity", "is_pruned", "l1_unstructured", "ln_structured",
           "random_structured", "random_unstructured", "remove"]


class BasePruningMethod:
    """A pruning rule: ``compute_mask`` says which entries survive; the rest is bookkeeping.

    An instance is also the forward pre-hook of the module it prunes: before each call it
    sets ``module.<name> = module.<name>_orig * module.<name>_mask``.
    """

    PRUNING_TYPE = "unstructured"  # or "structured" (whole slices along dim), "global"
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))  # type: ignore[arg-type]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The new mask for importance scores ``t``, keeping ``default_mask``'s zeros."""
        raise NotImplementedError(f"{type(self).__name__} must implement compute_mask")

    def apply_mask(self, module: Module) -> Tensor:
        """``<name>_orig * <name>_mask``: the pruned tensor (gradients reach ``_orig``)."""
        if self._tensor_name is None:
            raise AttributeError(f"Module {type(module).__name__} has to be pruned")
        return (getattr(module, self._tensor_name + "_orig")
                * getattr(module, self._tensor_name + "_mask"))

    @classmethod
    def apply(cls, module: Module, name: str, *args: Any,
              importance_scores: Tensor | None = None, **kwargs: Any) -> BasePruningMethod:
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)`` and install the hook."""
        method = _compose(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        scores = orig if importance_scores is None else importance_scores
        if tuple(scores.shape) != tuple(orig.shape):
            raise AssertionError(f"importance_scores should have the same shape as parameter "
                                 f"{name} of {module}, got {scores.shape} vs {orig.shape}")
        first = not isinstance(method, PruningContainer)
        if first:  # move the parameter to <name>_orig
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = Tensor(np.ones(orig.shape, dtype=orig.numpy(force=True).dtype))
        else:
            default_mask = Tensor(getattr(module, name + "_mask").numpy(force=True).copy())
        try:
            mask = method.compute_mask(scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first:  # roll back: the module is left as it was
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
            raise
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None,
              importance_scores: Tensor | None = None) -> Tensor:
        """``t`` times the mask this rule computes for it (no module involved)."""
        scores = t if importance_scores is None else importance_scores
        if tuple(scores.shape) != tuple(t.shape):
            raise AssertionError(f"importance_scores should have the same shape as tensor t, "
                                 f"got {scores.shape} vs {t.shape}")
        if default_mask is None:
            default_mask = Tensor(np.ones(t.shape, dtype=t.numpy(force=True).dtype))
        return t * self.compute_mask(scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` becomes a parameter with the masked values."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be "
                                 "removed")
        name = self._tensor_name
        with no_grad():
            weight = self.apply_mask(module).numpy(force=True).copy()
        module.__dict__.pop(name, None)
        orig = module._parameters.pop(name + "_orig")
        with no_grad(), orig.mutate() as data:
            data[...] = weight
        del module._buffers[name + "_mask"]
        module.register_parameter(name, orig)


class PruningContainer(BasePruningMethod):
    """The sequence of rules applied to one tensor (iterative pruning).

    Each new rule sees only what is still alive: for an unstructured rule, the entries the
    mask keeps (raveled); for a structured one, the slices along its ``dim`` that still have
    a nonzero entry; for a global one, everything.
    """

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(methods) == 1:
            self._tensor_name = methods[0]._tensor_name
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Any:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: int) -> BasePruningMethod:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        method = self._pruning_methods[-1]
        mask = default_mask.numpy(force=True).astype(t.numpy(force=True).dtype, copy=True)
        alive: Any
        if method.PRUNING_TYPE == "unstructured":
            alive = mask == 1
        elif method.PRUNING_TYPE == "structured":
            dim = method.dim % t.ndim  # type: ignore[attr-defined]
            others = tuple(d for d in range(t.ndim) if d != dim)
            alive = [slice(None)] * t.ndim
            alive[dim] = mask.sum(axis=others) != 0
            alive = tuple(alive)
        elif method.PRUNING_TYPE == "global":
            alive = (slice(None),) * t.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        part = method.compute_mask(Tensor(t.numpy(force=True)[alive]),
                                   default_mask=Tensor(mask[alive]))
        mask[alive] = part.numpy(force=True)
        return Tensor(mask)


class Identity(BasePruningMethod):
    """Prunes nothing: installs the reparametrization with a mask of ones."""

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prune ``amount`` entries (a count, or a fraction of the tensor) chosen at random.

    The draws are torch's: ``rand_like(t)``, and the entries with the largest draws go.
    """

    def __init__(self, amount: float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        k = _count(self.amount, t.numel())
        mask = default_mask.numpy(force=True).copy()
        if k:
            draws = rand(*t.shape, dtype=t.dtype).numpy().ravel()
            mask.reshape(-1)[_top(draws, k, largest=True)] = 0
        return Tensor(mask)

    @classmethod
    def apply(cls, module: Module, name: str, amount: float  # type: ignore[override]
              ) -> BasePruningMethod:
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prune the ``amount`` entries (a count, or a fraction) of smallest magnitude."""

    def __init__(self, amount: float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        k = _count(self.amount, t.numel())
        mask = default_mask.numpy(force=True).copy()
        if k:
            mask.reshape(-1)[_top(np.abs(t.numpy(force=True)).ravel(), k, largest=False)] = 0
        return Tensor(mask)

    @classmethod
    def apply(cls, module: Module, name: str, amount: float,  # type: ignore[override]
              importance_scores: Tensor | None = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prune ``amount`` whole slices along ``dim`` (e.g. output channels), chosen at random.

    torch's draws: ``rand(channels)``; the slices whose draw is at most the k-th smallest go.
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: float, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount, self.dim = amount, dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _check_structured(t, self.dim)
        channels = t.shape[self.dim]
        k = _count(self.amount, channels)
        if not k:
            return default_mask
        draws = rand(channels).numpy()
        keep = draws > np.sort(draws)[k - 1]
        return Tensor(_slice_mask(t, self.dim, keep) * default_mask.numpy(force=True))

    @classmethod
    def apply(cls, module: Module, name: str, amount: float,  # type: ignore[override]
              dim: int = -1) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prune the ``amount`` slices along ``dim`` with the smallest ``n``-norm.

    ``n`` is a norm order as in ``torch.norm``: 1, 2, ``float('inf')``, ``'fro'``, ...
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: float, n: Any, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _check_structured(t, self.dim)
        channels = t.shape[self.dim]
        k = _count(self.amount, channels)
        if not k:
            return default_mask
        keep = np.zeros(channels, dtype=bool)
        keep[_top(_slice_norms(t.numpy(force=True), self.n, self.dim), channels - k,
                  largest=True)] = True
        return Tensor(_slice_mask(t, self.dim, keep) * default_mask.numpy(force=True))

    @classmethod
    def apply(cls, module: Module, name: str, amount: float, n: Any,  # type: ignore[override]
              dim: int, importance_scores: Tensor | None = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prune with a mask you give (0 = pruned), on top of any earlier pruning."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise AssertionError(f"default_mask shape {default_mask.shape} must match "
                                 f"self.mask shape {self.mask.shape}")
        base = default_mask.numpy(force=True)
        return Tensor(base * np.asarray(self.mask.numpy(force=True), dtype=base.dtype))

    @classmethod
    def apply(cls, module: Module, name: str, mask: Tensor  # type: ignore[override]
              ) -> BasePruningMethod:
        return super().apply(module, name, mask=mask)


# ----------------------------------------------------------------------------- functions

def identity(module: Module, name: str) -> Module:
    """Install the pruning reparametrization without pruning anything."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: float) -> Module:
    """Prune ``amount`` random entries of ``module.<name>``."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: float,
                    importance_scores: Tensor | None = None) -> Module:
    """Prune the ``amount`` entries of ``module.<name>`` with the smallest ``|w|`` (or score)."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: float, dim: int) -> Module:
    """Prune ``amount`` random slices of ``module.<name>`` along ``dim``."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: float, n: Any, dim: int,
                  importance_scores: Tensor | None = None) -> Module:
    """Prune the ``amount`` slices of ``module.<name>`` along ``dim`` of smallest n-norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters: Iterable[tuple[Module, str]], pruning_method: type,
                        importance_scores: dict[Any, Tensor] | None = None,
                        **kwargs: Any) -> None:
    """Prune across several tensors at once: e.g. the 20% smallest weights of a whole network.

    All the listed tensors are raveled into one vector, ``pruning_method(**kwargs)`` (an
    unstructured rule) computes one mask for it, and each tensor gets its part of that mask
    with ``custom_from_mask``.
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = {} if importance_scores is None else importance_scores
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = parameters_to_vector([importance_scores.get((m, n), getattr(m, n))
                                   for m, n in parameters])
    masks = [getattr(m, n + "_mask", None) for m, n in parameters]
    default = parameters_to_vector([Tensor(np.ones(getattr(m, n).shape))
                                    if mask is None else mask
                                    for (m, n), mask in zip(parameters, masks, strict=True)])
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f"Found method {pruning_method} of type {method.PRUNING_TYPE}")
    method._tensor_name = "temp"
    container = PruningContainer(method)
    final = container.compute_mask(scores.detach(), default.detach()).numpy()
    start = 0
    for module, name in parameters:
        shape = getattr(module, name).shape
        size = int(np.prod(shape))
        custom_from_mask(module, name, Tensor(final[start:start + size].reshape(shape)))
        start += size


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    """Prune ``module.<name>`` where ``mask`` is 0."""
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent and drop ``_orig``, ``_mask`` and the hook.

    Raises:
        ValueError: ``module.<name>`` is not pruned.
    """
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     "can be removed")


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or any submodule has a pruning hook."""
    return any(isinstance(hook, BasePruningMethod)
               for sub in module.modules() for hook in sub._forward_pre_hooks.values())


# ----------------------------------------------------------------------------- helpers

def _compose(cls: type, module: Module, name: str, *args: Any, **kwargs: Any
             ) -> BasePruningMethod:
    """The new rule, merged with the tensor's earlier pruning into a container if any."""
    old = [(key, hook) for key, hook in module._forward_pre_hooks.items()
           if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]
    if len(old) > 1:
        raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor {name} of "
                             f"module {module}. Use a PruningContainer.")
    for key, _ in old:
        del module._forward_pre_hooks[key]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if not old:
        return method
    previous = old[0][1]
    if not isinstance(previous, PruningContainer):
        previous = PruningContainer(previous)
    previous.add_pruning_method(method)
    return previous


def _check_amount(amount: Any) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    integral = isinstance(amount, numbers.Integral)
    if (integral and amount < 0) or (not integral and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")


def _count(amount: Any, size: int) -> int:
    """How many to prune: an int is a count, a float a fraction (rounded half to even)."""
    k = amount if isinstance(amount, numbers.Integral) else round(amount * size)
    if isinstance(amount, numbers.Integral) and amount > size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to "
                         f"prune={size}")
    return int(k)


def _check_structured(t: Tensor, dim: int) -> None:
    if t.ndim <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. "
                         f"Found tensor of shape {t.shape} with {t.ndim} dims")
    if dim >= t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _top(values: np.ndarray, k: int, largest: bool) -> np.ndarray:
    """Indices of the k largest (or smallest) values; among equal values, the first ones in
    memory order (torch leaves the choice among ties unspecified)."""
    order = np.argsort(-values if largest else values, kind="stable")
    return order[:k]


def _slice_mask(t: Tensor, dim: int, keep: np.ndarray) -> np.ndarray:
    """A 0/1 array shaped like ``t`` that is 1 on the slices along ``dim`` where ``keep``."""
    shape = [1] * t.ndim
    shape[dim] = len(keep)
    return np.broadcast_to(keep.reshape(shape), t.shape).astype(t.numpy(force=True).dtype)


def _slice_norms(t: np.ndarray, n: Any, dim: int) -> np.ndarray:
    """The n-norm of each slice of ``t`` along ``dim`` (over all the other dimensions)."""
    dim = dim % t.ndim
    flat = np.abs(np.moveaxis(t, dim, 0).reshape(t.shape[dim], -1))
    if n == "fro" or n == 2:
        return np.sqrt(np.sum(flat * flat, axis=1))
    if n == np.inf:
        return flat.max(axis=1)
    if n == -np.inf:
        return flat.min(axis=1)
    if n == 0:
        return np.count_nonzero(flat, axis=1).astype(t.dtype)
    return np.sum(flat**n, axis=1) ** (1.0 / n)


