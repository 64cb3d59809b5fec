"""The front door of a public function: bad input is reported in the user's terms.

A function such as ``F.mse_loss`` is made of smaller ops (``sub``, ``pow``, ``mean``). When a
user passes it tensors of the wrong shape, the error comes from ``sub``, deep inside, and a
message that starts with "sub:" leaves the user guessing which of their calls went wrong.
``front_door(fn)`` wraps a public function so that

- every argument annotated ``Tensor`` (or ``Tensor | None``) is checked first: anything else is
  PyTorch's TypeError, naming the function, the argument and the type it got;
- an error raised inside keeps its type and traceback, and its message starts with the
  function's name: ``mse_loss: sub: the size of tensor a (3) must match ...``.

The wrapper adds no work on the good path beyond an ``isinstance`` per tensor argument.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from .base import TensorBase

_TENSOR = {"Tensor": False, "Tensor | None": True, "Optional[Tensor]": True}
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_MISSING = object()


def tensor_parameters(fn: Callable[..., Any], skip: int = 0
                      ) -> list[tuple[int | None, str, bool]]:
    """(position or None, name, may be None) of each parameter annotated as a Tensor; ``skip``
    leading parameters are not counted (1 for ``self`` of a method taken from its class)."""
    found = []
    for i, p in enumerate(list(inspect.signature(fn).parameters.values())[skip:]):
        annotation = p.annotation if isinstance(p.annotation, str) else ""
        if annotation in _TENSOR:
            found.append((i if p.kind in _POSITIONAL else None, p.name, _TENSOR[annotation]))
    return found


def check_tensor_arguments(tensors: list[tuple[int | None, str, bool]], args: tuple[Any, ...],
                           kwargs: dict[str, Any], name: str) -> None:
    """PyTorch's TypeError for the first argument of ``tensors`` that is not a Tensor."""
    for position, arg, optional in tensors:
        given = position is not None and len(args) > position
        value = args[position] if given else kwargs.get(arg, _MISSING)  # type: ignore[index]
        if value is _MISSING or (value is None and optional):
            continue
        if not isinstance(value, TensorBase):
            raise TypeError(f"{name}(): argument '{arg}' must be a Tensor, not "
                            f"{type(value).__name__}")


def name_the_function(exc: BaseException, name: str) -> None:
    """Start ``exc``'s message with ``name`` (in place: its type and traceback stay)."""
    message = str(exc.args[0]) if exc.args else ""
    if not message.startswith(name) and not message.startswith(f"{name}()"):
        exc.args = (f"{name}: {message}", *exc.args[1:])


def front_door(fn: Callable[..., Any], name: str | None = None, check_tensors: bool = True,
               rename: bool = True) -> Callable[..., Any]:
    """``fn`` with its Tensor arguments checked and its errors naming it (see the module).

    ``check_tensors=False`` leaves the arguments to ``fn`` (``tg.sin([1.0, 2.0])`` converts
    a list of numbers itself); ``rename=False`` leaves the messages of its errors as they are.
    """
    name = name or fn.__name__
    tensors = tensor_parameters(fn) if check_tensors else []
    # the usual call passes its Tensors by position and no keywords (or every Tensor parameter
    # by position): check just the values given, and leave naming the first wrong one to
    # ``check_tensor_arguments``
    positional = tuple((p, optional) for p, _, optional in tensors if p is not None)
    reach = -1 if len(positional) < len(tensors) else max((p for p, _ in positional),
                                                          default=-1) + 1

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        given = len(args)
        if not kwargs or 0 <= reach <= given:
            for position, optional in positional:
                if position >= given:
                    break
                value = args[position]
                if not isinstance(value, TensorBase) and (value is not None or not optional):
                    check_tensor_arguments(tensors, args, kwargs, name)
        else:
            check_tensor_arguments(tensors, args, kwargs, name)
        try:
            return fn(*args, **kwargs)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            if rename:
                name_the_function(exc, name)
            raise

    return call
