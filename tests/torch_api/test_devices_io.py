"""Devices answer like a CPU-only PyTorch, and save/load take file objects.

Devices: each ``tg.device`` spec, comparison, probe and error is checked against the
installed torch (a CPU build, as on the machines students use without a GPU): the same repr,
str, type, index, the same answers from ``cuda``/``backends``/``accelerator``, the same
exception type when a GPU is asked for, with a message that says tinygrad_edu runs on the CPU.

Saving: ``tg.save``/``tg.load`` accept paths and binary file objects (``io.BytesIO``, open
files), at any position, with PyTorch's ``map_location``/``weights_only`` arguments; still
without pickle.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.backends.cudnn as cudnn

torch = pytest.importorskip("torch")
if torch.cuda.is_available():  # pragma: no cover - the comparisons assume a CPU-only torch
    pytest.skip("these tests compare with a CPU-only torch", allow_module_level=True)


def _outcome(fn: Any) -> Any:
    """The result of ``fn()``, or the type of the exception it raised."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return type(exc)


# ----------------------------------------------------------------------------- tg.device

SPECS = [("cpu",), ("cpu", 0), ("cpu:0",), ("cpu:12",), ("cuda",), ("cuda:1",), ("cuda", 0),
         ("mps",), ("meta",), ("xpu", 3)]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_device_repr_str_type_index_like_torch(spec: tuple[Any, ...]) -> None:
    ours, theirs = tg.device(*spec), torch.device(*spec)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert repr(tg.device(ours)) == repr(torch.device(theirs))
    if ":" not in spec[0]:  # torch refuses type='cpu:0' by keyword; not copied here
        assert repr(tg.device(type=spec[0])) == repr(torch.device(type=spec[0]))


def test_device_equality_and_hash_like_torch() -> None:
    values = [*SPECS, "cpu", "cpu:0", 3, None]
    for a in SPECS:
        for b in values:
            ours_b = tg.device(*b) if isinstance(b, tuple) else b
            theirs_b = torch.device(*b) if isinstance(b, tuple) else b
            assert (tg.device(*a) == ours_b) == (torch.device(*a) == theirs_b), (a, b)
            assert (tg.device(*a) != ours_b) == (torch.device(*a) != theirs_b), (a, b)
    assert hash(tg.device("cpu:0")) == hash(tg.device("cpu", 0))
    assert len({tg.device("cpu"), tg.device("cpu"), tg.device("cpu", 0)}) == 2


@pytest.mark.parametrize("spec", [("gpu",), ("CPU",), (" cpu",), ("cpu:x",), ("cpu:-1",),
                                  ("cpu:01",), ("cpu:0", 1), ("cpu", -1), ("cpu", "0"), (0,),
                                  (None,), (1.5,)], ids=str)
def test_bad_device_specs_raise_torchs_exception_type(spec: tuple[Any, ...]) -> None:
    expected = _outcome(lambda: torch.device(*spec))
    assert isinstance(expected, type)
    assert issubclass(expected, Exception)
    with pytest.raises(expected):
        tg.device(*spec)


def test_device_attributes_are_read_only() -> None:
    d = tg.device("cpu")
    with pytest.raises(AttributeError):
        d.type = "cuda"  # type: ignore[misc]


# ----------------------------------------------------------------------------- tensors

def test_tensor_device_queries_like_torch() -> None:
    ours, theirs = tg.ones(2), torch.ones(2)
    assert repr(ours.device) == repr(theirs.device)
    assert ours.device == tg.device("cpu")
    assert ours.is_cuda is theirs.is_cuda is False
    assert ours.is_cpu is theirs.is_cpu is True
    assert ours.get_device() == theirs.get_device() == -1
    assert ours.is_pinned() is theirs.is_pinned() is False
    assert ours.cpu() is ours
    with pytest.raises(RuntimeError, match="pin_memory.*CPU"):
        ours.pin_memory()
    assert _outcome(theirs.pin_memory) is RuntimeError


TO_CALLS = {
    "device str": lambda m, t: t.to("cpu"),
    "device obj": lambda m, t: t.to(m.device("cpu")),
    "cpu:0": lambda m, t: t.to("cpu:0"),
    "dtype": lambda m, t: t.to(m.float64),
    "same dtype": lambda m, t: t.to(m.float32),
    "device, dtype": lambda m, t: t.to(m.device("cpu"), m.float64),
    "str, dtype, flags": lambda m, t: t.to("cpu", m.float64, False, True),
    "keywords": lambda m, t: t.to(device="cpu", dtype=m.int64),
    "other tensor": lambda m, t: t.to(m.zeros(1, dtype=m.int64)),
    "copy": lambda m, t: t.to("cpu", copy=True),
    "dtype copy": lambda m, t: t.to(m.float32, copy=True),
    "non_blocking": lambda m, t: t.to("cpu", non_blocking=True),
    "dtype flags": lambda m, t: t.to(m.float32, False, True),
}


