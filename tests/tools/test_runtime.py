"""Importing tinygrad_edu changes nothing outside it; process-wide tuning is an explicit call."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.kernels import threads

# Everything another library could feel: the environment, numpy's BLAS threads, Numba's
# thread count and whether its threading layer was started, glibc's allocator thresholds.
PROBE = """
import ctypes, json, os, sys
# the probe's own tool first: importing threadpoolctl sets KMP_DUPLICATE_LIB_OK (setdefault)
from threadpoolctl import threadpool_info
before_env = dict(os.environ)
import numpy
first = {p["internal_api"]: p["num_threads"] for p in threadpool_info()}
import tinygrad_edu as tg
x = tg.randn(300, 200, requires_grad=True)
(tg.nn.functional.relu(x @ tg.randn(200, 300)).sum()).backward()  # ops that use threads
import numba
after = {p["internal_api"]: p["num_threads"] for p in threadpool_info()}
changed_env = sorted(k for k in set(before_env) | set(os.environ)
                     if before_env.get(k) != os.environ.get(k))
print(json.dumps({"env": changed_env, "blas_before": first, "blas_after": after,
                  "numba_layer_started": numba.np.ufunc.parallel._is_initialized}))
"""


def _probe(code: str, **env: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_import_and_use_change_nothing_outside_the_package():
    seen = _probe(PROBE)
    assert seen["env"] == []  # no environment variable set or changed
    assert seen["blas_after"] == seen["blas_before"]  # numpy's BLAS keeps its thread count
    assert not seen["numba_layer_started"]  # no OpenMP/TBB pool of Numba's was started


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_malloc_tuning_is_an_explicit_call():
    code = ("import ctypes, json, tinygrad_edu as tg\n"
            "print(json.dumps({'tuned': tg.runtime.tune_malloc()}))\n")
    assert _probe(code) == {"tuned": True}


def test_blas_is_single_threaded_only_inside_the_scope_and_restored():
    controllers = threads._blas_controllers()
    if not controllers:
        pytest.skip("no BLAS library that threadpoolctl can control")
    before = [c.num_threads for c in controllers]
    with threads.single_threaded_blas():
        assert [c.num_threads for c in controllers] == [1] * len(controllers)
        with threads.single_threaded_blas():  # nested: nothing changes, nothing restored
            pass
        assert [c.num_threads for c in controllers] == [1] * len(controllers)
    assert [c.num_threads for c in controllers] == before
    with pytest.raises(ZeroDivisionError), threads.single_threaded_blas():
        1 / 0  # noqa: B018 - restored after an error too
    assert [c.num_threads for c in controllers] == before


def test_set_num_threads_validates_and_round_trips():
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(1)
        assert tg.get_num_threads() == 1
        with pytest.raises(ValueError, match="set_num_threads"):
            tg.set_num_threads(0)
        with pytest.raises(ValueError, match="set_num_threads"):
            tg.set_num_threads(1.5)
    finally:
        tg.set_num_threads(before)


@pytest.mark.parametrize(("a_shape", "b_shape"), [
    ((300, 200), (200, 50)), ((4, 70, 60), (60, 80)), ((70, 60), (5, 60, 80)),
    ((5, 70, 60), (5, 60, 80)), ((2, 1, 70, 60), (1, 3, 60, 80)), ((3,), (3, 4)),
])
def test_matmul_split_over_the_pool_equals_numpy(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    a_t = np.ascontiguousarray(np.swapaxes(a, -1, -2)) if a.ndim >= 2 else a
    before = threads.BLAS_SPLIT_MIN_WORK, threads.BLAS_THREADS_MIN_WORK
    threads.BLAS_SPLIT_MIN_WORK = threads.BLAS_THREADS_MIN_WORK = 1  # split even these
    try:
        np.testing.assert_allclose(threads.matmul(a, b), np.matmul(a, b), rtol=1e-12)
        if a.ndim >= 2:  # a transposed view, as the backward passes them
            view = np.swapaxes(a_t, -1, -2)
            np.testing.assert_allclose(threads.matmul(view, b), np.matmul(a, b), rtol=1e-12)
            out = np.empty(np.matmul(a, b).shape)
            assert threads.matmul(a, b, out=out) is out
            np.testing.assert_allclose(out, np.matmul(a, b), rtol=1e-12)
    finally:
        threads.BLAS_SPLIT_MIN_WORK, threads.BLAS_THREADS_MIN_WORK = before


def test_an_error_in_a_worker_reaches_the_caller_and_the_pool_still_works():
    before = threads.PARALLEL_MIN_WORK
    threads.PARALLEL_MIN_WORK = 1
    try:
        def body(start: int, stop: int) -> None:
            if start > 0:
                raise KeyError("boom in a worker")
        if tg.get_num_threads() > 1:
            with pytest.raises(KeyError, match="boom"):
                threads.parallel_for(10, body)
        seen: list[tuple[int, int]] = []
        threads.parallel_for(10, lambda s, e: seen.append((s, e)))
        assert sorted(seen)[0][0] == 0
        assert sum(e - s for s, e in seen) == 10
    finally:
        threads.PARALLEL_MIN_WORK = before


def test_workers_keep_no_reference_to_a_finished_task():
    """A worker drops its task before reporting it done: an array a kernel filled on the pool
    is then referenced by the caller alone, so a backward's fresh output can become a
    ``.grad`` without a copy."""
    before = tg.get_num_threads()
    tg.set_num_threads(2)
    try:
        out = np.zeros(10)
        alive = weakref.ref(out)

        def body(start: int, stop: int, out: np.ndarray = out) -> None:
            out[start:stop] = 1

        threads.parallel_for(10, body, work=threads.PARALLEL_MIN_WORK)
        assert out.sum() == 10
        del body, out
        assert alive() is None
    finally:
        tg.set_num_threads(before)
