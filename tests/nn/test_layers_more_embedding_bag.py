"""EmbeddingBag and F.embedding_bag against torch 2.x: the three modes, 2-D input
or 1-D input with offsets, empty bags, include_last_offset, per_sample_weights, padding_idx,
max_norm, from_pretrained, reprs, initialisation draws, gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

IDS = np.array([1, 2, 4, 5, 4, 3, 2, 0, 6, 6, 1])
TABLE = np.random.default_rng(0).standard_normal((7, 4))


def run_both(call, table=TABLE, psw=None, cotangent_seed=1):
    """``call(lib, weight, psw)`` on both libraries: outputs and gradients, as numpy."""
    results = []
    for lib in (torch, tg):
        w = lib.tensor(table, requires_grad=True)
        p = None if psw is None else lib.tensor(psw, requires_grad=True)
        out = call(lib, w, p)
        g = np.random.default_rng(cotangent_seed).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(g))
        results.append((out.detach().numpy(), w.grad.numpy(),
                        None if p is None else p.grad.numpy()))
    return results


def assert_same(results, rtol=1e-12, atol=1e-12):
    (to, tw, tp), (oo, ow, op) = results
    for ours, theirs in ((oo, to), (ow, tw), (op, tp)):
        if theirs is None:
            assert ours is None
            continue
        assert ours.shape == theirs.shape
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


OFFSETS = [([0, 4, 4, 9], False), ([0], False), ([0, 0, 0], False), ([0, 3, 11], False),
           ([0, 2, 2, 8, 11], True), ([0, 11], True), ([0, 0, 11, 11], True)]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize(("offsets", "last"), OFFSETS, ids=str)
@pytest.mark.parametrize("padding_idx", [None, 4, -1])
def test_functional_with_offsets_matches_torch(mode, offsets, last, padding_idx):
    assert_same(run_both(lambda lib, w, p: lib.nn.functional.embedding_bag(
        lib.tensor(IDS), w, lib.tensor(offsets), mode=mode, include_last_offset=last,
        padding_idx=padding_idx)))


@pytest.mark.parametrize(("offsets", "last"), OFFSETS, ids=str)
@pytest.mark.parametrize("padding_idx", [None, 6])
def test_per_sample_weights_match_torch(offsets, last, padding_idx):
    psw = np.linspace(-1, 2, IDS.size)
    assert_same(run_both(lambda lib, w, p: lib.nn.functional.embedding_bag(
        lib.tensor(IDS), w, lib.tensor(offsets), mode="sum", per_sample_weights=p,
        include_last_offset=last, padding_idx=padding_idx), psw=psw))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_two_dimensional_input_and_int32_ids(mode):
    ids = np.random.default_rng(2).integers(0, 7, (3, 5))
    assert_same(run_both(lambda lib, w, p: lib.nn.functional.embedding_bag(
        lib.tensor(ids), w, mode=mode, padding_idx=2)))
    assert_same(run_both(lambda lib, w, p: lib.nn.functional.embedding_bag(
        lib.tensor(IDS.astype(np.int32)), w, lib.tensor(np.array([0, 5], np.int32)),
        mode=mode)))
    if mode == "sum":
        psw = np.random.default_rng(3).standard_normal((3, 5))
        assert_same(run_both(lambda lib, w, p: lib.nn.functional.embedding_bag(
            lib.tensor(ids), w, mode="sum", per_sample_weights=p), psw=psw))


def test_float32_and_max_ties():
    for mode in ("sum", "mean", "max"):
        assert_same(run_both(lambda lib, w, p, m=mode: lib.nn.functional.embedding_bag(
            lib.tensor(IDS), w, lib.tensor([0, 4, 9]), mode=m), table=TABLE.astype(np.float32)),
            rtol=1e-6, atol=1e-6)
    tied = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 2.0]])  # the first of tied rows wins
    assert_same(run_both(lambda lib, w, p: lib.nn.functional.embedding_bag(
        lib.tensor([2, 1, 0, 1]), w, lib.tensor([0, 2]), mode="max"), table=tied))


def test_scale_grad_by_freq_divides_by_each_ids_count():
    """torch's CPU embedding_bag kernel divides some rows by another id's count (e.g. ids
    [0, 0, 1, 2, 2, 2]: id 1 by 2, id 2 by 1); ours divides each row by its own count, as
    torch's ``embedding`` does: compared with embedding + the bag reduction in torch."""
    ids, offsets = [0, 0, 1, 2, 2, 2, 5, 1], [0, 3, 3]
    for mode in ("sum", "mean"):
        wt = torch.tensor(TABLE, requires_grad=True)
        rows = torch.nn.functional.embedding(torch.tensor(ids), wt, scale_grad_by_freq=True)
        bounds = [*offsets, len(ids)]
        reduce = torch.sum if mode == "sum" else torch.mean
        expected = torch.stack([reduce(rows[a:b], 0) if b > a else torch.zeros(4,
                                dtype=torch.float64) for a, b in zip(bounds[:-1], bounds[1:],
                                                                     strict=True)])
        wo = tg.tensor(TABLE, requires_grad=True)
        ours = tg.nn.functional.embedding_bag(tg.tensor(ids), wo, tg.tensor(offsets), mode=mode,
                                              scale_grad_by_freq=True)
        np.testing.assert_allclose(ours.detach().numpy(), expected.detach().numpy())
        g = np.random.default_rng(0).standard_normal((3, 4))
        expected.backward(torch.tensor(g))
        ours.backward(tg.tensor(g))
        np.testing.assert_allclose(wo.grad.numpy(), wt.grad.numpy(), rtol=1e-12)


