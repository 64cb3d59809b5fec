"""The course's COCO caption helpers, and a COCO-style data dict made of the project's digits.

The captioning notebooks keep a data set in one dict (``load_coco_data`` in the course):

- ``train_captions`` (Nc, T) int word ids, one row per caption, padded with ``<NULL>``;
- ``train_image_idxs`` (Nc,) the image each caption describes (an image has several);
- ``train_features`` (Ni, D) one feature vector per image;
- ``train_urls`` (Ni,) where to see each image;
- the same ``val_*`` keys, and ``idx_to_word`` (a list) and ``word_to_idx`` (a dict).

``load_digit_captions`` builds such a dict from ``data.digit_captions`` (pairs of handwritten
digits with captions such as "a seven next to a two"): no download, the notebooks' cells run
on it unchanged. ``decode_captions`` turns word ids back into text and
``sample_coco_minibatch`` draws a training minibatch, both as the course's ``coco_utils``.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic.coco_utils import decode_captions, sample_coco_minibatch
    >>> idx_to_word = ["<NULL>", "<START>", "<END>", "a", "cat"]
    >>> decode_captions(np.array([1, 3, 4, 2, 0]), idx_to_word)
    '<START> a cat <END>'
    >>> data = {"train_captions": np.array([[1, 4, 2], [1, 3, 2]]),
    ...         "train_image_idxs": np.array([1, 0]), "train_features": np.eye(2),
    ...         "train_urls": np.array(["img0", "img1"])}
    >>> captions, features, urls = sample_coco_minibatch(data, batch_size=3)
    >>> captions.shape, features.shape, urls.shape
    ((3, 3), (3, 2), (3,))
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..data import digit_captions

Array = NDArray[Any]

__all__ = ["decode_captions", "load_digit_captions", "sample_coco_minibatch"]


def decode_captions(captions: Any, idx_to_word: Sequence[str] | Mapping[int, str]
                    ) -> str | list[str]:
    """Word ids -> text, as the course: ``<NULL>`` skipped, each caption cut after ``<END>``.

    Args:
        captions: (T,) word ids (one caption) or (N, T) (N captions).
        idx_to_word: id -> word, a list (the COCO data's) or a dict (a model's).

    Returns:
        One string for a 1-d input, a list of N strings for a 2-d one. ``<START>`` and
        ``<END>`` stay in the text, as in the course.
    """
    captions = np.asarray(captions)
    if captions.ndim not in (1, 2) or (captions.size and captions.dtype.kind not in "iu"):
        raise ValueError(f"decode_captions: captions must be integer word ids of shape (T,) "
                         f"or (N, T), got {captions.dtype} of shape {captions.shape}")
    singleton = captions.ndim == 1
    decoded = []
    for row in np.atleast_2d(captions):
        words = []
        for index in row:
            try:
                word = idx_to_word[int(index)]
            except (IndexError, KeyError):
                raise KeyError(f"decode_captions: word id {int(index)} is not in idx_to_word "
                               f"({len(idx_to_word)} words)") from None
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded[0] if singleton else decoded


def _split_arrays(data: Mapping[str, Any], split: str) -> tuple[Array, Array, Array, Array]:
    """The split's captions, image indices, features and urls, checked to fit together."""
    if split not in ("train", "val"):
        raise ValueError(f"coco_utils: split must be 'train' or 'val', got {split!r}")
    keys = [f"{split}_{k}" for k in ("captions", "image_idxs", "features", "urls")]
    missing = [k for k in keys if k not in data]
    if missing:
        raise KeyError(f"coco_utils: data has no {missing} (a COCO-style dict has "
                       f"the keys {keys}, e.g. from load_digit_captions())")
    captions, image_idxs, features, urls = (np.asarray(data[k]) for k in keys)
    if captions.ndim != 2 or image_idxs.shape != captions.shape[:1] or captions.shape[0] == 0:
        raise ValueError(f"coco_utils: {keys[0]} must be (N, T) with N > 0 and "
                         f"{keys[1]} (N,), got {captions.shape} and {image_idxs.shape}")
    if features.shape[:1] != urls.shape[:1]:
        raise ValueError(f"coco_utils: {keys[2]} {features.shape} and {keys[3]} "
                         f"{urls.shape} must hold one row per image")
    return captions, image_idxs, features, urls


