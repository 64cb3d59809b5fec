"""safetensors both ways, checked against ``safetensors.torch`` (torch's own loading).

``tg.save(state, "m.safetensors")`` writes what ``safetensors.torch.load_file`` reads, and
``tg.load`` reads what ``safetensors.torch.save_file`` wrote, whatever the file is called.
Only a flat dict of tensors fits the format; anything else is a clear TypeError.
"""

from __future__ import annotations

import io
import sys
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
          "uint8", "bool"]


def _as_numpy(t):
    return t.float().numpy().astype(tg.bfloat16.np_dtype) if t.dtype == torch.bfloat16 \
        else t.numpy()


def _ours(dtype, shape=(2, 3)):
    values = tg.arange(int(np.prod(shape)), dtype=tg.float64).reshape(shape) - 2.5
    return (values > 0) if dtype == "bool" else values.to(getattr(tg, dtype))


def _assert_same(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for key, t in theirs.items():
        assert str(ours[key].dtype) == str(t.dtype), key
        assert tuple(ours[key].shape) == tuple(t.shape), key
        np.testing.assert_array_equal(ours[key].detach().numpy(), _as_numpy(t))


def test_torch_reads_our_safetensors_file(tmp_path):
    base = tg.arange(12, dtype=tg.float32).reshape(3, 4)
    state = {d: _ours(d) for d in DTYPES}
    state |= {"scalar": tg.tensor(1.5), "empty": tg.zeros(0, 4), "transposed": base.t(),
              "strided": base[::2, 1::2]}
    path = tmp_path / "model.safetensors"
    tg.save(state, path)  # the name picks the format
    theirs = st_torch.load_file(path)
    _assert_same(state, theirs)
    assert tg.load(path).keys() == state.keys()


def test_we_read_torchs_safetensors_file(tmp_path):
    theirs = {d: torch.arange(6).reshape(2, 3).to(getattr(torch, d)) for d in DTYPES}
    theirs["scalar"] = torch.tensor(3.0)
    path = tmp_path / "weights.pt"  # the content decides, not the name
    st_torch.save_file(theirs, path)
    loaded = tg.load(path)
    assert all(isinstance(v, tg.Tensor) for v in loaded.values())
    _assert_same(loaded, theirs)
    loaded["int64"][0, 0] = 9  # writable, like any loaded tensor
    with open(path, "rb") as f:
        _assert_same(tg.load(f), theirs)


def test_model_state_dict_round_trip_gives_identical_outputs(tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    path = tmp_path / "torch.safetensors"
    st_torch.save_file(theirs.state_dict(), path)
    ours = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Linear(8, 2))
    ours.load_state_dict(tg.load(path))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    # and back: torch loads our file into a fresh model
    tg.save(ours.state_dict(), tmp_path / "ours.safetensors")
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    fresh.load_state_dict(st_torch.load_file(tmp_path / "ours.safetensors"))
    with torch.no_grad():
        np.testing.assert_array_equal(fresh(torch.from_numpy(x)).numpy(), expected)


def test_tied_tensors_are_written_as_copies(tmp_path):
    shared = tg.arange(4, dtype=tg.float32)
    path = tmp_path / "tied.safetensors"
    tg.save({"encoder": shared, "decoder": shared, "half": shared[2:]}, path)
    theirs = st_torch.load_file(path)
    assert theirs["encoder"].tolist() == theirs["decoder"].tolist() == [0, 1, 2, 3]
    assert theirs["half"].tolist() == [2, 3]


def test_format_argument_and_file_objects():
    buffer = io.BytesIO()
    tg.save(OrderedDict(w=tg.ones(2)), buffer, format="safetensors")
    assert st_torch.load(buffer.getvalue())["w"].tolist() == [1.0, 1.0]
    buffer.seek(0)
    assert tg.load(buffer)["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(("obj", "match"), [
    ({"w": tg.ones(1), "epoch": 3}, r"obj\['epoch'\] is int"),
    ({"w": {"nested": tg.ones(1)}}, r"obj\['w'\] is dict"),
    ([tg.ones(1)], "got list"),
    ({1: tg.ones(1)}, "key 1 is int"),
    ({"c": np.ones(2, dtype=np.complex128)}, "dtype complex128"),
], ids=["number", "nested", "list", "int_key", "complex128"])
def test_what_safetensors_cannot_hold_is_a_clear_error(tmp_path, obj, match):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=f"save: format='safetensors' .*{match}"):
        tg.save(obj, path)
    assert list(tmp_path.iterdir()) == []


def test_without_the_package_the_error_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    st_torch.save_file({"w": torch.ones(1)}, path)
    for name in [m for m in sys.modules if m == "safetensors" or m.startswith("safetensors.")]:
        monkeypatch.setitem(sys.modules, name, None)
    extra = 'pip install "tinygrad_edu\\[safetensors\\]"'
    with pytest.raises(ModuleNotFoundError, match=f"save: .*{extra}"):
        tg.save({"w": tg.ones(1)}, tmp_path / "new.safetensors")
    with pytest.raises(ModuleNotFoundError, match=f"load: .*{extra}"):
        tg.load(path)
    tg.save({"w": tg.ones(1)}, tmp_path / "native.pt")  # the other formats need no package
    assert tg.load(tmp_path / "native.pt")["w"].tolist() == [1.0]


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_truncated_safetensors_file_raises_value_error(tmp_path, keep):
    path = tmp_path / "m.safetensors"
    tg.save({"w": tg.arange(100, dtype=tg.float32), "b": tg.ones(3)}, path)
    data = path.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(ValueError, match=f"load: {cut}"):
        tg.load(cut)


def test_header_claiming_offsets_past_the_end_raises_value_error(tmp_path):
    path = tmp_path / "m.safetensors"
    tg.save({"w": tg.ones(4)}, path)
    data = path.read_bytes().replace(b'"data_offsets":[0,16]', b'"data_offsets":[0,99]')
    path.write_bytes(data)
    with pytest.raises(ValueError, match=f"load: {path} is not a readable safetensors"):
        tg.load(path)
