"""Tensor basics: creation, seeding, dtypes and promotion, devices, properties, Python protocols.

Where PyTorch defines the behaviour (dtype inference, promotion, repr, number protocol), the
expected values are PyTorch's; tests that call torch import it with ``importorskip``.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tinygrad_edu as tg

# ----------------------------------------------------------------------------- creation


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_sized_factories_shape_and_default_dtype(name):
    fn = getattr(tg, name)
    for t in (fn(2, 3), fn((2, 3)), fn([2, 3])):
        assert isinstance(t, tg.Tensor)
        assert t.shape == (2, 3)
        assert t.dtype == tg.float32
        assert t.requires_grad is False
    assert fn(4, dtype=tg.float64).dtype == tg.float64
    assert fn(2, requires_grad=True).requires_grad is True
    assert fn().shape == ()


def test_zeros_ones_empty_values():
    assert tg.zeros(2, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert tg.ones(3).tolist() == [1.0, 1.0, 1.0]
    assert tg.ones(2, dtype=tg.long).tolist() == [1, 1]
    assert tg.ones(2, dtype=tg.long).dtype == tg.int64
    assert tg.zeros(2, dtype=tg.bool).tolist() == [False, False]
    assert tg.empty(0).shape == (0,)
    assert tg.zeros(0, 3).numel() == 0


def test_full_dtype_follows_fill_value_like_torch():
    assert tg.full((2, 2), 1.5).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert tg.full((2, 2), 1.5).dtype == tg.float32
    assert tg.full((2,), 3).dtype == tg.int64
    assert tg.full((2,), True).dtype == tg.bool
    assert tg.full((2,), 3, dtype=tg.float64).dtype == tg.float64
    assert tg.full([3], 7.0).tolist() == [7.0, 7.0, 7.0]


def test_arange():
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(5).dtype == tg.int64
    assert tg.arange(2, 8, 3).tolist() == [2, 5]
    assert tg.arange(5, 0, -2).tolist() == [5, 3, 1]
    t = tg.arange(0.0, 1.0, 0.25)
    assert t.dtype == tg.float32
    assert t.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.arange(1, 4, dtype=tg.float64).dtype == tg.float64
    assert tg.arange(0, 1, 0.1).shape == (10,)


def test_arange_matches_torch_lengths():
    torch = pytest.importorskip("torch")
    for args in [(0, 1, 0.1), (1, 2.5, 0.5), (-3, 3, 0.7), (10,), (0, 10, 3)]:
        assert tg.arange(*args).shape == tuple(torch.arange(*args).shape), args
        np.testing.assert_allclose(tg.arange(*args).numpy(), torch.arange(*args).numpy(),
                                   rtol=1e-6, atol=1e-7)


def test_linspace():
    t = tg.linspace(0, 1, 5)
    assert t.dtype == tg.float32
    assert t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tg.linspace(-1, 1, 3, dtype=tg.float64).dtype == tg.float64
    assert tg.linspace(2, 2, 1).tolist() == [2.0]


def test_eye():
    assert tg.eye(3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert tg.eye(2).dtype == tg.float32
    assert tg.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert tg.eye(2, dtype=tg.int64).dtype == tg.int64


def test_rand_range_and_randn_moments():
    tg.manual_seed(0)
    r = tg.rand(10_000)
    assert 0.0 <= r.min().item()
    assert r.max().item() < 1.0
    assert abs(r.mean().item() - 0.5) < 0.02
    n = tg.randn(10_000)
    assert abs(n.mean().item()) < 0.05
    assert abs(n.std().item() - 1.0) < 0.05


def test_randint():
    tg.manual_seed(0)
    t = tg.randint(0, 10, (3, 4))
    assert t.shape == (3, 4)
    assert t.dtype == tg.int64
    big = tg.randint(3, 7, (2000,))
    assert big.min().item() == 3
    assert big.max().item() == 6
    assert tg.randint(5, (3,)).shape == (3,)  # randint(high, size)
    assert tg.randint(0, 5, (2,), dtype=tg.float64).dtype == tg.float64


def test_like_factories_keep_shape_and_dtype():
    x = tg.randn(2, 3, dtype=tg.float64)
    for name in ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"]:
        t = getattr(tg, name)(x)
        assert t.shape == (2, 3), name
        assert t.dtype == tg.float64, name
    assert tg.zeros_like(x).tolist() == [[0.0] * 3] * 2
    assert tg.ones_like(x).tolist() == [[1.0] * 3] * 2
    assert tg.full_like(x, 7).tolist() == [[7.0] * 3] * 2
    assert tg.full_like(x, 7).dtype == tg.float64
    assert tg.zeros_like(x, dtype=tg.float32).dtype == tg.float32
    assert tg.ones_like(x, requires_grad=True).requires_grad
    ints = tg.randint_like(tg.zeros(50, dtype=tg.long), 3)
    assert ints.dtype == tg.int64
    assert ints.shape == (50,)
    assert 0 <= ints.min().item()
    assert ints.max().item() <= 2


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros(3, np.float32)
    t = tg.from_numpy(a)
    assert t.dtype == tg.float32
    a[0] = 5
    assert t.tolist() == [5.0, 0.0, 0.0]
    t.numpy()[1] = 6
    assert a.tolist() == [5.0, 6.0, 0.0]
    assert tg.from_numpy(np.arange(3)).dtype == tg.int64
    assert tg.from_numpy(np.ones(2)).dtype == tg.float64


def test_tensor_copies_its_data():
    a = np.zeros(3, np.float32)
    t = tg.tensor(a)
    a[0] = 5
    assert t.tolist() == [0.0, 0.0, 0.0]
    t2 = tg.tensor(t)
    t2.numpy()[1] = 9
    assert t.tolist() == [0.0, 0.0, 0.0]
    lst = [1.0, 2.0]
    t3 = tg.tensor(lst)
    t3.numpy()[0] = 7
    assert lst == [1.0, 2.0]


def test_tensor_from_nested_lists_and_scalars():
    t = tg.tensor([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3)
    assert t.tolist() == [[1, 2, 3], [4, 5, 6]]
    s = tg.tensor(3.5)
    assert s.shape == ()
    assert s.ndim == 0
    assert s.item() == 3.5
    assert tg.tensor([]).shape == (0,)
    assert tg.tensor([[1, 2]], dtype=tg.float).dtype == tg.float32


# ----------------------------------------------------------------------------- seeding

def test_manual_seed_reproducible():
    tg.manual_seed(123)
    a = (tg.rand(5).tolist(), tg.randn(3).tolist(), tg.randint(0, 100, (4,)).tolist())
    tg.manual_seed(123)
    b = (tg.rand(5).tolist(), tg.randn(3).tolist(), tg.randint(0, 100, (4,)).tolist())
    assert a == b
    tg.manual_seed(124)
    assert tg.rand(5).tolist() != a[0]


def test_manual_seed_returns_generator_and_initial_seed():
    g = tg.manual_seed(7)
    assert isinstance(g, tg.Generator)
    assert tg.initial_seed() == 7


def test_generator_argument():
    g1 = tg.Generator().manual_seed(3)
    g2 = tg.Generator().manual_seed(3)
    assert tg.rand(4, generator=g1).tolist() == tg.rand(4, generator=g2).tolist()
    assert tg.randn(4, generator=g1).tolist() == tg.randn(4, generator=g2).tolist()
    assert tg.randint(0, 10, (6,), generator=g1).tolist() == \
        tg.randint(0, 10, (6,), generator=g2).tolist()


def test_private_generator_does_not_disturb_global_stream():
    tg.manual_seed(1)
    expected = tg.rand(3).tolist()
    tg.manual_seed(1)
    tg.rand(3, generator=tg.Generator().manual_seed(9))
    assert tg.rand(3).tolist() == expected


def test_generator_state_roundtrip():
    g = tg.Generator().manual_seed(5)
    state = g.get_state()
    a = tg.rand(3, generator=g).tolist()
    g.set_state(state)
    assert tg.rand(3, generator=g).tolist() == a


# ----------------------------------------------------------------------------- dtypes

def test_dtype_aliases():
    assert tg.float == tg.float32
    assert tg.double == tg.float64
    assert tg.long == tg.int64
    assert tg.bool == np.dtype(bool)
    assert tg.float32 != tg.float64


@pytest.mark.parametrize(("data", "expected"), [
    ([1.0, 2.0], "float32"),
    (1.5, "float32"),
    ([1, 2], "int64"),
    (3, "int64"),
    ([True, False], "bool"),
    (True, "bool"),
    ([1, 2.5], "float32"),
    ([[1, 2], [3, 4]], "int64"),
])
def test_dtype_inference_from_python_like_torch(data, expected):
    assert tg.tensor(data).dtype == np.dtype(expected)


def test_dtype_inference_from_python_matches_torch_table():
    torch = pytest.importorskip("torch")
    cases = [[1.0, 2.0], 1.5, [1, 2], 3, [True, False], True, [1, 2.5],
             np.array([1.0, 2.0]), np.array([1.0], np.float32), np.array([1, 2]),
             np.array([1, 2], np.int32), np.array([True]), np.float64(2.0)]
    for data in cases:
        ours = str(tg.tensor(data).dtype)  # dtypes print as torch's do: 'torch.float32'
        theirs = str(torch.tensor(data).dtype)
        assert ours == theirs, (data, ours, theirs)


def test_numpy_arrays_keep_their_dtype():
    assert tg.tensor(np.array([1.0, 2.0])).dtype == tg.float64
    assert tg.tensor(np.array([1.0, 2.0], np.float32)).dtype == tg.float32
    assert tg.tensor(np.array([1, 2], np.int64)).dtype == tg.int64
    assert tg.tensor(np.array([True])).dtype == tg.bool


def test_explicit_dtype_argument():
    assert tg.tensor([1, 2], dtype=tg.float64).dtype == tg.float64
    assert tg.tensor([1.7, 2.2], dtype=tg.long).tolist() == [1, 2]
    assert tg.tensor([0, 2], dtype=tg.bool).tolist() == [False, True]


def test_conversion_methods():
    t = tg.tensor([1.7, -2.2])
    assert t.double().dtype == tg.float64
    assert t.long().dtype == tg.int64
    assert t.long().tolist() == [1, -2]  # truncation toward zero, like torch
    assert t.float() is t  # same dtype: no copy needed
    assert t.to(tg.float64).dtype == tg.float64
    assert t.to(dtype=tg.int64).dtype == tg.int64
    assert t.to(tg.float32) is t
    assert t.bool().tolist() == [True, True]
    assert tg.tensor([0.0, 3.0]).bool().tolist() == [False, True]
    assert t.to("cpu", tg.float64).dtype == tg.float64
    assert t.to(tg.tensor([1], dtype=tg.float64)).dtype == tg.float64  # to(other)
    assert tg.tensor([1, 2]).float().tolist() == [1.0, 2.0]


def _promo(lib, spec):
    kind, val = spec
    if kind == "py":
        return val
    return lib.tensor(np.array(val, dtype=kind)) if lib is tg else \
        lib.from_numpy(np.array(val, dtype=kind))


PROMOTION_CASES = [
    # (left, op, right, expected dtype)
    (("float32", [1.0, 2.0]), "+", ("float64", [1.0, 2.0]), "float64"),
    (("int64", [1, 2]), "+", ("float32", [1.0, 2.0]), "float32"),
    (("int64", [1, 2]), "+", ("py", 1.5), "float32"),
    (("int64", [1, 2]), "*", ("py", 2), "int64"),
    (("bool", [True, False]), "+", ("py", 1), "int64"),
    (("bool", [True, False]), "+", ("py", 1.5), "float32"),
    (("bool", [True, False]), "*", ("bool", [True, True]), "bool"),
    (("float32", [1.0, 2.0]), "+", ("float64", 2.0), "float32"),  # 0-d loses in-category
    (("float32", [1.0, 2.0]), "+", ("py", 2.0), "float32"),
    (("float64", [1.0, 2.0]), "*", ("py", 2), "float64"),
    (("int64", [1, 2]), "/", ("int64", [2, 4]), "float32"),
    (("int64", [1, 2]), "/", ("py", 2), "float32"),
    (("int64", [1, 2]), "+", ("float64", 2.0), "float64"),  # higher category 0-d wins
    (("int32", [1, 2]), "+", ("int64", [1, 2]), "int64"),
    (("int32", [1, 2]), "+", ("int64", 2), "int32"),
    (("float32", 1.0), "+", ("float64", 2.0), "float64"),  # both 0-d: wider wins
    (("int64", [1, 2]), "**", ("py", 2), "int64"),
    (("float32", [1.0, 2.0]), "-", ("int64", [1, 2]), "float32"),
    (("float64", 1.0), "*", ("float32", [1.0, 2.0]), "float32"),
    (("py", 2), "-", ("int64", [1, 2]), "int64"),
    (("py", 1.5), "*", ("int64", [1, 2]), "float32"),
    (("py", 2), "/", ("float64", [1.0, 2.0]), "float64"),
    (("py", 2.0), "**", ("int64", [1, 2]), "float32"),
]


@pytest.mark.parametrize(("left", "op", "right", "expected"), PROMOTION_CASES,
                         ids=[f"{a[0]}{op}{b[0]}" for a, op, b, _ in PROMOTION_CASES])
def test_type_promotion_matches_torch(left, op, right, expected):
    fn = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "**": operator.pow}[op]
    ours = fn(_promo(tg, left), _promo(tg, right))
    assert str(ours.dtype) == "torch." + expected
    torch = pytest.importorskip("torch")
    theirs = fn(_promo(torch, left), _promo(torch, right))
    assert str(theirs.dtype) == "torch." + expected  # the table itself is torch's behaviour
    np.testing.assert_allclose(np.asarray(ours.tolist(), dtype=float),
                               np.asarray(theirs.tolist(), dtype=float), rtol=1e-6)


def test_type_promotion_exhaustive_against_torch():
    torch = pytest.importorskip("torch")
    specs = [("float32", [1.0, 2.0]), ("float64", [1.0, 2.0]), ("int64", [1, 2]),
             ("int32", [1, 2]), ("bool", [True, False]), ("float32", 1.5), ("float64", 1.5),
             ("int64", 3), ("bool", True), ("py", 1.5), ("py", 2)]
    ops = [operator.add, operator.mul, operator.truediv]
    bad = []
    for a in specs:
        for b in specs:
            if a[0] == "py" and b[0] == "py":
                continue
            for fn in ops:
                try:
                    theirs = str(fn(_promo(torch, a), _promo(torch, b)).dtype)
                except Exception:  # noqa: BLE001 - torch refuses: nothing to compare
                    continue
                ours = str(fn(_promo(tg, a), _promo(tg, b)).dtype)
                if ours != theirs:
                    bad.append((a, fn.__name__, b, ours, theirs))
    assert bad == []


def test_bool_pow_bool_dtype():
    t = tg.tensor([True, False])
    assert (t ** True).dtype == tg.bool


def test_comparisons_give_bool():
    t = tg.tensor([1.0, 2.0, 3.0])
    assert (t > 1.5).dtype == tg.bool
    assert (t > 1.5).tolist() == [False, True, True]
    assert (t == tg.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert (t != 2).tolist() == [True, False, True]


# ----------------------------------------------------------------------------- devices

def test_device_cpu_accepted_everywhere():
    cpu = tg.device("cpu")
    for make in [
        lambda d: tg.tensor([1.0], device=d),
        lambda d: tg.zeros(2, device=d),
        lambda d: tg.ones(2, device=d),
        lambda d: tg.empty(2, device=d),
        lambda d: tg.full((2,), 1.0, device=d),
        lambda d: tg.arange(3, device=d),
        lambda d: tg.linspace(0, 1, 3, device=d),
        lambda d: tg.eye(2, device=d),
        lambda d: tg.rand(2, device=d),
        lambda d: tg.randn(2, device=d),
        lambda d: tg.randint(0, 3, (2,), device=d),
        lambda d: tg.zeros_like(tg.zeros(2), device=d),
        lambda d: tg.ones(2).to(d),
        lambda d: tg.ones(2).to(device=d),
    ]:
        for d in ("cpu", cpu):
            assert isinstance(make(d), tg.Tensor)


def test_device_object_and_tensor_device():
    d = tg.device("cpu")
    assert d.type == "cpu"
    assert str(d) == "cpu"
    t = tg.zeros(2)
    assert t.device == d
    assert t.device.type == "cpu"
    assert t.to("cpu") is t
    assert t.cpu() is t
    assert tg.cuda.is_available() is False


@pytest.mark.parametrize("make", [
    lambda: tg.zeros(2).to(device="cuda"),
    lambda: tg.zeros(2).to("cuda"),
    lambda: tg.zeros(2).to("cuda:0"),
    lambda: tg.zeros(2, device="cuda"),
    lambda: tg.tensor([1.0], device="cuda"),
    lambda: tg.randn(2, device="cuda"),
    lambda: tg.zeros(2).cuda(),
], ids=["to_kw", "to_pos", "to_cuda0", "zeros", "tensor", "randn", "cuda()"])
def test_cuda_raises_torchs_assertion_error_mentioning_cpu(make):
    with pytest.raises(AssertionError, match="(?i)cpu"):  # a CPU-only torch: AssertionError
        make()


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "rand_like",
                                  "randn_like"])
def test_like_factories_reject_cuda(name):
    with pytest.raises(AssertionError, match="(?i)cpu"):
        getattr(tg, name)(tg.zeros(2), device="cuda")


# ----------------------------------------------------------------------------- properties

def test_shape_size_dtype_ndim_numel():
    t = tg.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert t.shape == (2, 3, 4)
    assert t.size() == (2, 3, 4)
    assert t.size(1) == 3
    assert t.size(-1) == 4
    assert t.dtype == tg.float32
    assert t.ndim == 3
    assert t.dim() == 3
    assert t.numel() == 24
    assert tg.numel(t) == 24
    assert tg.tensor(2.0).numel() == 1
    with pytest.raises(IndexError):
        t.size(3)


def test_transpose_T():
    m = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert m.T.shape == (3, 2)
    assert m.T.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert tg.zeros(3).T.shape == (3,)


def test_item():
    assert tg.tensor(2.5).item() == 2.5
    assert isinstance(tg.tensor(2.5).item(), float)
    assert tg.tensor([[3]]).item() == 3
    assert isinstance(tg.tensor(3).item(), int)
    assert tg.tensor(True).item() is True
    with pytest.raises(RuntimeError):
        tg.tensor([1.0, 2.0]).item()


def test_numpy_shares_memory_and_refuses_grad_tensors():
    t = tg.tensor([1.0, 2.0])
    a = t.numpy()
    assert isinstance(a, np.ndarray)
    assert a is t.numpy()
    a[0] = 10
    assert t.tolist() == [10.0, 2.0]
    p = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        p.numpy()
    assert p.detach().numpy().tolist() == [1.0]


def test_tolist_types():
    assert tg.tensor([[1.0, 2.0]]).tolist() == [[1.0, 2.0]]
    assert isinstance(tg.tensor([1.0]).tolist()[0], float)
    assert isinstance(tg.tensor([1]).tolist()[0], int)
    assert tg.tensor(3).tolist() == 3


def test_clone_is_a_copy_with_gradient():
    m = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    c = m.clone()
    c[0, 0] = 100.0
    assert m.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert c.tolist() == [[100.0, 2.0], [3.0, 4.0]]
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert not y.is_leaf
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_contiguous():
    m = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert m.is_contiguous()
    assert m.contiguous() is m
    t = m.T
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous()
    assert c.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_view_and_reshape():
    m = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert m.view(4).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert m.view(-1, 1).shape == (4, 1)
    assert m.view(1, 4).shape == (1, 4)
    assert m.view((4,)).shape == (4,)
    assert m.reshape(2, -1).shape == (2, 2)
    v = m.view(4)
    v[0] = 50.0  # a view shares memory, like torch
    assert m.tolist() == [[50.0, 2.0], [3.0, 4.0]]


def test_mm_and_matmul():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = tg.tensor([[5.0], [6.0]])
    assert a.mm(a).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert (a @ b).tolist() == [[17.0], [39.0]]
    assert a.mm(b).shape == (2, 1)
    assert (tg.tensor([1.0, 2.0]) @ tg.tensor([3.0, 4.0])).item() == 11.0
    with pytest.raises(RuntimeError, match="mm"):
        tg.ones(2, 2, 2).mm(tg.ones(2, 2))


def test_len_and_iteration():
    t = tg.tensor(np.arange(6, dtype=np.float32).reshape(3, 2))
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3
    assert all(isinstance(r, tg.Tensor) and r.shape == (2,) for r in rows)
    assert [r.tolist() for r in rows] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    with pytest.raises(TypeError):
        len(tg.tensor(1.0))
    with pytest.raises(TypeError):
        iter(tg.tensor(1.0))


# ----------------------------------------------------------------------------- number protocol

def test_python_number_protocol():
    t = tg.tensor(2.5)
    assert float(t) == 2.5
    assert int(t) == 2
    assert int(tg.tensor(-2.7)) == -2
    assert "%d" % t == "2"  # noqa: UP031 - the %-protocol is what is tested
    assert "%.2f" % t == "2.50"  # noqa: UP031
    assert f"{t:.3f}" == "2.500"
    assert bool(t) is True
    assert bool(tg.tensor(0.0)) is False
    assert float(tg.tensor([2.5])) == 2.5
    assert int(tg.tensor([[7]])) == 7
    assert "%d" % tg.tensor(3) == "3"  # noqa: UP031
    assert bool(tg.tensor([True])) is True


def test_number_protocol_on_grad_tensor():
    x = tg.tensor(1.25, requires_grad=True)
    assert float(x) == 1.25
    assert f"{x * 2:.1f}" == "2.5"


def test_integer_tensor_as_index():
    assert [10, 11, 12][tg.tensor(2)] == 12
    with pytest.raises(TypeError):
        [10, 11][tg.tensor(1.0)]


@pytest.mark.parametrize("conv", [bool, float, int], ids=["bool", "float", "int"])
def test_multi_element_conversion_raises_torch_type(conv):
    torch = pytest.importorskip("torch")
    try:
        conv(torch.tensor([1.0, 2.0]))
    except Exception as exc:  # noqa: BLE001 - learn torch's type
        theirs = type(exc)
    else:
        raise AssertionError("torch accepted a multi-element conversion")
    with pytest.raises(theirs):
        conv(tg.tensor([1.0, 2.0]))


def test_multi_element_bool_raises_runtime_error():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.tensor([True, False]))


def test_format_of_0d_tensor_without_spec_like_torch():
    assert f"{tg.tensor(2.5)}" == "2.5"


# ----------------------------------------------------------------------------- reflected operators

@pytest.mark.parametrize(("expr", "expected"), [
    (lambda t: 0 + t, [1.0, 2.0, 4.0]),
    (lambda t: 2 * t, [2.0, 4.0, 8.0]),
    (lambda t: 1 - t, [0.0, -1.0, -3.0]),
    (lambda t: 1 / t, [1.0, 0.5, 0.25]),
    (lambda t: 2**t, [2.0, 4.0, 16.0]),
    (lambda t: 2.0 * t, [2.0, 4.0, 8.0]),
    (lambda t: np.float32(2) * t, [2.0, 4.0, 8.0]),
    (lambda t: np.array([1.0, 2.0, 3.0], np.float32) + t, [2.0, 4.0, 7.0]),
    (lambda t: np.array([1.0, 2.0, 3.0], np.float32) * t, [1.0, 4.0, 12.0]),
    (lambda t: np.array([1, 2, 3]) - t, [0.0, 0.0, -1.0]),
    (lambda t: -t, [-1.0, -2.0, -4.0]),
    (lambda t: abs(-t), [1.0, 2.0, 4.0]),
], ids=["radd", "rmul", "rsub", "rtruediv", "rpow", "rmul_float", "np_scalar", "ndarray_add",
        "ndarray_mul", "int_ndarray_sub", "neg", "abs"])
def test_reflected_operators_give_tensors(expr, expected):
    t = tg.tensor([1.0, 2.0, 4.0])
    r = expr(t)
    assert isinstance(r, tg.Tensor)
    assert r.dtype == tg.float32
    assert r.tolist() == expected


def test_ndarray_matmul_tensor_gives_tensor():
    r = np.ones((2, 3), np.float32) @ tg.tensor([1.0, 2.0, 4.0])
    assert isinstance(r, tg.Tensor)
    assert r.tolist() == [7.0, 7.0]


def test_reflected_ops_have_gradients():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (1 - x + 2 * x + 1 / x + 2**x).sum().backward()
    expected = -1 + 2 - 1 / np.array([1.0, 2.0]) ** 2 + np.log(2) * 2 ** np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


# ----------------------------------------------------------------------------- repr

def test_repr_like_torch():
    assert repr(tg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(tg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(tg.tensor(1.5)) == "tensor(1.5000)" or repr(tg.tensor(1.5)) == "tensor(1.5)"
    assert repr(tg.tensor([0.1, 0.123456])) == "tensor([0.1000, 0.1235])"
    assert repr(tg.tensor([1.0, 2.0], requires_grad=True)) == \
        "tensor([1., 2.], requires_grad=True)"
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    r64 = repr(tg.tensor(np.array([1.0, 2.0])))
    assert r64.startswith("tensor([1., 2.]")
    assert "dtype=" in r64
    assert "float64" in r64
    assert "dtype" not in repr(tg.tensor([True, False]))
    assert str(tg.tensor([1.0, 2.0])) == "tensor([1., 2.])"


def test_repr_matches_torch_for_common_cases():
    torch = pytest.importorskip("torch")
    with np.printoptions(**_NUMPY_DEFAULT_PRINT):
        for data in ([1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]], [0.1, 0.123456], [1, 2, 3],
                     [[1, 2], [3, 4]], [123456.7, 1.0], [True, False], []):
            assert repr(tg.tensor(data)) == repr(torch.tensor(data)), data


_NUMPY_DEFAULT_PRINT = dict(precision=8, suppress=False, linewidth=75, threshold=1000,
                            edgeitems=3)


def test_repr_independent_of_numpy_print_options():
    t = tg.tensor([123456.7, 1.0])
    with np.printoptions(**_NUMPY_DEFAULT_PRINT):
        expected = repr(t)
    with np.printoptions(suppress=True, precision=2):
        assert repr(t) == expected


def test_repr_matches_torch_for_short_decimals():
    torch = pytest.importorskip("torch")
    with np.printoptions(**_NUMPY_DEFAULT_PRINT):
        for data in ([1.5, 2.0], [[1.5, 2.25], [3.0, 4.0]], [-1.0, 0.5], 2.5, [1e-5, 1.0]):
            assert repr(tg.tensor(data)) == repr(torch.tensor(data)), data


# ----------------------------------------------------------------------------- indexing

INDEX_KEYS = [
    0, -1, (1, 2), (1, 2, 3), (slice(None), 1), (Ellipsis, 0), (None, 0),
    (slice(0, 2), slice(None, None, 2)), ([0, 1],), ([0, 1], [1, 2]), (slice(None), [0, 2]),
    (-2,), (0, slice(None), -1), (slice(None), slice(None), [3, 0]), ([1, 0], 1),
]


@pytest.mark.parametrize("key", INDEX_KEYS, ids=[repr(k) for k in INDEX_KEYS])
def test_indexing_matches_torch(key):
    torch = pytest.importorskip("torch")
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    ours = tg.tensor(a)[key]
    theirs = torch.tensor(a)[key]
    assert isinstance(ours, tg.Tensor)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == tg.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_indexing_with_tensors_and_masks():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = tg.tensor(a)
    assert t[tg.tensor([2, 0])].tolist() == a[[2, 0]].tolist()
    assert t[t > 6].tolist() == a[a > 6].tolist()
    assert t[tg.tensor([True, False, True])].tolist() == a[[0, 2]].tolist()
    s = t[1, 2]
    assert isinstance(s, tg.Tensor)
    assert s.shape == ()
    assert s.item() == 6.0


def test_int_and_array_index_separated_by_slice_like_torch():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    r = tg.tensor(a)[1, :, [3, 0]]
    assert r.shape == (3, 2)
    assert r.tolist() == [[15.0, 12.0], [19.0, 16.0], [23.0, 20.0]]


def test_basic_slices_are_views_and_advanced_indices_copies():
    t = tg.zeros(3, 2)
    t[1][0] = 5.0
    assert t.tolist() == [[0.0, 0.0], [5.0, 0.0], [0.0, 0.0]]
    c = t[[0, 1]]
    c[0, 0] = 9.0
    assert t[0, 0].item() == 0.0


def test_setitem_on_plain_tensor():
    z = tg.zeros(4)
    z[1] = 2
    z[tg.tensor([0, 3])] = tg.tensor([5.0, 6.0])
    z[z == 0] = -1.0
    assert z.tolist() == [5.0, 2.0, -1.0, 6.0]
    assert z.dtype == tg.float32


def test_mutate_writes_in_place_outside_the_graph_and_bumps_the_version():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w * w  # saves w for backward
    with w.mutate() as data:
        assert data is w.numpy(force=True)
        data *= 2.0
    assert w.is_leaf
    assert w.tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()  # the graph noticed the change
    view = tg.tensor([1.0]).expand(3)
    with pytest.raises(RuntimeError, match="broadcast"), view.mutate():
        pass


def test_numpy_force_reads_a_tensor_that_requires_grad_like_torch():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()
    assert w.numpy(force=True).tolist() == [1.0, 2.0]
    assert np.shares_memory(w.numpy(force=True), w.detach().numpy())


def test_parameter_shares_memory_and_version_with_its_tensor_like_torch():
    t = tg.tensor([1.0, 2.0])
    p = tg.nn.Parameter(t)
    assert np.shares_memory(p.detach().numpy(), t.numpy())
    y = p * p
    with tg.no_grad():
        t.add_(1.0)  # a change through the original tensor
    assert p.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_hooks_see_tensors_and_a_wrong_shape_is_named():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(type(g).__name__))
    (x * 3).sum().backward()
    assert seen == ["Tensor"]
    y = tg.tensor([1.0, 2.0], requires_grad=True)
    y.register_hook(lambda g: tg.ones(3))
    with pytest.raises(RuntimeError, match=r"register_hook: the hook returned a gradient of "
                                           r"shape \(3,\)"):
        (y * 3).sum().backward()
