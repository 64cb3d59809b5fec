"""tinygrad_edu.data: datasets, the DataLoader, transforms, digits and the CIFAR-10 reader."""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import (
    CIFAR10,
    CIFARFormatError,
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    load_cifar10,
    random_split,
    synthetic_cifar10,
)
from tinygrad_edu.data import transforms as T


def labels_of(loader: DataLoader) -> list[list[int]]:
    return [y.tolist() for _, y in loader]


@pytest.fixture
def ds() -> TensorDataset:
    X = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    return TensorDataset(X, np.arange(10))


class ListDataset(Dataset):
    """A dataset that only has __getitem__/__len__ (forces the per-sample path)."""

    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        return self.items[i]


# ----------------------------------------------------------------------------- loader

def test_loader_keeps_order_and_gives_a_short_last_batch(ds: TensorDataset) -> None:
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, y = next(iter(loader))
    assert isinstance(x, tg.Tensor)
    assert x.dtype == np.float32
    assert x.shape == (4, 3)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), ds.tensors[0][:4])


def test_drop_last_drops_only_a_short_batch(ds: TensorDataset) -> None:
    assert labels_of(DataLoader(ds, 4, drop_last=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(ds, 4, drop_last=True)) == 2
    assert len(DataLoader(ds, 5, drop_last=True)) == 2
    assert len(DataLoader(ds, 20, drop_last=True)) == 0
    assert labels_of(DataLoader(ds, 20, drop_last=True)) == []
    assert labels_of(DataLoader(ds, 20)) == [list(range(10))]


def test_shuffle_gives_a_new_permutation_each_epoch(ds: TensorDataset) -> None:
    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=tg.Generator().manual_seed(1))
    epochs = [sum(labels_of(loader), []) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(10))
    assert epochs[0] != epochs[1] or epochs[1] != epochs[2]
    assert [len(b) for b in labels_of(loader)] == [3, 3, 3, 1]


def test_shuffle_is_repeatable_with_a_seeded_generator(ds: TensorDataset) -> None:
    def orders(seed: int) -> list[list[int]]:
        loader = DataLoader(ds, 4, shuffle=True, generator=tg.Generator().manual_seed(seed))
        return [sum(labels_of(loader), []) for _ in range(2)]

    assert orders(3) == orders(3)
    assert orders(3) != orders(4)


def test_shuffle_without_generator_follows_manual_seed(ds: TensorDataset) -> None:
    loader = DataLoader(ds, 4, shuffle=True)
    tg.manual_seed(7)
    first = sum(labels_of(loader), [])
    tg.manual_seed(7)
    assert sum(labels_of(loader), []) == first


def test_own_generator_is_independent_of_global_draws(ds: TensorDataset) -> None:
    def order(draw_in_between: bool) -> list[int]:
        loader = DataLoader(ds, 10, shuffle=True, generator=tg.Generator().manual_seed(0))
        if draw_in_between:
            tg.rand(100)
        return sum(labels_of(loader), [])

    assert order(False) == order(True)


def test_generator_state_restores_the_order(ds: TensorDataset) -> None:
    g = tg.Generator().manual_seed(5)
    loader = DataLoader(ds, 10, shuffle=True, generator=g)
    labels_of(loader)
    state = g.get_state()
    second = labels_of(loader)
    g.set_state(state)
    assert labels_of(loader) == second


def test_sampler_sets_the_order(ds: TensorDataset) -> None:
    assert labels_of(DataLoader(ds, 2, sampler=[9, 0, 5])) == [[9, 0], [5]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, 2, shuffle=True, sampler=[0])


def test_tensor_inputs_and_the_fast_path_match_per_sample_collation(ds: TensorDataset) -> None:
    tensors = TensorDataset(tg.tensor(ds.tensors[0]), tg.tensor(ds.tensors[1]))
    slow = DataLoader(ListDataset([ds[i] for i in range(10)]), 4)
    for loader in (DataLoader(ds, 4), DataLoader(tensors, 4), slow,
                   DataLoader(ds, 4, collate_fn=lambda b: default_collate(b))):
        batches = list(loader)
        assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        np.testing.assert_array_equal(batches[2][0].numpy(), ds.tensors[0][8:])
        assert batches[0][0].dtype == np.float32
    assert isinstance(tensors[3][0], tg.Tensor)


