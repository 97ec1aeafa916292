"""The optimizer protocol every minilogit optimizer follows.

An optimizer is an object with two methods (the optax shape, returning new parameters):

* `init(params) -> state`: the state it carries between steps (a small NamedTuple).
* `update(params, grads, state, objective=None) -> (new_params, new_state)`.

`objective` is the trainer's view of the loss on the current data (an
[`Objective`][minilogit.objective.Objective]). First-order methods ignore it, except to
resolve `lr="auto"`; second-order methods ask it for values, gradients or the Hessian.
An optimizer that cannot go on (a failed line search) raises
[`StopTraining`][minilogit.optim.base.StopTraining]; one that knows it has converged returns a
state whose `converged` field is true, and the trainer stops with reason `"loss_change"`.

States hold only arrays, ints and floats, so the first-order update rules also run on JAX
arrays (inside `jax.jit` or `lax.scan`) unchanged.
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


def check_lr(lr: LearningRate, name: str = "lr", allow_auto: bool = True) -> LearningRate:
    """Validate a learning rate: a positive finite number, `"auto"`, or a schedule callable.

    Args:
        lr: the value to check.
        name: the argument's name, for the error message.
        allow_auto: whether `"auto"` (the step $1/L$) makes sense for this optimizer; also
            checked on the base rate of a [`Schedule`][minilogit.optim.schedules.Schedule].

    Raises:
        ConfigError: naming `name`, what it received and what would work.
    """
    base = getattr(lr, "lr", None) if callable(lr) else lr
    if isinstance(base, str) and base == "auto" and not allow_auto:
        raise ConfigError(
            f"{name}='auto' (the step 1/L) suits gradient descent and momentum methods only; "
            "adaptive methods rescale each coordinate themselves: give a number such as 0.01"
        )
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


def resolve_lr(lr: LearningRate, step: Any, objective: Any) -> Any:
    r"""The step size to use at `step`: `1/L` for `"auto"`, `lr(step)` for a schedule.

    A [`Schedule`][minilogit.optim.schedules.Schedule] whose base rate is `"auto"` is resolved
    as $1/L$ times its factor. The result is a float, or a 0-d array when `step` is
    one (e.g. a traced JAX integer), so update rules stay jittable.
    """
    factor = getattr(lr, "factor", None)
    if factor is not None:
        return resolve_lr(lr.lr, step, objective) * factor(step)
    if isinstance(lr, str):
        if objective is None:
            raise ConfigError("lr='auto' needs the trainer's objective to compute 1/L")
        return 1.0 / objective.lipschitz
    if callable(lr):
        return lr(step)
    return lr
