"""``tg.save`` / ``tg.load``, ``load_state_dict`` checks, and ``nn.utils`` against PyTorch.

Files are ``.npz`` archives with a JSON index, written atomically to exactly the given path and
read without pickle: a damaged or malicious file raises ValueError naming the path.
"""

from __future__ import annotations

import gc
import io
import json
import math
import os
import re
import traceback
import warnings
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import utils

torch = pytest.importorskip("torch")


def _model(seed):
    tg.manual_seed(seed)
    return tg.nn.Sequential(tg.nn.Linear(5, 8), tg.nn.Tanh(), tg.nn.Linear(8, 3))


def _files(directory):
    return sorted(p.name for p in Path(directory).iterdir())


# ----------------------------------------------------------------------------- round trips


def test_state_dict_round_trip_gives_identical_outputs(tmp_path):
    model = _model(0)
    path = tmp_path / "model.pt"
    tg.save(model.state_dict(), path)
    loaded = tg.load(path)
    assert list(loaded) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert isinstance(loaded[k], tg.Tensor)
        assert loaded[k].dtype == v.dtype == tg.float32
        np.testing.assert_array_equal(loaded[k].numpy(), v.numpy())
    fresh = _model(1)
    x = tg.randn(4, 5)
    assert not np.array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    fresh.load_state_dict(loaded)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_float64_model_round_trip(tmp_path):
    model = _model(2).double()
    tg.save(model.state_dict(), str(tmp_path / "m64"))
    fresh = _model(3).double()
    fresh.load_state_dict(tg.load(str(tmp_path / "m64")))
    x = tg.randn(3, 5, dtype=tg.float64)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    assert fresh[0].weight.dtype == tg.float64


def _assert_same(a, b, where="obj"):
    """Equal values AND equal types, recursively."""
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict)), \
        f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert type(k) is type(next(kb for kb in b if kb == k)), f"{where} key {k!r}"
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, tg.Tensor):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        assert a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=where)
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def test_nested_objects_round_trip_with_types(tmp_path):
    obj = {
        "epoch": 7,
        "lr": 1e-3,
        "name": "run-1 ✓",
        "best": None,
        "flags": [True, False],
        "history": [0.5, 0.25, 1e-300, float("inf"), -0.0],
        "shape": (3, 4),
        "nested": {1: {"deep": [(1, 2.5), ["x", None]]}, 2: []},
        "arrays": {
            "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
            "f64": np.linspace(0, 1, 5),
            "i32": np.array([[1, -2]], dtype=np.int32),
            "scalar": np.array(3.5),
            "i64": np.array([2**40], dtype=np.int64),
            "u8": np.array([0, 255], dtype=np.uint8),
            "bool": np.array([True, False]),
            "f16": np.array([0.5, 1.5], dtype=np.float16),
            "empty": np.zeros((0, 3)),
        },
        "tensors": [tg.tensor([[1.0, 2.0]]), tg.tensor([1, 2, 3]),
                    tg.tensor([0.1], dtype=tg.float64, requires_grad=True),
                    tg.tensor(True), tg.tensor([True]), tg.zeros(2, 0)],
        -5: "negative int key",
        0: ("empty tuple inside", ()),
    }
    path = tmp_path / "checkpoint.ckpt"
    tg.save(obj, path)
    loaded = tg.load(path)
    _assert_same(obj, loaded)
    assert isinstance(loaded["tensors"][0], tg.Tensor)
    assert isinstance(loaded["arrays"]["f32"], np.ndarray)
    assert type(loaded["flags"][0]) is bool
    assert type(loaded["epoch"]) is int


def test_zero_dim_arrays_and_tensors_keep_their_shape(tmp_path):
    obj = {"loss": tg.tensor(2.5), "flag": tg.tensor(True), "count": np.array(3),
           "f64": tg.tensor(0.1, dtype=tg.float64)}
    tg.save(obj, tmp_path / "scalars")
    _assert_same(obj, tg.load(tmp_path / "scalars"))


