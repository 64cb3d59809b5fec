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


# Layer hyperparameters (checks.layer_size, nn.attention.check_heads): torch's exception type
# (at construction, or at the first forward where torch checks no earlier), our exact message.
LAYER_CASES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "LSTM with hidden_size None": (lambda T: T.nn.LSTM(5, None),
                                   "LSTM: hidden_size must be an int, got None"),
    "RNN with hidden_size True": (lambda T: T.nn.RNN(5, True),
                                  "RNN: hidden_size must be an int, not a bool, got True"),
    "GRU with num_layers -1.0": (lambda T: T.nn.GRU(5, 4, num_layers=-1.0),
                                 "GRU: num_layers must be >= 1, got -1.0"),
    "GRU with num_layers nan": (lambda T: T.nn.GRU(5, 4, num_layers=float("nan")),
                                "GRU: num_layers must be an int, got nan"),
    "LSTM with proj_size 'a'": (lambda T: T.nn.LSTM(5, 4, proj_size="a"),
                                "LSTM: proj_size must be an int, got 'a'"),
    "RNN with dropout None": (lambda T: T.nn.RNN(5, 4, dropout=None),
                              "RNN: dropout should be a number in range [0, 1] representing the "
                              "probability of an element being zeroed, got None"),
    "LSTM with dropout True": (lambda T: T.nn.LSTM(5, 4, dropout=True),
                               "LSTM: dropout should be a number in range [0, 1] representing "
                               "the probability of an element being zeroed, got True"),
    "RNNCell with input_size -1": (lambda T: T.nn.RNNCell(-1, 4),
                                   "RNNCell: input_size must be >= 0, got -1"),
    "LSTMCell with hidden_size 2.5": (lambda T: T.nn.LSTMCell(3, 2.5),
                                      "LSTMCell: hidden_size must be an int, got 2.5"),
    "Linear with out_features True": (lambda T: T.nn.Linear(3, True),
                                      "Linear: out_features must be an int, not a bool, got True"),
    "Bilinear with in2_features -1": (lambda T: T.nn.Bilinear(3, -1, 4),
                                      "Bilinear: in2_features must be >= 0, got -1"),
    "Bilinear with in1_features 0": (lambda T: T.nn.Bilinear(0, 3, 4),
                                     "Bilinear: in1_features must be > 0, but got "
                                     "(in1_features=0)"),
    "Embedding with num_embeddings 2.5": (lambda T: T.nn.Embedding(2.5, 3),
                                          "Embedding: num_embeddings must be an int, got 2.5"),
    "EmbeddingBag with embedding_dim None": (lambda T: T.nn.EmbeddingBag(4, None),
                                             "EmbeddingBag: embedding_dim must be an int, got "
                                             "None"),
    "MultiheadAttention with embed_dim 'a'": (lambda T: T.nn.MultiheadAttention("a", 1),
                                              "MultiheadAttention: embed_dim must be an int, "
                                              "got 'a'"),
    "MultiheadAttention with num_heads 0": (lambda T: T.nn.MultiheadAttention(4, 0),
                                            "MultiheadAttention: embed_dim and num_heads must be "
                                            "greater than 0, got embed_dim=4 and num_heads=0 "
                                            "instead"),
    "MultiheadAttention with embed_dim 2.5": (lambda T: T.nn.MultiheadAttention(2.5, 1),
                                              "MultiheadAttention: embed_dim must be divisible "
                                              "by num_heads, got embed_dim=2.5 and num_heads=1"),
    "MultiheadAttention with embed_dim True": (lambda T: T.nn.MultiheadAttention(True, 1),
                                               "MultiheadAttention: embed_dim must be an int, "
                                               "not a bool, got True"),
    "MultiheadAttention with kdim -1": (lambda T: T.nn.MultiheadAttention(4, 1, kdim=-1),
                                        "MultiheadAttention: kdim must be >= 0, got -1"),
    "MultiheadAttention with dropout None": (
        lambda T: T.nn.MultiheadAttention(4, 1, dropout=None)(*[T.zeros(2, 1, 4)] * 3),
        "MultiheadAttention: dropout must be a number (a probability), got None"),
    "TransformerEncoderLayer with dim_feedforward None": (
        lambda T: T.nn.TransformerEncoderLayer(4, 1, dim_feedforward=None),
        "TransformerEncoderLayer: dim_feedforward must be an int, got None"),
    "TransformerDecoderLayer with nhead 'a'": (lambda T: T.nn.TransformerDecoderLayer(4, "a"),
                                               "TransformerDecoderLayer: nhead must be an int, "
                                               "got 'a'"),
    "TransformerEncoderLayer with dropout nan": (
        lambda T: T.nn.TransformerEncoderLayer(4, 1, dropout=float("nan"))(T.zeros(2, 1, 4)),
        "TransformerEncoderLayer: dropout probability has to be between 0 and 1, but got nan"),
    "LazyLinear with out_features None": (lambda T: T.nn.LazyLinear(None)(T.zeros(2, 3)),
                                          "LazyLinear: out_features must be an int, got None"),
}


@pytest.mark.filterwarnings("ignore")  # torch's warnings about the odd values
@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_layer_hyperparameters_get_torchs_error_type_and_a_clear_message(case: str):
    call, message = LAYER_CASES[case]
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - compared with ours below
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(tg)
    assert str(ours.value) == message


@pytest.mark.parametrize("build", [
    lambda T: T.nn.LSTM(5, True), lambda T: T.nn.GRU(True, 4), lambda T: T.nn.RNNCell(0, 0),
    lambda T: T.nn.LSTMCell(True, True), lambda T: T.nn.Linear(True, 4),
    lambda T: T.nn.Bilinear(True, 0, 2), lambda T: T.nn.Embedding(4, True),
    lambda T: T.nn.MultiheadAttention(4, True, kdim=0),
    lambda T: T.nn.TransformerEncoderLayer(4, True, dim_feedforward=0),
])
@pytest.mark.filterwarnings("ignore")
def test_sizes_torch_accepts_build_the_same_parameters(build: Callable[[Any], Any]):
    """A bool is an int (True is 1) and 0 is a size, as in torch, except where noted above."""
    theirs, ours = build(torch), build(tg)
    shapes = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == shapes


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
