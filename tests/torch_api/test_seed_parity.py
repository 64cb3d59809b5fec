"""Same seed, same numbers as PyTorch: every random function, value for value.

Each test seeds both libraries, runs the same calls in the same order on both, and compares
the results exactly (``np.array_equal``, dtypes too): the numbers AND the generator's state
after each call must agree, since a sequence of calls only matches if every call consumes
exactly the words PyTorch's does. Sizes cover both sides of PyTorch's switches (16 for normals,
2**32 for integer ranges), float32 and float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader, TensorDataset, random_split
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 42, 2**32 + 7, -5]
SIZES = [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 100, 1000]
FLOATS = [(tg.float32, torch.float32), (tg.float64, torch.float64)]


def same(ours, theirs) -> None:
    """Exactly equal values, shape and dtype."""
    a = ours.detach().numpy() if isinstance(ours, tg.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert np.array_equal(a, b, equal_nan=True), f"{a.ravel()[:6]} != {b.ravel()[:6]}"


def seed_both(s: int) -> None:
    tg.manual_seed(s)
    torch.manual_seed(s)


def same_state() -> None:
    """The generators are in the same state (PyTorch's 5056-byte layout)."""
    np.testing.assert_array_equal(tg.default_generator.get_state(),
                                  torch.get_rng_state().numpy())


# -- rand, randn, randint, randperm --------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("ours_dt", "torch_dt"), FLOATS)
def test_rand_and_randn_every_size_in_sequence(seed, ours_dt, torch_dt):
    seed_both(seed)
    for n in SIZES:
        same(tg.rand(n, dtype=ours_dt), torch.rand(n, dtype=torch_dt))
        same(tg.randn(n, dtype=ours_dt), torch.randn(n, dtype=torch_dt))
        same_state()
    same(tg.randn(3, 4, 5, dtype=ours_dt), torch.randn(3, 4, 5, dtype=torch_dt))
    same(tg.rand((2, 9), dtype=ours_dt), torch.rand((2, 9), dtype=torch_dt))


def test_randn_small_uses_the_cached_second_normal():
    seed_both(3)
    for n in (1, 1, 3, 5, 2, 1, 20, 1):  # odd sizes leave a normal cached for the next call
        same(tg.randn(n), torch.randn(n))
        same(tg.randn(n, dtype=tg.float64), torch.randn(n, dtype=torch.float64))
        same_state()


def test_randn_large():
    seed_both(0)
    same(tg.randn(100_003), torch.randn(100_003))
    same(tg.randn(50_001, dtype=tg.float64), torch.randn(50_001, dtype=torch.float64))
    same_state()


def test_first_numbers_a_tutorial_prints():
    tg.manual_seed(0)
    np.testing.assert_allclose(tg.rand(3).numpy(), [0.4963, 0.7682, 0.0885], atol=1e-4)
    tg.manual_seed(0)
    np.testing.assert_allclose(tg.randn(3).numpy(), [1.5410, -0.2934, -2.1788], atol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_forms(seed):
    seed_both(seed)
    same(tg.randint(10, (20,)), torch.randint(10, (20,)))
    same(tg.randint(-3, 17, (4, 5)), torch.randint(-3, 17, (4, 5)))
    same(tg.randint(0, 2**40, (30,)), torch.randint(0, 2**40, (30,)))  # 64-bit draws
    same(tg.randint(-2**62, 2**62, (30,)), torch.randint(-2**62, 2**62, (30,)))
    same(tg.randint(0, 7, (9,), dtype=tg.int32), torch.randint(0, 7, (9,), dtype=torch.int32))
    same(tg.randint(0, 7, (9,), dtype=tg.float32), torch.randint(0, 7, (9,), dtype=torch.float32))
    same(tg.randint(low=2, high=5, size=(6,)), torch.randint(low=2, high=5, size=(6,)))
    same_state()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 17, 1000, 200_000])
def test_randperm(n):
    seed_both(n)
    same(tg.randperm(n), torch.randperm(n))
    same(tg.randperm(n), torch.randperm(n))
    same_state()


