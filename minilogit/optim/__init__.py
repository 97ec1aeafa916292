"""Optimizers: one small protocol (`init` / `update`), many update rules.

Swap one for another in a single line:

```python
trainer = ml.Trainer(model, loss, ml.optim.GradientDescent(lr="auto"))
```
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from .base import LearningRate, Optimizer, StopTraining, check_lr, resolve_lr
from .first_order import CountState, GradientDescent

#: CLI names of the optimizers, mapped to their classes.
OPTIMIZERS: dict[str, type] = {
    "gd": GradientDescent,
}


def make(name: str, lr: LearningRate = "auto", **options: Any) -> Any:
    """Build an optimizer by its CLI name (e.g. `make("gd", lr=0.005)`)."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ConfigError(
            f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}"
        ) from None
    return cls(lr=lr, **options)


__all__ = [
    "OPTIMIZERS",
    "CountState",
    "GradientDescent",
    "LearningRate",
    "Optimizer",
    "StopTraining",
    "check_lr",
    "make",
    "resolve_lr",
]
