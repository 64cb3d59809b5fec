"""Newton's method with ``autograd.functional.hessian``: logistic regression in a few steps.

Logistic regression on two classes of scikit-learn's 8x8 digits (3 against 8, the pixels
scaled to [0, 1], a bias column): the loss of the weights ``w`` (65 numbers) is

    L(w) = mean_i -log sigmoid(y_i x_i . w)  +  (lam / 2) |w|^2,      y_i in {-1, +1}

It is smooth and strictly convex, so Newton's method

    w  <-  w - H(w)^{-1} grad L(w)

converges quadratically: once close, every step doubles the number of correct digits. Here
``grad L`` comes from ``autograd.grad`` and the 65x65 Hessian ``H`` from
``autograd.functional.hessian``: the Jacobian of the gradient, one backward pass through the
gradient's own graph per row (``create_graph=True`` inside). For comparison, gradient descent
with the step 1/(largest curvature) needs hundreds of steps to reach the same loss.

-log sigmoid(z) is written with operations that have a differentiable backward:
log sigmoid(z) = log_softmax([0, z])[1], stable for large |z| (a plain ``sigmoid().log()``
underflows to -inf for very negative z).

Run:
    python examples/newton_logistic.py           # writes examples/out/newton_logistic.png
    python examples/newton_logistic.py --quick   # fewer samples and steps (for the tests)

Measured (2 cores, 357 images): Newton reaches |grad| < 1e-12 in 6 steps (1.6 s, most of it
the six Hessians); gradient descent needs about 1700 steps (20 s) to come within 1e-8 of the
same loss.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg

LAM = 1e-2


def load_data(per_class: int | None, classes: tuple[int, int] = (3, 8)
              ) -> tuple[np.ndarray, np.ndarray, str]:
    """(X with a bias column, y in {-1, +1}, a description): sklearn's digits, or, without
    scikit-learn, two overlapping Gaussian clouds in 10 dimensions."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        rng = np.random.default_rng(0)
        n = per_class or 200
        x = np.concatenate([rng.normal(-0.3, 1, (n, 10)), rng.normal(0.3, 1, (n, 10))])
        y = np.repeat([-1.0, 1.0], n)
        what = f"generated data (scikit-learn not installed): {2 * n} points in 10-d"
    else:
        digits = load_digits()
        keep = [np.flatnonzero(digits.target == c)[:per_class] for c in classes]
        x = digits.data[np.concatenate(keep)] / 16.0
        y = np.repeat([-1.0, 1.0], [len(k) for k in keep])
        what = f"digits {classes[0]} vs {classes[1]}: {len(y)} images of 8x8 pixels"
    x = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    return x, y, what


def log_sigmoid(z: tg.Tensor) -> tg.Tensor:
    """log sigmoid(z) = log(e^z / (e^0 + e^z)) = log_softmax([0, z])[1], elementwise."""
    pair = tg.stack([tg.zeros_like(z), z], dim=1)
    return pair.log_softmax(dim=1)[:, 1]


def make_loss(x: np.ndarray, y: np.ndarray):
    """L(w) for fixed data, as a function of one Tensor (what ``hessian`` differentiates)."""
    xt, yt = tg.tensor(x), tg.tensor(y)

    def loss(w: tg.Tensor) -> tg.Tensor:
        return -log_sigmoid(yt * (xt @ w)).mean() + LAM / 2 * (w * w).sum()

    return loss


def gradient(loss, w: tg.Tensor) -> tg.Tensor:
    w = w.detach().requires_grad_(True)
    (g,) = tg.autograd.grad(loss(w), w)
    return g


def newton(loss, w0: np.ndarray, steps: int, tol: float = 1e-10
           ) -> tuple[np.ndarray, list[float], list[float]]:
    """Newton's method; returns (w, losses, gradient norms) per iterate."""
    w = tg.tensor(w0)
    losses, norms = [], []
    for _ in range(steps + 1):
        g = gradient(loss, w)
        losses.append(loss(w).item())
        norms.append(float(g.norm()))
        if norms[-1] < tol:
            break
        h = tg.autograd.functional.hessian(loss, w)  # (65, 65)
        w = w - tg.linalg.solve(h, g)
    return w.numpy(), losses, norms


def gradient_descent(loss, w0: np.ndarray, x: np.ndarray, steps: int, target: float
                     ) -> tuple[np.ndarray, list[float]]:
    """Steps of 1/L, L = the largest curvature bound |X|^2 / (4 n) + lam; stop at ``target``."""
    lr = 1.0 / (np.linalg.norm(x, 2) ** 2 / (4 * len(x)) + LAM)
    w = tg.tensor(w0)
    losses = []
    for _ in range(steps):
        losses.append(loss(w).item())
        if losses[-1] <= target:
            break
        w = w - lr * gradient(loss, w)
    return w.numpy(), losses


def save_figure(newton_losses: list[float], gd_losses: list[float], best: float,
                path: Path) -> Path | None:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: no plot (pip install -e \".[examples]\")")
        return None
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.subplots()
    floor = 1e-16
    ax.semilogy(np.maximum(np.array(gd_losses) - best, floor), label="gradient descent")
    ax.semilogy(np.maximum(np.array(newton_losses) - best, floor), "o-", label="Newton")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss - optimum")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_title("logistic regression: Newton (autograd.functional.hessian) vs GD")
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and GD steps")
    parser.add_argument("--out", type=Path, default=Path("examples/out/newton_logistic.png"))
    args = parser.parse_args()
    x, y, what = load_data(40 if args.quick else None)
    print(what)
    loss = make_loss(x, y)
    w0 = np.zeros(x.shape[1])

    start = time.perf_counter()
    w, newton_losses, norms = newton(loss, w0, steps=20)
    newton_time = time.perf_counter() - start
    for k, (value, norm) in enumerate(zip(newton_losses, norms, strict=True)):
        print(f"Newton step {k}: loss {value:.12f}  |grad| {norm:.2e}")
    accuracy = float((np.sign(x @ w) == y).mean())
    print(f"Newton: {len(newton_losses) - 1} steps in {newton_time:.2f} s, training accuracy "
          f"{accuracy:.3f}")

    start = time.perf_counter()
    best = newton_losses[-1]
    _, gd_losses = gradient_descent(loss, w0, x, steps=300 if args.quick else 5000,
                                    target=best + 1e-8)
    reached = gd_losses[-1] <= best + 1e-8
    print(f"gradient descent: {len(gd_losses) - 1} steps in {time.perf_counter() - start:.2f} s"
          f" {'reach' if reached else 'do not reach'} the loss to 1e-8 "
          f"(gap {gd_losses[-1] - best:.1e})")
    path = save_figure(newton_losses, gd_losses, best, args.out)
    if path is not None:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
