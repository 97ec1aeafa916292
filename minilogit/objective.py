"""The trainer's view of "this loss on this data", handed to optimizers.

An optimizer that needs more than the gradient (Newton's Hessian, a line search's extra
values, `lr="auto"`'s Lipschitz constant) asks the [`Objective`][minilogit.objective.Objective];
it counts every evaluation so benchmarks can compare optimizers fairly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ._tree import Params, ravel, unravel


@dataclass
class Counts:
    """How many times the loss was evaluated, by kind."""

    value: int = 0
    grad: int = 0
    hessian: int = 0


class Objective:
    """`loss` bound to data `X` (m, n), `y` (m,), with a chosen gradient function.

    Args:
        loss: a loss with `value`, `grad` (and optionally `hessian`, `lipschitz`).
        X: features of the current batch.
        y: labels of the current batch.
        grad_fn: `(params, X, y) -> grads`; defaults to `loss.grad`.
        counts: shared counters (mini-batches of one fit share one).
        lipschitz: a known Lipschitz constant (else computed from `X` on first use).
    """

    def __init__(
        self,
        loss: Any,
        X: np.ndarray,
        y: np.ndarray,
        grad_fn: Callable[[Params, np.ndarray, np.ndarray], Params] | None = None,
        counts: Counts | None = None,
        lipschitz: float | None = None,
    ) -> None:
        self.loss, self.X, self.y = loss, X, y
        self.grad_fn = grad_fn or loss.grad
        self.counts = counts or Counts()
        if lipschitz is not None:
            self.__dict__["lipschitz"] = lipschitz

    def with_batch(self, X: np.ndarray, y: np.ndarray) -> Objective:
        """The same loss on another batch, sharing counters and the Lipschitz constant."""
        return Objective(self.loss, X, y, self.grad_fn, self.counts, self.lipschitz)

    def value(self, params: Params) -> float:
        """The loss at `params`."""
        self.counts.value += 1
        return float(self.loss.value(params, self.X, self.y))

    def grad(self, params: Params) -> Params:
        """The gradient at `params`."""
        self.counts.grad += 1
        return self.grad_fn(params, self.X, self.y)

    def value_and_grad(self, params: Params) -> tuple[float, Params]:
        """Both, sharing work when the loss can (the analytic path)."""
        if self.grad_fn == self.loss.grad and hasattr(self.loss, "value_and_grad"):
            self.counts.value += 1
            self.counts.grad += 1
            return self.loss.value_and_grad(params, self.X, self.y)
        return self.value(params), self.grad(params)

    def line(self, params: Params, direction: Params) -> Callable[[float], float]:
        """$t \\mapsto J(\\theta + t d)$ for a line search; each call counts as one value.

        Uses the loss's own `line` when it has one (two products with `X` up front, then
        $O(m)$ per trial), else evaluates the loss at each trial point.
        """
        if hasattr(self.loss, "line"):
            slice_ = self.loss.line(params, direction, self.X, self.y)
        else:
            theta, d = ravel(params), ravel(direction)

            def slice_(t: float) -> float:
                return float(self.loss.value(unravel(theta + t * d, params), self.X, self.y))

        def phi(t: float) -> float:
            self.counts.value += 1
            return slice_(t)

        return phi

    def hessian(self, params: Params) -> np.ndarray:
        """The loss's hand-derived Hessian (in `ravel` order)."""
        self.counts.hessian += 1
        return self.loss.hessian(params, self.X, self.y)

    @cached_property
    def lipschitz(self) -> float:
        """An upper bound $L$ on the curvature; `1/L` is a safe gradient-descent step."""
        return float(self.loss.lipschitz(self.X))
