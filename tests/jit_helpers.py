"""Run a test file's kernel tests again as plain Python (``NUMBA_DISABLE_JIT=1``).

With the JIT off the kernels are ordinary functions: tracebacks are readable and coverage sees
their lines. Each kernel test file calls ``assert_passes_without_jit(__file__, selection)``.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def assert_python_function_matches(kernel: Any, *args: Any) -> None:
    """``kernel.py_func`` (the plain Python loops) returns what the compiled kernel returns,
    array for array (a tuple of results or a single one)."""
    py_func = getattr(kernel, "py_func", kernel)
    compiled, plain = kernel(*args), py_func(*args)
    for a, b in zip(*(r if isinstance(r, tuple) else (r,) for r in (compiled, plain)),
                    strict=True):
        np.testing.assert_array_equal(a, b)