def test_include_last_offset_ends_the_last_bag():
    """With include_last_offset the last bag ends at offsets[-1]; tokens after it are in no
    bag (torch reads uninitialised memory for them in its backward: compared with the input
    cut at offsets[-1])."""
    for mode in ("sum", "mean", "max"):
        ours = run_both(lambda lib, w, p, m=mode: lib.nn.functional.embedding_bag(
            lib.tensor(IDS), w, lib.tensor([0, 3, 5, 5]), mode=m,
            include_last_offset=True))[1]
        theirs = run_both(lambda lib, w, p, m=mode: lib.nn.functional.embedding_bag(
            lib.tensor(IDS[:5]), w, lib.tensor([0, 3, 5, 5]), mode=m,
            include_last_offset=True))[0]
        assert_same([theirs, ours])


def test_empty_input():
    for mode in ("sum", "mean", "max"):
        assert_same(run_both(lambda lib, w, p, m=mode: lib.nn.functional.embedding_bag(
            lib.tensor(np.zeros(0, np.int64)), w, lib.tensor([0, 0]), mode=m)))


@pytest.mark.parametrize("kw", [{}, {"mode": "sum"}, {"mode": "max", "padding_idx": 2},
                                {"max_norm": 1.0, "norm_type": 1.0, "scale_grad_by_freq": True,
                                 "include_last_offset": True, "padding_idx": -2}], ids=str)
def test_module_matches_torch(kw):
    torch.manual_seed(4)
    tg.manual_seed(4)
    tm = torch.nn.EmbeddingBag(7, 4, **kw).double()
    om = tg.nn.EmbeddingBag(7, 4, **kw).double()
    assert repr(om) == repr(tm)
    assert om.padding_idx == tm.padding_idx
    np.testing.assert_array_equal(om.weight.detach().numpy(), tm.weight.detach().numpy())
    assert list(om.state_dict()) == list(tm.state_dict()) == ["weight"]
    offsets = [0, 4, 11] if kw.get("include_last_offset") else [0, 4]
    yt = tm(torch.tensor(IDS), torch.tensor(offsets))
    yo = om(tg.tensor(IDS), tg.tensor(offsets))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    # max_norm renormalised the looked-up rows in place, in both
    np.testing.assert_allclose(om.weight.detach().numpy(), tm.weight.detach().numpy(),
                               rtol=1e-12)
    if not kw.get("scale_grad_by_freq"):
        yt.sum().backward()
        yo.sum().backward()
        np.testing.assert_allclose(om.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-12)


def test_from_pretrained_and_weight_argument():
    table = torch.tensor(TABLE)
    tm = torch.nn.EmbeddingBag.from_pretrained(table, mode="sum", padding_idx=1)
    om = tg.nn.EmbeddingBag.from_pretrained(tg.tensor(TABLE), mode="sum", padding_idx=1)
    assert repr(om) == repr(tm)
    assert om.weight.requires_grad is tm.weight.requires_grad is False
    np.testing.assert_allclose(om(tg.tensor([[1, 2, 3]])).numpy(),
                               tm(torch.tensor([[1, 2, 3]])).numpy())
    assert tg.nn.EmbeddingBag.from_pretrained(tg.tensor(TABLE), freeze=False).weight \
        .requires_grad
    with pytest.raises(AssertionError, match="2-dimensional"):
        tg.nn.EmbeddingBag.from_pretrained(tg.zeros(3))
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        tg.nn.EmbeddingBag(3, 2, _weight=tg.zeros(2, 3))
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        tg.nn.EmbeddingBag(3, 2, padding_idx=3)


BAD_CALLS = [
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w), ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([[1, 2]]), w, lib.tensor([0])),
     ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor([[0]])),
     ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([[[1]]]), w), ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor([0]),
                                                    mode="avg"), ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor([0]),
                                                    mode="max", scale_grad_by_freq=True),
     ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(
        lib.tensor(IDS), w, lib.tensor([0]), mode="mean",
        per_sample_weights=lib.ones(11, dtype=lib.float64)), NotImplementedError),
    (lambda lib, w: lib.nn.functional.embedding_bag(
        lib.tensor(IDS), w, lib.tensor([0]), mode="sum",
        per_sample_weights=lib.ones(3, dtype=lib.float64)), ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor([1, 2])),
     RuntimeError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor([0, 12])),
     RuntimeError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([1, 7]), w, lib.tensor([0])),
     RuntimeError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([1, -1]), w, lib.tensor([0])),
     RuntimeError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([1.0]), w[:, :1].sum(1),
                                                    lib.tensor([0])), ValueError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor([0]),
                                                    padding_idx=9), RuntimeError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(IDS), w, lib.tensor(
        np.zeros(0, np.int64)), include_last_offset=True), RuntimeError),
    (lambda lib, w: lib.nn.functional.embedding_bag(lib.zeros(2, 0, dtype=lib.int64), w),
     RuntimeError),
]


@pytest.mark.parametrize(("call", "error"), BAD_CALLS)
def test_errors_match_torch(call, error):
    with pytest.raises(error):
        call(torch, torch.tensor(TABLE))
    with pytest.raises(error):
        call(tg, tg.tensor(TABLE))


def test_swapped_arguments_warn_and_work_like_torch():
    """torch still accepts the old order ``embedding_bag(weight, input, ...)``, with a
    warning; so do we."""
    with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag"):
        expected = torch.nn.functional.embedding_bag(torch.tensor(TABLE), torch.tensor(IDS),
                                                     torch.tensor([0, 4]))
    with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag"):
        ours = tg.nn.functional.embedding_bag(tg.tensor(TABLE), tg.tensor(IDS), tg.tensor([0, 4]))
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-12)
