"""Hyper-parameter search on Optuna, on this machine's cores or on a Ray cluster.

A *trainable* is a function of a config dict that trains a model and reports each epoch::

    from tinygrad_edu import tune

    def train(config):
        model = ConvNet(widths=(config["width"], 2 * config["width"]), dropout=config["dropout"])
        optimizer = optim.AdamW(model.parameters(), lr=config["lr"])
        Trainer(model, loss_fn, optimizer, train_loader, val_loader, epochs=10,
                callbacks=[tune.ReportCallback()]).fit()     # or: tune.report(val_acc=...)

    results = tune.run(train, {"lr": tune.loguniform(1e-4, 1e-1),
                               "width": tune.choice([8, 16, 32]),
                               "dropout": tune.uniform(0.0, 0.5)},
                       num_trials=20, metric="val_acc", mode="max",
                       scheduler="asha", storage="runs/tune-digits")
    print(results.best_config)

The search (TPE, random or grid) and early stopping (median or successive halving) are
Optuna's; trials run in worker processes (``backend="local"``, the default: one trial per
process, threads per trial chosen so the cores are not oversubscribed) or on Ray
(``backend="ray"``). ``storage`` keeps everything: the Optuna database (``resume=True``
continues a stopped search), ``results.csv`` / ``results.json`` (one row per trial),
``best_config.json``, the best checkpoint and the plots. See docs/tune.md.

Needs the ``tune`` extra (``pip install tinygrad_edu[tune]``), and ``ray`` for Ray.
"""

from __future__ import annotations

from .driver import load, run
from .helpers import ReportCallback, train_solver
from .results import Results
from .session import TrialPruned, report, trial_info
from .space import Domain, choice, grid, loguniform, randint, uniform

__all__ = [
    "Domain", "ReportCallback", "Results", "TrialPruned", "choice", "grid", "load",
    "loguniform", "randint", "report", "run", "train_solver", "trial_info", "uniform",
]
