"""OneVsRest: one binary logistic model per class, Ng's recipe for the ten digits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minilogit as ml
from minilogit.errors import ConfigError, DataError
from minilogit.losses import BinaryCrossEntropy
from minilogit.multiclass import total_history


@pytest.fixture(scope="module")
def small(digits) -> tuple[ml.Dataset, ml.Dataset]:
    train, test = digits.split(0.2, seed=0)
    return train.standardized(), test.standardized(reference=train)


def test_each_column_is_the_binary_model_for_its_class(small) -> None:
    train, _ = small
    classes = [3, 5, 8]
    rows = np.isin(train.y, classes)
    X, y = train.X[rows], train.y[rows]
    model = ml.OneVsRest(train.n, classes)
    histories = model.fit(X, y, ml.optim.GradientDescent("auto"), l2=0.01, iterations=30)
    assert len(histories) == 3
    for c, label in enumerate(classes):
        alone = ml.Logistic(train.n)
        ml.Trainer(alone, BinaryCrossEntropy(0.01), ml.optim.GradientDescent("auto")).fit(
            X, (y == label).astype(int), iterations=30
        )
        np.testing.assert_array_equal(model.params["w"][:, c], alone.params["w"])
        assert model.params["b"][c] == alone.params["b"]
        np.testing.assert_array_equal(model.binary(c).params["w"], alone.params["w"])


def test_ten_digits_one_vs_rest_with_lbfgs(small) -> None:
    train, test = small
    model = ml.OneVsRest(train.n, range(10))
    histories = model.fit(
        train.X, train.y, ml.optim.make("lbfgs"), l2=1.0 / train.m, iterations=300, tol=1e-6
    )
    assert all(h.converged for h in histories)
    accuracy = ml.metrics.accuracy(test.y, model.predict(test.X))
    assert accuracy > 0.93
    total = total_history(histories)
    assert total.final_cost == pytest.approx(sum(h.final_cost for h in histories))
    assert total.costs[0] == (0, pytest.approx(10 * np.log(2.0)))
    assert total.iterations == max(h.iterations for h in histories)
    assert total.stop_reason in ("tol", "loss_change")


def test_a_factory_gives_each_class_a_fresh_optimizer(small) -> None:
    train, _ = small
    made = []

    def factory():
        made.append(ml.optim.GradientDescent(0.1))
        return made[-1]

    model = ml.OneVsRest(train.n, range(10))
    model.fit(train.X, train.y, factory, iterations=3)
    assert len(made) == 10 and len({id(o) for o in made}) == 10


def test_labels_can_be_anything_and_eval_set_is_relabelled() -> None:
    rng = np.random.default_rng(0)
    centers = np.array([[3.0, 0.0], [0.0, 3.0], [-3.0, -3.0]])
    labels = np.array(["red", "green", "blue"])
    which = rng.integers(0, 3, 90)
    X, y = centers[which] + rng.normal(size=(90, 2)), labels[which]
    model = ml.OneVsRest(2, labels)
    histories = model.fit(
        X, y, ml.optim.GradientDescent("auto"), iterations=200, eval_set=(X[:30], y[:30])
    )
    assert np.mean(model.predict(X) == y) > 0.95
    assert all(h.eval_accuracy[-1][1] > 0.9 for h in histories)


@given(
    Z=hnp.arrays(np.float64, (6, 4), elements=st.floats(-1e3, 1e3)),
)
def test_probabilities_are_finite_and_sum_to_one_for_extreme_logits(Z) -> None:
    model = ml.OneVsRest(4, 4)
    model.params = {"w": np.eye(4), "b": np.zeros(4)}
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = model.predict_proba(Z)
    assert np.isfinite(P).all() and (P >= 0).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)


def test_probabilities_keep_the_order_of_the_binary_scores() -> None:
    model = ml.OneVsRest(1, 3)
    model.params = {"w": np.array([[1.0, 2.0, -1.0]]), "b": np.array([0.0, -1.0, 0.5])}
    X = np.linspace(-3, 3, 13)[:, None]
    P = model.predict_proba(X)
    sig = 1.0 / (1.0 + np.exp(-model.decision_function(X)))
    np.testing.assert_allclose(P, sig / sig.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes[P.argmax(axis=1)])


def test_errors_name_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match="at least two labels"):
        ml.OneVsRest(2, [7])
    with pytest.raises(ConfigError, match="distinct"):
        ml.OneVsRest(2, [1, 1, 2])
    model = ml.OneVsRest(2, [1, 2])
    with pytest.raises(DataError, match="y row 2 is 3, which is not one of the classes"):
        model.fit(np.ones((3, 2)), np.array([1, 2, 3]), ml.optim.GradientDescent())
    with pytest.raises(ConfigError, match="at least one History"):
        total_history([])
    assert repr(model) == "OneVsRest(2, [1, 2])"
