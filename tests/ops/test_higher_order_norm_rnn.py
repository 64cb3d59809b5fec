"""Gradients of gradients through the norms, the recurrent layers and linear algebra, against
PyTorch: gradient penalties through nn.LayerNorm / BatchNorm1d / GroupNorm and through
nn.RNN / LSTM / GRU (whose sequence ops write backpropagation through time with Tensor
operations), third derivatives, and the cases the catalog's rows do not reach (a singular
determinant, QR without Q).

The catalog (``tests/ops/test_second_order.py``) checks each op alone; these check the modules
users call, with their weights, in both training and evaluation mode, in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-7, atol=1e-9)


def _copy_state(ours: Any, theirs: Any) -> None:
    ours.load_state_dict({k: tg.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def _penalty_grads(lib: Any, layer: Any, x: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    """d/d(x, params) of |d<layer(x), c>/dx|^2 (a WGAN-GP gradient penalty), plus the first
    gradient itself."""
    xt = lib.tensor(x.copy(), requires_grad=True)
    out = layer(xt)
    out = out[0] if isinstance(out, tuple) else out
    (g,) = lib.autograd.grad((out * lib.tensor(c)).sum(), xt, create_graph=True)
    params = [p for _, p in sorted(layer.named_parameters(), key=lambda kv: kv[0])]
    second = lib.autograd.grad((g * g).sum(), [xt, *params], allow_unused=True)
    return [g.detach().numpy()] + [np.zeros(p.shape) if s is None else s.detach().numpy()
                                   for s, p in zip(second, [xt, *params], strict=True)]


def _assert_same(ours: list[np.ndarray], theirs: list[np.ndarray], what: str) -> None:
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, **TOL, err_msg=f"{what}: gradient {i}")


# ----------------------------------------------------------------------------- norms


NORMS = {
    "LayerNorm": (lambda lib: lib.nn.LayerNorm(5, dtype=lib.float64), (4, 3, 5)),
    "LayerNorm2d_shape": (lambda lib: lib.nn.LayerNorm((3, 5), dtype=lib.float64), (4, 3, 5)),
    "BatchNorm1d": (lambda lib: lib.nn.BatchNorm1d(3, dtype=lib.float64), (6, 3)),
    "BatchNorm1d_seq": (lambda lib: lib.nn.BatchNorm1d(3, dtype=lib.float64), (4, 3, 5)),
    "BatchNorm2d": (lambda lib: lib.nn.BatchNorm2d(2, dtype=lib.float64), (3, 2, 2, 3)),
    "GroupNorm": (lambda lib: lib.nn.GroupNorm(2, 4, dtype=lib.float64), (3, 4, 5)),
    "InstanceNorm1d_affine": (lambda lib: lib.nn.InstanceNorm1d(3, affine=True,
                                                                dtype=lib.float64), (2, 3, 6)),
}


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", list(NORMS))
def test_gradient_penalty_through_norm_layers_matches_torch(name: str, train: bool) -> None:
    make, shape = NORMS[name]
    rng = np.random.default_rng(len(name) + train)
    theirs = make(torch)
    with torch.no_grad():  # weights and running statistics away from their defaults
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, p.shape)))
        for b in theirs.buffers():
            if b.dtype.is_floating_point:
                b.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, b.shape)))
    ours = make(tg)
    _copy_state(ours, theirs)
    ours.train(train)
    theirs.train(train)
    x = rng.standard_normal(shape) * 2 + 0.5
    c = rng.standard_normal(shape)
    _assert_same(_penalty_grads(tg, ours, x, c), _penalty_grads(torch, theirs, x, c), name)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_hessian_matches_torch(training: bool) -> None:
    """The full Hessian of a scalar through F.batch_norm (functional.hessian), every input."""
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.uniform(0.5, 2, 2), rng.standard_normal(2)
    mean, var = rng.standard_normal(2), rng.uniform(0.5, 2, 2)

    def loss(lib: Any) -> Any:
        def f(x: Any, w: Any, b: Any) -> Any:
            m, v = (None, None) if training else (lib.tensor(mean), lib.tensor(var))
            out = lib.nn.functional.batch_norm(x, m, v, w, b, training=training)
            return (out.tanh() * lib.tensor(np.arange(12.0).reshape(3, 2, 2))).sum()
        return f

    def hessian(lib: Any) -> list[np.ndarray]:
        args = [lib.tensor(a.copy(), requires_grad=True) for a in (x, w, b)]
        return _hessian(lib, loss(lib), args)

    _assert_same(hessian(tg), hessian(torch), "batch_norm hessian")


def _hessian(lib: Any, f: Any, args: list[Any]) -> list[np.ndarray]:
    """Every row of the Hessian of f(*args): the gradient of each gradient entry."""
    grads = lib.autograd.grad(f(*args), args, create_graph=True)
    flat = lib.cat([g.reshape(-1) for g in grads])
    rows = []
    for k in range(flat.shape[0]):
        second = lib.autograd.grad(flat[k], args, retain_graph=True, allow_unused=True)
        rows.append(np.concatenate([np.zeros(a.shape).ravel() if s is None else
                                    s.detach().numpy().ravel()
                                    for s, a in zip(second, args, strict=True)]))
    return [np.stack(rows)]


def _layer_norm_composite(lib: Any, x: Any, w: Any) -> Any:
    """layer_norm written with Tensor operations (mean, var, sqrt, div)."""
    centered = x - x.mean(-1, keepdim=True)
    return centered / ((centered * centered).mean(-1, keepdim=True) + 1e-5).sqrt() * w


def test_layer_norm_third_derivative() -> None:
    """A third derivative through F.layer_norm equals torch's through the same function
    composed from Tensor operations, and central differences of the second derivative.

    (torch's fused layer_norm gives a different third derivative here: its double backward
    is not differentiated correctly once more, as central differences of torch's own second
    derivative show; so the composite is the reference.)"""
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 4)), rng.uniform(0.5, 2, 4)
    u = rng.standard_normal((2, 4))

    def second(lib: Any, xv: np.ndarray, fused: bool) -> tuple[Any, Any]:
        xt = lib.tensor(xv.copy(), requires_grad=True)
        out = (lib.nn.functional.layer_norm(xt, (4,), lib.tensor(w)) if fused else
               _layer_norm_composite(lib, xt, lib.tensor(w)))
        (g1,) = lib.autograd.grad((out ** 3).sum(), xt, create_graph=True)
        (g2,) = lib.autograd.grad((g1 * lib.tensor(u)).sum(), xt, create_graph=True)
        return xt, (g2 * g2).sum()

    def third(lib: Any, fused: bool) -> np.ndarray:
        xt, s = second(lib, x, fused)
        return lib.autograd.grad(s, xt)[0].detach().numpy()

    ours = third(tg, fused=True)
    np.testing.assert_allclose(ours, third(torch, fused=False), rtol=1e-7, atol=1e-7)
    numeric = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[j] = 1e-5
        up, down = (float(second(tg, x + sign * e, True)[1].detach().numpy())
                    for sign in (1, -1))
        numeric[j] = (up - down) / 2e-5
    np.testing.assert_allclose(ours, numeric, rtol=1e-5, atol=1e-4)


# ----------------------------------------------------------------------------- recurrent


RECURRENT = ["RNN", "RNN_relu", "LSTM", "GRU", "LSTM_bidirectional_2layers"]


def _recurrent(lib: Any, name: str) -> Any:
    kind = name.split("_")[0]
    options: dict[str, Any] = {"nonlinearity": "relu"} if name == "RNN_relu" else {}
    if name.endswith("2layers"):
        options.update(num_layers=2, bidirectional=True)
    return getattr(lib.nn, kind)(3, 4, dtype=lib.float64, **options)


@pytest.mark.parametrize("name", RECURRENT)
def test_gradient_penalty_through_recurrent_layers_matches_torch(name: str) -> None:
    lib_torch = _recurrent(torch, name)
    ours = _recurrent(tg, name)
    _copy_state(ours, lib_torch)
    rng = np.random.default_rng(len(name))
    x = rng.standard_normal((5, 2, 3))  # (T, N, D), time-major
    out_size = 8 if name.endswith("2layers") else 4
    c = rng.standard_normal((5, 2, out_size))
    _assert_same(_penalty_grads(tg, ours, x, c), _penalty_grads(torch, lib_torch, x, c), name)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_gradient_penalty_through_cells_matches_torch(cell: str) -> None:
    theirs = getattr(torch.nn, cell)(3, 4, dtype=torch.float64)
    ours = getattr(tg.nn, cell)(3, 4, dtype=tg.float64)
    _copy_state(ours, theirs)
    rng = np.random.default_rng(7)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))

    def grads(lib: Any, layer: Any) -> list[np.ndarray]:
        xt = lib.tensor(x.copy(), requires_grad=True)
        ht = lib.tensor(h.copy(), requires_grad=True)
        out = layer(xt, (ht, ht * 0.5) if cell == "LSTMCell" else ht)
        out = out[0] * out[1] if cell == "LSTMCell" else out
        gx, gh = lib.autograd.grad(out.sum(), (xt, ht), create_graph=True)
        params = [p for _, p in sorted(layer.named_parameters(), key=lambda kv: kv[0])]
        second = lib.autograd.grad((gx * gx).sum() + (gh ** 3).sum(), [xt, ht, *params])
        return [s.detach().numpy() for s in second]

    _assert_same(grads(tg, ours), grads(torch, theirs), cell)


@pytest.mark.parametrize("op", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_second_order_equals_the_cells_step_by_step(op: str, reverse: bool) -> None:
    """The sequence op's differentiable backward (BPTT over the cell ops) gives the same
    Hessian-vector product as the cells run step by step by the caller."""
    rng = np.random.default_rng(11)
    gates = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}[op]
    t, n, d, h = 4, 2, 3, 3
    arrays = [rng.standard_normal((t, n, d)), rng.standard_normal((n, h)),
              rng.standard_normal((n, h)), rng.standard_normal((gates * h, d)) * 0.7,
              rng.standard_normal((gates * h, h)) * 0.7, rng.standard_normal(gates * h) * 0.5,
              rng.standard_normal(gates * h) * 0.5]
    if op != "lstm":
        del arrays[2]
    directions = [rng.standard_normal(a.shape) for a in arrays]

    def hvp(by_cells: bool) -> list[np.ndarray]:
        ts = [tg.tensor(a.copy(), requires_grad=True) for a in arrays]
        x, states, weights = ts[0], ts[1:-4], ts[-4:]
        if by_cells:
            cell = getattr(F, f"{op}_cell")
            state = tuple(states) if op == "lstm" else states[0]
            outs = [None] * t
            for step in (range(t - 1, -1, -1) if reverse else range(t)):
                state = cell(x[step], state, *weights)
                outs[step] = state[0] if op == "lstm" else state
            out = tg.stack(outs)
        else:
            out = getattr(F, op)(x, tuple(states) if op == "lstm" else states[0], *weights,
                                 reverse=reverse)[0]
        grads = tg.autograd.grad((out * out.sin()).sum(), ts, create_graph=True)
        dot = sum((g * tg.tensor(u)).sum() for g, u in zip(grads, directions, strict=True))
        return [s.numpy() for s in tg.autograd.grad(dot, ts)]

    _assert_same(hvp(False), hvp(True), op)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bias", [True, False])
def test_third_derivative_through_recurrent_layers_matches_torch(kind: str, bias: bool) -> None:
    """A third derivative through a bidirectional layer: the sequence ops' differentiable
    backward reads the states from the op's output, so differentiating it once more runs
    that backward again (and without a bias, the empty-bias path)."""
    theirs = getattr(torch.nn, kind)(3, 4, bias=bias, bidirectional=True, dtype=torch.float64)
    ours = getattr(tg.nn, kind)(3, 4, bias=bias, bidirectional=True, dtype=tg.float64)
    _copy_state(ours, theirs)
    x = np.random.default_rng(3).standard_normal((3, 2, 3))

    def third(lib: Any, layer: Any) -> np.ndarray:
        xt = lib.tensor(x.copy(), requires_grad=True)
        (g,) = lib.autograd.grad((layer(xt)[0] ** 2).sum(), xt, create_graph=True)
        (g2,) = lib.autograd.grad((g * g).sum(), xt, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sin().sum(), xt)
        return g3.detach().numpy()

    np.testing.assert_allclose(third(tg, ours), third(torch, theirs), **TOL)


# ----------------------------------------------------------------------------- linear algebra


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("rank_gap", [0.0, 1e-12])
def test_det_second_derivative_at_singular_matrices(n: int, rank_gap: float) -> None:
    """At a matrix of rank n - 1 (or nearly), det's gradient is adj(A)^T and its derivative
    comes from the SVD (det * A^-1 would lose every digit): equal to the central differences
    of the first-order gradient, which is exact there (numpy's adjugate)."""
    rng = np.random.default_rng(n)
    u, s, vt = np.linalg.svd(rng.standard_normal((2, n, n)))
    s[:, -1] = rank_gap
    a = (u * s[..., None, :]) @ vt
    d = rng.standard_normal(a.shape)
    x = tg.tensor(a.copy(), requires_grad=True)
    (g,) = tg.autograd.grad(tg.linalg.det(x).sum(), x, create_graph=True)
    (h,) = tg.autograd.grad((g * tg.tensor(d)).sum(), x)
    from tinygrad_edu.ops.linalg import adjugate

    eps = 1e-6
    numeric = (np.swapaxes(adjugate(a + eps * d) - adjugate(a - eps * d), -1, -2)) / (2 * eps)
    np.testing.assert_allclose(h.numpy(), numeric, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g.detach().numpy(), np.swapaxes(adjugate(a), -1, -2), **TOL)


def test_det_of_one_by_one_has_a_constant_gradient() -> None:
    x = tg.tensor([[[1e-12]], [[3.0]]], dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad(tg.linalg.det(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), np.ones((2, 1, 1)))
    assert not g.requires_grad  # nothing left to differentiate, as in PyTorch


@pytest.mark.parametrize(("mode", "shape"), [("r", (3, 2)), ("reduced", (2, 3)),
                                              ("complete", (3, 2))])
def test_qr_without_a_derivative_raises_with_create_graph(mode: str, shape: tuple[int, int]
                                                          ) -> None:
    """Where QR has no derivative (PyTorch's cases), create_graph=True raises the same error
    as the first-order backward."""
    a = np.random.default_rng(0).standard_normal(shape)
    for create_graph in (False, True):
        x = tg.tensor(a.copy(), requires_grad=True)
        q, r = tg.linalg.qr(x, mode=mode)
        with pytest.raises(RuntimeError, match="linalg.qr: the derivative"):
            tg.autograd.grad(r.sum() + (q.sum() if q.numel() else 0), x,
                             create_graph=create_graph)


def test_logdet_hessian_matches_torch() -> None:
    """The Hessian of log det(A) for symmetric positive-definite A: -A^-1 (x) A^-1."""
    rng = np.random.default_rng(5)
    c = rng.standard_normal((3, 3))
    a = c @ c.T + 3 * np.eye(3)
    (h_ours,) = _hessian(tg, tg.logdet, [tg.tensor(a, requires_grad=True)])
    (h_torch,) = _hessian(torch, torch.logdet, [torch.tensor(a, requires_grad=True)])
    np.testing.assert_allclose(h_ours, h_torch, **TOL)
    inv = np.linalg.inv(a)
    np.testing.assert_allclose(h_ours, -np.einsum("li,jk->ijkl", inv, inv).reshape(9, 9), **TOL)
