"""MNIST, Fashion-MNIST, KMNIST and EMNIST read from torchvision's on-disk layout.

torchvision keeps the four IDX files of MNIST in ``root/MNIST/raw/`` (``train-images-idx3-
ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``);
the other datasets use their own class name as the folder. The files may also stay gzipped
(``train-images-idx3-ubyte.gz``, as downloaded).

The IDX format (LeCun's) is a 4-byte magic number, one big-endian uint32 per dimension, then
the values, big-endian, row-major. The magic is two zero bytes, a type code (0x08 uint8,
0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the number of dimensions.
``read_idx`` checks all of it against the file's length before it allocates anything, and
names the file in every error.
"""

from __future__ import annotations

import gzip
import math
import string
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ...tensor import Tensor
from .vision import VisionDataset, not_found, verify_str_arg

__all__ = ["EMNIST", "KMNIST", "MNIST", "FashionMNIST", "as_array", "read_idx",
           "read_image_file", "read_label_file"]

Array = NDArray[Any]

IDX_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CHUNK = 1 << 20


def _read_exactly(stream: Any, n: int, path: Path) -> bytes:
    """``n`` bytes from ``stream`` in bounded chunks; a file holding more or fewer is damaged.

    Reading in chunks means a header that claims a huge size costs no more memory than the
    data that is really there.
    """
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if got < n:
        raise ValueError(f"{path} is truncated: its header needs {n} bytes of values after "
                         f"the header, the file has {got}")
    if stream.read(1):
        raise ValueError(f"{path} has bytes after the {n} bytes of values its header "
                         f"announces (a damaged file, or not the file it is named after)")
    return b"".join(chunks)


def _parse_header(head: bytes, path: Path) -> tuple[np.dtype[Any], int]:
    """The value dtype and the number of dimensions named by the 4-byte magic."""
    if len(head) < 4 or head[:2] != b"\0\0":
        raise ValueError(f"{path} is not an IDX file: it must start with two zero bytes, a "
                         f"type code and the number of dimensions, got {head[:4]!r}")
    code, ndim = head[2], head[3]
    if code not in IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X} (expected one of "
                         f"{', '.join(f'0x{c:02X}' for c in IDX_DTYPES)})")
    if ndim == 0:
        raise ValueError(f"{path}: an IDX file needs at least one dimension, the header says 0")
    return IDX_DTYPES[code], ndim


def read_idx(path: str | Path) -> Array:
    """Read an IDX file (plain or gzipped, by its ``.gz`` suffix) into a native-order array.

    Raises:
        ValueError: naming the file, when the magic, the type code, the dimensions or the
            length do not fit (checked before the values are read).
    """
    path = Path(path)
    try:
        opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            head = f.read(4)
            dtype, ndim = _parse_header(head, path)
            dims_raw = f.read(4 * ndim)
            if len(dims_raw) < 4 * ndim:
                raise ValueError(f"{path} is truncated: its header announces {ndim} "
                                 f"dimensions but holds {len(dims_raw) // 4} sizes")
            dims = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
            nbytes = math.prod(dims) * dtype.itemsize
            if path.suffix != ".gz":  # a plain file's length is known before reading
                size = path.stat().st_size - 4 - 4 * ndim
                if size != nbytes:
                    what = "truncated" if size < nbytes else "longer than its header says"
                    raise ValueError(f"{path} is {what}: dimensions {dims} of {dtype.name} "
                                     f"need {nbytes} bytes of values, the file has {size}")
            raw = _read_exactly(f, nbytes, path)
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path} could not be read as an IDX file ({type(exc).__name__}: "
                         f"{exc})") from exc
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("=")).reshape(dims)


def read_image_file(path: str | Path) -> Array:
    """Images (N, H, W) uint8 from an IDX file; anything else is a ValueError naming it."""
    x = read_idx(path)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise ValueError(f"{path}: expected uint8 images of shape (N, H, W), got "
                         f"{x.dtype.name} of shape {x.shape}")
    return x


def read_label_file(path: str | Path) -> Array:
    """Labels (N,) as int64 from a uint8 IDX file; anything else is a ValueError naming it."""
    x = read_idx(path)
    if x.dtype != np.uint8 or x.ndim != 1:
        raise ValueError(f"{path}: expected uint8 labels of shape (N,), got {x.dtype.name} "
                         f"of shape {x.shape}")
    return x.astype(np.int64)


def as_array(x: Any) -> Array:
    """The array of ``.data`` / ``.targets``, a Tensor or whatever the user assigned.

    Indexing the array, not the Tensor, keeps an item at about a microsecond; reading the
    attribute each time means a user's ``ds.data = ds.data[:1000]`` takes effect.
    """
    return x.numpy(force=True) if isinstance(x, Tensor) else np.asarray(x)


