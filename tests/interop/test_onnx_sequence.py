"""ONNX export of the sequence models: RNN / LSTM / GRU layers and cells, embeddings,
attention and Transformer layers, the captioning models and the char-RNN example.

Every exported graph is run by ONNX Runtime and compared with the model's own output in
float32, at the traced sizes and, with ``dynamic_axes``, at another batch size and sequence
length (fed by input name).
"""

from __future__ import annotations

import io
import runpy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.models import CaptioningRNN, CaptioningTransformer  # noqa: E402
from tinygrad_edu.onnx import ExportError, export  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VOCAB = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "cat": 4, "dog": 5, "sits": 6}


def floats(*shape: int, seed: int = 0) -> tg.Tensor:
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def ids(*shape: int, high: int = 7, seed: int = 0) -> tg.Tensor:
    return tg.tensor(np.random.default_rng(seed).integers(0, high, shape))


def flatten(out: Any) -> list[np.ndarray]:
    if isinstance(out, tg.Tensor):
        return [out.numpy()]
    return [a for o in out for a in flatten(o)]


def check(model: Any, inputs: dict[str, Any], *others: dict[str, Any], atol: float = 1e-5,
          **kwargs: Any) -> onnx.ModelProto:
    """Export ``model`` called on ``inputs`` (graph inputs named by the dict's keys), run
    the file in ONNX Runtime on ``inputs`` and on each of ``others``, and compare every
    output with the model's own. A Module is exported in eval mode and compared in it."""
    if isinstance(model, nn.Module):
        model.eval()
    names = list(inputs)
    f = io.BytesIO()
    proto = export(model, tuple(inputs.values()), f, input_names=names, **kwargs)
    read = {name for node in proto.graph.node for name in node.input}
    assert set(names) <= read  # every input is read by the graph, none baked in as a constant
    options = ort.SessionOptions()
    options.log_severity_level = 3  # no warnings about initializers ONNX Runtime folds
    session = ort.InferenceSession(f.getvalue(), options, providers=["CPUExecutionProvider"])
    for feeds in (inputs, *others):
        got = session.run(None, {k: v.numpy() for k, v in feeds.items()})
        with tg.no_grad():
            want = flatten(model(*feeds.values()))
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape
            assert g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=atol)
    return proto


def op_types(proto: onnx.ModelProto) -> list[str]:
    return [n.op_type for n in proto.graph.node]


