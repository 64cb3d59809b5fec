"""``nn.utils.parametrize``: a parameter computed from other tensors on every access.

``register_parametrization(module, "weight", P)`` moves ``module.weight`` to
``module.parametrizations.weight.original`` and makes ``module.weight`` a property that
returns ``P(original)``: the optimizer trains ``original``, the layer always sees the
constrained tensor (normalised, symmetric, orthogonal, ...), and gradients flow through ``P``.

How (as in PyTorch): the module's class is swapped for a one-off subclass
``Parametrized<Class>`` that carries the property, so other modules of the same class are
untouched; removing the last parametrization swaps the class back.

If ``P`` has a ``right_inverse(value)`` method it is used to go the other way: at
registration (``original = right_inverse(weight)``) and on assignment
(``module.weight = value``). When it returns a tuple, the originals are ``original0``,
``original1``, ... and ``P.forward`` receives them all (weight norm stores g and v this way).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

from ...autograd import no_grad
from ...tensor import Tensor
from ..layers import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside this block each parametrized tensor is computed once and then reused.

    Useful when a parametrized weight is read many times in one forward pass (an RNN step
    loop). The cache is emptied when the outermost block exits.
    """
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and its original tensor(s).

    ``original`` (or ``original0``, ``original1``, ... when the first parametrization's
    ``right_inverse`` returns a tuple) holds what is trained.
    """

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new = original
            for module in reversed(list(self)):  # without right_inverse: the identity
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new is not original:
                _assign_data(original, new)
            self._store("original", original, original)
        else:
            for i, value in enumerate(new):
                self._store(f"original{i}", original, value.detach())

    def _store(self, name: str, like: Tensor, value: Tensor) -> None:
        """A Parameter if the tensor it replaces was one (keeping requires_grad), else a buffer."""
        if isinstance(like, Parameter):
            if not isinstance(value, Parameter):
                value = Parameter(value, requires_grad=like.requires_grad)
            self.register_parameter(name, value)
        else:
            self.register_buffer(name, value)

    def originals(self) -> list[Tensor]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def right_inverse(self, value: Tensor) -> None:
        """``module.weight = value``: set the originals so that forward() gives ``value``."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                _assign_data(self.original, value)
            else:
                for original, part in zip(self.originals(), value, strict=True):
                    _assign_data(original, part)

    def forward(self) -> Tensor:
        first, *rest = list(self)
        x = first(*self.originals())
        for module in rest:
            x = module(x)
        return x


def _assign_data(target: Tensor, value: Tensor) -> None:
    """Overwrite ``target``'s values in place (same object, so optimizers keep tracking it)."""
    if tuple(value.shape) != tuple(target.shape):
        raise RuntimeError(f"parametrize: right_inverse returned shape {tuple(value.shape)}, "
                           f"but the original tensor has shape {tuple(target.shape)}")
    with no_grad():
        target.copy_(value)


def _inject_new_class(module: Module) -> None:
    """Give ``module`` a private subclass to hang the properties on."""
    cls = module.__class__

    def __setattr__(self: Module, name: str, value: Any) -> None:  # noqa: N807
        if isinstance(value, Parameter) and is_parametrized(self, name):
            raise KeyError(f"attribute '{name}' already exists")
        cls.__setattr__(self, name, value)

    def __getstate__(self: Module) -> Any:  # noqa: N807
        raise RuntimeError("Serialization of parametrized modules is only supported through "
                           "state_dict(): save module.state_dict() and load it into a module "
                           "parametrized the same way")

    def __deepcopy__(self: Module, memo: dict[int, Any]) -> Module:  # noqa: N807
        """copy.deepcopy still works (pickling does not): copy the attributes directly."""
        replica = memo.get(id(self))
        if replica is None:
            replica = object.__new__(type(self))
            memo[id(self)] = replica
            object.__setattr__(replica, "__dict__", copy.deepcopy(self.__dict__, memo))
        return replica

    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,),
                            {"_parametrized_from": cls, "__setattr__": __setattr__,
                             "__getstate__": __getstate__, "__deepcopy__": __deepcopy__})


def _inject_property(module: Module, tensor_name: str) -> None:
    def get_parametrized(self: Module) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_original(self: Module, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has any parametrization (on ``tensor_name``, when given)."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return tensor_name is None or tensor_name in parametrizations


def type_before_parametrizations(module: Module) -> type:
    """The module's class as it was before any parametrization was registered."""
    return getattr(type(module), "_parametrized_from", type(module))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module,
                             *, unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` be computed by ``parametrization`` from its original.

    A second registration on the same tensor is chained after the first. Unless ``unsafe``,
    the parametrized tensor must keep the original's shape and dtype (ValueError otherwise).
    Returns ``module``.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.utils import parametrize
        >>> class Symmetric(tg.nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).transpose(0, 1)
        >>> layer = tg.nn.Linear(3, 3)
        >>> _ = parametrize.register_parametrization(layer, "weight", Symmetric())
        >>> bool((layer.weight == layer.weight.T).all())
        True
    """
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be an nn.Module, "
                        f"got {type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        chain = module.parametrizations[tensor_name]
        before = getattr(module, tensor_name)
        if not unsafe:
            _check_unchanged(before, parametrization(before))
        chain.append(parametrization)
        chain.unsafe = chain.unsafe or unsafe
        return module
    if tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        chain = ParametrizationList([parametrization], original, unsafe=unsafe)
        if not unsafe:
            _check_unchanged(original, chain())
        delattr(module, tensor_name)
        module._non_persistent.discard(tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        module.parametrizations[tensor_name] = chain
        _inject_property(module, tensor_name)
        return module
    raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized "
                     f"element with name '{tensor_name}'")


def _check_unchanged(original: Tensor, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
    if value.dtype != original.dtype:
        raise ValueError("Registering a parametrization may not change the dtype of the "
                         "tensor, unless `unsafe` flag is enabled.\n"
                         f"unparametrized dtype: {original.dtype}\n"
                         f"parametrized dtype: {value.dtype}")
    if tuple(value.shape) != tuple(original.shape):
        raise ValueError("Registering a parametrization may not change the shape of the "
                         "tensor, unless `unsafe` flag is enabled.\n"
                         f"unparametrized shape: {original.shape}\n"
                         f"parametrized shape: {value.shape}")


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``.

    With ``leave_parametrized`` (the default) the tensor keeps its current parametrized value
    (as a plain parameter); otherwise it goes back to the original (only possible when the
    original is one tensor). Returns ``module``.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    chain = module.parametrizations[tensor_name]
    if chain.is_tensor:
        original = chain.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            if tuple(value.shape) == tuple(original.shape):
                _assign_data(original, value)
            else:
                original = _like(original, value)
    elif leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        original = _like(chain.original0, value)
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                         "that is parametrized in terms of a sequence of tensors.")
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not module.parametrizations:
        delattr(module, "parametrizations")
        module.__class__ = type_before_parametrizations(module)
    return module


def _like(original: Tensor, value: Tensor) -> Tensor:
    """``value`` as a fresh Parameter (if ``original`` was one) or a plain tensor."""
    if isinstance(original, Parameter):
        return Parameter(value.detach(), requires_grad=original.requires_grad)
    return value.detach()