def sample_coco_minibatch(data: Mapping[str, Any], batch_size: int = 100, split: str = "train"
                          ) -> tuple[Array, Array, Array]:
    """A random minibatch of captions with their images' features and urls, as the course.

    ``batch_size`` captions are drawn with replacement (``np.random.choice(N, batch_size)``,
    numpy's global generator, as the course does); each brings the feature vector and the url
    of the image it describes (``<split>_image_idxs``).

    Returns:
        ``(captions, image_features, urls)``: (B, T), (B, D) and (B,).
    """
    captions, image_idxs, features, urls = _split_arrays(data, split)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) \
            or batch_size < 1:
        raise ValueError(f"sample_coco_minibatch: batch_size must be a positive int, got "
                         f"{batch_size!r}")
    mask = np.random.choice(captions.shape[0], batch_size)
    images = image_idxs[mask]
    return captions[mask], features[images], urls[images]


def _split(images: Array, labels: Array, count: int, name: str, rng: np.random.Generator
           ) -> dict[str, Array]:
    """One split: ``count`` image pairs, their captions in shuffled order (so that the
    image indices matter, as in COCO), features, urls and the pixels themselves."""
    pairs, ids = digit_captions.make_pairs(images, labels, count, rng)
    order = rng.permutation(count)
    return {
        f"{name}_captions": ids[order].astype(np.int32),
        f"{name}_image_idxs": order.astype(np.int32),
        f"{name}_features": digit_captions.random_features(pairs),
        f"{name}_urls": np.array([f"digit-pairs/{name}/{i:05d}" for i in range(count)]),
        f"{name}_images": pairs.astype(np.float32),
    }


def _pca(train: Array, *others: Array) -> list[Array]:
    """Features centred on the training mean and rotated onto the training set's principal
    axes (all components kept), as the course's PCA'd COCO features are.

    Centring matters for training: the raw ReLU features share a large common part, so every
    image starts the RNN from a similar hidden state.
    """
    train = train.astype(np.float64)
    mean = train.mean(axis=0)
    centred = train - mean
    variances, axes = np.linalg.eigh(centred.T @ centred)  # columns: the principal axes
    axes = axes[:, np.argsort(variances)[::-1]]  # largest variance first
    return [((f - mean) @ axes).astype(np.float32) for f in (train, *others)]


def load_digit_captions(max_train: int | None = None, pca_features: bool = True,
                        num_train: int = 2000, num_val: int = 500, seed: int = 0
                        ) -> dict[str, Any]:
    """The project's digit caption data as the course's COCO data dict.

    Pairs of scikit-learn's digits (``data.digit_captions``): training pairs are made of 1400
    of the 1797 images, validation pairs of the other 397, so validation images are unseen.
    Each pair has one caption of ``digit_captions.MAX_WORDS`` (8) ids; captions are stored in
    a shuffled order and ``<split>_image_idxs`` says which image each describes. Features are
    ``digit_captions.FEATURES`` (256) float32 per image.

    Args:
        max_train: as the course's ``load_coco_data(max_train=...)``: keep this many training
            captions drawn with ``np.random.randint`` (numpy's global generator, so
            ``np.random.seed`` before the call fixes them); None keeps all.
        pca_features: as the course's option of that name: the features centred on the
            training mean and expressed on the training set's principal axes (all 256
            components kept). False gives the raw ReLU features of
            ``digit_captions.random_features``, which are all positive: every image then
            starts the RNN from a similar state and overfitting the 50 captions is slower.
        num_train, num_val: the number of image pairs in each split.
        seed: the seed of the pairs and captions (a private generator).

    Returns:
        A dict with ``train_captions``, ``train_image_idxs``, ``train_features``,
        ``train_urls`` and the ``val_*`` ones, ``idx_to_word`` (a list), ``word_to_idx``
        (a dict); also ``train_images``/``val_images`` (the pixels, (N, 8, 16) in [0, 1]) to
        look at, where COCO has urls.

    Raises:
        ImportError: when scikit-learn (which ships the digits) is not installed.
    """
    for arg, value in (("num_train", num_train), ("num_val", num_val)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"load_digit_captions: {arg} must be a positive int, got {value!r}")
    if max_train is not None and (isinstance(max_train, bool) or
                                  not isinstance(max_train, int | np.integer) or max_train < 1):
        raise ValueError(f"load_digit_captions: max_train must be None or a positive int, got "
                         f"{max_train!r}")
    images, labels = digit_captions.load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    train, val = order[:1400], order[1400:]
    data: dict[str, Any] = {}
    data.update(_split(images[train], labels[train], int(num_train), "train", rng))
    data.update(_split(images[val], labels[val], int(num_val), "val", rng))
    if pca_features:
        data["train_features"], data["val_features"] = _pca(data["train_features"],
                                                            data["val_features"])
    data["idx_to_word"] = list(digit_captions.WORDS)
    data["word_to_idx"] = dict(digit_captions.WORD_TO_IDX)
    if max_train is not None:
        mask = np.random.randint(data["train_captions"].shape[0], size=max_train)
        data["train_captions"] = data["train_captions"][mask]
        data["train_image_idxs"] = data["train_image_idxs"][mask]
    return data