@pytest.mark.parametrize("name", list(TO_CALLS))
def test_to_forms_like_torch(name: str) -> None:
    call = TO_CALLS[name]
    ours_in, theirs_in = tg.tensor([1.5, -2.0]), torch.tensor([1.5, -2.0])
    ours, theirs = call(tg, ours_in), call(torch, theirs_in)
    assert repr(ours) == repr(theirs)
    if name != "cpu:0":  # torch copies for 'cpu:0' (an indexed device); ours returns self
        assert (ours is ours_in) == (theirs is theirs_in)


GPU_CALLS = {
    "to cuda": lambda m: m.ones(2).to("cuda"),
    "to cuda:0": lambda m: m.ones(2).to("cuda:0"),
    "to device cuda": lambda m: m.ones(2).to(m.device("cuda")),
    "to device= dtype=": lambda m: m.ones(2).to(device="cuda", dtype=m.float64),
    "to cuda, dtype": lambda m: m.ones(2).to("cuda", m.float64),
    "cuda()": lambda m: m.ones(2).cuda(),
    "tensor(device=)": lambda m: m.tensor([1.0], device="cuda"),
    "zeros(device=)": lambda m: m.zeros(2, device="cuda"),
    "to xpu": lambda m: m.ones(2).to("xpu"),
    "to mps": lambda m: m.ones(2).to("mps"),
    "to index": lambda m: m.ones(2).to(0),
    "module.cuda()": lambda m: m.nn.Linear(2, 2).cuda(),
    "module.cuda(0)": lambda m: m.nn.Linear(2, 2).cuda(0),
    "module.to(cuda)": lambda m: m.nn.Linear(2, 2).to("cuda"),
    "module.to(device=)": lambda m: m.nn.Linear(2, 2).to(device=m.device("cuda")),
    "cuda.current_device": lambda m: m.cuda.current_device(),
    "cuda.get_device_name": lambda m: m.cuda.get_device_name(),
    "cuda.synchronize": lambda m: m.cuda.synchronize(),
    "cuda.get_device_capability": lambda m: m.cuda.get_device_capability(),
    "cuda.initial_seed": lambda m: m.cuda.initial_seed(),
    "accelerator.current_device_index": lambda m: m.accelerator.current_device_index(),
    "accelerator.synchronize": lambda m: m.accelerator.synchronize(),
}


@pytest.mark.parametrize("name", list(GPU_CALLS))
def test_gpu_requests_raise_torchs_error_type_saying_cpu(name: str) -> None:
    expected = _outcome(lambda: GPU_CALLS[name](torch))
    assert isinstance(expected, type), expected
    assert issubclass(expected, Exception)
    with pytest.raises(expected) as info:
        GPU_CALLS[name](tg)
    assert "CPU only" in str(info.value)


def test_gpu_error_names_the_op() -> None:
    with pytest.raises(AssertionError, match=r"^to: Torch not compiled with CUDA enabled"):
        tg.ones(2).to("cuda")
    with pytest.raises(AssertionError, match=r"^Module.to: .*'cuda:0'"):
        tg.nn.Linear(2, 2).to("cuda:0")
    with pytest.raises(AssertionError, match=r"^zeros: "):
        tg.zeros(2, device="cuda")


