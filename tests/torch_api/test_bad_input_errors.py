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
    "permute of a 0-d tensor with two dims": (lambda T, F: T.tensor(1.0).permute(1, 0), "permute"),
    "eye of 2.5": (lambda T, F: T.eye(2.5), "eye"),
    "eye of -1": (lambda T, F: T.eye(-1), "eye"),
    "linspace with steps None": (lambda T, F: T.linspace(0, 1, None), "linspace"),
    "randperm of True": (lambda T, F: T.randperm(True), "randperm"),
    "multinomial of True samples": (lambda T, F: T.multinomial(T.ones(3), True), "multinomial"),
    "zeros(True, 2)": (lambda T, F: T.zeros(True, 2), "zeros"),
    "tensor of a list of str": (lambda T, F: T.tensor(["a", "b"]), "tensor"),
    "tensor of a str": (lambda T, F: T.tensor("a"), "tensor"),
    "new_tensor of None": (lambda T, F: T.ones(2).new_tensor(None), "new_tensor"),
    "new_tensor of a list of str": (lambda T, F: T.ones(2).new_tensor(["a"]), "new_tensor"),
    "copy_ of a str": (lambda T, F: T.ones(2).copy_("a"), "copy_"),
    "take with a None index": (lambda T, F: T.take(T.ones(2), None), "take"),
    "searchsorted of None": (lambda T, F: T.searchsorted(T.ones(3), None), "searchsorted"),
    "bucketize of a str": (lambda T, F: T.bucketize("a", T.ones(3)), "bucketize"),
    "clamp_min of None": (lambda T, F: T.clamp_min(T.ones(2), None), "clamp_min"),
    "lerp with a str weight": (lambda T, F: T.lerp(T.ones(2), T.ones(2), "a"), "lerp"),
    "quantile of q None": (lambda T, F: T.quantile(T.ones(3), None), "quantile"),
    "logsumexp with dim None": (lambda T, F: T.logsumexp(T.ones(3), None), "logsumexp"),
    "roll by True": (lambda T, F: T.roll(T.ones(3), True), "roll"),
    "repeat_interleave by 2.5": (lambda T, F: T.repeat_interleave(T.ones(3), 2.5),
                                 "repeat_interleave"),
    "repeat_interleave by None": (lambda T, F: T.repeat_interleave(T.ones(3), None),
                                  "repeat_interleave"),
    "einsum with a str sublist": (lambda T, F: T.einsum(T.ones(2), "a"), "einsum"),
    "einsum with a sublist entry 60": (lambda T, F: T.einsum(T.ones(2), [60]), "einsum"),
    "cartesian_prod of a matrix": (lambda T, F: T.cartesian_prod(T.ones(2, 2)), "cartesian_prod"),
    "histc of inf": (lambda T, F: T.histc(T.tensor([1.0, float("inf")])), "histc"),
    "expand_as a 0-d tensor": (lambda T, F: T.ones(2).expand_as(T.tensor(1.0)), "expand_as"),
    "view_as an empty tensor": (lambda T, F: T.ones(2).view_as(T.ones(0)), "view_as"),
    "unique_consecutive along a dim, empty elsewhere": (
        lambda T, F: T.unique_consecutive(T.ones(0, 3), dim=1), "unique_consecutive"),
    "lstsq with B of more dims": (lambda T, F: T.linalg.lstsq(T.ones(2, 3), T.ones(1, 2, 3)),
                                  "linalg.lstsq"),
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


def test_messages_say_what_was_wrong():
    with pytest.raises(TypeError, match=r"^eye\(\): argument 'n' must be int, not float$"):
        tg.eye(2.5)
    with pytest.raises(RuntimeError, match=r"^linspace: steps must be non-negative, got -1$"):
        tg.linspace(0, 1, -1)
    with pytest.raises(TypeError, match=r"^take\(\): argument 'index' must be a Tensor, not str"):
        tg.take(tg.ones(2), "a")
    with pytest.raises(ValueError, match=r"^tensor: too many dimensions 'str'"):
        tg.tensor([["a"]])
    with pytest.raises(TypeError, match=r"^copy_\(\): argument 'src' must be a Tensor, not "):
        tg.ones(2).copy_(None)
    # (torch raises its own LinAlgError, which ours cannot subclass: both are RuntimeErrors)
    with pytest.raises(tg.linalg.LinAlgError, match=r"^linalg\.svd: .* non-finite values"):
        tg.linalg.svd(tg.tensor([[1.0, float("nan")]]))
    with pytest.raises(tg.linalg.LinAlgError, match="order 2 is not positive-definite"):
        tg.linalg.cholesky(tg.tensor([[1.0, 0.0], [float("nan"), 1.0]]))


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("call", [
    lambda T: T.zeros(2, True),  # a bool after the first size is an int, as in torch
    lambda T: T.ones(2, 3).view(6, True),
    lambda T: T.ones(2, 3).repeat(2, True),
    lambda T: T.arange(True),
    lambda T: T.linspace(True, 3, 4),
    lambda T: T.bernoulli(T.tensor(0.0)),  # 0-d stays 0-d
    lambda T: T.searchsorted(T.tensor([1.0, 2.0, NAN]), T.tensor([5.0, NAN, INF, -INF])),
    lambda T: T.searchsorted(T.tensor([[NAN, INF, -INF], [0.5, NAN, 2.0]]),
                             T.tensor([[0.1, 0.2], [3.0, NAN]]), right=True),
    lambda T: T.searchsorted(T.tensor([3.0, 1.0, 2.0, 0.0]), T.tensor([0.5, 1.5, 2.5])),
    lambda T: T.searchsorted(T.tensor([1.0, 2.0]), True),
    lambda T: T.bucketize(T.tensor([0.1, 1.0, 3.0]), T.tensor([NAN, INF, -INF])),
    lambda T: T.unique(T.tensor([NAN, 1.0, NAN, INF, 1.0]), return_inverse=True,
                       return_counts=True),
    lambda T: T.unique_consecutive(T.zeros(0, 3), return_inverse=True, return_counts=True),
    lambda T: T.unique_consecutive(T.tensor([1.0, NAN, NAN, 2.0]), return_counts=True),
    lambda T: T.linalg.cond(T.zeros(0, 3)),
    lambda T: T.linalg.cond(T.zeros(2, 0, 0)),
    lambda T: T.linalg.lstsq(T.arange(24.0).reshape(4, 2, 3) ** 2, T.ones(4, 2)).solution,
    lambda T: T.einsum(T.ones(2, 3), [0, True]),
    lambda T: T.roll(T.arange(6).reshape(2, 3), (1, True), (0, 1)),
])
def test_results_match_torch(call: Callable[[Any], Any]):
    import numpy as np

    ours, theirs = call(tg), call(torch)
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        if "bernoulli" not in repr(call):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6,
                                       equal_nan=True)
