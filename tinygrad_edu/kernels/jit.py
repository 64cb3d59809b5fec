"""Lazy compilation notice: say once, before Numba compiles, that the first run compiles.

Kernels are ``@njit(cache=True)`` at module level, so importing the package compiles nothing;
a kernel compiles on its first call (or loads from Numba's on-disk cache). ``ready(kernel)``
is called by the ops before a kernel call: the first time a kernel that is not cached yet is
about to compile in this process, one line goes to stderr, and a second process starts
compiling the common kernels on the other core (``precompile.py``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

_announced = False


def _is_cached(kernel: Any) -> bool:
    # Numba's cache keeps an index file per kernel; these are private names, so when a Numba
    # version lacks them we stay silent rather than fail.
    cache_file = getattr(getattr(kernel, "_cache", None), "_cache_file", None)
    index = getattr(cache_file, "_index_path", None)
    return index is None or os.path.exists(index)


# Kernels already looked at: asking a dispatcher for its signatures costs about 10 us (Numba
# hashes every type), more than many kernels take to run, so each kernel is looked at once.
_seen: set[int] = set()


def ready(kernel: Any) -> Any:
    """Return ``kernel``; print the one-line notice if it is about to compile from scratch."""
    global _announced
    if _announced or id(kernel) in _seen:
        return kernel
    _seen.add(id(kernel))  # kernels live as long as their module: their ids are never reused
    if not getattr(kernel, "signatures", True) and not _is_cached(kernel):
        _announced = True
        print("tinygrad_edu: compiling Numba kernels on first use (cached on disk for next "
              "time)...", file=sys.stderr, flush=True)
        from . import precompile  # imported here: ``python -m`` runs it as a program

        precompile.start()
    return kernel
