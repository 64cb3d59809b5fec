"""Hessians of the classifier losses, against torch: what Newton's method needs.

The Hessian of a small softmax-regression loss (``F.cross_entropy``) and logistic-regression
loss (``F.binary_cross_entropy`` of a sigmoid, ``F.binary_cross_entropy_with_logits``) is built
row by row with nested ``autograd.grad`` (a gradient taken with ``create_graph=True``, then
each of its entries differentiated again), in tinygrad_edu and in torch, in float64. The
logistic one is also checked against its closed form X^T diag(p (1 - p)) X / N, and a few
Newton steps must follow torch's iterates to the minimum. A bag-of-words classifier adds
``embedding`` and ``einsum`` to the graph; dropout's second derivative must reuse the
forward's mask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops import OPS

torch = pytest.importorskip("torch")

N, D, C = 7, 3, 4
RNG = np.random.default_rng(17)
X = RNG.standard_normal((N, D))
LABELS = RNG.integers(0, C, N)
BINARY = RNG.integers(0, 2, N).astype(np.float64)
SOFT = RNG.uniform(0.1, 1.0, (N, C))
SOFT /= SOFT.sum(1, keepdims=True)

Loss = Callable[[Any, Any], Any]  # loss(lib, theta) -> 0-d tensor


def hessian_by_rows(lib: Any, loss: Loss, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gradient, Hessian) of loss(theta): the gradient with create_graph=True, then one
    backward per gradient entry."""
    t = lib.tensor(theta.copy(), requires_grad=True)
    (g,) = lib.autograd.grad(loss(lib, t), t, create_graph=True)
    rows = [lib.autograd.grad(g[i], t, retain_graph=True)[0].detach().numpy()
            for i in range(theta.size)]
    return g.detach().numpy(), np.stack(rows)


def same_hessian(loss: Loss, theta: np.ndarray) -> np.ndarray:
    """The gradient and the Hessian equal torch's; returns the Hessian."""
    g_ours, h_ours = hessian_by_rows(tg, loss, theta)
    g_torch, h_torch = hessian_by_rows(torch, loss, theta)
    np.testing.assert_allclose(g_ours, g_torch, rtol=1e-10, atol=1e-12)
    # atol: torch's double backward of binary_cross_entropy adds eps = 1e-12 to x and 1 - x
    # (an error of ~1e-12 on these Hessians; ours meets the closed form to ~1e-16)
    np.testing.assert_allclose(h_ours, h_torch, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(h_ours, h_ours.T, rtol=1e-9, atol=1e-12)  # symmetric
    return h_ours


def _softmax_regression(**kw: Any) -> Loss:
    """cross_entropy(X W + b, labels) with theta = (W flattened, b)."""
    def loss(lib: Any, theta: Any) -> Any:
        w = theta[: D * C].reshape(D, C)
        logits = lib.tensor(X) @ w + theta[D * C:]
        target = lib.tensor(SOFT) if kw.get("soft") else lib.tensor(LABELS)
        extra = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v)
                 for k, v in kw.items() if k != "soft"}
        return lib.nn.functional.cross_entropy(logits, target, **extra)

    return loss


@pytest.mark.parametrize("kw", [
    {}, {"reduction": "sum"}, {"weight": np.array([1.0, 2.0, 0.5, 1.5])},
    {"ignore_index": 1}, {"label_smoothing": 0.1}, {"soft": True},
    {"weight": np.array([1.0, 2.0, 0.5, 1.5]), "label_smoothing": 0.2, "ignore_index": 2},
], ids=["mean", "sum", "weight", "ignore_index", "label_smoothing", "probabilities",
        "weight_smoothing_ignore"])
def test_softmax_regression_hessian_matches_torch(kw: dict[str, Any]) -> None:
    theta = RNG.standard_normal(D * C + C)
    h = same_hessian(_softmax_regression(**kw), theta)
    # softmax is unchanged by adding one number to every logit: b's Hessian block has the
    # all-ones vector in its null space (a flat direction of the loss)
    np.testing.assert_allclose(h[D * C:, D * C:] @ np.ones(C), 0.0, atol=1e-12)


def test_spatial_nll_loss_hessian_matches_torch() -> None:
    """nll_loss(log_softmax) over an (N, C, L) input, per-position losses summed."""
    x3 = RNG.standard_normal((2, C, 3))
    labels = RNG.integers(0, C, (2, 3))

    def loss(lib: Any, theta: Any) -> Any:
        logits = lib.tensor(x3) * theta.reshape(1, C, 1)
        logp = logits.log_softmax(1)
        return (lib.nn.functional.nll_loss(logp, lib.tensor(labels), reduction="none")
                ** 2).sum()

    same_hessian(loss, RNG.standard_normal(C))


def _logistic(kind: str, x: np.ndarray = X, labels: np.ndarray = BINARY, **kw: Any) -> Loss:
    """Logistic regression, theta = (w, b): BCE of sigmoid(x w + b) against 0/1 labels."""
    def loss(lib: Any, theta: Any) -> Any:
        z = lib.tensor(x) @ theta[:-1] + theta[-1]
        extra = {k: lib.tensor(v) for k, v in kw.items()}
        if kind == "probabilities":
            return lib.nn.functional.binary_cross_entropy(z.sigmoid(), lib.tensor(labels),
                                                          **extra)
        return lib.nn.functional.binary_cross_entropy_with_logits(z, lib.tensor(labels),
                                                                  **extra)

    return loss


