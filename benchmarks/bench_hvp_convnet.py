"""A Hessian-vector product through a small ConvNet: tinygrad_edu against torch.

``H v = d<grad L(w), v>/dw`` for the weights w of

  conv(3->16, 3x3, pad 1)-ReLU-maxpool2-conv(16->32, 3x3, pad 1)-ReLU-maxpool2-Linear(2048->10)

with a cross-entropy loss (``-(log_softmax * one_hot)``), on x (32, 3, 32, 32) float32: one
``autograd.grad(..., create_graph=True)`` and one more ``autograd.grad``. Beside it, the
first-order gradient of the same loss (what a training step pays), so that the second-order
cost reads as a multiple of the first.

``--unfold`` also times conv2d's differentiable backward written as ``unfold`` + matmul +
``fold`` (the im2col lesson as Tensor operations) instead of the registered ops it uses
(``conv_transpose2d`` for dx, ``conv2d_weight`` for dweight): the choice ``ops/conv.py``
made, measured.

Timing: after a warm-up, best of 5 rounds of the median of ``--runs`` calls, 2 threads each.
``--lib``/``--json``: the separate-process protocol of ``benchmarks/separate.py``, which runs
one library per process, alternating, and compares medians.

Measured with separate.py (4 processes per library, alternating, on an idle 2-core AMD EPYC
with AVX2; OpenBLAS 0.3.31, numpy 2.4, numba 0.68, torch 2.13 CPU), batch 32, milliseconds:
  first-order gradient    tinygrad_edu 15.9 [15.4 - 16.5]   torch 11.8 [11.4 - 12.6]   1.35x
  Hessian-vector product  tinygrad_edu 52.1 [51.9 - 53.7]   torch 27.6 [27.3 - 28.4]   1.89x
  HVP / first-order gradient: tinygrad_edu 3.3x, torch 2.3x
(Earlier numbers in this file, taken with both libraries in one process on a busy machine,
had torch slowed by tinygrad_edu's thread settings and read as faster than torch.) With
``--unfold``, conv2d's grad by unfold + matmul + fold was 1.38-1.52x slower than the
registered ops (conv_transpose2d, conv2d_weight, whose fast pairs are the chunked im2col
products of the first-order path), so ``ops/conv.py`` keeps the registered ops.

Run (unset the two variables that force a slow BLAS kernel here, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_hvp_convnet.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/separate.py \
        benchmarks/bench_hvp_convnet.py --rounds 4 -- --runs 5
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
from common import (
    Rows,
    add_library_args,
    describe_environment,
    load_library,
    selected_libraries,
    timed_ms,
)

SHAPES = [(16, 3, 3, 3), (16,), (32, 16, 3, 3), (32,), (10, 2048), (10,)]


def loss_fn(lib: Any, x: Any, onehot: Any, w: list[Any]) -> Any:
    F = lib.nn.functional
    h = F.max_pool2d(F.relu(F.conv2d(x, w[0], w[1], padding=1)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, w[2], w[3], padding=1)), 2)
    logits = F.linear(h.reshape(h.shape[0], -1), w[4], w[5])
    return -(lib.log_softmax(logits, dim=1) * onehot).sum() / x.shape[0]


def steps(lib: Any, x_np: np.ndarray, onehot_np: np.ndarray, weights: list[np.ndarray],
          v_np: list[np.ndarray]) -> tuple[Callable[[], None], Callable[[], None]]:
    """(first-order gradient, Hessian-vector product) of the loss in ``lib``."""
    x, onehot = lib.tensor(x_np), lib.tensor(onehot_np)
    w = [lib.tensor(a, requires_grad=True) for a in weights]
    v = [lib.tensor(a) for a in v_np]

    def gradient() -> None:
        lib.autograd.grad(loss_fn(lib, x, onehot, w), w)

    def hvp() -> None:
        grads = lib.autograd.grad(loss_fn(lib, x, onehot, w), w, create_graph=True)
        dot = sum((g * u).sum() for g, u in zip(grads, v, strict=True))
        lib.autograd.grad(dot, w)

    return gradient, hvp


def conv2d_grad_by_unfold(ctx: Any, dout: Any) -> tuple[Any, Any, Any]:
    """conv2d's differentiable backward as im2col: dweight = dout @ unfold(x)^T summed over
    the batch, dx = fold(weight^T @ dout), dbias = dout summed (groups=1)."""
    x, weight, _ = ctx.inputs
    s = ctx.static
    window = dict(kernel_size=tuple(weight.shape[2:]), dilation=s["dilation"],
                  padding=s["padding"], stride=s["stride"])
    n, f = dout.shape[:2]
    d = dout.reshape(n, f, -1)  # (N, F, L)
    dx = dweight = dbias = None
    if ctx.needs[0]:
        cols = weight.reshape(f, -1).transpose(0, 1) @ d  # (N, C*KH*KW, L)
        dx = ctx.apply("fold", cols, output_size=tuple(x.shape[2:]), **window)
    if ctx.needs[1]:
        cols = ctx.apply("unfold", x, **window)
        dweight = (d @ cols.transpose(1, 2)).sum(dim=0).reshape(*weight.shape)
    if ctx.needs[2]:
        dbias = dout.sum(dim=(0, 2, 3))
    return dx, dweight, dbias


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per round (default: 5)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--unfold", action="store_true",
                        help="also time conv2d's grad written with unfold + matmul + fold")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, 3, 32, 32)).astype(np.float32)
    onehot = np.eye(10, dtype=np.float32)[rng.integers(0, 10, args.batch)]
    weights = [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in SHAPES]
    v = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]

    def pick(lib: Any, which: int) -> Callable[[], None]:
        return steps(lib, x, onehot, weights, v)[which]

    def unfold_hvp(lib: Any) -> float:
        from tinygrad_edu.ops import OPS
        patched = OPS["conv2d"]._replace(grad=conv2d_grad_by_unfold)
        with mock.patch.dict(OPS, {"conv2d": patched}):
            return timed_ms(pick(lib, 1), args.runs)

    rows = Rows(args)
    for name in libs:
        lib = load_library(name)
        rows.time_step(name, "first-order gradient", args.runs, pick, lib, 0)
        rows.time_step(name, "Hessian-vector product", args.runs, pick, lib, 1)
        if args.unfold and name == "tinygrad_edu":
            rows.add(name, "HVP, conv2d grad by unfold", unfold_hvp, lib)
    for name, times in rows.times.items():
        if len(times) >= 2:
            ratio = times["Hessian-vector product"] / times["first-order gradient"]
            print(f"{name}: HVP / first-order gradient {ratio:.1f}x")
    rows.report(f"batch {args.batch}")


if __name__ == "__main__":
    main()
