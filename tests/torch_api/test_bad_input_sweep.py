"""A generated sweep of bad input over every public function, compared with PyTorch.

``sweep_helpers`` builds the cases from the package itself: for each public callable that
PyTorch also has (``tg.*``, Tensor methods, ``nn.functional``, ``linalg``, ``nn`` modules and
``optim`` constructors) a call that works on both libraries, then that call with each tensor
argument replaced by ``None``, a string, a list of strings, another rank, an int or bool tensor,
an empty tensor or NaN/Inf, and each int argument by -1, 99, 2.5, ``True``, ``None`` or a string.

A case passes when both libraries raise, ours an instance of torch's exception type with a
message naming the function, or when both return equal results. The hand-written tables in
``test_bad_input_errors.py`` and ``tests/tools/test_bad_inputs.py`` check the wording of the
important messages; this sweep checks that nothing is missed.

Two lists say where we differ today:

- ``DELIBERATE``: differences we keep on purpose, each with its reason;
- ``bad_input_sweep_known.txt``: failures not fixed yet, one case id per line. The test fails
  on any failure not listed (a regression), and on any listed case that now passes (remove its
  line: the list only shrinks). Regenerate it with
  ``python tests/torch_api/test_bad_input_sweep.py --write-known``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import sweep_helpers as S

KNOWN_FILE = Path(__file__).with_name("bad_input_sweep_known.txt")

# Deliberate differences: (regex on the case id, regex on the verdict, reason).
# (``sweep_helpers.classify`` also accepts a message that is PyTorch's text word for word, as
# the optimizers' "Invalid learning rate: -1.0" is: tests/optim holds us to that text.)
DELIBERATE: list[tuple[str, str, str]] = [
    # For a non-tensor where a tensor belongs, torch's Python-level functions fail inside with
    # an AttributeError ("'NoneType' object has no attribute 'dim'"): a raw error. We raise a
    # TypeError naming the function and the argument, as torch's C++ functions do.
    (r".", r"^type: ours TypeError, torch AttributeError", "torch's own raw error"),
    # torch.nn.functional.pixel_(un)shuffle returns an empty input unchanged, with its old
    # channel count; ours has the shape the op defines for every batch size, (0, C*r*r, H, W).
    (r"pixel_unshuffle|pixel_shuffle|PixelUnshuffle|PixelShuffle", r"^result: shape",
     "torch's empty-input shortcut"),
    # scaled_dot_product_attention with a batch of 0 values and 1 query: torch returns a batch
    # of 1; a batch of 1 broadcast with a batch of 0 is a batch of 0.
    (r"^F\.scaled_dot_product_attention\[args\[2\]=empty\]", r"^result: shape",
     "broadcasting 1 with 0 gives 0"),
    # hardswish(-inf): torch computes -inf * 0 = NaN; hardswish is 0 for every x <= -3.
    (r"[Hh]ardswish\[.*nan/inf", r"^result: values", "the limit, not -inf * 0"),
    # gelu(inf): torch's vectorised CPU kernel (seen with AVX512) gives NaN, its scalar path and
    # float64 give inf (a lone element: F.gelu(torch.tensor([inf])) is inf); gelu(x) -> x.
    (r"^(F\.gelu|module\.GELU)\[.*nan/inf", r"^result: values", "torch's vectorised kernel"),
]


USED: set[int] = set()  # the DELIBERATE entries that some case needed


def deliberate(case_id: str, verdict: str) -> bool:
    for i, (case, why, _) in enumerate(DELIBERATE):
        if re.search(case, case_id) and re.search(why, verdict):
            USED.add(i)
            return True
    return False


def run_sweep(torch: object, only: str = "") -> tuple[dict[str, str], list[str], int]:
    """{case id: verdict} for every case that fails (of the cases whose id matches ``only``),
    the names without a base call, and the number of calls made."""
    bases, missing = S.all_bases(torch)
    calls = [m for b in bases for m in S.mutations(b) if re.search(only, m.id)]
    failures = {}
    for call in calls:
        verdict = S.verdict(call, torch)
        if verdict and not deliberate(call.id, verdict):
            failures[call.id] = verdict
    return failures, missing, len(calls)


def read_known() -> set[str]:
    lines = KNOWN_FILE.read_text().splitlines() if KNOWN_FILE.exists() else []
    return {line.split("  ")[0] for line in lines if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def sweep() -> tuple[dict[str, str], list[str], int]:
    torch = pytest.importorskip("torch")
    return run_sweep(torch)


def test_the_sweep_covers_the_public_api(sweep: tuple[dict[str, str], list[str], int]):
    failures, missing, n_calls = sweep
    assert n_calls > 6000, n_calls
    # callables for which no template call works on both libraries (listed for the reader)
    assert len(missing) < 150, missing


def test_no_failure_beyond_the_known_list(sweep: tuple[dict[str, str], list[str], int]):
    failures, _, _ = sweep
    new = {k: v for k, v in failures.items() if k not in read_known()}
    assert not new, "\n".join(f"{k}  {v}" for k, v in sorted(new.items())[:40])


def test_every_known_failure_still_fails(sweep: tuple[dict[str, str], list[str], int]):
    failures, _, _ = sweep
    fixed = sorted(read_known() - set(failures))
    assert not fixed, f"{len(fixed)} cases pass now: remove them from {KNOWN_FILE.name}: " \
                      f"{fixed[:20]}"


def test_every_deliberate_difference_is_still_needed(
        sweep: tuple[dict[str, str], list[str], int]):
    unused = [DELIBERATE[i][2] for i in range(len(DELIBERATE)) if i not in USED]
    assert not unused, f"no case needs these any more: {unused}"


if __name__ == "__main__":
    import torch

    # --only REGEX: run the cases whose id matches, and print their failures (for work on them)
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    found, not_found, n = run_sweep(torch, only)
    if only:
        print("\n".join(f"{k}  {v}" for k, v in sorted(found.items())))
    elif "--write-known" in sys.argv:
        header = ["# Bad-input sweep cases that still differ from PyTorch (case id, verdict).",
                  "# Generated by test_bad_input_sweep.py --write-known; the list only shrinks."]
        KNOWN_FILE.write_text("\n".join(header + [f"{k}  {v}".replace("\n", " ")
                                                  for k, v in sorted(found.items())]) + "\n")
    kinds = {k: sum(v.startswith(k) for v in found.values())
             for k in ("raw", "type", "accepted", "refused", "result")}
    print(f"{n} calls, {len(found)} failing: {kinds}; no base call for {len(not_found)}")
