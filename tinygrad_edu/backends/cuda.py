"""``tg.backends.cuda``: CUDA build probes and matmul flags; there is no CUDA here."""

from __future__ import annotations


class _MatmulFlags:
    """``tg.backends.cuda.matmul``: settable flags with PyTorch's defaults, read by nothing."""

    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """False: this build has no CUDA support."""
    return False
