"""``tg.nn.grad``: the convolutions' gradients as functions, against ``torch.nn.grad``.

Values for 1-, 2- and 3-d convolutions with stride, padding, dilation and groups (and input
sizes the stride does not divide, where ``conv*_input`` needs an output padding), the errors
for a ``grad_output`` or a size that does not fit, and the results differentiated again (they
are recorded ops).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

CASES: list[tuple[int, tuple[int, ...], tuple[int, ...], dict[str, Any]]] = [
    (1, (2, 4, 9), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    (2, (2, 3, 7, 6), (4, 3, 3, 2), dict()),
    (2, (2, 4, 8, 7), (6, 2, 3, 3), dict(stride=(2, 3), padding=1, dilation=(1, 2), groups=2)),
    (3, (1, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=1)),
]
IDS = ["1d", "2d", "2d_strided_grouped", "3d"]


def _conv(lib: Any, dims: int) -> Any:
    return getattr(lib.nn.functional, f"conv{dims}d")


@pytest.mark.parametrize(("dims", "x_shape", "w_shape", "kw"), CASES, ids=IDS)
def test_input_and_weight_gradients_match_torch(dims: int, x_shape: tuple[int, ...],
                                                w_shape: tuple[int, ...],
                                                kw: dict[str, Any]) -> None:
    rng = np.random.default_rng(dims)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    out_shape = _conv(torch, dims)(torch.tensor(x), torch.tensor(w), **kw).shape
    dy = rng.standard_normal(tuple(out_shape))
    for name, args in ((f"conv{dims}d_input", lambda lib: (x_shape, lib.tensor(w))),
                       (f"conv{dims}d_weight", lambda lib: (lib.tensor(x), w_shape))):
        ours = getattr(tg.nn.grad, name)(*args(tg), tg.tensor(dy), **kw)
        theirs = getattr(torch.nn.grad, name)(*args(torch), torch.tensor(dy), **kw)
        assert tuple(ours.shape) == tuple(theirs.shape), name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


def test_grad_output_that_does_not_fit_is_an_error() -> None:
    x = tg.ones(1, 1, 4, 4, dtype=tg.float64)
    with pytest.raises(RuntimeError, match=r"conv2d_weight: grad_output of shape \(1, 1, 2, 2\) "
                                           r"does not match .* expected \(1, F, 3, 3\)"):
        tg.nn.grad.conv2d_weight(x, (1, 1, 2, 2), tg.ones(1, 1, 2, 2, dtype=tg.float64))
    with pytest.raises(RuntimeError, match="conv2d_weight: weight_size"):
        tg.nn.grad.conv2d_weight(x, (2, 1, 2, 2), tg.ones(1, 1, 3, 3, dtype=tg.float64))
    with pytest.raises(RuntimeError, match="conv2d_input: grad_output of shape"):
        tg.nn.grad.conv2d_input((1, 1, 9, 4), tg.ones(1, 1, 2, 2, dtype=tg.float64),
                                tg.ones(1, 1, 3, 3, dtype=tg.float64))
    with pytest.raises(RuntimeError, match="conv2d_input: expected input_size"):
        tg.nn.grad.conv2d_input((4, 4), tg.ones(1, 1, 2, 2), tg.ones(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"conv3d_weight: grad_output of shape \(1, 1, 2, 2, "
                                           r"2\) does not match the convolution's output"):
        tg.nn.grad.conv3d_weight(tg.ones(1, 1, 4, 4, 4, dtype=tg.float64), (1, 1, 2, 2, 2),
                                 tg.ones(1, 1, 2, 2, 2, dtype=tg.float64))


@pytest.mark.parametrize("name", ["conv2d_input", "conv2d_weight", "conv3d_weight"])
def test_results_can_be_differentiated_again(name: str) -> None:
    """d/d(everything) of sum(result ** 2): the gradient functions are graphs themselves."""
    rng = np.random.default_rng(5)
    dims = 3 if name.startswith("conv3d") else 2
    x = rng.standard_normal((2, 2) + (5,) * dims)
    w = rng.standard_normal((3, 2) + (2,) * dims)
    dy = rng.standard_normal((2, 3) + (3,) * dims)
    kw = dict(stride=2, padding=1)

    def grads(lib: Any) -> list[np.ndarray]:
        tensors = [lib.tensor(a.copy(), requires_grad=True) for a in (x, w, dy)]
        first = tensors[1] if name.endswith("input") else tensors[0]
        size = x.shape if name.endswith("input") else w.shape
        out = getattr(lib.nn.grad, name)(*((size, first) if name.endswith("input")
                                           else (first, size)), tensors[2], **kw)
        used = [tensors[1] if name.endswith("input") else tensors[0], tensors[2]]
        return [g.detach().numpy() for g in lib.autograd.grad((out ** 2).sum(), used)]

    for a, b in zip(grads(tg), grads(torch), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)
