"""Worker threads for ops that alternate Numba copies with BLAS products.

A convolution copies a chunk of samples into columns (a Numba kernel) and multiplies them
(BLAS), chunk after chunk. If both libraries run their own thread pools, each hands-off
between them costs wake-ups, and a BLAS pool that is still busy-waiting takes the cores the
copy needs (here that doubled the time of both). Instead, ``map_workers`` runs one Python
thread per Numba thread, each working through its own share of the chunks: the kernels
release the GIL, and BLAS is held to one thread inside each worker for the duration, so
every core does copy-then-multiply on data that is still in its cache.

The split of the work into chunks must not depend on the number of workers: then results,
including sums over chunks taken in chunk order, are the same on 1 and 2 threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

import numba

T = TypeVar("T")
S = TypeVar("S")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_size = 0
_blas: Any = None


def _forget_executor_after_fork() -> None:
    # a forked child has none of the parent's threads: a pool inherited from the parent would
    # wait forever for workers that do not exist, so the child builds its own when needed
    global _executor, _executor_size, _lock
    _executor, _executor_size, _lock = None, 0, threading.Lock()


os.register_at_fork(after_in_child=_forget_executor_after_fork)


def worker_count(n_tasks: int) -> int:
    """Threads to use for ``n_tasks`` independent tasks: Numba's thread count, at most."""
    return max(1, min(numba.get_num_threads(), n_tasks))


def _single_threaded_blas() -> AbstractContextManager[Any]:
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            _blas = False
        else:
            _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas") if _blas else nullcontext()


def map_workers(n_workers: int, work: Callable[[int], T]) -> list[T]:
    """[work(0), ..., work(n_workers - 1)], run on that many threads (BLAS single-threaded)."""
    global _executor, _executor_size
    if n_workers <= 1:
        return [work(0)]
    with _lock:
        if _executor is None or _executor_size < n_workers:
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(n_workers, thread_name_prefix="tinygrad_edu")
            _executor_size = n_workers
        executor = _executor
    with _single_threaded_blas():
        return list(executor.map(work, range(n_workers)))


def map_chunks(n: int, per: int, scratch: Callable[[], S],
               step: Callable[[int, int, S], T]) -> list[T]:
    """step(n0, n1, scratch) for each chunk [n0, n1) of ``per`` samples; results in order.

    Each worker thread makes its own ``scratch()`` once and takes every n_workers-th chunk.
    The chunks depend only on ``n`` and ``per``, never on the number of threads, so anything
    summed over the results in order is the same on 1 and 2 threads.
    """
    chunks = [(n0, min(n, n0 + per)) for n0 in range(0, n, per)]
    n_workers = worker_count(len(chunks))

    def work(worker: int) -> list[T]:
        mine = scratch()
        return [step(n0, n1, mine) for n0, n1 in chunks[worker::n_workers]]

    parts = map_workers(n_workers, work)
    return [parts[i % n_workers][i // n_workers] for i in range(len(chunks))]
