"""Train the course's three-layer ConvNet on CIFAR-10 (or on synthetic stand-in data).

The network is the assignment's ``ThreeLayerConvNet``: conv 7x7 (32 filters) - ReLU - 2x2 max
pool - affine (100) - ReLU - affine (10), trained with Adam as in the notebook. The real data
is read from the "CIFAR-10 python version" files under ``--data-dir`` (the folder holding
``cifar-10-batches-py/``); without them the script says so and writes a small synthetic
dataset in the same format instead, so the whole pipeline still runs.

Outputs in ``--out`` (default ``runs/cifar10-three-layer``): ``training.png``, ``filters.png``
(the first layer's 7x7 colour filters, the course's "visualize filters" picture),
``checkpoint.npz`` and ``model.npz``.

Run:
    python examples/train_cifar10.py --data-dir data               # 1 epoch on 49000 images
    python examples/train_cifar10.py --data-dir data --num-train 5000 --epochs 5
    python examples/train_cifar10.py --quick                       # seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import CIFAR10, DataLoader, Subset, synthetic_cifar10
from tinygrad_edu.data import transforms as T
from tinygrad_edu.models.convnet import ThreeLayerConvNet
from tinygrad_edu.train import Trainer, evaluate

MEAN, STD = (0.491, 0.482, 0.447), (0.247, 0.243, 0.262)


def find_data(data_dir: Path, out: Path, quick: bool, seed: int) -> tuple[Path, bool]:
    """The folder to read, and whether it holds synthetic data."""
    if (data_dir / "cifar-10-batches-py").is_dir() or (data_dir / "data_batch_1").is_file():
        return data_dir, False
    root = out / "synthetic-cifar10"
    n = 300 if quick else 5000
    print(f"CIFAR-10 not found under {data_dir}/ (expected cifar-10-batches-py/ with "
          f"data_batch_1..5 and test_batch). Using SYNTHETIC data: {n} generated images in "
          f"{root}/. The numbers below say nothing about real CIFAR-10.")
    synthetic_cifar10(root, n=n, seed=seed)
    return root, True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--out", type=Path, default=Path("runs/cifar10-three-layer"))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (1e-3)")
    parser.add_argument("--num-train", type=int, default=49000,
                        help="training images (the rest of the 50000 up to 1000 validate)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny run (synthetic data)")
    args = parser.parse_args()
    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    tg.manual_seed(args.seed)
    root, synthetic = find_data(args.data_dir, args.out, args.quick, args.seed)

    normalize = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    train_set = CIFAR10(root, train=True, transform=normalize)
    n_val = min(1000, len(train_set) // 10)
    n_train = min(args.num_train, len(train_set) - n_val)
    if args.quick:
        n_train = min(n_train, 200)
    order = np.random.default_rng(args.seed).permutation(len(train_set))
    train = Subset(train_set, order[n_val:n_val + n_train].tolist())
    val = Subset(train_set, order[:n_val].tolist())
    test = CIFAR10(root, train=False, transform=normalize)
    print(f"{'synthetic' if synthetic else 'CIFAR-10'}: {len(train)} train / {len(val)} val / "
          f"{len(test)} test images")

    model = ThreeLayerConvNet(input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                              hidden_dim=100, num_classes=10)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    train_loader = DataLoader(train, args.batch_size, shuffle=True,
                              generator=tg.Generator().manual_seed(args.seed))
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, train_loader,
                      DataLoader(val, 500), epochs=args.epochs,
                      checkpoint=args.out / "checkpoint.npz", resume=args.resume)
    try:
        trainer.fit()
    except KeyboardInterrupt:
        print(f"stopped; continue with --resume --out {args.out}")
        raise SystemExit(130) from None

    result = evaluate(model, DataLoader(test, 500))
    tg.save(model.state_dict(), args.out / "model.npz")
    try:
        from tinygrad_edu.viz import plots
        plots.plot_history(trainer.history, args.out / "training.png")
        plots.plot_filters(model, args.out / "filters.png")
    except ImportError as exc:
        print(f"no plots: {exc}")
    label = "synthetic test" if synthetic else "test"
    print(f"{label} accuracy: {100 * (result.accuracy or 0):.2f}% ({result.num_samples} images)")
    print(f"wrote {args.out}/ in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    # A training script may opt in to process-wide allocator tuning (see tg.runtime): freed
    # activations are reused instead of page-faulted in again every step (~15% here).
    tg.runtime.tune_malloc()
    main()
