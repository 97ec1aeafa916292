"""Trainer.fit and History: what is recorded, why training stops, and what it refuses."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

import minilogit as ml
from minilogit._tree import norm
from minilogit.errors import ConfigError, ConvergenceWarning, DataError, DivergenceError
from minilogit.losses import BinaryCrossEntropy
from minilogit.optim import GradientDescent, StopTraining
from minilogit.train import STOP_REASONS


@pytest.fixture(scope="module")
def split(ones) -> tuple[ml.Dataset, ml.Dataset]:
    """ "Is it a 1?" on the embedded digits, stratified, standardized with the training stats."""
    train, test = ones.split(0.2, seed=0)
    return train.standardized(), test.standardized(reference=train)


def _trainer(n: int, lr: Any = "auto", **options: Any) -> ml.Trainer:
    return ml.Trainer(ml.Logistic(n), BinaryCrossEntropy(), GradientDescent(lr), **options)


def test_history_records_the_articles_points(split) -> None:
    train, test = split
    trainer = _trainer(train.n)
    history = trainer.fit(train.X, train.y, iterations=500, eval_set=(test.X, test.y))
    points = [0, 100, 200, 300, 400]
    assert [i for i, _ in history.costs] == points
    assert history.costs[0][1] == pytest.approx(np.log(2), rel=1e-15)
    costs = [c for _, c in history.costs] + [history.final_cost]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) == len(costs)
    assert [i for i, _ in history.train_accuracy] == points
    assert [i for i, _ in history.eval_accuracy] == points
    assert [i for i, _ in history.eval_costs] == points
    assert history.eval_accuracy[0][1] == pytest.approx(1 - test.y.mean())  # all "not a 1"
    assert history.eval_accuracy[-1][1] > 0.95
    assert all(0 <= a <= 1 for _, a in history.train_accuracy)
    assert history.iterations == 500 and history.stop_reason == "iterations"
    assert not history.converged
    loss = BinaryCrossEntropy()
    assert history.final_cost == pytest.approx(loss.value(history.params, train.X, train.y))
    assert history.grad_norm == pytest.approx(norm(loss.grad(history.params, train.X, train.y)))
    assert history.seconds >= 0
    # one value and gradient per step plus the final ones, plus a value per recorded eval cost
    assert history.evaluations.grad == 501
    assert trainer.model.params is not history.params
    np.testing.assert_array_equal(trainer.model.params["w"], history.params["w"])


def test_history_to_frame(split) -> None:
    train, test = split
    history = _trainer(train.n).fit(
        train.X, train.y, iterations=30, record_every=10, eval_set=(test.X, test.y)
    )
    frame = history.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.name == "iteration" and frame.index.tolist() == [0, 10, 20]
    assert frame.columns.tolist()[:4] == ["cost", "train_accuracy", "eval_accuracy", "eval_cost"]
    assert frame["cost"].tolist() == [c for _, c in history.costs]
    assert frame["eval_accuracy"].tolist() == [a for _, a in history.eval_accuracy]
    no_eval = _trainer(train.n).fit(train.X, train.y, iterations=3, record_every=1).to_frame()
    assert no_eval.columns.tolist()[:2] == ["cost", "train_accuracy"]
    assert "eval_accuracy" not in no_eval.columns
    assert no_eval.index.tolist() == [0, 1, 2]


def test_fit_continues_from_the_models_parameters(split) -> None:
    train, _ = split
    once = _trainer(train.n)
    once.fit(train.X, train.y, iterations=40)
    twice = _trainer(train.n)
    twice.fit(train.X, train.y, iterations=20)
    history = twice.fit(train.X, train.y, iterations=20)
    np.testing.assert_array_equal(once.model.params["w"], twice.model.params["w"])
    assert history.costs[0][1] < np.log(2)


def test_tol_stops_training_once_the_gradient_is_small(split) -> None:
    train, _ = split
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = _trainer(train.n).fit(train.X, train.y, iterations=5000, tol=0.02)
    assert history.stop_reason == "tol" and history.converged
    assert 0 < history.iterations < 5000
    assert history.grad_norm <= 0.02
    assert STOP_REASONS[history.stop_reason] == "gradient norm fell below tol"


def test_unreached_tol_is_a_convergence_warning(split) -> None:
    train, _ = split
    with pytest.warns(ConvergenceWarning, match=r"did not converge: gradient norm .* > tol=1e-09"):
        history = _trainer(train.n).fit(train.X, train.y, iterations=20, tol=1e-9)
    assert history.stop_reason == "iterations" and history.iterations == 20


def test_a_learning_rate_that_overflows_the_parameters_raises_divergence(split) -> None:
    train, _ = split
    with (
        np.errstate(all="ignore"),
        pytest.raises(DivergenceError, match=r"cost became (nan|inf) at iteration 1 .*smaller"),
    ):
        _trainer(train.n, lr=1e308).fit(train.X, train.y, iterations=10)


class _State(NamedTuple):
    count: int
    converged: bool = False


class _Scripted:
    """A test optimizer: gradient descent that does something scripted at step `at`."""

    def __init__(self, at: int, action: str) -> None:
        self.at, self.action = at, action

    def init(self, params: dict) -> _State:
        return _State(0)

    def update(self, params, grads, state, objective=None):
        if state.count == self.at and self.action == "stop":
            raise StopTraining("line_search", "no step decreased the cost")
        new = {k: p - 0.1 * grads[k] for k, p in params.items()}
        if state.count == self.at and self.action == "nan":
            new["b"] = np.asarray(np.nan)
        return new, _State(state.count + 1, state.count == self.at and self.action == "converge")


def test_a_nan_parameter_raises_divergence_naming_the_iteration(split) -> None:
    train, _ = split
    trainer = ml.Trainer(ml.Logistic(train.n), BinaryCrossEntropy(), _Scripted(3, "nan"))
    with (
        np.errstate(invalid="ignore"),
        pytest.raises(DivergenceError, match=r"cost became nan at iteration 4 .*lr='auto'"),
    ):
        trainer.fit(train.X, train.y, iterations=10)


def test_an_optimizer_giving_up_stops_with_its_reason_and_a_warning(split) -> None:
    train, _ = split
    trainer = ml.Trainer(ml.Logistic(train.n), BinaryCrossEntropy(), _Scripted(5, "stop"))
    with pytest.warns(ConvergenceWarning, match="no step decreased the cost"):
        history = trainer.fit(train.X, train.y, iterations=10)
    assert history.stop_reason == "line_search" and history.iterations == 5
    assert not history.converged


def test_an_optimizer_state_that_says_converged_stops_training(split) -> None:
    train, _ = split
    trainer = ml.Trainer(ml.Logistic(train.n), BinaryCrossEntropy(), _Scripted(5, "converge"))
    history = trainer.fit(train.X, train.y, iterations=10)
    assert history.stop_reason == "loss_change" and history.iterations == 6
    assert history.converged


def test_autodiff_training_matches_analytic_training(split) -> None:
    train, test = split
    analytic, autodiff = _trainer(train.n), _trainer(train.n, gradient="autodiff")
    h1 = analytic.fit(train.X, train.y, iterations=150, eval_set=(test.X, test.y))
    h2 = autodiff.fit(train.X, train.y, iterations=150, eval_set=(test.X, test.y))
    scale = np.abs(h1.params["w"]).max()
    np.testing.assert_allclose(h2.params["w"], h1.params["w"], rtol=0, atol=1e-12 * scale)
    assert float(h2.params["b"]) == pytest.approx(float(h1.params["b"]), abs=1e-12 * scale)
    np.testing.assert_allclose([c for _, c in h2.costs], [c for _, c in h1.costs], rtol=1e-12)
    assert h2.eval_accuracy == h1.eval_accuracy


def test_mini_batches_are_reproducible_with_the_same_seed(split) -> None:
    train, _ = split

    def run(seed: int) -> ml.History:
        return _trainer(train.n, lr=0.1).fit(
            train.X, train.y, iterations=120, batch_size=64, seed=seed, record_every=40
        )

    first, again, other = run(3), run(3), run(4)
    np.testing.assert_array_equal(first.params["w"], again.params["w"])
    assert first.params["b"] == again.params["b"] and first.costs == again.costs
    assert not np.array_equal(first.params["w"], other.params["w"])
    # recorded costs are full-data costs, not the noisy batch ones
    assert first.costs[0] == (0, pytest.approx(np.log(2)))
    loss = BinaryCrossEntropy()
    assert first.final_cost == pytest.approx(loss.value(first.params, train.X, train.y))
    assert first.costs[-1][1] < first.costs[0][1]


def test_tol_met_by_the_last_step_counts_as_converged(split) -> None:
    # The loop checks tol before each step; the parameters after the last one count too.
    train, _ = split
    reference = _trainer(train.n).fit(train.X, train.y, iterations=60)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = _trainer(train.n).fit(
            train.X, train.y, iterations=60, tol=reference.grad_norm * (1 + 1e-9)
        )
    assert history.stop_reason == "tol" and history.iterations == 60


def test_mini_batch_training_checks_tol_on_the_full_data_at_recorded_points(split) -> None:
    train, _ = split
    loss = BinaryCrossEntropy()
    options = {"iterations": 2000, "batch_size": 128, "record_every": 50}
    history = _trainer(train.n, lr=0.5).fit(train.X, train.y, tol=0.05, **options)
    assert history.stop_reason == "tol"
    assert 0 < history.iterations < 2000 and history.iterations % 50 == 0
    assert norm(loss.grad(history.params, train.X, train.y)) <= 0.05
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        _trainer(train.n, lr=0.5).fit(train.X, train.y, tol=1e-12, **{**options, "iterations": 20})


def test_a_one_class_training_set_is_a_data_error(split) -> None:
    train, _ = split
    with pytest.raises(DataError, match=r"training labels are all 0.*both classes"):
        _trainer(train.n).fit(train.X, np.zeros(train.m))


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.ones((4, 3)), [0, 1, 0, 1], r"training X has 3 features but the model was built for 2"),
        (np.ones(4), [0, 1, 0, 1], r"training X must be 2-D"),
        ([[0.0, np.nan]] * 4, [0, 1, 0, 1], r"training X holds non-finite values"),
        (np.ones((4, 2)), [0, 1, 0], r"training y has shape \(3,\); expected \(4,\)"),
        (np.ones((4, 2)), [0, 1, 2, 1], r"training y .* row 2 is .*2.*one_vs_rest"),
    ],
)
def test_bad_training_data_is_a_data_error(X, y, message) -> None:
    with pytest.raises(DataError, match=message):
        _trainer(2).fit(X, np.asarray(y), iterations=1)


def test_a_bad_eval_set_is_a_data_error() -> None:
    X, y = np.eye(4, 2), np.array([0, 1, 0, 1])
    with pytest.raises(DataError, match="eval_set X has 3 features"):
        _trainer(2).fit(X, y, iterations=1, eval_set=(np.ones((2, 3)), np.array([0, 1])))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"iterations": 0}, r"iterations must be a positive integer, got 0"),
        ({"iterations": -5}, r"iterations must be a positive integer, got -5"),
        ({"iterations": 2.5}, r"iterations must be a positive integer, got 2.5"),
        ({"iterations": True}, r"iterations must be a positive integer, got True"),
        ({"iterations": "10"}, r"iterations must be a positive integer, got '10'"),
        ({"record_every": 0}, r"record_every must be a positive integer, got 0"),
        ({"batch_size": 0}, r"batch_size must be a positive integer, got 0"),
        ({"batch_size": 5}, r"batch_size=5 exceeds the 4 training rows"),
        ({"tol": -1.0}, r"tol must be a finite number >= 0 or None, got -1.0"),
        ({"tol": float("nan")}, r"tol must be a finite number >= 0 or None, got nan"),
        ({"tol": float("inf")}, r"tol must be a finite number >= 0 or None, got inf"),
    ],
)
def test_bad_fit_options_are_config_errors(options, message) -> None:
    X, y = np.eye(4, 2), np.array([0, 1, 0, 1])
    with pytest.raises(ConfigError, match=message):
        _trainer(2).fit(X, y, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"gradient": "numeric"}, r"gradient must be one of \('analytic', 'autodiff'\)"),
        ({"backend": "cuda"}, r"backend must be one of .*got 'cuda'"),
        ({"dtype": "float16"}, r"dtype must be one of .*got 'float16'"),
    ],
)
def test_bad_trainer_options_are_config_errors(options, message) -> None:
    with pytest.raises(ConfigError, match=message):
        _trainer(2, **options)


def test_an_object_without_init_and_update_is_not_an_optimizer() -> None:
    with pytest.raises(ConfigError, match=r"has no init/update methods.*from_optax"):
        ml.Trainer(ml.Logistic(2), BinaryCrossEntropy(), "gd")


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "fast", True])
def test_bad_learning_rates_are_config_errors(lr) -> None:
    with pytest.raises(ConfigError, match="lr must be a positive"):
        GradientDescent(lr)


def test_progress_bar_goes_to_stderr(split, capsys) -> None:
    train, _ = split
    _trainer(train.n).fit(train.X, train.y, iterations=5, record_every=1, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "/5 [" in err
