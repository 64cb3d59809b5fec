"""Bad input that used to escape as a raw Python or numpy error now gets PyTorch's error type
with a message that names the function (and, where torch has one, torch's wording).

Each case runs the same call on both libraries: the error types must agree, and our message
must start with the function's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
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


# Tensors of a dtype the function does not take: PyTorch's NotImplementedError where it has no
# kernel for the dtype, RuntimeError where it checks (or two dtypes must agree); our message
# names the function, the argument, the dtype it got and what it expects.
def _ints(T: Any) -> Any:
    return T.tensor([[0, 1, 0], [1, 0, 1]])


DTYPE_CASES: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "elu of bools": (lambda T, F: F.elu(_ints(T) > 0), "elu"),
    "softmax of ints": (lambda T, F: F.softmax(_ints(T), 1), "softmax"),
    "relu of bools": (lambda T, F: F.relu(_ints(T) > 0), "relu"),
    "hardtanh of bools": (lambda T, F: F.hardtanh(_ints(T) > 0), "hardtanh"),
    "threshold of bools": (lambda T, F: F.threshold(_ints(T) > 0, 0.5, 0.0), "threshold"),
    "linear of ints": (lambda T, F: F.linear(_ints(T), T.ones(4, 3)), "linear"),
    "linear with an int bias": (lambda T, F: F.linear(T.ones(2, 3), T.ones(4, 3),
                                                      T.tensor([1, 2, 3, 4])), "linear"),
    "matmul of int and float": (lambda T, F: T.matmul(_ints(T), T.ones(3, 2)), "matmul"),
    "bmm of bools": (lambda T, F: T.bmm(_ints(T)[None] > 0, T.ones(1, 3, 2)), "bmm"),
    "argmax of bools": (lambda T, F: T.argmax(_ints(T) > 0), "argmax"),
    "topk of bools": (lambda T, F: T.topk(_ints(T) > 0, 1), "topk"),
    "trace of bools": (lambda T, F: T.trace(_ints(T)[:, :2] > 0), "trace"),
    "median of bools": (lambda T, F: T.median(_ints(T) > 0), "median"),
    "kl_div of ints": (lambda T, F: F.kl_div(_ints(T), T.ones(2, 3), reduction="sum"), "kl_div"),
    "binary_cross_entropy, int target": (
        lambda T, F: F.binary_cross_entropy(T.ones(2, 3) / 2, _ints(T)), "binary_cross_entropy"),
    "huber_loss of an int input": (lambda T, F: F.huber_loss(_ints(T), T.ones(2, 3)),
                                   "huber_loss"),
    "mse_loss of two int tensors": (lambda T, F: F.mse_loss(_ints(T), _ints(T)), "mse_loss"),
    "cosine_similarity of two int tensors": (
        lambda T, F: F.cosine_similarity(_ints(T), _ints(T)), "cosine_similarity"),
    "batch_norm with int running_var": (
        lambda T, F: F.batch_norm(T.ones(2, 3), T.zeros(3), T.tensor([1, 1, 1])), "batch_norm"),
    "reflection pad of bools": (lambda T, F: F.pad(_ints(T)[None] > 0, (1, 1), mode="reflect"),
                                "pad"),
    "max_pool1d of ints": (lambda T, F: F.max_pool1d(_ints(T)[None], 2), "max_pool1d"),
    "cdist of ints": (lambda T, F: T.cdist(_ints(T), T.ones(2, 3)), "cdist"),
    "RNN of ints": (lambda T, F: T.nn.RNN(3, 2)(_ints(T)[None]), "RNN"),
}


@pytest.mark.parametrize("case", list(DTYPE_CASES))
def test_a_dtype_the_function_does_not_take_gets_torchs_error_type(case: str):
    call, name = DTYPE_CASES[case]
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - compared with ours below
        call(torch, torch.nn.functional)
    with pytest.raises(type(theirs.value)) as ours:
        call(tg, tg_F)
    assert str(ours.value).startswith((f"{name}:", f"{name} (")), str(ours.value)


@pytest.mark.parametrize(("call", "exc_type", "message"), [
    (lambda: tg_F.elu(tg.tensor([True])), NotImplementedError,
     "elu: expected a floating point input, got torch.bool"),
    (lambda: tg_F.relu(tg.tensor([True])), RuntimeError,
     "relu: expected a floating point or integer input, got torch.bool"),
    (lambda: tg_F.linear(tg.tensor([[1, 2]]), tg.ones(3, 2)), RuntimeError,
     "linear: expected input and weight to have the same dtype, got torch.int64 and "
     "torch.float32"),
    (lambda: tg.linalg.vecdot(tg.tensor([1, 2]), tg.tensor([1, 2])), RuntimeError,
     "linalg.vecdot: expected a floating point x, got torch.int64"),
])
def test_the_dtype_message_names_the_function_the_argument_and_both_dtypes(call, exc_type,
                                                                           message):
    with pytest.raises(exc_type) as ours:
        call()
    assert str(ours.value) == message


@pytest.mark.parametrize("name", ["max_pool1d_with_indices", "max_pool2d", "avg_pool1d",
                                  "avg_pool2d", "avg_pool3d", "max_pool3d", "lp_pool1d"])
def test_integer_pooling_matches_torch(name: str):
    """PyTorch pools integer tensors (an average truncates toward zero); so do we."""
    values = (np.arange(-40, 40) * 7 % 19 - 9).reshape(1, 1, 5, 4, 4)
    x = values[0, 0, 0] if "1d" in name else values[0, 0] if "2d" in name else values
    args = (3.0, 2) if name == "lp_pool1d" else (2,)
    theirs = getattr(torch.nn.functional, name)(torch.tensor(x), *args)
    ours = getattr(tg_F, name)(tg.tensor(x), *args)
    if isinstance(theirs, tuple):
        theirs, ours = theirs[0], ours[0]
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
