"""``tg.accelerator``: PyTorch's device-neutral probes, answered like a CPU-only build.

Newer tutorials pick a device with
``device = tg.accelerator.current_accelerator().type if tg.accelerator.is_available() else "cpu"``;
here ``is_available()`` is False and ``current_accelerator()`` None, so that picks the CPU.
"""

from __future__ import annotations

from typing import Any

from .device import CPU_NOTE


def _none_available(name: str) -> RuntimeError:
    return RuntimeError(f"accelerator.{name}: cannot access accelerator device when none is "
                        f"available; {CPU_NOTE}")


def is_available() -> bool:
    """Always False: tinygrad_edu computes on the CPU."""
    return False


def current_accelerator(check_available: bool = False) -> None:
    """None: there is no accelerator (PyTorch's CPU build answers None too)."""
    return None


def device_count() -> int:
    """Always 0."""
    return 0


def current_device_index() -> int:
    """An error: there is no accelerator device."""
    raise _none_available("current_device_index")


def set_device_index(device: Any) -> None:
    """An error: there is no accelerator device."""
    raise _none_available("set_device_index")


def synchronize(device: Any = None) -> None:
    """An error: there is no accelerator device to wait for."""
    raise _none_available("synchronize")