PROBES = {
    "cuda.is_available": lambda m: m.cuda.is_available(),
    "cuda.device_count": lambda m: m.cuda.device_count(),
    "cuda.is_initialized": lambda m: m.cuda.is_initialized(),
    "cuda.is_bf16_supported": lambda m: m.cuda.is_bf16_supported(),
    "cuda.manual_seed": lambda m: m.cuda.manual_seed(0),
    "cuda.manual_seed_all": lambda m: m.cuda.manual_seed_all(0),
    "cuda.seed": lambda m: m.cuda.seed(),
    "cuda.empty_cache": lambda m: m.cuda.empty_cache(),
    "cuda.memory_allocated": lambda m: m.cuda.memory_allocated(),
    "cuda.max_memory_allocated": lambda m: m.cuda.max_memory_allocated(),
    "cuda.memory_reserved": lambda m: m.cuda.memory_reserved(),
    "backends.mps.is_available": lambda m: m.backends.mps.is_available(),
    "backends.mps.is_built": lambda m: m.backends.mps.is_built(),
    "backends.cuda.is_built": lambda m: m.backends.cuda.is_built(),
    "backends.cuda.matmul.allow_tf32": lambda m: m.backends.cuda.matmul.allow_tf32,
    "backends.cudnn.is_available": lambda m: m.backends.cudnn.is_available(),
    "backends.cudnn.version": lambda m: m.backends.cudnn.version(),
    "backends.cudnn.enabled": lambda m: m.backends.cudnn.enabled,
    "backends.cudnn.benchmark": lambda m: m.backends.cudnn.benchmark,
    "backends.cudnn.deterministic": lambda m: m.backends.cudnn.deterministic,
    "backends.cudnn.allow_tf32": lambda m: m.backends.cudnn.allow_tf32,
    "accelerator.is_available": lambda m: m.accelerator.is_available(),
    "accelerator.current_accelerator": lambda m: m.accelerator.current_accelerator(),
    "accelerator.device_count": lambda m: m.accelerator.device_count(),
}


@pytest.mark.parametrize("name", list(PROBES))
def test_probes_answer_like_a_cpu_only_torch(name: str) -> None:
    theirs = PROBES[name](torch)
    ours = PROBES[name](tg)
    assert ours == theirs
    assert type(ours) is type(theirs), (ours, theirs)


def test_cudnn_flags_can_be_set() -> None:
    saved = (cudnn.benchmark, cudnn.deterministic, cudnn.enabled)
    try:
        cudnn.benchmark, cudnn.deterministic = True, True
        tg.backends.cudnn.enabled = False
        assert tg.backends.cudnn.benchmark is True
        assert tg.backends.cudnn.deterministic is True
        assert cudnn.enabled is False
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled = saved


def test_the_device_idioms_run_and_train() -> None:
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    assert device == tg.device("cpu")
    accel = (tg.accelerator.current_accelerator().type  # type: ignore[union-attr]
             if tg.accelerator.is_available() else "cpu")
    assert accel == "cpu"
    if tg.backends.mps.is_available():  # pragma: no cover - never on a CPU build
        device = tg.device("mps")
    model = tg.nn.Linear(3, 1).to(device)
    assert model.to(device) is model
    assert model.cpu() is model
    x, y = tg.ones(4, 3).to(device), tg.zeros(4, 1).to(device, non_blocking=True)
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    before = tg.nn.functional.mse_loss(model(x), y).item()
    for _ in range(3):
        opt.zero_grad()
        loss = tg.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < before
    assert loss.device.type == "cpu"


def test_module_to_forms() -> None:
    model = tg.nn.Linear(2, 2)
    assert model.to(tg.device("cpu"), tg.float64) is model
    assert model.weight.dtype == tg.float64
    model.to(tg.zeros(1))  # the other tensor's dtype: float32
    assert model.weight.dtype == tg.float32
    model.to("cpu", tg.float64, False)
    assert model.weight.dtype == tg.float64
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(tg.zeros(1, dtype=tg.int64))
    assert _outcome(lambda: torch.nn.Linear(2, 2).to(torch.zeros(1, dtype=torch.int64))) \
        is TypeError


DEFAULT_DEVICE_CALLS = {
    "zeros": lambda m: m.zeros(2),
    "tensor": lambda m: m.tensor([1.0]),
    "arange": lambda m: m.arange(3),
    "randn": lambda m: m.randn(2),
    "Linear": lambda m: m.nn.Linear(2, 2).weight,
    "get_default_device": lambda m: m.get_default_device(),
}


def _device_outcome(m: Any, call: Any, spec: str, how: str) -> Any:
    """What ``call`` gives under default device ``spec``: an exception type or a repr."""
    try:
        if how == "with":
            with m.device(spec):
                result = _outcome(lambda: call(m))
        else:
            m.set_default_device(spec)
            result = _outcome(lambda: call(m))
    finally:
        m.set_default_device(None)
    if isinstance(result, type):
        return result
    return repr(result if isinstance(result, m.device) else result.device)


@pytest.mark.parametrize("name", list(DEFAULT_DEVICE_CALLS))
@pytest.mark.parametrize("spec", ["cuda", "cuda:1", "cpu"])
@pytest.mark.parametrize("how", ["with", "set_default_device"])
def test_default_device_like_torch(name: str, spec: str, how: str) -> None:
    call = DEFAULT_DEVICE_CALLS[name]
    assert _device_outcome(tg, call, spec, how) == _device_outcome(torch, call, spec, how)
    assert tg.get_default_device() == tg.device("cpu")


