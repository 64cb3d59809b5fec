"""What the fast path buys: training steps on the fast pairs vs inside ``reference_ops()``.

Every op whose speed matters registers two pairs: its readable numpy forward/backward (the
lesson each ``ops/`` file opens with) and a fast pair (Numba kernels, chunking, Winograd,
fused recurrent steps). Autograd runs the fast pair; inside ``tg.ops.reference_ops()`` it runs
the readable one. This script times the same training step both ways:

  ConvNet step   bench_conv.py's ``convnet_step``: conv(3->32, 7x7, pad 3)-ReLU-maxpool2-
                 Linear(8192->100)-ReLU-Linear(100->10), batch 50, float32, SGD momentum 0.9
  LSTM step      bench_rnn.py's LSTM(128, 256, batch_first=True) on x (64, 16, 128),
                 float32, forward + backward

Both run in this one process on the same model, tinygrad_edu with 2 threads (the readable
pairs are plain numpy: BLAS threads only). Timing: after a warm-up (which also compiles the
Numba kernels), best of 5 rounds of the median of ``--runs`` steps. No torch needed.

Measured (2 cores, measured while other work was running: load average about 1; OpenBLAS
0.3.31, numpy 2.4, numba 0.68), six runs:
  ConvNet step b50      fast 34-56 ms (mostly 34-38), reference 137-160 ms: 2.6-4.2x
                        (mostly 3.7-4.2x)
  LSTM 64x16x128 h256   fast 33-62 ms (mostly 33-46), reference 41-45 ms: 0.7-1.3x
                        (about even)
The ConvNet's readable pairs build all im2col columns at once (a copy 49 times the input for
the 7x7 conv), add 49 strided planes back in col2im, gather every pooling window and scatter
with ``np.add.at``; the fast pairs work a few samples at a time in cache, on both cores. The
LSTM step is its matrix products, which both pairs run through BLAS (the readable one step by
step, the fast one batching the input products and weight gradients over the sequence), so
the fused gate kernels save little at this size; the fast pair also varies more under load,
since its products are split over tinygrad_edu's thread pool.

Run (unset the two variables that force a slow BLAS kernel here, for benchmarks only):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_reference.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from bench_conv import convnet_step
from bench_rnn import HIDDEN, SHAPE, step_fn
from common import THREADS, best_median_us, describe_environment

import tinygrad_edu as tg
import tinygrad_edu.nn
import tinygrad_edu.nn.functional
import tinygrad_edu.optim


def in_reference_ops(step: Callable[[], None]) -> Callable[[], None]:
    """``step`` with every op on its readable pair."""

    def reference_step() -> None:
        with tg.ops.reference_ops():
            step()

    return reference_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per round (default: 5)")
    args = parser.parse_args()
    tg.set_num_threads(THREADS)
    describe_environment()
    rng = np.random.default_rng(0)

    def timed(step: Callable[[], None]) -> float:
        step()  # warm-up (the first call compiles kernels)
        step()
        return best_median_us(step, args.runs) / 1000

    steps: dict[str, Callable[[], None]] = {}
    x_np = rng.standard_normal((50, 3, 32, 32)).astype(np.float32)
    y_np = rng.integers(0, 10, 50)
    steps["ConvNet step b50"] = convnet_step(tg, x_np, y_np)
    x_seq = rng.standard_normal(SHAPE).astype(np.float32)
    dout = rng.standard_normal(SHAPE[:2] + (HIDDEN,)).astype(np.float32)
    steps["LSTM 64x16x128 h256"] = step_fn(tg, "LSTM", {}, x_seq, dout, True)

    print("\ntraining step (forward + backward), milliseconds")
    print(f"{'':22} {'fast':>9} {'reference':>10} {'speed-up':>9}")
    for name, step in steps.items():
        fast, reference = timed(step), timed(in_reference_ops(step))
        print(f"{name:22} {fast:9.1f} {reference:10.1f} {reference / fast:8.1f}x")
    print("speed-up = reference time / fast time: what the fast pairs buy over the lesson")


if __name__ == "__main__":
    main()
