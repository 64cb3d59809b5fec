"""Where a tensor lives: ``device``, ``cpu()``, ``cuda()``, ``is_cuda``, ``get_device()``.

Every tensor lives on the CPU, so these methods answer like a CPU-only PyTorch: ``x.device`` is
``device(type='cpu')``, ``x.is_cuda`` is False, ``x.get_device()`` is -1, ``x.cpu()`` is ``x``
itself, and ``x.cuda()`` (or ``x.to('cuda')``) raises PyTorch's ``AssertionError: Torch not
compiled with CUDA enabled`` with a note that tinygrad_edu runs on the CPU.

``parse_to_args`` reads the three call forms of ``Tensor.to`` / ``Module.to``:
``to(dtype)``, ``to(device, dtype)`` and ``to(other_tensor)`` (plus ``non_blocking`` and
``copy``, positionally or by keyword).
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..device import CPU, CPU_NOTE, check_device, device, is_device_like
from .base import TensorBase

_TO_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format")


def parse_to_args(where: str, args: tuple[Any, ...], kwargs: dict[str, Any]
                  ) -> tuple[Any, bool]:
    """``(dtype or None, copy)`` from the arguments of ``to``; checks the device is the CPU.

    Example: ``to('cpu', tg.float64, False, True)`` gives ``(float64, True)``.
    """
    unknown = sorted(set(kwargs) - set(_TO_KEYWORDS))
    if unknown:
        raise TypeError(f"{where}() got unexpected keyword arguments {unknown}; expected "
                        f"{', '.join(_TO_KEYWORDS)}")
    if kwargs.get("device") is not None:  # None: no move (not the default device)
        check_device(kwargs["device"], where)
    dtype = kwargs.get("dtype")
    flags = []  # positional non_blocking, copy
    for i, arg in enumerate(args):
        if isinstance(arg, bool):
            flags.append(arg)
        elif isinstance(arg, TensorBase):
            dtype = arg.dtype  # the other tensor's dtype (its device is the CPU)
        elif is_device_like(arg) or (isinstance(arg, int) and i == 0):
            check_device(arg, where)
        else:
            dtype = arg
    if len(flags) > 2:
        raise TypeError(f"{where}(): too many positional flags {flags}; expected at most "
                        "non_blocking and copy")
    copy = bool(kwargs.get("copy", flags[1] if len(flags) == 2 else False))
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype, where)
    return dtype, copy


class DeviceMixin(TensorBase):
    """The device queries of a Tensor; everything is on the CPU."""

    @property
    def device(self) -> device:
        """Always ``device(type='cpu')``."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        """Always False: no tensor lives on a GPU here."""
        return False

    @property
    def is_cpu(self) -> bool:
        """Always True."""
        return True

    def get_device(self) -> int:
        """-1, PyTorch's answer for a CPU tensor (a GPU tensor would give its index)."""
        return -1

    def cpu(self, memory_format: Any = None) -> Any:
        """This tensor itself: it is already on the CPU (PyTorch returns ``self`` too)."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """Always an error, as on a CPU-only PyTorch: there is no GPU backend."""
        if isinstance(device, int) and not isinstance(device, bool):
            raise RuntimeError(f"cuda({device}): no accelerator device is available; "
                               f"{CPU_NOTE}")
        check_device("cuda" if device is None else device, "cuda")
        return self

    def is_pinned(self, device: Any = None) -> bool:
        """False: pinned (page-locked) memory only matters for copies to a GPU."""
        return False

    def pin_memory(self, device: Any = None) -> Any:
        """An error, as on a CPU-only PyTorch: pinning needs an accelerator."""
        raise RuntimeError("pin_memory: cannot access accelerator device when none is "
                           f"available; pinned memory only speeds up copies to a GPU. {CPU_NOTE}")
