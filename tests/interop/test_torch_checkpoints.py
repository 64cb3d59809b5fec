"""PyTorch checkpoints both ways, without torch inside tinygrad_edu.

Files written by torch 2.13 here (zip and legacy formats, every dtype, views that share a
storage, strides and offsets, nested containers, a big-endian file) are read by ``tg.load``
and compared with torch's own values; files written by ``tg.save(format="torch")`` are read
by ``torch.load(weights_only=True)``. Hostile files (pickles that would run code, memory
bombs, damaged files) are refused with a ValueError before anything runs or is allocated.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import struct
import tracemalloc
import warnings
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
          "uint8", "bool"]


def _torch_tensor(dtype: str, shape: tuple[int, ...] = (2, 3)) -> Any:
    values = torch.arange(int(np.prod(shape)), dtype=torch.float64).reshape(shape) - 2.5
    return (values > 0) if dtype == "bool" else values.to(getattr(torch, dtype))


def _as_numpy(t: Any) -> np.ndarray:
    """A torch tensor's values as numpy (bfloat16 through float32, exact)."""
    if t.dtype == torch.bfloat16:
        return t.float().numpy().astype(tg.bfloat16.np_dtype)
    return t.detach().numpy()


def _same(ours: Any, theirs: Any) -> None:
    """ours (a tinygrad_edu object) and theirs (a torch object) hold the same structure,
    values, dtypes, shapes, Parameters and requires_grad; either side may be the original."""
    if isinstance(ours, tg.Tensor) or isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), type(ours)
        assert isinstance(theirs, torch.Tensor), type(theirs)
        assert str(ours.dtype) == str(theirs.dtype)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.detach().numpy(), _as_numpy(theirs))
        assert ours.requires_grad == theirs.requires_grad
        assert isinstance(ours, tg.nn.Parameter) == isinstance(theirs, torch.nn.Parameter)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs)
        assert list(ours) == list(theirs)
        for key in theirs:
            _same(ours[key], theirs[key])
    elif isinstance(theirs, list | tuple):
        assert type(ours) is type(theirs)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b)
    else:
        assert ours == theirs
        assert type(ours) is type(theirs)


def _torch_file(tmp_path: Path, obj: Any, legacy: bool = False, name: str = "ckpt.pth") -> Path:
    path = tmp_path / name
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    return path


# ----------------------------------------------------------------------------- torch -> tg


class TorchNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4 * 5 * 5, 3)

    def forward(self, x: Any) -> Any:
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


class OurNet(tg.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = tg.nn.Conv2d(2, 4, 3, padding=1)
        self.bn = tg.nn.BatchNorm2d(4)
        self.fc = tg.nn.Linear(4 * 5 * 5, 3)

    def forward(self, x: Any) -> Any:
        return self.fc(tg.relu(self.bn(self.conv(x))).flatten(1))


def _trained_torch_net() -> Any:
    torch.manual_seed(0)
    net = TorchNet()
    net(torch.randn(8, 2, 5, 5))  # train mode: the running statistics move
    return net.eval()


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_load_state_dict_from_a_torch_checkpoint_gives_identical_outputs(tmp_path, legacy):
    theirs = _trained_torch_net()
    path = _torch_file(tmp_path, theirs.state_dict(), legacy)
    state = tg.load(path)
    _same(state, theirs.state_dict())
    ours = OurNet().eval()
    ours.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((3, 2, 5, 5)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_every_dtype_and_shape_is_read(tmp_path, legacy):
    obj = {dtype: _torch_tensor(dtype) for dtype in DTYPES}
    obj["scalar"] = torch.tensor(7)
    obj["empty"] = torch.zeros(0, 3)
    obj["param"] = torch.nn.Parameter(torch.ones(2))
    obj["frozen"] = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    obj["grad"] = torch.ones(3, requires_grad=True)
    _same(tg.load(_torch_file(tmp_path, obj, legacy)), obj)


def test_complex_tensors_come_back_as_numpy_arrays(tmp_path):
    obj = {"c64": torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64),
           "c128": torch.tensor([[1j]], dtype=torch.complex128)}
    loaded = tg.load(_torch_file(tmp_path, obj))
    for key, t in obj.items():
        assert isinstance(loaded[key], np.ndarray)
        assert loaded[key].dtype == _as_numpy(t).dtype
        np.testing.assert_array_equal(loaded[key], t.numpy())


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_views_of_one_storage_share_memory_after_loading(tmp_path, legacy):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {"base": base, "row": base[1], "col": base[:, 2], "block": base[1:3, 2:5],
           "t": base.t(), "flat_tail": base.view(-1)[7:], "expanded": base[0:1].expand(3, 6)}
    loaded = tg.load(_torch_file(tmp_path, obj, legacy))
    _same(loaded, obj)
    assert loaded["col"].stride() == obj["col"].stride()
    assert loaded["block"].storage_offset() == obj["block"].storage_offset() == 8
    loaded["base"][1, 2] = -1.0  # one write shows through every view, as in torch
    assert loaded["row"][2].item() == loaded["col"][1].item() == loaded["t"][2, 1].item() == -1
    assert loaded["block"][0, 0].item() == loaded["flat_tail"][1].item() == -1


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_nested_containers_and_plain_values(tmp_path, legacy):
    obj = {"epoch": 3, "lr": 0.125, "name": "run-1", "none": None, "flags": [True, False],
           "big": 2**70, "neg": -12345678901, "shape": torch.Size([2, 3]),
           "nested": {"list": [torch.ones(2), (1, "a", [torch.zeros(1)])],
                      "ordered": OrderedDict(b=1, a=torch.tensor([5]))},
           "bytes": b"\x00\xffraw", "dtype": torch.float16}
    loaded = tg.load(_torch_file(tmp_path, obj, legacy))
    assert loaded["shape"] == (2, 3)
    assert loaded["dtype"] is tg.float16
    del obj["shape"], obj["dtype"]
    _same({k: loaded[k] for k in obj}, obj)


def test_optimizer_checkpoint_is_read(tmp_path):
    net = _trained_torch_net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.randn(2, 2, 5, 5)).sum().backward()
    opt.step()
    obj = {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}
    _same(tg.load(_torch_file(tmp_path, obj)), obj)


