"""Recurrent layers with gradients of gradients (``create_graph=True``), against PyTorch CPU.

The sequence ops (``rnn_tanh``, ``lstm``, ``gru``) get their differentiable backward by
backpropagation through time written with Tensor operations (``ops/rnn.py``,
``rnn_sequence_grad`` and its LSTM and GRU versions): the states from the op's output, the
gates of all steps at once, only the carried gradient step by step. This script measures
what that costs.

Workloads (float32, one layer, batch_first, x (N, T, D) requires grad), each library timed on:
    first order     out = layer(x); out.backward(c): the fused numpy pairs (must not change)
    grad penalty    g = autograd.grad(<out, c>, x, create_graph=True); (g**2).sum().backward():
                    a gradient penalty (WGAN-GP), a second-order backward through the layer
and, in tinygrad_edu only, the same gradient penalty through two other roads:
    cell loop       the layer's step run by the user, ``F.lstm_cell`` (etc.) over t
    composite       the step written with Tensor operations (matmul, sigmoid, tanh, mul)

Measured with both libraries in one process (2 cores shared with other jobs, load average about
7, so torch's times jump by 10x from run to run; read the ratios as rough): the gradient penalty
through the sequence op took 0.45-1.5x torch's time in the steadier run (small: RNN 27 ms, LSTM
60 ms, GRU 96 ms; medium: 167, 407, 427 ms), 15-60x our own first-order step, and no more than
the cell loop (44, 65, 113 / 190, 504, 400 ms) or the composite (39, 78, 136 / 225, 472, 367 ms)
except for the medium GRU. (That was with the sequence ops' backward run through the cell ops
step by step; it now records a few ops per step, and took 0.3-0.8x of its old time in an A/B
on the loaded machine.)

Timing: after a warm-up (which also compiles the Numba kernels), best of 5 rounds of the median
of ``--runs`` calls, 2 threads. ``--lib``/``--json``: the separate-process protocol of
``benchmarks/separate.py``; with ``--lib both`` both libraries run in this one process.

Run (the two variables, set on this project's machines, force a slow BLAS kernel; unset them for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_rnn_second_order.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from common import Rows, add_library_args, describe_environment, load_library, selected_libraries

SIZES = {"small": (8, 8, 16, 32), "medium": (32, 16, 64, 128)}  # N, T, D, H
MODULES = ("RNN", "LSTM", "GRU")


def _setup(lib: Any, module: str, size: tuple[int, ...]) -> tuple[Any, Any, Any]:
    n, t, d, h = size
    lib.manual_seed(0)
    layer = getattr(lib.nn, module)(d, h, batch_first=True)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((n, t, d), dtype=np.float32), requires_grad=True)
    c = lib.tensor(rng.standard_normal((n, t, h), dtype=np.float32))
    return layer, x, c


def first_order(lib: Any, module: str, size: tuple[int, ...]) -> Callable[[], None]:
    layer, x, c = _setup(lib, module, size)

    def step() -> None:
        x.grad = None
        layer(x)[0].backward(c)

    return step


def penalty_step(lib: Any, run: Callable[[Any], Any], x: Any, c: Any) -> Callable[[], None]:
    """A gradient penalty: |d<run(x), c>/dx|^2, backpropagated to x and the weights."""

    def step() -> None:
        x.grad = None
        (g,) = lib.autograd.grad((run(x) * c).sum(), x, create_graph=True)
        (g * g).sum().backward()

    return step


def grad_penalty(lib: Any, module: str, size: tuple[int, ...]) -> Callable[[], None]:
    layer, x, c = _setup(lib, module, size)
    return penalty_step(lib, lambda v: layer(v)[0], x, c)


def _weights(layer: Any) -> tuple[Any, ...]:
    return (layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0)


def cell_loop(tg: Any, module: str, size: tuple[int, ...]) -> Callable[[], None]:
    """The layer's steps run one cell op at a time by the caller."""
    F = tg.nn.functional
    layer, x, c = _setup(tg, module, size)
    w = _weights(layer)
    cell = {"RNN": F.rnn_tanh_cell, "LSTM": F.lstm_cell, "GRU": F.gru_cell}[module]

    def run(v: Any) -> Any:
        h = tg.zeros(v.shape[0], w[1].shape[1])
        state = (h, h) if module == "LSTM" else h
        outs = []
        for t in range(v.shape[1]):
            state = cell(v[:, t], state, *w)
            outs.append(state[0] if module == "LSTM" else state)
        return tg.stack(outs, 1)

    return penalty_step(tg, run, x, c)


def composite(tg: Any, module: str, size: tuple[int, ...]) -> Callable[[], None]:
    """The steps written with Tensor operations only (what a user could write)."""
    layer, x, c = _setup(tg, module, size)
    w_ih, w_hh, b_ih, b_hh = _weights(layer)
    hidden = w_hh.shape[1]

    def step(xt: Any, state: Any) -> Any:
        if module == "RNN":
            return (xt @ w_ih.t() + b_ih + state @ w_hh.t() + b_hh).tanh()
        if module == "LSTM":
            h, cell = state
            i, f, g, o = (xt @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh).chunk(4, 1)
            cell = f.sigmoid() * cell + i.sigmoid() * g.tanh()
            return o.sigmoid() * cell.tanh(), cell
        xr, xz, xn = (xt @ w_ih.t() + b_ih).chunk(3, 1)
        hr, hz, hn = (state @ w_hh.t() + b_hh).chunk(3, 1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        return (1 - z) * (xn + r * hn).tanh() + z * state

    def run(v: Any) -> Any:
        h = tg.zeros(v.shape[0], hidden)
        state = (h, h) if module == "LSTM" else h
        outs = []
        for t in range(v.shape[1]):
            state = step(v[:, t], state)
            outs.append(state[0] if module == "LSTM" else state)
        return tg.stack(outs, 1)

    return penalty_step(tg, run, x, c)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rows = Rows(args, unit="ms per step")
    roads: list[tuple[str, Callable[..., Callable[[], None]], tuple[str, ...]]] = [
        ("first order", first_order, ("tinygrad_edu", "torch")),
        ("grad penalty", grad_penalty, ("tinygrad_edu", "torch")),
        ("grad penalty, cell loop", cell_loop, ("tinygrad_edu",)),
        ("grad penalty, composite", composite, ("tinygrad_edu",))]
    for name in libs:
        lib = load_library(name)
        for size_name in args.sizes:
            for module in MODULES:
                for label, make, where in roads:
                    if name in where:
                        rows.time_step(name, f"{size_name} {module} {label}", args.runs, make,
                                       lib, module, SIZES[size_name], warmup=1)
    print("sizes: " + "; ".join(f"{k}: N={n}, T={t}, D={d}, H={h}"
                                for k, (n, t, d, h) in SIZES.items() if k in args.sizes))
    rows.report("recurrent layers, float32")


if __name__ == "__main__":
    main()
