"""Random number generation: PyTorch's CPU generator, bit for bit.

After ``tg.manual_seed(s)``, ``tg.rand``, ``randn``, ``randint``, ``randperm``, ``normal_``,
``uniform_``, ``bernoulli``, ``multinomial``, ``exponential_``, ``random_``, ``cauchy_``,
``log_normal_``, ``geometric_``, ``torch.normal``, the ``*_like`` functions, dropout masks, the
``nn.init`` functions, the default initialisation of the layers and the DataLoader's shuffling
give the same numbers as PyTorch 2.13 on the CPU after ``torch.manual_seed(s)``, value for
value, in float32 and float64. A student who types the code of a tutorial sees the numbers
printed on its page.

How PyTorch makes its numbers (and so how we do):

* One stream of 32-bit words from a Mersenne Twister (mt19937). ``manual_seed(s)`` fills the
  twister's 624 words from the low 32 bits of ``s`` with the classic ``init_genrand`` rule
  (numpy's ``MT19937`` bit generator then produces the very same words, fast, in blocks).
  A "64-bit draw" is two words, the first one the high half.
* Each distribution turns words into numbers (``random_dist.py``): a float32 uniform keeps 24
  bits of one word, a float64 uniform 53 bits of a 64-bit draw; normals use Box-Muller;
  integers take a remainder. The details (which path for which size, the rounding of each
  step) are what makes the numbers equal, and each is verified against torch in
  ``tests/torch_api/test_seed_parity.py``.
* The generator also remembers the second normal of its last Box-Muller pair (PyTorch's
  small-tensor ``normal_`` uses it on the next call), so the state is (twister, cached normal).

``get_state`` gives PyTorch's 5056-byte state layout (a numpy uint8 array here; PyTorch gives
a ByteTensor, as does ``tg.get_rng_state()``), so a state saved by one library restores in the
other.

Where the match is not exact, or depends on the machine:

* PyTorch's own float32 ``randn`` for 16 or more numbers depends on its CPU dispatch: we follow
  its AVX2/AVX512 kernel (every current x86 machine); PyTorch without AVX2 (e.g. on ARM) gives
  other last bits, so the numbers there differ slightly from ours (and from x86 PyTorch).
* ``nn.init.orthogonal_`` agrees to rounding only: the QR factorisation is numpy's.
* ``nn.init.trunc_normal_`` with a narrow [a, b] (its rejection sampler) compares with numpy's
  float32 ``log``, which can differ from PyTorch's in the last bit; a draw exactly at the
  edge could then be accepted differently (never seen in the tests).
* The fused multiply-adds come from Numba's compiled loops: under ``NUMBA_DISABLE_JIT=1`` some
  values differ in the last bit.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import dtypes

DEFAULT_SEED = 67280421310721  # the seed of a fresh torch.Generator
STATE_BYTES = 5056  # sizeof(CPUGeneratorImplState) in PyTorch
_MT_N = 624
U64 = NDArray[np.uint64]


def mt19937_key(seed: int) -> NDArray[np.uint32]:
    """The 624 words of a freshly seeded Mersenne Twister (``init_genrand``, 32-bit seed).

    word[0] = seed; word[i] = 1812433253 * (word[i-1] ^ (word[i-1] >> 30)) + i  (mod 2**32).
    """
    key = np.empty(_MT_N, dtype=np.uint32)
    word = seed & 0xFFFFFFFF
    key[0] = word
    for i in range(1, _MT_N):
        word = (1812433253 * (word ^ (word >> 30)) + i) & 0xFFFFFFFF
        key[i] = word
    return key


def _check_seed(seed: Any, name: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{name}: expected an int seed, got {seed!r} ({type(seed).__name__})")
    if not -2**63 <= int(seed) < 2**64:
        raise ValueError(f"{name}: seed must be in [-2**63, 2**64), got {seed}")
    return int(seed) % 2**64


class Generator:
    """A random number generator: PyTorch's ``torch.Generator`` for the CPU, same stream.

    Example:
        >>> import tinygrad_edu as tg
        >>> g = tg.Generator().manual_seed(0)
        >>> tg.rand(2, generator=g)
        tensor([0.4963, 0.7682])
    """

    def __init__(self, device: Any = "cpu") -> None:
        dtypes.check_device(device, "Generator")
        self._bits = np.random.MT19937()
        self.manual_seed(DEFAULT_SEED)

    @property
    def device(self) -> dtypes.device:
        """Where the generator lives: always the CPU here."""
        return dtypes.device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream to a fixed seed; returns the generator.

        Like PyTorch, any int from -2**63 to 2**64 - 1 is accepted; a negative seed counts
        from 2**64 (so -1 and 2**64 - 1 give the same stream). The twister uses the low 32
        bits, as PyTorch's does.
        """
        self._seed = _check_seed(seed, "manual_seed")
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": mt19937_key(self._seed), "pos": _MT_N}}
        self._fresh = True  # no word drawn since seeding (PyTorch's state tells it apart)
        self.next_normal: float | None = None  # the cached second normal of a pair
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy (53 bits, as PyTorch); returns the seed."""
        seed = int.from_bytes(os.urandom(8), "little") & (2**53 - 1)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    # -- the raw stream -------------------------------------------------------------------

    def random32(self, n: int) -> U64:
        """The next ``n`` 32-bit words of the stream (as uint64, ready for arithmetic)."""
        self._fresh = self._fresh and n == 0
        return self._bits.random_raw(n).astype(np.uint64, copy=False)

    def random64(self, n: int) -> U64:
        """The next ``n`` 64-bit draws, each two words: (first << 32) | second."""
        words = self.random32(2 * n)
        return (words[0::2] << np.uint64(32)) | words[1::2]

    # -- state ----------------------------------------------------------------------------

    def get_state(self) -> NDArray[np.uint8]:
        """The state as PyTorch's 5056 bytes (``torch.Generator.get_state`` gives the same).

        The layout: seed (u64), left (i32), seeded (i32), next (u64), the 624 twister words
        (as u64), three doubles of which the second is the cached normal, a valid flag (i32),
        then a float cache PyTorch's CPU kernels never fill, and its flag.
        """
        state = self._bits.state["state"]
        pos = int(state["pos"])
        nxt = 0 if self._fresh else pos
        cached = self.next_normal
        out = bytearray(STATE_BYTES)
        struct.pack_into("<QiiQ", out, 0, self._seed, _MT_N + 1 - pos if pos < _MT_N else 1,
                         1, nxt)
        out[24:24 + 8 * _MT_N] = np.asarray(state["key"], dtype=np.uint64).tobytes()
        struct.pack_into("<dddi", out, 24 + 8 * _MT_N, 0.0, cached or 0.0, 0.0,
                         int(cached is not None))
        return np.frombuffer(bytes(out), dtype=np.uint8).copy()

    def set_state(self, state: Any) -> Generator:
        """Restore a state from ``get_state`` (ours or PyTorch's bytes); returns the generator."""
        raw = np.asarray(state) if hasattr(state, "__array__") else None
        if raw is None or raw.dtype != np.uint8:
            got = type(state).__name__ if raw is None else f"an array of {raw.dtype}"
            raise TypeError(f"set_state: RNG state must be a ByteTensor (uint8 bytes from "
                            f"get_state), got {got}")
        raw = raw.reshape(-1)
        if raw.size != STATE_BYTES:
            raise RuntimeError(f"set_state: expected a state of {STATE_BYTES} bytes (from "
                               f"get_state), got {raw.size}")
        data = raw.tobytes()
        seed, _left, _seeded, nxt = struct.unpack_from("<QiiQ", data, 0)
        key = np.frombuffer(data, dtype=np.uint64, count=_MT_N, offset=24)
        _, cached, _, valid = struct.unpack_from("<dddi", data, 24 + 8 * _MT_N)
        self._seed = seed
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": key.astype(np.uint32), "pos": nxt or _MT_N}}
        self._fresh = nxt == 0
        self.next_normal = cached if valid else None
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_edu.Generator (cpu), initial_seed={self._seed}>"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator so that random tensors and dropout masks repeat.

    Like ``torch.manual_seed``, a float seed counts as its integer part (``int(seed)``).
    """
    if isinstance(seed, float | np.floating):
        seed = int(seed)
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the global generator."""
    return default_generator.initial_seed()


@contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, **_: Any) -> Iterator[None]:
    """Run a block with the global generator's state restored afterwards (``torch.random``)."""
    state = default_generator.get_state() if enabled else None
    try:
        yield
    finally:
        if state is not None:
            default_generator.set_state(state)


def get_generator(generator: Generator | None = None, name: str = "random") -> Generator:
    """``generator``, or the global one when None (a clear error for anything else)."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"{name}: generator must be a tinygrad_edu Generator, got "
                        f"{type(generator).__name__}")
    return generator
