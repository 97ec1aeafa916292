r"""Losses: each keeps its value, its hand-derived gradient and Hessian side by side.

Notation: $X$ is `(m, n)`, $z = Xw + b$ the logits, $a = \sigma(z)$ the
predicted probabilities, $y \in \{0, 1\}^m$ the labels.

The gradients here are derived on paper and written in numpy; `minilogit.gradients`
checks them against `jax.grad` of the very same `value` and against finite differences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ._tree import Params, ravel, unravel
from ._xp import xp_of
from .errors import ConfigError, DataError
from .models import linear, sigmoid
from .multiclass import logsumexp, softmax


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
        >>> round(float(loss.value(params, X, y)), 6)  # log 2 at zero parameters
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

    def line(
        self, params: Params, direction: Params, X: np.ndarray, y: np.ndarray
    ) -> Callable[[float], float]:
        r"""$\varphi(t) = J(\theta + t d)$ for a line search, at $O(m)$ per trial step.

        The logits are linear in the parameters, $z(t) = z_0 + t z_d$ with $z_0 = Xw + b$ and
        $z_d = X d_w + d_b$, and the penalty is a quadratic in $t$; so the two products with
        $X$ happen once here, and each trial $t$ costs one pass over $m$ numbers.

        Args:
            params: the starting point $\theta$.
            direction: $d$, shaped like `params`.
        """
        w, dw = params["w"], direction["w"]
        z0 = X @ w + params["b"]
        zd = X @ dw + direction["b"]
        ww, wd, dd = np.dot(w, w), np.dot(w, dw), np.dot(dw, dw)

        def phi(t: float) -> float:
            z = z0 + t * zd
            penalty = 0.5 * self.l2 * (ww + 2 * t * wd + t * t * dd)
            return float(np.mean(np.logaddexp(0.0, z) - y * z) + penalty)

        return phi

    def hessian(self, params: Params, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The hand-derived Hessian, `(n + 1, n + 1)`, bias first (the order of `ravel`)."""
        z = X @ params["w"] + params["b"]
        s = sigmoid(z) * sigmoid(-z) / X.shape[0]  # a(1 - a)/m, no cancellation for large z
        n = X.shape[1]
        A = X * np.sqrt(s)[:, None]
        H = np.empty((n + 1, n + 1))
        H[1:, 1:] = A.T @ A  # X^T S X as one symmetric product (BLAS syrk)
        H[0, 1:] = H[1:, 0] = X.T @ s
        H[0, 0] = s.sum()
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


