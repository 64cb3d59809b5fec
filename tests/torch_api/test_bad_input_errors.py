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
