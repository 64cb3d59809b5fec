"""The project's caption data: pairs of handwritten digits and what a person would say.

An image is two of scikit-learn's 8x8 digits side by side (8 x 16 pixels); its caption is
generated from the two labels, in one of two forms of different lengths (shorter ones are
padded with ``<NULL>``):

    "<START> a seven next to a two <END>"      (different digits)
    "<START> two sevens <END>"                 (the same digit twice)

Image features are a fixed random projection of the pixels (``FEATURES`` ReLU features; no
training, no download), standing in for the CNN features of a real captioning data set.
``examples/captioning_digits.py`` trains ``models.CaptioningRNN`` on this data, and
``classic.coco_utils.load_digit_captions`` packs it as the course's COCO data dict.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.data.digit_captions import WORDS, caption, encode
    >>> caption(7, 2)
    ['<START>', 'a', 'seven', 'next', 'to', 'a', 'two', '<END>']
    >>> [WORDS[i] for i in encode(caption(8, 8))]
    ['<START>', 'two', 'eights', '<END>', '<NULL>', '<NULL>', '<NULL>', '<NULL>']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

__all__ = [
    "FEATURES", "MAX_WORDS", "NAMES", "PLURALS", "WORDS", "WORD_TO_IDX", "caption", "encode",
    "load_digits", "make_pairs", "random_features",
]

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
PLURALS = ["zeros", "ones", "twos", "threes", "fours", "fives", "sixes", "sevens", "eights",
           "nines"]
WORDS = ["<NULL>", "<START>", "<END>", "a", "an", "next", "to", *NAMES, *PLURALS]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}
MAX_WORDS = 8  # "<START> a seven next to a two <END>"
FEATURES = 256


def load_digits() -> tuple[Array, Array]:
    """The 1797 8x8 digit images (scaled to [0, 1]) and their labels, from scikit-learn.

    Raises:
        ImportError: when scikit-learn is not installed (the ``data`` extra).
    """
    from .datasets import sklearn_digits

    images, target = sklearn_digits("the digit caption data")
    return images / 16.0, target


def caption(left: int, right: int) -> list[str]:
    """The caption of a pair of digits, as words from ``<START>`` to ``<END>``."""
    if left == right:
        return ["<START>", "two", PLURALS[left], "<END>"]
    return ["<START>", _article(left), NAMES[left], "next", "to", _article(right), NAMES[right],
            "<END>"]


def _article(digit: int) -> str:
    return "an" if digit == 8 else "a"


def encode(words: list[str]) -> Array:
    """Word ids (MAX_WORDS,) int64, padded with ``<NULL>``."""
    ids = np.full(MAX_WORDS, WORD_TO_IDX["<NULL>"], dtype=np.int64)
    ids[:len(words)] = [WORD_TO_IDX[w] for w in words]
    return ids


def make_pairs(images: Array, labels: Array, count: int, rng: np.random.Generator
               ) -> tuple[Array, Array]:
    """``count`` side-by-side pairs (count, 8, 16) and their captions (count, MAX_WORDS) ids.

    About 15% of the pairs show the same digit twice (the short caption form).
    """
    first, second = rng.integers(0, len(images), (2, count))
    same = rng.random(count) < 0.15
    for k in np.flatnonzero(same):
        matches = np.flatnonzero(labels == labels[first[k]])
        second[k] = rng.choice(matches)
    pairs = np.concatenate([images[first], images[second]], axis=2)
    ids = np.full((count, MAX_WORDS), WORD_TO_IDX["<NULL>"], dtype=np.int64)
    for k in range(count):
        ids[k] = encode(caption(labels[first[k]], labels[second[k]]))
    return pairs, ids


def random_features(pairs: Array, seed: int = 1234) -> Array:
    """ReLU of a fixed random projection of the pixels: (count, FEATURES) float32."""
    projection = np.random.default_rng(seed).standard_normal((pairs[0].size, FEATURES))
    flat = pairs.reshape(len(pairs), -1) - 0.3
    return np.maximum(flat @ projection / np.sqrt(pairs[0].size), 0).astype(np.float32)
