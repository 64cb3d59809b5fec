"""Search the digits ConvNet's hyper-parameters with tinygrad_edu.tune (Optuna; local or Ray).

The trainable is the training of examples/train_digits.py (the README's ConvNet: two
conv-BN-ReLU-pool blocks, dropout, a linear classifier; AdamW with a cosine schedule),
written as a function of a config. The search varies the learning rate, the weight decay,
the width of the first block (the second has twice as many channels) and the dropout.
The first trial is the hand-picked config of train_digits.py (lr 1e-2, weight decay 1e-4,
width 32, dropout 0.25), so the table shows how the search compares with it. Successive
halving (ASHA) stops trials whose validation accuracy lags behind after 3 epochs.

Everything goes to ``--storage`` (default ``runs/tune-digits``): results.csv / results.json
(one row per trial), best_config.json, best_checkpoint.npz, metric_vs_params.png,
learning_curves.png and the Optuna database. Ctrl-C stops the search; ``--resume``
continues it.

Run:
    python examples/tune_digits.py                         # 16 trials, local worker processes
    python examples/tune_digits.py --workers 1             # one trial at a time, all threads
    python examples/tune_digits.py --backend ray           # on a local Ray instance
    python examples/tune_digits.py --backend ray --address auto   # on a running Ray cluster
    python examples/tune_digits.py --quick                 # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, tune
from tinygrad_edu.data import DataLoader, TensorDataset, digits
from tinygrad_edu.models.convnet import ConvNet
from tinygrad_edu.train import Trainer, accuracy, predict

HAND_PICKED = {"lr": 1e-2, "weight_decay": 1e-4, "width": 32, "dropout": 0.25}

SPACE = {
    "lr": tune.loguniform(1e-3, 5e-2),
    "weight_decay": tune.loguniform(1e-5, 1e-2),
    "width": tune.choice([8, 16, 32]),
    "dropout": tune.uniform(0.0, 0.5),
}


def build_model(config: dict[str, Any]) -> nn.Module:
    w = config["width"]
    return ConvNet(in_channels=1, num_classes=10, widths=(w, 2 * w), image_size=8,
                   dropout=config["dropout"])


def train_digits(config: dict[str, Any], data: dict[str, Any]) -> list[float | None]:
    """One trial: train the ConvNet with ``config`` and report every epoch (val_acc, ...)."""
    tg.manual_seed(config.get("seed", 0))
    train = DataLoader(data["train"], batch_size=64, shuffle=True,
                       generator=tg.Generator().manual_seed(config.get("seed", 0)))
    val = DataLoader(data["val"], batch_size=500)
    model = build_model(config)
    optimizer = optim.AdamW(model.parameters(), lr=config["lr"],
                            weight_decay=config["weight_decay"])
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["epochs"])
    history = Trainer(model, nn.CrossEntropyLoss(), optimizer, train, val,
                      epochs=config["epochs"], scheduler=scheduler, progress=False,
                      verbose=False, callbacks=[tune.ReportCallback()]).fit()
    return history.val_acc


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=None, help="configs to try (16)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per trial (15)")
    parser.add_argument("--workers", type=int, default=None,
                        help="trials at the same time (default: one per core)")
    parser.add_argument("--backend", choices=["local", "ray"], default="local")
    parser.add_argument("--address", default=None, help="Ray cluster address (e.g. auto)")
    parser.add_argument("--storage", type=Path, default=None,
                        help="the study's folder (default runs/tune-digits)")
    parser.add_argument("--resume", action="store_true", help="continue the study in storage")
    parser.add_argument("--seed", type=int, default=0, help="seed of the search (0)")
    parser.add_argument("--scheduler", choices=["asha", "median", "none"], default="asha",
                        help="early stopping of lagging trials (asha)")
    parser.add_argument("--quick", action="store_true", help="4 tiny trials of 2 epochs")
    args = parser.parse_args(argv)
    args.trials = args.trials or (4 if args.quick else 16)
    args.epochs = args.epochs or (2 if args.quick else 15)
    args.storage = args.storage or Path("runs") / f"tune-digits{'-quick' if args.quick else ''}"
    return args


def main(argv: list[str] | None = None) -> tune.Results:
    args = parse_args(argv)
    splits = digits(seed=0)
    train = splits.train
    if args.quick:
        train = TensorDataset(*(a[:256] for a in train.tensors))
    data = {"train": train, "val": splits.val}
    start = time.perf_counter()
    results = tune.run(train_digits, {**SPACE, "epochs": args.epochs}, num_trials=args.trials,
                       metric="val_acc", mode="max", backend=args.backend,
                       max_concurrent=args.workers, storage=args.storage, resume=args.resume,
                       scheduler=None if args.scheduler == "none" else args.scheduler,
                       grace_period=min(3, args.epochs), data=data,
                       seed=args.seed, address=args.address, points_to_evaluate=[HAND_PICKED])
    seconds = time.perf_counter() - start
    print(f"\n{len(results.rows)} trials in {seconds:.1f}s; {results.counts()}")
    hand = next((r for r in results.rows if r["trial"] == 0), None)
    if hand is not None and hand["status"] == "pruned":
        # stopped early by the search: train it fully here to compare on the same budget
        curve = train_digits({**HAND_PICKED, "epochs": args.epochs}, data)
        best = max(v for v in curve if v is not None)
        hand = {**hand, "val_acc": best, "best_epoch": curve.index(best) + 1}
        print("the hand-picked config (trial 0) was pruned; trained fully for comparison:")
    if hand is not None and hand["val_acc"] is not None:
        print(f"hand-picked config (trial 0): val_acc {hand['val_acc']:.4f} at epoch "
              f"{hand['best_epoch']}")
    if results.best_config is None:
        print("no trial completed")
        return results
    print(f"best: trial {results.best_trial}, val_acc {results.best_value:.4f}, "
          f"config {results.best_config}")
    if results.best_checkpoint is not None:
        model = build_model(results.best_config)
        model.load_state_dict(tg.load(results.best_checkpoint))
        outputs, targets = predict(model, DataLoader(splits.test, batch_size=500))
        print(f"best checkpoint's test accuracy: {100 * accuracy(outputs, targets):.2f}%")
    print(f"wrote the results, plots and checkpoints to {args.storage}/")
    return results


if __name__ == "__main__":
    main()
