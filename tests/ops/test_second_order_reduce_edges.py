"""Second derivatives of the reductions, scans, scatters, einsum and embeddings at their edges.

The catalog's second-order column (``test_second_order.py``) draws random, smooth inputs. Here
the places where a differentiable backward could go wrong: zeros in products (cumprod, prod,
scatter_reduce "prod"), -inf in logcumsumexp, repeated and broadcast einsum letters, an index
that broadcasts x in take_along_dim, empty reductions, and embedding's scale_grad_by_freq
(where torch's own double backward ignores the scaling, so the reference is central
differences). Each case compares a Hessian-vector product and the gradient's derivative in
its cotangent with torch (float64), or with central differences where torch cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

Fn = Callable[..., Any]  # fn(lib, *tensors) -> tensor


def second_order(lib: Any, fn: Fn, arrays: list[np.ndarray], seed: int = 0
                 ) -> list[np.ndarray]:
    """[first-order gradients] + [d<g, u>/dx_i] + [d<g, u>/dc] for random u and c."""
    rng = np.random.default_rng(seed)
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    c = lib.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=True)
    grads = lib.autograd.grad(out, xs, grad_outputs=c, create_graph=True)
    s = sum((g * lib.tensor(rng.standard_normal(a.shape))).sum()
            for g, a in zip(grads, arrays, strict=True))
    second = lib.autograd.grad(s, [*xs, c], allow_unused=True)
    return [g.detach().numpy() for g in grads] + [
        np.zeros(tuple(t.shape)) if h is None else h.detach().numpy()
        for h, t in zip(second, [*xs, c], strict=True)]


def same_as_torch(fn: Fn, *arrays: Any) -> None:
    arrays_ = [np.asarray(a, dtype=np.float64) for a in arrays]
    for ours, theirs in zip(second_order(tg, fn, arrays_), second_order(torch, fn, arrays_),
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def differences(fn: Fn, *arrays: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of the first-order <g, u> (the same u and c as ``second_order``)."""
    arrays_ = [np.asarray(a, dtype=np.float64) for a in arrays]
    rng = np.random.default_rng(0)
    c = rng.standard_normal(tuple(fn(tg, *[tg.tensor(a) for a in arrays_]).shape))
    us = [rng.standard_normal(a.shape) for a in arrays_]

    def dot(values: list[np.ndarray]) -> float:
        xs = [tg.tensor(v, requires_grad=True) for v in values]
        grads = tg.autograd.grad(fn(tg, *xs), xs, grad_outputs=tg.tensor(c))
        return float(sum((g.numpy() * u).sum() for g, u in zip(grads, us, strict=True)))

    result = []
    for i, a in enumerate(arrays_):
        numeric = np.zeros(a.shape)
        for j in np.ndindex(a.shape):
            up = [v.copy() for v in arrays_]
            down = [v.copy() for v in arrays_]
            up[i][j] += eps
            down[i][j] -= eps
            numeric[j] = (dot(up) - dot(down)) / (2 * eps)
        result.append(numeric)
    return result


def same_as_differences(fn: Fn, *arrays: Any) -> None:
    """The second-order terms equal central differences of the first-order gradient."""
    analytic = second_order(tg, fn, [np.asarray(a, dtype=np.float64) for a in arrays])
    for k, numeric in enumerate(differences(fn, *arrays)):
        np.testing.assert_allclose(analytic[len(arrays) + k], numeric, rtol=1e-5, atol=1e-6)


ZEROS = [[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 2.0, 4.0], [0.0, 1.5, -2.0, 0.5]]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_with_zeros(dim: int) -> None:
    same_as_torch(lambda lib, x: x.cumprod(dim), ZEROS)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_prod_with_zeros(dim: Any) -> None:
    def fn(lib: Any, x: Any) -> Any:
        out = x.prod() if dim is None else x.prod(dim) if isinstance(dim, int) else \
            x.prod(dim[0]).prod(dim[1] - 1)
        return out * out

    same_as_torch(fn, ZEROS)


def test_prod_over_an_empty_dim() -> None:
    """The empty product is 1 whatever x is: a zero gradient (first order too)."""
    same_as_torch(lambda lib, x: x.prod(1) * 2, np.zeros((2, 0)))


def test_cumsum_is_linear() -> None:
    same_as_torch(lambda lib, x: x.cumsum(1) ** 2, np.arange(12.0).reshape(3, 4) / 7)


