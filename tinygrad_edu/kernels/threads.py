"""One thread pool for all of tinygrad_edu's parallel work, and BLAS held to one thread inside it.

Three libraries could run threads here: Numba (``prange``, on OpenMP), numpy's BLAS (OpenBLAS
keeps its own pool) and this package. Each pool's idle threads busy-wait for a while after
every parallel region (OpenBLAS for about 0.1 s), taking the cores the next region of the
*other* pool needs: on 2 cores that made a training step 2-5 times slower. Environment
variables that shorten the busy-wait only work if set before the library loads, and they then
change that library for every other user in the process (torch's LSTM got 50% slower).

So nothing here changes any library's settings for good. Instead:

- The kernels never use Numba's ``prange``: they are compiled ``nogil`` functions of a range of
  the parallel axis (``kernel(..., start, stop)``), and ``parallel_for`` runs the ranges on this
  module's pool: ``get_num_threads() - 1`` worker threads plus the calling thread. Idle workers
  block on a queue; they never spin.
- Products big enough for OpenBLAS to use its threads go through ``matmul``, which holds BLAS
  to one thread (``single_threaded_blas``, threadpoolctl's API, restored afterwards) and splits
  the product's rows over the same pool. OpenBLAS's own threads then stay asleep, and nothing
  competes for the cores.

``set_num_threads`` / ``get_num_threads`` (also ``tg.set_num_threads``) choose the pool size;
the default is the number of cores this process may run on. Work is split the same way
whatever the size where order matters (``map_chunks``), so results do not depend on it.
"""

from __future__ import annotations

import functools
import math
import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

T = TypeVar("T")
S = TypeVar("S")

# Work below this many elements runs on the calling thread. Handing a range to a worker costs
# 40-60 microseconds on a virtual machine whose idle cores sleep (waking the worker, and the
# caller again when the worker is done): a norm's or a pool's loop covers 2**18 to 2**19
# float32 elements in that time. Measured on 2 cores, 2 threads were 1.2-2.5x slower than 1
# below about 2**19 elements and break even near 2**20. Callers whose loops cost more or less
# per element say so with ``work``.
PARALLEL_MIN_WORK = 1 << 20
# Products of at least this many multiply-adds are split over the pool by ``matmul``; smaller
# ones run on one thread (measured: below about 2**23, handing half the product to another
# thread costs more than it saves).
BLAS_SPLIT_MIN_WORK = 1 << 23
# OpenBLAS multiplies on one thread below 2**18 multiply-adds (its SMP threshold): such
# products need no care.
BLAS_THREADS_MIN_WORK = 1 << 18


def _default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class _Pool:
    """``size - 1`` worker threads fed by one queue; the caller is the last worker."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.local = threading.local()  # set in workers: a task never waits for the pool
        for k in range(size - 1):
            threading.Thread(target=self._work, name=f"tinygrad_edu-{k}", daemon=True).start()

    def _work(self) -> None:
        self.local.worker = True
        while True:
            task = self.tasks.get()
            if task is None:
                return
            fn, index, done = task
            # drop the task before reporting it done: a worker that still held the function
            # (and through it the arrays it wrote) would keep a kernel's fresh output from
            # being adopted as a gradient without a copy
            task = None
            try:
                result = (index, fn(index), None)
            except BaseException as exc:  # re-raised in the caller
                result = (index, None, exc)
            fn = None
            done.put(result)
            result = None

    def map(self, fn: Callable[[int], T], count: int) -> list[T]:
        """[fn(0), ..., fn(count - 1)]: fn(0) on the calling thread, the rest on workers."""
        if count <= 1 or self.size <= 1 or getattr(self.local, "worker", False):
            return [fn(i) for i in range(count)]
        done: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for i in range(1, count):
            self.tasks.put((fn, i, done))
        results: list[Any] = [None] * count
        error: BaseException | None = None
        try:
            results[0] = fn(0)
        except BaseException as exc:  # still wait for the workers: they use the same arrays
            error = exc
        for _ in range(count - 1):
            i, value, exc = done.get()
            results[i] = value
            error = error or exc
        if error is not None:
            raise error
        return results

    def close(self) -> None:
        for _ in range(self.size - 1):
            self.tasks.put(None)


_lock = threading.Lock()
_threads = _default_threads()
_pool: _Pool | None = None


def _forget_pool_after_fork() -> None:
    # a forked child has none of the parent's threads: a pool inherited from the parent would
    # wait forever for workers that do not exist, so the child builds its own when needed
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def get_num_threads() -> int:
    """Number of threads tinygrad_edu's kernels and products use (PyTorch's name)."""
    return _threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (1 = everything on the calling thread); PyTorch's name."""
    global _threads, _pool
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n!r}")
    with _lock:
        _threads = int(n)
        if _pool is not None and _pool.size != _threads:
            _pool.close()
            _pool = None


