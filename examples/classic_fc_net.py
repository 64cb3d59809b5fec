"""The course notebook "FullyConnectedNets", as a script, on the tinygrad_edu engine.

Cell by cell, as in the notebook:

1. load data (scikit-learn's 8x8 digits here, no download; with ``--cifar DIR`` the CIFAR-10
   python batch files through ``get_CIFAR10_data``);
2. build a small ``FullyConnectedNet`` with batch normalisation and dropout in float64 and
   gradient-check it: the gradients come from the autograd engine, the check perturbs
   ``model.params`` in place (``eval_numerical_gradient``);
3. train a bigger one with the ``Solver`` (Adam), printing the course's log lines;
4. report the best validation accuracy and the test accuracy.

Run:
    python examples/classic_fc_net.py            # about fifteen seconds on a laptop
    python examples/classic_fc_net.py --quick    # a few seconds (used by the tests)
    python examples/classic_fc_net.py --cifar data --epochs 5
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from tinygrad_edu.classic import FullyConnectedNet, Solver
from tinygrad_edu.classic.gradient_check import eval_numerical_gradient, rel_error


def digits_data() -> dict[str, np.ndarray]:
    """The digits splits as the course's data dict: images flattened to 64 features."""
    from tinygrad_edu.data import digits

    splits = digits()
    data = {}
    for name, part in (("train", splits.train), ("val", splits.val), ("test", splits.test)):
        images, labels = part.tensors
        data[f"X_{name}"] = np.asarray(images, dtype=np.float64).reshape(len(labels), -1)
        data[f"y_{name}"] = np.asarray(labels)
    mean = data["X_train"].mean(axis=0)
    for name in ("X_train", "X_val", "X_test"):
        data[name] = data[name] - mean
    return data


def gradient_check(hidden: list[int], input_dim: int) -> None:
    """Numerical vs engine gradients of a small float64 net with batchnorm and dropout."""
    np.random.seed(231)
    N, C = 4, 10  # noqa: N806
    X, y = np.random.randn(N, input_dim), np.random.randint(C, size=N)  # noqa: N806
    for reg in (0.0, 3.14):
        print(f"Running check with reg = {reg}")
        model = FullyConnectedNet(hidden, input_dim=input_dim, num_classes=C, reg=reg,
                                  weight_scale=5e-2, dtype=np.float64,
                                  normalization="batchnorm", dropout_keep_ratio=0.75, seed=123)
        loss, grads = model.loss(X, y)
        print(f"Initial loss: {loss}")
        for name in sorted(grads):
            num = eval_numerical_gradient(lambda _, m=model: m.loss(X, y)[0],
                                          model.params[name], verbose=False, h=1e-5)
            print(f"{name} relative error: {rel_error(num, grads[name]):.2e}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds: small and short")
    parser.add_argument("--cifar", default=None, help="folder of the CIFAR-10 python batches")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)

    if args.cifar:
        from tinygrad_edu.classic.data_utils import get_CIFAR10_data

        data = get_CIFAR10_data(root=args.cifar)
        data = {k: v.reshape(len(v), -1) if k.startswith("X") else v for k, v in data.items()}
    else:
        data = digits_data()
    for name, value in data.items():
        print(f"{name}: {value.shape}")
    input_dim = data["X_train"].shape[1]

    gradient_check([6, 5] if args.quick else [20, 30], input_dim=8 if args.quick else 15)

    if args.quick:
        data["X_train"], data["y_train"] = data["X_train"][:400], data["y_train"][:400]
    hidden = [50, 50] if args.quick else [100, 100, 100]
    epochs = args.epochs or (2 if args.quick else 10)
    np.random.seed(0)
    model = FullyConnectedNet(hidden, input_dim=input_dim, num_classes=10, weight_scale=5e-2,
                              normalization="batchnorm", dropout_keep_ratio=0.8, reg=1e-3)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 3e-3},
                    lr_decay=0.95, batch_size=50, num_epochs=epochs, print_every=20)
    solver.train()
    test_acc = solver.check_accuracy(data["X_test"], data["y_test"])
    print(f"validation accuracy: {solver.best_val_acc:.4f} (best), test accuracy: "
          f"{test_acc:.4f}")
    return {"solver": solver, "model": model, "test_acc": test_acc}


if __name__ == "__main__":
    main()
