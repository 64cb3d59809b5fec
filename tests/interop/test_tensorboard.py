"""tinygrad_edu.utils.tensorboard against torch.utils.tensorboard, read back from the files.

Each test makes the same calls on our ``SummaryWriter`` and on PyTorch's, reads both event
files back with the tensorboard package's readers and compares the protocol buffers (or, for
images, the decoded pixels): what TensorBoard shows for the two runs is the same.
"""

from __future__ import annotations

import io
import os
import socket
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorboard")
torch = pytest.importorskip("torch")

from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing import event_file_loader  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)
from tensorboard.compat.proto.event_pb2 import Event  # noqa: E402
from tensorboard.compat.proto.graph_pb2 import GraphDef  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.data import DataLoader, TensorDataset  # noqa: E402
from tinygrad_edu.train import fit  # noqa: E402
from tinygrad_edu.utils.tensorboard import SummaryWriter, TensorBoardCallback  # noqa: E402

pytestmark = pytest.mark.torch


# ----------------------------------------------------------------------------- helpers

def event_files(log_dir: Path) -> list[Path]:
    return sorted(log_dir.glob("events.out.tfevents.*"))


def read_events(log_dir: Path) -> list[Event]:
    """Every event of the one event file directly in ``log_dir``, as written."""
    files = event_files(log_dir)
    assert len(files) == 1, files
    loader = event_file_loader.RawEventFileLoader(str(files[0]))
    return [Event.FromString(record) for record in loader.Load()]


def values(log_dir: Path) -> list[tuple[int, object]]:
    """(step, Summary.Value) of every summary value, in order."""
    return [(e.step, v) for e in read_events(log_dir) for v in e.summary.value]


def both(tmp_path: Path, calls, **kwargs) -> tuple[Path, Path]:
    """Run ``calls(writer, to_value)`` on our writer and on torch's; return both log dirs.

    ``to_value`` turns a numpy array into the writer's own tensor type (ours: tg.Tensor).
    """
    ours, theirs = tmp_path / "ours", tmp_path / "torch"
    with SummaryWriter(ours, **kwargs) as w:
        calls(w, lambda a: tg.tensor(np.asarray(a)))
    with TorchWriter(str(theirs), **kwargs) as w:
        calls(w, lambda a: torch.from_numpy(np.asarray(a)))
    return ours, theirs


# ----------------------------------------------------------------------------- scalars

def test_scalars_equal_torchs(tmp_path):
    def calls(w, as_tensor):
        w.add_scalar("loss/train", as_tensor(np.float32(0.25)), 0)
        w.add_scalar("loss/train", np.float64(1 / 3), np.int64(1))
        w.add_scalar("loss/train", 7, 2)
        w.add_scalar("acc", as_tensor(np.array([[0.5]], np.float32)), 10, walltime=123.0)
        w.add_scalar("no_step", 1.5)
        w.add_scalar("new", as_tensor(np.float64(0.1)), 3, new_style=True)
        w.add_scalar("new64", 0.1, 4, new_style=True, double_precision=True)

    ours, theirs = both(tmp_path, calls)
    assert values(ours) == values(theirs)
    got = [(s, v.tag, v.simple_value) for s, v in values(ours)]
    assert len(got) == 7
    assert values(ours)[6][1].tensor.double_val == [0.1]
    walltimes = [e.wall_time for e in read_events(ours) if e.summary.value]
    assert walltimes[3] == 123.0
    acc = EventAccumulator(str(ours))
    acc.Reload()
    assert [(e.step, e.value) for e in acc.Scalars("loss/train")] == \
        [(0, 0.25), (1, pytest.approx(1 / 3)), (2, 7.0)]


