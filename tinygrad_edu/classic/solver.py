"""The course's ``Solver``: minibatch training of a classic model with an update rule.

A model is anything with ``model.params`` (a dict of numpy arrays) and ``model.loss(X, y)``
returning ``(loss, grads)`` (and scores for ``loss(X)``), such as the classifiers in
``tinygrad_edu.classic.classifiers``.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic import Solver, TwoLayerNet
    >>> np.random.seed(0)
    >>> X, y = np.random.randn(40, 5), np.random.randint(3, size=40)
    >>> data = {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}
    >>> model = TwoLayerNet(input_dim=5, hidden_dim=8, num_classes=3, weight_scale=0.1)
    >>> solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 0.1},
    ...                 batch_size=10, num_epochs=2, verbose=False)
    >>> solver.train()
    >>> len(solver.loss_history), len(solver.val_acc_history)
    (8, 3)
"""

# ruff: noqa: NPY002 - the course's contract: numpy's global generator (np.random.seed)

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import serialization
from . import optim

Array = NDArray[Any]
UpdateRule = Callable[[Array, Array, "dict[str, Any] | None"], "tuple[Array, dict[str, Any]]"]

__all__ = ["MinibatchTrainer", "Solver", "load_checkpoint"]

_RULES = ("sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam")

# The options of every course trainer (Solver and CaptioningSolver), with their defaults;
# progress_bar is this project's addition.
_TRAINING_DEFAULTS: dict[str, Any] = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "batch_size": 100,
    "num_epochs": 10,
    "print_every": 10,
    "verbose": True,
    "progress_bar": False,
}

# Solver's options: the newer course versions added the accuracy subsamples and checkpoints.
_DEFAULTS: dict[str, Any] = {
    **_TRAINING_DEFAULTS,
    "num_train_samples": 1000,
    "num_val_samples": None,
    "checkpoint_name": None,
}


def _options(owner: str, kwargs: Mapping[str, Any], defaults: Mapping[str, Any]
             ) -> dict[str, Any]:
    """The keyword options with the defaults filled in; unknown names raise the course's
    ``ValueError("Unrecognized arguments ...")`` (the names quoted, in the order given)."""
    unknown = [k for k in kwargs if k not in defaults]
    if unknown:
        extra = ", ".join(f'"{k}"' for k in unknown)
        raise ValueError(f"Unrecognized arguments {extra} ({owner} accepts "
                         f"{', '.join(sorted(defaults))})")
    return {**defaults, **kwargs}


def _update_rule(rule: Any) -> UpdateRule:
    """A rule name from ``classic.optim`` or a callable ``rule(w, dw, config)``."""
    if callable(rule):
        return rule  # type: ignore[no-any-return]
    if isinstance(rule, str) and rule in _RULES:
        return getattr(optim, rule)  # type: ignore[no-any-return]
    raise ValueError(f'Invalid update_rule "{rule}": expected one of {list(_RULES)} or a '
                     "function rule(w, dw, config) -> (next_w, config)")


def _check_model(owner: str, model: Any) -> None:
    if not hasattr(model, "params") or not hasattr(model, "loss"):
        raise TypeError(f"{owner}: model must have a params dict and a loss(X, y) method, got "
                        f"{type(model).__name__}")


def _check_data(data: Any) -> dict[str, Array]:
    if not isinstance(data, Mapping):
        raise TypeError(f"Solver: data must be a dict, got {type(data).__name__}")
    keys = ("X_train", "y_train", "X_val", "y_val")
    missing = [k for k in keys if k not in data]
    if missing:
        raise ValueError(f"Solver: data is missing {missing}; expected the keys {list(keys)}")
    arrays = {k: np.asarray(data[k]) for k in keys}
    for split in ("train", "val"):
        x, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if x.ndim < 1 or y.ndim != 1 or x.shape[0] != y.shape[0] or x.shape[0] == 0:
            raise ValueError(f"Solver: X_{split} {x.shape} and y_{split} {y.shape} must hold the "
                             f"same positive number of rows, y_{split} one label per row")
    return arrays


