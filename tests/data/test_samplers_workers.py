"""Samplers, stream datasets and worker processes of the DataLoader, checked against PyTorch.

Every random sampler must give PyTorch's indices for the same seed and leave the generators
in PyTorch's state; a loader with worker processes must give the batches of a loader without,
seed its workers as PyTorch seeds them, re-raise their errors and leave no process behind.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.data as tdata

torch = pytest.importorskip("torch")
tud = torch.utils.data

WAIT = 60  # seconds a loader with workers waits for a batch: a hang becomes an error


def seed_both(s: int) -> None:
    tg.manual_seed(s)
    torch.manual_seed(s)


def same_state() -> None:
    np.testing.assert_array_equal(tg.default_generator.get_state(),
                                  torch.get_rng_state().numpy())


def gens(seed: int | None) -> tuple[tg.Generator | None, torch.Generator | None]:
    if seed is None:
        return None, None
    return tg.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def same_gen(ours: tg.Generator | None, theirs: torch.Generator | None) -> None:
    if ours is not None:
        np.testing.assert_array_equal(ours.get_state(), theirs.get_state().numpy())


def as_lists(batches):
    """Batches of either framework as nested Python lists."""
    def plain(x):
        if isinstance(x, tg.Tensor | torch.Tensor):
            return x.tolist()
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [plain(v) for v in x]
        return x
    return [plain(b) for b in batches]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def assert_no_children(pids=()) -> None:
    """No worker process left: none known to multiprocessing, none of ``pids`` alive."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not multiprocessing.active_children() and not any(alive(p) for p in pids):
            return
        time.sleep(0.05)
    raise AssertionError(f"worker processes left: {multiprocessing.active_children()}")


# -- the samplers, draw for draw ---------------------------------------------------------

def test_sequential_sampler_and_base_class() -> None:
    assert list(tdata.SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    assert len(tdata.SequentialSampler([7, 8])) == 2
    with pytest.raises(NotImplementedError):
        iter(tdata.Sampler())


@pytest.mark.parametrize("seed", [None, 3])
@pytest.mark.parametrize(("replacement", "num_samples"),
                         [(False, None), (False, 7), (False, 25), (False, 30), (True, None),
                          (True, 70), (True, 5)])
def test_random_sampler_matches_torch(seed, replacement, num_samples) -> None:
    seed_both(0)
    g, G = gens(seed)
    ours = tdata.RandomSampler(range(10), replacement, num_samples, generator=g)
    theirs = tud.RandomSampler(range(10), replacement, num_samples, generator=G)
    for _ in range(3):  # a new order every pass
        assert list(ours) == list(theirs)
        same_state()
        same_gen(g, G)
    assert len(ours) == len(theirs)


def test_random_sampler_argument_errors() -> None:
    for kwargs, error in [({"replacement": 1}, TypeError), ({"num_samples": 0}, ValueError),
                          ({"num_samples": 2.0}, ValueError)]:
        with pytest.raises(error):
            tud.RandomSampler(range(3), **kwargs)
        with pytest.raises(error, match="RandomSampler"):
            tdata.RandomSampler(range(3), **kwargs)


@pytest.mark.parametrize("seed", [None, 5])
def test_subset_random_sampler_matches_torch(seed) -> None:
    seed_both(1)
    g, G = gens(seed)
    indices = [12, 3, 40, 7, 7, 19, 0]
    ours, theirs = tdata.SubsetRandomSampler(indices, g), tud.SubsetRandomSampler(indices, G)
    for _ in range(3):
        assert list(ours) == list(theirs)
        same_state()
        same_gen(g, G)
    assert len(ours) == 7


def test_the_cs231n_import_and_split() -> None:
    """The notebook's ``sampler.SubsetRandomSampler(range(N))`` in a DataLoader."""
    import tinygrad_edu.utils.data.sampler as sampler_module
    from tinygrad_edu.utils.data import sampler  # noqa: F401 - the notebook's import
    assert sampler_module.SubsetRandomSampler is tdata.SubsetRandomSampler
    seed_both(2)
    x = np.arange(30, dtype=np.float32)
    ours = tdata.DataLoader(tdata.TensorDataset(x, np.arange(30)), batch_size=8,
                            sampler=sampler.SubsetRandomSampler(range(20)))
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.arange(30)), batch_size=8,
                            sampler=tud.sampler.SubsetRandomSampler(range(20)))
    for _ in range(2):
        assert as_lists(ours) == as_lists(theirs)
        same_state()