def test_any_archive_folder_name_and_file_objects(tmp_path):
    obj = {"w": torch.arange(3.0)}
    buffer = io.BytesIO()
    torch.save(obj, buffer)  # folder "archive"
    buffer.write(b"more data after the checkpoint")
    buffer.seek(0)
    _same(tg.load(buffer), obj)
    assert buffer.read() == b"more data after the checkpoint"
    path = _torch_file(tmp_path, obj, name="my.model.weights.pt")  # folder from the name
    assert {n.split("/")[0] for n in zipfile.ZipFile(path).namelist()} != {"archive"}
    _same(tg.load(path), obj)
    with open(path, "rb") as f:
        _same(tg.load(f), obj)
    _same(tg.load(path, map_location="cpu", weights_only=True), obj)  # torch's arguments
    legacy = io.BytesIO()
    torch.save(obj, legacy, _use_new_zipfile_serialization=False)
    legacy.seek(0)
    _same(tg.load(legacy), obj)


def _rewrite_zip(src: Path, dst: Path, change: Any) -> None:
    """Copy a zip, passing each (name, data) through change(name, data) -> data or None."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)


def test_big_endian_file_is_byteswapped_to_native(tmp_path):
    obj = {d: _torch_tensor(d) for d in DTYPES}
    obj["c64"] = torch.tensor([1 + 2j, -3j], dtype=torch.complex64)
    path = _torch_file(tmp_path, obj)
    itemsizes = [t.element_size() for t in obj.values()]  # storage i is the i-th tensor
    complex_key = str(len(obj) - 1)

    def to_big_endian(name: str, data: bytes) -> bytes:
        if name.endswith("/byteorder"):
            return b"big"
        if "/data/" in name:
            key = name.rsplit("/", 1)[1]
            size = itemsizes[int(key)] // (2 if key == complex_key else 1)
            if size > 1:
                return np.frombuffer(data, f"<u{size}").astype(f">u{size}").tobytes()
        return data

    big = tmp_path / "big.pt"
    _rewrite_zip(path, big, to_big_endian)
    assert zipfile.ZipFile(big).read("ckpt/byteorder") == b"big"
    loaded = tg.load(big)
    np.testing.assert_array_equal(loaded.pop("c64"), obj.pop("c64").numpy())
    _same(loaded, obj)
    theirs = torch.load(big, weights_only=True)  # torch reads the same numbers from it
    theirs.pop("c64")
    _same(loaded, theirs)


def test_file_without_byteorder_record_is_little_endian(tmp_path):
    obj = {"w": torch.arange(4, dtype=torch.int32)}
    path = _torch_file(tmp_path, obj)
    stripped = tmp_path / "old.pt"
    _rewrite_zip(path, stripped, lambda n, d: None if n.endswith("/byteorder") else d)
    _same(tg.load(stripped), obj)


def test_content_decides_not_the_file_name(tmp_path):
    obj = {"w": torch.arange(3.0)}
    for name in ("weights.safetensors", "weights.npz", "weights"):
        _same(tg.load(_torch_file(tmp_path, obj, name=name)), obj)
        _same(tg.load(_torch_file(tmp_path, obj, legacy=True, name="legacy-" + name)), obj)
    tg.save({"w": tg.ones(2)}, tmp_path / "native.pth")
    assert tg.load(tmp_path / "native.pth")["w"].tolist() == [1.0, 1.0]
    tg.save({"w": tg.ones(2)}, tmp_path / "torch.npz", format="torch")
    assert torch.load(tmp_path / "torch.npz", weights_only=True)["w"].tolist() == [1.0, 1.0]


def test_unknown_content_names_the_file_and_the_formats(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_bytes(b"just some text, not a checkpoint at all")
    with pytest.raises(ValueError, match="none of the formats load knows") as info:
        tg.load(path)
    for word in (str(path), "tinygrad_edu", "PyTorch", "safetensors"):
        assert word in str(info.value)


def test_torchscript_archive_is_named(tmp_path):
    path = tmp_path / "scripted.pt"
    with warnings.catch_warnings():  # torch 2.13 deprecates TorchScript
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path)
    with pytest.raises(ValueError, match="TorchScript"):
        tg.load(path)


# ----------------------------------------------------------------------------- tg -> torch


def _our_tensor(dtype: str, shape: tuple[int, ...] = (2, 3)) -> Any:
    values = tg.arange(int(np.prod(shape)), dtype=tg.float64).reshape(shape) - 2.5
    return (values > 0) if dtype == "bool" else values.to(getattr(tg, dtype))


def test_torch_reads_what_we_write(tmp_path):
    base = tg.arange(12, dtype=tg.float32).reshape(3, 4)
    obj = {d: _our_tensor(d) for d in DTYPES}
    obj |= {"scalar": tg.tensor(2.5), "int_scalar": tg.tensor(-7), "empty": tg.zeros(0, 2),
            "transposed": base.t(), "strided": base[::2, 1::2], "param": tg.nn.Parameter(
                tg.ones(2)), "frozen": tg.nn.Parameter(tg.ones(2), requires_grad=False),
            "grad": tg.ones(3).requires_grad_(),
            "nested": {"list": [tg.ones(1), (3, "x", None)], "ordered": OrderedDict(
                z=tg.zeros(2), a=1)},
            "epoch": 4, "lr": 1e-3, "big": -2**80, "unicode": "wéights ✓", "flag": True}
    path = tmp_path / "ours.pt"
    tg.save(obj, path, format="torch")
    theirs = torch.load(path, weights_only=True)
    _same(obj, theirs)
    assert theirs["transposed"].is_contiguous()  # written contiguous
    _same(tg.load(path), theirs)  # and we read our own file back


def test_torch_model_loads_our_state_dict_with_identical_outputs(tmp_path):
    theirs = _trained_torch_net()
    ours = OurNet().eval()
    ours.load_state_dict(tg.load(_torch_file(tmp_path, theirs.state_dict())))
    buffer = io.BytesIO()
    tg.save(ours.state_dict(), buffer, format="torch")
    buffer.seek(0)
    fresh = TorchNet().eval()
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    x = torch.randn(2, 2, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), theirs(x), rtol=0, atol=0)


def test_the_same_tensor_twice_is_one_tensor_for_torch(tmp_path):
    w = tg.ones(3)
    many = {f"t{i}": tg.full((2,), float(i)) for i in range(300)}  # memo indices past 255
    path = tmp_path / "tied.pt"
    tg.save({"a": w, "b": w, "c": [w, many["t299"]], "many": many}, path, format="torch")
    theirs = torch.load(path, weights_only=True)
    assert theirs["a"] is theirs["b"] is theirs["c"][0]
    assert theirs["c"][1] is theirs["many"]["t299"]
    assert [t[0].item() for t in theirs["many"].values()] == list(range(300))


def test_torch_save_of_unsupported_objects_is_a_type_error_and_writes_nothing(tmp_path):
    path = tmp_path / "x.pt"
    with pytest.raises(TypeError, match=r"save: can't save set at obj\['s'\] in the torch"):
        tg.save({"w": tg.ones(1), "s": {1, 2}}, path, format="torch")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="save: format must be None or one of"):
        tg.save({}, path, format="pickle")


# ----------------------------------------------------------------------------- hostile files


def _zip_checkpoint(path: Path, pickled: bytes, records: dict[str, bytes] | None = None,
                    folder: str = "archive") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{folder}/data.pkl", pickled)
        z.writestr(f"{folder}/byteorder", b"little")
        for key, data in (records or {}).items():
            z.writestr(f"{folder}/data/{key}", data)
        z.writestr(f"{folder}/version", b"3\n")
    return path


def _call(module: str, name: str, *args: str) -> bytes:
    """A protocol 2 pickle of the call module.name(*args) (strings only)."""
    body = b"".join(b"X" + struct.pack("<I", len(a.encode())) + a.encode() for a in args)
    return f"c{module}\n{name}\n".encode() + b"(" + body + b"tR"


def _tensor_pickle(numel: int, size: tuple[int, ...], stride: tuple[int, ...], offset: int = 0,
                   storage: str = "FloatStorage") -> bytes:
    """data.pkl of {'w': _rebuild_tensor_v2(storage '0' of numel elements, ...)}, made by
    pickle itself from stand-ins that reduce to torch's names."""
    class Global:
        def __init__(self, module: str, name: str) -> None:
            self.module, self.name = module, name

        def __call__(self) -> None:  # pickle wants a callable for REDUCE
            raise NotImplementedError

    class Pickler(pickle._Pickler):  # type: ignore[misc,name-defined]
        def save_global(self, obj: Any, name: Any = None) -> None:
            if isinstance(obj, Global):
                self.write(f"c{obj.module}\n{obj.name}\n".encode())
            else:
                super().save_global(obj, name)

        def persistent_id(self, obj: Any) -> Any:
            return obj if isinstance(obj, tuple) and obj[:1] == ("storage",) else None

    Pickler.dispatch = dict(pickle._Pickler.dispatch)
    Pickler.dispatch[Global] = Pickler.save_global

    class Tensor:
        def __reduce__(self) -> Any:
            pid = ("storage", Global("torch", storage), "0", "cpu", numel)
            return (Global("torch._utils", "_rebuild_tensor_v2"),
                    (pid, offset, size, stride, False, OrderedDict()))

    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump({"w": Tensor()})
    return buffer.getvalue()


