"""`minilogit.classic`: the article's six functions, equal to the framework, free of its traps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minilogit as ml
from minilogit import classic
from minilogit.errors import DataWarning
from minilogit.metrics import accuracy


def _article_sigmoid(z: np.ndarray) -> np.ndarray:
    """The article's sigmoid, verbatim: overflows in `exp` for large negative `z`."""
    return 1 / (1 + np.exp(-z))


def _article_cost(A: np.ndarray, Y: np.ndarray) -> float:
    """The article's cost, verbatim: `log(0)` once the sigmoid saturates."""
    m = Y.shape[1]
    return float(-1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def _head_split(dataset: ml.Dataset) -> tuple[ml.Dataset, ml.Dataset]:
    """The article's split: the first 80% of rows train, the rest test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the sorted set's test part is one class
        return dataset.split_head(int(0.8 * dataset.m))


@pytest.fixture(params=["digits", "label-sorted"])
def article_split(request, ones, sorted_set) -> tuple[ml.Dataset, ml.Dataset]:
    dataset = ones if request.param == "digits" else sorted_set.one_vs_rest(1)
    return _head_split(dataset)


def test_model_gives_the_same_numbers_as_the_trainer(article_split) -> None:
    train, test = article_split
    # The article: 500 iterations, learning rate 0.005, zeros, no scaling, (n, m) layout.
    result = classic.model(
        train.X.T,
        train.y[None, :].astype(float),
        test.X.T,
        test.y[None, :].astype(float),
        num_iterations=500,
        learning_rate=0.005,
        verbose=False,
    )
    model = ml.Logistic(train.n)
    history = ml.Trainer(
        model, ml.losses.BinaryCrossEntropy(), ml.optim.GradientDescent(0.005)
    ).fit(train.X, train.y, iterations=500, record_every=100, eval_set=(test.X, test.y))
    assert [i for i, _ in history.costs] == [0, 100, 200, 300, 400]
    np.testing.assert_allclose(result["costs"], [c for _, c in history.costs], rtol=1e-12)
    assert result["costs"][-1] < result["costs"][0]
    assert result["w"].shape == (train.n, 1)
    np.testing.assert_allclose(result["w"].ravel(), model.params["w"], rtol=1e-12, atol=1e-15)
    assert float(result["b"]) == pytest.approx(float(model.params["b"]), rel=1e-12, abs=1e-15)
    np.testing.assert_array_equal(result["Y_prediction_train"].ravel(), model.predict(train.X))
    np.testing.assert_array_equal(result["Y_prediction_test"].ravel(), model.predict(test.X))
    train_acc = 100 * accuracy(train.y, model.predict(train.X))
    test_acc = 100 * accuracy(test.y, model.predict(test.X))
    assert result["train_accuracy"] == pytest.approx(train_acc, rel=1e-12)
    assert result["test_accuracy"] == pytest.approx(test_acc, rel=1e-12)
    assert result["learning_rate"] == 0.005 and result["num_iterations"] == 500


def test_model_prints_the_accuracies_like_the_article(capsys, sorted_set) -> None:
    train, test = _head_split(sorted_set.one_vs_rest(1))
    result = classic.model(
        train.X.T, train.y[None, :], test.X.T, test.y[None, :], 200, 0.1, print_cost=True
    )
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"cost after iteration {i}: {result['costs'][j]:.6f}" for j, i in [(0, 0), (1, 100)]
    ]
    assert out[2:] == [
        f"train accuracy: {result['train_accuracy']} %",
        f"test accuracy: {result['test_accuracy']} %",
    ]


def test_the_sorted_workbook_trap_a_constant_model_scores_100_percent(sorted_set) -> None:
    # The label-sorted set's last 20% hold no digit 1: "never a 1" is perfect on that test part.
    with pytest.warns(DataWarning, match=r"test part .* holds only label 0"):
        _, test = sorted_set.one_vs_rest(1).split_head(240)
    w, b = classic.initialize_with_zeros(test.n)
    never_a_one = classic.predict(w, b - 1.0, test.X.T)
    assert 100 * accuracy(test.y, never_a_one.ravel()) == 100.0


def test_initialize_with_zeros_shapes() -> None:
    w, b = classic.initialize_with_zeros(5)
    assert w.shape == (5, 1) and not w.any()
    assert b == 0.0 and isinstance(b, float)


def test_propagate_shapes_and_the_articles_formulas() -> None:
    rng = np.random.default_rng(0)
    n, m = 4, 9
    X, Y = rng.normal(size=(n, m)), rng.integers(0, 2, (1, m)).astype(float)
    w, b = rng.normal(size=(n, 1)), 0.3
    grads, cost = classic.propagate(w, b, X, Y)
    assert grads["dw"].shape == (n, 1)
    assert isinstance(grads["db"], float) and isinstance(cost, float)
    # The article's lines, with the code lost from its page restored.
    A = _article_sigmoid(np.dot(w.T, X) + b)
    np.testing.assert_allclose(grads["dw"], 1 / m * np.dot(X, (A - Y).T), rtol=1e-12)
    assert grads["db"] == pytest.approx(1 / m * np.sum(A - Y), rel=1e-12)
    assert cost == pytest.approx(_article_cost(A, Y), rel=1e-12)


def test_optimize_records_the_cost_every_100_iterations(capsys, sorted_set) -> None:
    train, _ = _head_split(sorted_set.one_vs_rest(1))
    w, b = classic.initialize_with_zeros(train.n)
    params, grads, costs = classic.optimize(w, b, train.X.T, train.y[None, :], 250, 0.1, True)
    assert len(costs) == 3 and costs[0] == pytest.approx(np.log(2))
    assert costs == sorted(costs, reverse=True)
    assert params["w"].shape == (train.n, 1) and grads["dw"].shape == (train.n, 1)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"cost after iteration {i}: {c:.6f}" for i, c in zip((0, 100, 200), costs, strict=True)
    ]


def test_predict_returns_a_row_of_zeros_and_ones() -> None:
    X = np.array([[1.0, -1.0, 0.0], [2.0, 0.5, 0.0]])
    prediction = classic.predict(np.array([[1.0], [1.0]]), 0.0, X)
    assert prediction.shape == (1, 3)
    np.testing.assert_array_equal(prediction, [[1.0, 0.0, 0.0]])  # sigma(0) = 0.5 is not > 0.5


def test_sigmoid_is_stable_where_the_articles_overflows() -> None:
    z = np.array([-1e3, -40.0, 0.0, 40.0, 1e3])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = classic.sigmoid(z)
    np.testing.assert_allclose(s, [0.0, np.exp(-40.0), 0.5, 1.0, 1.0], rtol=1e-12, atol=0)
    with pytest.warns(RuntimeWarning, match="overflow"):
        _article_sigmoid(np.array([-1e3]))


def test_stable_cost_stays_finite_where_the_articles_log_gives_nan(ones) -> None:
    # A large learning rate on raw pixels (0..16) saturates the sigmoid within a few steps.
    train, _ = _head_split(ones)
    X, Y = train.X.T, train.y[None, :].astype(float)
    w, b = classic.initialize_with_zeros(train.n)
    params, _, costs = classic.optimize(w, b, X, Y, num_iterations=201, learning_rate=50.0)
    assert np.isfinite(costs).all()
    _, cost = classic.propagate(params["w"], params["b"], X, Y)
    assert np.isfinite(cost)
    with np.errstate(all="ignore"):
        A = _article_sigmoid(np.dot(params["w"].T, X) + params["b"])
        assert ((A == 0.0) | (A == 1.0)).any()  # saturated: log(0) is -inf, 0 * -inf is nan
        assert np.isnan(_article_cost(A, Y))
