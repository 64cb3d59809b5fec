"""``tg.testing.assert_close`` agrees with ``torch.testing.assert_close``: the same pairs pass,
the same pairs fail, with the same message text."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import assert_close

torch = pytest.importorskip("torch")

F32, F64 = np.float32, np.float64
CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], F32),
    ([1.0, 2.0, 3.0], [1.0, 2.0 + 1e-7, 3.0], F32),
    ([1.0, 2.0], [1.0, 2.1], F64),
    ([1.0, 2.0], [1.0, 2.0 + 1e-9], F64),
    ([[0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], F32),
    ([1, 2, 5], [1, 3, 5], np.int64),
    ([True, False], [True, True], np.bool_),
    ([math.nan, 1.0], [math.nan, 1.0], F32),
    ([math.inf, -math.inf], [math.inf, -math.inf], F64),
    ([math.inf, 1.0], [-math.inf, 1.0], F64),
    ([0.0, 1.0], [1e-6, 1.0], F32),
    (1.0, 1.5, F32),
    (3, 3, np.int64),
]


def _torch_error(fn, *args, **kwargs) -> tuple[type | None, str]:
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - compare whatever torch raises
        return type(e), str(e)
    return None, ""


@pytest.mark.parametrize(("a", "e", "dtype"), CASES)
@pytest.mark.parametrize("kwargs", [{}, {"rtol": 0.1, "atol": 0.0}, {"equal_nan": True}])
def test_tensor_pairs_match_torch(a, e, dtype, kwargs) -> None:
    ours = _torch_error(assert_close, tg.tensor(np.array(a, dtype)), tg.tensor(np.array(e, dtype)),
                        **kwargs)
    theirs = _torch_error(torch.testing.assert_close, torch.tensor(np.array(a, dtype)),
                          torch.tensor(np.array(e, dtype)), **kwargs)
    assert ours == theirs


@pytest.mark.parametrize(("a", "e"), [
    (1.0, 1.1), (1, 2), (1.0, 1.0 + 1e-9), (0.0, 1e-6), ([1.0, 2.0], [1.0, 2.0, 3.0]),
    ({"a": 1.0}, {"b": 1.0}), ([1.0, [2.0, 3.0]], [1.0, [2.0, 3.5]]), ({"w": 1}, {"w": 2}),
])
def test_python_values_match_torch(a, e) -> None:
    assert _torch_error(assert_close, a, e) == _torch_error(torch.testing.assert_close, a, e)


def test_nested_tensors_name_the_item() -> None:
    ours = _torch_error(assert_close, {"w": [tg.zeros(2)]}, {"w": [tg.ones(2)]})
    theirs = _torch_error(torch.testing.assert_close, {"w": [torch.zeros(2)]},
                          {"w": [torch.ones(2)]})
    assert ours == theirs
    assert ours[1].endswith("The failure occurred for item ['w'][0]")


def test_shape_and_dtype_messages_match_torch() -> None:
    for a, e in [((2, 3), (3, 2)), ((2,), (2, 1))]:
        ours = _torch_error(assert_close, tg.zeros(*a), tg.zeros(*e))
        assert ours == _torch_error(torch.testing.assert_close, torch.zeros(*a), torch.zeros(*e))
    ours = _torch_error(assert_close, tg.zeros(2), tg.zeros(2, dtype=tg.float64))
    theirs = _torch_error(torch.testing.assert_close, torch.zeros(2),
                          torch.zeros(2, dtype=torch.float64))
    assert ours == theirs


def test_shape_dtype_and_argument_errors() -> None:
    with pytest.raises(AssertionError, match="attribute 'shape' do not match"):
        assert_close(tg.zeros(2, 3), tg.zeros(3, 2))
    with pytest.raises(AssertionError, match="attribute 'dtype' do not match"):
        assert_close(tg.zeros(2), tg.zeros(2, dtype=tg.float64))
    assert_close(tg.zeros(2), tg.zeros(2, dtype=tg.float64), check_dtype=False)
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        assert_close(tg.zeros(2), tg.zeros(2), rtol=0.1)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(tg.zeros(()), 0.0)
    with pytest.raises(AssertionError, match="^custom$"):
        assert_close(tg.zeros(2), tg.ones(2), msg="custom")