def _get_pool() -> _Pool:
    global _pool
    with _lock:
        if _pool is None:
            _pool = _Pool(_threads)
        return _pool


def map_workers(n_workers: int, work: Callable[[int], T]) -> list[T]:
    """[work(0), ..., work(n_workers - 1)], on the pool (BLAS single-threaded inside)."""
    if n_workers <= 1:
        return [work(0)]
    with single_threaded_blas():
        return _get_pool().map(work, n_workers)


def worker_count(n_tasks: int) -> int:
    """Threads to use for ``n_tasks`` independent tasks: the pool size, at most."""
    return max(1, min(_threads, n_tasks))


def parallel_for(n: int, body: Callable[[int, int], Any], work: int | None = None) -> None:
    """Run ``body(start, stop)`` over contiguous ranges that split ``range(n)``, one per thread.

    Args:
        n: the length of the parallel axis (e.g. planes, rows, elements).
        body: fills the outputs of iterations ``start .. stop - 1``; it must write only
            those (then results do not depend on the number of threads).
        work: elements touched in all (default ``n``); below ``PARALLEL_MIN_WORK`` everything
            runs on the calling thread.
    """
    if (work if work is not None else n) < PARALLEL_MIN_WORK or (parts := worker_count(n)) <= 1:
        if n > 0:  # (small work, the usual case on course sizes, is tested first)
            body(0, n)
        return
    bounds = [n * k // parts for k in range(parts + 1)]
    _get_pool().map(lambda k: body(bounds[k], bounds[k + 1]), parts)


def map_chunks(n: int, per: int, scratch: Callable[[], S],
               step: Callable[[int, int, S], T]) -> list[T]:
    """step(n0, n1, scratch) for each chunk [n0, n1) of ``per`` samples; results in order.

    Each worker thread makes its own ``scratch()`` once and takes every n_workers-th chunk.
    The chunks depend only on ``n`` and ``per``, never on the number of threads, so anything
    summed over the results in order is the same on 1 and 2 threads.
    """
    if n <= per:  # one chunk (or none): on the calling thread, nothing to hand out
        return [step(0, n, scratch())] if n > 0 else []
    chunks = [(n0, min(n, n0 + per)) for n0 in range(0, n, per)]
    n_workers = worker_count(len(chunks))

    def work(worker: int) -> list[T]:
        mine = scratch()
        return [step(n0, n1, mine) for n0, n1 in chunks[worker::n_workers]]

    parts = map_workers(n_workers, work)
    return [parts[i % n_workers][i // n_workers] for i in range(len(chunks))]


# ----------------------------------------------------------------------------- BLAS

_blas: Any = None


def _blas_controllers() -> list[Any]:
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            _blas = []
        else:
            _blas = ThreadpoolController().select(user_api="blas").lib_controllers
    return _blas  # type: ignore[no-any-return]


_blas_depth = threading.local()


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Hold numpy's BLAS to one thread inside the block, then restore its thread count.

    The count is process-wide in OpenBLAS, so another Python thread's product that runs at
    the same moment is single-threaded too; outside tinygrad_edu's ops nothing changes.
    Nested blocks cost nothing: only the outermost one changes and restores the count.
    """
    depth = getattr(_blas_depth, "n", 0)
    _blas_depth.n = depth + 1
    changed: list[tuple[Any, int]] = []
    try:
        if depth == 0:
            for c in _blas_controllers():
                before = c.num_threads
                if before != 1:
                    c.set_num_threads(1)
                    changed.append((c, before))
        yield
    finally:
        for c, before in changed:
            c.set_num_threads(before)
        _blas_depth.n = depth


def blas_in_pool(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator: ``fn`` runs with BLAS held to one thread (its products go through
    ``matmul``, which splits them over the pool); one switch for all of ``fn``'s products."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with single_threaded_blas():
            return fn(*args, **kwargs)

    return wrapper


def matmul(a: NDArray[Any], b: NDArray[Any], out: NDArray[Any] | None = None) -> NDArray[Any]:
    """``np.matmul(a, b, out=out)``, big products split over the pool with one-thread BLAS.

    A product of stacked matrices is split over the batch. One (M, K) @ (K, N) product (all
    leading dims of ``a`` merged, when ``b`` is one matrix) is split where the blocks repeat
    the least work: each BLAS call packs its two operands into cache-sized panels, so a split
    of the rows packs all of ``b`` again in every block (K * N), a split of the columns all of
    ``a`` (M * K), and a split of the sum over K packs nothing twice but adds partial results
    (M * N). Products too small for OpenBLAS's threads, and batches that broadcast against each
    other, are one ``np.matmul`` on one thread. ``out``, when given, must be C-contiguous.
    """
    if a.ndim < 2 or b.ndim < 2:
        return np.matmul(a, b, out=out)
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    # (the common product of two matrices skips numpy's shape helpers: ~4 us per call)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) if a.ndim > 2 or b.ndim > 2 else ()
    work = math.prod(batch) * m * k * n
    if work < BLAS_THREADS_MIN_WORK:  # OpenBLAS stays on one thread by itself
        return np.matmul(a, b, out=out)
    if work < BLAS_SPLIT_MIN_WORK:
        with single_threaded_blas():
            return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty((*batch, m, n), dtype=np.result_type(a, b))
    if b.ndim == 2:
        rows = out.size // n
        _matmul_2d(a.reshape(rows, k), b, out.reshape(rows, n))
    elif a.ndim == 2:  # (m, k) @ (..., k, n): the same left factor for every matrix of b
        b3, o3 = b.reshape(-1, k, n), out.reshape(-1, m, n)
        _split(b3.shape[0], lambda i0, i1: np.matmul(a, b3[i0:i1], out=o3[i0:i1]))
    elif a.shape[:-2] == b.shape[:-2]:
        a3, b3, o3 = a.reshape(-1, m, k), b.reshape(-1, k, n), out.reshape(-1, m, n)
        _split(a3.shape[0], lambda i0, i1: np.matmul(a3[i0:i1], b3[i0:i1], out=o3[i0:i1]))
    else:
        with single_threaded_blas():
            np.matmul(a, b, out=out)
    return out


# A split of the sum over K: into this many parts, whatever the number of threads, so that
# the partial results are added in the same order (and round the same) on any machine.
K_PARTS = 2


def _matmul_2d(a: NDArray[Any], b: NDArray[Any], out: NDArray[Any]) -> None:
    """out = a @ b, (M, K) @ (K, N), split the cheapest way (see ``matmul``)."""
    m, k = a.shape
    n = b.shape[1]
    if m * n < min(k * n, m * k) and k >= 2 * K_PARTS:
        bounds = [k * i // K_PARTS for i in range(K_PARTS + 1)]
        with single_threaded_blas():
            parts = _get_pool().map(lambda i: np.matmul(
                a[:, bounds[i]:bounds[i + 1]], b[bounds[i]:bounds[i + 1]]), K_PARTS)
        np.add(parts[0], parts[1], out=out)
        for part in parts[2:]:
            out += part
    elif m * k < k * n:
        _split(n, lambda c0, c1: np.matmul(a, b[:, c0:c1], out=out[:, c0:c1]))
    else:
        _split(m, lambda r0, r1: np.matmul(a[r0:r1], b, out=out[r0:r1]))


# A split of a product's rows (or columns, or stacked matrices): into this many blocks, the
# cores this process may use when it starts, whatever set_num_threads says later. OpenBLAS may
# round a row differently in a product of another shape (its kernels depend on all three
# sizes), so only blocks of the same shapes on every thread count give the same bits on 1
# and 2 threads.
SPLIT_PARTS = _default_threads()


def _split(rows: int, block: Callable[[int, int], Any]) -> None:
    """block(r0, r1) for ``SPLIT_PARTS`` contiguous ranges of ``range(rows)``, on the pool."""
    per = -(-rows // SPLIT_PARTS)  # ceil
    map_chunks(rows, per, lambda: None, lambda r0, r1, _: block(r0, r1))
