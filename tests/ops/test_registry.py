"""Registry completeness: forgetting to test an op is a test failure.

- every op registered in ``OPS`` is covered by some catalog row (``tests/ops/op_catalog.py``
  joins the rows of ``tests/ops/catalog/*.py``);
- every catalog row names a registered op or a known composite, and covers only registered
  ops, and really runs each op it claims to cover (checked by tracing the forward calls);
- every op has a docstring and a public entry point (Tensor method, operator, ``tg.*`` or
  ``F.*`` function);
- every op name listed in the issue has a row;
- every op has a PyTorch reference in ``tinygrad_edu.testing.TORCH_OPS`` and the table names
  only registered ops (``test_torch_ops.py`` checks each reference against its op);
- each catalog row of a registered op sits in the module of the op's family;
- ``docs/ops.md`` (generated from the registry and the table) is up to date.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from op_catalog import (
    COMPOSITES,
    FAMILIES,
    ISSUE_NAMES,
    ROWS,
    OpRow,
    Sample,
    covered_ops,
    rows_named,
)

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import OPS, OpDef
from tinygrad_edu.testing import TORCH_OPS, TorchRef
from tinygrad_edu.testing.ops_doc import COMMAND

REPO = Path(__file__).resolve().parents[2]


def test_every_registered_op_has_a_catalog_row() -> None:
    missing = sorted(set(OPS) - covered_ops())
    assert not missing, (
        f"registered ops with no catalog row covering them: {missing}; add a row to the op "
        "family's module in tests/ops/catalog/ (parity, gradcheck and registry tests then "
        "pick them up)")


def test_catalog_names_only_registered_ops() -> None:
    unknown_covers = sorted(covered_ops() - set(OPS))
    assert not unknown_covers, f"rows claim to cover unregistered ops: {unknown_covers}"
    unknown_names = sorted({r.name for r in ROWS} - set(OPS) - COMPOSITES)
    assert not unknown_names, (
        f"rows named neither a registered op nor a known composite: {unknown_names}")


def test_row_ids_are_unique() -> None:
    ids = [r.id for r in ROWS]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate row ids: {dupes}"


def test_differentiable_rows_cover_differentiable_ops() -> None:
    """Each op with a backward is exercised by at least one differentiable row."""
    with_backward = {name for name, op in OPS.items() if op.backward is not None}
    covered = set().union(*(r.covers for r in ROWS if r.differentiable))
    missing = sorted(with_backward - covered)
    assert not missing, f"ops with a backward but no differentiable row: {missing}"


def test_every_issue_name_has_a_row() -> None:
    missing = [name for name in ISSUE_NAMES if not rows_named(name)]
    assert not missing, f"ops listed in the issue without a catalog row: {missing}"


def test_every_registered_op_has_a_torch_reference() -> None:
    missing = sorted(set(OPS) - set(TORCH_OPS))
    assert not missing, (
        f"registered ops with no PyTorch reference: {missing}; add a TorchRef for each to "
        "TORCH_OPS in tinygrad_edu/testing/torch_ops.py (test_torch_ops.py then checks it)")


def test_torch_reference_table_names_only_registered_ops() -> None:
    unknown = sorted(set(TORCH_OPS) - set(OPS))
    assert not unknown, f"TORCH_OPS has entries for ops that are not registered: {unknown}"


def test_torch_references_are_described() -> None:
    """Each entry is a TorchRef with a one-line description (a row of docs/ops.md)."""
    bad = [name for name, ref in TORCH_OPS.items()
           if not isinstance(ref, TorchRef) or not callable(ref.fn)
           or not ref.description.strip() or "\n" in ref.description]
    assert not bad, f"TORCH_OPS entries that are not a TorchRef with a one-line description: {bad}"


def test_rows_sit_in_their_op_family_module() -> None:
    """A row named after a registered op is in tests/ops/catalog/<file>.py for the op's
    tinygrad_edu/ops/<file>.py."""
    misplaced = []
    for family in FAMILIES:
        module = family.__name__.rpartition(".")[2]
        for r in family.ROWS:
            if r.name in OPS and OPS[r.name].forward.__module__.rpartition(".")[2] != module:
                misplaced.append(f"{r.id} (in {module}.py)")
    assert not misplaced, f"catalog rows outside their op's family module: {misplaced}"


def test_ops_doc_is_up_to_date() -> None:
    """docs/ops.md is what the generator prints now (run in a fresh interpreter)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))
    run = subprocess.run([sys.executable, "-m", "tinygrad_edu.testing.ops_doc"], cwd=REPO,
                         env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, f"{COMMAND} failed:\n{run.stderr}"
    committed = (REPO / "docs" / "ops.md").read_text(encoding="utf-8")
    assert run.stdout == committed, f"docs/ops.md is out of date; regenerate it: {COMMAND}"


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_has_a_docstring(name: str) -> None:
    op = OPS[name]
    assert isinstance(op, OpDef)
    assert op.name == name
    assert op.doc.strip(), f"op {name!r} has an empty docstring (OpDef.doc)"
    assert callable(op.forward)
    assert op.backward is None or callable(op.backward)


# Where an op's public entry point is not simply Tensor.<name>, tg.<name> or F.<name>.
ENTRY_POINTS: dict[str, tuple[str, ...]] = {
    "add": ("Tensor.__add__",), "sub": ("Tensor.__sub__",), "mul": ("Tensor.__mul__",),
    "div": ("Tensor.__truediv__",), "pow": ("Tensor.__pow__",), "neg": ("Tensor.__neg__",),
    "eq": ("Tensor.__eq__",), "ne": ("Tensor.__ne__",), "lt": ("Tensor.__lt__",),
    "le": ("Tensor.__le__",), "gt": ("Tensor.__gt__",), "ge": ("Tensor.__ge__",),
    "cast": ("Tensor.type", "Tensor.to"), "getitem": ("Tensor.__getitem__",),
    "index_put": ("Tensor.__setitem__",), "nll_loss": ("F.nll_loss",),
    "take_along_dim": ("Tensor.take_along_dim", "tg.take_along_dim", "Tensor.gather",
                       "tg.gather"),
    "trunc_divide": ("Tensor.div",),
    # torch.linalg
    "inv": ("linalg.inv", "Tensor.inverse"), "logabsdet": ("linalg.slogdet", "Tensor.slogdet"),
    "solve": ("linalg.solve",), "eigh": ("linalg.eigh",), "svd": ("linalg.svd",),
    "qr": ("linalg.qr",),
    # torch.nn.grad
    "conv2d_weight": ("grad.conv2d_weight",),
}
#: ops known to lack a public entry point, as name -> reason
MISSING_ENTRY_POINT: dict[str, str] = {
    "linear_scan": "an op of the backward only: the scans' and prod's differentiable "
                   "backward (torch has no such function)",
}
# the pooling backwards, ops only so that gradients can be differentiated
MISSING_ENTRY_POINT |= {name: "internal: a pooling's backward as an op, run by autograd with "
                        "create_graph=True (torch has no public name for it)"
                        for name in ("max_pool2d_scatter", "max_pool2d_gather",
                                     "avg_pool2d_scatter", "avg_pool2d_gather")}
# tanh's, sigmoid's and log_softmax's backward, ops so that a gradient's graph has one node
MISSING_ENTRY_POINT |= {name: "internal: an activation's backward as an op, run by autograd "
                        "with create_graph=True (torch.ops.aten has it, no public name)"
                        for name in ("tanh_backward", "sigmoid_backward",
                                     "log_softmax_backward_data")}


def _resolve(path: str) -> Any:
    owner, _, attr = path.partition(".")
    root = {"Tensor": tg.Tensor, "tg": tg, "F": F, "linalg": tg.linalg,
            "grad": tg.nn.grad}[owner]
    return getattr(root, attr, None)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason=MISSING_ENTRY_POINT[n])]
                 if n in MISSING_ENTRY_POINT else []) for n in sorted(OPS)])
