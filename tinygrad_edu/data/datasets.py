"""Datasets: scikit-learn's 8x8 digits and CIFAR-10 read from its python batch files.

``digits()`` needs no download: scikit-learn ships the 1797 images (install the ``data``
extra). CIFAR-10 is read from the standard "CIFAR-10 python version" files, which are Python
pickles. Unpickling can run arbitrary code, so ``load_cifar10`` uses a restricted unpickler
that knows only the plain values those files hold (dicts, lists, strings, numbers) and numeric
numpy arrays; any other object in a file is refused before it is created. ``synthetic_cifar10``
writes small files in the same format, for tests and for demos without the real data.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import math
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .dataset import Dataset, TensorDataset

__all__ = [
    "CIFAR10", "CIFAR10_CLASSES", "CIFARFormatError", "DatasetSplits", "digits", "load_cifar10",
    "synthetic_cifar10",
    # the shared CIFAR readers (tinygrad_edu.vision.datasets uses them)
    "CIFAR100_FORMAT", "CIFAR10_FORMAT", "CifarFormat", "cifar_split_files", "read_cifar_classes",
    "read_cifar_split",
]

Array = NDArray[Any]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
_FOLDER = "cifar-10-batches-py"
_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
_TEST_FILE = "test_batch"
_LAYOUT = (f"expected the CIFAR-10 python version (cifar-10-python.tar.gz from "
           f"https://www.cs.toronto.edu/~kriz/cifar.html, extracted): a folder {_FOLDER}/ "
           f"holding {', '.join(_TRAIN_FILES)} and {_TEST_FILE} (plus batches.meta), each a "
           f"pickled dict with 'data' (N x 3072 uint8: 1024 red, 1024 green, 1024 blue values "
           f"of a 32 x 32 image, row-major) and 'labels' (N ints in 0..9)")


class CifarFormat(NamedTuple):
    """Where a CIFAR variant keeps its python batches and how a batch stores its labels.

    ``CIFAR10_FORMAT`` and ``CIFAR100_FORMAT`` describe the two official archives; the
    readers below take one of them, so CIFAR-100 goes through the same safe code.
    """

    name: str                      # for messages, e.g. "CIFAR-10"
    folder: str                    # the folder the archive extracts to
    train_files: tuple[str, ...]
    test_file: str
    meta_file: str                 # the file holding the class names
    label_key: str                 # the labels' key in a batch dict
    names_key: str                 # the class names' key in the meta dict
    num_classes: int
    default_names: tuple[str, ...] | None  # used when the meta file is absent (None: needed)
    layout: str                    # what is expected, for error messages


CIFAR10_FORMAT = CifarFormat("CIFAR-10", _FOLDER, _TRAIN_FILES, _TEST_FILE, "batches.meta",
                             "labels", "label_names", 10, CIFAR10_CLASSES, _LAYOUT)
CIFAR100_FORMAT = CifarFormat(
    "CIFAR-100", "cifar-100-python", ("train",), "test", "meta", "fine_labels",
    "fine_label_names", 100, None,
    "expected the CIFAR-100 python version (cifar-100-python.tar.gz from "
    "https://www.cs.toronto.edu/~kriz/cifar.html, extracted): a folder cifar-100-python/ "
    "holding train, test and meta, each a pickled dict; train and test with 'data' (N x 3072 "
    "uint8, as in CIFAR-10) and 'fine_labels' (N ints in 0..99), meta with "
    "'fine_label_names' (100 names)")


# ----------------------------------------------------------------------------- digits

class DatasetSplits(NamedTuple):
    """Train, validation and test datasets plus the class names."""

    train: TensorDataset
    val: TensorDataset
    test: TensorDataset
    classes: tuple[str, ...]


def digits(val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 0
           ) -> DatasetSplits:
    """scikit-learn's 8x8 handwritten digits, split into train/validation/test.

    The 1797 images come with scikit-learn (no network needed). Pixels are scaled from 0..16
    to float32 in [0, 1]; labels are int64 digits 0..9. The split is stratified (each split
    has every digit in the same proportion) and fixed by ``seed``, so it does not depend on
    ``tg.manual_seed``. The defaults give 1259 / 179 / 359 images.

    Args:
        val_fraction: share of the images in the validation split.
        test_fraction: share of the images in the test split.
        seed: the seed of the split.

    Returns:
        ``DatasetSplits(train, val, test, classes)``; each split is a ``TensorDataset`` of
        images (N, 1, 8, 8) and labels (N,).

    Raises:
        ImportError: when scikit-learn is not installed (the ``data`` extra).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise TypeError(f"digits: seed must be a non-negative int, got {seed!r}")
    if not (0 <= val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(f"digits: val_fraction ({val_fraction}) and test_fraction "
                         f"({test_fraction}) must be in [0, 1) with a sum below 1")
    pixels, target = sklearn_digits("digits()")
    images = (pixels / 16.0).astype(np.float32)[:, None]
    labels = target.astype(np.int64)
    parts = _stratified_split(labels, (val_fraction, test_fraction), seed)
    train, val, test = (TensorDataset(images[idx], labels[idx]) for idx in parts)
    return DatasetSplits(train, val, test, tuple(str(d) for d in range(10)))


def sklearn_digits(caller: str) -> tuple[Array, Array]:
    """scikit-learn's 1797 digits: images (1797, 8, 8) float64 in 0..16 and int labels.

    The same arrays as ``sklearn.datasets.load_digits()``'s ``images`` and ``target``, read
    from the file scikit-learn installs (``datasets/data/digits.csv.gz``) the way it reads
    it, without importing scikit-learn: that import (scipy included) takes longer than
    the rest of a small training run's start. A scikit-learn without that file is asked.

    Raises:
        ImportError: when scikit-learn is not installed (the ``data`` extra); ``caller``
            names what needed it.
    """
    spec = importlib.util.find_spec("sklearn")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            with gzip.open(path, mode="rt", encoding="utf-8") as text:
                data = np.loadtxt(text, delimiter=",")
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(f"{caller} needs scikit-learn, which ships the digits images: install "
                          "the data extra, e.g. pip install -e \".[data]\" (or pip install "
                          "scikit-learn)") from exc
    bunch = load_digits()
    return bunch.images, bunch.target


def _stratified_split(labels: Array, fractions: tuple[float, float], seed: int
                      ) -> list[Array]:
    """Indices of (train, val, test): per class, the first shares go to val and test."""
    rng = np.random.default_rng(seed)
    parts: list[list[Array]] = [[], [], []]
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        n_val, n_test = (round(len(idx) * f) for f in fractions)
        parts[1].append(idx[:n_val])
        parts[2].append(idx[n_val:n_val + n_test])
        parts[0].append(idx[n_val + n_test:])
    return [rng.permutation(np.concatenate(p)) for p in parts]


# ----------------------------------------------------------------------------- CIFAR-10

class CIFARFormatError(ValueError):
    """A CIFAR-10 batch file is damaged or holds something else than a batch."""


class _Refused(pickle.UnpicklingError):
    """The file asks for an object that a batch file never holds."""


class _NdarrayType:
    """What the pickle gets for the global ``numpy.ndarray``: a name to hand ``_reconstruct``
    (a pickled array says "an empty ndarray, then fill it"), never a callable. Called as
    ``numpy.ndarray(shape, dtype, buffer, offset, strides)``, numpy would build an array from
    the file's own numbers: zero strides make a million images of one byte, no buffer makes
    uninitialised memory pixels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise _Refused("refusing to call numpy.ndarray(...) with the file's own shape, buffer "
                       "and strides; a batch file's arrays come through _reconstruct")


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> Array:
    """Stand-in for numpy's ``_reconstruct`` (an empty array that BUILD fills, checking that
    the bytes it is given fill the declared shape exactly), plain arrays only."""
    if subtype is not _NdarrayType:
        raise _Refused(f"refusing to build an array of type {subtype!r}")
    dtype = np.dtype(dtype)
    if dtype.kind not in "biuf":
        raise _Refused(f"refusing an array of dtype {dtype}")
    return np.ndarray.__new__(np.ndarray, (0,), dtype)


def _dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype[Any]:
    """``numpy.dtype`` for the numeric dtypes a batch file can hold (never objects)."""
    if isinstance(spec, bytes):
        spec = spec.decode("ascii")
    if not isinstance(spec, str) or len(spec) > 4:
        raise _Refused(f"refusing the dtype {spec!r}")
    dtype = np.dtype(spec)
    if dtype.kind not in "biuf":
        raise _Refused(f"refusing the dtype {spec!r}")
    return dtype


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _NdarrayType,
    ("numpy", "dtype"): _dtype,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles plain values and numeric numpy arrays; every other global is refused.

    A pickle can only create objects through the globals it names (``find_class``), so with
    this table nothing but our own safe stand-ins for numpy's array reconstruction can run.
    """

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(f"refusing to load {module}.{name}: a CIFAR batch "
                                         "file holds only dicts, lists, strings, numbers and "
                                         "numeric numpy arrays") from None

    def persistent_load(self, pid: Any) -> Any:
        raise _Refused("refusing a persistent id")