def test_state_dict_with_zero_dim_buffer_round_trips(tmp_path):
    model = tg.nn.Linear(2, 2)
    model.register_buffer("steps", tg.tensor(5))
    tg.save(model.state_dict(), tmp_path / "m.pt")
    fresh = tg.nn.Linear(2, 2)
    fresh.register_buffer("steps", tg.tensor(0))
    fresh.load_state_dict(tg.load(tmp_path / "m.pt"))
    assert fresh.steps.shape == ()
    assert fresh.steps.item() == 5


def test_nan_and_numpy_scalars(tmp_path):
    tg.save({"nan": float("nan"), "np_float": np.float64(0.1), "np_int": np.int64(4),
             "ninf": float("-inf")}, tmp_path / "s")
    loaded = tg.load(tmp_path / "s")
    assert math.isnan(loaded["nan"])
    assert loaded["ninf"] == float("-inf")
    assert loaded["np_float"] == 0.1
    assert loaded["np_int"] == 4


def test_non_contiguous_and_view_tensors_round_trip(tmp_path):
    base = tg.arange(12, dtype=tg.float64).reshape(3, 4)
    views = {"t": base.T, "slice": base[:, 1::2], "np_view": np.arange(10)[::3]}
    tg.save(views, tmp_path / "v")
    loaded = tg.load(tmp_path / "v")
    np.testing.assert_array_equal(loaded["t"].numpy(), base.T.numpy())
    np.testing.assert_array_equal(loaded["slice"].numpy(), base[:, 1::2].numpy())
    np.testing.assert_array_equal(loaded["np_view"], [0, 3, 6, 9])


def test_loaded_tensors_do_not_share_memory_with_the_saved_ones(tmp_path):
    t = tg.ones(3)
    tg.save([t, t], tmp_path / "x")
    a, b = tg.load(tmp_path / "x")
    with tg.no_grad():
        a.fill_(5.0)
    assert t.tolist() == [1.0, 1.0, 1.0]
    assert b.tolist() == [1.0, 1.0, 1.0]


def test_top_level_non_dict_objects(tmp_path):
    for i, obj in enumerate([tg.tensor([1.5]), [1, 2], (None,), "s", 3, None]):
        tg.save(obj, tmp_path / f"o{i}")
        _assert_same(obj, tg.load(tmp_path / f"o{i}"))


def test_optimizer_like_checkpoint_round_trip(tmp_path):
    model = _model(4)
    ckpt = {"model": model.state_dict(), "optimizer": {"state": {0: {"step": 3,
            "momentum_buffer": tg.zeros(8, 5)}}, "param_groups": [{"lr": 0.1,
                                                                     "params": [0, 1, 2, 3]}]},
            "epoch": 2}
    tg.save(ckpt, tmp_path / "ckpt.tar")
    _assert_same(ckpt, tg.load(tmp_path / "ckpt.tar"))


# ----------------------------------------------------------------------------- file handling


@pytest.mark.parametrize("name", ["weights.pt", "model", "a.b.c", "archive.npz", "ckpt.pth.tar",
                                  "with space.bin"])
def test_file_is_written_to_exactly_the_given_path(tmp_path, name):
    path = tmp_path / name
    tg.save({"w": tg.ones(2)}, str(path))
    assert _files(tmp_path) == [name]
    assert zipfile.is_zipfile(path)
    assert tg.load(str(path))["w"].tolist() == [1.0, 1.0]
    tg.save({"w": tg.zeros(2)}, path)  # overwrite, pathlib this time
    assert _files(tmp_path) == [name]
    assert tg.load(path)["w"].tolist() == [0.0, 0.0]


def test_relative_path_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tg.save([1], "rel.pt")
    assert _files(tmp_path) == ["rel.pt"]
    assert tg.load("rel.pt") == [1]


def test_load_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "nope.pt")


def test_save_into_missing_directory_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.save([1], tmp_path / "missing" / "x.pt")
    assert _files(tmp_path) == []


