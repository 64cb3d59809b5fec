"""inplace=True activations (F.relu/leaky_relu/elu, nn.ReLU/LeakyReLU/ELU, Tensor.relu_)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")

CASES = [
    ("relu", {}, lambda F_, x, inplace: F_.relu(x, inplace=inplace)),
    ("leaky_relu", {}, lambda F_, x, inplace: F_.leaky_relu(x, 0.1, inplace=inplace)),
    ("elu", {}, lambda F_, x, inplace: F_.elu(x, 0.7, inplace=inplace)),
    ("relu_", {}, lambda F_, x, inplace: x.relu_()),
]


@pytest.mark.parametrize(("name", "kw", "fn"), CASES, ids=[c[0] for c in CASES])
def test_inplace_overwrites_the_input_and_gradients_match_torch(name, kw, fn):
    values = np.random.default_rng(0).standard_normal((3, 4))
    cot = np.random.default_rng(1).standard_normal((3, 4))
    grads = []
    for lib, F_ in ((tg, F), (torch, torch.nn.functional)):
        leaf = lib.tensor(values, requires_grad=True)
        x = leaf * 2  # a non-leaf: in place is allowed on it
        out = fn(F_, x, True)
        assert out is x  # the input itself comes back
        (out * lib.tensor(cot)).sum().backward()
        grads.append((x.detach().numpy().copy(), leaf.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)
    assert (grads[0][0] != values * 2).any()  # the values really changed in place


def test_inplace_on_a_leaf_that_requires_grad_raises_like_torch():
    x = tg.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="relu_: a leaf Variable"):
        F.relu(x, inplace=True)
    with pytest.raises(RuntimeError):
        torch.nn.functional.relu(torch.tensor([-1.0, 2.0], requires_grad=True), inplace=True)


def test_modules_pass_inplace_and_show_it():
    x = tg.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    y = tg.tensor([-1.0, 2.0])
    out = nn.ReLU()(y)
    assert out is not y
    assert y.numpy()[0] == -1.0
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == repr(torch.nn.LeakyReLU(0.2, inplace=True))
    assert repr(nn.ELU(inplace=True)) == repr(torch.nn.ELU(inplace=True))
    assert repr(nn.ELU()) == repr(torch.nn.ELU())
