"""Three ways to get the same gradient, and a table that compares them.

* `analytic(loss)`: the hand-derived formulas in `loss.grad` (numpy only).
* `autodiff(loss)`: `jax.grad` of the very same `loss.value`, in float64.
* `numeric(loss, eps)`: central differences, $(J(\\theta + \\epsilon e_i) -
  J(\\theta - \\epsilon e_i)) / 2\\epsilon$, one coordinate at a time.

Each returns a callable `(params, X, y) -> grads` with the structure of `params`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._jax import load_jax
from ._tree import Params, ravel, unravel

GradFn = Callable[[Params, np.ndarray, np.ndarray], Params]


def analytic(loss: Any) -> GradFn:
    """The loss's hand-derived gradient, `loss.grad`.

    Example:
        >>> from minilogit.losses import BinaryCrossEntropy
        >>> g = analytic(BinaryCrossEntropy())
        >>> params = {"w": np.zeros(1), "b": np.zeros(())}
        >>> float(g(params, np.array([[1.0], [2.0]]), np.array([1, 1]))["b"])
        -0.5
    """
    return loss.grad


def autodiff(loss: Any) -> GradFn:
    """`jax.grad` of `loss.value` (JAX is imported on the first call, in float64)."""
    cache: dict[str, Callable] = {}

    def grad(params: Params, X: np.ndarray, y: np.ndarray) -> Params:
        if "fn" not in cache:
            jax = load_jax()
            cache["fn"] = jax.jit(jax.grad(loss.value))
        jnp = load_jax().numpy
        out = cache["fn"](
            {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()},
            jnp.asarray(X, dtype=jnp.float64),
            jnp.asarray(y, dtype=jnp.float64),
        )
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}

    return grad


def numeric(loss: Any, eps: float = 1e-6) -> GradFn:
    """Central differences of `loss.value` with step `eps` (accurate to about `eps**2`)."""

    def grad(params: Params, X: np.ndarray, y: np.ndarray) -> Params:
        theta = ravel(params).astype(np.float64)
        out = np.empty_like(theta)
        for i in range(theta.size):
            step = np.zeros_like(theta)
            step[i] = eps
            plus = float(loss.value(unravel(theta + step, params), X, y))
            minus = float(loss.value(unravel(theta - step, params), X, y))
            out[i] = (plus - minus) / (2 * eps)
        return unravel(out, params)

    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    r"""$\lVert a - b\rVert / \max(\lVert a\rVert + \lVert b\rVert, 10^{-300})$: 0 when equal."""
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def check(loss: Any, params: Params, X: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> Any:
    """Compare the three gradients block by block.

    Returns:
        A pandas DataFrame with one row per parameter block (`"b"`, `"w"`) and columns
        `norm` (of the analytic gradient), `analytic_vs_autodiff`, `analytic_vs_numeric`
        and `autodiff_vs_numeric` (relative errors).
    """
    import pandas as pd

    grads = {
        "analytic": analytic(loss)(params, X, y),
        "autodiff": autodiff(loss)(params, X, y),
        "numeric": numeric(loss, eps)(params, X, y),
    }
    rows = []
    for block in sorted(params):
        a, j, f = (grads[k][block] for k in ("analytic", "autodiff", "numeric"))
        rows.append(
            {
                "block": block,
                "norm": float(np.linalg.norm(np.ravel(a))),
                "analytic_vs_autodiff": relative_error(a, j),
                "analytic_vs_numeric": relative_error(a, f),
                "autodiff_vs_numeric": relative_error(j, f),
            }
        )
    return pd.DataFrame(rows).set_index("block")
