"""The Ray backend: the same trials as the local backend, run by Ray actors on a cluster.

One actor per concurrent trial, asking for ``threads`` CPUs, so Ray places as many on each
node as its cores allow. The data is put in Ray's object store once (``ray.put``); every
actor on a node reads that node's one copy (numpy arrays without copying). Reports travel
through a Ray queue to the driver, which answers each on the actor's own queue; a checkpoint
is put in the object store and only its reference travels. An actor that dies (its node
lost, the process killed) makes its trial "lost"; a fresh actor takes the slot.
"""

from __future__ import annotations

from typing import Any

from .worker import limit_threads, run_trial

Event = tuple[Any, ...]


class _Worker:
    """A Ray actor (``ray.remote`` is applied when the backend starts)."""

    def __init__(self, trainable: Any, data: Any, threads: int, metric: str, mode: str,
                 slot: int, inbox: Any, outbox: Any) -> None:
        limit_threads(threads)
        self.args = (trainable, data, metric, mode)
        self.slot, self.inbox, self.outbox = slot, inbox, outbox

    def run(self, number: int, config: dict[str, Any]) -> tuple[str, str | None, float]:
        import ray
        trainable, data, metric, mode = self.args

        def send(values: dict[str, Any], checkpoint: Any) -> str:
            ref = None if checkpoint is None else ray.put(checkpoint)
            self.inbox.put(("report", self.slot, number, values, ref))
            return str(self.outbox.get())

        return run_trial(trainable, config, data, number, send, metric, mode)


class RayBackend:
    """``workers`` Ray actors of ``threads`` CPUs each."""

    def __init__(self, trainable: Any, data: Any, workers: int, threads: int, metric: str,
                 mode: str) -> None:
        import ray
        from ray.util.queue import Queue
        self.ray = ray
        self.data_ref = ray.put(data)  # once; each node fetches it once
        self.inbox = Queue()
        self.actor_class = ray.remote(num_cpus=threads, max_restarts=0)(_Worker)
        self.args = (trainable, threads, metric, mode)
        n = workers
        self.actors: list[Any] = [None] * n
        self.outboxes: list[Any] = [Queue() for _ in range(n)]
        self.tasks: dict[Any, tuple[int, int]] = {}  # ObjectRef -> (slot, number)
        for slot in range(n):
            self._start(slot)

    @property
    def slots(self) -> int:
        return len(self.actors)

    def _start(self, slot: int) -> None:
        trainable, threads, metric, mode = self.args
        self.actors[slot] = self.actor_class.remote(trainable, self.data_ref, threads, metric,
                                                    mode, slot, self.inbox, self.outboxes[slot])

    def submit(self, slot: int, number: int, config: dict[str, Any]) -> None:
        self.tasks[self.actors[slot].run.remote(number, config)] = (slot, number)

    def reply(self, slot: int, decision: str) -> None:
        self.outboxes[slot].put(decision)

    def poll(self, timeout: float) -> list[Event]:
        ray = self.ray
        events: list[Event] = []
        ready, _ = ray.wait(list(self.tasks), num_returns=len(self.tasks) or 1,
                            timeout=0) if self.tasks else ([], [])
        try:
            first = self.inbox.get(block=True, timeout=timeout) if not ready else None
        except Exception:  # ray.util.queue.Empty
            first = None
        messages = [first] if first is not None else []
        messages += self.inbox.get_nowait_batch(self.inbox.qsize()) if self.inbox.qsize() else []
        for kind, slot, number, values, ref in messages:
            events.append((kind, slot, number, values, None if ref is None else ray.get(ref)))
        if not ready and self.tasks:
            ready, _ = ray.wait(list(self.tasks), num_returns=len(self.tasks), timeout=0)
        for ref in ready:
            slot, number = self.tasks.pop(ref)
            try:
                status, error, seconds = ray.get(ref)
            except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as exc:
                events.append(("lost", slot, number,
                               f"{exc}\nthe Ray actor running the trial died"))
                self._start(slot)
            else:
                events.append(("end", slot, number, status, error, seconds))
        return events

    def close(self, force: bool = False) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.tasks.clear()