needs_softplus = pytest.mark.skipif(
    OPS["softplus"].grad is None, reason="binary_cross_entropy_with_logits runs softplus, which "
    "has no differentiable backward here")


def _closed_form(theta: np.ndarray) -> np.ndarray:
    """The logistic loss's Hessian: A^T diag(p (1 - p)) A / N, A = [X, 1]."""
    a = np.hstack([X, np.ones((N, 1))])
    p = 1 / (1 + np.exp(-(a @ theta)))
    return a.T @ (a * (p * (1 - p))[:, None]) / N


@pytest.mark.parametrize("kind", ["probabilities",
                                  pytest.param("logits", marks=needs_softplus)])
def test_logistic_regression_hessian_matches_torch_and_closed_form(kind: str) -> None:
    theta = RNG.standard_normal(D + 1)
    h = same_hessian(_logistic(kind), theta)
    np.testing.assert_allclose(h, _closed_form(theta), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["probabilities",
                                  pytest.param("logits", marks=needs_softplus)])
def test_weighted_logistic_hessian_matches_torch(kind: str) -> None:
    weight = RNG.uniform(0.5, 2.0, N)
    same_hessian(_logistic(kind, weight=weight), RNG.standard_normal(D + 1))


@needs_softplus
def test_pos_weight_logistic_hessian_matches_torch() -> None:
    same_hessian(_logistic("logits", pos_weight=np.array(2.5)), RNG.standard_normal(D + 1))


def test_bce_target_second_derivatives_match_torch() -> None:
    """BCE's gradient in the target depends on the prediction: the mixed derivative."""
    p = RNG.uniform(0.05, 0.95, (3, 2))

    def loss(lib: Any, theta: Any) -> Any:
        half = theta.numel() // 2
        x, y = theta[:half].reshape(3, 2), theta[half:].reshape(3, 2)
        return lib.nn.functional.binary_cross_entropy(x, y, reduction="sum")

    same_hessian(loss, np.concatenate([p.ravel(), RNG.uniform(0, 1, 6)]))


def newton(lib: Any, loss: Loss, theta: np.ndarray, steps: int) -> list[float]:
    """Newton's method: theta <- theta - H^-1 g; the losses along the way."""
    losses = []
    for _ in range(steps):
        g, h = hessian_by_rows(lib, loss, theta)
        theta = theta - np.linalg.solve(h + 1e-9 * np.eye(theta.size), g)
        losses.append(float(loss(lib, lib.tensor(theta)).detach().numpy()))
    return losses


def test_newton_on_logistic_regression_follows_torch() -> None:
    """A few Newton steps on a (non-separable) logistic regression: the same iterates as
    torch's, converging quadratically (the last steps change the loss by ~nothing)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((60, D))
    labels = (rng.random(60) < 1 / (1 + np.exp(-(x @ [1.5, -2.0, 0.5] + 0.3)))).astype(float)
    loss = _logistic("probabilities", x, labels)
    ours = newton(tg, loss, np.zeros(D + 1), 6)
    theirs = newton(torch, loss, np.zeros(D + 1), 6)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    assert ours[-1] <= ours[0]
    assert abs(ours[-1] - ours[-2]) < 1e-8


def test_bag_of_words_classifier_hessian_matches_torch() -> None:
    """embedding rows averaged per sentence, an einsum for the classifier, cross_entropy: the
    Hessian in the embedding table (embedding's backward is a scatter-add; differentiated
    again it gathers)."""
    vocab, dim = 5, 2
    words = RNG.integers(0, vocab, (N, 3))
    proj = RNG.standard_normal((dim, C))

    def loss(lib: Any, theta: Any) -> Any:
        table = theta.reshape(vocab, dim)
        feats = lib.nn.functional.embedding(lib.tensor(words), table).mean(1)
        logits = lib.einsum("nd,dc->nc", feats, lib.tensor(proj))
        return lib.nn.functional.cross_entropy(logits, lib.tensor(LABELS))

    same_hessian(loss, RNG.standard_normal(vocab * dim))


def test_dropout_second_derivative_reuses_the_forward_mask() -> None:
    """d2/dx2 sum(dropout(x)^2) = 2 mask^2: the mask the forward drew, not a new one."""
    x = tg.tensor(RNG.uniform(1.0, 2.0, (4, 5)), requires_grad=True)
    tg.manual_seed(3)
    y = tg.nn.functional.dropout(x, 0.5)
    mask = y.detach().numpy() / x.detach().numpy()
    assert set(np.unique(mask)) <= {0.0, 2.0}
    assert (mask == 0).any()
    assert (mask == 2).any()
    (g,) = tg.autograd.grad((y**2).sum(), x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), 2 * x.detach().numpy() * mask**2)
    np.testing.assert_allclose(h.numpy(), 2 * mask**2)