def test_like_variants():
    seed_both(11)
    for ours_dt, torch_dt in FLOATS:
        x, y = tg.zeros(4, 5, dtype=ours_dt), torch.zeros(4, 5, dtype=torch_dt)
        same(tg.rand_like(x), torch.rand_like(y))
        same(tg.randn_like(x), torch.randn_like(y))
        same(tg.randint_like(x, 10), torch.randint_like(y, 10))
        same(tg.randint_like(x, 3, 10), torch.randint_like(y, 3, 10))
    same(tg.randint_like(tg.zeros(7, dtype=tg.int64), 5),
         torch.randint_like(torch.zeros(7, dtype=torch.int64), 5))
    same_state()


# -- in-place fills ------------------------------------------------------------------------

@pytest.mark.parametrize(("ours_dt", "torch_dt"), FLOATS)
@pytest.mark.parametrize("n", [3, 15, 16, 17, 40, 999])
def test_normal_uniform_exponential_random_in_place(ours_dt, torch_dt, n):
    seed_both(n)
    x, y = tg.zeros(n, dtype=ours_dt), torch.zeros(n, dtype=torch_dt)
    same(x.normal_(0.5, 2.0), y.normal_(0.5, 2.0))
    same(x.normal_(), y.normal_())
    same(x.uniform_(-0.37, 0.91), y.uniform_(-0.37, 0.91))
    same(x.uniform_(), y.uniform_())
    same(x.exponential_(2.5), y.exponential_(2.5))
    same(x.random_(), y.random_())
    same(x.random_(10), y.random_(10))
    same(x.random_(-4, 4), y.random_(-4, 4))
    same_state()


@pytest.mark.parametrize(("ours_dt", "torch_dt"), FLOATS)
@pytest.mark.parametrize("n", [5, 16, 333])
def test_cauchy_log_normal_geometric(ours_dt, torch_dt, n):
    seed_both(n)
    x, y = tg.zeros(n, dtype=ours_dt), torch.zeros(n, dtype=torch_dt)
    same(x.cauchy_(0.5, 2.0), y.cauchy_(0.5, 2.0))
    same(x.log_normal_(), y.log_normal_())
    same(x.log_normal_(0.2, 0.5), y.log_normal_(0.2, 0.5))
    same(x.geometric_(0.3), y.geometric_(0.3))
    same(tg.zeros(n, dtype=tg.int64).geometric_(0.05), torch.zeros(n, dtype=torch.int64)
         .geometric_(0.05))
    same_state()


def test_random_on_integer_and_bool_tensors():
    seed_both(5)
    for ours_dt, torch_dt in [(tg.int64, torch.int64), (tg.int32, torch.int32),
                              (tg.bool, torch.bool)]:
        x, y = tg.zeros(9, dtype=ours_dt), torch.zeros(9, dtype=torch_dt)
        same(x.random_(), y.random_())
        if ours_dt is not tg.bool:
            same(x.random_(100), y.random_(100))
            same(x.random_(-50, 2**20), y.random_(-50, 2**20))
    same_state()


def test_normal_on_a_transposed_view_uses_the_one_at_a_time_path():
    seed_both(2)
    x, y = tg.zeros(8, 4), torch.zeros(8, 4)
    same(x.t().normal_(), y.t().normal_())
    same_state()


# -- torch.normal forms --------------------------------------------------------------------

@pytest.mark.parametrize(("ours_dt", "torch_dt"), FLOATS)
def test_torch_normal_forms(ours_dt, torch_dt):
    seed_both(8)
    m = np.linspace(-2, 2, 20).reshape(4, 5)
    s = np.linspace(0.1, 3, 20).reshape(4, 5)
    mt, st = tg.tensor(m, dtype=ours_dt), tg.tensor(s, dtype=ours_dt)
    mT, sT = torch.tensor(m, dtype=torch_dt), torch.tensor(s, dtype=torch_dt)
    same(tg.normal(mt, st), torch.normal(mT, sT))
    same(tg.normal(mt[0], st), torch.normal(mT[0], sT))  # broadcast
    same(tg.normal(mt), torch.normal(mT))
    same(tg.normal(mt, 0.5), torch.normal(mT, 0.5))
    same(tg.normal(1.5, st), torch.normal(1.5, sT))
    same(tg.normal(2.0, 3.0, size=(3, 7), dtype=ours_dt),
         torch.normal(2.0, 3.0, size=(3, 7), dtype=torch_dt))
    same(tg.normal(2.0, 3.0, (30,)), torch.normal(2.0, 3.0, (30,)))
    same_state()


# -- bernoulli and multinomial -------------------------------------------------------------

