"""Milliseconds per gradient-descent iteration: the article's numpy loop vs minilogit's backends.

One synthetic problem of 20,000 examples x 784 features (MNIST-sized rows), plain gradient
descent at the article's learning rate 0.005, timed four ways side by side:

* the article's loop, as it was written: `(n, m)` layout, `sigmoid(np.dot(w.T, X) + b)`,
  the cost with `np.log(A)`, `dw = 1/m * np.dot(X, (A - Y).T)` (the lines lost when the page
  was saved restored; nothing else changed);
* `minilogit` with `backend="numpy"`;
* `minilogit` with `backend="jax"` in float64 and in float32 (compiled `lax.scan` chunks;
  at this size a step reads `X` once, in row blocks: see `jax_backend.BLOCKED_MIN_BYTES`).

Each is timed as whole runs of N and of 2N iterations (cost recorded every 100, as in the
article); the cost of one iteration is the difference divided by N, so the fixed costs of a
run (validating the data, converting it to float32, moving it to the device, the final cost)
drop out of it and are reported apart, per run, as "setup". The JAX compile time is the first
fit minus the later ones and is reported apart too. Each time is the median of `--repeat` runs.
Target: jax float32 at most 0.5x the article's loop per iteration.

Run: `python benchmarks/bench_backends.py [--iterations N] [--repeat R]` (about a minute).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from bench_article import ARTICLE
from bench_load import median_seconds

import minilogit as ml

M, N_FEATURES, LR = 20_000, 784, 0.005


def make_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-like features in [0, 1] and labels from a noisy linear rule."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, (M, N_FEATURES))
    w = rng.normal(0.0, 1.0, N_FEATURES) / np.sqrt(N_FEATURES)
    y = (X @ w - np.median(X @ w) + rng.normal(0.0, 0.1, M) > 0).astype(np.float64)
    return X, y


def article_code() -> dict[str, Any]:
    """The article's `sigmoid`, `initialize_with_zeros`, `propagate` and `optimize`, run from
    the one copy of its code the benchmarks keep (`bench_article.ARTICLE`, lost lines restored):
    its names, its `(n, m)` layout, its cost with `np.log(A)`."""
    source = ARTICLE[ARTICLE.index("def sigmoid") : ARTICLE.index("def predict")]
    namespace: dict[str, Any] = {"np": np}
    exec(source, namespace)
    return namespace


def per_iteration(run: Any, iterations: int, repeat: int) -> tuple[float, float]:
    """`(ms per iteration, setup seconds)` from timing `run(N)` and `run(2N)`."""
    short = median_seconds(lambda: run(iterations), repeat)
    long = median_seconds(lambda: run(2 * iterations), repeat)
    step = (long - short) / iterations
    return step * 1e3, max(short - step * iterations, 0.0)


def time_article(X: np.ndarray, y: np.ndarray, iterations: int, repeat: int) -> tuple:
    """(ms per iteration, setup seconds, compile seconds) of the article's `optimize`."""
    code = article_code()
    x_train, y_train = np.array(X.T), y.reshape(1, -1)
    w, b = code["initialize_with_zeros"](N_FEATURES)
    run = lambda n: code["optimize"](w, b, x_train, y_train, n, LR)  # noqa: E731
    return (*per_iteration(run, iterations, repeat), 0.0)


def time_minilogit(
    X: np.ndarray, y: np.ndarray, iterations: int, repeat: int, **settings: str
) -> tuple[float, float, float]:
    """(ms per iteration, setup seconds, compile seconds) of `Trainer.fit` with `settings`."""
    trainer = ml.Trainer(
        ml.Logistic(N_FEATURES), ml.losses.BinaryCrossEntropy(), ml.optim.GradientDescent(LR),
        **settings,
    )  # fmt: skip

    def fit(n: int) -> None:
        trainer.model.init()
        trainer.fit(X, y, iterations=n, record_every=100, progress=False)

    compile_s = 0.0
    if settings.get("backend") == "jax":
        for n in (iterations, 2 * iterations):  # compile both chunk lengths once
            start = time.perf_counter()
            fit(n)
            compile_s += time.perf_counter() - start
        compile_s -= median_seconds(lambda: fit(iterations), repeat) + median_seconds(
            lambda: fit(2 * iterations), repeat
        )
    return (*per_iteration(fit, iterations, repeat), max(compile_s, 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200, help="N (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="median of R runs (default 3)")
    args = parser.parse_args()

    from minilogit._jax import load_jax

    jax = load_jax()
    X, y = make_problem()
    print(f"problem: {M} x {N_FEATURES}, gradient descent lr={LR}, N={args.iterations}")
    print(f"jax {jax.__version__} devices: {', '.join(str(d) for d in jax.devices())}")
    article = time_article(X, y, args.iterations, args.repeat)
    rows = [("article's numpy loop, (n, m) layout", *article)]
    for label, settings in (
        ("minilogit backend=numpy", {}),
        ("minilogit backend=jax float64", {"backend": "jax"}),
        ("minilogit backend=jax float32", {"backend": "jax", "dtype": "float32"}),
    ):
        rows.append((label, *time_minilogit(X, y, args.iterations, args.repeat, **settings)))
    reference = rows[0][1]
    print(f"\n{'':38} {'ms/iteration':>12} {'x article':>10} {'setup s':>8} {'compile s':>10}")
    for label, ms, setup_s, compile_s in rows:
        compiled = f"{compile_s:10.2f}" if compile_s else f"{'-':>10}"
        print(f"{label:38} {ms:12.2f} {ms / reference:10.2f} {setup_s:8.2f} {compiled}")
    ratio = rows[-1][1] / reference
    verdict = "met" if ratio <= 0.5 else "NOT met"
    print(f"\ntarget jax float32 <= 0.5x the article's loop: {ratio:.2f}x ({verdict})")


if __name__ == "__main__":
    main()
