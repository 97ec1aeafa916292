"""The classic derivation mistakes: correct value, wrong gradient, each one detectable."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minilogit as ml
from minilogit.errors import ConfigError, DataError
from minilogit.gradients import relative_error
from minilogit.models import sigmoid
from minilogit.mutations import MUTATIONS, Mutated


def _problem(kind: str, m: int, seed: int = 0) -> tuple:
    """A seeded problem with random non-zero parameters; `m` rows and `m` features (square)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, m))
    if kind == "binary":
        y = rng.integers(0, 2, m)
        params = {"w": rng.normal(0, 1 / np.sqrt(m), m), "b": np.asarray(0.7)}
        return ml.losses.BinaryCrossEntropy(l2=0.1), params, X, y
    k = 3
    y = rng.integers(0, k, m)
    params = {"w": rng.normal(0, 1 / np.sqrt(m), (m, k)), "b": np.array([0.6, -0.9, 1.2])}
    return ml.losses.CrossEntropy(l2=0.1), params, X, y


@pytest.mark.parametrize("kind", ["binary", "softmax"])
@pytest.mark.parametrize("m", [5, 12])
@pytest.mark.parametrize("bug", list(MUTATIONS))
def test_value_is_untouched_and_the_gradient_is_clearly_wrong(bug: str, m: int, kind: str) -> None:
    loss, params, X, y = _problem(kind, m)
    bad = Mutated(loss, bug)
    assert bad.value(params, X, y) == loss.value(params, X, y)
    good, wrong = loss.grad(params, X, y), bad.grad(params, X, y)
    assert {k: np.shape(v) for k, v in wrong.items()} == {k: np.shape(v) for k, v in good.items()}
    worst = max(relative_error(good[k], wrong[k]) for k in good)
    assert worst > 1e-2, f"{bug} would pass a gradient check ({worst:.1e})"
    value, grads = bad.value_and_grad(params, X, y)
    assert value == pytest.approx(loss.value(params, X, y))
    assert all(np.array_equal(grads[k], wrong[k]) for k in wrong)


def test_each_mistake_computes_what_the_student_wrote() -> None:
    rng = np.random.default_rng(1)
    m = 6
    X, y = rng.normal(size=(m, m)), rng.integers(0, 2, m).astype(float)
    params = {"w": rng.normal(size=m), "b": np.asarray(-0.4)}
    l2 = 0.3
    loss = ml.losses.BinaryCrossEntropy(l2=l2)
    a = sigmoid(X @ params["w"] + params["b"])
    good = loss.grad(params, X, y)

    def grad(bug: str) -> dict:
        return Mutated(loss, bug).grad(params, X, y)

    np.testing.assert_allclose(grad("missing-mean")["w"], X.T @ (a - y) + l2 * params["w"])
    np.testing.assert_allclose(grad("missing-mean")["b"], np.sum(a - y))
    np.testing.assert_allclose(grad("penalize-bias")["b"], good["b"] + l2 * params["b"])
    np.testing.assert_allclose(grad("penalize-bias")["w"], good["w"])
    np.testing.assert_allclose(grad("flip-sign")["w"], X.T @ (y - a) / m + l2 * params["w"])
    np.testing.assert_allclose(grad("transpose")["w"], X @ (a - y) / m + l2 * params["w"])
    np.testing.assert_allclose(grad("transpose")["b"], good["b"])
    dz = (a - y) / (a * (1 - a))
    np.testing.assert_allclose(grad("drop-sigmoid-derivative")["b"], np.mean(dz))


def test_softmax_transpose_is_the_reshaped_k_by_n_product() -> None:
    loss, params, X, y = _problem("softmax", 5)
    A = ml.multiclass.softmax(X @ params["w"] + params["b"])
    R = A - np.eye(3)[y]
    got = Mutated(loss, "transpose").grad(params, X, y)["w"]
    np.testing.assert_allclose(got, (R.T @ X).reshape(5, 3) / 5 + 0.1 * params["w"])


@given(data=st.data())
@settings(max_examples=25)
def test_value_matches_the_loss_on_any_problem(problems, data: st.DataObject) -> None:
    problem = data.draw(problems())
    loss = ml.losses.BinaryCrossEntropy(l2=problem["l2"])
    args = problem["params"], problem["X"], problem["y"]
    for bug in MUTATIONS:
        if bug == "penalize-bias" and problem["l2"] == 0:
            continue
        assert Mutated(loss, bug).value(*args) == loss.value(*args)


def test_transpose_needs_a_square_binary_batch() -> None:
    loss, params, X, y = _problem("binary", 4)
    params = {"w": np.ones(3), "b": np.asarray(0.0)}
    with pytest.raises(DataError, match="needs a square batch, got X of shape"):
        Mutated(loss, "transpose").grad(params, X[:, :3], y)


def test_penalize_bias_needs_a_penalty() -> None:
    with pytest.raises(ConfigError, match="invisible without a penalty"):
        Mutated(ml.losses.BinaryCrossEntropy(), "penalize-bias")


def test_unknown_mistake_is_named() -> None:
    with pytest.raises(ConfigError, match="unknown mutation 'nope'; choose one of missing-mean"):
        Mutated(ml.losses.BinaryCrossEntropy(), "nope")


def test_training_with_a_flipped_sign_climbs_the_cost(ones: ml.Dataset) -> None:
    data = ones.standardized()
    model = ml.Logistic(data.n)
    bad = Mutated(ml.losses.BinaryCrossEntropy(), "flip-sign")
    history = ml.Trainer(model, bad, ml.optim.GradientDescent(0.05)).fit(
        data.X, data.y, iterations=20, record_every=5
    )
    costs = [c for _, c in history.costs]
    assert costs == sorted(costs) and history.final_cost > costs[0] + 0.1
