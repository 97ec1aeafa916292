r"""Newton's method with the loss's hand-derived Hessian, damped so it never diverges.

Newton's method minimises the local quadratic model
$J(\theta + d) \approx J + g^\top d + \tfrac12 d^\top H d$ exactly: $d = -H^{-1} g$. Near
the optimum the error squares at every step (quadratic convergence), so a handful of steps
reach float64 precision where gradient descent needs thousands. Each step costs one Hessian,
$O(m n^2)$, and one Cholesky solve, $O(n^3)$: worth it while $n$ is in the hundreds.

When the Hessian dominates the time, two options trade a few cheap steps for fewer Hessians:
`hessian_every=k` reuses one Cholesky factor for up to $k$ steps (a lazy Hessian), and
`expand=True` lets the line search lengthen a step that the quadratic model made too short.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._tree import Params, ravel, unravel
from ..errors import ConfigError
from .line_search import backtracking

#: Most doublings `expand=True` tries after an accepted step (a step at most 1024 times longer).
MAX_DOUBLINGS = 10


class NewtonState(NamedTuple):
    r"""Steps taken, whether converged, the last $\lambda^2/2$, and the Hessian factor in use.

    `factor` is the Cholesky factor of the last Hessian formed and `age` the steps it has
    served; both stay `None` / 0 unless `hessian_every > 1` keeps a factor between steps.
    """

    count: int
    converged: bool
    decrement: float
    factor: Any = None
    age: int = 0


def cholesky_factor(H: np.ndarray) -> tuple[Any, float]:
    r"""Factor $H + \tau I = L L^\top$ by Cholesky, with $\tau \ge 0$ small.

    $\tau = 0$ when $H$ is positive definite. When it is only semi-definite (no L2 penalty and
    saturated predictions, e.g. separable data) the factorisation fails and $\tau$ grows from
    $10^{-10}$ times the mean diagonal by factors of 10 until it succeeds: a
    Levenberg-Marquardt damping that turns the step towards $-g$.

    Returns:
        The factor (for `scipy.linalg.cho_solve`) and the damping $\tau$ used.
    """
    from scipy.linalg import LinAlgError, cho_factor

    size = H.shape[0]
    tau, base = 0.0, 1e-10 * max(float(np.trace(H)) / size, 1e-300)
    while True:
        try:
            return cho_factor(H + tau * np.eye(size) if tau else H, check_finite=False), tau
        except LinAlgError:
            tau = base if tau == 0.0 else 10.0 * tau


def cholesky_solve(H: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, float]:
    r"""Solve $(H + \tau I)\, d = -g$ by one Cholesky factorisation.

    The factor and $\tau$ come from
    [`cholesky_factor`][minilogit.optim.newton.cholesky_factor].

    Returns:
        The direction $d$ and the damping $\tau$ used.

    Example:
        >>> d, tau = cholesky_solve(np.array([[4.0, 0.0], [0.0, 16.0]]), np.array([4.0, 8.0]))
        >>> d.tolist(), tau
        ([-1.0, -0.5], 0.0)
    """
    factor, tau = cholesky_factor(H)
    return _solve(factor, g), tau


def _solve(factor: Any, g: np.ndarray) -> np.ndarray:
    from scipy.linalg import cho_solve

    return -cho_solve(factor, g, check_finite=False)


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

    **Lazy Hessian** (`hessian_every=k > 1`). Forming $H$ costs $O(m n^2)$, a gradient only
    $O(m n)$, so when the Hessian dominates, reuse it: keep the Cholesky factor of the last
    Hessian, formed at step $\tau(t) \le t$, for up to $k$ steps,

    $$
    d_t = -H_{\tau(t)}^{-1} \nabla J(\theta_t), \qquad
    \tau(t) = \begin{cases} t & \text{if } t - \tau(t-1) \ge k
        \text{ or step } t-1 \text{ backtracked,} \\ \tau(t-1) & \text{otherwise,}\end{cases}
    $$

    then the same line search. $H_{\tau(t)}$ is positive definite, so $d_t$ is always a
    descent direction and backtracking keeps every step downhill; a step that had to
    backtrack says the old curvature no longer fits, and the next step forms a fresh
    Hessian. Shamanskii (1967) introduced the idea for systems of equations; Doikov,
    Chayti & Jaggi, *Second-order optimization with lazy Hessians* (ICML 2023), show that
    updating the Hessian every $\approx n$ steps is optimal for the total arithmetic. The
    price: between refreshes convergence is linear, not quadratic. The stopping test also
    uses the factor in hand, $\tilde\lambda^2 = \nabla J^\top H_{\tau(t)}^{-1} \nabla J$, and
    runs *before* a refresh, so no Hessian is formed only to confirm convergence. Because
    the last step then contracts the error only linearly (where a fresh Newton step would
    square it), pass a `tol` about 1000 times smaller, e.g. `1e-13`, to end as close to the
    optimum as the default does.

    **Expansion** (`expand=True`). Far from the optimum the logistic loss flattens as the
    weights grow, so the quadratic model (and even more a stale one) overestimates the
    curvature and the Newton step falls short. After an accepted first trial the search then
    keeps doubling, $s \leftarrow 2s$, while the cost keeps falling and the Armijo condition
    holds (at most `MAX_DOUBLINGS` times), like the bracketing phase of a Wolfe line search
    (Nocedal & Wright, *Numerical Optimization*, algorithm 3.5). Near the optimum the doubled
    step overshoots and is rejected: one extra cost value per step.

    Needs the loss to provide `hessian` (binary cross-entropy does); asks the trainer's
    objective for the Hessian and for the values of the line search.

    Args:
        lr: the first trial step $\eta$ (1 is the pure Newton step).
        tol: stop when $\lambda^2/2 \le$ `tol`; 0 never stops early.
        c1: the Armijo fraction.
        hessian_every: form a new Hessian at most every this many steps (1, the default, is
            the pure damped Newton method: a fresh Hessian every step).
        expand: let the line search lengthen accepted steps by doubling.

    Example:
        >>> Newton(hessian_every=3, expand=True)
        Newton(lr=1.0, tol=1e-10, hessian_every=3, expand=True)
    """

    def __init__(
        self,
        lr: float = 1.0,
        tol: float = 1e-10,
        c1: float = 1e-4,
        hessian_every: int = 1,
        expand: bool = False,
    ) -> None:
        for name, value, high in (("lr", lr, math.inf), ("c1", c1, 1.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"Newton's {name} must be a number in (0, {high}], got {value!r}")
            if not 0 < value <= high or not math.isfinite(value):
                raise ConfigError(f"Newton's {name} must be in (0, {high}], got {value!r}")
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf:
            raise ConfigError(f"Newton's tol must be a finite number >= 0, got {tol!r}")
        if (
            isinstance(hessian_every, bool)
            or not isinstance(hessian_every, (int, np.integer))
            or hessian_every < 1
        ):
            raise ConfigError(
                f"Newton's hessian_every must be a positive integer (1 forms a Hessian every "
                f"step), got {hessian_every!r}"
            )
        if not isinstance(expand, bool):
            raise ConfigError(f"Newton's expand must be True or False, got {expand!r}")
        self.lr, self.tol, self.c1 = float(lr), float(tol), float(c1)
        self.hessian_every, self.expand = int(hessian_every), expand

    def __repr__(self) -> str:
        options = f", hessian_every={self.hessian_every}" if self.hessian_every > 1 else ""
        options += ", expand=True" if self.expand else ""
        return f"Newton(lr={self.lr!r}, tol={self.tol!r}{options})"

    def init(self, params: Params) -> NewtonState:
        """The count and the stopping flag; no Hessian factor yet."""
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
        factor, age, direction = state.factor, state.age, None
        if factor is not None:  # lazy: the factor in hand decides convergence, or steps
            direction = _solve(factor, g)
            if age >= self.hessian_every and -float(g @ direction) / 2 > self.tol:
                direction = None
        if direction is None:
            factor, _ = cholesky_factor(objective.hessian(params))
            age, direction = 0, _solve(factor, g)
        slope = float(g @ direction)
        decrement = -slope / 2
        kept = factor if self.hessian_every > 1 else None
        if decrement <= self.tol:
            new = unravel(theta + direction, params)
            return new, NewtonState(state.count + 1, True, decrement, kept, age + 1)
        phi = objective.line(params, unravel(direction, params))
        value = phi(0.0)

        step, trial = backtracking(phi, value, slope, step=self.lr, c1=self.c1)
        if step < self.lr:  # backtracked: the curvature in hand misled, refresh next step
            age = self.hessian_every
        elif self.expand:
            step = _expand(phi, value, slope, step, trial, self.c1)
        new = unravel(theta + step * direction, params)
        return new, NewtonState(state.count + 1, False, decrement, kept, age + 1)


def _expand(phi: Any, value: float, slope: float, step: float, trial: float, c1: float) -> float:
    """Double an accepted `step` (cost `trial`) while the cost falls and Armijo holds."""
    for _ in range(MAX_DOUBLINGS):
        longer = phi(2 * step)
        if not (np.isfinite(longer) and longer < trial and longer <= value + 2 * c1 * step * slope):
            break
        step, trial = 2 * step, longer
    return step
