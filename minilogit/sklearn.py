"""A scikit-learn estimator on top of minilogit: `LogisticClassifier`.

It follows scikit-learn's conventions, so it drops into `Pipeline`, `GridSearchCV` and
`cross_val_score`: `__init__` only stores its arguments, `fit` validates them and the data
and returns `self`, and what it learns ends in `_` (`classes_`, `coef_`, `intercept_`,
`n_iter_`, `n_features_in_`). It passes scikit-learn's own estimator checks.

```python
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from minilogit.sklearn import LogisticClassifier

pipe = make_pipeline(StandardScaler(), LogisticClassifier(optimizer="lbfgs", l2=1e-3))
cross_val_score(pipe, X, y, cv=5)
```

This module is named like the package it adapts to; inside it, `sklearn` still means
scikit-learn (imports are absolute), and minilogit loads it only on first access of
`minilogit.sklearn`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from . import optim
from .errors import ConfigError, DataError, NotFittedError
from .losses import BinaryCrossEntropy, CrossEntropy
from .models import Logistic
from .multiclass import OneVsRest, Softmax
from .train import Trainer


class EstimatorNotFittedError(NotFittedError, _SklearnNotFittedError):
    """Raised on use before `fit`; both minilogit's and scikit-learn's `NotFittedError`."""


def _number(low: float, high: float = math.inf, integer: bool = False, none: bool = False):
    def check(value: Any) -> bool:
        if value is None:
            return none
        kind = numbers.Integral if integer else numbers.Real
        return (
            isinstance(value, kind)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value < high
        )

    return check


def _optimizer(value: Any) -> bool:
    return value in optim.OPTIMIZERS or (hasattr(value, "init") and hasattr(value, "update"))


def _lr(value: Any) -> bool:
    return value is None or value == "auto" or (_number(0.0)(value) and value > 0)


#: The constraints table `fit` checks every argument against: (check, what is expected).
PARAMETER_CONSTRAINTS: dict[str, tuple[Any, str]] = {
    "optimizer": (_optimizer, "an optimizer name from minilogit.optim.OPTIMIZERS or an object"),
    "l2": (_number(0.0), "a finite number >= 0"),
    "iterations": (_number(1, integer=True), "an integer >= 1"),
    "lr": (_lr, "None (the optimizer's default), 'auto' or a positive number"),
    "strategy": (lambda v: v in ("softmax", "ovr"), "'softmax' or 'ovr'"),
    "tol": (_number(0.0, none=True), "None or a finite number >= 0"),
    "gradient": (lambda v: v in Trainer.GRADIENTS, f"one of {Trainer.GRADIENTS}"),
}


class LogisticClassifier(ClassifierMixin, BaseEstimator):
    r"""Logistic regression (binary, softmax or one-vs-rest) trained by a minilogit optimizer.

    Two classes train one [`Logistic`][minilogit.Logistic] model with
    [`BinaryCrossEntropy`][minilogit.losses.BinaryCrossEntropy]; more train a
    [`Softmax`][minilogit.Softmax] model with [`CrossEntropy`][minilogit.losses.CrossEntropy]
    (`strategy="softmax"`) or one binary model per class
    ([`OneVsRest`][minilogit.OneVsRest], `strategy="ovr"`). Training starts from zeros, so
    it is deterministic.

    Args:
        optimizer: a name from `minilogit.optim.OPTIMIZERS` (`"lbfgs"`, `"newton"`, `"gd"`,
            `"adam"`, ...) or an optimizer object.
        l2: the L2 penalty $\lambda$ on the weights (not the intercepts). scikit-learn's
            `LogisticRegression(C=C)` on `m` examples minimises the same objective with
            `l2 = 1 / (C m)`. The small default keeps weights finite on separable data.
        iterations: optimizer steps at most.
        lr: the learning rate for a named optimizer; None takes its default (`"auto"`,
            the safe step $1/L$, for gradient descent).
        strategy: `"softmax"` or `"ovr"` for more than two classes.
        tol: stop once the gradient norm is at most `tol` (a `ConvergenceWarning` if never);
            None runs all `iterations` unless the optimizer reports convergence itself.
        gradient: `"analytic"` (hand-derived) or `"autodiff"` (`jax.grad`).

    Attributes:
        classes_: `(k,)` the class labels seen in `fit`, sorted.
        coef_: `(1, n)` for two classes, else `(k, n)`.
        intercept_: `(1,)` for two classes, else `(k,)`.
        n_iter_: `(1,)` optimizer steps taken (`(k,)`, one per class, for `"ovr"`).
        n_features_in_: the number of features seen in `fit`.
        feature_names_in_: their names, when `X` was a DataFrame with string column names.
        model_: the trained minilogit model.
        history_: the training [`History`][minilogit.History] (a list of them for `"ovr"`).

    Example:
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
        >>> clf = LogisticClassifier(l2=0.1).fit(X, ["no", "no", "yes", "yes"])
        >>> clf.predict([[0.2], [2.8]]).tolist(), clf.classes_.tolist()
        (['no', 'yes'], ['no', 'yes'])
    """

    def __init__(
        self,
        optimizer: Any = "lbfgs",
        l2: float = 1e-4,
        iterations: int = 500,
        lr: Any = None,
        strategy: str = "softmax",
        tol: float | None = 1e-6,
        gradient: str = "analytic",
    ) -> None:
        self.optimizer = optimizer
        self.l2 = l2
        self.iterations = iterations
        self.lr = lr
        self.strategy = strategy
        self.tol = tol
        self.gradient = gradient

    def _validate_params(self) -> None:
        for name, (check, expected) in PARAMETER_CONSTRAINTS.items():
            value = getattr(self, name)
            if not check(value):
                raise ConfigError(f"LogisticClassifier {name} must be {expected}, got {value!r}")

    def _make_optimizer(self) -> Any:
        if isinstance(self.optimizer, str):
            return optim.make(self.optimizer, lr=self.lr)
        return self.optimizer

    def fit(self, X: Any, y: Any) -> LogisticClassifier:
        """Train on `X` (m, n) and labels `y` (m,) of any kind (numbers, strings, ...).

        Returns:
            `self`, fitted.

        Raises:
            ConfigError: an argument violates `PARAMETER_CONSTRAINTS`.
            ValueError: the data cannot be used (scikit-learn's validation messages), or `y`
                holds one class only.
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, index = np.unique(y, return_inverse=True)
        k, n = self.classes_.size, X.shape[1]
        if k < 2:
            raise DataError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at least "
                "two classes to learn anything"
            )
        options = {"iterations": self.iterations, "tol": self.tol, "progress": False}
        options["record_every"] = self.iterations  # record only the start: cheap
        if k > 2 and self.strategy == "ovr":
            model = OneVsRest(n, k)
            self.history_ = model.fit(
                X, index, self._make_optimizer(), l2=self.l2, gradient=self.gradient, **options
            )
            self.n_iter_ = np.array([h.iterations for h in self.history_])
        else:
            model = Logistic(n) if k == 2 else Softmax(n, k)
            loss = BinaryCrossEntropy(self.l2) if k == 2 else CrossEntropy(self.l2)
            trainer = Trainer(model, loss, self._make_optimizer(), gradient=self.gradient)
            self.history_ = trainer.fit(X, index, **options)
            self.n_iter_ = np.array([self.history_.iterations])
        self.model_ = model
        w, b = model.params["w"], model.params["b"]
        self.coef_ = w[None, :].copy() if k == 2 else w.T.copy()
        self.intercept_ = np.atleast_1d(b).copy()
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef_")

    def _check(self, X: Any) -> np.ndarray:
        if not self.__sklearn_is_fitted__():
            raise EstimatorNotFittedError(
                "this LogisticClassifier is not fitted yet; call fit(X, y) before using it"
            )
        return validate_data(self, X, dtype=np.float64, reset=False)

    def decision_function(self, X: Any) -> np.ndarray:
        """The logits: `(m,)` for two classes (positive means `classes_[1]`), else `(m, k)`."""
        scores = self._check(X) @ self.coef_.T + self.intercept_
        return scores[:, 0] if self.classes_.size == 2 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities `(m, k)`, columns in the order of `classes_`; rows sum to 1.

        For `strategy="ovr"` these are the binary probabilities rescaled to sum to 1.
        """
        X = self._check(X)
        if self.classes_.size > 2:
            return self.model_.predict_proba(X)
        p = self.model_.predict_proba(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The most likely label for each row of `X` (m, n), `(m,)`."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(np.int64) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]
