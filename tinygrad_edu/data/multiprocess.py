"""The main-process side of ``DataLoader(num_workers=N)``: start, feed, read and stop workers.

The loader's batch sampler gives task after task (a list of indices); each goes to the next
worker in turn (``worker 0, 1, ..., N-1, 0, ...``), and ``prefetch_factor * N`` tasks are
kept in flight so workers never wait. Results arrive in any order on one shared queue; they
are handed out in task order, so the batches are exactly those of ``num_workers=0``.

Workers are stopped (told to, then terminated if they do not go) when the pass ends (unless
``persistent_workers``), when an error comes back, on Ctrl-C, and when the iterator is
garbage collected, e.g. after a ``break``: no worker process outlives its loader.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
from typing import Any

import numpy as np

from .. import random_dist
from ..random import get_generator
from .worker import IterableEnd, ResumeIteration, WorkerError, unpack, worker_loop

__all__ = ["MultiProcessIterator"]

JOIN_SECONDS = 5.0  # how long a worker gets to exit before it is terminated
POLL_SECONDS = 1.0  # how often a waiting main process checks that its workers live


class MultiProcessIterator:
    """One pass (or, with ``persistent_workers``, every pass) over a loader, with workers."""

    def __init__(self, loader: Any) -> None:
        self._persistent, self._timeout = loader.persistent_workers, loader.timeout
        self._prefetch = loader.prefetch_factor
        self._num_workers = n = loader.num_workers
        self._active = [True] * n
        # the base seed, as PyTorch: an int64 from the loader's generator (the global one
        # without); worker i seeds its generators with base_seed + i
        self.base_seed = int(random_dist.random_bits(
            get_generator(loader.generator, "DataLoader"), (), np.int64))
        context = loader._context()
        self._data_queue = context.Queue()
        self._index_queues: list[Any] = []
        self._workers: list[Any] = []
        self._shutdown = False
        try:
            for worker_id in range(n):
                index_queue = context.Queue()
                args = (loader._iterable, loader.dataset, index_queue, self._data_queue,
                        loader._auto_collation, loader.collate_fn, loader.drop_last,
                        self.base_seed, loader.worker_init_fn, worker_id, n, os.getpid())
                worker = context.Process(target=worker_loop, args=args, daemon=True)
                worker.start()
                self._index_queues.append(index_queue)
                self._workers.append(worker)
            self._reset(loader, first=True)
        except BaseException:  # e.g. a dataset spawn cannot pickle: stop those started
            self.shutdown()
            raise

    def _reset(self, loader: Any, first: bool = False) -> None:
        """Start a pass: a fresh sampler iterator, every worker active, the first tasks out."""
        self._sampler_iter = iter(loader._index_sampler)
        self._sent = self._received = 0
        self._tasks: dict[int, tuple[Any, ...]] = {}  # task -> (worker,) or (worker, data)
        self._active = [True] * self._num_workers
        self._turn = itertools.cycle(range(self._num_workers))
        if not first:  # persistent workers: restart their streams, drop stale results
            for index_queue in self._index_queues:
                index_queue.put(ResumeIteration())
            acks = 0
            while acks < self._num_workers:
                _, data = self._get()
                acks += isinstance(data, ResumeIteration)
        for _ in range(self._prefetch * self._num_workers):
            self._put_task()

    def _put_task(self) -> None:
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker = next(self._turn)
            if self._active[worker]:
                break
        else:
            return  # every worker's stream has ended
        self._index_queues[worker].put((self._sent, index))
        self._tasks[self._sent] = (worker,)
        self._sent += 1

    def __iter__(self) -> MultiProcessIterator:
        return self

    def __next__(self) -> Any:
        try:
            return self._next_batch()
        except StopIteration:
            raise
        except BaseException:  # a worker's error, a dead worker, Ctrl-C: stop them all
            self.shutdown()
            raise

    def _next_batch(self) -> Any:
        while True:
            # skip the tasks of workers whose stream has ended (they will never answer)
            while self._received < self._sent:
                task = self._tasks[self._received]
                if len(task) == 2 or self._active[task[0]]:
                    break
                del self._tasks[self._received]
                self._received += 1
            else:
                if not self._persistent:
                    self.shutdown()
                raise StopIteration
            if len(self._tasks[self._received]) == 2:  # arrived earlier, out of turn
                return self._hand_out(self._tasks.pop(self._received)[1])
            number, data = self._get()
            if isinstance(data, IterableEnd):
                # the worker stays (idle) until the pass ends, as in PyTorch: a process that
                # exits while the others still write to the shared queue can take the queue's
                # write lock with it (its feeder thread dies holding it) and stall them all
                self._active[data.worker_id] = False
                self._put_task()
                continue
            if number != self._received:
                self._tasks[number] += (data,)
                continue
            del self._tasks[number]
            return self._hand_out(data)

    def _hand_out(self, data: Any) -> Any:
        self._received += 1
        self._put_task()
        if isinstance(data, WorkerError):
            data.reraise()
        return data

    def _get(self) -> tuple[int | None, Any]:
        """The next message from any worker (checking, while waiting, that they are alive)."""
        waited = 0.0
        while True:
            wait = POLL_SECONDS if self._timeout <= 0 else min(POLL_SECONDS,
                                                                self._timeout - waited)
            try:
                return unpack(self._data_queue.get(timeout=wait))
            except queue.Empty:
                waited += wait
            if self._timeout > 0 and waited >= self._timeout:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            dead = [w.pid for w, active in zip(self._workers, self._active, strict=True)
                    if active and not w.is_alive()]
            if dead:
                raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) "
                                   f"exited unexpectedly")

    def shutdown(self) -> None:
        """Stop every worker: ask, wait a little, then terminate; close the queues."""
        if self._shutdown:
            return
        self._shutdown = True
        for index_queue in self._index_queues:
            try:
                index_queue.put(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.join(timeout=JOIN_SECONDS)
            if worker.is_alive():
                worker.terminate()
                worker.join()
        for q in [*self._index_queues, self._data_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        try:
            self.shutdown()
        except Exception:  # at interpreter exit the modules may be gone; daemons die anyway
            pass


def get_context(context: Any) -> Any:
    """A multiprocessing context: the default one (PyTorch's choice: ``fork`` on Linux,
    ``spawn`` on macOS and Windows), a start method by name, or a context as given."""
    if context is None:
        return multiprocessing.get_context()
    if isinstance(context, str):
        if context not in multiprocessing.get_all_start_methods():
            raise ValueError(f"DataLoader: multiprocessing_context option should specify a "
                             f"valid start method in {multiprocessing.get_all_start_methods()!r}"
                             f", but got multiprocessing_context={context!r}")
        return multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError(f"DataLoader: multiprocessing_context option should be a valid context "
                        f"object or a string specifying the start method, but got "
                        f"multiprocessing_context={context!r}")
    return context
