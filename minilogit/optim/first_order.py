r"""First-order optimizers with a global step: gradient descent and its momentum variants.

Each update rule is written once with leaf-wise arithmetic (`tree_map`), so it runs on numpy
arrays and, unchanged, on JAX arrays inside `jax.jit`. Every default matches the optax twin
(`optax.sgd(lr, momentum=..., nesterov=...)`) exactly, step for step.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .._tree import Params, tree_map
from .._xp import xp_of
from ..errors import ConfigError
from .base import LearningRate, check_lr, resolve_lr


class CountState(NamedTuple):
    """State of a stateless method: only the number of steps taken."""

    count: int


class MomentumState(NamedTuple):
    """Steps taken and the velocity $v$ (shaped like the parameters)."""

    count: int
    velocity: Params


def zeros_like(params: Params) -> Params:
    """Zeros shaped like `params` (numpy or JAX, like the input)."""
    return tree_map(lambda p: xp_of(p).zeros_like(p), params)


def check_coefficient(value: Any, name: str, upper_open: bool = True) -> float:
    """A number in `[0, 1)` (or `[0, 1]` with `upper_open=False`), or a ConfigError."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not (0 <= value < 1 or (not upper_open and value == 1)):
        interval = "[0, 1)" if upper_open else "[0, 1]"
        raise ConfigError(f"{name} must be a number in {interval}, got {value!r}")
    return float(value)


class GradientDescent:
    r"""Plain (full-batch) gradient descent, the article's optimizer.

    $$
    \theta_{t+1} = \theta_t - \eta_t \nabla J(\theta_t)
    $$

    Cauchy (1847). With $\eta \le 1/L$ ($L$ the Lipschitz constant of $\nabla J$) the cost
    never increases; `lr="auto"` picks exactly $\eta = 1/L$. With mini-batches this is
    stochastic gradient descent (Robbins & Monro, 1951). Twin: `optax.sgd(lr)`.

    Args:
        lr: step size $\eta$: a positive number, `"auto"` or a schedule `step -> lr`.

    Example:
        >>> import numpy as np
        >>> opt = GradientDescent(lr=0.5)
        >>> params = {"w": np.array([1.0]), "b": np.array(0.0)}
        >>> new, state = opt.update(params, {"w": np.array([2.0]), "b": np.array(1.0)},
        ...                         opt.init(params))
        >>> new["w"].tolist(), float(new["b"]), state.count
        ([0.0], -0.5, 1)
    """

    def __init__(self, lr: LearningRate = 0.005) -> None:
        self.lr = check_lr(lr)

    def __repr__(self) -> str:
        return f"GradientDescent(lr={self.lr!r})"

    def init(self, params: Params) -> CountState:
        """No state beyond the step count."""
        return CountState(0)

    def update(
        self, params: Params, grads: Params, state: CountState, objective: Any = None
    ) -> tuple[Params, CountState]:
        """One step against the gradient."""
        lr = resolve_lr(self.lr, state.count, objective)
        return tree_map(lambda p, g: p - lr * g, params, grads), CountState(state.count + 1)


class Momentum:
    r"""Gradient descent with (heavy-ball) momentum: a velocity that accumulates gradients.

    $$
    v_{t+1} = \mu v_t + \nabla J(\theta_t), \qquad
    \theta_{t+1} = \theta_t - \eta_t v_{t+1}, \qquad v_0 = 0 .
    $$

    Polyak, "Some methods of speeding up the convergence of iteration methods" (1964), in
    the form deep-learning libraries use (the learning rate outside the velocity). In a
    valley whose walls make plain gradient descent zig-zag, the oscillating components cancel
    in $v$ while the steady downhill component adds up, to about $1/(1-\mu)$ times the step.
    Twin: `optax.sgd(lr, momentum=mu)`.

    Args:
        lr: step size $\eta$: a positive number, `"auto"` ($1/L$) or a schedule.
        momentum: $\mu \in [0, 1)$; 0 is plain gradient descent.

    Example:
        >>> import numpy as np
        >>> opt = Momentum(lr=0.1, momentum=0.9)
        >>> params, grads = {"w": np.array([1.0])}, {"w": np.array([1.0])}
        >>> state = opt.init(params)
        >>> params, state = opt.update(params, grads, state)
        >>> params, state = opt.update(params, grads, state)
        >>> params["w"].round(6).tolist(), state.velocity["w"].round(6).tolist()
        ([0.71], [1.9])
    """

    def __init__(self, lr: LearningRate = "auto", momentum: float = 0.9) -> None:
        self.lr = check_lr(lr)
        self.momentum = check_coefficient(momentum, "momentum")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr!r}, momentum={self.momentum!r})"

    def init(self, params: Params) -> MomentumState:
        """Zero velocity."""
        return MomentumState(0, zeros_like(params))

    def update(
        self, params: Params, grads: Params, state: MomentumState, objective: Any = None
    ) -> tuple[Params, MomentumState]:
        """Update the velocity, then step along it."""
        lr = resolve_lr(self.lr, state.count, objective)
        velocity = tree_map(lambda v, g: g + self.momentum * v, state.velocity, grads)
        step = self.direction(grads, velocity)
        new = tree_map(lambda p, d: p - lr * d, params, step)
        return new, MomentumState(state.count + 1, velocity)

    def direction(self, grads: Params, velocity: Params) -> Params:
        """The direction to step along: the velocity itself."""
        return velocity


class Nesterov(Momentum):
    r"""Nesterov's accelerated gradient, in Sutskever's "look-ahead momentum" form.

    $$
    v_{t+1} = \mu v_t + \nabla J(\theta_t), \qquad
    \theta_{t+1} = \theta_t - \eta_t\big(\nabla J(\theta_t) + \mu v_{t+1}\big).
    $$

    Nesterov, "A method for solving the convex programming problem with convergence rate
    $O(1/k^2)$" (1983); this rewriting, which needs the gradient at $\theta_t$ only, is from
    Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in
    deep learning" (ICML 2013). It corrects the velocity with the gradient one step ahead,
    which damps the overshoot of heavy-ball momentum. Twin: `optax.sgd(lr, momentum=mu,
    nesterov=True)`.

    Args:
        lr: step size $\eta$: a positive number, `"auto"` ($1/L$) or a schedule.
        momentum: $\mu \in [0, 1)$.
    """

    def direction(self, grads: Params, velocity: Params) -> Params:
        r"""The look-ahead direction $\nabla J + \mu v_{t+1}$."""
        return tree_map(lambda g, v: g + self.momentum * v, grads, velocity)
