"""The exception and warning hierarchy.

Every failure a user can cause raises a subclass of [`MinilogitError`][minilogit.MinilogitError]
whose message says what is wrong, where (file, sheet, row, column or argument) and how to fix it.
The CLI turns these into one line, `error: ...`, and exit status 2.
"""

from __future__ import annotations


class MinilogitError(Exception):
    """Base class of every error minilogit raises for bad input or bad settings."""


class DataError(MinilogitError, ValueError):
    """The data (a workbook, CSV, NPZ or arrays) cannot be used as given."""


class ConfigError(MinilogitError, ValueError):
    """An argument or option has a value that cannot work (e.g. `lr <= 0`)."""


class DivergenceError(MinilogitError, ArithmeticError):
    """Training produced a non-finite cost; the step size is almost always too large."""


class NotFittedError(MinilogitError, AttributeError):
    """A model was asked to predict before it was trained or given parameters."""


class ModelFileError(MinilogitError, ValueError):
    """A saved model file is missing, corrupt, truncated, foreign or of an unknown version."""


class ConvergenceWarning(UserWarning):
    """Training stopped before meeting its convergence criterion."""


class DataWarning(UserWarning):
    """The data can be used but probably not as intended (e.g. a one-class test set)."""