def test_fast_path_through_subsets(ds: TensorDataset) -> None:
    sub = Subset(Subset(ds, [9, 8, 7, 6, 5]), [4, 0, 2])
    assert labels_of(DataLoader(sub, 2)) == [[5, 9], [7]]


def test_collate_structures() -> None:
    Point = namedtuple("Point", "x y")
    batch = default_collate([{"a": 1, "b": (2.0, "s"), "p": Point(np.ones(2), 3)},
                             {"a": 4, "b": (5.0, "t"), "p": Point(np.zeros(2), 6)}])
    assert batch["a"].tolist() == [1, 4]
    assert batch["a"].dtype == np.int64
    assert batch["b"][0].dtype == np.float64
    assert batch["b"][1] == ["s", "t"]
    assert isinstance(batch["p"], Point)
    assert batch["p"].x.shape == (2, 2)
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32


def test_collate_errors() -> None:
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="same types"):
        default_collate([np.zeros(2), tg.zeros(2)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])
    with pytest.raises(ValueError, match="empty"):
        default_collate([])


def test_custom_collate_fn(ds: TensorDataset) -> None:
    loader = DataLoader(ds, 3, collate_fn=lambda samples: [int(y) for _, y in samples])
    assert list(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_loader_argument_errors(ds: TensorDataset) -> None:
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(TypeError, match="map-style"):
        DataLoader(iter([1, 2]))
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(ds, shuffle=True, generator=np.random.default_rng(0))
    assert "batch_size=4" in repr(DataLoader(ds, 4))


# ----------------------------------------------------------------------------- datasets

def test_tensor_dataset_checks_sizes() -> None:
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="at least one dimension"):
        TensorDataset(np.float32(1.0))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_random_split_with_lengths_and_fractions(ds: TensorDataset) -> None:
    a, b = random_split(ds, [7, 3], generator=tg.Generator().manual_seed(0))
    assert len(a) == 7
    assert len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=tg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(TensorDataset(np.arange(11)), [1 / 3, 1 / 3, 1 / 3])
    assert [len(p) for p in parts] == [4, 4, 3]
    same = random_split(ds, [7, 3], generator=tg.Generator().manual_seed(0))
    assert same[0].indices == a.indices
    with pytest.raises(ValueError, match="sum"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="fractions"):
        random_split(ds, [0.5, 0.6])


def test_subset_and_concat(ds: TensorDataset) -> None:
    sub = Subset(ds, [3, 1])
    assert len(sub) == 2
    assert int(sub[0][1]) == 3
    with pytest.raises(IndexError, match="out of range"):
        Subset(ds, [10])
    both = sub + Subset(ds, [7])
    assert isinstance(both, ConcatDataset)
    assert [int(both[i][1]) for i in range(len(both))] == [3, 1, 7]
    assert int(both[-1][1]) == 7
    with pytest.raises(IndexError):
        both[3]
    assert labels_of(DataLoader(both, 2)) == [[3, 1], [7]]


def test_utils_data_is_the_same_module() -> None:
    import tinygrad_edu.data as data
    from tinygrad_edu.utils import data as utils_data

    assert utils_data.DataLoader is data.DataLoader
    assert set(data.__all__) <= set(dir(utils_data))


# ----------------------------------------------------------------------------- transforms

def test_to_tensor_scales_uint8_and_adds_a_channel() -> None:
    out = T.ToTensor()(np.full((2, 2), 51, dtype=np.uint8))
    assert isinstance(out, tg.Tensor)
    assert out.shape == (1, 2, 2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), 0.2)
    assert T.ToTensor()(np.ones((3, 2, 2), dtype=np.float64)).dtype == np.float32
    with pytest.raises(TypeError, match="numpy array or Tensor"):
        T.ToTensor()([[1, 2]])


def test_normalize_per_channel_on_arrays_and_tensors() -> None:
    img = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)]).astype(np.float32)
    norm = T.Normalize([1.0, 2.0], [0.5, 2.0])
    np.testing.assert_allclose(norm(img)[:, 0, 0], [0.0, 0.5])
    out = norm(tg.tensor(img))
    assert isinstance(out, tg.Tensor)
    np.testing.assert_allclose(out.numpy()[:, 0, 0], [0.0, 0.5])
    copy = img.copy()
    T.Normalize([1.0, 2.0], [0.5, 2.0], inplace=True)(copy)
    np.testing.assert_allclose(copy[:, 0, 0], [0.0, 0.5])
    with pytest.raises(ValueError, match="3 values but the image has 2 channels"):
        T.Normalize([0, 0, 0], [1, 1, 1])(img)
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize([0], [0])
    with pytest.raises(TypeError, match="ToTensor"):
        T.Normalize([0], [1])(np.zeros((1, 2, 2), dtype=np.uint8))


