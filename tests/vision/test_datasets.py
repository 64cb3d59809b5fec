"""tinygrad_edu.vision.datasets: torchvision's datasets read from files written here.

Every file is written into ``tmp_path`` by the tests (IDX files byte by byte, CIFAR batches
as the pickles the real archives hold, PNG folders); nothing is downloaded. The expected
items, attributes, reprs and errors are torchvision's.
"""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import tinygrad_edu as tg
import tinygrad_edu.vision as torchvision
from tinygrad_edu.data import DataLoader, digits, load_cifar10, synthetic_cifar10
from tinygrad_edu.data.datasets import CIFARFormatError, _write_pickle
from tinygrad_edu.vision import datasets
from tinygrad_edu.vision.datasets import DatasetNotFoundError
from tinygrad_edu.vision.datasets.mnist import read_idx

# ----------------------------------------------------------------------------- IDX files

_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
          np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file: 0, 0, type code, ndim, big-endian uint32 sizes, big-endian values."""
    head = bytes([0, 0, _CODES[array.dtype], array.ndim])
    head += b"".join(struct.pack(">I", n) for n in array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(root: Path, folder: str = "MNIST", n_train: int = 12, n_test: int = 5,
                gz: bool = False, seed: int = 0, prefix: tuple[str, str] = ("train", "t10k"),
                n_classes: int = 10) -> dict[str, np.ndarray]:
    """torchvision's raw layout: root/<folder>/raw/{train,t10k}-{images,labels}-idx*."""
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in zip(prefix, (n_train, n_test), strict=True):
        images = rng.integers(0, 256, size=(n, 28, 28)).astype(np.uint8)
        labels = rng.integers(0, n_classes, size=n).astype(np.uint8)
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            data = idx_bytes(array)
            name = f"{split}-{kind}"
            if gz:
                (raw / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (raw / name).write_bytes(data)
        arrays[split] = (images, labels)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_torchvisions_layout(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz=gz)
    train = datasets.MNIST(str(tmp_path), train=True)
    test = datasets.MNIST(tmp_path, train=False)
    for ds, (images, labels) in ((train, arrays["train"]), (test, arrays["t10k"])):
        assert len(ds) == len(images)
        assert isinstance(ds.data, tg.Tensor)
        assert ds.data.dtype == tg.uint8
        assert ds.targets.dtype == tg.int64
        np.testing.assert_array_equal(ds.data.numpy(), images)
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        for i in (0, len(ds) - 1):
            img, target = ds[i]
            assert isinstance(img, Image.Image)
            assert img.mode == "L"
            assert img.size == (28, 28)
            np.testing.assert_array_equal(np.array(img), images[i])
            assert type(target) is int
            assert target == labels[i]
    assert train.classes[3] == "3 - three"
    assert train.class_to_idx["9 - nine"] == 9
    assert train.raw_folder == str(tmp_path / "MNIST" / "raw")


def test_mnist_subsets_by_assigning_data_and_targets(tmp_path):
    arrays = write_mnist(tmp_path)
    ds = datasets.MNIST(tmp_path)
    ds.data, ds.targets = ds.data[5:9], ds.targets[5:9]  # what tutorials do for a quick run
    assert len(ds) == 4
    np.testing.assert_array_equal(np.array(ds[3][0]), arrays["train"][0][8])
    assert ds[3][1] == arrays["train"][1][8]
    ds.data = arrays["train"][0][:2]  # a numpy array works too
    np.testing.assert_array_equal(np.array(ds[1][0]), arrays["train"][0][1])


def test_mnist_repr_and_transforms_are_torchvisions(tmp_path):
    write_mnist(tmp_path)

    class Double:
        def __call__(self, x):
            return 2 * x

        def __repr__(self):
            return "Compose(\n    Double()\n)"

    ds = datasets.MNIST(str(tmp_path), train=False, transform=lambda img: np.asarray(img),
                        target_transform=Double())
    img, target = ds[1]
    assert isinstance(img, np.ndarray)
    assert target == 2 * int(ds.targets[1])
    ds = datasets.MNIST(str(tmp_path), transform=Double())
    assert repr(ds) == (
        "Dataset MNIST\n"
        "    Number of datapoints: 12\n"
        f"    Root location: {tmp_path}\n"
        "    Split: Train\n"
        "    StandardTransform\n"
        "Transform: Compose(\n"
        "               Double()\n"
        "           )")
    assert repr(datasets.MNIST(tmp_path, train=False)) == (
        f"Dataset MNIST\n    Number of datapoints: 5\n    Root location: {tmp_path}\n"
        "    Split: Test")
    with pytest.warns(UserWarning, match="train_data has been renamed data"):
        assert ds.train_data is ds.data


def test_fashion_kmnist_and_emnist_use_their_own_folders(tmp_path):
    fashion = write_mnist(tmp_path, "FashionMNIST", seed=1)
    write_mnist(tmp_path, "KMNIST", seed=2)
    write_mnist(tmp_path, "EMNIST", seed=3, prefix=("emnist-letters-train", "emnist-letters-test"),
                n_classes=27)
    ds = datasets.FashionMNIST(tmp_path)
    np.testing.assert_array_equal(ds.data.numpy(), fashion["train"][0])
    assert ds.classes[0] == "T-shirt/top"
    assert ds.classes[9] == "Ankle boot"
    assert datasets.KMNIST(tmp_path, train=False).classes[:3] == ["o", "ki", "su"]
    emnist = datasets.EMNIST(tmp_path, split="letters", train=False)
    assert len(emnist) == 5
    assert emnist.classes[:3] == ["N/A", "a", "b"]
    assert len(emnist.classes) == 27
    assert len(datasets.EMNIST.classes_split_dict["byclass"]) == 62
    assert len(datasets.EMNIST.classes_split_dict["balanced"]) == 47
    with pytest.raises(ValueError, match=r"Unknown value 'letter' for argument split. Valid "
                                         r"values are \{'byclass', 'bymerge'"):
        datasets.EMNIST(tmp_path, split="letter")
    with pytest.raises(DatasetNotFoundError, match="emnist-digits-train-images-idx3-ubyte"):
        datasets.EMNIST(tmp_path, split="digits")


def test_missing_mnist_says_where_to_put_which_files(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        datasets.MNIST(tmp_path)
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)  # what torchvision raises
    assert isinstance(info.value, FileNotFoundError)
    assert str(tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte") in message
    assert "train-labels-idx1-ubyte (or train-labels-idx1-ubyte.gz)" in message
    assert "yann.lecun.com" in message
    assert "never downloads" not in message
    with pytest.raises(DatasetNotFoundError, match="never downloads anything") as info:
        datasets.FashionMNIST(tmp_path, train=False, download=True)
    assert str(tmp_path / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte") in str(info.value)
    # an old torchvision's processed/training.pt (a torch pickle) is never read
    (tmp_path / "MNIST" / "processed").mkdir(parents=True)
    (tmp_path / "MNIST" / "processed" / "training.pt").write_bytes(b"not read")
    with pytest.raises(DatasetNotFoundError, match="never unpickles such files"):
        datasets.MNIST(tmp_path)
    # with the files there, download=True is a no-op (nothing is fetched, nothing changes)
    write_mnist(tmp_path)
    before = sorted(p.name for p in (tmp_path / "MNIST" / "raw").iterdir())
    assert len(datasets.MNIST(tmp_path, download=True)) == 12
    assert sorted(p.name for p in (tmp_path / "MNIST" / "raw").iterdir()) == before
    # only one split's files are needed
    (tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    assert len(datasets.MNIST(tmp_path, train=True)) == 12
    with pytest.raises(DatasetNotFoundError, match="missing t10k-labels-idx1-ubyte"):
        datasets.MNIST(tmp_path, train=False)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
def test_read_idx_of_every_type(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) * 37 - 300).astype(dtype)
    (tmp_path / "x.idx").write_bytes(idx_bytes(array))
    out = read_idx(tmp_path / "x.idx")
    assert out.dtype == np.dtype(dtype)
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def _corrupt(images: bytes, labels: bytes):
    """A broken pair of files; everything else as MNIST's train split."""
    return images, labels


GOOD_IMAGES = idx_bytes(np.zeros((3, 28, 28), np.uint8))
GOOD_LABELS = idx_bytes(np.array([1, 2, 3], np.uint8))


@pytest.mark.parametrize(("images", "labels", "bad", "message"), [
    (b"\x01\x00\x08\x03" + GOOD_IMAGES[4:], GOOD_LABELS, "images", "not an IDX file"),
    (b"\x00\x00\x07\x03" + GOOD_IMAGES[4:], GOOD_LABELS, "images", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x00", GOOD_LABELS, "images", "at least one dimension"),
    (b"\x00\x00", GOOD_LABELS, "images", "not an IDX file"),
    (GOOD_IMAGES[:10], GOOD_LABELS, "images", "truncated: its header announces 3 dimensions"),
    (GOOD_IMAGES[:-1], GOOD_LABELS, "images", "truncated"),
    (GOOD_IMAGES + b"\x00", GOOD_LABELS, "images", "longer than its header says"),
    (idx_bytes(np.zeros((3, 784), np.uint8)), GOOD_LABELS, "images", r"shape \(N, H, W\)"),
    (idx_bytes(np.zeros((3, 28, 28), np.int16)), GOOD_LABELS, "images", "expected uint8"),
    (GOOD_IMAGES, idx_bytes(np.array([1, 2, 3], np.int32)), "labels", "expected uint8 labels"),
    (GOOD_IMAGES, idx_bytes(np.array([1, 2], np.uint8)), "labels", "holds 3 images but"),
    (GOOD_IMAGES, idx_bytes(np.array([1, 2, 10], np.uint8)), "labels", r"outside 0\.\.9"),
    # a header claiming 2**31 x 2**31 x 2**31 bytes is refused before anything is allocated
    (b"\x00\x00\x08\x03" + struct.pack(">III", 2**31, 2**31, 2**31) + b"\x00" * 8, GOOD_LABELS,
     "images", "truncated: dimensions"),
])
def test_corrupt_idx_files_raise_a_value_error_naming_the_file(tmp_path, images, labels, bad,
                                                               message):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte").write_bytes(images)
    (raw / "train-labels-idx1-ubyte").write_bytes(labels)
    with pytest.raises(ValueError, match=message) as info:
        datasets.MNIST(tmp_path)
    assert f"{bad}-idx" in str(info.value)
    assert str(raw) in str(info.value)


def test_corrupt_gzipped_idx_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(GOOD_LABELS))
    images = raw / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(GOOD_IMAGES)[:-12])  # cut inside the stream
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz"):
        datasets.MNIST(tmp_path)
    images.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="could not be read as an IDX file"):
        datasets.MNIST(tmp_path)
    huge = b"\x00\x00\x08\x03" + struct.pack(">III", 2**31, 2**31, 2**31) + b"\x00" * 100
    images.write_bytes(gzip.compress(huge))  # a huge claim costs only the real bytes
    with pytest.raises(ValueError, match="truncated"):
        datasets.MNIST(tmp_path)
    images.write_bytes(gzip.compress(GOOD_IMAGES + b"extra"))
    with pytest.raises(ValueError, match="bytes after"):
        datasets.MNIST(tmp_path)
    images.write_bytes(gzip.compress(GOOD_IMAGES))
    assert len(datasets.MNIST(tmp_path)) == 3


# ----------------------------------------------------------------------------- CIFAR


def test_cifar10_is_torchvisions(tmp_path):
    synthetic_cifar10(tmp_path, n=15, n_test=4)
    X_train, y_train, X_test, y_test = load_cifar10(tmp_path)
    ds = datasets.CIFAR10(root=str(tmp_path), train=True, download=True)
    assert len(ds) == 15
    assert ds.data.shape == (15, 32, 32, 3)
    assert ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.data, X_train.transpose(0, 2, 3, 1))
    assert ds.targets == y_train.tolist()
    assert all(type(t) is int for t in ds.targets)
    img, target = ds[7]
    assert img.mode == "RGB"
    assert img.size == (32, 32)
    np.testing.assert_array_equal(np.array(img), X_train[7].transpose(1, 2, 0))
    assert target == y_train[7]
    assert ds.classes[:2] == ["airplane", "automobile"]
    assert ds.class_to_idx["truck"] == 9
    test = datasets.CIFAR10(tmp_path / "cifar-10-batches-py", train=False)
    assert test.targets == y_test.tolist()
    assert repr(test) == (f"Dataset CIFAR10\n    Number of datapoints: 4\n    Root location: "
                          f"{tmp_path / 'cifar-10-batches-py'}\n    Split: Test")


