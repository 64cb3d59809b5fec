"""The CIFAR-10 notebook's hyper-parameter search, with tinygrad_edu.tune and the classic Solver.

The course's two-layer-net notebook ends with a nested loop over learning rates and
regularisation strengths, one ``Solver`` each, keeping the best network ("tune your
hyperparameters": the best should reach about 50% validation accuracy on CIFAR-10). Here the
same training is a trainable: the learning rate and the regularisation are a grid (every
pair, as in the notebook), the hidden size and the learning-rate decay are drawn by TPE for
each grid point, and the median rule stops trainings that lag behind. The trials run in
parallel worker processes (or on Ray) and everything is recorded in ``--storage``.

The data is CIFAR-10 from ``--data-dir`` (``cifar-10-batches-py``, as the course downloads
it). When it is not there, a small SYNTHETIC CIFAR-10 is generated instead (a message says
so), which is what ``--quick`` and the tests use.

Run:
    python examples/tune_cifar10.py --data-dir data              # the real search
    python examples/tune_cifar10.py --backend ray --address auto # on a Ray cluster
    python examples/tune_cifar10.py --quick                      # seconds, synthetic data
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_edu import tune
from tinygrad_edu.classic import Solver, TwoLayerNet
from tinygrad_edu.classic.data_utils import get_CIFAR10_data
from tinygrad_edu.data import synthetic_cifar10

SPACE = {
    "learning_rate": tune.grid([1e-4, 5e-4, 1e-3]),
    "reg": tune.grid([0.0, 0.05, 0.25]),
    "hidden_dim": tune.choice([50, 100, 200]),
    "lr_decay": tune.uniform(0.9, 1.0),
}


def train_two_layer_net(config: dict[str, Any], data: dict[str, np.ndarray]) -> None:
    """One cell of the notebook's loop: a TwoLayerNet trained by the Solver with ``config``."""
    np.random.seed(config.get("seed", 0))  # noqa: NPY002 - the Solver uses numpy's global RNG
    model = TwoLayerNet(input_dim=3 * 32 * 32, hidden_dim=config["hidden_dim"],
                        num_classes=10, reg=config["reg"])
    solver = Solver(model, data, update_rule="sgd", lr_decay=config["lr_decay"],
                    optim_config={"learning_rate": config["learning_rate"]},
                    num_epochs=config["epochs"], batch_size=200, verbose=False)
    tune.train_solver(solver)


def load(args: argparse.Namespace) -> dict[str, np.ndarray]:
    root = args.data_dir
    if not ((root / "cifar-10-batches-py").is_dir() or (root / "data_batch_1").is_file()):
        root = args.storage / "synthetic-cifar10"
        n = 500 if args.quick else 5000
        print(f"CIFAR-10 files not found under {args.data_dir}: using SYNTHETIC data instead "
              f"({n} generated images in {root})")
        synthetic_cifar10(root, n=n, seed=0)
        return get_CIFAR10_data(num_training=n - n // 5, num_validation=n // 5,
                                num_test=n // 5, root=root)
    sizes = (2000, 500, 500) if args.quick else (49000, 1000, 1000)
    return get_CIFAR10_data(*sizes, root=root)


def main(argv: list[str] | None = None) -> tune.Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--storage", type=Path, default=None,
                        help="the study's folder (default runs/tune-cifar10)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per trial (10)")
    parser.add_argument("--workers", type=int, default=None, help="trials at the same time")
    parser.add_argument("--backend", choices=["local", "ray"], default="local")
    parser.add_argument("--address", default=None, help="Ray cluster address (e.g. auto)")
    parser.add_argument("--resume", action="store_true", help="continue the study in storage")
    parser.add_argument("--quick", action="store_true", help="a 2 x 2 grid of 2 epochs")
    args = parser.parse_args(argv)
    args.epochs = args.epochs or (2 if args.quick else 10)
    args.storage = args.storage or Path("runs") / f"tune-cifar10{'-quick' if args.quick else ''}"
    args.storage.mkdir(parents=True, exist_ok=True)
    data = load(args)
    space = {**SPACE, "epochs": args.epochs}
    if args.quick:
        space.update(learning_rate=tune.grid([1e-4, 1e-3]), reg=tune.grid([0.0, 0.25]),
                     hidden_dim=tune.choice([20, 50]))
    results = tune.run(train_two_layer_net, space, metric="val_acc", mode="max",
                       backend=args.backend, address=args.address, max_concurrent=args.workers,
                       storage=args.storage, resume=args.resume, scheduler="median",
                       grace_period=min(2, args.epochs), data=data, seed=0)
    if results.best_config is not None:
        print(f"best validation accuracy {results.best_value:.4f} with {results.best_config}")
    return results


if __name__ == "__main__":
    main()