def test_add_scalars_layout_equals_torchs(tmp_path):
    def calls(w, as_tensor):
        for step in range(3):
            w.add_scalars("run/loss", {"train": 1.0 / (step + 1), "val": as_tensor(
                np.float32(step))}, step)

    ours, theirs = both(tmp_path, calls)
    subdirs = sorted(p.name for p in ours.iterdir() if p.is_dir())
    assert subdirs == sorted(p.name for p in theirs.iterdir() if p.is_dir()) == \
        ["run_loss_train", "run_loss_val"]
    for sub in subdirs:
        got = [(s, v.tag, v.simple_value) for s, v in values(ours / sub)]
        assert got == [(s, v.tag, v.simple_value) for s, v in values(theirs / sub)]
        assert [tag for _, tag, _ in got] == ["run/loss"] * 3
    assert values(ours) == []  # the main file holds no scalars


# ----------------------------------------------------------------------------- histograms

HISTOGRAM_INPUTS = {
    "normal": np.random.default_rng(0).normal(size=1000),
    "wide scales": np.random.default_rng(1).normal(size=500) * 10.0 ** np.arange(-5, 5, 0.02),
    "with zeros": np.concatenate([np.zeros(50), np.random.default_rng(2).uniform(0, 1, 50)]),
    "negative": -np.random.default_rng(3).exponential(size=300),
    "one value": np.array([3.0]),
    "ints": np.arange(-20, 20),
    "float32 matrix": np.random.default_rng(4).normal(size=(16, 8)).astype(np.float32),
}


@pytest.mark.parametrize("name", list(HISTOGRAM_INPUTS))
def test_histograms_equal_torchs(tmp_path, name):
    data = HISTOGRAM_INPUTS[name]

    def calls(w, as_tensor):
        w.add_histogram("default", as_tensor(data), 0)
        w.add_histogram("numpy", data, 1)
        w.add_histogram("ten bins", data, 2, bins=10)
        w.add_histogram("auto", data, 3, bins="auto")
        w.add_histogram("merged", data, 4, max_bins=7)

    ours, theirs = both(tmp_path, calls)
    got, expected = values(ours), values(theirs)
    assert len(got) == len(expected) == 5
    for (s1, v1), (s2, v2) in zip(got, expected, strict=True):
        assert (s1, v1.tag) == (s2, v2.tag)
        assert v1.histo == v2.histo, v1.tag
    assert sum(got[0][1].histo.bucket) == data.size


def test_raw_histogram_equals_torchs(tmp_path):
    def calls(w, as_tensor):
        w.add_histogram_raw("raw", min=-1.0, max=2.0, num=6, sum=3.0, sum_squares=9.0,
                            bucket_limits=as_tensor(np.array([0.0, 1.0, 2.0])),
                            bucket_counts=[1, 2, 3], global_step=4)

    ours, theirs = both(tmp_path, calls)
    assert values(ours) == values(theirs)
    assert list(values(ours)[0][1].histo.bucket) == [1, 2, 3]


def test_histogram_buckets_are_tensorflows(tmp_path):
    from tinygrad_edu.utils.tensorboard.summary import default_bins

    edges = default_bins()
    assert len(edges) == 1549
    assert edges[774] == 0.0
    with TorchWriter(str(tmp_path)) as w:
        assert list(edges) == w.default_bins


# ----------------------------------------------------------------------------- images

def decoded(value) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(value.image.encoded_image_string)))


IMAGES = {
    "CHW float": (np.random.default_rng(0).random((3, 5, 7)), "CHW"),
    "CHW one channel": (np.random.default_rng(1).random((1, 4, 6)).astype(np.float32), "CHW"),
    "HWC uint8": (np.random.default_rng(2).integers(0, 256, (6, 5, 3), dtype=np.uint8),
                  "HWC"),
    "HWC RGBA": (np.random.default_rng(3).random((4, 4, 4)).astype(np.float32), "HWC"),
    "HW": (np.linspace(0, 1, 30).reshape(5, 6), "HW"),
    "WH": (np.linspace(0, 1, 30).reshape(5, 6), "WH"),
    "out of range": (np.linspace(-1, 2, 48).reshape(3, 4, 4), "CHW"),
    "lower case": (np.random.default_rng(4).random((3, 5, 7)), "chw"),
}