@pytest.mark.parametrize(("ours_dt", "torch_dt"), FLOATS)
@pytest.mark.parametrize("n", [5, 16, 1000, 5000])
def test_bernoulli_forms(ours_dt, torch_dt, n):
    seed_both(n)
    p = np.linspace(0, 1, n)
    pt, pT = tg.tensor(p, dtype=ours_dt), torch.tensor(p, dtype=torch_dt)
    same(tg.bernoulli(pt), torch.bernoulli(pT))
    same(pt.bernoulli(), pT.bernoulli())
    same(tg.bernoulli(pt, 0.3), torch.bernoulli(pT, 0.3))
    same(pt.bernoulli(0.7), pT.bernoulli(0.7))
    x, y = tg.zeros(n, dtype=ours_dt), torch.zeros(n, dtype=torch_dt)
    same(x.bernoulli_(0.25), y.bernoulli_(0.25))
    same(x.bernoulli_(), y.bernoulli_())
    same(x.bernoulli_(pt), y.bernoulli_(pT))
    same_state()


@pytest.mark.parametrize(("ours_dt", "torch_dt"), FLOATS)
def test_multinomial(ours_dt, torch_dt):
    seed_both(4)
    w = np.random.default_rng(0).random((3, 12))
    w[1, 3] = 0.0
    wt, wT = tg.tensor(w, dtype=ours_dt), torch.tensor(w, dtype=torch_dt)
    for k in (1, 3, 11):
        same(tg.multinomial(wt, k), torch.multinomial(wT, k))
        same(wt[0].multinomial(k), wT[0].multinomial(k))
    for k in (1, 5, 40):
        same(tg.multinomial(wt, k, replacement=True), torch.multinomial(wT, k, replacement=True))
        same(wt[2].multinomial(k, True), wT[2].multinomial(k, True))
    same_state()


def test_multinomial_errors_like_torch():
    w = tg.tensor([0.2, 0.8])
    with pytest.raises(RuntimeError, match="without replacement"):
        w.multinomial(3)
    with pytest.raises(RuntimeError, match="sum of probabilities"):
        tg.zeros(3).multinomial(1)
    with pytest.raises(RuntimeError, match="1 or 2 dim"):
        tg.ones(2, 2, 2).multinomial(1)


# -- generators, seeds, state --------------------------------------------------------------

def test_generator_objects_and_generator_arguments():
    g, G = tg.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    seed_both(0)  # the global generators must be left alone
    same(tg.rand(5, generator=g), torch.rand(5, generator=G))
    same(tg.randn(20, generator=g), torch.randn(20, generator=G))
    same(tg.randint(0, 9, (4,), generator=g), torch.randint(0, 9, (4,), generator=G))
    same(tg.randperm(12, generator=g), torch.randperm(12, generator=G))
    same(tg.zeros(6).normal_(generator=g), torch.zeros(6).normal_(generator=G))
    same(tg.zeros(6).uniform_(generator=g), torch.zeros(6).uniform_(generator=G))
    same(tg.zeros(6).bernoulli_(0.5, generator=g), torch.zeros(6).bernoulli_(0.5, generator=G))
    same(tg.ones(6).multinomial(2, generator=g), torch.ones(6).multinomial(2, generator=G))
    np.testing.assert_array_equal(g.get_state(), G.get_state().numpy())
    same(tg.rand(3), torch.rand(3))  # the global stream did not move


def test_initial_seed_and_fresh_generators():
    assert tg.Generator().initial_seed() == torch.Generator().initial_seed()
    np.testing.assert_array_equal(tg.Generator().get_state(), torch.Generator().get_state())
    for s in (0, 2**64 - 1, -1, 2**63):
        tg.manual_seed(s)
        torch.manual_seed(s)
        assert tg.initial_seed() == torch.initial_seed()
        same_state()


def test_generator_device_and_bad_generators():
    assert tg.Generator().device == tg.device("cpu")
    with pytest.raises(TypeError, match="generator"):
        tg.rand(2, generator="not a generator")
    with pytest.raises(TypeError, match="seed"):
        tg.Generator().manual_seed(1.5)
    with pytest.raises(TypeError, match="seed"):
        tg.manual_seed("a")
    tg.manual_seed(7.9)  # torch.manual_seed takes int(seed)
    torch.manual_seed(7.9)
    same_state()