@pytest.mark.parametrize("seed", [None, 4])
@pytest.mark.parametrize(("replacement", "num_samples"), [(True, 13), (True, 1), (False, 4),
                                                          (False, 6)])
def test_weighted_random_sampler_matches_torch(seed, replacement, num_samples) -> None:
    seed_both(3)
    g, G = gens(seed)
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    ours = tdata.WeightedRandomSampler(weights, num_samples, replacement, g)
    theirs = tud.WeightedRandomSampler(weights, num_samples, replacement, G)
    for _ in range(3):
        assert list(ours) == list(theirs)
        same_state()
        same_gen(g, G)
    assert len(ours) == num_samples
    assert ours.weights.dtype == tg.float64


def test_weighted_random_sampler_errors() -> None:
    for args in [([1.0, 2.0], 0), ([1.0, 2.0], True), ([[1.0, 2.0]], 2)]:
        with pytest.raises(ValueError, match="num_samples|weights"):
            tud.WeightedRandomSampler(*args)
        with pytest.raises(ValueError, match="WeightedRandomSampler"):
            tdata.WeightedRandomSampler(*args)
    with pytest.raises(ValueError, match="replacement"):
        tdata.WeightedRandomSampler([1.0], 1, replacement=None)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n", [20, 23])
def test_batch_sampler_over_a_random_sampler_matches_torch(drop_last, n) -> None:
    g, G = gens(9)
    ours = tdata.BatchSampler(tdata.RandomSampler(range(n), generator=g), 5, drop_last)
    theirs = tud.BatchSampler(tud.RandomSampler(range(n), generator=G), 5, drop_last)
    for _ in range(2):
        assert list(ours) == list(theirs)
        same_gen(g, G)
    assert len(ours) == len(theirs)
    for bad in [{"batch_size": 0, "drop_last": False}, {"batch_size": 2, "drop_last": 1}]:
        with pytest.raises(ValueError, match="batch_size|drop_last"):
            tud.BatchSampler(range(3), **bad)
        with pytest.raises(ValueError, match="BatchSampler"):
            tdata.BatchSampler(range(3), **bad)


# -- the loader's sampler options ---------------------------------------------------------

def pair(n: int = 23):
    x = np.arange(n, dtype=np.float32) * 10
    return (tdata.TensorDataset(x, np.arange(n)),
            tud.TensorDataset(torch.tensor(x), torch.arange(n)))


@pytest.mark.parametrize("kind", ["sampler", "batch_sampler", "weighted", "no_batching"])
def test_loader_sampler_options_match_torch(kind) -> None:
    ours_ds, theirs_ds = pair()
    seed_both(4)
    g, G = gens(11)
    if kind == "sampler":
        ours_kw = {"sampler": tdata.RandomSampler(ours_ds, True, 17, g), "batch_size": 4}
        theirs_kw = {"sampler": tud.RandomSampler(theirs_ds, True, 17, G), "batch_size": 4}
    elif kind == "batch_sampler":
        ours_kw = {"batch_sampler": tdata.BatchSampler(tdata.RandomSampler(ours_ds), 6, True)}
        theirs_kw = {"batch_sampler": tud.BatchSampler(tud.RandomSampler(theirs_ds), 6, True)}
    elif kind == "weighted":
        w = np.linspace(0.1, 2, 23)
        ours_kw = {"sampler": tdata.WeightedRandomSampler(w, 30), "batch_size": 8}
        theirs_kw = {"sampler": tud.WeightedRandomSampler(w, 30), "batch_size": 8}
    else:
        ours_kw = {"batch_size": None, "shuffle": True, "generator": g}
        theirs_kw = {"batch_size": None, "shuffle": True, "generator": G}
    ours, theirs = tdata.DataLoader(ours_ds, **ours_kw), tud.DataLoader(theirs_ds, **theirs_kw)
    assert len(ours) == len(theirs)
    for _ in range(2):
        assert as_lists(ours) == as_lists(theirs)
        same_state()
        same_gen(g, G)


