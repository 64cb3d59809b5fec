"""The local backend: one worker process per concurrent trial, each with its own threads.

Each worker runs trials one after the other: the driver sends ``("trial", number, config)``;
the worker answers each ``report`` with ``("report", number, metrics, checkpoint)`` and waits
for "continue" or "prune"; at the end it sends ``("end", number, status, error, seconds)``.
A worker that dies (killed, out of memory, a crash in native code) is noticed through its
process sentinel: its trial comes back as "lost" and a fresh worker takes the slot.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import warnings
from multiprocessing.connection import Connection, wait
from typing import Any

from .worker import limit_threads, run_trial

Event = tuple[Any, ...]


def _exit_with_driver() -> None:
    """End this worker as soon as its driver is gone (killed, crashed).

    The pipe alone does not tell: a forked worker holds copies of the driver's ends of the
    pipes, so its reads never see them close, and an orphaned worker would live on (holding
    the terminal's or a CI job's output open). A daemon thread watches the parent instead.
    """
    driver = os.getppid()

    def watch() -> None:
        while os.getppid() == driver:
            time.sleep(0.2)
        os._exit(0)  # nothing to save: the trial's results went to the driver as it ran

    threading.Thread(target=watch, name="tune-driver-watch", daemon=True).start()


def _worker_main(conn: Connection, trainable: Any, data: Any, threads: int, metric: str,
                 mode: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    _exit_with_driver()
    limit_threads(threads)
    try:
        while True:
            message = conn.recv()
            if message[0] == "stop":
                return
            _, number, config = message

            def send(values: dict[str, Any], checkpoint: Any, number: int = number) -> str:
                conn.send(("report", number, values, checkpoint))
                return str(conn.recv())

            result = run_trial(trainable, config, data, number, send, metric, mode)
            conn.send(("end", number, *result))
    except (EOFError, OSError):
        return  # the driver is gone (killed): nobody is left to report to


def default_start_method() -> str:
    """fork on Linux (fast, and a trainable defined in a notebook works), else spawn."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


class LocalBackend:
    """``workers`` processes on this machine, ``threads`` threads each."""

    def __init__(self, trainable: Any, data: Any, workers: int, threads: int, metric: str,
                 mode: str, start_method: str | None = None) -> None:
        self.context = mp.get_context(start_method or default_start_method())
        self.args = (trainable, data, threads, metric, mode)
        self.procs: list[Any] = [None] * workers
        self.conns: list[Any] = [None] * workers
        self.busy: list[int | None] = [None] * workers
        for slot in range(workers):
            self._start(slot)

    @property
    def slots(self) -> int:
        return len(self.procs)

    def _start(self, slot: int) -> None:
        parent, child = self.context.Pipe()
        proc = self.context.Process(target=_worker_main, args=(child, *self.args), daemon=True,
                                    name=f"tune-worker-{slot}")
        with warnings.catch_warnings():
            # Python 3.12+ warns that fork() of a process with threads may deadlock; the
            # worker uses none of the parent's threads or locks (tinygrad_edu's pool is
            # rebuilt after a fork)
            warnings.filterwarnings("ignore", message=".*use of fork\\(\\) may lead to "
                                    "deadlocks", category=DeprecationWarning)
            proc.start()
        child.close()
        self.procs[slot], self.conns[slot], self.busy[slot] = proc, parent, None

    def submit(self, slot: int, number: int, config: dict[str, Any]) -> None:
        self.busy[slot] = number
        try:
            self.conns[slot].send(("trial", number, config))
        except (BrokenPipeError, OSError):
            pass  # the worker is gone: poll reports the trial lost

    def reply(self, slot: int, decision: str) -> None:
        try:
            self.conns[slot].send(decision)
        except (BrokenPipeError, OSError):
            pass

    def poll(self, timeout: float) -> list[Event]:
        """Events ("report" | "end" | "lost", slot, number, ...) ready within ``timeout``."""
        waits = {**{c: s for s, c in enumerate(self.conns)},
                 **{p.sentinel: s for s, p in enumerate(self.procs)}}
        events: list[Event] = []
        ready = wait(list(waits), timeout)
        for slot in sorted({waits[r] for r in ready}):
            conn = self.conns[slot]
            try:
                while conn.poll():
                    message = conn.recv()
                    if message[0] == "end":
                        self.busy[slot] = None
                    events.append((message[0], slot, *message[1:]))
            except (EOFError, OSError):
                pass
            if not self.procs[slot].is_alive():
                number = self.busy[slot]
                code = self.procs[slot].exitcode
                if number is not None:
                    events.append(("lost", slot, number,
                                   f"the worker process died (exit code {code})"))
                self._start(slot)
        return events

    def close(self, force: bool = False) -> None:
        for slot, proc in enumerate(self.procs):
            if force and self.busy[slot] is not None:
                proc.terminate()
            else:
                try:
                    self.conns[slot].send(("stop",))
                except (BrokenPipeError, OSError):
                    pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in self.conns:
            conn.close()
