"""``tg.backends.cudnn``: flags GPU tutorials set; there is no cuDNN here, so none has an effect.

The flags keep PyTorch's defaults on a CPU-only build and can be set (``cudnn.benchmark =
True``), so ``import tinygrad_edu.backends.cudnn as cudnn`` and the usual settings run.
"""

from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = None


def is_available() -> bool:
    """False: tinygrad_edu has no cuDNN."""
    return False


def version() -> None:
    """None, PyTorch's answer when cuDNN is absent."""
    return None