def test_loader_without_batching_converts_each_sample() -> None:
    data = [(np.arange(3), 2.5, "a"), (np.ones(3), 1.0, "b")]
    ours = list(tdata.DataLoader(data, batch_size=None))
    theirs = list(tud.DataLoader(data, batch_size=None))
    assert as_lists(ours) == as_lists(theirs)
    assert type(ours[0]) is list
    assert isinstance(ours[0][0], tg.Tensor)
    assert ours[0][0].dtype == tg.int64


def test_custom_collate_fn_sees_the_sample_lists() -> None:
    ours_ds, theirs_ds = pair(7)
    def sizes(batch):
        return len(batch)
    assert list(tdata.DataLoader(ours_ds, 3, collate_fn=sizes)) == \
        list(tud.DataLoader(theirs_ds, 3, collate_fn=sizes)) == [3, 3, 1]


@pytest.mark.parametrize("kwargs", [
    {"shuffle": True, "sampler": [0, 1]},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
    {"num_workers": 1, "prefetch_factor": -1},
    {"timeout": -1},
    {"multiprocessing_context": "spawn"},
    {"num_workers": 1, "multiprocessing_context": "nonsense"},
])
def test_loader_option_errors_match_torch(kwargs) -> None:
    ours_ds, theirs_ds = pair(4)
    with pytest.raises(ValueError, match="option|multiprocessing_context") as theirs:
        tud.DataLoader(theirs_ds, **kwargs)
    with pytest.raises(ValueError, match="DataLoader") as ours:
        tdata.DataLoader(ours_ds, **kwargs)
    # the same complaint: the option named first in PyTorch's message is in ours
    first_word = str(theirs.value).split()[0].split("=")[0]
    assert first_word.lower() in str(ours.value).lower()


# -- streams, chained and stacked datasets ------------------------------------------------

class StreamBody:
    """A stream of 0..n-1 (as numpy ints), sharded among workers when ``shard`` is set."""

    def __init__(self, n: int, shard: bool = False, info=None) -> None:
        self.n, self.shard, self.info = n, shard, info

    def __iter__(self):
        info = self.info()
        start, step = (info.id, info.num_workers) if self.shard and info is not None else (0, 1)
        return iter(np.arange(start, self.n, step))

    def __len__(self) -> int:
        return self.n


class OurStream(StreamBody, tdata.IterableDataset):
    def __init__(self, n: int, shard: bool = False) -> None:
        super().__init__(n, shard, tdata.get_worker_info)


class TheirStream(StreamBody, tud.IterableDataset):
    def __init__(self, n: int, shard: bool = False) -> None:
        super().__init__(n, shard, tud.get_worker_info)


@pytest.mark.parametrize(("batch_size", "drop_last"), [(3, False), (3, True), (None, False)])
def test_loader_over_a_stream_matches_torch(batch_size, drop_last) -> None:
    ours = tdata.DataLoader(OurStream(8), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(TheirStream(8), batch_size=batch_size, drop_last=drop_last)
    assert as_lists(ours) == as_lists(theirs)
    assert len(ours) == len(theirs)


def test_a_stream_refuses_shuffle_and_samplers() -> None:
    for kwargs in [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}]:
        with pytest.raises(ValueError, match="expected unspecified"):
            tud.DataLoader(TheirStream(3), **kwargs)
        with pytest.raises(ValueError, match="IterableDataset: expected unspecified"):
            tdata.DataLoader(OurStream(3), **kwargs)
    with pytest.raises(TypeError, match="__getitem__"):
        OurStream(3)[0]


