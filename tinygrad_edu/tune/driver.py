"""``run``: the search loop. Optuna proposes configs and decides pruning; a backend runs them.

The driver (this process) owns the Optuna study. It asks the study for a config whenever a
worker is free, hands it to the backend, records every reported epoch in the study
(``trial.report``) and answers each report with the pruner's verdict, and tells the study how
the trial ended. Trials that fail, are pruned, or lose their worker are recorded, never lost.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..serialization import save
from . import space as _space
from .results import FINISHED, Results
from .worker import _NO_DATA

__all__ = ["load", "run"]

STUDY_NAME = "tinygrad_edu.tune"


def _optuna() -> Any:
    try:
        import optuna
    except ImportError as exc:
        raise ImportError("tinygrad_edu.tune needs Optuna: pip install tinygrad_edu[tune] "
                          "(or pip install optuna)") from exc
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _axes(search: str, domains: Mapping[str, _space.Domain]) -> dict[str, list[Any]]:
    """The grid's axes: the grid() parameters (and, for search='grid', the choice() ones)."""
    kinds = ("grid", "choice") if search == "grid" else ("grid",)
    if search == "grid":
        wide = [k for k, d in domains.items() if d.kind not in kinds]
        if wide:
            raise ValueError(f"run: grid search needs grid() or choice() for every searched "
                             f"parameter; {wide} are ranges (use search='random' or 'tpe')")
    return {k: list(d.values) for k, d in domains.items() if d.kind in kinds}


def _sampler(optuna: Any, search: str, seed: int | None, num_trials: int) -> Any:
    """The sampler of everything not on the grid (the grid's points are queued in order)."""
    if search in ("grid", "random"):
        return optuna.samplers.RandomSampler(seed=seed)
    if search == "tpe":
        return optuna.samplers.TPESampler(seed=seed,
                                          n_startup_trials=max(2, min(10, num_trials // 3)))
    raise ValueError(f"run: search must be 'tpe', 'random' or 'grid', got {search!r}")


def _queue_grid(study: Any, axes: Mapping[str, list[Any]], num_trials: int) -> None:
    """Queue ``num_trials`` points of the grid, all of it in order (again if there are more
    trials than points); the other parameters are sampled when a point runs."""
    points = list(itertools.product(*axes.values()))
    for i in range(num_trials):
        study.enqueue_trial(dict(zip(axes, points[i % len(points)], strict=True)),
                            skip_if_exists=False)


def _pruner(optuna: Any, scheduler: str | None, grace_period: int) -> Any:
    if scheduler is None:
        return optuna.pruners.NopPruner()
    if scheduler == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=grace_period)
    if scheduler == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=grace_period,
                                                      reduction_factor=3)
    raise ValueError(f"run: scheduler must be None, 'median' or 'asha', got {scheduler!r}")


def _open_study(optuna: Any, storage: Path | None, resume: bool, mode: str, sampler: Any,
                pruner: Any) -> Any:
    direction = "maximize" if mode == "max" else "minimize"
    if storage is None:
        if resume:
            raise ValueError("run: resume=True needs storage= (the study's folder)")
        return optuna.create_study(direction=direction, sampler=sampler, pruner=pruner)
    db = storage / "study.db"
    if db.exists() and not resume:
        raise FileExistsError(f"run: {storage} already holds a study; pass resume=True to "
                              f"continue it, or choose another storage folder")
    storage.mkdir(parents=True, exist_ok=True)
    return optuna.create_study(storage=f"sqlite:///{db}", study_name=STUDY_NAME,
                               direction=direction, sampler=sampler, pruner=pruner,
                               load_if_exists=True)


def _requeue_unfinished(optuna: Any, study: Any) -> None:
    """Trials left running by a driver that was killed: mark them and run their configs again."""
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        # a finished trial's attributes are read-only and a FrozenTrial cannot set them: the
        # storage's own setter (Optuna's storage API) records the status before the tell
        study._storage.set_trial_user_attr(t._trial_id, "status", "interrupted")
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)
        study.enqueue_trial(t.params, skip_if_exists=False)


