"""Process settings applied on import: thread-pool defaults and the malloc tuning."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

PROBE = """
import json, os, sys
import tinygrad_edu
from tinygrad_edu import _runtime
print(json.dumps({
    "omp": os.environ.get("OMP_WAIT_POLICY"),
    "openblas": os.environ.get("OPENBLAS_THREAD_TIMEOUT"),
    "malloc": _runtime.tune_malloc(),
}))
"""


def _probe(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT", "TINYGRAD_EDU_MALLOC")}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_thread_defaults_are_set_and_the_users_own_values_win():
    assert _probe() | {"malloc": None} == {"omp": "PASSIVE", "openblas": "22", "malloc": None}
    mine = _probe(OMP_WAIT_POLICY="ACTIVE", OPENBLAS_THREAD_TIMEOUT="28")
    assert (mine["omp"], mine["openblas"]) == ("ACTIVE", "28")


def test_runtime_is_imported_before_numpy():
    # OpenBLAS reads its variables when numpy loads it: the settings must come first
    code = ("import builtins, sys\n"
            "real = builtins.__import__\n"
            "import os\n"
            "def spy(name, *a, **k):\n"
            "    if name == 'numpy' and 'OPENBLAS_THREAD_TIMEOUT' not in os.environ:\n"
            "        raise SystemExit('numpy imported before the settings')\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = spy\n"
            "import tinygrad_edu\n")
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    subprocess.run([sys.executable, "-c", code], env=clean, check=True)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_malloc_tuning_can_be_switched_off():
    assert _probe()["malloc"] is True
    assert _probe(TINYGRAD_EDU_MALLOC="0")["malloc"] is False
