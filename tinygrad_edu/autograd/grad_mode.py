"""Grad mode: whether operations are recorded for backward (``no_grad`` and friends).

The graph is recorded only while grad mode is on and some input requires grad. The mode is
per thread, as in PyTorch.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
           "no_grad", "set_grad_enabled"]


class _GradMode(threading.local):
    enabled = True
    inference = False  # inside inference_mode(): tensors made here are inference tensors


_grad_mode = _GradMode()


class _InferenceSeen:
    """Set for good once any thread enters inference mode: from then on the engine looks for
    inference tensors among the arrays an op saves (``graph._recorded``)."""

    seen = False


INFERENCE_SEEN = _InferenceSeen()


def is_grad_enabled() -> bool:
    """Return True when operations are being recorded for backward."""
    return _grad_mode.enabled


def is_inference_mode_enabled() -> bool:
    """Return True inside ``inference_mode()``."""
    return _grad_mode.inference


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

    def __repr__(self) -> str:
        return f"{type(self).__module__}.set_grad_enabled(mode={self.mode})"

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


class inference_mode(_GradModeContext):  # noqa: N801 - PyTorch's name
    """``no_grad`` for code that will never need gradients (evaluation, serving).

    Nothing is recorded inside, and the tensors made inside are *inference tensors*
    (``t.is_inference()``). PyTorch uses that promise to skip bookkeeping; here it is the same
    as ``no_grad`` apart from the flag. ``inference_mode(False)`` switches it off inside
    (and turns grad mode on).
    Context manager or decorator (also bare: ``@inference_mode``).

    Example:
        >>> import tinygrad_edu as tg
        >>> w = tg.ones(2, requires_grad=True)
        >>> with tg.inference_mode():
        ...     y = w * 2
        >>> y.requires_grad, y.is_inference()
        (False, True)
    """

    inference = True  # (a bare @inference_mode decorates before __init__ runs)

    def __init__(self, mode: bool = True) -> None:
        self.inference = bool(mode)

    @property
    def mode(self) -> bool:  # type: ignore[override]
        """Grad mode inside: off in inference mode, on with ``inference_mode(False)`` (as in
        PyTorch, where the guard sets grad mode to ``not mode``)."""
        return not self.inference

    def __enter__(self) -> None:
        self.prev_inference = _grad_mode.inference
        super().__enter__()
        _grad_mode.inference = self.inference
        if self.inference:
            INFERENCE_SEEN.seen = True

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        _grad_mode.inference = self.prev_inference

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(self.inference):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self) -> inference_mode:
        """A new context with the same mode (PyTorch's)."""
        return inference_mode(self.inference)
