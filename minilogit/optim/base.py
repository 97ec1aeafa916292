"""The optimizer protocol every minilogit optimizer follows.

An optimizer is an object with two methods (the optax shape, returning new parameters):

* `init(params) -> state`: the state it carries between steps (a small NamedTuple).
* `update(params, grads, state, objective=None) -> (new_params, new_state)`.

`objective` is the trainer's view of the loss on the current data (an
[`Objective`][minilogit.objective.Objective]). First-order methods ignore it, except to
resolve `lr="auto"`; second-order methods ask it for values, gradients or the Hessian.
An optimizer that cannot go on (a failed line search) raises [`StopTraining`][minilogit.optim.base.StopTraining].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .._tree import Params
from ..errors import ConfigError

LearningRate = float | str | Callable[[int], float]


@runtime_checkable
class Optimizer(Protocol):
    """What the [`Trainer`][minilogit.Trainer] needs from an optimizer."""

    def init(self, params: Params) -> Any:
        """Return the initial state for `params`."""
        ...

    def update(
        self, params: Params, grads: Params, state: Any, objective: Any = None
    ) -> tuple[Params, Any]:
        """Return the parameters after one step, and the new state."""
        ...


class StopTraining(Exception):
    """Raised by an optimizer that cannot make progress; the trainer stops cleanly.

    Args:
        reason: a short machine-readable reason, e.g. `"line_search"`.
        message: a sentence for the user.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def check_lr(lr: LearningRate, name: str = "lr") -> LearningRate:
    """Validate a learning rate: a positive finite number, `"auto"`, or a schedule callable."""
    if isinstance(lr, str):
        if lr != "auto":
            raise ConfigError(f"{name} must be a positive number or 'auto', got {lr!r}")
        return lr
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)):
        raise ConfigError(f"{name} must be a positive number or 'auto', got {lr!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ConfigError(
            f"{name} must be a positive finite number, got {lr!r}; "
            "try 0.005 (the article's) or 'auto'"
        )
    return float(lr)


def resolve_lr(lr: LearningRate, step: int, objective: Any) -> float:
    """The step size to use at `step`: `1/L` for `"auto"`, `lr(step)` for a schedule."""
    if lr == "auto":
        if objective is None:
            raise ConfigError("lr='auto' needs the trainer's objective to compute 1/L")
        return 1.0 / objective.lipschitz
    if callable(lr):
        return float(lr(step))
    return float(lr)
