"""Models hold parameters and turn features into predictions.

A model is deliberately thin: the maths of training lives in `minilogit.losses`, the
update rules in `minilogit.optim`. Parameters are a plain dict of float64 arrays, so the
same object goes to `jax.grad`, to optax and to `np.savez`.
"""

from __future__ import annotations

import numpy as np

from ._tree import Params
from ._xp import xp_of
from .errors import ConfigError, DataError, NotFittedError


def linear(params: Params, X: np.ndarray) -> np.ndarray:
    r"""The logits $z = X w + b$: `(m,)` for a binary model, `(m, k)` for softmax."""
    xp = xp_of(params["w"], X)
    return xp.matmul(X, params["w"]) + params["b"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The logistic function $\sigma(z) = 1 / (1 + e^{-z})$, stable for any finite `z`.

    Computed as $\exp(-\log(1 + e^{-z}))$ with `logaddexp`, so it neither overflows
    for large negative `z` nor rounds tiny probabilities to zero early.

    Example:
        >>> sigmoid(np.array([-800.0, 0.0, 800.0])).tolist()
        [0.0, 0.5, 1.0]
    """
    xp = xp_of(z)
    return xp.exp(-xp.logaddexp(0.0, -z))


def check_features(X: np.ndarray, n_features: int, name: str = "X") -> np.ndarray:
    """`X` as a float64 `(m, n_features)` array, or a DataError saying what is wrong."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise DataError(f"{name} must be 2-D (m examples, n features), got shape {X.shape}")
    if X.shape[1] != n_features:
        raise DataError(
            f"{name} has {X.shape[1]} features but the model was built for {n_features}"
        )
    return X


def _positive_int(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class LinearModel:
    """What every minilogit model shares: parameters `{"w", "b"}` and their logits.

    A subclass sets `n_features` and says the parameter shapes in `_shapes()`; the logits are
    always `X w + b` ([`linear`][minilogit.models.linear]).
    """

    n_features: int
    params: Params

    def _shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        raise NotImplementedError

    def init(self, method: str = "zeros", scale: float = 0.01, seed: int = 0) -> Params:
        """Reset and return the parameters.

        Args:
            method: `"zeros"` (the article's choice; fine for a convex loss) or
                `"normal"` (small Gaussian weights, seeded).
            scale: standard deviation for `"normal"`.
            seed: seed for `"normal"`.
        """
        w_shape, b_shape = self._shapes()
        if method == "zeros":
            w = np.zeros(w_shape)
        elif method == "normal":
            w = np.random.default_rng(seed).normal(0.0, scale, w_shape)
        else:
            raise ConfigError(f"init method must be 'zeros' or 'normal', got {method!r}")
        self.params = {"w": w, "b": np.zeros(b_shape)}
        return self.params

    def _params(self, params: Params | None) -> Params:
        params = self.params if params is None else params
        if params is None:
            raise NotFittedError(f"{self!r} has no parameters; call init() or train it first")
        return params

    def decision_function(self, X: np.ndarray, params: Params | None = None) -> np.ndarray:
        """The logits `X w + b`: `(m,)` for a binary model, `(m, k)` for `k` classes."""
        return linear(self._params(params), check_features(X, self.n_features))


class Logistic(LinearModel):
    r"""Binary logistic regression: $P(y = 1 \mid x) = \sigma(w^\top x + b)$.

    Args:
        n_features: number of input features `n`.

    Attributes:
        params: `{"w": (n,), "b": ()}`, zeros after construction (like the article).

    Example:
        >>> model = Logistic(3)
        >>> model.predict_proba(np.ones((2, 3))).tolist()
        [0.5, 0.5]
    """

    def __init__(self, n_features: int) -> None:
        self.n_features = _positive_int(n_features, "n_features")
        self.params: Params = self.init()

    def __repr__(self) -> str:
        return f"Logistic({self.n_features})"

    def _shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return (self.n_features,), ()

    def predict_proba(self, X: np.ndarray, params: Params | None = None) -> np.ndarray:
        """$P(y = 1 \\mid x)$ for each row of `X` (m, n), shape `(m,)`."""
        return sigmoid(self.decision_function(X, params))

    def predict(self, X: np.ndarray, params: Params | None = None) -> np.ndarray:
        """Labels 0/1, `(m,)`: 1 where the probability exceeds 0.5 (the article's rule)."""
        return (self.predict_proba(X, params) > 0.5).astype(np.int64)
