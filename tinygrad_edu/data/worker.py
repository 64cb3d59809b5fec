"""The worker side of a multi-process ``DataLoader`` (``torch.utils.data._utils.worker``).

Each worker process runs ``worker_loop``: it seeds its random generators as PyTorch does
(Python's ``random`` and ``tg`` with ``base_seed + worker_id``, numpy's global generator with
PyTorch's hash of the two), sets what ``get_worker_info()`` returns, calls ``worker_init_fn``,
then builds the batches the main process asks for, one ``(task number, indices)`` message at a
time, and sends each back. A batch travels as a pickle in which every Tensor is a numpy array
(``pack`` / ``unpack``); an exception travels as its type and the worker's traceback text
(``WorkerError``), and is raised again in the main process.
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import random as tg_random
from ..tensor import Tensor
from .fetch import IterableFetcher, MapFetcher

__all__ = ["WorkerInfo", "get_worker_info"]

POLL_SECONDS = 1.0  # how often an idle worker checks that its parent is still alive


class WorkerInfo:
    """What a worker process knows about itself (``get_worker_info()`` inside a worker).

    Attributes:
        id: this worker's number, 0 .. num_workers - 1.
        num_workers: how many workers the loader has.
        seed: the seed this worker's generators were given (``base_seed + id``).
        dataset: this worker's copy of the dataset.
    """

    __initialized = False

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key: str, value: Any) -> None:
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        super().__setattr__(key, value)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{type(self).__name__}({fields})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's ``WorkerInfo`` inside a DataLoader worker process; None elsewhere.

    An ``IterableDataset`` uses it in ``__iter__`` to read only its share of the stream
    (otherwise each of the ``num_workers`` workers yields the whole dataset).

    Example:
        >>> from tinygrad_edu.data import get_worker_info
        >>> get_worker_info() is None  # the main process
        True
    """
    return _worker_info


def numpy_seed(base_seed: int, worker_id: int) -> list[int]:
    """The four 32-bit words PyTorch seeds numpy's global generator with in a worker.

    A hash of (worker_id, base_seed) in the style of numpy's ``SeedSequence``: each entropy
    word is hashed into a pool, the pool words are mixed with each other so every bit of the
    input reaches every output word, and the pool is hashed once more on the way out.
    """
    mask = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    const = [0x43B0D7E5]

    def hash_word(value: int) -> int:
        value = (value ^ const[0]) & mask
        const[0] = (const[0] * mult_a) & mask
        value = (value * const[0]) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x: int, y: int) -> int:
        result = ((0xCA01F9DD * x) - (0x4973F715 * y)) & mask
        return (result ^ (result >> 16)) & mask

    pool = [hash_word(v) for v in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hash_word(pool[src]))
    out, const_b = [], 0x8B51F9DD
    for value in pool:
        value = (value ^ const_b) & mask
        const_b = (const_b * mult_b) & mask
        value = (value * const_b) & mask
        out.append((value ^ (value >> 16)) & mask)
    return out


# -- what travels between the processes --------------------------------------------------

@dataclass
class _ShippedTensor:
    array: np.ndarray
    requires_grad: bool


@dataclass
class IterableEnd:
    """A worker's stream is exhausted: the main process stops giving it tasks."""
    worker_id: int


@dataclass
class ResumeIteration:
    """A new pass with persistent workers: restart the stream, acknowledge."""


class WorkerError:
    """An exception caught in a worker: its type and the worker's traceback, as text."""

    def __init__(self, where: str) -> None:
        exc_type, exc, tb = sys.exc_info()
        try:
            pickle.dumps(exc_type)
            self.exc_type: type[BaseException] = exc_type
        except Exception:  # a class defined in a function: cannot travel, say RuntimeError
            self.exc_type = RuntimeError
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        self.message = f"Caught {exc_type.__name__} {where}.\nOriginal {text}"

    def reraise(self) -> None:
        """Raise the exception again in this (the main) process, with the worker's traceback
        in its message (PyTorch's wording)."""
        message = self.message
        if self.exc_type is KeyError:  # KeyError shows repr(message): keep the lines readable
            message = _KeyErrorMessage(message)
        try:
            error = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        raise error


class _KeyErrorMessage(str):
    def __repr__(self) -> str:
        return str(self)


def _to_transport(data: Any) -> Any:
    if isinstance(data, Tensor):
        return _ShippedTensor(data.numpy(force=True), bool(data.requires_grad))
    if isinstance(data, dict):
        return {k: _to_transport(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_to_transport(v) for v in data))
    if isinstance(data, list | tuple):
        return type(data)(_to_transport(v) for v in data)
    return data


def _from_transport(data: Any) -> Any:
    if isinstance(data, _ShippedTensor):
        return Tensor(data.array, requires_grad=data.requires_grad)
    if isinstance(data, dict):
        return {k: _from_transport(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_from_transport(v) for v in data))
    if isinstance(data, list | tuple):
        return type(data)(_from_transport(v) for v in data)
    return data


def pack(task: int | None, data: Any) -> bytes:
    """A message for the main process: ``(task, data)`` pickled, Tensors as numpy arrays."""
    return pickle.dumps((task, _to_transport(data)), protocol=pickle.HIGHEST_PROTOCOL)


def unpack(message: bytes) -> tuple[int | None, Any]:
    """The ``(task, data)`` of a worker's message, with its Tensors rebuilt."""
    task, data = pickle.loads(message)
    return task, _from_transport(data)


# -- the worker process ------------------------------------------------------------------

def _seed_everything(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    tg_random.manual_seed(seed)
    np.random.seed(numpy_seed(base_seed, worker_id))  # noqa: NPY002 - PyTorch seeds the global one
    return seed


def worker_loop(iterable: bool, dataset: Any, index_queue: Any, data_queue: Any,
                auto_collation: bool, collate_fn: Any, drop_last: bool, base_seed: int,
                init_fn: Any, worker_id: int, num_workers: int, parent_pid: int) -> None:
    """The body of a worker process: seed, set up, then answer tasks until told to stop
    (a ``None`` task), or until the parent process is gone."""
    global _worker_info
    fetcher_kind = IterableFetcher if iterable else MapFetcher
    try:
        seed = _seed_everything(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error: WorkerError | None = None
        fetcher: Any = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = fetcher_kind(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = WorkerError(where)
        ended = False
        while True:
            try:
                task = index_queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if os.getppid() != parent_pid:  # the main process died: do not linger
                    break
                continue
            if task is None:
                break
            if isinstance(task, ResumeIteration):
                ended = False
                if iterable and init_error is None:
                    try:
                        fetcher = fetcher_kind(dataset, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_error = WorkerError(where)
                data_queue.put(pack(None, task))
                continue
            if ended:
                continue
            number, index = task
            data: Any
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not iterable:
                        data = WorkerError(where)
                    else:
                        data, ended = IterableEnd(worker_id), True
                except Exception:
                    data = WorkerError(where)
            try:
                message = pack(number, data)
            except Exception:  # a batch pickle cannot carry
                message = pack(number, WorkerError(where + " (sending the batch)"))
            data_queue.put(message)
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches every process of the group; the main process cleans up
    data_queue.cancel_join_thread()
    data_queue.close()
