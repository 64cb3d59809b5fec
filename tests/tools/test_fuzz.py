"""Fuzzing: random graphs of registered ops, compared with PyTorch, plus invalid combinations.

Each graph starts from 1-3 float64 leaves of random shapes, applies 2-8 random ops (elementwise,
broadcasting binary ops, reductions, movement, matmul, softmax, conv/pool/norm when a 4-D tensor
is around), reduces the last result with a random weight and runs backward. Every
intermediate value and every leaf gradient must match PyTorch run on the same program.
A quarter of the steps instead try an invalid combination (shapes that do not broadcast,
matmul dims that do not match, a wrong reshape, a dim out of range, wrong conv channels...):
PyTorch must reject it, and tinygrad_edu must raise its own error (raised inside the package,
naming the op), not crash with a numpy traceback, hang or return numbers.

The run is bounded by time, and each graph is seeded by its index, so a failure names the seed
and the program that reproduces it. Budget: ``FUZZ_SECONDS`` if set, else 45 s in CI (``CI``
set) and 90 s locally; ``FUZZ_GRAPHS`` caps the number of graphs.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as TF

torch = pytest.importorskip("torch")
F = torch.nn.functional
PACKAGE = os.path.dirname(os.path.abspath(tg.__file__))
IN_CI = bool(os.environ.get("CI"))
SECONDS = float(os.environ.get("FUZZ_SECONDS") or (45 if IN_CI else 90))
MAX_GRAPHS = int(os.environ.get("FUZZ_GRAPHS") or 100_000)
RTOL, ATOL = 1e-6, 1e-9


class Pair(NamedTuple):
    """The same value in both libraries, and the expression that made it."""

    ours: Any
    theirs: Any
    expr: str


class Libs(NamedTuple):
    lib: Any
    F: Any


OURS, THEIRS = Libs(tg, TF), Libs(torch, F)


def both(fn: Callable[..., Any], expr: str, *pairs: Pair) -> Pair:
    """Run ``fn(lib, F, *tensors)`` on both libraries."""
    return Pair(fn(*OURS, *[p.ours for p in pairs]), fn(*THEIRS, *[p.theirs for p in pairs]),
                expr)


def leaf(rng: np.random.Generator, shape: tuple[int, ...], name: str) -> Pair:
    values = rng.standard_normal(shape)
    return Pair(tg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True),
                f"{name}{shape}")


def random_shape(rng: np.random.Generator, ndim: int | None = None) -> tuple[int, ...]:
    ndim = int(rng.integers(0, 5)) if ndim is None else ndim
    return tuple(int(n) for n in rng.integers(1, 5, size=ndim))


def broadcast_partner(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape``: maybe fewer dims, maybe some dims set to 1."""
    keep = int(rng.integers(0, len(shape) + 1))
    tail = list(shape[len(shape) - keep:])
    return tuple(1 if rng.random() < 0.3 else n for n in tail)


# ----------------------------------------------------------------------------- valid ops

UNARY: dict[str, Callable[..., Any]] = {
    "tanh": lambda L, F, x: x.tanh(),
    "sigmoid": lambda L, F, x: x.sigmoid(),
    "relu": lambda L, F, x: F.relu(x),
    "abs_plus": lambda L, F, x: x.abs() + 0.5,
    "neg": lambda L, F, x: -x,
    "sin": lambda L, F, x: x.sin(),
    "cos": lambda L, F, x: x.cos(),
    "exp_tanh": lambda L, F, x: x.tanh().exp(),
    "log_safe": lambda L, F, x: (x * x + 1.0).log(),
    "sqrt_safe": lambda L, F, x: (x * x + 0.25).sqrt(),
    "square": lambda L, F, x: x * x,
    "softplus": lambda L, F, x: F.softplus(x),
    "gelu": lambda L, F, x: F.gelu(x),
    "elu": lambda L, F, x: F.elu(x),
    "leaky_relu": lambda L, F, x: F.leaky_relu(x, 0.1),
    "clamp": lambda L, F, x: x.clamp(-0.7, 0.9),
    "scale": lambda L, F, x: 2.5 * x - 1.0,
    "clone": lambda L, F, x: x.clone(),
}

