r"""Models for more than two classes: softmax regression and one-vs-rest.

Both keep their parameters in the same shape, `{"w": (n, k), "b": (k,)}`, one column per
class, so they save, plot and compare alike. They differ in how the columns are trained:

* [`Softmax`][minilogit.Softmax] models all $k$ classes jointly,
  $P(y = c \mid x) = e^{z_c} / \sum_d e^{z_d}$ with $z = x^\top W + b$, trained by a
  [`Trainer`][minilogit.Trainer] with [`CrossEntropy`][minilogit.losses.CrossEntropy];
  its labels are the class indices $0, \dots, k-1$.
* [`OneVsRest`][minilogit.OneVsRest] trains $k$ independent binary logistic models, class $c$
  against all others (Andrew Ng's classic recipe for handwritten digits), and predicts the class
  whose model is most confident. Its labels are any `classes` you give it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._tree import Params
from ._xp import xp_of
from .errors import ConfigError, DataError
from .models import LinearModel, Logistic, _positive_int


def logsumexp(Z: np.ndarray) -> np.ndarray:
    r"""$\log \sum_c e^{Z_{ic}}$ for each row of `Z` (m, k), shape `(m,)`, without overflow.

    Subtracting the row maximum $M_i$ first, $\log\sum_c e^{Z_{ic}} = M_i +
    \log\sum_c e^{Z_{ic} - M_i}$, keeps every exponent $\le 0$ and the sum $\ge 1$.
    Works on numpy and JAX arrays.

    Example:
        >>> logsumexp(np.array([[1000.0, 1000.0]])).round(6).tolist()
        [1000.693147]
    """
    xp = xp_of(Z)
    top = xp.max(Z, axis=1, keepdims=True)
    return top[:, 0] + xp.log(xp.sum(xp.exp(Z - top), axis=1))


def softmax(Z: np.ndarray) -> np.ndarray:
    r"""Row-wise $e^{Z_{ic}} / \sum_d e^{Z_{id}}$ for `Z` (m, k): rows are finite and sum to 1.

    Example:
        >>> softmax(np.array([[0.0, 0.0], [1000.0, -1000.0]])).tolist()
        [[0.5, 0.5], [1.0, 0.0]]
    """
    xp = xp_of(Z)
    E = xp.exp(Z - xp.max(Z, axis=1, keepdims=True))
    return E / xp.sum(E, axis=1, keepdims=True)


class _Linear(LinearModel):
    """What `Softmax` and `OneVsRest` share: `(n, k)` weights and `(k,)` biases."""

    n_classes: int

    def _shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return (self.n_features, self.n_classes), (self.n_classes,)


class Softmax(_Linear):
    r"""Softmax (multinomial logistic) regression over `n_classes` classes.

    $$
    P(y = c \mid x) = \frac{e^{z_c}}{\sum_{d=1}^k e^{z_d}}, \qquad z = x^\top W + b .
    $$

    With $k = 2$ it is the binary model in disguise: $P(y=1 \mid x) = \sigma(z_1 - z_0)$.
    Labels are the class indices `0 .. n_classes - 1` (map other labels first, e.g. with
    `np.unique(y, return_inverse=True)`).

    Args:
        n_features: number of input features `n`.
        n_classes: number of classes `k >= 2`.

    Attributes:
        params: `{"w": (n, k), "b": (k,)}`, zeros after construction.

    Example:
        >>> model = Softmax(2, 3)
        >>> model.predict_proba(np.ones((1, 2))).round(4).tolist()
        [[0.3333, 0.3333, 0.3333]]
    """

    def __init__(self, n_features: int, n_classes: int) -> None:
        self.n_features = _positive_int(n_features, "n_features")
        self.n_classes = _positive_int(n_classes, "n_classes")
        if self.n_classes < 2:
            raise ConfigError(f"n_classes must be at least 2, got {n_classes}")
        self.params: Params = self.init()

    def __repr__(self) -> str:
        return f"Softmax({self.n_features}, {self.n_classes})"

    def predict_proba(self, X: np.ndarray, params: Params | None = None) -> np.ndarray:
        """Class probabilities for each row of `X` (m, n), shape `(m, k)`; rows sum to 1."""
        return softmax(self.decision_function(X, params))

    def predict(self, X: np.ndarray, params: Params | None = None) -> np.ndarray:
        """The most probable class index for each row, `(m,)` int64."""
        return np.argmax(self.decision_function(X, params), axis=1).astype(np.int64)


class OneVsRest(_Linear):
    r"""One binary logistic model per class, each trained to tell its class from all others.

    Column $c$ of the parameters is an ordinary [`Logistic`][minilogit.Logistic] model for
    "is it `classes[c]`?"; the prediction is the class with the largest logit $z_c$ (the
    most confident "yes"). The binary problems are independent, so the cost of the whole
    model is the sum of $k$ binary cross-entropies.

    Args:
        n_features: number of input features `n`.
        classes: the labels, e.g. `range(10)` or `[1, 2, ..., 10]` (an int `k` means
            `range(k)`); at least two, all distinct.

    Attributes:
        params: `{"w": (n, k), "b": (k,)}`, zeros after construction.
        classes: the labels as an array, in column order.

    Example:
        >>> model = OneVsRest(2, ["cat", "dog", "emu"])
        >>> model.params = {"w": np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]]), "b": np.zeros(3)}
        >>> model.predict(np.array([[2.0, 1.0], [-2.0, 0.0]])).tolist()
        ['cat', 'emu']
    """

    def __init__(self, n_features: int, classes: int | Sequence[Any] | np.ndarray) -> None:
        self.n_features = _positive_int(n_features, "n_features")
        if isinstance(classes, (int, np.integer)) and not isinstance(classes, bool):
            classes = np.arange(_positive_int(classes, "classes"))
        self.classes = np.asarray(classes)
        if self.classes.ndim != 1 or self.classes.size < 2:
            raise ConfigError(f"classes must list at least two labels, got {classes!r}")
        if np.unique(self.classes).size != self.classes.size:
            raise ConfigError(f"classes must be distinct, got {self.classes.tolist()}")
        self.n_classes = int(self.classes.size)
        self.params: Params = self.init()

    def __repr__(self) -> str:
        return f"OneVsRest({self.n_features}, {self.classes.tolist()!r})"

    def binary(self, c: int) -> Logistic:
        """The binary model for column `c` ("is it `classes[c]`?"), with a copy of its params."""
        params = self._params(None)
        model = Logistic(self.n_features)
        model.params = {"w": params["w"][:, c].copy(), "b": params["b"][c].copy()}
        return model

    def predict_proba(self, X: np.ndarray, params: Params | None = None) -> np.ndarray:
        r"""The $k$ binary probabilities $\sigma(z_c)$ rescaled to sum to 1, shape `(m, k)`.

        They are not a joint model's probabilities (the binary models never saw each
        other), only scores on a common scale. The rescaling is done in log space,
        $\log\sigma(z) = -\log(1 + e^{-z})$, so rows stay finite even when every $\sigma$
        underflows.
        """
        Z = self.decision_function(X, params)
        return softmax(-np.logaddexp(0.0, -Z))

    def predict(self, X: np.ndarray, params: Params | None = None) -> np.ndarray:
        """The label of the most confident binary model, `(m,)`."""
        return self.classes[np.argmax(self.decision_function(X, params), axis=1)]

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        optimizer: Any,
        l2: float = 0.0,
        gradient: str = "analytic",
        eval_set: tuple[np.ndarray, np.ndarray] | None = None,
        **fit_options: Any,
    ) -> list:
        """Train the $k$ binary models one after another, from the current parameters.

        Args:
            X: `(m, n)` training features.
            y: `(m,)` labels, each one of `classes`.
            optimizer: an optimizer (its state lives outside it, so one object serves every
                class) or a zero-argument factory returning a fresh one per class.
            l2: the L2 penalty of each binary cross-entropy.
            gradient: `"analytic"` or `"autodiff"`, as in [`Trainer`][minilogit.Trainer].
            eval_set: `(X_eval, y_eval)` with labels from `classes`, relabelled per class.
            **fit_options: passed on to [`Trainer.fit`][minilogit.Trainer.fit]
                (`iterations`, `tol`, `record_every`, `batch_size`, `progress`, `seed`).

        Returns:
            One [`History`][minilogit.History] per class, in column order; see
            [`total_history`][minilogit.multiclass.total_history] to add them up.
        """
        from .losses import BinaryCrossEntropy
        from .train import Trainer

        y = np.asarray(y)
        unknown = ~np.isin(y, self.classes)
        if unknown.any():
            row = int(np.argmax(unknown))
            raise DataError(
                f"y row {row} is {y[row].item()!r}, which is not one of the classes "
                f"{self.classes.tolist()}"
            )
        loss = BinaryCrossEntropy(l2)
        params = self._params(None)
        W, b = params["w"].copy(), params["b"].copy()
        histories = []
        for c, label in enumerate(self.classes):
            opt = optimizer if hasattr(optimizer, "update") else optimizer()
            binary = self.binary(c)
            evaluation = None
            if eval_set is not None:
                evaluation = (eval_set[0], (np.asarray(eval_set[1]) == label).astype(np.int64))
            trainer = Trainer(binary, loss, opt, gradient=gradient)
            histories.append(
                trainer.fit(X, (y == label).astype(np.int64), eval_set=evaluation, **fit_options)
            )
            W[:, c], b[c] = binary.params["w"], binary.params["b"]
        self.params = {"w": W, "b": b}
        return histories


def total_history(histories: Sequence[Any]) -> Any:
    """One [`History`][minilogit.History] for a one-vs-rest fit: the sum of the binary costs.

    At each recorded iteration the cost is the sum over classes (a class that stopped early
    contributes its last cost); the gradient norm is that of all parameters together.
    Per-class accuracies do not add up, so they are left out.
    """
    from .objective import Counts
    from .train import History

    if not histories:
        raise ConfigError("total_history needs at least one History")
    points = sorted({i for h in histories for i, _ in h.costs})
    costs = []
    for i in points:
        costs.append((i, sum(_last_at(h.costs, i) for h in histories)))
    stops = [h.stop_reason for h in histories]
    counts = Counts()
    for h in histories:
        counts.value += h.evaluations.value
        counts.grad += h.evaluations.grad
        counts.hessian += h.evaluations.hessian
    return History(
        costs=costs,
        final_cost=float(sum(h.final_cost for h in histories)),
        grad_norm=float(np.sqrt(sum(h.grad_norm**2 for h in histories))),
        iterations=max(h.iterations for h in histories),
        stop_reason=next((s for s in stops if s not in ("tol", "loss_change")), stops[0]),
        seconds=float(sum(h.seconds for h in histories)),
        evaluations=counts,
    )


def _last_at(costs: Sequence[tuple[int, float]], iteration: int) -> float:
    """The cost recorded at `iteration`, or the last one before it."""
    value = costs[0][1]
    for i, c in costs:
        if i > iteration:
            break
        value = c
    return value
