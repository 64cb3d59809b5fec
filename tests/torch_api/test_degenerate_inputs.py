"""Degenerate inputs where a wrong answer would pass silently: each matches PyTorch or raises
PyTorch's error.

- A batch norm layer that sees an empty batch keeps its running statistics (a NaN there would
  poison every later evaluation).
- A convolution with a zero-sized kernel is an error, not an output of zeros.
- ``batch_norm`` refuses ``eps <= 0`` in training (and ``eps < 0`` in evaluation), where the
  variance of a constant channel would divide by zero.
- An empty list of dims reduces every dim in ``sum``, ``mean``, ``amax``, ... (and none in
  ``any``/``all``), as in PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(("name", "shape"), [("BatchNorm1d", (0, 3)),
                                             ("BatchNorm1d", (0, 3, 5)),
                                             ("BatchNorm2d", (0, 3, 4, 4)),
                                             ("BatchNorm3d", (0, 3, 2, 2, 2))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_on_an_empty_batch_keeps_the_running_statistics(name: str, shape: tuple,
                                                                    momentum: float | None):
    ours, theirs = getattr(tg.nn, name)(3, momentum=momentum), getattr(torch.nn, name)(
        3, momentum=momentum)
    x = np.random.default_rng(0).standard_normal((4, *shape[1:])).astype(np.float32)
    ours(tg.tensor(x)), theirs(torch.tensor(x))  # real statistics first, then an empty batch
    out, expected = ours(tg.zeros(*shape)), theirs(torch.zeros(*shape))
    assert out.shape == tuple(expected.shape)
    for buffer in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(ours, buffer).numpy(),
                                   getattr(theirs, buffer).numpy(), rtol=1e-6, atol=1e-7)
    assert np.isfinite(ours.running_var.numpy()).all()


@pytest.mark.parametrize("kernel", [(0, 0), (0, 2), (2, 0)])
@pytest.mark.parametrize("name", ["conv2d", "conv_transpose2d"])
def test_a_zero_sized_kernel_is_an_error(name: str, kernel: tuple[int, int]):
    x, w = np.zeros((1, 1, 3, 3), np.float32), np.zeros((1, 1, *kernel), np.float32)
    with pytest.raises(RuntimeError, match="kernel size should be greater than zero") as theirs:
        getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(w))
    with pytest.raises(RuntimeError, match=f"^{name}: kernel size should be greater than zero, "
                       f"but got kernel_height: {kernel[0]} kernel_width: {kernel[1]}"):
        getattr(F, name)(tg.tensor(x), tg.tensor(w))
    assert f"kernel_height: {kernel[0]} kernel_width: {kernel[1]}" in str(theirs.value)


def test_conv1d_with_a_zero_sized_kernel_is_an_error():
    with pytest.raises(RuntimeError, match="conv2d: kernel size should be greater than zero"):
        F.conv1d(tg.zeros(1, 1, 5), tg.zeros(1, 1, 0))


@pytest.mark.parametrize(("eps", "training"), [(0.0, True), (-1.0, True), (-1e-3, False)])
def test_batch_norm_refuses_eps_as_torch_does(eps: float, training: bool):
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    args = (np.zeros(3, np.float32), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="batch_norm eps must be") as theirs:
        torch.nn.functional.batch_norm(torch.tensor(x), *map(torch.tensor, args),
                                       training=training, eps=eps)
    with pytest.raises(ValueError, match="batch_norm eps must be") as ours:
        F.batch_norm(tg.tensor(x), *map(tg.tensor, args), training=training, eps=eps)
    assert str(ours.value) == str(theirs.value)


def test_batch_norm_in_evaluation_takes_eps_zero_as_torch_does():
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    mean, var = np.full(3, 0.5, np.float32), np.full(3, 2.0, np.float32)
    ours = F.batch_norm(tg.tensor(x), tg.tensor(mean), tg.tensor(var), eps=0.0)
    theirs = torch.nn.functional.batch_norm(torch.tensor(x), torch.tensor(mean),
                                            torch.tensor(var), eps=0.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


REDUCTIONS = ["sum", "mean", "nansum", "nanmean", "amax", "amin", "var", "std", "norm"]


@pytest.mark.parametrize("empty", [[], ()])
@pytest.mark.parametrize("name", REDUCTIONS)
def test_an_empty_list_of_dims_reduces_every_dim(name: str, empty: list | tuple):
    x = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    ours, theirs = getattr(tg.tensor(x), name)(dim=empty), getattr(torch.tensor(x), name)(
        dim=empty)
    assert ours.shape == tuple(theirs.shape) == ()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


@pytest.mark.parametrize("name", ["count_nonzero", "any", "all"])
def test_an_empty_list_of_dims_in_the_logical_reductions(name: str):
    x = np.random.default_rng(4).standard_normal((4, 3)) > 0
    ours, theirs = getattr(tg.tensor(x), name)(dim=[]), getattr(torch.tensor(x), name)(dim=[])
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_vector_norm_over_an_empty_list_of_dims():
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    np.testing.assert_allclose(tg.linalg.vector_norm(tg.tensor(x), dim=[]).numpy(),
                               torch.linalg.vector_norm(torch.tensor(x), dim=[]).numpy())


def test_summing_an_empty_list_of_dims_has_the_full_gradient():
    x = tg.randn(3, 2, requires_grad=True)
    x.sum(dim=[]).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((3, 2), np.float32))
