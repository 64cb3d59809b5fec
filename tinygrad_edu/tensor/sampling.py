"""Random Tensor methods: ``uniform_``, ``normal_``, ``bernoulli``, ``multinomial``, ...

Each draws from a ``Generator`` (the global one, seeded by ``tg.manual_seed``, when None)
through the transforms of ``random_dist.py``, which give PyTorch's numbers for the same seed.
The in-place ones write through ``_inplace`` like every in-place method: no gradient flows
through random values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import random_dist
from ..checks import int_arg
from ..random import Generator, get_generator
from .base import TensorBase


def _fill(t: Any, name: str, values: Any) -> Any:
    """Write ``values`` (drawn in order) into ``t`` in its memory order, as PyTorch's kernels do
    (they walk a transposed view along memory, not along its logical index)."""
    values = np.asarray(values).astype(t.dtype)
    strides = t._data.strides
    if not t._data.flags.c_contiguous and values.ndim > 1:
        axes = sorted(range(values.ndim), key=lambda d: -abs(strides[d]))
        shape = tuple(values.shape[d] for d in axes)
        values = values.reshape(shape).transpose(np.argsort(axes))
    return t._inplace(name, lambda old: old._wrap(np.array(values, order="C")))


def _float_only(t: Any, name: str) -> None:
    if t.dtype.kind != "f":  # NotImplementedError is a RuntimeError, as PyTorch raises it
        raise NotImplementedError(f"{name}: not implemented for {t.dtype}; expected a "
                                  "floating point tensor")


class SamplingMixin(TensorBase):
    """Methods that fill a tensor with random numbers or draw from it."""

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None
                 ) -> Any:
        """In place: fill with uniform random numbers from [a, b) (``from``/``to`` in torch)."""
        _float_only(self, "uniform_")
        if not a <= b:
            raise RuntimeError(f"uniform_: expects to return a [from, to) range, but found "
                               f"from={a} > to={b}")
        gen = get_generator(generator, "uniform_")
        return _fill(self, "uniform_", random_dist.uniform(gen, self.shape, self.dtype, a, b))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *,
                generator: Generator | None = None) -> Any:
        """In place: fill with normal random numbers N(mean, std**2)."""
        _float_only(self, "normal_")
        if not std >= 0:
            raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
        gen = get_generator(generator, "normal_")
        values = random_dist.normal(gen, self.shape, self.dtype, mean, std,
                                    contiguous=self._data.flags.c_contiguous)
        return _fill(self, "normal_", values)

    def exponential_(self, lambd: float = 1.0, *, generator: Generator | None = None) -> Any:
        """In place: fill with Exp(lambd) numbers, density lambd * exp(-lambd x) for x >= 0."""
        _float_only(self, "exponential_")
        if not (lambd > 0 and math.isfinite(lambd)):
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        gen = get_generator(generator, "exponential_")
        return _fill(self, "exponential_",
                     random_dist.exponential(gen, self.shape, self.dtype, lambd))

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *,
                generator: Generator | None = None) -> Any:
        """In place: fill with Cauchy(median, sigma) numbers (heavy tails: no mean)."""
        _float_only(self, "cauchy_")
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        gen = get_generator(generator, "cauchy_")
        return _fill(self, "cauchy_",
                     random_dist.cauchy(gen, self.shape, self.dtype, median, sigma))

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *,
                    generator: Generator | None = None) -> Any:
        """In place: fill with exp(N(mean, std**2)) numbers."""
        _float_only(self, "log_normal_")
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        gen = get_generator(generator, "log_normal_")
        return _fill(self, "log_normal_",
                     random_dist.log_normal(gen, self.shape, self.dtype, mean, std))

    def geometric_(self, p: float, *, generator: Generator | None = None) -> Any:
        """In place: fill with the number of Bernoulli(p) trials up to the first success."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        gen = get_generator(generator, "geometric_")
        return _fill(self, "geometric_", random_dist.geometric(gen, self.shape, self.dtype, p))

    def random_(self, from_: int | None = None, to: int | None = None, *,
                generator: Generator | None = None, **kwargs: Any) -> Any:
        """In place: random integers; ``random_(to)`` in [0, to), ``random_(from, to)``, or
        ``random_()`` over the dtype's whole range of exact integers."""
        if "from" in kwargs:
            from_ = kwargs.pop("from")
        if kwargs:
            raise TypeError(f"random_: unexpected arguments {sorted(kwargs)}")
        gen = get_generator(generator, "random_")
        if from_ is None and to is None:
            return _fill(self, "random_", random_dist.random_bits(gen, self.shape, self.dtype))
        low, high = (0, from_) if to is None else (from_, to)
        if not low < high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}")
        return _fill(self, "random_",
                     random_dist.integers(gen, self.shape, low, high, self.dtype))

    def bernoulli_(self, p: Any = 0.5, *, generator: Generator | None = None) -> Any:
        """In place: 1 with probability ``p`` (a number, or a tensor of them), else 0."""
        gen = get_generator(generator, "bernoulli_")
        if isinstance(p, TensorBase):
            probs = np.broadcast_to(p._data, self.shape)
            _check_probs(probs, "bernoulli_")
            return _fill(self, "bernoulli_", random_dist.bernoulli_tensor(gen, probs))
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return _fill(self, "bernoulli_", random_dist.bernoulli_scalar(gen, self.shape, p))

    def bernoulli(self, p: Any = None, *, generator: Generator | None = None) -> Any:
        """A new tensor of 0/1 draws: with probability ``self`` elementwise, or ``p`` if given."""
        gen = get_generator(generator, "bernoulli")
        if p is None:
            _float_only(self, "bernoulli")
            _check_probs(self._data, "bernoulli")
            draws = random_dist.bernoulli_tensor(gen, self._data)
        else:
            if not 0 <= p <= 1:
                raise RuntimeError(f"bernoulli expects p to be in [0, 1], but got p={p}")
            draws = random_dist.bernoulli_scalar(gen, self.shape, p)
        return self._wrap(draws.astype(self.dtype))

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Generator | None = None) -> Any:
        """Indices of categories drawn with the (unnormalised) weights in the last dim.

        ``self`` is 1-D (one distribution) or 2-D (one per row); the result is int64 with
        ``num_samples`` in the last dim. Without replacement each category is drawn once at
        most.
        """
        name = "multinomial"
        num_samples = int_arg(num_samples, name, "num_samples")
        if self.ndim not in (1, 2):
            raise RuntimeError(f"{name}: prob_dist must be 1 or 2 dim, got {self.ndim}")
        _float_only(self, name)
        if num_samples <= 0:
            raise RuntimeError(f"{name}: cannot sample n_sample <= 0 samples, got "
                               f"{num_samples!r}")
        categories = self.shape[-1]
        if not replacement and num_samples > categories:
            raise RuntimeError(f"{name}: cannot sample n_sample > prob_dist.size(-1) samples "
                               f"without replacement (n_sample={num_samples}, "
                               f"categories={categories})")
        _check_probs(self._data, name, upper=False)
        rows = self._data.reshape(-1, categories)
        if np.any(rows.sum(axis=-1) <= 0):
            raise RuntimeError(f"{name}: invalid multinomial distribution (sum of "
                               "probabilities <= 0)")
        gen = get_generator(generator, name)
        return self._wrap(random_dist.multinomial(gen, self._data, int(num_samples),
                                                  bool(replacement)))


def _check_probs(p: Any, name: str, upper: bool = True) -> None:
    p = np.asarray(p)
    if not np.all(np.isfinite(p)):
        raise RuntimeError(f"{name}: probabilities must be finite (no inf or nan)")
    if np.any(p < 0) or (upper and np.any(p > 1)):
        bound = "0 <= p <= 1" if upper else "p >= 0"
        raise RuntimeError(f"{name}: expected all probabilities to satisfy {bound}")