class MinibatchTrainer:
    """The training loop the course's ``Solver`` and ``CaptioningSolver`` share.

    Every iteration draws a minibatch (``_minibatch``), calls ``model.loss`` on it, and
    replaces each ``model.params[name]`` by ``update_rule(w, grads[name], config)``, with one
    config dict per parameter. After every epoch the learning rates are multiplied by
    ``lr_decay``. Subclasses say how many training items there are (``_num_train``), how a
    minibatch is drawn, and what is measured along the way (``_record``, ``_finish``).
    """

    model: Any
    _owner = "MinibatchTrainer"

    def _configure(self, options: Mapping[str, Any]) -> None:
        """The shared options (``_TRAINING_DEFAULTS``), checked."""
        self.update_rule = _update_rule(options["update_rule"])
        self._rule_name = (options["update_rule"] if isinstance(options["update_rule"], str)
                           else getattr(options["update_rule"], "__name__", "custom"))
        self.optim_config = dict(options["optim_config"] or {})
        self.lr_decay = options["lr_decay"]
        for key in ("batch_size", "num_epochs", "print_every"):
            value = options[key]
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{self._owner}: {key} must be a positive int, got {value!r}")
        self.batch_size, self.num_epochs = int(options["batch_size"]), int(options["num_epochs"])
        self.print_every = int(options["print_every"])
        self.verbose, self.progress_bar = bool(options["verbose"]), bool(options["progress_bar"])

    def _reset(self) -> None:
        """Fresh histories and one optimiser config per parameter."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params: dict[str, Array] = {}
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _num_train(self) -> int:
        raise NotImplementedError

    def _minibatch(self) -> tuple[Any, Any]:
        """The two arguments of ``model.loss`` for one training minibatch."""
        raise NotImplementedError

    def _record(self, t: int, num_iterations: int, epoch_end: bool) -> None:
        """Called after every iteration t (and after the epoch counter moved at an epoch end)."""

    def _finish(self) -> None:
        """Called once after the last iteration."""

    def _step(self) -> None:
        """One update on a minibatch."""
        inputs, targets = self._minibatch()
        loss, grads = self.model.loss(inputs, targets)
        self.loss_history.append(float(loss))
        for name, w in list(self.model.params.items()):
            next_w, config = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
            self.optim_configs[name] = config

    def train(self) -> None:
        """Run ``num_epochs`` epochs of ``max(N // batch_size, 1)`` updates each.

        Prints ``(Iteration t / T) loss: ...`` every ``print_every`` iterations (when
        verbose) and decays the learning rates after every epoch.
        """
        iterations_per_epoch = max(self._num_train() // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        bar = _Bar(iterations_per_epoch, self.progress_bar)
        for t in range(num_iterations):
            self._step()
            bar.update(self.epoch, self.num_epochs, self.loss_history[-1])
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: "
                      f"{self.loss_history[-1]:f}")
            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:
                        config["learning_rate"] *= self.lr_decay
                bar.close()
            self._record(t, num_iterations, epoch_end)
        bar.close()
        self._finish()


class Solver(MinibatchTrainer):
    """Train a classic model with minibatch updates; keep histories and the best parameters.

    Args:
        model: has ``params`` (dict of arrays) and ``loss(X, y=None)``.
        data: 'X_train', 'y_train', 'X_val', 'y_val' (arrays; labels are class ids).
        update_rule: 'sgd', 'sgd_momentum', 'sgd_nesterov_momentum', 'rmsprop', 'adam'
            (``classic.optim``) or a function ``rule(w, dw, config) -> (next_w, config)``
            (default 'sgd').
        optim_config: hyper-parameters for the rule (copied once per parameter).
        lr_decay: the learning rate is multiplied by it after every epoch (1.0).
        batch_size: minibatch size (100).
        num_epochs: number of epochs (10).
        num_train_samples: training rows used to measure training accuracy (1000); a random
            subsample is drawn only when the training set has more rows.
        num_val_samples: the same for validation (None: all rows).
        checkpoint_name: when set, a checkpoint ``<checkpoint_name>_epoch_<e>.npz`` is written
            at every accuracy check (no pickle; written to a temporary file and renamed).
        print_every: print the loss every this many iterations (10).
        verbose: print the course's lines; False prints nothing.
        progress_bar: show a progress bar per epoch (tqdm when installed).

    Every option of the older course versions (``update_rule``, ``optim_config``,
    ``lr_decay``, ``batch_size``, ``num_epochs``, ``print_every``, ``verbose``) and of the
    newer ones (``num_train_samples``, ``num_val_samples``, ``checkpoint_name``) is accepted.

    Raises:
        ValueError: ``Unrecognized arguments "name"`` for an unknown option (the course's
            text), ``Invalid update_rule "name"`` for an unknown rule, or malformed data.

    Attributes:
        loss_history: the loss of every iteration.
        train_acc_history, val_acc_history: accuracies measured after the first update and
            after every epoch.
        best_val_acc, best_params: the best validation accuracy and a copy of the parameters
            that reached it; ``train()`` restores them into the model at the end.
        epoch: the number of finished epochs.
    """

    _owner = "Solver"

    def __init__(self, model: Any, data: Mapping[str, Any], **kwargs: Any) -> None:
        options = _options("Solver", kwargs, _DEFAULTS)
        _check_model("Solver", model)
        self.model = model
        arrays = _check_data(data)
        self.X_train, self.y_train = arrays["X_train"], arrays["y_train"]
        self.X_val, self.y_val = arrays["X_val"], arrays["y_val"]
        self._configure(options)
        self.num_train_samples = options["num_train_samples"]
        self.num_val_samples = options["num_val_samples"]
        self.checkpoint_name = options["checkpoint_name"]
        self._reset()

    def _num_train(self) -> int:
        return int(self.X_train.shape[0])

    def _minibatch(self) -> tuple[Array, Array]:
        """Rows drawn with replacement (``np.random.choice(N, batch_size)``, as the course)."""
        batch_mask = np.random.choice(self._num_train(), self.batch_size)
        return self.X_train[batch_mask], self.y_train[batch_mask]

    def check_accuracy(self, X: Array, y: Array, num_samples: int | None = None,  # noqa: N803
                       batch_size: int = 100) -> float:
        """The fraction of rows whose highest score is the label.

        Args:
            X, y: the data.
            num_samples: when X has more rows, measure on this many drawn at random.
            batch_size: rows scored per call of ``model.loss``.
        """
        X, y = np.asarray(X), np.asarray(y)  # noqa: N806
        n = X.shape[0]
        if num_samples is not None and n > num_samples:
            mask = np.random.choice(n, num_samples)
            n, X, y = num_samples, X[mask], y[mask]  # noqa: N806
        predictions = [np.argmax(self.model.loss(X[i:i + batch_size]), axis=1)
                       for i in range(0, n, batch_size)]
        return float(np.mean(np.concatenate(predictions) == y))

    def _save_checkpoint(self) -> None:
        """Write ``<checkpoint_name>_epoch_<epoch>.npz`` (tg.save: no pickle, atomic rename)."""
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": type(self.model).__name__,
            "params": {k: np.asarray(v) for k, v in self.model.params.items()},
            "update_rule": self._rule_name,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "optim_configs": self.optim_configs,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.npz"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        serialization.save(checkpoint, filename)

    def _record(self, t: int, num_iterations: int, epoch_end: bool) -> None:
        """After the first update, every epoch and the last update: measure the accuracies,
        print them, write a checkpoint, keep the best parameters."""
        if not (t == 0 or t == num_iterations - 1 or epoch_end):
            return
        train_acc = self.check_accuracy(self.X_train, self.y_train,
                                        num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._save_checkpoint()
        if self.verbose:
            print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                  f"val_acc: {val_acc:f}")
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {k: np.array(v, copy=True) for k, v in self.model.params.items()}

    def _finish(self) -> None:
        """Put the best parameters back into the model."""
        for name, value in self.best_params.items():
            self.model.params[name] = value

    def train(self) -> None:
        """Run ``num_epochs`` epochs of ``max(N // batch_size, 1)`` updates each.

        Prints ``(Iteration t / T) loss: ...`` every ``print_every`` iterations and
        ``(Epoch e / E) train acc: ...; val_acc: ...`` after the first update and every epoch;
        decays the learning rates after every epoch; at the end puts the best parameters back
        into ``model.params``.
        """
        super().train()


class _Bar:
    """A per-epoch progress bar (tqdm when installed, else a line at each quarter).

    The bar comes from ``tqdm.auto``: a widget in a Jupyter notebook, text in a terminal.
    """

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.done = total, enabled, 0
        self.bar: Any = None
        self._tqdm: Any = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            self._tqdm = tqdm

    def update(self, epoch: int, num_epochs: int, loss: float) -> None:
        if not self.enabled:
            return
        self.done += 1
        desc = f"epoch {epoch + 1}/{num_epochs}"
        if self._tqdm is not None:
            if self.bar is None:
                self.bar = self._tqdm(total=self.total, desc=desc, leave=False, file=sys.stderr)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            self.bar.update(1)
        elif self.done % max(1, self.total // 4) == 0 or self.done == self.total:
            print(f"{desc} [{self.done}/{self.total}] loss {loss:.4f}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar, self.done = None, 0


def load_checkpoint(filename: str | os.PathLike[str], model: Any = None) -> dict[str, Any]:
    """Read a checkpoint written by ``Solver`` (arrays come back as numpy arrays).

    Args:
        filename: the ``.npz`` file.
        model: when given, its ``params`` are replaced by the checkpoint's, after checking
            that the names, shapes and dtypes all match (every mismatch is reported and
            nothing is changed when there is one).

    Returns:
        The checkpoint dict ('params', 'epoch', 'loss_history', 'optim_configs', ...).
    """
    checkpoint = serialization.load(Path(filename))
    if not isinstance(checkpoint, Mapping) or "params" not in checkpoint:
        raise ValueError(f"load_checkpoint: {filename} is not a Solver checkpoint (no 'params')")
    if model is not None:
        saved, current = checkpoint["params"], model.params
        problems = [f"missing {k!r}" for k in current if k not in saved]
        problems += [f"unexpected {k!r}" for k in saved if k not in current]
        problems += [f"{k!r}: {saved[k].dtype}{saved[k].shape} in the file, "
                     f"{np.asarray(v).dtype}{np.shape(v)} in the model"
                     for k, v in current.items() if k in saved and
                     (saved[k].shape != np.shape(v) or saved[k].dtype != np.asarray(v).dtype)]
        if problems:
            raise ValueError(f"load_checkpoint: {filename} does not fit the model: "
                             + "; ".join(problems))
        for name in current:
            current[name] = np.array(saved[name], copy=True)
    return dict(checkpoint)
