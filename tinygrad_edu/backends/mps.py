"""``tg.backends.mps``: Apple's GPU backend probes; tinygrad_edu runs on the CPU."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_edu computes on the CPU."""
    return False


def is_built() -> bool:
    """False: this build has no MPS support."""
    return False