class _Running:
    """The driver's view of one trial in a worker."""

    def __init__(self, trial: Any, config: dict[str, Any]) -> None:
        self.trial, self.config = trial, config
        self.history: list[dict[str, Any]] = []
        self.retry = int(trial.user_attrs.get("retry", 0))


def run(trainable: Callable[..., Any], space: Mapping[str, Any], num_trials: int | None = None,
        metric: str = "val_acc", mode: str = "max", backend: str = "local",
        max_concurrent: int | None = None, storage: str | os.PathLike[str] | None = None,
        resume: bool = False, *, search: str | None = None, scheduler: str | None = None,
        grace_period: int = 1, data: Any = _NO_DATA, threads_per_trial: int | None = None,
        seed: int | None = None, max_retries: int = 1, address: str | None = None,
        start_method: str | None = None, points_to_evaluate: list[dict[str, Any]] | None = None,
        plots: bool = True, verbose: bool = True) -> Results:
    """Search hyper-parameters: run ``trainable(config)`` for ``num_trials`` configs.

    Args:
        trainable: ``f(config)`` (or ``f(config, data)`` when ``data`` is given) that trains
            and calls ``tune.report(**metrics)`` after each epoch.
        space: names to domains (``loguniform``, ``uniform``, ``randint``, ``choice``,
            ``grid``) or constants.
        num_trials: configs to try (default: the grid's size when there is a grid, else 10;
            more trials than grid points go through the grid again);
            with ``resume=True`` the total, finished trials included.
        metric, mode: the reported metric to optimise and "max" or "min".
        backend: "local" (worker processes on this machine) or "ray" (a Ray cluster).
        max_concurrent: trials at the same time (default: the cores, for Ray the cluster's
            CPUs, divided by ``threads_per_trial``).
        storage: the study's folder: the Optuna database (study.db), results.csv/.json,
            best_config.json, checkpoints and plots. None keeps the study in memory only.
        resume: continue the study in ``storage`` (after Ctrl-C or a crash).
        search: how the parameters other than grid() ones are drawn: "tpe" (default) or
            "random"; "grid" enumerates the choice() parameters too (no ranges allowed).
            The grid() values are always enumerated: every combination once, in order.
        scheduler: early stopping of bad trials from their curves: None, "median" (stop a
            trial whose best so far is below the median of finished trials at the same epoch)
            or "asha" (successive halving, asynchronous).
        grace_period: epochs every trial runs before it may be stopped (1).
        data: shipped once to each worker process (or, with Ray, to each node) and passed
            to the trainable as its second argument.
        threads_per_trial: threads of each trial (default: cores // max_concurrent, at least
            1), so that trials x threads do not oversubscribe the cores.
        seed: the sampler's seed (a reproducible sequence of configs).
        max_retries: a trial whose worker died is run again this many times (1).
        address: the Ray cluster to join (default: ``ray.init()``'s choice, a local one).
        start_method: multiprocessing start method for the local workers (default: fork on
            Linux, spawn elsewhere; spawn needs an importable trainable).
        points_to_evaluate: configs (searched values) to try first, e.g. the hand-picked
            one, so the table shows how the search compares with it (they count as trials).
        plots: with storage, also write the plots (when matplotlib is installed).
        verbose: print a line per finished trial and the table at the end.

    Returns:
        The ``Results`` (also written to ``storage``).

    Raises:
        KeyboardInterrupt: after Ctrl-C, once the finished trials are saved; the trials that
            were running are run again by ``resume=True``.
    """
    optuna = _optuna()
    domains, constants = _space.split(space)
    if mode not in ("max", "min"):
        raise ValueError(f"run: mode must be 'max' or 'min', got {mode!r}")
    if backend not in ("local", "ray"):
        raise ValueError(f"run: backend must be 'local' or 'ray', got {backend!r}")
    search = search or "tpe"
    axes = _axes(search, domains)
    if num_trials is None:
        num_trials = math.prod(len(v) for v in axes.values()) if axes else 10
    if isinstance(num_trials, bool) or not isinstance(num_trials, int) or num_trials < 1:
        raise ValueError(f"run: num_trials must be a positive int, got {num_trials!r}")
    folder = None if storage is None else Path(storage)
    study = _open_study(optuna, folder, resume, mode,
                        _sampler(optuna, search, seed, num_trials),
                        _pruner(optuna, scheduler, grace_period))
    if resume:
        _requeue_unfinished(optuna, study)
    if not study.get_trials(deepcopy=False):
        for point in points_to_evaluate or []:
            study.enqueue_trial({k: v for k, v in point.items() if k in domains},
                                skip_if_exists=False)
        if axes:
            _queue_grid(study, axes, num_trials - len(points_to_evaluate or []))
    done = sum(t.user_attrs.get("status") in FINISHED for t in study.get_trials(deepcopy=False))
    todo = max(0, num_trials - done)
    make = _backend_factory(backend, trainable, data, metric, mode, max_concurrent,
                            threads_per_trial, todo, address, start_method)
    results = lambda: Results.from_study(study, metric, mode, list(domains),  # noqa: E731
                                         dict(constants), folder)
    if todo:
        loop = _Loop(study, optuna, domains, constants, metric, mode, folder, max_retries,
                     verbose, search)
        try:
            loop.go(make, todo)
        except KeyboardInterrupt:
            _finish(results(), folder, plots, verbose)
            if verbose:
                print(f"\ninterrupted: {loop.finished} trial(s) finished and saved"
                      + (f"; continue with resume=True and storage={str(folder)!r}"
                         if folder is not None else ""), flush=True)
            raise
    res = results()
    _finish(res, folder, plots, verbose)
    return res