BATCHES = {
    "NCHW ten RGB": (np.random.default_rng(5).random((10, 3, 4, 5)).astype(np.float32), "NCHW"),
    "NCHW grey": (np.random.default_rng(6).random((3, 1, 4, 4)), "NCHW"),
    "NHWC uint8": (np.random.default_rng(7).integers(0, 256, (9, 4, 4, 3), dtype=np.uint8),
                   "NHWC"),
}


@pytest.mark.parametrize("name", list(IMAGES) + list(BATCHES))
def test_images_decode_to_torchs_pixels(tmp_path, name):
    image, form = IMAGES.get(name) or BATCHES[name]
    method = "add_image" if name in IMAGES else "add_images"

    def calls(w, as_tensor):
        getattr(w, method)("tensor", as_tensor(image), 0, dataformats=form)
        getattr(w, method)("numpy", image, 1, dataformats=form)

    ours, theirs = both(tmp_path, calls)
    for (s1, v1), (s2, v2) in zip(values(ours), values(theirs), strict=True):
        assert (s1, v1.tag) == (s2, v2.tag)
        assert (v1.image.height, v1.image.width, v1.image.colorspace) == \
            (v2.image.height, v2.image.width, v2.image.colorspace)
        np.testing.assert_array_equal(decoded(v1), decoded(v2))


def test_figure_pixels_equal_torchs(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    def figure():
        fig = Figure(figsize=(2, 1.5), dpi=40)
        fig.add_subplot().plot([0, 1, 2], [1, 0, 2])
        return fig

    def calls(w, as_tensor):
        w.add_figure("one", figure(), 0)
        w.add_figure("two", [figure(), figure()], 1)

    ours, theirs = both(tmp_path, calls)
    got, expected = values(ours), values(theirs)
    assert len(got) == 2
    for (_, v1), (_, v2) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(decoded(v1), decoded(v2))
    assert decoded(got[1][1]).shape == (60, 160, 3)


# ----------------------------------------------------------------------------- text

def test_text_equals_torchs(tmp_path):
    def calls(w, as_tensor):
        w.add_text("notes", "**lr** = 0.1, ünïcode", 0)
        w.add_text("notes", "", 1)

    ours, theirs = both(tmp_path, calls)
    assert values(ours) == values(theirs)
    assert values(ours)[0][1].tensor.string_val == ["**lr** = 0.1, ünïcode".encode()]


# ----------------------------------------------------------------------------- hparams

def hparam_events(run: Path) -> list[tuple[str, object]]:
    """(tag, parsed plugin data or scalar value) of a run written by add_hparams."""
    out = []
    for _, v in values(run):
        if v.metadata.plugin_data.plugin_name == "hparams":
            out.append((v.tag, plugin_data_pb2.HParamsPluginData.FromString(
                v.metadata.plugin_data.content)))
        else:
            out.append((v.tag, v.simple_value))
    return out


def test_hparams_equal_torchs(tmp_path):
    hp = {"lr": 0.01, "layers": 3, "optimizer": "adam", "augment": True, "unused": None}
    domain = {"optimizer": ["adam", "sgd"], "layers": [2, 3, 4], "augment": [True, False]}

    def calls(w, as_tensor):
        w.add_hparams(hp, {"hparam/accuracy": 0.9, "hparam/loss": as_tensor(
            np.float32(0.25))}, hparam_domain_discrete=domain, run_name="trial1")
        # a one-element vector: torch's add_hparams indexes [0], so a 0-d tensor fails there
        w.add_hparams({"lr": as_tensor(np.array([0.5]))}, {"hparam/loss": 1.0},
                      run_name="trial2", global_step=5)

    ours, theirs = both(tmp_path, calls)
    for run in ("trial1", "trial2"):
        got, expected = hparam_events(ours / run), hparam_events(theirs / run)
        assert got == expected
        assert [tag for tag, _ in got][:3] == ["_hparams_/experiment",
                                                "_hparams_/session_start_info",
                                                "_hparams_/session_end_info"]
    start = hparam_events(ours / "trial1")[1][1].session_start_info
    assert start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["lr"].number_value == 0.01
    assert "unused" not in start.hparams
    assert [s for s, _ in values(ours / "trial2")] == [5] * 4


def test_hparams_default_run_name_is_a_time(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.1}, {"m": 1.0})
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert abs(float(run.name) - datetime.now().timestamp()) < 60


