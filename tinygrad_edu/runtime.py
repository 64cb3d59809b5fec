"""Process-wide settings that tinygrad_edu never makes by itself: each is an explicit call.

Importing tinygrad_edu changes nothing outside the package: no environment variables, no
allocator options, no thread settings of numpy, Numba or PyTorch. Its own parallel work runs on
its own threads (``set_num_threads``); see ``tinygrad_edu/kernels/threads.py`` for how it keeps
numpy's BLAS threads out of the way without changing them for anyone else.

``tune_malloc()`` is the one tuning that has to be process-wide. glibc serves a large array
(an LSTM's 4 MB gate buffers, say) with a fresh ``mmap`` and gives it back to the system when
it is freed, so the next step's array of the same size page-faults all over again: measured 3
ms of a 21 ms LSTM training step. ``tune_malloc()`` keeps freed blocks up to 32 MiB for reuse,
what PyTorch's CPU performance guide gets from jemalloc or tcmalloc. The cost: freed memory
returns to the system later, for every library in the process. Call it at the start of a
training script if you want it:

    import tinygrad_edu as tg
    tg.runtime.tune_malloc()
"""

from __future__ import annotations

import ctypes
import sys

from .kernels.threads import get_num_threads, set_num_threads

__all__ = ["get_num_threads", "set_num_threads", "tune_malloc"]

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3


def tune_malloc(mmap_threshold: int = 32 << 20, trim_threshold: int = 128 << 20) -> bool:
    """Let glibc keep freed blocks below ``mmap_threshold`` bytes for reuse (Linux only).

    Args:
        mmap_threshold: blocks at least this large are still mapped and unmapped each time.
        trim_threshold: free memory at the top of the heap kept before it is given back.

    Returns:
        True when the allocator was changed; False where glibc's ``mallopt`` is not
        available (macOS, Windows, musl), which leaves everything as it was.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): leave the allocator alone
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold))) and bool(
        mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)))
