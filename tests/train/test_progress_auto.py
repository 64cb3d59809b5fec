"""Progress bars come from ``tqdm.auto`` (a widget in a notebook, text in a terminal), and
fall back to plain lines when tqdm is missing."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.classic import Solver, TwoLayerNet
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.train import Trainer


class RecordingBar:
    """Stands in for ``tqdm.auto.tqdm``: records what the package asks of it."""

    made: list[RecordingBar] = []

    def __init__(self, total=None, desc=None, **kwargs) -> None:
        self.total, self.desc, self.kwargs = total, desc, kwargs
        self.updates, self.closed = 0, False
        RecordingBar.made.append(self)

    def set_postfix(self, *args, **kwargs) -> None:
        pass

    def update(self, n: int = 1) -> None:
        self.updates += n

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_auto(monkeypatch: pytest.MonkeyPatch) -> list[RecordingBar]:
    pytest.importorskip("tqdm")
    module = types.ModuleType("tqdm.auto")
    module.tqdm = RecordingBar
    monkeypatch.setitem(sys.modules, "tqdm.auto", module)
    RecordingBar.made = []
    return RecordingBar.made


def small_trainer(**kwargs) -> Trainer:
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    model = nn.Linear(4, 3)
    return Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                   DataLoader(TensorDataset(x, y), 10), epochs=2, verbose=False, **kwargs)


def test_trainer_bar_is_tqdm_auto(fake_auto: list[RecordingBar]) -> None:
    small_trainer(progress=True).fit()
    assert [bar.total for bar in fake_auto] == [4, 4]
    assert all(bar.updates == 4 and bar.closed for bar in fake_auto)


def test_solver_bar_is_tqdm_auto(fake_auto: list[RecordingBar]) -> None:
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(70, 4)), rng.integers(0, 3, 70)  # noqa: N806
    data = {"X_train": X[:50], "y_train": y[:50], "X_val": X[50:], "y_val": y[50:]}
    model = TwoLayerNet(input_dim=4, hidden_dim=10, num_classes=3, weight_scale=0.1)
    Solver(model, data, batch_size=25, num_epochs=1, verbose=False, progress_bar=True).train()
    assert len(fake_auto) == 1
    assert fake_auto[0].total == 2
    assert fake_auto[0].updates == 2


def test_without_tqdm_the_trainer_prints_lines(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `from tqdm.auto import tqdm` fails,
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # even after an earlier import
    small_trainer(progress=True).fit()
    assert "epoch 1/2 [4/4] loss" in capsys.readouterr().out
