"""The hand-derived gradient against `jax.grad` of the same value and central differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minilogit import gradients
from minilogit._tree import ravel
from minilogit.losses import BinaryCrossEntropy


@given(data=st.data())
def test_analytic_grad_equals_jax_grad(problems, jax_derivative, data) -> None:
    p = data.draw(problems())
    loss = BinaryCrossEntropy(p["l2"])
    analytic = loss.grad(p["params"], p["X"], p["y"])
    auto = jax_derivative("grad", loss, p["params"], p["X"], p["y"])
    assert {k: np.shape(v) for k, v in analytic.items()} == {"w": p["X"].shape[1:], "b": ()}
    assert gradients.relative_error(ravel(analytic), ravel(auto)) < 1e-8


@given(data=st.data())
@settings(max_examples=30)
def test_analytic_grad_equals_central_differences(problems, data) -> None:
    p = data.draw(problems())
    loss = BinaryCrossEntropy(p["l2"])
    analytic = ravel(loss.grad(p["params"], p["X"], p["y"]))
    numeric = ravel(gradients.numeric(loss, eps=1e-6)(p["params"], p["X"], p["y"]))
    # Central differences: truncation O(eps^2 |J'''|) is negligible here; the round-off of
    # J (absolute, about ulp(|z|) per term) divided by 2 eps dominates.
    z_max = float(np.max(np.abs(p["X"] @ p["params"]["w"] + p["params"]["b"])))
    atol = 1e-9 * (1.0 + z_max + p["l2"] * np.sum(p["params"]["w"] ** 2))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=atol)


def test_central_differences_find_a_wrong_gradient() -> None:
    # The comparison above is sharp enough to catch a classic slip: a forgotten 1/m.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), np.array([0, 1] * 4, dtype=float)
    params = {"w": rng.normal(size=3), "b": np.asarray(0.3)}
    loss = BinaryCrossEntropy()
    numeric = ravel(gradients.numeric(loss)(params, X, y))
    sloppy = ravel(loss.grad(params, X, y)) * X.shape[0]
    assert not np.allclose(sloppy, numeric, rtol=1e-6, atol=1e-9)


@given(data=st.data())
# Each autodiff(loss) jits afresh (the loss is baked in), so few examples.
@settings(max_examples=6)
def test_autodiff_gradient_function_matches_analytic(problems, data) -> None:
    p = data.draw(problems())
    loss = BinaryCrossEntropy(p["l2"])
    out = gradients.autodiff(loss)(p["params"], p["X"], p["y"])
    assert sorted(out) == ["b", "w"]
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in out.values())
    assert out["w"].shape == p["params"]["w"].shape and out["b"].shape == ()
    assert (
        gradients.relative_error(ravel(loss.grad(p["params"], p["X"], p["y"])), ravel(out)) < 1e-8
    )


def test_analytic_is_the_loss_grad() -> None:
    loss = BinaryCrossEntropy(0.1)
    assert gradients.analytic(loss) == loss.grad


def test_check_returns_a_table_of_small_errors() -> None:
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 2, 20).astype(float)
    params = {"w": rng.normal(size=4), "b": np.asarray(-0.2)}
    table = gradients.check(BinaryCrossEntropy(0.05), params, X, y)
    assert isinstance(table, pd.DataFrame)
    assert table.index.tolist() == ["b", "w"]
    assert table.columns.tolist() == [
        "norm",
        "analytic_vs_autodiff",
        "analytic_vs_numeric",
        "autodiff_vs_numeric",
    ]
    assert (table["norm"] > 0).all()
    assert (table["analytic_vs_autodiff"] < 1e-12).all()
    assert (table["analytic_vs_numeric"] < 1e-7).all()
    assert (table["autodiff_vs_numeric"] < 1e-7).all()


def test_check_exposes_a_penalised_bias() -> None:
    class PenalisedBias(BinaryCrossEntropy):
        """A wrong hand-derived gradient: it also shrinks the bias."""

        def grad(self, params, X, y):
            g = super().grad(params, X, y)
            return {"w": g["w"], "b": g["b"] + self.l2 * params["b"]}

    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(10, 2)), np.array([0.0, 1.0] * 5)
    table = gradients.check(PenalisedBias(1.0), {"w": np.ones(2), "b": np.asarray(2.0)}, X, y)
    assert table.loc["b", "analytic_vs_autodiff"] > 0.1
    assert table.loc["b", "autodiff_vs_numeric"] < 1e-7
    assert table.loc["w", "analytic_vs_autodiff"] < 1e-12


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1.0, 2.0], [1.0, 2.0], 0.0),
        ([1.0, 2.0], [-1.0, -2.0], 1.0),
        ([0.0, 0.0], [0.0, 0.0], 0.0),
        ([3.0], [1.0], 0.5),
    ],
)
def test_relative_error(a, b, expected) -> None:
    assert gradients.relative_error(np.array(a), np.array(b)) == pytest.approx(expected)
