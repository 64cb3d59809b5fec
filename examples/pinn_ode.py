"""A physics-informed neural network (PINN): solve u''(x) = -pi^2 sin(pi x) on [0, 1].

A PINN does not learn from solution data. It trains a small network ``u(x)`` so that the
*equation itself* holds at sampled points, plus the boundary conditions:

    loss = mean over x in (0, 1) of (u''(x) + pi^2 sin(pi x))^2  +  u(0)^2 + u(1)^2

The exact solution is u(x) = sin(pi x). The derivatives of the network with respect to its
*input* come from autograd, nested:

    du   = grad(u.sum(),  x, create_graph=True)   # u'(x) at every point, itself a graph
    d2u  = grad(du.sum(), x, create_graph=True)   # u''(x), a graph of the weights too

(``u.sum()`` works because u(x_i) depends only on x_i, so d(sum)/dx_i = u'(x_i).) The loss is
then differentiated once more, with respect to the weights, by ``loss.backward()``: a
third-order graph through ``tanh`` and ``matmul``, all built from each op's differentiable
backward.

Run:
    python examples/pinn_ode.py            # 3000 Adam steps, writes examples/out/pinn_ode.png
    python examples/pinn_ode.py --quick    # a few steps (used by the tests)

Measured (2 cores shared with other jobs, float64, 62 interior collocation points, network
1-32-32-1 tanh, Adam 3e-3): 3000 steps take one to two minutes (20-40 ms a step) and reach a
max error |u - sin(pi x)| of 9e-5 on a fine grid (2e-3 after 500 steps).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn as nn

PI = math.pi


def make_net(width: int = 32) -> nn.Module:
    """u(x): 1 -> width -> width -> 1 with tanh (smooth, so u'' is meaningful)."""
    return nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(),
                         nn.Linear(width, 1)).double()


def second_derivative(net: nn.Module, x: tg.Tensor) -> tuple[tg.Tensor, tg.Tensor, tg.Tensor]:
    """(u, u', u'') at the points ``x`` (shape (n, 1), requires grad), by nested grad."""
    u = net(x)
    (du,) = tg.autograd.grad(u.sum(), x, create_graph=True)
    (d2u,) = tg.autograd.grad(du.sum(), x, create_graph=True)
    return u, du, d2u


def pinn_loss(net: nn.Module, x: tg.Tensor) -> tuple[tg.Tensor, tg.Tensor, tg.Tensor]:
    """(total, residual part, boundary part) of the physics-informed loss."""
    _, _, d2u = second_derivative(net, x)
    residual = ((d2u + PI ** 2 * (PI * x).sin()) ** 2).mean()
    ends = net(tg.tensor([[0.0], [1.0]], dtype=tg.float64))
    boundary = (ends ** 2).sum()
    return residual + boundary, residual, boundary


def max_error(net: nn.Module, n: int = 201) -> float:
    """max |u(x) - sin(pi x)| on a fine grid."""
    grid = np.linspace(0, 1, n)[:, None]
    with tg.no_grad():
        u = net(tg.tensor(grid)).numpy()
    return float(np.abs(u - np.sin(PI * grid)).max())


def train(steps: int, points: int, seed: int = 0, log_every: int = 500
          ) -> tuple[nn.Module, list[float]]:
    tg.manual_seed(seed)
    net = make_net()
    x = tg.tensor(np.linspace(0, 1, points)[1:-1, None], requires_grad=True)  # interior
    opt = tg.optim.Adam(net.parameters(), lr=3e-3)
    history = []
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss, residual, boundary = pinn_loss(net, x)
        loss.backward()
        opt.step()
        history.append(loss.item())
        if step % log_every == 0 or step == steps:
            print(f"step {step:5d}  loss {loss.item():.3e}  (residual {residual.item():.3e}, "
                  f"boundary {boundary.item():.3e})  max error {max_error(net):.2e}")
    return net, history


def save_figure(net: nn.Module, history: list[float], path: Path) -> Path | None:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: no plot (pip install -e \".[examples]\")")
        return None
    grid = np.linspace(0, 1, 201)[:, None]
    with tg.no_grad():
        u = net(tg.tensor(grid)).numpy()[:, 0]
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    ax_u, ax_err, ax_loss = fig.subplots(1, 3)
    ax_u.plot(grid, np.sin(PI * grid), "k--", label="exact sin(pi x)")
    ax_u.plot(grid, u, label="PINN u(x)")
    ax_u.set_title("u'' = -pi^2 sin(pi x), u(0) = u(1) = 0")
    ax_u.legend()
    ax_err.plot(grid, u - np.sin(PI * grid[:, 0]))
    ax_err.set_title("error u(x) - sin(pi x)")
    ax_loss.semilogy(history)
    ax_loss.set_title("physics-informed loss")
    ax_loss.set_xlabel("Adam step")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps (for the tests)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--points", type=int, default=64, help="collocation points")
    parser.add_argument("--out", type=Path, default=Path("examples/out/pinn_ode.png"))
    args = parser.parse_args()
    steps = 20 if args.quick else args.steps
    start = time.perf_counter()
    net, history = train(steps, 16 if args.quick else args.points,
                         log_every=10 if args.quick else 500)
    print(f"{steps} steps in {time.perf_counter() - start:.1f} s; max |u - sin(pi x)| = "
          f"{max_error(net):.2e}")
    path = save_figure(net, history, args.out)
    if path is not None:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
