"""A Tensor's data is always an ndarray, also when the result has 0 dimensions.

numpy returns a scalar (np.float32(3.0), not a 0-d array) from a full reduction, from
``x[i]`` of a 1-D array and from arithmetic on 0-d arrays. A scalar is read-only, so a Tensor
holding one could not be changed in place: the course's accuracy loop,
``num_correct += (preds == y).sum()``, failed on its second batch. Every op and indexing form
that can give a 0-d result is checked here, with in-place arithmetic on the result.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

X = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)
V = np.array([0.5, -1.5, 2.0], dtype=np.float32)
LABELS = np.array([0, 2])

# name -> function of the library module (tg or torch) giving a 0-d result
CASES = {
    "sum": lambda lib: lib.tensor(X).sum(),
    "mean": lambda lib: lib.tensor(X).mean(),
    "max": lambda lib: lib.tensor(X).max(),
    "min": lambda lib: lib.tensor(X).min(),
    "amax": lambda lib: lib.tensor(X).amax(),
    "prod": lambda lib: lib.tensor(V).prod(),
    "var": lambda lib: lib.tensor(X).var(),
    "std": lambda lib: lib.tensor(X).std(),
    "logsumexp": lambda lib: lib.tensor(V).logsumexp(0),
    "argmax": lambda lib: lib.tensor(X).argmax(),
    "max_dim_of_1d": lambda lib: lib.tensor(V).max(0)[0],
    "dot_1d": lambda lib: lib.tensor(V) @ lib.tensor(V),
    "index_1d": lambda lib: lib.tensor(V)[1],
    "index_2d": lambda lib: lib.tensor(X)[1, 2],
    "negative_index": lambda lib: lib.tensor(V)[-1],
    "ellipsis_index": lambda lib: lib.tensor(V)[..., 0],
    "index_of_index": lambda lib: lib.tensor(X)[0][1],
    "comparison_sum": lambda lib: (lib.tensor(LABELS) == lib.tensor(np.array([0, 1]))).sum(),
    "scalar_tensor": lambda lib: lib.tensor(3.5),
    "arithmetic_on_0d": lambda lib: lib.tensor(2.0) * 3.0 + 1.0,
    "unary_on_0d": lambda lib: lib.tensor(2.0).exp(),
    "neg_of_0d": lambda lib: -lib.tensor(2.0),
    "sum_of_0d": lambda lib: lib.tensor(2.0).sum(),
    "cross_entropy": lambda lib: _functional(lib).cross_entropy(lib.tensor(X),
                                                                  lib.tensor(LABELS)),
    "mse_loss": lambda lib: _functional(lib).mse_loss(lib.tensor(V), lib.tensor(V * 2)),
    "flatten_then_index": lambda lib: lib.tensor(X).flatten()[4],
    "item_sized_reshape": lambda lib: lib.tensor(np.array([4.0], np.float32)).reshape(()),
}


def _functional(lib):
    return F if lib is tg else torch.nn.functional


@pytest.mark.parametrize("name", sorted(CASES))
def test_zero_dim_results_hold_an_ndarray_and_change_in_place_like_torch(name):
    ours, theirs = CASES[name](tg), CASES[name](torch)
    assert ours.shape == tuple(theirs.shape) == ()
    data = ours.detach().numpy()
    assert type(data) is np.ndarray
    assert data.shape == ()
    np.testing.assert_allclose(data, theirs.detach().numpy(), rtol=1e-6)
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    with tg.no_grad(), torch.no_grad():
        ours += 1
        theirs += 1
        ours *= 2
        theirs *= 2
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    copy = ours.clone()
    assert type(copy.detach().numpy()) is np.ndarray
    np.testing.assert_allclose(copy.detach().numpy(), ours.detach().numpy())


def test_the_course_accuracy_loop_accumulates_over_batches():
    num_correct = 0
    for preds, y in [(tg.tensor([0, 1, 2]), tg.tensor([0, 1, 1])),
                     (tg.tensor([2, 2]), tg.tensor([2, 0]))]:
        num_correct += (preds == y).sum()
    assert num_correct.item() == 3
    assert type(num_correct.numpy()) is np.ndarray


def test_indexing_one_element_in_place_changes_the_tensor_like_torch():
    v, t = tg.zeros(3), torch.zeros(3)
    v[1] += 1
    t[1] += 1
    element, t_element = v[2], t[2]  # a view: changing it changes v, as in torch
    element += 5
    t_element += 5
    np.testing.assert_array_equal(v.numpy(), t.numpy())
    assert v.tolist() == [0.0, 1.0, 5.0]


def test_a_zero_dim_view_shares_the_version_counter_with_its_base():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y[1] * y  # mul saves y[1] (a view of y) for the gradient of y
    y.add_(1)     # so changing y in place invalidates the graph, as in torch
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_numpy_of_a_zero_dim_tensor_is_an_ndarray_like_torch():
    t = tg.tensor([1.0, 2.0]).sum()
    assert type(t.numpy()) is type(torch.tensor([1.0, 2.0]).sum().numpy())
    assert float(t) == 3.0
    assert t.item() == 3.0
