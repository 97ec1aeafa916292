"""Optimizers: one small protocol (`init` / `update`), many update rules.

Swap one for another in a single line:

```python
trainer = ml.Trainer(model, loss, ml.optim.GradientDescent(lr="auto"))
trainer = ml.Trainer(model, loss, ml.optim.Adam(lr=0.01))
trainer = ml.Trainer(model, loss, ml.optim.Newton())
```

| name | class | needs | `lr="auto"` |
|------|-------|-------|-------------|
| `gd` | [`GradientDescent`][minilogit.optim.GradientDescent] | gradient | yes |
| `momentum` | [`Momentum`][minilogit.optim.Momentum] | gradient | yes |
| `nesterov` | [`Nesterov`][minilogit.optim.Nesterov] | gradient | yes |
| `adagrad` | [`AdaGrad`][minilogit.optim.AdaGrad] | gradient | no |
| `rmsprop` | [`RMSProp`][minilogit.optim.RMSProp] | gradient | no |
| `adam` | [`Adam`][minilogit.optim.Adam] | gradient | no |
| `adamw` | [`AdamW`][minilogit.optim.AdamW] | gradient | no |
| `newton` | [`Newton`][minilogit.optim.Newton] | values, Hessian | - |
| `lbfgs` | [`LBFGS`][minilogit.optim.LBFGS] | values, gradients | - |

Any optax transformation runs too, through [`from_optax`][minilogit.optim.from_optax].
"""

from __future__ import annotations

import inspect
from typing import Any

from ..errors import ConfigError
from .adaptive import AccumulatorState, AdaGrad, Adam, AdamState, AdamW, RMSProp
from .base import LearningRate, Optimizer, StopTraining, check_lr, resolve_lr
from .first_order import CountState, GradientDescent, Momentum, MomentumState, Nesterov
from .lbfgs import LBFGS, LBFGSState
from .newton import Newton, NewtonState
from .optax_adapter import from_optax
from .schedules import (
    SCHEDULES,
    Constant,
    Cosine,
    Exponential,
    InverseTime,
    Schedule,
    StepDecay,
    make_schedule,
)

#: CLI names of the optimizers, mapped to their classes.
OPTIMIZERS: dict[str, type] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
    "newton": Newton,
    "lbfgs": LBFGS,
}

#: Optimizers whose step scales with the gradient, so `lr="auto"` (1/L) applies.
AUTO_LR = ("gd", "momentum", "nesterov")


def default_lr(name: str) -> LearningRate:
    """The learning rate `make(name)` uses when given none: `"auto"` where it applies,
    else the class's own default (e.g. `0.01` for Adam, `1.0` for Newton's first trial).

    Example:
        >>> default_lr("gd"), default_lr("adam")
        ('auto', 0.01)
    """
    if name in AUTO_LR:
        return "auto"
    return inspect.signature(_lookup(name)).parameters["lr"].default


def _lookup(name: str) -> type:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise ConfigError(
            f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}"
        ) from None


def make(name: str, lr: LearningRate | None = None, **options: Any) -> Any:
    """Build an optimizer by its CLI name, e.g. `make("adam", lr=0.01)`.

    Args:
        name: a key of `OPTIMIZERS`.
        lr: the learning rate (a number, `"auto"` or a schedule); None uses
            [`default_lr`][minilogit.optim.default_lr].
        **options: other constructor arguments (e.g. `momentum=0.5`).

    Example:
        >>> make("momentum", momentum=0.5)
        Momentum(lr='auto', momentum=0.5)
    """
    cls = _lookup(name)
    return cls(lr=default_lr(name) if lr is None else lr, **options)


__all__ = [
    "AUTO_LR",
    "LBFGS",
    "OPTIMIZERS",
    "SCHEDULES",
    "AccumulatorState",
    "AdaGrad",
    "Adam",
    "AdamState",
    "AdamW",
    "Constant",
    "Cosine",
    "CountState",
    "Exponential",
    "GradientDescent",
    "InverseTime",
    "LBFGSState",
    "LearningRate",
    "Momentum",
    "MomentumState",
    "Nesterov",
    "Newton",
    "NewtonState",
    "Optimizer",
    "RMSProp",
    "Schedule",
    "StepDecay",
    "StopTraining",
    "check_lr",
    "default_lr",
    "from_optax",
    "make",
    "make_schedule",
    "resolve_lr",
]
