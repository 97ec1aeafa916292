"""summary(): Wald standard errors, z and p values of an unpenalised binary fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minilogit as ml
from minilogit.errors import ConfigError, ConvergenceWarning, DataError, DataWarning
from minilogit.losses import BinaryCrossEntropy


def _problem(seed: int = 0, m: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
    z = 0.3 + X @ np.array([1.0, -0.5, 0.0])
    y = (rng.uniform(size=m) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def _fit(X: np.ndarray, y: np.ndarray) -> ml.Logistic:
    model = ml.Logistic(X.shape[1])
    ml.Trainer(model, BinaryCrossEntropy(), ml.optim.make("newton")).fit(X, y, iterations=50)
    return model


def test_matches_statsmodels_logit() -> None:
    import statsmodels.api as sm

    X, y = _problem()
    table = ml.summary(_fit(X, y), X, y, feature_names=["a", "b", "c"])
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    assert list(table.index) == ["intercept", "a", "b", "c"]
    np.testing.assert_allclose(table["coef"], reference.params, rtol=1e-5)
    np.testing.assert_allclose(table["std_err"], reference.bse, rtol=1e-5)
    np.testing.assert_allclose(table["z"], reference.tvalues, rtol=1e-5)
    np.testing.assert_allclose(table["p_value"], reference.pvalues, rtol=1e-5)
    ci = reference.conf_int()
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], ci, rtol=1e-5)


def test_the_null_feature_is_not_significant_and_the_others_are() -> None:
    X, y = _problem(seed=1, m=2000)
    p = ml.summary(_fit(X, y), X, y)["p_value"]
    assert p["x1"] < 1e-6 and p["x2"] < 1e-6 and p["x3"] > 0.01


def test_refuses_an_l2_penalty() -> None:
    X, y = _problem()
    with pytest.raises(ConfigError, match=r"unpenalised fit, but the loss has l2=0\.1"):
        ml.summary(_fit(X, y), X, y, loss=BinaryCrossEntropy(0.1))


def test_refuses_complete_separation() -> None:
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    model = ml.Logistic(1)
    model.params = {"w": np.array([5.0]), "b": np.array(0.0)}
    with pytest.raises(DataError, match="separable, so the maximum-likelihood estimate"):
        ml.summary(model, X, y)


def test_warns_about_quasi_separation() -> None:
    # x > 0 always means y = 1; at x = 0 both labels occur: the MLE of w is infinite.
    X = np.array([[-1.0], [0.0], [0.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1, 1])
    model = ml.Logistic(1)
    model.params = {"w": np.array([40.0]), "b": np.array(0.0)}
    with pytest.warns(DataWarning, match="quasi-separation"):
        ml.summary(model, X, y)


def test_warns_when_not_at_the_optimum() -> None:
    X, y = _problem()
    model = ml.Logistic(3)
    ml.Trainer(model, BinaryCrossEntropy(), ml.optim.GradientDescent("auto")).fit(
        X, y, iterations=5
    )
    with pytest.warns(ConvergenceWarning, match="not at the maximum likelihood"):
        ml.summary(model, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ml.summary(_fit(X, y), X, y)  # at the optimum: silent


def test_collinear_features_are_an_error() -> None:
    X, y = _problem()
    X = np.column_stack([X, X[:, 0] * 2.0])
    model = ml.Logistic(4)
    with pytest.raises(DataError, match="information matrix is singular"):
        ml.summary(model, X, y)


def test_argument_errors() -> None:
    X, y = _problem()
    with pytest.raises(ConfigError, match="needs a binary Logistic model"):
        ml.summary(ml.Softmax(3, 3), X, y)
    with pytest.raises(ConfigError, match="feature_names has 2 names for 3 features"):
        ml.summary(_fit(X, y), X, y, feature_names=["a", "b"])
    with pytest.raises(DataError, match="0/1 labels"):
        ml.summary(_fit(X, y), X, y * 2)
