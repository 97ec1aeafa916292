"""BinaryCrossEntropy: a stable value, the hand-derived Hessian, and the 1/L descent guarantee."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minilogit as ml
from minilogit._jax import load_jax
from minilogit._tree import norm
from minilogit.errors import ConfigError, DataError
from minilogit.losses import BinaryCrossEntropy, augmented_spectral_norm_sq
from minilogit.models import linear
from minilogit.objective import Objective


def _naive_value(params: dict, X: np.ndarray, y: np.ndarray, l2: float) -> float:
    """The article's formula with logs of probabilities: fine while the sigmoid is not saturated."""
    a = 1.0 / (1.0 + np.exp(-(X @ params["w"] + params["b"])))
    data = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return data + 0.5 * l2 * np.sum(params["w"] ** 2)


@given(data=st.data())
def test_value_equals_the_textbook_formula_where_that_is_safe(problems, data) -> None:
    p = data.draw(problems())
    if np.max(np.abs(linear(p["params"], p["X"]))) > 5.0:
        p["params"] = {k: v / 100.0 for k, v in p["params"].items()}
    value = BinaryCrossEntropy(p["l2"]).value(p["params"], p["X"], p["y"])
    expected = _naive_value(p["params"], p["X"], p["y"], p["l2"])
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_value_at_zero_parameters_is_log_2() -> None:
    X, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 1])
    value = BinaryCrossEntropy(3.0).value({"w": np.zeros(2), "b": np.zeros(())}, X, y)
    assert value == pytest.approx(np.log(2.0), rel=1e-15)


huge = st.floats(-1e100, 1e100, allow_nan=False)


@given(
    X=hnp.arrays(np.float64, (5, 2), elements=huge),
    y=hnp.arrays(np.float64, (5,), elements=st.sampled_from([0.0, 1.0])),
    w=hnp.arrays(np.float64, (2,), elements=huge),
    b=huge,
    l2=st.floats(0.0, 1e6),
)
def test_value_and_grad_are_finite_for_any_finite_input(X, y, w, b, l2) -> None:
    # |x w| <= 2e200 and l2 |w|^2 <= 1e206: every intermediate is representable, so a
    # non-finite result could only come from log(0) or exp overflow, which the loss avoids.
    params = {"w": w, "b": np.asarray(b)}
    loss = BinaryCrossEntropy(l2)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grads = loss.value_and_grad(params, X, y)
        assert np.isfinite(loss.value(params, X, y))
    assert np.isfinite(value)
    assert np.isfinite(grads["w"]).all() and np.isfinite(grads["b"])


@pytest.mark.parametrize("z", [-1e3, -40.0, 40.0, 1e3])
def test_value_of_saturated_logits_is_exact_where_naive_logs_fail(z) -> None:
    # One example with the wrong label at logit z costs log(1 + e^{|z|}) ~ |z|.
    X, y = np.ones((1, 1)), np.array([1.0 if z < 0 else 0.0])
    params = {"w": np.zeros(1), "b": np.asarray(z)}
    assert BinaryCrossEntropy().value(params, X, y) == pytest.approx(abs(z), rel=1e-12)
    if abs(z) >= 1e3:
        with np.errstate(all="ignore"):
            assert not np.isfinite(_naive_value(params, X, y, 0.0))


def test_value_runs_on_jax_arrays_and_agrees_with_numpy() -> None:
    jnp = load_jax().numpy
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 2, 7).astype(float)
    params = {"w": rng.normal(size=3), "b": np.asarray(0.4)}
    loss = BinaryCrossEntropy(0.2)
    on_jax = loss.value({k: jnp.asarray(v) for k, v in params.items()}, jnp.asarray(X), y)
    assert type(on_jax).__module__.startswith("jax")
    assert float(on_jax) == pytest.approx(loss.value(params, X, y), rel=1e-14)


@given(data=st.data())
def test_hessian_equals_jax_hessian(problems, jax_derivative, data) -> None:
    p = data.draw(problems())
    loss = BinaryCrossEntropy(p["l2"])
    H = loss.hessian(p["params"], p["X"], p["y"])
    n = p["X"].shape[1]
    assert H.shape == (n + 1, n + 1)
    # JAX nests the blocks as h[row][column]; ravel order puts the bias first.
    h = jax_derivative("hessian", loss, p["params"], p["X"], p["y"])
    expected = np.block(
        [
            [np.reshape(h["b"]["b"], (1, 1)), np.reshape(h["b"]["w"], (1, n))],
            [np.reshape(h["w"]["b"], (n, 1)), np.reshape(h["w"]["w"], (n, n))],
        ]
    )
    np.testing.assert_allclose(H, expected, rtol=1e-9, atol=1e-15)


@given(data=st.data())
@settings(max_examples=30)
def test_hessian_is_symmetric_psd_and_bounded_by_lipschitz(problems, data) -> None:
    p = data.draw(problems())
    loss = BinaryCrossEntropy(p["l2"])
    H = loss.hessian(p["params"], p["X"], p["y"])
    np.testing.assert_allclose(H, H.T, rtol=1e-14, atol=1e-300)
    eig = np.linalg.eigvalsh(H)
    L = loss.lipschitz(p["X"])
    assert eig[0] >= -1e-12 * L
    assert eig[-1] <= L * (1 + 1e-12)


