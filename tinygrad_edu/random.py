"""Random number generation: one global generator, seeded by ``manual_seed``.

Everything random in tinygrad_edu (``rand``, ``randn``, init functions, dropout masks, data
shuffling) draws from ``default_generator`` unless given a ``Generator``, so one
``tg.manual_seed(0)`` makes a whole run repeatable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes


class Generator:
    """A random number generator (PyTorch's ``torch.Generator``) over numpy's PCG64.

    Example:
        >>> import tinygrad_edu as tg
        >>> g = tg.Generator().manual_seed(0)
        >>> tg.rand(2, generator=g).shape
        torch.Size([2])
    """

    def __init__(self, device: Any = "cpu") -> None:
        dtypes.check_device(device, "Generator")
        self._seed = 0
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream to a fixed seed; returns the generator.

        Like PyTorch, any int from -2**63 to 2**64 - 1 is accepted; a negative seed counts
        from 2**64 (so -1 and 2**64 - 1 give the same stream).
        """
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise TypeError(f"manual_seed: expected an int seed, got {seed!r} "
                            f"({type(seed).__name__})")
        if not -2**63 <= int(seed) < 2**64:
            raise ValueError(f"manual_seed: seed must be in [-2**63, 2**64), got {seed}")
        self._seed = int(seed) % 2**64
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The generator's state (a dict), for ``set_state``."""
        return self.rng.bit_generator.state

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a state returned by ``get_state``."""
        self.rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator so that random tensors and dropout masks repeat."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed of the global generator."""
    return default_generator.initial_seed()


def numpy_rng(generator: Generator | None = None) -> np.random.Generator:
    """The numpy generator behind ``generator`` (the global one when None)."""
    return (generator or default_generator).rng