def test_chain_and_stack_datasets_match_torch() -> None:
    ours = tdata.ChainDataset([OurStream(3), OurStream(2)])
    theirs = tud.ChainDataset([TheirStream(3), TheirStream(2)])
    assert [int(v) for v in ours] == [int(v) for v in theirs] == [0, 1, 2, 0, 1]
    assert len(ours) == len(theirs) == 5
    assert [int(v) for v in OurStream(2) + OurStream(1)] == [0, 1, 0]
    with pytest.raises(AssertionError, match="IterableDataset"):
        list(tdata.ChainDataset([[1, 2]]))
    a, b = [1, 2, 3], ["x", "y", "z"]
    assert tdata.StackDataset(a, b)[1] == tud.StackDataset(a, b)[1] == (2, "y")
    assert tdata.StackDataset(p=a, q=b)[2] == tud.StackDataset(p=a, q=b)[2]
    assert len(tdata.StackDataset(a, b)) == 3
    for args, kwargs in [((a, b[:2]), {}), ((a,), {"q": b}), ((), {})]:
        with pytest.raises(ValueError, match="[Dd]ataset|kwargs"):
            tud.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError, match="StackDataset"):
            tdata.StackDataset(*args, **kwargs)
    loader = tdata.DataLoader(tdata.StackDataset(np.arange(4.0), np.arange(4)), batch_size=2)
    assert as_lists(loader) == as_lists(tud.DataLoader(tud.StackDataset(np.arange(4.0),
                                                                        np.arange(4)), 2))


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("data", [
    np.arange(3), np.float32(2.5), 3, "text", (np.zeros(2), 1), [np.ones(2), "s"],
    {"a": np.arange(2), "b": [np.int64(1)]}, Point(np.arange(2), 4.0), np.array(["a", "b"]),
])
def test_default_convert_matches_torch(data) -> None:
    ours, theirs = tdata.default_convert(data), tud.default_convert(data)
    assert type(ours).__name__ == type(theirs).__name__.replace("Tensor", "Tensor")
    assert as_lists([ours]) == as_lists([theirs])


def test_get_worker_info_is_none_in_the_main_process() -> None:
    assert tdata.get_worker_info() is None
    assert tud.get_worker_info() is None


# -- worker processes ---------------------------------------------------------------------

class Slow:
    """Samples i -> (features, i); ``fail_at`` raises there, ``kill_at`` kills the worker."""

    def __init__(self, n: int = 24, fail_at: int | None = None, kill_at: int | None = None,
                 error: type[Exception] = ValueError) -> None:
        self.n, self.fail_at, self.kill_at, self.error = n, fail_at, kill_at, error

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        if i == self.fail_at:
            raise self.error(f"sample {i} is broken")
        if i == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.full(3, i, dtype=np.float32), i


class Seeds:
    """What a worker's generators and get_worker_info say (framework-specific rand)."""

    def __init__(self, framework: str) -> None:
        self.framework = framework

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        lib = tg if self.framework == "tg" else torch
        info = (tdata if self.framework == "tg" else tud).get_worker_info()
        return (info.id, info.num_workers, info.seed, os.getpid(), float(lib.rand(1)[0]),
                float(np.random.rand()),  # noqa: NPY002 - the global one, seeded per worker
                random.random(), info.dataset is self)


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_give_the_batches_of_a_single_process(shuffle) -> None:
    g0, g2 = tg.Generator().manual_seed(5), tg.Generator().manual_seed(5)
    single = tdata.DataLoader(Slow(), batch_size=5, shuffle=shuffle, generator=g0)
    multi = tdata.DataLoader(Slow(), batch_size=5, shuffle=shuffle, generator=g2,
                             num_workers=2, timeout=WAIT, prefetch_factor=1)
    for _ in range(2):
        assert as_lists(multi) == as_lists(single)
        np.testing.assert_array_equal(g0.get_state(), g2.get_state())
    assert_no_children()