def test_random_crop_pads_and_cuts_a_window() -> None:
    img = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4)
    crop = T.RandomCrop(4, padding=2, generator=tg.Generator().manual_seed(0))
    padded = np.pad(img, ((0, 0), (2, 2), (2, 2)))
    seen = set()
    for _ in range(30):
        out = crop(img)
        assert out.shape == (2, 4, 4)
        # the crop is some 4x4 window of the zero-padded image
        hits = [(i, j) for i in range(5) for j in range(5)
                if np.array_equal(padded[:, i:i + 4, j:j + 4], out)]
        assert hits
        seen.update(hits)
    assert len(seen) > 3
    assert T.RandomCrop(2)(tg.tensor(img)).shape == (2, 2, 2)
    assert T.RandomCrop(6, pad_if_needed=True)(img).shape == (2, 6, 6)
    with pytest.raises(ValueError, match="larger than"):
        T.RandomCrop(5)(img)
    with pytest.raises(ValueError, match="padding"):
        T.RandomCrop(4, padding=(1, 2, 3))


def test_random_crop_is_seeded_by_manual_seed() -> None:
    img = np.random.default_rng(0).normal(size=(1, 8, 8))
    crop = T.RandomCrop(6, padding=1)
    tg.manual_seed(3)
    first = [crop(img) for _ in range(5)]
    tg.manual_seed(3)
    for a in first:
        np.testing.assert_array_equal(a, crop(img))


def test_horizontal_flip() -> None:
    img = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(img), img[..., ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img
    flipped = sum(T.RandomHorizontalFlip()(img)[0, 0, 0] == 2 for _ in range(200))
    assert 50 < flipped < 150
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        T.RandomHorizontalFlip(p=2)


def test_compose_and_lambda() -> None:
    pipeline = T.Compose([T.Lambda(lambda x: x + 1), T.ToTensor(), T.Normalize(1.0, 2.0)])
    out = pipeline(np.ones((1, 2, 2)))
    assert isinstance(out, tg.Tensor)
    np.testing.assert_allclose(out.numpy(), 0.5)
    assert "Lambda" in repr(pipeline)
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


def test_transforms_in_a_dataset_pipeline(tmp_path: Path) -> None:
    synthetic_cifar10(tmp_path, n=10)
    ds = CIFAR10(tmp_path, transform=T.Compose([T.RandomCrop(32, padding=4),
                                                T.RandomHorizontalFlip(), T.ToTensor()]))
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 3, 32, 32)
    assert x.dtype == np.float32
    assert y.dtype == np.int64
    assert 0.0 <= x.numpy().min()
    assert x.numpy().max() <= 1.0


# ----------------------------------------------------------------------------- digits

