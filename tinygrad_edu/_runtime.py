"""Process settings that make the numeric libraries underneath cooperate; applied on import.

Three libraries share a laptop's cores and memory here: Numba's threads, OpenBLAS's threads
(numpy's BLAS) and glibc's malloc. Their defaults suit a program that uses only one of them:

- Numba's OpenMP threads, and OpenBLAS's, busy-wait after each parallel region, taking the
  cores the other library's next kernel needs (``OMP_WAIT_POLICY``,
  ``OPENBLAS_THREAD_TIMEOUT``; both are read when the library loads, so they are set as
  defaults before numpy and Numba start, and only take effect if tinygrad_edu is imported
  first; the user's own environment wins).
- glibc serves a large array (e.g. an LSTM's 4 MB gates) with a fresh ``mmap`` and returns it
  to the system when freed, so the next step's array of the same size page-faults all over
  again: measured 3 ms of a 21 ms LSTM training step. ``tune_malloc`` keeps freed blocks up to
  32 MiB for reuse, the behaviour PyTorch's CPU tuning guide gets from jemalloc/tcmalloc. The
  cost is that freed memory goes back to the system later. Set ``TINYGRAD_EDU_MALLOC=0`` to
  keep glibc's defaults.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3


def set_thread_defaults() -> None:
    """Default environment for Numba's OpenMP and OpenBLAS threads (the user's value wins)."""
    # idle OpenMP threads sleep at once (measured: a digits epoch 10x slower without)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # OpenBLAS's idle threads spin ~2**28 cycles (~0.1 s) after every product; a Numba kernel
    # in that window gets half the cores. 2**22 cycles (~1.5 ms) still covers back-to-back
    # products.
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")


def tune_malloc() -> bool:
    """Let glibc keep freed blocks below 32 MiB for reuse; True if it was changed."""
    if os.environ.get("TINYGRAD_EDU_MALLOC", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): leave the allocator alone
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(
        mallopt(_M_TRIM_THRESHOLD, 128 << 20))


set_thread_defaults()
tune_malloc()