def test_hessian_penalises_w_but_not_the_bias() -> None:
    X, y = np.eye(3), np.array([0.0, 1.0, 1.0])
    params = {"w": np.zeros(3), "b": np.zeros(())}
    diff = BinaryCrossEntropy(0.5).hessian(params, X, y) - BinaryCrossEntropy().hessian(
        params, X, y
    )
    np.testing.assert_allclose(diff, np.diag([0.0, 0.5, 0.5, 0.5]), atol=1e-15)


def test_lipschitz_is_tight_at_the_worst_parameters() -> None:
    # At w = 0, b = 0 every a(1 - a) = 1/4, so the Hessian reaches the bound exactly when l2 = 0.
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 2, 30).astype(float)
    loss = BinaryCrossEntropy()
    H = loss.hessian({"w": np.zeros(4), "b": np.zeros(())}, X, y)
    assert loss.lipschitz(X) == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-12)


def test_spectral_bound_above_4096_features_is_a_safe_upper_bound() -> None:
    X = np.random.default_rng(4).normal(size=(3, 4100))
    exact = np.linalg.norm(np.hstack([np.ones((3, 1)), X]), 2) ** 2
    assert exact <= augmented_spectral_norm_sq(X) <= 3 * exact


@pytest.mark.parametrize("l2", [-1.0, float("nan"), float("inf"), "0.1", None])
def test_bad_l2_is_a_config_error(l2) -> None:
    with pytest.raises(ConfigError, match="l2 must be a finite number >= 0"):
        BinaryCrossEntropy(l2)


def test_check_targets_names_the_first_bad_row() -> None:
    with pytest.raises(DataError, match=r"row 2 is .*2.*one_vs_rest"):
        BinaryCrossEntropy().check_targets(np.array([0, 1, 2, 1]))
    np.testing.assert_array_equal(BinaryCrossEntropy().check_targets([1, 0]), [1.0, 0.0])


# ---- the textbook guarantee: gradient descent with a step <= 1/L never increases the cost ----


@given(data=st.data(), lr_factor=st.sampled_from(["auto", 1.0, 0.25]))
@settings(max_examples=30)
def test_gradient_descent_with_lr_at_most_one_over_L_never_increases_the_cost(
    problems, data, lr_factor
) -> None:
    p = data.draw(problems(both_classes=True))
    X, y, params, loss = p["X"], p["y"], p["params"], BinaryCrossEntropy(p["l2"])
    L = loss.lipschitz(X)
    lr = "auto" if lr_factor == "auto" else lr_factor / L
    model = ml.Logistic(X.shape[1])
    model.params = {k: v.copy() for k, v in params.items()}
    history = ml.Trainer(model, loss, ml.optim.GradientDescent(lr)).fit(
        X, y, iterations=40, record_every=1
    )
    costs = [c for _, c in history.costs] + [history.final_cost]
    assert [i for i, _ in history.costs] == list(range(40))
    for before, after in itertools.pairwise(costs):
        # The value's own round-off is absolute, about ulp(|z|) <= 1e-12 for |z| <= 1e3.
        assert after <= before + 1e-12 * max(1.0, abs(before))
    # Sufficient decrease of the first step: J(theta_1) <= J(theta_0) - |g_0|^2 lr (1 - lr L / 2).
    step = 1.0 / L if lr == "auto" else lr
    g0 = norm(loss.grad(params, X, y))
    assert costs[1] <= costs[0] - g0**2 * step * (1 - step * L / 2) + 1e-12 * max(1, costs[0])


def test_every_gradient_descent_step_decreases_the_cost_by_the_textbook_amount(ones) -> None:
    train, _ = ones.split(0.2, seed=0)
    train = train.standardized()
    loss = BinaryCrossEntropy(1e-3)
    objective = Objective(loss, train.X, train.y.astype(float))
    opt = ml.optim.GradientDescent("auto")
    params, state = ml.Logistic(train.n).params, opt.init(None)
    L = objective.lipschitz
    cost, grads = objective.value_and_grad(params)
    costs = [cost]
    for _ in range(200):
        params, state = opt.update(params, grads, state, objective)
        new_cost, new_grads = objective.value_and_grad(params)
        assert new_cost <= cost - norm(grads) ** 2 / (2 * L) + 1e-13
        cost, grads = new_cost, new_grads
        costs.append(cost)
    # ... and the cost goes down as training proceeds: well below log 2 and still falling.
    assert costs[0] == pytest.approx(np.log(2))
    assert costs[-1] < 0.1 < costs[0]
    assert costs[-1] < costs[100] < costs[10]


@given(data=st.data(), t=st.sampled_from([0.0, 1e-3, 0.5, 1.0, 4.0, -2.0]))
def test_line_slice_equals_the_value_at_the_moved_point(problems, data, t) -> None:
    problem = data.draw(problems())
    params, X, y = problem["params"], problem["X"], problem["y"]
    loss = BinaryCrossEntropy(problem["l2"])
    direction = {"w": np.linspace(-1.0, 1.0, params["w"].size), "b": np.asarray(0.5)}
    moved = {k: params[k] + t * direction[k] for k in params}
    expected = loss.value(moved, X, y)
    assert loss.line(params, direction, X, y)(t) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_objective_line_counts_each_trial_as_a_value() -> None:
    X, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1.0, 0.0])
    params = {"w": np.zeros(2), "b": np.asarray(0.0)}
    objective = Objective(BinaryCrossEntropy(0.1), X, y)
    phi = objective.line(params, {"w": np.ones(2), "b": np.asarray(1.0)})
    phi(0.0), phi(1.0)
    assert objective.counts.value == 2