def test_sklearn_digits_read_from_the_file_without_importing_sklearn() -> None:
    pytest.importorskip("sklearn")
    code = ("import sys; from tinygrad_edu.data.datasets import sklearn_digits; "
            "images, target = sklearn_digits('test'); "
            "print(images.shape, images.dtype, target.dtype, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["(1797,", "8,", "8)", "float64", "int64", "False"]
    from sklearn.datasets import load_digits

    from tinygrad_edu.data.datasets import sklearn_digits

    bunch = load_digits()
    images, target = sklearn_digits("test")
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(target, bunch.target)
    assert images.dtype == bunch.images.dtype
    assert target.dtype == bunch.target.dtype


def test_digits_splits() -> None:
    pytest.importorskip("sklearn")
    from tinygrad_edu.data import digits

    splits = digits()
    sizes = [len(splits.train), len(splits.val), len(splits.test)]
    assert sum(sizes) == 1797
    assert sizes == [1259, 179, 359]
    X, y = splits.train.tensors
    assert X.shape == (1259, 1, 8, 8)
    assert X.dtype == np.float32
    assert y.dtype == np.int64
    assert 0.0 <= X.min()
    assert X.max() <= 1.0
    assert splits.classes == tuple("0123456789")
    # stratified: every split has every digit in about the same share
    for part in splits:
        if isinstance(part, TensorDataset):
            counts = np.bincount(part.tensors[1], minlength=10)
            assert counts.min() >= 0.8 * counts.mean()
    # disjoint and fixed by the seed, not by the global generator
    rows = {tuple(r.ravel()) for r in splits.test.tensors[0]}
    assert not rows & {tuple(r.ravel()) for r in splits.train.tensors[0][:200]}
    tg.manual_seed(123)
    np.testing.assert_array_equal(digits().test.tensors[1], splits.test.tensors[1])
    with pytest.raises(ValueError, match="fraction"):
        digits(val_fraction=0.5, test_fraction=0.6)


# ----------------------------------------------------------------------------- CIFAR-10

def test_cifar_reader_on_synthetic_files(tmp_path: Path) -> None:
    folder = synthetic_cifar10(tmp_path, n=23, n_test=7)
    assert folder.name == "cifar-10-batches-py"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["batches.meta", "data_batch_1", "data_batch_2", "data_batch_3",
                     "data_batch_4", "data_batch_5", "test_batch"]
    X_train, y_train, X_test, y_test = load_cifar10(tmp_path)
    assert X_train.shape == (23, 3, 32, 32)
    assert X_train.dtype == np.uint8
    assert X_test.shape == (7, 3, 32, 32)
    assert y_test.dtype == np.int64
    assert y_train.min() >= 0
    assert y_train.max() <= 9
    # the same data through the folder itself, and through the Dataset class
    np.testing.assert_array_equal(load_cifar10(folder)[0], X_train)
    test = CIFAR10(folder, train=False)
    assert len(test) == 7
    assert test.classes[0] == "airplane"
    image, label = test[2]
    np.testing.assert_array_equal(image, X_test[2])
    assert label == y_test[2]
    assert isinstance(label, int)
    assert CIFAR10(tmp_path, target_transform=lambda t: t + 100)[0][1] >= 100
    assert "split=train" in repr(CIFAR10(tmp_path))


def test_synthetic_cifar_files_look_like_python2_pickles(tmp_path: Path) -> None:
    import pickletools

    folder = synthetic_cifar10(tmp_path, n=5)
    raw = (folder / "data_batch_1").read_bytes()
    ops = {op.name for op, _, _ in pickletools.genops(raw)}
    globals_ = {arg for op, arg, _ in pickletools.genops(raw) if op.name == "GLOBAL"}
    assert "SHORT_BINSTRING" in ops
    assert "BINSTRING" in ops
    assert all(g.startswith("numpy") for g in globals_)
    # Python's own unpickler reads them too, as the CIFAR-10 website's snippet does
    batch = pickle.loads(raw, encoding="bytes")
    assert batch[b"data"].shape == (1, 3072)
    assert len(batch[b"labels"]) == 1


def test_cifar_learnable_classes(tmp_path: Path) -> None:
    synthetic_cifar10(tmp_path, n=200)
    X, y, _, _ = load_cifar10(tmp_path)
    means = np.stack([X[y == k].reshape(-1, 3, 1024).mean(axis=(0, 2)) for k in range(10)
                      if np.any(y == k)])
    assert np.ptp(means, axis=0).max() > 30  # class colours differ


def test_cifar_missing_files_say_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"data_batch_1.*cifar-10-batches-py"):
        load_cifar10(tmp_path)
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz"):
        CIFAR10(tmp_path, download=True)  # never downloads; says where to get the files
    folder = synthetic_cifar10(tmp_path, n=5)
    (folder / "test_batch").unlink()
    with pytest.raises(FileNotFoundError, match="no test_batch"):
        load_cifar10(tmp_path)
    with pytest.raises(FileNotFoundError, match="test_batch"):
        CIFAR10(tmp_path, train=False)
    assert len(CIFAR10(tmp_path, train=True)) == 5


