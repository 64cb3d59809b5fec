"""Tensors print exactly as PyTorch prints them.

Every test compares text: ``repr`` of a tinygrad_edu tensor with ``repr`` of a torch tensor
holding the same values, character for character (the dtype suffix included: both print
``dtype=torch.float64``). Fixed cases cover each rule of the formatter (int mode, fixed,
scientific, nan/inf, negative zero, wrapping, summarising, empty and 0-d tensors, the
suffixes); hypothesis then draws shapes, dtypes, magnitudes from 1e-30 to 1e30 and print
options. ``tensor_repr`` is also tested directly on numpy arrays of every dtype torch has a
numpy twin for, so the text is right for the small dtypes whatever the Tensor keeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.tensor.printing import get_printoptions, tensor_repr

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(15)

FIXED_CASES: dict[str, Any] = {
    "int mode": np.array([1.0, 2.0, -3.0], np.float32),
    "fixed": np.array([0.1, 0.123456, -2.5], np.float32),
    "sci small": np.array([1e-5, 1.0], np.float32),
    "sci ratio": np.array([0.5, 1e3 * 0.6], np.float32),
    "ratio just under 1000": np.array([1.0, 999.0], np.float32),
    "sci big": np.array([123456789.0], np.float64),
    "sci int mode": np.array([1e10, 1.0, -7.0]),
    "at 1e-4": np.array([0.0001], np.float32),
    "under 1e-4": np.array([0.00009], np.float32),
    "between 1e-5 and 1e-4": np.array([0.00005, 0.00009], np.float32),
    "over 1e8": np.array([1.5e8, 2e8]),
    "at 1e8": np.array([1e8, 2e7]),
    "ratio 1000": np.array([0.002, 2.0]),
    "nan inf": np.array([np.nan, 1.0, np.inf, -np.inf], np.float32),
    "only nan": np.array([np.nan], np.float32),
    "nan fixed": np.array([1.5, np.nan], np.float32),
    "nan sci": np.array([[np.nan, 1e6], [2.0, -3.0]]),
    "negative zero": np.array([-0.0, 0.0], np.float32),
    "negative zero fixed": np.array([-0.0, 0.5], np.float32),
    "0-d": np.array(3.5, np.float32),
    "0-d negative zero": np.array(-0.0, np.float32),
    "0-d int": np.array(5),
    "0-d bool": np.array(True),
    "0-d float64": np.array(2.0),
    "denormal": np.array([1e-40, 1.0], np.float32),
    "huge": np.full((3,), 1e20, np.float32),
    "zeros and a big one": np.array([0.0, 0.5, 1e4]),
    "bool": np.array([[True, False], [False, True]]),
    "int": np.array([[1, 2], [300, -4]]),
    "int32": np.array([1, 2], np.int32),
    "empty": np.array([], np.float32),
    "empty 0x3": np.zeros((0, 3), np.float32),
    "empty int64": np.zeros((0,), np.int64),
    "empty bool 2x0": np.zeros((2, 0), np.bool_),
    "empty float64": np.zeros((1, 0, 2)),
    "wrapped vector": RNG.standard_normal(30).astype(np.float32),
    "wrapped ints": RNG.integers(-10**6, 10**6, 50),
    "3-d": RNG.standard_normal((3, 4, 5)),
    "4-d sci": (RNG.standard_normal((2, 3, 4, 5)) * 1e5).astype(np.float32),
    "summarised vector": np.arange(2000, dtype=np.float32),
    "summarised ints": np.arange(2000),
    "summarised matrix": RNG.standard_normal((50, 50)).astype(np.float32),
    "summarised 3-d": RNG.standard_normal((40, 40, 40)).astype(np.float32),
    "just over threshold": RNG.standard_normal(1001).astype(np.float32),
    "at threshold": (RNG.standard_normal(1000) * 100).astype(np.float32),
    "wide rows": RNG.standard_normal((3, 30)).astype(np.float32) * 1e3,
}

OPTION_SETS = [
    {"precision": 2}, {"precision": 0}, {"precision": 8}, {"profile": "short"},
    {"profile": "full"}, {"sci_mode": True}, {"sci_mode": False}, {"threshold": 5},
    {"edgeitems": 0, "threshold": 5}, {"edgeitems": 1, "threshold": 3}, {"linewidth": 40},
    {"linewidth": 10}, {"profile": "short", "precision": 6},
]


@pytest.fixture(autouse=True)
def _default_print_options() -> Iterator[None]:
    """Every test starts and ends with the default options in both libraries."""
    tg.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    yield
    tg.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def _both(**options: Any) -> None:
    tg.set_printoptions(**options)
    torch.set_printoptions(**options)


def assert_same_repr(a: np.ndarray) -> None:
    ours, theirs = repr(tg.tensor(a)), repr(torch.tensor(a))
    assert ours == theirs, f"\nours:\n{ours}\ntorch:\n{theirs}"


@pytest.mark.parametrize("name", list(FIXED_CASES))
def test_repr_matches_torch(name: str) -> None:
    assert_same_repr(FIXED_CASES[name])


@pytest.mark.parametrize("options", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
def test_repr_matches_torch_under_print_options(options: dict[str, Any]) -> None:
    _both(**options)
    for a in FIXED_CASES.values():
        assert_same_repr(a)


def test_str_is_repr_and_format_of_a_tensor() -> None:
    a = np.array([[1.5, -2.0], [3.0, 4.25]], np.float32)
    assert str(tg.tensor(a)) == str(torch.tensor(a))
    assert f"{tg.tensor(a)}" == f"{torch.tensor(a)}"
    assert f"{tg.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "uint8", "int8", "int16",
                                   "int32", "int64", "bool"])
def test_tensor_repr_of_every_numpy_dtype(dtype: str) -> None:
    """The printing function itself, on arrays of each dtype (torch.from_numpy shares them)."""
    values = np.array([[0.0, 1.5, -2.25, 100.0], [3.0, 7.0, 11.0, 120.0]])
    for a in (values, values[:, :1], values / 7, values * 1e-3, np.zeros((0, 2)), values[0, 1]):
        arr = a.astype(dtype) if dtype != "uint8" else np.abs(a).astype(dtype)
        assert tensor_repr(arr, None, False) == repr(torch.from_numpy(np.asarray(arr)))


def test_bfloat16_prints_like_torch() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    values = np.array([0.1, 1.5, -300.0, 1e-5], np.float32)
    ours = tensor_repr(values.astype(ml_dtypes.bfloat16), None, False)
    assert ours == repr(torch.tensor(values).to(torch.bfloat16))


def test_requires_grad_and_grad_fn_suffixes() -> None:
    for a in (np.array([1.0, 2.0], np.float32), np.array(0.5, np.float32),
              RNG.standard_normal((4, 19)).astype(np.float32), np.array([1e-8, 1.0])):
        assert repr(tg.tensor(a, requires_grad=True)) == \
            repr(torch.tensor(a, requires_grad=True))
        # the node's name comes from the autograd engine; here the suffix text and wrapping
        theirs = torch.tensor(a, requires_grad=True).clone()
        assert tensor_repr(a, "CloneBackward0", True) == repr(theirs)


def test_grad_fn_suffix_of_computed_tensors() -> None:
    """End to end: graph nodes carry torch's names, so the suffix reads the same."""
    a = RNG.standard_normal((4, 19)).astype(np.float32)
    ours, theirs = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    # ops whose float32 results are exact, so that only the text can differ
    for fn in (lambda t: t * 2, lambda t: t + 1, lambda t: (t * 0).sum(), lambda t: t[0],
               lambda t: t.double() * 1e5, lambda t: t.reshape(2, 38)):
        assert repr(fn(ours)) == repr(fn(theirs))


