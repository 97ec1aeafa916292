"""minilogit: logistic regression done properly, small enough to read in an afternoon.

`import minilogit` stays light: JAX is imported only when autodiff, jit or an optax adapter
is used, and matplotlib only when a plot is drawn.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import classic, datasets, gradients, losses, metrics, multiclass, optim, stats, stream
from .data import Dataset
from .errors import (
    ConfigError,
    ConvergenceWarning,
    DataError,
    DataWarning,
    DivergenceError,
    MinilogitError,
    ModelFileError,
    NotFittedError,
)
from .formats import read_csv, read_data, read_npz, write_csv, write_data, write_npz
from .models import Logistic
from .multiclass import OneVsRest, Softmax
from .persist import load, save
from .stats import summary
from .train import History, Trainer
from .workbook import read_workbook, write_workbook

__version__ = "0.1.0"

_LAZY_MODULES = ("plots", "sklearn")


def __getattr__(name: str) -> Any:
    # plots (matplotlib) and sklearn (scikit-learn) are heavy; import them on first access.
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minilogit' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "Dataset",
    "DivergenceError",
    "History",
    "Logistic",
    "MinilogitError",
    "ModelFileError",
    "NotFittedError",
    "OneVsRest",
    "Softmax",
    "Trainer",
    "__version__",
    "classic",
    "datasets",
    "gradients",
    "load",
    "losses",
    "metrics",
    "multiclass",
    "optim",
    "read_csv",
    "read_data",
    "read_npz",
    "read_workbook",
    "save",
    "stats",
    "stream",
    "summary",
    "write_csv",
    "write_data",
    "write_npz",
    "write_workbook",
]