def test_missing_cifar10_says_where_to_put_which_files(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="never downloads") as info:
        datasets.CIFAR10(tmp_path, download=True)
    message = str(info.value)
    assert str(tmp_path / "cifar-10-batches-py" / "data_batch_1") in message
    assert str(tmp_path / "cifar-10-batches-py" / "data_batch_5") in message
    assert "cifar-10-python.tar.gz" in message
    with pytest.raises(RuntimeError, match="dataset not found: missing test_batch"):
        datasets.CIFAR10(tmp_path, train=False)


def _write_cifar100(root: Path, n: int = 6, labels_top: int = 99) -> tuple[np.ndarray, list]:
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, size=(n, 3072)).astype(np.uint8)
    fine = [0, labels_top, 42, 7, 99, 1][:n]
    for name in ("train", "test"):  # written as Python 2 wrote the real files
        _write_pickle(folder / name, {
            b"filenames": [f"{i}.png".encode() for i in range(n)], b"batch_label": name.encode(),
            b"fine_labels": fine, b"coarse_labels": [v // 5 for v in fine], b"data": data})
    _write_pickle(folder / "meta", {
        b"fine_label_names": [f"class{i}".encode() for i in range(100)],
        b"coarse_label_names": [f"super{i}".encode() for i in range(20)]})
    return data, fine


def test_cifar100_reads_the_fine_labels(tmp_path):
    data, fine = _write_cifar100(tmp_path)
    ds = datasets.CIFAR100(tmp_path, train=False)
    assert len(ds) == 6
    assert ds.targets == fine
    assert ds.classes[42] == "class42"
    assert len(ds.classes) == 100
    np.testing.assert_array_equal(np.array(ds[1][0]),
                                  data[1].reshape(3, 32, 32).transpose(1, 2, 0))
    (tmp_path / "cifar-100-python" / "meta").unlink()
    with pytest.raises(DatasetNotFoundError, match="missing meta"):
        datasets.CIFAR100(tmp_path)


def test_cifar100_checks_label_range_and_refuses_code(tmp_path):
    _write_cifar100(tmp_path, labels_top=100)
    with pytest.raises(CIFARFormatError, match=r"CIFAR-100: .*labels outside 0\.\.99"):
        datasets.CIFAR100(tmp_path)

    class Evil:
        def __reduce__(self):
            return (Path("never-created").touch, ())

    with open(tmp_path / "cifar-100-python" / "train", "wb") as f:
        pickle.dump({"data": Evil()}, f, protocol=2)
    with pytest.raises(CIFARFormatError, match="refused, nothing in it was run"):
        datasets.CIFAR100(tmp_path)
    assert not Path("never-created").exists()


# ----------------------------------------------------------------------------- folders


def _png(path: Path, value: int, mode: str = "L") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (3, 2), value if mode == "L" else (value, 0, 0)).save(path)


def test_image_folder_follows_torchvisions_rules(tmp_path):
    _png(tmp_path / "dog" / "b.png", 10)
    _png(tmp_path / "dog" / "a.PNG", 20)  # extensions are compared in lower case
    _png(tmp_path / "cat" / "z" / "deep.png", 30)  # sub-folders are walked
    _png(tmp_path / "cat" / "c.jpg", 40, "RGB")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "stray.png").write_bytes(b"")  # files in root are no class
    ds = datasets.ImageFolder(str(tmp_path))
    assert ds.classes == ["cat", "dog"]
    assert ds.class_to_idx == {"cat": 0, "dog": 1}
    names = [Path(p).relative_to(tmp_path).as_posix() for p, _ in ds.samples]
    assert names == ["cat/c.jpg", "cat/z/deep.png", "dog/a.PNG", "dog/b.png"]
    assert ds.targets == [0, 0, 1, 1]
    assert ds.imgs is ds.samples
    img, target = ds[3]
    assert img.mode == "RGB"  # the default loader converts to RGB
    assert img.size == (3, 2)
    assert np.array(img)[0, 0].tolist() == [10, 10, 10]
    assert target == 1
    only_png = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"))
    assert len(only_png) == 2


def test_folder_errors_and_allow_empty(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path)
    _png(tmp_path / "a" / "x.png", 1)
    (tmp_path / "b").mkdir()
    with pytest.raises(FileNotFoundError, match=r"Found no valid file for the classes b\. "
                                                r"Supported extensions are: \.jpg, \.jpeg"):
        datasets.ImageFolder(tmp_path)
    ds = datasets.ImageFolder(tmp_path, allow_empty=True)
    assert ds.classes == ["a", "b"]
    assert len(ds) == 1
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None"):
        datasets.DatasetFolder(tmp_path, loader=str, extensions=(".png",),
                               is_valid_file=lambda p: True)
    (tmp_path / "b" / "y.npy").write_bytes(b"x")
    ds = datasets.DatasetFolder(tmp_path, loader=lambda p: Path(p).name, extensions=".npy",
                                allow_empty=True)
    assert ds[0] == ("y.npy", 1)
    assert ds.extensions == ".npy"


# ----------------------------------------------------------------------------- digits


@pytest.mark.parametrize("train", [True, False])
def test_digits_8x8_are_sklearns_digits_on_0_255(train):
    ds = datasets.Digits(train=train)
    splits = digits()
    parts = (splits.train, splits.val) if train else (splits.test,)
    images = np.concatenate([np.asarray(p.tensors[0])[:, 0] for p in parts])
    labels = np.concatenate([np.asarray(p.tensors[1]) for p in parts])
    assert len(ds) == (1438 if train else 359)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    expected = np.floor(np.round(images * 16) * 255 / 16 + 0.5).astype(np.uint8)
    np.testing.assert_array_equal(ds.data.numpy(), expected)
    img, target = ds[5]
    assert img.mode == "L"
    assert img.size == (8, 8)
    assert target == labels[5]
    assert ds.classes == datasets.MNIST.classes


@pytest.mark.torch
def test_digits_28x28_are_upsampled_as_torch_interpolate_and_centred():
    ds = datasets.Digits(train=False, size=28)
    small = datasets.Digits(train=False, size=8)
    np.testing.assert_array_equal(ds.targets.numpy(), small.targets.numpy())
    splits = digits()
    x = torch.tensor(np.asarray(splits.test.tensors[0]), dtype=torch.float64)  # (N, 1, 8, 8)
    up = torch.nn.functional.interpolate(x, size=(20, 20), mode="bilinear",
                                         align_corners=False)[:, 0].numpy()
    expected = np.zeros((len(ds), 28, 28))
    expected[:, 4:24, 4:24] = up * 255
    diff = np.abs(ds.data.numpy() - np.floor(expected + 0.5))
    # exact, except where the value is a rounding tie (x.5) up to float64 rounding: the two
    # interpolations add the same terms in another order, so such a tie may go either way
    tie = np.abs(expected - np.floor(expected) - 0.5) < 1e-9
    assert diff.max() <= 1
    assert not diff[~tie].any()
    assert ds.data.numpy()[:, :4].max() == 0  # the MNIST-style empty border
    assert ds[0][0].size == (28, 28)
    with pytest.raises(ValueError, match="size must be 8"):
        datasets.Digits(size=16)


def test_digits_in_a_tutorial_loop():
    to_tensor = lambda img: tg.tensor(np.asarray(img, dtype=np.float32)[None] / 255)  # noqa: E731
    ds = torchvision.datasets.Digits(root="data", train=True, size=28, transform=to_tensor,
                                     download=True)
    xb, yb = next(iter(DataLoader(ds, batch_size=16, shuffle=False)))
    assert tuple(xb.shape) == (16, 1, 28, 28)
    assert yb.dtype == tg.int64
    assert float(xb.max()) <= 1.0
    assert "Root location: data" in repr(ds)


# ----------------------------------------------------------------------------- FakeData, base


@pytest.mark.torch
def test_fake_data_draws_torchvisions_images():
    ds = datasets.FakeData(size=4, image_size=(3, 5, 6), num_classes=7, random_offset=3)
    tg.manual_seed(99)
    img, target = ds[2]
    after = tg.randn(3)
    tg.manual_seed(99)
    np.testing.assert_array_equal(after.numpy(), tg.randn(3).numpy())  # state put back
    torch.manual_seed(2 + 3)
    ref = torch.randn(3, 5, 6)
    ref_target = torch.randint(0, 7, size=(1,), dtype=torch.long)[0]
    assert img.mode == "RGB"
    np.testing.assert_array_equal(np.array(img), ref.mul(255).byte().permute(1, 2, 0).numpy())
    assert target == ref_target.item()
    assert type(target) is int
    gray, _ = datasets.FakeData(size=1, image_size=(1, 4, 4))[0]
    assert gray.mode == "L"
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[4]
    assert repr(ds) == "Dataset FakeData\n    Number of datapoints: 4"


def test_vision_dataset_base():
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        datasets.VisionDataset("x", transforms=lambda a, b: (a, b), transform=abs)
    ds = datasets.VisionDataset("~/somewhere", transform=abs)
    assert "~" not in ds.root
    assert repr(ds.transforms).startswith("StandardTransform\nTransform: <built-in function")
    assert ds.transforms(-2, -3) == (2, -3)


def test_a_torchvision_tutorial_runs_on_local_mnist(tmp_path):
    """The usual tutorial opening, with ``torchvision`` being tinygrad_edu.vision."""
    write_mnist(tmp_path / "data", n_train=10, n_test=4, gz=True)
    to_tensor = lambda img: tg.tensor(np.asarray(img, dtype=np.float32)[None] / 255)  # noqa: E731
    trainset = torchvision.datasets.MNIST(root=str(tmp_path / "data"), train=True,
                                          download=True, transform=to_tensor)
    trainloader = DataLoader(trainset, batch_size=4, shuffle=True)
    images, labels = next(iter(trainloader))
    assert tuple(images.shape) == (4, 1, 28, 28)
    assert tuple(labels.shape) == (4,)
    grid = torchvision.utils.make_grid(images)
    assert tuple(grid.shape) == (3, 32, 4 * 30 + 2)
    torchvision.utils.save_image(images, tmp_path / "batch.png", nrow=2)
    with Image.open(tmp_path / "batch.png") as img:
        assert img.size == (2 * 30 + 2, 2 * 30 + 2)
    net = torchvision.models.resnet18(num_classes=10)
    assert net.fc.out_features == len(trainset.classes)
