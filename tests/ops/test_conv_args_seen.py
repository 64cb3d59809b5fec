"""``conv2d_args`` remembers accepted plain arguments: a repeat call answers like the first, and
arguments that differ only in type (bools, numpy ints, lists) still take the full checks."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu.ops import conv_args
from tinygrad_edu.ops.conv_args import conv2d_args


def _outcome(*args):
    try:
        return conv2d_args(*args)
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return type(e), str(e)


def _full(*args):
    conv_args._CONV2D_SEEN.clear()
    return _outcome(*args)


X = np.zeros((2, 4, 7, 6), np.float32)
W = np.zeros((6, 2, 3, 3), np.float32)
B = np.zeros(6, np.float32)
CASES = [
    (X, W, B, 1, 0, 1, 2),
    (X, W, np.empty(0, np.float32), (2, 1), (1, 0), (1, 2), 2),
    (X.astype(np.float64), W.astype(np.float64), B.astype(np.float64), 1, 1, 1, 2),
    (X[:0], W, B, 1, 1, 1, 2),  # empty batch
    (X, W, B, 1, 0, 4, 2),  # kernel larger than the input: refused
    (X, W, B, 0, 0, 1, 2),  # non-positive stride
    (X, W, B, 1, -1, 1, 2),  # negative padding
    (X, W, B, 1, 0, 1, 3),  # groups that do not divide
    (X, W, B, 1, 0, 1, True),  # a bool for groups
    (X, W, B, True, 0, 1, 2),  # a bool for stride
    (X, W, B, (1, True), 0, 1, 2),
    (X, W, B, np.int64(1), 0, 1, 2),
    (X, W, B, [1, 1], 0, 1, 2),
    (X, W, B, 1.0, 0, 1, 2),
    (X, W, B, (1, 1, 1), 0, 1, 2),
    (X.astype(np.float64), W, B, 1, 0, 1, 2),  # dtypes differ
    (X, W, B[:3], 1, 0, 1, 2),  # wrong bias shape
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_repeat_call_answers_like_the_full_checks(case):
    args = CASES[case]
    want = _full(*args)
    assert _outcome(*args) == want  # the second call may come from what was remembered
    for other in CASES:  # seen: every other case, then this one again
        _outcome(*other)
    assert _outcome(*args) == want


def test_only_plain_arguments_are_remembered():
    conv_args._CONV2D_SEEN.clear()
    conv2d_args(X, W, B, 1, 0, 1, 2)
    conv2d_args(X, W, B, np.int64(1), 0, 1, 2)
    conv2d_args(X, W, B, [1, 1], 0, 1, 2)
    assert len(conv_args._CONV2D_SEEN) == 1


def test_remembered_answers_are_bounded():
    conv_args._CONV2D_SEEN.clear()
    for h in range(3, 3 + conv_args._SEEN_LIMIT + 5):
        conv2d_args(np.zeros((1, 4, h, 5), np.float32), W, B, 1, 0, 1, 2)
    assert len(conv_args._CONV2D_SEEN) <= conv_args._SEEN_LIMIT
