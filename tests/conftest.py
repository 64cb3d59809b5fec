"""Test-suite configuration: hypothesis profiles, numpy printing, and the CI dependency guard.

Hypothesis profiles:
    ci   derandomized, no deadline (first calls compile Numba kernels), 25 examples per test.
    dev  random, no deadline, 50 examples per test: twice CI's, new ones on every run, and
         the whole local run stays near a quarter of an hour on 2 cores.

``ci`` is loaded when the ``CI`` environment variable is non-empty, ``dev`` otherwise;
``HYPOTHESIS_PROFILE=<name>`` overrides both.

Parity tests use ``pytest.importorskip("torch")`` so they skip on a machine without torch, and
the interop tests skip without onnx/onnxruntime, safetensors or tensorboard. In CI they must
not skip, so with ``CI`` set a missing test dependency stops the run before collection; the
same holds for the graphviz program ``dot`` (graph drawing tests).
"""

from __future__ import annotations

import importlib
import os
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50)


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _in_ci() else "dev"))

# Short, readable arrays in assertion messages.
np.set_printoptions(precision=5, suppress=True, linewidth=100)


def pytest_configure(config: pytest.Config) -> None:
    """In CI, fail the whole run (instead of skipping parity and interop tests) when a test
    dependency is missing."""
    if not _in_ci():
        return
    needed = ("torch", "sklearn", "matplotlib", "tqdm", "graphviz", "onnx", "onnxruntime",
              "safetensors", "tensorboard")
    try:
        for name in needed:
            importlib.import_module(name)
    except Exception as exc:  # ImportError, or a broken install raising OSError etc.
        raise pytest.UsageError(
            f"CI is set but importing the test dependency {name!r} failed "
            f"({type(exc).__name__}: {exc}). Parity and interop tests must run in CI, not "
            'skip: install the test extra with `python -m pip install -e ".[test]"` '
            "(it pins torch==2.13.0, the CPU build)."
        ) from exc
    if shutil.which("dot") is None:  # graph drawing tests render SVG; they skip only outside CI
        raise pytest.UsageError(
            "CI is set but the graphviz program `dot` is not on PATH, so the graph drawing "
            "tests would skip: install it (Debian/Ubuntu: apt-get install graphviz; .ci/run "
            "does this where it is missing).")
