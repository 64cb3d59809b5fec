"""Devices: ``tg.device`` and the checks that keep every tensor on the CPU.

tinygrad_edu computes with numpy and Numba on the CPU, so it answers like a CPU-only build of
PyTorch: ``tg.device('cuda')`` can be *named* (the idiom
``device = tg.device("cuda" if tg.cuda.is_available() else "cpu")`` needs that), but putting a
tensor or a module there raises the error PyTorch raises on such a build (``AssertionError:
Torch not compiled with CUDA enabled``), with a note saying that this build runs on the CPU.

Factories without a ``device=`` argument use the default device: the CPU, unless
``tg.set_default_device`` or a ``with tg.device(...):`` block names another one (then, as in
PyTorch, creating a tensor there fails).

Example:
    >>> import tinygrad_edu as tg
    >>> tg.device("cpu")
    device(type='cpu')
    >>> str(tg.device("cpu", 0))
    'cpu:0'
    >>> tg.zeros(2).device.type
    'cpu'
"""

from __future__ import annotations

import re
from typing import Any

# the device types PyTorch's parser knows, in its order (its error message lists them)
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")
# accelerators whose missing support PyTorch reports with an AssertionError
_COMPILED_WITH = {"cuda": "CUDA", "xpu": "XPU"}
_DEVICE_STRING = re.compile(r"([a-z]+)(?::(0|[1-9][0-9]*))?")
CPU_NOTE = "tinygrad_edu runs on the CPU only (tg.cuda.is_available() is False); use 'cpu'"


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor lives: a type (``'cpu'``, ``'cuda'``, ...) and an optional index.

    ``device('cpu')``, ``device('cpu', 0)``, ``device('cuda:1')`` and ``device(other_device)``
    are accepted, as in PyTorch. Two devices are equal when type and index are equal; a device
    never equals a string (``tg.device('cpu') == 'cpu'`` is False in PyTorch too; compare
    ``d.type == 'cpu'``).
    """

    __slots__ = ("_index", "_type")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            self._type, self._index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError(f"device({type}): a bare index means an accelerator device, and "
                               f"none is available; {CPU_NOTE}")
        if not isinstance(type, str):
            raise TypeError(f"device(): argument 'type' must be a str or a device, not "
                            f"{_type_name(type)}")
        self._type, parsed = _parse(type)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{_type_name(index)}")
            if parsed is not None:
                raise RuntimeError(f"device(): type (string) must not include an index because "
                                   f"index was passed explicitly: {type}")
            if index < 0:
                raise RuntimeError(f"device(): device index must not be negative, got {index}")
            parsed = index
        self._index = parsed

    @property
    def type(self) -> str:
        """The device type, e.g. ``'cpu'``."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index, or None when none was given."""
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (str(self),))

    def __enter__(self) -> device:
        """``with tg.device('cpu'):`` makes this the default device of factory functions."""
        _CONTEXT.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _CONTEXT.pop()


def _type_name(value: object) -> str:
    """The type name used in PyTorch-style argument errors."""
    return value.__class__.__name__


def _parse(text: str) -> tuple[str, int | None]:
    """``'cuda:1'`` -> ``('cuda', 1)``; PyTorch's errors for strings it can't read."""
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise RuntimeError(f"device(): Invalid device string: {text!r}; expected a type such "
                           "as 'cpu', optionally with an index: 'cpu:0'")
    name, index = match.group(1), match.group(2)
    if name not in DEVICE_TYPES:
        raise RuntimeError(f"device(): Expected one of {', '.join(DEVICE_TYPES)} device type "
                           f"at start of device string: {text}")
    return name, None if index is None else int(index)


CPU = device("cpu")
_DEFAULT = [CPU]  # set_default_device's choice
_CONTEXT: list[device] = []  # the devices of open ``with tg.device(...)`` blocks


def set_default_device(dev: Any) -> None:
    """Where factories (``tg.zeros``, ``nn.Linear``...) put new tensors; None means the CPU.

    Any device may be named, as in PyTorch; creating a tensor on a GPU then fails.
    """
    _DEFAULT[0] = CPU if dev is None else device(dev)


def get_default_device() -> device:
    """The device new tensors go to (the innermost ``with tg.device(...)`` block wins)."""
    current = _CONTEXT[-1] if _CONTEXT else _DEFAULT[0]
    if current.index is None and current.type != "cpu":
        check_device(current, "get_default_device")  # as in PyTorch: no such device here
    return current


def check_device(dev: Any, where: str) -> device:
    """The CPU device for ``None``, ``'cpu'``, ``'cpu:0'`` or ``device('cpu')``.

    ``None`` means the default device (``set_default_device``, ``with tg.device(...)``).

    Any other device is a clear error naming ``where`` (the op that was asked): a CUDA or XPU
    device raises ``AssertionError`` (what a CPU-only PyTorch raises), other devices
    ``RuntimeError``.
    """
    if dev is None:
        dev = _CONTEXT[-1] if _CONTEXT else _DEFAULT[0]
    if isinstance(dev, device) and dev._type == "cpu":
        return dev
    d = dev if isinstance(dev, device) else device(dev)
    if d.type == "cpu":
        return d
    if d.type in _COMPILED_WITH:
        raise AssertionError(f"{where}: Torch not compiled with {_COMPILED_WITH[d.type]} enabled:"
                             f" tinygrad_edu runs on the CPU only, so it can't use device "
                             f"{str(d)!r} (tg.cuda.is_available() is False); use 'cpu'")
    raise RuntimeError(f"{where}: tinygrad_edu is not linked with support for {d.type} "
                       f"devices; it runs on the CPU only, use 'cpu'")


def is_device_like(arg: Any) -> bool:
    """True for what ``Tensor.to`` / ``Module.to`` read as a device: a str or a device."""
    return isinstance(arg, str | device)