def test_tensor_pickle_helper_makes_a_file_torch_reads(tmp_path):
    path = _zip_checkpoint(tmp_path / "ok.pt", _tensor_pickle(4, (2, 2), (2, 1)),
                           {"0": np.arange(4, dtype=np.float32).tobytes()})
    assert torch.load(path, weights_only=True)["w"].tolist() == [[0, 1], [2, 3]]
    assert tg.load(path)["w"].tolist() == [[0, 1], [2, 3]]


PAYLOADS = {
    "os.system": lambda marker: b"\x80\x02" + _call("os", "system", f"touch {marker}") + b".",
    "builtins.eval": lambda marker: b"\x80\x02" + _call(
        "builtins", "eval", f"open({str(marker)!r}, 'w').close()") + b".",
    "builtins.exec": lambda marker: b"\x80\x02}(X\x01\x00\x00\x00w" + _call(
        "builtins", "exec", f"open({str(marker)!r}, 'w').close()") + b"u.",
    # a REDUCE payload hidden as the storage argument of an allowed rebuild function
    "posix.system": lambda marker: b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + _call(
        "posix", "system", f"touch {marker}") + b"K\x00)))\x89}tR.",
}


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("refused", list(PAYLOADS))
def test_a_pickle_that_would_run_code_is_refused_naming_the_global(tmp_path, refused, legacy):
    marker = tmp_path / "pwned"
    pickled = PAYLOADS[refused](marker)
    with contextlib.suppress(Exception):  # the payload is real: plain pickle runs it
        pickle.loads(pickled)
    assert marker.exists()
    marker.unlink()
    if legacy:
        path = tmp_path / "evil_legacy.pt"
        header = b"".join(pickle.dumps(x, protocol=2) for x in (
            0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001, "little_endian": True}))
        path.write_bytes(header + pickled)
    else:
        path = _zip_checkpoint(tmp_path / "evil.pt", pickled)
    with pytest.raises(pickle.UnpicklingError) as info:
        tg.load(path)
    assert isinstance(info.value, ValueError)  # load's contract for every bad file
    message = str(info.value)
    assert f"GLOBAL {refused} was not an allowed global" in message
    assert message.startswith(f"load: {path}:")
    assert not marker.exists()
    if not legacy:  # torch refuses it too
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)
    assert not marker.exists()


