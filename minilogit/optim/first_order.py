r"""First-order optimizers: each step uses only the gradient."""

from __future__ import annotations

from typing import Any, NamedTuple

from .._tree import Params, tree_map
from .base import LearningRate, check_lr, resolve_lr


class CountState(NamedTuple):
    """State of a stateless method: only the number of steps taken."""

    count: int


class GradientDescent:
    r"""Plain (full-batch) gradient descent, the article's optimizer.

    $$
    \theta_{t+1} = \theta_t - \eta_t \nabla J(\theta_t)
    $$

    Cauchy (1847). With $\eta \le 1/L$ ($L$ the Lipschitz constant of $\nabla J$) the cost
    never increases; `lr="auto"` picks exactly $\eta = 1/L$.

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
