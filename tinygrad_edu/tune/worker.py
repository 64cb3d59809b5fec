"""What runs one trial, the same in a local worker process and in a Ray actor."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from .session import TrialPruned, _Session, _set_session

_NO_DATA = "__tinygrad_edu.tune: no data__"


def limit_threads(threads: int) -> None:
    """Hold this process to ``threads`` threads: tinygrad_edu's pool, BLAS and Numba."""
    from ..kernels import threads as pool
    pool.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=threads)
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pass
    import numba
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def run_trial(trainable: Callable[..., Any], config: dict[str, Any], data: Any, number: int,
              send: Callable[[dict[str, Any], Any], str], metric: str, mode: str
              ) -> tuple[str, str | None, float]:
    """Call the trainable; returns (status, traceback or None, seconds).

    The status is "completed", "pruned" (``report`` raised TrialPruned) or "failed" (the
    trainable raised anything else: its traceback is kept and the search goes on).
    """
    _set_session(_Session(number, send, metric, mode))
    start = time.perf_counter()
    try:
        if isinstance(data, str) and data == _NO_DATA:
            trainable(config)
        else:
            trainable(config, data)
        status, error = "completed", None
    except TrialPruned:
        status, error = "pruned", None
    except Exception:  # a failing trial is recorded, never the end of the search
        status, error = "failed", traceback.format_exc()
    finally:
        _set_session(None)
    return status, error, time.perf_counter() - start
