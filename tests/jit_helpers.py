"""Run a test file's kernel tests again as plain Python (``NUMBA_DISABLE_JIT=1``).

With the JIT off the kernels are ordinary functions: tracebacks are readable and coverage sees
their lines. Each kernel test file calls ``assert_passes_without_jit(__file__, selection)``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np


def assert_passes_without_jit(test_file: str, selection: str, timeout: int = 600) -> None:
    """Run the tests of ``test_file`` matching ``-k selection`` in a JIT-less subprocess."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file, "-k",
         selection, "-W", "ignore::pytest.PytestConfigWarning"],
        env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout, result.stdout


@contextmanager
def plain_kernels(module: ModuleType) -> Iterator[None]:
    """Inside the block, every compiled kernel of ``module`` is its plain Python function.

    The kernels modules call their loops by global name (``ready(relu_range)``), so the
    Python wrappers that allocate and split the work run the plain loops too.
    """
    compiled = {name: obj for name, obj in vars(module).items() if hasattr(obj, "py_func")}
    try:
        for name, kernel in compiled.items():
            setattr(module, name, kernel.py_func)
        yield
    finally:
        for name, kernel in compiled.items():
            setattr(module, name, kernel)


def python_version(kernel: Callable[..., Any], module: ModuleType | None = None
                   ) -> Callable[..., Any]:
    """``kernel`` (a compiled kernel or a kernels-module function) run with every compiled
    kernel of its module replaced by its plain Python function."""
    owner = module or sys.modules[getattr(kernel, "py_func", kernel).__module__]

    def run(*args: Any) -> Any:
        with plain_kernels(owner):
            return getattr(kernel, "py_func", kernel)(*args)

    return run


def assert_python_function_matches(kernel: Callable[..., Any], *args: Any) -> None:
    """The kernel run as plain Python loops returns what the compiled kernels return, array
    for array (a tuple of results or a single one)."""
    compiled, plain = kernel(*args), python_version(kernel)(*args)
    for a, b in zip(*(r if isinstance(r, tuple) else (r,) for r in (compiled, plain)),
                    strict=True):
        np.testing.assert_array_equal(a, b)


@contextmanager
def num_threads(n: int) -> Iterator[None]:
    """Run tinygrad_edu's kernels and products on ``n`` threads inside the block, splitting
    even the small inputs of tests (normally those stay on the calling thread)."""
    from tinygrad_edu.kernels import threads

    names = ("PARALLEL_MIN_WORK", "BLAS_SPLIT_MIN_WORK", "BLAS_THREADS_MIN_WORK")
    before = threads.get_num_threads(), [getattr(threads, name) for name in names]
    threads.set_num_threads(n)
    for name in names:
        setattr(threads, name, 1)
    try:
        yield
    finally:
        threads.set_num_threads(before[0])
        for name, value in zip(names, before[1], strict=True):
            setattr(threads, name, value)