def test_workers_are_seeded_as_torch_seeds_them() -> None:
    g, G = gens(21)
    ours = tdata.DataLoader(Seeds("tg"), batch_size=2, num_workers=2, timeout=WAIT, generator=g)
    theirs = tud.DataLoader(Seeds("torch"), batch_size=2, num_workers=2, timeout=WAIT, generator=G)
    a, b = as_lists(ours), as_lists(theirs)
    strip = [[row[:3] + row[4:] for row in zip(*batch, strict=True)] for batch in a]
    strip_t = [[row[:3] + row[4:] for row in zip(*batch, strict=True)] for batch in b]
    assert strip == strip_t  # id, num_workers, seed, tg/torch rand, numpy, random, copy
    assert [batch[0] for batch in a] == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert all(batch[7] == [True, True] for batch in a)  # the worker's own copy
    same_gen(g, G)
    assert_no_children(pid for batch in a for pid in batch[3])


def test_worker_init_fn_runs_in_each_worker_after_seeding() -> None:
    def init(worker_id):
        np.random.seed(100 + worker_id)  # noqa: NPY002 - the global generator, as users do

    class Draw:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.random.randint(1000), tdata.get_worker_info().id  # noqa: NPY002

    loader = tdata.DataLoader(Draw(), batch_size=1, num_workers=2, timeout=WAIT,
                              worker_init_fn=init)
    got = [(int(v), int(w)) for v, w in loader]
    expect = {w: np.random.RandomState(100 + w).randint(1000, size=2).tolist() for w in (0, 1)}
    assert got == [(expect[0][0], 0), (expect[1][0], 1), (expect[0][1], 0), (expect[1][1], 1)]


@pytest.mark.parametrize("error", [ValueError, KeyError])
def test_a_worker_error_is_raised_again_with_its_traceback(error) -> None:
    loader = tdata.DataLoader(Slow(fail_at=13, error=error), batch_size=4, num_workers=2,
                              timeout=WAIT)
    batches = iter(loader)
    seen = [next(batches)[1].tolist() for _ in range(3)]
    with pytest.raises(error) as info:
        next(batches)
    text = str(info.value)
    assert f"Caught {error.__name__} in DataLoader worker process 1" in text
    assert "Traceback (most recent call last)" in text
    assert "__getitem__" in text
    assert "sample 13 is broken" in text
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert_no_children()


def test_an_error_in_worker_init_fn_is_raised_again() -> None:
    def init(worker_id):
        raise RuntimeError(f"cannot start worker {worker_id}")
    with pytest.raises(RuntimeError, match="cannot start worker 0"):
        list(tdata.DataLoader(Slow(), batch_size=4, num_workers=2, timeout=WAIT,
                              worker_init_fn=init))
    assert_no_children()


def test_a_dead_worker_is_reported_and_the_rest_stopped() -> None:
    loader = tdata.DataLoader(Slow(kill_at=6), batch_size=2, num_workers=2, timeout=WAIT)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    assert_no_children()


def test_timeout() -> None:
    class Sleepy:
        def __len__(self):
            return 1

        def __getitem__(self, i):
            time.sleep(1.5)
            return i

    with pytest.raises(RuntimeError, match="timed out after 0.3 seconds"):
        list(tdata.DataLoader(Sleepy(), num_workers=1, timeout=0.3))
    assert_no_children()


def test_stopping_early_or_dropping_the_loader_leaves_no_process() -> None:
    loader = tdata.DataLoader(Slow(), batch_size=2, num_workers=2, timeout=WAIT)
    for _ in loader:
        assert len(multiprocessing.active_children()) == 2
        break
    assert_no_children()
    it = iter(loader)
    next(it)
    del it
    assert_no_children()
    persistent = tdata.DataLoader(Seeds("tg"), batch_size=2, num_workers=2, timeout=WAIT,
                                  persistent_workers=True)
    next(iter(persistent))
    assert len(multiprocessing.active_children()) == 2
    del persistent
    assert_no_children()