# ----------------------------------------------------------------------------- graph

class TgNet(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = tg.nn.Sequential(tg.nn.Conv2d(1, 4, 3), tg.nn.ReLU(), tg.nn.MaxPool2d(2))
        self.fc = tg.nn.Linear(4 * 3 * 3, 10)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(),
                                            torch.nn.MaxPool2d(2))
        self.fc = torch.nn.Linear(4 * 3 * 3, 10)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def graph_of(log_dir: Path) -> GraphDef:
    (graph,) = [GraphDef.FromString(e.graph_def) for e in read_events(log_dir) if e.graph_def]
    return graph


def shape_of(node) -> list[int]:
    return [d.size for d in node.attr["_output_shapes"].list.shape[0].dim]


@pytest.mark.filterwarnings("ignore:`torch.jit.trace.*is deprecated:DeprecationWarning")
def test_graph_shows_the_model_like_torchs(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 1, 8, 8)).astype(np.float32)
    model = TgNet()
    model.train()
    with SummaryWriter(tmp_path / "ours") as w:
        w.add_graph(model, tg.tensor(x))
    with TorchWriter(str(tmp_path / "torch")) as w:
        w.add_graph(TorchNet(), torch.from_numpy(x))
    ours, theirs = graph_of(tmp_path / "ours"), graph_of(tmp_path / "torch")
    assert model.training  # the mode is restored
    by_name = {n.name: n for n in ours.node}
    # the same boxes (module scopes) as torch's graph, below the model's class name
    def boxes(g):
        return {n.name.split("/")[1] for n in g.node
                if n.op != "IO Node" and "[" in n.name.split("/")[1]}

    assert boxes(ours) == boxes(theirs) == {"Sequential[features]", "Linear[fc]"}
    # the same input and output nodes and shapes
    io_ours = {n.name.split("/")[0]: shape_of(n) for n in ours.node if n.op == "IO Node"}
    io_theirs = {n.name.split("/")[0]: shape_of(n) for n in theirs.node if n.op == "IO Node"}
    assert io_ours == io_theirs == {"input": [2, 1, 8, 8], "output": [2, 10]}
    assert "input/x" in by_name
    # the ops that ran, in their modules, with their output shapes
    conv = by_name["TgNet/Sequential[features]/Conv2d[0]/conv2d"]
    assert conv.op == "conv2d"
    assert shape_of(conv) == [2, 4, 6, 6]
    assert conv.input == ["input/x", "TgNet/Sequential[features]/Conv2d[0]/weight",
                          "TgNet/Sequential[features]/Conv2d[0]/bias"]
    assert b"stride : (1, 1)" in conv.attr["attr"].s
    assert by_name["TgNet/Sequential[features]/ReLU[1]/relu"].op == "relu"
    assert shape_of(by_name["TgNet/Sequential[features]/MaxPool2d[2]/max_pool2d"]) == [2, 4, 3, 3]
    params = {n.name: shape_of(n) for n in ours.node if n.op == "Parameter"}
    conv_scope, fc_scope = "TgNet/Sequential[features]/Conv2d[0]", "TgNet/Linear[fc]"
    assert params == {f"{conv_scope}/weight": [4, 1, 3, 3], f"{conv_scope}/bias": [4],
                      f"{fc_scope}/weight": [10, 36], f"{fc_scope}/bias": [10]}
    # every edge points at a node of the graph
    assert all(i in by_name for n in ours.node for i in n.input)
    assert ours.versions.producer == theirs.versions.producer
    (output,) = [n for n in ours.node if n.name.startswith("output/")]
    assert by_name[output.input[0]].name.startswith("TgNet/Linear[fc]/")
    # TensorBoard's own loader finds the graph
    acc = EventAccumulator(str(tmp_path / "ours"))
    acc.Reload()
    assert acc.Graph() == ours