BINARY: dict[str, Callable[..., Any]] = {
    "add": lambda L, F, x, y: x + y,
    "sub": lambda L, F, x, y: x - y,
    "mul": lambda L, F, x, y: x * y,
    "div": lambda L, F, x, y: x / (y * y + 0.5),
    "maximum": lambda L, F, x, y: L.maximum(x, y),
    "minimum": lambda L, F, x, y: L.minimum(x, y),
    "pow": lambda L, F, x, y: (x * x + 0.5) ** y.tanh(),
    "where": lambda L, F, x, y: L.where(x > y, x, y * 2),
}


def op_unary(rng: np.random.Generator, pool: list[Pair]) -> Pair:
    name = str(rng.choice(sorted(UNARY)))
    x = pool[int(rng.integers(len(pool)))]
    return both(UNARY[name], f"{name}({x.expr})", x)


def op_binary(rng: np.random.Generator, pool: list[Pair]) -> Pair:
    name = str(rng.choice(sorted(BINARY)))
    x = pool[int(rng.integers(len(pool)))]
    shape = tuple(x.ours.shape)
    partners = [p for p in pool if _broadcasts(shape, tuple(p.ours.shape))]
    if partners and rng.random() < 0.5:
        y = partners[int(rng.integers(len(partners)))]
    else:
        y = leaf(rng, broadcast_partner(rng, shape), "y")
    if rng.random() < 0.5:
        x, y = y, x
    return both(BINARY[name], f"{name}({x.expr}, {y.expr})", x, y)


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def op_reduce(rng: np.random.Generator, pool: list[Pair]) -> Pair | None:
    x = pool[int(rng.integers(len(pool)))]
    nd = x.ours.ndim
    kind = str(rng.choice(["sum", "mean", "amax", "var", "softmax", "log_softmax", "logsumexp",
                           "prod", "max_dim"]))
    if nd == 0 and kind in ("var", "softmax", "log_softmax", "logsumexp", "max_dim"):
        return None
    dim = int(rng.integers(-nd, nd)) if nd else 0
    keep = bool(rng.random() < 0.5)
    if kind in ("sum", "mean", "amax", "prod"):
        dims: Any = None if rng.random() < 0.3 or nd == 0 else dim
        fn = {"sum": lambda L, F, t: t.sum() if dims is None else t.sum(dims, keepdim=keep),
              "mean": lambda L, F, t: t.mean() if dims is None else t.mean(dims, keepdim=keep),
              "amax": lambda L, F, t: t.amax() if dims is None else t.amax(dims, keepdim=keep),
              # factors near 1 keep the product moderate: a huge product in a later sin/cos
              # turns rounding differences of the product order into visible differences
              "prod": lambda L, F, t: (t.tanh() * 0.05 + 1).prod() if dims is None
              else (t.tanh() * 0.05 + 1).prod(dims, keepdim=keep)}[kind]
        return both(fn, f"{kind}({x.expr}, dim={dims}, keepdim={keep})", x)
    if kind == "var" and x.ours.shape[dim] < 2:
        return None
    fn = {"var": lambda L, F, t: t.var(dim, keepdim=keep),
          "softmax": lambda L, F, t: t.softmax(dim),
          "log_softmax": lambda L, F, t: t.log_softmax(dim),
          "logsumexp": lambda L, F, t: t.logsumexp(dim, keepdim=keep),
          "max_dim": lambda L, F, t: t.max(dim, keepdim=keep)[0]}[kind]
    return both(fn, f"{kind}({x.expr}, dim={dim})", x)