@pytest.mark.parametrize(("ours", "theirs", "error"), [
    (lambda: tg.rand(3, dtype=tg.int64), lambda: torch.rand(3, dtype=torch.int64),
     NotImplementedError),
    (lambda: tg.zeros(3, dtype=tg.int64).normal_(), lambda: torch.zeros(3, dtype=torch.int64)
     .normal_(), NotImplementedError),
    (lambda: tg.zeros(3).uniform_(2, 1), lambda: torch.zeros(3).uniform_(2, 1), RuntimeError),
    (lambda: tg.zeros(3).normal_(0, -1), lambda: torch.zeros(3).normal_(0, -1), RuntimeError),
    (lambda: tg.zeros(3).bernoulli_(1.5), lambda: torch.zeros(3).bernoulli_(1.5), RuntimeError),
    (lambda: tg.bernoulli(tg.tensor([1.5])), lambda: torch.bernoulli(torch.tensor([1.5])),
     RuntimeError),
    (lambda: tg.randint(5, 5, (2,)), lambda: torch.randint(5, 5, (2,)), RuntimeError),
    (lambda: tg.randperm(-1), lambda: torch.randperm(-1), RuntimeError),
    (lambda: tg.zeros(3).exponential_(0), lambda: torch.zeros(3).exponential_(0), RuntimeError),
    (lambda: tg.normal(tg.zeros(2), -1.0), lambda: torch.normal(torch.zeros(2), -1.0),
     RuntimeError),
    (lambda: tg.normal(tg.zeros(2), -tg.ones(2)), lambda: torch.normal(torch.zeros(2),
                                                                       -torch.ones(2)),
     RuntimeError),
    (lambda: tg.zeros(3).random_(5, 2), lambda: torch.zeros(3).random_(5, 2), RuntimeError),
])
def test_bad_arguments_raise_like_torch(ours, theirs, error):
    with pytest.raises(error):
        theirs()
    with pytest.raises(error):
        ours()


def test_fork_rng_restores_the_stream():
    seed_both(4)
    with tg.random.fork_rng():
        tg.randn(50)
    same(tg.randn(5), torch.randn(5))


def test_seed_is_random_and_reported():
    a = tg.seed()
    assert tg.initial_seed() == a
    assert 0 <= a < 2**53
    b = tg.seed()
    assert a != b


def test_state_round_trip_and_exchange_with_torch():
    seed_both(9)
    tg.randn(5)  # leaves a cached normal
    torch.randn(5)
    state = tg.get_rng_state()
    same_state()
    first = tg.randn(7).numpy()
    tg.set_rng_state(state)
    np.testing.assert_array_equal(tg.randn(7).numpy(), first)
    # a state written by torch restores ours, and the other way round
    torch.set_rng_state(torch.tensor(tg.default_generator.get_state()))
    tg.set_rng_state(torch.get_rng_state().numpy())
    same(tg.randn(3), torch.randn(3))
    g = tg.Generator()
    g.set_state(tg.default_generator.get_state())
    same(tg.rand(4, generator=g), torch.rand(4))
    with pytest.raises(RuntimeError, match="5056"):
        g.set_state(np.zeros(3, dtype=np.uint8))
    for wrong in (np.zeros(5056, np.float32), [0] * 5056, None):  # torch: a ByteTensor only
        with pytest.raises(TypeError, match="set_state: RNG state must be a ByteTensor"):
            g.set_state(wrong)


# -- dropout -------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_masks(p):
    seed_both(1)
    x = np.random.default_rng(0).normal(size=(4, 6, 5)).astype(np.float32)
    xt, xT = tg.tensor(x), torch.tensor(x)
    same(F.dropout(xt, p), torch.nn.functional.dropout(xT, p))
    same(nn.Dropout(p).train()(xt), torch.nn.Dropout(p).train()(xT))
    same(F.dropout2d(xt[None], p), torch.nn.functional.dropout2d(xT[None], p))
    same(nn.Dropout(p).eval()(xt), torch.nn.Dropout(p).eval()(xT))  # no draw
    same(F.dropout(xt, 0.0), torch.nn.functional.dropout(xT, 0.0))  # no draw
    same(F.dropout(xt, 1.0), torch.nn.functional.dropout(xT, 1.0))  # no draw
    same(F.dropout(xt.double(), p), torch.nn.functional.dropout(xT.double(), p))
    same_state()