def test_logcumsumexp_with_minus_infinity_stays_finite() -> None:
    """torch gives nan at the -inf entries; ours gives 0 there (nothing depends on them while
    they are -inf) and torch's numbers everywhere else."""
    x = np.array([[-np.inf, -np.inf, 1.0, 2.0], [0.5, -np.inf, -1.0, 3.0]])
    fn = lambda lib, t: t.logcumsumexp(1)  # noqa: E731
    ours = second_order(tg, fn, [x])
    theirs = second_order(torch, fn, [x])
    for a, b in zip(ours, theirs, strict=True):
        assert np.isfinite(a).all()
        ok = np.isfinite(b)
        np.testing.assert_allclose(a[ok], b[ok], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros(include_self: bool) -> None:
    x = [[0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 0.0, 1.0], [3.0, 4.0, 5.0, 6.0]]
    src = [[0.0, 1.0, 2.0, 0.5], [1.0, 2.0, 3.0, 0.0]]  # at most one zero per place
    index = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    same_as_torch(lambda lib, a, s: a.scatter_reduce(0, lib.tensor(index), s, "prod",
                                                     include_self=include_self) ** 2, x, src)


def test_scatter_reduce_prod_with_two_zeros_at_a_place() -> None:
    """torch refuses the double backward there; ours is exact (central differences)."""
    index = np.array([[0, 1], [0, 1]])
    same_as_differences(lambda lib, a, s: a.scatter_reduce(0, lib.tensor(index), s, "prod")
                        ** 2, [[1.5, 2.0], [1.0, -1.0]], [[0.0, 1.0], [0.0, 2.0]])


@pytest.mark.parametrize(("equation", "shapes"), [
    ("ii->i", [(3, 3)]), ("iij,j->i", [(3, 3, 2), (2,)]), ("ij->", [(2, 3)]),
    ("ij,jk->ik", [(3, 1), (4, 2)]), ("ii,i->i", [(1, 1), (3,)]), ("i,i->", [(4,), (4,)]),
    ("bij,bjk,bkl->bil", [(2, 2, 3), (2, 3, 2), (1, 2, 2)]),
], ids=["diagonal", "diagonal_times_vector", "total", "broadcast_size_1",
        "broadcast_diagonal", "dot", "chain"])
def test_einsum_letters(equation: str, shapes: list[tuple[int, ...]]) -> None:
    rng = np.random.default_rng(len(equation))
    same_as_torch(lambda lib, *xs: lib.einsum(equation, *xs) ** 2,
                  *[rng.standard_normal(s) for s in shapes])


def test_take_along_dim_with_an_index_that_broadcasts_x() -> None:
    """x (1, 4) against index (2, 1): x is broadcast, its gradient summed back."""
    index = np.array([[0], [2]])
    same_as_torch(lambda lib, x: lib.take_along_dim(x, lib.tensor(index), dim=1) ** 2,
                  [[0.5, -1.0, 2.0, 1.5]])


def test_embedding_scale_grad_by_freq_divides_on_each_pass() -> None:
    """scale_grad_by_freq changes embedding's backward (each row's gradient divided by the
    count of its id), so each backward pass through the lookup divides once. The first-order
    gradient, dW[v] = sum over the tokens of v of dout / count(v), is linear in the cotangent
    c, and its derivative in c keeps the 1 / count(v) (torch's double backward drops it); its
    derivative in W passes the lookup's backward a second time, so it is the central
    difference of dW divided by count(v) once more."""
    ids = np.array([[0, 2, 2], [4, 1, 0]])
    fn = lambda lib, w: lib.nn.functional.embedding(  # noqa: E731
        lib.tensor(ids), w, scale_grad_by_freq=True) ** 2
    w = np.random.default_rng(3).standard_normal((5, 3))
    ours = second_order(tg, fn, [w])
    rng = np.random.default_rng(0)  # the u and c that second_order drew
    rng.standard_normal(ids.shape + (3,))
    u = rng.standard_normal(w.shape)
    counts = np.maximum(np.bincount(ids.ravel(), minlength=5), 1)[:, None]
    np.testing.assert_allclose(ours[-1], (u * 2 * w / counts)[ids], rtol=1e-12)
    (numeric,) = differences(fn, w)
    np.testing.assert_allclose(ours[1], numeric / counts, rtol=1e-6, atol=1e-8)


def _third(lib: Any, fn: Fn, x: np.ndarray) -> np.ndarray:
    """d/dx sum(h^2), h = d/dx sum(g^2), g = d/dx fn(x): a third derivative."""
    t = lib.tensor(x.copy(), requires_grad=True)
    (g,) = lib.autograd.grad(fn(lib, t), t, create_graph=True)
    (h,) = lib.autograd.grad((g * g).sum(), t, create_graph=True)
    (third,) = lib.autograd.grad((h * h).sum(), t)
    return third.detach().numpy()


@pytest.mark.parametrize("name", ["cumprod", "prod", "cumsum"])
def test_third_derivatives_match_torch(name: str) -> None:
    # products, not ** 2: pow's own third derivative at 0 is a separate matter (0 * 0**-1)
    fn = {"cumprod": lambda lib, t: (t.cumprod(1) * t.cumprod(1)).sum(),
          "prod": lambda lib, t: (t.prod(1) * t.prod(1)).sum(),
          "cumsum": lambda lib, t: (t.cumsum(1) * t.cumsum(1) * t.cumsum(1)).sum()}[name]
    x = np.array([[2.0, 0.0, 3.0, -1.5], [0.5, 1.0, 2.0, 4.0]])
    np.testing.assert_allclose(_third(tg, fn, x), _third(torch, fn, x), rtol=1e-9)


def test_third_derivative_of_logcumsumexp() -> None:
    """torch's third derivative of logcumsumexp is nan (its backward takes log |dout|); ours
    equals central differences of torch's second-order quantity."""
    def fn(lib: Any, t: Any) -> Any:
        return (t.logcumsumexp(1) ** 2).sum()

    x = np.array([[0.5, -1.0, 0.3], [1.5, 0.2, -0.7]])

    def second(xv: np.ndarray) -> float:
        t = torch.tensor(xv, requires_grad=True)
        (g,) = torch.autograd.grad(fn(torch, t), t, create_graph=True)
        (h,) = torch.autograd.grad((g * g).sum(), t)
        return float((h * h).sum())

    numeric = np.zeros(x.shape)
    for j in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[j] += 1e-6
        down[j] -= 1e-6
        numeric[j] = (second(up) - second(down)) / 2e-6
    np.testing.assert_allclose(_third(tg, fn, x), numeric, rtol=1e-5, atol=1e-6)