@pytest.mark.parametrize("bad", [
    {"ok": tg.ones(3), "bad": object()},
    {"ok": tg.ones(3), "nested": [1, {"x": {1, 2}}]},
    {("tuple", "key"): 1},
    {True: "bool key"},
    {"obj": np.array([1, "a", None], dtype=object)},
    [tg.ones(2), 1 + 2j],
], ids=["object", "set", "tuple_key", "bool_key", "object_array", "complex"])
def test_failed_save_leaves_the_previous_file_unchanged(tmp_path, bad):
    path = tmp_path / "ckpt.pt"
    tg.save({"version": 1, "w": tg.arange(4)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"save: "):
        tg.save(bad, path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["ckpt.pt"]
    assert tg.load(path)["version"] == 1


def test_failed_save_names_where_the_bad_object_is(tmp_path):
    with pytest.raises(TypeError, match=re.escape("can't save set at obj['a'][1]")):
        tg.save({"a": [1, {2}]}, tmp_path / "x")


def test_crash_while_writing_leaves_the_previous_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    tg.save({"version": 1}, path)
    before = path.read_bytes()

    def crashing_savez(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crashing_savez)
    with pytest.raises(OSError, match="disk full"):
        tg.save({"version": 2, "w": tg.ones(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["ckpt.pt"]


def test_interrupt_while_writing_leaves_no_temp_file(tmp_path, monkeypatch):
    def interrupted_savez(file, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted_savez)
    with pytest.raises(KeyboardInterrupt):
        tg.save({"w": tg.ones(3)}, tmp_path / "new.pt")
    monkeypatch.undo()
    assert _files(tmp_path) == []


# ----------------------------------------------------------------------------- damaged files


def _load_failure(path):
    """(exception type, message) of ``tg.load(path)``; (None, '') when it succeeds.

    numpy's ``np.load`` leaks the open file when a zip is damaged (see
    ``test_load_of_a_damaged_zip_closes_the_file``); the ResourceWarning is silenced and the
    handle released here so that it cannot fail an unrelated later test.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            tg.load(path)
        except Exception as exc:  # noqa: BLE001 - the type is what the tests check
            result = (type(exc), str(exc))
            seen = exc
            while seen is not None:  # drop the frames' locals (the leaked file) right now
                traceback.clear_frames(seen.__traceback__)
                seen = seen.__cause__ or seen.__context__
        else:
            result = (None, "")
    return result


def _assert_load_fails_naming(path, match=None):
    kind, msg = _load_failure(path)
    assert kind is ValueError, f"{kind and kind.__name__}: {msg}"
    assert str(path) in msg, msg
    if match is not None:
        assert re.search(match, msg), msg


def _good_file(tmp_path, name="good.pt"):
    path = tmp_path / name
    tg.save({"w": tg.arange(100, dtype=tg.float32), "meta": {"step": 1}}, path)
    return path


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_file_raises_value_error_naming_the_path(tmp_path, keep):
    data = _good_file(tmp_path).read_bytes()
    path = tmp_path / "truncated.pt"
    path.write_bytes(data[:int(len(data) * keep)])
    _assert_load_fails_naming(path)


@pytest.mark.parametrize("size", [1, 100, 5000])
def test_random_bytes_raise_value_error(tmp_path, size):
    path = tmp_path / "random.bin"
    path.write_bytes(np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8)
                     .tobytes())
    _assert_load_fails_naming(path)


def test_plain_npy_file_raises_value_error(tmp_path):
    path = tmp_path / "plain.npy"
    with open(path, "wb") as f:
        np.save(f, np.ones(3))
    _assert_load_fails_naming(path)


def test_npz_without_index_raises_value_error(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, a=np.ones(3))
    _assert_load_fails_naming(path)


def test_zip_without_npy_members_raises_value_error(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    _assert_load_fails_naming(path)


def test_flipped_bytes_in_an_array_member_raise_value_error(tmp_path):
    path = _good_file(tmp_path)
    data = bytearray(path.read_bytes())
    mid = len(data) // 3
    data[mid:mid + 20] = bytes(20)  # zip CRC no longer matches
    path.write_bytes(bytes(data))
    _assert_load_fails_naming(path)


def _write_with_index(path, index, **arrays):
    raw = index if isinstance(index, bytes) else json.dumps(index).encode()
    with open(path, "wb") as f:
        np.savez(f, __index__=np.frombuffer(raw, dtype=np.uint8), **arrays)


FORMAT = "tinygrad_edu/1"


@pytest.mark.parametrize(("index", "match"), [
    ({"format": "other/9", "root": {"t": "value", "v": 1}}, "no tinygrad_edu index"),
    ({"root": {"t": "value", "v": 1}}, "no tinygrad_edu index"),
    ([1, 2, 3], "no tinygrad_edu index"),
    (b"\xff\xfe not json", None),
    (b"{\"format\": ", None),
    ({"format": FORMAT, "root": {"t": "tensor", "a": "a9"}}, "damaged index"),
    ({"format": FORMAT, "root": {"t": "pickle", "v": "x"}}, "unknown entry type 'pickle'"),
    ({"format": FORMAT, "root": 5}, "damaged index"),
    ({"format": FORMAT, "root": {"t": "dict", "items": 3}}, "damaged index"),
    ({"format": FORMAT, "root": {"t": "dict", "items": [[["unhashable"], {"t": "value",
                                                                            "v": 1}]]}},
     "damaged index"),
    ({"format": FORMAT, "root": {"t": "list"}}, "damaged index"),
], ids=["format", "no_format", "not_dict", "not_utf8", "bad_json", "missing_array",
        "unknown_type", "root_int", "items_int", "unhashable_key", "list_no_items"])
def test_tampered_index_raises_value_error_naming_the_path(tmp_path, index, match):
    path = tmp_path / "tampered.pt"
    _write_with_index(path, index, a0=np.ones(2))
    _assert_load_fails_naming(path, match)


def test_index_without_root_raises_value_error(tmp_path):
    path = tmp_path / "noroot.pt"
    _write_with_index(path, {"format": FORMAT})
    _assert_load_fails_naming(path)


def test_index_with_malformed_dict_item_names_the_path(tmp_path):
    path = tmp_path / "items3.pt"
    _write_with_index(path, {"format": FORMAT, "root": {"t": "dict", "items": [[1, 2, 3]]}})
    _assert_load_fails_naming(path)


def test_deeply_nested_index_raises_value_error(tmp_path):
    path = tmp_path / "deep.pt"
    depth = 100_000
    _write_with_index(path, ('{"format": "tinygrad_edu/1", "root": ' + "[" * depth +
                             "]" * depth + "}").encode())
    _assert_load_fails_naming(path)


def test_load_of_a_damaged_zip_closes_the_file(tmp_path):
    data = _good_file(tmp_path).read_bytes()
    path = tmp_path / "half.pt"
    path.write_bytes(data[:len(data) // 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tg.load(path)
        except ValueError:
            pass
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def test_string_array_in_place_of_a_tensor_raises_value_error(tmp_path):
    path = tmp_path / "str.pt"
    _write_with_index(path, {"format": FORMAT, "root": {"t": "tensor", "a": "a0"}},
                      a0=np.array(["ab", "c"]))
    _assert_load_fails_naming(path)


def test_pickled_object_array_cannot_execute_code(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (exec, (f"import pathlib; pathlib.Path({str(marker)!r}).touch()",))

    path = tmp_path / "evil.pt"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload()
    _write_with_index(path, {"format": FORMAT, "root": {"t": "ndarray", "a": "a0"}}, a0=evil)
    # the file really carries a working payload: numpy with pickle allowed runs it
    with np.load(path, allow_pickle=True) as archive:
        archive["a0"]
    assert marker.exists()
    marker.unlink()
    _assert_load_fails_naming(path, "[Pp]ickle|[Oo]bject arrays")
    assert not marker.exists()


def test_pickled_index_cannot_execute_code(tmp_path):
    marker = tmp_path / "pwned2"

    class Payload:
        def __reduce__(self):
            return (exec, (f"import pathlib; pathlib.Path({str(marker)!r}).touch()",))

    path = tmp_path / "evil2.pt"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload()
    with open(path, "wb") as f:
        np.savez(f, __index__=evil)
    _assert_load_fails_naming(path)
    assert not marker.exists()


def test_pickle_file_raises_value_error_without_running_it(tmp_path):
    import pickle

    marker = tmp_path / "pwned3"

    class Payload:
        def __reduce__(self):
            return (exec, (f"import pathlib; pathlib.Path({str(marker)!r}).touch()",))

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"w": Payload()}))
    _assert_load_fails_naming(path)
    assert not marker.exists()


def test_torch_save_file_is_read_by_the_restricted_unpickler(tmp_path):
    path = tmp_path / "torch.pt"
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    path.write_bytes(buf.getvalue())
    assert tg.load(path)["w"].tolist() == [1.0, 1.0]  # tests/interop has the hostile files


# ----------------------------------------------------------------------------- load_state_dict


class WithBuffers(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tg.nn.Linear(3, 2)
        self.register_buffer("steps", tg.tensor([0]))
        self.register_buffer("running", tg.zeros(2))
        self.register_buffer("scratch", tg.zeros(4), persistent=False)

    def forward(self, x):
        return self.fc(x) + self.running


def _snapshot(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict(keep_vars=True).items()}


def test_load_state_dict_lists_every_mismatch_and_changes_nothing():
    model = WithBuffers()
    before = _snapshot(model)
    bad = {
        "fc.weight": np.ones((3, 2), dtype=np.float32),  # transposed shape
        "fc.bias": np.ones(2, dtype=np.float32),  # fine on its own
        "steps": np.array([1.5]),  # float into an integer buffer
        "extra.weight": np.ones(1),
        "scratch": np.ones(4),  # non-persistent: not expected
    }  # "running" is missing
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for WithBuffers:")
    for expected in ['Missing key(s) in state_dict: "running". ',
                     'Unexpected key(s) in state_dict: "extra.weight", "scratch". ',
                     "size mismatch for fc.weight: copying a param with shape torch.Size([3, 2]) "
                     "from checkpoint, the shape in current model is torch.Size([2, 3])",
                     "dtype mismatch for steps: checkpoint has float64, the model has int64"]:
        assert expected in msg, msg
    after = _snapshot(model)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


def test_load_state_dict_int_into_float_is_a_mismatch():
    model = WithBuffers()
    before = _snapshot(model)
    sd = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    sd["fc.bias"] = np.array([1, 2])
    with pytest.raises(RuntimeError, match=r"dtype mismatch for fc.bias: checkpoint has int64"):
        model.load_state_dict(sd)
    assert _snapshot(model)["fc.weight"].tolist() == before["fc.weight"].tolist()


def test_load_state_dict_with_unreadable_value():
    model = tg.nn.Linear(2, 2)
    sd = dict(model.state_dict())
    sd["weight"] = {"not": "an array"}
    with pytest.raises(RuntimeError, match="weight"):
        model.load_state_dict(sd)


def test_strict_false_returns_missing_and_unexpected_and_loads_the_rest():
    model = WithBuffers()
    result = model.load_state_dict({"fc.bias": np.array([5.0, 6.0]), "other": np.ones(1)},
                                   strict=False)
    # torch's order: a module's own parameters and buffers, then its children's
    assert result.missing_keys == ["steps", "running", "fc.weight"]
    assert result.unexpected_keys == ["other"]
    missing, unexpected = result  # a named tuple, like torch
    assert missing == result.missing_keys
    assert unexpected == ["other"]
    assert model.fc.bias.tolist() == [5.0, 6.0]
    assert model.fc.bias.dtype == tg.float32
    with pytest.raises(RuntimeError, match="size mismatch for fc.bias"):
        model.load_state_dict({"fc.bias": np.ones(3)}, strict=False)


def test_strict_load_returns_empty_key_lists_and_copies_values():
    model = WithBuffers()
    source = WithBuffers()
    with tg.no_grad():
        source.running.fill_(2.0)
    source.steps = tg.tensor([9])
    sd = {k: v.detach().numpy().copy() for k, v in source.state_dict().items()}
    weight_obj = model.fc.weight
    result = model.load_state_dict(sd)
    assert result.missing_keys == []
    assert result.unexpected_keys == []
    assert model.fc.weight is weight_obj
    assert model.fc.weight.requires_grad
    assert model.steps.tolist() == [9]
    assert model.steps.dtype == tg.int64
    assert model.running.tolist() == [2.0, 2.0]
    sd["fc.weight"][...] = 100.0  # the model holds a copy, not the caller's array
    assert model.fc.weight.detach().numpy().max() < 100.0


def test_load_state_dict_casts_float64_values_to_the_model_dtype():
    model = tg.nn.Linear(2, 1)
    model.load_state_dict({"weight": np.array([[0.1, 0.2]]), "bias": tg.tensor([0.3],
                                                                             dtype=tg.float64)})
    assert model.weight.dtype == tg.float32
    assert model.weight.detach().numpy().tolist() == np.array([[0.1, 0.2]], np.float32).tolist()


def test_load_state_dict_from_saved_file_checks_too(tmp_path):
    tg.save(tg.nn.Linear(3, 4).state_dict(), tmp_path / "small.pt")
    model = tg.nn.Linear(3, 5)
    before = _snapshot(model)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight.*\n\tsize mismatch for "
                                           r"bias"):
        model.load_state_dict(tg.load(tmp_path / "small.pt"))
    for k, v in _snapshot(model).items():
        np.testing.assert_array_equal(v, before[k])


# ----------------------------------------------------------------------------- nn.utils


def _pair_with_grads(seed=0, skip_grad=False):
    """Two float64 parameter lists (ours, torch) with identical values and grads."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    ours, theirs = [], []
    for i, shape in enumerate(shapes):
        value, grad = rng.standard_normal(shape), rng.standard_normal(shape) * 3
        p = tg.nn.Parameter(tg.tensor(value))
        q = torch.nn.Parameter(torch.tensor(value))
        if not (skip_grad and i == 1):
            p.grad, q.grad = tg.tensor(grad), torch.tensor(grad)
        ours.append(p)
        theirs.append(q)
    return ours, theirs


def _assert_grads_equal(ours, theirs, rtol=1e-12):
    for p, q in zip(ours, theirs, strict=True):
        if q.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=1e-15)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 2.0, 1e6])
@pytest.mark.parametrize("skip_grad", [False, True])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, skip_grad):
    ours, theirs = _pair_with_grads(int(max_norm) % 7, skip_grad)
    total_o = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total_o, tg.Tensor)
    assert total_o.shape == ()
    assert total_o.item() == pytest.approx(total_t.item(), rel=1e-12)
    _assert_grads_equal(ours, theirs)