def test_dropout_gradient_uses_the_same_mask():
    seed_both(2)
    x = np.random.default_rng(1).normal(size=(30,)).astype(np.float32)
    xt, xT = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.dropout(xt, 0.4).sum().backward()
    torch.nn.functional.dropout(xT, 0.4).sum().backward()
    same(xt.grad, xT.grad)


# -- nn.init and default layer initialisation ----------------------------------------------

@pytest.mark.parametrize("shape", [(3, 2), (20, 30), (8, 3, 3, 3), (1, 17)])
def test_init_functions(shape):
    seed_both(0)
    pairs = [
        lambda i, t: i.uniform_(t, -0.3, 0.2), lambda i, t: i.normal_(t, 0.1, 0.02),
        lambda i, t: i.xavier_uniform_(t), lambda i, t: i.xavier_normal_(t, gain=2.0),
        lambda i, t: i.kaiming_uniform_(t, a=math.sqrt(5)),
        lambda i, t: i.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
        lambda i, t: i.trunc_normal_(t, std=0.02),
        lambda i, t: i.trunc_normal_(t, mean=0.0, std=1.0, a=-0.5, b=0.3),  # rejection sampler
    ]
    for fill in pairs:
        ours, theirs = tg.zeros(*shape), torch.zeros(*shape)
        same(fill(nn.init, ours), fill(torch.nn.init, theirs))
        same_state()


def test_init_functions_on_parameters():
    seed_both(1)
    for fill in (lambda i, t: i.trunc_normal_(t, std=0.02),
                 lambda i, t: i.trunc_normal_(t, a=-0.1, b=0.1),
                 lambda i, t: i.xavier_uniform_(t), lambda i, t: i.kaiming_normal_(t)):
        ours = nn.Parameter(tg.zeros(6, 5))
        theirs = torch.nn.Parameter(torch.zeros(6, 5))
        same(fill(nn.init, ours), fill(torch.nn.init, theirs))
        assert ours.requires_grad
    ours = nn.init.orthogonal_(nn.Parameter(tg.zeros(3, 4)))
    theirs = torch.nn.init.orthogonal_(torch.nn.Parameter(torch.zeros(3, 4)))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=2e-6)
    same_state()


def test_orthogonal_init_to_rounding():
    seed_both(0)
    for shape in [(4, 4), (3, 6), (6, 3), (2, 3, 2)]:
        ours = nn.init.orthogonal_(tg.zeros(*shape), gain=1.5).numpy()
        theirs = torch.nn.init.orthogonal_(torch.zeros(*shape), gain=1.5).numpy()
        np.testing.assert_allclose(ours, theirs, atol=2e-6)
        same_state()


def _same_parameters(ours, theirs) -> None:
    ours_p, theirs_p = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(ours_p) == list(theirs_p)
    for name in ours_p:
        same(ours_p[name], theirs_p[name])


@pytest.mark.parametrize("make", [
    lambda m: m.Linear(3, 2), lambda m: m.Linear(40, 17, bias=False),
    lambda m: m.Conv2d(3, 8, 3), lambda m: m.Conv2d(2, 4, (3, 5), bias=False),
    lambda m: m.Conv2d(4, 6, 3, groups=2), lambda m: m.ConvTranspose2d(3, 5, 2, stride=2),
    lambda m: m.Embedding(10, 4), lambda m: m.BatchNorm2d(5), lambda m: m.BatchNorm1d(3),
    lambda m: m.RNN(4, 6), lambda m: m.LSTM(3, 5, num_layers=2),
    lambda m: m.GRU(3, 4, bidirectional=True), lambda m: m.LSTMCell(3, 4),
    lambda m: m.GRUCell(2, 3), lambda m: m.RNNCell(2, 3), lambda m: m.LayerNorm(4),
])
def test_default_layer_initialisation(make):
    seed_both(0)
    _same_parameters(make(nn), make(torch.nn))
    same_state()


def test_a_whole_model_and_a_training_batch():
    seed_both(0)
    ours = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                                 torch.nn.Linear(16, 3))
    _same_parameters(ours, theirs)
    x, X = tg.randn(5, 8), torch.randn(5, 8)
    np.testing.assert_allclose(ours(x).detach().numpy(), theirs(X).detach().numpy(), atol=1e-6)
    same_state()


# -- data ----------------------------------------------------------------------------------

def _batches_torch(loader):
    return [y.tolist() for _, y in loader]


