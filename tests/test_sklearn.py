"""LogisticClassifier: scikit-learn's own estimator checks, and use inside its tools."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import minilogit as ml
from minilogit.errors import ConfigError, NotFittedError
from minilogit.losses import BinaryCrossEntropy
from minilogit.sklearn import LogisticClassifier


def test_the_module_adapts_the_real_scikit_learn() -> None:
    # minilogit/sklearn.py imports `sklearn.base`: absolute imports reach scikit-learn.
    assert issubclass(LogisticClassifier, sklearn.base.BaseEstimator)
    assert ml.sklearn.LogisticClassifier is LogisticClassifier


# No expected failures: every check scikit-learn runs on a classifier must pass.
@parametrize_with_checks(
    [
        LogisticClassifier(),
        LogisticClassifier(strategy="ovr"),
        LogisticClassifier(optimizer="gd", iterations=100, tol=None),
    ]
)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def digits_part(digits) -> tuple[np.ndarray, np.ndarray]:
    """600 digits: enough for cross-validation to mean something, small enough to be quick."""
    part, _ = digits.split(test_size=1 - 600 / digits.m, seed=1)
    return part.X, part.y


def test_pipeline_and_cross_val_score(digits_part) -> None:
    X, y = digits_part
    pipe = make_pipeline(StandardScaler(), LogisticClassifier(l2=1e-2))
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and scores.mean() > 0.93


def test_grid_search_picks_an_l2_and_refits(digits_part) -> None:
    X, y = digits_part
    pipe = make_pipeline(StandardScaler(), LogisticClassifier())
    grid = GridSearchCV(
        pipe,
        {
            "logisticclassifier__l2": [1e-3, 1e-1],
            "logisticclassifier__strategy": ["softmax", "ovr"],
        },
        cv=3,
    )
    grid.fit(X, y)
    assert set(grid.best_params_) == {"logisticclassifier__l2", "logisticclassifier__strategy"}
    assert grid.best_score_ > 0.93
    assert grid.predict(X[:5]).shape == (5,)


def test_binary_fit_reaches_sklearn_objective_and_attributes_match(digits) -> None:
    data = digits.one_vs_rest(8).standardized()
    C, m = 0.5, data.m
    ours = LogisticClassifier(optimizer="lbfgs", l2=1 / (C * m), iterations=1000, tol=1e-9)
    ours.fit(data.X, data.y)
    theirs = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(data.X, data.y)
    assert ours.coef_.shape == theirs.coef_.shape == (1, 64)
    assert ours.intercept_.shape == theirs.intercept_.shape == (1,)
    loss = BinaryCrossEntropy(1 / (C * m))

    def objective(est) -> float:
        return loss.value({"w": est.coef_[0], "b": est.intercept_[0]}, data.X, data.y)

    assert abs(objective(ours) - objective(theirs)) / objective(theirs) < 1e-9
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4)
    assert ours.n_iter_.shape == (1,) and 0 < ours.n_iter_[0] < 1000
    np.testing.assert_allclose(ours.predict_proba(data.X), theirs.predict_proba(data.X), atol=1e-6)


def test_multiclass_attributes_and_string_labels() -> None:
    rng = np.random.default_rng(0)
    centers = np.array([[4.0, 0.0], [0.0, 4.0], [-4.0, -4.0]])
    which = rng.integers(0, 3, 120)
    X = centers[which] + rng.normal(size=(120, 2))
    y = np.array(["b", "a", "c"])[which]
    for strategy, n_iter_shape in (("softmax", (1,)), ("ovr", (3,))):
        clf = LogisticClassifier(strategy=strategy, l2=1e-2).fit(X, y)
        assert clf.classes_.tolist() == ["a", "b", "c"]
        assert clf.coef_.shape == (3, 2) and clf.intercept_.shape == (3,)
        assert clf.n_iter_.shape == n_iter_shape and clf.n_features_in_ == 2
        assert clf.score(X, y) > 0.95
        P = clf.predict_proba(X)
        np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
        np.testing.assert_array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(X))
        restored = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(restored.decision_function(X), clf.decision_function(X))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"optimizer": "sgd"}, "optimizer must be an optimizer name"),
        ({"l2": -1.0}, "l2 must be a finite number >= 0, got -1.0"),
        ({"iterations": 0}, "iterations must be an integer >= 1"),
        ({"iterations": 2.5}, "iterations must be an integer >= 1"),
        ({"lr": -0.1}, "lr must be None"),
        ({"strategy": "ova"}, "strategy must be 'softmax' or 'ovr'"),
        ({"tol": float("nan")}, "tol must be None or a finite number"),
        ({"gradient": "numeric"}, "gradient must be one of"),
    ],
)
def test_fit_validates_arguments_against_the_table(params, match) -> None:
    clf = LogisticClassifier(**params)  # __init__ only stores
    with pytest.raises(ConfigError, match=match):
        clf.fit(np.eye(4), [0, 1, 0, 1])


def test_predicting_before_fit_is_either_kind_of_not_fitted_error() -> None:
    from sklearn.exceptions import NotFittedError as SklearnNotFitted

    clf = LogisticClassifier()
    with pytest.raises(NotFittedError, match=r"not fitted yet; call fit\(X, y\)"):
        clf.predict(np.eye(2))
    with pytest.raises(SklearnNotFitted):
        clf.predict_proba(np.eye(2))


def test_an_optimizer_object_and_a_learning_rate_are_used() -> None:
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    clf = LogisticClassifier(optimizer=ml.optim.GradientDescent(0.5), iterations=7, tol=None)
    assert clf.fit(X, y).n_iter_.tolist() == [7]
    slow = LogisticClassifier(optimizer="gd", lr=1e-3, iterations=7, tol=None).fit(X, y)
    assert abs(slow.coef_[0, 0]) < abs(clf.coef_[0, 0])


def test_non_convergence_is_a_warning() -> None:
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 1, 0, 1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LogisticClassifier(optimizer="gd", iterations=2, tol=1e-12).fit(X, y)
    assert any(issubclass(w.category, ml.ConvergenceWarning) for w in caught)


def test_multiclass_metrics_agree_with_sklearn_metrics() -> None:
    from sklearn import metrics as skm

    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.uniform(size=200) < 0.7, y_true, rng.integers(0, 5, 200))  # 4 unseen
    for average in ("macro", "weighted"):
        for ours, theirs in (
            (ml.metrics.precision, skm.precision_score),
            (ml.metrics.recall, skm.recall_score),
            (ml.metrics.f1, skm.f1_score),
        ):
            expected = theirs(y_true, y_pred, average=average, zero_division=0)
            assert ours(y_true, y_pred, average=average) == pytest.approx(expected, rel=1e-12)
    report = ml.metrics.classification_report(y_true, y_pred)
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    np.testing.assert_allclose(report.iloc[:5][["precision", "recall", "f1"]], np.c_[p, r, f])
    np.testing.assert_array_equal(report["support"].iloc[:5], s)
    assert report.loc["macro avg", "f1"] == pytest.approx(np.mean(f))
    assert report.loc["weighted avg", "recall"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    with pytest.raises(ConfigError, match="average must be 'binary', 'macro' or 'weighted'"):
        ml.metrics.f1(y_true, y_pred, average="micro")
    # The binary API is unchanged: pos_label picks the class.
    assert ml.metrics.recall(y_true, y_pred, pos_label=2) == pytest.approx(r[2])
