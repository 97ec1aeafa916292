r"""L-BFGS: a quasi-Newton method that learns curvature from the last few gradients.

Newton's method needs $H^{-1}\nabla J$. BFGS builds an approximation of $H^{-1}$ from the
pairs $s_k = \theta_{k+1} - \theta_k$, $y_k = \nabla J_{k+1} - \nabla J_k$, which satisfy
$H s_k \approx y_k$; *limited-memory* BFGS keeps only the last `memory` pairs and never forms
a matrix: the two-loop recursion applies the approximation to a vector in $O(\text{memory}
\cdot n)$. This is the default solver of scikit-learn's `LogisticRegression`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._tree import Params, ravel, unravel
from ..errors import ConfigError
from .line_search import strong_wolfe


class LBFGSState(NamedTuple):
    """The stored curvature pairs (oldest first) and what the next pair needs."""

    count: int
    s: np.ndarray  # (k, d) past steps
    y: np.ndarray  # (k, d) past gradient changes
    last_step: np.ndarray  # (d,) the step just taken
    last_grad: np.ndarray  # (d,) the gradient where it started
    converged: bool


def two_loop(g: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Apply the L-BFGS inverse-Hessian approximation to `g`: returns $\approx H^{-1} g$.

    With $\rho_i = 1 / (y_i^\top s_i)$ and the pairs newest first,

    $$
    \begin{aligned}
    &q \leftarrow g;\quad \text{for } i = k-1, \dots, 0:\
        \alpha_i = \rho_i s_i^\top q,\ q \leftarrow q - \alpha_i y_i \\
    &r \leftarrow \gamma q,\quad \gamma = \frac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}} \\
    &\text{for } i = 0, \dots, k-1:\ \beta = \rho_i y_i^\top r,\
        r \leftarrow r + (\alpha_i - \beta) s_i
    \end{aligned}
    $$

    (Nocedal & Wright, *Numerical Optimization*, algorithm 7.4). $\gamma$ scales the initial
    guess $H_0 = \gamma I$ to the most recent curvature. With no pairs it returns `g`.

    Args:
        g: `(d,)` the vector (the gradient).
        s: `(k, d)` steps, oldest first.
        y: `(k, d)` gradient changes, oldest first.
    """
    q = g.copy()
    rho = 1.0 / np.einsum("ij,ij->i", y, s)
    alpha = np.empty(len(s))
    for i in reversed(range(len(s))):
        alpha[i] = rho[i] * (s[i] @ q)
        q -= alpha[i] * y[i]
    gamma = (s[-1] @ y[-1]) / (y[-1] @ y[-1]) if len(s) else 1.0
    r = gamma * q
    for i in range(len(s)):
        beta = rho[i] * (y[i] @ r)
        r += (alpha[i] - beta) * s[i]
    return r


class LBFGS:
    r"""Limited-memory BFGS with a strong Wolfe line search.

    $$
    d_t = -\tilde H_t^{-1} \nabla J(\theta_t), \qquad \theta_{t+1} = \theta_t + s_t d_t ,
    $$

    where $\tilde H_t^{-1}$ is the two-loop recursion over the last `memory` curvature pairs
    (see [`two_loop`][minilogit.optim.lbfgs.two_loop]) and $s_t$ satisfies the strong Wolfe
    conditions (see [`strong_wolfe`][minilogit.optim.line_search.strong_wolfe]), which
    guarantee $s^\top y > 0$ so the approximation stays positive definite. Liu & Nocedal,
    "On the limited memory BFGS method for large scale optimization" (Math. Programming 1989).

    The first step has no curvature yet: it tries the step of length $\min(1, 1/\lVert
    \nabla J\rVert)$ along $-\nabla J$. Convergence: the state reports `converged` once
    an iteration lowers the cost by at most `tol` $\cdot \max(|J_t|, |J_{t+1}|, 1)$ (the
    relative-decrease test of L-BFGS-B's `factr`); the trainer's `tol` on the gradient norm
    works alongside.

    Asks the trainer's objective for the values and gradients of the line search.
    Not for mini-batches: curvature pairs from different batches mix noise into $y$.

    Args:
        memory: how many pairs to keep (sklearn/scipy use 10).
        tol: relative cost decrease below which it reports convergence; 0 never does.
        lr: the first trial step of each line search (1 is the quasi-Newton step).
    """

    def __init__(self, memory: int = 10, tol: float = 1e-14, lr: float = 1.0) -> None:
        if isinstance(memory, bool) or not isinstance(memory, int) or memory < 1:
            raise ConfigError(f"LBFGS memory must be a positive integer, got {memory!r}")
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
            raise ConfigError(f"LBFGS tol must be a number in [0, 1), got {tol!r}")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < math.inf:
            raise ConfigError(f"LBFGS lr must be a positive finite number, got {lr!r}")
        self.memory, self.tol, self.lr = memory, float(tol), float(lr)

    def __repr__(self) -> str:
        return f"LBFGS(memory={self.memory}, tol={self.tol!r})"

    def init(self, params: Params) -> LBFGSState:
        """No curvature pairs yet."""
        d = ravel(params).size
        empty = np.empty((0, d))
        return LBFGSState(0, empty, empty, np.zeros(d), np.zeros(d), False)

    def update(
        self, params: Params, grads: Params, state: LBFGSState, objective: Any = None
    ) -> tuple[Params, LBFGSState]:
        """Store the newest curvature pair, then line-search along the two-loop direction."""
        if objective is None:
            raise ConfigError("LBFGS needs the trainer's objective for its line search")
        theta, g = ravel(params), ravel(grads)
        s, y = state.s, state.y
        if state.count > 0:
            s_new, y_new = state.last_step, g - state.last_grad
            # Keep a pair only with clearly positive curvature (rounding can break s.y > 0).
            if s_new @ y_new > 1e-10 * (y_new @ y_new):
                s = np.vstack([s, s_new])[-self.memory :]
                y = np.vstack([y, y_new])[-self.memory :]
        direction = -two_loop(g, s, y)
        first = self.lr if len(s) else min(1.0, 1.0 / max(float(np.linalg.norm(g)), 1e-300))

        def phi(t: float) -> tuple[float, float]:
            value, grad = objective.value_and_grad(unravel(theta + t * direction, params))
            return value, float(ravel(grad) @ direction)

        value = objective.value(params)
        step, new_value, _ = strong_wolfe(phi, value, float(g @ direction), step=first)
        converged = value - new_value <= self.tol * max(abs(value), abs(new_value), 1.0)
        new = unravel(theta + step * direction, params)
        return new, LBFGSState(state.count + 1, s, y, step * direction, g, converged)