def test_build_on_an_allowed_global_is_refused(tmp_path):
    # BUILD would set attributes on the rebuild function itself
    pickled = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n}X\x01\x00\x00\x00xK\x01sb."
    with pytest.raises(pickle.UnpicklingError, match="BUILD"):
        tg.load(_zip_checkpoint(tmp_path / "build.pt", pickled))


def _peak_bytes(fn: Any) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        fn()
        error = None
    except BaseException as exc:  # noqa: BLE001 - returned to the test
        error = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return error, peak


SMALL = 20 * 2**20  # every bomb below must be refused using less than this


def _assert_refused_cheaply(path: Path, match: str) -> None:
    error, peak = _peak_bytes(lambda: tg.load(path))
    assert isinstance(error, ValueError), repr(error)
    assert str(path) in str(error), str(error)
    assert match in str(error), str(error)
    assert peak < SMALL, peak


def test_storage_declaring_2_to_the_40_elements_is_refused_before_allocating(tmp_path):
    path = _zip_checkpoint(tmp_path / "huge.pt", _tensor_pickle(2**40, (2**40,), (1,)),
                           {"0": bytes(16)})
    _assert_refused_cheaply(path, "declares 1099511627776 elements")


def _patch_central_size(data: bytes, member: str, new_size: int) -> bytes:
    """Set the uncompressed size of ``member`` in the zip's central directory."""
    pos = data.find(b"PK\x01\x02")
    out = bytearray(data)
    while pos != -1:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46:pos + 46 + name_len].decode() == member:
            struct.pack_into("<I", out, pos + 24, new_size)
            return bytes(out)
        pos = data.find(b"PK\x01\x02", pos + 1)
    raise KeyError(member)


