"""Grad mode: whether operations are recorded for backward (``no_grad`` and friends).

The graph is recorded only while grad mode is on and some input requires grad. The mode is
per thread, as in PyTorch.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]


class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Return True when operations are being recorded for backward."""
    return _grad_mode.enabled


class _GradModeContext:
    """Turns recording to ``mode`` inside ``with`` or a decorated function (also bare:
    ``@no_grad`` works like ``@no_grad()``)."""

    mode = True

    def __new__(cls, *args: Any) -> Any:
        self = super().__new__(cls)
        if cls is not set_grad_enabled and args and callable(args[0]):
            return self(args[0])  # used as a bare decorator
        return self

    def __enter__(self) -> None:
        self.prev = _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled = self.prev

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _grad_mode.enabled
            _grad_mode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _grad_mode.enabled = prev

        return wrapper


class set_grad_enabled(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Turn recording on or off: as a call, a context manager or a decorator (PyTorch's API)."""

    def __init__(self, mode: bool) -> None:
        self.prev = _grad_mode.enabled
        self.mode = bool(mode)
        _grad_mode.enabled = self.mode  # a plain call takes effect at once

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        _grad_mode.enabled = self.prev  # used as a decorator: only the function is affected
        return super().__call__(fn)


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Disable graph recording inside a ``with`` block or a decorated function.

    Example:
        >>> import tinygrad_edu as tg
        >>> w = tg.ones(2, requires_grad=True)
        >>> with tg.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    mode = False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Re-enable graph recording inside ``no_grad`` (context manager or decorator)."""

    mode = True
