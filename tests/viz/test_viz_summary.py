"""summary(model, input_size): parameter counts for every packaged and example model."""

from __future__ import annotations

import functools
import re
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import nn
from tinygrad_edu.models import (
    MLP,
    BasicBlock,
    CaptioningRNN,
    CaptioningTransformer,
    ConvNet,
    ThreeLayerConvNet,
    resnet8,
    resnet20,
)
from tinygrad_edu.viz import summary

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "two": 4}


@functools.cache
def example(name: str) -> dict[str, Any]:
    """The example's module globals (its main() does not run)."""
    return runpy.run_path(str(EXAMPLES / name), run_name="viz_summary_models")


def captions(n: int, t: int) -> np.ndarray:
    return np.ones((n, t), dtype=np.int64)


# (model factory, summary keyword arguments)
CASES: dict[str, tuple[Callable[[], nn.Module], dict[str, Any]]] = {
    "MLP": (lambda: MLP(3 * 8 * 8, hidden_sizes=(32, 16), num_classes=10, dropout=0.2),
            {"input_size": (2, 3, 8, 8)}),
    "ThreeLayerConvNet": (lambda: ThreeLayerConvNet(input_dim=(3, 16, 16), num_filters=4,
                                                    filter_size=3, hidden_dim=10),
                          {"input_size": (2, 3, 16, 16)}),
    "ConvNet": (lambda: ConvNet(in_channels=1, widths=(8, 16), image_size=8),
                {"input_size": (2, 1, 8, 8)}),
    "BasicBlock": (lambda: BasicBlock(4, 8, stride=2), {"input_size": (1, 4, 8, 8)}),
    "resnet8": (resnet8, {"input_size": (1, 3, 16, 16)}),
    "resnet20": (resnet20, {"input_size": (1, 3, 8, 8)}),
    "CaptioningRNN-rnn": (lambda: CaptioningRNN(WORDS, input_dim=12, wordvec_dim=6,
                                                hidden_dim=8),
                          {"input_data": (np.zeros((2, 12), np.float32), captions(2, 5))}),
    "CaptioningRNN-lstm": (lambda: CaptioningRNN(WORDS, input_dim=12, wordvec_dim=6,
                                                 hidden_dim=8, cell_type="lstm"),
                           {"input_data": (np.zeros((2, 12), np.float32), captions(2, 5))}),
    # the examples' own models, built by the examples' own code where it is reachable
    "char_rnn.CharLSTM": (lambda: example("char_rnn.py")["CharLSTM"](20, 16, 2),
                          {"input_size": (2, 5), "dtypes": [np.int64]}),
    "train_digits-mlp": (lambda: example("train_digits.py")["build_model"]("mlp", (1, 8, 8),
                                                                          10),
                         {"input_size": (2, 1, 8, 8)}),
    "train_digits-convnet": (lambda: example("train_digits.py")["build_model"](
        "convnet", (1, 8, 8), 10), {"input_size": (2, 1, 8, 8)}),
    # train_cifar10.py builds this model inside main(); same arguments
    "train_cifar10": (lambda: ThreeLayerConvNet(input_dim=(3, 32, 32), num_filters=32,
                                                filter_size=7, hidden_dim=100, num_classes=10),
                      {"input_size": (1, 3, 32, 32)}),
    # the Transformer captioner, and as its example builds it
    "CaptioningTransformer": (lambda: CaptioningTransformer(
        WORDS, input_dim=12, wordvec_dim=8, num_heads=2, num_layers=2, dim_feedforward=16),
        {"input_data": (np.zeros((2, 12), np.float32), captions(2, 5))}),
    "captioning_transformer_digits": (
        lambda: example("captioning_transformer_digits.py")["build_model"](64, 0.0),
        {"input_data": (np.zeros((2, 256), np.float32), captions(2, 8))}),
    "captioning_digits": (lambda: CaptioningRNN(
        example("captioning_digits.py")["WORD_TO_IDX"],
        input_dim=example("captioning_digits.py")["FEATURES"], wordvec_dim=32, hidden_dim=96,
        cell_type="lstm"),
        {"input_data": (np.zeros((2, 256), np.float32), captions(2, 8))}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_parameter_counts_match_numel(name: str) -> None:
    build, kwargs = CASES[name]
    model = build()
    total = sum(p.numel() for p in model.parameters())
    result = summary(model, verbose=False, **kwargs)
    assert result.total_params == total
    assert result.trainable_params == total
    assert result.non_trainable_params == 0
    assert f"Total params: {total:,}" in str(result)
    # every parameter sits in exactly one module, and each module's first call is one row
    assert sum(r.own_params for r in result.rows if not r.repeated) == total
    # the Param # column adds up to the total at every depth
    for depth in (1, 2, 10):
        assert column_sum(str(summary(model, depth=depth, verbose=False, **kwargs))) == total


def column_sum(table: str) -> int:
    """Sum of the Param # column of a summary table."""
    lines = table.splitlines()
    rules = [i for i, line in enumerate(lines) if set(line) == {"="}]
    body = lines[rules[1] + 1:rules[2]]
    counts = [re.search(r"(\S+)$", line).group(1) for line in body]
    return sum(int(c.replace(",", "")) for c in counts if c not in ("--", "(recursive)"))


def test_table_rows_shapes_and_printing(capsys: pytest.CaptureFixture[str]) -> None:
    model = ConvNet(in_channels=1, widths=(4, 8), image_size=8)
    result = summary(model, (2, 1, 8, 8))
    printed = capsys.readouterr().out
    assert printed.strip() == str(result)
    rows = {r.path: r for r in result.rows}
    assert rows[""].kind == "ConvNet"
    assert rows[""].out_shapes == [(2, 10)]
    assert rows["features.0.0"].kind == "Conv2d"
    assert rows["features.0.0"].out_shapes == [(2, 4, 8, 8)]
    assert rows["features.1.3"].out_shapes == [(2, 8, 2, 2)]
    assert "      features.0.0: Conv2d" in printed
    assert "[2, 4, 8, 8]" in printed
    assert result.input_shapes == [(2, 1, 8, 8)]
    assert result.param_bytes == 4 * result.total_params


def test_restores_mode_and_leaves_batchnorm_statistics_alone() -> None:
    model = ConvNet(in_channels=1, widths=(4, 8), image_size=8)
    before = model.features[0][1].running_mean.numpy().copy()
    summary(model, (2, 1, 8, 8), verbose=False)
    assert model.training
    np.testing.assert_array_equal(model.features[0][1].running_mean.numpy(), before)


def test_repeated_module_is_counted_once() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(3, 3)

        def forward(self, x: Any) -> Any:
            return self.layer(self.layer(x))

    result = summary(Twice(), (1, 3), verbose=False)
    assert [r.repeated for r in result.rows] == [False, False, True]
    assert result.total_params == 12
    assert "(recursive)" in str(result)


def test_needs_an_input() -> None:
    with pytest.raises(TypeError, match="input_size"):
        summary(MLP(4, (3,), 2))
    with pytest.raises(ValueError, match="dtypes"):
        summary(MLP(4, (3,), 2), (1, 4), dtypes=[np.float32, np.int64])


def test_every_packaged_and_example_model_has_a_case() -> None:
    from tinygrad_edu import models

    built = {type(build()).__name__ for build, _ in CASES.values()}
    covered = built | set(CASES)
    assert set(models.__all__) <= covered, set(models.__all__) - covered
    defined = set()
    for path in EXAMPLES.glob("*.py"):
        defined |= set(re.findall(r"^class (\w+)\((?:nn\.)?Module\)", path.read_text(), re.M))
    assert defined <= built, defined - built
