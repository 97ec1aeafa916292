r"""The classic mistakes in a hand-derived gradient, as losses you can check.

Each mutation keeps the loss's correct `value` (so `jax.grad` and finite differences still see
the true cost) and replaces its `grad` by what a student really writes when one step of the
derivation slips. [`gradients.check`][minilogit.gradients.check] and `minilogit gradcheck
--mutate NAME` then show the mistake being caught.

The correct gradient, for both the binary loss ($a = \sigma(z)$, $y \in \{0,1\}^m$) and the
softmax loss ($A = \operatorname{softmax}(Z)$, $Y$ one-hot), is

$$
\nabla_w J = \frac{1}{m} X^\top (A - Y) + \lambda w, \qquad
\nabla_b J = \frac{1}{m} \sum_i (A_i - Y_i).
$$

| name | what was written | why it is wrong |
|---|---|---|
| `missing-mean` | `X.T @ (a - y)` | the cost is a mean; its gradient keeps the $1/m$ |
| `penalize-bias` | `db = mean(a - y) + l2 * b` | $\frac{\lambda}{2}\lVert w\rVert^2$ has no $b$ |
| `flip-sign` | `X.T @ (y - a) / m` | a sign lost differentiating $-\log a$: gradient ascent |
| `transpose` | `X @ (a - y) / m` | $X$ where $X^\top$ belongs |
| `drop-sigmoid-derivative` | `dz = (a - y) / (a (1 - a))` | stops at $\partial J/\partial a$ |

`transpose` needs a square batch to run at all for the binary loss (`X @ r` with `X` (m, n)
and `r` (m,)): numpy's shape error is how students usually find it, and on square data it runs
silently, which is exactly when only a gradient check catches it. For softmax the student
computes `(A - Y).T @ X`, shape (k, n), and reshapes it to `w`'s (n, k), which runs on any data.

Example:
    >>> import numpy as np
    >>> from minilogit.losses import BinaryCrossEntropy
    >>> bad = Mutated(BinaryCrossEntropy(), "missing-mean")
    >>> params = {"w": np.array([0.5]), "b": np.array(0.0)}
    >>> X, y = np.array([[1.0], [2.0]]), np.array([1, 0])
    >>> bool(bad.value(params, X, y) == BinaryCrossEntropy().value(params, X, y))
    True
    >>> ratio = bad.grad(params, X, y)["w"] / BinaryCrossEntropy().grad(params, X, y)["w"]
    >>> ratio.tolist()  # m = 2 times too large
    [2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._tree import Params
from .errors import ConfigError, DataError
from .models import sigmoid

#: Each mutation's name, mapped to the line a student writes and why it is wrong.
MUTATIONS: dict[str, str] = {
    "missing-mean": "dw = X.T @ (a - y): the 1/m of the mean is forgotten, so the gradient "
    "is m times too large",
    "penalize-bias": "db = mean(a - y) + l2 * b: the L2 penalty is on w only, yet b is "
    "penalised too",
    "flip-sign": "dw = X.T @ (y - a) / m: a sign lost differentiating -log(a); the step "
    "climbs the cost",
    "transpose": "dw = X @ (a - y) / m: X where X.T belongs (it only runs on a square "
    "batch; softmax: (A - Y).T @ X reshaped to w's shape)",
    "drop-sigmoid-derivative": "dz = (a - y) / (a (1 - a)): the derivative stops at dJ/da "
    "and forgets da/dz = a (1 - a), which would have cancelled the denominator",
}


def _softmax(Z: np.ndarray) -> np.ndarray:
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _activations(params: Params, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and targets, `(m,)` each for a binary model, `(m, k)` for softmax."""
    Z = X @ params["w"] + params["b"]
    if Z.ndim == 1:
        return sigmoid(Z), np.asarray(y, dtype=np.float64)
    y = np.asarray(y)
    Y = y.astype(np.float64) if y.ndim == 2 else np.eye(Z.shape[1])[y.astype(np.int64)]
    return _softmax(Z), Y


class Mutated:
    r"""`loss` with its correct `value` and one classic mistake in `grad`.

    Works for [`BinaryCrossEntropy`][minilogit.losses.BinaryCrossEntropy] (`w` (n,)) and the
    softmax `CrossEntropy` (`w` (n, k), labels `0..k-1` or one-hot rows).

    Args:
        loss: the correct loss; its `value`, `l2` and `check_targets` are used as they are.
        bug: one of the keys of `MUTATIONS`.

    Raises:
        ConfigError: for an unknown `bug`, or `"penalize-bias"` with `l2 = 0` (the mistake
            multiplies `b` by the penalty, so with no penalty it changes nothing).
    """

    def __init__(self, loss: Any, bug: str) -> None:
        if bug not in MUTATIONS:
            raise ConfigError(f"unknown mutation {bug!r}; choose one of {', '.join(MUTATIONS)}")
        if bug == "penalize-bias" and not getattr(loss, "l2", 0.0) > 0:
            raise ConfigError(
                "the penalize-bias mistake is invisible without a penalty; use l2 > 0 "
                "(e.g. --l2 0.1)"
            )
        self.loss, self.bug = loss, bug

    def __repr__(self) -> str:
        return f"Mutated({self.loss!r}, {self.bug!r})"

    @property
    def l2(self) -> float:
        """The wrapped loss's penalty strength."""
        return float(getattr(self.loss, "l2", 0.0))

    def check_targets(self, y: np.ndarray, name: str = "y") -> np.ndarray:
        """The wrapped loss's target check."""
        return self.loss.check_targets(y, name=name)

    def value(self, params: Params, X: np.ndarray, y: np.ndarray) -> float:
        """The correct cost (numpy or JAX arrays), untouched by the mutation."""
        return self.loss.value(params, X, y)

    def lipschitz(self, X: np.ndarray) -> float:
        """The wrapped loss's curvature bound (for `lr="auto"`)."""
        return self.loss.lipschitz(X)

    def grad(self, params: Params, X: np.ndarray, y: np.ndarray) -> Params:
        """The gradient as the mistaken derivation computes it."""
        X = np.asarray(X, dtype=np.float64)
        m = X.shape[0]
        w, b = params["w"], params["b"]
        A, Y = _activations(params, X, y)
        if self.bug == "flip-sign":
            R = Y - A
        elif self.bug == "drop-sigmoid-derivative":
            # dJ/dA of the mean cross-entropy, times m: binary -(y/a) + (1-y)/(1-a),
            # softmax -Y/A; the activation's derivative that should follow is dropped.
            R = (A - Y) / (A * (1.0 - A)) if A.ndim == 1 else -Y / A
        else:
            R = A - Y
        scale = 1.0 if self.bug == "missing-mean" else 1.0 / m
        if self.bug != "transpose":
            gw = X.T @ R
        elif R.ndim == 2:
            gw = (R.T @ X).reshape(np.shape(w))
        elif X.shape[0] == X.shape[1]:
            gw = X @ R
        else:
            raise DataError(
                f"the transpose mistake X @ (a - y) needs a square batch, got X of shape "
                f"{X.shape}: numpy's shape error is how it usually shows itself "
                "(minilogit gradcheck uses m = n rows so that it runs)"
            )
        gb = np.sum(R, axis=0) * scale
        if self.bug == "penalize-bias":
            gb = gb + self.l2 * b
        return {"w": gw * scale + self.l2 * w, "b": np.asarray(gb, dtype=np.float64)}

    def value_and_grad(self, params: Params, X: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
        """The correct value and the mistaken gradient."""
        return float(self.value(params, X, y)), self.grad(params, X, y)