def test_op_has_a_public_entry_point(name: str) -> None:
    candidates = ENTRY_POINTS.get(name, (f"Tensor.{name}", f"tg.{name}", f"F.{name}"))
    found = [c for c in candidates if callable(_resolve(c))]
    assert found, f"op {name!r} has none of the public entry points {list(candidates)}"


# ----------------------------------------------------------------------------- tracing


class _Recorder:
    """Wraps every OpDef in OPS so that its forwards (readable and fast) record its name when
    they run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: set[str] = set()
        for name, op in list(OPS.items()):
            fast = op.fast_forward
            monkeypatch.setitem(OPS, name, op._replace(
                forward=self._wrap(name, op.forward),
                fast_forward=None if fast is None else self._wrap(name, fast)))

    def _wrap(self, name: str, forward: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.seen.add(name)
            return forward(*args, **kwargs)

        return recorded


def _run_ours(row: OpRow, sample: Sample) -> None:
    need = set(sample.grad_indices()) if row.differentiable else set()
    args = [tg.from_numpy(a).requires_grad_(True) if i in need else tg.from_numpy(a)
            for i, a in enumerate(sample.args)]
    row.fn_ours(*args, **sample.kwargs)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row_runs_the_ops_it_covers(row: OpRow, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row's ``covers`` is checked, not trusted: its forward must call each of those ops."""
    recorder = _Recorder(monkeypatch)

    @settings(max_examples=5, derandomize=True, database=None)
    @given(sample=row.strategy())
    def run(sample: Sample) -> None:
        _run_ours(row, sample)

    run()
    not_run = sorted(row.covers - recorder.seen)
    assert not not_run, (
        f"row {row.id} claims to cover {sorted(row.covers)} but never ran {not_run} "
        f"(ran {sorted(recorder.seen)})")


def test_recorder_sees_ops() -> None:
    """The tracing above works at all (guards against OPS lookups that bypass the dict)."""
    mp = pytest.MonkeyPatch()
    try:
        recorder = _Recorder(mp)
        x = tg.from_numpy(np.arange(6.0).reshape(2, 3)).requires_grad_(True)
        (x.exp() * 2.0).sum()
        assert {"exp", "mul", "sum"} <= recorder.seen
    finally:
        mp.undo()


def test_row_tolerances_are_positive() -> None:
    """Per-row tolerances, never atol=0 (STYLE 3.8)."""
    bad = [r.id for r in ROWS if min(r.rtol, r.atol, r.grad_rtol, r.grad_atol, r.f32_rtol,
                                     r.f32_atol) <= 0]
    assert not bad, f"rows with a zero tolerance: {bad}"
