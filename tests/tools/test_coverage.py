"""The API-coverage report: the course checklist is present or explained, every explanation
is what a user reads, and ``python -m tinygrad_edu.coverage`` runs."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import tinygrad_edu as tg
from tinygrad_edu import coverage
from tinygrad_edu.coverage import EXPLAINED, MISSING, PRESENT, course_report, status
from tinygrad_edu.coverage.course import COURSE
from tinygrad_edu.unsupported import PLANNED, UNSUPPORTED

OWNERS = {"torch": lambda: tg, "Tensor": lambda: tg.zeros(1),
          "autograd": lambda: tg.autograd, "utils": lambda: tg.utils, "nn": lambda: tg.nn,
          "nn.functional": lambda: tg.nn.functional, "optim": lambda: tg.optim,
          "utils.data": lambda: tg.utils.data}


def test_course_checklist_is_present_or_explained() -> None:
    missing = {r.namespace: r.missing for r in course_report() if r.missing}
    assert not missing, f"course names neither present nor explained: {missing}"


def test_course_names_are_torch_names() -> None:
    torch = pytest.importorskip("torch")
    owners = {"torch": torch, "Tensor": torch.Tensor}
    typos = [f"{ns}.{n}" for ns, names in COURSE.items() for n in names
             if not coverage.resolve(owners[ns], n)]
    assert not typos, f"names in coverage/course.py that torch does not have: {typos}"


@pytest.mark.parametrize("namespace", sorted(set(UNSUPPORTED) | set(PLANNED)))
def test_explained_names_raise_the_explanation(namespace: str) -> None:
    """Each explained name is absent, and reaching it gives an AttributeError with the reason
    (so ``hasattr`` stays False and the user reads why)."""
    owner = OWNERS[namespace]()
    names = {**UNSUPPORTED.get(namespace, {}), **PLANNED.get(namespace, {})}
    for name in names:
        head = name.split(".")[0]
        if "." in name and hasattr(owner, head):
            continue  # "cuda.amp": tg.cuda exists; the entry documents the submodule
        with pytest.raises(AttributeError, match="is not (supported|available yet): "):
            getattr(owner, head)
        assert not hasattr(owner, head)


def test_status_sorts_names() -> None:
    owner = types.SimpleNamespace(sub=types.SimpleNamespace(f=1), g=2)
    assert status("torch", "g", owner) == (PRESENT, "")
    assert status("torch", "sub.f", owner) == (PRESENT, "")
    assert status("torch", "nope", owner) == (MISSING, "")
    state, reason = status("torch", "compile", owner)
    assert state == EXPLAINED
    assert "graph compiler" in reason
    state, reason = status("torch", "autograd.forward_ad", owner)
    assert state == EXPLAINED
    assert "autograd.functional.jvp" in reason
    state, reason = status("torch", "utils.checkpoint", owner)
    assert state == EXPLAINED
    assert "planned" in reason


def test_unknown_names_get_python_errors_with_a_suggestion() -> None:
    with pytest.raises(AttributeError, match="module 'tinygrad_edu' has no attribute 'arangee'; "
                                             "did you mean 'arange'"):
        tg.arangee  # noqa: B018
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'sortt'"):
        tg.zeros(1).sortt  # noqa: B018
    assert tg.testing.gradcheck is not None  # the tool packages load on first use
    assert tg.onnx.export is not None  # as torch.onnx does after import torch


def test_command_line_prints_both_tables() -> None:
    pytest.importorskip("torch")
    out = subprocess.run([sys.executable, "-m", "tinygrad_edu.coverage", "--list", "missing"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Course checklist" in out.stdout
    assert "All public names of torch" in out.stdout
    for namespace in coverage.NAMESPACES:
        assert f"\n{namespace} " in out.stdout
    course = subprocess.run([sys.executable, "-m", "tinygrad_edu.coverage", "--course"],
                            capture_output=True, text=True, check=False)
    assert "is not supported: " in course.stdout


def test_nn_optim_and_data_are_present_or_explained() -> None:
    """Sections 3-5 of the checklist: every public name of torch.nn, nn.functional, nn.init,
    optim, optim.lr_scheduler and torch.utils.data is here or says why it is not."""
    pytest.importorskip("torch")
    namespaces = ["nn", "nn.functional", "nn.init", "optim", "optim.lr_scheduler", "utils.data"]
    missing = {r.namespace: r.missing for r in coverage.report(namespaces) if r.missing}
    assert not missing, f"torch names neither present nor explained: {missing}"