# ----------------------------------------------------------------------------- RNN / LSTM / GRU
class WithState(nn.Module):
    """The recurrent module with its initial state as separate graph inputs (``export``
    takes Tensors, not the LSTM's (h_0, c_0) tuple)."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: tg.Tensor, h: tg.Tensor, c: tg.Tensor | None = None) -> Any:
        return self.rnn(x, h if c is None else (h, c))


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
@pytest.mark.parametrize(("layers", "bidirectional", "batch_first"),
                         [(1, False, False), (2, True, True), (2, False, True),
                          (1, True, False)])
def test_recurrent_layers_without_state(cls: type, layers: int, bidirectional: bool,
                                        batch_first: bool) -> None:
    tg.manual_seed(0)
    rnn = cls(4, 5, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first,
              dropout=0.3 if layers > 1 else 0.0)
    shape, shape2 = ((3, 6, 4), (2, 9, 4)) if batch_first else ((6, 3, 4), (9, 2, 4))
    axes = {0: "batch", 1: "time"} if batch_first else {0: "time", 1: "batch"}
    proto = check(rnn, {"x": floats(*shape)}, {"x": floats(*shape2, seed=1)},
                  dynamic_axes={"x": axes})
    onnx_op = {"RNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}[cls.__name__]
    assert op_types(proto).count(onnx_op) == layers * (2 if bidirectional else 1)


@pytest.mark.parametrize("opset", [13, 21])  # the oldest and newest opsets export writes
def test_recurrent_layers_at_other_opsets(opset: int) -> None:
    tg.manual_seed(0)
    for rnn in (nn.LSTM(3, 4, bidirectional=True), nn.GRU(3, 4), nn.GRUCell(3, 4)):
        x = floats(5, 2, 3) if not isinstance(rnn, nn.GRUCell) else floats(2, 3)
        check(rnn, {"x": x}, opset_version=opset)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_layers_with_initial_state(cls: type) -> None:
    tg.manual_seed(1)
    model = WithState(cls(3, 4, num_layers=2, bidirectional=True))
    states = 2 if cls is nn.LSTM else 1

    def inputs(t: int, n: int, seed: int) -> dict[str, tg.Tensor]:
        feeds = {"x": floats(t, n, 3, seed=seed), "h": floats(4, n, 4, seed=seed + 1)}
        return feeds | ({"c": floats(4, n, 4, seed=seed + 2)} if states == 2 else {})

    axes = {"x": {0: "time", 1: "batch"}, "h": {1: "batch"}, "c": {1: "batch"}}
    check(model, inputs(5, 2, 0), inputs(7, 3, 10),
          dynamic_axes={k: v for k, v in axes.items() if k != "c" or states == 2})


def test_relu_rnn_without_bias_and_unbatched_input() -> None:
    tg.manual_seed(2)
    proto = check(nn.RNN(3, 4, nonlinearity="relu", bias=False), {"x": floats(5, 2, 3)})
    rnn = next(n for n in proto.graph.node if n.op_type == "RNN")
    assert len(rnn.input) < 4 or rnn.input[3] == ""  # no bias: ONNX's zero B
    check(nn.GRU(3, 4, num_layers=2), {"x": floats(5, 3)}, {"x": floats(8, 3, seed=1)},
          dynamic_axes={"x": {0: "time"}})


def test_functional_layer_in_reverse() -> None:
    tg.manual_seed(3)
    w_ih, w_hh, b_ih, b_hh = floats(12, 3, seed=1), floats(12, 4, seed=2), floats(12), floats(
        12, seed=3)

    def gru(x: tg.Tensor, h: tg.Tensor) -> Any:
        return F.gru(x, h, w_ih, w_hh, b_ih, b_hh, reverse=True)

    check(gru, {"x": floats(5, 2, 3), "h": floats(2, 4, seed=4)},
          {"x": floats(5, 2, 3, seed=5), "h": floats(2, 4, seed=6)})


def test_packed_sequence_is_refused_with_a_clear_error() -> None:
    lstm = nn.LSTM(3, 4)

    def packed(x: tg.Tensor) -> tg.Tensor:
        _, (h, _) = lstm(nn.utils.rnn.pack_padded_sequence(x, [5, 3]))
        return h

    with pytest.raises(ExportError, match="advanced indexing"):
        export(packed, floats(5, 2, 3), None)


# ----------------------------------------------------------------------------- cells
@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cells(cls: type) -> None:
    tg.manual_seed(4)
    cell = cls(3, 5)
    check(cell, {"x": floats(2, 3)}, {"x": floats(6, 3, seed=1)},
          dynamic_axes={"x": {0: "batch"}})
    states = {"h": floats(2, 5, seed=1)} | ({"c": floats(2, 5, seed=2)} if cls is nn.LSTMCell
                                            else {})
    others = {"h": floats(2, 5, seed=3)} | ({"c": floats(2, 5, seed=4)} if cls is nn.LSTMCell
                                           else {})
    check(WithState(cell), {"x": floats(2, 3)} | states, {"x": floats(2, 3, seed=5)} | others)


def test_relu_cell_without_bias_unrolled_over_time() -> None:
    tg.manual_seed(5)
    cell = nn.RNNCell(3, 4, nonlinearity="relu", bias=False)

    def unrolled(x: tg.Tensor) -> tg.Tensor:
        h = None
        for t in range(x.shape[0]):
            h = cell(x[t], h)
        return h

    proto = check(unrolled, {"x": floats(4, 2, 3)}, {"x": floats(4, 5, 3, seed=1)},
                  dynamic_axes={"x": {1: "batch"}})
    assert op_types(proto).count("RNN") == 4


# ----------------------------------------------------------------------------- embeddings
def test_embedding() -> None:
    tg.manual_seed(6)
    table = nn.Embedding(7, 3, padding_idx=0)
    check(table, {"ids": ids(2, 5)}, {"ids": ids(4, 2, seed=1)},
          dynamic_axes={"ids": {0: "batch", 1: "time"}})
    check(lambda i: F.embedding(i, floats(7, 3)), {"ids": ids(6).type(tg.int32)})


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_embedding_with_max_norm_shrinks_the_rows_it_looks_up(norm_type: float) -> None:
    tg.manual_seed(6)
    table = nn.Embedding(9, 4, max_norm=1.5, norm_type=norm_type)
    # rows 4..8 are first looked up after the export: the graph must shrink them itself
    check(table, {"ids": ids(2, 3, high=4)}, {"ids": tg.tensor(np.array([[4, 5, 6, 7, 8]]))},
          dynamic_axes={"ids": [0, 1]}, opset_version=13)
    bag = nn.EmbeddingBag(9, 4, max_norm=1.0, mode="sum")
    check(bag, {"ids": ids(2, 3, high=4)}, {"ids": tg.tensor(np.array([[4, 5, 6], [7, 8, 0]]))})


def test_embedding_with_max_norm_of_a_norm_onnx_cannot_take() -> None:
    table = nn.Embedding(5, 3, max_norm=1.0, norm_type=-1.0)
    with pytest.raises(ExportError, match="norm_type=-1.0"):
        export(table, ids(2, 3, high=5), None)


@pytest.mark.parametrize(("mode", "opset"), [("sum", 17), ("mean", 17), ("max", 17),
                                             ("max", 13), ("max", 18)])
def test_embedding_bag(mode: str, opset: int) -> None:
    tg.manual_seed(7)
    bag = nn.EmbeddingBag(7, 3, mode=mode, padding_idx=2)
    check(bag, {"ids": ids(3, 4)}, {"ids": tg.tensor(np.array([[2, 2, 2, 2], [1, 2, 3, 4],
                                                              [6, 6, 5, 0]]))},
          opset_version=opset)
    offsets = tg.tensor(np.array([0, 2, 2, 5]))  # bag 1 is empty
    check(bag, {"ids": ids(7), "offsets": offsets},
          {"ids": ids(9, seed=1), "offsets": tg.tensor(np.array([0, 0, 4, 9]))},
          dynamic_axes={"ids": {0: "tokens"}})


def test_embedding_bag_with_per_sample_weights_and_last_offset() -> None:
    tg.manual_seed(8)
    bag = nn.EmbeddingBag(7, 3, mode="sum", include_last_offset=True)
    check(bag, {"ids": ids(6), "offsets": tg.tensor(np.array([0, 1, 4, 5])),
                "weights": floats(6)},
          {"ids": ids(6, seed=1), "offsets": tg.tensor(np.array([0, 3, 3, 6])),
           "weights": floats(6, seed=1)})


# ----------------------------------------------------------------------------- attention
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention(need_weights: bool) -> None:
    tg.manual_seed(9)
    mha = nn.MultiheadAttention(8, 2).eval()

    def attend(x: tg.Tensor) -> Any:
        out, weights = mha(x, x, x, need_weights=need_weights)
        return (out, weights) if need_weights else out

    check(attend, {"x": floats(5, 3, 8)}, {"x": floats(7, 2, 8, seed=1)},
          dynamic_axes={"x": {0: "time", 1: "batch"}})


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_with_masks(need_weights: bool) -> None:
    tg.manual_seed(10)
    mha = nn.MultiheadAttention(8, 2, batch_first=True, kdim=6, vdim=4).eval()
    causal = tg.tensor(np.triu(np.ones((5, 5), dtype=bool), 1))  # True: masked out

    def attend(q: tg.Tensor, kv: tg.Tensor, pad: tg.Tensor) -> Any:
        out, weights = mha(q, kv, kv[..., :4], attn_mask=causal, key_padding_mask=pad,
                           need_weights=need_weights)
        return (out, weights) if need_weights else out

    pad = tg.tensor(np.array([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0], [0, 1, 1, 1, 1]], dtype=bool))
    pad2 = tg.tensor(np.array([[0, 0, 1, 1, 1], [0, 0, 0, 0, 1]], dtype=bool))
    check(attend, {"q": floats(3, 5, 8), "kv": floats(3, 5, 6, seed=1), "pad": pad},
          {"q": floats(2, 5, 8, seed=2), "kv": floats(2, 5, 6, seed=3), "pad": pad2},
          dynamic_axes={"q": {0: "batch"}, "kv": {0: "batch"}, "pad": {0: "batch"}})


def test_scaled_dot_product_attention_with_fully_masked_rows() -> None:
    def attend(q: tg.Tensor, k: tg.Tensor, v: tg.Tensor, mask: tg.Tensor) -> tg.Tensor:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)

    # a query that sees no key gives zeros (PyTorch's safe softmax): the graph finds such
    # rows from the scores it computes, whichever row it is
    inputs = {"q": floats(2, 2, 4), "k": floats(2, 3, 4, seed=1), "v": floats(2, 3, 5, seed=2)}
    dead_second = tg.tensor(np.array([[True, False, True], [False, False, False]]))
    dead_first = tg.tensor(np.array([[False, False, False], [True, True, False]]))
    check(attend, inputs | {"mask": dead_second}, inputs | {"mask": dead_first})


def test_transformer_encoder() -> None:
    tg.manual_seed(11)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)
    encoder = nn.TransformerEncoder(layer, num_layers=2)
    check(encoder, {"x": floats(2, 5, 8)}, {"x": floats(3, 7, 8, seed=1)},
          dynamic_axes={"x": {0: "batch", 1: "time"}})
    pad = tg.tensor(np.array([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], dtype=bool))
    pad2 = tg.tensor(np.array([[0, 1, 1, 1, 1], [0, 0, 1, 0, 0]], dtype=bool))

    # PyTorch's nested-tensor fast path (no_grad only) writes zeros at padded positions; the
    # traced graph, like PyTorch's own slow path, computes them: compare without it
    plain = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()

    def padded(x: tg.Tensor, mask: tg.Tensor) -> tg.Tensor:
        return plain(x, src_key_padding_mask=mask)

    check(padded, {"x": floats(2, 5, 8), "mask": pad}, {"x": floats(2, 5, 8, seed=2),
                                                         "mask": pad2})
    pre = nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", norm_first=True)
    check(pre, {"x": floats(5, 2, 8)})


def test_transformer_decoder_with_causal_mask() -> None:
    tg.manual_seed(12)
    layer = nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)
    decoder = nn.TransformerDecoder(layer, num_layers=2).eval()
    causal = nn.Transformer.generate_square_subsequent_mask(4)

    def decode(tgt: tg.Tensor, memory: tg.Tensor) -> tg.Tensor:
        return decoder(tgt, memory, tgt_mask=causal)

    check(decode, {"tgt": floats(2, 4, 8), "memory": floats(2, 3, 8, seed=1)},
          {"tgt": floats(5, 4, 8, seed=2), "memory": floats(5, 6, 8, seed=3)},
          dynamic_axes={"tgt": {0: "batch"}, "memory": {0: "batch", 1: "source"}})


# ----------------------------------------------------------------------------- models
@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_rnn(cell_type: str) -> None:
    tg.manual_seed(13)
    model = CaptioningRNN(VOCAB, input_dim=6, wordvec_dim=4, hidden_dim=8,
                          cell_type=cell_type)
    check(model, {"features": floats(2, 6), "captions": ids(2, 5)},
          {"features": floats(3, 6, seed=1), "captions": ids(3, 8, seed=1)},
          dynamic_axes={"features": {0: "N"}, "captions": {0: "N", 1: "T"}},
          output_names=["scores"])


def test_captioning_transformer() -> None:
    tg.manual_seed(14)
    model = CaptioningTransformer(VOCAB, input_dim=6, wordvec_dim=8, num_heads=2,
                                  num_layers=2, dim_feedforward=16, max_length=10)
    # the causal mask is made for the traced caption length: only the batch is dynamic
    check(model, {"features": floats(2, 6), "captions": ids(2, 5)},
          {"features": floats(3, 6, seed=1), "captions": ids(3, 5, seed=1)},
          dynamic_axes={"features": {0: "N"}, "captions": {0: "N"}})


def test_char_rnn_example_model() -> None:
    tg.manual_seed(15)
    example = runpy.run_path(str(EXAMPLES / "char_rnn.py"), run_name="char_rnn")
    vocab = len(set(example["TEXT"].read_text(encoding="utf-8")))
    model = example["CharLSTM"](vocab, 48, 2)  # as the example builds it with --quick
    check(model, {"ids": ids(2, 7, high=vocab)}, {"ids": ids(3, 11, high=vocab, seed=1)},
          output_names=["scores", "h_n", "c_n"], dynamic_axes={"ids": {0: "N", 1: "T"}})

    def step(chars: tg.Tensor, h: tg.Tensor, c: tg.Tensor) -> Any:  # sampling carries a state
        return model(chars, (h, c))

    check(step, {"ids": ids(2, 1, high=vocab), "h": floats(2, 2, 48),
                 "c": floats(2, 2, 48, seed=1)},
          {"ids": ids(2, 1, high=vocab, seed=2), "h": floats(2, 2, 48, seed=3),
           "c": floats(2, 2, 48, seed=4)})