def test_graph_of_an_identity_and_of_constants(tmp_path):
    class AddConst(tg.nn.Module):
        def forward(self, a, b):
            return a * 2.0 + b, a

    with SummaryWriter(tmp_path) as w:
        w.add_graph(AddConst(), (tg.ones(3), np.zeros(3, np.float32)))
    graph = graph_of(tmp_path)
    by_name = {n.name: n for n in graph.node}
    assert {"input/a", "input/b", "output/output.0", "output/output.1"} <= set(by_name)
    assert by_name["output/output.1"].input == ["input/a"]
    assert all(i in by_name for n in graph.node for i in n.input)


# ----------------------------------------------------------------------------- the writer

def test_default_log_dir_is_torchs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def expected(comment):
        return {os.path.join("runs", t.strftime("%b%d_%H-%M-%S") + "_" +
                             socket.gethostname() + comment) for t in stamps}

    stamps = [datetime.now()]
    w1, w2, w3 = SummaryWriter(), SummaryWriter(comment="_lr0.1"), SummaryWriter(log_dir="")
    t = TorchWriter(comment="_lr0.1")
    stamps.append(datetime.now())
    for w in (w1, w2, w3, t):
        w.close()
    assert w1.get_logdir() in expected("")
    assert w3.get_logdir() in expected("")
    assert w2.get_logdir() in expected("_lr0.1")
    assert t.get_logdir() in expected("_lr0.1")
    assert len(event_files(Path(w2.get_logdir()))) >= 1
    with SummaryWriter(tmp_path / "given", comment="ignored") as w:
        assert w.get_logdir() == tmp_path / "given"


def test_flush_close_and_reopen_like_torch(tmp_path):
    def calls(w, as_tensor):
        w.add_scalar("a", 1.0, 0)
        w.flush()
        w.close()
        w.close()  # closing twice does nothing
        w.add_scalar("a", 2.0, 1)  # after close: a new event file in the same directory
        w.flush()

    ours, theirs = both(tmp_path, calls, filename_suffix=".suffix")
    assert len(event_files(ours)) == len(event_files(theirs)) == 2
    assert all(f.name.endswith(".suffix") for f in event_files(ours))
    steps = []
    for f in event_files(ours):
        events = [Event.FromString(r) for r in
                  event_file_loader.RawEventFileLoader(str(f)).Load()]
        steps += [(e.step, v.simple_value) for e in events for v in e.summary.value]
    assert sorted(steps) == [(0, 1.0), (1, 2.0)]


def test_flush_writes_to_disk_before_close(tmp_path):
    w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=10_000)
    try:
        w.add_scalar("a", 3.0, 7)
        w.flush()
        assert [(s, v.simple_value) for s, v in values(tmp_path)] == [(7, 3.0)]
    finally:
        w.close()
    assert "closed" in repr(w)


def test_purge_step_events_equal_torchs(tmp_path):
    def calls(w, as_tensor):
        w.add_scalar("a", 1.0, 12)

    ours, theirs = both(tmp_path, calls, purge_step=10)
    def strip(events):
        return [(e.step, e.file_version, e.session_log.status, list(e.summary.value))
                for e in events]

    assert strip(read_events(ours)) == strip(read_events(theirs))
    assert read_events(ours)[2].session_log.status == read_events(ours)[2].session_log.START


# ----------------------------------------------------------------------------- Trainer

