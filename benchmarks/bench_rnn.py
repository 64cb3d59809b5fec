"""Recurrent layers, forward + backward, against PyTorch CPU.

Workloads (float32, training mode, backward with a fixed random upstream gradient on the
output sequence; x (64, 16, 128) requires grad unless the row says "data input"):
    RNN(tanh)  RNN(128, 256, batch_first=True)                       (issue target: ratio <= 1.0)
    LSTM       LSTM(128, 256, batch_first=True)                      (issue target: ratio <= 1.0)
    GRU        GRU(128, 256, batch_first=True)                       (for information)
    LSTM x2    LSTM(128, 256, num_layers=2, bidirectional=True, batch_first=True) (information)
"data input" rows time the usual first layer of a model, whose input is a batch of data that
needs no gradient (both libraries then skip dx). The same code runs on both libraries,
through the module API and autograd; both start from the same weights (drawn with numpy).

Timing: after a warm-up (which also compiles the Numba kernels), best of 5 rounds of the median
of ``--runs`` calls, 2 threads. ``--lib``/``--json``: the separate-process protocol of
``benchmarks/separate.py``; with ``--lib both`` both libraries run in this one process.

Measured (2 cores, quiet machine, OpenBLAS 0.3.31, torch 2.13 with oneDNN), ratios over
several runs: RNN(tanh) 0.38-0.40x, LSTM 0.92-0.95x (0.87-0.92x with data input), GRU 0.57x,
2-layer bidirectional LSTM 0.94-0.95x (those ratios were taken with tinygrad_edu's former
import-time thread settings, which also slowed torch; see bench_import_order.py). The LSTM's
and GRU's big work arrays come from a pool (``ops/rnn_fast.py``): fresh, they page-faulted at
every step (2000-3500 faults, about 5 us each on a virtual machine). torch runs the
LSTM as one fused oneDNN primitive; the matrix products alone (the same ones, through numpy's
OpenBLAS) take most of torch's time, so the LSTM rows are bounded by BLAS here.

Run (the two variables, set on this project's machines, force a slow BLAS kernel; unset them for
benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_rnn.py
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from common import Rows, add_library_args, describe_environment, load_library, selected_libraries

SHAPE = (64, 16, 128)  # (N, T, D), batch_first
HIDDEN = 256

WORKLOADS = {  # name: (module, options, input requires grad)
    "RNN(tanh) 64x16x128 h256": ("RNN", {}, True),
    "RNN(tanh), data input": ("RNN", {}, False),
    "LSTM 64x16x128 h256": ("LSTM", {}, True),
    "LSTM, data input": ("LSTM", {}, False),
    "GRU 64x16x128 h256": ("GRU", {}, True),
    "LSTM 2 layers bidirectional": ("LSTM", {"num_layers": 2, "bidirectional": True}, True),
}


def make_layer(lib: Any, kind: str, options: dict[str, Any]) -> Any:
    """The layer with weights drawn by numpy (uniform in +-1/sqrt(hidden), like torch's), the
    same in every process and library."""
    layer = getattr(lib.nn, kind)(SHAPE[2], HIDDEN, batch_first=True, **options)
    rng = np.random.default_rng(1)
    bound = 1 / np.sqrt(HIDDEN)
    layer.load_state_dict({
        name: lib.tensor(rng.uniform(-bound, bound, tuple(v.shape)).astype(np.float32))
        for name, v in sorted(layer.state_dict().items())})
    return layer


def step_fn(lib: Any, kind: str, options: dict[str, Any], x_np: np.ndarray,
            dout_np: np.ndarray, input_grad: bool) -> Any:
    layer = make_layer(lib, kind, options)
    x, dout = lib.tensor(x_np, requires_grad=input_grad), lib.tensor(dout_np)

    def step() -> None:
        x.grad = None
        for p in layer.parameters():
            p.grad = None
        output, _ = layer(x)
        output.backward(dout)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per round (default: 10)")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(SHAPE).astype(np.float32)
    douts = {name: rng.standard_normal(SHAPE[:2] + ((2 if options.get("bidirectional") else 1)
                                                    * HIDDEN,)).astype(np.float32)
             for name, (_, options, _) in WORKLOADS.items()}
    rows = Rows(args)
    for lib_name in libs:
        lib = load_library(lib_name)
        for name, (kind, options, input_grad) in WORKLOADS.items():
            rows.time_step(lib_name, name, args.runs, step_fn, lib, kind, options, x_np,
                           douts[name], input_grad)
    rows.report("forward + backward (float32, batch_first)")


if __name__ == "__main__":
    main()
