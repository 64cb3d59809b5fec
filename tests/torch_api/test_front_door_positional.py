"""The front door's check of Tensor arguments passed by position names the same argument,
with the same message, as its check of arguments passed by keyword (the general path)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor.front_door import check_tensor_arguments, front_door, tensor_parameters


def _norm(input: Tensor, running_mean: Tensor | None, weight: Tensor | None = None,  # noqa: A002
          scale: float = 1.0, *, extra: Tensor | None = None) -> str:
    return "ran"


def _pair(a: Tensor, b: Tensor, flag: bool = False) -> str:
    return "ran"


def _message(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except TypeError as e:
        return str(e)


def _general(fn, name, *args, **kwargs):
    try:
        check_tensor_arguments(tensor_parameters(fn), args, kwargs, name)
    except TypeError as e:
        return str(e)
    return "ran"


T = tg.zeros(2)
CALLS = [
    (_pair, (T, T), {}), (_pair, (T, T, True), {}), (_pair, (np.zeros(2), T), {}),
    (_pair, (T, None), {}), (_pair, (None, [1.0]), {}), (_pair, (T,), {"b": T}),
    (_pair, (T,), {"b": 2}), (_pair, (3,), {"b": 2}), (_pair, (T, T), {"flag": True}),
    (_norm, (T, None), {}), (_norm, (T, None, None, 2.0), {}), (_norm, (T, 3.0, None), {}),
    (_norm, (T, None, "w"), {}), (_norm, ([1.0], None, None), {}), (_norm, (T, T, T, 1.0), {}),
    (_norm, (T,), {}), (_norm, ([1.0],), {}), (_norm, (T, None), {"weight": 1}),
    (_norm, (T, None), {"extra": 1}), (_norm, (T, None, T), {"extra": "e"}),
    (_norm, (T, [0.0]), {"extra": "e"}),
]


@pytest.mark.parametrize("case", range(len(CALLS)))
def test_positional_check_matches_the_general_one(case):
    fn, args, kwargs = CALLS[case]
    want = _general(fn, fn.__name__, *args, **kwargs)
    got = _message(front_door(fn, fn.__name__), *args, **kwargs)
    if want == "ran":  # (or Python's own error for a missing required argument)
        assert got == "ran" or "missing 1 required positional argument" in got
    else:
        assert got == want


def test_keyword_only_tensor_is_still_checked():
    wrapped = front_door(_norm, "norm")
    assert wrapped(T, None, extra=T) == "ran"
    with pytest.raises(TypeError, match=r"norm\(\): argument 'extra' must be a Tensor, not int"):
        wrapped(T, None, extra=1)


def test_module_calls_keep_their_messages():
    with pytest.raises(TypeError, match=r"batch_norm\(\): argument 'running_mean' must be a "
                                        r"Tensor, not list"):
        tg.nn.functional.batch_norm(tg.zeros(2, 3), [0.0] * 3, None)
    with pytest.raises(TypeError, match=r"relu\(\): argument 'input' must be a Tensor, not "
                                        r"ndarray"):
        tg.nn.functional.relu(np.zeros(3))