def test_zip_member_declaring_a_huge_size_is_not_read(tmp_path):
    numel = 2**29  # 2 GiB of float32, declared by the pickle and by the zip header
    path = _zip_checkpoint(tmp_path / "lie.pt", _tensor_pickle(numel, (numel,), (1,)),
                           {"0": bytes(64)})
    path.write_bytes(_patch_central_size(path.read_bytes(), "archive/data/0", 4 * numel))
    _assert_refused_cheaply(path, "the file cannot hold")


def test_deflate_bomb_member_is_not_decompressed(tmp_path):
    numel = 2**28  # 1 GiB of zeros declared; the compressed bytes are a few hundred
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", _tensor_pickle(numel, (numel,), (1,)))
        z.writestr("archive/data/0", bytes(2**16), compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(_patch_central_size(path.read_bytes(), "archive/data/0", 4 * numel))
    _assert_refused_cheaply(path, "the file cannot hold")


@pytest.mark.parametrize(("size", "stride", "offset"), [
    ((4,), (1,), 1), ((2, 2), (3, 1), 0), ((3,), (2,), 0), ((2**40,), (1,), 0), ((1,), (1,), 4),
    ((0,), (1,), 5)], ids=["offset", "stride", "stride1d", "huge_size", "past_end", "empty_off"])
def test_view_outside_its_storage_is_refused(tmp_path, size, stride, offset):
    path = _zip_checkpoint(tmp_path / "view.pt", _tensor_pickle(4, size, stride, offset),
                           {"0": np.arange(4, dtype=np.float32).tobytes()})
    _assert_refused_cheaply(path, "storage of 4")


def test_storage_size_that_does_not_match_its_record_is_refused(tmp_path):
    path = _zip_checkpoint(tmp_path / "short.pt", _tensor_pickle(8, (8,), (1,)),
                           {"0": bytes(16)})
    _assert_refused_cheaply(path, "declares 8 elements of float32 (32 bytes)")


def test_deeply_nested_pickle_is_refused(tmp_path):
    depth = 20_000
    pickled = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    _assert_refused_cheaply(_zip_checkpoint(tmp_path / "deep.pt", pickled), "levels deep")


def test_shared_tuples_are_not_expanded(tmp_path):
    """t1 = (t0, t0), t2 = (t1, t1), ...: 60 levels are 2**60 leaves if walked as a tree."""
    pickled = b"\x80\x02K\x01\x85q\x00" + b"".join(
        b"h" + bytes([i]) + b"h" + bytes([i]) + b"\x86q" + bytes([i + 1]) for i in range(60))
    path = _zip_checkpoint(tmp_path / "laughs.pt", pickled + b".")
    for location in (None, lambda t, where: t):
        error, peak = _peak_bytes(lambda: tg.load(path, map_location=location))  # noqa: B023
        assert error is None, repr(error)
        assert peak < SMALL, peak
    loaded = tg.load(path)
    assert loaded[0] is loaded[1]
    assert loaded[0][0] is loaded[1][1]


@pytest.mark.parametrize("index", [2**25, 2**32 - 1])
def test_memo_index_bomb_is_refused(tmp_path, index):
    pickled = b"\x80\x02K\x01r" + struct.pack("<I", index) + b"."  # LONG_BINPUT index
    _assert_refused_cheaply(_zip_checkpoint(tmp_path / "memo.pt", pickled), "memo index")


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_truncated_files_raise_value_error(tmp_path, legacy):
    data = _torch_file(tmp_path, {"w": torch.arange(64.0), "n": 1}, legacy).read_bytes()
    for keep in (0.0, 0.02, 0.3, 0.6, 0.9, 0.999):
        path = tmp_path / f"cut{keep}.pt"
        path.write_bytes(data[:int(len(data) * keep)])
        with pytest.raises(ValueError, match=f"load: {path}"):
            tg.load(path)


def test_bit_flips_in_records_and_directory_raise_value_error(tmp_path):
    path = _torch_file(tmp_path, {"w": torch.arange(64.0), "n": 1})
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        infos = {i.filename: i for i in z.infolist()}
    pkl, storage = infos["ckpt/data.pkl"], infos["ckpt/data/0"]
    directory = data.index(b"PK\x01\x02" + data[:0]) + 16  # data.pkl's CRC in the directory
    targets = {"pickle": pkl.header_offset + 100, "storage": storage.header_offset + 64 + 100,
               "directory": directory}
    for what, pos in targets.items():
        broken = bytearray(data)
        broken[pos] ^= 0x10
        bad = tmp_path / f"flip-{what}.pt"
        bad.write_bytes(bytes(broken))
        with pytest.raises(ValueError, match=f"load: {bad}"):
            tg.load(bad)


def test_legacy_storage_data_cut_short_is_refused_before_allocating(tmp_path):
    data = _torch_file(tmp_path, {"w": torch.zeros(1000)}, legacy=True).read_bytes()
    # the element count just before the 4000 data bytes: claim 2**40 elements
    count = data.rindex(struct.pack("<q", 1000))
    path = tmp_path / "liar.pt"
    path.write_bytes(data[:count] + struct.pack("<q", 2**40) + data[count + 8:])
    _assert_refused_cheaply(path, "1000 elements")


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_random_byte_changes_load_or_raise_value_error_only(tmp_path, legacy):
    """Whatever byte is changed, load answers with the checkpoint or a ValueError (never a
    raw zipfile/pickle/struct error, never a crash)."""
    base = torch.arange(12.0).reshape(3, 4)
    obj = {"w": base, "v": base[1], "n": [1, 2.5, "x"], "p": torch.nn.Parameter(torch.ones(2))}
    data = _torch_file(tmp_path, obj, legacy).read_bytes()
    rng = np.random.default_rng(7)
    path = tmp_path / "changed.pt"
    for pos in rng.integers(0, len(data), 150):
        changed = bytearray(data)
        changed[pos] = (changed[pos] + int(rng.integers(1, 256))) % 256
        path.write_bytes(bytes(changed))
        try:
            tg.load(path)
        except ValueError as exc:
            message = str(exc)
        else:
            message = str(path)  # the change fell where nothing is read (padding, say)
        assert str(path) in message, message


def test_crash_while_writing_a_torch_file_keeps_the_previous_one(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    tg.save({"w": tg.ones(2)}, path, format="torch")
    before = path.read_bytes()

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(OSError, match="disk full"):
        tg.save({"w": tg.zeros(2)}, path, format="torch")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary file left
