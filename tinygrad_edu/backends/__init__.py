"""``tg.backends``: the backend flags and probes tutorial code touches, as on a CPU-only PyTorch.

- ``tg.backends.cudnn``: ``benchmark``, ``deterministic``, ``enabled``, ``allow_tf32`` are
  plain settable flags (nothing here reads them: there is no cuDNN); ``is_available()`` False.
- ``tg.backends.mps``: ``is_available()`` and ``is_built()`` are False.
- ``tg.backends.cuda``: ``is_built()`` False; ``matmul.allow_tf32`` a settable flag.
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
