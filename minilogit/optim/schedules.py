r"""Learning-rate schedules: $\eta_t = \eta \cdot f(t)$ for a base rate $\eta$ and a factor $f$.

A schedule is accepted wherever a learning rate is (`GradientDescent(lr=Cosine(0.1, 500))`).
Its base rate may be `"auto"`: the optimizer then uses $\frac{1}{L} f(t)$. Schedules are
plain callables `step -> lr` too, written with the array namespace, so they also drive optax
(`optax.adam(Cosine(0.01, 500))`) and run under `jax.jit` with a traced `step`.

Example:
    >>> sched = StepDecay(0.1, every=10)
    >>> sched
    StepDecay(lr=0.1, every=10, gamma=0.5)
    >>> [float(sched(t)) for t in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._xp import xp_of
from ..errors import ConfigError
from .base import check_lr

#: Names the CLI's `--schedule` accepts.
SCHEDULES = ("constant", "step", "exponential", "inverse-time", "cosine")


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _in_range(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise ConfigError(f"{name} must be a number in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be in [{low}, {high}], got {value!r}")
    return float(value)


def _time(step: Any) -> Any:
    """`step` as a float: a Python float for an int, a float64 array for an array.

    optax and a jitted loop pass the step as an int32 array, which JAX would divide in
    float32; converting first keeps schedules float64-exact.
    """
    if isinstance(step, (int, np.integer)):
        return float(step)
    xp = xp_of(step)
    return xp.asarray(step, dtype=xp.float64)


class Schedule:
    r"""Base class: the rate at step $t$ is `lr * factor(t)`.

    Subclasses define `factor(step)` (1 at step 0) and list their settings in `_fields`
    for the repr.

    Args:
        lr: the base rate $\eta$: a positive number or `"auto"`.
    """

    _fields: tuple[str, ...] = ()

    def __init__(self, lr: float | str) -> None:
        if callable(lr):
            raise ConfigError("a schedule's base lr must be a number or 'auto', not a schedule")
        self.lr = check_lr(lr)

    def factor(self, step: Any) -> Any:
        """The multiplier $f(t)$ of the base rate at `step`."""
        raise NotImplementedError

    def __call__(self, step: Any) -> Any:
        """The learning rate at `step` (needs a numeric base rate)."""
        if isinstance(self.lr, str):
            raise ConfigError(
                f"{self!r} has base lr 'auto', which only an optimizer can resolve (it needs "
                "the loss's Lipschitz constant); pass the schedule as an optimizer's lr"
            )
        return self.lr * self.factor(step)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("lr", *self._fields))
        return f"{type(self).__name__}({settings})"


class Constant(Schedule):
    r"""$\eta_t = \eta$: the same rate at every step (what a plain number gives)."""

    def factor(self, step: Any) -> Any:
        """Always 1."""
        return 1.0


class StepDecay(Schedule):
    r"""$\eta_t = \eta\,\gamma^{\lfloor t / k \rfloor}$: multiply by $\gamma$ every $k$ steps.

    Args:
        lr: base rate $\eta$ (a number or `"auto"`).
        every: $k$, steps between drops.
        gamma: $\gamma \in (0, 1]$, the factor of each drop.
    """

    _fields = ("every", "gamma")

    def __init__(self, lr: float | str, every: int, gamma: float = 0.5) -> None:
        super().__init__(lr)
        self.every = _positive_int(every, "every")
        self.gamma = _in_range(gamma, "gamma", 0.0, 1.0)

    def factor(self, step: Any) -> Any:
        r"""$\gamma^{\lfloor t / k \rfloor}$."""
        return self.gamma ** (_time(step) // self.every)


class Exponential(Schedule):
    r"""$\eta_t = \eta\,\gamma^{t / k}$: a smooth decay by $\gamma$ every $k$ steps.

    Args:
        lr: base rate $\eta$ (a number or `"auto"`).
        gamma: $\gamma \in (0, 1]$, the decay over $k$ steps.
        every: $k$.
    """

    _fields = ("gamma", "every")

    def __init__(self, lr: float | str, gamma: float, every: int = 1) -> None:
        super().__init__(lr)
        self.gamma = _in_range(gamma, "gamma", 0.0, 1.0)
        self.every = _positive_int(every, "every")
        if self.gamma == 0.0:
            raise ConfigError("gamma must be > 0 for an exponential decay, got 0")

    def factor(self, step: Any) -> Any:
        r"""$\gamma^{t / k}$."""
        return self.gamma ** (_time(step) / self.every)


class InverseTime(Schedule):
    r"""$\eta_t = \eta / (1 + \gamma\, t / k)$, the classic Robbins-Monro $1/t$ decay.

    Robbins & Monro (1951): steps with $\sum_t \eta_t = \infty$, $\sum_t \eta_t^2 < \infty$
    make stochastic gradient descent converge.

    Args:
        lr: base rate $\eta$ (a number or `"auto"`).
        gamma: $\gamma \ge 0$, the decay rate.
        every: $k$, the time unit in steps.
    """

    _fields = ("gamma", "every")

    def __init__(self, lr: float | str, gamma: float = 1.0, every: int = 1) -> None:
        super().__init__(lr)
        self.gamma = _in_range(gamma, "gamma", 0.0, math.inf)
        self.every = _positive_int(every, "every")

    def factor(self, step: Any) -> Any:
        r"""$1 / (1 + \gamma t / k)$."""
        return 1.0 / (1.0 + self.gamma * _time(step) / self.every)


class Cosine(Schedule):
    r"""Cosine annealing from $\eta$ to $\alpha\eta$ over $T$ steps, then constant.

    $$
    \eta_t = \eta\Big(\alpha + (1 - \alpha)\,\tfrac12\big(1 + \cos(\pi \min(t, T) / T)\big)\Big)
    $$

    Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts" (2017),
    without the restarts.

    Args:
        lr: base rate $\eta$ (a number or `"auto"`).
        steps: $T$, the length of the decay.
        alpha: $\alpha \in [0, 1]$, the final fraction of the base rate.
    """

    _fields = ("steps", "alpha")

    def __init__(self, lr: float | str, steps: int, alpha: float = 0.0) -> None:
        super().__init__(lr)
        self.steps = _positive_int(steps, "steps")
        self.alpha = _in_range(alpha, "alpha", 0.0, 1.0)

    def factor(self, step: Any) -> Any:
        r"""The cosine factor, from 1 at $t = 0$ down to $\alpha$ at $t \ge T$."""
        xp = xp_of(step)
        t = xp.minimum(_time(step), self.steps) / self.steps
        return self.alpha + (1.0 - self.alpha) * 0.5 * (1.0 + xp.cos(math.pi * t))


def make_schedule(name: str, lr: float | str, iterations: int) -> Schedule:
    """A schedule by its CLI name, sized to a run of `iterations` steps.

    `constant`; `step` halves the rate every quarter of the run; `exponential` decays it to
    1% by the end; `inverse-time` to 1/11 by the end; `cosine` anneals it to 0.

    Example:
        >>> make_schedule("cosine", 0.1, 200)
        Cosine(lr=0.1, steps=200, alpha=0.0)
    """
    iterations = _positive_int(iterations, "iterations")
    if name == "constant":
        return Constant(lr)
    if name == "step":
        return StepDecay(lr, every=max(1, iterations // 4), gamma=0.5)
    if name == "exponential":
        return Exponential(lr, gamma=0.01, every=iterations)
    if name == "inverse-time":
        return InverseTime(lr, gamma=1.0, every=max(1, iterations // 10))
    if name == "cosine":
        return Cosine(lr, steps=iterations)
    raise ConfigError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