def test_trainer_logs_each_epoch_and_step(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    tg.manual_seed(0)
    model = tg.nn.Linear(2, 2)
    train = DataLoader(TensorDataset(X[:32], y[:32]), batch_size=8)
    val = DataLoader(TensorDataset(X[32:], y[32:]), batch_size=8)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.5)
    scheduler = tg.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    writer = SummaryWriter(tmp_path)
    history = fit(model, tg.nn.CrossEntropyLoss(), optimizer, train, val, epochs=3,
                  scheduler=scheduler, progress=False, verbose=False,
                  callbacks=[TensorBoardCallback(writer, histograms=True)])
    assert writer.all_writers is not None  # a writer passed in stays open for its owner
    writer.close()
    acc = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    acc.Reload()

    def check(tag, steps, expected):
        events = acc.Scalars(tag)
        assert [e.step for e in events] == list(steps), tag
        np.testing.assert_allclose([e.value for e in events], expected, rtol=1e-6)

    epochs = [1, 2, 3]
    check("Loss/train", epochs, history.train_loss)
    check("Accuracy/train", epochs, history.train_acc)
    check("Loss/val", epochs, history.val_loss)
    check("Accuracy/val", epochs, history.val_acc)
    check("LearningRate", epochs, [0.5, 0.25, 0.125])
    check("Loss/train_step", range(12), history.loss)
    assert set(acc.Tags()["histograms"]) == {"weight", "bias"}


def test_callback_with_a_log_dir_closes_its_writer(tmp_path):
    X = np.random.default_rng(1).normal(size=(8, 3)).astype(np.float32)
    loader = DataLoader(TensorDataset(X, X[:, :1]), batch_size=4)
    model = tg.nn.Linear(3, 1)
    callback = TensorBoardCallback(str(tmp_path / "run"), log_steps=False)
    fit(model, tg.nn.MSELoss(), tg.optim.SGD(model.parameters(), lr=0.1), loader, epochs=2,
        callbacks=[callback], progress=False, verbose=False)
    assert callback.writer.all_writers is None
    tags = {v.tag for _, v in values(tmp_path / "run")}
    assert tags == {"Loss/train", "LearningRate"}  # no accuracy for regression, no steps


def test_resumed_run_continues_the_steps(tmp_path):
    X = np.random.default_rng(2).normal(size=(8, 3)).astype(np.float32)
    loader = DataLoader(TensorDataset(X, X[:, :1]), batch_size=4)

    def run(epochs, log_dir):
        model = tg.nn.Linear(3, 1)
        fit(model, tg.nn.MSELoss(), tg.optim.SGD(model.parameters(), lr=0.1), loader,
            epochs=epochs, checkpoint=tmp_path / "ckpt.tgd", resume=True, progress=False,
            verbose=False, callbacks=[TensorBoardCallback(log_dir)])

    run(1, tmp_path / "first")
    run(3, tmp_path / "second")

    def steps(log_dir, tag):
        return [s for s, v in values(log_dir) if v.tag == tag]

    assert steps(tmp_path / "first", "Loss/train") == [1]
    assert steps(tmp_path / "second", "Loss/train") == [2, 3]
    assert steps(tmp_path / "first", "Loss/train_step") == [0, 1]
    assert steps(tmp_path / "second", "Loss/train_step") == [2, 3, 4, 5]


# ----------------------------------------------------------------------------- bad input

@pytest.fixture
def writer(tmp_path):
    with SummaryWriter(tmp_path) as w:
        yield w