class MNIST(VisionDataset):
    """MNIST from ``root/MNIST/raw/`` (``torchvision.datasets.MNIST``).

    Args:
        root: the folder holding ``MNIST/raw/``.
        train: the 60000 training images (``train-*``) or the 10000 test images
            (``t10k-*``).
        transform: applied to each image, a PIL image of mode ``'L'``.
        target_transform: applied to each label (an int).
        download: nothing is ever downloaded: with the files present this is a no-op, and
            without them the error says where to put which files.

    Attributes:
        data: uint8 Tensor (N, 28, 28). targets: int64 Tensor (N,). classes, class_to_idx.

    Example:
        >>> from tinygrad_edu.vision import datasets  # doctest: +SKIP
        >>> train = datasets.MNIST("data", train=True)  # doctest: +SKIP
        >>> image, label = train[0]  # a PIL image and an int  # doctest: +SKIP
    """

    mirrors = ["http://yann.lecun.com/exdb/mnist/",
               "https://ossci-datasets.s3.amazonaws.com/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | Path, train: bool = True,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise self._not_found(download)
        self.data, self.targets = self._load_data()

    # --- files
    @property
    def raw_folder(self) -> str:
        return str(Path(self.root) / type(self).__name__ / "raw")  # type: ignore[arg-type]

    @property
    def processed_folder(self) -> str:
        return str(Path(self.root) / type(self).__name__ / "processed")  # type: ignore

    def _file_names(self) -> tuple[str, str]:
        """The images and labels files of this split, without ``.gz``."""
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _find(self, name: str) -> Path | None:
        """The file ``name`` in the raw folder, plain or gzipped; None when neither is."""
        for candidate in (name, name + ".gz"):
            path = Path(self.raw_folder) / candidate
            if path.is_file():
                return path
        return None

    def _check_exists(self) -> bool:
        return all(self._find(name) is not None for name in self._file_names())

    def _source(self) -> str:
        return self.mirrors[0]

    def _not_found(self, download: bool) -> Exception:
        missing = [n for n in self._file_names() if self._find(n) is None]
        error = not_found(type(self).__name__, self.raw_folder,
                          [f"{n} (or {n}.gz)" for n in missing], download, self._source(),
                          "the files as downloaded (.gz) or gunzipped; torchvision's layout")
        legacy = Path(self.processed_folder) / self.training_file
        if legacy.is_file():  # old torchvision versions cached the data as a torch pickle
            error.args = (f"{error.args[0]}\n{legacy} is there, but it is a pickle written by "
                          f"an old torchvision, and tinygrad_edu never unpickles such files: "
                          f"the raw files above are needed.",)
        return error

    def download(self) -> None:
        """Check that the files are there (nothing is ever downloaded)."""
        if not self._check_exists():
            raise self._not_found(True)

    def _load_data(self) -> tuple[Tensor, Tensor]:
        image_name, label_name = self._file_names()
        image_path, label_path = self._find(image_name), self._find(label_name)
        assert image_path is not None, image_name  # _check_exists said so
        assert label_path is not None, label_name
        images, labels = read_image_file(image_path), read_label_file(label_path)
        if len(images) != len(labels):
            raise ValueError(f"{type(self).__name__}: {image_path} holds {len(images)} images "
                             f"but {label_path} holds {len(labels)} labels")
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise ValueError(f"{type(self).__name__}: {label_path} has labels outside "
                             f"0..{len(self.classes) - 1}")
        return Tensor(images), Tensor(labels)

    # --- items
    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = as_array(self.data)[index], int(as_array(self.targets)[index])
        return self._apply_transforms(Image.fromarray(img, mode="L"), target)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"

    # --- the old names torchvision still answers to, with its warnings
    @property
    def train_labels(self) -> Tensor:
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self) -> Tensor:
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self) -> Tensor:
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data


class FashionMNIST(MNIST):
    """Fashion-MNIST from ``root/FashionMNIST/raw/`` (same files and format as MNIST)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST from ``root/KMNIST/raw/`` (same files and format as MNIST)."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """EMNIST from ``root/EMNIST/raw/emnist-<split>-<train|test>-{images,labels}-idx*``.

    Args:
        split: one of ``byclass``, ``bymerge``, ``balanced``, ``letters``, ``digits``,
            ``mnist``; the other arguments are MNIST's. As in torchvision, the images are
            returned as stored (EMNIST's files hold them transposed).
    """

    url = "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/gzip.zip"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y",
                       "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A", *string.ascii_lowercase],
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: str | Path, split: str, **kwargs: Any) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.classes = self.classes_split_dict[self.split]
        super().__init__(root, **kwargs)

    def _file_names(self) -> tuple[str, str]:
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _source(self) -> str:
        return f"{self.url} (extract the .gz files of its gzip/ folder)"
