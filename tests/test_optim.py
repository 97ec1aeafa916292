"""First-order optimizers, schedules, the registry and mini-batches."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minilogit as ml
from minilogit import optim
from minilogit._tree import ravel, tree_map
from minilogit.errors import ConfigError, ConvergenceWarning
from minilogit.losses import BinaryCrossEntropy
from minilogit.objective import Objective

FIRST_ORDER = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


def test_registry_names_every_optimizer():
    assert tuple(optim.OPTIMIZERS) == (*FIRST_ORDER, "newton", "lbfgs")
    for name, cls in optim.OPTIMIZERS.items():
        opt = optim.make(name)
        assert isinstance(opt, cls) and isinstance(opt, optim.Optimizer)
        assert repr(opt).startswith(cls.__name__)
        assert "$$" in cls.__doc__, f"{cls.__name__} should state its update rule"


def test_make_uses_auto_only_where_it_applies():
    assert [optim.default_lr(n) for n in FIRST_ORDER] == ["auto"] * 3 + [0.1, 0.01, 0.01, 0.01]
    assert optim.make("adam", lr=0.02, b1=0.5).b1 == 0.5
    with pytest.raises(ConfigError, match="unknown optimizer 'sgd'; choose one of gd, "):
        optim.make("sgd")


@pytest.mark.parametrize("cls", [optim.AdaGrad, optim.RMSProp, optim.Adam, optim.AdamW])
def test_adaptive_methods_refuse_auto(cls):
    with pytest.raises(ConfigError, match=r"lr='auto'.*give a number such as 0\.01"):
        cls(lr="auto")
    with pytest.raises(ConfigError, match="lr='auto'"):
        cls(lr=optim.Cosine("auto", steps=10))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: optim.Momentum(momentum=1.0), r"momentum must be a number in \[0, 1\)"),
        (lambda: optim.Adam(b2=-0.1), "b2 must be"),
        (lambda: optim.AdaGrad(eps=-1.0), "eps must be a number >= 0"),
        (lambda: optim.AdamW(weight_decay=float("inf")), "weight_decay must be finite"),
        (lambda: optim.GradientDescent(lr=0.0), "lr must be a positive finite number"),
        (lambda: optim.StepDecay(0.1, every=0), "every must be a positive integer"),
        (lambda: optim.Exponential(0.1, gamma=1.5), r"gamma must be in \[0.0, 1.0\]"),
        (lambda: optim.Cosine(optim.Constant(0.1), steps=5), "base lr must be a number"),
        (lambda: optim.make_schedule("linear", 0.1, 10), "unknown schedule 'linear'"),
    ],
)
def test_bad_settings_are_config_errors(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_schedules_follow_their_formulas():
    steps = np.arange(0, 40)
    assert [optim.Constant(0.3)(t) for t in (0, 39)] == [0.3, 0.3]
    assert optim.StepDecay(0.4, every=10, gamma=0.1)(25) == pytest.approx(0.004)
    assert optim.Exponential(1.0, gamma=0.5, every=10)(5) == pytest.approx(2**-0.5)
    assert optim.InverseTime(1.0, gamma=2.0, every=4)(6) == pytest.approx(0.25)
    cosine = optim.Cosine(1.0, steps=20, alpha=0.1)
    assert [cosine(0), cosine(10), cosine(20), cosine(35)] == pytest.approx([1, 0.55, 0.1, 0.1])
    # Every CLI schedule starts at the base rate, never increases and stays positive.
    for name in optim.SCHEDULES:
        rates = np.array([optim.make_schedule(name, 0.5, 40)(t) for t in steps])
        assert rates[0] == 0.5 and (np.diff(rates) <= 1e-15).all() and rates.min() > 0, name
    assert repr(optim.make_schedule("step", 0.5, 40)) == "StepDecay(lr=0.5, every=10, gamma=0.5)"


def test_schedule_with_auto_base_scales_one_over_l():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), (rng.random(30) < 0.5).astype(float)
    objective = Objective(BinaryCrossEntropy(), X, y)
    schedule = optim.StepDecay("auto", every=2)
    assert optim.resolve_lr(schedule, 3, objective) == pytest.approx(0.5 / objective.lipschitz)
    with pytest.raises(ConfigError, match="only an optimizer can resolve"):
        schedule(0)
    with pytest.raises(ConfigError, match="needs the trainer's objective"):
        optim.resolve_lr("auto", 0, None)


def _problem(seed: int, m: int, n: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    direction = rng.normal(size=n)
    # A clear signal (|w| = 4), so the optimum is well away from the zero start.
    y = (X @ (4 * direction / np.linalg.norm(direction)) + rng.normal(size=m) > 0).astype(float)
    y[:2] = [0.0, 1.0]
    return X, y


SAFE = {
    "gd": lambda: optim.GradientDescent("auto"),
    "momentum": lambda: optim.Momentum("auto", 0.5),
    "nesterov": lambda: optim.Nesterov("auto", 0.5),
    "adagrad": lambda: optim.AdaGrad(0.05),
    "rmsprop": lambda: optim.RMSProp(0.005),
    "adam": lambda: optim.Adam(0.01),
    "adamw": lambda: optim.AdamW(0.01, weight_decay=0.01),
    "cosine-gd": lambda: optim.GradientDescent(optim.Cosine("auto", steps=30)),
    "newton": lambda: optim.Newton(),
    "lbfgs": lambda: optim.LBFGS(),
}


@settings(max_examples=12)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.sampled_from([(20, 1), (50, 4)]),
    l2=st.sampled_from([0.0, 0.01, 0.1]),
    batch=st.booleans(),
)
def test_every_optimizer_lowers_the_cost(seed, shape, l2, batch):
    """Safe settings: 1/L steps, small adaptive rates; mini-batches of half the rows."""
    X, y = _problem(seed, *shape)
    loss = BinaryCrossEntropy(l2=l2)
    start = {"w": np.zeros(shape[1]), "b": np.asarray(0.0)}
    for name, make in SAFE.items():
        model = ml.Logistic(shape[1])
        stochastic = batch and shape[0] > 20 and name not in ("newton", "lbfgs")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            history = ml.Trainer(model, loss, make()).fit(
                X, y, iterations=30, batch_size=shape[0] // 2 if stochastic else None, seed=seed
            )
        assert history.final_cost < loss.value(start, X, y), name


def test_gradient_descent_with_auto_never_increases_the_cost():
    X, y = _problem(3, 60, 4)
    history = ml.Trainer(ml.Logistic(4), BinaryCrossEntropy(), optim.GradientDescent("auto")).fit(
        X, y, iterations=50, record_every=1
    )
    costs = [c for _, c in history.costs]
    assert all(b <= a for a, b in itertools.pairwise(costs))


def test_momentum_velocity_accumulates():
    opt = optim.Nesterov(lr=0.1, momentum=0.5)
    params, grads = (
        {"w": np.array([1.0]), "b": np.asarray(0.0)},
        {
            "w": np.array([1.0]),
            "b": np.asarray(0.0),
        },
    )
    state = opt.init(params)
    params, state = opt.update(params, grads, state)  # v = 1, step = 1 + 0.5
    params, state = opt.update(params, grads, state)  # v = 1.5, step = 1 + 0.75
    assert params["w"].tolist() == pytest.approx([1 - 0.15 - 0.175])
    assert state.count == 2 and state.velocity["w"].tolist() == [1.5]


def test_adagrad_leaves_never_updated_coordinates_alone():
    opt = optim.AdaGrad(lr=0.1, initial_accumulator=0.0, eps=0.0)
    params = {"w": np.array([1.0, 2.0]), "b": np.asarray(0.5)}
    grads = {"w": np.array([0.0, 3.0]), "b": np.asarray(0.0)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division-by-zero RuntimeWarning either
        new, _ = opt.update(params, grads, opt.init(params))
    assert new["w"].tolist() == [1.0, 1.9] and float(new["b"]) == 0.5


def test_mini_batches_are_seeded_epoch_permutations():
    """fit(batch_size=B) is SGD over a fresh permutation each epoch, drawn from `seed`."""
    X, y = _problem(0, 40, 3)
    loss = BinaryCrossEntropy(l2=0.01)
    history = ml.Trainer(ml.Logistic(3), loss, optim.GradientDescent(0.5)).fit(
        X, y, iterations=12, batch_size=10, seed=42
    )
    rng, params = np.random.default_rng(42), {"w": np.zeros(3), "b": np.asarray(0.0)}
    order = np.concatenate([rng.permutation(40) for _ in range(3)])
    for step in range(12):
        rows = order[10 * step : 10 * (step + 1)]
        grads = loss.grad(params, X[rows], y[rows])
        params = tree_map(lambda p, g: p - 0.5 * g, params, grads)
    assert ravel(history.params) == pytest.approx(ravel(params), rel=1e-13)
    again = ml.Trainer(ml.Logistic(3), loss, optim.GradientDescent(0.5)).fit(
        X, y, iterations=12, batch_size=10, seed=42
    )
    other = ml.Trainer(ml.Logistic(3), loss, optim.GradientDescent(0.5)).fit(
        X, y, iterations=12, batch_size=10, seed=43
    )
    assert (ravel(again.params) == ravel(history.params)).all()
    assert not np.allclose(ravel(other.params), ravel(history.params))


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_first_order_updates_run_under_jax_jit(name):
    """The same update code runs on JAX arrays inside jit, with a traced step count."""
    from minilogit._jax import load_jax

    jax = load_jax()
    opt = optim.make(name, lr=optim.Cosine(0.1, steps=5))
    X, y = _problem(1, 20, 2)
    loss = BinaryCrossEntropy(l2=0.1)
    params = {"w": np.array([0.3, -0.2]), "b": np.asarray(0.1)}

    def run(p, state):
        def body(carry, _):
            p, state = carry
            return opt.update(p, jax.grad(loss.value)(p, X, y), state), None

        return jax.lax.scan(body, (p, state), length=5)[0]

    state = opt.init(params)
    jitted = jax.jit(run)(tree_map(jax.numpy.asarray, params), state)
    p, s = params, state
    for _ in range(5):
        p, s = opt.update(p, loss.grad(p, X, y), s)
    assert ravel(tree_map(np.asarray, jitted[0])) == pytest.approx(ravel(p), rel=1e-12)