def test_clip_grad_norm_single_tensor():
    ours, theirs = _pair_with_grads(3)
    assert utils.clip_grad_norm_(ours[0], 0.1).item() == pytest.approx(
        torch.nn.utils.clip_grad_norm_(theirs[0], 0.1).item(), rel=1e-12)
    _assert_grads_equal(ours, theirs)


def test_clip_grad_norm_with_a_generator_clips_like_torch():
    ours, theirs = _pair_with_grads(3)
    assert utils.clip_grad_norm_(iter(ours), 0.1).item() == pytest.approx(
        torch.nn.utils.clip_grad_norm_(iter(theirs), 0.1).item(), rel=1e-12)
    _assert_grads_equal(ours, theirs)


def test_clip_grad_norm_of_model_parameters_clips():
    model = _model(0)
    model(tg.ones(4, 5) * 10).sum().backward()
    total = utils.clip_grad_norm_(model.parameters(), 0.1)
    assert total.item() > 0.1
    clipped = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum())
                            for p in model.parameters()))
    assert clipped == pytest.approx(0.1, rel=1e-4)


def test_clip_grad_norm_clips_to_max_norm():
    ours, _ = _pair_with_grads(4)
    utils.clip_grad_norm_(ours, 1.0)
    total = math.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in ours))
    assert total == pytest.approx(1.0, rel=1e-5)
    assert total <= 1.0


