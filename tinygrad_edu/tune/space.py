"""Search spaces: what each hyper-parameter may be, as Optuna distributions.

A space is a dict from names to domains (``loguniform(1e-4, 1e-1)``, ``choice([16, 32])``,
...) or to plain values, which every trial gets unchanged::

    space = {"lr": loguniform(1e-4, 1e-1), "width": choice([16, 32, 64]), "epochs": 5}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Domain", "choice", "grid", "loguniform", "randint", "uniform"]

_PLAIN = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class Domain:
    """One hyper-parameter's range; build it with the functions below."""

    kind: str  # "loguniform", "uniform", "randint", "choice" or "grid"
    low: float = 0.0
    high: float = 0.0
    values: tuple[Any, ...] = ()

    def distribution(self) -> Any:
        """The Optuna distribution that samples this domain."""
        from optuna import distributions as d
        if self.kind in ("loguniform", "uniform"):
            return d.FloatDistribution(self.low, self.high, log=self.kind == "loguniform")
        if self.kind == "randint":
            return d.IntDistribution(int(self.low), int(self.high) - 1)
        return d.CategoricalDistribution(self.values)


def _bounds(name: str, low: Any, high: Any, positive: bool = False) -> tuple[float, float]:
    for arg, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise TypeError(f"{name}: {arg} must be a finite number, got {value!r}")
    if positive and low <= 0:
        raise ValueError(f"{name}: low must be positive (a log scale), got {low!r}")
    if not low < high:
        raise ValueError(f"{name}: expected low < high, got low={low!r}, high={high!r}")
    return float(low), float(high)


def loguniform(low: float, high: float) -> Domain:
    """A float whose logarithm is uniform in [log low, log high] (learning rates, decays)."""
    return Domain("loguniform", *_bounds("loguniform", low, high, positive=True))


def uniform(low: float, high: float) -> Domain:
    """A float uniform in [low, high] (dropout, momentum)."""
    return Domain("uniform", *_bounds("uniform", low, high))


def randint(low: int, high: int) -> Domain:
    """An int in [low, high), like ``torch.randint`` and ``numpy``: high is excluded."""
    for arg, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"randint: {arg} must be an int, got {value!r}")
    return Domain("randint", *_bounds("randint", low, high))


def _values(name: str, values: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{name}: expected a non-empty list of values, got {values!r}")
    for v in values:
        if not isinstance(v, _PLAIN):
            raise TypeError(f"{name}: values must be None, bool, int, float or str (they are "
                            f"stored in the study's database), got {v!r}; choose an index "
                            f"or a name and build the object from it in the trainable")
    return tuple(values)


def choice(values: Sequence[Any]) -> Domain:
    """One of ``values``, drawn by the search (each equally likely for random search)."""
    return Domain("choice", values=_values("choice", values))


def grid(values: Sequence[Any]) -> Domain:
    """Every one of ``values`` in turn: grid search tries all combinations of the grids."""
    return Domain("grid", values=_values("grid", values))


def split(space: Mapping[str, Any]) -> tuple[dict[str, Domain], dict[str, Any]]:
    """The searched domains and the constants of a space."""
    if not isinstance(space, Mapping):
        raise TypeError(f"run: space must be a dict of names to domains, got "
                        f"{type(space).__name__}")
    domains = {k: v for k, v in space.items() if isinstance(v, Domain)}
    constants = {k: v for k, v in space.items() if not isinstance(v, Domain)}
    return domains, constants


def grid_size(domains: Mapping[str, Domain]) -> int:
    """Number of points of the grid (product of the grids' and choices' sizes)."""
    return math.prod(len(d.values) for d in domains.values())