def test_nested_device_blocks_restore_the_default() -> None:
    with tg.device("cuda:1") as d:
        assert d == tg.device("cuda", 1)
        assert tg.get_default_device() == tg.device("cuda:1")
        with tg.device("cpu"):
            x = tg.zeros(1)
            assert x.device.type == "cpu"
        with pytest.raises(AssertionError, match="zeros: .*'cuda:1'"):
            tg.zeros(1)
        assert x.to(tg.float64).dtype == tg.float64  # to() without a device: no move
    assert repr(tg.zeros(1)) == "tensor([0.])"


# ----------------------------------------------------------------------------- save / load


def _state() -> dict[str, Any]:
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.BatchNorm1d(4))
    return {"model": model.state_dict(), "epoch": 7, "note": "ckpt", "losses": [0.5, 0.25]}


def _assert_same(a: Any, b: Any) -> None:
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_same(x, y)
    elif isinstance(a, tg.Tensor):
        assert a.dtype == b.dtype
        assert a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))
    else:
        assert a == b


def test_bytesio_round_trip_and_same_bytes_as_a_path(tmp_path: Path) -> None:
    state = _state()
    buffer = io.BytesIO()
    tg.save(state, buffer)
    assert buffer.tell() == len(buffer.getvalue())  # left at the end, as torch does
    buffer.seek(0)
    _assert_same(tg.load(buffer), state)
    tg.save(state, tmp_path / "ckpt.pt")
    assert (tmp_path / "ckpt.pt").read_bytes() == buffer.getvalue()
    _assert_same(tg.load(io.BytesIO((tmp_path / "ckpt.pt").read_bytes())), state)


def test_open_files_round_trip(tmp_path: Path) -> None:
    state = _state()
    path = tmp_path / "model.pth"
    with open(path, "wb") as f:
        tg.save(state, f)
        assert f.tell() == os.path.getsize(path)
    with open(path, "rb") as f:
        _assert_same(tg.load(f), state)
        assert f.tell() == os.path.getsize(path)
    _assert_same(tg.load(str(path)), state)


def test_archives_at_a_nonzero_position_and_one_after_another() -> None:
    buffer = io.BytesIO()
    buffer.write(b"HEADER")
    tg.save({"a": tg.ones(2)}, buffer)
    middle = buffer.tell()
    tg.save([tg.zeros(3, dtype=tg.float64), "two"], buffer)
    end = buffer.tell()
    buffer.write(b"trailing bytes")
    buffer.seek(6)
    _assert_same(tg.load(buffer), {"a": tg.ones(2)})
    assert buffer.tell() == middle  # just after the first archive
    _assert_same(tg.load(buffer), [tg.zeros(3, dtype=tg.float64), "two"])
    assert buffer.tell() == end