def op_movement(rng: np.random.Generator, pool: list[Pair]) -> Pair | None:
    x = pool[int(rng.integers(len(pool)))]
    shape, nd = tuple(x.ours.shape), x.ours.ndim
    kind = str(rng.choice(["reshape", "permute", "transpose", "unsqueeze", "squeeze", "expand",
                           "slice", "index", "cat", "stack", "pad", "flatten"]))
    if nd == 0 and kind not in ("reshape", "unsqueeze", "expand", "stack"):
        return None
    if kind == "reshape":
        size = int(np.prod(shape))
        new = (size,) if rng.random() < 0.5 else (1, size, 1)
        if size % 2 == 0 and rng.random() < 0.5:
            new = (2, -1)
        return both(lambda L, F, t: t.reshape(*new), f"reshape({x.expr}, {new})", x)
    if kind == "permute":
        perm = tuple(int(i) for i in rng.permutation(nd))
        return both(lambda L, F, t: t.permute(*perm), f"permute({x.expr}, {perm})", x)
    if kind == "transpose":
        a, b = (int(i) for i in rng.integers(-nd, nd, size=2))
        return both(lambda L, F, t: t.transpose(a, b), f"transpose({x.expr}, {a}, {b})", x)
    if kind == "unsqueeze":
        d = int(rng.integers(-nd - 1, nd + 1))
        return both(lambda L, F, t: t.unsqueeze(d), f"unsqueeze({x.expr}, {d})", x)
    if kind == "squeeze":
        d = int(rng.integers(-nd, nd))
        return both(lambda L, F, t: t.squeeze(d), f"squeeze({x.expr}, {d})", x)
    if kind == "expand":
        new = tuple(int(rng.integers(1, 4)) if n == 1 else n for n in shape)
        new = (2, *new) if rng.random() < 0.3 or not new else new
        return both(lambda L, F, t: t.expand(*new), f"expand({x.expr}, {new})", x)
    if kind == "slice":
        d = int(rng.integers(nd))
        n = shape[d]
        start = int(rng.integers(0, n))
        stop = int(rng.integers(start + 1, n + 1))
        key = (slice(None),) * d + (slice(start, stop),)
        return both(lambda L, F, t: t[key], f"{x.expr}[{key}]", x)
    if kind == "index":
        idx = [int(i) for i in rng.integers(-shape[0], shape[0], size=int(rng.integers(1, 4)))]
        return both(lambda L, F, t: t[L.tensor(idx)], f"{x.expr}[{idx}]", x)
    if kind == "cat":
        d = int(rng.integers(-nd, nd))
        other = leaf(rng, shape[:d % nd] + (int(rng.integers(1, 4)),) + shape[d % nd + 1:], "c")
        return both(lambda L, F, a, b: L.cat([a, b], dim=d), f"cat({x.expr}, {other.expr})", x,
                    other)
    if kind == "stack":
        d = int(rng.integers(-nd - 1, nd + 1))
        return both(lambda L, F, a: L.stack([a, a * 2], dim=d), f"stack({x.expr}, {d})", x)
    if kind == "pad":
        widths = [int(w) for w in rng.integers(0, 3, size=2 * min(nd, 2))]
        return both(lambda L, F, t: F.pad(t, widths, value=0.5), f"pad({x.expr}, {widths})", x)
    start = int(rng.integers(0, nd))
    return both(lambda L, F, t: t.flatten(start), f"flatten({x.expr}, {start})", x)


def op_matmul(rng: np.random.Generator, pool: list[Pair]) -> Pair | None:
    x = pool[int(rng.integers(len(pool)))]
    if x.ours.ndim == 0:
        return None
    k = x.ours.shape[-1]
    batch = () if x.ours.ndim <= 2 or rng.random() < 0.5 else tuple(x.ours.shape[:-2])
    w_shape = (k,) if rng.random() < 0.2 else (*batch, k, int(rng.integers(1, 5)))
    w = leaf(rng, w_shape, "w")
    if rng.random() < 0.3:
        return both(lambda L, F, a, b: F.linear(a, b.transpose(-1, -2)) if b.ndim == 2 else a @ b,
                    f"linear({x.expr}, {w.expr})", x, w)
    return both(lambda L, F, a, b: a @ b, f"matmul({x.expr}, {w.expr})", x, w)


def op_image(rng: np.random.Generator, pool: list[Pair]) -> Pair | None:
    images = [p for p in pool if p.ours.ndim == 4 and min(p.ours.shape[2:]) >= 2]
    if not images:
        images = [leaf(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 4)),
                             int(rng.integers(2, 6)), int(rng.integers(2, 6))), "img")]
    x = images[int(rng.integers(len(images)))]
    n, c, h, w = x.ours.shape
    kind = str(rng.choice(["conv2d", "max_pool2d", "avg_pool2d", "batch_norm", "layer_norm",
                           "adaptive_avg_pool2d"]))
    if kind == "conv2d":
        k = int(rng.integers(1, min(h, w, 3) + 1))
        stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, k // 2 + 1))
        weight = leaf(rng, (int(rng.integers(1, 4)), c, k, k), "cw")
        bias = leaf(rng, (weight.ours.shape[0],), "cb")
        return both(lambda L, F, a, wt, b: F.conv2d(a, wt, b, stride=stride, padding=pad),
                    f"conv2d({x.expr}, {weight.expr}, stride={stride}, padding={pad})", x,
                    weight, bias)
    if kind in ("max_pool2d", "avg_pool2d"):
        k = int(rng.integers(1, min(h, w) + 1))
        fn = getattr(F, kind)
        ours_fn = getattr(TF, kind)
        return Pair(ours_fn(x.ours, k), fn(x.theirs, k), f"{kind}({x.expr}, {k})")
    if kind == "adaptive_avg_pool2d":
        size = int(rng.integers(1, min(h, w) + 1))
        return both(lambda L, F, a: F.adaptive_avg_pool2d(a, size), f"{kind}({x.expr}, {size})",
                    x)
    if kind == "batch_norm":
        if n * h * w < 2:
            return None
        g, b = leaf(rng, (c,), "g"), leaf(rng, (c,), "b")
        return both(lambda L, F, a, g, b: F.batch_norm(a, None, None, g, b, training=True),
                    f"batch_norm({x.expr})", x, g, b)
    g, b = leaf(rng, (h, w), "g"), leaf(rng, (h, w), "b")
    return both(lambda L, F, a, g, b: F.layer_norm(a, (h, w), g, b), f"layer_norm({x.expr})",
                x, g, b)


