"""Parity with optax: every first-order optimizer follows its optax twin step for step."""

from __future__ import annotations

import numpy as np
import pytest

import minilogit as ml
from minilogit import optim
from minilogit._jax import load_jax
from minilogit._tree import norm, ravel, tree_map

jax = load_jax()
jnp = jax.numpy
optax = pytest.importorskip("optax")

STEPS = 60


@pytest.fixture(scope="module")
def problem():
    """A small logistic problem with a non-zero start, so every coordinate moves."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(120, 6))
    y = (X @ rng.normal(size=6) + 0.5 * rng.normal(size=120) > 0).astype(float)
    start = {"w": rng.normal(scale=0.3, size=6), "b": np.array(0.2)}
    return ml.losses.BinaryCrossEntropy(l2=0.01), X, y, start


def ours_trajectory(opt, loss, X, y, start):
    params, state, path = start, opt.init(start), []
    for _ in range(STEPS):
        params, state = opt.update(params, loss.grad(params, X, y), state)
        path.append(ravel(params))
    return np.array(path)


def optax_trajectory(tx, loss, X, y, start):
    # The gradient is the same hand-derived one, evaluated at optax's own iterate.
    params = tree_map(jnp.asarray, start)
    state, path = tx.init(params), []
    for _ in range(STEPS):
        grads = loss.grad(tree_map(np.asarray, params), X, y)
        updates, state = tx.update(tree_map(jnp.asarray, grads), state, params)
        params = optax.apply_updates(params, updates)
        path.append(ravel(tree_map(np.asarray, params)))
    return np.array(path)


TWINS = {
    "gd": (lambda: optim.GradientDescent(0.5), lambda: optax.sgd(0.5)),
    "gd-exponential": (
        # optax's own schedules compute in float32 from its int32 step count; ours stay float64.
        lambda: optim.GradientDescent(optim.Exponential(0.8, gamma=0.5, every=20)),
        lambda: optax.sgd(optim.Exponential(0.8, gamma=0.5, every=20)),
    ),
    "momentum": (lambda: optim.Momentum(0.2, 0.9), lambda: optax.sgd(0.2, momentum=0.9)),
    "nesterov": (
        lambda: optim.Nesterov(0.2, 0.8),
        lambda: optax.sgd(0.2, momentum=0.8, nesterov=True),
    ),
    "adagrad": (lambda: optim.AdaGrad(0.3), lambda: optax.adagrad(0.3)),
    "adagrad-zero-start": (
        lambda: optim.AdaGrad(0.3, initial_accumulator=0.0, eps=1e-10),
        lambda: optax.adagrad(0.3, initial_accumulator_value=0.0, eps=1e-10),
    ),
    "rmsprop": (lambda: optim.RMSProp(0.01), lambda: optax.rmsprop(0.01)),
    "rmsprop-eps-outside": (
        lambda: optim.RMSProp(0.01, decay=0.95, eps=1e-6, eps_in_sqrt=False),
        lambda: optax.rmsprop(0.01, decay=0.95, eps=1e-6, eps_in_sqrt=False),
    ),
    "adam": (lambda: optim.Adam(0.05), lambda: optax.adam(0.05)),
    "adam-cosine": (
        # Our schedule objects are plain callables, so optax accepts them too.
        lambda: optim.Adam(optim.Cosine(0.05, steps=40, alpha=0.1)),
        lambda: optax.adam(optim.Cosine(0.05, steps=40, alpha=0.1)),
    ),
    "adamw-decay-bias": (
        lambda: optim.AdamW(0.05, weight_decay=0.1, decay_bias=True),
        lambda: optax.adamw(0.05, weight_decay=0.1),
    ),
    "adamw-masked": (
        lambda: optim.AdamW(0.05, weight_decay=0.1),
        lambda: optax.adamw(0.05, weight_decay=0.1, mask={"b": False, "w": True}),
    ),
}


@pytest.mark.parametrize("name", TWINS)
def test_trajectory_matches_optax(problem, name):
    ours, theirs = TWINS[name]
    a = ours_trajectory(ours(), *problem)
    b = optax_trajectory(theirs(), *problem)
    assert a.shape == (STEPS, 7)
    assert np.ptp(a, axis=0).min() > 1e-3, "every coordinate should move"
    relative = np.linalg.norm(a - b, axis=1) / np.linalg.norm(b, axis=1)
    assert relative.max() <= 1e-10, f"worst step {relative.argmax()}: {relative.max():.2e}"


def test_adamw_default_differs_from_unmasked_optax(problem):
    """The bias convention matters: decaying b gives a different trajectory."""
    a = ours_trajectory(optim.AdamW(0.05, weight_decay=0.1), *problem)
    b = optax_trajectory(optax.adamw(0.05, weight_decay=0.1), *problem)
    assert np.abs(a - b).max() > 1e-6


def fit(optimizer, X, y, **kwargs):
    model = ml.Logistic(X.shape[1])
    history = ml.Trainer(model, ml.losses.BinaryCrossEntropy(l2=0.01), optimizer).fit(
        X, y, record_every=10, **kwargs
    )
    return history


@pytest.mark.parametrize("batch_size", [None, 32])
def test_from_optax_in_trainer_matches_ours(problem, batch_size):
    _, X, y, _ = problem
    ours = fit(optim.Adam(0.05), X, y, iterations=50, batch_size=batch_size, seed=3)
    theirs = fit(
        optim.from_optax(optax.adam(0.05)), X, y, iterations=50, batch_size=batch_size, seed=3
    )
    a, b = ravel(ours.params), ravel(theirs.params)
    assert np.linalg.norm(a - b) <= 1e-10 * np.linalg.norm(b)
    assert [c for _, c in ours.costs] == pytest.approx([c for _, c in theirs.costs], rel=1e-10)
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in theirs.params.values())


def test_from_optax_lbfgs_reaches_newton_optimum(problem):
    _, X, y, _ = problem
    newton = fit(optim.Newton(tol=0.0), X, y, iterations=20, tol=1e-12)
    history = fit(optim.from_optax(optax.lbfgs()), X, y, iterations=100, tol=1e-9)
    assert history.stop_reason == "tol"
    assert history.final_cost == pytest.approx(newton.final_cost, rel=1e-12)
    assert norm(tree_map(np.subtract, history.params, newton.params)) < 1e-7


def test_from_optax_rejects_non_transformations():
    with pytest.raises(ml.ConfigError, match="GradientTransformation"):
        optim.from_optax(optim.Adam(0.1).update)
    assert "from_optax" in repr(optim.from_optax(optax.sgd(0.1)))