def test_suffixes_wrap_onto_a_new_line_like_torch() -> None:
    # a last line of 74 characters leaves no room for ", dtype=torch.float64)"
    for n in range(1, 12):
        a = np.arange(n, dtype=np.float64) + 0.5
        assert_same_repr(a)
        theirs = torch.tensor(a, requires_grad=True).clone()
        assert tensor_repr(a, "CloneBackward0", True) == repr(theirs)


def test_parameter_repr() -> None:
    for a in (np.array([1.0, -2.0], np.float32), RNG.standard_normal((3, 5)).astype(np.float32)):
        assert repr(tg.nn.Parameter(tg.tensor(a))) == repr(torch.nn.Parameter(torch.tensor(a)))
        assert repr(tg.nn.Parameter(tg.tensor(a), requires_grad=False)) == \
            repr(torch.nn.Parameter(torch.tensor(a), requires_grad=False))
    layer = tg.nn.Linear(3, 2)
    assert repr(layer.weight).startswith("Parameter containing:\ntensor([[")
    assert repr(layer.weight).endswith(", requires_grad=True)")


def test_set_printoptions_profiles_and_reset() -> None:
    a = np.array([1.123456, 2.0, 3.0, 4.0, 5.0], np.float32)
    for profile in ("short", "full", "default"):
        _both(profile=profile)
        assert_same_repr(a)
    _both(precision=1)
    _both(sci_mode=True)  # a call without precision keeps it (and sets sci_mode)
    assert_same_repr(a)
    _both(precision=3)  # ... and a call without sci_mode resets sci_mode to None
    assert_same_repr(a)
    assert get_printoptions() == {"precision": 3, "threshold": 1000, "edgeitems": 3,
                                  "linewidth": 80, "sci_mode": None}