def test_persistent_workers_keep_their_processes_and_match_torch() -> None:
    """PyTorch draws the workers' base seed once, when they start: later passes of a
    persistent loader draw only their order (so they differ from a non-persistent loader's)."""
    g, G = gens(8)
    ours = tdata.DataLoader(Slow(10), batch_size=3, shuffle=True, generator=g,
                            num_workers=2, timeout=WAIT, persistent_workers=True)
    theirs = tud.DataLoader(Slow(10), batch_size=3, shuffle=True, generator=G,
                            num_workers=2, timeout=WAIT, persistent_workers=True)
    pids = set()
    for epoch in range(3):
        assert as_lists(ours) == as_lists(theirs)
        same_gen(g, G)
        pids |= {p.pid for p in multiprocessing.active_children()}
        if epoch == 1:  # an abandoned pass: the next one starts clean
            next(iter(ours))
            next(iter(theirs))
    assert len(pids) == 2 + 2  # two workers each, the same ones all along
    del ours, theirs
    assert_no_children(pids)


@pytest.mark.parametrize("shard", [False, True])
def test_a_stream_with_workers_matches_torch(shard) -> None:
    ours = tdata.DataLoader(OurStream(11, shard), batch_size=3, num_workers=2, timeout=WAIT)
    theirs = tud.DataLoader(TheirStream(11, shard), batch_size=3, num_workers=2, timeout=WAIT)
    got = as_lists(ours)
    assert got == as_lists(theirs)
    flat = sorted(v for batch in got for v in batch)
    assert flat == (list(range(11)) if shard else sorted(list(range(11)) * 2))
    assert_no_children()


def test_persistent_workers_restart_a_stream_each_pass() -> None:
    ours = tdata.DataLoader(OurStream(5, True), batch_size=2, num_workers=2, timeout=WAIT,
                            persistent_workers=True)
    first = as_lists(ours)
    assert as_lists(ours) == first
    assert sorted(v for b in first for v in b) == list(range(5))
    del ours
    assert_no_children()


def test_spawned_workers_give_the_same_batches() -> None:
    g0, g2 = tg.Generator().manual_seed(1), tg.Generator().manual_seed(1)
    ds = tdata.TensorDataset(np.arange(24.0).reshape(12, 2), np.arange(12))
    single = tdata.DataLoader(ds, batch_size=4, shuffle=True, generator=g0)
    spawned = tdata.DataLoader(ds, batch_size=4, shuffle=True, generator=g2,
                               num_workers=2, timeout=WAIT, multiprocessing_context="spawn")
    assert as_lists(spawned) == as_lists(single)
    assert_no_children()


def test_tensors_cross_as_arrays_with_their_dtype() -> None:
    class Tensors:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": tg.full((2,), i, dtype=tg.float16), "y": tg.tensor(i)}

    batches = list(tdata.DataLoader(Tensors(), batch_size=2, num_workers=1, timeout=WAIT))
    assert batches[1]["x"].dtype == tg.float16
    assert batches[1]["y"].dtype == tg.int64
    assert as_lists(batches) == [{"x": [[0, 0], [1, 1]], "y": [0, 1]},
                                 {"x": [[2, 2], [3, 3]], "y": [2, 3]}]


CTRL_C_SCRIPT = """
import os, sys, time
import numpy as np
from tinygrad_edu.data import DataLoader

class Slow:
    def __len__(self):
        return 100
    def __getitem__(self, i):
        time.sleep(0.2)
        return os.getpid()

pids = set()
for batch in DataLoader(Slow(), batch_size=1, num_workers=2):
    pids.add(int(batch[0]))
    if len(pids) == 2:
        print(*pids, flush=True)
"""


def test_ctrl_c_stops_the_workers(tmp_path) -> None:
    """Ctrl-C reaches the whole process group: the script stops with KeyboardInterrupt and
    its workers are gone."""
    import subprocess
    import sys
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2
        assert all(alive(p) for p in pids)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "KeyboardInterrupt" in err
    assert proc.returncode != 0
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in pids)


