r"""Line searches: how far to go along a descent direction $d$ from $\theta$.

Both work on the one-dimensional slice $\varphi(t) = J(\theta + t d)$, whose slope at
$t = 0$ is $\varphi'(0) = \nabla J(\theta)^\top d < 0$ (Nocedal & Wright, *Numerical
Optimization*, 2nd ed., chapter 3):

* **Armijo (sufficient decrease)**: $\varphi(t) \le \varphi(0) + c_1 t\, \varphi'(0)$. The
  decrease must be at least a fraction $c_1$ of what the slope promises.
* **Strong Wolfe** adds the **curvature condition** $|\varphi'(t)| \le c_2 |\varphi'(0)|$:
  the step must go far enough that the slope has flattened. Quasi-Newton methods need it to
  keep their curvature pairs positive ($s^\top y > 0$).

When no step passes, they raise [`StopTraining`][minilogit.optim.StopTraining] with reason
`"line_search"`: the trainer stops and warns instead of crashing or diverging.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import StopTraining


def backtracking(
    phi: Callable[[float], float],
    value: float,
    slope: float,
    step: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_steps: int = 50,
) -> tuple[float, float]:
    r"""Armijo backtracking: try `step`, then `shrink` it until the decrease is sufficient.

    Args:
        phi: $t \mapsto J(\theta + t d)$.
        value: $\varphi(0)$.
        slope: $\varphi'(0)$, negative.
        step: the first trial (1 for Newton's method).
        c1: the sufficient-decrease fraction.
        shrink: factor applied after each rejected trial.
        max_steps: trials before giving up.

    Returns:
        The accepted step $t$ and $\varphi(t)$.

    Raises:
        StopTraining: no trial decreased the cost enough.

    Example:
        >>> backtracking(lambda t: (t - 0.3) ** 2, value=0.09, slope=-0.6)
        (0.5, 0.04000000000000001)
    """
    # Near the optimum the promised decrease drops below the rounding error of the cost
    # itself; allowing that much slack lets the (exact) full step through there.
    slack = 4 * np.finfo(float).eps * abs(value)
    t = step
    for _ in range(max_steps):
        trial = phi(t)
        if np.isfinite(trial) and trial <= value + c1 * t * slope + slack:
            return t, trial
        t *= shrink
    raise StopTraining(
        "line_search",
        f"backtracking found no decrease below the cost {value:.17g} in {max_steps} trials "
        f"(slope {slope:.3g}): the cost is flat to rounding, so this is as close to the "
        "optimum as float64 gets",
    )


def strong_wolfe(
    phi: Callable[[float], tuple[float, float]],
    value: float,
    slope: float,
    step: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evals: int = 30,
) -> tuple[float, float, float]:
    r"""A step satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5-3.6).

    Phase 1 grows the step until it brackets an acceptable one (the cost rose, or the slope
    turned positive); phase 2 ("zoom") shrinks the bracket `[lo, hi]` by minimising the
    quadratic through $\varphi(lo)$, $\varphi'(lo)$ and $\varphi(hi)$, kept away from the
    ends.

    Args:
        phi: $t \mapsto (\varphi(t), \varphi'(t))$.
        value: $\varphi(0)$.
        slope: $\varphi'(0)$, negative.
        step: the first trial (1 for quasi-Newton methods).
        c1: the sufficient-decrease fraction.
        c2: the curvature fraction, $c_1 < c_2 < 1$.
        max_evals: evaluations of `phi` before giving up.

    Returns:
        The step $t$, $\varphi(t)$ and $\varphi'(t)$.

    Raises:
        StopTraining: no acceptable step within `max_evals` evaluations.

    Example:
        >>> phi = lambda t: ((t - 3.0) ** 2, 2 * (t - 3.0))
        >>> strong_wolfe(phi, value=9.0, slope=-6.0)  # slope -4 at t = 1 is flat enough
        (1.0, 4.0, -4.0)
        >>> strong_wolfe(phi, value=9.0, slope=-6.0, c2=0.1)  # grows to 4, zooms back to 3
        (3.0, 0.0, 0.0)
    """
    evals = 0

    def evaluate(t: float) -> tuple[float, float]:
        nonlocal evals
        evals += 1
        if evals > max_evals:
            raise StopTraining(
                "line_search",
                f"no step met the strong Wolfe conditions within {max_evals} evaluations "
                f"(cost {value:.17g}, slope {slope:.3g}): the cost is flat to rounding or "
                "the direction is poor",
            )
        return phi(t)

    def sufficient(t: float, v: float) -> bool:
        return bool(np.isfinite(v)) and v <= value + c1 * t * slope

    def zoom(lo: float, v_lo: float, s_lo: float, hi: float, v_hi: float) -> tuple:
        while True:
            width = hi - lo  # negative when the bracket is [hi, lo]
            # Minimiser of the parabola with value v_lo and slope s_lo at lo, value v_hi at hi;
            # the midpoint when that parabola has no minimum (or v_hi is not finite).
            curvature = v_hi - v_lo - s_lo * width if np.isfinite(v_hi) else 0.0
            t = lo - s_lo * width**2 / (2 * curvature) if curvature > 0 else lo + width / 2
            margin = 0.1 * abs(width)
            t = min(max(t, min(lo, hi) + margin), max(lo, hi) - margin)
            v, s = evaluate(t)
            if not sufficient(t, v) or v >= v_lo:
                hi, v_hi = t, v
            else:
                if abs(s) <= -c2 * slope:
                    return t, v, s
                if s * width >= 0:
                    hi, v_hi = lo, v_lo
                lo, v_lo, s_lo = t, v, s

    prev, v_prev, s_prev = 0.0, value, slope
    t = step
    while True:
        v, s = evaluate(t)
        if not sufficient(t, v) or (prev > 0 and v >= v_prev):
            return zoom(prev, v_prev, s_prev, t, v)
        if abs(s) <= -c2 * slope:
            return t, v, s
        if s >= 0:
            return zoom(t, v, s, prev, v_prev)
        prev, v_prev, s_prev = t, v, s
        t *= 2.0
