"""Train a small ConvNet on handwritten digits: progress bars, plots, a checkpoint, a report.

The data is the 8x8 digits set that scikit-learn ships (1797 images, no download), split
into train / validation / test. The default network is two conv-BN-ReLU-pool blocks (32 and
64 channels), dropout and a linear classifier (about 21k parameters), trained with AdamW and
a cosine learning-rate schedule. It reaches about 98-99% test accuracy in a few seconds of
training.

Everything goes into an output folder (``runs/<data>-<model>`` unless ``--out`` says
otherwise): ``training.png`` (loss and accuracy curves), ``filters.png`` (the first layer's
filters), ``per_class_accuracy.png``, ``confusion_matrix.png``, ``checkpoint.npz`` (the full
training state after the last epoch; ``--resume`` continues from it, for instance after
Ctrl-C), ``model.npz`` (the best weights, ``model.load_state_dict(tg.load(path))``) and
``report.json``.

Run:
    python examples/train_digits.py                      # the README's first command
    python examples/train_digits.py --model mlp          # a fully connected network instead
    python examples/train_digits.py --data cifar10 --data-dir data --epochs 10
    python examples/train_digits.py --quick              # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import (
    CIFAR10,
    DataLoader,
    Subset,
    TensorDataset,
    digits,
    synthetic_cifar10,
)
from tinygrad_edu.data import transforms as T
from tinygrad_edu.models.convnet import ConvNet
from tinygrad_edu.models.mlp import MLP
from tinygrad_edu.train import (
    Trainer,
    accuracy,
    confusion_matrix,
    per_class_accuracy,
    predict,
)

CIFAR_MEAN, CIFAR_STD = (0.491, 0.482, 0.447), (0.247, 0.243, 0.262)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default: 15 for digits, 10 for cifar10)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (64)")
    parser.add_argument("--lr", type=float, default=1e-2, help="peak learning rate (0.01)")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW decay (1e-4)")
    parser.add_argument("--schedule", choices=["cosine", "step"], default="cosine",
                        help="learning-rate schedule (cosine)")
    parser.add_argument("--model", choices=["mlp", "convnet"], default="convnet")
    parser.add_argument("--data", choices=["digits", "cifar10"], default="digits")
    parser.add_argument("--data-dir", type=Path, default=Path("data"),
                        help="folder with cifar-10-batches-py/ (for --data cifar10)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: runs/<data>-<model>)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in the output folder")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny run of a few seconds, to check that everything works")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.quick else (15 if args.data == "digits" else 10)
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        parser.error("--epochs, --batch-size and --lr must be positive")
    if args.out is None:
        args.out = Path("runs") / f"{args.data}-{args.model}{'-quick' if args.quick else ''}"
    return args


# ----------------------------------------------------------------------------- data

def load_data(args: argparse.Namespace) -> dict[str, Any]:
    """Train/val/test datasets, the image shape and the class names."""
    if args.data == "digits":
        splits = digits(seed=args.seed)
        train = splits.train
        if args.quick:  # a few batches are enough to exercise every step
            train = TensorDataset(*(a[:256] for a in train.tensors))
        return {"train": train, "val": splits.val, "test": splits.test,
                "shape": (1, 8, 8), "classes": splits.classes}
    return load_cifar(args)


def load_cifar(args: argparse.Namespace) -> dict[str, Any]:
    root = args.data_dir
    if not ((root / "cifar-10-batches-py").is_dir() or (root / "data_batch_1").is_file()):
        root = args.out / "synthetic-cifar10"
        n = 200 if args.quick else 5000
        print(f"CIFAR-10 files not found under {args.data_dir}: using SYNTHETIC data instead "
              f"({n} generated images in {root}; see tinygrad_edu.data.load_cifar10 for the "
              f"files to download)")
        synthetic_cifar10(root, n=n, seed=args.seed)
    normalize = [T.ToTensor(), T.Normalize(CIFAR_MEAN, CIFAR_STD)]
    augment = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), *normalize])
    train_full = CIFAR10(root, train=True, transform=augment)
    plain = CIFAR10(root, train=True, transform=T.Compose(normalize))
    order = np.random.default_rng(args.seed).permutation(len(train_full))
    n_val = max(len(order) // 10, 1)
    n_train = len(order) - n_val if not args.quick else min(256, len(order) - n_val)
    return {"train": Subset(train_full, order[n_val:n_val + n_train].tolist()),
            "val": Subset(plain, order[:n_val].tolist()),
            "test": CIFAR10(root, train=False, transform=T.Compose(normalize)),
            "shape": (3, 32, 32), "classes": train_full.classes}


def build_model(name: str, shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    c, h, _ = shape
    if name == "mlp":
        return MLP(c * h * h, hidden_sizes=(256, 128), num_classes=num_classes, dropout=0.2)
    widths = (32, 64) if h == 8 else (32, 64, 128)
    return ConvNet(in_channels=c, num_classes=num_classes, widths=widths, image_size=h,
                   dropout=0.25)


# ----------------------------------------------------------------------------- outputs

def write_outputs(out: Path, model: nn.Module, trainer: Trainer, shape: tuple[int, ...],
                  classes: tuple[str, ...], cm: np.ndarray, report: dict[str, Any]) -> None:
    tg.save(model.state_dict(), out / "model.npz")
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    try:
        from tinygrad_edu.viz import plots
        plots.plot_history(trainer.history, out / "training.png")
        plots.plot_filters(model, out / "filters.png", image_shape=shape)
        plots.plot_per_class_accuracy(cm, out / "per_class_accuracy.png", classes)
        plots.plot_confusion_matrix(cm, out / "confusion_matrix.png", classes)
    except ImportError as exc:
        print(f"no plots: {exc}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    start = time.perf_counter()
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tg.manual_seed(args.seed)
    data = load_data(args)
    loader_rng = tg.Generator().manual_seed(args.seed)  # the shuffling order, checkpointed too
    train_loader = DataLoader(data["train"], args.batch_size, shuffle=True,
                              generator=loader_rng)
    val_loader = DataLoader(data["val"], batch_size=500)
    test_loader = DataLoader(data["test"], batch_size=500)
    model = build_model(args.model, data["shape"], len(data["classes"]))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.data}: {len(data['train'])} train / {len(data['val'])} val / "
          f"{len(data['test'])} test images; {args.model} with {n_params:,} parameters")

    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    if args.schedule == "cosine":
        scheduler: Any = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    else:
        scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=max(args.epochs // 3, 1),
                                              gamma=0.2)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader,
                      epochs=args.epochs, scheduler=scheduler,
                      checkpoint=args.out / "checkpoint.npz", resume=args.resume,
                      keep_best=True, progress=not args.no_progress)
    try:
        trainer.fit()
    except KeyboardInterrupt:
        print(f"stopped. Continue with: python {sys.argv[0]} --resume --out {args.out} "
              f"(plus the same options as before)")
        raise SystemExit(130) from None

    outputs, targets = predict(model, test_loader)
    test_acc = accuracy(outputs, targets)
    cm = confusion_matrix(targets, outputs, num_classes=len(data["classes"]))
    seconds = time.perf_counter() - start
    report = {"data": args.data, "model": args.model, "parameters": n_params,
              "epochs": trainer.epoch, "best_epoch": trainer.best_epoch,
              "test_accuracy": test_acc, "wall_time_s": round(seconds, 1),
              "per_class_accuracy": dict(zip(data["classes"],
                                             per_class_accuracy(cm).round(4).tolist(),
                                             strict=True)),
              "confusion_matrix": cm.tolist(), "history": trainer.history.to_dict()}
    write_outputs(args.out, model, trainer, data["shape"], data["classes"], cm, report)
    print(f"test accuracy: {100 * test_acc:.2f}% ({len(targets)} images)")
    print(f"wrote {', '.join(sorted(p.name for p in args.out.iterdir() if p.is_file()))} "
          f"to {args.out}/ in {seconds:.1f}s")
    return report


if __name__ == "__main__":
    # A training script may opt in to process-wide allocator tuning (see tg.runtime): freed
    # activations are reused instead of page-faulted in again every step (~15% here).
    tg.runtime.tune_malloc()
    main()
