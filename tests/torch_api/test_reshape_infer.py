"""``reshape``/``view`` with a -1: the inferred size and the refusals agree with torch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

SHAPES = [(), (0,), (0, 3), (2, 3), (6,), (4, 0, 2), (1,), (2, 2, 2)]
SIZES = [-2, -1, 0, 1, 2, 3, 4, 6, 8]


def _outcome(x, target):
    try:
        return tuple(x.reshape(*target).shape)
    except RuntimeError:
        return RuntimeError


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_reshape_inference_matches_torch(shape):
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    ours, theirs = tg.tensor(data), torch.tensor(data)
    for k in range(4):
        for target in itertools.product(SIZES, repeat=k):
            if -1 not in target:
                continue
            got = _outcome(ours, target)
            want = _outcome(theirs, target)
            assert got == want, (shape, target, got, want)
            if got is not RuntimeError:
                np.testing.assert_array_equal(ours.reshape(*target).numpy(),
                                              theirs.reshape(*target).numpy())


def test_reshape_refusal_message_names_shape_and_size():
    x = tg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"reshape: shape \[4, -1\] is invalid for input "
                                           r"of size 6"):
        x.reshape(4, -1)
    with pytest.raises(RuntimeError, match=r"reshape: shape \[-1, -1\] is invalid"):
        x.view(-1, -1)
