"""The higher-order examples (wgan_gp, pinn_ode, newton_logistic): quick mode end to end, and
the piece of math each one is about checked against torch or a closed form."""

from __future__ import annotations

import math
import os
import runpy
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def run_example(name: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [name, *args])
    monkeypatch.setattr(os, "environ", os.environ.copy())
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / name))


def torch_copy(module: Any, torch: Any) -> Any:
    """The same Sequential of Linear/activation layers in torch, with the same weights."""
    layers = []
    for layer in module:
        if isinstance(layer, tg.nn.Linear):
            copy = torch.nn.Linear(layer.in_features, layer.out_features,
                                   dtype=getattr(torch, str(layer.weight.dtype).split(".")[-1]))
            with torch.no_grad():
                copy.weight.copy_(torch.tensor(layer.weight.detach().numpy()))
                copy.bias.copy_(torch.tensor(layer.bias.detach().numpy()))
            layers.append(copy)
        else:
            layers.append(getattr(torch.nn, type(layer).__name__)())
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("name", ["wgan_gp.py", "pinn_ode.py", "newton_logistic.py"])
def test_quick_mode_runs_and_saves_a_plot(name: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "plot.png"
    run_example(name, "--quick", "--out", str(out), monkeypatch=monkeypatch)
    printed = capsys.readouterr().out
    assert "nan" not in printed
    assert "inf" not in printed.replace("informed", "")
    assert out.read_bytes()[:8] == PNG


def test_without_matplotlib_the_examples_skip_the_plot(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    out = tmp_path / "plot.png"
    run_example("pinn_ode.py", "--quick", "--out", str(out), monkeypatch=monkeypatch)
    assert "matplotlib is not installed: no plot" in capsys.readouterr().out
    assert not out.exists()


# ----------------------------------------------------------------------------- WGAN-GP

def test_wgan_gp_quick_losses_are_finite_and_the_penalty_trains_the_critic() -> None:
    ex = load("wgan_gp.py")
    critic, generator, distances = ex["train"](steps=2, batch=32, log_every=10)
    assert np.isfinite(distances).all()
    real = tg.tensor(ex["eight_gaussians"](np.random.default_rng(3), 32))
    with tg.no_grad():
        fake = generator(tg.randn(32, ex["NOISE"]))
    penalty = ex["gradient_penalty"](critic, real, fake)
    # every layer's weight gets a gradient from the penalty, a function of dD/dx (the biases
    # reach dD/dx only through ReLU's piecewise-constant slope: no gradient, as in torch)
    weights = [layer.weight for layer in critic if isinstance(layer, tg.nn.Linear)]
    grads = tg.autograd.grad(penalty, weights)
    assert all(np.isfinite(g.numpy()).all() and np.abs(g.numpy()).max() > 0 for g in grads)


def test_wgan_gradient_penalty_and_its_weight_gradient_match_torch() -> None:
    torch = pytest.importorskip("torch")
    ex = load("wgan_gp.py")
    tg.manual_seed(0)
    critic = ex["mlp"](2, 1)
    rng = np.random.default_rng(0)
    real, fake = ex["eight_gaussians"](rng, 16), rng.standard_normal((16, 2)).astype(np.float32)
    eps = rng.uniform(size=(16, 1)).astype(np.float32)
    penalty = ex["gradient_penalty"](critic, tg.tensor(real), tg.tensor(fake), tg.tensor(eps))
    ours = tg.autograd.grad(penalty, list(critic.parameters()), allow_unused=True)

    theirs_critic = torch_copy(critic, torch)
    x_hat = torch.tensor(eps * real + (1 - eps) * fake, requires_grad=True)
    (g,) = torch.autograd.grad(theirs_critic(x_hat).sum(), x_hat, create_graph=True)
    theirs_penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
    theirs = torch.autograd.grad(theirs_penalty, list(theirs_critic.parameters()),
                                 allow_unused=True)
    np.testing.assert_allclose(penalty.item(), theirs_penalty.item(), rtol=1e-5)
    for a, b in zip(ours, theirs, strict=True):
        # the hidden biases reach dD/dx only through ReLU's mask: torch's threshold_backward
        # connects them and gives zeros, tinygrad_edu's relu grad (a where on a mask) None;
        # the last bias does not reach dD/dx at all (None in both)
        if a is None:
            assert b is None or not b.detach().numpy().any()
        else:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)


# ----------------------------------------------------------------------------- PINN

def test_pinn_nested_derivatives_and_loss_gradient_match_torch() -> None:
    torch = pytest.importorskip("torch")
    ex = load("pinn_ode.py")
    tg.manual_seed(0)
    net = ex["make_net"](8)
    points = np.linspace(0, 1, 9)[1:-1, None]
    x = tg.tensor(points, requires_grad=True)
    u, du, d2u = ex["second_derivative"](net, x)
    loss, _, _ = ex["pinn_loss"](net, x)
    ours = tg.autograd.grad(loss, list(net.parameters()))

    tnet = torch_copy(net, torch)
    tx = torch.tensor(points, requires_grad=True)
    tu = tnet(tx)
    (tdu,) = torch.autograd.grad(tu.sum(), tx, create_graph=True)
    (td2u,) = torch.autograd.grad(tdu.sum(), tx, create_graph=True)
    residual = ((td2u + math.pi ** 2 * torch.sin(math.pi * tx)) ** 2).mean()
    ends = tnet(torch.tensor([[0.0], [1.0]], dtype=torch.float64))
    tloss = residual + (ends ** 2).sum()
    theirs = torch.autograd.grad(tloss, list(tnet.parameters()))
    for a, b in [(u, tu), (du, tdu), (d2u, td2u), (loss, tloss)]:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


def test_pinn_second_derivative_matches_central_differences() -> None:
    ex = load("pinn_ode.py")
    tg.manual_seed(1)
    net = ex["make_net"](8)
    points = np.array([[0.2], [0.5], [0.9]])
    _, _, d2u = ex["second_derivative"](net, tg.tensor(points, requires_grad=True))
    h = 1e-4
    with tg.no_grad():
        f = [net(tg.tensor(points + k * h)).numpy() for k in (-1, 0, 1)]
    np.testing.assert_allclose(d2u.detach().numpy(), (f[0] - 2 * f[1] + f[2]) / h ** 2,
                               rtol=1e-5, atol=1e-5)


def test_pinn_training_lowers_the_loss() -> None:
    ex = load("pinn_ode.py")
    _, history = ex["train"](steps=40, points=16, log_every=1000)
    assert history[-1] < 0.5 * history[0]


# ----------------------------------------------------------------------------- Newton

def test_newton_hessian_is_the_closed_form() -> None:
    """H = X^T diag(s (1 - s)) X / n + lam I with s = sigmoid(y x.w) (y^2 = 1)."""
    ex = load("newton_logistic.py")
    x, y, _ = ex["load_data"](15)
    w = np.random.default_rng(0).normal(0, 0.3, x.shape[1])
    h = tg.autograd.functional.hessian(ex["make_loss"](x, y), tg.tensor(w)).numpy()
    s = 1 / (1 + np.exp(-y * (x @ w)))
    expected = x.T @ (x * (s * (1 - s))[:, None]) / len(x) + ex["LAM"] * np.eye(x.shape[1])
    np.testing.assert_allclose(h, expected, rtol=1e-10, atol=1e-12)


def test_newton_converges_in_a_few_steps_and_beats_gradient_descent() -> None:
    ex = load("newton_logistic.py")
    x, y, _ = ex["load_data"](30)
    loss = ex["make_loss"](x, y)
    w0 = np.zeros(x.shape[1])
    w, losses, norms = ex["newton"](loss, w0, steps=20)
    assert len(losses) <= 10
    assert norms[-1] < 1e-10
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
    _, gd = ex["gradient_descent"](loss, w0, x, steps=len(losses) * 10, target=losses[-1])
    assert gd[-1] > losses[-1] + 1e-6  # ten times the steps and still far behind
