"""What this machine's hardware gives each library: matrix-product speed and memory bandwidth.

A training step that spends its time in matrix products cannot beat the BLAS it calls, and an
elementwise pass cannot beat the memory bus. These rows time the two limits in each library,
the way its users call them (2 threads, no graph recording), so that the other scripts' rows
can be put beside them: a row's achieved GFLOP/s (its floating-point work divided by its
time) over the sgemm row's GFLOP/s is the fraction of the machine's product speed it reaches.

Rows (milliseconds; the printed note converts them to GFLOP/s and GB/s):
  sgemm 1024                  (1024, 1024) @ (1024, 1024) float32: 2.15 GFLOP, big enough
                              for any BLAS to reach its peak on two cores
  sgemm 200x3072 @ 3072x100   the first layer of ``bench_mlp_step.py``'s MLP (0.12 GFLOP)
  sgemm 64x128 @ 128x128      a product of ``bench_hvp.py``'s MLP (2.1 MFLOP): small
                              products are limited by the call, not by the arithmetic
  copy 64 MB                  a float32 array of 16 Mi elements copied into a new one
                              (``clone``): 128 MB moved, the memory bandwidth
  add 64 MB                   ``a + b`` on two such arrays: 192 MB moved

``--lib``/``--json``: the separate-process protocol of ``benchmarks/separate.py``.

Run (unset the two variables that force a slow BLAS kernel here, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_peak.py
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

#: row -> (shape of a, shape of b) for the products
PRODUCTS = {"sgemm 1024": ((1024, 1024), (1024, 1024)),
            "sgemm 200x3072 @ 3072x100": ((200, 3072), (3072, 100)),
            "sgemm 64x128 @ 128x128": ((64, 128), (128, 128))}
STREAM = 16 * 1024 * 1024  # float32 elements: 64 MB per array
#: work per row: floating-point operations of a product, bytes moved by a memory row
WORK = {row: 2 * a[0] * a[1] * b[1] for row, (a, b) in PRODUCTS.items()}
WORK.update({"copy 64 MB": 2 * 4 * STREAM, "add 64 MB": 3 * 4 * STREAM})


def throughput(row: str, ms: float) -> str:
    """The row's time as GFLOP/s (products) or GB/s (memory rows)."""
    per_second = WORK[row] / (ms * 1e-3) / 1e9
    return f"{per_second:.1f} {'GFLOP/s' if row.startswith('sgemm') else 'GB/s'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="calls per round (default: 20)")
    add_library_args(parser)
    args = parser.parse_args()
    libs = selected_libraries(args)
    describe_environment(libs)
    rng = np.random.default_rng(0)
    rows = Rows(args)
    for name in libs:
        lib = load_library(name)

        def product(a_shape: tuple[int, int], b_shape: tuple[int, int], lib: Any = lib) -> Any:
            a = lib.tensor(rng.standard_normal(a_shape).astype(np.float32))
            b = lib.tensor(rng.standard_normal(b_shape).astype(np.float32))
            return lambda: a @ b

        def memory(binary: bool, lib: Any = lib) -> Any:
            a = lib.tensor(rng.standard_normal(STREAM).astype(np.float32))
            b = lib.tensor(rng.standard_normal(STREAM).astype(np.float32))
            return (lambda: a + b) if binary else a.clone

        with lib.no_grad():
            for row, (a_shape, b_shape) in PRODUCTS.items():
                rows.add(name, row, lambda s=(a_shape, b_shape): timed_ms(product(*s), args.runs))
            for row, binary in (("copy 64 MB", False), ("add 64 MB", True)):
                rows.add(name, row, lambda b=binary: timed_ms(memory(b), max(3, args.runs // 4)))
    for name in libs:  # before the table: the JSON line stays last
        done = rows.times.get(name, {})
        print(f"{name}: " + ", ".join(f"{row} {throughput(row, ms)}" for row, ms in done.items()))
    rows.report("The machine's limits in each library: float32 products and memory passes")


if __name__ == "__main__":
    main()
