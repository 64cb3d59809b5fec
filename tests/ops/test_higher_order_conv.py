"""Gradients of gradients through ConvNets: Hessian-vector products against PyTorch.

The catalog's second-order column checks each conv/pool/fold op alone; here they meet in small
networks, where one op's differentiable backward feeds another's (conv2d's backward builds a
conv_transpose2d and a conv2d_weight, max pooling's a max_pool2d_scatter, ...):

- the Hessian-vector product of a loss with respect to the weights, ``H v = d<grad L, v>/dw``,
  equals torch's in float64, for conv-relu-maxpool-linear with a cross-entropy (written as
  ``-(log_softmax * one_hot)``) and an MSE loss, and for a second net with a strided,
  dilated and grouped conv, avg and adaptive pooling, conv_transpose2d and unfold;
- the same product equals central differences of the first-order gradient (no torch);
- ``F.cross_entropy`` (through ``nll_loss``) gives torch's product, or, while ``nll_loss`` has
  no differentiable backward, an error naming it;
- third derivatives (the gradients of conv2d_weight, the pooling scatters and gathers) equal
  torch's (or, where torch's own fails, central differences);
- a spatial transformer (affine_grid, grid_sample, conv) gives torch's product;
- first-order gradients are unchanged: ``create_graph=False`` never calls a ``grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops import OPS

torch = pytest.importorskip("torch")

Net = Callable[[Any, Any, list[Any], Any], Any]


def _weights(rng: np.random.Generator, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    return [rng.standard_normal(s) * 0.5 for s in shapes]


def _cross_entropy(lib: Any, logits: Any, labels: np.ndarray) -> Any:
    """Mean cross-entropy as -(log_softmax * one_hot), summed over classes."""
    onehot = lib.tensor(np.eye(logits.shape[1])[labels])
    return -(lib.log_softmax(logits, dim=1) * onehot).sum() / logits.shape[0]


def _mse(lib: Any, out: Any, target: np.ndarray) -> Any:
    return ((out - lib.tensor(target)) ** 2).sum() / out.shape[0]


def convnet(lib: Any, x: Any, w: list[Any], loss: Callable[[Any], Any]) -> Any:
    """conv(2->4, 3x3, pad 1)-ReLU-maxpool 2-Linear(64->3), then ``loss``."""
    F = lib.nn.functional
    h = F.max_pool2d(F.relu(F.conv2d(x, w[0], w[1], padding=1)), 2)
    return loss(F.linear(h.reshape(h.shape[0], -1), w[2], w[3]))


CONVNET_SHAPES = [(4, 2, 3, 3), (4,), (3, 64), (3,)]


def convnet2(lib: Any, x: Any, w: list[Any], loss: Callable[[Any], Any]) -> Any:
    """conv(2->4, stride 2, pad 1)-tanh-avgpool 3/1/1-conv(4->4, dilation 2, groups 2)-tanh-
    conv_transpose(4->2, stride 2)-sigmoid-adaptive max pool 3-unfold 2-linear, then ``loss``."""
    F = lib.nn.functional
    h = F.avg_pool2d(F.conv2d(x, w[0], w[1], stride=2, padding=1).tanh(), 3, 1, 1,
                     count_include_pad=False)
    h = F.conv2d(h, w[2], None, padding=2, dilation=2, groups=2).tanh()
    h = F.conv_transpose2d(h, w[3], w[4], stride=2, output_padding=1).sigmoid()
    h = F.unfold(F.adaptive_max_pool2d(h, 3), 2)  # (N, 2*2*2, 4)
    return loss(F.linear(h.reshape(h.shape[0], -1), w[5]))


CONVNET2_SHAPES = [(4, 2, 3, 3), (4,), (4, 2, 3, 3), (4, 2, 2, 2), (2,), (3, 32)]


def _hvp(lib: Any, net: Net, x: np.ndarray, weights: list[np.ndarray],
         loss: Callable[[Any, Any], Any], v: list[np.ndarray]) -> list[np.ndarray]:
    """H v for the loss as a function of the weights (x is data)."""
    w = [lib.tensor(a.copy(), requires_grad=True) for a in weights]
    out = net(lib, lib.tensor(x), w, lambda z: loss(lib, z))
    grads = lib.autograd.grad(out, w, create_graph=True)
    dot = sum(((g * lib.tensor(u)).sum() for g, u in zip(grads, v, strict=True)),
              lib.tensor(0.0, dtype=lib.float64))
    return [h.detach().numpy() for h in lib.autograd.grad(dot, w)]


def _setup(shapes: list[tuple[int, ...]], seed: int, classes: bool
           ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], Any]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, 2, 8, 8))
    weights = _weights(rng, shapes)
    v = [rng.standard_normal(s) for s in shapes]
    target = rng.integers(0, 3, 5) if classes else rng.standard_normal((5, 3))
    return x, weights, v, target


LOSSES: dict[str, Callable[[Any], Callable[[Any, Any], Any]]] = {
    "cross_entropy": lambda t: lambda lib, z: _cross_entropy(lib, z, t),
    "mse": lambda t: lambda lib, z: _mse(lib, z, t),
}
NETS = {"convnet": (convnet, CONVNET_SHAPES), "convnet2": (convnet2, CONVNET2_SHAPES)}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("net_name", sorted(NETS))
def test_convnet_hessian_vector_product_matches_torch(net_name: str, loss_name: str,
                                                      seed: int) -> None:
    net, shapes = NETS[net_name]
    x, weights, v, target = _setup(shapes, seed, loss_name == "cross_entropy")
    loss = LOSSES[loss_name](target)
    ours = _hvp(tg, net, x, weights, loss, v)
    theirs = _hvp(torch, net, x, weights, loss, v)
    assert any(np.abs(t).max() > 1e-3 for t in theirs), "a product that is zero tests little"
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10,
                                   err_msg=f"{net_name}/{loss_name}: (H v) for weight {i}")


def _gradient(net: Net, x: np.ndarray, weights: list[np.ndarray],
              loss: Callable[[Any, Any], Any]) -> list[np.ndarray]:
    """The first-order gradient (no create_graph)."""
    w = [tg.tensor(a.copy(), requires_grad=True) for a in weights]
    out = net(tg, tg.tensor(x), w, lambda z: loss(tg, z))
    return [g.numpy() for g in tg.autograd.grad(out, w)]


@pytest.mark.parametrize("net_name", sorted(NETS))
def test_convnet_hessian_vector_product_matches_central_differences(net_name: str) -> None:
    """H v = (grad(w + eps v) - grad(w - eps v)) / (2 eps), without torch."""
    net, shapes = NETS[net_name]
    x, weights, v, target = _setup(shapes, 7, True)
    loss = LOSSES["cross_entropy"](target)
    eps = 1e-6
    up = _gradient(net, x, [w + eps * u for w, u in zip(weights, v, strict=True)], loss)
    down = _gradient(net, x, [w - eps * u for w, u in zip(weights, v, strict=True)], loss)
    ours = _hvp(tg, net, x, weights, loss, v)
    for i, (h, a, b) in enumerate(zip(ours, up, down, strict=True)):
        np.testing.assert_allclose(h, (a - b) / (2 * eps), rtol=1e-4, atol=1e-6,
                                   err_msg=f"{net_name}: (H v) for weight {i}")


def test_convnet_with_f_cross_entropy() -> None:
    """F.cross_entropy runs nll_loss: torch's product once nll_loss has a differentiable
    backward, until then an error that names it (never a silent zero)."""
    x, weights, v, target = _setup(CONVNET_SHAPES, 3, True)

    def loss(lib: Any, z: Any) -> Any:
        return lib.nn.functional.cross_entropy(z, lib.tensor(target))

    if OPS["nll_loss"].grad is None:
        with pytest.raises(RuntimeError, match="^nll_loss: the gradient of this op cannot be "
                                               "differentiated yet"):
            _hvp(tg, convnet, x, weights, loss, v)
        return
    ours = _hvp(tg, convnet, x, weights, loss, v)
    theirs = _hvp(torch, convnet, x, weights, loss, v)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


# ----------------------------------------------------------------------------- third order

def _third(lib: Any, fn: Callable[..., Any], arrays: list[np.ndarray], seed: int
           ) -> list[np.ndarray]:
    """d/dargs of <d<grad f, u>/dargs, t>: a third derivative along directions u and t."""
    rng = np.random.default_rng(seed)
    args = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    u = [lib.tensor(rng.standard_normal(a.shape)) for a in arrays]
    t = [lib.tensor(rng.standard_normal(a.shape)) for a in arrays]

    def dot(gs: Any, vs: list[Any]) -> Any:
        return sum(((g * w).sum() for g, w in zip(gs, vs, strict=True) if g is not None),
                   lib.tensor(0.0, dtype=lib.float64))

    g1 = lib.autograd.grad(fn(*args), args, create_graph=True)
    g2 = lib.autograd.grad(dot(g1, u), args, create_graph=True, allow_unused=True)
    g3 = lib.autograd.grad(dot(g2, t), args, allow_unused=True)
    return [np.zeros(a.shape) if g is None else g.detach().numpy()
            for g, a in zip(g3, arrays, strict=True)]


def _conv_cube(lib: Any) -> Callable[..., Any]:
    """Cubic in the weight and the input: the third derivative runs the grads of conv2d,
    conv2d_weight and conv_transpose2d."""
    F = lib.nn.functional

    def fn(x: Any, w: Any) -> Any:
        h = F.conv2d(x, w, None, stride=2, padding=1)
        back = F.conv_transpose2d(h, w, None, stride=2, padding=1)
        return (back * x).sum() ** 2 / 10
    return fn


def _padded_cube(lib: Any) -> Callable[..., Any]:
    """conv_transpose2d with output_padding, at stride 2 and at stride 1 (allowed by dilation
    2: the output then has more windows than x has pixels, so the grads crop and pad)."""
    F = lib.nn.functional

    def fn(x: Any, w: Any) -> Any:
        wide = F.conv_transpose2d(x, w, None, stride=1, dilation=2, output_padding=1)
        strided = F.conv_transpose2d(x, w, None, stride=2, output_padding=(1, 0))
        return ((wide ** 3).sum() + (strided ** 3).sum()) / 50
    return fn


def _pool_cube(lib: Any) -> Callable[..., Any]:
    """Max and average pooling between smooth cubic terms: their scatters' and gathers'
    grads run."""
    F = lib.nn.functional

    def fn(x: Any) -> Any:
        m = F.max_pool2d(x * x * x, 3, 1, 1)
        a = F.adaptive_avg_pool2d(x ** 3, (2, 3))
        return (m.sin().sum() + (a * a).sum()) * F.avg_pool2d(x, 2).sum()
    return fn


def test_third_derivative_through_conv_matches_torch() -> None:
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((3, 3, 3, 3)) * 0.5]
    ours = _third(tg, _conv_cube(tg), arrays, 1)
    theirs = _third(torch, _conv_cube(torch), arrays, 1)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def _directional(lib: Any, fn: Callable[..., Any], arrays: list[np.ndarray],
                 u: list[np.ndarray], t: list[np.ndarray]) -> float:
    """<d<grad f, u>/dargs, t>, a second derivative along u and t."""
    args = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    g = lib.autograd.grad(fn(*args), args, create_graph=True)
    dot = sum((gi * lib.tensor(d)).sum() for gi, d in zip(g, u, strict=True))
    return sum(float((h.detach().numpy() * d).sum())
               for h, d in zip(lib.autograd.grad(dot, args), t, strict=True))


def test_output_padding_to_third_order() -> None:
    """Second order against torch; third order against central differences of the second
    (torch's own third derivative of conv_transpose2d with output_padding fails: "output_padding
    is not supported for non-transposed convolutions")."""
    rng = np.random.default_rng(13)
    arrays = [rng.standard_normal((2, 2, 4, 3)), rng.standard_normal((2, 3, 2, 2)) * 0.5]
    for seed in (0, 1):
        ours = _third(tg, _padded_cube(tg), arrays, seed)  # along its directions u and t:
        r = np.random.default_rng(seed)
        u = [r.standard_normal(a.shape) for a in arrays]
        t = [r.standard_normal(a.shape) for a in arrays]
        assert np.isclose(_directional(tg, _padded_cube(tg), arrays, u, t),
                          _directional(torch, _padded_cube(torch), arrays, u, t), rtol=1e-9)
        eps = 1e-5
        for k, a in enumerate(arrays):
            numeric = np.zeros(a.shape)
            for j in np.ndindex(a.shape):
                shifted = [b.copy() for b in arrays]
                shifted[k][j] += eps
                up = _directional(tg, _padded_cube(tg), shifted, u, t)
                shifted[k][j] -= 2 * eps
                down = _directional(tg, _padded_cube(tg), shifted, u, t)
                numeric[j] = (up - down) / (2 * eps)
            np.testing.assert_allclose(ours[k], numeric, rtol=1e-5, atol=1e-6)


def test_third_derivative_through_pooling_matches_torch() -> None:
    rng = np.random.default_rng(12)
    size = 2 * 2 * 5 * 6
    x = rng.permutation(np.linspace(-1.5, 1.5, size)).reshape(2, 2, 5, 6)  # no ties
    ours = _third(tg, _pool_cube(tg), [x], 2)
    theirs = _third(torch, _pool_cube(torch), [x], 2)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------- first order

NEW_GRADS = ("conv2d", "conv_transpose2d", "conv2d_weight", "max_pool2d", "adaptive_max_pool2d",
             "avg_pool2d", "adaptive_avg_pool2d", "max_pool2d_scatter", "max_pool2d_gather",
             "avg_pool2d_scatter", "avg_pool2d_gather", "unfold", "fold", "grid_sample")


def test_first_order_gradients_never_run_a_grad(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without create_graph the engine runs the numpy backwards only (the fast path)."""
    x, weights, _, target = _setup(CONVNET2_SHAPES, 5, True)
    loss = LOSSES["cross_entropy"](target)
    before = _gradient(convnet2, x, weights, loss)

    def forbidden(ctx: Any, dout: Any) -> Any:
        raise AssertionError("a differentiable backward ran for a first-order gradient")

    for name in NEW_GRADS:
        monkeypatch.setitem(OPS, name, OPS[name]._replace(grad=forbidden))
    after = _gradient(convnet2, x, weights, loss)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(AssertionError, match="a differentiable backward ran"):
        _hvp(tg, convnet2, x, weights, loss, weights)


# ----------------------------------------------------------------------------- grid_sample

@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_spatial_transformer_hessian_vector_product_matches_torch(mode: str) -> None:
    """theta -> affine_grid -> grid_sample -> conv -> tanh -> loss: the grid's gradient
    depends on the image and the image's on the grid, so the product mixes both."""
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, 2, 6, 7))
    theta = np.array([[[0.9, 0.2, 0.1], [-0.1, 1.1, -0.2]], [[1.2, -0.3, 0.0], [0.2, 0.8, 0.3]]])
    weights = [theta, rng.standard_normal((3, 2, 3, 3)) * 0.5]
    v = [rng.standard_normal(a.shape) for a in weights]

    def net(lib: Any, xt: Any, w: list[Any], loss: Callable[[Any], Any]) -> Any:
        F = lib.nn.functional
        grid = F.affine_grid(w[0], [2, 2, 5, 6], align_corners=False)
        h = F.grid_sample(xt, grid, mode=mode, padding_mode="reflection", align_corners=False)
        return loss(F.conv2d(h, w[1], padding=1).tanh())

    def loss(lib: Any, z: Any) -> Any:
        return (z * z).sum()

    ours = _hvp(tg, net, x, weights, loss, v)
    theirs = _hvp(torch, net, x, weights, loss, v)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