@pytest.mark.parametrize("n", [10, 11, 2])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_matches_torch(n, shuffle, drop_last) -> None:
    from torch.utils.data.distributed import DistributedSampler as TheirDistributed

    from tinygrad_edu.utils.data.distributed import DistributedSampler
    for rank in range(3):
        ours = DistributedSampler(range(n), 3, rank, shuffle, seed=4, drop_last=drop_last)
        theirs = TheirDistributed(range(n), 3, rank, shuffle, seed=4, drop_last=drop_last)
        for epoch in range(2):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)
    with pytest.raises(ValueError, match="Invalid rank 3"):
        DistributedSampler(range(4), 3, 3)
    with pytest.raises(RuntimeError, match="num_replicas= and rank="):
        DistributedSampler(range(4))


class UnevenStream(tdata.IterableDataset):
    """Worker 0 has one sample; worker 1 has three slow ones (it outlives worker 0)."""

    def __iter__(self):
        info = tdata.get_worker_info()
        if info.id == 0:
            yield 0
            return
        for i, pause in ((1, 1.3), (2, 0.1), (3, 0.1)):
            time.sleep(pause)  # longer than the main process's liveness check interval
            yield i


def test_a_worker_whose_stream_ended_is_not_taken_for_dead_and_stays() -> None:
    """As in PyTorch, an ended worker idles until the pass is over. A worker that exited
    early could take the shared result queue's write lock with it (its feeder thread killed
    while holding it), and the other workers' results would never arrive."""
    loader = tdata.DataLoader(UnevenStream(), batch_size=1, num_workers=2, timeout=WAIT)
    it = iter(loader)
    got = [next(it).tolist(), next(it).tolist()]  # worker 0's end arrived before [1]
    assert all(w.is_alive() for w in it._workers)
    got += [b.tolist() for b in it]
    assert got == [[0], [1], [2], [3]]
    assert_no_children()


def test_persistent_workers_start_again_after_an_error() -> None:
    loader = tdata.DataLoader(Slow(8, fail_at=5), batch_size=2, num_workers=2, timeout=WAIT,
                              persistent_workers=True)
    with pytest.raises(ValueError, match="sample 5 is broken"):
        list(loader)
    assert_no_children()
    loader.dataset.fail_at = None
    assert [y.tolist() for _, y in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    del loader
    assert_no_children()


def test_a_sampler_may_give_any_keys() -> None:
    """Indices reach ``dataset[key]`` as the sampler gives them (here strings), as in torch."""
    table = {"a": np.float32(1), "b": np.float32(2), "c": np.float32(3)}
    assert as_lists(tdata.DataLoader(table, 2, sampler=["c", "a", "b"])) == \
        as_lists(tud.DataLoader(table, 2, sampler=["c", "a", "b"])) == [[3.0, 1.0], [2.0]]


class CountingSampler:
    """0..n-1, counting how many indices the loader has asked for."""

    def __init__(self, n: int) -> None:
        self.n, self.pulled = n, 0

    def __iter__(self):
        for i in range(self.n):
            self.pulled += 1
            yield i

    def __len__(self) -> int:
        return self.n


@pytest.mark.parametrize("prefetch_factor", [1, 3])
def test_prefetch_factor_keeps_as_many_batches_in_flight_as_torch(prefetch_factor) -> None:
    pulled = []
    for lib in (tdata, tud):
        sampler = CountingSampler(40)
        loader = lib.DataLoader(Slow(40), batch_size=2, sampler=sampler, num_workers=2,
                                timeout=WAIT, prefetch_factor=prefetch_factor)
        batches = iter(loader)
        counts = [sampler.pulled]
        for _ in range(3):
            next(batches)
            counts.append(sampler.pulled)
        pulled.append(counts)
        del batches
    assert pulled[0] == pulled[1]
    assert pulled[0][0] == 2 * 2 * prefetch_factor  # batch_size * num_workers * factor
    assert_no_children()
