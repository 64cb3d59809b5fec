"""Dropout and dropout2d: masks, scaling, gradients, seeding, edge cases and PyTorch's rules.

The masks are random, so the tests check properties instead of values: every output is 0 or
x / (1 - p), the kept fraction is close to 1 - p, the same seed gives the same mask, the
gradient is the same mask, dropout2d keeps or drops whole channels. Where the result is not
random (evaluation mode, p = 0, p = 1, errors and warnings) it is compared with PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops import dropout as O
from tinygrad_edu.testing import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _values(t):
    return t.detach().numpy()


@given(shape=st.lists(st.integers(1, 7), min_size=1, max_size=4),
       p=st.floats(0.05, 0.95), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**16))
def test_each_output_is_dropped_or_scaled(shape, p, dtype, seed):
    tg.manual_seed(seed)
    x = tg.tensor(np.random.default_rng(seed).uniform(0.5, 2.0, shape).astype(dtype))
    y = F.dropout(x, p)
    assert y.dtype == np.dtype(dtype)
    assert y.shape == x.shape
    out, scaled = _values(y), _values(x) * dtype(1 / (1 - p))
    kept = out != 0
    np.testing.assert_allclose(out[kept], scaled[kept], rtol=1e-6)


def test_mask_is_reproducible_under_manual_seed():
    x = tg.ones(500)
    tg.manual_seed(3)
    first = _values(F.dropout(x, 0.3))
    tg.manual_seed(3)
    np.testing.assert_array_equal(_values(F.dropout(x, 0.3)), first)
    assert not np.array_equal(_values(F.dropout(x, 0.3)), first)  # the stream moved on
    tg.manual_seed(3)
    np.testing.assert_array_equal(_values(tg.nn.Dropout(0.3)(x)), first)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_kept_is_one_minus_p_and_the_mean_is_unchanged(p):
    tg.manual_seed(0)
    n = 200_000
    out = _values(F.dropout(tg.ones(n, dtype=tg.float64), p))
    kept = np.mean(out != 0)
    assert abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
    assert abs(out.mean() - 1.0) < 5 * np.sqrt(p / (1 - p) / n)  # inverted dropout: E[out] = x


def test_evaluation_mode_and_p_zero_return_the_input_itself_like_torch():
    x, xt = tg.randn(3, 4), torch.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert TF.dropout(xt, 0.5, training=False) is xt
    assert F.dropout(x, 0.0) is x
    assert TF.dropout(xt, 0.0) is xt
    assert F.dropout2d(tg.randn(2, 3, 4, 4), 0.0).shape == (2, 3, 4, 4)
    layer = tg.nn.Dropout(0.9).eval()
    assert layer(x) is x
    assert layer.train().training
    assert layer(tg.ones(100)).tolist().count(0.0) > 50


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_is_the_mask_over_keep_probability(dtype):
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.uniform(0.5, 1.5, (6, 7)).astype(dtype), requires_grad=True)
    upstream = rng.standard_normal((6, 7)).astype(dtype)
    y = F.dropout(x, 0.4)
    y.backward(tg.tensor(upstream))
    kept = _values(y) != 0
    assert x.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(x.grad.numpy(), upstream * kept / dtype(0.6), rtol=1e-6)


def test_primitive_pair_called_directly_and_cache_holds_only_the_mask():
    x = np.random.default_rng(2).standard_normal((4, 5))
    out, cache = O.dropout_forward(x, p=0.25, generator=tg.Generator().manual_seed(7))
    assert isinstance(cache, O.DropoutCache)
    assert isinstance(cache.mask, np.ndarray)
    assert set(np.unique(cache.mask)) <= {0.0, 4 / 3}
    np.testing.assert_array_equal(out, x * cache.mask)
    dout = np.ones_like(x)
    (dx,) = O.dropout_backward(dout, cache)
    np.testing.assert_array_equal(dx, cache.mask)
    again, _ = O.dropout_forward(x, p=0.25, generator=tg.Generator().manual_seed(7))
    np.testing.assert_array_equal(again, out)
    y = F.dropout(tg.tensor(x, requires_grad=True), 0.25)
    assert isinstance(y.grad_fn.cache, O.DropoutCache)
    assert all(isinstance(f, np.ndarray) for f in y.grad_fn.cache)


@pytest.mark.parametrize(("shape", "mask_shape", "dtype", "p"), [
    ((3, 70001), None, np.float64, 0.3),  # more than one block of the stream
    ((2, 3, 4, 5), (2, 3, 1, 1), np.float32, 0.9),  # dropout2d's broadcast mask
    ((7,), None, np.float32, 0.01),
])
def test_fast_forward_draws_the_readable_mask_bit_for_bit(shape, mask_shape, dtype, p):
    """The fast pair turns the raw stream into the mask in a compiled loop: the same mask,
    output and dtype as the readable forward, and the stream ends at the same place."""
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    results = []
    for forward in (O.dropout_forward, O.dropout_fast_forward):
        gen = tg.Generator().manual_seed(11)
        out, cache = forward(x, p=p, mask_shape=mask_shape, generator=gen)
        results.append((out, cache.mask, tg.rand(4, generator=gen).numpy()))
    for ours, readable in zip(*results, strict=True):
        assert ours.dtype == readable.dtype
        np.testing.assert_array_equal(ours, readable)


def test_gradcheck_with_a_fixed_mask():
    x = np.random.default_rng(3).standard_normal((3, 4))

    def fn(t):  # the same mask on every evaluation: a freshly seeded generator
        from tinygrad_edu.autograd import OPS, apply_op

        return apply_op(OPS["dropout"], t, p=0.3, generator=tg.Generator().manual_seed(1))

    gradcheck(fn, [x])


@pytest.mark.parametrize("p", [0.25, 0.6])
def test_dropout2d_drops_whole_channels(p):
    tg.manual_seed(4)
    x = tg.ones(8, 16, 3, 5, requires_grad=True)
    y = F.dropout2d(x, p)
    out = _values(y).reshape(8, 16, -1)
    per_channel = out[:, :, :1]
    assert np.all(out == per_channel)  # each channel all dropped or all kept
    assert set(np.unique(per_channel)) <= {0.0, np.float32(1 / (1 - p))}
    assert 0 < np.mean(per_channel != 0) < 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), _values(y))  # d(sum)/dx = the mask
    tg.manual_seed(4)
    np.testing.assert_array_equal(_values(tg.nn.Dropout2d(p)(tg.ones(8, 16, 3, 5))), _values(y))


def test_dropout2d_three_d_input_is_read_as_n_c_l_with_torchs_warning():
    with pytest.warns(UserWarning, match="input is interpreted as shape") as ours:
        y = F.dropout2d(tg.ones(4, 6, 9), 0.5)
    with pytest.warns(UserWarning, match="input is interpreted as shape") as theirs:
        TF.dropout2d(torch.ones(4, 6, 9), 0.5)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    out = _values(y)
    assert np.all(out == out[:, :, :1])  # one decision per (n, c), over the last dim


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 2, 2, 2)])
def test_dropout2d_other_ranks_warn_like_torch(shape):
    with pytest.warns(UserWarning, match="which is deprecated") as ours:
        y = F.dropout2d(tg.ones(*shape), 0.5)
    with pytest.warns(UserWarning, match="which is deprecated") as theirs:
        TF.dropout2d(torch.ones(*shape), 0.5)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    out = _values(y).reshape(shape[0], shape[1], -1)
    assert np.all(out == out[:, :, :1])


def test_p_one_gives_zeros_and_zero_gradient_like_torch():
    data = np.array([[1.0, -2.0, np.nan], [np.inf, 0.5, 3.0]])
    x = tg.tensor(data, requires_grad=True)
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(_values(y), TF.dropout(torch.tensor(data), 1.0).numpy())
    y.backward(tg.ones(2, 3, dtype=tg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(_values(F.dropout2d(tg.ones(2, 3, 2, 2), 1.0)),
                                  np.zeros((2, 3, 2, 2)))


@pytest.mark.parametrize("p", [-0.1, 1.5, 2])
def test_probability_outside_zero_one_raises_like_torch(p):
    message = f"dropout probability has to be between 0 and 1, but got {p}"
    for call in (lambda: F.dropout(tg.ones(3), p), lambda: F.dropout2d(tg.ones(1, 2, 2, 2), p),
                 lambda: tg.nn.Dropout(p), lambda: tg.nn.Dropout2d(p),
                 lambda: F.dropout(tg.ones(3), p, training=False)):
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=message):
        TF.dropout(torch.ones(3), p)


@pytest.mark.parametrize(("p", "error"), [(float("nan"), RuntimeError), (None, TypeError),
                                         ("a", TypeError)])
def test_probability_nan_or_not_a_number_raises_torchs_type(p, error):
    with pytest.raises(error):
        TF.dropout(torch.ones(3), p)
    for call in (lambda: F.dropout(tg.ones(3), p), lambda: tg.nn.Dropout(p),
                 lambda: tg.nn.AlphaDropout(p), lambda: tg.nn.Dropout3d(p)):
        with pytest.raises(error, match="dropout probability"):
            call()


def test_inplace_overwrites_the_input_and_keeps_the_graph():
    tg.manual_seed(5)
    x = tg.ones(50)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(x.tolist()) == {0.0, 2.0}
    leaf = tg.ones(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.dropout(leaf, 0.5, inplace=True)
    h = leaf * 3.0
    F.dropout(h, 0.5, inplace=True)
    h.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), _values(h))  # 3 * mask, as h is


def test_integer_input_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        F.dropout(tg.tensor([1, 2, 3]), 0.5)
    with pytest.raises(TypeError, match="Tensor"):
        F.dropout(np.ones(3), 0.5)


def test_modules_follow_torch_repr_and_have_no_state():
    for ours, theirs in ((tg.nn.Dropout(), torch.nn.Dropout()),
                         (tg.nn.Dropout(0.2, inplace=True), torch.nn.Dropout(0.2, inplace=True)),
                         (tg.nn.Dropout2d(0.3), torch.nn.Dropout2d(0.3))):
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict()) == []
        assert list(ours.parameters()) == []


def test_scaled_bernoulli_kernel_as_plain_python_matches_compiled():
    """The compiled loop and its plain Python function (readable, seen by coverage) agree."""
    from tinygrad_edu.kernels import rng

    words = tg.Generator().manual_seed(5).random32(2 * 300)
    compiled, plain = np.empty(300, np.float32), np.empty(300, np.float32)
    rng.scaled_bernoulli(words, 0.7, 1 / 0.7, compiled)
    rng.scaled_bernoulli.py_func(words, 0.7, 1 / 0.7, plain)
    np.testing.assert_array_equal(plain, compiled)
    assert set(np.unique(compiled)) == {0.0, np.float32(1 / 0.7)}