BAD_CALLS = [
    (lambda w: w.add_image("i", np.zeros((2, 3, 4, 4)), 0, dataformats="CHW"),
     ValueError, r"add_image: got a 4-d array of shape \(2, 3, 4, 4\) but dataformats='CHW'"),
    (lambda w: w.add_image("i", np.zeros((3, 4, 4)), 0, dataformats="CHX"),
     ValueError, r"add_image: dataformats must name each axis once.*got 'CHX'"),
    (lambda w: w.add_image("i", np.zeros((3, 4, 4)), 0, dataformats="CCH"),
     ValueError, r"add_image: dataformats .*got 'CCH'"),
    (lambda w: w.add_image("i", np.zeros((5, 4, 4)), 0),
     ValueError, r"add_image: an image needs 1, 3 or 4 channels, got 5"),
    (lambda w: w.add_images("i", np.zeros((2, 2, 4, 4)), 0),
     ValueError, r"add_images: a batch of images needs 1 or 3 channels, got 2"),
    (lambda w: w.add_images("i", np.zeros((0, 3, 4, 4)), 0),
     ValueError, r"add_images: got an empty array of shape \(0, 3, 4, 4\)"),
    (lambda w: w.add_image("i", "picture.png", 0),
     TypeError, r"add_image: img_tensor must be a Tensor, a numpy array or a number, got str"),
    (lambda w: w.add_scalar("s", np.ones(3), 0),
     ValueError, r"add_scalar: expected one number for 's', got an array of shape \(3,\)"),
    (lambda w: w.add_scalar("s", "0.5", 0),
     TypeError, r"add_scalar: the value must be a Tensor, a numpy array or a number, got str"),
    (lambda w: w.add_scalars("s", [1, 2], 0),
     TypeError, r"add_scalars: tag_scalar_dict must be a dict of tag -> value, got list"),
    (lambda w: w.add_histogram("h", np.array([]), 0),
     ValueError, r"add_histogram: 'h' got an empty array"),
    (lambda w: w.add_histogram("h", np.array([1.0, np.nan]), 0),
     ValueError, r"add_histogram: 'h' got 1 NaN or infinite value"),
    (lambda w: w.add_histogram("h", np.array([1.0, 2.0]), 0, bins=[5.0, 6.0]),
     ValueError, r"add_histogram: every value of 'h' lies outside the bins"),
    (lambda w: w.add_histogram_raw("h", 0, 1, 2, 1, 1, [0.5, 1.0], [2], 0),
     ValueError, r"add_histogram_raw: 2 bucket_limits but 1 bucket_counts"),
    (lambda w: w.add_embedding(np.zeros((3, 2))),
     AttributeError, r"SummaryWriter.add_embedding is not supported: "),
    (lambda w: w.add_scalarr("s", 1.0),
     AttributeError, r"'SummaryWriter' object has no attribute 'add_scalarr'"),
    (lambda w: w.add_text("t", 3, 0),
     TypeError, r"add_text: text_string must be a str, got int"),
    (lambda w: w.add_hparams([("lr", 0.1)], {}),
     TypeError, r"add_hparams: hparam_dict must be a dict, got list"),
    (lambda w: w.add_hparams({"lr": [0.1]}, {"m": 1.0}),
     ValueError, r"add_hparams: hparam_dict\['lr'\] must be an int, float, str, bool, Tensor"),
    (lambda w: w.add_hparams({"opt": "adam"}, {"m": 1.0}, {"opt": [1, 2]}),
     TypeError, r"add_hparams: hparam_domain_discrete\['opt'\] must be a list of values of "
                r"the same type"),
    (lambda w: w.add_graph(lambda x: x, tg.ones(2)),
     TypeError, r"add_graph: model must be an nn.Module, got function"),
    (lambda w: w.add_graph(tg.nn.Linear(2, 2)),
     TypeError, r"add_graph: pass input_to_model"),
    (lambda w: w.add_graph(tg.nn.Linear(2, 2), "x"),
     TypeError, r"add_graph: input_to_model\[0\] must be a Tensor or a numpy array, got str"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD_CALLS,
                         ids=[m.split(":")[0] + f"-{k}" for k, (_, _, m) in enumerate(BAD_CALLS)])
def test_bad_input_is_named(writer, call, error, message):
    with pytest.raises(error, match=message):
        call(writer)


def test_callback_rejects_a_wrong_writer():
    with pytest.raises(TypeError, match="TensorBoardCallback: writer must be a SummaryWriter, "
                                        "a log directory or None, got int"):
        TensorBoardCallback(5)


def test_without_tensorboard_the_error_names_the_extra(monkeypatch):
    import importlib

    for name in [m for m in sys.modules if m.startswith("tinygrad_edu.utils.tensorboard")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=r'pip install "tinygrad_edu\[tensorboard\]"'):
        importlib.import_module("tinygrad_edu.utils.tensorboard")
