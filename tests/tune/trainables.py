"""Tiny trainables for the tune tests (importable by Ray workers and spawned processes)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import numpy as np

from tinygrad_edu import tune


def quadratic(config: dict[str, Any]) -> None:
    """A fake training curve: climbs toward 1 - (x - 0.3)^2, one report per epoch."""
    target = 1.0 - (config["x"] - 0.3) ** 2
    for epoch in range(1, config.get("epochs", 4) + 1):
        time.sleep(config.get("sleep", 0.0))
        tune.report(score=target * epoch / config.get("epochs", 4), epoch=epoch,
                    checkpoint={"w": np.full(3, config["x"])})


def sometimes_fails(config: dict[str, Any]) -> None:
    if config["x"] > 0.5:
        raise RuntimeError(f"diverged at x={config['x']}")
    quadratic(config)


def interrupt_driver(config: dict[str, Any]) -> None:
    """The third trial presses Ctrl-C in the driver (the worker itself ignores SIGINT)."""
    quadratic(config)
    info = tune.trial_info()
    if info is not None and info["number"] == 2:
        os.kill(os.getppid(), signal.SIGINT)
        time.sleep(30)  # stopped by the driver long before


def killed_once(config: dict[str, Any]) -> None:
    """Kills its own worker process the first time the marker file is absent."""
    marker = config["marker"]
    if config["x"] == 0.2 and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    quadratic(config)


def with_data(config: dict[str, Any], data: dict[str, np.ndarray]) -> None:
    tune.report(score=float(data["x"].sum()) * config["x"], pid=os.getpid())
