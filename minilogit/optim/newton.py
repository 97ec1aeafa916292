r"""Newton's method with the loss's hand-derived Hessian, damped so it never diverges.

Newton's method minimises the local quadratic model
$J(\theta + d) \approx J + g^\top d + \tfrac12 d^\top H d$ exactly: $d = -H^{-1} g$. Near
the optimum the error squares at every step (quadratic convergence), so a handful of steps
reach float64 precision where gradient descent needs thousands. Each step costs one Hessian,
$O(m n^2)$, and one Cholesky solve, $O(n^3)$: worth it while $n$ is in the hundreds.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._tree import Params, ravel, unravel
from ..errors import ConfigError
from .line_search import backtracking


class NewtonState(NamedTuple):
    r"""Steps taken, whether the method has converged, and the last $\lambda^2/2$."""

    count: int
    converged: bool
    decrement: float


def cholesky_solve(H: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, float]:
    r"""Solve $(H + \tau I)\, d = -g$ by one Cholesky factorisation, with $\tau \ge 0$ small.

    $\tau = 0$ when $H$ is positive definite. When it is only semi-definite (no L2 penalty and
    saturated predictions, e.g. separable data) the factorisation fails and $\tau$ grows from
    $10^{-10}$ times the mean diagonal by factors of 10 until it succeeds: a
    Levenberg-Marquardt damping that turns the step towards $-g$.

    Returns:
        The direction $d$ and the damping $\tau$ used.
    """
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    size = H.shape[0]
    tau, base = 0.0, 1e-10 * max(float(np.trace(H)) / size, 1e-300)
    while True:
        try:
            factor = cho_factor(H + tau * np.eye(size) if tau else H, check_finite=False)
        except LinAlgError:
            tau = base if tau == 0.0 else 10.0 * tau
            continue
        return -cho_solve(factor, g, check_finite=False), tau


class Newton:
    r"""Damped Newton's method: a Cholesky-solved Newton step, then Armijo backtracking.

    $$
    H_t d_t = -\nabla J(\theta_t), \qquad \theta_{t+1} = \theta_t + s_t d_t ,
    $$

    with $H_t = \nabla^2 J(\theta_t)$ the loss's hand-derived Hessian and $s_t$ the first of
    $\eta, \eta/2, \eta/4, \dots$ that satisfies the Armijo condition
    $J(\theta_t + s d_t) \le J(\theta_t) + c_1 s\, \nabla J^\top d_t$. Newton (1669) and
    Raphson (1690) for root finding; for minimisation with a line search see Boyd &
    Vandenberghe, *Convex Optimization* (2004), section 9.5, whose stopping rule this uses:
    the *Newton decrement* $\lambda^2 = -\nabla J^\top d_t = \nabla J^\top H^{-1} \nabla J$
    estimates $J(\theta_t) - J^\star \approx \lambda^2 / 2$. When $\lambda^2/2 \le$ `tol` the
    full step is taken and the state reports `converged` (the trainer's `"loss_change"`).

    Why it never diverges: every accepted step lowers the cost (backtracking), and when $H$ is
    singular (separable data without an L2 penalty) a small damping $\tau I$ keeps the
    direction a descent direction (see [`cholesky_solve`][minilogit.optim.newton.cholesky_solve]).
    Prefer `l2 > 0` there: without it the optimum is at infinity.

    Needs the loss to provide `hessian` (binary cross-entropy does); asks the trainer's
    objective for the Hessian and for the values of the line search.

    Args:
        lr: the first trial step $\eta$ (1 is the pure Newton step).
        tol: stop when $\lambda^2/2 \le$ `tol`; 0 never stops early.
        c1: the Armijo fraction.
    """

    def __init__(self, lr: float = 1.0, tol: float = 1e-10, c1: float = 1e-4) -> None:
        for name, value, high in (("lr", lr, math.inf), ("c1", c1, 1.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"Newton's {name} must be a number in (0, {high}], got {value!r}")
            if not 0 < value <= high or not math.isfinite(value):
                raise ConfigError(f"Newton's {name} must be in (0, {high}], got {value!r}")
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf:
            raise ConfigError(f"Newton's tol must be a finite number >= 0, got {tol!r}")
        self.lr, self.tol, self.c1 = float(lr), float(tol), float(c1)

    def __repr__(self) -> str:
        return f"Newton(lr={self.lr!r}, tol={self.tol!r})"

    def init(self, params: Params) -> NewtonState:
        """Nothing carried between steps but the count and the stopping flag."""
        return NewtonState(0, False, math.inf)

    def update(
        self, params: Params, grads: Params, state: NewtonState, objective: Any = None
    ) -> tuple[Params, NewtonState]:
        """One damped Newton step (asks `objective` for the Hessian and trial values)."""
        if objective is None or not hasattr(objective.loss, "hessian"):
            raise ConfigError(
                "Newton needs the trainer's objective with a loss that has a hessian "
                "(BinaryCrossEntropy); use LBFGS for losses without one"
            )
        theta, g = ravel(params), ravel(grads)
        direction, _ = cholesky_solve(objective.hessian(params), g)
        slope = float(g @ direction)
        decrement = -slope / 2
        if decrement <= self.tol:
            return unravel(theta + direction, params), NewtonState(state.count + 1, True, decrement)
        step, _ = backtracking(
            lambda t: objective.value(unravel(theta + t * direction, params)),
            objective.value(params),
            slope,
            step=self.lr,
            c1=self.c1,
        )
        new = unravel(theta + step * direction, params)
        return new, NewtonState(state.count + 1, False, decrement)
