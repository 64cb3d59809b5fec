"""``tg.cuda``: the probes course code runs before choosing a device, answered like a CPU-only
PyTorch (there is no GPU backend here).

``is_available()`` is False and ``device_count()`` 0, so the idiom
``device = tg.device("cuda" if tg.cuda.is_available() else "cpu")`` picks the CPU. Seeding and
memory queries are harmless no-ops (PyTorch's CPU build answers them the same way); asking
about an actual GPU raises PyTorch's ``AssertionError: Torch not compiled with CUDA enabled``.

Example:
    >>> import tinygrad_edu as tg
    >>> tg.cuda.is_available(), tg.cuda.device_count()
    (False, 0)
"""

from __future__ import annotations

from typing import Any

from .device import CPU_NOTE


def _no_cuda(name: str) -> AssertionError:
    return AssertionError(f"cuda.{name}: Torch not compiled with CUDA enabled: {CPU_NOTE}")


def is_available() -> bool:
    """Always False: tinygrad_edu computes on the CPU."""
    return False


def device_count() -> int:
    """Always 0."""
    return 0


def is_initialized() -> bool:
    """Always False: there is no CUDA to initialise."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Always False (no GPU)."""
    return False


def manual_seed(seed: int) -> None:
    """Does nothing: there is no GPU generator (``tg.manual_seed`` seeds the CPU one)."""
    int(seed)  # a bad seed still fails here, as in PyTorch


def manual_seed_all(seed: int) -> None:
    """Does nothing: there is no GPU generator."""
    int(seed)


def seed() -> None:
    """Does nothing: there is no GPU generator."""


def seed_all() -> None:
    """Does nothing: there is no GPU generator."""


def empty_cache() -> None:
    """Does nothing: there is no GPU memory to release."""


def memory_allocated(device: Any = None) -> int:
    """0 bytes: nothing lives on a GPU."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """0 bytes: nothing lives on a GPU."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """0 bytes: nothing lives on a GPU."""
    return 0


def current_device() -> int:
    """An error: there is no current GPU."""
    raise _no_cuda("current_device")


def get_device_name(device: Any = None) -> str:
    """An error: there is no GPU to name."""
    raise _no_cuda("get_device_name")


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """An error: there is no GPU."""
    raise _no_cuda("get_device_capability")


def get_device_properties(device: Any = None) -> Any:
    """An error: there is no GPU."""
    raise _no_cuda("get_device_properties")


def synchronize(device: Any = None) -> None:
    """An error: there is no GPU stream to wait for."""
    raise _no_cuda("synchronize")


def initial_seed() -> int:
    """An error: there is no GPU generator."""
    raise _no_cuda("initial_seed")
