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
    # the functional API and the modules' forward inputs
    "cross_entropy with a 0-d float target": (
        lambda T, F: F.cross_entropy(T.zeros(2, 3), T.tensor(1.0)), "cross_entropy"),
    "cross_entropy of a 0-d input": (
        lambda T, F: F.cross_entropy(T.tensor(1.0), T.tensor([0, 1])), "cross_entropy"),
    "nll_loss with a float target of another batch": (
        lambda T, F: F.nll_loss(T.zeros(2, 3), T.zeros(1, 2)), "nll_loss"),
    "multi_margin_loss of a 3-d input": (
        lambda T, F: F.multi_margin_loss(T.zeros(1, 2, 3), T.tensor([0, 1])),
        "multi_margin_loss"),
    "pad of a 0-d tensor": (lambda T, F: F.pad(T.tensor(1.0), (1, 1)), "pad"),
    "pad with a float width": (lambda T, F: F.pad(T.zeros(2, 3), (1, 2.5)), "pad"),
    "pad cropping more than the dim": (lambda T, F: F.pad(T.zeros(2, 3), (-4, 1)), "pad"),
    "CircularPad1d of a 0-d tensor": (lambda T, F: T.nn.CircularPad1d(1)(T.tensor(1.0)),
                                      "CircularPad1d"),
    "RNNCell of a 3-d input": (lambda T, F: T.nn.RNNCell(3, 4)(T.zeros(1, 2, 3)), "RNNCell"),
    "group_norm with num_groups=-1": (lambda T, F: F.group_norm(T.zeros(1, 2, 4), -1),
                                      "group_norm"),
    "group_norm with num_groups=2.5": (lambda T, F: F.group_norm(T.zeros(1, 2, 4), 2.5),
                                       "group_norm"),
    "rms_norm of a 0-d input": (lambda T, F: F.rms_norm(T.tensor(1.0), (3,)), "rms_norm"),
    "avg_pool2d of a 0-d tensor": (lambda T, F: F.avg_pool2d(T.tensor(1.0), 2), "avg_pool2d"),
    "unfold of a 2-d tensor": (lambda T, F: F.unfold(T.zeros(3, 3), 2), "unfold"),
    "adaptive_avg_pool1d to None": (lambda T, F: F.adaptive_avg_pool1d(T.zeros(1, 2, 5), None),
                                    "adaptive_avg_pool1d"),
    "binary_cross_entropy with a NaN target": (
        lambda T, F: F.binary_cross_entropy(T.tensor([0.5]), T.tensor([float("nan")])),
        "binary_cross_entropy"),
    "soft_margin_loss with a target larger than the input": (
        lambda T, F: F.soft_margin_loss(T.tensor(1.0), T.zeros(2, 3)), "soft_margin_loss"),
    "bilinear with a 0-d weight": (
        lambda T, F: F.bilinear(T.zeros(2, 3), T.zeros(2, 3), T.tensor(1.0)), "bilinear"),
    "embedding of a table of 0 rows": (
        lambda T, F: F.embedding(T.tensor([0, 1]), T.zeros(0, 3)), "embedding"),
    "conv1d with no output channel": (
        lambda T, F: F.conv1d(T.zeros(1, 2, 5), T.zeros(0, 2, 2)), "conv1d"),
    "Flatten of a 0-d tensor": (lambda T, F: T.nn.Flatten()(T.tensor(1.0)), "flatten"),
    "LazyLinear of a 0-d tensor": (lambda T, F: T.nn.LazyLinear(3)(T.tensor(1.0)),
                                   "LazyLinear"),
    "LazyBatchNorm2d of a 5-d tensor": (
        lambda T, F: T.nn.LazyBatchNorm2d()(T.zeros(1, 1, 2, 4, 4)), "LazyBatchNorm2d"),
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


# Calls PyTorch accepts: the same result
RESULTS: dict[str, Callable[[Any, Any], Any]] = {
    "pad with a negative width crops": lambda T, F: F.pad(T.arange(6.0).reshape(2, 3), (1, -2)),
    "pad with a bool width": lambda T, F: F.pad(T.ones(2, 3), (1, True)),
    "adaptive_max_pool1d of an empty batch": lambda T, F: F.adaptive_max_pool1d(
        T.zeros(0, 2, 5), 2, True),
    "adaptive_avg_pool3d of no channel": lambda T, F: F.adaptive_avg_pool3d(
        T.zeros(0, 4, 4, 4), 2),
    "instance_norm of an empty batch": lambda T, F: F.instance_norm(T.zeros(0, 3, 4)),
    "avg_pool3d of an empty batch": lambda T, F: F.avg_pool3d(T.zeros(0, 2, 4, 4, 4), 2),
    "threshold with bool bounds": lambda T, F: F.threshold(T.tensor([0.0, 1.0, 2.0]), True,
                                                           True),
    "feature_alpha_dropout of a 0-d tensor out of training": lambda T, F:
        F.feature_alpha_dropout(T.tensor(3.0)),
    "multi-head attention of length 0": lambda T, F: T.nn.MultiheadAttention(4, 2)(
        T.zeros(0, 2, 4), T.zeros(3, 2, 4), T.zeros(3, 2, 4))[0],
}


def _arrays(value: Any) -> list[Any]:
    values = value if isinstance(value, tuple) else (value,)
    return [v.detach().numpy() for v in values]


@pytest.mark.parametrize("case", list(RESULTS))
def test_degenerate_input_gives_torchs_result(case: str):
    theirs = _arrays(RESULTS[case](torch, torch.nn.functional))
    ours = _arrays(RESULTS[case](tg, tg_F))
    assert [a.shape for a in ours] == [b.shape for b in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.tolist() == b.tolist()
