"""Shared fixtures: a seeded Hypothesis profile, the embedded digits, workbook builders, the CLI.

Every Hypothesis test is derandomized (the same examples on every run) and has no deadline:
the first call of a JAX function compiles, which would otherwise look like a slow example.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minilogit as ml
from minilogit._jax import load_jax

settings.register_profile(
    "minilogit",
    derandomize=True,
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("minilogit")

# JAX compiles once per shape, so the property tests draw from a few shapes only.
SHAPES = ((1, 1), (6, 3), (40, 5))
# With |x_ij| <= 1, |w_j| <= scale / n and |b| <= scale, every logit satisfies |z| <= 2 scale:
# the largest scale reaches the "extreme logits" |z| = 1e3 where np.log(sigmoid(z)) fails.
SCALES = (0.0, 1e-3, 1.0, 30.0, 500.0)


@st.composite
def _problems(draw: st.DrawFn, both_classes: bool = False) -> dict:
    m, n = draw(st.sampled_from(SHAPES))
    if both_classes and m < 2:
        m, n = 6, 3
    unit = st.floats(-1.0, 1.0, allow_nan=False)
    X = draw(hnp.arrays(np.float64, (m, n), elements=unit))
    y = draw(hnp.arrays(np.float64, (m,), elements=st.sampled_from([0.0, 1.0])))
    if both_classes:
        y[:2] = [0.0, 1.0]
    scale = draw(st.sampled_from(SCALES))
    w = draw(hnp.arrays(np.float64, (n,), elements=unit)) * scale / n
    b = np.asarray(draw(unit) * scale)
    l2 = draw(st.one_of(st.just(0.0), st.floats(1e-6, 10.0)))
    return {"params": {"w": w, "b": b}, "X": X, "y": y, "l2": l2}


@pytest.fixture(scope="session")
def problems() -> Callable[..., st.SearchStrategy[dict]]:
    """Strategy factory: `problems(both_classes=False)` draws params, X (m, n), y (m,), l2."""
    return _problems


@pytest.fixture(scope="session")
def jax_derivative() -> Callable[..., Any]:
    """`jax_derivative(kind, loss, params, X, y)`: `jax.grad` or `jax.hessian` of `loss.value`.

    The result is numpy, with the structure JAX gives (`hessian`: a dict of dicts). The
    transform is jitted with the loss's class static and `l2` traced (set on a fresh instance),
    so it compiles once per shape rather than once per drawn `l2`.
    """
    jax = load_jax()

    def make(kind: str) -> Callable[..., Any]:
        def derivative(cls: type, l2: Any, params: dict, X: Any, y: Any) -> Any:
            loss = cls.__new__(cls)
            loss.l2 = l2
            return getattr(jax, kind)(loss.value)(params, X, y)

        return jax.jit(derivative, static_argnums=0)

    compiled = {kind: make(kind) for kind in ("grad", "hessian")}

    def run(kind: str, loss: Any, params: dict, X: np.ndarray, y: np.ndarray) -> Any:
        out = compiled[kind](type(loss), loss.l2, params, X, y)
        return jax.tree_util.tree_map(np.asarray, out)

    return run


@pytest.fixture(scope="session")
def digits() -> ml.Dataset:
    """The embedded digits (read once per session)."""
    return ml.datasets.load_digits()


@pytest.fixture(scope="session")
def ones(digits: ml.Dataset) -> ml.Dataset:
    """The embedded digits relabelled "is it a 1?"."""
    return digits.one_vs_rest(1)


def sorted_dataset(per_label: int = 30, n_features: int = 16, seed: int = 0) -> ml.Dataset:
    """A small data set in the article's style: labels 1..10 (10 stands for 0), sorted.

    Each label has its own random prototype image plus noise, so "is it a 1?" is learnable,
    and the rows come in label order, 1 first, like the article's workbook.
    """
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(1, 11), per_label)
    prototypes = rng.uniform(0.0, 1.0, (10, n_features))
    X = prototypes[labels - 1] + rng.normal(0.0, 0.1, (labels.size, n_features))
    side = int(np.sqrt(n_features))
    return ml.Dataset(X, labels, (side, side) if side * side == n_features else None)


@pytest.fixture(scope="session")
def sorted_set() -> ml.Dataset:
    """`sorted_dataset()`: 300 rows, labels 1..10 in order, 16 features."""
    return sorted_dataset()


@pytest.fixture
def sorted_workbook(tmp_path: Path) -> Path:
    """A label-sorted workbook in the article's layout (sheets X and Y, no header)."""
    path = tmp_path / "dataset.xlsx"
    ml.write_workbook(path, sorted_dataset())
    return path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `minilogit ARGS...` in-process: returns `(exit status, stdout, stderr)`.

    argparse errors end in `SystemExit(2)`; that counts as the exit status too.
    """
    from minilogit.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = exc.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread_everywhere() -> Any:
    """Pin BLAS to one thread: on a small shared CI machine threads fight over cores."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Keep the parsed-workbook cache of the whole run out of the user's cache directory."""
    import os

    old = os.environ.get("MINILOGIT_CACHE_DIR")
    os.environ["MINILOGIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("minilogit-cache"))
    yield
    if old is None:
        os.environ.pop("MINILOGIT_CACHE_DIR", None)
    else:
        os.environ["MINILOGIT_CACHE_DIR"] = old
