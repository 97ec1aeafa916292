"""The compiled JAX backend: same results as numpy, float32, sharding across devices, errors.

Tolerances (documented in docs/scaling.md):
* float64, jax vs numpy: relative 1e-10 on parameters and recorded costs after 500 steps.
* float32 vs float64: relative 1e-5 on the final cost, 1e-3 on the parameters.
* sharded vs one device (float64): relative 1e-12.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minilogit as ml
from minilogit import optim
from minilogit._tree import ravel
from minilogit.errors import ConfigError, DivergenceError
from minilogit.losses import BinaryCrossEntropy, CrossEntropy
from minilogit.multiclass import Softmax

FIRST_ORDER = [name for name in optim.OPTIMIZERS if name not in ("newton", "lbfgs")]
# RMSProp's default eps=1e-8 makes its step about lr * sign(g) in a coordinate whose gradient
# has been tiny: there it amplifies 1-ulp differences exponentially (two numpy runs on inputs
# that differ by 1e-15 part ways too). A larger eps keeps the dynamics contracting.
OPTIONS = {"rmsprop": {"eps": 1e-4}}


def _problem(m: int = 200, n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = (X @ rng.normal(size=n) + rng.normal(size=m) > 0).astype(np.float64)
    return X, y


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """200 x 12 standard-normal features, labels from a noisy linear rule."""
    return _problem()


def _fit(X: Any, y: Any, optimizer: Any, loss: Any = None, model: Any = None, **options: Any):
    trainer_keys = ("gradient", "backend", "dtype", "sharded")
    settings_ = {k: options.pop(k) for k in trainer_keys if k in options}
    model = model or ml.Logistic(X.shape[1])
    loss = loss or BinaryCrossEntropy(l2=0.01)
    return ml.Trainer(model, loss, optimizer, **settings_).fit(X, y, **options)


def _rel(a: Any, b: Any) -> float:
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def _assert_same(a: ml.History, b: ml.History, rel: float) -> None:
    assert _rel(ravel(a.params), ravel(b.params)) <= rel
    assert [i for i, _ in a.costs] == [i for i, _ in b.costs]
    assert _rel([c for _, c in a.costs], [c for _, c in b.costs]) <= rel
    assert a.train_accuracy == b.train_accuracy
    assert (a.iterations, a.stop_reason) == (b.iterations, b.stop_reason)
    assert b.final_cost == pytest.approx(a.final_cost, rel=rel)


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_jax_matches_numpy_after_500_steps(data, name: str) -> None:
    X, y = data
    numpy = _fit(X, y, optim.make(name, **OPTIONS.get(name, {})), iterations=500)
    compiled = _fit(X, y, optim.make(name, **OPTIONS.get(name, {})), iterations=500, backend="jax")
    _assert_same(numpy, compiled, 1e-10)
    assert compiled.evaluations.grad == numpy.evaluations.grad
    assert all(v.dtype == np.float64 for v in compiled.params.values())


def test_autodiff_gradient_matches_the_numpy_analytic_run(data) -> None:
    X, y = data
    numpy = _fit(X, y, optim.GradientDescent("auto"), iterations=500)
    compiled = _fit(
        X, y, optim.GradientDescent("auto"), iterations=500, backend="jax", gradient="autodiff"
    )
    _assert_same(numpy, compiled, 1e-10)


def test_mini_batches_and_a_schedule_match_numpy(data) -> None:
    X, y = data
    runs = [
        _fit(
            X,
            y,
            optim.Momentum(optim.Cosine("auto", 300)),
            iterations=300,
            batch_size=32,
            seed=3,
            eval_set=data,
            backend=backend,
        )
        for backend in ("numpy", "jax")
    ]
    _assert_same(*runs, 1e-10)
    assert len(runs[0].eval_costs) == 3
    assert _rel(*(np.array(run.eval_costs) for run in runs)) <= 1e-10


def test_softmax_matches_numpy(data) -> None:
    X, _ = data
    y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])  # three classes
    runs = [
        _fit(X, y, optim.Adam(0.05), CrossEntropy(l2=0.01), Softmax(12, 3), backend=backend)
        for backend in ("numpy", "jax")
    ]
    _assert_same(*runs, 1e-10)


def test_tol_stops_at_the_same_step(data) -> None:
    X, y = data
    runs = [
        _fit(X, y, optim.GradientDescent("auto"), iterations=500, tol=1e-3, backend=backend)
        for backend in ("numpy", "jax")
    ]
    assert runs[0].stop_reason == "tol" and 0 < runs[0].iterations < 500
    _assert_same(*runs, 1e-10)


def test_divergence_names_the_same_step(data) -> None:
    X, y = data
    messages = []
    for backend in ("numpy", "jax"):
        with pytest.raises(DivergenceError, match=r"at iteration \d+ .*smaller learning rate") as e:
            _fit(X, y, optim.GradientDescent(1e120), BinaryCrossEntropy(l2=1.0), backend=backend)
        messages.append(str(e.value))
    assert messages[0] == messages[1]


def test_float32_within_documented_tolerances(data) -> None:
    X, y = data
    f64 = _fit(X, y, optim.Nesterov("auto"), iterations=500, backend="jax")
    f32 = _fit(X, y, optim.Nesterov("auto"), iterations=500, backend="jax", dtype="float32")
    assert f32.final_cost == pytest.approx(f64.final_cost, rel=1e-5)
    assert _rel(ravel(f64.params), ravel(f32.params)) <= 1e-3
    assert [c for _, c in f32.costs] == pytest.approx([c for _, c in f64.costs], rel=1e-5)
    assert all(v.dtype == np.float64 for v in f32.params.values())


@settings(max_examples=4)
@given(
    lr=st.floats(0.01, 1.0),
    l2=st.sampled_from([0.0, 1e-3, 0.1]),
    record_every=st.integers(1, 60),
)
def test_any_safe_setting_matches_numpy(data, lr: float, l2: float, record_every: int) -> None:
    X, y = data
    loss = BinaryCrossEntropy(l2=l2)
    runs = [
        _fit(
            X,
            y,
            optim.GradientDescent(lr),
            loss,
            iterations=60,
            backend=backend,
            record_every=record_every,
        )
        for backend in ("numpy", "jax")
    ]
    _assert_same(*runs, 1e-10)


@pytest.mark.parametrize("name", [n for n in ("newton", "lbfgs") if n in optim.OPTIMIZERS])
def test_second_order_optimizers_are_refused(data, name: str) -> None:
    with pytest.raises(ConfigError, match=r"backend='jax' .*first-order .*backend='numpy'"):
        _fit(*data, optim.make(name), backend="jax")


class _PythonStep(optim.GradientDescent):
    """An update that needs a concrete value (a Python `if` on the gradient)."""

    def update(self, params, grads, state, objective=None):
        if float(grads["b"]) > 0:
            return super().update(params, grads, state, objective)
        return params, state


def test_an_untraceable_optimizer_is_refused_with_its_reason(data) -> None:
    with pytest.raises(ConfigError, match=r"cannot be traced \(ConcretizationTypeError"):
        _fit(*data, _PythonStep(0.1), backend="jax")


class _RenamedLoss(BinaryCrossEntropy):
    """A loss without a jax.numpy twin of its gradient."""


def test_a_loss_without_a_twin_needs_autodiff(data) -> None:
    with pytest.raises(ConfigError, match="use gradient='autodiff'"):
        _fit(*data, optim.GradientDescent(0.1), _RenamedLoss(), backend="jax")
    numpy = _fit(*data, optim.GradientDescent(0.1), _RenamedLoss(), iterations=50)
    compiled = _fit(
        *data,
        optim.GradientDescent(0.1),
        _RenamedLoss(),
        iterations=50,
        backend="jax",
        gradient="autodiff",
    )
    _assert_same(numpy, compiled, 1e-10)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"dtype": "float32"}, r"dtype='float32' needs backend='jax'"),
        ({"sharded": True}, r"sharded=True needs backend='jax'"),
        ({"backend": "jax", "dtype": "float16"}, r"dtype must be one of .*'float16'"),
    ],
)
def test_settings_the_backend_refuses(options: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ml.Trainer(ml.Logistic(2), BinaryCrossEntropy(), optim.GradientDescent(), **options)


def test_cli_backend_and_dtype(cli) -> None:
    results = {}
    for options in ((), ("--backend", "jax"), ("--backend", "jax", "--dtype", "float32")):
        status, out, _ = cli("train", "--json", "--iterations", "200", *options)
        assert status == 0
        results[options] = json.loads(out)
    numpy, f64, f32 = results.values()
    assert f64["final_cost"] == pytest.approx(numpy["final_cost"], rel=1e-10)
    assert f32["final_cost"] == pytest.approx(numpy["final_cost"], rel=1e-5)
    assert f32["test_accuracy"] == pytest.approx(numpy["test_accuracy"], abs=0.5)
    status, _, err = cli("train", "--dtype", "float32")
    assert status == 2 and err.strip() == "error: --dtype float32 needs --backend jax"


SHARDED_SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import jax
    import minilogit as ml
    from minilogit import jax_backend, optim
    from minilogit._tree import ravel
    from minilogit.errors import ConfigError

    rng = np.random.default_rng(0)
    out = {"devices": jax.device_count(), "rel": {}}
    for m in (203,):  # not a multiple of 4: the last device gets a zero-weight row
        X = rng.normal(size=(m, 12))
        y = (X @ rng.normal(size=12) > 0).astype(float)
        for label, options in (("full", {}), ("batch", {"batch_size": 40})):
            params = []
            for sharded in (False, True):
                trainer = ml.Trainer(ml.Logistic(12), ml.losses.BinaryCrossEntropy(0.01),
                                     optim.Momentum("auto"), backend="jax", sharded=sharded)
                params.append(ravel(trainer.fit(X, y, iterations=200, **options).params))
            rel = np.linalg.norm(params[0] - params[1]) / np.linalg.norm(params[0])
            out["rel"][f"{label} m={m}"] = float(rel)
    runner = jax_backend.CompiledRunner(trainer, "full", ml.objective.Counts(), float, (X, y))
    out["shards"] = sorted(s.data.shape[0] for s in runner.data[0].addressable_shards)
    out["weights"] = float(runner.data[2].sum())
    trainer.gradient = "autodiff"
    try:
        trainer.fit(X, y, iterations=5)
    except ConfigError as exc:
        out["autodiff"] = str(exc)
    print(json.dumps(out))
    """
)