def _finish(res: Results, folder: Path | None, plots: bool, verbose: bool) -> None:
    if folder is not None:
        res.write(folder)
        if plots and res.rows:
            try:
                res.plot(folder)
            except ImportError as exc:
                if verbose:
                    print(f"no plots: {exc}")
    if verbose and res.rows:
        print(res.table(), flush=True)


def _backend_factory(backend: str, trainable: Any, data: Any, metric: str, mode: str,
                     max_concurrent: int | None, threads: int | None, todo: int,
                     address: str | None, start_method: str | None) -> Callable[[], Any]:
    for name, value in (("max_concurrent", max_concurrent), ("threads_per_trial", threads)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"run: {name} must be a positive int, got {value!r}")
    if backend == "local":
        cores = _cores()
        workers = max_concurrent or max(1, cores // (threads or 1))
        workers = max(1, min(workers, todo))
        per = threads or max(1, cores // workers)

        def local() -> Any:
            from .local import LocalBackend
            return LocalBackend(trainable, data, workers, per, metric, mode, start_method)
        return local

    try:
        import ray
    except ImportError as exc:
        raise ImportError("tune backend='ray' needs Ray: pip install tinygrad_edu[ray] "
                          "(or pip install ray)") from exc

    def on_ray() -> Any:
        from .ray_backend import RayBackend
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=True)
        per = threads or 1
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = max(1, min(max_concurrent or max(1, cpus // per), todo))
        return RayBackend(trainable, data, workers, per, metric, mode)
    return on_ray


class _Loop:
    """Keeps every worker busy until ``todo`` trials have finished."""

    def __init__(self, study: Any, optuna: Any, domains: Mapping[str, _space.Domain],
                 constants: Mapping[str, Any], metric: str, mode: str, folder: Path | None,
                 max_retries: int, verbose: bool, search: str) -> None:
        self.study, self.optuna, self.metric, self.mode = study, optuna, metric, mode
        self.dists = {k: d.distribution() for k, d in domains.items()}
        self.constants, self.folder = dict(constants), folder
        self.max_retries, self.verbose, self.search = max_retries, verbose, search
        self.running: dict[int, _Running] = {}
        self.finished = 0

    def go(self, make_backend: Callable[[], Any], todo: int) -> None:
        backend = make_backend()
        to_start = todo
        try:
            while to_start > 0 or self.running:
                for slot in range(backend.slots):
                    if to_start > 0 and slot not in self.running:
                        trial = self.study.ask(self.dists)
                        config = {**self.constants, **trial.params}
                        self.running[slot] = _Running(trial, config)
                        backend.submit(slot, trial.number, config)
                        to_start -= 1
                for event in backend.poll(0.2):
                    to_start += self._handle(backend, event)
        except BaseException:
            self._interrupted()
            backend.close(force=True)
            raise
        backend.close()

    def _handle(self, backend: Any, event: tuple[Any, ...]) -> int:
        """Record one event; returns the trials to start again (1 for a retried trial)."""
        kind, slot = event[0], event[1]
        run = self.running[slot]
        trial = run.trial
        if kind == "report":
            _, _, _, values, checkpoint = event
            run.history.append(values)
            trial.set_user_attr("history", run.history)
            trial.report(values[self.metric], step=len(run.history))
            if checkpoint is not None and self.folder is not None:
                where = self.folder / "trials" / str(trial.number)
                where.mkdir(parents=True, exist_ok=True)
                save(checkpoint, where / "checkpoint.npz")
            backend.reply(slot, "prune" if trial.should_prune() else "continue")
            return 0
        del self.running[slot]
        if kind == "lost":
            again = run.retry < self.max_retries
            self._tell(run, "lost" if again else "failed", event[3], 0.0)
            if again:
                self.study.enqueue_trial(trial.params, user_attrs={"retry": run.retry + 1},
                                         skip_if_exists=False)
            return int(again)
        _, _, _, status, error, seconds = event
        if status == "completed" and not run.history:
            status, error = "failed", (f"the trainable reported no metrics: call "
                                       f"tune.report({self.metric}=...) after each epoch")
        self._tell(run, status, error, seconds)
        return 0

    def _tell(self, run: _Running, status: str, error: str | None, seconds: float) -> None:
        state = self.optuna.trial.TrialState
        trial = run.trial
        trial.set_user_attr("status", status)
        trial.set_user_attr("seconds", float(seconds))
        if error:
            trial.set_user_attr("error", error)
        curve = [h.get(self.metric) for h in run.history]
        values = [v for v in curve if v is not None]
        best = (max(values) if self.mode == "max" else min(values)) if values else None
        if status == "completed":
            self.study.tell(trial, best)
        elif status == "pruned":
            self.study.tell(trial, state=state.PRUNED)
        else:
            self.study.tell(trial, state=state.FAIL)
        if status in FINISHED:
            self.finished += 1
        if self.verbose:
            shown = f" {self.metric}={best:.4g}" if best is not None else ""
            extra = f": {error.strip().splitlines()[-1]}" if error else ""
            print(f"trial {trial.number} {status} after {len(curve)} epoch(s), "
                  f"{seconds:.1f}s{shown} {run.config}{extra}", flush=True)

    def _interrupted(self) -> None:
        """Ctrl-C: the running trials are marked and queued again for ``resume``."""
        for run in self.running.values():
            run.trial.set_user_attr("status", "interrupted")
            run.trial.set_user_attr("history", run.history)
            self.study.tell(run.trial, state=self.optuna.trial.TrialState.FAIL)
            self.study.enqueue_trial(run.trial.params, skip_if_exists=False)
        self.running.clear()


def load(storage: str | os.PathLike[str], metric: str | None = None) -> Results:
    """The results of the study in ``storage`` (e.g. after an interrupted ``run``)."""
    import json
    optuna = _optuna()
    folder = Path(storage)
    db = folder / "study.db"
    if not db.exists():
        raise FileNotFoundError(f"load: no study in {folder} (expected {db})")
    study = optuna.load_study(study_name=STUDY_NAME, storage=f"sqlite:///{db}")
    saved = json.loads((folder / "results.json").read_text()) \
        if (folder / "results.json").exists() else {}
    metric = metric or saved.get("metric", "val_acc")
    mode = "max" if study.direction == optuna.study.StudyDirection.MAXIMIZE else "min"
    params = sorted({p for t in study.get_trials(deepcopy=False) for p in t.params})
    return Results.from_study(study, metric, mode, params, saved.get("constants", {}), folder)
