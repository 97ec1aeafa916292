r"""Losses: each keeps its value, its hand-derived gradient and Hessian side by side.

Notation: $X$ is `(m, n)`, $z = Xw + b$ the logits, $a = \sigma(z)$ the
predicted probabilities, $y \in \{0, 1\}^m$ the labels.

The gradients here are derived on paper and written in numpy; `minilogit.gradients`
checks them against `jax.grad` of the very same `value` and against finite differences.
"""

from __future__ import annotations

import numpy as np

from ._tree import Params
from ._xp import xp_of
from .errors import ConfigError, DataError
from .models import linear, sigmoid


def _check_l2(l2: float) -> float:
    if not isinstance(l2, (int, float, np.floating)) or not np.isfinite(l2) or l2 < 0:
        raise ConfigError(f"l2 must be a finite number >= 0, got {l2!r}")
    return float(l2)


class BinaryCrossEntropy:
    r"""Mean binary cross-entropy of a logistic model, with an optional L2 penalty on `w`.

    **Value.** The likelihood of one label is $a^y (1-a)^{1-y}$; the mean negative
    log-likelihood plus the penalty is

    $$
    J(w, b) = \frac{1}{m}\sum_{i=1}^m \Big[-y_i \log a_i - (1-y_i)\log(1-a_i)\Big]
              + \frac{\lambda}{2}\lVert w\rVert^2 .
    $$

    Because $-\log\sigma(z) = \log(1+e^{-z})$ and $-\log(1-\sigma(z)) =
    \log(1+e^{z})$, each term equals $\operatorname{softplus}(z_i) - y_i z_i$ with
    $\operatorname{softplus}(z) = \log(1 + e^z)$ evaluated by `logaddexp(0, z)`. That
    form never takes `log(0)`, so the value is finite for every finite input (the article's
    `np.log(A)` is not).

    **Gradient.** With $\sigma'(z) = \sigma(z)(1-\sigma(z))$ the chain rule gives
    $\partial J / \partial z_i = (a_i - y_i)/m$, and $z = Xw + b$ gives

    $$
    \nabla_w J = \frac{1}{m} X^\top (a - y) + \lambda w, \qquad
    \frac{\partial J}{\partial b} = \frac{1}{m}\sum_i (a_i - y_i).
    $$

    The bias is not penalised: it only shifts the decision threshold, and shrinking it would
    bias predictions towards probability 1/2.

    **Hessian.** With $\tilde X = [\mathbf 1, X]$ (bias first, the order of
    `minilogit._tree.ravel`) and $S = \operatorname{diag}(a_i(1-a_i))$,

    $$
    H = \frac{1}{m}\tilde X^\top S \tilde X + \lambda \operatorname{diag}(0, 1, \dots, 1).
    $$

    **Lipschitz bound.** $a(1-a) \le 1/4$, so $H \preceq L I$ with
    $L = \lambda_{\max}(\tilde X^\top \tilde X)/(4m) + \lambda$; gradient descent with
    step $1/L$ never increases $J$.

    Args:
        l2: the penalty strength $\lambda \ge 0$. scikit-learn's `C` corresponds to
            `l2 = 1 / (C m)`.

    Example:
        >>> loss = BinaryCrossEntropy()
        >>> params = {"w": np.zeros(2), "b": np.zeros(())}
        >>> X, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1, 0])
        >>> round(loss.value(params, X, y), 6)  # log 2 at zero parameters
        0.693147
    """

    def __init__(self, l2: float = 0.0) -> None:
        self.l2 = _check_l2(l2)

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(l2={self.l2:g})"

    def check_targets(self, y: np.ndarray, name: str = "y") -> np.ndarray:
        """`y` as float64 0/1 labels, or a DataError naming the offending value."""
        y = np.asarray(y)
        bad = np.flatnonzero((y != 0) & (y != 1))
        if bad.size:
            raise DataError(
                f"{name} must hold 0/1 labels for a binary loss; row {bad[0]} is {y[bad[0]]!r}"
                " (use Dataset.one_vs_rest(label) to make a binary task)"
            )
        return y.astype(np.float64)

    def value(self, params: Params, X: np.ndarray, y: np.ndarray) -> float:
        """$J(w, b)$, a scalar. Works on numpy and on JAX arrays (for `jax.grad`)."""
        xp = xp_of(params["w"], X)
        z = linear(params, X)
        data = xp.mean(xp.logaddexp(0.0, z) - y * z)
        return data + 0.5 * self.l2 * xp.sum(params["w"] ** 2)

    def grad(self, params: Params, X: np.ndarray, y: np.ndarray) -> Params:
        """The hand-derived gradient `{"w": (n,), "b": ()}` (numpy only)."""
        return self.value_and_grad(params, X, y)[1]

    def value_and_grad(self, params: Params, X: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
        """Value and hand-derived gradient from one pass over `X` (they share `z`)."""
        z = X @ params["w"] + params["b"]
        m = X.shape[0]
        w = params["w"]
        value = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * self.l2 * np.dot(w, w)
        r = (sigmoid(z) - y) / m
        return float(value), {"w": X.T @ r + self.l2 * w, "b": np.sum(r)}

    def hessian(self, params: Params, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The hand-derived Hessian, `(n + 1, n + 1)`, bias first (the order of `ravel`)."""
        a = sigmoid(X @ params["w"] + params["b"])
        m, n = X.shape
        Xt = np.hstack([np.ones((m, 1)), X])
        H = (Xt.T * (a * (1.0 - a))) @ Xt / m
        H[np.arange(1, n + 1), np.arange(1, n + 1)] += self.l2
        return H

    def lipschitz(self, X: np.ndarray) -> float:
        r"""An upper bound $L$ on the Hessian's largest eigenvalue over all parameters."""
        return augmented_spectral_norm_sq(X) / (4.0 * X.shape[0]) + self.l2


def augmented_spectral_norm_sq(X: np.ndarray) -> float:
    r"""$\lambda_{\max}(\tilde X^\top \tilde X)$ for $\tilde X = [\mathbf 1, X]$.

    Exact (symmetric eigensolver on the small Gram matrix) up to 4,096 features; above that the
    Frobenius norm, a safe upper bound.
    """
    m, n = X.shape
    if n + 1 > 4096:
        return float(np.sum(X * X) + m)
    col_sum = X.sum(axis=0)
    G = np.empty((n + 1, n + 1))
    G[0, 0] = m
    G[0, 1:] = G[1:, 0] = col_sum
    G[1:, 1:] = X.T @ X
    return float(np.linalg.eigvalsh(G)[-1])