class CrossEntropy:
    r"""Mean cross-entropy of a softmax model over $k$ classes, with an optional L2 penalty.

    Notation: $W$ is `(n, k)`, $b$ is `(k,)`, $Z = XW + \mathbf 1 b^\top$ the `(m, k)` logits,
    $P = \operatorname{softmax}(Z)$ row by row, and $Y$ the one-hot `(m, k)` matrix of the
    labels $y_i \in \{0, \dots, k-1\}$.

    **Value.** The mean negative log-likelihood plus the penalty:

    $$
    J(W, b) = \frac{1}{m}\sum_{i=1}^m \Big[\log \sum_{c=1}^k e^{Z_{ic}} - Z_{i y_i}\Big]
              + \frac{\lambda}{2}\lVert W\rVert_F^2 .
    $$

    The log-sum-exp is evaluated after subtracting the row maximum
    ([`logsumexp`][minilogit.multiclass.logsumexp]), so the value is finite for every finite
    input. With $k = 2$ it equals [`BinaryCrossEntropy`][minilogit.losses.BinaryCrossEntropy]
    of the logit difference $z_1 - z_0$.

    **Gradient.** $\partial \log\sum_d e^{Z_{id}} / \partial Z_{ic} = P_{ic}$, so
    $\partial J / \partial Z = (P - Y)/m$ and, through $Z = XW + \mathbf 1 b^\top$,

    $$
    \nabla_W J = \frac{1}{m} X^\top (P - Y) + \lambda W, \qquad
    \nabla_b J = \frac{1}{m} (P - Y)^\top \mathbf 1 .
    $$

    **Hessian.** Stack $\Theta = [b^\top; W]$, `(n + 1, k)`, whose row-major flattening is the
    order of `minilogit._tree.ravel` ($b$ first, then $W$ row by row), and let
    $\tilde x_i = [1, x_i]$. Differentiating $P_{ic}$ gives
    $\partial P_{ic}/\partial Z_{id} = P_{ic}(\delta_{cd} - P_{id})$, hence

    $$
    H = \frac{1}{m}\sum_{i=1}^m \tilde x_i \tilde x_i^\top \otimes
        \big(\operatorname{diag}(p_i) - p_i p_i^\top\big) + \lambda\, D ,
    $$

    with $D$ the identity on the entries of $W$ and zero on $b$. It is `((n+1) k)` square,
    so [`hvp`][minilogit.losses.CrossEntropy.hvp] applies it to a direction $V$ without
    forming it: $H v = \tilde X^\top \big(P \odot U - P \odot (P \odot U)\mathbf 1
    \mathbf 1^\top\big)/m + \lambda [0; V_W]$ with $U = \tilde X V$.

    Softmax is over-parametrised: adding one constant to every $b_c$ changes no probability,
    so $H$ is singular along that direction (and, with $\lambda = 0$, along every
    "same vector added to each column of $W$"). The gradient is orthogonal to those
    directions; a Newton method should solve with a least-squares or damped system.

    **Lipschitz bound.** $\operatorname{diag}(p) - p p^\top \preceq \tfrac12 I$
    (Böhning, 1992), so $H \preceq L I$ with
    $L = \lambda_{\max}(\tilde X^\top \tilde X)/(2m) + \lambda$.

    Args:
        l2: the penalty strength $\lambda \ge 0$ (not applied to $b$). scikit-learn's `C`
            corresponds to `l2 = 1 / (C m)`.

    Example:
        >>> loss = CrossEntropy()
        >>> params = {"w": np.zeros((2, 3)), "b": np.zeros(3)}
        >>> X, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([2, 0])
        >>> round(float(loss.value(params, X, y)), 6)  # log 3 at zero parameters
        1.098612
    """

    def __init__(self, l2: float = 0.0) -> None:
        self.l2 = _check_l2(l2)

    def __repr__(self) -> str:
        return f"CrossEntropy(l2={self.l2:g})"

    def check_targets(self, y: np.ndarray, name: str = "y") -> np.ndarray:
        """`y` as int64 class indices `0, 1, ...`, or a DataError naming the offending value."""
        y = np.asarray(y)
        if y.dtype.kind not in "iuf" or y.dtype == np.bool_:
            raise DataError(f"{name} must hold class indices 0..k-1, got dtype {y.dtype}")
        bad = np.flatnonzero(~np.isfinite(y) | (y < 0) | (y != np.round(y)))
        if bad.size:
            raise DataError(
                f"{name} must hold class indices 0..k-1; row {bad[0]} is {y[bad[0]].item()!r} "
                "(map labels to indices with np.unique(y, return_inverse=True))"
            )
        return y.astype(np.int64)

    def value(self, params: Params, X: np.ndarray, y: np.ndarray) -> float:
        """$J(W, b)$, a scalar. Works on numpy and on JAX arrays (for `jax.grad`)."""
        xp = xp_of(params["w"], X)
        Z = linear(params, X)
        k = Z.shape[1]
        if xp is np:
            y = _class_indices(y, k)
        Y = xp.asarray(y)[:, None] == xp.arange(k)
        data = xp.mean(logsumexp(Z) - xp.sum(xp.where(Y, Z, 0.0), axis=1))
        return data + 0.5 * self.l2 * xp.sum(params["w"] ** 2)

    def grad(self, params: Params, X: np.ndarray, y: np.ndarray) -> Params:
        """The hand-derived gradient `{"w": (n, k), "b": (k,)}` (numpy only)."""
        return self.value_and_grad(params, X, y)[1]

    def value_and_grad(self, params: Params, X: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
        """Value and hand-derived gradient from one pass over `X` (they share `Z` and `P`)."""
        W = params["w"]
        Z = X @ W + params["b"]
        m, k = Z.shape
        y = _class_indices(y, k)
        lse = logsumexp(Z)
        value = np.mean(lse - Z[np.arange(m), y]) + 0.5 * self.l2 * np.sum(W * W)
        R = np.exp(Z - lse[:, None])  # P, then (P - Y) / m in place
        R[np.arange(m), y] -= 1.0
        R /= m
        return float(value), {"w": X.T @ R + self.l2 * W, "b": R.sum(axis=0)}

    def hessian(self, params: Params, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The hand-derived Hessian, `((n + 1) k, (n + 1) k)`, in `ravel` order (b, then w)."""
        P = softmax(X @ params["w"] + params["b"])
        m, k = P.shape
        Xt = np.hstack([np.ones((m, 1)), X])
        n1 = Xt.shape[1]
        # diag(p_i) part: block (c, c) is Xt^T diag(P[:, c]) Xt.
        blocks = np.einsum("ij,ic,il->jcl", Xt, P, Xt)
        H = np.zeros((n1, k, n1, k))
        H[:, np.arange(k), :, np.arange(k)] = blocks.transpose(1, 0, 2)
        # p_i p_i^T part: V[i, (j, c)] = Xt[i, j] P[i, c], so V^T V sums the outer products.
        V = (Xt[:, :, None] * P[:, None, :]).reshape(m, n1 * k)
        H = (H.reshape(n1 * k, n1 * k) - V.T @ V) / m
        idx = np.arange(k, n1 * k)
        H[idx, idx] += self.l2
        return H

    def hvp(self, params: Params, X: np.ndarray, y: np.ndarray, v: Any) -> Any:
        """The Hessian times a direction `v`, without forming the Hessian.

        Args:
            v: a flat vector in `ravel` order, or a dict shaped like `params`.

        Returns:
            $H v$ in the same form as `v`.
        """
        flat = not isinstance(v, Mapping)
        V = unravel(np.asarray(v, dtype=np.float64), params) if flat else v
        P = softmax(X @ params["w"] + params["b"])
        U = X @ V["w"] + V["b"]
        S = P * U
        S -= P * S.sum(axis=1, keepdims=True)
        S /= X.shape[0]
        out = {"w": X.T @ S + self.l2 * V["w"], "b": S.sum(axis=0)}
        return ravel(out) if flat else out

    def lipschitz(self, X: np.ndarray) -> float:
        r"""An upper bound $L$ on the Hessian's largest eigenvalue over all parameters."""
        return augmented_spectral_norm_sq(X) / (2.0 * X.shape[0]) + self.l2


def _class_indices(y: np.ndarray, k: int) -> np.ndarray:
    """Labels as int64 indices into `k` classes, or a DataError for one out of range."""
    y = np.asarray(y)
    idx = y.astype(np.int64)
    bad = np.flatnonzero((idx != y) | (idx < 0) | (idx >= k))
    if bad.size:
        raise DataError(
            f"label {y[bad[0]].item()!r} in row {bad[0]} is not a class index 0..{k - 1} "
            f"of a {k}-class model"
        )
    return idx
