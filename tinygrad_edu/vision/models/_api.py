"""The model registry and the weights enums of ``torchvision.models``, without downloads.

torchvision's builders take ``weights=`` (an enum member such as
``ResNet18_Weights.IMAGENET1K_V1``, or its name as a string) and download the file. The
enums exist here so that tutorial code importing them runs; any ``weights`` other than
``None`` (and the old ``pretrained=True``) raises ``WeightsUnavailableError``, which says
how to load weights you already have.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["Weights", "WeightsEnum", "WeightsUnavailableError", "get_model",
           "get_model_builder", "get_model_weights", "get_weight", "list_models"]


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights were asked for; tinygrad_edu never downloads them."""


@dataclass(frozen=True)
class Weights:
    """Where torchvision's pretrained weights live and what they are (for messages)."""

    url: str
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


class WeightsEnum(Enum):
    """Base of the ``<Model>_Weights`` enums; ``DEFAULT`` is the recommended member."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``obj`` as a member of this enum (a member or its name); None stays None."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            try:
                return cls[obj.replace(cls.__name__ + ".", "")]
            except KeyError:
                raise ValueError(f"Failed to find Weights {obj} in {cls.__name__}. Try one "
                                 f"of {list(cls.__members__)}") from None
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but "
                        f"received {type(obj).__name__}.")

    @property
    def url(self) -> str:
        return self.value.url  # type: ignore[no-any-return]

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta  # type: ignore[no-any-return]

    def get_state_dict(self, *args: Any, **kwargs: Any) -> Any:
        raise _unavailable(self)


def _unavailable(weights: Any) -> WeightsUnavailableError:
    url = getattr(weights, "url", None)
    where = f" (torchvision downloads them from {url})" if url else ""
    return WeightsUnavailableError(
        f"weights={weights!s} asks for pretrained weights{where}, and tinygrad_edu never "
        f"downloads anything. Build the model with weights=None and load weights you already "
        f"have with model.load_state_dict(state_dict): the parameter names are "
        f"torchvision's, and the values may be numpy arrays (e.g. a torch state dict "
        f"converted with {{k: v.numpy() for k, v in sd.items()}} in a process that has "
        f"torch).")


def resolve_weights(weights: Any, enum: type[WeightsEnum], kwargs: dict[str, Any]) -> None:
    """Refuse any pretrained weights (``weights`` or the old ``pretrained=True``).

    ``pretrained`` is removed from ``kwargs`` with torchvision's deprecation warning.
    """
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed "
                      "in the future, please use 'weights' instead.", UserWarning, stacklevel=3)
        if pretrained:
            weights = enum["DEFAULT"] if weights is None else weights
    if weights is not None:
        raise _unavailable(enum.verify(weights))


BUILTIN_MODELS: dict[str, Callable[..., Any]] = {}


def register_model(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: list a builder under its function name (``get_model`` finds it)."""
    BUILTIN_MODELS[fn.__name__] = fn
    return fn


def list_models(module: Any = None, include: Any = None, exclude: Any = None) -> list[str]:
    """The names of the registered builders, sorted (filters by fnmatch patterns)."""
    import fnmatch

    names = sorted(BUILTIN_MODELS)
    if include is not None:
        patterns = [include] if isinstance(include, str) else list(include)
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)]
    if exclude is not None:
        patterns = [exclude] if isinstance(exclude, str) else list(exclude)
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in patterns)]
    return names


def get_model_builder(name: str) -> Callable[..., Any]:
    """The builder registered as ``name``."""
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name: str, **config: Any) -> Any:
    """Build the model registered as ``name`` with ``config`` (e.g. ``num_classes=10``)."""
    return get_model_builder(name)(**config)


def get_model_weights(name: Any) -> type[WeightsEnum]:
    """The weights enum of a builder (given by name or as the function)."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    return fn.weights_enum  # type: ignore[attr-defined,union-attr,no-any-return]


def get_weight(name: str) -> WeightsEnum:
    """The enum member named like ``"ResNet18_Weights.IMAGENET1K_V1"``."""
    enum_name, _, member = name.partition(".")
    for fn in BUILTIN_MODELS.values():
        enum = fn.weights_enum  # type: ignore[attr-defined]
        if enum.__name__ == enum_name:
            return enum.verify(member)  # type: ignore[no-any-return]
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be "
                     f"retrieved.")