def test_set_printoptions_bad_input() -> None:
    with pytest.raises(ValueError, match="set_printoptions.*profile.*'long'"):
        tg.set_printoptions(profile="long")
    with pytest.raises(TypeError, match="set_printoptions: precision"):
        tg.set_printoptions(precision="4")
    with pytest.raises(TypeError, match="set_printoptions: sci_mode"):
        tg.set_printoptions(sci_mode="yes")


# ----------------------------------------------------------------------------- hypothesis

DTYPES = ["float32", "float64", "int64", "int32", "bool", "float16", "uint8", "int8", "int16"]


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    """Random shapes (some over the threshold), dtypes and magnitudes, with nan/inf/-0.0."""
    ndim = draw(st.integers(0, 4))
    big = draw(st.booleans()) and ndim > 0
    sizes = st.integers(0, 25 if big and ndim <= 2 else 6)
    shape = tuple(draw(st.lists(sizes, min_size=ndim, max_size=ndim)))
    if big and ndim == 1:
        shape = (draw(st.integers(990, 1200)),)
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        return rng.random(n).reshape(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        hi = min(10 ** draw(st.integers(0, 18)), int(info.max))
        lo = max(-hi, int(info.min))
        return rng.integers(lo, hi, n, dtype=np.int64, endpoint=True).astype(dtype).reshape(shape)
    if draw(st.booleans()):  # magnitudes anywhere from 1e-30 to 1e30, mixed
        lo_exp = draw(st.integers(-30, 30))
        hi_exp = draw(st.integers(lo_exp, min(lo_exp + 40, 30)))
        with np.errstate(over="ignore", invalid="ignore"):
            values = rng.standard_normal(n) * 10.0 ** rng.integers(lo_exp, hi_exp + 1, n)
    else:  # a narrow band: near the rules' edges (ratio 1000, 1e8, 1e-4)
        low = draw(st.floats(-6.0, 10.0))
        spread = draw(st.floats(0.0, 4.0))
        values = 10.0 ** rng.uniform(low, low + spread, n) * rng.choice([-1.0, 1.0], n)
    if draw(st.booleans()):
        values = np.round(values)  # whole numbers: int mode
    specials = draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf, -0.0, 0.0]),
                             max_size=4))
    if n and specials:
        idx = rng.integers(0, n, len(specials))
        values[idx] = specials
    with np.errstate(over="ignore", invalid="ignore"):  # too big for float16: inf
        return values.astype(dtype).reshape(shape)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=arrays())
def test_repr_matches_torch_hypothesis(a: np.ndarray) -> None:
    assert_same_repr(a)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=arrays(), precision=st.integers(0, 8), threshold=st.integers(1, 1500),
       edgeitems=st.integers(0, 4), linewidth=st.integers(10, 200),
       sci_mode=st.sampled_from([None, True, False]))
def test_repr_matches_torch_with_random_print_options(a: np.ndarray, precision: int,
                                                      threshold: int, edgeitems: int,
                                                      linewidth: int,
                                                      sci_mode: bool | None) -> None:
    try:
        _both(precision=precision, threshold=threshold, edgeitems=edgeitems,
              linewidth=linewidth, sci_mode=sci_mode)
        assert_same_repr(a)
    finally:
        _both(profile="default")


def test_dtype_suffix_follows_the_default_dtype() -> None:
    """With float64 as the default, float64 tensors print bare and float32 ones get a suffix."""
    before_tg, before_torch = tg.get_default_dtype(), torch.get_default_dtype()
    try:
        tg.set_default_dtype(tg.float64)
        torch.set_default_dtype(torch.float64)
        for a in (np.array([1.5, 2.0]), np.array([1.5, 2.0], np.float32), np.zeros((0,)),
                  np.zeros((0,), np.float32), np.array([1, 2])):
            assert_same_repr(a)
    finally:
        tg.set_default_dtype(before_tg)
        torch.set_default_dtype(before_torch)