def test_clip_grad_norm_keeps_grad_dtype_float32():
    p = tg.nn.Parameter(tg.ones(3))
    p.grad = tg.full((3,), 10.0)
    utils.clip_grad_norm_([p], 1.0)
    assert p.grad.dtype == tg.float32
    q = torch.nn.Parameter(torch.ones(3))
    q.grad = torch.full((3,), 10.0)
    torch.nn.utils.clip_grad_norm_([q], 1.0)
    np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_nonfinite():
    p = tg.nn.Parameter(tg.ones(2))
    p.grad = tg.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isnan(utils.clip_grad_norm_([p], 1.0).item())


def test_clip_grad_norm_without_any_grad_returns_zero():
    assert utils.clip_grad_norm_([tg.nn.Parameter(tg.ones(2))], 1.0).item() == 0.0
    assert utils.clip_grad_norm_([], 1.0).item() == 0.0


@pytest.mark.parametrize("clip", [0.1, 1.0, 100.0])
def test_clip_grad_value_matches_torch(clip):
    ours, theirs = _pair_with_grads(5, skip_grad=True)
    assert utils.clip_grad_value_(ours, clip) is None
    torch.nn.utils.clip_grad_value_(theirs, clip)
    _assert_grads_equal(ours, theirs, rtol=0)
    p = tg.nn.Parameter(tg.zeros(2))
    p.grad = tg.tensor([5.0, -5.0])
    utils.clip_grad_value_(p, 2)
    assert p.grad.tolist() == [2.0, -2.0]