@pytest.fixture()
def blocked(monkeypatch) -> list[int]:
    """Every full-batch binary fit takes the blocked single-pass step, in blocks of 30 rows of
    12 float64 features (200 rows: six blocks and one of 20); counts the blocked steps traced."""
    from minilogit import jax_backend

    traced: list[int] = []
    step = jax_backend._binary_blocked

    def spy(loss, params, blocks, labels, m):
        traced.append(len(blocks))
        return step(loss, params, blocks, labels, m)

    monkeypatch.setattr(jax_backend, "BLOCKED_MIN_BYTES", 0)
    monkeypatch.setattr(jax_backend, "BLOCK_BYTES", 30 * 12 * 8)
    monkeypatch.setattr(jax_backend, "_binary_blocked", spy)
    return traced


@pytest.mark.parametrize("optimizer", ["gd", "nesterov"])
def test_blocked_step_matches_numpy_after_500_steps(data, blocked, optimizer: str) -> None:
    X, y = data
    runs = [
        _fit(X, y, optim.make(optimizer, "auto"), iterations=500, tol=1e-4, backend=backend)
        for backend in ("numpy", "jax")
    ]
    assert blocked and set(blocked) == {7}
    _assert_same(*runs, 1e-10)


def test_blocked_step_is_only_for_one_device_full_batch_binary_analytic(data, blocked) -> None:
    X, y = data
    for options in ({"batch_size": 50}, {"gradient": "autodiff"}):
        numpy = _fit(X, y, optim.GradientDescent(0.1), iterations=20, seed=1, **options)
        compiled = _fit(
            X, y, optim.GradientDescent(0.1), iterations=20, seed=1, backend="jax", **options
        )
        _assert_same(numpy, compiled, 1e-10)
    assert not blocked