@pytest.mark.parametrize("own_generator", [False, True])
@pytest.mark.parametrize(("n", "drop_last"), [(23, False), (20, False), (23, True), (20, True)])
def test_dataloader_shuffle_matches_torch(own_generator, n, drop_last):
    seed_both(0)
    x = np.arange(n, dtype=np.float32)
    kwargs_ours = {"generator": tg.Generator().manual_seed(3)} if own_generator else {}
    kwargs_torch = {"generator": torch.Generator().manual_seed(3)} if own_generator else {}
    ours = DataLoader(TensorDataset(x, np.arange(n)), batch_size=5, shuffle=True,
                      drop_last=drop_last, **kwargs_ours)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.arange(n)), batch_size=5,
        shuffle=True, drop_last=drop_last, **kwargs_torch)
    for _ in range(3):  # three epochs, each a new order
        assert [y.tolist() for _, y in ours] == _batches_torch(theirs)
        same_state()
        if own_generator:
            np.testing.assert_array_equal(kwargs_ours["generator"].get_state(),
                                          kwargs_torch["generator"].get_state().numpy())
    same(tg.rand(2), torch.rand(2))


def test_dataloader_without_shuffle_still_draws_its_base_seed():
    seed_both(0)
    ours = DataLoader(TensorDataset(np.arange(6)), batch_size=4)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(6)),
                                         batch_size=4)
    assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]
    same_state()


def test_random_split_matches_torch():
    seed_both(0)
    ours = random_split(TensorDataset(np.arange(10)), [0.7, 0.3])
    theirs = torch.utils.data.random_split(torch.utils.data.TensorDataset(torch.arange(10)),
                                           [0.7, 0.3])
    assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]
    g, G = tg.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    ours = random_split(TensorDataset(np.arange(9)), [4, 5], generator=g)
    theirs = torch.utils.data.random_split(torch.utils.data.TensorDataset(torch.arange(9)),
                                           [4, 5], generator=G)
    assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]
    same_state()


def test_random_transforms_draw_like_torchvision():
    """torchvision draws ``torch.rand(1) < p`` for a flip, ``torch.randint(0, h - th + 1,
    size=(1,))`` then the same for the width for a crop (no draw when the sizes are equal)."""
    from tinygrad_edu.data import transforms as T
    img = np.arange(2 * 6 * 7, dtype=np.float32).reshape(2, 6, 7)
    seed_both(0)
    for _ in range(6):
        flipped = T.RandomHorizontalFlip(0.5)(img)
        expect = img[..., ::-1] if torch.rand(1) < 0.5 else img
        np.testing.assert_array_equal(np.asarray(flipped), expect)
        crop = T.RandomCrop((4, 3))(img)
        i = torch.randint(0, 6 - 4 + 1, size=(1,)).item()
        j = torch.randint(0, 7 - 3 + 1, size=(1,)).item()
        np.testing.assert_array_equal(np.asarray(crop), img[..., i:i + 4, j:j + 3])
    np.testing.assert_array_equal(np.asarray(T.RandomCrop((6, 7))(img)), img)
    same_state()


def test_speed_of_a_million_normals():
    import time
    tg.randn(1000)  # compile
    start = time.perf_counter()
    tg.randn(1_000_000)
    tg.randn(1_000_000, dtype=tg.float64)
    assert time.perf_counter() - start < 5.0  # about 3x numpy's own normals, on a busy machine


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("n", [1, 5, 15, 16, 32, 20, 100])
def test_half_dtypes_draw_as_float32_then_round(name: str, n: int) -> None:
    """torch's CPU kernels draw half types in float32: rand and uniform_ are exact; randn is
    exact except the ragged tail of a size that is not a multiple of 16 (documented)."""
    ours_dt, theirs_dt = getattr(tg, name), getattr(torch, name)
    for draw in (lambda m, d: m.rand(n, dtype=d),
                 lambda m, d: m.empty(n, dtype=d).uniform_(-1.5, 2.0),
                 lambda m, d: m.randn(n, dtype=d)):
        tg.manual_seed(3)
        torch.manual_seed(3)
        ours, theirs = draw(tg, ours_dt), draw(torch, theirs_dt)
        assert ours.dtype == ours_dt
        exact = ours.float().numpy() == theirs.float().numpy()
        checked = n if n <= 16 or n % 16 == 0 else n - 16  # randn's ragged tail may differ
        assert exact[:checked].all()