def op_loss(rng: np.random.Generator, pool: list[Pair]) -> Pair | None:
    x = pool[int(rng.integers(len(pool)))]
    if x.ours.ndim != 2:
        return None
    n, c = x.ours.shape
    target = [int(t) for t in rng.integers(0, c, size=n)]
    if rng.random() < 0.5:
        return both(lambda L, F, a: F.cross_entropy(a, L.tensor(target)),
                    f"cross_entropy({x.expr}, {target})", x)
    y = rng.standard_normal((n, c))
    return both(lambda L, F, a: F.mse_loss(a, L.tensor(y)), f"mse_loss({x.expr})", x)


VALID = [op_unary, op_unary, op_binary, op_binary, op_reduce, op_movement, op_movement,
         op_matmul, op_image, op_loss]


# ----------------------------------------------------------------------------- invalid ops

def bad_broadcast(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    shape = tuple(x.ours.shape)
    if not shape or shape[-1] == 1:  # would broadcast with anything: make the last dim 2
        shape = (*shape[:-1], 2)
    y = rng.standard_normal((shape[-1] + int(rng.integers(1, 3)),))
    name = str(rng.choice(["add", "mul", "sub", "maximum"]))

    def fn(L: Any, F: Any, t: Any) -> Any:
        t = t.expand(*shape)
        other = L.tensor(y)
        if name == "maximum":
            return L.maximum(t, other)
        return {"add": t.__add__, "mul": t.__mul__, "sub": t.__sub__}[name](other)

    return name, fn


def bad_matmul(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    k = x.ours.shape[-1] if x.ours.ndim else 1
    y = rng.standard_normal((k + 1, 2))
    return "matmul", lambda L, F, t: t @ L.tensor(y)


def bad_reshape(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    size = int(np.prod(x.ours.shape))
    return "reshape", lambda L, F, t: t.reshape(size + 1)


def bad_dim(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    nd = max(x.ours.ndim, 1)
    d = nd + int(rng.integers(0, 3))
    name = str(rng.choice(["sum", "softmax", "transpose", "unsqueeze", "mean"]))
    return name, {"sum": lambda L, F, t: t.sum(d), "softmax": lambda L, F, t: t.softmax(d),
                  "transpose": lambda L, F, t: t.transpose(0, d),
                  "unsqueeze": lambda L, F, t: t.unsqueeze(d + 1),
                  "mean": lambda L, F, t: t.mean(d)}[name]


def bad_permute(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    nd = x.ours.ndim
    perm = (0,) * (nd + 1)
    return "permute", lambda L, F, t: t.permute(*perm)


def bad_cat(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    size = int(np.prod(x.ours.shape))
    other = rng.standard_normal((1, size + 1))
    return "cat", lambda L, F, t: L.cat([t.reshape(1, -1), L.tensor(other)], dim=0)


def bad_conv(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    w = rng.standard_normal((2, 5, 1, 1))
    return "conv2d", lambda L, F, t: F.conv2d(t.reshape(1, -1, 1, 1)[:, :4], L.tensor(w))


def bad_cross_entropy(rng: np.random.Generator, x: Pair) -> tuple[str, Callable[..., Any]]:
    return "cross_entropy", lambda L, F, t: F.cross_entropy(t.reshape(1, -1),
                                                            L.tensor([t.numel() + 3]))


INVALID = [bad_broadcast, bad_matmul, bad_reshape, bad_dim, bad_permute, bad_cat, bad_conv,
           bad_cross_entropy]


def check_invalid(rng: np.random.Generator, pool: list[Pair], program: list[str]) -> str:
    x = pool[int(rng.integers(len(pool)))]
    make = INVALID[int(rng.integers(len(INVALID)))]
    name, fn = make(rng, x)
    program.append(f"INVALID {make.__name__}({x.expr})")
    try:
        fn(*THEIRS, x.theirs.detach())
    except Exception:  # noqa: BLE001 - any error: torch rejects it, so the case is invalid
        pass
    else:
        raise AssertionError(f"{make.__name__}: torch accepted it; the case is not invalid")
    with pytest.raises((RuntimeError, ValueError, IndexError, TypeError)) as info:
        fn(*OURS, x.ours.detach())
    innermost = traceback.extract_tb(info.value.__traceback__)[-1].filename
    assert os.path.abspath(innermost).startswith(PACKAGE), (
        f"{make.__name__}: error raised outside tinygrad_edu ({innermost}): {info.value!r}")
    message = str(info.value)
    assert name in message or name.split("_")[0] in message, (
        f"{make.__name__}: the message does not name {name!r}: {message}")
    return make.__name__


# ----------------------------------------------------------------------------- one graph

def assert_same(ours: Any, theirs: Any, what: str) -> None:
    a = ours.detach().numpy() if isinstance(ours, tg.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape, f"{what}: shape {a.shape} here, {b.shape} in torch"
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=what)


def run_graph(seed: int, stats: dict[str, int]) -> None:
    rng = np.random.default_rng(seed)
    leaves = [leaf(rng, random_shape(rng), f"x{i}") for i in range(int(rng.integers(1, 4)))]
    pool = list(leaves)
    program: list[str] = []
    try:
        for _ in range(int(rng.integers(2, 9))):
            if rng.random() < 0.25:
                kind = check_invalid(rng, pool, program)
                stats[kind] = stats.get(kind, 0) + 1
                stats["invalid"] = stats.get("invalid", 0) + 1
                continue
            op = VALID[int(rng.integers(len(VALID)))]
            result = op(rng, pool)
            if result is None:
                continue
            program.append(result.expr)
            stats["ops"] = stats.get("ops", 0) + 1
            assert_same(result.ours, result.theirs, f"forward of {result.expr}")
            pool.append(result)
        last = pool[-1]
        weight = rng.standard_normal(tuple(last.ours.shape))
        loss_ours = (last.ours * tg.tensor(weight)).sum()
        loss_theirs = (last.theirs * torch.tensor(weight)).sum()
        loss_ours.backward()
        loss_theirs.backward()
        for x in leaves:
            if x.theirs.grad is None:
                assert x.ours.grad is None or not np.any(x.ours.grad.numpy()), x.expr
                continue
            assert x.ours.grad is not None, f"{x.expr} got no gradient"
            assert_same(x.ours.grad, x.theirs.grad, f"gradient of {x.expr}")
    except AssertionError as exc:
        raise AssertionError(f"fuzz graph seed={seed} failed\nprogram:\n  " +
                             "\n  ".join(program) + f"\n{exc}") from None


@pytest.mark.slow
def test_random_graphs_match_torch_and_invalid_inputs_fail_clearly(
        record_property: Callable[[str, Any], None]) -> None:
    stats: dict[str, int] = {}
    deadline = time.monotonic() + SECONDS
    graphs = 0
    while time.monotonic() < deadline and graphs < MAX_GRAPHS:
        run_graph(graphs, stats)
        graphs += 1
    record_property("fuzz_graphs", graphs)
    record_property("fuzz_ops", stats.get("ops", 0))
    record_property("fuzz_invalid", stats.get("invalid", 0))
    print(f"fuzz: {graphs} graphs, {stats.get('ops', 0)} ops, {stats.get('invalid', 0)} invalid "
          f"inputs checked in {SECONDS:.0f} s")
    assert graphs >= 20, "the fuzzer ran too few graphs to mean anything"


@pytest.mark.parametrize("seed", range(5))
def test_a_few_fixed_graphs(seed: int) -> None:
    """Quick, always-run smoke version of the fuzzer (first seeds of the long run)."""
    run_graph(seed, {})
