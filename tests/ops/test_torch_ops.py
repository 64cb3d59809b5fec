"""The PyTorch reference table is itself tested: every op a catalog row runs is replayed
against its ``TORCH_OPS`` entry, forward and backward.

For each row of ``tests/ops/op_catalog.py``, a few samples (hypothesis, the loaded profile's
settings, at most ``EXAMPLES`` per row) run the row's tinygrad_edu function under
``autograd.record_ops``; every recorded op then goes through ``testing.compare_record``: its
forward runs again on the recorded inputs in float64 and its reference runs in torch on the
same values, and one random upstream gradient goes through both backwards. A wrong reference
(or a wrong op) fails here.

The row named after an op must check that op's forward, and, for a differentiable row of an op
with a backward, its backward too; with ``test_registry.py`` (every op has an entry, and a row
named after it) that makes every entry of the table tested.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from op_catalog import ROW_IDS, ROWS, OpRow, Sample, run_examples

import tinygrad_edu as tg
from tinygrad_edu.autograd import OPS, record_ops
from tinygrad_edu.testing import compare_record

pytest.importorskip("torch")

pytestmark = pytest.mark.torch

EXAMPLES = 5  # per row: the catalog's parity tests run many more; this checks the table


def _check_row(row: OpRow, cap: int) -> tuple[set[str], set[str]]:
    """Run up to ``cap`` samples of the row with recording on and compare every recorded op
    with its reference; return the ops checked forward and those checked backward."""
    forward: set[str] = set()
    backward: set[str] = set()
    tol = {"rtol": max(row.rtol, row.grad_rtol), "atol": max(row.atol, row.grad_atol)}

    def body(sample: Sample, data: Any) -> None:
        need = set(sample.grad_indices()) if row.differentiable else set()
        args = [tg.from_numpy(a).requires_grad_(True) if i in need else tg.from_numpy(a)
                for i, a in enumerate(sample.args)]
        with record_ops() as records, tg.enable_grad():
            row.fn_ours(*args, **sample.kwargs)
        rng = np.random.default_rng([sample.seed, 3])
        for position, record in enumerate(records):
            if compare_record(record, position, rng=rng, **tol):
                backward.add(record.op.name)
            forward.add(record.op.name)

    run_examples(row, body, cap=cap)
    return forward, backward


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_recorded_ops_match_their_torch_reference(row: OpRow) -> None:
    """Each op the row runs matches its TORCH_OPS entry, forward and backward."""
    forward, _ = _check_row(row, EXAMPLES)
    assert forward, f"row {row.id} recorded no op"


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_reference_is_exercised(name: str) -> None:
    """A row named after the op checks its reference forward, and backward if it has one.

    (A row can run an op without differentiating it, e.g. ``cast`` of a bool array; this
    looks for one that does.)
    """
    rows = [r for r in ROWS if r.name == name and name in r.covers]
    with_backward = OPS[name].backward is not None
    for row in sorted(rows, key=lambda r: not r.differentiable):
        forward, backward = _check_row(row, 1)
        if name in forward and (not with_backward or name in backward):
            return
    what = "forward and backward" if with_backward else "forward"
    pytest.fail(f"no catalog row named {name!r} checks its reference's {what} "
                f"(rows tried: {[r.id for r in rows]})")