def test_zip64_archives_one_after_another(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy writes a zip64 end record for over 65535 arrays; a lower limit forces it here."""
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
    buffer = io.BytesIO()
    tg.save([tg.ones(1), tg.zeros(2)], buffer)
    middle = buffer.tell()
    assert b"PK\x06\x07" in buffer.getvalue()  # the zip64 locator
    tg.save({"b": tg.ones(3)}, buffer)
    buffer.seek(0)
    _assert_same(tg.load(buffer), [tg.ones(1), tg.zeros(2)])
    assert buffer.tell() == middle
    _assert_same(tg.load(buffer), {"b": tg.ones(3)})


def test_a_stream_that_cannot_seek() -> None:
    class ReadOnly:
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def read(self, n: int = -1) -> bytes:
            return self._inner.read(n)

    buffer = io.BytesIO()
    tg.save({"w": tg.arange(5)}, buffer)
    _assert_same(tg.load(ReadOnly(buffer.getvalue())), {"w": tg.arange(5)})


def test_failed_save_writes_nothing_to_the_file_object() -> None:
    buffer = io.BytesIO(b"keep")
    buffer.seek(4)
    with pytest.raises(TypeError, match=r"save: can't save set"):
        tg.save({"a": tg.ones(2), "b": {1, 2}}, buffer)
    assert buffer.getvalue() == b"keep"
    assert buffer.tell() == 4


def test_file_object_errors_like_torch(tmp_path: Path) -> None:
    with open(tmp_path / "t.txt", "w") as f:
        with pytest.raises(TypeError, match="text mode"):
            tg.save({"a": 1}, f)
        assert _outcome(lambda: torch.save({"a": 1}, f)) is TypeError
    with open(tmp_path / "t.txt") as f:
        with pytest.raises(TypeError, match="text mode"):
            tg.load(f)
    with pytest.raises(AttributeError, match="save: expected 'f'"):
        tg.save({"a": 1}, 5)
    assert _outcome(lambda: torch.save({"a": 1}, 5)) is AttributeError
    with pytest.raises(AttributeError, match="load: expected 'f'"):
        tg.load(5)
    assert _outcome(lambda: torch.load(5)) is AttributeError


@pytest.mark.parametrize("data", [b"", b"garbage", b"PK\x05\x06" + bytes(18)], ids=repr)
def test_damaged_streams_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="load: <BytesIO> is not a readable"):
        tg.load(io.BytesIO(data))


def test_truncated_stream_raises_value_error() -> None:
    buffer = io.BytesIO()
    tg.save({"w": tg.ones(100)}, buffer)
    for keep in (0.1, 0.5, 0.99):
        with pytest.raises(ValueError, match="load: "):
            tg.load(io.BytesIO(buffer.getvalue()[:int(len(buffer.getvalue()) * keep)]))


OK_LOCATIONS = {
    "None": None, "cpu": "cpu", "device": "device('cpu')",
    "dict": {"cuda:0": "cpu"}, "dict cpu": {"cpu": "cpu"},
    "identity fn": lambda storage, location: storage,
}


@pytest.mark.parametrize("name", list(OK_LOCATIONS))
def test_map_location_accepted_like_torch(name: str) -> None:
    location = OK_LOCATIONS[name]

    def resolve(m: Any) -> Any:
        return m.device("cpu") if location == "device('cpu')" else location

    for m in (tg, torch):
        buffer = io.BytesIO()
        m.save({"w": m.ones(2)}, buffer)
        buffer.seek(0)
        loaded = m.load(buffer, map_location=resolve(m), weights_only=True)
        assert loaded["w"].tolist() == [1.0, 1.0]


def test_map_location_function_is_applied_to_each_tensor() -> None:
    seen = []

    def to_double(t: Any, location: str) -> Any:
        seen.append(location)
        return t.double()

    buffer = io.BytesIO()
    tg.save({"w": tg.ones(2), "b": [tg.zeros(1)], "n": 3}, buffer)
    buffer.seek(0)
    loaded = tg.load(buffer, map_location=to_double)
    assert loaded["w"].dtype == tg.float64
    assert loaded["b"][0].dtype == tg.float64
    assert seen == ["cpu", "cpu"]
    buffer.seek(0)
    assert tg.load(buffer, map_location=lambda t, loc: None)["w"].dtype == tg.float32
    buffer.seek(0)
    with pytest.raises(TypeError, match="map_location returned int"):
        tg.load(buffer, map_location=lambda t, loc: 1)


@pytest.mark.parametrize("location", ["cuda", "cuda:0", {"cpu": "cuda"}, "device('cuda')"],
                         ids=str)
def test_map_location_to_a_gpu_raises_like_torch(location: Any) -> None:
    for m in (tg, torch):
        buffer = io.BytesIO()
        m.save({"w": m.ones(2)}, buffer)
        buffer.seek(0)
        target = m.device("cuda") if location == "device('cuda')" else location
        with pytest.raises(RuntimeError, match="CUDA device") as info:
            m.load(buffer, map_location=target)
        if m is tg:
            assert "CPU only" in str(info.value)


@pytest.mark.parametrize("kwargs", [{"weights_only": False}, {"weights_only": None},
                                    {"mmap": False}, {"mmap": None}, {"encoding": "latin1"},
                                    {"pickle_module": None}], ids=str)
def test_torch_load_arguments_are_accepted(kwargs: dict[str, Any], tmp_path: Path) -> None:
    tg.save({"w": tg.ones(2)}, tmp_path / "a.pt")
    assert tg.load(tmp_path / "a.pt", **kwargs)["w"].tolist() == [1.0, 1.0]


def test_torch_save_arguments_are_accepted(tmp_path: Path) -> None:
    tg.save({"w": tg.ones(2)}, tmp_path / "a.pt", _use_new_zipfile_serialization=False,
            pickle_protocol=4)
    assert tg.load(tmp_path / "a.pt")["w"].tolist() == [1.0, 1.0]


def test_a_torch_saved_stream_is_read() -> None:
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buffer)
    buffer.seek(0)
    assert tg.load(buffer)["w"].tolist() == [1.0, 1.0]
