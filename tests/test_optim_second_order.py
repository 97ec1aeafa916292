"""Newton and L-BFGS: the scikit-learn optimum, quadratic convergence, safe failure."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minilogit as ml
from minilogit import optim
from minilogit._tree import norm, ravel
from minilogit.errors import ConfigError, ConvergenceWarning
from minilogit.losses import BinaryCrossEntropy
from minilogit.objective import Objective
from minilogit.optim.lbfgs import two_loop
from minilogit.optim.line_search import backtracking, strong_wolfe


@pytest.fixture(scope="module")
def standardized_ones(ones) -> ml.Dataset:
    return ones.standardized()


@pytest.fixture(scope="module", params=[1.0, 0.05])
def sklearn_optimum(request, standardized_ones):
    """scikit-learn's answer for `C`, and the loss it minimises in minilogit's scaling."""
    from sklearn.linear_model import LogisticRegression

    C, data = request.param, standardized_ones
    clf = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(data.X, data.y)
    loss = BinaryCrossEntropy(l2=1.0 / (C * data.m))
    params = {"w": clf.coef_[0], "b": np.asarray(clf.intercept_[0])}
    return loss, params, loss.value(params, data.X, data.y)


@pytest.mark.parametrize(
    "optimizer", [optim.Newton(), optim.LBFGS()], ids=lambda opt: type(opt).__name__
)
def test_reaches_the_sklearn_optimum(optimizer, sklearn_optimum, standardized_ones):
    loss, reference, best = sklearn_optimum
    data = standardized_ones
    model = ml.Logistic(data.n)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = ml.Trainer(model, loss, optimizer).fit(data.X, data.y, iterations=1000)
    assert history.stop_reason == "loss_change"
    assert abs(history.final_cost - best) <= 1e-8 * best
    assert np.abs(ravel(history.params) - ravel(reference)).max() <= 1e-5
    assert history.iterations < (15 if isinstance(optimizer, optim.Newton) else 300)


@st.composite
def strongly_convex(draw: st.DrawFn) -> Objective:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    m, n = draw(st.sampled_from([(30, 2), (60, 5)]))
    X = rng.normal(size=(m, n)) * draw(st.sampled_from([0.5, 1.0, 3.0]))
    y = (rng.random(m) < 0.5).astype(float)
    y[:2] = [0.0, 1.0]
    return Objective(BinaryCrossEntropy(l2=0.1), X, y)


@settings(max_examples=25)
@given(objective=strongly_convex())
def test_newton_converges_quadratically(objective):
    n = objective.X.shape[1]
    newton = optim.Newton(tol=0.0)
    params, state, norms = {"w": np.zeros(n), "b": np.asarray(0.0)}, newton.init(None), []
    for _ in range(10):
        grads = objective.grad(params)
        norms.append(norm(grads))
        if norms[-1] < 1e-14:
            break
        params, state = newton.update(params, grads, state, objective)
    assert norms[-1] < 1e-14, norms
    # Once small (and above the float64 floor) the gradient norm at least squares each step.
    pairs = [(a, b) for a, b in itertools.pairwise(norms) if a < 1e-3 and b > 1e-14]
    assert all(b <= 10 * a**2 for a, b in pairs), norms


def test_newton_never_diverges_on_separable_data():
    X = np.array([[-2.0, 1.0], [-1.0, 0.5], [1.0, -0.3], [2.0, 0.1]])
    y = np.array([0.0, 0.0, 1.0, 1.0])  # separable: without a penalty the optimum is at infinity
    model = ml.Logistic(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        history = ml.Trainer(model, BinaryCrossEntropy(), optim.Newton()).fit(
            X, y, iterations=60, record_every=1
        )
    costs = [c for _, c in history.costs] + [history.final_cost]
    assert np.isfinite(costs).all() and np.isfinite(ravel(history.params)).all()
    assert all(b <= a for a, b in itertools.pairwise(costs))
    assert history.final_cost < 1e-6
    assert history.stop_reason in ("loss_change", "line_search", "iterations")


class WrongSignLoss(BinaryCrossEntropy):
    """A deliberately broken gradient: every step an optimizer takes goes uphill."""

    def value_and_grad(self, params, X, y):
        value, grads = super().value_and_grad(params, X, y)
        return value, {k: -g for k, g in grads.items()}


@pytest.mark.parametrize("optimizer", [optim.Newton(), optim.LBFGS()], ids=["Newton", "LBFGS"])
def test_failed_line_search_stops_with_a_warning(optimizer, sorted_set):
    data = sorted_set.one_vs_rest(1).standardized()
    trainer = ml.Trainer(ml.Logistic(data.n), WrongSignLoss(l2=0.01), optimizer)
    with pytest.warns(ConvergenceWarning, match="no step|no decrease"):
        history = trainer.fit(data.X, data.y, iterations=50)
    assert history.stop_reason == "line_search"
    assert not history.converged
    assert history.final_cost <= np.log(2)


def test_not_converged_warns_for_optimizers_with_a_tolerance(sorted_set):
    data = sorted_set.one_vs_rest(1).standardized()
    trainer = ml.Trainer(ml.Logistic(data.n), BinaryCrossEntropy(l2=0.01), optim.LBFGS())
    with pytest.warns(ConvergenceWarning, match=r"LBFGS.*had not met its tolerance after 2"):
        history = trainer.fit(data.X, data.y, iterations=2)
    assert history.stop_reason == "iterations"


def test_line_searches_on_a_parabola():
    t, value = backtracking(lambda t: (t - 0.3) ** 2, 0.09, -0.6)
    assert t == 0.5 and value == pytest.approx(0.04)
    # With a strict curvature condition the step must grow past 1 to the flat part near 3.
    parabola = lambda t: ((t - 3.0) ** 2, 2 * (t - 3.0))  # noqa: E731
    for c2 in (0.9, 0.5, 0.1, 0.01):
        t, value, slope = strong_wolfe(parabola, 9.0, -6.0, c2=c2)
        assert abs(slope) <= c2 * 6.0 and value <= 9.0 - 1e-4 * t * 6.0
    with pytest.raises(optim.StopTraining, match="strong Wolfe") as caught:
        strong_wolfe(lambda t: (1.0 + t, 1.0), 1.0, -1.0)
    assert caught.value.reason == "line_search"


def test_two_loop_satisfies_the_secant_equation():
    """BFGS's defining property: the inverse-Hessian estimate maps the newest y to its s."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 5))
    H = A @ A.T + 5 * np.eye(5)  # a quadratic's Hessian: y = H s for every pair
    s = rng.normal(size=(3, 5))
    y = s @ H
    assert two_loop(y[-1], s, y) == pytest.approx(s[-1], rel=1e-10)
    g = rng.normal(size=5)
    assert g @ two_loop(g, s, y) > 0  # positive definite: -two_loop(g) is a descent direction
    assert two_loop(g, np.empty((0, 5)), np.empty((0, 5))) == pytest.approx(g)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: optim.Newton(lr=0), "Newton's lr"),
        (lambda: optim.Newton(tol=-1.0), "Newton's tol"),
        (lambda: optim.LBFGS(memory=0), "memory"),
        (lambda: optim.LBFGS(tol=2.0), "LBFGS tol"),
        (lambda: optim.make("newton", lr="auto"), "Newton's lr"),
    ],
)
def test_bad_settings_are_config_errors(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_second_order_methods_need_the_objective():
    params = {"w": np.zeros(2), "b": np.asarray(0.0)}
    for opt in (optim.Newton(), optim.LBFGS()):
        with pytest.raises(ConfigError, match="objective"):
            opt.update(params, params, opt.init(params))


# A stale factor's stopping test is not followed by a squaring step, so the lazy options get
# the tighter tol their docstring recommends for the default's final accuracy.
LAZY_OPTIONS = [
    {"hessian_every": 3, "tol": 1e-13},
    {"expand": True},
    {"hessian_every": 4, "expand": True, "tol": 1e-13},
]


@pytest.mark.parametrize("options", LAZY_OPTIONS, ids=lambda o: ",".join(map(str, o.items())))
def test_newton_options_reach_the_sklearn_optimum(options, sklearn_optimum, standardized_ones):
    loss, reference, best = sklearn_optimum
    data = standardized_ones
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = ml.Trainer(ml.Logistic(data.n), loss, optim.Newton(**options)).fit(
            data.X, data.y, iterations=1000
        )
    assert history.stop_reason == "loss_change"
    assert abs(history.final_cost - best) <= 1e-8 * best
    assert np.abs(ravel(history.params) - ravel(reference)).max() <= 1e-5
    assert history.iterations < 40
    if options.get("hessian_every", 1) > 1:  # the point of the option: fewer Hessians than steps
        assert history.evaluations.hessian < history.iterations


def test_default_newton_forms_a_hessian_every_step(standardized_ones):
    data = standardized_ones
    objective = Objective(BinaryCrossEntropy(l2=0.01), data.X, data.y)
    newton = optim.Newton(tol=0.0)
    params, state = {"w": np.zeros(data.n), "b": np.asarray(0.0)}, newton.init(None)
    for step in range(1, 4):
        params, state = newton.update(params, objective.grad(params), state, objective)
        assert state.factor is None and objective.counts.hessian == step


@settings(max_examples=20)
@given(
    objective=strongly_convex(),
    hessian_every=st.integers(1, 5),
    expand=st.booleans(),
    lr=st.sampled_from([1.0, 0.5, 4.0]),
)
def test_lazy_newton_never_increases_the_cost(objective, hessian_every, expand, lr):
    n = objective.X.shape[1]
    newton = optim.Newton(lr=lr, hessian_every=hessian_every, expand=expand)
    params, state = {"w": np.zeros(n), "b": np.asarray(0.0)}, newton.init(None)
    costs = [objective.value(params)]
    for _ in range(30):
        params, state = newton.update(params, objective.grad(params), state, objective)
        costs.append(objective.value(params))
        if state.converged:
            break
    assert state.converged, costs
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(costs)), costs
    assert objective.counts.hessian <= state.count


def test_lazy_newton_never_diverges_on_separable_data():
    X = np.array([[-2.0, 1.0], [-1.0, 0.5], [1.0, -0.3], [2.0, 0.1]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    newton = optim.Newton(hessian_every=3, expand=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        history = ml.Trainer(ml.Logistic(2), BinaryCrossEntropy(), newton).fit(
            X, y, iterations=60, record_every=1
        )
    costs = [c for _, c in history.costs] + [history.final_cost]
    assert np.isfinite(costs).all() and np.isfinite(ravel(history.params)).all()
    assert all(b <= a for a, b in itertools.pairwise(costs))
    assert history.final_cost < 1e-6


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"hessian_every": 0}, "hessian_every"),
        ({"hessian_every": 2.5}, "hessian_every"),
        ({"hessian_every": True}, "hessian_every"),
        ({"expand": 1}, "expand"),
    ],
)
def test_bad_newton_options_are_config_errors(options, match):
    with pytest.raises(ConfigError, match=match):
        optim.Newton(**options)