def test_cifar_truncated_file(tmp_path: Path) -> None:
    folder = synthetic_cifar10(tmp_path, n=10)
    path = folder / "data_batch_3"
    raw = path.read_bytes()
    for cut in (len(raw) // 2, 10, len(raw) - 1):
        path.write_bytes(raw[:cut])
        with pytest.raises(CIFARFormatError, match=r"data_batch_3 is truncated or damaged"):
            load_cifar10(tmp_path)
    path.write_bytes(b"")
    with pytest.raises(CIFARFormatError, match="truncated"):
        load_cifar10(tmp_path)
    path.write_bytes(os.urandom(500))
    with pytest.raises(CIFARFormatError):
        load_cifar10(tmp_path)


class RunsCode:
    """Unpickling this object would call os.system (or open a file for writing)."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar_tampered_pickle_is_refused_without_running_code(tmp_path: Path,
                                                               protocol: int) -> None:
    folder = synthetic_cifar10(tmp_path, n=5)
    marker = tmp_path / "pwned"
    payloads = [RunsCode(os.system, f"touch {marker}"),
                RunsCode(open, str(marker), "w"),
                RunsCode(eval, f"open({str(marker)!r}, 'w')")]
    for payload in payloads:
        evil = {b"data": np.zeros((1, 3072), np.uint8), b"labels": [payload]}
        (folder / "data_batch_2").write_bytes(pickle.dumps(evil, protocol=protocol))
        with pytest.raises(CIFARFormatError, match="refused, nothing in it was run"):
            load_cifar10(tmp_path)
        assert not marker.exists()


def test_cifar_refuses_object_arrays_and_other_numpy_globals(tmp_path: Path) -> None:
    folder = synthetic_cifar10(tmp_path, n=5)
    path = folder / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": np.array([1, None], dtype=object),
                                   b"labels": [0]}, protocol=4))
    with pytest.raises(CIFARFormatError, match="refus"):
        load_cifar10(tmp_path)
    path.write_bytes(pickle.dumps({b"data": np.float32(1.0), b"labels": [0]}, protocol=4))
    with pytest.raises(CIFARFormatError, match="refus"):
        load_cifar10(tmp_path)


def _ndarray_call_pickle(n: int, buffer: bytes | None, strides: tuple[int, ...]) -> bytes:
    """A batch file whose 'data' is ``numpy.ndarray((n, 3072), 'u1', buffer, 0, strides)``:
    the arguments come from the file, so plain pickle builds n images out of ``buffer``
    (zero strides) or out of uninitialised memory (no buffer)."""
    p = b"\x80\x03}X\x04\x00\x00\x00data"  # PROTO 3, {}, 'data'
    p += b"cnumpy\nndarray\n("
    p += b"J" + struct.pack("<i", n) + b"M\x00\x0c\x86"  # (n, 3072)
    p += b"cnumpy\ndtype\nX\x02\x00\x00\x00u1\x85R"
    if buffer is not None:
        p += b"C" + bytes([len(buffer)]) + buffer + b"K\x00"
        p += b"(" + b"".join(b"J" + struct.pack("<i", s) for s in strides) + b"t"
    p += b"tRs"  # build it, d['data'] = it
    p += b"X\x06\x00\x00\x00labels]s"  # d['labels'] = []
    return p + b"."


@pytest.mark.parametrize(("buffer", "strides"), [(b"x" * 3, (0, 0)), (None, ())])
def test_cifar_never_builds_an_array_from_the_files_own_constructor_arguments(
        tmp_path: Path, buffer: bytes | None, strides: tuple[int, ...]) -> None:
    data = _ndarray_call_pickle(100_000, buffer, strides)
    if buffer is not None:  # what plain pickle makes of it: 100,000 images from 3 bytes
        assert pickle.loads(data)["data"].shape == (100_000, 3072)
    folder = synthetic_cifar10(tmp_path, n=5)
    (folder / "data_batch_1").write_bytes(data)
    with pytest.raises(CIFARFormatError, match="refusing to call numpy.ndarray"):
        load_cifar10(tmp_path)


@pytest.mark.parametrize(("batch", "message"), [
    ([1, 2], "not a dict"),
    ({b"labels": [0]}, "bad 'data' entry"),
    ({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}, "bad 'data' entry"),
    ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, "N x 3072"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "2 images"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, "outside 0..9"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": ["a", "b"]}, "non-integer"),
])
def test_cifar_damaged_contents(tmp_path: Path, batch: object, message: str) -> None:
    folder = synthetic_cifar10(tmp_path, n=5)
    (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=4))
    with pytest.raises(CIFARFormatError, match=message):
        load_cifar10(tmp_path)


def test_synthetic_cifar_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 5"):
        synthetic_cifar10(tmp_path, n=3)
    first = load_cifar10(synthetic_cifar10(tmp_path / "a", n=10, seed=1))
    again = load_cifar10(synthetic_cifar10(tmp_path / "b", n=10, seed=1))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