def test_parameters_to_vector_matches_torch_and_is_differentiable():
    ours, theirs = _pair_with_grads(6)
    vec_o = utils.parameters_to_vector(ours)
    vec_t = torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(vec_o.detach().numpy(), vec_t.detach().numpy())
    assert vec_o.shape == (24,)
    for p in ours:
        p.grad = None
    weights = np.arange(24, dtype=np.float64)
    (vec_o * tg.tensor(weights)).sum().backward()
    start = 0
    for p in ours:
        np.testing.assert_array_equal(p.grad.numpy().reshape(-1),
                                      weights[start:start + p.numel()])
        start += p.numel()


def test_vector_to_parameters_matches_torch():
    ours, theirs = _pair_with_grads(7)
    vec = np.random.default_rng(8).standard_normal(24)
    objects = list(ours)
    utils.vector_to_parameters(tg.tensor(vec), ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), theirs)
    for p, q, obj in zip(ours, theirs, objects, strict=True):
        assert p is obj
        assert p.requires_grad
        assert p.is_leaf
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    np.testing.assert_array_equal(utils.parameters_to_vector(ours).detach().numpy(), vec)


def test_vector_to_parameters_rejects_wrong_sizes():
    ours, _ = _pair_with_grads(9)
    before = [p.detach().numpy().copy() for p in ours]
    for bad in (tg.zeros(23, dtype=tg.float64), tg.zeros(25, dtype=tg.float64),
                tg.zeros(4, 6, dtype=tg.float64)):
        with pytest.raises(RuntimeError, match="expected a vector of 24 elements"):
            utils.vector_to_parameters(bad, ours)
    for p, b in zip(ours, before, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), b)


def test_utils_round_trip_through_a_model_file(tmp_path):
    model = _model(5)
    vec = utils.parameters_to_vector(model.parameters()).detach()
    tg.save({"flat": vec}, os.fspath(tmp_path / "flat"))
    fresh = _model(6)
    utils.vector_to_parameters(tg.load(tmp_path / "flat")["flat"], fresh.parameters())
    x = tg.randn(2, 5)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    assert isinstance(OrderedDict(fresh.state_dict()), OrderedDict)
