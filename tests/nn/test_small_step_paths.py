"""The quick paths a small training step takes through the nn wrappers, against torch and
against the full paths they skip: cross_entropy's check of a few class-index targets and its
shared unit weights."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 10), (3, 4), (2, 5, 3)])
def test_cross_entropy_of_a_small_batch_matches_torch(dtype, shape):
    rng = np.random.default_rng(30)
    x_np = rng.standard_normal(shape).astype(dtype)
    t_shape = (shape[0], *shape[2:])
    t_np = rng.integers(0, shape[1], t_shape)
    for reduction in ("mean", "sum", "none"):
        x, xt = tg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
        ours = F.cross_entropy(x, tg.tensor(t_np), reduction=reduction)
        theirs = torch.nn.functional.cross_entropy(xt, torch.tensor(t_np), reduction=reduction)
        assert ours.dtype == tg.tensor(x_np).dtype
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                                   rtol=1e-6 if dtype == np.float32 else 1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(),
                                   rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_cross_entropy_small_batch_targets_out_of_range_and_ignored():
    """A few targets take the quick check; a bad or ignored one takes the full check, with
    its messages, and ignore_index still works."""
    x = tg.tensor(np.random.default_rng(31).standard_normal((3, 4)), requires_grad=True)
    for bad in ([0, 4, 1], [0, -1, 1]):
        with pytest.raises(IndexError, match="out of bounds"):
            F.cross_entropy(x, tg.tensor(bad))
    ours = F.cross_entropy(x, tg.tensor([0, -100, 3]))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x.detach().numpy()),
                                               torch.tensor([0, -100, 3]))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="Long"):
        F.cross_entropy(x, tg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="batch_size"):
        F.cross_entropy(x, tg.tensor([0, 1]))


def test_cross_entropy_unit_weights_are_shared_read_only():
    """Without ``weight`` the op gets a read-only weight of ones, made once per class count
    and dtype; a call in another dtype gets its own."""
    from tinygrad_edu.nn.functional import loss

    w32 = loss._unit_weights(5, np.dtype(np.float32))
    assert w32 is loss._unit_weights(5, np.dtype(np.float32))
    assert not w32.numpy().flags.writeable
    assert w32.numpy().tolist() == [1.0] * 5
    w64 = loss._unit_weights(5, np.dtype(np.float64))
    assert w64.dtype == tg.float64
    assert w64 is not w32


@pytest.mark.parametrize(("start", "end"), [(1, -1), (0, -1), (-3, 2), (1, 1), (2, 1), (0, 3),
                                            (-5, -1)])
def test_flatten_module_matches_torch(start, end):
    """Flatten computes the merged size itself; other dims (equal, reversed or out of range)
    take Tensor.flatten, with its errors."""
    x_np = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    theirs = torch.nn.Flatten(start, end)
    ours = tg.nn.Flatten(start, end)
    try:
        expected = theirs(torch.tensor(x_np))
    except (RuntimeError, IndexError) as e:
        with pytest.raises(type(e)):
            ours(tg.tensor(x_np))
        return
    x = tg.tensor(x_np, requires_grad=True)
    out = ours(x)
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(out.detach().numpy(), expected.numpy())
    out.sum().backward()
    assert x.grad.shape == x.shape
    with pytest.raises(IndexError):  # a 0-d input: out of range, as in torch
        tg.nn.Flatten()(tg.tensor(3.0))


def test_linear_quick_path_and_its_errors():
    """F.linear's common case (float arrays of one dtype, matching sizes) matches torch; a
    dtype or size mismatch still gets the full checks' errors."""
    rng = np.random.default_rng(32)
    x_np, w_np = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    b_np = rng.standard_normal(2)
    ours = F.linear(tg.tensor(x_np), tg.tensor(w_np), tg.tensor(b_np))
    theirs = torch.nn.functional.linear(torch.tensor(x_np), torch.tensor(w_np),
                                        torch.tensor(b_np))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="dtype"):
        F.linear(tg.tensor(x_np), tg.tensor(w_np.astype(np.int64)), tg.tensor(b_np))
    with pytest.raises(RuntimeError):
        F.linear(tg.tensor(x_np[:, :3]), tg.tensor(w_np), tg.tensor(b_np))


def test_linear_module_reads_its_current_parameters():
    """Linear reads weight and bias from its parameters (the quick path), from a plain
    attribute set after a ``del``, and without a bias through F.linear."""
    rng = np.random.default_rng(33)
    x = tg.tensor(rng.standard_normal((2, 3)))
    lin = tg.nn.Linear(3, 2).double()
    product = x.numpy() @ lin.weight.detach().numpy().T
    np.testing.assert_allclose(lin(x).detach().numpy(), product + lin.bias.detach().numpy(),
                               rtol=1e-12)
    del lin.bias
    lin.bias = tg.zeros(2, dtype=tg.float64)  # a plain attribute now
    np.testing.assert_allclose(lin(x).detach().numpy(), product, rtol=1e-12)
    del lin.weight
    with pytest.raises(AttributeError):
        lin(x)
    no_bias = tg.nn.Linear(3, 2, bias=False).double()
    np.testing.assert_allclose(no_bias(x).detach().numpy(),
                               x.numpy() @ no_bias.weight.detach().numpy().T, rtol=1e-12)
