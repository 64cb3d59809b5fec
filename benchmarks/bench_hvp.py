"""Hessian-vector products (second-order autograd) through small networks, against PyTorch.

Rows:
  MLP grad-of-grad      d/dw (grad L(w) . v) with autograd.grad twice (create_graph=True in
                        the first), the way a training loop writes it: 2 backward passes
  MLP functional.hvp    autograd.functional.hvp on the same loss as a function of the
                        parameters: PyTorch's double-backward trick, 3 backward passes
  ConvNet grad-of-grad  the same through conv2d-ReLU-conv2d-ReLU-Linear (needs the conv ops'
                        differentiable backward; reported as not supported where it is missing)

The MLP is 64-128-128-10 with tanh, batch 64, float32, loss = mean cross-entropy written as
log_softmax times a one-hot target (ops that all have a differentiable backward). The ConvNet
is conv(3->8, 3x3, pad 1)-ReLU-conv(8->8, 3x3, stride 2, pad 1)-ReLU-Linear(512->10) on
8x3x16x16. The same code runs on both libraries (only the module differs), from the same
weights, both at 2 threads; best of 5 rounds of the median of ``--runs`` products.
``--lib``/``--json``: the separate-process protocol of ``benchmarks/separate.py``. With
``--lib both`` (one process) the products are also checked against torch's.

Run (unset the two variables that force a slow BLAS kernel here, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_hvp.py
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from common import (
    Rows,
    add_library_args,
    describe_environment,
    load_library,
    selected_libraries,
    timed_ms,
)

BATCH, SIZES = 64, (64, 128, 128, 10)
CONV_INPUT = (8, 3, 16, 16)


def mlp_weights(rng: np.random.Generator) -> list[np.ndarray]:
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        bound = 1 / np.sqrt(fan_in)
        weights += [rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                    rng.uniform(-bound, bound, fan_out).astype(np.float32)]
    return weights


def conv_weights(rng: np.random.Generator) -> list[np.ndarray]:
    shapes = [(8, 3, 3, 3), (8,), (8, 8, 3, 3), (8,), (10, 512), (10,)]
    return [(0.2 * rng.standard_normal(s)).astype(np.float32) for s in shapes]


def mlp_loss(F: Any, x: Any, onehot: Any) -> Any:
    def loss(w1: Any, b1: Any, w2: Any, b2: Any, w3: Any, b3: Any) -> Any:
        h = F.linear(x, w1, b1).tanh()
        h = F.linear(h, w2, b2).tanh()
        return -(F.log_softmax(F.linear(h, w3, b3), dim=1) * onehot).sum(1).mean()

    return loss


def conv_loss(F: Any, x: Any, onehot: Any) -> Any:
    def loss(c1: Any, d1: Any, c2: Any, d2: Any, w: Any, b: Any) -> Any:
        h = F.relu(F.conv2d(x, c1, d1, padding=1))
        h = F.relu(F.conv2d(h, c2, d2, stride=2, padding=1))
        return -(F.log_softmax(F.linear(h.reshape(h.shape[0], -1), w, b), dim=1)
                 * onehot).sum(1).mean()

    return loss


def grad_of_grad(lib: Any, loss: Any, weights: list[np.ndarray], vectors: list[np.ndarray]
                 ) -> Any:
    """A step computing H v as d/dw (grad L . v): two backward passes."""
    params = [lib.tensor(w, requires_grad=True) for w in weights]
    vs = [lib.tensor(v) for v in vectors]

    def step() -> list[Any]:
        grads = lib.autograd.grad(loss(*params), params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vs, strict=True))
        return list(lib.autograd.grad(dot, params))

    return step


def functional_hvp(lib: Any, loss: Any, weights: list[np.ndarray], vectors: list[np.ndarray]
                   ) -> Any:
    params = tuple(lib.tensor(w) for w in weights)
    vs = tuple(lib.tensor(v) for v in vectors)

    def step() -> list[Any]:
        return list(lib.autograd.functional.hvp(loss, params, vs)[1])

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="products per round (default 20)")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    onehot_np = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    mlp_w = mlp_weights(rng)
    mlp_v = [rng.standard_normal(w.shape).astype(np.float32) for w in mlp_w]
    img_np = rng.standard_normal(CONV_INPUT).astype(np.float32)
    conv_onehot = np.eye(10, dtype=np.float32)[rng.integers(0, 10, CONV_INPUT[0])]
    conv_w = conv_weights(rng)
    conv_v = [rng.standard_normal(w.shape).astype(np.float32) for w in conv_w]

    def cases(lib: Any) -> dict[str, Any]:
        F = lib.nn.functional
        mlp = mlp_loss(F, lib.tensor(x_np), lib.tensor(onehot_np))
        conv = conv_loss(F, lib.tensor(img_np), lib.tensor(conv_onehot))
        return {"MLP grad-of-grad": lambda: grad_of_grad(lib, mlp, mlp_w, mlp_v),
                "MLP functional.hvp": lambda: functional_hvp(lib, mlp, mlp_w, mlp_v),
                "ConvNet grad-of-grad": lambda: grad_of_grad(lib, conv, conv_w, conv_v)}

    products: dict[str, dict[str, list[np.ndarray]]] = {}

    def measure(name: str, row: str, make: Any) -> float | None:
        step = make()
        try:
            ms = timed_ms(step, args.runs, warmup=3)  # the warm-up compiles kernels
        except RuntimeError as exc:  # an op without a differentiable backward
            if "cannot be differentiated" not in str(exc):
                raise
            print(f"{row}: not supported here: {str(exc).split(':')[0]} has no "
                  "differentiable backward yet")
            return None
        products.setdefault(name, {})[row] = [g.detach().numpy() for g in step()]
        return ms

    rows = Rows(args)
    for name in libs:
        lib = load_library(name)
        for row, make in cases(lib).items():
            rows.add(name, row, measure, name, row, make)
    if len(products) == 2:  # one process: the products agree before their times count
        for row, ours in products["tinygrad_edu"].items():
            for a, b in zip(ours, products["torch"].get(row, ours), strict=True):
                np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-5)
    rows.report(f"Hessian-vector products, float32 (MLP {'-'.join(map(str, SIZES))} batch "
                f"{BATCH}; ConvNet on {'x'.join(map(str, CONV_INPUT))})")


if __name__ == "__main__":
    main()