def _unpickle(path: Path, fmt: CifarFormat = CIFAR10_FORMAT) -> dict[str, Any]:
    """Read one batch file safely; keys come back as str."""
    name, layout = fmt.name, fmt.layout
    if not path.is_file():
        raise FileNotFoundError(f"{name}: {path} is missing; {layout}")
    raw = path.read_bytes()
    try:
        # latin1 turns Python 2 byte strings (the real files were written by Python 2) into
        # str, which numpy reads back as raw array bytes
        obj = _RestrictedUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except _Refused as exc:
        raise CIFARFormatError(f"{name}: {path} was refused, nothing in it was run: {exc}. "
                               f"{layout}") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, MemoryError, OverflowError, UnicodeDecodeError,
            RecursionError) as exc:
        raise CIFARFormatError(f"{name}: {path} is truncated or damaged "
                               f"({type(exc).__name__}: {exc}). {layout}") from exc
    if not isinstance(obj, dict):
        raise CIFARFormatError(f"{name}: {path} holds a {type(obj).__name__}, not a dict. "
                               f"{layout}")
    return {k.decode("latin1") if isinstance(k, bytes) else str(k): v for k, v in obj.items()}


def _read_batch(path: Path, fmt: CifarFormat = CIFAR10_FORMAT) -> tuple[Array, Array]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 of one batch file, validated."""
    name, layout, key, top = fmt.name, fmt.layout, fmt.label_key, fmt.num_classes - 1
    batch = _unpickle(path, fmt)
    data, labels = batch.get("data"), batch.get(key)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != 3 * 32 * 32:
        seen = (f"shape {data.shape}, dtype {data.dtype}" if isinstance(data, np.ndarray)
                else type(data).__name__)
        raise CIFARFormatError(f"{name}: {path} has a bad 'data' entry ({seen}); expected an "
                               f"N x 3072 uint8 array. {layout}")
    if not isinstance(labels, list | np.ndarray) or len(labels) != len(data):
        raise CIFARFormatError(f"{name}: {path} has {len(data)} images but its {key!r} "
                               f"entry is not a list of {len(data)} ints. {layout}")
    try:
        label_array = np.array(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise CIFARFormatError(f"{name}: {path} has non-integer labels ({exc})") from exc
    if label_array.ndim != 1 or (label_array.size and not
                                 (label_array.min() >= 0 and label_array.max() <= top)):
        raise CIFARFormatError(f"{name}: {path} has labels outside 0..{top}. {layout}")
    return data.reshape(-1, 3, 32, 32), label_array


def _batch_folder(root: str | Path, fmt: CifarFormat = CIFAR10_FORMAT) -> Path:
    """``root/<fmt.folder>`` (e.g. ``cifar-10-batches-py``) when it exists, else ``root``."""
    root = Path(root).expanduser()
    return root / fmt.folder if (root / fmt.folder).is_dir() else root


def _read_split(root: str | Path, train: bool, fmt: CifarFormat = CIFAR10_FORMAT
                ) -> tuple[Array, Array]:
    folder = _batch_folder(root, fmt)
    names = fmt.train_files if train else (fmt.test_file,)
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{fmt.name}: no {', '.join(missing)} in {folder}; "
                                f"{fmt.layout}")
    parts = [_read_batch(folder / name, fmt) for name in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def read_cifar_split(root: str | Path, train: bool, fmt: CifarFormat = CIFAR10_FORMAT
                     ) -> tuple[Array, Array]:
    """One split of a CIFAR variant: images (N, 3, 32, 32) uint8 and labels (N,) int64.

    The reader behind ``CIFAR10`` here and ``tinygrad_edu.vision.datasets.CIFAR10/100``:
    ``root`` is the folder holding ``fmt.folder`` or that folder itself; every file goes
    through the restricted unpickler and the checks of ``load_cifar10``.
    """
    return _read_split(root, train, fmt)


def cifar_split_files(root: str | Path, train: bool, fmt: CifarFormat = CIFAR10_FORMAT
                      ) -> list[Path]:
    """The batch files a split needs (whether or not they exist), for existence checks."""
    folder = _batch_folder(root, fmt)
    return [folder / n for n in (fmt.train_files if train else (fmt.test_file,))]


def load_cifar10(root: str | Path) -> tuple[Array, Array, Array, Array]:
    """Read all of CIFAR-10: ``X_train, y_train, X_test, y_test``.

    Args:
        root: the folder holding ``cifar-10-batches-py/``, or that folder itself.

    Returns:
        Images as uint8 arrays (N, 3, 32, 32) (50000 train, 10000 test for the real data)
        and labels as int64 arrays (N,).

    Raises:
        FileNotFoundError: when a batch file is missing (the message says what is expected).
        CIFARFormatError: when a file is truncated, damaged, or holds anything but the plain
            values and numeric arrays of a batch (nothing in it is executed).
    """
    X_train, y_train = _read_split(root, train=True)
    X_test, y_test = _read_split(root, train=False)
    return X_train, y_train, X_test, y_test


def _class_names(root: str | Path, fmt: CifarFormat = CIFAR10_FORMAT) -> tuple[str, ...]:
    """The names in the meta file when it is present and sane, else the standard ones."""
    meta = _batch_folder(root, fmt) / fmt.meta_file
    if not meta.is_file():
        if fmt.default_names is None:
            raise FileNotFoundError(f"{fmt.name}: {meta} is missing (it holds the class "
                                    f"names); {fmt.layout}")
        return fmt.default_names
    names = _unpickle(meta, fmt).get(fmt.names_key)
    if not isinstance(names, list) or len(names) != fmt.num_classes:
        raise CIFARFormatError(f"{fmt.name}: {meta} has no list of {fmt.num_classes} "
                               f"{fmt.names_key!r}")
    return tuple(n.decode("latin1") if isinstance(n, bytes) else str(n) for n in names)


def read_cifar_classes(root: str | Path, fmt: CifarFormat = CIFAR10_FORMAT) -> tuple[str, ...]:
    """The class names of a CIFAR variant, read safely from its meta file."""
    return _class_names(root, fmt)


class CIFAR10(Dataset[tuple[Any, int]]):
    """The CIFAR-10 training or test set read from the python batch files.

    Args:
        root: the folder holding ``cifar-10-batches-py/``, or that folder itself (see
            ``load_cifar10``; ``synthetic_cifar10`` writes a small stand-in).
        train: the 50000 training images (True) or the 10000 test images (False).
        transform: applied to each (3, 32, 32) uint8 image, e.g. ``ToTensor()``.
        target_transform: applied to each label.
        download: accepted for torchvision compatibility; nothing is ever downloaded, so
            with True and no files the error says where to get them.

    Attributes:
        data: uint8 images (N, 3, 32, 32). targets: int64 labels (N,).
        classes: the ten class names.
    """

    def __init__(self, root: str | Path, train: bool = True,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 download: bool = False) -> None:
        self.root, self.train = Path(root), train
        self.transform, self.target_transform = transform, target_transform
        self.data, self.targets = _read_split(root, train)
        self.classes = _class_names(root)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image: Any = self.data[index]
        target: Any = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"CIFAR10(root={str(self.root)!r}, split={split}, {len(self)} images)"


class _Py2StylePickler(pickle._Pickler):  # type: ignore[misc,name-defined]
    """Writes bytes as Python 2 strings (BINSTRING), as the real CIFAR-10 files store them.

    Python 3 writes bytes in protocol 2 as a call to ``_codecs.encode``; the real files, from
    Python 2, have plain string opcodes. The pure-Python pickler (``pickle._Pickler``) lets us
    swap the one method that decides this.
    """

    def save_bytes(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)  # type: ignore
        else:
            self.write(pickle.BINSTRING + len(obj).to_bytes(4, "little") + obj)  # type: ignore
        self.memoize(obj)  # type: ignore[attr-defined]

    dispatch = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]
    dispatch[bytes] = save_bytes  # type: ignore[assignment]


def _write_pickle(path: Path, obj: Any) -> None:
    buffer = io.BytesIO()
    _Py2StylePickler(buffer, protocol=2).dump(obj)
    path.write_bytes(buffer.getvalue())


def _synthetic_images(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """Learnable fake images: each class is a smooth colour pattern of its own, plus noise."""
    yy, xx = np.mgrid[0:32, 0:32] / 31.0
    labels = rng.integers(0, 10, size=n)
    patterns = []
    for k in range(10):
        angle, freq = math.pi * k / 10, 1.0 + k % 3
        wave = np.sin(2 * math.pi * freq * (xx * math.cos(angle) + yy * math.sin(angle)))
        colour = 0.5 + 0.4 * np.cos(np.array([0.0, 2.1, 4.2]) + k)
        patterns.append(colour[:, None, None] * (0.6 + 0.4 * wave))
    images = np.stack([patterns[k] for k in labels]) + rng.normal(0, 0.15, (n, 3, 32, 32))
    return np.clip(images * 255, 0, 255).astype(np.uint8), labels.astype(np.int64)


def synthetic_cifar10(root: str | Path, n: int = 100, n_test: int | None = None,
                      seed: int = 0) -> Path:
    """Write a small fake CIFAR-10 in the real file format, for tests and demos.

    The six batch files and ``batches.meta`` go to ``root/cifar-10-batches-py/``, laid out
    exactly like the real ones (pickle protocol 2 with Python 2 strings), so ``CIFAR10(root)``
    and ``load_cifar10(root)`` read them through the same code. Each class is a smooth colour
    pattern with noise, so a small network can learn it.

    Args:
        root: the folder to write into (created if needed).
        n: the number of training images, spread over the five training batches (n >= 5).
        n_test: the number of test images (default ``max(n // 5, 1)``).
        seed: the seed of the images and labels.

    Returns:
        The path of the ``cifar-10-batches-py`` folder.

    Example:
        >>> import tempfile
        >>> from tinygrad_edu.data import CIFAR10, synthetic_cifar10
        >>> folder = synthetic_cifar10(tempfile.mkdtemp(), n=10)
        >>> ds = CIFAR10(folder.parent, train=True)
        >>> len(ds), ds[0][0].shape, ds.classes[:2]
        (10, (3, 32, 32), ('airplane', 'automobile'))
    """
    if n < 5:
        raise ValueError(f"synthetic_cifar10: n must be at least 5 (one image per training "
                         f"batch), got {n}")
    n_test = max(n // 5, 1) if n_test is None else n_test
    folder = Path(root) / _FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sizes = [len(part) for part in np.array_split(np.arange(n), 5)] + [n_test]
    for name, size in zip((*_TRAIN_FILES, _TEST_FILE), sizes, strict=True):
        images, labels = _synthetic_images(size, rng)
        _write_pickle(folder / name, {
            b"batch_label": f"synthetic {name}".encode(),
            b"labels": labels.tolist(),
            b"data": images.reshape(size, -1),
            b"filenames": [f"synthetic_{name}_{i}.png".encode() for i in range(size)],
        })
    _write_pickle(folder / "batches.meta", {
        b"label_names": [c.encode() for c in CIFAR10_CLASSES],
        b"num_cases_per_batch": sizes[0], b"num_vis": 3072})
    return folder