def test_blocked_step_divergence_names_the_same_step(data, blocked) -> None:
    X, y = data
    messages = []
    for backend in ("numpy", "jax"):
        with pytest.raises(DivergenceError, match=r"at iteration \d+ .*smaller learning rate") as e:
            _fit(X, y, optim.GradientDescent(1e120), BinaryCrossEntropy(l2=1.0), backend=backend)
        messages.append(str(e.value))
    assert blocked and messages[0] == messages[1]


def test_blocked_step_keeps_its_ordering_multiply_by_zero() -> None:
    """XLA must not fold `0.0 * g` (IEEE: it is `nan` for an infinite `g`): the compiled step
    still multiplies by a zero constant, the data dependency that orders the blocks."""
    import re

    from minilogit._jax import load_jax
    from minilogit.jax_backend import binary_value_and_grad

    jax = load_jax()
    X, y = _problem(m=40, n=6)
    blocks = tuple(jax.numpy.asarray(X[i : i + 10]) for i in range(0, 40, 10))
    labels = tuple(jax.numpy.asarray(y[i : i + 10]) for i in range(0, 40, 10))
    params = {"w": jax.numpy.zeros(6), "b": jax.numpy.zeros(())}

    def step(params: Any, blocks: tuple, labels: tuple) -> Any:
        return binary_value_and_grad(BinaryCrossEntropy(), params, blocks, labels, None, 40.0)[1]

    hlo = jax.jit(step).lower(params, blocks, labels).compile().as_text()
    zeros = re.findall(r"(%[\w.-]+) = f64\[[\d,]*\](?:\{[\d,]*\})? constant\(\{?0\}?\)", hlo)
    times_zero = [
        ln
        for ln in hlo.splitlines()
        if " multiply(" in ln and any(z + ")" in ln or z + "," in ln for z in zeros)
    ]
    assert len(times_zero) >= 3  # one per block after the first


def test_sharded_matches_one_device_on_four_cpu_devices() -> None:
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    proc = subprocess.run(
        [sys.executable, "-c", SHARDED_SCRIPT], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["devices"] == 4
    assert set(out["rel"]) == {"full m=203", "batch m=203"}
    assert max(out["rel"].values()) <= 1e-12
    assert out["shards"] == [51, 51, 51, 51]  # 203 rows padded to 204, one part per device
    assert out["weights"] == 203.0
    assert "use gradient='analytic'" in out["autodiff"] and "drop 3 rows" in out["autodiff"]


def test_import_minilogit_leaves_jax_unloaded() -> None:
    code = "import sys, minilogit; sys.exit('jax' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
