"""Bad input that used to escape as a raw Python or numpy error now gets PyTorch's error type
with a message that names the function (and, where torch has one, torch's wording).

Each case runs the same call on both libraries: the error types must agree, and our message
must start with the function's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tg_F

torch = pytest.importorskip("torch")

# name -> (call(lib, F), the function our message starts with)
CASES: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "cat of 0-d tensors": (lambda T, F: T.cat([T.tensor(1.0), T.tensor(2.0)]), "cat"),
    "conv2d of None": (lambda T, F: F.conv2d(None, T.zeros(1, 1, 2, 2)), "conv2d"),
    "conv2d with None weight": (lambda T, F: F.conv2d(T.zeros(1, 1, 3, 3), None), "conv2d"),
    "conv1d of a list": (lambda T, F: F.conv1d([[1.0]], T.zeros(1, 1, 1)), "conv1d"),
    "conv2d with stride 2.5": (lambda T, F: F.conv2d(T.zeros(1, 1, 5, 5), T.zeros(1, 1, 2, 2),
                                                     stride=2.5), "conv2d"),
    "mean with keepdim='yes'": (lambda T, F: T.zeros(2, 3).mean(1, keepdim="yes"), "mean"),
    "sum with a positional keepdim string": (lambda T, F: T.zeros(2, 3).sum(1, "no"), "sum"),
    "amax with keepdim=1": (lambda T, F: T.zeros(2, 3).amax(1, keepdim=1), "amax"),
    "argmax of an empty tensor": (lambda T, F: T.zeros(0).argmax(), "argmax"),
    "argmin over an empty dim": (lambda T, F: T.zeros(0, 3).argmin(0), "argmin"),
    "argmax over an empty dim, keepdim": (lambda T, F: T.zeros(3, 0).argmax(1, True), "argmax"),
    "reshape to a string": (lambda T, F: T.zeros(2, 3).reshape("a"), "reshape"),
    "view with a float size": (lambda T, F: T.zeros(2, 3).view(2.0, 3), "reshape"),
    "expand with a float size": (lambda T, F: T.zeros(1, 3).expand((2.5, 3)), "expand"),
    "repeat with a string": (lambda T, F: T.zeros(3).repeat("a"), "repeat"),
    "permute with a string": (lambda T, F: T.zeros(2, 3).permute(("a", 0)), "permute"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_torchs_error_type_and_names_the_function(case: str):
    call, name = CASES[case]
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - compared with ours below
        call(torch, torch.nn.functional)
    with pytest.raises(type(theirs.value)) as ours:
        call(tg, tg_F)
    message = str(ours.value)
    assert message.startswith((f"{name}:", f"{name}()")), message
    assert "Traceback" not in message


def test_argmax_still_works_where_there_is_something_to_point_at():
    assert tg.zeros(0, 3).argmax(1).shape == (0,)
    assert tg.tensor([[1.0, 3.0], [4.0, 2.0]]).argmax(1, True).tolist() == [[1], [0]]
    assert int(tg.tensor(5.0).argmax()) == 0
